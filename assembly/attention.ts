// Attention: scores, a masked softmax over them, and the weighted sum of the values, for Luong
// (dot and concat), Bahdanau (additive) and multi-head attention (Keras semantics, README.md).
//
// Layout: scores and weights are [B, H, Tq, Tv]. Per (batch b, head h) the query block is Tq rows
// of D floats at q + (b·Tq·ldq + h·D), row stride ldq (so a projected [B, Tq, H, D] tensor is read
// in place with ldq = H·D, and a plain [B, Tq, D] one with H = 1, ldq = D); keys [B, Tv, ·] with
// ldk, values and outputs likewise with ldv, ldo. The products are batched GEMMs over (b, h) on
// the packed GEMM of gemm.ts: one B-panel pack and one gemm_packed per (b, h).
//
// Masks (each may be 0, absent): kmask [B, Tv] (the keys a query may see: the value/key padding
// mask), qmask [B, Tq] (a 0 masks the whole row: MultiHeadAttention's query mask), amask
// [B, Tq, Tv] (an explicit attention mask, shared by the heads), causal (query i sees keys j ≤ i).
// A mask value keeps where it is non-zero. A masked logit is -1e9 (Keras adds -1e9, which in f32
// replaces any score of magnitude below 32): its weight is exactly 0, a row with every key masked
// gets uniform weights, and no gradient reaches a masked score.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { exp_v, exp_s, tanh_v, tanh_s } from "./activations";
import { madd } from "./common";

const NEG: f32 = -1e9;

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

// Floats of scratch every kernel of this file needs for these sizes (the largest packed panel set).
export function attn_scratch_size(Tq: i32, Tv: i32, Dk: i32, Dv: i32): i32 {
  let n = gemm_packed_size(Dk, Tv);
  n = max(n, gemm_packed_size(Tv, Dv));
  n = max(n, gemm_packed_size(Dv, Tv));
  n = max(n, gemm_packed_size(Tq, Dv));
  n = max(n, gemm_packed_size(Tv, Dk));
  n = max(n, gemm_packed_size(Tq, Dk));
  return n;
}

// @ts-ignore: decorator
@inline function blk(p: usize, b: i32, h: i32, T: i32, ld: i32, D: i32): usize {
  return p + ((<usize>b * <usize>T * <usize>ld + <usize>h * <usize>D) << 2);
}

// @ts-ignore: decorator
@inline function sblk(p: usize, b: i32, h: i32, H: i32, Tq: i32, Tv: i32): usize {
  return p + ((<usize>(b * H + h) * <usize>Tq * <usize>Tv) << 2);
}

// s[b, h] = Q_bh · K_bhᵀ  ([Tq, Tv] per (b, h)).
export function attn_scores(B: i32, H: i32, Tq: i32, Tv: i32, D: i32, q: usize, ldq: i32, k: usize, ldk: i32, s: usize, scratch: usize): void {
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      gemm_pack_b(blk(k, b, h, Tv, ldk, D), ldk, D, Tv, 1, scratch);
      gemm_packed(Tq, Tv, D, blk(q, b, h, Tq, ldq, D), ldq, 0, scratch, sblk(s, b, h, H, Tq, Tv), Tv, 0);
    }
}

// dq = dS · K (overwritten, when dq != 0); dk (+)= dSᵀ · Q (when dk != 0; accumulate = 1 adds).
export function attn_scores_backward(B: i32, H: i32, Tq: i32, Tv: i32, D: i32, q: usize, ldq: i32, k: usize, ldk: i32, ds: usize, dq: usize, dk: usize, accumulate: i32, scratch: usize): void {
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const dsb = sblk(ds, b, h, H, Tq, Tv);
      if (dq) {
        gemm_pack_b(blk(k, b, h, Tv, ldk, D), ldk, Tv, D, 0, scratch);
        gemm_packed(Tq, D, Tv, dsb, Tv, 0, scratch, blk(dq, b, h, Tq, ldq, D), ldq, 0);
      }
      if (dk) {
        gemm_pack_b(blk(q, b, h, Tq, ldq, D), ldq, Tq, D, 0, scratch);
        gemm_packed(Tv, D, Tq, dsb, Tv, 1, scratch, blk(dk, b, h, Tv, ldk, D), ldk, accumulate);
      }
    }
}

