#!/usr/bin/env bash
# Builds llmobs and runs the demo service. Extra arguments go to llmobs-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target llmobs-demo
exec build/examples/llmobs-demo "$@"
