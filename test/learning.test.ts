// Learning, not only computing: tasks where the right architecture must learn something a wrong
// one cannot, with fixed seeds and a budget sized for a 2-core machine. Each test prints what it
// measured so the numbers can be quoted.
import { beforeAll, describe, expect, it } from 'vitest';
import { Bidirectional, Dense, Embedding, GRU, LSTM, Sequential, SimpleRNN, type TensorData } from '../src/index.js';
import { rng } from './util/kernels.js';
import { addingProblem, gaussian, initForTests, mse } from './util/tfjs.js';

beforeAll(async () => {
  const info = await initForTests();
  console.log(`learning: lstm-wasm build ${info.build}${info.file ? ` (${info.file})` : ''}`);
});

// ---- (a) the adding problem ------------------------------------------------------------------
// Budget: 4000 sequences × 10 epochs (1250 Adam steps). Measured on the relaxed-SIMD build, model
// seeds 1..5 with their own data: the LSTM leaves the 0.167 plateau after 4 to 6 epochs and ends
// near MSE 0.0005; the SimpleRNN stays at 0.16-0.19 every epoch. The seed used here (3) leaves it
// at epoch 6, the same on both builds. 4.6-15 s (LSTM) + 1-3.5 s (RNN) on 2 shared cores.
// (TF.js's CPU backend, 76 s an epoch, was still on the plateau after 10 epochs of this task.)

const ADD = { T: 50, units: 32, train: 4000, test: 1000, epochs: 10, batchSize: 32, lr: 0.01 };
const ADD_BASELINE = 1 / 6; // MSE of always predicting 1 (the target's mean): Var(U1 + U2) = 2/12

async function trainAdding(layer: LSTM | GRU | SimpleRNN, seed: number): Promise<{ mse: number; seconds: number; losses: number[] }> {
  const data = addingProblem(ADD.train, ADD.T, 11);
  const test = addingProblem(ADD.test, ADD.T, 12);
  const model = new Sequential({ seed, layers: [layer, new Dense({ units: 1 })] });
  model.compile({ optimizer: { name: 'adam', learningRate: ADD.lr }, loss: 'meanSquaredError' });
  const t0 = performance.now();
  const h = await model.fit(data.x, data.y, { epochs: ADD.epochs, batchSize: ADD.batchSize, verbose: 0, seed, yieldEvery: 'never' });
  const seconds = (performance.now() - t0) / 1000;
  const pred = model.predict(test.x, { batchSize: 250 });
  const m = mse(pred.data, test.y.data);
  model.dispose();
  return { mse: m, seconds, losses: (h.history.loss as number[]).map((v) => +v.toFixed(4)) };
}

const budget = `${ADD.train} sequences × ${ADD.epochs} epochs, batch ${ADD.batchSize}, Adam lr ${ADD.lr}, ${ADD.units} units, T=${ADD.T}`;

describe('the adding problem (T = 50): an LSTM learns it, a SimpleRNN of the same size does not', () => {
  it('LSTM reaches test MSE < 0.01, SimpleRNN stays near the baseline 0.167', async () => {
    const lstm = await trainAdding(new LSTM({ units: ADD.units, inputShape: [ADD.T, 2] }), 3);
    console.log(`adding problem, ${budget}: LSTM test MSE ${lstm.mse.toFixed(5)} in ${lstm.seconds.toFixed(1)} s; epoch losses ${lstm.losses.join(' ')}`);
    const rnn = await trainAdding(new SimpleRNN({ units: ADD.units, inputShape: [ADD.T, 2] }), 3);
    console.log(`adding problem, ${budget}: SimpleRNN test MSE ${rnn.mse.toFixed(5)} in ${rnn.seconds.toFixed(1)} s; epoch losses ${rnn.losses.join(' ')} (baseline ${ADD_BASELINE.toFixed(4)})`);
    expect(lstm.mse).toBeLessThan(0.01);
    expect(rnn.mse).toBeGreaterThan(0.1);
  });

  it('GRU (resetAfter, the default) on the same budget: report only', async () => {
    const gru = await trainAdding(new GRU({ units: ADD.units, inputShape: [ADD.T, 2] }), 3);
    console.log(`adding problem, ${budget}: GRU test MSE ${gru.mse.toFixed(5)} in ${gru.seconds.toFixed(1)} s; epoch losses ${gru.losses.join(' ')}`);
    expect(Number.isFinite(gru.mse)).toBe(true);
  });
});

