// dense_forward / dense_backward against the float64 reference (test/reference/dense.ts), every
// activation, odd shapes, both builds.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng } from './util/kernels.js';
import { denseForward, denseBackward } from './reference/dense.js';

const ACT_NAMES = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'];
// [M, N, K]: tiles and tails of the GEMM and of the f32x4 bias/activation pass (N % 4 = 1, 2, 3, 0).
const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [13, 17, 9], [33, 10, 3], [64, 33, 65], [2, 6, 1], [5, 3, 0]];

// f32 GEMM rounding grows like sqrt(K) (as test/gemm.test.ts), plus the activations' own error
// (at most 1e-6 by docs/ARCHITECTURE.md, Numerics) and its effect through f'(y) in the backward pass.
const fwdTol = (K: number) => 1e-5 * Math.sqrt(Math.max(K, 1)) + 2e-6;
const bwdTol = (n: number) => 2e-5 * Math.sqrt(Math.max(n, 1)) + 5e-6;

const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const worst = { y: 0, dW: 0, db: 0, dx: 0 };
afterAll(() => console.log(`dense: largest differences from the f64 reference: y ${worst.y.toExponential(2)}, dW ${worst.dW.toExponential(2)}, db ${worst.db.toExponential(2)}, dx ${worst.dx.toExponential(2)}`));

