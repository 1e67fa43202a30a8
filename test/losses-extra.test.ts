// The losses and metrics of issue 13: huber, logCosh, mape, msle, kld, poisson (forward and
// gradient in WASM, plain and weighted kernels) and rootMeanSquaredError, precision, recall, auc,
// topKCategoricalAccuracy. Kernels against the float64 references of test/reference/losses-extra.ts
// (whose gradients are checked by central differences here) on odd shapes in both builds; the
// model against TF.js where TF.js has the loss or metric (same weights, same data, several SGD
// steps); precision/recall/auc kept over an epoch, not averaged per batch; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense, LstmWasmError, Sequential, type Layer, type TensorData } from '../src/index.js';
import {
  LOSS_HUBER,
  LOSS_KLD,
  LOSS_LOG_COSH,
  LOSS_MAPE,
  LOSS_MSLE,
  LOSS_POISSON,
  METRIC_AUC,
  METRIC_PRECISION,
  METRIC_RECALL,
  METRIC_RMSE,
  METRIC_SPARSE_TOP_K_CATEGORICAL,
  METRIC_TOP_K_CATEGORICAL,
} from '../src/runtime/abi.generated.js';
import { BUILDS, loadKernels, maxAbsDiff, rng } from './util/kernels.js';
import { type ExtraLoss, kerasAuc, lossSum, precisionRecall, rmse, topKHits } from './reference/losses-extra.js';
import { fromTf, initForTests, randTensor, tf, tfCpu, toTf } from './util/tfjs.js';

const KIND: Record<ExtraLoss, number> = {
  huber: LOSS_HUBER,
  logCosh: LOSS_LOG_COSH,
  mape: LOSS_MAPE,
  msle: LOSS_MSLE,
  kld: LOSS_KLD,
  poisson: LOSS_POISSON,
};
const SHAPES: [number, number][] = [
  [1, 1],
  [3, 5],
  [7, 3],
  [2, 9],
  [5, 1],
];
const worst = { loss: 0, grad: 0, fd: 0, tfLoss: 0, tfWeights: 0 };
afterAll(() =>
  console.log(
    `losses-extra: largest relative difference from the f64 reference: loss ${worst.loss.toExponential(2)}, gradient ${worst.grad.toExponential(2)}; reference vs central differences ${worst.fd.toExponential(2)}; TF.js loss ${worst.tfLoss.toExponential(2)}, weights after 3 SGD steps ${worst.tfWeights.toExponential(2)}`,
  ),
);

/** Predictions and targets in each loss's domain, with values on the edges the formulas treat apart. */
function data(kind: ExtraLoss, N: number, D: number, seed: number): { p: Float32Array; t: Float32Array } {
  const r = rng(seed);
  const n = N * D;
  const p = new Float32Array(n), t = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'huber':
      case 'logCosh':
        p[i] = (r() * 2 - 1) * 4;
        t[i] = (r() * 2 - 1) * 4;
        break;
      case 'mape':
        p[i] = (r() * 2 - 1) * 3;
        t[i] = (r() < 0.5 ? -1 : 1) * (0.2 + r() * 2);
        break;
      case 'msle':
        p[i] = r() * 3 - (i % 4 === 1 ? 3.5 : 0); // some below zero: clipped to eps, no gradient
        t[i] = r() * 3;
        break;
      case 'kld':
        p[i] = 0.01 + r() * 0.98;
        t[i] = 0.01 + r() * 0.98;
        break;
      case 'poisson':
        p[i] = 0.05 + r() * 3;
        t[i] = Math.floor(r() * 5);
        break;
    }
  }
  return { p, t };
}

