// Int8 inference: quantization, the int8 GEMM/GEMV with i32 accumulators, and the quantized Dense,
// LSTM, GRU, SimpleRNN, Embedding and Conv1D forward passes built on them. ABI: README.md here.
//
// Numbers: weights are int8 with one f32 scale per output column (symmetric, [-127, 127]);
// activations are quantized per row at run time (symmetric, [-63, 63]: 7 bits, one f32 scale per
// row, so that the relaxed build's dot is exact everywhere; see below). Products and their sums are
// exact integers (i32); the epilogue of the GEMM turns them back into f32 as
// ((f32(acc) · sa[m]) · sb[n] + bias[n]) + C[m, n], each operation rounded in f32 in that order (no
// fused multiply-add), so both builds give the same bits.
//
// Layouts (gemm_i8, the exported GEMM, and the plain build's forward passes):
// - quantized activations `q` are i16, row stride `ldq` i16 elements, even and at least K rounded up
//   to even; the elements from K to ldq are zero. `i8_row_stride(K)` gives the stride this file uses
//   (K rounded up to 8: rows start 16-byte aligned).
// - packed weights: panels of 8 columns; panel p holds, per pair of k (k2 = 0 .. ⌈K/2⌉-1), 16 bytes
//   B[2k2, n0], B[2k2+1, n0], B[2k2, n1], B[2k2+1, n1], … n7: zero past column N and past row K.
//   One v128 load, two sign extensions to i16x8 and one `i32x4.dot_i16x8_s` per row of the tile
//   then give two k steps of four columns.
// The relaxed build's forward passes use their own layouts and i16x8.relaxed_dot_i8x16_i7x16_s
// (the u7_ functions below): activations as bytes q + 64 in [1, 127], where the relaxed dot is
// deterministic, and the zero point taken off with the weights' column sums.
import { forwardStep } from "./lstm";
import { stepAfter } from "./gru";
import { step as rnnStep } from "./rnn";
import { act_forward, softmax_rows } from "./activations";
import { im2col } from "./conv";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, r16 } from "./recurrent";
import { FLAG_PEEPHOLE, FLAG_RESET_AFTER, ACT_LINEAR, ACT_SOFTMAX, ACT_SIGMOID, ACT_TANH } from "./abi";

const QMAX: f32 = 127;
// Activations take [-63, 63] in both builds: the relaxed build's 7-bit dot then sees q + 64 in
// [1, 127], where i16x8.relaxed_dot_i8x16_i7x16_s is exact on every runtime (no operand with its
// high bit set; a pair of products stays under i16's limit), and both builds sum the same integers.
const QA: f32 = 63;
const MC = 64;

// @ts-ignore: decorator
@inline function pairsOf(K: i32): i32 {
  return (K + 1) >> 1;
}

/** Row stride (i16 elements) of quantized activations with K features: K rounded up to 8. */
export function i8_row_stride(K: i32): i32 {
  return (K + 7) & ~7;
}

/** f32 count of a packed int8 [K, N] matrix (bytes / 4). */
export function i8_packed_size(K: i32, N: i32): i32 {
  return ((N + 7) >> 3) * pairsOf(K) * 4;
}

// ---- quantization ---------------------------------------------------------------------------------

// The inverse scale of a maximum magnitude: 127 / mx, or 0 for an all-zero row or column.
// @ts-ignore: decorator
@inline function invScale(mx: f32): f32 {
  return mx > 0 ? QMAX / mx : 0;
}

/**
 * Per output column of w [K, N] (row-major): scale[n] = max_k |w[k, n]| / 127 and
 * q[k, n] = clamp(nearest(w[k, n] · (127 / max)), -127, 127), written as f32 integers.
 * q may be w (in place). An all-zero column gets scale 0 and zeros.
 */
export function quantize_cols_i8(K: i32, N: i32, w: usize, q: usize, scale: usize): void {
  for (let n = 0; n < N; n++) store<f32>(scale + (<usize>n << 2), 0);
  for (let k = 0; k < K; k++) {
    const row = w + (<usize>(k * N) << 2);
    for (let n = 0; n < N; n++) {
      const p = scale + (<usize>n << 2);
      store<f32>(p, max<f32>(load<f32>(p), abs<f32>(load<f32>(row + (<usize>n << 2)))));
    }
  }
  for (let n = 0; n < N; n++) {
    const p = scale + (<usize>n << 2);
    const mx = load<f32>(p);
    const inv = invScale(mx);
    for (let k = 0; k < K; k++) {
      const o = (<usize>(k * N + n)) << 2;
      let v = nearest<f32>(load<f32>(w + o) * inv);
      v = min<f32>(QMAX, max<f32>(-QMAX, v));
      if (v != v) v = 0;
      store<f32>(q + o, <f32><i32>v); // through i32: -0 becomes 0
    }
    store<f32>(p, mx / QMAX);
  }
}

// Four f32 · inv, rounded to the nearest integer (ties to even), clamped to [-127, 127], as i32x4.
// |x · inv| <= 127.5 here (x is at most the row's maximum), so adding 1.5·2^23 rounds it to an
// integer in the low mantissa bits, ties to even as f32 addition does: nearest() without the
// costly float-to-int conversion. NaN and infinities give some value in range; their row's scale
// is NaN or infinite, so the products are too.
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4B400000;
// @ts-ignore: decorator
@inline function quant4(v: v128, inv: v128): v128 {
  const r = i32x4.sub(f32x4.add(f32x4.mul(v, inv), f32x4.splat(MAGIC)), i32x4.splat(MAGIC_BITS));
  return i32x4.min_s(i32x4.splat(127), i32x4.max_s(i32x4.splat(-127), r));
}

