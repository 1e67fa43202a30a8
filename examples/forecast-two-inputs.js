// A forecaster with two inputs, built with the functional API: the Mauna Loa monthly CO2 record.
//
// As in co2-forecast.js, an LSTM reads the last monthly changes and the model predicts next month's
// change. Here a second input says which calendar month is being forecast (a one-hot vector of 12),
// joined to the LSTM's output by a Concatenate layer before the Dense output. It is printed beside
// the same model without that input (same units, epochs, optimizer and seeds) and two naive
// forecasts, on the last 20% of the record, never seen in training. Both are run with a short window
// (6 months, too short to show where in the seasonal cycle it is) and a long one (24 months, which
// shows it), and each with several seeds, so a difference can be told from the noise of one run.
// The plot shows the short window's error by calendar month.
//
//   node examples/forecast-two-inputs.js            the full run (about 15 s on 2 cores)
//   node examples/forecast-two-inputs.js --quick    3 seeds instead of 5 (CI); also QUICK=1
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, runtimeInfo, input, model, LSTM, Dense, Concatenate, timeseriesWindows } from 'lstm-wasm';
import { loadCo2 } from './lib/data.js';
import { lineChart } from './lib/svg.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const WINDOWS = [6, 24];
const UNITS = 32;
const EPOCHS = Number(process.env.EPOCHS ?? 60);
const SEEDS = QUICK ? [1, 2, 3] : [1, 2, 3, 4, 5];

await init();
const { dates, values } = loadCo2({ fillGaps: true });
console.log(`Mauna Loa CO2, monthly: ${values.length} months, ${dates[0]} to ${dates[dates.length - 1]} (Scripps CO2 Program, via vega-datasets; see examples/data/README.md)`);
console.log(`lstm-wasm build: ${runtimeInfo().build}${QUICK ? '; quick run' : ''}`);

// Monthly changes, scaled by their spread on the training part only. diffs[k] = values[k + 1] - values[k].
const diffs = values.slice(1).map((v, i) => v - values[i]);
const nTest = Math.round(diffs.length * 0.2);
const trainDiffs = diffs.slice(0, diffs.length - nTest);
const mean = trainDiffs.reduce((a, b) => a + b, 0) / trainDiffs.length;
const std = Math.sqrt(trainDiffs.reduce((a, b) => a + (b - mean) ** 2, 0) / trainDiffs.length);
const scaled = diffs.map((d) => (d - mean) / std);
const take = (t, a, b) => { const per = t.data.length / t.shape[0]; return { data: t.data.slice(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] }; };

/**
 * Input 1: windows of `window` scaled changes; window i predicts diffs[i + window], the change into
 * month dates[i + window + 1]. Input 2: that month of the year, one-hot. Split where the targets
 * enter the test part (the last nTest changes, the same months for every window).
 */
function dataFor(window) {
  const { x: changes, y } = timeseriesWindows(scaled, { window });
  const n = changes.shape[0];
  const month = new Float32Array(n * 12);
  for (let i = 0; i < n; i++) month[i * 12 + Number(dates[i + window + 1].slice(5, 7)) - 1] = 1;
  const calendar = { data: month, shape: [n, 12] };
  const firstTest = diffs.length - nTest - window;
  return {
    train: { changes: take(changes, 0, firstTest), month: take(calendar, 0, firstTest), y: take(y, 0, firstTest) },
    test: { changes: take(changes, firstTest, n), month: take(calendar, firstTest, n) },
  };
}

/** The two models, the same but for the month input. */
function build(window, withMonth, seed) {
  const series = input({ shape: [window, 1], name: 'changes' });
  const h = new LSTM({ units: UNITS, name: 'lstm' }).apply(series);
  if (!withMonth) return model({ inputs: series, outputs: new Dense({ units: 1, name: 'next_change' }).apply(h), name: 'series_only', seed });
  const monthIn = input({ shape: [12], name: 'month' });
  const joined = new Concatenate({ axis: -1, name: 'with_month' }).apply([h, monthIn]);
  return model({ inputs: [series, monthIn], outputs: new Dense({ units: 1, name: 'next_change' }).apply(joined), name: 'two_inputs', seed });
}

// Back to ppm: forecast = this month's value + predicted change. The test months, for every window:
const truth = [], when = [], naive = [], seasonal = [];
for (let target = diffs.length - nTest; target < diffs.length; target++) { // index into diffs
  truth.push(values[target + 1]);
  when.push(dates[target + 1]);
  naive.push(values[target]);
  seasonal.push(values[target] + diffs[target - 12]); // this month + the change into the same month a year ago
}
const mae = (a) => a.reduce((s, v, i) => s + Math.abs(v - truth[i]), 0) / a.length;
const rmse = (a) => Math.sqrt(a.reduce((s, v, i) => s + (v - truth[i]) ** 2, 0) / a.length);

