#!/usr/bin/env bash
# End to end: a real Prometheus loads deploy/prometheus/llm-alerts.yml, scrapes the demo run
# with a 0.01 USD daily budget for rag_pipeline (which the demo overspends), and
# LlmDailyBudgetBurning must reach state "firing" in /api/v1/alerts within 60 s.
# Then every rule must have evaluated without error against the real series, and the alert's
# annotations must have rendered.
# shellcheck source=tests/integration/deploy_common.sh
. "$(dirname "$0")/deploy_common.sh"
need prometheus curl python3
demo=$(demo_binary) || exit 1

ALERT=LlmDailyBudgetBurning
FEATURE=rag_pipeline
work=$(new_tmpdir)
dport=$(free_port)
pport=$(free_port)
[ "$dport" != "$pport" ] || pport=$(free_port)
prom=http://127.0.0.1:$pport

cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - "$RULES"
scrape_configs:
  - job_name: llmobs
    static_configs:
      - targets: ["127.0.0.1:$dport"]
YML

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

LLMOBS_BUDGETS="$FEATURE=0.01" "$demo" --requests 200 --metrics-addr "127.0.0.1:$dport" \
  --linger-seconds 120 >"$work/demo.log" 2>&1 &
demo_pid=$!
PIDS+=("$demo_pid")
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
PIDS+=("$prom_pid")
start=$SECONDS
note "demo pid $demo_pid on :$dport, prometheus pid $prom_pid on :$pport"

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
echo "PASS"
