#!/usr/bin/env bash
# Static analysis of the library sources (src/), failing on any finding: gcc's -fanalyzer on
# every file (a build of the library's objects with -DLLMOBS_ANALYZE=ON, in build-analyze/),
# then clang-tidy with the clang static analyzer and the checks of .clang-tidy (using the
# compile_commands.json of a configure in build-tidy/). docs/reliability.md, "Static analysis".
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

# -O0 (Debug): the analyzer sees the code as written rather than after inlining.
cmake -S . -B build-analyze -DCMAKE_BUILD_TYPE=Debug -DLLMOBS_ANALYZE=ON -DLLMOBS_DEVELOPER=ON \
    -DBUILD_TESTING=OFF -DLLMOBS_BENCH=OFF >/dev/null
cmake --build build-analyze -j"$jobs" --target llmobs_objects

# clang cannot take gcc's -fanalyzer, hence a second configure (no build) for its compile commands.
cmake -S . -B build-tidy -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DBUILD_TESTING=OFF -DLLMOBS_BENCH=OFF >/dev/null
mapfile -t sources < <(find "$PWD/src" -name '*.c' | sort)
# .clang-tidy sets WarningsAsErrors: run-clang-tidy exits 1 when a file has a finding. Its log
# is shown without colours and without the per-file command lines and counts of (suppressed)
# warnings from system headers.
status=0
run-clang-tidy -p build-tidy -j"$jobs" -quiet "${sources[@]}" >build-tidy/clang-tidy.log 2>&1 ||
    status=$?
sed 's/\x1b\[[0-9;]*m//g' build-tidy/clang-tidy.log |
    grep -vE '^(clang-tidy-[0-9]+ --use-color |[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$)' ||
    true
if [ "$status" -ne 0 ]; then
    echo "static analysis: clang-tidy findings (above; full log: build-tidy/clang-tidy.log)" >&2
    exit 1
fi
echo "static analysis: no findings (gcc -fanalyzer, clang-tidy)"
