// GRU forward and backward (Keras layout, gate order z, r, h). ABI: README.md in this folder.
//
// B = batch, T = steps, I = input features, H = units, G = 3H.
// x̂ = X̃·W + b_i (one GEMM for all steps). Per step, with h̃ = h_{s-1} ⊙ hDrop:
//   resetAfter (flag 1, Keras 2 / PyTorch; bias [2, 3H] = b_i, b_r):
//     R = h̃·U + b_r;  z = σ(x̂_z + R_z), r = σ(x̂_r + R_r), hh = act(x̂_h + r ⊙ R_h)
//   otherwise (bias [3H]):
//     z = σ(x̂_z + h̃·U_z), r = σ(x̂_r + h̃·U_r), hh = act(x̂_h + (r ⊙ h̃)·U_h)
//   h_s = z ⊙ h_{s-1} + (1 - z) ⊙ hh
// hrec keeps the recurrent part of the candidate (R_h, or (r ⊙ h̃)·U_h) for the backward pass.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { act_s, dact_s } from "./activations";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, columnSums, droppedInput, f32at, inputGradient, lastState, prevState, previousHidden, r16, stackPreviousHidden } from "./recurrent";

const FLAG_RESET_AFTER: i32 = 1;

export function gru_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  const G = 3 * H, BT = B * T;
  const fwd = r16(gemm_packed_size(I, G)) + r16(gemm_packed_size(H, G)) + r16(gemm_packed_size(H, H)) + r16(BT * G) + r16(BT * I) + 2 * r16(B * H) + r16(B * G);
  const bwd = 2 * r16(BT * G) + r16(BT * I) + r16(BT * H) + r16(gemm_packed_size(G, H)) + r16(gemm_packed_size(H, H))
    + r16(gemm_packed_size(BT, G)) + r16(gemm_packed_size(G, I)) + 4 * r16(B * H);
  return max(fwd, bwd);
}

export function gru_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, hrec: usize, hseq: usize, hT: usize, scratch: usize): void {
  const G = 3 * H, BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const after = (flags & FLAG_RESET_AFTER) != 0;
  const bi = bias, br = bias && after ? f32at(bias, G) : 0;
  const Wpk = scratch;
  const Upk = Wpk + (<usize>r16(gemm_packed_size(I, G)) << 2);
  const Uhpk = Upk + (<usize>r16(gemm_packed_size(H, G)) << 2);
  const XW = Uhpk + (<usize>r16(gemm_packed_size(H, H)) << 2);
  const xd = XW + (<usize>r16(BT * G) << 2);
  const hprev = xd + (<usize>r16(BT * I) << 2);
  const rh = hprev + (<usize>r16(B * H) << 2);
  const z = rh + (<usize>r16(B * H) << 2);
  if (!(flags & FLAG_PACKED)) {
    gemm_pack_b(W, G, I, G, 0, Wpk);
    if (after) gemm_pack_b(U, G, H, G, 0, Upk);
    else { gemm_pack_b(U, G, H, 2 * H, 0, Upk); gemm_pack_b(f32at(U, 2 * H), G, H, H, 0, Uhpk); }
  }
  gemm_packed(BT, G, I, droppedInput(B, T, I, x, xDrop, xd), I, 0, Wpk, XW, G, 0);
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    previousHidden(B, T, H, s, h0, hseq, hDrop, hprev, H);
    gemm_packed(B, after ? G : 2 * H, H, hprev, H, 0, Upk, z, G, 0);
    // z and r first: without resetAfter the candidate needs (r ⊙ h̃)·U_h, one more GEMM.
    for (let b = 0; b < B; b++) {
      const gOut = f32at(gates, (b * T + s) * G), zr = f32at(z, b * G), xw = f32at(XW, (b * T + t) * G);
      for (let j = 0; j < 2 * H; j++) {
        let v = load<f32>(f32at(xw, j)) + load<f32>(f32at(zr, j));
        if (bi) v += load<f32>(f32at(bi, j));
        if (br) v += load<f32>(f32at(br, j));
        store<f32>(f32at(gOut, j), act_s(recAct, v));
      }
      if (!after) for (let j = 0; j < H; j++) store<f32>(f32at(rh, b * H + j), load<f32>(f32at(gOut, H + j)) * load<f32>(f32at(hprev, b * H + j)));
    }
    if (!after) gemm_packed(B, H, H, rh, H, 0, Uhpk, f32at(z, 2 * H), G, 0);
    for (let b = 0; b < B; b++) {
      const out = b * T + s;
      const gOut = f32at(gates, out * G), hOut = f32at(hseq, out * H), recOut = f32at(hrec, out * H);
      const hp = prevState(T, H, b, s, h0, hseq);
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) {
        // A skipped step carries h through unchanged (Keras masking).
        if (hp) memory.copy(hOut, hp, <usize>H << 2);
        else memory.fill(hOut, 0, <usize>H << 2);
        memory.fill(gOut, 0, <usize>G << 2);
        memory.fill(recOut, 0, <usize>H << 2);
        continue;
      }
      const zr = f32at(z, b * G), xw = f32at(XW, (b * T + t) * G);
      for (let j = 0; j < H; j++) {
        let rec = load<f32>(f32at(zr, 2 * H + j));
        if (br) rec += load<f32>(f32at(br, 2 * H + j));
        let xh = load<f32>(f32at(xw, 2 * H + j));
        if (bi) xh += load<f32>(f32at(bi, 2 * H + j));
        const zg = load<f32>(f32at(gOut, j)), rg = load<f32>(f32at(gOut, H + j));
        const hh = act_s(act, after ? xh + rg * rec : xh + rec);
        const hpv: f32 = hp ? load<f32>(f32at(hp, j)) : 0;
        store<f32>(f32at(gOut, 2 * H + j), hh);
        store<f32>(f32at(recOut, j), rec);
        store<f32>(f32at(hOut, j), zg * hpv + (1 - zg) * hh);
      }
    }
  }
  lastState(B, T, H, hseq, hT);
}

