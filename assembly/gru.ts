// GRU forward and backward (Keras layout, gate order z, r, h). ABI: README.md in this folder.
//
// B = batch, T = steps, I = input features, H = units, G = 3H. s is the processing step and
// t = goBackwards ? T-1-s : s the input time: x, mask, dx and the stacked gradients dZ are rows
// b·T + t; gates, hrec, hseq and dhseq are rows b·T + s.
//
// Forward. X̂ = X̃·W (one GEMM for all steps, X̃ = x ⊙ xDrop) + b, then per step, with
// h̃ = h_{s-1} ⊙ hDrop (recurrent dropout only inside the products with U, as Keras):
//   resetAfter (flag 1; bias [2, 3H] = b_i, b_r):
//     R = h̃·U + b_r;  z = σ(x̂_z + R_z), r = σ(x̂_r + R_r), hh = act(x̂_h + r ⊙ R_h)
//   otherwise (bias [3H]):
//     R = h̃·U_zr;     z, r as above,                     hh = act(x̂_h + (r ⊙ h̃)·U_h)
//   h_s = z ⊙ h_{s-1} + (1 - z) ⊙ hh
// gates keeps z, r, hh and hrec the recurrent part of the candidate (R_h, or (r ⊙ h̃)·U_h), for
// the backward pass. A masked step carries h through and writes zero gates and hrec.
//
// Backward (BPTT, s = T-1 .. 0): one fused pass per step turns dh into the pre-activation
// gradients dZx (input side) and, with resetAfter, dZr (recurrent side, which differs only in the
// candidate block); only the products with Uᵀ stay in the loop (one with resetAfter; two without,
// since U_h multiplies r ⊙ h̃). After it, with every row stacked: dW = X̃ᵀ·dZx, dU = H̃ᵀ·dZr (without
// resetAfter per block: dU_zr = H̃ᵀ·dZx_zr, dU_h = (r ⊙ H̃)ᵀ·dZx_h), dX = (dZx·Wᵀ) ⊙ xDrop,
// db = Σ dZx (and Σ dZr). hrec is read only with resetAfter.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { act_v, dact_v } from "./activations";
import { madd, ACT_SIGMOID, ACT_TANH } from "./common";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, columnSums, droppedInput, f32at, inputGradient, isMasked, ld, r16, st } from "./recurrent";
import { FLAG_RESET_AFTER } from "./abi";

// ld, st (a tail of H runs the vector code on one lane) and isMasked: recurrent.ts.

// Scratch, in f32 units, each region 64-byte aligned. The packed W and U come first, at offsets
// that depend only on I, H and flags, so FLAG_PACKED finds them again whatever B and T are.
function packedWeightsSize(I: i32, H: i32, after: bool): i32 {
  const G = 3 * H;
  return r16(gemm_packed_size(I, G)) + (after ? r16(gemm_packed_size(H, G)) : r16(gemm_packed_size(H, 2 * H)) + r16(gemm_packed_size(H, H)));
}

export function gru_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  const G = 3 * H, BT = B * T;
  const after = (flags & FLAG_RESET_AFTER) != 0;
  const fwd = packedWeightsSize(I, H, after) + r16(BT * G) + r16(BT * I) + r16(B * G) + 3 * r16(B * H) + r16(G);
  const bwd = 2 * r16(BT * G) + r16(BT * H) + r16(BT * I) + 2 * r16(B * H) + backwardPackSize(BT, I, H, after);
  return max(fwd, bwd);
}

// ---- forward --------------------------------------------------------------------------------------

