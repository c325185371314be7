#!/usr/bin/env bash
# End to end: a real Prometheus loads deploy/prometheus/llm-alerts.yml, scrapes the demo run
# with a 0.01 USD daily budget for rag_pipeline (which the demo overspends), and
# LlmDailyBudgetBurning must reach state "firing" in /api/v1/alerts within 60 s.
# Then every rule must have evaluated without error against the real series, and the alert's
# annotations must have rendered.
# The Prometheus configuration is deploy/prometheus/prometheus.yml itself (ports, intervals and
# the rule path substituted), so its pushgateway job (honor_labels) is what gets tested: one
# llmobs-eval dataset run (judged by a fake OpenAI-compatible judge) pushes its gauges to a
# real Pushgateway. Finally every Grafana panel query and every rule expression (alerts without
# their final comparison) must return at least one series: no panel shows "No data".
# shellcheck source=tests/integration/deploy_common.sh
. "$(dirname "$0")/deploy_common.sh"
need prometheus curl python3
PUSHGATEWAY=$(command -v prometheus-pushgateway || command -v pushgateway || true)
[ -n "$PUSHGATEWAY" ] || fail "required tool 'prometheus-pushgateway' not found (Debian: apt-get install prometheus-pushgateway; scripts/deps.sh)"
demo=$(demo_binary) || exit 1
eval_bin=$LLMOBS_BUILD_DIR/tools/llmobs-eval
[ -x "$eval_bin" ] || fail "$eval_bin is missing: build the llmobs-eval target (tools/llmobs_eval.c)"