describe('extra loss kernels against the float64 reference (odd shapes, both builds)', () => {
  for (const build of BUILDS)
    for (const kind of Object.keys(KIND) as ExtraLoss[])
      for (const delta of kind === 'huber' ? [1, 0.35, 2.5] : [1])
        it(`${build} ${kind}${kind === 'huber' ? ` delta ${delta}` : ''}`, () => {
          const { k, arena } = loadKernels(build);
          for (const [N, D] of SHAPES) {
            const { p, t } = data(kind, N, D, N * 31 + D);
            const n = N * D;
            const pp = arena.alloc(n), tp = arena.alloc(n), gp = arena.alloc(n + 4);
            arena.f32(pp, n).set(p);
            arena.f32(tp, n).set(t);
            arena.f32(gp, n + 4).fill(777); // guard values after the gradient
            const scale = 0.37;
            const got = k.loss_forward_backward(KIND[kind], N, D, pp, tp, gp, scale, delta);
            const ref = lossSum(kind, N, D, p, t, delta);
            const relL = Math.abs(got - ref.sum) / Math.max(1, Math.abs(ref.sum));
            worst.loss = Math.max(worst.loss, relL);
            expect(relL, `${kind} [${N}, ${D}] loss ${got} vs ${ref.sum}`).toBeLessThan(1e-6);
            const g = arena.f32(gp, n + 4);
            const gMax = Math.max(1e-30, ...Array.from(ref.grad, (x) => Math.abs(x * scale)));
            const relG =
              maxAbsDiff(
                g.subarray(0, n),
                ref.grad.map((x) => x * scale),
              ) / gMax;
            worst.grad = Math.max(worst.grad, relG);
            expect(relG, `${kind} [${N}, ${D}] gradient`).toBeLessThan(1e-5);
            expect(Array.from(g.subarray(n))).toEqual([777, 777, 777, 777]);
            // No gradient wanted: grad = 0 writes nothing and gives the same loss.
            expect(k.loss_forward_backward(KIND[kind], N, D, pp, tp, 0, scale, delta)).toBe(got);
          }
        });

  it('the references agree with central differences of their own loss', () => {
    for (const kind of Object.keys(KIND) as ExtraLoss[])
      for (const delta of kind === 'huber' ? [1, 0.35] : [1]) {
        const N = 3,
          D = 4;
        const { p, t } = data(kind, N, D, 5);
        const pd = Float64Array.from(p);
        const ref = lossSum(kind, N, D, pd, t, delta);
        for (let i = 0; i < N * D; i++) {
          const h = 1e-6 * Math.max(1, Math.abs(pd[i]));
          const up = Float64Array.from(pd);
          up[i] += h;
          const dn = Float64Array.from(pd);
          dn[i] -= h;
          // Skip points where a kink lies within h (huber's |e| = delta, a clip edge).
          const fd = (lossSum(kind, N, D, up, t, delta).sum - lossSum(kind, N, D, dn, t, delta).sum) / (2 * h);
          const e = Math.abs(fd - ref.grad[i]) / Math.max(1, Math.abs(fd));
          worst.fd = Math.max(worst.fd, e);
          expect(e, `${kind} entry ${i}: fd ${fd} vs ${ref.grad[i]}`).toBeLessThan(1e-5);
        }
      }
  });

  it('the weighted kernel: Σ w[sample]·loss(row), rows of a sample weighted alike, weight 0 adds nothing', () => {
    for (const build of BUILDS) {
      const { k, arena } = loadKernels(build);
      for (const kind of Object.keys(KIND) as ExtraLoss[]) {
        const samples = 5,
          R = 3,
          D = 3,
          N = samples * R;
        const { p, t } = data(kind, N, D, 77);
        const w = Float32Array.from([1, 2.5, 0, 0.3, 1.75]);
        const n = N * D;
        const pp = arena.alloc(n), tp = arena.alloc(n), gp = arena.alloc(n), wp = arena.alloc(samples);
        arena.f32(pp, n).set(p);
        arena.f32(tp, n).set(t);
        arena.f32(wp, samples).set(w);
        const delta = 0.6;
        const got = k.loss_forward_backward_weighted(KIND[kind], N, D, pp, tp, gp, 1, wp, R, delta);
        let want = 0;
        const wantGrad = new Float64Array(n);
        for (let r = 0; r < N; r++) {
          const row = lossSum(kind, 1, D, p.subarray(r * D, r * D + D), t.subarray(r * D, r * D + D), delta);
          const ws = Math.fround(w[Math.floor(r / R)]);
          want += ws * row.sum;
          for (let j = 0; j < D; j++) wantGrad[r * D + j] = ws * row.grad[j];
        }
        expect(Math.abs(got - want) / Math.max(1, Math.abs(want)), `${build} ${kind}`).toBeLessThan(1e-6);
        const gMax = Math.max(...Array.from(wantGrad, Math.abs));
        expect(maxAbsDiff(arena.f32(gp, n), wantGrad) / gMax, `${build} ${kind} gradient`).toBeLessThan(1e-5);
        // Sample 2 (weight 0) gets no gradient.
        expect(Array.from(arena.f32(gp + 2 * R * D * 4, R * D)).every((x) => x === 0)).toBe(true);
      }
    }
  });
});