// One unit group of a resetAfter step: everything from R = h̃·U to the new h.
// @ts-ignore: decorator
@inline function cellAfter(ra: i32, a: i32, vec: bool, o: usize, Hb: usize,
  xw: usize, R: usize, bz: usize, brh: usize, hb: usize, hd: usize, hDrop: usize, g: usize, hr: usize, hs: usize): void {
  let az = f32x4.add(ld(xw + o, vec), ld(R + o, vec));
  let ar = f32x4.add(ld(xw + Hb + o, vec), ld(R + Hb + o, vec));
  let xh = ld(xw + 2 * Hb + o, vec);
  let rec = ld(R + 2 * Hb + o, vec);
  if (bz) {
    az = f32x4.add(az, ld(bz + o, vec));
    ar = f32x4.add(ar, ld(bz + Hb + o, vec));
    xh = f32x4.add(xh, ld(bz + 2 * Hb + o, vec));
    rec = f32x4.add(rec, ld(brh + o, vec));
  }
  const z = act_v(ra, az), r = act_v(ra, ar);
  const hh = act_v(a, madd(r, rec, xh));
  const hp = ld(hb + o, vec);
  // z ⊙ hp + (1 - z) ⊙ hh as hh + z ⊙ (hp - hh): one multiply-add
  const h = madd(z, f32x4.sub(hp, hh), hh);
  st(hb + o, h, vec);
  if (hDrop) st(hd + o, f32x4.mul(h, ld(hDrop + o, vec)), vec);
  if (hs) st(hs + o, h, vec);
  if (g) {
    st(g + o, z, vec);
    st(g + Hb + o, r, vec);
    st(g + 2 * Hb + o, hh, vec);
  }
  if (hr) st(hr + o, rec, vec);
}

// z and r of a step without resetAfter, kept in R's first two blocks; r ⊙ h̃ for the U_h product.
// @ts-ignore: decorator
@inline function cellGatesBefore(ra: i32, vec: bool, o: usize, Hb: usize, xw: usize, R: usize, bz: usize, hprev: usize, rh: usize): void {
  let az = f32x4.add(ld(xw + o, vec), ld(R + o, vec));
  let ar = f32x4.add(ld(xw + Hb + o, vec), ld(R + Hb + o, vec));
  if (bz) {
    az = f32x4.add(az, ld(bz + o, vec));
    ar = f32x4.add(ar, ld(bz + Hb + o, vec));
  }
  const z = act_v(ra, az), r = act_v(ra, ar);
  st(R + o, z, vec);
  st(R + Hb + o, r, vec);
  st(rh + o, f32x4.mul(r, ld(hprev + o, vec)), vec);
}

// The candidate and the new h of a step without resetAfter, once R_h = (r ⊙ h̃)·U_h is known.
// @ts-ignore: decorator
@inline function cellBefore(a: i32, vec: bool, o: usize, Hb: usize,
  xw: usize, R: usize, bz: usize, hb: usize, hd: usize, hDrop: usize, g: usize, hr: usize, hs: usize): void {
  const z = ld(R + o, vec);
  const rec = ld(R + 2 * Hb + o, vec);
  let xh = ld(xw + 2 * Hb + o, vec);
  if (bz) xh = f32x4.add(xh, ld(bz + 2 * Hb + o, vec));
  const hh = act_v(a, f32x4.add(xh, rec));
  const hp = ld(hb + o, vec);
  const h = madd(z, f32x4.sub(hp, hh), hh);
  st(hb + o, h, vec);
  if (hDrop) st(hd + o, f32x4.mul(h, ld(hDrop + o, vec)), vec);
  if (hs) st(hs + o, h, vec);
  if (g) {
    st(g + o, z, vec);
    st(g + Hb + o, ld(R + Hb + o, vec), vec);
    st(g + 2 * Hb + o, hh, vec);
  }
  if (hr) st(hr + o, rec, vec);
}

// A masked step: h (and h̃) stay as they are; its output is the previous one, gates and hrec zero.
// @ts-ignore: decorator
@inline function skipRow(Hb: usize, hb: usize, g: usize, hr: usize, hs: usize): void {
  if (hs) memory.copy(hs, hb, Hb);
  if (g) memory.fill(g, 0, 3 * Hb);
  if (hr) memory.fill(hr, 0, Hb);
}


