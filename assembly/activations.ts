// Activations: SIMD exp, sigmoid and tanh for the fused recurrent passes, elementwise activations
// and their derivatives, and row softmax. Codes are those of common.ts (README.md).
//
// Shapes: n elements; softmax rows are M rows of N.
//
// Accuracy: exp has a relative error of about 2 ulp; sigmoid and tanh are within 2e-7 (absolute)
// of the exact functions over all f32 (test/activations.test.ts checks 1e-6 over [-20, 20] on a
// dense grid). Large inputs saturate exactly: tanh(±x) = ±1 from |x| ≈ 9, sigmoid(x) = 1 from
// x ≈ 17 and 0 below -87 (no denormals, which are slow on x86). NaN stays NaN.
//
// The scalar forms are lane 0 of the vector ones, so a kernel's tail (n not a multiple of 4) gets
// exactly what its vector body would have computed.
import { madd, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID } from "./common";

// ---- exp ------------------------------------------------------------------------------------------
//
// e^x = 2^n · e^r with n = round(x / ln 2) and r = x - n·ln 2 in [-ln2/2, ln2/2]. Adding MAGIC
// (1.5·2^23 + 127) rounds x·log2(e) to an integer in the low mantissa bits, already biased, so
// shifting those bits left by 23 builds 2^n without a float-to-int conversion; n·ln 2 is taken off
// in two parts (ln 2 = LN2_HI + LN2_LO, LN2_HI with 9 significant bits) so that n·LN2_HI is exact.
// e^r - 1 = r + r²·(C2 + C3 r + C4 r² + C5 r³ + C6 r⁴), fitted for relative error on
// [-0.354, 0.354] (3.5e-9, well under f32 rounding).

const LOG2E: f32 = 1.44269504;
const MAGIC: f32 = 12583039.0;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const C2: f32 = 0.49999994;
const C3: f32 = 0.16666509;
const C4: f32 = 0.041668527;
const C5: f32 = 0.0083701350;
const C6: f32 = 0.0013811663;

// Where exp stays a normal f32: below EXP_LO it is 0, above EXP_HI +Infinity.
const EXP_LO: f32 = -87.33;
const EXP_HI: f32 = 88.37;

// e^r - 1 for |r| <= 0.354.
// @ts-ignore: decorator
@inline function expm1_poly(r: v128): v128 {
  let q = madd(f32x4.splat(C6), r, f32x4.splat(C5));
  q = madd(q, r, f32x4.splat(C4));
  q = madd(q, r, f32x4.splat(C3));
  q = madd(q, r, f32x4.splat(C2));
  return madd(q, f32x4.mul(r, r), r);
}

// t = x·log2(e) rounded, plus MAGIC; r = x - n·ln 2.
// @ts-ignore: decorator
@inline function reduce_t(x: v128): v128 {
  return madd(x, f32x4.splat(LOG2E), f32x4.splat(MAGIC));
}

// @ts-ignore: decorator
@inline function reduce_r(x: v128, t: v128): v128 {
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  const r = madd(n, f32x4.splat(-LN2_HI), x);
  return madd(n, f32x4.splat(-LN2_LO), r);
}

// e^x for x in [EXP_LO, EXP_HI] (NaN passes through).
// @ts-ignore: decorator
@inline function exp_in_range(x: v128): v128 {
  const t = reduce_t(x);
  const p = expm1_poly(reduce_r(x, t));
  const s = i32x4.shl(t, 23);
  return madd(s, p, s);
}

// e^x - 1 for x in [0, EXP_HI], accurate relative to the result near 0 too.
// @ts-ignore: decorator
@inline function expm1_nonneg(x: v128): v128 {
  const t = reduce_t(x);
  const p = expm1_poly(reduce_r(x, t));
  const s = i32x4.shl(t, 23);
  return madd(s, p, f32x4.sub(s, f32x4.splat(1)));
}

