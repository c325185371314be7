#!/usr/bin/env python3
"""A real Prometheus (Debian `prometheus`, on loopback with its own config and data dir)
scrapes the demo while it serves traffic at a steady rate. Through Prometheus's HTTP API the
test checks that the target is up and that the reference article's dashboard queries (P95
latency by model, request rate, error rate, token rate, daily cost, context utilisation)
return data consistent with what the demo exported (read back from its OTLP file)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

BUILD = os.environ["LLMOBS_BUILD_DIR"]
DEMO = os.path.join(BUILD, "examples", "llmobs-demo")
REQUESTS, RATE = 300, 30


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, fn, timeout):
    end = time.monotonic() + timeout
    while True:
        try:
            value = fn()
            if value:
                return value
        except OSError:
            pass
        if time.monotonic() > end:
            fail(f"timed out waiting for {what}")
        time.sleep(0.2)


class Prom:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path, **params):
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        if body.get("status") != "success":
            fail(f"{path} {params}: {body}")
        return body["data"]

    def query(self, expr):
        return [(s["metric"], float(s["value"][1])) for s in self.get("/api/v1/query", query=expr)["result"]]

    def scalar(self, expr):
        rows = self.query(expr)
        return rows[0][1] if rows else None


def exported_generations(path):
    gens = []
    with open(path) as f:
        for line in f:
            for s in json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]:
                a = {x["key"]: x["value"] for x in s["attributes"]}
                if a["langfuse.observation.type"]["stringValue"] != "generation":
                    continue
                gens.append({
                    "model": a["langfuse.observation.model.name"]["stringValue"],
                    "error": a.get("langfuse.observation.level", {}).get("stringValue") == "ERROR",
                    "seconds": (int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"])) / 1e9,
                    "usage": json.loads(a["langfuse.observation.usage_details"]["stringValue"]),
                    "cost": json.loads(a["langfuse.observation.cost_details"]["stringValue"])["total"],
                })
    return gens


def main():
    if not shutil.which("prometheus"):
        fail("prometheus not installed (Debian package prometheus)")
    work = tempfile.mkdtemp()
    dport, pport = free_port(), free_port()
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                "scrape_configs:\n  - job_name: llmobs\n"
                f"    static_configs: [{{targets: ['127.0.0.1:{dport}']}}]\n")
    env = dict(os.environ, LLMOBS_FILE_PATH=os.path.join(work, "spans.jsonl"))
    for k in ("LANGFUSE_PUBLIC_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        env.pop(k, None)
    prom = subprocess.Popen(["prometheus", f"--config.file={work}/prometheus.yml",
                             f"--storage.tsdb.path={work}/data", f"--web.listen-address=127.0.0.1:{pport}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prom.log"), "w"))
    p = Prom(pport)
    demo = None
    try:
        wait_for("Prometheus to be ready", lambda: urllib.request.urlopen(p.base + "/-/ready", timeout=2).status == 200, 30)
        demo = subprocess.Popen([DEMO, "--requests", str(REQUESTS), "--concurrency", "2", "--rate", str(RATE),
                                 "--metrics-addr", f"127.0.0.1:{dport}", "--linger-seconds", "60"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        wait_for("the llmobs target to be up", lambda: any(
            t["health"] == "up" for t in p.get("/api/v1/targets")["activeTargets"]), 30)
        summary = demo.stdout.readline()
        if "pending=0" not in summary:
            fail(f"demo summary {summary!r}")
        gens = exported_generations(env["LLMOBS_FILE_PATH"])
        total = len(gens)
        wait_for("Prometheus to hold the final request count",
                 lambda: p.scalar("sum(llm_requests_total)") == total, 20)

        # Request rate (article panel 2): traffic was spread over ~REQUESTS/RATE seconds.
        rate = wait_for("a request rate", lambda: p.scalar("sum(rate(llm_requests_total[1m]))"), 10)

        # Error rate (panel 3): the share of non-success requests equals the ERROR generations.
        ratio = p.scalar('sum(llm_requests_total{status!="success"}) / sum(llm_requests_total)')
        want = sum(g["error"] for g in gens) / total
        if abs(ratio - want) > 1e-9:
            fail(f"error ratio {ratio} != {want}")
        if p.scalar('sum(rate(llm_requests_total{status!="success"}[1m]))') is None:
            fail("error rate query returned nothing")

        # P95 latency by model (panel 1): Prometheus's estimate lies in the bucket that holds the
        # true P95 of the exported durations.
        les = sorted({float(m["le"]) for m, _ in p.query("llm_request_duration_seconds_bucket")})
        for m, est in p.query("histogram_quantile(0.95, sum(rate(llm_request_duration_seconds_bucket[1m])) by (le, model))"):
            durs = sorted(g["seconds"] for g in gens if g["model"] == m["model"])
            true_p95 = durs[max(0, int(0.95 * len(durs) + 0.5) - 1)]
            upper = next(le for le in les if le >= true_p95)
            lower = max([0.0] + [le for le in les if le < upper])
            if not (lower - 1e-9 <= est <= upper + 1e-9):
                fail(f"P95 for {m['model']}: estimate {est} outside the bucket ({lower}, {upper}] of {true_p95}")

        # Token rate (panel 4) and totals per token type.
        for m, v in p.query("sum(llm_tokens_total) by (token_type)"):
            key = {"input": "input", "output": "output", "cache_read": "input_cached_tokens"}.get(m["token_type"])
            if key and v != sum(g["usage"].get(key, 0) for g in gens):
                fail(f"tokens {m['token_type']}: {v}")
        if not p.scalar("sum(rate(llm_tokens_total[1m]))"):
            fail("token rate is zero")

        # Daily cost by feature (panel 5) and the exact total.
        cost = p.scalar('sum(llm_cost_usd_total{feature="rag_pipeline"})')
        if abs(cost - sum(g["cost"] for g in gens)) > 1e-9:
            fail(f"cost {cost}")
        daily = p.query("sum(increase(llm_cost_usd_total[24h])) by (feature)")
        if not daily or daily[0][0].get("feature") != "rag_pipeline" or daily[0][1] <= 0:
            fail(f"daily cost query {daily}")

        # Context utilisation (panel 7): a ratio in (0, 1].
        ctx = p.query("histogram_quantile(0.95, sum(llm_context_utilisation_ratio_bucket) by (le, model))")
        if not ctx or not all(0 < v <= 1 for _, v in ctx):
            fail(f"context utilisation {ctx}")
        print(f"ok: {total} generations, rate {rate:.1f}/s, error ratio {ratio:.3f}, cost {cost:.4f} USD")
    finally:
        procs = [x for x in (demo, prom) if x]
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