/**
 * Per row of x [M, K] (row stride ldx floats): scale[m] = max_k |x[m, k]| / 127 and
 * q[m, k] = clamp(nearest(x[m, k] · (127 / max)), -127, 127) as i16, row stride ldq (even, ≥ K);
 * q[m, K .. ldq) = 0. A NaN in a row makes its scale NaN.
 */
export function quantize_rows_i8(M: i32, K: i32, x: usize, ldx: i32, q: usize, ldq: i32, scale: usize): void {
  const K4 = K & ~3, K8 = K & ~7;
  for (let m = 0; m < M; m++) {
    const row = x + (<usize>m * <usize>ldx << 2);
    const qr = q + (<usize>m * <usize>ldq << 1);
    // pmax is one instruction where max (NaN-propagating) is several; NaNs are tracked apart.
    let vm = f32x4.splat(0), nan = vm;
    let j = 0;
    for (; j < K4; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      vm = f32x4.pmax(vm, f32x4.abs(v));
      nan = v128.or(nan, f32x4.ne(v, v));
    }
    let mx = max<f32>(max<f32>(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max<f32>(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    for (; j < K; j++) mx = max<f32>(mx, abs<f32>(load<f32>(row + (<usize>j << 2))));
    if (v128.any_true(nan)) mx = NaN;
    store<f32>(scale + (<usize>m << 2), mx / QA);
    const inv = f32x4.splat(mx > 0 ? QA / mx : 0);
    j = 0;
    for (; j < K8; j += 8) {
      const a = quant4(v128.load(row + (<usize>j << 2)), inv);
      const b = quant4(v128.load(row + (<usize>j << 2), 16), inv);
      v128.store(qr + (<usize>j << 1), i16x8.narrow_i32x4_s(a, b));
    }
    for (; j < K; j += 4) {
      // the last 1 .. 7 values, four lanes at a time through the same arithmetic
      let v = f32x4.splat(0);
      const n = min(4, K - j);
      const p = row + (<usize>j << 2);
      v = f32x4.replace_lane(v, 0, load<f32>(p));
      if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
      if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
      if (n > 3) v = f32x4.replace_lane(v, 3, load<f32>(p, 12));
      const r = quant4(v, inv);
      const o = qr + (<usize>j << 1);
      store<i16>(o, <i16>i32x4.extract_lane(r, 0));
      if (n > 1) store<i16>(o, <i16>i32x4.extract_lane(r, 1), 2);
      if (n > 2) store<i16>(o, <i16>i32x4.extract_lane(r, 2), 4);
      if (n > 3) store<i16>(o, <i16>i32x4.extract_lane(r, 3), 6);
    }
    if (ldq > K) memory.fill(qr + (<usize>K << 1), 0, <usize>(ldq - K) << 1);
  }
}

/**
 * Packs q [K, N] (f32 integers in [-127, 127], row stride ldq floats) into int8 panels at dst
 * (i8_packed_size(K, N) floats). Values outside the range are clamped; NaN packs as 0.
 */
export function i8_pack_b(K: i32, N: i32, q: usize, ldq: i32, dst: usize): void {
  const pairs = pairsOf(K);
  const P = (N + 7) >> 3;
  for (let p = 0; p < P; p++) {
    const base = dst + <usize>p * <usize>pairs * 16;
    for (let k2 = 0; k2 < pairs; k2++) {
      const d = base + (<usize>k2 << 4);
      for (let j = 0; j < 8; j++) {
        const n = (p << 3) + j;
        for (let e = 0; e < 2; e++) {
          const k = 2 * k2 + e;
          let v: f32 = 0;
          if (k < K && n < N) {
            v = load<f32>(q + (<usize>(k * ldq + n) << 2));
            v = min<f32>(QMAX, max<f32>(-QMAX, v));
            if (v != v) v = 0;
          }
          store<i8>(d + <usize>(2 * j + e), <i8><i32>v);
        }
      }
    }
  }
}

// ---- the int8 GEMM ---------------------------------------------------------------------------------

const zero = f32x4.splat(0);

// @ts-ignore: decorator
@inline function load_lanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  if (n == 3) return f32x4.replace_lane(v128.load64_zero(p), 2, load<f32>(p, 8));
  if (n == 2) return v128.load64_zero(p);
  if (n == 1) return v128.load32_zero(p);
  return zero;
}

// @ts-ignore: decorator
@inline function store_lanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
  } else if (n >= 2) {
    v128.store64_lane(p, v, 0);
    if (n == 3) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  } else if (n == 1) {
    store<f32>(p, f32x4.extract_lane(v, 0));
  }
}

// One row of the tile's 8 columns (nr inside C): the dequantize, bias and accumulate epilogue.
// The column scales (s0, s1) and the bias (b0, b1) are loaded once per tile, not per row.
// @ts-ignore: decorator
@inline function out_row(c: usize, a0: v128, a1: v128, s: f32, s0: v128, s1: v128, bias: usize, b0: v128, b1: v128, acc: i32, nr: i32): void {
  const vs = f32x4.splat(s);
  let f0 = f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(a0), vs), s0);
  let f1 = f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(a1), vs), s1);
  if (bias) {
    f0 = f32x4.add(f0, b0);
    f1 = f32x4.add(f1, b1);
  }
  if (acc) {
    f0 = f32x4.add(f0, load_lanes(c, nr));
    f1 = f32x4.add(f1, load_lanes(c + 16, nr - 4));
  }
  store_lanes(c, f0, nr);
  store_lanes(c + 16, f1, nr - 4);
}