// One resetAfter step over the batch. Inline with constant codes, the activations fold away.
// @ts-ignore: decorator
@inline export function stepAfter(ra: i32, a: i32, B: i32, T: i32, H: i32, s: i32, t: i32, mask: usize,
  XW: usize, R: usize, bz: usize, brh: usize, hb: usize, hd: usize, hDrop: usize, gates: usize, hrec: usize, hseq: usize): void {
  const G = 3 * H;
  const Hb = <usize>H << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const out = b * T + s;
    const g = gates ? f32at(gates, out * G) : 0, hr = hrec ? f32at(hrec, out * H) : 0, hs = hseq ? f32at(hseq, out * H) : 0;
    const hbr = f32at(hb, b * H);
    if (isMasked(mask, b * T + t)) {
      skipRow(Hb, hbr, g, hr, hs);
      continue;
    }
    const xw = f32at(XW, (b * T + t) * G), Rr = f32at(R, b * G), hdr = f32at(hd, b * H), hDr = hDrop ? f32at(hDrop, b * H) : 0;
    let o: usize = 0;
    for (; o < H4; o += 16) cellAfter(ra, a, true, o, Hb, xw, Rr, bz, brh, hbr, hdr, hDr, g, hr, hs);
    for (; o < Hb; o += 4) cellAfter(ra, a, false, o, Hb, xw, Rr, bz, brh, hbr, hdr, hDr, g, hr, hs);
  }
}

// One step without resetAfter: z and r, then (r ⊙ h̃)·U_h, then the candidate and h.
// @ts-ignore: decorator
@inline function stepBefore(ra: i32, a: i32, B: i32, T: i32, H: i32, s: i32, t: i32, mask: usize,
  XW: usize, R: usize, bz: usize, Uhpk: usize, hprev: usize, rh: usize, hb: usize, hd: usize, hDrop: usize, gates: usize, hrec: usize, hseq: usize): void {
  const G = 3 * H;
  const Hb = <usize>H << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    if (isMasked(mask, b * T + t)) continue;
    const xw = f32at(XW, (b * T + t) * G), Rr = f32at(R, b * G), hp = f32at(hprev, b * H), rhr = f32at(rh, b * H);
    let o: usize = 0;
    for (; o < H4; o += 16) cellGatesBefore(ra, true, o, Hb, xw, Rr, bz, hp, rhr);
    for (; o < Hb; o += 4) cellGatesBefore(ra, false, o, Hb, xw, Rr, bz, hp, rhr);
  }
  gemm_packed(B, H, H, rh, H, 0, Uhpk, f32at(R, 2 * H), G, 0);
  for (let b = 0; b < B; b++) {
    const out = b * T + s;
    const g = gates ? f32at(gates, out * G) : 0, hr = hrec ? f32at(hrec, out * H) : 0, hs = hseq ? f32at(hseq, out * H) : 0;
    const hbr = f32at(hb, b * H);
    if (isMasked(mask, b * T + t)) {
      skipRow(Hb, hbr, g, hr, hs);
      continue;
    }
    const xw = f32at(XW, (b * T + t) * G), Rr = f32at(R, b * G), hdr = f32at(hd, b * H), hDr = hDrop ? f32at(hDrop, b * H) : 0;
    let o: usize = 0;
    for (; o < H4; o += 16) cellBefore(a, true, o, Hb, xw, Rr, bz, hbr, hdr, hDr, g, hr, hs);
    for (; o < Hb; o += 4) cellBefore(a, false, o, Hb, xw, Rr, bz, hbr, hdr, hDr, g, hr, hs);
  }
}

