// assembly/gemm.ts against a float64 reference: every path of the micro-kernels (4-row tiles, the
// 3-, 2- and 1-row edges, partial panels; B packed, or read in place by gemm when M <= 4), K and M
// across the blocking, op(A) = Aᵀ, Bᵀ at pack time, strides, accumulate, and that nothing outside
// C is written or anything outside A and B read.
//
// Tolerance: f32 products summed over K terms of size <= 1; 1e-5·√K + 1e-6 is far above the
// rounding (about 6e-8·√K times the partial sums) and far below any missing or doubled term.
import { describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng } from './util/kernels.js';

const tol = (K: number) => 1e-5 * Math.sqrt(K) + 1e-6;

// Plain float64 C = op(A)·op(B), the reference.
function refGemm(M: number, N: number, K: number, A: Float64Array, transA: boolean, B: Float64Array, transB: boolean): Float64Array {
  const C = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? A[k * M + m] : A[m * K + k]) * (transB ? B[n * K + k] : B[k * N + n]);
      C[m * N + n] = s;
    }
  return C;
}

/** rows × cols values stored with row stride ld; the padding holds `pad` (NaN: any read of it shows). */
function strided(src: Float64Array, rows: number, cols: number, ld: number, pad = NaN): Float64Array {
  const out = new Float64Array(Math.max(rows * ld, 1)).fill(pad);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * ld + c] = src[r * cols + c];
  return out;
}

function unstrided(src: ArrayLike<number>, rows: number, cols: number, ld: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = src[r * ld + c];
  return out;
}

/** How many floats of C's allocation outside the M × N matrix no longer hold the sentinel. */
function outsideWrites(c: ArrayLike<number>, M: number, N: number, ldc: number, sentinel: number): number {
  let bad = 0;
  for (let i = 0; i < c.length; i++) if ((i >= M * ldc || i % ldc >= N) && c[i] !== sentinel) bad++;
  return bad;
}

interface Case {
  M: number; N: number; K: number;
  transA?: boolean; transB?: boolean;
  /** Extra floats per row beyond the minimum. */
  padA?: number; padB?: number; padC?: number;
  seed?: number;
  /** gemm_pack_b then gemm_packed, rather than gemm (which reads B unpacked when M <= 4). */
  packed?: boolean;
}

/**
 * Runs gemm (pack + product) twice, overwrite then accumulate, with NaN in every float of A, B and
 * C's allocations that the call must not read (paddings, and C itself when overwriting), and a
 * sentinel in C's paddings and after C that it must not write.
 */
function runCase(build: (typeof BUILDS)[number], c: Case): void {
  const { M, N, K, transA = false, transB = false, padA = 0, padB = 0, padC = 0, seed = 1, packed = false } = c;
  const { k, arena } = loadKernels(build);
  const r = rng(seed * 7919 + M * 1000003 + N * 1009 + K);
  const A = randArray(M * K, r), B = randArray(K * N, r), C0 = randArray(M * N, r);
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  const lda = aCols + padA, ldb = bCols + padB, ldc = N + padC;
  const SENT = 12345;
  const pa = arena.put(strided(A, aRows, aCols, lda));
  const pb = arena.put(strided(B, bRows, bCols, ldb));
  const cLen = M * ldc + 16;
  const pc = arena.alloc(cLen);
  const scratch = arena.alloc(k.gemm_scratch_size(K, N));
  const ref = refGemm(M, N, K, A, transA, B, transB);
  const product = (accumulate: number) => {
    if (packed) {
      k.gemm_pack_b(pb, ldb, K, N, transB ? 1 : 0, scratch);
      k.gemm_packed(M, N, K, pa, lda, transA ? 1 : 0, scratch, pc, ldc, accumulate);
    } else {
      k.gemm(M, N, K, pa, lda, transA ? 1 : 0, pb, ldb, transB ? 1 : 0, pc, ldc, accumulate, scratch);
    }
  };

  const cNaN = strided(C0.map(() => NaN), M, N, ldc, SENT);
  arena.write(pc, [...cNaN, ...new Array(cLen - cNaN.length).fill(SENT)]);
  product(0);
  let got = arena.read(pc, cLen);
  expect(maxAbsDiff(unstrided(got, M, N, ldc), ref)).toBeLessThan(tol(K));
  expect(outsideWrites(got, M, N, ldc, SENT)).toBe(0);

  const cAcc = strided(C0, M, N, ldc, SENT);
  arena.write(pc, [...cAcc, ...new Array(cLen - cAcc.length).fill(SENT)]);
  product(1);
  got = arena.read(pc, cLen);
  expect(maxAbsDiff(unstrided(got, M, N, ldc), ref.map((v, i) => v + C0[i]))).toBeLessThan(tol(K));
  expect(outsideWrites(got, M, N, ldc, SENT)).toBe(0);
}

