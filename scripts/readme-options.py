#!/usr/bin/env python3
"""Rewrites README.md's configuration table from the option table (via the test binary's
--print), after adding or changing an option key. Usage: scripts/readme-options.py [BUILD_DIR]"""
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else root / "build")
rows = subprocess.run([str(build / "tests" / "unit_test_readme_options"), "--print"],
                      check=True, capture_output=True, text=True).stdout
readme = root / "README.md"
text = readme.read_text()
start = text.index("| key | environment |")
end = text.index("\n## ", start)
readme.write_text(text[:start] + rows + text[end:])