// @ts-ignore: decorator
@inline function dot(acc: v128, x: v128, w: v128): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(x, w));
}

// Four rows × one panel: eight i32x4 accumulators; per pair of k one 16-byte load of the panel.
function tile4(pairs: i32, a: usize, lda2: usize, b: usize, c: usize, ldc4: usize, sa: usize, sb: usize, bias: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = a + lda2, p2 = a + 2 * lda2, p3 = a + 3 * lda2;
  let c00 = i32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let k = pairs;
  while (k >= 2) {
    let w = v128.load(b);
    let wl = i16x8.extend_low_i8x16_s(w), wh = i16x8.extend_high_i8x16_s(w);
    let x = v128.load32_splat(p0); c00 = dot(c00, x, wl); c01 = dot(c01, x, wh);
    x = v128.load32_splat(p1); c10 = dot(c10, x, wl); c11 = dot(c11, x, wh);
    x = v128.load32_splat(p2); c20 = dot(c20, x, wl); c21 = dot(c21, x, wh);
    x = v128.load32_splat(p3); c30 = dot(c30, x, wl); c31 = dot(c31, x, wh);
    w = v128.load(b, 16);
    wl = i16x8.extend_low_i8x16_s(w); wh = i16x8.extend_high_i8x16_s(w);
    x = v128.load32_splat(p0, 4); c00 = dot(c00, x, wl); c01 = dot(c01, x, wh);
    x = v128.load32_splat(p1, 4); c10 = dot(c10, x, wl); c11 = dot(c11, x, wh);
    x = v128.load32_splat(p2, 4); c20 = dot(c20, x, wl); c21 = dot(c21, x, wh);
    x = v128.load32_splat(p3, 4); c30 = dot(c30, x, wl); c31 = dot(c31, x, wh);
    p0 += 8; p1 += 8; p2 += 8; p3 += 8; b += 32;
    k -= 2;
  }
  if (k) {
    const w = v128.load(b);
    const wl = i16x8.extend_low_i8x16_s(w), wh = i16x8.extend_high_i8x16_s(w);
    let x = v128.load32_splat(p0); c00 = dot(c00, x, wl); c01 = dot(c01, x, wh);
    x = v128.load32_splat(p1); c10 = dot(c10, x, wl); c11 = dot(c11, x, wh);
    x = v128.load32_splat(p2); c20 = dot(c20, x, wl); c21 = dot(c21, x, wh);
    x = v128.load32_splat(p3); c30 = dot(c30, x, wl); c31 = dot(c31, x, wh);
  }
  const s0 = load_lanes(sb, nr), s1 = load_lanes(sb + 16, nr - 4);
  const b0 = bias ? load_lanes(bias, nr) : zero, b1 = bias ? load_lanes(bias + 16, nr - 4) : zero;
  out_row(c, c00, c01, load<f32>(sa), s0, s1, bias, b0, b1, acc, nr);
  out_row(c + ldc4, c10, c11, load<f32>(sa, 4), s0, s1, bias, b0, b1, acc, nr);
  out_row(c + 2 * ldc4, c20, c21, load<f32>(sa, 8), s0, s1, bias, b0, b1, acc, nr);
  out_row(c + 3 * ldc4, c30, c31, load<f32>(sa, 12), s0, s1, bias, b0, b1, acc, nr);
}

// One row × one panel: the even and odd pairs in separate accumulators (four chains).
function tile1(pairs: i32, a: usize, b: usize, c: usize, sa: usize, sb: usize, bias: usize, acc: i32, nr: i32): void {
  let c0 = i32x4.splat(0), c1 = c0, d0 = c0, d1 = c0;
  let k = pairs;
  while (k >= 2) {
    let w = v128.load(b);
    let x = v128.load32_splat(a);
    c0 = dot(c0, x, i16x8.extend_low_i8x16_s(w)); c1 = dot(c1, x, i16x8.extend_high_i8x16_s(w));
    w = v128.load(b, 16);
    x = v128.load32_splat(a, 4);
    d0 = dot(d0, x, i16x8.extend_low_i8x16_s(w)); d1 = dot(d1, x, i16x8.extend_high_i8x16_s(w));
    a += 8; b += 32;
    k -= 2;
  }
  if (k) {
    const w = v128.load(b);
    const x = v128.load32_splat(a);
    c0 = dot(c0, x, i16x8.extend_low_i8x16_s(w)); c1 = dot(c1, x, i16x8.extend_high_i8x16_s(w));
  }
  const s0 = load_lanes(sb, nr), s1 = load_lanes(sb + 16, nr - 4);
  const b0 = bias ? load_lanes(bias, nr) : zero, b1 = bias ? load_lanes(bias + 16, nr - 4) : zero;
  out_row(c, i32x4.add(c0, d0), i32x4.add(c1, d1), load<f32>(sa), s0, s1, bias, b0, b1, acc, nr);
}

/**
 * C[M, N] (+)= dequant(Aq[M, K] · Bq[K, N]): Aq i16 (row stride lda, even), sa [M] its row scales,
 * bp the packed int8 B (i8_pack_b), sb [N] its column scales, bias [N] (0: none). With accumulate,
 * C's old value is added last.
 */