// pmin/pmax with x first keep a NaN x (they return their first operand when a compare is false).
// @ts-ignore: decorator
@inline function clamp_v(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

// @ts-ignore: decorator
@inline export function exp_v(x: v128): v128 {
  const e = exp_in_range(clamp_v(x, EXP_LO, EXP_HI));
  const over = f32x4.gt(x, f32x4.splat(EXP_HI));
  const under = f32x4.lt(x, f32x4.splat(EXP_LO));
  return v128.andnot(v128.bitselect(f32x4.splat(Infinity), e, over), under);
}

// ---- sigmoid and tanh -----------------------------------------------------------------------------

// Below this sigmoid is 0; above SIG_HI it is 1 anyway (1 + e^-x rounds to 1).
const SIG_LO: f32 = -87.0;
const SIG_HI: f32 = 20.0;
// tanh(TANH_HI) rounds to 1 (and so does everything between 9.01 and it).
const TANH_HI: f32 = 10.0;

// 1 / (1 + e^-x).
// @ts-ignore: decorator
@inline export function sigmoid_v(x: v128): v128 {
  const e = exp_in_range(clamp_v(f32x4.neg(x), -SIG_HI, -SIG_LO));
  const s = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.andnot(s, f32x4.lt(x, f32x4.splat(SIG_LO)));
}

// tanh|x| = u / (u + 2) with u = e^{2|x|} - 1, then x's sign: no cancellation near 0, one division.
// @ts-ignore: decorator
@inline export function tanh_v(x: v128): v128 {
  const ax = f32x4.pmin(f32x4.abs(x), f32x4.splat(TANH_HI));
  const u = expm1_nonneg(f32x4.add(ax, ax));
  const t = f32x4.div(u, f32x4.add(u, f32x4.splat(2)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// 0.2·x + 0.5 clipped to [0, 1] (TF.js and Keras 2).
// @ts-ignore: decorator
@inline function hard_sigmoid_v(x: v128): v128 {
  return f32x4.pmin(f32x4.pmax(madd(x, f32x4.splat(0.2), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1));
}

// @ts-ignore: decorator
@inline function relu_v(x: v128): v128 {
  return f32x4.pmax(x, f32x4.splat(0));
}

// @ts-ignore: decorator
@inline export function exp_s(x: f32): f32 {
  return f32x4.extract_lane(exp_v(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline export function sigmoid_s(x: f32): f32 {
  return f32x4.extract_lane(sigmoid_v(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline export function tanh_s(x: f32): f32 {
  return f32x4.extract_lane(tanh_v(f32x4.splat(x)), 0);
}

// ---- by code ----------------------------------------------------------------------------------------
//
// Inline, so that a constant code folds to one activation; with a code known only at run time the
// tests are a few well-predicted branches per call (recurrent activations first). Softmax (code 5)
// is not elementwise: softmax_rows.

// @ts-ignore: decorator
@inline export function act_v(code: i32, x: v128): v128 {
  if (code == ACT_SIGMOID) return sigmoid_v(x);
  if (code == ACT_TANH) return tanh_v(x);
  if (code == ACT_HARD_SIGMOID) return hard_sigmoid_v(x);
  if (code == ACT_RELU) return relu_v(x);
  return x;
}

// The derivative f'(x), from the output y = f(x).
// @ts-ignore: decorator
@inline export function dact_v(code: i32, y: v128): v128 {
  const one = f32x4.splat(1);
  if (code == ACT_SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  if (code == ACT_TANH) return f32x4.sub(one, f32x4.mul(y, y));
  if (code == ACT_HARD_SIGMOID) {
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, one));
    return v128.and(inside, f32x4.splat(0.2));
  }
  if (code == ACT_RELU) return v128.and(f32x4.gt(y, f32x4.splat(0)), one);
  return one;
}

// @ts-ignore: decorator
@inline export function act_s(code: i32, x: f32): f32 {
  return f32x4.extract_lane(act_v(code, f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline export function dact_s(code: i32, y: f32): f32 {
  return f32x4.extract_lane(dact_v(code, f32x4.splat(y)), 0);
}

// ---- elementwise kernels ------------------------------------------------------------------------------

// y = f(x) over n elements, with the code a constant once inlined. y may be x.
// @ts-ignore: decorator
@inline function map_act(code: i32, n: i32, x: usize, y: usize): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) store<v128>(y + o, act_v(code, load<v128>(x + o)));
  for (; o < end; o += 4) store<f32>(y + o, act_s(code, load<f32>(x + o)));
}

// dx = dy · f'(x) from y = f(x). dx may be dy.
// @ts-ignore: decorator
@inline function map_dact(code: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) store<v128>(dx + o, f32x4.mul(load<v128>(dy + o), dact_v(code, load<v128>(y + o))));
  for (; o < end; o += 4) store<f32>(dx + o, load<f32>(dy + o) * dact_s(code, load<f32>(y + o)));
}

export function act_forward(code: i32, n: i32, x: usize, y: usize): void {
  if (code == ACT_SIGMOID) map_act(ACT_SIGMOID, n, x, y);
  else if (code == ACT_TANH) map_act(ACT_TANH, n, x, y);
  else if (code == ACT_HARD_SIGMOID) map_act(ACT_HARD_SIGMOID, n, x, y);
  else if (code == ACT_RELU) map_act(ACT_RELU, n, x, y);
  else if (x != y) memory.copy(y, x, <usize>n << 2);
}

export function act_backward(code: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  if (code == ACT_SIGMOID) map_dact(ACT_SIGMOID, n, y, dy, dx);
  else if (code == ACT_TANH) map_dact(ACT_TANH, n, y, dy, dx);
  else if (code == ACT_HARD_SIGMOID) map_dact(ACT_HARD_SIGMOID, n, y, dy, dx);
  else if (code == ACT_RELU) map_dact(ACT_RELU, n, y, dy, dx);
  else if (dx != dy) memory.copy(dx, dy, <usize>n << 2);
}

// ---- softmax over rows -----------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  const m = f32x4.pmax(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// y = exp(x - max) / Σ exp(x - max), row by row; the max keeps every exp in (0, 1]. y may be x.
export function softmax_rows(M: i32, N: i32, x: usize, y: usize): void {
  if (N <= 0) return;
  const n4 = <usize>(N & ~3) << 2, end = <usize>N << 2;
  for (let m = 0; m < M; m++) {
    const xr = x + <usize>m * end, yr = y + <usize>m * end;
    let mv = f32x4.splat(-Infinity);
    let o: usize = 0;
    for (; o < n4; o += 16) mv = f32x4.pmax(mv, load<v128>(xr + o));
    let mx = hmax(mv);
    for (; o < end; o += 4) mx = max<f32>(mx, load<f32>(xr + o));
    const mxv = f32x4.splat(mx);
    let sv = f32x4.splat(0);
    for (o = 0; o < n4; o += 16) {
      const e = exp_v(f32x4.sub(load<v128>(xr + o), mxv));
      store<v128>(yr + o, e);
      sv = f32x4.add(sv, e);
    }
    let sum = hsum(sv);
    for (; o < end; o += 4) {
      const e = exp_s(load<f32>(xr + o) - mx);
      store<f32>(yr + o, e);
      sum += e;
    }
    const inv = <f32>1 / sum, invv = f32x4.splat(inv);
    for (o = 0; o < n4; o += 16) store<v128>(yr + o, f32x4.mul(load<v128>(yr + o), invv));
    for (; o < end; o += 4) store<f32>(yr + o, load<f32>(yr + o) * inv);
  }
}

// In the forward pass y = softmax(x), so dx_j = y_j · (dy_j - Σ_k y_k dy_k). dx may be dy.
export function softmax_rows_backward(M: i32, N: i32, y: usize, dy: usize, dx: usize): void {
  if (N <= 0) return;
  const n4 = <usize>(N & ~3) << 2, end = <usize>N << 2;
  for (let m = 0; m < M; m++) {
    const row = <usize>m * end;
    const yr = y + row, dyr = dy + row, dxr = dx + row;
    let dv = f32x4.splat(0);
    let o: usize = 0;
    for (; o < n4; o += 16) dv = madd(load<v128>(yr + o), load<v128>(dyr + o), dv);
    let dot = hsum(dv);
    for (; o < end; o += 4) dot += load<f32>(yr + o) * load<f32>(dyr + o);
    const dotv = f32x4.splat(dot);
    for (o = 0; o < n4; o += 16) store<v128>(dxr + o, f32x4.mul(load<v128>(yr + o), f32x4.sub(load<v128>(dyr + o), dotv)));
    for (; o < end; o += 4) store<f32>(dxr + o, load<f32>(yr + o) * (load<f32>(dyr + o) - dot));
  }
}
