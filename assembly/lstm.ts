// LSTM forward and backward (Keras layout, gate order i, f, c, o). ABI: README.md in this folder.
//
// B = batch, T = steps, I = input features, H = units, G = 4H (the four gate blocks side by side).
// s is the processing step, t = goBackwards ? T-1-s : s the time index of the input (README.md).
//
// Forward:  XW = X̃·W (X̃ = x ⊙ xDrop): one GEMM for all B·T rows, since it does not depend on time.
//           Per step, Z_s = XW_t + h̃_{s-1}·U (h̃ = h ⊙ hDrop) is accumulated into XW in place, then
//           one fused pass over the units:
//             i = σ(z_i + b_i + p_i⊙c_{s-1}), f = σ(z_f + b_f + p_f⊙c_{s-1}), g = act(z_g + b_g),
//             c_s = f⊙c_{s-1} + i⊙g, o = σ(z_o + b_o + p_o⊙c_s), h_s = o⊙act(c_s)
//           (σ is recAct). gates, cseq and hseq keep what the backward pass needs.
// Backward: s = T-1..0: the fused pass in reverse turns dh_s, dc_s into dZ_s and dc_{s-1};
//           dh̃_{s-1} = dZ_s·Uᵀ. After the loop, with every dZ stacked in time order (the rows of X̃):
//           dW = X̃ᵀ·dZ, dU = H̃_prevᵀ·dZ, dX = (dZ·Wᵀ)⊙xDrop, db = Σ dZ: large GEMMs, not 3T small ones.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { act_v, dact_v, act_s, dact_s } from "./activations";
import { madd, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID } from "./common";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, r16 } from "./recurrent";
import { FLAG_PEEPHOLE } from "./abi";

// ---- scratch --------------------------------------------------------------------------------------
//
// Forward: packed W and U first, at offsets that depend on I and H only, so that FLAG_PACKED holds
// for a later call with another B or T (streaming inference runs T = 1 after a longer sequence).
// Backward: dZ, then two regions over the same floats: what the time loop uses (packed Uᵀ, the
// running dh and dc, the peephole sums) and what the GEMMs after it use (packed dZ, H̃_prev, X̃,
// packed Wᵀ). Every region starts 64-byte aligned. `zeros` stands in for an absent h0, c0, bias or
// peep, so the fused passes never branch on them.

// @ts-ignore: decorator
@inline function bytes(n: i32): usize {
  return <usize>r16(n) << 2;
}

function forwardScratch(B: i32, T: i32, I: i32, H: i32): i32 {
  const G = 4 * H, BT = B * T;
  // Wpk, Upk, XW, X̃, h̃, zeros
  return r16(gemm_packed_size(I, G)) + r16(gemm_packed_size(H, G)) + r16(BT * G) + r16(BT * I) + r16(B * H) + r16(G);
}

function backwardLoopScratch(B: i32, H: i32): i32 {
  const G = 4 * H;
  // Uᵀ packed, dh, dc, dh̃, zeros, dpeep sums
  return r16(gemm_packed_size(G, H)) + 3 * r16(B * H) + r16(G) + r16(3 * H);
}

function backwardAfterScratch(B: i32, T: i32, I: i32, H: i32): i32 {
  const G = 4 * H, BT = B * T;
  // dZ packed, H̃_prev, X̃, Wᵀ packed
  return r16(gemm_packed_size(BT, G)) + r16(BT * H) + r16(BT * I) + r16(gemm_packed_size(G, I));
}

export function lstm_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  const bwd = r16(B * T * 4 * H) + max(backwardLoopScratch(B, H), backwardAfterScratch(B, T, I, H));
  return max(forwardScratch(B, T, I, H), bwd);
}

// ---- shared passes ----------------------------------------------------------------------------------

// dst[b, t, :] = src[b, t, :] ⊙ drop[b, :]: dropout multipliers are the same at every step (Keras).
// dst may be src.
function scaleRows(B: i32, T: i32, F: i32, src: usize, drop: usize, dst: usize): void {
  const Fb = <usize>F << 2, F4 = <usize>(F & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const d = drop + <usize>b * Fb;
    for (let t = 0; t < T; t++) {
      const row = <usize>(b * T + t) * Fb;
      const s = src + row, o = dst + row;
      let j: usize = 0;
      for (; j < F4; j += 16) v128.store(o + j, f32x4.mul(v128.load(s + j), v128.load(d + j)));
      for (; j < Fb; j += 4) store<f32>(o + j, load<f32>(s + j) * load<f32>(d + j));
    }
  }
}