describe.each(BUILDS)('gemm (%s build)', (build) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [13, 17, 9], [32, 128, 64], [1, 512, 129], [33, 31, 65]];
  for (const [M, N, K] of shapes)
    for (const transA of [false, true])
      for (const transB of [false, true])
        it(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`, () => {
          const { k, arena } = loadKernels(build);
          const r = rng(M * 1000 + N * 10 + K);
          const A = randArray(M * K, r), B = randArray(K * N, r), C0 = randArray(M * N, r);
          const pa = arena.put(A), pb = arena.put(B), pc = arena.put(C0);
          const scratch = arena.alloc(k.gemm_scratch_size(K, N));
          k.gemm(M, N, K, pa, transA ? M : K, transA ? 1 : 0, pb, transB ? K : N, transB ? 1 : 0, pc, N, 0, scratch);
          const ref = refGemm(M, N, K, A, transA, B, transB);
          expect(maxAbsDiff(arena.read(pc, M * N), ref)).toBeLessThan(1e-5 * Math.sqrt(K) + 1e-6);
          // accumulate: C += A·B
          arena.write(pc, C0);
          k.gemm(M, N, K, pa, transA ? M : K, transA ? 1 : 0, pb, transB ? K : N, transB ? 1 : 0, pc, N, 1, scratch);
          expect(maxAbsDiff(arena.read(pc, M * N), ref.map((v, i) => v + C0[i]))).toBeLessThan(1e-5 * Math.sqrt(K) + 1e-6);
        });

  // Every row count 1..9 (4-row tiles plus each edge), panel counts 1..4 with every partial width,
  // and K around the 4-step unrolling.
  it('tile interior and edges: M = 1..9, N = 1..33, K = 1..9, packed and unpacked B', () => {
    for (const transA of [false, true])
      for (let M = 1; M <= 9; M++)
        for (const N of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 25, 33])
          for (const K of [1, 2, 3, 4, 5, 8, 9]) {
            runCase(build, { M, N, K, transA });
            // M <= 4: gemm reads B unpacked; the packed kernels for these rows are checked here.
            if (M <= 4) runCase(build, { M, N, K, transA, packed: true });
          }
  });

  it('transB at pack time: every K remainder of the 4 × 4 transposes and partial panels', () => {
    for (const transA of [false, true])
      for (const [M, N, K] of [[1, 1, 1], [2, 7, 3], [3, 9, 5], [5, 16, 6], [4, 17, 7], [6, 33, 12], [9, 40, 13]])
        runCase(build, { M, N, K, transA, transB: true });
  });

  it('K across the K blocks of gemm_packed (255 .. 1030), with every row edge', () => {
    for (const transA of [false, true])
      for (const K of [255, 256, 257, 511, 512, 513, 1030])
        for (const M of [1, 2, 3, 6]) runCase(build, { M, N: 19, K, transA, packed: true });
  });

  it('M across the M blocks (up to 263 rows), N across many panels', () => {
    for (const transA of [false, true]) {
      runCase(build, { M: 263, N: 21, K: 17, transA });
      runCase(build, { M: 130, N: 70, K: 33, transA, transB: true });
    }
  });

  it('strides: lda > K (or > M for Aᵀ), ldb > N (or > K for Bᵀ), ldc > N; the paddings are neither read nor written', () => {
    for (const transA of [false, true])
      for (const transB of [false, true])
        for (const [M, N, K] of [[1, 9, 5], [2, 16, 8], [3, 13, 7], [7, 25, 11], [12, 8, 4]])
          for (const packed of [false, true]) runCase(build, { M, N, K, transA, transB, padA: 3, padB: 5, padC: 7, packed });
  });

  it('the shapes of the LSTM time loop and backward pass (pack once, product many times)', () => {
    const { k, arena } = loadKernels(build);
    // h·U with M = batch: B=1 (streaming), 2, 3, 16, 32; K = H = 128; N = 4H.
    const K = 128, N = 512;
    const r = rng(42);
    const U = randArray(K * N, r);
    const pU = arena.put(U);
    const packed = arena.alloc(k.gemm_packed_size(K, N));
    k.gemm_pack_b(pU, N, K, N, 0, packed);
    for (const M of [1, 2, 3, 16, 32]) {
      for (let step = 0; step < 2; step++) {
        const h = randArray(M * K, r), xw = randArray(M * N, r);
        const ph = arena.put(h), pz = arena.put(xw);
        // Z_t = XW_t + h_{t-1}·U: accumulate onto the input projection.
        k.gemm_packed(M, N, K, ph, K, 0, packed, pz, N, 1);
        expect(maxAbsDiff(arena.read(pz, M * N), refGemm(M, N, K, h, false, U, false).map((v, i) => v + xw[i]))).toBeLessThan(tol(K));
      }
    }
    // dW = Xᵀ·dZ: A stored [B·T, I], op(A) = its transpose, K = B·T long.
    runCase(build, { M: 16, N: 64, K: 700, transA: true });
    // dX = dZ·Wᵀ: B = W stored [I, 4H], used transposed.
    runCase(build, { M: 24, N: 20, K: 96, transB: true });
  });

  it('K = 0 gives C = 0 (or leaves C as it is when accumulating); M = 0 or N = 0 writes nothing', () => {
    const { k, arena } = loadKernels(build);
    const pc = arena.put(new Float64Array(12).fill(7));
    const pa = arena.put([1]), pb = arena.put([1]);
    const scratch = arena.alloc(8);
    k.gemm(3, 4, 0, pa, 0, 0, pb, 4, 0, pc, 4, 1, scratch);
    expect(Array.from(arena.read(pc, 12))).toEqual(new Array(12).fill(7));
    k.gemm(3, 4, 0, pa, 0, 0, pb, 4, 0, pc, 4, 0, scratch);
    expect(Array.from(arena.read(pc, 12))).toEqual(new Array(12).fill(0));
    arena.write(pc, new Array(12).fill(7));
    k.gemm(0, 4, 3, pa, 3, 0, pb, 4, 0, pc, 4, 0, scratch);
    k.gemm(3, 0, 3, pa, 3, 0, pb, 0, 0, pc, 4, 0, scratch);
    expect(Array.from(arena.read(pc, 12))).toEqual(new Array(12).fill(7));
  });

  it('gemm_packed_size covers whole 8-column panels', () => {
    const { k } = loadKernels(build);
    expect(k.gemm_packed_size(5, 1)).toBe(40);
    expect(k.gemm_packed_size(5, 8)).toBe(40);
    expect(k.gemm_packed_size(5, 9)).toBe(80);
    expect(k.gemm_scratch_size(128, 512)).toBe(128 * 512);
  });
});
