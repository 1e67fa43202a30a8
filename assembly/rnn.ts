// SimpleRNN forward and backward (Keras layout). ABI: README.md in this folder.
//
// B = batch, T = steps, I = input features, H = units. s is the processing step and
// t = goBackwards ? T-1-s : s the input time: x, mask, dx and the stacked dZ are rows b·T + t;
// hseq and dhseq are rows b·T + s.
//
// Forward:  Z = X̃·W for all steps in one GEMM (X̃ = x ⊙ xDrop), then per step
//           Z_t += h̃_{s-1}·U (h̃ = h ⊙ hDrop) and h_s = act(Z_t + b), one fused pass.
// Backward: s = T-1 .. 0: dz_s = dh_s ⊙ act'(h_s), dh̃_{s-1} = dz_s·Uᵀ; after the loop, with every dz
//           stacked: dW = X̃ᵀ·dZ, dU = H̃ᵀ·dZ, dX = (dZ·Wᵀ) ⊙ xDrop, db = Σ dZ.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { act_v, dact_v } from "./activations";
import { ACT_TANH } from "./common";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, columnSums, droppedInput, f32at, inputGradient, isMasked, ld, r16, st } from "./recurrent";

// ld, st (a tail of H runs the vector code on one lane) and isMasked: recurrent.ts.


// Scratch in f32 units. Packed W and U first, at offsets that depend only on I and H (FLAG_PACKED).
export function rnn_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  const BT = B * T;
  const fwd = r16(gemm_packed_size(I, H)) + r16(gemm_packed_size(H, H)) + r16(BT * H) + r16(BT * I) + 2 * r16(B * H);
  const pack = max(max(r16(gemm_packed_size(H, H)), r16(gemm_packed_size(BT, H))), r16(gemm_packed_size(H, I)));
  const bwd = 2 * r16(BT * H) + r16(BT * I) + 2 * r16(B * H) + pack;
  return max(fwd, bwd);
}

// ---- forward --------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function cell(a: i32, vec: bool, o: usize, z: usize, bias: usize, hb: usize, hd: usize, hDrop: usize, hs: usize): void {
  let v = ld(z + o, vec);
  if (bias) v = f32x4.add(v, ld(bias + o, vec));
  const h = act_v(a, v);
  st(hb + o, h, vec);
  if (hDrop) st(hd + o, f32x4.mul(h, ld(hDrop + o, vec)), vec);
  if (hs) st(hs + o, h, vec);
}

// @ts-ignore: decorator
@inline export function step(a: i32, B: i32, T: i32, H: i32, s: i32, t: i32, mask: usize, Z: usize, bias: usize, hb: usize, hd: usize, hDrop: usize, hseq: usize): void {
  const Hb = <usize>H << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const hs = hseq ? f32at(hseq, (b * T + s) * H) : 0, hbr = f32at(hb, b * H);
    if (isMasked(mask, b * T + t)) {
      // a skipped step carries h through unchanged (Keras masking)
      if (hs) memory.copy(hs, hbr, Hb);
      continue;
    }
    const z = f32at(Z, (b * T + t) * H), hdr = f32at(hd, b * H), hDr = hDrop ? f32at(hDrop, b * H) : 0;
    let o: usize = 0;
    for (; o < H4; o += 16) cell(a, true, o, z, bias, hbr, hdr, hDr, hs);
    for (; o < Hb; o += 4) cell(a, false, o, z, bias, hbr, hdr, hDr, hs);
  }
}

export function rnn_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  hseq: usize, hT: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const Wpk = scratch;
  const Upk = f32at(Wpk, r16(gemm_packed_size(I, H)));
  const Z = f32at(Upk, r16(gemm_packed_size(H, H)));
  const xd = f32at(Z, r16(BT * H));
  const hb = f32at(xd, r16(BT * I)); // h_{s-1}, then h_s in place
  const hd = f32at(hb, r16(B * H));  // h̃ = h ⊙ hDrop
  if (!(flags & FLAG_PACKED)) {
    gemm_pack_b(W, H, I, H, 0, Wpk);
    gemm_pack_b(U, H, H, H, 0, Upk);
  }
  // the bias is added in the fused pass, from L1, rather than written into all B·T rows first
  gemm_packed(BT, H, I, droppedInput(B, T, I, x, xDrop, xd), I, 0, Wpk, Z, H, 0);

  if (h0) memory.copy(hb, h0, <usize>(B * H) << 2);
  else memory.fill(hb, 0, <usize>(B * H) << 2);
  if (hDrop) for (let k = 0; k < B * H; k++) store<f32>(f32at(hd, k), load<f32>(f32at(hb, k)) * load<f32>(f32at(hDrop, k)));
  const hprev = hDrop ? hd : hb;

  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    // the recurrent product adds straight onto the input projection of time t
    gemm_packed(B, H, H, hprev, H, 0, Upk, f32at(Z, t * H), T * H, 1);
    if (act == ACT_TANH) step(ACT_TANH, B, T, H, s, t, mask, Z, bias, hb, hd, hDrop, hseq);
    else step(act, B, T, H, s, t, mask, Z, bias, hb, hd, hDrop, hseq);
  }
  if (hT) memory.copy(hT, hb, <usize>(B * H) << 2);
}

// ---- backward -------------------------------------------------------------------------------------

