#!/usr/bin/env python3
"""Proves tests/unit/test_garbage_inputs.c covers the public API: every LLMOBS_API function
(as listed by tests/tools/header_functions.py) that takes a pointer or string argument must
have a ROW() in that test's table, unless it is in EXCLUDED below. Also fails on table rows
naming functions that no longer exist and on stale exclusions. Stdlib only."""

import os
import re
import sys

SRC = os.environ.get("LLMOBS_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import header_functions  # noqa: E402

# Functions with pointer arguments where garbage makes no sense. Each needs a reason.
EXCLUDED = {
    # (none today: every pointer-taking function is in the table. Example of an entry:)
    # "llmobs_foo": "takes only a callback that the library never calls with garbage",
}


def pointer_functions(include_dir):
    """Names of LLMOBS_API functions with at least one pointer parameter."""
    out = set()
    for name in os.listdir(include_dir):
        if not name.endswith(".h"):
            continue
        text = open(os.path.join(include_dir, name), encoding="utf-8").read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"#define\s+LLMOBS_API.*", "", text)
        for m in header_functions.DECL.finditer(text):
            if "*" in m.group(3) or "_fn " in m.group(3) + " ":
                out.add(m.group(2))
    return out


def main():
    include_dir = os.path.join(SRC, "include", "llmobs")
    public = header_functions.header_functions([include_dir])
    assert public, "no LLMOBS_API functions found in " + include_dir
    needed = pointer_functions(include_dir)
    test_c = open(os.path.join(SRC, "tests", "unit", "test_garbage_inputs.c"),
                  encoding="utf-8").read()
    rows = set(re.findall(r"^\s*ROW\((llmobs_\w+),", test_c, flags=re.M))
    errors = []
    for f in sorted(needed - rows - set(EXCLUDED)):
        errors.append("%s takes a pointer argument but has no ROW() in test_garbage_inputs.c"
                      " (add one, or an EXCLUDED entry with a reason)" % f)
    for f in sorted(rows - set(public)):
        errors.append("ROW(%s) names no public function" % f)
    for f in sorted(set(EXCLUDED) - needed):
        errors.append("EXCLUDED entry %s is not a public pointer-taking function" % f)
    for f in sorted(set(EXCLUDED) & rows):
        errors.append("%s is both EXCLUDED and in the table" % f)
    if errors:
        sys.exit("\n".join(errors))
    print("garbage coverage: %d of %d public functions take pointers; %d rows, %d excluded"
          % (len(needed), len(public), len(rows), len(EXCLUDED)))


if __name__ == "__main__":
    main()
