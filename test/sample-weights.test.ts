// Per-sample weights (Keras's sample_weight and class_weight):
// - the kernel loss_forward_backward_weighted against a float64 reference (each row's loss and
//   gradient from test/reference/losses.ts times its sample's weight), every kind, odd shapes,
//   rows per sample 1 and more (sequence outputs), both builds;
// - fit({ classWeight }) against TF.js 4.22's fit with classWeight (the same weights, SGD, no shuffle);
// - fit({ sampleWeight }): the reduction is over the batch size, not the weights' sum;
// - the errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense, LSTM, Sequential, type Layer } from '../src/index.js';
import { BUILDS, loadKernels, maxAbsDiff, rng } from './util/kernels.js';
import { lossRef, lossInputs, isSparse, LOSS_NAMES } from './reference/losses.js';
import { fromTf, initForTests, randTensor, tf, tfCpu, toTf } from './util/tfjs.js';

const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
const worst = { loss: 0, grad: 0, tfLoss: 0, tfWeights: 0, batchSize: 0 };
afterAll(() => console.log(`sample-weights: kernel vs f64 reference: loss (relative) ${worst.loss.toExponential(2)}, grad ${worst.grad.toExponential(2)}; fit with classWeight vs TF.js: loss ${worst.tfLoss.toExponential(2)}, weights ${worst.tfWeights.toExponential(2)}; reduction over the batch size: ${worst.batchSize.toExponential(2)}`));

describe.each(BUILDS)('loss_forward_backward_weighted (%s build)', (build) => {
  const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 1], [7, 4, 1], [6, 3, 3], [10, 2, 5], [9, 7, 3], [0, 3, 1]];
  for (let kind = 0; kind <= 7; kind++)
    for (const [N, D, R] of SHAPES)
      it(`${LOSS_NAMES[kind]} N=${N} D=${D} rows per sample ${R}`, () => {
        const { k, arena } = loadKernels(build);
        const r = rng(kind * 7919 + N * 31 + D * 7 + R);
        const inp = lossInputs(kind, N, D, r);
        const yPred = f32(inp.yPred), yTrue = f32(inp.yTrue);
        const S = Math.ceil(N / R);
        // Weights of 0 (a masked sample), fractions and more than 1.
        const w = f32(Array.from({ length: S }, (_, i) => (i % 4 === 1 ? 0 : 0.25 + 2 * r())));
        const pp = arena.put(yPred), pt = arena.put(yTrue), pg = arena.alloc(N * D), pw = arena.put(w);
        const scale = Math.fround(N > 0 ? 1 / N : 1);
        const loss = k.loss_forward_backward_weighted(kind, N, D, pp, pt, pg, scale, pw, R);
        // The reference: row by row, each row's loss and gradient times its sample's weight.
        let refLoss = 0;
        const refGrad = new Float64Array(N * D);
        for (let row = 0; row < N; row++) {
          const t = isSparse(kind) ? yTrue.subarray(row, row + 1) : yTrue.subarray(row * D, (row + 1) * D);
          const one = lossRef(kind, 1, D, yPred.subarray(row * D, (row + 1) * D), t);
          const ws = w[Math.floor(row / R)];
          refLoss += ws * one.loss;
          one.grad.forEach((g, j) => (refGrad[row * D + j] = g * ws * scale));
        }
        const eL = relErr(loss, refLoss), eG = maxAbsDiff(arena.read(pg, N * D), refGrad);
        worst.loss = Math.max(worst.loss, eL); worst.grad = Math.max(worst.grad, eG);
        expect(eL).toBeLessThan(1e-6);
        expect(eG).toBeLessThan(1e-6);
        // All weights 1: the unweighted kernel's gradient exactly; the loss to f64 rounding (summed per sample).
        const ones = arena.put(new Array(S).fill(1));
        const pg1 = arena.alloc(N * D), pg2 = arena.alloc(N * D);
        const l1 = k.loss_forward_backward_weighted(kind, N, D, pp, pt, pg1, scale, ones, R);
        const l2 = k.loss_forward_backward(kind, N, D, pp, pt, pg2, scale);
        expect(relErr(l1, l2)).toBeLessThan(1e-12);
        expect(Array.from(arena.read(pg1, N * D))).toEqual(Array.from(arena.read(pg2, N * D)));
      });
});

beforeAll(async () => { await initForTests(); await tfCpu(); });