export function gru_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, hrec: usize, hseq: usize, dhseq: usize, dhT: usize,
  dW: usize, dU: usize, db: usize, dx: usize, dh0: usize, scratch: usize): void {
  const G = 3 * H, BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const after = (flags & FLAG_RESET_AFTER) != 0;
  // dZx: gradients at the input pre-activations (row b·T + t, the rows of X̃); dZr: at the
  // recurrent ones (resetAfter), or r ⊙ h̃ stacked (otherwise, for dU_h).
  const dZx = scratch;
  const dZr = dZx + (<usize>r16(BT * G) << 2);
  const xd = dZr + (<usize>r16(BT * G) << 2);
  const Hp = xd + (<usize>r16(BT * I) << 2);
  const UTpk = Hp + (<usize>r16(BT * H) << 2);
  const UhTpk = UTpk + (<usize>r16(gemm_packed_size(G, H)) << 2);
  const dZpk = UhTpk + (<usize>r16(gemm_packed_size(H, H)) << 2);
  const WTpk = dZpk + (<usize>r16(gemm_packed_size(BT, G)) << 2);
  const dh = WTpk + (<usize>r16(gemm_packed_size(G, I)) << 2);
  const dhn = dh + (<usize>r16(B * H) << 2);
  const dhr = dhn + (<usize>r16(B * H) << 2);
  const drh = dhr + (<usize>r16(B * H) << 2);
  if (after) gemm_pack_b(U, G, G, H, 1, UTpk);
  else { gemm_pack_b(U, G, 2 * H, H, 1, UTpk); gemm_pack_b(f32at(U, 2 * H), G, H, H, 1, UhTpk); }
  for (let k = 0; k < B * H; k++) store<f32>(f32at(dh, k), dhT ? load<f32>(f32at(dhT, k)) : 0);

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const out = b * T + s;
      const dhb = f32at(dh, b * H);
      const dzx = f32at(dZx, (b * T + t) * G), dzr = f32at(dZr, (b * T + t) * G);
      if (dhseq) for (let j = 0; j < H; j++) store<f32>(f32at(dhb, j), load<f32>(f32at(dhb, j)) + load<f32>(f32at(dhseq, out * H + j)));
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) {
        memory.fill(dzx, 0, <usize>G << 2);
        if (after) memory.fill(dzr, 0, <usize>G << 2);
        memory.copy(f32at(dhn, b * H), dhb, <usize>H << 2); // skipped: dh flows straight through
        continue;
      }
      const gr = f32at(gates, out * G), rr = f32at(hrec, out * H);
      const hp = prevState(T, H, b, s, h0, hseq);
      for (let j = 0; j < H; j++) {
        const zg = load<f32>(f32at(gr, j)), rg = load<f32>(f32at(gr, H + j)), hh = load<f32>(f32at(gr, 2 * H + j));
        const dhv = load<f32>(f32at(dhb, j));
        const hpv: f32 = hp ? load<f32>(f32at(hp, j)) : 0;
        // h = z ⊙ h_{s-1} + (1 - z) ⊙ hh
        const dzz = dhv * (hpv - hh) * dact_s(recAct, zg);
        const dzh = dhv * (1 - zg) * dact_s(act, hh);
        store<f32>(f32at(dzx, j), dzz);
        store<f32>(f32at(dzx, 2 * H + j), dzh);
        store<f32>(f32at(dhn, b * H + j), dhv * zg);
        if (after) {
          // hh = act(x̂_h + r ⊙ R_h)
          const rec = load<f32>(f32at(rr, j));
          const dzr_ = dzh * rec * dact_s(recAct, rg);
          store<f32>(f32at(dzx, H + j), dzr_);
          store<f32>(f32at(dzr, j), dzz);
          store<f32>(f32at(dzr, H + j), dzr_);
          store<f32>(f32at(dzr, 2 * H + j), dzh * rg);
        }
      }
    }
    if (after) {
      // dh̃ = dR·Uᵀ
      gemm_packed(B, H, G, f32at(dZr, t * G), T * G, 0, UTpk, dhr, H, 0);
    } else {
      // hh = act(x̂_h + (r ⊙ h̃)·U_h): d(r ⊙ h̃) = dzh·U_hᵀ, which feeds r and h̃.
      gemm_packed(B, H, H, f32at(dZx, t * G + 2 * H), T * G, 0, UhTpk, drh, H, 0);
      previousHidden(B, T, H, s, h0, hseq, hDrop, dhr, H);
      for (let b = 0; b < B; b++) {
        if (mask && load<f32>(f32at(mask, b * T + t)) == 0) continue;
        const gr = f32at(gates, (b * T + s) * G), dzx = f32at(dZx, (b * T + t) * G);
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          const rg = load<f32>(f32at(gr, H + j));
          const d = load<f32>(f32at(drh, k));
          store<f32>(f32at(dzx, H + j), d * load<f32>(f32at(dhr, k)) * dact_s(recAct, rg));
          store<f32>(f32at(drh, k), d * rg);
        }
      }
      gemm_packed(B, H, 2 * H, f32at(dZx, t * G), T * G, 0, UTpk, dhr, H, 0);
    }
    for (let b = 0; b < B; b++) {
      const skipped = mask && load<f32>(f32at(mask, b * T + t)) == 0;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        let v = load<f32>(f32at(dhn, k));
        if (!skipped) {
          let r = load<f32>(f32at(dhr, k));
          if (!after) r += load<f32>(f32at(drh, k));
          if (hDrop) r *= load<f32>(f32at(hDrop, k));
          v += r;
        }
        store<f32>(f32at(dh, k), v);
      }
    }
  }
  if (dh0) memory.copy(dh0, dh, <usize>(B * H) << 2);

  stackPreviousHidden(B, T, H, back, h0, hseq, hDrop, Hp);
  if (db) {
    columnSums(BT, G, dZx, G, db);
    if (after) columnSums(BT, G, dZr, G, f32at(db, G));
  }
  if (dW) {
    gemm_pack_b(dZx, G, BT, G, 0, dZpk);
    gemm_packed(I, G, BT, droppedInput(B, T, I, x, xDrop, xd), I, 1, dZpk, dW, G, 0);
  }
  if (dU) {
    if (after) {
      gemm_pack_b(dZr, G, BT, G, 0, dZpk);
      gemm_packed(H, G, BT, Hp, H, 1, dZpk, dU, G, 0);
    } else {
      gemm_pack_b(dZx, G, BT, 2 * H, 0, dZpk);
      gemm_packed(H, 2 * H, BT, Hp, H, 1, dZpk, dU, G, 0);
      // (r ⊙ h̃) stacked in time order, for dU_h = (R ⊙ H̃)ᵀ·dZ_h
      for (let b = 0; b < B; b++)
        for (let s = 0; s < T; s++) {
          const t = back ? T - 1 - s : s;
          const gr = f32at(gates, (b * T + s) * G);
          for (let j = 0; j < H; j++) {
            const k = (b * T + t) * H + j;
            store<f32>(f32at(dZr, k), load<f32>(f32at(gr, H + j)) * load<f32>(f32at(Hp, k)));
          }
        }
      gemm_pack_b(f32at(dZx, 2 * H), G, BT, H, 0, dZpk);
      gemm_packed(H, H, BT, dZr, H, 1, dZpk, f32at(dU, 2 * H), G, 0);
    }
  }
  if (dx) inputGradient(B, T, I, G, dZx, W, xDrop, dx, WTpk);
}
