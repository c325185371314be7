// Langfuse JS SDK v5 (npm @langfuse/tracing@5 + @langfuse/otel@5 on OpenTelemetry JS 2) peer of
// bench_trace / bench_throughput: the current Langfuse SDK, the main tracing peer. The SDK's
// LangfuseSpanProcessor (a BatchSpanProcessor around OTLPTraceExporter, OTLP/HTTP JSON, all
// its defaults) sends to the same bench_receiver, at <endpoint>/api/public/otel/v1/traces (the
// receiver counts the spans; the exporter's body is chunked, which the receiver accepts).
// One traced call is the same as llmobs's (bench_util.h traced_call) and the v3 peer's: root
// observation "rag_query" (trace input) + retriever "retrieval" (~200-byte input and output,
// ended) + generation "answer" (model gpt-4o-mini, usage 52/47, ~200-byte input and output,
// ended) + the root's output, ended: 3 OTLP spans, as llmobs's 3 spans.
//  caller cost: the synchronous time inside the SDK calls of one traced call, per call; the
//               event loop is yielded after every call (as a server would), so the exporter's
//               batches go out between calls but are not counted in this figure.
//  delivered:   spans the receiver counted per second, from the first call to forceFlush()
//               returning, for --traces traced calls (yielding after each call); calls/s =
//               that / 3. CPU per call is the whole process's user+sys over the same interval.
// Prints the same JSON lines as langfuse_bench.js (the v3 peer), impl "langfuse-js v5".
// Run: NODE_PATH=<scratch>/node_modules node bench/peers/langfuse_v5_bench.js --endpoint URL [--quick]
'use strict';
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { LangfuseSpanProcessor } = require('@langfuse/otel');
const { startObservation, setLangfuseTracerProvider } = require('@langfuse/tracing');
const os = require('os');
const fs = require('fs');
const path = require('path');
const http = require('http');

const args = process.argv.slice(2);
const endpoint = args[args.indexOf('--endpoint') + 1];
const quick = args.includes('--quick');
const cores = os.cpus().length;
function pkgVersion(name) {
  // the package.json of `name`, found from its resolved entry point upwards
  try {
    let d = path.dirname(require.resolve(name));
    for (let i = 0; i < 5; i++, d = path.dirname(d)) {
      const f = path.join(d, 'package.json');
      if (fs.existsSync(f)) {
        const p = JSON.parse(fs.readFileSync(f));
        if (p.name === name) return p.version;
      }
    }
  } catch (e) { /* fall through */ }
  return '?';
}
const version = pkgVersion('@langfuse/tracing');
const versions = { '@langfuse/tracing': version, '@langfuse/otel': pkgVersion('@langfuse/otel'),
  '@opentelemetry/sdk-trace-node': pkgVersion('@opentelemetry/sdk-trace-node'),
  '@opentelemetry/api': pkgVersion('@opentelemetry/api') };
if (!endpoint) { console.error('usage: langfuse_v5_bench.js --endpoint URL [--quick]'); process.exit(2); }
if (!/^5\./.test(version)) { console.error(`langfuse_v5_bench: @langfuse/tracing ${version}, want 5.x`); process.exit(1); }

const INPUT = 'What is the refund policy for annual plans purchased through the partner store? The ' +
  'customer bought in March, used the product for two months and now asks for a prorated ' +
  'refund of the remaining ten months.';
const OUTPUT = 'Annual plans bought through partner stores are refunded by the partner. Prorated refunds ' +
  'are possible within 90 days of purchase; after that, the remaining months are credited to ' +
  'the account instead. Contact the partner store with the order id.';
const SPANS_PER_CALL = 3;