// dst[N] = Σ over M rows (contiguous) of src: the bias gradient.
function columnSums(M: i32, N: i32, src: usize, dst: usize): void {
  const Nb = <usize>N << 2, N4 = <usize>(N & ~3) << 2;
  memory.fill(dst, 0, Nb);
  for (let r = 0; r < M; r++) {
    const row = src + <usize>r * Nb;
    let j: usize = 0;
    for (; j < N4; j += 16) v128.store(dst + j, f32x4.add(v128.load(dst + j), v128.load(row + j)));
    for (; j < Nb; j += 4) store<f32>(dst + j, load<f32>(dst + j) + load<f32>(row + j));
  }
}

// dst[n] = a[n] ⊙ m[n] (or a copy when m is 0), or dst += a when add.
function rowOp(n: i32, a: usize, m: usize, dst: usize, add: bool): void {
  const nb = <usize>n << 2, n4 = <usize>(n & ~3) << 2;
  if (!m && !add) { memory.copy(dst, a, nb); return; }
  let j: usize = 0;
  if (add) {
    for (; j < n4; j += 16) v128.store(dst + j, f32x4.add(v128.load(dst + j), v128.load(a + j)));
    for (; j < nb; j += 4) store<f32>(dst + j, load<f32>(dst + j) + load<f32>(a + j));
  } else {
    for (; j < n4; j += 16) v128.store(dst + j, f32x4.mul(v128.load(a + j), v128.load(m + j)));
    for (; j < nb; j += 4) store<f32>(dst + j, load<f32>(a + j) * load<f32>(m + j));
  }
}

// @ts-ignore: decorator
@inline function skipped(mask: usize, T: i32, b: i32, t: i32): bool {
  return mask != 0 && load<f32>(mask + (<usize>(b * T + t) << 2)) == 0;
}

// ---- forward -----------------------------------------------------------------------------------------

// Four units of one sequence. z: Z_s at unit j (gate blocks Hb bytes apart); bias and peep the same.
// A, R (act, recAct) and P (peephole) are constants where this is inlined, so their tests fold away.
// @ts-ignore: decorator
@inline function cellForward4(A: i32, R: i32, P: bool, Hb: usize, H2b: usize, H3b: usize, z: usize, bias: usize, peep: usize, cp: usize, gOut: usize, cOut: usize, hOut: usize): void {
  const cPrev = v128.load(cp);
  let zi = f32x4.add(v128.load(z), v128.load(bias));
  let zf = f32x4.add(v128.load(z + Hb), v128.load(bias + Hb));
  const zg = f32x4.add(v128.load(z + H2b), v128.load(bias + H2b));
  let zo = f32x4.add(v128.load(z + H3b), v128.load(bias + H3b));
  if (P) {
    zi = madd(v128.load(peep), cPrev, zi);
    zf = madd(v128.load(peep + Hb), cPrev, zf);
  }
  const i = act_v(R, zi), f = act_v(R, zf), g = act_v(A, zg);
  const c = madd(f, cPrev, f32x4.mul(i, g));
  // the output gate looks at the new cell, not the old one
  if (P) zo = madd(v128.load(peep + H2b), c, zo);
  const o = act_v(R, zo);
  // cache the gates after their activations for the backward pass
  v128.store(gOut, i);
  v128.store(gOut + Hb, f);
  v128.store(gOut + H2b, g);
  v128.store(gOut + H3b, o);
  v128.store(cOut, c);
  v128.store(hOut, f32x4.mul(o, act_v(A, c)));
}

// The same for one unit (H not a multiple of 4); act_s is lane 0 of act_v, so the results agree.
// @ts-ignore: decorator
@inline function cellForward1(A: i32, R: i32, P: bool, Hb: usize, H2b: usize, H3b: usize, z: usize, bias: usize, peep: usize, cp: usize, gOut: usize, cOut: usize, hOut: usize): void {
  const cPrev = load<f32>(cp);
  let zi = load<f32>(z) + load<f32>(bias);
  let zf = load<f32>(z + Hb) + load<f32>(bias + Hb);
  const zg = load<f32>(z + H2b) + load<f32>(bias + H2b);
  let zo = load<f32>(z + H3b) + load<f32>(bias + H3b);
  if (P) {
    zi += load<f32>(peep) * cPrev;
    zf += load<f32>(peep + Hb) * cPrev;
  }
  const i = act_s(R, zi), f = act_s(R, zf), g = act_s(A, zg);
  const c = f * cPrev + i * g;
  if (P) zo += load<f32>(peep + H2b) * c;
  const o = act_s(R, zo);
  store<f32>(gOut, i);
  store<f32>(gOut + Hb, f);
  store<f32>(gOut + H2b, g);
  store<f32>(gOut + H3b, o);
  store<f32>(cOut, c);
  store<f32>(hOut, o * act_s(A, c));
}

