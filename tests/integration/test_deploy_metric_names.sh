#!/usr/bin/env bash
# Every metric name that deploy/prometheus/llm-alerts.yml and deploy/grafana/llm-observability.json
# read must exist in what the demo exposes. The names are extracted from the files (PromQL of
# every rule, dashboard target and dashboard variable), not kept by hand; recording-rule outputs
# and Prometheus' own series (`up`) are excluded. A histogram used as X_bucket must be exposed
# as X_bucket; a name counts as exposed when it has samples or is declared by a # TYPE line
# (a registered family whose label children the demo never created).
# shellcheck source=tests/integration/deploy_common.sh
. "$(dirname "$0")/deploy_common.sh"
need curl python3
demo=$(demo_binary) || exit 1

mapfile -t names < <("${TOOLS[@]}" metric-names "$RULES" "$DASHBOARD")
[ "${#names[@]}" -ge 10 ] || fail "only ${#names[@]} metric names extracted from the rules and dashboard: extractor broken?"
note "${#names[@]} metric names used by rules and dashboard: ${names[*]}"

work=$(new_tmpdir)
port=$(free_port)
url=http://127.0.0.1:$port/metrics
"$demo" --requests 200 --metrics-addr "127.0.0.1:$port" --linger-seconds 30 >"$work/demo.log" 2>&1 &
demo_pid=$!
PIDS+=("$demo_pid")
note "demo pid $demo_pid serving $url"

scrape() { curl -fsS --max-time 2 -o "$work/scrape.txt" "$url" 2>/dev/null; }
demo_log() { echo "---- demo log (tail)"; tail -n 30 "$work/demo.log"; }

# 1. The endpoint answers (deadline, not a fixed sleep).
if ! wait_until 20 scrape; then
  alive "$demo_pid" || { demo_log; fail "the demo exited before serving $url"; }
  demo_log
  fail "no answer from $url within 20 s"
fi
note "scrape answered ($(wc -l <"$work/scrape.txt") lines)"

# 2. Wait (bounded) until every name has samples: the demo fills series as its requests run.
all_sampled() {
  scrape || return 1
  "${TOOLS[@]}" missing-metrics "$work/scrape.txt" "${names[@]}" >/dev/null 2>"$work/notes.txt" &&
    [ ! -s "$work/notes.txt" ]
}
wait_until 20 all_sampled || true
scrape || { demo_log; fail "the last scrape of $url failed"; }

# 3. Verdict on the last scrape.
if ! missing=$("${TOOLS[@]}" missing-metrics "$work/scrape.txt" "${names[@]}" 2>"$work/notes.txt"); then
  echo "$missing" >&2
  cat "$work/notes.txt" >&2
  echo "---- names in the scrape:" >&2
  grep -v '^#' "$work/scrape.txt" | sed -E 's/[{ ].*//' | sort -u >&2
  fail "the rules or the dashboard use metric names the demo does not expose (see above)"
fi
cat "$work/notes.txt"
echo "PASS: all ${#names[@]} metric names exist in the demo's /metrics"
