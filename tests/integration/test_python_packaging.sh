#!/usr/bin/env bash
# Python packaging (issue 17): `pip install bindings/python` works offline with Debian's
# setuptools and wheel, and the wheel from scripts/python-wheel.sh bundles libllmobs.so.0, so
# `import llmobs` needs no LLMOBS_LIBRARY (run from elsewhere, without LD_LIBRARY_PATH).
set -euo pipefail
src=${LLMOBS_SOURCE_DIR:?}
build=${LLMOBS_BUILD_DIR:?}
python=${LLMOBS_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LLMOBS_LIBRARY LD_LIBRARY_PATH PYTHONPATH
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Offline source install into a venv that sees Debian's setuptools and wheel.
# (From a copy: an in-tree setuptools build leaves build/ and *.egg-info in bindings/python.)
cp -r "$src/bindings/python" "$work/python"
rm -rf "$work/python/build" "$work/python"/*.egg-info
"$python" -m venv --system-site-packages "$work/src-venv"
"$work/src-venv/bin/python" -m pip install -q --no-build-isolation --no-index \
    "$work/python" || fail "pip install bindings/python (offline)"
(cd "$work" && "$work/src-venv/bin/python" -c "import llmobs, llmobs.context") \
    || fail "import after the source install"

# 2. The documented wheel command; the wheel carries the library.
"$src/scripts/python-wheel.sh" "$build" "$work/dist" > "$work/wheel.txt"
wheel=$(tail -n 1 "$work/wheel.txt")
[ -f "$wheel" ] || fail "no wheel: $(cat "$work/wheel.txt")"
# (The listing is captured first: grep -q in a pipe stops reading early, and the SIGPIPE that
# zipfile then gets fails the pipeline under pipefail.)
listing=$("$python" -m zipfile -l "$wheel")
grep -q 'llmobs/libllmobs.so.0' <<<"$listing" || fail "the wheel does not bundle libllmobs.so.0"
case "$wheel" in *none-any*) fail "a wheel with a native library is tagged pure: $wheel" ;; esac

# 3. Installed from the wheel, import llmobs finds its own copy of the library.
"$python" -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/python" -m pip install -q --no-index --no-deps "$wheel"
cd "$work"
out=$("$work/wheel-venv/bin/python" - <<'PY'
import os, llmobs
assert "LLMOBS_LIBRARY" not in os.environ
lib = llmobs.lib()._cdll._name
assert os.path.dirname(lib) == os.path.dirname(llmobs.__file__), lib
with llmobs.Client(exporter="none") as c:
    with c.trace("wheel") as t:
        pass
print("ok", llmobs.version())
PY
) || fail "import from the wheel"
[ "${out%% *}" = ok ] || fail "unexpected output: $out"
rm -rf "$build/python-wheel"
echo "python packaging: source install and bundled wheel ok ($(basename "$wheel"))"