// o[b, :, h] = P_bh · V_bh  ([Tq, D] per (b, h), row stride ldo).
export function attn_apply(B: i32, H: i32, Tq: i32, Tv: i32, D: i32, p: usize, v: usize, ldv: i32, o: usize, ldo: i32, scratch: usize): void {
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      gemm_pack_b(blk(v, b, h, Tv, ldv, D), ldv, Tv, D, 0, scratch);
      gemm_packed(Tq, D, Tv, sblk(p, b, h, H, Tq, Tv), Tv, 0, scratch, blk(o, b, h, Tq, ldo, D), ldo, 0);
    }
}

// dp = dO · Vᵀ (overwritten, when dp != 0); dv (+)= Pᵀ · dO (when dv != 0; accumulate = 1 adds).
export function attn_apply_backward(B: i32, H: i32, Tq: i32, Tv: i32, D: i32, p: usize, v: usize, ldv: i32, dout: usize, ldo: i32, dp: usize, dv: usize, accumulate: i32, scratch: usize): void {
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const dob = blk(dout, b, h, Tq, ldo, D);
      if (dp) {
        gemm_pack_b(blk(v, b, h, Tv, ldv, D), ldv, D, Tv, 1, scratch);
        gemm_packed(Tq, Tv, D, dob, ldo, 0, scratch, sblk(dp, b, h, H, Tq, Tv), Tv, 0);
      }
      if (dv) {
        gemm_pack_b(dob, ldo, Tq, D, 0, scratch);
        gemm_packed(Tv, D, Tq, sblk(p, b, h, H, Tq, Tv), Tv, 1, scratch, blk(dv, b, h, Tv, ldv, D), ldv, accumulate);
      }
    }
}

// Lanes of keys j .. j+3 of row (b, i) that may be seen: all ones where kept.
// @ts-ignore: decorator
@inline function keep_v(j: i32, km: usize, am: usize, lim: i32): v128 {
  let keep = i32x4.lt_s(i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)), i32x4.splat(lim));
  if (km) keep = v128.and(keep, f32x4.ne(load<v128>(km + (<usize>j << 2)), f32x4.splat(0)));
  if (am) keep = v128.and(keep, f32x4.ne(load<v128>(am + (<usize>j << 2)), f32x4.splat(0)));
  return keep;
}

// @ts-ignore: decorator
@inline function keep_s(j: i32, km: usize, am: usize, lim: i32): bool {
  if (j >= lim) return false;
  if (km && load<f32>(km + (<usize>j << 2)) == 0) return false;
  if (am && load<f32>(am + (<usize>j << 2)) == 0) return false;
  return true;
}

// p = softmax over each row of (kept ? scale·s : -1e9), max-subtracted. p may be s.
export function attn_softmax(B: i32, H: i32, Tq: i32, Tv: i32, scale: f32, s: usize, kmask: usize, qmask: usize, amask: usize, causal: i32, p: usize): void {
  if (Tv <= 0) return;
  const T4 = Tv & ~3;
  const negv = f32x4.splat(NEG), sc = f32x4.splat(scale);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const row = (<usize>((b * H + h) * Tq + i) * <usize>Tv) << 2;
        const sr = s + row, pr = p + row;
        const km = kmask ? kmask + (<usize>(b * Tv) << 2) : 0;
        const am = amask ? amask + (<usize>((b * Tq + i) * Tv) << 2) : 0;
        let lim = causal ? min(i + 1, Tv) : Tv;
        if (qmask && load<f32>(qmask + (<usize>(b * Tq + i) << 2)) == 0) lim = 0;
        let mv = negv;
        let j = 0;
        for (; j < T4; j += 4) {
          const o = <usize>j << 2;
          const z = v128.bitselect(f32x4.mul(load<v128>(sr + o), sc), negv, keep_v(j, km, am, lim));
          store<v128>(pr + o, z);
          mv = f32x4.pmax(mv, z);
        }
        let mx = hmax(mv);
        for (; j < Tv; j++) {
          const o = <usize>j << 2;
          const z = keep_s(j, km, am, lim) ? load<f32>(sr + o) * scale : NEG;
          store<f32>(pr + o, z);
          mx = max<f32>(mx, z);
        }
        const mxv = f32x4.splat(mx);
        let sv = f32x4.splat(0);
        for (j = 0; j < T4; j += 4) {
          const o = <usize>j << 2;
          const e = exp_v(f32x4.sub(load<v128>(pr + o), mxv));
          store<v128>(pr + o, e);
          sv = f32x4.add(sv, e);
        }
        let sum = hsum(sv);
        for (; j < Tv; j++) {
          const o = <usize>j << 2;
          const e = exp_s(load<f32>(pr + o) - mx);
          store<f32>(pr + o, e);
          sum += e;
        }
        const inv = <f32>1 / sum, invv = f32x4.splat(inv);
        for (j = 0; j < T4; j += 4) store<v128>(pr + (<usize>j << 2), f32x4.mul(load<v128>(pr + (<usize>j << 2)), invv));
        for (; j < Tv; j++) store<f32>(pr + (<usize>j << 2), load<f32>(pr + (<usize>j << 2)) * inv);
      }
}

