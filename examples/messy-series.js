// Preparing a real, messy series for an LSTM, step by step, and printing what each step did.
//
// The data: the Mauna Loa monthly CO2 record as published (Scripps CO2 Program, CC BY 4.0; shipped
// as examples/data/co2-mauna-loa-monthly.csv from the npm package vega-datasets 3.2.1, see
// examples/data/README.md). It is messy the way real records are: five months are absent (no valid
// measurement in 1958 and 1964), the readings are dated rather than numbered, and a few months read
// off the trend. The steps:
//   1. resample the dated readings onto calendar months: the absent months become empty buckets;
//   2. find the months whose year-over-year growth is an outlier (Hampel filter) and mark them missing;
//   3. fill every missing month with a natural cubic spline (and show what linear would have given);
//   4. down-sample to yearly means, to print the trend;
//   5. difference to monthly changes, add the month of the year as two features, split by time
//      (train, then a gap, then test) and scale on the training part only (MinMaxScaler to [-1, 1]);
//   6. cut windows (24 months in, the next 6 monthly changes out), train a small LSTM, and turn its
//      changes back into ppm (inverseTransform, inverseDifference) for a 1- to 6-month forecast;
//   7. save the model with its scaler in the file's metadata, load both back and check they agree.
//
// EPOCHS (environment, default 40) sets the training length; `--quick` (the test in CI) trains 8.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  init,
  Sequential,
  LSTM,
  Dense,
  resample,
  findOutliers,
  fillMissing,
  difference,
  inverseDifference,
  MinMaxScaler,
  timeseriesWindows,
  trainTestSplit,
  loadModel,
  readMetadata,
  scalerFromJSON,
} from 'lstm-wasm';
import { loadCo2 } from './lib/data.js';

const EPOCHS = Number(process.env.EPOCHS ?? (process.argv.includes('--quick') ? 8 : 40));
const WINDOW = 24;
const HORIZON = 6;
await init();

const raw = loadCo2(); // the rows as published: 'YYYY-MM' and ppm
const times = raw.dates.map((d) => new Date(`${d}-01T00:00:00Z`));
console.log(`1. Loaded ${raw.values.length} monthly readings, ${raw.dates[0]} to ${raw.dates.at(-1)}`);

// 1. Onto calendar months. Absent months are buckets with no reading: NaN until filled.
const monthly = resample(raw.values, times, { every: '1month', aggregate: 'mean' });
const months = monthly.times.map((t) => t.toISOString().slice(0, 7));
const level = [...monthly.values];
const empty = months.filter((_, i) => Number.isNaN(level[i]));
console.log(`   resampled onto ${months.length} calendar months: ${empty.length} empty (${empty.join(', ')})`);

// 2. Outliers: a month whose growth over the same month a year before is far from the growth of
// the months around it (Hampel: |x - median| > 4 · 1.4826 · MAD within ±12 months) reads off the trend.
const growth = difference(fillMissing(level, { method: 'linear' }), { lag: 12 });
const flagged = findOutliers(growth, { method: 'hampel', window: 12, threshold: 4 }).map((i) => i + 12);
const outliers = flagged.filter((i) => !Number.isNaN(level[i]));
console.log(
  `2. Hampel filter on the year-over-year growth: ${outliers.length} outlying month${outliers.length === 1 ? '' : 's'}${outliers.length ? ` (${outliers.map((i) => `${months[i]} read ${level[i].toFixed(2)} ppm, growth ${growth[i - 12].toFixed(2)} ppm/yr`).join('; ')})` : ''}; marked missing`,
);
for (const i of outliers) level[i] = Number.NaN;

// 3. Fill: a natural cubic spline through all the known months.
const filled = fillMissing(level, { method: 'spline' });
const linear = fillMissing(level, { method: 'linear' });
const gaps = level.flatMap((v, i) => (Number.isNaN(v) ? [i] : []));
console.log(`3. Filled ${gaps.length} missing months by spline (linear in brackets):`);
console.log(
  `   ${gaps.map((i) => `${months[i]} ${filled[i].toFixed(2)}${outliers.includes(i) ? ` (was ${monthly.values[i].toFixed(2)})` : ''} [${linear[i].toFixed(2)}]`).join(', ')}`,
);

// 4. Down-sampling: yearly means of the whole years.
const yearly = resample(filled, monthly.times, { every: '12month', aggregate: 'mean' });
const years = yearly.times.map((t) => t.getUTCFullYear());
const first = years.indexOf(1959),
  last = years.indexOf(2019);
console.log(
  `4. Yearly means (resample every '12month'): ${years[first]} ${yearly.values[first].toFixed(2)} ppm, ${years[last]} ${yearly.values[last].toFixed(2)} ppm: ${((yearly.values[last] - yearly.values[first]) / (years[last] - years[first])).toFixed(2)} ppm a year on average`,
);

