// Smaller models: the main job's CO2 forecaster (examples/co2-forecast.js) and a first-name
// classifier, each saved as float32, float16, int8 (quantize()), and pruned to 80% zeros with the
// polynomial schedule, fine-tuned, then int8. For each variant: its test error and its file size.
//
//   node examples/smaller-models.js           the full run
//   node examples/smaller-models.js --quick   fewer epochs (CI); also QUICK=1
//
// Data: the Mauna Loa CO2 record and the Moby first-name lists (see examples/data/README.md).
import {
  init, runtimeInfo, loadModel, quantize, pruneLowMagnitude, stripPruning,
  Sequential, LSTM, Dense, Embedding, Tokenizer, padSequences, timeseriesWindows,
} from 'lstm-wasm';
import { loadCo2, loadFirstNames } from './lib/data.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const SPARSITY = 0.8;
await init();
console.log(`lstm-wasm build: ${runtimeInfo().build}${QUICK ? '; quick run' : ''}`);

/**
 * Fine-tunes a copy of `model` while pruning it to SPARSITY, the masks recomputed every half epoch
 * over the first half of `epochs` (then the rest recovers with the masks fixed); strips the masks.
 */
async function prunedCopy(model, x, y, { epochs, batchSize, learningRate, loss, metrics, minSize = 0 }) {
  const copy = await loadModel(model.save());
  copy.compile({ optimizer: { name: 'adam', learningRate }, loss, metrics });
  const n = Math.round(x.shape[0] * 0.9); // fit's validationSplit 0.1 keeps the last tenth out
  const steps = Math.ceil(n / batchSize);
  const endStep = Math.round((steps * epochs) / 2);
  const prune = pruneLowMagnitude({ targetSparsity: SPARSITY, beginStep: 0, endStep, frequency: Math.ceil(steps / 2), minSize });
  await copy.fit(x, y, { epochs, batchSize, validationSplit: 0.1, callbacks: [prune], seed: 1, verbose: 0 });
  return stripPruning(copy);
}

/** The fraction of zeros over the kernels (what pruning masks). */
function kernelSparsity(model) {
  let zeros = 0, all = 0;
  for (const l of model.layers)
    l.getWeights().forEach((w, i) => {
      if (!l.slots[i].spec.name.endsWith('kernel') && !l.slots[i].spec.name.endsWith('embeddings')) return;
      all += w.data.length;
      for (const v of w.data) if (v === 0) zeros++;
    });
  return zeros / all;
}

/** Each variant's model and file bytes: f32, float16, int8, pruned f32, pruned + int8. */
async function variants(model, pruned) {
  const q = quantize(model);
  const pq = quantize(pruned);
  return [
    { name: 'float32', model, bytes: model.save() },
    { name: 'float16', model: await loadModel(model.save({ weights: 'float16' })), bytes: model.save({ weights: 'float16' }) },
    { name: 'int8', model: q, bytes: q.save() },
    { name: `pruned ${SPARSITY * 100}%`, model: pruned, bytes: pruned.save() },
    { name: `pruned ${SPARSITY * 100}% + int8`, model: pq, bytes: pq.save() },
  ];
}

const pad = (s, n) => s.padEnd(n);
const kb = (b) => `${b.length.toLocaleString('en-US')} bytes`;

