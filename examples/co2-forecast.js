// The main job (`npm start`): an LSTM forecaster for the Mauna Loa monthly CO2 record.
//
// The series rises (about 1.5 ppm a year) and swings with the seasons (about ±3 ppm). The model
// reads the last 24 monthly changes and predicts next month's change; adding it to this month's
// value gives the forecast. It is scored on the last 20% of the record, which it never sees in
// training, beside the naive forecast "next month = this month".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  init,
  runtimeInfo,
  Sequential,
  LSTM,
  Dense,
  resample,
  difference,
  trainTestSplit,
  StandardScaler,
  timeseriesWindows,
} from 'lstm-wasm';
import { loadCo2 } from './lib/data.js';
import { lineChart } from './lib/svg.js';

const WINDOW = 24;
const EPOCHS = Number(process.env.EPOCHS ?? 60);

await init();
// The record as published misses five months (1958 and 1964). Resampled onto calendar months,
// those are empty buckets, filled by linear interpolation, so that every row is one month after the last.
const raw = loadCo2();
const monthly = resample(raw.values, raw.dates.map((d) => new Date(`${d}-01T00:00:00Z`)), { every: '1month', fill: 'linear' });
const values = monthly.values;
const dates = monthly.times.map((t) => t.toISOString().slice(0, 7));
console.log(`Mauna Loa CO2, monthly: ${values.length} months, ${dates[0]} to ${dates[dates.length - 1]}, ${values.length - raw.values.length} missing months interpolated (Scripps CO2 Program, via vega-datasets; see examples/data/README.md)`);
console.log(`lstm-wasm build: ${runtimeInfo().build}`);

// Monthly changes, scaled by their mean and spread on the training part only (the last 20% is the test).
const diffs = difference(values);
const { train: trainDiffs, test: testDiffs } = trainTestSplit(diffs, { testSize: 0.2 });
const scaler = new StandardScaler().fit(trainDiffs);

// Windows: x = 24 scaled changes, y = the next one. Window i predicts diffs[i + WINDOW]; the last
// testDiffs.length windows are those whose target is in the test part.
const windows = timeseriesWindows(scaler.transform(diffs), { window: WINDOW });
const { xTrain, yTrain, xTest } = trainTestSplit(windows, { testSize: testDiffs.length });
const firstTest = windows.x.shape[0] - xTest.shape[0];

const model = new Sequential({ seed: 7 });
model.add(new LSTM({ units: 32, inputShape: [WINDOW, 1] }));
model.add(new Dense({ units: 1 }));
model.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'meanSquaredError', metrics: ['mae'] });
model.summary();

const t0 = performance.now();
const history = await model.fit(xTrain, yTrain, { epochs: EPOCHS, batchSize: 32, validationSplit: 0.1, verbose: 1 });
const trainSeconds = (performance.now() - t0) / 1000;

// Back to ppm: forecast = this month's value + predicted change.
const predDiffs = scaler.inverseTransform(Array.from(model.predict(xTest).data)); // ppm per month
const truth = [], forecast = [], naive = [], when = [];
for (let i = 0; i < xTest.shape[0]; i++) {
  const target = firstTest + i + WINDOW; // index into diffs
  const now = values[target]; // diffs[target] = values[target + 1] - values[target]
  truth.push(values[target + 1]);
  forecast.push(now + predDiffs[i]);
  naive.push(now);
  when.push(dates[target + 1]);
}
const mae = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
const rmse = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
const lstmMae = mae(forecast, truth), naiveMae = mae(naive, truth);

console.log('');
console.log(`Test: ${truth.length} months, ${when[0]} to ${when[when.length - 1]} (never seen in training)`);
console.log(`  LSTM forecast      MAE ${lstmMae.toFixed(3)} ppm   RMSE ${rmse(forecast, truth).toFixed(3)} ppm`);
console.log(`  naive (last value) MAE ${naiveMae.toFixed(3)} ppm   RMSE ${rmse(naive, truth).toFixed(3)} ppm`);
console.log(`  the LSTM's error is ${(lstmMae / naiveMae).toFixed(2)}× the naive one`);
console.log(`Training: ${EPOCHS} epochs of ${xTrain.shape[0]} windows in ${trainSeconds.toFixed(2)} s (final loss ${history.history.loss.at(-1).toFixed(4)}, val_loss ${history.history.val_loss.at(-1).toFixed(4)})`);

// Written where the command runs (the project root for npm start; not inside node_modules for npx).
const outDir = join(process.cwd(), 'out');
mkdirSync(outDir, { recursive: true });
const svg = lineChart({
  title: `Mauna Loa CO2: one-month-ahead forecast on the test years (LSTM MAE ${lstmMae.toFixed(2)} ppm, naive ${naiveMae.toFixed(2)} ppm)`,
  series: [
    { name: 'measured', x: when, y: truth, color: '#222' },
    { name: 'LSTM forecast', x: when, y: forecast, color: '#d62728' },
    { name: 'naive: last month', x: when, y: naive, color: '#1f77b4', dash: '4 3' },
  ],
  xLabel: 'month',
  yLabel: 'CO2 (ppm)',
});
const file = join(outDir, 'co2-forecast.svg');
writeFileSync(file, svg);
console.log(`Plot: ${file}`);
model.dispose();
