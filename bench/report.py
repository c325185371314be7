#!/usr/bin/env python3
"""Turns the JSON lines printed by the benchmarks (bench_*, bench/peers/*) into the results
table: bench/results/<date>-<host>.md and .json. Usage:
    report.py RESULTS.jsonl OUT_BASENAME [KEY=VALUE ...]
Each line is one figure: {"id","label","impl","unit","median","p99","n","samples",...}.
The .md starts with a summary (llmobs vs the Langfuse JS SDK v5, the main tracing peer, and v3,
deprecated, with ratios from the same run) and the issue-18 targets, met or missed; then every
row grouped by id: llmobs first, then the peers and floors measured in the same run, with the
ratio to llmobs."""
import json
import sys

# id -> (target, "max" | "min", issue): the targets for this 2-vCPU machine. Tracing: issue 18
# (caller cost, instructions, sampled-out / disabled, delivered spans/s, CPU per span); metrics:
# issue 10.
TARGETS = {
    "trace.caller.none.t1": (1000, "max", 18),
    "trace.caller.otlp.t1": (1000, "max", 18),
    "trace.caller.sampled_out.t1": (100, "max", 18),
    "trace.caller.disabled.t1": (100, "max", 18),
    "callgrind.traced_call": (3000, "max", 18),
    "callgrind.traced_call_steady": (3000, "max", 18),
    "callgrind.traced_call_sampled_out": (300, "max", 18),
    "callgrind.traced_call_disabled": (300, "max", 18),
    "trace.throughput": (500000, "min", 18),
    "trace.throughput.gzip": (250000, "min", 18),
    "trace.cpu_per_span": (1.5, "max", 18),
    "metrics.counter_inc_labels.t1": (30, "max", 10),
    "metrics.counter_inc.t1": (10, "max", 10),
    "metrics.histogram_observe.t1": (40, "max", 10),
    "metrics.render.text": (1.5, "max", 10),
}
# The issue-18 targets in the order of the issue, with how each is read from the figures.
ISSUE18 = [
    ("caller cost per traced call, median, OTLP to the local receiver", "trace.caller.otlp.t1", 1e-3, "µs"),
    ("caller cost per traced call, median, exporter=none", "trace.caller.none.t1", 1e-3, "µs"),
    ("instructions per traced call (callgrind, calling thread)", "callgrind.traced_call", 1, "instr"),
    ("the same with the flusher keeping up (flush every 16 calls, not counted)",
     "callgrind.traced_call_steady", 1, "instr"),
    ("sampled-out traced call, median", "trace.caller.sampled_out.t1", 1, "ns"),
    ("sampled-out traced call, instructions", "callgrind.traced_call_sampled_out", 1, "instr"),
    ("disabled client traced call, median", "trace.caller.disabled.t1", 1, "ns"),
    ("disabled client traced call, instructions", "callgrind.traced_call_disabled", 1, "instr"),
    ("delivered spans/s, plain OTLP/HTTP JSON, 1M spans", "trace.throughput", 1, "spans/s"),
    ("delivered spans/s, gzip, 1M spans", "trace.throughput.gzip", 1, "spans/s"),
    ("CPU per delivered span (plain, producer + flusher)", "trace.cpu_per_span", 1, "µs"),
]
# Summary rows: (what, id, scale to the shown unit, shown unit, "median" | "p99").
SUMMARY = [
    ("caller cost per traced call, median", "trace.caller.otlp.t1", 1e-3, "µs", "median"),
    ("caller cost per traced call, p99", "trace.caller.otlp.t1", 1e-3, "µs", "p99"),
    ("delivered traced calls (1 producer)", "trace.throughput.calls", 1, "calls/s", "median"),
    ("delivered spans (OTLP/HTTP JSON, plain)", "trace.throughput", 1, "spans/s", "median"),
    ("CPU per delivered traced call (whole process)", "trace.cpu_per_call", 1, "µs", "median"),
]
V5, V3 = "langfuse-js v5", "langfuse-js v3"
HIGHER_IS_BETTER = ("/s",)
ORDER = ["trace.caller", "trace.throughput", "trace.cpu", "trace.peak_rss", "receiver", "metrics.counter",
         "metrics.histogram", "metrics.gauge", "metrics.render", "metrics.scrape", "callgrind"]