describe('metric kernels against the float64 reference', () => {
  const probs = (n: number, seed: number) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => r());
  };
  const labels = (n: number, seed: number) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
  };
  /** Accumulates batches into one state and returns the result. */
  function stateful(build: (typeof BUILDS)[number], kind: number, batches: { p: Float32Array; t: Float32Array; D: number }[]): number {
    const { k, arena } = loadKernels(build);
    const size = k.metric_state_size(kind);
    const st = arena.alloc(size * 2);
    new Float64Array(k.memory.buffer, st, size).fill(0);
    for (const b of batches) {
      const n = b.p.length;
      const pp = arena.alloc(n), tp = arena.alloc(n);
      arena.f32(pp, n).set(b.p);
      arena.f32(tp, n).set(b.t);
      k.metric_state_acc(kind, n / b.D, b.D, pp, tp, st);
    }
    return k.metric_state_result(kind, st);
  }
  const split = (p: Float32Array, t: Float32Array, D: number, rows: number[]) => {
    const out: { p: Float32Array; t: Float32Array; D: number }[] = [];
    let at = 0;
    for (const r of rows) {
      out.push({ p: p.subarray(at, at + r * D), t: t.subarray(at, at + r * D), D });
      at += r * D;
    }
    return out;
  };

  for (const build of BUILDS) {
    it(`${build}: precision, recall and auc over batches of 7, 1 and 13 rows equal the whole data's`, () => {
      const D = 3,
        n = 21 * D;
      const p = probs(n, 1),
        t = labels(n, 2);
      // Values on the thresholds themselves, and the ends.
      p.set([0, 1, 0.5, 1 / 199, 100 / 199, 198 / 199, Math.fround(1 + 1e-7), -0.25, 1.5], 0);
      const batches = split(p, t, D, [7, 1, 13]);
      const pr = precisionRecall(p, t);
      expect(stateful(build, METRIC_PRECISION, batches)).toBeCloseTo(pr.precision, 12);
      expect(stateful(build, METRIC_RECALL, batches)).toBeCloseTo(pr.recall, 12);
      const auc = stateful(build, METRIC_AUC, batches);
      expect(Math.abs(auc - kerasAuc(p, t)), `auc ${auc} vs ${kerasAuc(p, t)}`).toBeLessThan(1e-12);
      // The epoch value is not the mean of the batches' values.
      const perBatch = batches.map((b) => stateful(build, METRIC_AUC, [b]));
      expect(Math.abs(perBatch.reduce((a, b) => a + b) / 3 - auc)).toBeGreaterThan(1e-3);
    });

    it(`${build}: auc of a perfect, a reversed and a constant ranking; precision/recall 0 when nothing is predicted positive`, () => {
      const t = Float32Array.from([0, 0, 0, 1, 1, 1, 1]);
      const good = Float32Array.from([0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9]);
      const bad = Float32Array.from([0.9, 0.8, 0.7, 0.3, 0.2, 0.1, 0.05]);
      const flat = Float32Array.from([0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]);
      const one = (p: Float32Array) => [{ p, t, D: 1 }];
      expect(stateful(build, METRIC_AUC, one(good))).toBeCloseTo(1, 12);
      expect(stateful(build, METRIC_AUC, one(bad))).toBeCloseTo(kerasAuc(bad, t), 12);
      expect(stateful(build, METRIC_AUC, one(bad))).toBeLessThan(0.05);
      expect(stateful(build, METRIC_AUC, one(flat))).toBeCloseTo(0.5, 12);
      expect(stateful(build, METRIC_PRECISION, one(flat))).toBe(0);
      expect(stateful(build, METRIC_RECALL, one(flat))).toBe(0);
    });

    it(`${build}: rmse over batches is the root of the mean over all entries`, () => {
      const D = 5,
        n = 9 * D;
      const r = rng(4);
      const p = Float32Array.from({ length: n }, () => r() * 4 - 2),
        t = Float32Array.from({ length: n }, () => r() * 4 - 2);
      expect(stateful(build, METRIC_RMSE, split(p, t, D, [2, 3, 4]))).toBeCloseTo(rmse(p, t), 6);
    });

    it(`${build}: top-5 accuracy (ties with the 5th score count, fewer than 5 classes always hit), one-hot and sparse`, () => {
      const { k, arena } = loadKernels(build);
      for (const D of [7, 3, 6, 11]) {
        const N = 9;
        const r = rng(D);
        // Scores from a few levels, so ties happen.
        const p = Float32Array.from({ length: N * D }, () => Math.floor(r() * 4) / 4);
        const ids = Array.from({ length: N }, () => Math.floor(r() * D));
        const oneHot = Float32Array.from({ length: N * D }, (_, i) => (ids[Math.floor(i / D)] === i % D ? 1 : 0));
        const pp = arena.alloc(N * D), tp = arena.alloc(N * D), ip = arena.alloc(N);
        arena.f32(pp, N * D).set(p);
        arena.f32(tp, N * D).set(oneHot);
        arena.f32(ip, N).set(ids);
        const want = topKHits(N, D, p, (row) => ids[row]);
        expect(k.metric_sum(METRIC_TOP_K_CATEGORICAL, N, D, pp, tp, 0), `D ${D}`).toBe(want);
        expect(k.metric_sum(METRIC_SPARSE_TOP_K_CATEGORICAL, N, D, pp, ip, 0), `sparse D ${D}`).toBe(want);
        if (D <= 5) expect(want).toBe(N);
      }
    });
  }
});

