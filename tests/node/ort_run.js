// ONNX Runtime's side of the export tests (tests/export/): runs onnxruntime-node, loaded from
// $NNLAB_NODE_MODULES, on exported models. The manifest (argv[2], JSON) lists jobs
//   {model: FILE.onnx, runs: [{input: RAW, shape: [N, ...], output: RAW}]}
// where RAW files are little-endian float32; each run feeds its input to the model's one
// input and writes the model's one output. The report (manifest.report) gives, per job, the
// session's input and output names and per run the output's dimensions.
'use strict';
const fs = require('fs');
const path = require('path');

const ort = require(path.join(process.env.NNLAB_NODE_MODULES, 'onnxruntime-node'));

function readFloats(file) {
  const buf = fs.readFileSync(file);
  // A copy: a Buffer's offset into its pool need not be a multiple of 4.
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const report = [];
  for (const job of manifest.jobs) {
    const session = await ort.InferenceSession.create(job.model, {executionProviders: ['cpu']});
    const runs = [];
    for (const run of job.runs) {
      const x = new ort.Tensor('float32', readFloats(run.input), run.shape);
      const out = await session.run({[session.inputNames[0]]: x});
      const y = out[session.outputNames[0]];
      fs.writeFileSync(run.output, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
      runs.push({output: run.output, dims: y.dims.map(Number)});
    }
    report.push({model: job.model, inputNames: session.inputNames, outputNames: session.outputNames, runs});
    if (session.release) await session.release();
  }
  fs.writeFileSync(manifest.report, JSON.stringify(report));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
