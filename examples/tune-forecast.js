// Tuning the main job's model (examples/co2-forecast.js): the same data and windows (24 monthly
// changes of the Mauna Loa CO2 record → next month's change), and a search over the LSTM's units,
// the cell (LSTM or GRU) and Adam's learning rate by Bayesian optimization (a Gaussian process with
// expected improvement), scored on val_loss (the last 10% of the training years). The tuned model
// and the hand-picked one of the main job (LSTM, 32 units, learning rate 0.005) are then both
// scored on the test years, which neither saw, beside the naive forecast.
//
//   node examples/tune-forecast.js            12 trials of 40 epochs
//   node examples/tune-forecast.js --quick    4 trials of 8 epochs (CI); or TUNE_TRIALS / TUNE_EPOCHS
import { init, Sequential, LSTM, GRU, Dense, timeseriesWindows, tune } from 'lstm-wasm';
import { loadCo2 } from './lib/data.js';

const quick = process.argv.includes('--quick');
const TRIALS = Number(process.env.TUNE_TRIALS ?? (quick ? 4 : 12));
const EPOCHS = Number(process.env.TUNE_EPOCHS ?? (quick ? 8 : 40));
const WINDOW = 24;

await init();
const { values } = loadCo2({ fillGaps: true });
const diffs = values.slice(1).map((v, i) => v - values[i]);
const nTest = Math.round(diffs.length * 0.2);
const trainDiffs = diffs.slice(0, diffs.length - nTest);
const mean = trainDiffs.reduce((a, b) => a + b, 0) / trainDiffs.length;
const std = Math.sqrt(trainDiffs.reduce((a, b) => a + (b - mean) ** 2, 0) / trainDiffs.length);
const { x, y } = timeseriesWindows(diffs.map((d) => (d - mean) / std), { window: WINDOW });
const firstTest = diffs.length - nTest - WINDOW;
const take = (t, a, b) => {
  const per = t.data.length / t.shape[0];
  return { data: t.data.slice(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] };
};
const xTrain = take(x, 0, firstTest), yTrain = take(y, 0, firstTest);
const xTest = take(x, firstTest, x.shape[0]);

/** Test MAE in ppm: forecast = this month's value + the predicted change. */
function testMae(model) {
  const pred = model.predict(xTest).data;
  let sum = 0, naive = 0;
  for (let i = 0; i < xTest.shape[0]; i++) {
    const target = firstTest + i + WINDOW;
    const truth = values[target + 1];
    sum += Math.abs(values[target] + pred[i] * std + mean - truth);
    naive += Math.abs(values[target] - truth);
  }
  return { mae: sum / xTest.shape[0], naive: naive / xTest.shape[0] };
}

console.log(`Tuning the CO2 forecaster: ${TRIALS} trials (Bayesian optimization) of ${EPOCHS} epochs on ${xTrain.shape[0]} windows`);
const t0 = performance.now();
const result = await tune({
  build: (hp) => {
    const Cell = hp.choice('cell', ['lstm', 'gru']) === 'gru' ? GRU : LSTM;
    const model = new Sequential({ seed: hp.seed });
    model.add(new Cell({ units: hp.int('units', 8, 48, 8), inputShape: [WINDOW, 1] }));
    model.add(new Dense({ units: 1 }));
    model.compile({ optimizer: { name: 'adam', learningRate: hp.float('learningRate', 1e-3, 3e-2, { sampling: 'log' }) }, loss: 'meanSquaredError' });
    return model;
  },
  x: xTrain,
  y: yTrain,
  epochs: EPOCHS,
  batchSize: 32,
  validationSplit: 0.1,
  objective: 'val_loss',
  strategy: 'bayesian',
  maxTrials: TRIALS,
  seed: 7,
});
const searchSeconds = (performance.now() - t0) / 1000;
console.log('');
result.summary();

// The hand-picked model of the main job, trained as long as each trial.
const hand = new Sequential({ seed: 7 });
hand.add(new LSTM({ units: 32, inputShape: [WINDOW, 1] }));
hand.add(new Dense({ units: 1 }));
hand.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'meanSquaredError' });
const h = await hand.fit(xTrain, yTrain, { epochs: EPOCHS, batchSize: 32, validationSplit: 0.1, verbose: 0 });
const handVal = Math.min(...h.history.val_loss);

const tuned = testMae(result.bestModel), picked = testMae(hand);
const best = Object.entries(result.bestHyperparameters).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : v}`).join(', ');
console.log('');
console.log(`Test years (${xTest.shape[0]} months, never seen in training or tuning):`);
console.log(`  tuned (${best})  val_loss ${result.bestScore.toFixed(4)}  test MAE ${tuned.mae.toFixed(3)} ppm`);
console.log(`  hand-picked (cell=lstm, units=32, learningRate=0.005)  val_loss ${handVal.toFixed(4)}  test MAE ${picked.mae.toFixed(3)} ppm`);
console.log(`  naive (last value)  test MAE ${tuned.naive.toFixed(3)} ppm`);
console.log(`Search: ${result.trials.length} trials in ${searchSeconds.toFixed(1)} s`);
result.bestModel.dispose();
hand.dispose();