ALERT=LlmDailyBudgetBurning
FEATURE=rag_pipeline
work=$(new_tmpdir)
ports=$(python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
read -r dport pport gport jport aport <<<"$ports"
prom=http://127.0.0.1:$pport

RULES=$(cd "$(dirname "$RULES")" && pwd)/$(basename "$RULES") # relative to the config's dir otherwise
# deploy/prometheus/prometheus.yml with this run's ports (the Alertmanager port is unused:
# Prometheus only logs that it cannot deliver), 1 s intervals and the absolute rule path.
sed -e "s/127\.0\.0\.1:9464/127.0.0.1:$dport/" -e "s/127\.0\.0\.1:9091/127.0.0.1:$gport/" \
    -e "s/127\.0\.0\.1:9093/127.0.0.1:$aport/" \
    -e "s/^\(  *scrape_interval:\).*/\1 1s/" -e "s/^\(  *scrape_timeout:\).*/\1 1s/" \
    -e "s/^\(  *evaluation_interval:\).*/\1 1s/" -e "s|^  - llm-alerts.yml\$|  - \"$RULES\"|" \
    "$DEPLOY/prometheus/prometheus.yml" >"$work/prometheus.yml"
grep -q "127.0.0.1:$gport" "$work/prometheus.yml" && grep -q "honor_labels: true" "$work/prometheus.yml" &&
  grep -q "\"$RULES\"" "$work/prometheus.yml" || fail "could not adapt deploy/prometheus/prometheus.yml"

diagnostics() {
  echo "---- budget series in Prometheus:" >&2
  curl -s --max-time 2 -G "$prom/api/v1/query" --data-urlencode \
    'query={__name__=~"llm_daily_budget_usd|llm_daily_budget_remaining_usd"}' >&2 || true
  echo >&2
  echo "---- /api/v1/alerts:" >&2
  curl -s --max-time 2 "$prom/api/v1/alerts" >&2 || true
  echo >&2
  echo "---- /api/v1/targets (health, lastError):" >&2
  curl -s --max-time 2 "$prom/api/v1/targets" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    print(t["scrapeUrl"], t["health"], t["lastError"])' >&2 || true
  echo "---- demo log (tail):" >&2
  tail -n 20 "$work/demo.log" >&2
  echo "---- prometheus log (tail):" >&2
  tail -n 20 "$work/prometheus.log" >&2
}

# The fake judge first: the demo judges its sample online with it (the real-judge path;
# test_demo_metrics.py covers the simulated one), and so does the llmobs-eval run below.
"${TOOLS[@]}" fake-judge "$jport" >"$work/judge.log" 2>&1 &
PIDS+=("$!")
judge_up() { curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$jport/"; }
wait_until 10 judge_up || fail "the fake judge did not start: $(cat "$work/judge.log")"
export LLMOBS_JUDGE_API=openai LLMOBS_JUDGE_BASE_URL="http://127.0.0.1:$jport" LLMOBS_JUDGE_API_KEY=test
LLMOBS_FILE_PATH="$work/spans.jsonl" LLMOBS_BUDGETS="$FEATURE=0.01" "$demo" --requests 200 --metrics-addr "127.0.0.1:$dport" \
  --linger-seconds 120 >"$work/demo.log" 2>&1 &
demo_pid=$!
PIDS+=("$demo_pid")
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
PIDS+=("$prom_pid")
# Kept in memory only: the Debian build persists to /var/lib/prometheus by default.
"$PUSHGATEWAY" --web.listen-address="127.0.0.1:$gport" --persistence.file="" >"$work/pushgateway.log" 2>&1 &
PIDS+=("$!")
start=$SECONDS
note "demo pid $demo_pid on :$dport, prometheus pid $prom_pid on :$pport, pushgateway on :$gport"

# One batch eval run pushes its gauges (grouping: job="llmobs-eval", feature="golden").
cat >"$work/golden.jsonl" <<'JSONL'
{"question": "How do I rotate an API key?", "answer": "Create a second key, deploy it, revoke the first.", "context": "kb/142: rotate by creating a second key"}
{"question": "Refund policy?", "answer": "BAD: no refunds ever", "context": "kb/77: refundable within 30 days"}
{"question": "Export format?", "answer": "CSV", "expected": "CSV"}
JSONL
pg_up() { curl -fs --max-time 1 "http://127.0.0.1:$gport/-/ready" >/dev/null; }
wait_until 10 pg_up || fail "the pushgateway did not start: $(tail -5 "$work/pushgateway.log")"
rc=0
"$eval_bin" dataset --file "$work/golden.jsonl" --feature golden --min-pass-rate 0.5 \
  --pushgateway "http://127.0.0.1:$gport" >"$work/eval.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$work/eval.log" >&2; fail "llmobs-eval exited $rc"; }
note "llmobs-eval pushed after $((SECONDS - start)) s"

ready() { curl -fs --max-time 1 "$prom/-/ready" >/dev/null; }
wait_until 20 ready || { diagnostics; fail "prometheus not ready within 20 s"; }
alive "$demo_pid" || { diagnostics; fail "the demo exited early"; }

target_up() {
  curl -fs --max-time 1 "$prom/api/v1/targets" | python3 -c '
import json, sys
ts = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if any(t["health"] == "up" for t in ts) else 1)'
}
wait_until 30 target_up || { diagnostics; fail "the demo target never became up"; }
note "target up after $((SECONDS - start)) s"

# state of $ALERT for $FEATURE: prints firing|pending|absent
alert_state() {
  curl -fs --max-time 1 "$prom/api/v1/alerts" | python3 -c '
import json, sys
alerts = [a for a in json.load(sys.stdin)["data"]["alerts"]
          if a["labels"].get("alertname") == sys.argv[1] and a["labels"].get("feature") == sys.argv[2]]
print(alerts[0]["state"] if alerts else "absent")' "$ALERT" "$FEATURE"
}
firing() { [ "$(alert_state)" = firing ]; }
remaining=$((60 - (SECONDS - start)))
wait_until "$remaining" firing || { diagnostics; fail "$ALERT{feature=\"$FEATURE\"} not firing within 60 s"; }
note "$ALERT firing after $((SECONDS - start)) s"

