// loss_forward_backward and metric_sum against the float64 reference (test/reference/losses.ts),
// all kinds, odd shapes, both builds; stability on saturated logits and probabilities.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, rng } from './util/kernels.js';
import { lossRef, metricRef, lossInputs, isSparse, LOSS_NAMES, EPS, BCE, BCE_LOGITS, CCE, CCE_LOGITS, SPARSE_CCE, SPARSE_CCE_LOGITS, M_MAE, M_MSE, M_BINARY_ACC, M_CATEGORICAL_ACC, M_SPARSE_ACC } from './reference/losses.js';

// The kernel sums in f64 from f32 inputs, so the loss matches the reference on the same (f32)
// inputs to about f64 rounding; mse/mae form the difference in f32 first (relative 6e-8 per term).
const LOSS_REL = 1e-6;
// Gradients are f32 outputs: relative rounding 6e-8, absolute for entries near zero.
const GRAD_TOL = 1e-6;

const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
const worst = { loss: 0, grad: 0 };
afterAll(() => console.log(`losses: largest differences from the f64 reference: loss (relative) ${worst.loss.toExponential(2)}, grad ${worst.grad.toExponential(2)}`));

const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 4], [2, 9], [16, 3], [5, 1], [0, 3]];

describe.each(BUILDS)('losses (%s build)', (build) => {
  for (let kind = 0; kind <= 7; kind++)
    for (const [N, D] of SHAPES)
      it(`${LOSS_NAMES[kind]} N=${N} D=${D}`, () => {
        const { k, arena } = loadKernels(build);
        const r = rng(kind * 1009 + N * 17 + D);
        const inp = lossInputs(kind, N, D, r);
        const yPred = f32(inp.yPred), yTrue = f32(inp.yTrue);
        const pp = arena.put(yPred), pt = arena.put(yTrue), pg = arena.alloc(N * D);
        const scale = N > 0 ? 1 / N : 1;
        const loss = k.loss_forward_backward(kind, N, D, pp, pt, pg, Math.fround(scale));
        const ref = lossRef(kind, N, D, yPred, yTrue);
        const eL = relErr(loss, ref.loss);
        const eG = maxAbsDiff(arena.read(pg, N * D), ref.grad.map((g) => g * Math.fround(scale)));
        worst.loss = Math.max(worst.loss, eL); worst.grad = Math.max(worst.grad, eG);
        expect(eL).toBeLessThan(LOSS_REL);
        expect(eG).toBeLessThan(GRAD_TOL);
        // Without a gradient buffer the loss is the same and nothing is written.
        expect(k.loss_forward_backward(kind, N, D, pp, pt, 0, 1)).toBe(loss);
      });

  it('probabilities of exactly 0 and 1: finite loss, no gradient through the clip', () => {
    const { k, arena } = loadKernels(build);
    // BCE: each of p = 0, 1 against t = 0, 1; the wrong ones cost -log(1e-7) each.
    const p = [0, 0, 1, 1], t = [0, 1, 0, 1];
    const pg = arena.alloc(4);
    const loss = k.loss_forward_backward(BCE, 1, 4, arena.put(p), arena.put(t), pg, 1);
    expect(loss).toBeCloseTo((-Math.log(EPS) * 2 - Math.log(1 - EPS) * 2) / 4, 6);
    expect(Array.from(arena.read(pg, 4))).toEqual([0, 0, 0, 0]);
    // CCE and sparse CCE on one-hot predictions, right and wrong.
    const pc = [0, 1, 0, 1, 0, 0], tc = [0, 1, 0, 0, 0, 1];
    const g2 = arena.alloc(6);
    const lc = k.loss_forward_backward(CCE, 2, 3, arena.put(pc), arena.put(tc), g2, 1);
    expect(lc).toBeCloseTo(-Math.log(1 - EPS) - Math.log(EPS), 6);
    expect(arena.read(g2, 6).every(Number.isFinite)).toBe(true);
    const ls = k.loss_forward_backward(SPARSE_CCE, 2, 3, arena.put(pc), arena.put([1, 2]), g2, 1);
    expect(ls).toBeCloseTo(lc, 12);
    expect(arena.read(g2, 6).every(Number.isFinite)).toBe(true);
    // A row of zeros (a dead output) is bounded by the clip too.
    const lz = k.loss_forward_backward(CCE, 1, 3, arena.put([0, 0, 0]), arena.put([0, 0, 1]), g2, 1);
    expect(lz).toBeCloseTo(-Math.log(EPS), 6);
    expect(arena.read(g2, 3).every(Number.isFinite)).toBe(true);
  });

  it('logits of ±1e4: finite, exact losses and gradients', () => {
    const { k, arena } = loadKernels(build);
    const pg = arena.alloc(8);
    // BCE from logits: log(1 + e^-|z|) vanishes, the loss is max(z, 0) - z·t per entry.
    const z = [1e4, -1e4, 1e4, -1e4], t = [1, 0, 0, 1];
    expect(k.loss_forward_backward(BCE_LOGITS, 1, 4, arena.put(z), arena.put(t), pg, 1)).toBeCloseTo((0 + 0 + 1e4 + 1e4) / 4, 6);
    expect(Array.from(arena.read(pg, 4))).toEqual([0, 0, 0.25, -0.25]);
    // CCE from logits: the loss is z_max - z_target.
    const zc = [1e4, -1e4, 0, -1e4, 1e4, 1e4];
    const lc = k.loss_forward_backward(CCE_LOGITS, 2, 3, arena.put(zc), arena.put([0, 1, 0, 1, 0, 0]), pg, 1);
    expect(lc).toBeCloseTo(2e4 + 2e4 + Math.LN2, 6);
    const g = arena.read(pg, 6);
    expect(Array.from(g)).toEqual([1, -1, 0, -1, 0.5, 0.5]);
    const ls = k.loss_forward_backward(SPARSE_CCE_LOGITS, 2, 3, arena.put(zc), arena.put([1, 0]), pg, 1);
    expect(ls).toBeCloseTo(lc, 12);
    expect(Array.from(arena.read(pg, 6))).toEqual([1, -1, 0, -1, 0.5, 0.5]);
  });

  it('sparse kinds: an id outside [0, D) gives NaN and no gradient, never a stray read', () => {
    const { k, arena } = loadKernels(build);
    const pg = arena.put([9, 9, 9, 9, 9, 9]);
    const l = k.loss_forward_backward(SPARSE_CCE_LOGITS, 2, 3, arena.put([1, 2, 3, 1, 2, 3]), arena.put([1, 3]), pg, 1);
    expect(l).toBeNaN();
    expect(Array.from(arena.read(pg, 6)).slice(3)).toEqual([0, 0, 0]);
  });

  it('rows mixing probabilities 0, 1 and 0.5: finite, and as the reference, for every probability kind', () => {
    const { k, arena } = loadKernels(build);
    for (const kind of [BCE, CCE, SPARSE_CCE]) {
      const D = 5, N = 4;
      const p = Array.from({ length: N * D }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 0.5));
      const t = isSparse(kind) ? [0, 1, 2, 3] : Array.from({ length: N * D }, (_, i) => (i % 2));
      const pg = arena.alloc(N * D);
      const l = k.loss_forward_backward(kind, N, D, arena.put(p), arena.put(t), pg, 1 / N);
      expect(Number.isFinite(l)).toBe(true);
      expect(relErr(l, lossRef(kind, N, D, p, t).loss)).toBeLessThan(LOSS_REL);
      expect(arena.read(pg, N * D).every(Number.isFinite)).toBe(true);
    }
  });
});