def better_ratio(unit, llmobs, other):
    """How many times better llmobs is than `other` (>1: llmobs better)."""
    if not llmobs or not other:
        return None
    if unit.endswith(HIGHER_IS_BETTER):
        return llmobs / other
    return other / llmobs


def fmt(x):
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    a = abs(x)
    if a >= 100000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def impl_name(r):
    return (r["impl"] + (f" {r['version']}" if r.get("version") else "") +
            (" (deprecated)" if r.get("deprecated") else ""))


def impl_rank(r):
    return (r["impl"] != "llmobs", r["impl"] != V5, bool(r.get("deprecated")), r["impl"])


def verdict(id_, value):
    t, kind, _ = TARGETS[id_]
    ok = value <= t if kind == "max" else value >= t
    return ok, f"{'≤' if kind == 'max' else '≥'} {fmt(t)}: {'met' if ok else '**missed**'}"


def summary(by_id, md, out):
    """llmobs vs v5 vs v3 for the tracing figures, and the issue-18 targets."""
    def pick(id_, impl):
        return next((r for r in by_id.get(id_, []) if r["impl"] == impl), None)

    vers = {}
    for impl in (V5, V3):
        r = next((r for rows in by_id.values() for r in rows if r["impl"] == impl), None)
        vers[impl] = r.get("version", "?") if r else None
    md.append("## Summary: llmobs vs the Langfuse JS SDK v5 (main peer) and v3 (deprecated)")
    md.append("")
    md.append("Same traced LLM call (trace/root + retrieval + generation with model and usage, "
              "~200-byte inputs and outputs: 3 spans), same local receiver, same run. "
              "Delivered: llmobs's producer (a C loop) backs off while its queue is full; the JS "
              "SDKs' traced calls yield the event loop after each; how many spans or calls each "
              "side sent is in the labels of the full table (--quick: a few hundred JS calls, "
              "too few for V8 to optimise the SDKs' code, so their figures there are a smoke test "
              "only). "
              "Ratio = how many times better llmobs is (>1: llmobs better). "
              f"v5 = @langfuse/tracing {vers[V5] or 'not run'} + @langfuse/otel on OpenTelemetry JS 2 "
              f"(OTLP); v3 = langfuse {vers[V3] or 'not run'} (ingestion API, deprecated).")
    md.append("")
    md.append("| figure | llmobs | Langfuse JS v5 | Langfuse JS v3 (deprecated) | llmobs vs v5 | llmobs vs v3 |")
    md.append("|---|---|---|---|---|---|")
    out["summary"] = []
    for what, id_, scale, unit, stat in SUMMARY:
        ll, v5, v3 = pick(id_, "llmobs"), pick(id_, V5), pick(id_, V3)
        val = lambda r: r[stat] * scale if r else None  # noqa: E731
        r5 = better_ratio(unit, val(ll), val(v5))
        r3 = better_ratio(unit, val(ll), val(v3))
        md.append(f"| {what} ({unit}) | {fmt(val(ll))} | {fmt(val(v5))} | {fmt(val(v3))} | "
                  f"{fmt(r5) + '×' if r5 else '–'} | {fmt(r3) + '×' if r3 else '–'} |")
        out["summary"].append({"figure": what, "id": id_, "stat": stat, "unit": unit, "llmobs": val(ll),
                               "langfuse_js_v5": val(v5), "langfuse_js_v3": val(v3),
                               "ratio_vs_v5": r5, "ratio_vs_v3": r3})
    md.append("")
    md.append("## Issue-18 targets (llmobs, this run)")
    md.append("")
    md.append("| target | figure | measured | verdict |")
    md.append("|---|---|---|---|")
    out["targets"] = []
    for what, id_, scale, unit in ISSUE18:
        ll = pick(id_, "llmobs")
        t, kind, _ = TARGETS[id_]
        if ll is None:
            md.append(f"| {what} | `{id_}` | not measured | **not measured** |")
            out["targets"].append({"target": what, "id": id_, "measured": None, "met": None})
            continue
        ok, text = verdict(id_, ll["median"])
        tshown = f"{'≤' if kind == 'max' else '≥'} {fmt(t * scale)} {unit}"
        md.append(f"| {what}: {tshown} | `{id_}` | {fmt(ll['median'] * scale)} {unit} | "
                  f"{'met' if ok else '**missed**'} |")
        out["targets"].append({"target": what, "id": id_, "limit": t, "kind": kind,
                               "measured": ll["median"], "unit": ll["unit"], "met": ok})
    md.append("")


