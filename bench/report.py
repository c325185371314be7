#!/usr/bin/env python3
"""Turns the JSON lines printed by the benchmarks (bench_*, bench/peers/*) into the results
table: bench/results/<date>-<host>.md and .json. Usage:
    report.py RESULTS.jsonl OUT_BASENAME [--meta KEY=VALUE ...]
Each line is one figure: {"id","label","impl","unit","median","p99","n","samples",...}.
Rows are grouped by id; llmobs first, then the peers and floors measured in the same run,
with the ratio to llmobs. The targets are the ones of the benchmarks issue (#10)."""
import json
import sys

# id -> (target, "max" | "min"): the targets for this 2-vCPU machine.
TARGETS = {
    "metrics.counter_inc_labels.t1": (30, "max"),
    "metrics.counter_inc.t1": (10, "max"),
    "metrics.histogram_observe.t1": (40, "max"),
    "metrics.render.text": (1.5, "max"),
    "trace.caller.none.t1": (1000, "max"),
    "trace.caller.otlp.t1": (1000, "max"),
    "trace.throughput": (200000, "min"),
}
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
              f"{meta.get('load', '?')}. Command: `bench/run.sh`. Median and p99 over the samples "
              "(`per-op`: every operation timed; `per-run`: one figure per run). "
              "Ratio = how many times better llmobs is than that row (>1: llmobs better).")
    md.append("")
    md.append("| figure | implementation | median | p99 | unit | samples | ratio (llmobs better ×) | target |")
    md.append("|---|---|---|---|---|---|---|---|")
    for id_ in sorted(by_id, key=sort_key):
        group = sorted(by_id[id_], key=lambda r: (r["impl"] != "llmobs", r["impl"]))
        ll = next((r for r in group if r["impl"] == "llmobs"), None)
        for r in group:
            ratio = None
            if ll is not None and r is not ll:
                ratio = better_ratio(r["unit"], ll["median"], r["median"])
            tgt = ""
            if r is ll and id_ in TARGETS:
                t, kind = TARGETS[id_]
                ok = r["median"] <= t if kind == "max" else r["median"] >= t
                tgt = f"{'≤' if kind == 'max' else '≥'} {fmt(t)}: {'met' if ok else '**missed**'}"
            impl = r["impl"] + (f" {r['version']}" if r.get("version") else "")
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
    if meta.get("skipped"):
        md.append("")
        md.append(f"Skipped: {meta['skipped']}")
    open(base + ".md", "w", encoding="utf-8").write("\n".join(md) + "\n")
    with open(base + ".json", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    print("\n".join(md))


if __name__ == "__main__":
    main()
