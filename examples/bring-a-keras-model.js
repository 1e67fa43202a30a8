// Bring a Keras (or TensorFlow.js) model to lstm-wasm, fine-tune it here, and send it back.
//
//   node examples/bring-a-keras-model.js [path/to/model.json or its folder]
//
// With a path, it loads that model: the output of `tensorflowjs_converter --input_format keras
// model.h5 out/` or of TF.js's `model.save(...)`, a Sequential (or single-chain functional) model of
// LSTM, GRU, SimpleRNN, Bidirectional, Dense, Dropout, Embedding and Masking layers.
//
// Without one, it makes its own: a TF.js LSTM that forecasts next month's change in the Mauna Loa
// CO2 record (examples/data), trained briefly in TF.js and saved as TF.js saves it (model.json and
// a weight shard) in out/keras-co2/. Then, in lstm-wasm:
//   1. loadLayersModel() reads it, and its predictions match TF.js's;
//   2. fit() fine-tunes it, and its error on the last 20% of the record (never trained on) falls;
//   3. saveLayersModel() writes it back, and TF.js loads the result unchanged.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { init, loadLayersModel, saveLayersModel, timeseriesWindows } from 'lstm-wasm';
import { loadCo2 } from './lib/data.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'out');
const WINDOW = 24;
const TF_EPOCHS = Number(process.env.TF_EPOCHS ?? 3);
const EPOCHS = Number(process.env.EPOCHS ?? 20);

await init();
await tf.setBackend('cpu');

// The data: monthly changes of CO2, scaled on the training part; windows of 24 → the next one.
const { values } = loadCo2({ fillGaps: true });
const diffs = values.slice(1).map((v, i) => v - values[i]);
const nTest = Math.round(diffs.length * 0.2);
const train = diffs.slice(0, diffs.length - nTest);
const mean = train.reduce((a, b) => a + b, 0) / train.length;
const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
const { x, y } = timeseriesWindows(diffs.map((d) => (d - mean) / std), { window: WINDOW });
const firstTest = diffs.length - nTest - WINDOW;
const rows = (t, a, b) => { const per = t.data.length / t.shape[0]; return { data: t.data.slice(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] }; };
const xTrain = rows(x, 0, firstTest), yTrain = rows(y, 0, firstTest);
const xTest = rows(x, firstTest, x.shape[0]), yTest = rows(y, firstTest, y.shape[0]);
const maePpm = (pred, truth) => pred.reduce((s, p, i) => s + Math.abs(p - truth[i]), 0) / pred.length * std;
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** TF.js's model.save() handler, writing what TF.js writes to disk (tfjs-node's file:// does the same). */
const saveToFolder = (folder) => tf.io.withSaveHandler(async (a) => {
  mkdirSync(folder, { recursive: true });
  const modelJson = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
  writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(a.weightData));
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
});

/** TF.js reading a folder of model.json and shards (tfjs-node's file:// loader does the same). */
async function tfLoadFolder(folder) {
  const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const parts = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(folder, p)));
  const weightData = new Uint8Array(Buffer.concat(parts)).buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
}

const tfPredict = (m, t) => tf.tidy(() => m.predict(tf.tensor(t.data, t.shape)).dataSync());

let source = process.argv[2];
let tfModel = null;
if (!source) {
  source = join(out, 'keras-co2');
  console.log(`No model given: training a small one in TF.js (${TF_EPOCHS} epochs) and saving it to ${source}/`);
  tfModel = tf.sequential({
    layers: [
      tf.layers.lstm({ units: 24, inputShape: [WINDOW, 1], recurrentActivation: 'sigmoid' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const xs = tf.tensor(xTrain.data, xTrain.shape), ys = tf.tensor(yTrain.data, yTrain.shape);
  await tfModel.fit(xs, ys, { epochs: TF_EPOCHS, batchSize: 32, verbose: 0 });
  xs.dispose(); ys.dispose();
  await tfModel.save(saveToFolder(source));
}

// 1. Load it here.
const model = await loadLayersModel(source);
model.summary();
const before = model.predict(xTest).data;
if (tfModel) {
  console.log(`Predictions on ${xTest.shape[0]} test windows: max |lstm-wasm - TF.js| = ${maxDiff(before, tfPredict(tfModel, xTest)).toExponential(2)}`);
}

// 2. Fine-tune it here (a Keras model arrives without its optimizer: compile it).
model.compile({ optimizer: { name: 'adam', learningRate: 0.003 }, loss: 'meanSquaredError' });
const t0 = performance.now();
const history = await model.fit(xTrain, yTrain, { epochs: EPOCHS, batchSize: 32, verbose: 0, seed: 1 });
const after = model.predict(xTest).data;
const losses = history.history.loss;
console.log(`Fine-tuned here: ${EPOCHS} epochs in ${((performance.now() - t0) / 1000).toFixed(2)} s, training loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)}`);
console.log(`Test error (next month's change): ${maePpm(before, yTest.data).toFixed(3)} ppm before, ${maePpm(after, yTest.data).toFixed(3)} ppm after`);

// 3. Send it back: the same format, loadable by TF.js (and by Keras through the converter).
const back = join(out, 'keras-co2-finetuned');
await saveLayersModel(model, back);
const tfAgain = await tfLoadFolder(back);
console.log(`Saved to ${back}/; TF.js loads it and predicts the same: max |TF.js - lstm-wasm| = ${maxDiff(tfPredict(tfAgain, xTest), after).toExponential(2)}`);
tfAgain.dispose();
tfModel?.dispose();
model.dispose();
