// assembly/int8.ts against a float64 reference of the quantized arithmetic (test/reference/int8.ts):
// quantization per row and per column, the int8 GEMM/GEMV (exact integer sums, the f32 epilogue to
// the bit) on odd shapes across the tile edges and the M blocking, nothing written outside C, and
// the same bits from both builds. The quantized Dense is exact; the quantized LSTM runs its gates
// with the SIMD approximations (1e-6 of the exact functions), so it is compared with a tolerance.
import { describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng, type Build } from './util/kernels.js';
import { dequant, denseQ8, intGemm, lstmQ8, nearest, quantizeCols, quantizeRows } from './reference/int8.js';

function i16View(k: { memory: WebAssembly.Memory }, ptr: number, n: number): Int16Array {
  return new Int16Array(k.memory.buffer, ptr, n);
}

function randInts(n: number, r: () => number, lo = -127, hi = 127): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor(r() * (hi - lo + 1));
  return a;
}

describe('reference rounding', () => {
  it('nearest rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6].map(nearest)).toEqual([0, 2, 2, -0, -2, 2, -3]);
  });
});

const results = new Map<string, Float32Array>();

describe.each(BUILDS)('int8 kernels (%s build)', (build: Build) => {
  it('quantize_rows_i8: scales and values to the bit, zero rows, padding zeroed, row strides', () => {
    const { k, arena } = loadKernels(build);
    for (const [M, K] of [[1, 1], [3, 3], [5, 7], [2, 8], [4, 9], [7, 13], [3, 33], [2, 130]]) {
      const r = rng(M * 100 + K);
      const x = randArray(M * K, r, 3);
      for (let i = 0; i < K; i++) x[i] = 0; // row 0 is all zero
      if (M > 2) x[2 * K] = 127 / 2; // ties: 0.5 steps land exactly on halves
      const ldx = K + 3, ldq = k.i8_row_stride(K);
      expect(ldq % 8).toBe(0);
      const xs = new Float64Array(M * ldx).fill(NaN);
      for (let m = 0; m < M; m++) for (let j = 0; j < K; j++) xs[m * ldx + j] = x[m * K + j];
      const px = arena.put(xs), pq = arena.alloc(Math.ceil((M * ldq) / 2) + 4), ps = arena.alloc(M);
      i16View(k, pq, M * ldq + 8).fill(999);
      k.quantize_rows_i8(M, K, px, ldx, pq, ldq, ps);
      const ref = quantizeRows(M, K, x);
      const q = i16View(k, pq, M * ldq + 8);
      for (let m = 0; m < M; m++) {
        for (let j = 0; j < K; j++) expect(q[m * ldq + j]).toBe(ref.q[m * K + j]);
        for (let j = K; j < ldq; j++) expect(q[m * ldq + j]).toBe(0);
      }
      for (let j = M * ldq; j < M * ldq + 8; j++) expect(q[j]).toBe(999);
      expect(Array.from(arena.read(ps, M))).toEqual(Array.from(ref.scale));
      expect(arena.read(ps, 1)[0]).toBe(0);
      results.set(`rows ${M} ${K} ${build}`, new Float32Array(new Int16Array(q).buffer.slice(0)));
    }
  });

  it('quantize_cols_i8: per-column scales and values, in place and not', () => {
    const { k, arena } = loadKernels(build);
    for (const [K, N] of [[1, 1], [3, 5], [7, 9], [33, 17], [64, 128]]) {
      const r = rng(K * 7 + N);
      const w = randArray(K * N, r, 0.5);
      for (let kk = 0; kk < K; kk++) w[kk * N] = 0; // column 0 all zero
      const ref = quantizeCols(K, N, w);
      const pw = arena.put(w), pq = arena.alloc(K * N), ps = arena.alloc(N);
      k.quantize_cols_i8(K, N, pw, pq, ps);
      expect(Array.from(arena.read(pq, K * N))).toEqual(Array.from(ref.q));
      expect(Array.from(arena.read(ps, N))).toEqual(Array.from(ref.scale));
      k.quantize_cols_i8(K, N, pw, pw, ps);
      expect(Array.from(arena.read(pw, K * N))).toEqual(Array.from(ref.q));
    }
  });

  function gemmCase(build: Build, M: number, N: number, K: number, opts: { bias: boolean; accumulate: boolean; unit?: boolean; padC?: number; gemv?: boolean }): Float32Array {
    const { k, arena } = loadKernels(build);
    const r = rng(M * 10007 + N * 101 + K + (opts.bias ? 1 : 0) + (opts.accumulate ? 2 : 0));
    const A = randInts(M * K, r), Bm = randInts(K * N, r);
    const sa = Float64Array.from({ length: M }, () => (opts.unit ? 1 : Math.fround(r() * 0.02 + 1e-4)));
    const sb = Float64Array.from({ length: N }, () => (opts.unit ? 1 : Math.fround(r() * 0.02 + 1e-4)));
    const bias = opts.bias ? randArray(N, r) : null;
    const C0 = randArray(M * N, r);
    const lda = k.i8_row_stride(K), ldc = N + (opts.padC ?? 0);
    const pa = arena.alloc(Math.ceil((M * lda) / 2));
    const a16 = i16View(k, pa, M * lda);
    a16.fill(0);
    for (let m = 0; m < M; m++) for (let j = 0; j < K; j++) a16[m * lda + j] = A[m * K + j];
    const pq = arena.put(Bm), pbp = arena.alloc(k.i8_packed_size(K, N));
    k.i8_pack_b(K, N, pq, N, pbp);
    const psa = arena.put(sa), psb = arena.put(sb), pbias = bias ? arena.put(bias) : 0;
    const SENT = 4242;
    const cLen = M * ldc + 16;
    const pc = arena.alloc(cLen);
    const init = new Float64Array(cLen).fill(SENT);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) init[m * ldc + n] = opts.accumulate ? C0[m * N + n] : NaN;
    arena.write(pc, init);
    if (opts.gemv) k.gemv_i8(N, K, pa, psa, pbp, psb, pbias, pc, opts.accumulate ? 1 : 0);
    else k.gemm_i8(M, N, K, pa, lda, psa, pbp, psb, pbias, pc, ldc, opts.accumulate ? 1 : 0);
    const acc = intGemm(M, N, K, A, Bm);
    const ref = opts.unit && !opts.bias && !opts.accumulate ? acc : dequant(M, N, acc, sa, sb, bias, opts.accumulate ? C0 : null);
    const got = arena.read(pc, cLen);
    const mine = new Float64Array(M * N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) mine[m * N + n] = got[m * ldc + n];
    expect(Array.from(mine)).toEqual(Array.from(ref));
    for (let i = 0; i < cLen; i++) if (i >= M * ldc || i % ldc >= N) expect(got[i]).toBe(SENT);
    return got;
  }

  it('gemm_i8: exact integer sums (unit scales), M = 1..9, N = 1..33, K = 1..9 and larger', () => {
    for (let M = 1; M <= 9; M++)
      for (const N of [1, 3, 5, 8, 9, 16, 17, 33])
        for (const K of [1, 2, 3, 4, 5, 7, 8, 9, 31, 130]) gemmCase(build, M, N, K, { bias: false, accumulate: false, unit: true });
  });

  it('gemm_i8: the dequantize, bias and accumulate epilogue to the bit, row strides, M across the blocks', () => {
    for (const [M, N, K] of [[1, 1, 1], [3, 7, 5], [4, 8, 16], [13, 17, 9], [67, 33, 65], [130, 20, 3], [32, 128, 64], [5, 512, 129]])
      for (const bias of [false, true])
        for (const accumulate of [false, true]) {
          const got = gemmCase(build, M, N, K, { bias, accumulate, padC: 3 });
          results.set(`gemm ${M} ${N} ${K} ${bias} ${accumulate} ${build}`, got);
        }
  });

  it('gemv_i8 is the one-row product', () => {
    for (const [N, K] of [[1, 1], [9, 7], [33, 64], [512, 129]]) gemmCase(build, 1, N, K, { bias: true, accumulate: true, gemv: true });
  });

  it('dense_q8_forward (linear) equals the reference to the bit; relu and packed reuse', () => {
    const { k, arena } = loadKernels(build);
    for (const [M, N, K] of [[1, 1, 1], [5, 3, 7], [32, 1, 32], [9, 17, 13], [64, 128, 64]]) {
      const r = rng(M + N * 3 + K * 11);
      const x = randArray(M * K, r), W = randArray(K * N, r, 0.3), b = randArray(N, r, 0.1);
      const wq = quantizeCols(K, N, W);
      const pw = arena.put(wq.q), psw = arena.put(wq.scale), pb = arena.put(b), px = arena.put(x), py = arena.alloc(M * N);
      const scratch = arena.alloc(k.dense_q8_scratch_size(M, N, K));
      k.dense_q8_forward(M, N, K, 0, 0, px, pw, psw, pb, py, scratch);
      const ref = denseQ8(M, N, K, x, W, b);
      expect(Array.from(arena.read(py, M * N))).toEqual(Array.from(ref));
      k.dense_q8_forward(M, N, K, 1, 8, px, pw, psw, pb, py, scratch); // relu, weights already packed
      expect(Array.from(arena.read(py, M * N))).toEqual(Array.from(ref, (v) => (v > 0 ? v : 0)));
      results.set(`dense ${M} ${N} ${K} ${build}`, arena.read(py, M * N));
    }
  });

  it('lstm_q8_forward matches the float64 reference of the quantized LSTM', () => {
    const { k, arena } = loadKernels(build);
    for (const [B, T, I, H] of [[1, 1, 1, 1], [2, 3, 5, 3], [3, 7, 1, 8], [4, 5, 6, 13], [32, 10, 1, 32], [5, 4, 64, 36]]) {
      const r = rng(B * 1000 + T * 100 + I * 10 + H);
      const G = 4 * H;
      const x = randArray(B * T * I, r), W = randArray(I * G, r, 0.5), U = randArray(H * G, r, 0.4), bias = randArray(G, r, 0.2);
      const wq = quantizeCols(I, G, W), uq = quantizeCols(H, G, U);
      const px = arena.put(x), pw = arena.put(wq.q), psw = arena.put(wq.scale), pu = arena.put(uq.q), psu = arena.put(uq.scale), pb = arena.put(bias);
      const gates = arena.alloc(B * T * G), cseq = arena.alloc(B * T * H), hseq = arena.alloc(B * T * H), hT = arena.alloc(B * H), cT = arena.alloc(B * H);
      const scratch = arena.alloc(k.lstm_q8_scratch_size(B, T, I, H, 0));
      k.lstm_q8_forward(B, T, I, H, 0, 3, 2, px, pw, psw, pu, psu, pb, 0, 0, 0, 0, gates, cseq, hseq, hT, cT, scratch);
      const ref = lstmQ8(B, T, I, H, x, W, U, bias);
      // A value within 1e-6 of the reference may still fall on the other side of a rounding
      // boundary when h is quantized; that moves one product by a step of its scale at most.
      expect(maxAbsDiff(arena.read(hseq, B * T * H), ref.hseq)).toBeLessThan(2e-3);
      expect(maxAbsDiff(arena.read(cT, B * H), ref.cT)).toBeLessThan(4e-3);
      const first = arena.read(hseq, B * T * H);
      // packed reuse gives the same bits
      k.lstm_q8_forward(B, T, I, H, 8, 3, 2, px, pw, psw, pu, psu, pb, 0, 0, 0, 0, gates, cseq, hseq, hT, cT, scratch);
      expect(Array.from(arena.read(hseq, B * T * H))).toEqual(Array.from(first));
    }
  });
});

// The quantized LSTM is left out: its gate pass is lstm.ts's f32 one, which fuses multiply-adds in
// the relaxed build (as the float LSTM does); everything int8 is the same in both.
describe('int8 kernels: both builds give the same bits', () => {
  it('every quantization, GEMM and Dense result of the simd build equals the relaxed build', () => {
    const keys = [...results.keys()].filter((key) => key.endsWith(' simd'));
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      const other = results.get(key.replace(/ simd$/, ' relaxed'));
      expect(other, key).toBeDefined();
      expect(Array.from(new Uint32Array(other!.buffer)), key).toEqual(Array.from(new Uint32Array(results.get(key)!.buffer)));
    }
  });
});
