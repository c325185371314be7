#!/usr/bin/env bash
# deploy/grafana/llm-observability.json: valid JSON (python3 stdlib), schemaVersion, the
# ${datasource} variable on every panel and target, gridPos on every panel, a PromQL expr on
# every target, and every expr parsed by promtool (as recording rules of a generated rule
# file). Negative controls show both checks reject a broken dashboard.
# shellcheck source=tests/integration/deploy_common.sh
. "$(dirname "$0")/deploy_common.sh"
need promtool python3

work=$(new_tmpdir)

# exprs_to_rules DASHBOARD OUT: one recording rule per dashboard query; prints the count.
exprs_to_rules() {
  "${TOOLS[@]}" dashboard-exprs "$1" | python3 -c '
import json, sys
exprs = [json.loads(l) for l in sys.stdin]
with open(sys.argv[1], "w") as f:
    f.write("groups:\n  - name: dashboard_exprs\n    rules:\n")
    for i, d in enumerate(exprs):
        f.write("      # %s / %s\n" % (d["panel"], d["refId"]))
        f.write("      - record: dashboard:query_%d\n        expr: %s\n" % (i, json.dumps(d["expr"])))
print(len(exprs))' "$2"
}

note "structure"
"${TOOLS[@]}" check-dashboard "$DASHBOARD" || fail "dashboard structure"
python3 - "$DASHBOARD" <<'PY' || fail "dashboard panel coverage"
import json, sys
d = json.load(open(sys.argv[1]))
titles = [p["title"] for p in d["panels"] if p["type"] != "row"]
exprs = " ".join(t["expr"] for p in d["panels"] for t in p.get("targets", []))
# the panels issue 7 asks for, by the metric each one must query
want = {
    "latency percentiles": "llm_request_duration_seconds_bucket",
    "request rate / error rate": "llm_requests_total",
    "token rate": "llm_tokens_total",
    "daily cost by feature": "llm_cost_usd_total",
    "budget remaining": "llm_daily_budget_remaining_usd",
    "eval pass rate": "llm_eval_pass_rate",
    "faithfulness": "llm_rag_faithfulness",
    "context utilisation": "llm_context_utilisation_ratio_bucket",
    "SDK exported": "llmobs_exported_total",
    "SDK dropped": "llmobs_dropped_total",
    "queue fill": "llmobs_queue_capacity_items",
}
missing = [k for k, m in want.items() if m not in exprs]
heat = [p for p in d["panels"] if p["type"] == "heatmap"
        and any("llm_context_utilisation_ratio_bucket" in t["expr"] and t.get("format") == "heatmap"
                for t in p["targets"])]
if not heat:
    missing.append("context utilisation as a heatmap panel (format: heatmap)")
print("  %d panels: %s" % (len(titles), ", ".join(titles)))
for m in missing:
    print("  missing: " + m)
sys.exit(1 if missing else 0)
PY

note "every query parses (promtool check rules on a generated rule file)"
n=$(exprs_to_rules "$DASHBOARD" "$work/dashboard-rules.yml")
[ "$n" -gt 0 ] || fail "no queries extracted from the dashboard"
out=$(promtool check rules "$work/dashboard-rules.yml" 2>&1) || fail "a dashboard query does not parse: $out"
grep -q "SUCCESS: $n rules found" <<<"$out" || fail "promtool did not check all $n queries: $out"
echo "  $n queries parsed"

note "negative controls"
python3 - "$DASHBOARD" "$work" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def save(name, dash):
    json.dump(dash, open("%s/%s.json" % (sys.argv[2], name), "w"))
bad = json.loads(json.dumps(d)); del [p for p in bad["panels"] if p["type"] != "row"][0]["gridPos"]; save("no-gridpos", bad)
bad = json.loads(json.dumps(d)); [p for p in bad["panels"] if p["type"] != "row"][1]["datasource"] = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}; save("fixed-datasource", bad)
bad = json.loads(json.dumps(d)); [p for p in bad["panels"] if p["type"] != "row"][2]["targets"][0]["expr"] = ""; save("empty-expr", bad)
bad = json.loads(json.dumps(d)); del bad["schemaVersion"]; save("no-schema", bad)
bad = json.loads(json.dumps(d)); [p for p in bad["panels"] if p["type"] != "row"][0]["targets"][0]["expr"] = "sum(rate(llm_requests_total[5m]) by (feature"; save("bad-promql", bad)
PY
for b in no-gridpos fixed-datasource empty-expr no-schema; do
  if "${TOOLS[@]}" check-dashboard "$work/$b.json" >/dev/null; then fail "structure check accepted $b"; fi
  echo "  $b: rejected"
done
exprs_to_rules "$work/bad-promql.json" "$work/bad-rules.yml" >/dev/null
if promtool check rules "$work/bad-rules.yml" >/dev/null 2>&1; then fail "promtool accepted a broken query"; fi
echo "  bad-promql: rejected"
printf '{"panels": [' >"$work/truncated.json"
if "${TOOLS[@]}" check-dashboard "$work/truncated.json" >/dev/null; then fail "invalid JSON accepted"; fi
echo "  invalid JSON: rejected"
echo "PASS"
