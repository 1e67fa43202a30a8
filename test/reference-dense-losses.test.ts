// The float64 references themselves, against central finite differences: the kernels are only as
// trustworthy as what they are compared with.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, randArray } from './util/kernels.js';
import { numericGrad, maxRelDiff } from './reference/activations.js';
import { denseForward, denseBackward } from './reference/dense.js';
import { lossRef, metricRef, lossInputs, LOSS_NAMES, BCE, CCE, SPARSE_CCE, BCE_LOGITS, CCE_LOGITS, SPARSE_CCE_LOGITS, M_BINARY_ACC, M_CATEGORICAL_ACC, M_SPARSE_ACC } from './reference/losses.js';

// Finite differences with h = 1e-5 in f64 are good to about 1e-9 on these smooth functions;
// 1e-6 leaves room for curvature without hiding a wrong formula (those are off by O(1)).
const FD_TOL = 1e-6;
const worst = { dense: 0, loss: 0 };
afterAll(() => console.log(`references vs finite differences: largest relative difference dense ${worst.dense.toExponential(2)}, losses ${worst.loss.toExponential(2)}`));

describe('reference dense vs finite differences', () => {
  const ACT_NAMES = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'];
  for (let code = 0; code <= 5; code++)
    for (const [M, N, K] of [[3, 5, 4], [1, 1, 1], [2, 7, 3]] as const)
      it(`${ACT_NAMES[code]} M=${M} N=${N} K=${K}`, () => {
        const r = rng(100 * code + M * 10 + N);
        const x = randArray(M * K, r), W = randArray(K * N, r), b = randArray(N, r, 0.5);
        // L = Σ R ⊙ y, so dL/dy = R.
        const R = randArray(M * N, r);
        const L = () => denseForward(M, N, K, code, x, W, b).y.reduce((s, v, i) => s + v * R[i], 0);
        const { z } = denseForward(M, N, K, code, x, W, b);
        // Stay off the kinks of relu and hardSigmoid, where a finite difference means nothing.
        const kink = code === 1 ? [0] : code === 4 ? [-2.5, 2.5] : [];
        for (const v of z) for (const k0 of kink) expect(Math.abs(v - k0)).toBeGreaterThan(1e-3);
        const g = denseBackward(M, N, K, code, x, W, z, R);
        const e = Math.max(maxRelDiff(g.dx, numericGrad(L, x)), maxRelDiff(g.dW, numericGrad(L, W)), maxRelDiff(g.db, numericGrad(L, b)));
        worst.dense = Math.max(worst.dense, e);
        expect(e).toBeLessThan(FD_TOL);
      });

  it('hardSigmoid saturates to 0 and 1 with zero slope outside [-2.5, 2.5]', () => {
    const x = Float64Array.from([-3, 3, 0]), W = Float64Array.from([1]);
    const { z, y } = denseForward(3, 1, 1, 4, x, W, null);
    expect(Array.from(y)).toEqual([0, 1, 0.5]);
    expect(Array.from(denseBackward(3, 1, 1, 4, x, W, z, [1, 1, 1]).dZ)).toEqual([0, 0, 0.2]);
  });
});

describe('reference losses vs finite differences', () => {
  for (let kind = 0; kind <= 7; kind++)
    for (const [N, D] of [[3, 5], [1, 1], [4, 2]] as const) {
      if ((kind === CCE || kind === SPARSE_CCE) && D === 1) continue; // one class: the loss is constant (q = 1 is clipped)
      it(`${LOSS_NAMES[kind]} N=${N} D=${D}`, () => {
        const r = rng(1000 + kind * 31 + N * 7 + D);
        const { yPred, yTrue } = lossInputs(kind, N, D, r);
        const { grad } = lossRef(kind, N, D, yPred, yTrue);
        const fd = numericGrad(() => lossRef(kind, N, D, yPred, yTrue).loss, yPred);
        const e = maxRelDiff(grad, fd);
        worst.loss = Math.max(worst.loss, e);
        expect(e).toBeLessThan(kind === 1 ? 1e-9 : FD_TOL);
      });
    }

  it('the from-logits kinds equal the probability kinds on sigmoid/softmax outputs (away from the clip)', () => {
    const r = rng(7);
    const N = 3, D = 4;
    const z = randArray(N * D, r, 3);
    const sig = z.map((v) => 1 / (1 + Math.exp(-v)));
    const t = Float64Array.from({ length: N * D }, () => (r() < 0.5 ? 0 : 1));
    expect(lossRef(BCE_LOGITS, N, D, z, t).loss).toBeCloseTo(lossRef(BCE, N, D, sig, t).loss, 12);
    const sm = new Float64Array(N * D);
    for (let i = 0; i < N; i++) {
      const row = Array.from(z.subarray(i * D, (i + 1) * D)).map(Math.exp);
      const s = row.reduce((a, b) => a + b, 0);
      row.forEach((v, j) => (sm[i * D + j] = v / s));
    }
    const ids = Float64Array.from([0, 3, 1]);
    const onehot = new Float64Array(N * D);
    ids.forEach((c, i) => (onehot[i * D + c] = 1));
    expect(lossRef(CCE_LOGITS, N, D, z, onehot).loss).toBeCloseTo(lossRef(CCE, N, D, sm, onehot).loss, 12);
    expect(lossRef(SPARSE_CCE_LOGITS, N, D, z, ids).loss).toBeCloseTo(lossRef(CCE_LOGITS, N, D, z, onehot).loss, 12);
    expect(lossRef(SPARSE_CCE, N, D, sm, ids).loss).toBeCloseTo(lossRef(CCE, N, D, sm, onehot).loss, 12);
  });

  it('hand-checked values', () => {
    // mse of [1, 2] vs [0, 0] is (1 + 4) / 2; bce of p = 0.5 is log 2 whatever the target
    expect(lossRef(0, 1, 2, [1, 2], [0, 0]).loss).toBeCloseTo(2.5, 14);
    expect(lossRef(BCE, 1, 2, [0.5, 0.5], [0, 1]).loss).toBeCloseTo(Math.LN2, 14);
    // cce of uniform probabilities over 4 classes: log 4
    expect(lossRef(CCE, 1, 4, [0.25, 0.25, 0.25, 0.25], [0, 0, 1, 0]).loss).toBeCloseTo(Math.log(4), 14);
    // a clipped probability: -log(1e-7)
    expect(lossRef(BCE, 1, 1, [0], [1]).loss).toBeCloseTo(-Math.log(1e-7), 12);
    expect(metricRef(M_BINARY_ACC, 2, 2, [0.7, 0.2, 0.5, 0.9], [1, 0, 1, 1], false)).toBe(1.5);
    expect(metricRef(M_CATEGORICAL_ACC, 2, 3, [0.1, 0.7, 0.2, 0.5, 0.3, 0.2], [0, 1, 0, 0, 0, 1], false)).toBe(1);
    expect(metricRef(M_SPARSE_ACC, 2, 3, [0.1, 0.7, 0.2, 0.5, 0.3, 0.2], [1, 2], false)).toBe(1);
  });
});
