#!/usr/bin/env python3
"""Lists the functions declared with LLMOBS_API in public headers, one per line, sorted.

Usage: header_functions.py [--counts] HEADER_OR_DIR...
  --counts   print "name nparams return-type" instead of the bare name
Used by the ABI check (tests/integration/test_install_package.sh) and by the Python binding's
coverage test, so both read the headers the same way."""

import glob
import os
import re
import sys

DECL = re.compile(r"LLMOBS_API\s+([^;{}]*?)\b(llmobs_\w+)\s*\(([^;]*?)\)\s*;", re.S)


def header_functions(paths):
    """{name: (return type text, number of parameters)} for every LLMOBS_API declaration."""
    files = []
    for p in paths:
        files += sorted(glob.glob(os.path.join(p, "*.h"))) if os.path.isdir(p) else [p]
    out = {}
    for path in files:
        text = open(path, encoding="utf-8").read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"#define\s+LLMOBS_API.*", "", text)
        for m in DECL.finditer(text):
            ret, name, params = " ".join(m.group(1).split()), m.group(2), m.group(3).strip()
            n = 0 if params in ("", "void") else params.count(",") + 1
            out[name] = (ret, n)
    return out


def main(argv):
    counts = "--counts" in argv
    paths = [a for a in argv if a != "--counts"]
    if not paths:
        sys.exit(__doc__)
    funcs = header_functions(paths)
    if not funcs:
        sys.exit("no LLMOBS_API declarations found in %s" % " ".join(paths))
    for name in sorted(funcs):
        ret, n = funcs[name]
        print("%s %d %s" % (name, n, ret) if counts else name)


if __name__ == "__main__":
    main(sys.argv[1:])
