#!/usr/bin/env bash
# Builds llmobs (Release), installs the peers into a scratch folder, runs every benchmark and
# writes bench/results/<date>-<host>.{md,json}. One command: bench/run.sh [--quick]
# --quick: a few-second smoke of each benchmark (CI), results written to the scratch folder only.
# A peer that cannot be installed is reported and skipped; the rest still runs.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
quick=""
[ "${1:-}" = "--quick" ] && quick="--quick"
jobs=$(nproc)
build="$root/build-bench"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/llmobs-bench.XXXXXX")
results="$scratch/results.jsonl"
skipped=""
failed=""
: >"$results"
say() { printf '\n== %s\n' "$*" >&2; }
# An llmobs benchmark that fails is an error (exit 1 at the end), and so is the main tracing
# peer (Langfuse JS v5) failing when npm is there; another missing peer is not.
broke() { echo "bench: FAILED $*" >&2; failed="${failed:+$failed; }$*"; }
skip() { echo "bench: SKIPPED $*" >&2; skipped="${skipped:+$skipped; }$*"; }

load=$(cut -d' ' -f1-3 /proc/loadavg) # at the start, for the report
say "build (Release) in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DLLMOBS_BENCH=ON \
    >/dev/null || exit 1
cmake --build "$build" -j"$jobs" --target bench_receiver bench_trace bench_throughput \
    bench_metrics bench_callgrind bench_cost >/dev/null || exit 1
B="$build/bench"

say "peers into $scratch (never vendored)"
if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-prometheus-client wrk valgrind \
        >"$scratch/apt.log" 2>&1 || echo "bench: apt-get install failed (see $scratch/apt.log)" >&2
fi
# The Langfuse JS SDK v5 (@langfuse/tracing + @langfuse/otel on OpenTelemetry JS 2) is the main
# tracing peer: with npm present, failing to install or run it is a failure (broke), not a skip.
# v3 (npm langfuse@3, deprecated) stays as a row; it and prom-client are skipped if they break.
have_node=0
have_v5=0
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    skip "npm peers (Langfuse JS v5 and v3, prom-client): npm or node missing"
else
    if npm install --prefix "$scratch/node5" --no-audit --no-fund @langfuse/tracing@5 \
            @langfuse/otel@5 @opentelemetry/sdk-trace-node@2 @opentelemetry/api@1 \
            >"$scratch/npm-v5.log" 2>&1; then
        have_v5=1
    else
        broke "npm install of the Langfuse JS SDK v5 peer, see $scratch/npm-v5.log"
    fi
    if npm install --prefix "$scratch/node" --no-audit --no-fund langfuse@3 prom-client@15 \
            >"$scratch/npm.log" 2>&1; then
        have_node=1
    else
        skip "npm peers (langfuse@3, prom-client@15): install failed, see $scratch/npm.log"
    fi
fi
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)