describe.each(BUILDS)('metrics (%s build)', (build) => {
  for (const [N, D] of SHAPES)
    it(`all kinds N=${N} D=${D}`, () => {
      const { k, arena } = loadKernels(build);
      const r = rng(N * 13 + D);
      const yPred = f32(Array.from({ length: N * D }, () => r() * 2 - 1));
      const real = f32(Array.from({ length: N * D }, () => r() * 2 - 1));
      const binary = Array.from({ length: N * D }, () => (r() < 0.5 ? 0 : 1));
      const onehot = new Float64Array(N * D), ids = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        // half the rows agree with the prediction's argmax
        let c = Math.floor(r() * D);
        if (r() < 0.5) { c = 0; for (let j = 1; j < D; j++) if (yPred[i * D + j] > yPred[i * D + c]) c = j; }
        ids[i] = c; onehot[i * D + c] = 1;
      }
      const pp = arena.put(yPred);
      expect(relErr(k.metric_sum(M_MAE, N, D, pp, arena.put(real), 0), metricRef(M_MAE, N, D, yPred, real, false))).toBeLessThan(1e-6);
      expect(relErr(k.metric_sum(M_MSE, N, D, pp, arena.put(real), 0), metricRef(M_MSE, N, D, yPred, real, false))).toBeLessThan(1e-6);
      for (const logits of [0, 1])
        expect(k.metric_sum(M_BINARY_ACC, N, D, pp, arena.put(binary), logits)).toBeCloseTo(metricRef(M_BINARY_ACC, N, D, yPred, binary, logits === 1), 12);
      expect(k.metric_sum(M_CATEGORICAL_ACC, N, D, pp, arena.put(onehot), 0)).toBe(metricRef(M_CATEGORICAL_ACC, N, D, yPred, onehot, false));
      expect(k.metric_sum(M_SPARSE_ACC, N, D, pp, arena.put(ids), 0)).toBe(metricRef(M_SPARSE_ACC, N, D, yPred, ids, false));
    });

  it('hand-checked: threshold, ties go to the first index', () => {
    const { k, arena } = loadKernels(build);
    // 0.5 is not above the threshold; at 0 logits the same.
    expect(k.metric_sum(M_BINARY_ACC, 1, 4, arena.put([0.5, 0.51, 0, -0.1]), arena.put([0, 1, 0, 0]), 0)).toBe(1);
    expect(k.metric_sum(M_BINARY_ACC, 1, 4, arena.put([0.5, 0.51, 0, -0.1]), arena.put([1, 1, 0, 0]), 1)).toBe(1);
    expect(k.metric_sum(M_CATEGORICAL_ACC, 2, 3, arena.put([0.3, 0.3, 0.3, 0, 1, 1]), arena.put([1, 0, 0, 0, 0, 1]), 0)).toBe(1);
    expect(k.metric_sum(M_SPARSE_ACC, 2, 3, arena.put([0.3, 0.3, 0.3, 0, 1, 1]), arena.put([0, 1]), 0)).toBe(2);
  });
});