export function gemm_i8(M: i32, N: i32, K: i32, a: usize, lda: i32, sa: usize, bp: usize, sb: usize, bias: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0) return;
  const pairs = K > 0 ? pairsOf(K) : 0;
  const panel = <usize>pairs << 4;
  const P = (N + 7) >> 3;
  const lda2 = <usize>lda << 1, ldc4 = <usize>ldc << 2;
  const M4 = M & ~3;
  for (let m0 = 0; m0 < M4; m0 += MC) {
    const m1 = min(m0 + MC, M4);
    for (let p = 0; p < P; p++) {
      const nr = N - (p << 3);
      const b = bp + <usize>p * panel, o = <usize>p << 5;
      for (let m = m0; m < m1; m += 4) {
        tile4(pairs, a + <usize>m * lda2, lda2, b, c + <usize>m * ldc4 + o, ldc4, sa + (<usize>m << 2), sb + o, bias ? bias + o : 0, accumulate, nr);
      }
    }
  }
  for (let m = M4; m < M; m++) {
    for (let p = 0; p < P; p++) {
      const o = <usize>p << 5;
      tile1(pairs, a + <usize>m * lda2, bp + <usize>p * panel, c + <usize>m * ldc4 + o, sa + (<usize>m << 2), sb + o, bias ? bias + o : 0, accumulate, N - (p << 3));
    }
  }
}

/** One row: c[N] (+)= dequant(aq[K] · Bq[K, N]), sa the row's scale (a pointer to one f32). */
export function gemv_i8(N: i32, K: i32, a: usize, sa: usize, bp: usize, sb: usize, bias: usize, c: usize, accumulate: i32): void {
  gemm_i8(1, N, K, a, i8_row_stride(K), sa, bp, sb, bias, c, N, accumulate);
}

// ---- the relaxed build's product: i16x8.relaxed_dot_i8x16_i7x16_s ---------------------------------
//
// Packed B (relaxed): panels of 8 columns; per group of 4 k (g = 0 .. ⌈K/4⌉-1), 32 bytes
// B[4g..4g+3, n0], B[4g..4g+3, n1], … n7 (zero past N and K), then per panel its 8 column sums (i32).
// Activations (relaxed): rows of bytes q + 64 (q in [-63, 63], so [1, 127]), row stride ld bytes
// (ld ≥ K rounded up to 4; the bytes from K to ld are 64, i.e. 0). Per group, one 4-byte splat of a
// row and, per 4 columns, one relaxed dot (pairs of products as i16: |2·127·127| < 2^15), one
// pairwise widening add and one i32 add: lane j += Σ_i B[4g+i, n_j]·(q[4g+i] + 64). The zero point
// comes off once per tile: − 64·Σ_k B[k, n]. The sums are exact integers, the plain build's.
// (The fused i32x4.relaxed_dot_i8x16_i7x16_add_s is not used: Node 20's V8 returns twice the dot
// and drops the addend; Node 22 and 24 compute it right.)

// @ts-ignore: decorator
@inline function groupsOf(K: i32): i32 {
  return (K + 3) >> 2;
}

function u7_packed_size(K: i32, N: i32): i32 {
  return ((N + 7) >> 3) * (groupsOf(K) * 8 + 8);
}

function u7_pack_b(K: i32, N: i32, q: usize, ldq: i32, dst: usize): void {
  const G4 = groupsOf(K);
  const P = (N + 7) >> 3;
  const sums = dst + <usize>P * <usize>G4 * 32;
  for (let p = 0; p < P; p++) {
    const base = dst + <usize>p * <usize>G4 * 32;
    for (let j = 0; j < 8; j++) {
      const n = (p << 3) + j;
      let sum = 0;
      for (let g = 0; g < G4; g++) {
        for (let i = 0; i < 4; i++) {
          const k = 4 * g + i;
          let v: i32 = 0;
          if (k < K && n < N) {
            let f = load<f32>(q + (<usize>(k * ldq + n) << 2));
            f = min<f32>(QMAX, max<f32>(-QMAX, f));
            if (f != f) f = 0;
            v = <i32>f;
          }
          store<i8>(base + <usize>(g * 32 + 4 * j + i), <i8>v);
          sum += v;
        }
      }
      store<i32>(sums + (<usize>(p * 8 + j) << 2), sum);
    }
  }
}

// The quantization of quantize_rows_i8 (the same q and scales), stored as bytes q + 64.
function u7_rows(M: i32, K: i32, x: usize, ldx: i32, q: usize, ld: i32, scale: usize): void {
  const K4 = K & ~3;
  const lo = i32x4.splat(-63), hi = i32x4.splat(63), zp = i32x4.splat(64);
  for (let m = 0; m < M; m++) {
    const row = x + (<usize>m * <usize>ldx << 2);
    const qr = q + <usize>m * <usize>ld;
    let vm = f32x4.splat(0), nan = vm;
    let j = 0;
    for (; j < K4; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      vm = f32x4.pmax(vm, f32x4.abs(v));
      nan = v128.or(nan, f32x4.ne(v, v));
    }
    let mx = max<f32>(max<f32>(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max<f32>(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    for (; j < K; j++) mx = max<f32>(mx, abs<f32>(load<f32>(row + (<usize>j << 2))));
    if (v128.any_true(nan)) mx = NaN;
    store<f32>(scale + (<usize>m << 2), mx / QA);
    const inv = f32x4.splat(mx > 0 ? QA / mx : 0);
    j = 0;
    for (; j < K; j += 4) {
      let v: v128;
      const n = min(4, K - j);
      const p = row + (<usize>j << 2);
      if (n == 4) v = v128.load(p);
      else {
        v = f32x4.splat(0);
        v = f32x4.replace_lane(v, 0, load<f32>(p));
        if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
        if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
      }
      // clamped to [-63, 63] (only a NaN row's values could lie beyond: its scale is NaN)
      const r = i32x4.add(i32x4.min_s(hi, i32x4.max_s(lo, quant4(v, inv))), zp);
      const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r, r), i16x8.splat(0));
      if (n == 4) v128.store32_lane(qr + <usize>j, b, 0);
      else {
        store<u8>(qr + <usize>j, <u8>i8x16.extract_lane_u(b, 0));
        if (n > 1) store<u8>(qr + <usize>j, <u8>i8x16.extract_lane_u(b, 1), 1);
        if (n > 2) store<u8>(qr + <usize>j, <u8>i8x16.extract_lane_u(b, 2), 2);
      }
    }
    for (let e = K; e < ld; e++) store<u8>(qr + <usize>e, 64);
  }
}

// acc + Σ of each lane's 4 products (w signed, x in [0, 127]).
// @ts-ignore: decorator
@inline function rdot(w: v128, x: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, x)));
  } else {
    return acc; // never called in the plain build
  }
}

