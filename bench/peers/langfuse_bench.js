// Langfuse JS SDK v3 (npm langfuse@3; deprecated, superseded by v5: langfuse_v5_bench.js) peer of bench_trace / bench_throughput, pointed at the
// same bench_receiver's /api/public/ingestion path (it answers 207 with every event a success).
// One traced call is the same as llmobs's: trace + retrieval span (~200-byte input/output,
// ended) + generation (model, usage, ~200-byte input/output, ended) + trace output: 6 events.
//  caller cost: the synchronous time inside the SDK calls of one traced call, per call; the
//               event loop is yielded after every call (as a server would), so the SDK's own
//               flushes run between calls but are not counted in this figure.
//  delivered:   events the receiver counted per second, from the first call to flushAsync()
//               returning, for --traces traced calls (yielding after each call).
// Run: NODE_PATH=<scratch>/node_modules node bench/peers/langfuse_bench.js --endpoint URL [--quick]
'use strict';
const { Langfuse } = require('langfuse');
const os = require('os');
const http = require('http');

const args = process.argv.slice(2);
const endpoint = args[args.indexOf('--endpoint') + 1];
const quick = args.includes('--quick');
const cores = os.cpus().length;
const version = (() => {
  try {
    const path = require('path');
    return JSON.parse(require('fs').readFileSync(path.join(path.dirname(require.resolve('langfuse')), '..', 'package.json'))).version;
  } catch (e) { return '?'; }
})();
const INPUT = 'What is the refund policy for annual plans purchased through the partner store? The ' +
  'customer bought in March, used the product for two months and now asks for a prorated ' +
  'refund of the remaining ten months.';
const OUTPUT = 'Annual plans bought through partner stores are refunded by the partner. Prorated refunds ' +
  'are possible within 90 days of purchase; after that, the remaining months are credited to ' +
  'the account instead. Contact the partner store with the order id.';

function pct(v, p) {
  const s = [...v].sort((a, b) => a - b);
  const k = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[k - 1];
}
function emit(id, label, unit, v, what, extra) {
  console.log(JSON.stringify(Object.assign({ id, label, impl: 'langfuse-js v3', deprecated: true, version, unit,
    median: pct(v, 50), p99: pct(v, 99), n: v.length, threads: 1, samples: what, cores }, extra || {})));
}
function stats() {
  return new Promise((resolve, reject) => {
    http.get(endpoint + '/stats', (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b)));
    }).on('error', reject);
  });
}
const tick = () => new Promise((r) => setImmediate(r));

function tracedCall(lf) {
  const trace = lf.trace({ name: 'rag_query', input: INPUT });
  const span = trace.span({ name: 'retrieval', input: INPUT });
  span.end({ output: OUTPUT });
  const gen = trace.generation({ name: 'answer', model: 'gpt-4o-mini', input: INPUT });
  gen.end({ output: OUTPUT, usage: { input: 52, output: 47 } });
  trace.update({ output: OUTPUT });
}

function client() {
  return new Langfuse({ publicKey: 'pk-lf-bench', secretKey: 'sk-lf-bench', baseUrl: endpoint,
    flushAt: 15, flushInterval: 10000, requestTimeout: 30000 });
}

async function main() {
  // caller cost
  const lf = client();
  const runs = quick ? 2 : 5, calls = quick ? 200 : 1000;
  for (let i = 0; i < 200; i++) { tracedCall(lf); await tick(); }
  await lf.flushAsync();
  const v = [];
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      tracedCall(lf);
      v.push(Number(process.hrtime.bigint() - t0));
      await tick();
    }
    await lf.flushAsync();
  }
  emit('trace.caller.otlp.t1', 'traced LLM call, caller cost, to local receiver, 1 thread', 'ns/call', v, 'per-op',
    { note: 'ingestion API, synchronous part of the SDK calls' });
  await lf.shutdownAsync();

  // delivered events/s
  const traces = quick ? 500 : 1500, druns = quick ? 1 : 3;
  const d = [], c = [], cpu = [];
  let evPerCall = 0;
  for (let r = 0; r < druns; r++) {
    const l2 = client();
    const s0 = (await stats()).events;
    const t0 = process.hrtime.bigint();
    const u0 = process.cpuUsage();
    for (let i = 0; i < traces; i++) { tracedCall(l2); await tick(); }
    await l2.flushAsync();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const u = process.cpuUsage(u0);
    cpu.push((u.user + u.system) / traces);
    const got = (await stats()).events - s0;
    evPerCall = got / traces;
    d.push(got / secs);
    c.push(traces / secs);
    await l2.shutdownAsync();
  }
  emit('trace.throughput.events', `delivered to local receiver, ${traces} traced calls (events/s)`, 'events/s', d, 'per-run',
    { events_per_call: evPerCall });
  emit('trace.cpu_per_call', 'CPU time per delivered traced LLM call (whole client process)', 'us/call', cpu, 'per-run');
  emit('trace.throughput.calls', 'delivered traced LLM calls per second (1 producer)', 'calls/s', c, 'per-run');
}
main().catch((e) => { console.error(e); process.exit(1); });
