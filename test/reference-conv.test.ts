// The float64 Conv1D, pooling and LayerNormalization references (test/reference/conv.ts, norm.ts)
// against central finite differences of L = Σ w ⊙ forward(inputs), w random: every gradient (dx, dW,
// db; dgamma, dbeta), for every padding, strides 1–3, dilations 1–3, kernel sizes 1–5, odd T.
// Conv1D with a linear activation is bilinear, so central differences are exact but for rounding;
// tanh, max pooling (inputs kept apart, no ties) and LayerNormalization are smooth where checked:
// with h = 1e-5 the error is O(h²) ≈ 1e-10. 1e-6 still catches any wrong formula.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, randArray } from './util/kernels.js';
import { numericGrad, maxRelDiff } from './reference/activations.js';
import {
  convGeometry, conv1dForward, conv1dBackward, poolGeometry, poolForward, poolBackward, globalPoolForward, globalPoolBackward,
  type Act, type Padding,
} from './reference/conv.js';
import { layerNormForward, layerNormBackward } from './reference/norm.js';

const FD_TOL = 1e-6;
let worst = 0;
afterAll(() => console.log(`conv/pool/norm references vs finite differences: largest relative difference ${worst.toExponential(2)}`));

const dot = (w: ArrayLike<number>, y: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
};

function check(L: () => number, inputs: Float64Array[], grads: Float64Array[]): void {
  let e = 0;
  inputs.forEach((x, i) => { e = Math.max(e, maxRelDiff(grads[i], numericGrad(L, x))); });
  worst = Math.max(worst, e);
  expect(e).toBeLessThan(FD_TOL);
}

/** n values no two of which are closer than 0.01 (max pooling away from ties). */
function distinct(n: number, r: () => number): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const s = Math.floor(r() * (i + 1)); [order[i], order[s]] = [order[s], order[i]]; }
  return Float64Array.from(order, (o) => (o - n / 2) * 0.05);
}

describe('conv1d reference', () => {
  const cases: { padding: Padding; K: number; stride: number; dilation: number; T: number; act: Act }[] = [];
  for (const padding of ['valid', 'same', 'causal'] as Padding[])
    for (const [K, stride, dilation] of [[1, 1, 1], [2, 1, 2], [3, 2, 1], [4, 3, 1], [5, 1, 3], [3, 1, 2], [2, 3, 1]])
      cases.push({ padding, K, stride, dilation, T: 13, act: K === 3 ? 'tanh' : 'linear' });
  for (const c of cases)
    it(`${c.padding} K=${c.K} stride=${c.stride} dilation=${c.dilation} T=${c.T} ${c.act}`, () => {
      const r = rng(c.K * 100 + c.stride * 10 + c.dilation + c.padding.length);
      const B = 2, C = 3, F = 5;
      const { To, padL } = convGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
      expect(To).toBeGreaterThan(0);
      const g = { B, T: c.T, C, F, K: c.K, stride: c.stride, dilation: c.dilation, padL, To };
      const x = randArray(B * c.T * C, r), W = randArray(c.K * C * F, r), bias = randArray(F, r);
      const w = randArray(B * To * F, r);
      const y = conv1dForward(g, x, W, bias, c.act);
      const { dx, dW, db } = conv1dBackward(g, x, W, y, w, c.act);
      check(() => dot(w, conv1dForward(g, x, W, bias, c.act)), [x, W, bias], [dx, dW, db]);
    });

  it('geometry as TensorFlow: same pads ⌊total/2⌋ before, causal (K−1)·d before, valid none', () => {
    expect(convGeometry(10, 3, 1, 1, 'valid')).toEqual({ To: 8, padL: 0 });
    expect(convGeometry(10, 4, 1, 1, 'same')).toEqual({ To: 10, padL: 1 }); // total 3: 1 before, 2 after
    expect(convGeometry(10, 3, 3, 1, 'same')).toEqual({ To: 4, padL: 1 }); // total (4-1)·3+3-10 = 2
    expect(convGeometry(10, 3, 1, 2, 'causal')).toEqual({ To: 10, padL: 4 });
    expect(convGeometry(10, 3, 2, 1, 'causal')).toEqual({ To: 5, padL: 2 });
    expect(convGeometry(4, 3, 1, 2, 'valid').To).toBe(0);
  });
});

describe('pooling references', () => {
  for (const kind of ['max', 'avg'] as const)
    for (const padding of ['valid', 'same'] as const)
      for (const [P, stride] of [[2, 2], [3, 1], [3, 2], [4, 3], [1, 1]])
        it(`${kind} ${padding} pool=${P} stride=${stride}`, () => {
          const r = rng(P * 10 + stride + (kind === 'max' ? 0 : 50) + padding.length);
          const B = 2, T = 9, C = 3;
          const { To, padL } = poolGeometry(T, P, stride, padding);
          const g = { B, T, C, P, stride, padL, To };
          const x = kind === 'max' ? distinct(B * T * C, r) : randArray(B * T * C, r);
          const w = randArray(B * To * C, r);
          check(() => dot(w, poolForward(kind, g, x)), [x], [poolBackward(kind, g, x, w)]);
        });

  for (const kind of ['max', 'avg'] as const)
    for (const masked of [false, true])
      it(`global ${kind}${masked ? ' with a mask' : ''}`, () => {
        const r = rng(kind.length * 7 + (masked ? 1 : 0));
        const B = 3, T = 7, C = 5;
        const x = kind === 'max' ? distinct(B * T * C, r) : randArray(B * T * C, r);
        const mask = masked ? Float64Array.from({ length: B * T }, (_, i) => (i % 3 === 1 || i >= 2 * T ? 0 : 1)) : null;
        const w = randArray(B * C, r);
        check(() => dot(w, globalPoolForward(kind, B, T, C, x, mask)), [x], [globalPoolBackward(kind, B, T, C, x, mask, w)]);
        if (mask && kind === 'avg') {
          // the third row is all masked: 0, and no gradient
          expect(Array.from(globalPoolForward(kind, B, T, C, x, mask).slice(2 * C))).toEqual(new Array(C).fill(0));
        }
      });
});

describe('layer normalization reference', () => {
  for (const [M, D, affine] of [[1, 1, true], [3, 5, true], [4, 9, false], [2, 17, true]] as const)
    it(`M=${M} D=${D}${affine ? '' : ' (no gamma, beta)'}`, () => {
      const r = rng(M * 31 + D);
      const x = randArray(M * D, r, 2), gamma = randArray(D, r), beta = randArray(D, r), w = randArray(M * D, r);
      const eps = 1e-3;
      const g = affine ? gamma : null, b = affine ? beta : null;
      const { dx, dgamma, dbeta } = layerNormBackward(M, D, eps, x, g, w);
      const L = () => dot(w, layerNormForward(M, D, eps, x, g, b));
      if (affine) check(L, [x, gamma, beta], [dx, dgamma, dbeta]);
      else check(L, [x], [dx]);
    });
});