// ---- the CO2 forecast (the main job's model and data preparation) ----------------------------
{
  const WINDOW = 24;
  const { values } = loadCo2({ fillGaps: true });
  const diffs = values.slice(1).map((v, i) => v - values[i]);
  const nTest = Math.round(diffs.length * 0.2);
  const trainDiffs = diffs.slice(0, diffs.length - nTest);
  const mean = trainDiffs.reduce((a, b) => a + b, 0) / trainDiffs.length;
  const std = Math.sqrt(trainDiffs.reduce((a, b) => a + (b - mean) ** 2, 0) / trainDiffs.length);
  const { x, y } = timeseriesWindows(diffs.map((d) => (d - mean) / std), { window: WINDOW });
  const n = x.shape[0];
  const firstTest = diffs.length - nTest - WINDOW;
  const take = (t, a, b) => { const per = t.data.length / t.shape[0]; return { data: t.data.slice(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] }; };
  const xTrain = take(x, 0, firstTest), yTrain = take(y, 0, firstTest), xTest = take(x, firstTest, n);

  const model = new Sequential({ seed: 7 });
  model.add(new LSTM({ units: 32, inputShape: [WINDOW, 1] }));
  model.add(new Dense({ units: 1 }));
  model.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'meanSquaredError' });
  const epochs = QUICK ? 40 : 60;
  await model.fit(xTrain, yTrain, { epochs, batchSize: 32, validationSplit: 0.1, verbose: 0 });
  // The LSTM reads one feature: its input kernel has one weight per gate unit, and pruning it would
  // cut 80% of the units off the input. Kernels under 256 values (that one, 128, and the Dense's, 32)
  // stay dense; the recurrent kernel (4,096) is pruned.
  const pruned = await prunedCopy(model, xTrain, yTrain, { epochs: 60, batchSize: 32, learningRate: 0.001, loss: 'meanSquaredError', minSize: 256 });

  // forecast in ppm = this month's value + the predicted change
  const mae = (m) => {
    const p = m.predict(xTest).data;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const target = firstTest + i + WINDOW;
      s += Math.abs(values[target] + p[i] * std + mean - values[target + 1]);
    }
    return s / p.length;
  };
  console.log(`\nCO2 forecast (examples/co2-forecast.js's model: LSTM 32 → Dense 1, ${epochs} epochs), test MAE on the last ${xTest.shape[0]} months; kernels: ${(kernelSparsity(pruned) * 100).toFixed(1)}% zeros after pruning (the recurrent kernel 80%)`);
  const list = await variants(model, pruned);
  const base = mae(model), size = list[0].bytes.length;
  for (const v of list) {
    const e = mae(v.model);
    console.log(`  ${pad(v.name, 20)} MAE ${e.toFixed(4)} ppm  ${((e / base - 1) * 100 >= 0 ? '+' : '')}${((e / base - 1) * 100).toFixed(2)}%   file ${pad(kb(v.bytes), 14)} ${((v.bytes.length / size) * 100).toFixed(1)}% of float32`);
  }
}

// ---- first names, female or male: Embedding → LSTM → Dense (sigmoid) -------------------------
{
  const { names, labels } = loadFirstNames();
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const order = names.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const nTest = Math.round(order.length * 0.2);
  const trainIdx = order.slice(nTest), testIdx = order.slice(0, nTest);
  const tok = new Tokenizer({ level: 'char', lower: true }).fitOnTexts(trainIdx.map((i) => names[i]));
  const MAXLEN = 12;
  const encode = (idx) => padSequences(tok.textsToSequences(idx.map((i) => names[i])), { maxlen: MAXLEN, padding: 'pre', truncating: 'pre' });
  const xTrain = encode(trainIdx), xTest = encode(testIdx);
  const yTrain = { data: Float32Array.from(trainIdx, (i) => labels[i]), shape: [trainIdx.length, 1] };
  const yTest = { data: Float32Array.from(testIdx, (i) => labels[i]), shape: [testIdx.length, 1] };

  const model = new Sequential({ seed: 3 });
  model.add(new Embedding({ inputDim: tok.vocabSize, outputDim: 16, inputShape: [MAXLEN], maskZero: true }));
  model.add(new LSTM({ units: 128 }));
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const epochs = QUICK ? 8 : 12;
  await model.fit(xTrain, yTrain, { epochs, batchSize: 64, validationSplit: 0.1, verbose: 0 });
  const pruned = await prunedCopy(model, xTrain, yTrain, { epochs: 12, batchSize: 64, learningRate: 0.001, loss: 'binaryCrossentropy', metrics: ['accuracy'] });

  const accuracy = (m) => {
    const p = m.predict(xTest).data;
    let right = 0;
    for (let i = 0; i < p.length; i++) if ((p[i] >= 0.5 ? 1 : 0) === yTest.data[i]) right++;
    return right / p.length;
  };
  console.log(`\nFirst names (Embedding 16 → LSTM 128 → Dense sigmoid, ${epochs} epochs), accuracy on ${testIdx.length} held-out names; kernels: ${(kernelSparsity(pruned) * 100).toFixed(1)}% zeros after pruning`);
  const list = await variants(model, pruned);
  const base = accuracy(model), size = list[0].bytes.length;
  for (const v of list) {
    const a = accuracy(v.model);
    console.log(`  ${pad(v.name, 20)} accuracy ${(a * 100).toFixed(2)}%  ${(a - base) * 100 >= 0 ? '+' : ''}${((a - base) * 100).toFixed(2)} points   file ${pad(kb(v.bytes), 14)} ${((v.bytes.length / size) * 100).toFixed(1)}% of float32`);
  }
}