export function gru_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, hrec: usize, hseq: usize, hT: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 3 * H, BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const after = (flags & FLAG_RESET_AFTER) != 0;
  const Wpk = scratch;
  const Upk = f32at(Wpk, r16(gemm_packed_size(I, G)));
  const Uhpk = f32at(Upk, r16(gemm_packed_size(H, 2 * H)));
  const XW = f32at(scratch, packedWeightsSize(I, H, after));
  const xd = f32at(XW, r16(BT * G));
  const R = f32at(xd, r16(BT * I));
  const hb = f32at(R, r16(B * G));  // h_{s-1}, then h_s: each unit is read before it is written
  const hd = f32at(hb, r16(B * H)); // h̃ = h ⊙ hDrop, the operand of the recurrent product
  const rh = f32at(hd, r16(B * H));
  const bsum = f32at(rh, r16(B * H));
  if (!(flags & FLAG_PACKED)) {
    gemm_pack_b(W, G, I, G, 0, Wpk);
    if (after) gemm_pack_b(U, G, H, G, 0, Upk);
    else {
      gemm_pack_b(U, G, H, 2 * H, 0, Upk);
      gemm_pack_b(f32at(U, 2 * H), G, H, H, 0, Uhpk);
    }
  }

  // X̃·W for every step at once. The fused passes add the bias, which stays in L1: cheaper than
  // writing it into all B·T rows first. With resetAfter the recurrent biases of z and r only ever
  // add to the input ones, so they are summed once here; b_rh stays apart (r multiplies it).
  gemm_packed(BT, G, I, droppedInput(B, T, I, x, xDrop, xd), I, 0, Wpk, XW, G, 0);
  const bz = bias ? bsum : 0, brh = bias && after ? f32at(bias, G + 2 * H) : 0;
  if (bias) {
    for (let n = 0; n < G; n++) {
      let v = load<f32>(f32at(bias, n));
      if (after && n < 2 * H) v += load<f32>(f32at(bias, G + n));
      store<f32>(f32at(bsum, n), v);
    }
  }

  if (h0) memory.copy(hb, h0, <usize>(B * H) << 2);
  else memory.fill(hb, 0, <usize>(B * H) << 2);
  if (hDrop) for (let k = 0; k < B * H; k++) store<f32>(f32at(hd, k), load<f32>(f32at(hb, k)) * load<f32>(f32at(hDrop, k)));
  const hprev = hDrop ? hd : hb;

  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    gemm_packed(B, after ? G : 2 * H, H, hprev, H, 0, Upk, R, G, 0);
    if (after) {
      if (recAct == ACT_SIGMOID && act == ACT_TANH) stepAfter(ACT_SIGMOID, ACT_TANH, B, T, H, s, t, mask, XW, R, bz, brh, hb, hd, hDrop, gates, hrec, hseq);
      else stepAfter(recAct, act, B, T, H, s, t, mask, XW, R, bz, brh, hb, hd, hDrop, gates, hrec, hseq);
    } else {
      if (recAct == ACT_SIGMOID && act == ACT_TANH) stepBefore(ACT_SIGMOID, ACT_TANH, B, T, H, s, t, mask, XW, R, bz, Uhpk, hprev, rh, hb, hd, hDrop, gates, hrec, hseq);
      else stepBefore(recAct, act, B, T, H, s, t, mask, XW, R, bz, Uhpk, hprev, rh, hb, hd, hDrop, gates, hrec, hseq);
    }
  }
  if (hT) memory.copy(hT, hb, <usize>(B * H) << 2);
}

// ---- backward -------------------------------------------------------------------------------------

// After the loop the stacked gradients are packed for dW and dU, and Wᵀ for dX; before it, Uᵀ.
// One region serves all of them in turn.
function backwardPackSize(BT: i32, I: i32, H: i32, after: bool): i32 {
  const G = 3 * H;
  const UT = after ? r16(gemm_packed_size(G, H)) : r16(gemm_packed_size(2 * H, H)) + r16(gemm_packed_size(H, H));
  const dZ = after ? r16(gemm_packed_size(BT, G)) : r16(gemm_packed_size(BT, 2 * H)) + r16(gemm_packed_size(BT, H));
  return max(max(UT, dZ), r16(gemm_packed_size(G, I)));
}

// dh_s: what came back through z ⊙ h_{s-1} (dc), through the products with U at step s+1 (dt, on
// h̃, so times hDrop), and from the output sequence.
// @ts-ignore: decorator
@inline function incomingGrad(vec: bool, o: usize, dc: usize, dt: usize, hDrop: usize, dhs: usize): v128 {
  let d = ld(dt + o, vec);
  if (hDrop) d = f32x4.mul(d, ld(hDrop + o, vec));
  d = f32x4.add(d, ld(dc + o, vec));
  if (dhs) d = f32x4.add(d, ld(dhs + o, vec));
  return d;
}

