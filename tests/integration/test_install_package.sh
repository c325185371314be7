#!/usr/bin/env bash
# The installed package works for a consumer: headers, libllmobs.so.0 exporting only llmobs_*,
# the static library, pkg-config and find_package(llmobs).
set -euo pipefail
build="$LLMOBS_BUILD_DIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
lib=$(find "$work/prefix" -name 'libllmobs.so.0*' -type f | head -1)
[ -n "$lib" ] || { echo "libllmobs.so.0 not installed"; exit 1; }
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "libllmobs.so.0" ] || { echo "SONAME is '$soname'"; exit 1; }
[ -f "$(dirname "$lib")/libllmobs.a" ] || { echo "static library missing"; exit 1; }
symbols=$(nm -D --defined-only "$lib")  # captured once: `grep -q` in a pipe would SIGPIPE nm
leaked=$(awk '$2 ~ /[TDBRV]/ {print $3}' <<<"$symbols" | grep -v '^llmobs_' | grep -v '^LLMOBS_0$' || true)
[ -z "$leaked" ] || { echo "symbols exported beyond llmobs_*:"; echo "$leaked"; exit 1; }
grep -q ' llmobs_client_new@@LLMOBS_0$' <<<"$symbols" || { echo "llmobs_client_new not exported"; exit 1; }
# The export list equals the installed headers' LLMOBS_API declarations: nothing internal
# leaks, nothing declared is missing, and every export carries the LLMOBS_0 version node.
declared=$(python3 "$LLMOBS_SOURCE_DIR/tests/tools/header_functions.py" "$work/prefix/include/llmobs")
exported=$(awk '$2 ~ /[TDBRVW]/ && $3 != "LLMOBS_0@@LLMOBS_0" {print $3}' <<<"$symbols" | sort)
unversioned=$(grep -v '@@LLMOBS_0$' <<<"$exported" || true)
[ -z "$unversioned" ] || { echo "exports without the LLMOBS_0 version:"; echo "$unversioned"; exit 1; }
exported=$(sed 's/@@LLMOBS_0$//' <<<"$exported")
undeclared=$(comm -13 <(echo "$declared") <(echo "$exported"))
[ -z "$undeclared" ] || { echo "exported but not declared in a public header:"; echo "$undeclared"; exit 1; }
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
[ -z "$missing" ] || { echo "declared with LLMOBS_API but not exported:"; echo "$missing"; exit 1; }
data=$(awk '$2 ~ /[DBRV]/ {print $3}' <<<"$symbols" | grep -v '^LLMOBS_0$' || true)
[ -z "$data" ] || { echo "data symbols exported (the ABI is functions only):"; echo "$data"; exit 1; }
echo "ABI: $(wc -l <<<"$declared") functions declared = exported"

# Both command-line tools are installed, run from the prefix (the demo finds libllmobs.so.0
# through its $ORIGIN rpath, without LD_LIBRARY_PATH), and every installed program answers
# --help (man-style usage on stdout, exit 0) and --version.
for tool in llmobs-demo llmobs-eval; do
    [ -x "$work/prefix/bin/$tool" ] || { echo "$tool not installed in bin/"; exit 1; }
done
for tool in "$work/prefix/bin/"*; do
    name=$(basename "$tool")
    help=$("$tool" --help 2>"$work/err") || { echo "$name --help exited $?"; exit 1; }
    [ ! -s "$work/err" ] || { echo "$name --help wrote to stderr:"; cat "$work/err"; exit 1; }
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS"; do
        grep -q "^$section\$" <<<"$help" || { echo "$name --help lacks a $section section"; exit 1; }
    done
    grep -q "^    $name - " <<<"$help" || { echo "$name --help does not name itself"; exit 1; }
    version=$("$tool" --version) || { echo "$name --version exited $?"; exit 1; }
    [[ "$version" =~ ^$name\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "$name --version: '$version'"; exit 1; }
    if "$tool" --no-such-flag >/dev/null 2>"$work/err"; then
        echo "$name accepted an unknown flag"; exit 1
    fi
    grep -q "usage:" "$work/err" || { echo "$name: no usage on stderr after a bad flag"; exit 1; }
done
(cd "$work" && LLMOBS_EXPORTER=file LLMOBS_FILE_PATH="$work/demo.jsonl" \
    "$work/prefix/bin/llmobs-demo" --requests 5 >"$work/demo.out")
grep -q "^requests=5 exported=[1-9][0-9]* dropped=0 pending=0$" "$work/demo.out" ||
    { echo "installed demo: $(cat "$work/demo.out")"; exit 1; }
echo "tools: $(ls "$work/prefix/bin" | tr '\n' ' ')answer --help and --version; the installed demo runs"

cat >"$work/app.c" <<'C'
#include <llmobs/llmobs.h>
#include <stdio.h>
int main(void) {
    llmobs_options *o = llmobs_options_new();
    llmobs_options_set(o, "exporter", "none");
    llmobs_client *c = llmobs_client_new(o, NULL);
    llmobs_trace *t = llmobs_trace_start(c, "consumer", NULL);
    llmobs_trace_end(t);
    uint64_t pending = 1;
    llmobs_flush(c, 2000, &pending);
    printf("version=%s pending=%llu\n", llmobs_version(), (unsigned long long)pending);
    return llmobs_shutdown(c, 2000) == LLMOBS_OK && pending == 0 ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$(dirname "$lib")/pkgconfig"
cc -Wall -Werror -o "$work/app-pc" "$work/app.c" $(pkg-config --cflags --libs llmobs)
LD_LIBRARY_PATH="$(dirname "$lib")" "$work/app-pc"

# The C++ wrapper is installed and usable header-only.
cat >"$work/app.cpp" <<'CPP'
#include <llmobs/llmobs.hpp>
int main() {
    llmobs::Options o;
    if (!o.set("exporter", "none")) return 1;
    llmobs::Client c(std::move(o));
    { llmobs::Trace t = c.trace("consumer"); llmobs::Observation g = t.generation("g"); }
    uint64_t pending = 1;
    return c.flush(2000, &pending) && pending == 0 && c.stat(LLMOBS_STAT_ITEMS) == 2 ? 0 : 1;
}
CPP
c++ -std=c++17 -Wall -Wextra -Werror -o "$work/app-cpp" "$work/app.cpp" $(pkg-config --cflags --libs llmobs)
LD_LIBRARY_PATH="$(dirname "$lib")" "$work/app-cpp"

mkdir -p "$work/cm"
cat >"$work/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(llmobs REQUIRED)
add_executable(app ../app.c)
target_link_libraries(app PRIVATE llmobs::llmobs)
CM
cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cm/build" >/dev/null
LD_LIBRARY_PATH="$(dirname "$lib")" "$work/cm/build/app"
