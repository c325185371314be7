#!/usr/bin/env bash
# Builds llmobs and runs the whole test suite: static analysis of src/ (gcc -fanalyzer and
# clang-tidy), the normal build (every test, including the ones that start Prometheus,
# Alertmanager tools and local receivers), then ASan+UBSan and TSan builds of the C tests, then
# valgrind's leak check on the unit tests, then 10 s of libFuzzer per fuzz target, then a smoke
# run of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

# gcc's -fanalyzer and clang-tidy (the clang static analyzer and the checks of .clang-tidy) on
# every file of src/; any finding fails (docs/reliability.md, "Static analysis"; about a minute).
scripts/analyze.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

for san in address thread; do
    cmake -S . -B "build-$san" -DCMAKE_BUILD_TYPE=Debug -DLLMOBS_SANITIZE=$san >/dev/null
    cmake --build "build-$san" -j"$jobs"
    TSAN_OPTIONS="halt_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
        ctest --test-dir "build-$san" --output-on-failure -j"$jobs" -LE script
done

# test_fork is left out: a forked child deliberately abandons the parent's exporter (closing
# it would close the parent's connections), which valgrind reports as a leak in the child.
for t in build/tests/unit_test_*; do
    [ "$t" = build/tests/unit_test_fork ] && continue
    valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 "$t" >/dev/null
done
# A short libFuzzer run of every tests/fuzz target (the seed corpora already ran above as
# ctest tests); docs/reliability.md describes longer runs.
tests/fuzz/run.sh 10
# The benchmarks are not pass/fail on timing, but a few-second smoke of each keeps them from
# rotting (bench/run.sh --quick: results go to a scratch folder, not bench/results).
bench/run.sh --quick
echo "all tests passed (static analysis, normal, ASan+UBSan, TSan, valgrind, fuzzing, bench smoke)"
