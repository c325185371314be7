#!/usr/bin/env python3
"""The demo's scrape endpoint, checked end to end: the text scrape passes `promtool check
metrics`, the OpenMetrics scrape passes tests/tools/om_check.py, the counters agree with
the spans the demo exported, and llm_cost_usd_total equals the sum over the generations of
tokens x price (prices read from the library's own table through its C API) and the cost
details carried on the spans."""
import ctypes
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = os.environ["LLMOBS_BUILD_DIR"]
SOURCE = os.environ["LLMOBS_SOURCE_DIR"]
DEMO = os.path.join(BUILD, "examples", "llmobs-demo")
OM_CHECK = os.path.join(SOURCE, "tests", "tools", "om_check.py")


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(port, accept=None, deadline=10.0):
    end = time.monotonic() + deadline
    while True:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
            if accept:
                req.add_header("Accept", accept)
            with urllib.request.urlopen(req, timeout=2) as r:
                return r.headers.get("Content-Type"), r.read().decode()
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def samples(text, name):
    out = []
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels = {}
            if "{" in line:
                inner = line[line.index("{") + 1:line.rindex("}")]
                for part in inner.split('",'):
                    k, v = part.split('="', 1)
                    labels[k] = v.rstrip('"')
            out.append((labels, float(line.rsplit(" ", 1)[1])))
    return out


def prices():
    lib = ctypes.CDLL(os.path.join(BUILD, "libllmobs.so.0"))
    lib.llmobs_cost_tracker_new.restype = ctypes.c_void_p
    lib.llmobs_cost_tracker_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.llmobs_cost_get_price.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                          ctypes.POINTER(ctypes.c_double)]
    lib.llmobs_cost_tracker_free.argtypes = [ctypes.c_void_p]
    tracker = lib.llmobs_cost_tracker_new(None, None)

    def price(model, kind):
        out = ctypes.c_double()
        if lib.llmobs_cost_get_price(tracker, model.encode(), kind, ctypes.byref(out)) != 0:
            fail(f"no price for {model}")
        return out.value
    return price


def main():
    work = tempfile.mkdtemp()
    port = free_port()
    env = dict(os.environ, LLMOBS_FILE_PATH=os.path.join(work, "spans.jsonl"))
    for k in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "OTEL_EXPORTER_OTLP_ENDPOINT",
              "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "LLMOBS_BUDGETS"):
        env.pop(k, None)
    demo = subprocess.Popen([DEMO, "--requests", "400", "--concurrency", "3", "--seed", "11",
                             "--metrics-addr", f"127.0.0.1:{port}", "--linger-seconds", "20"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        summary = demo.stdout.readline()  # printed after the flush, before lingering
        if "pending=0" not in summary:
            fail(f"demo summary: {summary!r}")
        ctype, text = scrape(port)
        if not ctype.startswith("text/plain; version=0.0.4"):
            fail(f"text content type {ctype}")
        om_type, om = scrape(port, "application/openmetrics-text; version=1.0.0")
        if not om_type.startswith("application/openmetrics-text"):
            fail(f"openmetrics content type {om_type}")
    finally:
        demo.terminate()
        demo.wait(timeout=10)

    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    if r.returncode != 0:
        fail("promtool: " + r.stdout + r.stderr)
    r = subprocess.run(["/usr/bin/python3", OM_CHECK], input=om, capture_output=True, text=True)
    if r.returncode != 0:
        fail("om_check: " + r.stdout + r.stderr)

    gens = []
    with open(os.path.join(work, "spans.jsonl")) as f:
        for line in f:
            for s in json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]:
                attrs = {a["key"]: a["value"] for a in s["attributes"]}
                if attrs["langfuse.observation.type"]["stringValue"] == "generation":
                    gens.append(attrs)
    requests = sum(v for _, v in samples(text, "llm_requests_total"))
    if requests != len(gens):
        fail(f"llm_requests_total {requests} != {len(gens)} generations exported")
    errors = sum(v for l, v in samples(text, "llm_requests_total") if l["status"] != "success")
    error_spans = sum(1 for g in gens if g.get("langfuse.observation.level", {}).get("stringValue") == "ERROR")
    if errors != error_spans:
        fail(f"non-success requests {errors} != {error_spans} ERROR generations")

    price = prices()
    kinds = {"input": 0, "output": 1, "input_cached_tokens": 2, "input_cache_creation": 3,
             "output_reasoning_tokens": 4}
    by_model_expected, by_model_spans = {}, {}
    for g in gens:
        model = g["langfuse.observation.model.name"]["stringValue"]
        usage = json.loads(g["langfuse.observation.usage_details"]["stringValue"])
        expected = sum(usage.get(k, 0) * price(model, kind) / 1e6 for k, kind in kinds.items())
        by_model_expected[model] = by_model_expected.get(model, 0) + expected
        cost = json.loads(g["langfuse.observation.cost_details"]["stringValue"])
        by_model_spans[model] = by_model_spans.get(model, 0) + cost["total"]
    metric = {l["model"]: v for l, v in samples(text, "llm_cost_usd_total")}
    for model, want in by_model_expected.items():
        for what, got in (("metric", metric.get(model, -1)), ("span cost_details", by_model_spans[model])):
            if abs(got - want) > 1e-9 * max(1, want):
                fail(f"{model}: {what} {got} != tokens x price {want}")
    print(f"ok: {len(gens)} generations, cost {sum(metric.values()):.6f} USD across {len(metric)} models")

    # Online evaluation (simulated judge, 20 % of answered requests by default): the quality
    # families are on the scrape, and every run of a metric was judged (pass or fail).
    runs = samples(text, "llm_eval_runs_total")
    judged = {}
    for l, v in runs:
        judged.setdefault(l["metric"], {})[l["result"]] = v
    for metric_name in ("accuracy", "faithfulness"):
        r = judged.get(metric_name, {})
        if set(r) != {"pass", "fail", "error"} or r["error"] != 0 or r["pass"] + r["fail"] < 40:
            fail(f"llm_eval_runs_total for {metric_name}: {r}")
        rate = [v for l, v in samples(text, "llm_eval_pass_rate") if l["metric"] == metric_name]
        if len(rate) != 1 or not 0 < rate[0] <= 1:
            fail(f"llm_eval_pass_rate for {metric_name}: {rate}")
    if len(samples(text, "llm_rag_faithfulness")) != 1:
        fail("llm_rag_faithfulness missing")
    # Known label values exported at 0 from the start.
    reasons = {l["reason"] for l, _ in samples(text, "llmobs_dropped_total")}
    want = {"queue_full", "sampled_out", "disabled", "rejected", "retries_exhausted", "shutdown",
            "too_large", "invalid", "spool_full"}
    if reasons != want:
        fail(f"llmobs_dropped_total reasons {sorted(reasons)} != {sorted(want)}")
    outcomes = {l["outcome"] for l, _ in samples(text, "llmobs_spool_items_total")}
    if outcomes != {"spooled", "resent", "evicted", "rejected"}:
        fail(f"llmobs_spool_items_total outcomes {sorted(outcomes)}")
    types = {}
    for l, _ in samples(text, "llm_tokens_total"):
        types.setdefault(l["model"], set()).add(l["token_type"])
    for model, t in types.items():
        if t != {"input", "output", "cache_read", "cache_write", "reasoning"}:
            fail(f"llm_tokens_total token types of {model}: {sorted(t)}")
    print(f"ok: eval runs {judged}, {len(reasons)} drop reasons at start")


if __name__ == "__main__":
    main()