// @ts-ignore: decorator
@inline function forwardRows(A: i32, R: i32, P: bool, B: i32, T: i32, H: i32, s: i32, t: i32,
  XW: usize, bias: usize, peep: usize, h0: usize, c0: usize, mask: usize, zeros: usize,
  gates: usize, cseq: usize, hseq: usize): void {
  const Hb = <usize>H << 2, H2b = Hb << 1, H3b = Hb * 3, Gb = Hb << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const out = <usize>(b * T + s);
    const hOut = hseq + out * Hb, cOut = cseq + out * Hb, gOut = gates + out * Gb;
    const hp = s > 0 ? hOut - Hb : (h0 ? h0 + <usize>b * Hb : zeros);
    const cp = s > 0 ? cOut - Hb : (c0 ? c0 + <usize>b * Hb : zeros);
    if (skipped(mask, T, b, t)) {
      // a skipped step carries h and c through unchanged (Keras masking); its gates read as zero
      memory.copy(hOut, hp, Hb);
      memory.copy(cOut, cp, Hb);
      memory.fill(gOut, 0, Gb);
      continue;
    }
    const z = XW + <usize>(b * T + t) * Gb;
    let j: usize = 0;
    for (; j < H4; j += 16) cellForward4(A, R, P, Hb, H2b, H3b, z + j, bias + j, peep + j, cp + j, gOut + j, cOut + j, hOut + j);
    for (; j < Hb; j += 4) cellForward1(A, R, P, Hb, H2b, H3b, z + j, bias + j, peep + j, cp + j, gOut + j, cOut + j, hOut + j);
  }
}

