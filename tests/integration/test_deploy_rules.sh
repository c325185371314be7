#!/usr/bin/env bash
# deploy/prometheus: promtool check rules / check config / test rules, the annotations every
# alert must carry, runbook anchors, and mutation checks proving that the unit tests assert
# both directions for every alert:
#   * "never": the alert's expr replaced by one that never fires  -> promtool test must fail
#   * "loosened": the threshold (final comparison) removed, so the quiet series would fire
#                 too -> promtool test must fail
# shellcheck source=tests/integration/deploy_common.sh
. "$(dirname "$0")/deploy_common.sh"
need promtool python3

note "promtool check rules"
out=$(promtool check rules "$RULES" 2>&1) || fail "promtool check rules: $out"
echo "$out"
n_promtool=$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' <<<"$out")

note "promtool check config (prometheus.yml and the rule file it loads)"
promtool check config "$DEPLOY/prometheus/prometheus.yml" || fail "promtool check config"

note "promtool test rules"
promtool test rules "$RULES_TEST" || fail "promtool test rules"

note "every alert: labels, annotations, runbook anchor, both directions in the unit tests"
python3 - "$SRC" "$RULES" "$RULES_TEST" "$n_promtool" <<'PY' || fail "rule metadata checks"
import re, sys
sys.path.insert(0, sys.argv[1] + '/tests/integration')
import deploy_tools as d
src, rules_path, test_path, n_promtool = sys.argv[1:5]
rules = d.load_rules(rules_path)
errs = []
if str(len(rules)) != n_promtool:
    errs.append('parsed %d rules but promtool found %s' % (len(rules), n_promtool))
runbooks = open(src + '/docs/runbooks.md', encoding='utf-8').read()
# GitHub-style anchors of the markdown headings
anchors = {re.sub(r'[^a-z0-9 _-]', '', h.strip().lower()).replace(' ', '-')
           for h in re.findall(r'^#{1,6}\s+(.*)$', runbooks, re.M)}
tests = d.load_yaml(test_path)['tests']
alerts = [r for r in rules if r['kind'] == 'alert']
if len({a['name'] for a in alerts}) != len(alerts):
    errs.append('duplicate alert names')
for a in alerts:
    n = a['name']
    for k in ('severity', 'team', 'category'):
        if not a['labels'].get(k):
            errs.append('%s: label %s missing' % (n, k))
    if a['labels'].get('severity') not in ('warning', 'critical'):
        errs.append('%s: severity must be warning or critical' % n)
    for k in ('summary', 'description', 'runbook'):
        if not (a['annotations'].get(k) or '').strip():
            errs.append('%s: annotation %s missing' % (n, k))
    for k, v in a['annotations'].items():
        if re.search(r'\|\s*multiply\b', v):
            errs.append('%s: annotation %s uses the non-existent template function multiply' % (n, k))
    rb = a['annotations'].get('runbook', '')
    m = re.fullmatch(r'docs/runbooks\.md#([a-z0-9_-]+)', rb)
    if not m:
        errs.append('%s: runbook %r is not docs/runbooks.md#anchor' % (n, rb))
    elif m.group(1) not in anchors:
        errs.append('%s: runbook anchor #%s not found in docs/runbooks.md' % (n, m.group(1)))
    cases = [c for t in tests for c in (t.get('alert_rule_test') or []) if c['alertname'] == n]
    if not any(c.get('exp_alerts') for c in cases):
        errs.append('%s: no alert_rule_test where it fires' % n)
    if not any(not c.get('exp_alerts') for c in cases):
        errs.append('%s: no alert_rule_test where it stays quiet' % n)
for e in errs:
    print('  ' + e)
print('  %d alerts, %d recording rules checked' % (len(alerts), len(rules) - len(alerts)))
sys.exit(1 if errs else 0)
PY

note "mutation checks: each alert's tests must catch a broken rule"
work=$(new_tmpdir)
mkdir -p "$work/prometheus/tests"
cp "$RULES_TEST" "$work/prometheus/tests/"
mapfile -t alerts < <("${TOOLS[@]}" rules-json "$RULES" |
  python3 -c 'import json,sys; [print(r["name"]) for r in json.load(sys.stdin) if r["kind"]=="alert"]')
[ "${#alerts[@]}" -gt 0 ] || fail "no alerts parsed from $RULES"
for alert in "${alerts[@]}"; do
  loose=$("${TOOLS[@]}" loosen "$RULES" "$alert")
  for variant in never loosened; do
    if [ "$variant" = never ]; then expr='vector(1) > 2'; else expr=$loose; fi
    "${TOOLS[@]}" mutate "$RULES" "$alert" "$expr" >"$work/prometheus/llm-alerts.yml"
    promtool check rules "$work/prometheus/llm-alerts.yml" >/dev/null ||
      fail "$alert/$variant: mutated rules file does not parse (mutation tool broken)"
    if out=$(promtool test rules "$work/prometheus/tests/llm-alerts.test.yml" 2>&1); then
      fail "$alert/$variant: the unit tests still pass with expr '$expr'"
    fi
    grep -q "alertname: $alert," <<<"$out" ||
      fail "$alert/$variant: promtool failed, but not on $alert: $out"
    echo "  $alert/$variant: caught"
  done
done

note "OpenTelemetry Collector gateway example"
COLLECTOR=$DEPLOY/otel-collector/otel-collector.yaml
"${TOOLS[@]}" check-collector "$COLLECTOR" || fail "$COLLECTOR"
# The checker catches a gateway that lost its second backend or an undefined exporter.
sed 's|exporters: \[otlphttp/langfuse, otlphttp/second\]|exporters: [otlphttp/langfuse]|' \
  "$COLLECTOR" >"$work/one.yaml"
if "${TOOLS[@]}" check-collector "$work/one.yaml" >/dev/null; then fail "check-collector accepted a single backend"; fi
sed 's|exporters: \[otlphttp/langfuse, otlphttp/second\]|exporters: [otlphttp/langfuse, otlphttp/nowhere]|' \
  "$COLLECTOR" >"$work/undefined.yaml"
if "${TOOLS[@]}" check-collector "$work/undefined.yaml" >/dev/null; then fail "check-collector accepted an undefined exporter"; fi
echo "PASS"
