// The float64 merge and shape references (test/reference/shape.ts) against central finite
// differences of L = Σ w ⊙ forward(inputs), w random: every input's gradient, for the binary ops,
// the n-ary merges (2 to 4 inputs, left folds), Concatenate along every axis, RepeatVector, Permute
// (every permutation of rank 1 to 3) and Reshape. Maximum and minimum are checked away from ties
// (every pair of inputs at least 0.1 apart, h = 1e-5), and their tie rule by hand.
// All of these are linear or multilinear in each input, so central differences are exact but for
// rounding (~1e-11 here): 1e-7 still catches any wrong formula, which is off by O(1).
import { afterAll, describe, expect, it } from 'vitest';
import { rng, randArray } from './util/kernels.js';
import { numericGrad, maxRelDiff } from './reference/activations.js';
import {
  binaryForward, binaryBackward, mergeForward, mergeBackward, concatForward, concatBackward, concatShape,
  repeatForward, repeatBackward, permuteForward, permuteBackward, permuteShape, invertPermutation,
  reshapeForward, reshapeBackward, BINARY_NAMES, MERGE_NAMES, MAXIMUM, MINIMUM, type MergeName,
} from './reference/shape.js';

const FD_TOL = 1e-7;
let worst = 0;
afterAll(() => console.log(`shape references vs finite differences: largest relative difference ${worst.toExponential(2)}`));

const dot = (w: ArrayLike<number>, y: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
};

/** Checks every analytic gradient against finite differences of L with respect to its input. */
function check(L: () => number, inputs: Float64Array[], grads: Float64Array[]): void {
  expect(grads.length).toBe(inputs.length);
  let e = 0;
  inputs.forEach((x, i) => { e = Math.max(e, maxRelDiff(grads[i], numericGrad(L, x))); });
  worst = Math.max(worst, e);
  expect(e).toBeLessThan(FD_TOL);
}

/** k inputs of n values; with `apart`, the k values at each position are at least 0.1 apart (no ties). */
function inputs(k: number, n: number, r: () => number, apart: boolean): Float64Array[] {
  if (!apart) return Array.from({ length: k }, () => randArray(n, r));
  const xs = Array.from({ length: k }, () => new Float64Array(n));
  for (let j = 0; j < n; j++) {
    const order = Array.from({ length: k }, (_, i) => i);
    for (let i = k - 1; i > 0; i--) { const s = Math.floor(r() * (i + 1)); [order[i], order[s]] = [order[s], order[i]]; }
    // rank i lies in [0.5 i, 0.5 i + 0.4]: neighbours at least 0.1 apart
    order.forEach((rank, i) => (xs[i][j] = 0.5 * rank + 0.4 * r() - 0.5 * k / 2));
  }
  return xs;
}

describe('binary ops', () => {
  for (let op = 0; op < 5; op++)
    for (const n of [1, 3, 7])
      it(`${BINARY_NAMES[op]} n=${n}`, () => {
        const r = rng(10 * op + n);
        const [a, b] = inputs(2, n, r, op === MAXIMUM || op === MINIMUM);
        const w = randArray(n, r);
        const { da, db } = binaryBackward(op, a, b, w);
        check(() => dot(w, binaryForward(op, a, b)), [a, b], [da, db]);
      });

  it('maximum and minimum: ties go to the first input (TensorFlow), NaN compares false', () => {
    const a = [1, 2, 3, -0, NaN], b = [1, 1, 4, 0, 2], dy = [10, 20, 30, 40, 50];
    const mx = binaryBackward(MAXIMUM, a, b, dy), mn = binaryBackward(MINIMUM, a, b, dy);
    expect(Array.from(mx.da)).toEqual([10, 20, 0, 40, 0]);
    expect(Array.from(mx.db)).toEqual([0, 0, 30, 0, 50]);
    expect(Array.from(mn.da)).toEqual([10, 0, 30, 40, 0]);
    expect(Array.from(mn.db)).toEqual([0, 20, 0, 0, 50]);
    // ±0 and NaN as Math.max/min (and WebAssembly's f32.max/min)
    expect(Array.from(binaryForward(MAXIMUM, a, b))).toEqual([1, 2, 4, 0, NaN]);
    expect(Array.from(binaryForward(MINIMUM, a, b))).toEqual([1, 1, 3, -0, NaN]);
  });
});

describe('merge layers (left folds over 2 to 4 inputs)', () => {
  for (const name of MERGE_NAMES)
    for (const k of [2, 3, 4])
      it(`${name} of ${k}`, () => {
        const n = 5;
        const r = rng(MERGE_NAMES.indexOf(name) * 10 + k);
        const xs = inputs(k, n, r, name === 'maximum' || name === 'minimum');
        const w = randArray(n, r);
        check(() => dot(w, mergeForward(name, xs)), xs, mergeBackward(name, xs, w));
      });

  it('hand-checked values, and ties across a fold go to the earliest input', () => {
    const x = [[1, 5], [3, 5], [2, 5]];
    expect(Array.from(mergeForward('add', x))).toEqual([6, 15]);
    expect(Array.from(mergeForward('subtract', x.slice(0, 2)))).toEqual([-2, 0]);
    expect(Array.from(mergeForward('multiply', x))).toEqual([6, 125]);
    expect(mergeForward('average', x)[0]).toBeCloseTo(2, 15);
    expect(Array.from(mergeForward('maximum', x))).toEqual([3, 5]);
    expect(Array.from(mergeForward('minimum', x))).toEqual([1, 5]);
    const tie = (name: MergeName) => mergeBackward(name, x, [1, 1]).map((g) => Array.from(g));
    expect(tie('maximum')).toEqual([[0, 1], [1, 0], [0, 0]]);
    expect(tie('minimum')).toEqual([[1, 1], [0, 0], [0, 0]]);
  });
});