function u7_tile4(G4: i32, a: usize, lda: usize, b: usize, c: usize, ldc4: usize, sa: usize, sb: usize, cs: usize, bias: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = a + lda, p2 = a + 2 * lda, p3 = a + 3 * lda;
  let c00 = i32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let g = 0; g < G4; g++) {
    const w0 = v128.load(b), w1 = v128.load(b, 16);
    let x = v128.load32_splat(p0); c00 = rdot(w0, x, c00); c01 = rdot(w1, x, c01);
    x = v128.load32_splat(p1); c10 = rdot(w0, x, c10); c11 = rdot(w1, x, c11);
    x = v128.load32_splat(p2); c20 = rdot(w0, x, c20); c21 = rdot(w1, x, c21);
    x = v128.load32_splat(p3); c30 = rdot(w0, x, c30); c31 = rdot(w1, x, c31);
    p0 += 4; p1 += 4; p2 += 4; p3 += 4; b += 32;
  }
  const z0 = i32x4.shl(v128.load(cs), 6), z1 = i32x4.shl(v128.load(cs, 16), 6);
  const s0 = load_lanes(sb, nr), s1 = load_lanes(sb + 16, nr - 4);
  const b0 = bias ? load_lanes(bias, nr) : zero, b1 = bias ? load_lanes(bias + 16, nr - 4) : zero;
  out_row(c, i32x4.sub(c00, z0), i32x4.sub(c01, z1), load<f32>(sa), s0, s1, bias, b0, b1, acc, nr);
  out_row(c + ldc4, i32x4.sub(c10, z0), i32x4.sub(c11, z1), load<f32>(sa, 4), s0, s1, bias, b0, b1, acc, nr);
  out_row(c + 2 * ldc4, i32x4.sub(c20, z0), i32x4.sub(c21, z1), load<f32>(sa, 8), s0, s1, bias, b0, b1, acc, nr);
  out_row(c + 3 * ldc4, i32x4.sub(c30, z0), i32x4.sub(c31, z1), load<f32>(sa, 12), s0, s1, bias, b0, b1, acc, nr);
}

function u7_tile1(G4: i32, a: usize, b: usize, c: usize, sa: usize, sb: usize, cs: usize, bias: usize, acc: i32, nr: i32): void {
  let c0 = i32x4.splat(0), c1 = c0, d0 = c0, d1 = c0;
  let g = 0;
  for (; g + 1 < G4; g += 2) {
    let x = v128.load32_splat(a);
    c0 = rdot(v128.load(b), x, c0); c1 = rdot(v128.load(b, 16), x, c1);
    x = v128.load32_splat(a, 4);
    d0 = rdot(v128.load(b, 32), x, d0); d1 = rdot(v128.load(b, 48), x, d1);
    a += 8; b += 64;
  }
  if (g < G4) {
    const x = v128.load32_splat(a);
    c0 = rdot(v128.load(b), x, c0); c1 = rdot(v128.load(b, 16), x, c1);
  }
  const z0 = i32x4.shl(v128.load(cs), 6), z1 = i32x4.shl(v128.load(cs, 16), 6);
  const s0 = load_lanes(sb, nr), s1 = load_lanes(sb + 16, nr - 4);
  const b0 = bias ? load_lanes(bias, nr) : zero, b1 = bias ? load_lanes(bias + 16, nr - 4) : zero;
  out_row(c, i32x4.sub(i32x4.add(c0, d0), z0), i32x4.sub(i32x4.add(c1, d1), z1), load<f32>(sa), s0, s1, bias, b0, b1, acc, nr);
}

// gemm_i8's contract over the relaxed layouts: a as u7_rows wrote it (row stride lda bytes), bp as u7_pack_b.
function u7_gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, sa: usize, bp: usize, sb: usize, bias: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0) return;
  const G4 = groupsOf(K);
  const panel = <usize>G4 << 5;
  const P = (N + 7) >> 3;
  const sums = bp + <usize>P * panel;
  const ldc4 = <usize>ldc << 2, la = <usize>lda;
  const M4 = M & ~3;
  for (let m0 = 0; m0 < M4; m0 += MC) {
    const m1 = min(m0 + MC, M4);
    for (let p = 0; p < P; p++) {
      const nr = N - (p << 3);
      const b = bp + <usize>p * panel, o = <usize>p << 5;
      for (let m = m0; m < m1; m += 4) {
        u7_tile4(G4, a + <usize>m * la, la, b, c + <usize>m * ldc4 + o, ldc4, sa + (<usize>m << 2), sb + o, sums + o, bias ? bias + o : 0, accumulate, nr);
      }
    }
  }
  for (let m = M4; m < M; m++) {
    for (let p = 0; p < P; p++) {
      const o = <usize>p << 5;
      u7_tile1(G4, a + <usize>m * la, bp + <usize>p * panel, c + <usize>m * ldc4 + o, sa + (<usize>m << 2), sb + o, sums + o, bias ? bias + o : 0, accumulate, N - (p << 3));
    }
  }
}

