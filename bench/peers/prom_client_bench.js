// prom-client (npm) peer of bench_metrics: same operations, same JSON-lines output.
// Run: NODE_PATH=<scratch>/node_modules node bench/peers/prom_client_bench.js [--quick]
'use strict';
const client = require('prom-client');
const os = require('os');
const quick = process.argv.includes('--quick');
const cores = os.cpus().length;
const version = require('prom-client/package.json').version;

function pct(v, p) {
  const s = [...v].sort((a, b) => a - b);
  const k = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[k - 1];
}
function emit(id, label, unit, v, what) {
  console.log(JSON.stringify({ id, label, impl: 'prom-client', version, unit, median: pct(v, 50),
    p99: pct(v, 99), n: v.length, threads: 1, samples: what, cores }));
}
function hot(id, label, fn, n) {
  const runs = quick ? 3 : 15;
  if (quick) n = Math.floor(n / 20);
  fn(Math.floor(n / 10));
  const v = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn(n);
    v.push(Number(process.hrtime.bigint() - t0) / n);
  }
  emit(id + '.t1', label + ', 1 thread', 'ns/op', v, 'per-run');
}

const reg = new client.Registry();
const lv = { model: 'gpt-4o-mini', feature: 'rag_pipeline' };
const c = new client.Counter({ name: 'bench_requests_total', help: 'Requests', labelNames: ['model', 'feature'], registers: [reg] });
const h = new client.Histogram({ name: 'bench_duration_seconds', help: 'Latency', labelNames: ['model', 'feature'],
  buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32], registers: [reg] });
const g = new client.Gauge({ name: 'bench_inflight', help: 'Inflight', labelNames: ['model', 'feature'], registers: [reg] });
const cb = c.labels('gpt-4o-mini', 'rag_pipeline');
const hb = h.labels('gpt-4o-mini', 'rag_pipeline');
const gb = g.labels('gpt-4o-mini', 'rag_pipeline');

hot('metrics.counter_inc_labels', 'counter inc, 2 labels, lookup by values', (n) => { for (let i = 0; i < n; i++) c.inc(lv); }, 1000000);
hot('metrics.counter_inc', 'counter inc, pre-bound child', (n) => { for (let i = 0; i < n; i++) cb.inc(); }, 2000000);
hot('metrics.histogram_observe', 'histogram observe, 9 buckets, pre-bound child', (n) => { for (let i = 0; i < n; i++) hb.observe((i & 63) * 0.5); }, 1000000);
hot('metrics.histogram_observe_labels', 'histogram observe, 9 buckets, lookup by 2 label values', (n) => { for (let i = 0; i < n; i++) h.observe(lv, (i & 63) * 0.5); }, 1000000);
hot('metrics.gauge_set', 'gauge set, pre-bound child', (n) => { for (let i = 0; i < n; i++) gb.set(i); }, 2000000);

async function render() {
  const runs = quick ? 3 : 15;
  for (const [id, label, type] of [
    ['metrics.render.text', 'render 10,000 counter series, text 0.0.4', client.Registry.PROMETHEUS_CONTENT_TYPE],
    ['metrics.render.openmetrics', 'render 10,000 counter series, OpenMetrics', client.Registry.OPENMETRICS_CONTENT_TYPE]]) {
    const big = new client.Registry(type);
    const f = new client.Counter({ name: 'bench_series_total', help: 'Series', labelNames: ['model', 'feature'], registers: [big] });
    for (let i = 0; i < 10000; i++) f.inc({ model: 'model-' + (i % 100), feature: 'feature-' + Math.floor(i / 100) }, i);
    await big.metrics();
    const v = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      await big.metrics();
      v.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    emit(id, label, 'ms/scrape', v, 'per-run');
  }
}
render();