// In the forward pass a masked step copied h, so dh goes on to step s-1 unchanged.
// @ts-ignore: decorator
@inline function gradSkip(vec: bool, o: usize, dc: usize, dt: usize, hDrop: usize, dhs: usize): void {
  st(dc + o, incomingGrad(vec, o, dc, dt, hDrop, dhs), vec);
}

// The forward's cellAfter / cellBefore, backwards: from dh_s to the pre-activation gradients.
// h = z ⊙ hp + (1 - z) ⊙ hh, so dz = dh ⊙ (hp - hh), dhh = dh ⊙ (1 - z), dhp = dh ⊙ z.
// resetAfter: hh = act(x̂_h + r ⊙ R_h), so dr = dah ⊙ R_h and dR_h = dah ⊙ r.
// Without it the r block needs (dah·U_hᵀ), which only exists after the step's first product
// (cellRBefore). Hs keeps h̃ (and RHs r ⊙ h̃) in rows by t for dU after the loop.
// @ts-ignore: decorator
@inline function cellGrad(ra: i32, a: i32, after: bool, vec: bool, o: usize, Hb: usize,
  dc: usize, dt: usize, hDrop: usize, dhs: usize, hp: usize, g: usize, hr: usize, dzx: usize, dzr: usize, hs: usize, rhs: usize): void {
  const dh = incomingGrad(vec, o, dc, dt, hDrop, dhs);
  const z = ld(g + o, vec), r = ld(g + Hb + o, vec), hh = ld(g + 2 * Hb + o, vec);
  const hpv = hp ? ld(hp + o, vec) : f32x4.splat(0);
  const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hpv, hh)), dact_v(ra, z));
  const dah = f32x4.mul(f32x4.mul(dh, f32x4.sub(f32x4.splat(1), z)), dact_v(a, hh));
  st(dc + o, f32x4.mul(dh, z), vec);
  st(dzx + o, daz, vec);
  st(dzx + 2 * Hb + o, dah, vec);
  if (after) {
    const dar = f32x4.mul(f32x4.mul(dah, ld(hr + o, vec)), dact_v(ra, r));
    st(dzx + Hb + o, dar, vec);
    st(dzr + o, daz, vec);
    st(dzr + Hb + o, dar, vec);
    st(dzr + 2 * Hb + o, f32x4.mul(dah, r), vec);
  }
  if (hs) {
    const hdv = hDrop ? f32x4.mul(hpv, ld(hDrop + o, vec)) : hpv;
    st(hs + o, hdv, vec);
    if (!after) st(rhs + o, f32x4.mul(r, hdv), vec);
  }
}

// Without resetAfter: hh = act(x̂_h + (r ⊙ h̃)·U_h). dt holds d(r ⊙ h̃) = dah·U_hᵀ on entry,
// so dr = d(r ⊙ h̃) ⊙ h̃, and h̃ gets d(r ⊙ h̃) ⊙ r (the products with U_zr add the rest).
// @ts-ignore: decorator
@inline function cellRBefore(ra: i32, vec: bool, o: usize, Hb: usize, dt: usize, hDrop: usize, hp: usize, g: usize, dzx: usize): void {
  const drh = ld(dt + o, vec);
  const r = ld(g + Hb + o, vec);
  let hdv = hp ? ld(hp + o, vec) : f32x4.splat(0);
  if (hDrop) hdv = f32x4.mul(hdv, ld(hDrop + o, vec));
  st(dzx + Hb + o, f32x4.mul(f32x4.mul(drh, hdv), dact_v(ra, r)), vec);
  st(dt + o, f32x4.mul(drh, r), vec);
}

// @ts-ignore: decorator
@inline function prevRow(T: i32, H: i32, b: i32, s: i32, h0: usize, hseq: usize): usize {
  return s > 0 ? f32at(hseq, (b * T + s - 1) * H) : h0 ? f32at(h0, b * H) : 0;
}