// dh_s: from step s+1 through U (dt, a gradient on h̃, so times hDrop), carried over masked steps
// (dc), and from the output sequence.
// @ts-ignore: decorator
@inline function incomingGrad(vec: bool, o: usize, dc: usize, dt: usize, hDrop: usize, dhs: usize): v128 {
  let d = ld(dt + o, vec);
  if (hDrop) d = f32x4.mul(d, ld(hDrop + o, vec));
  d = f32x4.add(d, ld(dc + o, vec));
  if (dhs) d = f32x4.add(d, ld(dhs + o, vec));
  return d;
}

// The forward's cell, backwards: h = act(z), so dz = dh ⊙ act'(z), taken from h. Nothing carries
// past a step that ran (dc = 0); Hs keeps h̃_{s-1} by t for dU.
// @ts-ignore: decorator
@inline function cellGrad(a: i32, vec: bool, o: usize, dc: usize, dt: usize, hDrop: usize, dhs: usize, h: usize, dz: usize, hp: usize, hs: usize): void {
  const dh = incomingGrad(vec, o, dc, dt, hDrop, dhs);
  st(dz + o, f32x4.mul(dh, dact_v(a, ld(h + o, vec))), vec);
  st(dc + o, f32x4.splat(0), vec);
  if (hs) {
    let hpv = hp ? ld(hp + o, vec) : f32x4.splat(0);
    if (hDrop) hpv = f32x4.mul(hpv, ld(hDrop + o, vec));
    st(hs + o, hpv, vec);
  }
}

// @ts-ignore: decorator
@inline function gradSkip(vec: bool, o: usize, dc: usize, dt: usize, hDrop: usize, dhs: usize): void {
  st(dc + o, incomingGrad(vec, o, dc, dt, hDrop, dhs), vec);
}

// @ts-ignore: decorator
@inline function stepGrad(a: i32, B: i32, T: i32, H: i32, s: i32, t: i32, mask: usize, h0: usize, hDrop: usize,
  hseq: usize, dhseq: usize, dZ: usize, Hs: usize, UTpk: usize, dc: usize, dt: usize): void {
  const Hb = <usize>H << 2, H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    const out = b * T + s, row = b * T + t;
    const dcr = f32at(dc, b * H), dtr = f32at(dt, b * H), hDr = hDrop ? f32at(hDrop, b * H) : 0;
    const dhs = dhseq ? f32at(dhseq, out * H) : 0;
    const dz = f32at(dZ, row * H), hs = Hs ? f32at(Hs, row * H) : 0;
    let o: usize = 0;
    if (isMasked(mask, row)) {
      // in the forward pass this step copied h, so dh passes straight to step s-1
      for (; o < H4; o += 16) gradSkip(true, o, dcr, dtr, hDr, dhs);
      for (; o < Hb; o += 4) gradSkip(false, o, dcr, dtr, hDr, dhs);
      memory.fill(dz, 0, Hb);
      if (hs) memory.fill(hs, 0, Hb);
      continue;
    }
    const h = f32at(hseq, out * H);
    const hp = s > 0 ? f32at(hseq, (out - 1) * H) : h0 ? f32at(h0, b * H) : 0;
    for (; o < H4; o += 16) cellGrad(a, true, o, dcr, dtr, hDr, dhs, h, dz, hp, hs);
    for (; o < Hb; o += 4) cellGrad(a, false, o, dcr, dtr, hDr, dhs, h, dz, hp, hs);
  }
  // Z_t += h̃_{s-1}·U, so dh̃_{s-1} = dz_s·Uᵀ (zero for the masked rows, whose dz is zero)
  gemm_packed(B, H, H, f32at(dZ, t * H), T * H, 0, UTpk, dt, H, 0);
}

export function rnn_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, W: usize, U: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  hseq: usize, dhseq: usize, dhT: usize,
  dW: usize, dU: usize, db: usize, dx: usize, dh0: usize, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const dZ = scratch;
  const Hs = f32at(dZ, r16(BT * H));
  const xd = f32at(Hs, r16(BT * H));
  const dc = f32at(xd, r16(BT * I));
  const dt = f32at(dc, r16(B * H));
  const P = f32at(dt, r16(B * H)); // Uᵀ in the loop; then dZ for dW and dU; then Wᵀ for dX
  gemm_pack_b(U, H, H, H, 1, P);
  if (dhT) memory.copy(dc, dhT, <usize>(B * H) << 2);
  else memory.fill(dc, 0, <usize>(B * H) << 2);
  memory.fill(dt, 0, <usize>(B * H) << 2);
  const hs = dU ? Hs : 0;
  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    if (act == ACT_TANH) stepGrad(ACT_TANH, B, T, H, s, t, mask, h0, hDrop, hseq, dhseq, dZ, hs, P, dc, dt);
    else stepGrad(act, B, T, H, s, t, mask, h0, hDrop, hseq, dhseq, dZ, hs, P, dc, dt);
  }
  if (dh0) {
    const n4 = <usize>((B * H) & ~3) << 2, n = <usize>(B * H) << 2;
    let o: usize = 0;
    for (; o < n4; o += 16) v128.store(dh0 + o, incomingGrad(true, o, dc, dt, hDrop, 0));
    for (; o < n; o += 4) v128.store32_lane(dh0 + o, incomingGrad(false, o, dc, dt, hDrop, 0), 0);
  }
  if (db) columnSums(BT, H, dZ, H, db);
  if (dW || dU) {
    gemm_pack_b(dZ, H, BT, H, 0, P);
    if (dW) gemm_packed(I, H, BT, droppedInput(B, T, I, x, xDrop, xd), I, 1, P, dW, H, 0);
    if (dU) gemm_packed(H, H, BT, Hs, H, 1, P, dU, H, 0);
  }
  if (dx) inputGradient(B, T, I, H, dZ, W, xDrop, dx, P);
}