// Given p = attn_softmax(scale, s, masks) and dp = dL/dp: g = p ⊙ (dp - Σ p·dp) at kept keys, 0 at
// masked ones; writes ds = scale·g (dL/ds; ds may be dp) and returns Σ g·s (dL/dscale), in f64,
// when s != 0 (else 0).
export function attn_softmax_backward(B: i32, H: i32, Tq: i32, Tv: i32, scale: f32, s: usize, p: usize, dp: usize, kmask: usize, qmask: usize, amask: usize, causal: i32, ds: usize): f64 {
  if (Tv <= 0) return 0;
  const T4 = Tv & ~3;
  const sc = f32x4.splat(scale), zero = f32x4.splat(0);
  let total: f64 = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const row = (<usize>((b * H + h) * Tq + i) * <usize>Tv) << 2;
        const pr = p + row, dpr = dp + row, dsr = ds + row, sr = s + row;
        const km = kmask ? kmask + (<usize>(b * Tv) << 2) : 0;
        const am = amask ? amask + (<usize>((b * Tq + i) * Tv) << 2) : 0;
        let lim = causal ? min(i + 1, Tv) : Tv;
        if (qmask && load<f32>(qmask + (<usize>(b * Tq + i) << 2)) == 0) lim = 0;
        let dv = zero;
        let j = 0;
        for (; j < T4; j += 4) dv = madd(load<v128>(pr + (<usize>j << 2)), load<v128>(dpr + (<usize>j << 2)), dv);
        let dot = hsum(dv);
        for (; j < Tv; j++) dot += load<f32>(pr + (<usize>j << 2)) * load<f32>(dpr + (<usize>j << 2));
        const dotv = f32x4.splat(dot);
        let gs = zero;
        for (j = 0; j < T4; j += 4) {
          const o = <usize>j << 2;
          const g = v128.and(f32x4.mul(load<v128>(pr + o), f32x4.sub(load<v128>(dpr + o), dotv)), keep_v(j, km, am, lim));
          if (s) gs = madd(g, load<v128>(sr + o), gs);
          store<v128>(dsr + o, f32x4.mul(g, sc));
        }
        let rs: f32 = hsum(gs);
        for (; j < Tv; j++) {
          const o = <usize>j << 2;
          const g: f32 = keep_s(j, km, am, lim) ? load<f32>(pr + o) * (load<f32>(dpr + o) - dot) : 0;
          if (s) rs += g * load<f32>(sr + o);
          store<f32>(dsr + o, g * scale);
        }
        total += <f64>rs;
      }
  return total;
}

// Additive (Bahdanau) and concat (Luong) scores, one head:
// s[b, i, j] = c · Σ_d w_d · tanh(a · (q[b, i, d] + k[b, j, d])), q [B, Tq, D], k [B, Tv, D]
// (row strides D), w [D] (0: all ones), a and c scalars.
export function attn_additive_scores(B: i32, Tq: i32, Tv: i32, D: i32, q: usize, k: usize, w: usize, a: f32, c: f32, s: usize): void {
  const D4 = D & ~3;
  const av = f32x4.splat(a), one = f32x4.splat(1);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Tq; i++) {
      const qr = q + (<usize>(b * Tq + i) * <usize>D << 2);
      const sr = s + (<usize>(b * Tq + i) * <usize>Tv << 2);
      for (let j = 0; j < Tv; j++) {
        const kr = k + (<usize>(b * Tv + j) * <usize>D << 2);
        let acc = f32x4.splat(0);
        let d = 0;
        for (; d < D4; d += 4) {
          const o = <usize>d << 2;
          const t = tanh_v(f32x4.mul(av, f32x4.add(load<v128>(qr + o), load<v128>(kr + o))));
          acc = madd(w ? load<v128>(w + o) : one, t, acc);
        }
        let sum = hsum(acc);
        for (; d < D; d++) {
          const o = <usize>d << 2;
          const t = tanh_s(a * (load<f32>(qr + o) + load<f32>(kr + o)));
          sum += (w ? load<f32>(w + o) : <f32>1) * t;
        }
        store<f32>(sr + (<usize>j << 2), c * sum);
      }
    }
}