describe('the model against TF.js (same weights and data, three SGD steps)', () => {
  beforeAll(async () => {
    await initForTests();
    await tfCpu();
  });
  const I = 5,
    U = 3,
    n = 11;
  const cases: { ours: string; theirs: string; act: 'linear' | 'sigmoid' | 'softmax'; y: (r: () => number) => number }[] = [
    { ours: 'logCosh', theirs: 'logcosh', act: 'linear', y: (r) => r() * 4 - 2 },
    { ours: 'mape', theirs: 'meanAbsolutePercentageError', act: 'linear', y: (r) => (r() < 0.5 ? -1 : 1) * (0.3 + r()) },
    { ours: 'msle', theirs: 'meanSquaredLogarithmicError', act: 'sigmoid', y: (r) => r() * 2 },
    { ours: 'kld', theirs: 'kullbackLeiblerDivergence', act: 'softmax', y: (r) => 0.05 + r() * 0.3 },
    { ours: 'poisson', theirs: 'poisson', act: 'sigmoid', y: (r) => Math.floor(r() * 3) },
  ];
  for (const c of cases)
    it(`${c.ours} (TF.js '${c.theirs}')`, async () => {
      const x = randTensor([n, I], 3);
      const r = rng(9);
      const y: TensorData = { data: Float32Array.from({ length: n * U }, () => c.y(r)), shape: [n, U] };
      const ours = new Sequential({ layers: [new Dense({ units: 4, activation: 'tanh', inputShape: [I] }), new Dense({ units: U, activation: c.act })] });
      const theirs = tf.sequential({
        layers: [tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [I] }), tf.layers.dense({ units: U, activation: c.act })],
      });
      ours.layers.forEach((l: Layer, i) => {
        const ws = l.getWeights().map((w, j) => randTensor(w.shape, 40 + i * 10 + j, 0.6));
        l.setWeights(ws);
        theirs.layers[i].setWeights(ws.map(toTf));
      });
      ours.compile({ optimizer: { name: 'sgd', learningRate: 0.05 }, loss: c.ours });
      theirs.compile({ optimizer: tf.train.sgd(0.05), loss: c.theirs });
      const xt = toTf(x),
        yt = toTf(y);
      const before = ours.evaluate(x, y) as number;
      const tb = (theirs.evaluate(xt, yt) as tf.Scalar).dataSync()[0];
      const dl = Math.abs(before - tb) / Math.max(1, Math.abs(tb));
      worst.tfLoss = Math.max(worst.tfLoss, dl);
      expect(dl, `loss ours ${before} vs tfjs ${tb}`).toBeLessThan(1e-5);
      for (let s = 0; s < 3; s++) {
        ours.trainOnBatch(x, y);
        await theirs.trainOnBatch(xt, yt);
      }
      let dW = 0,
        moved = 0;
      ours.layers.forEach((l: Layer, i) =>
        l.getWeights().forEach((w, j) => {
          dW = Math.max(dW, maxAbsDiff(w.data, fromTf(theirs.layers[i].getWeights()[j]).data));
          moved = Math.max(moved, maxAbsDiff(w.data, randTensor(w.shape, 40 + i * 10 + j, 0.6).data));
        }),
      );
      worst.tfWeights = Math.max(worst.tfWeights, dW);
      expect(moved, 'the steps changed the weights').toBeGreaterThan(1e-4);
      expect(dW).toBeLessThan(1e-5);
      xt.dispose();
      yt.dispose();
      ours.dispose();
      theirs.dispose();
    });

  it("huber (delta 1 and { className: 'Huber', config: { delta: 0.4 } }) against tf.losses.huberLoss", () => {
    const x = randTensor([n, I], 5);
    const y = randTensor([n, U], 6, 2);
    for (const [loss, delta] of [
      ['huber', 1],
      ['Huber', 1],
      [{ className: 'Huber', config: { delta: 0.4 } }, 0.4],
    ] as const) {
      const m = new Sequential({ layers: [new Dense({ units: U, inputShape: [I] })] });
      m.layers[0].setWeights(m.layers[0].getWeights().map((w, j) => randTensor(w.shape, 60 + j, 1.5)));
      m.compile({ optimizer: 'sgd', loss });
      const pred = m.predict(x) as TensorData;
      const theirs = tf.losses.huberLoss(toTf(y), toTf(pred), undefined, delta, tf.Reduction.MEAN).dataSync()[0];
      const ours = m.evaluate(x, y) as number;
      expect(Math.abs(ours - theirs), `${JSON.stringify(loss)}: ${ours} vs ${theirs}`).toBeLessThan(1e-6);
      m.dispose();
    }
  });

  it('mape against tf.metrics.meanAbsolutePercentageError; precision and recall against tf.metrics on the thresholded predictions', () => {
    const x = randTensor([23, I], 7);
    const r = rng(8);
    const y: TensorData = { data: Float32Array.from({ length: 23 * U }, () => (r() < 0.45 ? 1 : 0)), shape: [23, U] };
    const m = new Sequential({ layers: [new Dense({ units: U, activation: 'sigmoid', inputShape: [I] })] });
    m.layers[0].setWeights(m.layers[0].getWeights().map((w, j) => randTensor(w.shape, 70 + j, 1.5)));
    m.compile({ optimizer: 'sgd', loss: 'mape', metrics: ['precision', 'recall'] });
    const pred = m.predict(x) as TensorData;
    // TF.js's precision/recall count predictions equal to 1: give them the 0.5-thresholded ones.
    const hard = tf.tensor(Array.from(pred.data, (v) => (v > 0.5 ? 1 : 0)), pred.shape);
    const [loss, precision, recall] = m.evaluate(x, y, { batchSize: 5 }) as number[];
    const yOne = toTf({ data: y.data.map((v) => (v === 0 ? 0.5 : v)), shape: y.shape }); // mape needs nonzero targets
    const mapeTheirs = tf.mean(tf.metrics.meanAbsolutePercentageError(yOne, toTf(pred))).dataSync()[0];
    const mapeOurs = new Sequential({ layers: [new Dense({ units: U, activation: 'sigmoid', inputShape: [I] })] });
    mapeOurs.layers[0].setWeights(m.layers[0].getWeights());
    mapeOurs.compile({ optimizer: 'sgd', loss: 'meanAbsolutePercentageError' });
    const mo = mapeOurs.evaluate(x, fromTf(yOne)) as number;
    expect(Math.abs(mo - mapeTheirs) / mapeTheirs, `mape ${mo} vs ${mapeTheirs}`).toBeLessThan(1e-5);
    expect(Number.isFinite(loss)).toBe(true);
    expect(precision).toBeCloseTo(tf.metrics.precision(toTf(y), hard).dataSync()[0], 6);
    expect(recall).toBeCloseTo(tf.metrics.recall(toTf(y), hard).dataSync()[0], 6);
    m.dispose();
    mapeOurs.dispose();
  });
});