// 5. Features: the monthly change and the month of the year (as a point on a circle).
const change = difference(filled); // change[j] = filled[j + 1] - filled[j]
const rows = change.map((c, j) => {
  const m = monthly.times[j + 1].getUTCMonth();
  return [c, Math.sin((2 * Math.PI * m) / 12), Math.cos((2 * Math.PI * m) / 12)];
});
const windowsAll = timeseriesWindows(rows, { window: WINDOW, horizon: HORIZON, targetColumns: [0] });
const split = { testSize: 0.2, gap: HORIZON - 1 }; // the gap keeps every test target out of the training targets
const bySplit = trainTestSplit(windowsAll, split);
const nWindows = windowsAll.x.shape[0];
const firstTest = nWindows - bySplit.xTest.shape[0]; // window index of the first test window
// The scaler sees only the rows the training windows touch (inputs and targets).
const lastTrainRow = bySplit.xTrain.shape[0] - 1 + WINDOW + HORIZON - 1;
const scaler = new MinMaxScaler({ featureRange: [-1, 1] }).fit(rows.slice(0, lastTrainRow + 1));
const { xTrain, yTrain, xTest, yTest } = trainTestSplit(
  timeseriesWindows(scaler.transform(rows), { window: WINDOW, horizon: HORIZON, targetColumns: [0] }),
  split,
);
console.log(
  `5. ${change.length} monthly changes × 3 features (change, sin and cos of the month), scaled to [-1, 1] on the training part (change ${scaler.dataMin[0].toFixed(2)} to ${scaler.dataMax[0].toFixed(2)} ppm → -1 to 1)`,
);
console.log(
  `   windows of ${WINDOW} months → the next ${HORIZON} changes: ${xTrain.shape[0]} to train, a gap of ${split.gap}, ${xTest.shape[0]} to test (${months[firstTest + WINDOW + 1]} onwards)`,
);

// 6. A small LSTM for the 6 changes ahead.
const model = new Sequential({ seed: 3 });
model.add(new LSTM({ units: 24, inputShape: [WINDOW, 3] }));
model.add(new Dense({ units: HORIZON }));
model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'mse' });
const t0 = performance.now();
const history = await model.fit(xTrain, yTrain, { epochs: EPOCHS, batchSize: 32, verbose: 0 });
const seconds = (performance.now() - t0) / 1000;
const evalLoss = model.evaluate(xTest, yTest);
console.log(
  `6. Trained ${EPOCHS} epochs in ${seconds.toFixed(1)} s: loss ${history.history.loss.at(-1).toFixed(4)}, test loss ${(Array.isArray(evalLoss) ? evalLoss[0] : evalLoss).toFixed(4)} (scaled)`,
);

const pred = model.predict(xTest).data;
const err = Array.from({ length: HORIZON }, () => ({ lstm: 0, naive: 0, n: 0 }));
for (let k = 0; k < xTest.shape[0]; k++) {
  const w = firstTest + k; // window index; it ends at change row w + WINDOW - 1, i.e. at month w + WINDOW
  const now = filled[w + WINDOW];
  const changes = scaler.inverseTransform(Array.from(pred.subarray(k * HORIZON, (k + 1) * HORIZON)), { columns: [0] });
  const levels = inverseDifference(changes, [now]).slice(1); // now + running sums of the changes
  for (let h = 0; h < HORIZON; h++) {
    const truth = filled[w + WINDOW + 1 + h];
    err[h].lstm += Math.abs(levels[h] - truth);
    err[h].naive += Math.abs(now - truth);
    err[h].n++;
  }
}
const mae = err.map((e) => ({ lstm: e.lstm / e.n, naive: e.naive / e.n }));
console.log(`   test forecast MAE by months ahead (ppm), LSTM vs naive (the last value):`);
console.log(`   ${mae.map((e, h) => `${h + 1}: ${e.lstm.toFixed(3)} vs ${e.naive.toFixed(3)}`).join('   ')}`);

// 7. The scaler travels in the saved model's metadata.
const outDir = join(process.cwd(), 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, 'messy-series.lstmwasm');
writeFileSync(file, model.save({ metadata: { scaler: scaler.toJSON(), window: WINDOW, horizon: HORIZON } }));
const bytes = new Uint8Array(readFileSync(file));
const again = await loadModel(bytes);
const meta = readMetadata(bytes);
const scaler2 = scalerFromJSON(meta.scaler);
// The forecast from the first test window's raw rows, through a model and a scaler.
const forecast = (m, sc) => {
  const w = firstTest;
  const x = { data: Float32Array.from(sc.transform(rows.slice(w, w + WINDOW)).flat()), shape: [1, WINDOW, 3] };
  const changes = sc.inverseTransform(Array.from(m.predict(x).data), { columns: [0] });
  return inverseDifference(changes, [filled[w + WINDOW]]).slice(1);
};
const a = forecast(model, scaler);
const b = forecast(again, scaler2);
const same = a.every((v, i) => v === b[i]);
console.log(
  `7. Saved ${file} (${bytes.length} bytes, metadata: ${Object.keys(meta).join(', ')}); loaded back, with its scaler it forecasts the first test window ${same ? 'the same' : 'DIFFERENTLY'}: ${b.map((v) => v.toFixed(2)).join(', ')} ppm`,
);
model.dispose();
again.dispose();
