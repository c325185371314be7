#!/usr/bin/env bash
# deploy/alertmanager: amtool check-config, no inline secrets, a placeholder for every secret
# file, and `amtool config routes test` for every alert in llm-alerts.yml with the labels the
# rule really attaches (read from the rules file), against the receivers intended below.
# shellcheck source=tests/integration/deploy_common.sh
. "$(dirname "$0")/deploy_common.sh"
need amtool python3

# The intended receivers per alert (comma-separated, in amtool's order). Adding an alert to
# llm-alerts.yml without adding it here fails this test.
declare -A EXPECTED=(
  [LlmDailyBudgetBurning]=llm-cost-alerts
  [LlmTokenUsageAnomaly]=llm-cost-alerts
  [LlmEvalPassRateLow]=ml-team-slack
  [LlmRagFaithfulnessLow]=ml-team-slack
  [LlmLatencySLOBurn]=default-slack
  [LlmErrorRateHigh]="pagerduty-platform,default-slack"
  [LlmobsExporterDropping]=default-slack
  [LlmobsExportFailures]=default-slack
  [LlmobsQueueNearFull]=default-slack
  [LlmobsScrapeTargetDown]="pagerduty-platform,default-slack"
)

note "amtool check-config"
amtool check-config "$AM_CONFIG" || fail "amtool check-config"

note "secrets come from files, with a placeholder for each under deploy/alertmanager/secrets/"
config_body=$(grep -vE '^\s*#' "$AM_CONFIG")   # comments may mention what not to do
grep -nE '^\s*(-\s*)?(api_url|service_key|routing_key|auth_password|auth_token|bot_token|api_key|password|slack_api_url)\s*:' <<<"$config_body" &&
  fail "inline secret fields in $AM_CONFIG (use the *_file variants)"
grep -nE 'hooks\.slack\.com|\$\{' <<<"$config_body" && fail "webhook URL or \${ENV} reference in $AM_CONFIG"
files=$(sed -nE 's/^\s*(-\s*)?[a-z_]+_file:\s*"?([^"#]+)"?\s*(#.*)?$/\2/p' "$AM_CONFIG")
[ -n "$files" ] || fail "no *_file secret references found in $AM_CONFIG"
for f in $files; do
  [ -f "$DEPLOY/alertmanager/secrets/$(basename "$f")" ] ||
    fail "secret file $f has no placeholder deploy/alertmanager/secrets/$(basename "$f")"
  grep -q PLACEHOLDER "$DEPLOY/alertmanager/secrets/$(basename "$f")" ||
    fail "deploy/alertmanager/secrets/$(basename "$f") does not look like a placeholder"
  echo "  $f: placeholder present"
done

note "routing of every alert (labels taken from llm-alerts.yml)"
mapfile -t lines < <("${TOOLS[@]}" rules-json "$RULES" | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["kind"] == "alert":
        labels = dict(r["labels"], alertname=r["name"], feature="rag_pipeline",
                      instance="127.0.0.1:9464", job="llmobs")
        print(r["name"] + "\t" + " ".join("%s=%s" % kv for kv in sorted(labels.items())))')
[ "${#lines[@]}" -gt 0 ] || fail "no alerts parsed from $RULES"
seen=()
for line in "${lines[@]}"; do
  alert=${line%%$'\t'*}
  labels=${line#*$'\t'}
  want=${EXPECTED[$alert]:-}
  [ -n "$want" ] || fail "$alert has no expected receiver in this test: add it to EXPECTED"
  # shellcheck disable=SC2086  # labels are word-split on purpose (no spaces inside values)
  got=$(amtool config routes test --config.file="$AM_CONFIG" $labels 2>/dev/null) ||
    fail "$alert: amtool config routes test failed"
  [ "$got" = "$want" ] || fail "$alert ($labels) routed to '$got', expected '$want'"
  echo "  $alert -> $got"
  seen+=("$alert")
done
for alert in "${!EXPECTED[@]}"; do
  printf '%s\n' "${seen[@]}" | grep -qx "$alert" || fail "EXPECTED lists $alert, which is not in llm-alerts.yml"
done

note "negative control: a wrong expectation is reported by amtool --verify.receivers"
if amtool config routes test --config.file="$AM_CONFIG" --verify.receivers=ml-team-slack \
     alertname=LlmErrorRateHigh severity=critical team=platform >/dev/null 2>&1; then
  fail "amtool accepted a wrong receiver expectation"
fi
echo "PASS"