// One step of BPTT over the batch, the mirror of stepAfter / stepBefore.
// @ts-ignore: decorator
@inline function stepGrad(ra: i32, a: i32, after: bool, B: i32, T: i32, H: i32, s: i32, t: i32, mask: usize,
  h0: usize, hDrop: usize, gates: usize, hrec: usize, hseq: usize, dhseq: usize,
  dZx: usize, dZr: usize, Hs: usize, UTpk: usize, UhTpk: usize, dc: usize, dt: usize): void {
  const G = 3 * H;
  const Hb = <usize>H << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const out = b * T + s, row = b * T + t;
    const dcr = f32at(dc, b * H), dtr = f32at(dt, b * H), hDr = hDrop ? f32at(hDrop, b * H) : 0;
    const dhs = dhseq ? f32at(dhseq, out * H) : 0;
    const dzx = f32at(dZx, row * G);
    const hs = Hs ? f32at(Hs, row * H) : 0;
    const dzr = after ? f32at(dZr, row * G) : 0, rhs = !after && Hs ? f32at(dZr, row * H) : 0;
    let o: usize = 0;
    if (isMasked(mask, row)) {
      for (; o < H4; o += 16) gradSkip(true, o, dcr, dtr, hDr, dhs);
      for (; o < Hb; o += 4) gradSkip(false, o, dcr, dtr, hDr, dhs);
      // zero rows: the products after the loop then take nothing from this step
      memory.fill(dzx, 0, 3 * Hb);
      if (after) memory.fill(dzr, 0, 3 * Hb);
      if (hs) memory.fill(hs, 0, Hb);
      if (rhs) memory.fill(rhs, 0, Hb);
      continue;
    }
    const hp = prevRow(T, H, b, s, h0, hseq);
    const g = f32at(gates, out * G), hr = f32at(hrec, out * H);
    for (; o < H4; o += 16) cellGrad(ra, a, after, true, o, Hb, dcr, dtr, hDr, dhs, hp, g, hr, dzx, dzr, hs, rhs);
    for (; o < Hb; o += 4) cellGrad(ra, a, after, false, o, Hb, dcr, dtr, hDr, dhs, hp, g, hr, dzx, dzr, hs, rhs);
  }
  if (after) {
    // R = h̃·U + b_r, so dh̃ = dR·Uᵀ
    gemm_packed(B, H, G, f32at(dZr, t * G), T * G, 0, UTpk, dt, H, 0);
  } else {
    gemm_packed(B, H, H, f32at(dZx, t * G + 2 * H), T * G, 0, UhTpk, dt, H, 0);
    for (let b = 0; b < B; b++) {
      const out = b * T + s, row = b * T + t;
      if (isMasked(mask, row)) continue; // its dah row was zero, so dt is too
      const dtr = f32at(dt, b * H), hDr = hDrop ? f32at(hDrop, b * H) : 0;
      const hp = prevRow(T, H, b, s, h0, hseq), g = f32at(gates, out * G), dzx = f32at(dZx, row * G);
      let o: usize = 0;
      for (; o < H4; o += 16) cellRBefore(ra, true, o, Hb, dtr, hDr, hp, g, dzx);
      for (; o < Hb; o += 4) cellRBefore(ra, false, o, Hb, dtr, hDr, hp, g, dzx);
    }
    // R_zr = h̃·U_zr, so dh̃ += dZ_zr·U_zrᵀ
    gemm_packed(B, H, 2 * H, f32at(dZx, t * G), T * G, 0, UTpk, dt, H, 1);
  }
}