describe('fit({ classWeight }) against TF.js fit', () => {
  const n = 13, I = 6;
  const cases: { name: string; units: number; act: 'softmax' | 'sigmoid'; loss: string; classWeight: Record<number, number>; sparse?: boolean }[] = [
    { name: 'softmax, categoricalCrossentropy, 3 classes', units: 3, act: 'softmax', loss: 'categoricalCrossentropy', classWeight: { 0: 1, 1: 3.5, 2: 0.25 } },
    { name: 'sigmoid, binaryCrossentropy', units: 1, act: 'sigmoid', loss: 'binaryCrossentropy', classWeight: { 0: 0.4, 1: 2.5 } },
    { name: 'softmax, sparseCategoricalCrossentropy, 4 classes', units: 4, act: 'softmax', loss: 'sparseCategoricalCrossentropy', classWeight: { 0: 2, 1: 0.5, 2: 1.5, 3: 0 }, sparse: true },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const x = randTensor([n, I], 21);
      const r = rng(22);
      const ids = Array.from({ length: n }, () => Math.floor(r() * Math.max(2, c.units)));
      const y = c.sparse ? { data: Float32Array.from(ids), shape: [n, 1] }
        : c.units === 1 ? { data: Float32Array.from(ids), shape: [n, 1] }
        : { data: Float32Array.from(ids.flatMap((id) => Array.from({ length: c.units }, (_, j) => (j === id ? 1 : 0)))), shape: [n, c.units] };
      const ours = new Sequential({ seed: 1, layers: [new Dense({ units: 5, activation: 'tanh', inputShape: [I] }), new Dense({ units: c.units, activation: c.act })] });
      const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [I] }), tf.layers.dense({ units: c.units, activation: c.act })] });
      ours.layers.forEach((l: Layer, i) => {
        const ws = l.getWeights().map((w, j) => randTensor(w.shape, 100 + i * 10 + j, 0.7));
        l.setWeights(ws);
        theirs.layers[i].setWeights(ws.map(toTf));
      });
      ours.compile({ optimizer: { name: 'sgd', learningRate: 0.2 }, loss: c.loss });
      theirs.compile({ optimizer: tf.train.sgd(0.2), loss: c.loss });
      const h = await ours.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, classWeight: c.classWeight });
      const xt = toTf(x), yt = toTf(y);
      const ht = await theirs.fit(xt, yt, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, classWeight: c.classWeight });
      xt.dispose(); yt.dispose();
      const dLoss = maxAbsDiff(h.history.loss, ht.history.loss as number[]);
      let dW = 0;
      ours.layers.forEach((l: Layer, i) => l.getWeights().forEach((w, j) => { dW = Math.max(dW, maxAbsDiff(w.data, fromTf(theirs.layers[i].getWeights()[j]).data)); }));
      worst.tfLoss = Math.max(worst.tfLoss, dLoss); worst.tfWeights = Math.max(worst.tfWeights, dW);
      expect(dLoss, `loss per epoch ours ${h.history.loss} vs tfjs ${ht.history.loss}`).toBeLessThan(1e-5);
      expect(dW).toBeLessThan(1e-5);
      // And the weighting changed something: without it the weights differ.
      const plain = new Sequential({ seed: 1, layers: [new Dense({ units: 5, activation: 'tanh', inputShape: [I] }), new Dense({ units: c.units, activation: c.act })] });
      plain.layers.forEach((l: Layer, i) => l.setWeights(ours.layers[i].getWeights().map((w, j) => randTensor(w.shape, 100 + i * 10 + j, 0.7))));
      plain.compile({ optimizer: { name: 'sgd', learningRate: 0.2 }, loss: c.loss });
      await plain.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      expect(maxAbsDiff(plain.getWeights()[0].data, ours.getWeights()[0].data)).toBeGreaterThan(1e-4);
      ours.dispose(); plain.dispose(); theirs.dispose();
    });
});

