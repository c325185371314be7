#!/usr/bin/env bash
# Builds a wheel of the Python binding that carries libllmobs.so.0, offline, with Debian's
# python3-setuptools and python3-wheel (no network, no build isolation):
#   scripts/python-wheel.sh [BUILD_DIR] [OUT_DIR]      (defaults: build, BUILD_DIR/dist)
# or: cmake --build build --target python-wheel
# `pip install <the wheel>` then gives an `import llmobs` that needs no LLMOBS_LIBRARY.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
out=${2:-$build/dist}
python=${LLMOBS_PYTHON:-/usr/bin/python3} # Debian's: its setuptools and wheel are packaged
lib=$build/libllmobs.so.0
[ -e "$lib" ] || { echo "no $lib: build the library first" >&2; exit 1; }
stage=$build/python-wheel
rm -rf "$stage"
mkdir -p "$stage" "$out"
cp -r "$src/bindings/python/llmobs" "$src/bindings/python/pyproject.toml" \
      "$src/bindings/python/setup.py" "$src/bindings/python/README.md" "$stage/"
rm -rf "$stage/llmobs/__pycache__"
cp -L "$lib" "$stage/llmobs/libllmobs.so.0" # the file, not the symlink
"$python" -m pip wheel --no-build-isolation --no-index --no-deps -q -w "$out" "$stage"
ls "$out"/llmobs-*.whl