// ---- (b) a sine forecaster -------------------------------------------------------------------

describe('a noisy sine, one step ahead', () => {
  it('an LSTM forecasts well below the last-value baseline', async () => {
    const W = 20, N = 1200, NOISE = 0.05, PERIOD = 25;
    const r = rng(21), g = gaussian(rng(22));
    const phase0 = r() * 2 * Math.PI;
    const series = Float32Array.from({ length: N + W + 1 }, (_, t) => Math.sin(phase0 + (2 * Math.PI * t) / PERIOD) + NOISE * g());
    const windows = (from: number, to: number): { x: TensorData; y: TensorData } => {
      const n = to - from;
      const x = new Float32Array(n * W), y = new Float32Array(n);
      for (let s = 0; s < n; s++) {
        x.set(series.subarray(from + s, from + s + W), s * W);
        y[s] = series[from + s + W];
      }
      return { x: { data: x, shape: [n, W, 1] }, y: { data: y, shape: [n, 1] } };
    };
    const nTrain = 1000;
    const train = windows(0, nTrain), test = windows(nTrain, N);
    const model = new Sequential({ seed: 5, layers: [new LSTM({ units: 16, inputShape: [W, 1] }), new Dense({ units: 1 })] });
    model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'mse' });
    const t0 = performance.now();
    await model.fit(train.x, train.y, { epochs: 15, batchSize: 32, verbose: 0, seed: 5, yieldEvery: 'never' });
    const seconds = (performance.now() - t0) / 1000;
    const pred = model.predict(test.x);
    const m = mse(pred.data, test.y.data);
    const last = Float32Array.from({ length: test.y.data.length }, (_, s) => test.x.data[s * W + W - 1]);
    const baseline = mse(last, test.y.data);
    console.log(`sine forecast (period ${PERIOD}, noise σ ${NOISE}, window ${W}, ${nTrain} windows × 15 epochs): LSTM test MSE ${m.toFixed(5)}, last-value baseline ${baseline.toFixed(5)}, noise floor ${(NOISE ** 2).toFixed(5)}, ${seconds.toFixed(1)} s`);
    expect(m).toBeLessThan(0.25 * baseline);
    model.dispose();
  });
});

// ---- (d) a text classifier -------------------------------------------------------------------

/**
 * Sequences of tokens 1..9 that hold exactly one 3 and one 5 among other tokens; the label is 1
 * when the 3 comes before the 5. Only the order matters, so a bag of tokens cannot solve it.
 */
function orderTask(n: number, T: number, seed: number): { x: TensorData; y: TensorData } {
  const r = rng(seed);
  const others = [1, 2, 4, 6, 7, 8, 9];
  const x = new Float32Array(n * T), y = new Float32Array(n);
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < T; t++) x[s * T + t] = others[Math.floor(r() * others.length)];
    const a = Math.floor(r() * T);
    let b = Math.floor(r() * (T - 1));
    if (b >= a) b++;
    x[s * T + a] = 3;
    x[s * T + b] = 5;
    y[s] = a < b ? 1 : 0;
  }
  return { x: { data: x, shape: [n, T] }, y: { data: y, shape: [n, 1] } };
}

