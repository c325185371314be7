#!/usr/bin/env bash
# Real fuzzing: builds every tests/fuzz target with clang's libFuzzer + ASan + UBSan in
# build-fuzz/ and runs each for SECONDS (default 60), starting from the seed corpus.
# New interesting inputs go to build-fuzz/corpus/<target>/ (copy the good ones into
# tests/fuzz/corpus/ to keep them); crashes to build-fuzz/artifacts/<target>/.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   Exit status 1 when any target crashed.
set -euo pipefail
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
if ! command -v clang >/dev/null; then
    echo "clang not found: apt-get install -y clang (scripts/deps.sh)" >&2
    exit 2
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DLLMOBS_FUZZ=ON -DLLMOBS_SANITIZE=address \
    -DLLMOBS_DEVELOPER=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$root"/tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
make -C "$build" -j"$(nproc)" "${targets[@]}" >/dev/null
failed=0
for t in "${targets[@]}"; do
    mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
    echo "== $t: ${seconds}s"
    if ! ASAN_OPTIONS=detect_leaks=1 "$build/tests/fuzz/$t" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$t/" "$build/corpus/$t" "$root/tests/fuzz/corpus/$t" \
        2>"$build/$t.log"; then
        echo "!! $t crashed: see $build/$t.log and $build/artifacts/$t/"
        failed=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$t.log" | tr '\n' ' '
    echo
done
exit $failed