function pct(v, p) {
  const s = [...v].sort((a, b) => a - b);
  const k = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[k - 1];
}
function emit(id, label, unit, v, what, extra) {
  console.log(JSON.stringify(Object.assign({ id, label, impl: 'langfuse-js v5', version, unit,
    median: pct(v, 50), p99: pct(v, 99), n: v.length, threads: 1, samples: what, cores, versions },
  extra || {})));
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
// Nothing delivered means the peer is broken (exit 1: run.sh fails loudly). Some spans missing
// means the SDK's BatchSpanProcessor dropped them (its queue holds 2,048 spans while one export
// is in flight): printed, and kept in the JSON line (spans_sent / spans_delivered).
function check(what, got, sent) {
  if (got <= 0) {
    console.error(`langfuse_v5_bench: ${what}: the receiver counted no spans of ${sent}`);
    process.exit(1);
  }
  if (got < sent) console.error(`langfuse_v5_bench: ${what}: the SDK dropped ${sent - got} of ${sent} spans`);
}

function tracedCall() {
  const root = startObservation('rag_query', { input: INPUT });
  const ret = root.startObservation('retrieval', { input: INPUT }, { asType: 'retriever' });
  ret.update({ output: OUTPUT }).end();
  const gen = root.startObservation('answer', { model: 'gpt-4o-mini', input: INPUT },
    { asType: 'generation' });
  gen.update({ output: OUTPUT, usageDetails: { input: 52, output: 47 } }).end();
  root.update({ output: OUTPUT }).end();
}

// One provider per measurement, handed to the SDK with setLangfuseTracerProvider (its
// documented isolated setup: OpenTelemetry's global provider can be registered only once);
// the previous one is shut down (flushed) before the next is made.
function provider() {
  const p = new NodeTracerProvider({ spanProcessors: [new LangfuseSpanProcessor({
    publicKey: 'pk-lf-bench', secretKey: 'sk-lf-bench', baseUrl: endpoint, timeout: 30 })] });
  setLangfuseTracerProvider(p);
  return p;
}

async function main() {
  // caller cost
  let p = provider();
  const runs = quick ? 2 : 5, calls = quick ? 200 : 1000;
  for (let i = 0; i < 200; i++) { tracedCall(); await tick(); }
  await p.forceFlush();
  const v = [];
  const s0 = (await stats()).spans;
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      tracedCall();
      v.push(Number(process.hrtime.bigint() - t0));
      await tick();
    }
    await p.forceFlush();
  }
  const got = (await stats()).spans - s0;
  await p.shutdown();
  check('caller cost', got, runs * calls * SPANS_PER_CALL);
  emit('trace.caller.otlp.t1', 'traced LLM call, caller cost, to local receiver, 1 thread', 'ns/call', v, 'per-op',
    { note: 'OTLP/HTTP JSON via LangfuseSpanProcessor, synchronous part of the SDK calls',
      spans_sent: runs * calls * SPANS_PER_CALL, spans_delivered: got });

  // delivered spans/s and calls/s
  const traces = quick ? 500 : 5000, druns = quick ? 1 : 3;
  const d = [], c = [], cpu = [];
  let delivered = 0;
  for (let r = 0; r < druns; r++) {
    p = provider();
    const b0 = (await stats()).spans;
    const t0 = process.hrtime.bigint();
    const u0 = process.cpuUsage();
    for (let i = 0; i < traces; i++) { tracedCall(); await tick(); }
    await p.forceFlush();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const u = process.cpuUsage(u0);
    const spans = (await stats()).spans - b0;
    delivered += spans;
    cpu.push((u.user + u.system) / traces);
    d.push(spans / secs);
    c.push(spans / SPANS_PER_CALL / secs);
    await p.shutdown();
  }
  const extra = { spans_per_call: SPANS_PER_CALL, spans_sent: druns * traces * SPANS_PER_CALL,
    spans_delivered: delivered };
  check('delivered', delivered, extra.spans_sent);
  emit('trace.throughput', `delivered to local receiver, ${traces} traced calls (spans/s)`, 'spans/s', d, 'per-run', extra);
  emit('trace.cpu_per_call', 'CPU time per delivered traced LLM call (whole client process)', 'us/call', cpu, 'per-run');
  emit('trace.throughput.calls', 'delivered traced LLM calls per second (1 producer)', 'calls/s', c, 'per-run', extra);
}
main().catch((e) => { console.error(e); process.exit(1); });
