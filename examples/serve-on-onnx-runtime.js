// Train here, serve on ONNX Runtime: an LSTM trained with lstm-wasm, exported with toOnnx() and run
// by onnxruntime-web (or any ONNX runtime: Python, C++, C#, mobile) unchanged.
//
//   node examples/serve-on-onnx-runtime.js [path/to/some-model.onnx]
//
// 1. Trains a small LSTM classifier here: is a name (examples/data/first-names-by-gender.csv) more
//    often female or male? Characters → Embedding → LSTM → Dense(softmax).
// 2. toOnnx() writes out/names-lstm.onnx: standard ONNX operators (Gather, Transpose, LSTM,
//    Squeeze, Gemm, Softmax; opset 14), the gates reordered as ONNX wants them.
// 3. ONNX Runtime runs it and gives the same probabilities as the model here.
// 4. fromOnnx() reads the file back into a model of this library.
// With a path, it also loads that ONNX model (for example one exported by PyTorch from nn.LSTM)
// with fromOnnx() and compares it with ONNX Runtime on random input.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { init, Sequential, Embedding, LSTM, Dense, toOnnx, fromOnnx, padSequences } from 'lstm-wasm';
import { loadFirstNames } from './lib/data.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'out');
const EPOCHS = Number(process.env.EPOCHS ?? 4);
const MAXLEN = 12;

await init();
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

// Names → padded character ids (0 is padding), labels one-hot [female, male].
const { names, labels } = loadFirstNames();
const alphabet = [...new Set(names.join('').toLowerCase())].sort();
const id = new Map(alphabet.map((c, i) => [c, i + 1]));
const encodeNames = (list) => padSequences(list.map((n) => [...n.toLowerCase()].map((c) => id.get(c) ?? 0)), { maxlen: MAXLEN, padding: 'pre', truncating: 'pre' });
const order = names.map((_, i) => i).sort((a, b) => ((a * 2654435761) % 4294967296) - ((b * 2654435761) % 4294967296)); // a fixed shuffle
const nTest = 800;
const pick = (idx) => ({ x: encodeNames(idx.map((i) => names[i])), y: { data: Float32Array.from(idx.flatMap((i) => (labels[i] === 0 ? [1, 0] : [0, 1]))), shape: [idx.length, 2] } });
const trainSet = pick(order.slice(nTest)), testSet = pick(order.slice(0, nTest));

// 1. Train here.
const model = new Sequential({ seed: 3 });
model.add(new Embedding({ inputDim: alphabet.length + 1, outputDim: 16, inputShape: [MAXLEN] }));
model.add(new LSTM({ units: 32 }));
model.add(new Dense({ units: 2, activation: 'softmax' }));
model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const t0 = performance.now();
const history = await model.fit(trainSet.x, trainSet.y, { epochs: EPOCHS, batchSize: 64, verbose: 0, seed: 1 });
console.log(`Trained here: ${EPOCHS} epochs on ${trainSet.x.shape[0]} names in ${((performance.now() - t0) / 1000).toFixed(1)} s, accuracy ${history.history.accuracy.at(-1).toFixed(3)}`);
const [, testAcc] = model.evaluate(testSet.x, testSet.y);
console.log(`Held-out accuracy: ${testAcc.toFixed(3)} on ${nTest} names`);

// 2. Export.
mkdirSync(out, { recursive: true });
const file = join(out, 'names-lstm.onnx');
const bytes = toOnnx(model);
writeFileSync(file, bytes);
console.log(`Wrote ${file} (${bytes.length.toLocaleString('en-US')} bytes): input 'input' int64 [batch, ${MAXLEN}], output 'output' float32 [batch, 2]`);

// 3. Serve on ONNX Runtime: the same probabilities.
const session = await ort.InferenceSession.create(bytes);
const feed = new ort.Tensor('int64', BigInt64Array.from(testSet.x.data, (v) => BigInt(v)), testSet.x.shape);
const t1 = performance.now();
const { output } = await session.run({ input: feed });
const ortMs = performance.now() - t1;
const t2 = performance.now();
const ours = model.predict(testSet.x, { batchSize: nTest });
const oursMs = performance.now() - t2;
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
console.log(`ONNX Runtime (wasm, 1 thread) on ${nTest} names: ${ortMs.toFixed(1)} ms; lstm-wasm: ${oursMs.toFixed(1)} ms; max |ORT - lstm-wasm| = ${maxDiff(output.data, ours.data).toExponential(2)}`);
for (const name of ['Emma', 'Oliver', 'Alex', 'Kim']) {
  const p = (await session.run({ input: new ort.Tensor('int64', BigInt64Array.from(encodeNames([name]).data, (v) => BigInt(v)), [1, MAXLEN]) })).output.data;
  console.log(`  ${name.padEnd(7)} P(female) = ${p[0].toFixed(2)}`);
}
await session.release();

// 4. And back.
const again = fromOnnx(readFileSync(file));
console.log(`fromOnnx(${file}): ${again.layers.map((l) => l.className).join(' → ')}; max |reloaded - original| = ${maxDiff(again.predict(testSet.x).data, ours.data).toExponential(2)}`);
again.dispose();
model.dispose();

// Someone else's ONNX model, such as PyTorch's torch.onnx.export of nn.LSTM.
const other = process.argv[2];
if (other) {
  const b = new Uint8Array(readFileSync(other));
  const m = fromOnnx(b);
  const s = await ort.InferenceSession.create(b);
  const input = s.inputNames[0];
  const meta = s.inputMetadata?.[0];
  const dims = (meta?.shape ?? []).map((d) => (typeof d === 'number' ? d : 2));
  const [d0, d1, d2] = dims;
  const timeMajor = m.inputShape[0] === d0 && m.inputShape[0] !== d1; // the model is batch-major; was the graph time-major?
  const x = new Float32Array(dims.reduce((a, v) => a * v, 1)).map(() => Math.random() * 2 - 1);
  const res = await s.run({ [input]: new ort.Tensor('float32', x, dims) });
  const yOrt = res[s.outputNames[0]];
  let xb = x, B = d0, T = d1;
  if (timeMajor) { // [T, B, F] → [B, T, F]
    [B, T] = [d1, d0];
    xb = new Float32Array(x.length);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) xb.set(x.subarray((t * B + b) * d2, (t * B + b + 1) * d2), (b * T + t) * d2);
  }
  const yOurs = m.predict({ data: xb, shape: [B, T, d2] }, { batchSize: B });
  let yo = yOrt.data;
  if (timeMajor && yOurs.shape.length === 3) { // ORT's [T, (1,) B, H] → [B, T, H]
    const Hh = yOurs.shape[2];
    yo = new Float32Array(yOrt.data.length);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) yo.set(yOrt.data.subarray((t * B + b) * Hh, (t * B + b + 1) * Hh), (b * T + t) * Hh);
  }
  console.log(`${other}: ${m.layers.map((l) => l.className).join(' → ')}, input ${timeMajor ? 'time-major' : 'batch-major'} [${dims.join(', ')}]; max |lstm-wasm - ORT| on '${s.outputNames[0]}' = ${maxDiff(yOurs.data, yo).toExponential(2)}`);
  await s.release();
  m.dispose();
}