// Gradients of attn_additive_scores given ds [B, Tq, Tv]: dq (overwritten), dk (accumulate = 1
// adds, else overwritten), dw [D] (overwritten), dac [2] = dL/da, dL/dc (overwritten); any of them
// may be 0 (not wanted).
export function attn_additive_backward(B: i32, Tq: i32, Tv: i32, D: i32, q: usize, k: usize, w: usize, a: f32, c: f32, ds: usize, dq: usize, dk: usize, accumulate: i32, dw: usize, dac: usize): void {
  const rowb = <usize>D << 2;
  if (dq) memory.fill(dq, 0, <usize>B * <usize>Tq * rowb);
  if (dk && !accumulate) memory.fill(dk, 0, <usize>B * <usize>Tv * rowb);
  if (dw) memory.fill(dw, 0, rowb);
  const D4 = D & ~3;
  const av = f32x4.splat(a), one = f32x4.splat(1), cv = f32x4.splat(c);
  let da: f64 = 0, dc: f64 = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Tq; i++) {
      const qr = q + (<usize>(b * Tq + i) * rowb);
      const dqr = dq + (<usize>(b * Tq + i) * rowb);
      const dsr = ds + (<usize>(b * Tq + i) * <usize>Tv << 2);
      for (let j = 0; j < Tv; j++) {
        const kr = k + (<usize>(b * Tv + j) * rowb);
        const dkr = dk + (<usize>(b * Tv + j) * rowb);
        const g = load<f32>(dsr + (<usize>j << 2));
        const gv = f32x4.splat(g);
        let vda = f32x4.splat(0), vdc = f32x4.splat(0);
        let d = 0;
        for (; d < D4; d += 4) {
          const o = <usize>d << 2;
          const x = f32x4.add(load<v128>(qr + o), load<v128>(kr + o));
          const t = tanh_v(f32x4.mul(av, x));
          const wv = w ? load<v128>(w + o) : one;
          // dL/du with u = a·x: g·c·w·(1 - t²)
          const du = f32x4.mul(f32x4.mul(gv, f32x4.mul(cv, wv)), f32x4.sub(one, f32x4.mul(t, t)));
          const dx = f32x4.mul(av, du);
          if (dq) store<v128>(dqr + o, f32x4.add(load<v128>(dqr + o), dx));
          if (dk) store<v128>(dkr + o, f32x4.add(load<v128>(dkr + o), dx));
          if (dw) store<v128>(dw + o, madd(f32x4.mul(gv, cv), t, load<v128>(dw + o)));
          vda = madd(du, x, vda);
          vdc = madd(wv, t, vdc);
        }
        let sda = hsum(vda), sdc = hsum(vdc);
        for (; d < D; d++) {
          const o = <usize>d << 2;
          const x = load<f32>(qr + o) + load<f32>(kr + o);
          const t = tanh_s(a * x);
          const wd: f32 = w ? load<f32>(w + o) : 1;
          const du = g * c * wd * (1 - t * t);
          const dx = a * du;
          if (dq) store<f32>(dqr + o, load<f32>(dqr + o) + dx);
          if (dk) store<f32>(dkr + o, load<f32>(dkr + o) + dx);
          if (dw) store<f32>(dw + o, load<f32>(dw + o) + g * c * t);
          sda += du * x;
          sdc += wd * t;
        }
        da += <f64>sda;
        dc += <f64>g * <f64>sdc;
      }
    }
  if (dac) {
    store<f32>(dac, <f32>da);
    store<f32>(dac, <f32>dc, 4);
  }
}
