#!/usr/bin/env python3
"""Every code snippet in README.md and docs/*.md is compiled (C, C++) or run (Python), no
user document shows the internal llmobs__ API (docs/decisions.md, the design log, excepted),
and the umbrella header llmobs.h includes every public header.

A C/C++ snippet with a main() is compiled and linked as it is. Any other snippet is the body of
a function; the names it assumes are declared by an HTML comment on the line before its fence,
invisible when the Markdown is rendered:

    <!-- snippet: llmobs_client *client = NULL; const char *model = "gpt-4o"; -->

Python snippets run with the build's library, in a scratch directory. Stdlib only."""

import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("LLMOBS_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
BUILD = os.environ.get("LLMOBS_BUILD_DIR") or os.path.join(SRC, "build")
FENCE = re.compile(r"^```(\w*)\s*$")
CONTEXT = re.compile(r"^<!-- snippet: (.*) -->\s*$")
LANGS = {"c": "c", "cpp": "cpp", "c++": "cpp", "python": "python", "py": "python"}
WARNINGS = ["-Wall", "-Werror", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
            "-Wno-unused-function", "-Wno-unused-result"]


def documents():
    docs = sorted(os.path.join(SRC, "docs", f) for f in os.listdir(os.path.join(SRC, "docs"))
                  if f.endswith(".md"))
    return [os.path.join(SRC, "README.md")] + docs


def snippets(path):
    """(language, first line number, code, context declarations) for each fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1).lower(), i + 1
        ctx = CONTEXT.match(lines[i - 1]) if i else None
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        if lang in LANGS:
            out.append((LANGS[lang], start + 1, "\n".join(lines[start:j]),
                        ctx.group(1) if ctx else ""))
        i = j + 1
    return out


def build_c_like(lang, code, ctx, where, tmp):
    full = re.search(r"\bint\s+main\s*\(", code) is not None
    if lang == "c":
        head = "#include <llmobs/llmobs.h>\n#include <stdint.h>\n#include <stdio.h>\n"
        compiler, std, ext = "gcc", "-std=c11", ".c"
    else:
        head = "#include <llmobs/llmobs.hpp>\n#include <cstdint>\n#include <string>\n"
        compiler, std, ext = "g++", "-std=c++17", ".cpp"
    text = code if full else "%s\nvoid snippet(void);\nvoid snippet(void)\n{\n%s\n#line %d \"%s\"\n%s\n}\n" % (
        head, ctx, where[1], where[0], code)
    src = os.path.join(tmp, "snippet" + ext)
    with open(src, "w", encoding="utf-8") as f:
        f.write(text)
    cmd = [compiler, std] + WARNINGS + ["-I", os.path.join(SRC, "include")]
    if full:
        cmd += [src, "-o", os.path.join(tmp, "snippet"), "-L", BUILD, "-lllmobs"]
    else:
        cmd += ["-c", src, "-o", os.path.join(tmp, "snippet.o")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return None if r.returncode == 0 else r.stderr[-3000:]


def run_python(code, tmp):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LANGFUSE_", "OTEL_", "LLMOBS_"))}
    env["LLMOBS_LIBRARY"] = os.path.join(BUILD, "libllmobs.so.0")
    env["PYTHONPATH"] = os.path.join(SRC, "bindings", "python")
    env["LLMOBS_EXPORTER"] = "none"  # a snippet that names no exporter sends nothing anywhere
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True,
                       text=True, timeout=120)
    return None if r.returncode == 0 else (r.stdout + r.stderr)[-3000:]


def umbrella_errors():
    """llmobs.h, "include this one", must include every public header."""
    inc = os.path.join(SRC, "include", "llmobs")
    umbrella = open(os.path.join(inc, "llmobs.h"), encoding="utf-8").read()
    return ["include/llmobs/llmobs.h does not include llmobs/%s" % h
            for h in sorted(os.listdir(inc))
            if h.endswith(".h") and h != "llmobs.h" and '"llmobs/%s"' % h not in umbrella]


def main():
    errors, counts = umbrella_errors(), {"c": 0, "cpp": 0, "python": 0}
    for path in documents():
        rel = os.path.relpath(path, SRC)
        text = open(path, encoding="utf-8").read()
        if not rel.endswith("decisions.md") and "llmobs__" in text:
            line = text[:text.index("llmobs__")].count("\n") + 1
            errors.append("%s:%d shows internal llmobs__ API to users" % (rel, line))
        for lang, line, code, ctx in snippets(path):
            counts[lang] += 1
            with tempfile.TemporaryDirectory() as tmp:
                if lang == "python":
                    err = run_python(code, tmp)
                else:
                    err = build_c_like(lang, code, ctx, (rel, line), tmp)
            if err:
                errors.append("%s:%d (%s snippet):\n%s" % (rel, line, lang, err))
    if errors:
        sys.exit("\n\n".join(errors))
    if not counts["c"] or not counts["python"]:
        sys.exit("no snippets found: %r" % counts)
    print("doc snippets: %d C, %d C++ compiled, %d Python run" % (counts["c"], counts["cpp"],
                                                                 counts["python"]))


if __name__ == "__main__":
    main()