export function gru_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, hrec: usize, hseq: usize, dhseq: usize, dhT: usize,
  dW: usize, dU: usize, db: usize, dx: usize, dh0: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 3 * H, BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const after = (flags & FLAG_RESET_AFTER) != 0;
  // dZx: gradients at the input pre-activations; dZr: at the recurrent ones (resetAfter), or
  // r ⊙ h̃ stacked (otherwise, for dU_h). Hs: h̃ stacked. All rows b·T + t.
  const dZx = scratch;
  const dZr = f32at(dZx, r16(BT * G));
  const Hs = f32at(dZr, r16(BT * G));
  const xd = f32at(Hs, r16(BT * H));
  const dc = f32at(xd, r16(BT * I));
  const dt = f32at(dc, r16(B * H));
  const P = f32at(dt, r16(B * H));
  const UTpk = P, UhTpk = f32at(P, r16(gemm_packed_size(2 * H, H)));
  if (after) gemm_pack_b(U, G, G, H, 1, UTpk);
  else {
    gemm_pack_b(U, G, 2 * H, H, 1, UTpk);
    gemm_pack_b(f32at(U, 2 * H), G, H, H, 1, UhTpk);
  }
  if (dhT) memory.copy(dc, dhT, <usize>(B * H) << 2);
  else memory.fill(dc, 0, <usize>(B * H) << 2);
  memory.fill(dt, 0, <usize>(B * H) << 2);
  const hs = dU ? Hs : 0;

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    if (recAct == ACT_SIGMOID && act == ACT_TANH) {
      if (after) stepGrad(ACT_SIGMOID, ACT_TANH, true, B, T, H, s, t, mask, h0, hDrop, gates, hrec, hseq, dhseq, dZx, dZr, hs, UTpk, UhTpk, dc, dt);
      else stepGrad(ACT_SIGMOID, ACT_TANH, false, B, T, H, s, t, mask, h0, hDrop, gates, hrec, hseq, dhseq, dZx, dZr, hs, UTpk, UhTpk, dc, dt);
    } else {
      if (after) stepGrad(recAct, act, true, B, T, H, s, t, mask, h0, hDrop, gates, hrec, hseq, dhseq, dZx, dZr, hs, UTpk, UhTpk, dc, dt);
      else stepGrad(recAct, act, false, B, T, H, s, t, mask, h0, hDrop, gates, hrec, hseq, dhseq, dZx, dZr, hs, UTpk, UhTpk, dc, dt);
    }
  }
  // h0 feeds step 0 as every h_{s-1} does: dh0 is what would be dh_{-1}
  if (dh0) {
    const n4 = <usize>((B * H) & ~3) << 2, n = <usize>(B * H) << 2;
    let o: usize = 0;
    for (; o < n4; o += 16) v128.store(dh0 + o, incomingGrad(true, o, dc, dt, hDrop, 0));
    for (; o < n; o += 4) v128.store32_lane(dh0 + o, incomingGrad(false, o, dc, dt, hDrop, 0), 0);
  }

  if (db) {
    columnSums(BT, G, dZx, G, db);
    if (after) columnSums(BT, G, dZr, G, f32at(db, G));
  }
  const xa = dW ? droppedInput(B, T, I, x, xDrop, xd) : 0;
  if (after) {
    if (dW) {
      gemm_pack_b(dZx, G, BT, G, 0, P);
      gemm_packed(I, G, BT, xa, I, 1, P, dW, G, 0);
    }
    if (dU) {
      gemm_pack_b(dZr, G, BT, G, 0, P);
      gemm_packed(H, G, BT, Hs, H, 1, P, dU, G, 0);
    }
  } else if (dW || dU) {
    // z and r blocks apart from the candidate's: U_h multiplies r ⊙ h̃, not h̃
    const P2 = f32at(P, r16(gemm_packed_size(BT, 2 * H)));
    gemm_pack_b(dZx, G, BT, 2 * H, 0, P);
    gemm_pack_b(f32at(dZx, 2 * H), G, BT, H, 0, P2);
    if (dW) {
      gemm_packed(I, 2 * H, BT, xa, I, 1, P, dW, G, 0);
      gemm_packed(I, H, BT, xa, I, 1, P2, f32at(dW, 2 * H), G, 0);
    }
    if (dU) {
      gemm_packed(H, 2 * H, BT, Hs, H, 1, P, dU, G, 0);
      gemm_packed(H, H, BT, dZr, H, 1, P2, f32at(dU, 2 * H), G, 0);
    }
  }
  // x̂ = X̃·W, so dX̃ = dZx·Wᵀ, and dx = dX̃ ⊙ xDrop
  if (dx) inputGradient(B, T, I, G, dZx, W, xDrop, dx, P);
}