note "rendered annotations and rule health"
curl -fs --max-time 2 "$prom/api/v1/alerts" >"$work/alerts.json" || fail "GET /api/v1/alerts"
curl -fs --max-time 2 "$prom/api/v1/rules" >"$work/rules.json" || fail "GET /api/v1/rules"
python3 - "$work/alerts.json" "$work/rules.json" "$ALERT" "$FEATURE" <<'PY' || { diagnostics; fail "post-firing checks"; }
import json, re, sys
alerts = json.load(open(sys.argv[1]))["data"]["alerts"]
groups = json.load(open(sys.argv[2]))["data"]["groups"]
alert, feature = sys.argv[3], sys.argv[4]
errs = []
a = [x for x in alerts if x["labels"].get("alertname") == alert and x["labels"].get("feature") == feature][0]
ann = a["annotations"]
for k in ("summary", "description", "runbook"):
    if not ann.get(k):
        errs.append("annotation %s empty" % k)
    elif "error" in ann[k].lower() and "template" in ann[k].lower():
        errs.append("annotation %s did not render: %s" % (k, ann[k]))
if not re.search(r"has used \d+(\.\d+)?% of its daily budget", ann.get("summary", "")):
    errs.append("summary not rendered as expected: %r" % ann.get("summary"))
if float(a["value"]) < 0.8:
    errs.append("firing with burn ratio %s < 0.8" % a["value"])
n = 0
for g in groups:
    for r in g["rules"]:
        n += 1
        if r.get("health") != "ok" or r.get("lastError"):
            errs.append("rule %s: health %s, error %r" % (r["name"], r.get("health"), r.get("lastError")))
if n == 0:
    errs.append("Prometheus loaded no rules")
down = [x for x in alerts if x["labels"].get("alertname") == "LlmobsScrapeTargetDown"]
if down:
    errs.append("LlmobsScrapeTargetDown is %s while the target is up" % down[0]["state"])
print("  summary: %s" % ann.get("summary"))
print("  description: %s" % ann.get("description"))
print("  %d rules loaded and evaluated" % n)
for e in errs:
    print("  " + e)
sys.exit(1 if errs else 0)
PY

note "the pushed eval gauges, with the Pushgateway's grouping labels honoured"
pushed() {
  curl -fs --max-time 2 -G "$prom/api/v1/query" --data-urlencode \
    'query=llm_eval_pass_rate{job="llmobs-eval",feature="golden",metric="accuracy"}' |
    python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if len(r) == 1 and "exported_job" not in r[0]["metric"] and abs(float(r[0]["value"][1]) - 2 / 3) < 1e-9 else 1)'
}
wait_until 15 pushed || { diagnostics; fail "llm_eval_pass_rate{job=\"llmobs-eval\",feature=\"golden\"} is not 2/3 in Prometheus"; }
grep -q "with the real (LLMOBS_JUDGE_\*) judge" "$work/demo.log" || { diagnostics; fail "the demo did not use the real judge"; }
# The fake judge passes every demo answer (0.9 accuracy, 0.8 faithfulness), without errors.
demo_judged() {
  curl -fs --max-time 2 -G "$prom/api/v1/query" --data-urlencode \
    'query=sum by (result) (llm_eval_runs_total{job="llmobs",metric="accuracy"})' | python3 -c '
import json, sys
r = {x["metric"]["result"]: float(x["value"][1]) for x in json.load(sys.stdin)["data"]["result"]}
sys.exit(0 if r.get("pass", 0) >= 20 and r.get("fail") == 0 and r.get("error") == 0 else 1)'
}
wait_until 10 demo_judged || { diagnostics; fail "the demo's online eval through the judge: not all passes"; }

only_golden() {
  curl -fs --max-time 2 -G "$prom/api/v1/query" --data-urlencode 'query=count by (feature) (llm_eval_pass_rate{job="llmobs-eval"})' |
    python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if [x["metric"].get("feature") for x in r] == ["golden"] else 1)'
}
only_golden || { diagnostics; fail "the Pushgateway holds groups this run did not push"; }

note "every dashboard panel query and every rule expression returns data"
"${TOOLS[@]}" check-queries "$prom" "$RULES" "$DASHBOARD" || { diagnostics; fail "queries without data"; }
note "done after $((SECONDS - start)) s"
echo "PASS"