// The forward kernels' product, the build's: the relaxed layouts and dot there, gemm_i8's here.
// Same integers either way, so the same bits. Activation buffers are sized for i16 rows of
// i8_row_stride(K) elements; the relaxed rows (that many bytes) fit in them.
function q_packed_size(K: i32, N: i32): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return u7_packed_size(K, N);
  else return i8_packed_size(K, N);
}

// @ts-ignore: decorator
@inline function q_pack_b(K: i32, N: i32, q: usize, ldq: i32, dst: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) u7_pack_b(K, N, q, ldq, dst);
  else i8_pack_b(K, N, q, ldq, dst);
}

// @ts-ignore: decorator
@inline function q_rows(M: i32, K: i32, x: usize, ldx: i32, q: usize, ldq: i32, scale: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) u7_rows(M, K, x, ldx, q, ldq, scale);
  else quantize_rows_i8(M, K, x, ldx, q, ldq, scale);
}

// @ts-ignore: decorator
@inline function q_gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, sa: usize, bp: usize, sb: usize, bias: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) u7_gemm(M, N, K, a, lda, sa, bp, sb, bias, c, ldc, accumulate);
  else gemm_i8(M, N, K, a, lda, sa, bp, sb, bias, c, ldc, accumulate);
}

// ---- Dense --------------------------------------------------------------------------------------------

export function dense_q8_scratch_size(M: i32, N: i32, K: i32): i32 {
  return r16(q_packed_size(K, N)) + r16((M * i8_row_stride(K)) >> 1) + r16(M);
}

/**
 * y[M, N] = act(dequant(quant(x)·Wq) + bias): x [M, K] f32, Wq [K, N] f32 integers, sw [N] their
 * column scales. flags: FLAG_PACKED = scratch still holds Wq packed by the previous call.
 */
export function dense_q8_forward(M: i32, N: i32, K: i32, act: i32, flags: i32, x: usize, Wq: usize, sw: usize, bias: usize, y: usize, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  const ld = i8_row_stride(K);
  const Wpk = scratch;
  const Xq = Wpk + (<usize>r16(q_packed_size(K, N)) << 2);
  const xs = Xq + (<usize>r16((M * ld) >> 1) << 2);
  if (!(flags & FLAG_PACKED)) q_pack_b(K, N, Wq, N, Wpk);
  q_rows(M, K, x, K, Xq, ld, xs);
  q_gemm(M, N, K, Xq, ld, xs, Wpk, sw, bias, y, N, 0);
  if (act == ACT_SOFTMAX) softmax_rows(M, N, y, y);
  else if (act != ACT_LINEAR) act_forward(act, M * N, y, y);
}

// ---- LSTM ---------------------------------------------------------------------------------------------

export function lstm_q8_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  const G = 4 * H, BT = B * T;
  // Wpk, Upk (offsets that depend on I and H only, for FLAG_PACKED), XW, Xq, x scales, Hq, h scales, zeros
  return r16(q_packed_size(I, G)) + r16(q_packed_size(H, G)) + r16(BT * G) + r16((BT * i8_row_stride(I)) >> 1) + r16(BT)
    + r16((B * i8_row_stride(H)) >> 1) + r16(B) + r16(G);
}

/**
 * lstm_forward for inference with int8 weights: Wq [I, 4H], Uq [H, 4H] (f32 integers) with column
 * scales sw, su [4H]. XW = dequant(quant(x)·Wq) for all steps, then per step h_{s-1} is quantized
 * per row and Z_s = XW_t + dequant(quant(h_{s-1})·Uq); the gate pass, bias, peepholes and c stay f32
 * (lstm.ts's pass). Flags as lstm_forward (no dropout: inference only).
 */
export function lstm_q8_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, Wq: usize, sw: usize, Uq: usize, su: usize, bias: usize, peep: usize, h0: usize, c0: usize, mask: usize,
  gates: usize, cseq: usize, hseq: usize, hT: usize, cT: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H, BT = B * T;
  const Hb = <usize>H << 2, Gb = <usize>G << 2;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const P = (flags & FLAG_PEEPHOLE) != 0 && peep != 0;
  const ldI = i8_row_stride(I), ldH = i8_row_stride(H);
  const Wpk = scratch;
  const Upk = Wpk + (<usize>r16(q_packed_size(I, G)) << 2);
  const XW = Upk + (<usize>r16(q_packed_size(H, G)) << 2);
  const Xq = XW + (<usize>r16(BT * G) << 2);
  const xs = Xq + (<usize>r16((BT * ldI) >> 1) << 2);
  const Hq = xs + (<usize>r16(BT) << 2);
  const hs = Hq + (<usize>r16((B * ldH) >> 1) << 2);
  const zeros = hs + (<usize>r16(B) << 2);
  memory.fill(zeros, 0, Gb);
  if (!bias) bias = zeros;
  if (!(flags & FLAG_PACKED)) {
    q_pack_b(I, G, Wq, G, Wpk);
    q_pack_b(H, G, Uq, G, Upk);
  }
  q_rows(BT, I, x, I, Xq, ldI, xs);
  q_gemm(BT, G, I, Xq, ldI, xs, Wpk, sw, 0, XW, G, 0);
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    let hp: usize = 0, ldh = H;
    if (s > 0) { hp = hseq + <usize>(s - 1) * Hb; ldh = T * H; }
    else if (h0) hp = h0;
    if (hp) {
      q_rows(B, H, hp, ldh, Hq, ldH, hs);
      q_gemm(B, G, H, Hq, ldH, hs, Upk, su, 0, XW + <usize>t * Gb, T * G, 1);
    }
    forwardStep(act, recAct, P, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
  }
  for (let b = 0; b < B; b++) {
    const last = <usize>(b * T + T - 1) * Hb;
    if (hT) memory.copy(hT + <usize>b * Hb, hseq + last, Hb);
    if (cT) memory.copy(cT + <usize>b * Hb, cseq + last, Hb);
  }
}

