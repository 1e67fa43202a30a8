// Float64 reference of the int8 arithmetic in assembly/int8.ts: the same quantization (f32 scales,
// round half to even; weights in [-127, 127], activations in [-63, 63]: the relaxed build's 7-bit
// dot), exact integer products and sums, and the epilogue's
// f32 roundings in the same order: ((f32(acc)·sa)·sb + bias) + c. Math.fround after each f32
// operation reproduces it exactly (+, ·, / of f32 values in f64 and then rounding to f32 is the
// correctly rounded f32 result). The LSTM reference runs its gates in f64 on these products.
import { act } from './activations.js';

const f = Math.fround;

/** Round half to even (WebAssembly's nearest). */
export function nearest(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const inv = (mx: number, levels = 127) => (mx > 0 ? f(levels / mx) : 0);
const q8 = (v: number, s: number) => {
  const r = nearest(f(v * s));
  return Number.isNaN(r) ? 0 : Math.min(127, Math.max(-127, r)) + 0;
};

/** Per row of x [M, K]: int values and f32 scales; `levels` 63 for activations (the default), 127 for an Embedding's table. */
export function quantizeRows(M: number, K: number, x: ArrayLike<number>, levels = 63): { q: Int32Array; scale: Float64Array } {
  const q = new Int32Array(M * K), scale = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    let mx = 0;
    for (let k = 0; k < K; k++) mx = Math.max(mx, Math.abs(f(x[m * K + k])));
    scale[m] = f(mx / levels);
    const s = inv(mx, levels);
    for (let k = 0; k < K; k++) q[m * K + k] = q8(f(x[m * K + k]), s);
  }
  return { q, scale };
}

/** Per column of w [K, N]. */
export function quantizeCols(K: number, N: number, w: ArrayLike<number>): { q: Int32Array; scale: Float64Array } {
  const q = new Int32Array(K * N), scale = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let mx = 0;
    for (let k = 0; k < K; k++) mx = Math.max(mx, Math.abs(f(w[k * N + n])));
    scale[n] = f(mx / 127);
    const s = inv(mx);
    for (let k = 0; k < K; k++) q[k * N + n] = q8(f(w[k * N + n]), s);
  }
  return { q, scale };
}

/** Exact integer product of int A [M, K] and int B [K, N]. */
export function intGemm(M: number, N: number, K: number, A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const C = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[m * K + k] * B[k * N + n];
      C[m * N + n] = s;
    }
  return C;
}

/** The epilogue: ((f32(acc)·sa[m])·sb[n] + bias[n]) + c[m, n] in f32; c null = not accumulated. */
export function dequant(M: number, N: number, acc: ArrayLike<number>, sa: ArrayLike<number>, sb: ArrayLike<number>, bias: ArrayLike<number> | null, c: ArrayLike<number> | null): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let v = f(f(f(acc[m * N + n]) * sa[m]) * sb[n]);
      if (bias) v = f(v + f(bias[n]));
      if (c) v = f(v + f(c[m * N + n]));
      out[m * N + n] = v;
    }
  return out;
}

/** Quantized Dense before its activation: dequant(quant(x)·Wq) + bias. */
export function denseQ8(M: number, N: number, K: number, x: ArrayLike<number>, W: ArrayLike<number>, bias: ArrayLike<number> | null): Float64Array {
  const xq = quantizeRows(M, K, x), wq = quantizeCols(K, N, W);
  return dequant(M, N, intGemm(M, N, K, xq.q, wq.q), xq.scale, wq.scale, bias, null);
}

/**
 * The quantized LSTM forward (no peepholes, masks or dropout): XW = dequant(quant(x)·Wq); per step
 * Z = XW_t + dequant(quant(h)·Uq) (f32, as the kernel adds it), then the gates in f64 on Z + b.
 */
export function lstmQ8(B: number, T: number, I: number, H: number, x: ArrayLike<number>, W: ArrayLike<number>, U: ArrayLike<number>, bias: ArrayLike<number> | null, actCode = 3, recCode = 2): { hseq: Float64Array; cT: Float64Array } {
  const G = 4 * H;
  const wq = quantizeCols(I, G, W), uq = quantizeCols(H, G, U);
  const xq = quantizeRows(B * T, I, x);
  const XW = dequant(B * T, G, intGemm(B * T, G, I, xq.q, wq.q), xq.scale, wq.scale, null, null);
  const hseq = new Float64Array(B * T * H);
  const h = new Float64Array(B * H), c = new Float64Array(B * H);
  for (let t = 0; t < T; t++) {
    let Z: Float64Array;
    const rows = new Float64Array(B * G);
    for (let b = 0; b < B; b++) for (let g = 0; g < G; g++) rows[b * G + g] = XW[(b * T + t) * G + g];
    if (t > 0) {
      const hq = quantizeRows(B, H, h);
      Z = dequant(B, G, intGemm(B, G, H, hq.q, uq.q), hq.scale, uq.scale, null, rows);
    } else Z = rows;
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) {
        const z = (blk: number) => Z[b * G + blk * H + j] + (bias ? f(bias[blk * H + j]) : 0);
        const i = act(recCode, z(0)), fg = act(recCode, z(1)), g = act(actCode, z(2)), o = act(recCode, z(3));
        c[b * H + j] = fg * c[b * H + j] + i * g;
        h[b * H + j] = o * act(actCode, c[b * H + j]);
        hseq[(b * T + t) * H + j] = h[b * H + j];
      }
  }
  return { hseq, cT: c };
}
