#!/usr/bin/env bash
# The metrics-only example (linked against the shared library) serves a scrape that passes
# `promtool check metrics` in text format and om_check.py in OpenMetrics, over HTTP.
set -euo pipefail
: "${LLMOBS_BUILD_DIR:?}" "${LLMOBS_SOURCE_DIR:?}"
bin="$LLMOBS_BUILD_DIR/examples/example-metrics_only"
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin" 127.0.0.1:0 30 >"$tmp/out" 2>&1 &
pid=$!
port=""
deadline=$((SECONDS + 20))
while [ -z "$port" ] && [ $SECONDS -lt $deadline ]; do
  port=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$tmp/out")
  [ -n "$port" ] || sleep 0.1  # polling a child's output file, bounded by the deadline
done
[ -n "$port" ] || { echo "example did not report its port:"; cat "$tmp/out"; exit 1; }

curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/text"
grep -q '^llm_requests_total{model="gpt-4o-mini",feature="chat",status="success"} ' "$tmp/text"
grep -q '^process_resident_memory_bytes ' "$tmp/text"
lint=$(promtool check metrics <"$tmp/text" 2>&1) || { echo "promtool failed: $lint"; exit 1; }
[ -z "$lint" ] || { echo "promtool findings: $lint"; exit 1; }

curl -sf -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
  -D "$tmp/headers" "http://127.0.0.1:$port/metrics" >"$tmp/om"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$tmp/headers"
/usr/bin/python3 "$LLMOBS_SOURCE_DIR/tests/tools/om_check.py" <"$tmp/om"

curl -sf --compressed -D "$tmp/gzheaders" "http://127.0.0.1:$port/metrics" >"$tmp/gz"
grep -qi '^content-encoding: gzip' "$tmp/gzheaders"
grep -q '^llm_requests_total{' "$tmp/gz"   # curl decoded the gzip body
echo OK
