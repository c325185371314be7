#!/usr/bin/env bash
# The keyless demo writes a file whose every line is a valid OTLP JSON request, holding
# exactly the spans its summary line says were exported.
set -euo pipefail
demo="$LLMOBS_BUILD_DIR/examples/llmobs-demo"
[ -x "$demo" ] || { echo "demo binary missing: $demo"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
env -u LANGFUSE_PUBLIC_KEY -u LANGFUSE_SECRET_KEY -u OTEL_EXPORTER_OTLP_ENDPOINT \
    -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT LLMOBS_FILE_PATH="$work/out.jsonl" \
    "$demo" --requests 500 --concurrency 4 --seed 7 >summary.txt 2>stderr.txt
cat summary.txt
grep -q "writing OTLP JSON lines to $work/out.jsonl" stderr.txt
read -r requests exported dropped pending < <(sed -E 's/requests=([0-9]+) exported=([0-9]+) dropped=([0-9]+) pending=([0-9]+)/\1 \2 \3 \4/' summary.txt)
[ "$requests" = 500 ] && [ "$dropped" = 0 ] && [ "$pending" = 0 ] || { echo "unexpected summary"; exit 1; }
# 500 traces, each with a retriever and 1-2 generations: between 1500 and 2000 spans.
[ "$exported" -ge 1500 ] && [ "$exported" -le 2000 ] || { echo "span count $exported out of range"; exit 1; }
python3 "$LLMOBS_SOURCE_DIR/tests/tools/check_otlp_file.py" "$work/out.jsonl" "$exported"
# Deterministic for a given seed: the same run produces the same span count.
LLMOBS_FILE_PATH="$work/again.jsonl" "$demo" --requests 500 --concurrency 2 --seed 7 >again.txt 2>/dev/null
[ "$(sed -E 's/.*exported=([0-9]+).*/\1/' again.txt)" = "$exported" ] || { echo "not deterministic"; exit 1; }