describe('stateful metrics in fit and evaluate (Keras: counts over the epoch, not a mean of batches)', () => {
  beforeAll(() => initForTests());
  const I = 4,
    n = 29;
  const x = randTensor([n, I], 11);
  const r = rng(12);
  const y: TensorData = { data: Float32Array.from({ length: n * 2 }, () => (r() < 0.5 ? 1 : 0)), shape: [n, 2] };
  const build = () => {
    const m = new Sequential({ layers: [new Dense({ units: 2, activation: 'sigmoid', inputShape: [I] })] });
    m.layers[0].setWeights(m.layers[0].getWeights().map((w, j) => randTensor(w.shape, 90 + j, 2)));
    return m;
  };
  const reference = (pred: TensorData) => {
    const pr = precisionRecall(pred.data, y.data);
    let s = 0;
    for (let i = 0; i < pred.data.length; i++) s += (pred.data[i] - y.data[i]) ** 2;
    return { ...pr, auc: kerasAuc(pred.data, y.data), rmse: Math.sqrt(s / pred.data.length) };
  };

  it('evaluate with batches of 4: precision, recall, auc, rmse over the whole data', () => {
    const m = build();
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'auc', 'rmse', 'AUC', 'Precision'] });
    const [, p, rc, auc, e, auc2, p2] = m.evaluate(x, y, { batchSize: 4 }) as number[];
    const want = reference(m.predict(x) as TensorData);
    expect(p).toBeCloseTo(want.precision, 10);
    expect(rc).toBeCloseTo(want.recall, 10);
    expect(auc).toBeCloseTo(want.auc, 10);
    expect(e).toBeCloseTo(want.rmse, 6);
    expect(auc2).toBe(auc);
    expect(p2).toBe(p);
    // The same with one batch of all: the batch size does not change a stateful metric.
    const all = m.evaluate(x, y, { batchSize: n }) as number[];
    expect(all[3]).toBeCloseTo(auc, 12);
    m.dispose();
  });

  it("fit's epoch logs (train and validation) are the whole epoch's counts; batch logs the batch's own", async () => {
    const m = build();
    m.layers[0].trainable = false; // the weights stay, so the epoch's predictions are predict()'s
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'auc', 'rootMeanSquaredError'] });
    const batchAuc: number[] = [];
    const h = await m.fit(x, y, {
      epochs: 2,
      batchSize: 6,
      shuffle: true,
      verbose: 0,
      validationData: [x, y],
      callbacks: [{ onBatchEnd: (_b: number, logs?: Record<string, number>) => void batchAuc.push(logs!.auc) }],
    });
    const want = reference(m.predict(x) as TensorData);
    for (const e of [0, 1]) {
      expect(h.history.precision[e]).toBeCloseTo(want.precision, 10);
      expect(h.history.recall[e]).toBeCloseTo(want.recall, 10);
      expect(h.history.auc[e]).toBeCloseTo(want.auc, 10);
      expect(h.history.rootMeanSquaredError[e]).toBeCloseTo(want.rmse, 6);
      expect(h.history.val_auc[e]).toBeCloseTo(want.auc, 10);
      expect(h.history.val_precision[e]).toBeCloseTo(want.precision, 10);
    }
    expect(batchAuc.length).toBe(10);
    const mean = batchAuc.slice(0, 5).reduce((a, b) => a + b) / 5;
    expect(Math.abs(mean - want.auc), 'the mean of batch values differs from the epoch value').toBeGreaterThan(1e-4);
    m.dispose();
  });

  it('topKCategoricalAccuracy in fit and evaluate, as Keras names it', async () => {
    const D = 8,
      N = 17;
    const xs = randTensor([N, I], 13);
    const rr = rng(14);
    const ids = Array.from({ length: N }, () => Math.floor(rr() * D));
    const yy: TensorData = { data: Float32Array.from({ length: N * D }, (_, i) => (ids[Math.floor(i / D)] === i % D ? 1 : 0)), shape: [N, D] };
    const m = new Sequential({ layers: [new Dense({ units: D, activation: 'softmax', inputShape: [I] })] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['topKCategoricalAccuracy', 'TopKCategoricalAccuracy'] });
    const [, a, b] = m.evaluate(xs, yy, { batchSize: 5 }) as number[];
    const pred = m.predict(xs) as TensorData;
    expect(a).toBeCloseTo(topKHits(N, D, pred.data, (row) => ids[row]) / N, 10);
    expect(b).toBe(a);
    const h = await m.fit(xs, yy, { epochs: 1, batchSize: 5, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'topKCategoricalAccuracy', 'top_k_categorical_accuracy']);
    m.dispose();
  });

  it("metric configs: TopKCategoricalAccuracy's k and name, Keras's defaults restated, others refused", () => {
    const D = 9,
      N = 23;
    const xs = randTensor([N, I], 16);
    const rr = rng(17);
    const ids = Array.from({ length: N }, () => Math.floor(rr() * D));
    const yy: TensorData = { data: Float32Array.from({ length: N * D }, (_, i) => (ids[Math.floor(i / D)] === i % D ? 1 : 0)), shape: [N, D] };
    const m = new Sequential({ layers: [new Dense({ units: D, activation: 'softmax', inputShape: [I] })] });
    m.layers[0].setWeights(m.layers[0].getWeights().map((w, j) => randTensor(w.shape, 18 + j, 2)));
    m.compile({
      optimizer: 'adam',
      loss: 'categoricalCrossentropy',
      metrics: [
        { className: 'TopKCategoricalAccuracy', config: { k: 1, name: 'top1' } },
        { className: 'TopKCategoricalAccuracy', config: { k: 3, name: 'top3', dtype: 'float32' } },
        'topKCategoricalAccuracy',
        { className: 'AUC', config: { num_thresholds: 200, curve: 'ROC', name: 'roc' } },
        { className: 'Precision', config: { thresholds: 0.5 } },
      ],
    });
    const [, top1, top3, top5, roc, prec] = m.evaluate(xs, yy, { batchSize: 6 }) as number[];
    const pred = (m.predict(xs) as TensorData).data;
    for (const [k, got] of [
      [1, top1],
      [3, top3],
      [5, top5],
    ])
      expect(got, `k ${k}`).toBeCloseTo(topKHits(N, D, pred, (row) => ids[row], k) / N, 10);
    expect(top1).toBeLessThan(top3);
    expect(roc).toBeCloseTo(kerasAuc(pred, yy.data), 10);
    expect(prec).toBeCloseTo(precisionRecall(pred, yy.data).precision, 10);
    const h = m.fit(xs, yy, { epochs: 1, batchSize: 6, verbose: 0 });
    return h.then((hist) => {
      expect(Object.keys(hist.history).sort()).toEqual(['loss', 'precision', 'roc', 'top1', 'top3', 'topKCategoricalAccuracy']);
      m.dispose();
    });
  });

  it('sample weights with the new losses: evaluate is Σ w·loss / n (the weighted kernel)', () => {
    const yy = randTensor([n, 2], 15, 0.5);
    const w = Array.from({ length: n }, (_, i) => (i % 3) * 0.75);
    for (const loss of ['huber', 'logCosh', 'poisson', 'msle', 'kld', 'mape']) {
      const m = build();
      m.compile({ optimizer: 'sgd', loss });
      const yPos = { data: yy.data.map((v) => Math.abs(v) + 0.05), shape: yy.shape };
      const pred = m.predict(x) as TensorData;
      const kind = (loss === 'logCosh' ? 'logCosh' : loss) as ExtraLoss;
      let want = 0;
      for (let s = 0; s < n; s++)
        want += Math.fround(w[s]) * lossSum(kind, 1, 2, pred.data.subarray(2 * s, 2 * s + 2), yPos.data.subarray(2 * s, 2 * s + 2)).sum;
      want /= n;
      const got = m.evaluate(x, yPos, { sampleWeight: w, batchSize: 7 }) as number;
      expect(Math.abs(got - want) / Math.max(1, Math.abs(want)), loss).toBeLessThan(1e-6);
      m.dispose();
    }
  });
});