// ---- GRU (resetAfter) and SimpleRNN -------------------------------------------------------------------

// The state's scratch for the recurrent products: Wpk, Upk, XW, Xq, x scales, Hq, h scales, then
// `extra` more floats of the cell's own.
function recurrentQ8Scratch(B: i32, T: i32, I: i32, H: i32, G: i32, extra: i32): i32 {
  const BT = B * T;
  return r16(q_packed_size(I, G)) + r16(q_packed_size(H, G)) + r16(BT * G) + r16((BT * i8_row_stride(I)) >> 1) + r16(BT)
    + r16((B * i8_row_stride(H)) >> 1) + r16(B) + extra;
}

export function gru_q8_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  // R [B, 3H], h [B, H], an unused h̃ [B, H], bias sums [3H]
  return recurrentQ8Scratch(B, T, I, H, 3 * H, r16(3 * B * H) + 2 * r16(B * H) + r16(3 * H));
}

/**
 * gru_forward for inference with int8 weights, resetAfter only (flags must hold FLAG_RESET_AFTER;
 * without it nothing is written): Wq [I, 3H], Uq [H, 3H] with column scales sw, su [3H]; bias
 * [2, 3H] (or 0). Per step R = dequant(quant(h_{s-1})·Uq), then gru.ts's f32 gate pass.
 */
export function gru_q8_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, Wq: usize, sw: usize, Uq: usize, su: usize, bias: usize, h0: usize, mask: usize,
  gates: usize, hrec: usize, hseq: usize, hT: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0 || !(flags & FLAG_RESET_AFTER)) return;
  const G = 3 * H, BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const ldI = i8_row_stride(I), ldH = i8_row_stride(H);
  const Wpk = scratch;
  const Upk = Wpk + (<usize>r16(q_packed_size(I, G)) << 2);
  const XW = Upk + (<usize>r16(q_packed_size(H, G)) << 2);
  const Xq = XW + (<usize>r16(BT * G) << 2);
  const xs = Xq + (<usize>r16((BT * ldI) >> 1) << 2);
  const Hq = xs + (<usize>r16(BT) << 2);
  const hs = Hq + (<usize>r16((B * ldH) >> 1) << 2);
  const R = hs + (<usize>r16(B) << 2);
  const hb = R + (<usize>r16(3 * B * H) << 2);
  const hd = hb + (<usize>r16(B * H) << 2);
  const bsum = hd + (<usize>r16(B * H) << 2);
  if (!(flags & FLAG_PACKED)) {
    q_pack_b(I, G, Wq, G, Wpk);
    q_pack_b(H, G, Uq, G, Upk);
  }
  q_rows(BT, I, x, I, Xq, ldI, xs);
  q_gemm(BT, G, I, Xq, ldI, xs, Wpk, sw, 0, XW, G, 0);
  // as gru_forward: the recurrent biases of z and r add to the input ones; b_rh stays apart
  const bz = bias ? bsum : 0, brh = bias ? bias + (<usize>(G + 2 * H) << 2) : 0;
  if (bias) {
    for (let n = 0; n < G; n++) {
      let v = load<f32>(bias + (<usize>n << 2));
      if (n < 2 * H) v += load<f32>(bias + (<usize>(G + n) << 2));
      store<f32>(bsum + (<usize>n << 2), v);
    }
  }
  if (h0) memory.copy(hb, h0, <usize>(B * H) << 2);
  else memory.fill(hb, 0, <usize>(B * H) << 2);
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    q_rows(B, H, hb, H, Hq, ldH, hs);
    q_gemm(B, G, H, Hq, ldH, hs, Upk, su, 0, R, G, 0);
    if (recAct == ACT_SIGMOID && act == ACT_TANH) stepAfter(ACT_SIGMOID, ACT_TANH, B, T, H, s, t, mask, XW, R, bz, brh, hb, hd, 0, gates, hrec, hseq);
    else stepAfter(recAct, act, B, T, H, s, t, mask, XW, R, bz, brh, hb, hd, 0, gates, hrec, hseq);
  }
  if (hT) memory.copy(hT, hb, <usize>(B * H) << 2);
}

export function rnn_q8_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  // h [B, H], an unused h̃ [B, H]
  return recurrentQ8Scratch(B, T, I, H, H, 2 * r16(B * H));
}