say "receiver"
"$B/bench_receiver" --port 0 >"$scratch/receiver.out" 2>&1 &
rpid=$!
for _ in $(seq 50); do grep -q '^port' "$scratch/receiver.out" && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(awk '/^port/{print $2}' "$scratch/receiver.out")"
cleanup() {
    kill "$rpid" 2>/dev/null
    [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
    rm -rf "$scratch/node" "$scratch/node5" # the installed peers; logs and raw lines stay
}
trap cleanup EXIT

if [ -n "$quick" ]; then spans=30000; runs=1; secs=0.5; else spans=1000000; runs=2; secs=2; fi
# (2 runs of 1M spans per configuration keep the whole script under ~10 minutes on 2 cores)
say "receiver ceiling"
"$B/bench_throughput" --endpoint "$endpoint" --ceiling --seconds "$secs" --runs "$runs" >>"$results" || broke "receiver ceiling"
say "caller cost (llmobs)"
"$B/bench_trace" --endpoint "$endpoint" $quick >>"$results" || broke "bench_trace"
say "delivered throughput and RSS, $spans spans (llmobs)"
"$B/bench_throughput" --endpoint "$endpoint" --spans "$spans" --runs "$runs" >>"$results" || broke "bench_throughput"
"$B/bench_throughput" --endpoint "$endpoint" --spans "$spans" --runs "$runs" --gzip >>"$results" || broke "bench_throughput --gzip"
say "metrics hot path and render (llmobs + floors)"
"$B/bench_metrics" $quick >>"$results" || broke "bench_metrics"
say "cost tracker at scale (llmobs)"
"$B/bench_cost" $quick >>"$results" || broke "bench_cost"

if [ "$have_v5" = 1 ]; then
    say "Langfuse JS SDK v5 (main tracing peer)"
    NODE_PATH="$scratch/node5/node_modules" node bench/peers/langfuse_v5_bench.js \
        --endpoint "$endpoint" $quick >>"$results" || broke "Langfuse JS SDK v5 peer (langfuse_v5_bench.js)"
fi
if [ "$have_node" = 1 ]; then
    say "Langfuse JS SDK v3 (deprecated)"
    NODE_PATH="$scratch/node/node_modules" node bench/peers/langfuse_bench.js \
        --endpoint "$endpoint" $quick >>"$results" || skip "langfuse-js v3 run failed"
    say "prom-client"
    NODE_PATH="$scratch/node/node_modules" node bench/peers/prom_client_bench.js $quick \
        >>"$results" || skip "prom-client run failed"
fi
if [ -n "$py" ] && "$py" -c 'import prometheus_client' 2>/dev/null; then
    say "python prometheus_client"
    "$py" bench/peers/python_prometheus_bench.py $quick >>"$results" || skip "python run failed"
else
    skip "python prometheus_client: not installed (apt-get install python3-prometheus-client)"
fi

say "scrape under load (wrk against the scrape endpoint while a thread increments)"
if command -v wrk >/dev/null; then
    wsecs=$([ -n "$quick" ] && echo 1 || echo 5)
    "$B/bench_metrics" --serve $((wsecs + 2)) >"$scratch/serve.out" &
    spid=$!
    for _ in $(seq 50); do grep -q '^port' "$scratch/serve.out" && break; sleep 0.1; done
    mport=$(awk '/^port/{print $2}' "$scratch/serve.out")
    wrk -t1 -c4 -d"${wsecs}s" --latency "http://127.0.0.1:$mport/metrics" >"$scratch/wrk.txt" 2>&1
    wait "$spid"
    spid=""
    grep '^{' "$scratch/serve.out" >>"$results"
    "$py" - "$scratch/wrk.txt" "$(nproc)" >>"$results" <<'EOF'
import json, re, sys
t = open(sys.argv[1]).read()
def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s)", s)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", t, re.M))
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
if lat and rps:
    print(json.dumps({"id": "metrics.scrape_load.latency", "label": "scrape of 10,000 series under load (wrk -t1 -c4), latency",
        "impl": "llmobs", "unit": "ms/scrape", "median": ms(lat["50"]), "p99": ms(lat["99"]),
        "n": 1, "samples": "wrk percentiles", "cores": int(sys.argv[2])}))
    v = float(rps.group(1))
    print(json.dumps({"id": "metrics.scrape_load.rate", "label": "scrapes per second under load (wrk -t1 -c4)",
        "impl": "llmobs", "unit": "scrapes/s", "median": v, "p99": v, "n": 1, "samples": "wrk total",
        "cores": int(sys.argv[2])}))
EOF
else
    skip "scrape under load: wrk not installed"
fi

say "callgrind instruction counts (fixed iterations)"
if command -v valgrind >/dev/null; then
    # name:iterations[:function]: only that function's instructions count (default cg_loop)
    for c in traced_call:2000 traced_call_steady:2000:cg_step traced_call_sampled_out:2000 \
             traced_call_disabled:2000 \
             set_input_json_1mb:20 counter_inc_labels:100000 counter_inc:100000 histogram_observe:100000 \
             histogram_observe_labels:100000 gauge_set:100000 cost_record:100000 \
             cost_generation:100000; do
        IFS=: read -r name iters fn <<<"$c"
        fn=${fn:-cg_loop}
        [ -n "$quick" ] && iters=$((iters / 10))
        rm -f "$scratch"/cg.out*
        valgrind --tool=callgrind --separate-threads=yes --toggle-collect="$fn" \
            --callgrind-out-file="$scratch/cg.out" "$B/bench_callgrind" "$name" "$iters" \
            >/dev/null 2>&1
        total=$(awk '/^totals:/{print $2}' "$scratch/cg.out-01" 2>/dev/null)
        [ -n "$total" ] || { skip "callgrind $name"; continue; }
        echo "{\"id\":\"callgrind.$name\",\"label\":\"instructions per op on the calling thread: $name\",\"impl\":\"llmobs\",\"unit\":\"instr/op\",\"median\":$((total / iters)),\"p99\":$((total / iters)),\"n\":$iters,\"samples\":\"callgrind Ir / iterations\",\"cores\":$(nproc)}" >>"$results"
    done
else
    skip "callgrind: valgrind not installed"
fi

say "report"
date=$(date -u +%Y-%m-%d)
host=$(hostname -s 2>/dev/null || hostname)
if [ -n "$quick" ]; then base="$scratch/$date-$host"; else base="$root/bench/results/$date-$host"; fi
cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet HEAD 2>/dev/null || commit="$commit+uncommitted"
"$py" bench/report.py "$results" "$base" "date=$date" "host=$host" "cores=$(nproc)" "cpu=$cpu" \
    "load=$load" "load_end=$load_end" "commit=$commit" "command=bench/run.sh${quick:+ $quick}" \
    "skipped=$skipped" "failed=$failed"
echo >&2
echo "bench: results in $base.md and $base.json (raw lines: $results)" >&2
[ -z "$failed" ] || { echo "bench: failed: $failed" >&2; exit 1; }