describe.each(BUILDS)('dense (%s build)', (build) => {
  for (let code = 0; code <= 5; code++)
    for (const [M, N, K] of SHAPES)
      it(`${ACT_NAMES[code]} M=${M} N=${N} K=${K}`, () => {
        const { k, arena } = loadKernels(build);
        const r = rng(code * 7919 + M * 101 + N * 11 + K);
        const x = f32(randArray(M * K, r)), W = f32(randArray(K * N, r, 2 / Math.sqrt(Math.max(K, 1)))), b = f32(randArray(N, r, 0.5));
        const dy = f32(randArray(M * N, r));
        const px = arena.put(x), pW = arena.put(W), pb = arena.put(b), py = arena.alloc(M * N);
        const scratch = arena.alloc(k.dense_scratch_size(M, N, K));
        k.dense_forward(M, N, K, code, px, pW, pb, py, scratch);
        const ref = denseForward(M, N, K, code, x, W, b);
        const y = arena.read(py, M * N);
        const ey = maxAbsDiff(y, ref.y);
        worst.y = Math.max(worst.y, ey);
        expect(ey).toBeLessThan(fwdTol(K));

        const pdy = arena.put(dy), pdW = arena.alloc(K * N), pdb = arena.alloc(N), pdx = arena.alloc(M * K);
        // Garbage in the outputs: they must be overwritten, not accumulated into.
        arena.write(pdW, new Float32Array(K * N).fill(7)); arena.write(pdb, new Float32Array(N).fill(7)); arena.write(pdx, new Float32Array(M * K).fill(7));
        k.dense_backward(M, N, K, code, px, pW, py, pdy, pdW, pdb, pdx, scratch);
        const g = denseBackward(M, N, K, code, x, W, ref.z, dy);
        const eW = maxAbsDiff(arena.read(pdW, K * N), g.dW), eb = maxAbsDiff(arena.read(pdb, N), g.db), ex = maxAbsDiff(arena.read(pdx, M * K), g.dx);
        worst.dW = Math.max(worst.dW, eW); worst.db = Math.max(worst.db, eb); worst.dx = Math.max(worst.dx, ex);
        expect(eW).toBeLessThan(bwdTol(M));
        expect(eb).toBeLessThan(bwdTol(M));
        expect(ex).toBeLessThan(bwdTol(N));
      });

  it('no bias; db and dx absent (0) leave dW unchanged', () => {
    const { k, arena } = loadKernels(build);
    const [M, N, K] = [7, 6, 5];
    const r = rng(42);
    const x = f32(randArray(M * K, r)), W = f32(randArray(K * N, r)), dy = f32(randArray(M * N, r));
    const px = arena.put(x), pW = arena.put(W), py = arena.alloc(M * N), scratch = arena.alloc(k.dense_scratch_size(M, N, K));
    k.dense_forward(M, N, K, 3, px, pW, 0, py, scratch);
    const ref = denseForward(M, N, K, 3, x, W, null);
    expect(maxAbsDiff(arena.read(py, M * N), ref.y)).toBeLessThan(fwdTol(K));
    const pdW = arena.alloc(K * N);
    k.dense_backward(M, N, K, 3, px, pW, py, arena.put(dy), pdW, 0, 0, scratch);
    expect(maxAbsDiff(arena.read(pdW, K * N), denseBackward(M, N, K, 3, x, W, ref.z, dy).dW)).toBeLessThan(bwdTol(M));
  });

  it('linear backward takes dy as the gradient at the logits (the fused-loss path)', () => {
    const { k, arena } = loadKernels(build);
    const [M, N, K] = [5, 3, 4];
    const r = rng(9);
    const x = f32(randArray(M * K, r)), W = f32(randArray(K * N, r)), dz = f32(randArray(M * N, r));
    const px = arena.put(x), pW = arena.put(W), py = arena.alloc(M * N), scratch = arena.alloc(k.dense_scratch_size(M, N, K));
    k.dense_forward(M, N, K, 5, px, pW, 0, py, scratch);
    const pdW = arena.alloc(K * N), pdb = arena.alloc(N), pdx = arena.alloc(M * K);
    k.dense_backward(M, N, K, 0, px, pW, py, arena.put(dz), pdW, pdb, pdx, scratch);
    const g = denseBackward(M, N, K, 0, x, W, new Float64Array(M * N), dz);
    expect(maxAbsDiff(arena.read(pdW, K * N), g.dW)).toBeLessThan(bwdTol(M));
    expect(maxAbsDiff(arena.read(pdb, N), g.db)).toBeLessThan(bwdTol(M));
    expect(maxAbsDiff(arena.read(pdx, M * K), g.dx)).toBeLessThan(bwdTol(N));
  });

  it('M = 0: nothing written forward; dW and db are zero backward', () => {
    const { k, arena } = loadKernels(build);
    const [N, K] = [5, 3];
    const pW = arena.put(new Float32Array(K * N).fill(1)), pdW = arena.put(new Float32Array(K * N).fill(7)), pdb = arena.put(new Float32Array(N).fill(7));
    const scratch = arena.alloc(k.dense_scratch_size(0, N, K));
    const py = arena.put([123]);
    k.dense_forward(0, N, K, 2, arena.alloc(0), pW, 0, py, scratch);
    expect(arena.read(py, 1)[0]).toBe(123);
    k.dense_backward(0, N, K, 2, arena.alloc(0), pW, arena.alloc(0), arena.alloc(0), pdW, pdb, arena.alloc(0), scratch);
    expect(Array.from(arena.read(pdW, K * N))).toEqual(new Array(K * N).fill(0));
    expect(Array.from(arena.read(pdb, N))).toEqual(new Array(N).fill(0));
  });

  it('softmax rows sum to 1 and stay finite for logits of ±1e4', () => {
    const { k, arena } = loadKernels(build);
    const [M, N, K] = [3, 7, 1];
    const x = [1e4, -1e4, 1], W = Float32Array.from({ length: N }, (_, i) => i - 3);
    const py = arena.alloc(M * N);
    k.dense_forward(M, N, K, 5, arena.put(x), arena.put(W), 0, py, arena.alloc(k.dense_scratch_size(M, N, K)));
    const y = arena.read(py, M * N);
    for (let m = 0; m < M; m++) {
      const row = y.subarray(m * N, (m + 1) * N);
      expect(row.every(Number.isFinite)).toBe(true);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
    }
    expect(y[N - 1]).toBeCloseTo(1, 6); // row 0: the largest logit is 3e4
    expect(y[N]).toBeCloseTo(1, 6); // row 1: the largest is at -3·(-1e4)
  });
});