// One step's fused pass over every sequence, specialised for the usual activations (int8.ts runs it too).
export function forwardStep(act: i32, recAct: i32, P: bool, B: i32, T: i32, H: i32, s: i32, t: i32,
  XW: usize, bias: usize, peep: usize, h0: usize, c0: usize, mask: usize, zeros: usize,
  gates: usize, cseq: usize, hseq: usize): void {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) {
    if (P) forwardRows(ACT_TANH, ACT_SIGMOID, true, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
    else forwardRows(ACT_TANH, ACT_SIGMOID, false, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
  } else if (act == ACT_TANH && recAct == ACT_HARD_SIGMOID) {
    if (P) forwardRows(ACT_TANH, ACT_HARD_SIGMOID, true, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
    else forwardRows(ACT_TANH, ACT_HARD_SIGMOID, false, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
  } else {
    if (P) forwardRows(act, recAct, true, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
    else forwardRows(act, recAct, false, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
  }
}

export function lstm_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, peep: usize, h0: usize, c0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, cseq: usize, hseq: usize, hT: usize, cT: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H, BT = B * T;
  const Hb = <usize>H << 2, Gb = <usize>G << 2;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  // peepholes of zero change nothing, so absent ones cost nothing either
  const P = (flags & FLAG_PEEPHOLE) != 0 && peep != 0;
  const Wpk = scratch;
  const Upk = Wpk + bytes(gemm_packed_size(I, G));
  const XW = Upk + bytes(gemm_packed_size(H, G));
  const Xd = XW + bytes(BT * G);
  const Hd = Xd + bytes(BT * I);
  const zeros = Hd + bytes(B * H);
  memory.fill(zeros, 0, Gb);
  if (!bias) bias = zeros;

  if (!(flags & FLAG_PACKED)) {
    gemm_pack_b(W, G, I, G, 0, Wpk);
    gemm_pack_b(U, G, H, G, 0, Upk);
  }
  let xs = x;
  if (xDrop) { scaleRows(B, T, I, x, xDrop, Xd); xs = Xd; }
  gemm_packed(BT, G, I, xs, I, 0, Wpk, XW, G, 0);

  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    // Z_s = XW_t + h̃_{s-1}·U, accumulated where XW_t lies (no step reads XW_t again): row b of
    // step t is T·G floats after row b-1. h_{s-1} of every sequence sits in hseq already, T·H
    // floats apart; only recurrent dropout needs a copy. A zero h0 adds nothing.
    let hp: usize = 0, ldh = H;
    if (s > 0) { hp = hseq + <usize>(s - 1) * Hb; ldh = T * H; }
    else if (h0) hp = h0;
    if (hp) {
      if (hDrop) {
        for (let b = 0; b < B; b++) rowOp(H, hp + <usize>b * (<usize>ldh << 2), hDrop + <usize>b * Hb, Hd + <usize>b * Hb, false);
        hp = Hd; ldh = H;
      }
      gemm_packed(B, G, H, hp, ldh, 0, Upk, XW + <usize>t * Gb, T * G, 1);
    }
    forwardStep(act, recAct, P, B, T, H, s, t, XW, bias, peep, h0, c0, mask, zeros, gates, cseq, hseq);
  }
  // the final state is the last output: masked steps have carried it there
  for (let b = 0; b < B; b++) {
    const last = <usize>(b * T + T - 1) * Hb;
    if (hT) memory.copy(hT + <usize>b * Hb, hseq + last, Hb);
    if (cT) memory.copy(cT + <usize>b * Hb, cseq + last, Hb);
  }
}

// ---- backward ----------------------------------------------------------------------------------------

// Four units of one sequence, the forward cell read bottom up. dh: the total gradient reaching h_s;
// dc: the gradient reaching c_s from later steps, replaced by the one reaching c_{s-1}. dp: the
// running peephole sums p_i, p_f, p_o.
// @ts-ignore: decorator
@inline function cellBackward4(A: i32, R: i32, P: bool, Hb: usize, H2b: usize, H3b: usize, dhv: v128, g: usize, cs: usize, cp: usize, peep: usize, dc: usize, dz: usize, dp: usize): void {
  const i = v128.load(g), f = v128.load(g + Hb), gg = v128.load(g + H2b), o = v128.load(g + H3b);
  const c = v128.load(cs), cPrev = v128.load(cp);
  // in the forward pass h = o⊙act(c) (act(c) is recomputed: the same function gives the same value),
  // so now the gradient reaches o, and c through act
  const ac = act_v(A, c);
  const dzo = f32x4.mul(f32x4.mul(dhv, ac), dact_v(R, o));
  let dcv = madd(f32x4.mul(dhv, o), dact_v(A, ac), v128.load(dc));
  // o = σ(z_o + p_o⊙c): c feeds o too
  if (P) dcv = madd(dzo, v128.load(peep + H2b), dcv);
  // c = f⊙c_{s-1} + i⊙g
  const dzi = f32x4.mul(f32x4.mul(dcv, gg), dact_v(R, i));
  const dzf = f32x4.mul(f32x4.mul(dcv, cPrev), dact_v(R, f));
  const dzg = f32x4.mul(f32x4.mul(dcv, i), dact_v(A, gg));
  let dcPrev = f32x4.mul(dcv, f);
  // i = σ(z_i + p_i⊙c_{s-1}), f = σ(z_f + p_f⊙c_{s-1})
  if (P) {
    dcPrev = madd(dzi, v128.load(peep), dcPrev);
    dcPrev = madd(dzf, v128.load(peep + Hb), dcPrev);
    v128.store(dp, madd(dzi, cPrev, v128.load(dp)));
    v128.store(dp + Hb, madd(dzf, cPrev, v128.load(dp + Hb)));
    v128.store(dp + H2b, madd(dzo, c, v128.load(dp + H2b)));
  }
  v128.store(dz, dzi);
  v128.store(dz + Hb, dzf);
  v128.store(dz + H2b, dzg);
  v128.store(dz + H3b, dzo);
  v128.store(dc, dcPrev);
}

// @ts-ignore: decorator
@inline function cellBackward1(A: i32, R: i32, P: bool, Hb: usize, H2b: usize, H3b: usize, dhv: f32, g: usize, cs: usize, cp: usize, peep: usize, dc: usize, dz: usize, dp: usize): void {
  const i = load<f32>(g), f = load<f32>(g + Hb), gg = load<f32>(g + H2b), o = load<f32>(g + H3b);
  const c = load<f32>(cs), cPrev = load<f32>(cp);
  const ac = act_s(A, c);
  const dzo = dhv * ac * dact_s(R, o);
  let dcv = load<f32>(dc) + dhv * o * dact_s(A, ac);
  if (P) dcv += dzo * load<f32>(peep + H2b);
  const dzi = dcv * gg * dact_s(R, i);
  const dzf = dcv * cPrev * dact_s(R, f);
  const dzg = dcv * i * dact_s(A, gg);
  let dcPrev = dcv * f;
  if (P) {
    dcPrev += dzi * load<f32>(peep) + dzf * load<f32>(peep + Hb);
    store<f32>(dp, load<f32>(dp) + dzi * cPrev);
    store<f32>(dp + Hb, load<f32>(dp + Hb) + dzf * cPrev);
    store<f32>(dp + H2b, load<f32>(dp + H2b) + dzo * c);
  }
  store<f32>(dz, dzi);
  store<f32>(dz + Hb, dzf);
  store<f32>(dz + H2b, dzg);
  store<f32>(dz + H3b, dzo);
  store<f32>(dc, dcPrev);
}

// @ts-ignore: decorator
@inline function backwardRows(A: i32, R: i32, P: bool, B: i32, T: i32, H: i32, s: i32, t: i32,
  gates: usize, cseq: usize, c0: usize, mask: usize, peep: usize, zeros: usize, dhseq: usize,
  dh: usize, dc: usize, dZ: usize, dp: usize): void {
  const Hb = <usize>H << 2, H2b = Hb << 1, H3b = Hb * 3, Gb = Hb << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const out = <usize>(b * T + s);
    const dhb = dh + <usize>b * Hb, dcb = dc + <usize>b * Hb;
    const dz = dZ + <usize>(b * T + t) * Gb;
    const dhs = dhseq ? dhseq + out * Hb : 0;
    if (skipped(mask, T, b, t)) {
      // in the forward pass the step copied h and c, so dh and dc flow straight to the step before,
      // and Z_s fed nothing
      if (dhs) rowOp(H, dhs, 0, dhb, true);
      memory.fill(dz, 0, Gb);
      continue;
    }
    const g = gates + out * Gb, cs = cseq + out * Hb;
    const cp = s > 0 ? cs - Hb : (c0 ? c0 + <usize>b * Hb : zeros);
    let j: usize = 0;
    for (; j < H4; j += 16) {
      let dhv = v128.load(dhb + j);
      if (dhs) dhv = f32x4.add(dhv, v128.load(dhs + j));
      cellBackward4(A, R, P, Hb, H2b, H3b, dhv, g + j, cs + j, cp + j, peep + j, dcb + j, dz + j, dp + j);
    }
    for (; j < Hb; j += 4) {
      let dhv = load<f32>(dhb + j);
      if (dhs) dhv += load<f32>(dhs + j);
      cellBackward1(A, R, P, Hb, H2b, H3b, dhv, g + j, cs + j, cp + j, peep + j, dcb + j, dz + j, dp + j);
    }
  }
}

function backwardStep(act: i32, recAct: i32, P: bool, B: i32, T: i32, H: i32, s: i32, t: i32,
  gates: usize, cseq: usize, c0: usize, mask: usize, peep: usize, zeros: usize, dhseq: usize,
  dh: usize, dc: usize, dZ: usize, dp: usize): void {
  if (act == ACT_TANH && recAct == ACT_SIGMOID) {
    if (P) backwardRows(ACT_TANH, ACT_SIGMOID, true, B, T, H, s, t, gates, cseq, c0, mask, peep, zeros, dhseq, dh, dc, dZ, dp);
    else backwardRows(ACT_TANH, ACT_SIGMOID, false, B, T, H, s, t, gates, cseq, c0, mask, peep, zeros, dhseq, dh, dc, dZ, dp);
  } else if (act == ACT_TANH && recAct == ACT_HARD_SIGMOID) {
    if (P) backwardRows(ACT_TANH, ACT_HARD_SIGMOID, true, B, T, H, s, t, gates, cseq, c0, mask, peep, zeros, dhseq, dh, dc, dZ, dp);
    else backwardRows(ACT_TANH, ACT_HARD_SIGMOID, false, B, T, H, s, t, gates, cseq, c0, mask, peep, zeros, dhseq, dh, dc, dZ, dp);
  } else {
    if (P) backwardRows(act, recAct, true, B, T, H, s, t, gates, cseq, c0, mask, peep, zeros, dhseq, dh, dc, dZ, dp);
    else backwardRows(act, recAct, false, B, T, H, s, t, gates, cseq, c0, mask, peep, zeros, dhseq, dh, dc, dZ, dp);
  }
}

export function lstm_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, peep: usize, h0: usize, c0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, cseq: usize, hseq: usize, dhseq: usize, dhT: usize, dcT: usize,
  dW: usize, dU: usize, db: usize, dpeep: usize, dx: usize, dh0: usize, dc0: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H, BT = B * T;
  const Hb = <usize>H << 2, Gb = <usize>G << 2, BHb = <usize>(B * H) << 2;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  // With the peephole flag the gradient of p is wanted even where p is absent (zero).
  const P = (flags & FLAG_PEEPHOLE) != 0;
  // dZ rows are stacked in time order (row b·T + t), the rows of X̃, so dW = X̃ᵀ·dZ lines up.
  const dZ = scratch;
  const loop = dZ + bytes(BT * G);
  const UTpk = loop;
  const dh = UTpk + bytes(gemm_packed_size(G, H));
  const dc = dh + bytes(B * H);
  const dhr = dc + bytes(B * H);
  const zeros = dhr + bytes(B * H);
  const dp = zeros + bytes(G);
  const after = loop;
  const dZpk = after;
  const Hp = dZpk + bytes(gemm_packed_size(BT, G));
  const Xd = Hp + bytes(BT * H);
  const WTpk = Xd + bytes(BT * I);
  memory.fill(zeros, 0, Gb);
  if (P) memory.fill(dp, 0, <usize>(3 * H) << 2);
  const pw = peep ? peep : zeros;

  // In the forward pass h̃_{s-1}·U fed every gate, so now dh̃_{s-1} = dZ_s·Uᵀ: pack Uᵀ once.
  gemm_pack_b(U, G, G, H, 1, UTpk);
  if (dhT) memory.copy(dh, dhT, BHb); else memory.fill(dh, 0, BHb);
  if (dcT) memory.copy(dc, dcT, BHb); else memory.fill(dc, 0, BHb);

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    backwardStep(act, recAct, P, B, T, H, s, t, gates, cseq, c0, mask, pw, zeros, dhseq, dh, dc, dZ, dp);
    // dh_{s-1}: the step's rows of dZ sit T·G floats apart. A skipped step keeps the dh that
    // flowed through it; dropout on h̃ multiplies the gradient as it multiplied h.
    if (s == 0 && !dh0) break;
    if (!mask && !hDrop) {
      gemm_packed(B, H, G, dZ + <usize>t * Gb, T * G, 0, UTpk, dh, H, 0);
    } else {
      gemm_packed(B, H, G, dZ + <usize>t * Gb, T * G, 0, UTpk, dhr, H, 0);
      for (let b = 0; b < B; b++) {
        if (skipped(mask, T, b, t)) continue;
        rowOp(H, dhr + <usize>b * Hb, hDrop ? hDrop + <usize>b * Hb : 0, dh + <usize>b * Hb, false);
      }
    }
  }
  // the loop's region is reused below: take what it leaves first
  if (dh0) memory.copy(dh0, dh, BHb);
  if (dc0) memory.copy(dc0, dc, BHb);
  if (P && dpeep) memory.copy(dpeep, dp, <usize>(3 * H) << 2);

  if (db) columnSums(BT, G, dZ, db);
  if (dW || dU) gemm_pack_b(dZ, G, BT, G, 0, dZpk);
  if (dW) {
    let xs = x;
    if (xDrop) { scaleRows(B, T, I, x, xDrop, Xd); xs = Xd; }
    gemm_packed(I, G, BT, xs, I, 1, dZpk, dW, G, 0);
  }
  if (dU) {
    // H̃_prev in the rows of dZ: row b·T + t holds h̃_{s-1}, the h that step s multiplied by U
    for (let b = 0; b < B; b++) {
      const hd = hDrop ? hDrop + <usize>b * Hb : 0;
      for (let s = 0; s < T; s++) {
        const t = back ? T - 1 - s : s;
        const dst = Hp + <usize>(b * T + t) * Hb;
        if (s > 0) rowOp(H, hseq + <usize>(b * T + s - 1) * Hb, hd, dst, false);
        else if (h0) rowOp(H, h0 + <usize>b * Hb, hd, dst, false);
        else memory.fill(dst, 0, Hb);
      }
    }
    gemm_packed(H, G, BT, Hp, H, 1, dZpk, dU, G, 0);
  }
  if (dx) {
    // in the forward pass X̃·W, so now dX̃ = dZ·Wᵀ, and dx = dX̃ ⊙ xDrop
    gemm_pack_b(W, G, G, I, 1, WTpk);
    gemm_packed(BT, I, G, dZ, G, 0, WTpk, dx, I, 0);
    if (xDrop) scaleRows(B, T, I, dx, xDrop, dx);
  }
}