def sort_key(id_):
    for i, p in enumerate(ORDER):
        if id_.startswith(p):
            return (i, id_)
    return (len(ORDER), id_)


def main():
    src, base = sys.argv[1], sys.argv[2]
    meta = dict(a.split("=", 1) for a in sys.argv[3:] if "=" in a)
    rows = []
    for line in open(src, encoding="utf-8"):
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    by_id = {}
    for r in rows:
        by_id.setdefault(r["id"], []).append(r)
    out = {"meta": meta, "figures": []}
    md = [f"# llmobs benchmarks — {meta.get('date', '?')} on {meta.get('host', '?')}", ""]
    md.append(f"{meta.get('cores', '?')} cores, {meta.get('cpu', '?')}; load average at start "
              f"{meta.get('load', '?')}, at the end {meta.get('load_end', '?')}; commit "
              f"{meta.get('commit', '?')}. Command: `{meta.get('command', 'bench/run.sh')}`. "
              "A shared VM: other processes compete for the cores, so timings are noisy "
              "(callgrind instruction counts are not). Median and p99 over the samples "
              "(`per-op`: every operation timed; `per-run`: one figure per run). "
              "Ratio = how many times better llmobs is than that row (>1: llmobs better).")
    md.append("")
    summary(by_id, md, out)
    md.append("## Every figure")
    md.append("")
    md.append("| figure | implementation | median | p99 | unit | samples | ratio (llmobs better ×) | target |")
    md.append("|---|---|---|---|---|---|---|---|")
    for id_ in sorted(by_id, key=sort_key):
        group = sorted(by_id[id_], key=impl_rank)
        ll = next((r for r in group if r["impl"] == "llmobs"), None)
        for r in group:
            ratio = None
            if ll is not None and r is not ll:
                ratio = better_ratio(r["unit"], ll["median"], r["median"])
            tgt = ""
            if r is ll and id_ in TARGETS:
                tgt = verdict(id_, r["median"])[1] + f" (#{TARGETS[id_][2]})"
            impl = impl_name(r)
            md.append(f"| {r['label']} | {impl} | {fmt(r['median'])} | {fmt(r['p99'])} | {r['unit']} "
                      f"| {r.get('n', '')} {r.get('samples', '')} | {fmt(ratio)} | {tgt} |")
            fig = dict(r)
            fig["ratio_llmobs_better"] = ratio
            if tgt:
                fig["target"] = tgt
            out["figures"].append(fig)
    extras = [r for r in rows if r["id"].startswith("trace.throughput") and "rss_curve_mib" in r]
    if extras:
        md.append("")
        md.append("RSS (MiB) sampled every 10 % of the last 1M-span run:")
        for r in extras:
            md.append(f"- {r['label']}: before {r.get('rss_before_mib')}, "
                      f"curve {r['rss_curve_mib']}, peak {r.get('peak_rss_mib')}")
    if meta.get("failed"):
        md.append("")
        md.append(f"**Failed**: {meta['failed']}")
    if meta.get("skipped"):
        md.append("")
        md.append(f"Skipped: {meta['skipped']}")
    open(base + ".md", "w", encoding="utf-8").write("\n".join(md) + "\n")
    with open(base + ".json", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    print("\n".join(md))


if __name__ == "__main__":
    main()
