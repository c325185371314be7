# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Sourced by tests/integration/test_deploy_*.sh (not a test itself: ctest only registers test_*).
# Needs LLMOBS_SOURCE_DIR (repo root; defaults to two levels above this file) and, for the
# demo-based tests, LLMOBS_BUILD_DIR.
set -euo pipefail

SRC=${LLMOBS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DEPLOY=$SRC/deploy
RULES=$DEPLOY/prometheus/llm-alerts.yml
RULES_TEST=$DEPLOY/prometheus/tests/llm-alerts.test.yml
AM_CONFIG=$DEPLOY/alertmanager/alertmanager.yml
DASHBOARD=$DEPLOY/grafana/llm-observability.json
TOOLS=(python3 "$SRC/tests/integration/deploy_tools.py")

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 ||
      fail "required tool '$t' not found (Debian: apt-get install prometheus prometheus-alertmanager prometheus-pushgateway curl python3; scripts/deps.sh)"
  done
}

# A TCP port the OS reports free on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The demo binary, or a clear failure.
demo_binary() {
  [ -n "${LLMOBS_BUILD_DIR:-}" ] || fail "LLMOBS_BUILD_DIR is not set (run through ctest, or export it)"
  local demo=$LLMOBS_BUILD_DIR/examples/llmobs-demo
  [ -x "$demo" ] || fail "demo binary $demo is missing or not executable: build the llmobs-demo target (examples/demo/demo.c) first"
  echo "$demo"
}

# Processes started by this script, killed (by PID) on exit.
PIDS=()
TMPDIRS=()
cleanup() {
  local pid d
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  for d in "${TMPDIRS[@]}"; do
    rm -rf "$d"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_tmpdir() {
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/llmobs-deploy.XXXXXX")
  TMPDIRS+=("$d")
  echo "$d"
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds (1 on timeout).
wait_until() {
  local secs=$1
  shift
  local deadline=$((SECONDS + secs))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# alive PID: the process still runs.
alive() { kill -0 "$1" 2>/dev/null; }