const results = [];
let seconds = 0, trainWindows = 0;
for (const window of WINDOWS) {
  const { train, test } = dataFor(window);
  trainWindows = Math.max(trainWindows, train.y.shape[0]);
  const runs = { two: [], one: [] };
  for (const seed of SEEDS) {
    for (const kind of ['two', 'one']) {
      const m = build(window, kind === 'two', seed);
      m.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'meanSquaredError', metrics: ['mae'] });
      if (seed === SEEDS[0] && window === WINDOWS[0]) m.summary();
      const t0 = performance.now();
      // Several inputs: by name (an object) or in the model's input order (an array).
      const x = kind === 'two' ? { changes: train.changes, month: train.month } : train.changes;
      await m.fit(x, train.y, { epochs: EPOCHS, batchSize: 32, validationSplit: 0.1, verbose: 0 });
      seconds += (performance.now() - t0) / 1000;
      const p = m.predict(kind === 'two' ? [test.changes, test.month] : test.changes).data;
      const forecast = Array.from(p, (v, i) => naive[i] + v * std + mean);
      runs[kind].push({ seed, forecast, mae: mae(forecast), rmse: rmse(forecast) });
      m.dispose();
    }
  }
  results.push({ window, runs });
}

const summary = (list) => {
  const m = list.map((r) => r.mae);
  return { mean: m.reduce((a, b) => a + b, 0) / m.length, min: Math.min(...m), max: Math.max(...m), rmse: list.reduce((a, r) => a + r.rmse, 0) / list.length };
};
const line = (name, s) => `  ${name.padEnd(48)} MAE ${s.mean.toFixed(3)} ppm${s.min === undefined ? '' : ` (${s.min.toFixed(3)}-${s.max.toFixed(3)})`}   RMSE ${s.rmse.toFixed(3)} ppm`;

console.log('');
console.log(`Test: ${truth.length} months, ${when[0]} to ${when[when.length - 1]} (never seen in training); each model trained ${SEEDS.length} times (seeds ${SEEDS[0]}-${SEEDS.at(-1)}): MAE mean (best-worst)`);
for (const r of results) {
  r.two = summary(r.runs.two);
  r.one = summary(r.runs.one);
  const wins = r.runs.two.filter((x, i) => x.mae < r.runs.one[i].mae).length;
  console.log(line(`window ${r.window}: LSTM + month of year (two inputs)`, r.two));
  console.log(line(`window ${r.window}: LSTM, series only`, r.one));
  console.log(`  window ${r.window}: with the month input the error is ${(r.two.mean / r.one.mean).toFixed(2)}× the series-only one; lower with ${wins} of ${SEEDS.length} seeds`);
}
console.log(line('seasonal naive (same change as a year ago)', { mean: mae(seasonal), rmse: rmse(seasonal) }));
console.log(line('naive (last value)', { mean: mae(naive), rmse: rmse(naive) }));
console.log(`Training: ${EPOCHS} epochs of up to ${trainWindows} windows, ${UNITS} units, ${results.length * SEEDS.length * 2} models in ${seconds.toFixed(1)} s`);

// The plot: the error by calendar month with the short window (mean over the seeds), where the
// month input shows what it knows.
const short = results[0];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const byMonth = (forecasts) => MONTHS.map((_, m) => {
  let sum = 0, count = 0;
  for (const f of forecasts) f.forEach((v, i) => { if (Number(when[i].slice(5, 7)) - 1 === m) { sum += Math.abs(v - truth[i]); count++; } });
  return sum / count;
});
const outDir = join(process.cwd(), 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, 'forecast-two-inputs.svg');
writeFileSync(file, lineChart({
  title: `Mauna Loa CO2 from the last ${short.window} months, test years: error by month forecast (MAE ${short.two.mean.toFixed(2)} ppm with the month input, ${short.one.mean.toFixed(2)} without)`,
  series: [
    { name: 'LSTM + month of year (two inputs)', x: MONTHS, y: byMonth(short.runs.two.map((r) => r.forecast)), color: '#d62728' },
    { name: 'LSTM, series only', x: MONTHS, y: byMonth(short.runs.one.map((r) => r.forecast)), color: '#1f77b4' },
    { name: 'seasonal naive', x: MONTHS, y: byMonth([seasonal]), color: '#888', dash: '4 3' },
  ],
  xLabel: 'month forecast',
  yLabel: 'mean absolute error (ppm)',
  yMin: 0,
}));
console.log(`Plot: ${file}`);