describe('a tiny text classifier: does token 3 come before token 5?', () => {
  it('Embedding → Bidirectional(LSTM) → Dense(sigmoid) reaches accuracy > 0.9', async () => {
    const T = 12;
    const train = orderTask(2000, T, 31), test = orderTask(500, T, 32);
    const model = new Sequential({
      seed: 9,
      layers: [
        new Embedding({ inputDim: 10, outputDim: 8, inputShape: [T] }),
        new Bidirectional({ layer: new LSTM({ units: 16 }) }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const t0 = performance.now();
    await model.fit(train.x, train.y, { epochs: 10, batchSize: 32, verbose: 0, seed: 9, yieldEvery: 'never' });
    const seconds = (performance.now() - t0) / 1000;
    const [loss, acc] = model.evaluate(test.x, test.y) as number[];
    const pred = model.predict(test.x);
    let right = 0;
    for (let i = 0; i < pred.data.length; i++) right += (pred.data[i] > 0.5 ? 1 : 0) === test.y.data[i] ? 1 : 0;
    console.log(`order task (T ${T}, 2000 sequences × 10 epochs): test loss ${loss.toFixed(4)}, accuracy ${acc.toFixed(4)} (by predict: ${(right / pred.data.length).toFixed(4)}), ${seconds.toFixed(1)} s`);
    expect(acc).toBeGreaterThan(0.9);
    expect(right / pred.data.length).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('the same task with padding: Embedding(maskZero) → Bidirectional(LSTM) skips the padded steps', async () => {
    const T = 12;
    // Lengths 4..12, padded in front with 0 (as padSequences does by default).
    const padded = (n: number, seed: number): { x: TensorData; y: TensorData; lengths: number[] } => {
      const r = rng(seed);
      const x = new Float32Array(n * T), y = new Float32Array(n), lengths: number[] = [];
      for (let s = 0; s < n; s++) {
        const len = 4 + Math.floor(r() * (T - 3));
        const one = orderTask(1, len, seed * 7919 + s);
        x.set(one.x.data, s * T + (T - len));
        y[s] = one.y.data[0];
        lengths.push(len);
      }
      return { x: { data: x, shape: [n, T] }, y: { data: y, shape: [n, 1] }, lengths };
    };
    const train = padded(2000, 41), test = padded(500, 42);
    const model = new Sequential({
      seed: 10,
      layers: [
        // batchInputShape [null, null]: variable length; inputShape: [null] is refused by validateShape.
        new Embedding({ inputDim: 10, outputDim: 8, batchInputShape: [null, null], maskZero: true }),
        new Bidirectional({ layer: new LSTM({ units: 16 }) }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const t0 = performance.now();
    await model.fit(train.x, train.y, { epochs: 10, batchSize: 32, verbose: 0, seed: 10, yieldEvery: 'never' });
    const seconds = (performance.now() - t0) / 1000;
    const [loss, acc] = model.evaluate(test.x, test.y) as number[];
    console.log(`order task with padding (lengths 4..${T}, maskZero, 2000 sequences × 10 epochs): test loss ${loss.toFixed(4)}, accuracy ${acc.toFixed(4)}, ${seconds.toFixed(1)} s`);
    expect(acc).toBeGreaterThan(0.9);
    // The padded steps are skipped: the same tokens without padding, or with more of it, predict the same.
    for (let s = 0; s < 5; s++) {
      const len = test.lengths[s];
      const tokens = test.x.data.slice(s * T + T - len, s * T + T);
      const more = new Float32Array(len + 7);
      more.set(tokens, 7);
      const pPadded = model.predict({ data: test.x.data.slice(s * T, s * T + T), shape: [1, T] }).data[0];
      const pBare = model.predict({ data: tokens, shape: [1, len] }).data[0];
      const pMore = model.predict({ data: more, shape: [1, len + 7] }).data[0];
      expect(Math.abs(pBare - pPadded), `sequence ${s} (length ${len}): padded ${pPadded} vs bare ${pBare}`).toBeLessThan(1e-5);
      expect(Math.abs(pMore - pPadded), `sequence ${s} (length ${len}): padded ${pPadded} vs more padding ${pMore}`).toBeLessThan(1e-5);
    }
    model.dispose();
  });
});
