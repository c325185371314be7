"""Debian's python3-prometheus-client, peer of bench_metrics: same operations, JSON-lines output.
Run: /usr/bin/python3 bench/peers/python_prometheus_bench.py [--quick]"""
import json
import os
import sys
import time

import prometheus_client as pc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_latest_om

QUICK = "--quick" in sys.argv
CORES = os.cpu_count()
try:
    from importlib.metadata import version as _v
    VERSION = _v("prometheus_client")
except Exception:  # pragma: no cover
    VERSION = "?"


def pct(v, p):
    s = sorted(v)
    k = min(len(s), max(1, int(-(-p / 100 * len(s) // 1))))
    return s[k - 1]


def emit(id_, label, unit, v, what):
    print(json.dumps({"id": id_, "label": label, "impl": "python prometheus_client",
                      "version": VERSION, "unit": unit, "median": pct(v, 50), "p99": pct(v, 99),
                      "n": len(v), "threads": 1, "samples": what, "cores": CORES}), flush=True)


def hot(id_, label, fn, n):
    runs = 3 if QUICK else 9
    if QUICK:
        n //= 20
    fn(n // 10)
    v = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn(n)
        v.append((time.perf_counter_ns() - t0) / n)
    emit(id_ + ".t1", label + ", 1 thread", "ns/op", v, "per-run")


reg = CollectorRegistry()
c = Counter("bench_requests", "Requests", ["model", "feature"], registry=reg)
h = Histogram("bench_duration_seconds", "Latency", ["model", "feature"], registry=reg,
              buckets=[0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32])
g = Gauge("bench_inflight", "Inflight", ["model", "feature"], registry=reg)
cb = c.labels("gpt-4o-mini", "rag_pipeline")
hb = h.labels("gpt-4o-mini", "rag_pipeline")
gb = g.labels("gpt-4o-mini", "rag_pipeline")


def inc_labels(n):
    for _ in range(n):
        c.labels("gpt-4o-mini", "rag_pipeline").inc()


def inc(n):
    for _ in range(n):
        cb.inc()


def observe(n):
    for i in range(n):
        hb.observe((i & 63) * 0.5)


def observe_labels(n):
    for i in range(n):
        h.labels("gpt-4o-mini", "rag_pipeline").observe((i & 63) * 0.5)


def gauge_set(n):
    for i in range(n):
        gb.set(i)


hot("metrics.counter_inc_labels", "counter inc, 2 labels, lookup by values", inc_labels, 200000)
hot("metrics.counter_inc", "counter inc, pre-bound child", inc, 400000)
hot("metrics.histogram_observe", "histogram observe, 9 buckets, pre-bound child", observe, 200000)
hot("metrics.histogram_observe_labels", "histogram observe, 9 buckets, lookup by 2 label values",
    observe_labels, 200000)
hot("metrics.gauge_set", "gauge set, pre-bound child", gauge_set, 400000)

big = CollectorRegistry()
f = Counter("bench_series", "Series", ["model", "feature"], registry=big)
for i in range(10000):
    f.labels("model-%d" % (i % 100), "feature-%d" % (i // 100)).inc(i)
runs = 3 if QUICK else 9
for id_, label, gen in (("metrics.render.text", "render 10,000 counter series, text 0.0.4", generate_latest),
                        ("metrics.render.openmetrics", "render 10,000 counter series, OpenMetrics",
                         generate_latest_om)):
    gen(big)
    v = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        gen(big)
        v.append((time.perf_counter_ns() - t0) / 1e6)
    emit(id_, label, "ms/scrape", v, "per-run")