/** rnn_forward for inference with int8 weights: Wq [I, H], Uq [H, H] with column scales sw, su [H]. */
export function rnn_q8_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, Wq: usize, sw: usize, Uq: usize, su: usize, bias: usize, h0: usize, mask: usize,
  hseq: usize, hT: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const ldI = i8_row_stride(I), ldH = i8_row_stride(H);
  const Wpk = scratch;
  const Upk = Wpk + (<usize>r16(q_packed_size(I, H)) << 2);
  const Z = Upk + (<usize>r16(q_packed_size(H, H)) << 2);
  const Xq = Z + (<usize>r16(BT * H) << 2);
  const xs = Xq + (<usize>r16((BT * ldI) >> 1) << 2);
  const Hq = xs + (<usize>r16(BT) << 2);
  const hs = Hq + (<usize>r16((B * ldH) >> 1) << 2);
  const hb = hs + (<usize>r16(B) << 2);
  const hd = hb + (<usize>r16(B * H) << 2);
  if (!(flags & FLAG_PACKED)) {
    q_pack_b(I, H, Wq, H, Wpk);
    q_pack_b(H, H, Uq, H, Upk);
  }
  q_rows(BT, I, x, I, Xq, ldI, xs);
  q_gemm(BT, H, I, Xq, ldI, xs, Wpk, sw, 0, Z, H, 0);
  if (h0) memory.copy(hb, h0, <usize>(B * H) << 2);
  else memory.fill(hb, 0, <usize>(B * H) << 2);
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    q_rows(B, H, hb, H, Hq, ldH, hs);
    q_gemm(B, H, H, Hq, ldH, hs, Upk, su, 0, Z + (<usize>t * H << 2), T * H, 1);
    if (act == ACT_TANH) rnnStep(ACT_TANH, B, T, H, s, t, mask, Z, bias, hb, hd, 0, hseq);
    else rnnStep(act, B, T, H, s, t, mask, Z, bias, hb, hd, 0, hseq);
  }
  if (hT) memory.copy(hT, hb, <usize>(B * H) << 2);
}

// ---- Embedding and Conv1D -------------------------------------------------------------------------

/**
 * Per row of w [M, K]: scale[m] = max_k |w[m, k]| / 127 and q[m, k] = clamp(nearest(w[m, k] ·
 * (127 / max)), -127, 127) as f32 integers (an Embedding's table: one scale per token). q may be w.
 * An all-zero row gets scale 0 and zeros.
 */
export function quantize_rows_f32_i8(M: i32, K: i32, w: usize, q: usize, scale: usize): void {
  for (let m = 0; m < M; m++) {
    const row = w + (<usize>(m * K) << 2), out = q + (<usize>(m * K) << 2);
    let mx: f32 = 0;
    for (let k = 0; k < K; k++) mx = max<f32>(mx, abs<f32>(load<f32>(row + (<usize>k << 2))));
    const inv = invScale(mx);
    for (let k = 0; k < K; k++) {
      let v = nearest<f32>(load<f32>(row + (<usize>k << 2)) * inv);
      v = min<f32>(QMAX, max<f32>(-QMAX, v));
      if (v != v) v = 0;
      store<f32>(out + (<usize>k << 2), <f32><i32>v);
    }
    store<f32>(scale + (<usize>m << 2), mx / QMAX);
  }
}

/**
 * After embedding_forward on an int8 table: y[r, :] *= scale[ids[r]] for every row whose id is a
 * valid token (an integer in [0, V)); other rows were written as zeros and stay so.
 */
export function embedding_q8_scale(N: i32, D: i32, V: i32, ids: usize, scale: usize, y: usize): void {
  for (let r = 0; r < N; r++) {
    const v = load<f32>(ids + (<usize>r << 2));
    if (!(v >= 0 && Mathf.floor(v) == v && v < <f32>V)) continue;
    const s = f32x4.splat(load<f32>(scale + (<usize><i32>v << 2)));
    const row = y + (<usize>(r * D) << 2);
    const D4 = D & ~3;
    let d = 0;
    for (; d < D4; d += 4) v128.store(row + (<usize>d << 2), f32x4.mul(v128.load(row + (<usize>d << 2)), s));
    for (; d < D; d++) store<f32>(row + (<usize>d << 2), load<f32>(row + (<usize>d << 2)) * f32x4.extract_lane(s, 0));
  }
}

export function conv1d_q8_scratch_size(B: i32, To: i32, C: i32, F: i32, K: i32): i32 {
  return dense_q8_scratch_size(B * To, F, K * C);
}

/**
 * conv1d_forward with int8 weights: Wq [K, C, F] (f32 integers, as [K·C, F]) with one scale per
 * filter sw [F]. cols = im2col(x) (conv.ts), then dense_q8_forward over [B·To, K·C] (rows quantized
 * at run time, bias, activation). flags: FLAG_PACKED as dense_q8_forward. cols: conv1d_cols_size.
 */
export function conv1d_q8_forward(B: i32, T: i32, C: i32, F: i32, K: i32, s: i32, d: i32, padL: i32, To: i32, act: i32, flags: i32,
  x: usize, Wq: usize, sw: usize, bias: usize, y: usize, cols: usize, scratch: usize): void {
  const M = B * To;
  if (M <= 0 || F <= 0) return;
  const KC = K * C;
  if (KC <= 0) {
    memory.fill(y, 0, <usize>M * F << 2);
    if (bias) for (let m = 0; m < M; m++) memory.copy(y + (<usize>(m * F) << 2), bias, <usize>F << 2);
    if (act == ACT_SOFTMAX) softmax_rows(M, F, y, y);
    else if (act != ACT_LINEAR) act_forward(act, M * F, y, y);
    return;
  }
  im2col(B, T, C, K, s, d, padL, To, x, cols);
  dense_q8_forward(M, F, KC, act, flags, cols, Wq, sw, bias, y, scratch);
}