describe('Concatenate', () => {
  const CASES: [number, number[][]][] = [
    [2, [[3], [1], [4]]],
    [1, [[2, 3], [2, 1]]],
    [3, [[1, 4, 2], [3, 4, 2]]],
  ];
  for (const [B, base] of CASES)
    for (let axis = 0; axis < base[0].length; axis++)
      it(`B=${B} sample rank ${base[0].length}, axis ${axis}, ${base.length} inputs`, () => {
        // input k: the base shape, with axis size base[k][0] + k (so the sizes differ along it)
        const shapes = base.map((s, k) => s.map((d, i) => (i === axis ? base[k][0] + k : base[0][i])));
        const r = rng(B * 100 + axis * 10 + base.length);
        const xs = shapes.map((s) => randArray(B * s.reduce((p, d) => p * d, 1), r));
        const out = concatForward(B, shapes, axis, xs);
        expect(out.every((v) => !Number.isNaN(v))).toBe(true); // every output written
        expect(out.length).toBe(B * concatShape(shapes, axis).reduce((p, d) => p * d, 1));
        const w = randArray(out.length, r);
        check(() => dot(w, concatForward(B, shapes, axis, xs)), xs, concatBackward(B, shapes, axis, w));
      });

  it('hand-checked: [[1, 2], [3, 4]] and [[5], [6]] along the last axis', () => {
    expect(Array.from(concatForward(2, [[2], [1]], 0, [[1, 2, 3, 4], [5, 6]]))).toEqual([1, 2, 5, 3, 4, 6]);
    expect(Array.from(concatForward(1, [[1, 2], [1, 2]], 0, [[1, 2], [3, 4]]))).toEqual([1, 2, 3, 4]);
    expect(Array.from(concatForward(1, [[2, 1], [2, 1]], 1, [[1, 2], [3, 4]]))).toEqual([1, 3, 2, 4]);
  });
});

describe('RepeatVector', () => {
  for (const [B, n, F] of [[2, 3, 4], [1, 1, 1], [3, 5, 2]])
    it(`B=${B} n=${n} F=${F}`, () => {
      const r = rng(B * 100 + n * 10 + F);
      const x = randArray(B * F, r), w = randArray(B * n * F, r);
      check(() => dot(w, repeatForward(B, n, F, x)), [x], [repeatBackward(B, n, F, w)]);
    });

  it('hand-checked', () => {
    expect(Array.from(repeatForward(1, 3, 2, [1, 2]))).toEqual([1, 2, 1, 2, 1, 2]);
    expect(Array.from(repeatBackward(1, 3, 2, [1, 2, 3, 4, 5, 6]))).toEqual([9, 12]);
    expect(Array.from(repeatBackward(2, 0, 2, []))).toEqual([0, 0, 0, 0]);
  });
});

describe('Permute', () => {
  const PERMS: number[][] = [[0], [0, 1], [1, 0], [0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const DIMS: Record<number, number[]> = { 1: [5], 2: [3, 4], 3: [2, 3, 4] };
  for (const perm of PERMS)
    it(`(${perm.join(', ')}) of ${DIMS[perm.length].join('×')}, B=2`, () => {
      const dims = DIMS[perm.length], B = 2;
      const r = rng(perm.reduce((s, p) => s * 3 + p, 1));
      const x = randArray(B * dims.reduce((p, d) => p * d, 1), r), w = randArray(x.length, r);
      check(() => dot(w, permuteForward(B, dims, perm, x)), [x], [permuteBackward(B, dims, perm, w)]);
      // The backward pass is the forward with the inverse permutation, on the output's dims.
      expect(permuteForward(B, permuteShape(dims, perm), invertPermutation(perm), w)).toEqual(permuteBackward(B, dims, perm, w));
    });

  it('hand-checked: a 2×3 transposed, and (2, 0, 1) of 1×2×3', () => {
    expect(Array.from(permuteForward(1, [2, 3], [1, 0], [1, 2, 3, 4, 5, 6]))).toEqual([1, 4, 2, 5, 3, 6]);
    // out[k, i, j] = x[i, j, k]: out dims [3, 1, 2]
    expect(Array.from(permuteForward(1, [1, 2, 3], [2, 0, 1], [1, 2, 3, 4, 5, 6]))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(permuteShape([2, 3, 4], [2, 0, 1])).toEqual([4, 2, 3]);
    expect(() => permuteShape([2, 3], [1, 1])).toThrow();
  });
});

describe('Reshape, Flatten', () => {
  it('the identity on data, forward and backward', () => {
    const r = rng(3);
    const x = randArray(12, r), w = randArray(12, r);
    check(() => dot(w, reshapeForward(x)), [x], [reshapeBackward(w)]);
  });
});