describe('fit({ sampleWeight })', () => {
  const x = randTensor([8, 5, 3], 31), y = randTensor([8, 1], 32);
  const make = (lr: number, seq = false) => {
    const m = new Sequential({ seed: 9, layers: [new LSTM({ units: 4, inputShape: [5, 3], returnSequences: seq }), new Dense({ units: seq ? 2 : 1 })] });
    m.compile({ optimizer: { name: 'sgd', learningRate: lr }, loss: 'mse' });
    return m;
  };

  it('the mean is over the batch size: weights 1/0 equal training on the kept samples at lr · kept/B', async () => {
    const keep = [0, 2, 3, 6, 7];
    const sw = Array.from({ length: 8 }, (_, i) => (keep.includes(i) ? 1 : 0));
    const a = make(0.1);
    const h = await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, sampleWeight: sw });
    const b = make(0.1 * keep.length / 8);
    const pick = (t: { data: Float32Array; shape: number[] }) => {
      const per = t.data.length / t.shape[0];
      return { data: Float32Array.from(keep.flatMap((i) => Array.from(t.data.subarray(i * per, (i + 1) * per)))), shape: [keep.length, ...t.shape.slice(1)] };
    };
    const hb = await b.fit(pick(x), pick(y), { epochs: 1, batchSize: 8, verbose: 0 });
    // The logged loss too: Σ w·L / B = (kept/B) · mean over the kept.
    expect(h.history.loss[0]).toBeCloseTo(hb.history.loss[0] * keep.length / 8, 6);
    const d = Math.max(...a.getWeights().map((w, i) => maxAbsDiff(w.data, b.getWeights()[i].data)));
    worst.batchSize = Math.max(worst.batchSize, d);
    expect(d).toBeLessThan(1e-6);
    a.dispose(); b.dispose();
  });

  it('sequence outputs: a sample weighs all its steps; weights 2 equal the doubled rate; shuffled batches carry their weights', async () => {
    const ys = randTensor([8, 5, 2], 33);
    const a = make(0.05, true), b = make(0.1, true);
    await a.fit(x, ys, { epochs: 2, batchSize: 3, verbose: 0, seed: 4, sampleWeight: new Float32Array(8).fill(2) });
    await b.fit(x, ys, { epochs: 2, batchSize: 3, verbose: 0, seed: 4 });
    const d = Math.max(...a.getWeights().map((w, i) => maxAbsDiff(w.data, b.getWeights()[i].data)));
    expect(d).toBeLessThan(1e-6);
    a.dispose(); b.dispose();
  });

  it('evaluate({ sampleWeight }) and validation sample weights: Σ w·L / n', async () => {
    const m = make(0.1);
    const sw = [1, 0, 2, 0.5, 1, 3, 0, 1];
    // Per-sample losses from evaluate on one sample at a time (mse over the one output).
    const per = Array.from({ length: 8 }, (_, i) => m.evaluate({ data: x.data.subarray(i * 15, (i + 1) * 15), shape: [1, 5, 3] }, { data: y.data.subarray(i, i + 1), shape: [1, 1] }) as number);
    const want = per.reduce((a, l, i) => a + sw[i] * l, 0) / 8;
    expect(m.evaluate(x, y, { sampleWeight: sw, batchSize: 3 }) as number).toBeCloseTo(want, 6);
    expect(m.evaluate(x, y, { sample_weight: sw } as never) as number).toBeCloseTo(want, 6);
    // validationData's third entry weighs the validation loss; a validationSplit splits sampleWeight too.
    const before = m.getWeights();
    const h = await m.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y, sw] });
    const after = m.evaluate(x, y, { sampleWeight: sw }) as number;
    expect(h.history.val_loss[0]).toBeCloseTo(after, 6);
    m.setWeights(before);
    const h2 = await m.fit(x, y, { epochs: 1, verbose: 0, validationSplit: 0.25, sampleWeight: sw });
    const tail = { data: x.data.subarray(6 * 15), shape: [2, 5, 3] }, ytail = { data: y.data.subarray(6), shape: [2, 1] };
    expect(h2.history.val_loss[0]).toBeCloseTo(m.evaluate(tail, ytail, { sampleWeight: sw.slice(6) }) as number, 6);
    await expect(m.fit(x, y, { verbose: 0, validationData: [x, y, [1, 2]] })).rejects.toThrow(/fit validationData\[2\]: option 'sampleWeight' must hold one weight per sample: x has 8 samples, sampleWeight has 2/);
    expect(() => m.evaluate(x, y, { sampleWeight: [1] })).toThrow(/evaluate: option 'sampleWeight' must hold one weight per sample/);
    m.dispose();
  });

  it('errors: wrong length, bad values, a class that does not exist, both at once, sequence targets with classWeight', async () => {
    const m = make(0.1);
    await expect(m.fit(x, y, { verbose: 0, sampleWeight: [1, 2, 3] })).rejects.toThrow(/'sampleWeight' must hold one weight per sample: x has 8 samples, sampleWeight has 3/);
    await expect(m.fit(x, y, { verbose: 0, sampleWeight: [1, 1, 1, -1, 1, 1, 1, 1] })).rejects.toThrow(/sampleWeight\[3\] must be a finite number ≥ 0, got -1/);
    await expect(m.fit(x, y, { verbose: 0, sampleWeight: 'ones' as never })).rejects.toThrow(/must be an array or Float32Array/);
    await expect(m.fit(x, y, { verbose: 0, classWeight: { 0: 1, 2: 3 } })).rejects.toThrow(/classWeight names class "2", which does not exist: the output has 2 classes \(0 to 1\)/);
    await expect(m.fit(x, y, { verbose: 0, classWeight: { 0: 1 }, sampleWeight: new Array(8).fill(1) })).rejects.toThrow(/not both/);
    const s = make(0.1, true);
    await expect(s.fit(x, randTensor([8, 5, 2], 1), { verbose: 0, classWeight: { 0: 1 } })).rejects.toThrow(/classWeight needs one target per sample .* give sampleWeight for sequence targets/);
    // Keras's spellings.
    await m.fit(x, y, { verbose: 0, sample_weight: new Array(8).fill(1), batch_size: 4 } as never);
    await expect(m.fit(x, y, { verbose: 0, sampleWieght: [1] } as never)).rejects.toThrow(/did you mean 'sampleWeight'/);
    m.dispose(); s.dispose();
  });
});
