// SimpleRNN forward and backward (Keras layout). ABI: README.md in this folder.
//
// B = batch, T = steps, I = input features, H = units.
// Forward:  XW = X̃·W (one GEMM for all steps), then per step h_s = act(XW_t + b + h̃_{s-1}·U).
// Backward: s = T-1..0: dz_s = dh_s ⊙ act'(h_s), dh̃_{s-1} = dz_s·Uᵀ; after the loop, with every dz
//           stacked: dW = X̃ᵀ·dZ, dU = H̃_prevᵀ·dZ, dX = (dZ·Wᵀ)⊙xDrop, db = Σ dZ.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { act_s, act_v, dact_s } from "./activations";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, columnSums, droppedInput, f32at, inputGradient, lastState, prevState, previousHidden, r16, stackPreviousHidden } from "./recurrent";

export function rnn_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  const fwd = r16(gemm_packed_size(I, H)) + r16(gemm_packed_size(H, H)) + r16(B * T * H) + r16(B * T * I) + r16(B * H) + r16(B * H);
  const bwd = r16(B * T * H) + r16(B * T * I) + r16(B * T * H) + r16(gemm_packed_size(H, H)) + r16(gemm_packed_size(B * T, H))
    + r16(gemm_packed_size(H, I)) + 2 * r16(B * H);
  return max(fwd, bwd);
}

export function rnn_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  hseq: usize, hT: usize, scratch: usize): void {
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const Wpk = scratch;
  const Upk = Wpk + (<usize>r16(gemm_packed_size(I, H)) << 2);
  const XW = Upk + (<usize>r16(gemm_packed_size(H, H)) << 2);
  const xd = XW + (<usize>r16(B * T * H) << 2);
  const hprev = xd + (<usize>r16(B * T * I) << 2);
  const z = hprev + (<usize>r16(B * H) << 2);
  if (!(flags & FLAG_PACKED)) {
    gemm_pack_b(W, H, I, H, 0, Wpk);
    gemm_pack_b(U, H, H, H, 0, Upk);
  }
  gemm_packed(B * T, H, I, droppedInput(B, T, I, x, xDrop, xd), I, 0, Wpk, XW, H, 0);
  const H4 = H & ~3;
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    previousHidden(B, T, H, s, h0, hseq, hDrop, hprev, H);
    gemm_packed(B, H, H, hprev, H, 0, Upk, z, H, 0);
    for (let b = 0; b < B; b++) {
      const hOut = f32at(hseq, (b * T + s) * H);
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) {
        const hp = prevState(T, H, b, s, h0, hseq);
        if (hp) memory.copy(hOut, hp, <usize>H << 2);
        else memory.fill(hOut, 0, <usize>H << 2);
        continue;
      }
      const zr = f32at(z, b * H), xw = f32at(XW, (b * T + t) * H);
      let j = 0;
      for (; j < H4; j += 4) {
        let v = f32x4.add(v128.load(f32at(zr, j)), v128.load(f32at(xw, j)));
        if (bias) v = f32x4.add(v, v128.load(f32at(bias, j)));
        v128.store(f32at(hOut, j), act_v(act, v));
      }
      for (; j < H; j++) {
        let v = load<f32>(f32at(zr, j)) + load<f32>(f32at(xw, j));
        if (bias) v += load<f32>(f32at(bias, j));
        store<f32>(f32at(hOut, j), act_s(act, v));
      }
    }
  }
  lastState(B, T, H, hseq, hT);
}

export function rnn_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, W: usize, U: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  hseq: usize, dhseq: usize, dhT: usize,
  dW: usize, dU: usize, db: usize, dx: usize, dh0: usize, scratch: usize): void {
  const BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const dZ = scratch;
  const xd = dZ + (<usize>r16(BT * H) << 2);
  const Hp = xd + (<usize>r16(BT * I) << 2);
  const UTpk = Hp + (<usize>r16(BT * H) << 2);
  const dZpk = UTpk + (<usize>r16(gemm_packed_size(H, H)) << 2);
  const WTpk = dZpk + (<usize>r16(gemm_packed_size(BT, H)) << 2);
  const dh = WTpk + (<usize>r16(gemm_packed_size(H, I)) << 2);
  const dhr = dh + (<usize>r16(B * H) << 2);
  gemm_pack_b(U, H, H, H, 1, UTpk);
  for (let k = 0; k < B * H; k++) store<f32>(f32at(dh, k), dhT ? load<f32>(f32at(dhT, k)) : 0);
  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const out = b * T + s;
      const dzr = f32at(dZ, (b * T + t) * H), dhb = f32at(dh, b * H), hr = f32at(hseq, out * H);
      if (dhseq) for (let j = 0; j < H; j++) store<f32>(f32at(dhb, j), load<f32>(f32at(dhb, j)) + load<f32>(f32at(dhseq, out * H + j)));
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) {
        memory.fill(dzr, 0, <usize>H << 2); // skipped: dh flows to the previous step as it is
        continue;
      }
      // in the forward pass h = act(z), so now dz = dh ⊙ act'(z), from h
      for (let j = 0; j < H; j++) store<f32>(f32at(dzr, j), load<f32>(f32at(dhb, j)) * dact_s(act, load<f32>(f32at(hr, j))));
    }
    gemm_packed(B, H, H, f32at(dZ, t * H), T * H, 0, UTpk, dhr, H, 0);
    for (let b = 0; b < B; b++) {
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) continue;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        let v = load<f32>(f32at(dhr, k));
        if (hDrop) v *= load<f32>(f32at(hDrop, k));
        store<f32>(f32at(dh, k), v);
      }
    }
  }
  if (dh0) memory.copy(dh0, dh, <usize>(B * H) << 2);
  stackPreviousHidden(B, T, H, back, h0, hseq, hDrop, Hp);
  if (db) columnSums(BT, H, dZ, H, db);
  gemm_pack_b(dZ, H, BT, H, 0, dZpk);
  if (dW) gemm_packed(I, H, BT, droppedInput(B, T, I, x, xDrop, xd), I, 1, dZpk, dW, H, 0);
  if (dU) gemm_packed(H, H, BT, Hp, H, 1, dZpk, dU, H, 0);
  if (dx) inputGradient(B, T, I, H, dZ, W, xDrop, dx, WTpk);
}
