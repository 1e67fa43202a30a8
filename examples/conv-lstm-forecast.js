// A Conv1D in front of an LSTM, to read a long, high-frequency series: a day-ahead forecast of
// Seattle's hourly temperature normals (NOAA, shipped in examples/data) from the last week, hour by
// hour (168 steps).
//
// Two models with the same LSTM and budget: the plain LSTM reads all 168 hours; the convolutional
// one first runs a causal Conv1D over the hours and a MaxPooling1D that keeps one step in 4, so its
// LSTM reads 42. Both predict the change over the next 24 hours; the naive forecast is "the same as
// now" (the same hour, a day later). Trained on the first 80% of the year, scored on the rest.
// These are climate normals (30-year averages), so the daily cycle repeats almost exactly and the
// naive forecast is hard to beat: what the example shows is the convolution's speed on long input
// and its gain over the plain LSTM, both printed beside that naive error.
//
//   node examples/conv-lstm-forecast.js           the full run
//   node examples/conv-lstm-forecast.js --quick   fewer windows and epochs (CI); also QUICK=1
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, runtimeInfo, input, model, LSTM, Dense, Conv1D, MaxPooling1D } from 'lstm-wasm';
import { loadSeattleHourly } from './lib/data.js';
import { lineChart } from './lib/svg.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const WINDOW = 168, AHEAD = 24, UNITS = 32;
const EPOCHS = Number(process.env.EPOCHS ?? (QUICK ? 4 : 10));
const STRIDE = QUICK ? 3 : 1; // one window every STRIDE hours

await init();
const { dates, values } = loadSeattleHourly();
console.log(`Seattle hourly temperature normals: ${values.length} hours, ${dates[0]} to ${dates[dates.length - 1]} (NOAA NCDC, via vega-datasets; see examples/data/README.md)`);
console.log(`lstm-wasm build: ${runtimeInfo().build}${QUICK ? '; quick run' : ''}`);

const nTrain = Math.floor(values.length * 0.8);
const trainVals = values.slice(0, nTrain);
const mean = trainVals.reduce((a, b) => a + b, 0) / trainVals.length;
const std = Math.sqrt(trainVals.reduce((a, b) => a + (b - mean) ** 2, 0) / trainVals.length);
const z = values.map((v) => (v - mean) / std);

/** Windows ending at hour t (inclusive) for t in [from, to), every STRIDE hours; y: the change to t + AHEAD. */
function windows(from, to, stride) {
  const ts = [];
  for (let t = from; t < to; t += stride) ts.push(t);
  const x = new Float32Array(ts.length * WINDOW), y = new Float32Array(ts.length);
  ts.forEach((t, i) => {
    x.set(z.slice(t - WINDOW + 1, t + 1), i * WINDOW);
    y[i] = z[t + AHEAD] - z[t];
  });
  return { ts, x: { data: x, shape: [ts.length, WINDOW, 1] }, y: { data: y, shape: [ts.length, 1] } };
}
const train = windows(WINDOW - 1, nTrain - AHEAD, STRIDE);
const test = windows(nTrain, values.length - AHEAD, 1);

function build(kind) {
  const hours = input({ shape: [WINDOW, 1], name: 'hours' });
  let h = hours;
  if (kind === 'conv') {
    h = new Conv1D({ filters: 16, kernelSize: 6, padding: 'causal', activation: 'relu' }).apply(h);
    h = new MaxPooling1D({ poolSize: 4 }).apply(h);
  }
  const out = new Dense({ units: 1 }).apply(new LSTM({ units: UNITS }).apply(h));
  const m = model({ inputs: hours, outputs: out, name: kind === 'conv' ? 'conv_lstm' : 'lstm', seed: 7 });
  m.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'meanSquaredError' });
  return m;
}

const mae = (pred) => test.ts.reduce((s, t, i) => s + Math.abs(values[t] + pred[i] * std - values[t + AHEAD]), 0) / test.ts.length;
const results = {};
for (const kind of ['lstm', 'conv']) {
  const m = build(kind);
  const t0 = performance.now();
  const h = await m.fit(train.x, train.y, { epochs: EPOCHS, batchSize: 64, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const pred = m.predict(test.x).data;
  results[kind] = { mae: mae(pred), seconds, loss: h.history.loss.at(-1), pred };
  console.log(`${kind === 'conv' ? 'Conv1D → MaxPooling1D → LSTM' : 'LSTM alone                  '}: trained ${EPOCHS} epochs on ${train.ts.length} windows in ${seconds.toFixed(1)} s (final loss ${results[kind].loss.toFixed(4)})`);
  m.dispose();
}
const naive = test.ts.reduce((s, t) => s + Math.abs(values[t] - values[t + AHEAD]), 0) / test.ts.length;
console.log(`\nTest: ${test.ts.length} day-ahead forecasts, ${dates[test.ts[0]].slice(0, 10)} to ${dates[test.ts.at(-1) + AHEAD].slice(0, 10)} (never seen in training)`);
console.log(`  Conv1D → LSTM   MAE ${results.conv.mae.toFixed(3)} °C   training ${results.conv.seconds.toFixed(1)} s`);
console.log(`  LSTM alone      MAE ${results.lstm.mae.toFixed(3)} °C   training ${results.lstm.seconds.toFixed(1)} s`);
console.log(`  naive: the same hour yesterday  MAE ${naive.toFixed(3)} °C`);
console.log(`the convolutional model trains ${(results.lstm.seconds / results.conv.seconds).toFixed(1)}× faster; its error is ${(results.conv.mae / results.lstm.mae).toFixed(2)}× the plain LSTM's and ${(results.conv.mae / naive).toFixed(2)}× the naive one`);

const show = test.ts.slice(0, 24 * 14);
const svg = lineChart({
  title: 'Day-ahead forecast of Seattle hourly temperature normals (first two test weeks)',
  xLabel: 'hours into the test part', yLabel: '°C',
  series: [
    { name: 'normal', y: show.map((t) => values[t + AHEAD]), color: '#222' },
    { name: 'Conv1D → LSTM', y: show.map((t, i) => values[t] + results.conv.pred[i] * std), color: '#d62728' },
    { name: 'LSTM', y: show.map((t, i) => values[t] + results.lstm.pred[i] * std), color: '#1f77b4', dash: '4 3' },
  ],
});
mkdirSync('out', { recursive: true });
writeFileSync(join('out', 'conv-lstm-forecast.svg'), svg);
console.log(`Plot: ${join(process.cwd(), 'out', 'conv-lstm-forecast.svg')}`);
