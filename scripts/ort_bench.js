// ONNX Runtime's side of scripts/compare-onnxruntime: times one .onnx model in
// onnxruntime-node (loaded from $NNLAB_NODE_MODULES, which scripts/setup --tests fills) the
// way `nnlab bench` times its own forward: at least 2 calls and 0.5 s of warm-up, then 3 to 5
// timed windows over --seconds; images/s is the median of the windows' rates, and each
// call's own time gives the median and the 99th percentile (nearest rank).
//   node scripts/ort_bench.js MODEL.onnx --shape 3x32x32 --batch 1,64 --seconds 2 --threads 2
// Prints one JSON object: {model, shape, threads, results: [{batch, img_s, ms_median, ms_p99, rates, calls}]}.
'use strict';
const fs = require('fs');
const path = require('path');

function usage(message) {
  console.error(`ort_bench.js: ${message} (usage: ort_bench.js MODEL.onnx --shape CxHxW --batch 1,64 ` +
                '--seconds 2 --threads 2)');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {model: null, shape: null, batches: [1, 64], seconds: 2, threads: 2};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--shape') o.shape = value().split('x').map(Number);
    else if (a === '--batch') o.batches = value().split(',').map(Number);
    else if (a === '--seconds') o.seconds = Number(value());
    else if (a === '--threads') o.threads = Number(value());
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.model = a;
  }
  if (!o.model || !fs.existsSync(o.model)) usage(`no model file '${o.model}'`);
  if (!o.shape || o.shape.some((d) => !(d > 0))) usage('--shape must be positive dimensions, e.g. 3x32x32');
  if (o.batches.some((b) => !(b > 0) || !Number.isInteger(b))) usage('--batch must be whole numbers, e.g. 1,64');
  if (!(o.seconds > 0) || !(o.threads > 0)) usage('--seconds and --threads must be positive');
  return o;
}

// Normal values from a fixed seed (xorshift and Box-Muller): the same input on every run.
function normalInput(n) {
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; ++i) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
};

async function timeBatch(ort, session, shape, batch, seconds) {
  const dims = [batch, ...shape];
  const x = new ort.Tensor('float32', normalInput(dims.reduce((a, b) => a * b, 1)), dims);
  const feeds = {[session.inputNames[0]]: x};
  const t0 = now();
  let calls = 0, last = t0, tStep = 0;
  while (calls < 2 || now() - t0 < 0.5) {
    last = now();
    await session.run(feeds);
    tStep = now() - last;
    ++calls;
  }
  tStep = Math.max(tStep, 1e-9);
  const windows = Math.max(3, Math.min(5, Math.floor(seconds / tStep)));
  const iters = Math.max(1, Math.round(seconds / windows / tStep));
  const rates = [], durations = [];
  for (let w = 0; w < windows; ++w) {
    const start = now();
    let before = start;
    for (let i = 0; i < iters; ++i) {
      await session.run(feeds);
      const after = now();
      durations.push(after - before);
      before = after;
    }
    rates.push((iters * batch) / (before - start));
  }
  durations.sort((a, b) => a - b);
  const rank = Math.min(durations.length, Math.max(1, Math.ceil(0.99 * durations.length)));
  return {batch, img_s: median(rates), ms_median: 1e3 * median(durations), ms_p99: 1e3 * durations[rank - 1],
          rates, calls: windows * iters};
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!process.env.NNLAB_NODE_MODULES) usage('set NNLAB_NODE_MODULES to build/node/node_modules (scripts/setup --tests)');
  const ort = require(path.join(process.env.NNLAB_NODE_MODULES, 'onnxruntime-node'));
  // All of ONNX Runtime's graph optimisations (batch norm folded, activations fused, its
  // blocked layouts), one inter-op thread, the intra-op threads nnlab gets.
  const session = await ort.InferenceSession.create(o.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
  });
  const results = [];
  for (const b of o.batches) results.push(await timeBatch(ort, session, o.shape, b, o.seconds));
  if (session.release) await session.release();
  process.stdout.write(JSON.stringify({model: o.model, shape: o.shape.join('x'), threads: o.threads, results}) + '\n');
}

main().catch((e) => {
  console.error(`ort_bench.js: ${e && e.message ? e.message : String(e)}`);
  process.exit(1);
});