describe('bad input', () => {
  beforeAll(() => initForTests());
  const m = () => new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
  const bad = (f: () => unknown, re: RegExp) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(re);
  };
  it('unknown loss and metric names list what exists', () => {
    bad(() => m().compile({ optimizer: 'sgd', loss: 'hubber' }), /option 'loss' must be one of .*'huber'.*got .*"hubber"/);
    bad(() => m().compile({ optimizer: 'sgd', loss: 'mse', metrics: ['aucc'] }), /unknown metric "aucc"; known: .*'auc'/);
    bad(() => m().compile({ optimizer: 'sgd', loss: { className: 'Hubber', config: {} } }), /option 'loss' must be one of/);
  });
  it("Huber's delta must be a finite number > 0; options other losses do not take are refused", () => {
    for (const delta of [0, -1, Number.NaN, Infinity, '1'])
      bad(
        () => m().compile({ optimizer: 'sgd', loss: { className: 'Huber', config: { delta: delta as number } } }),
        /loss 'Huber': 'delta' must be a finite number > 0, got/,
      );
    bad(() => m().compile({ optimizer: 'sgd', loss: { className: 'LogCosh', config: { delta: 2 } } }), /loss "LogCosh" does not take option 'delta'/);
    bad(() => m().compile({ optimizer: 'sgd', loss: { className: 'Huber', config: { reduction: 'sum' } } }), /does not take option 'reduction'/);
    // Keras's own serialized config (name, the default reduction) is accepted.
    m().compile({ optimizer: 'sgd', loss: { className: 'Huber', config: { delta: 2, name: 'huber_loss', reduction: 'sum_over_batch_size' } } });
  });
  it('metric configs with options the kernels do not compute are refused', () => {
    const c = (metric: unknown) => () => m().compile({ optimizer: 'sgd', loss: 'mse', metrics: [metric as never] });
    bad(c({ className: 'TopKCategoricalAccuracy', config: { k: 0 } }), /metric "TopKCategoricalAccuracy": 'k' must be a positive integer, got 0/);
    bad(c({ className: 'AUC', config: { num_thresholds: 100 } }), /metric "AUC": 'num_thresholds' must be 200 \(Keras's default, the one computed here\), got 100/);
    bad(c({ className: 'AUC', config: { curve: 'PR' } }), /'curve' must be "ROC"/);
    bad(c({ className: 'Precision', config: { thresholds: 0.7 } }), /'thresholds' must be null or 0.5/);
    bad(c({ className: 'Recall', config: { class_id: 2 } }), /'class_id' must be null/);
    bad(c({ className: 'RootMeanSquaredError', config: { k: 2 } }), /does not take option 'k'; it takes 'name'/);
    bad(c({ className: 'AUCC' }), /unknown metric "AUCC"/);
    // One config for every output, not an object keyed by output name.
    m().compile({ optimizer: 'sgd', loss: 'mse', metrics: { className: 'RootMeanSquaredError', config: { name: 'r' } } as never });
  });

  it('a loss config per output still works as an object keyed by output name', () => {
    const model = m();
    model.compile({ optimizer: 'sgd', loss: [{ className: 'Huber', config: { delta: 0.5 } }] });
    expect(model.evaluate(randTensor([4, 3], 1), randTensor([4, 2], 2))).toBeGreaterThan(0);
  });
});
