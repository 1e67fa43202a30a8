// LSTM forward and backward (Keras layout, gate order i, f, c, o). ABI: README.md in this folder.
//
// B = batch, T = steps, I = input features, H = units, G = 4H (the four gate blocks side by side).
// s is the processing step, t = goBackwards ? T-1-s : s the time index of the input (README.md).
//
// Forward:  XW = X̃·W (one GEMM for all steps, X̃ = x ⊙ xDrop), then for each step
//           Z_s = XW_t + b + h̃_{s-1}·U (h̃ = h ⊙ hDrop), and one fused pass:
//           i = σ(z_i + p_i⊙c_{s-1}), f = σ(z_f + p_f⊙c_{s-1}), g = act(z_g),
//           c_s = f⊙c_{s-1} + i⊙g, o = σ(z_o + p_o⊙c_s), h_s = o⊙act(c_s).
// Backward: s = T-1..0, the fused pass in reverse gives dZ_s; dh̃_{s-1} = dZ_s·Uᵀ. After the loop,
//           with every dZ stacked: dW = X̃ᵀ·dZ, dU = H̃_prevᵀ·dZ, dX = (dZ·Wᵀ)⊙xDrop, db = Σ dZ.
import { gemm_pack_b, gemm_packed, gemm_packed_size } from "./gemm";
import { act_s, dact_s, act_v } from "./activations";
import { FLAG_GO_BACKWARDS, FLAG_PACKED, columnSums, droppedInput, f32at, inputGradient, lastState, prevState, previousHidden, r16, stackPreviousHidden } from "./recurrent";

const FLAG_PEEPHOLE: i32 = 1;

function forwardScratch(B: i32, T: i32, I: i32, H: i32): i32 {
  const G = 4 * H;
  return r16(gemm_packed_size(I, G)) + r16(gemm_packed_size(H, G)) + r16(B * T * G) + r16(B * T * I) + r16(B * H) + r16(B * G);
}

function backwardScratch(B: i32, T: i32, I: i32, H: i32): i32 {
  const G = 4 * H;
  return r16(B * T * G) + r16(B * T * I) + r16(B * T * H) + r16(gemm_packed_size(G, H)) + r16(gemm_packed_size(B * T, G))
    + r16(gemm_packed_size(G, I)) + 4 * r16(B * H);
}

export function lstm_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 {
  return max(forwardScratch(B, T, I, H), backwardScratch(B, T, I, H));
}

export function lstm_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, peep: usize, h0: usize, c0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, cseq: usize, hseq: usize, hT: usize, cT: usize, scratch: usize): void {
  const G = 4 * H;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const usePeep = (flags & FLAG_PEEPHOLE) != 0 && peep != 0;
  const Wpk = scratch;
  const Upk = Wpk + (<usize>r16(gemm_packed_size(I, G)) << 2);
  const XW = Upk + (<usize>r16(gemm_packed_size(H, G)) << 2);
  const xd = XW + (<usize>r16(B * T * G) << 2);
  const hprev = xd + (<usize>r16(B * T * I) << 2);
  const z = hprev + (<usize>r16(B * H) << 2);

  // The input projection does not depend on time: one GEMM for all B·T rows.
  const xs = droppedInput(B, T, I, x, xDrop, xd);
  if (!(flags & FLAG_PACKED)) {
    gemm_pack_b(W, G, I, G, 0, Wpk);
    gemm_pack_b(U, G, H, G, 0, Upk);
  }
  gemm_packed(B * T, G, I, xs, I, 0, Wpk, XW, G, 0);

  const H4 = H & ~3;
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    previousHidden(B, T, H, s, h0, hseq, hDrop, hprev, H);
    gemm_packed(B, G, H, hprev, H, 0, Upk, z, G, 0);
    for (let b = 0; b < B; b++) {
      const hp = prevState(T, H, b, s, h0, hseq);
      const cp = prevState(T, H, b, s, c0, cseq);
      const out = (b * T + s);
      const hOut = f32at(hseq, out * H), cOut = f32at(cseq, out * H), gOut = f32at(gates, out * G);
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) {
        // A skipped step carries h and c through unchanged (Keras masking).
        for (let j = 0; j < H; j++) {
          store<f32>(f32at(hOut, j), hp ? load<f32>(f32at(hp, j)) : 0);
          store<f32>(f32at(cOut, j), cp ? load<f32>(f32at(cp, j)) : 0);
        }
        memory.fill(gOut, 0, <usize>G << 2);
        continue;
      }
      const zr = f32at(z, b * G), xw = f32at(XW, (b * T + t) * G);
      let j = 0;
      for (; j < H4; j += 4) {
        const cPrev = cp ? v128.load(f32at(cp, j)) : f32x4.splat(0);
        let zi = f32x4.add(v128.load(f32at(zr, j)), v128.load(f32at(xw, j)));
        let zf = f32x4.add(v128.load(f32at(zr, H + j)), v128.load(f32at(xw, H + j)));
        let zg = f32x4.add(v128.load(f32at(zr, 2 * H + j)), v128.load(f32at(xw, 2 * H + j)));
        let zo = f32x4.add(v128.load(f32at(zr, 3 * H + j)), v128.load(f32at(xw, 3 * H + j)));
        if (bias) {
          zi = f32x4.add(zi, v128.load(f32at(bias, j)));
          zf = f32x4.add(zf, v128.load(f32at(bias, H + j)));
          zg = f32x4.add(zg, v128.load(f32at(bias, 2 * H + j)));
          zo = f32x4.add(zo, v128.load(f32at(bias, 3 * H + j)));
        }
        if (usePeep) {
          zi = f32x4.add(zi, f32x4.mul(v128.load(f32at(peep, j)), cPrev));
          zf = f32x4.add(zf, f32x4.mul(v128.load(f32at(peep, H + j)), cPrev));
        }
        const ig = act_v(recAct, zi), fg = act_v(recAct, zf), gg = act_v(act, zg);
        const c = f32x4.add(f32x4.mul(fg, cPrev), f32x4.mul(ig, gg));
        if (usePeep) zo = f32x4.add(zo, f32x4.mul(v128.load(f32at(peep, 2 * H + j)), c));
        const og = act_v(recAct, zo);
        v128.store(f32at(gOut, j), ig);
        v128.store(f32at(gOut, H + j), fg);
        v128.store(f32at(gOut, 2 * H + j), gg);
        v128.store(f32at(gOut, 3 * H + j), og);
        v128.store(f32at(cOut, j), c);
        v128.store(f32at(hOut, j), f32x4.mul(og, act_v(act, c)));
      }
      for (; j < H; j++) {
        const cPrev: f32 = cp ? load<f32>(f32at(cp, j)) : 0;
        let zi = load<f32>(f32at(zr, j)) + load<f32>(f32at(xw, j));
        let zf = load<f32>(f32at(zr, H + j)) + load<f32>(f32at(xw, H + j));
        let zg = load<f32>(f32at(zr, 2 * H + j)) + load<f32>(f32at(xw, 2 * H + j));
        let zo = load<f32>(f32at(zr, 3 * H + j)) + load<f32>(f32at(xw, 3 * H + j));
        if (bias) {
          zi += load<f32>(f32at(bias, j)); zf += load<f32>(f32at(bias, H + j));
          zg += load<f32>(f32at(bias, 2 * H + j)); zo += load<f32>(f32at(bias, 3 * H + j));
        }
        if (usePeep) { zi += load<f32>(f32at(peep, j)) * cPrev; zf += load<f32>(f32at(peep, H + j)) * cPrev; }
        const ig = act_s(recAct, zi), fg = act_s(recAct, zf), gg = act_s(act, zg);
        const c = fg * cPrev + ig * gg;
        if (usePeep) zo += load<f32>(f32at(peep, 2 * H + j)) * c;
        const og = act_s(recAct, zo);
        store<f32>(f32at(gOut, j), ig);
        store<f32>(f32at(gOut, H + j), fg);
        store<f32>(f32at(gOut, 2 * H + j), gg);
        store<f32>(f32at(gOut, 3 * H + j), og);
        store<f32>(f32at(cOut, j), c);
        store<f32>(f32at(hOut, j), og * act_s(act, c));
      }
    }
  }
  lastState(B, T, H, hseq, hT);
  lastState(B, T, H, cseq, cT);
}

export function lstm_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, peep: usize, h0: usize, c0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, cseq: usize, hseq: usize, dhseq: usize, dhT: usize, dcT: usize,
  dW: usize, dU: usize, db: usize, dpeep: usize, dx: usize, dh0: usize, dc0: usize, scratch: usize): void {
  const G = 4 * H, BT = B * T;
  const back = (flags & FLAG_GO_BACKWARDS) != 0;
  const usePeep = (flags & FLAG_PEEPHOLE) != 0 && peep != 0;
  // dZ rows are stacked in time order (row b·T + t), the rows of X̃, so dW = X̃ᵀ·dZ lines up.
  const dZ = scratch;
  const xd = dZ + (<usize>r16(BT * G) << 2);
  const Hp = xd + (<usize>r16(BT * I) << 2);
  const UTpk = Hp + (<usize>r16(BT * H) << 2);
  const dZpk = UTpk + (<usize>r16(gemm_packed_size(G, H)) << 2);
  const WTpk = dZpk + (<usize>r16(gemm_packed_size(BT, G)) << 2);
  const dh = WTpk + (<usize>r16(gemm_packed_size(G, I)) << 2);
  const dc = dh + (<usize>r16(B * H) << 2);
  const dhr = dc + (<usize>r16(B * H) << 2);
  const dcn = dhr + (<usize>r16(B * H) << 2);

  // In the forward pass h̃_{s-1}·U fed every gate, so now dh̃_{s-1} = dZ_s·Uᵀ: pack Uᵀ once.
  gemm_pack_b(U, G, G, H, 1, UTpk);
  for (let k = 0; k < B * H; k++) {
    store<f32>(f32at(dh, k), dhT ? load<f32>(f32at(dhT, k)) : 0);
    store<f32>(f32at(dc, k), dcT ? load<f32>(f32at(dcT, k)) : 0);
  }
  if (usePeep && dpeep) memory.fill(dpeep, 0, <usize>(3 * H) << 2);

  for (let s = T - 1; s >= 0; s--) {
    const t = back ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const out = b * T + s;
      const dzr = f32at(dZ, (b * T + t) * G);
      const dhb = f32at(dh, b * H), dcb = f32at(dc, b * H), dcnb = f32at(dcn, b * H);
      if (dhseq) for (let j = 0; j < H; j++) store<f32>(f32at(dhb, j), load<f32>(f32at(dhb, j)) + load<f32>(f32at(dhseq, out * H + j)));
      if (mask && load<f32>(f32at(mask, b * T + t)) == 0) {
        // The step was skipped: dh and dc flow straight to the previous step.
        memory.fill(dzr, 0, <usize>G << 2);
        memory.copy(dcnb, dcb, <usize>H << 2);
        continue;
      }
      const gr = f32at(gates, out * G), cr = f32at(cseq, out * H);
      const cp = prevState(T, H, b, s, c0, cseq);
      for (let j = 0; j < H; j++) {
        const ig = load<f32>(f32at(gr, j)), fg = load<f32>(f32at(gr, H + j));
        const gg = load<f32>(f32at(gr, 2 * H + j)), og = load<f32>(f32at(gr, 3 * H + j));
        const c = load<f32>(f32at(cr, j));
        const cPrev: f32 = cp ? load<f32>(f32at(cp, j)) : 0;
        const dhv = load<f32>(f32at(dhb, j));
        const ac = act_s(act, c);
        // h = o⊙act(c): the gradient reaches o, and c through act.
        const dzo = dhv * ac * dact_s(recAct, og);
        let dcv = load<f32>(f32at(dcb, j)) + dhv * og * dact_s(act, ac);
        if (usePeep) dcv += dzo * load<f32>(f32at(peep, 2 * H + j));
        // c = f⊙c_{s-1} + i⊙g
        const dzi = dcv * gg * dact_s(recAct, ig);
        const dzf = dcv * cPrev * dact_s(recAct, fg);
        const dzg = dcv * ig * dact_s(act, gg);
        let dcPrev = dcv * fg;
        if (usePeep) {
          dcPrev += dzi * load<f32>(f32at(peep, j)) + dzf * load<f32>(f32at(peep, H + j));
          if (dpeep) {
            store<f32>(f32at(dpeep, j), load<f32>(f32at(dpeep, j)) + dzi * cPrev);
            store<f32>(f32at(dpeep, H + j), load<f32>(f32at(dpeep, H + j)) + dzf * cPrev);
            store<f32>(f32at(dpeep, 2 * H + j), load<f32>(f32at(dpeep, 2 * H + j)) + dzo * c);
          }
        }
        store<f32>(f32at(dzr, j), dzi);
        store<f32>(f32at(dzr, H + j), dzf);
        store<f32>(f32at(dzr, 2 * H + j), dzg);
        store<f32>(f32at(dzr, 3 * H + j), dzo);
        store<f32>(f32at(dcnb, j), dcPrev);
      }
    }
    // dh̃_{s-1} = dZ_s·Uᵀ for all sequences at once: step s's rows sit T·G floats apart.
    gemm_packed(B, H, G, f32at(dZ, t * G), T * G, 0, UTpk, dhr, H, 0);
    for (let b = 0; b < B; b++) {
      const skipped = mask && load<f32>(f32at(mask, b * T + t)) == 0;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        if (!skipped) {
          let v = load<f32>(f32at(dhr, k));
          if (hDrop) v *= load<f32>(f32at(hDrop, k));
          store<f32>(f32at(dh, k), v);
        }
        store<f32>(f32at(dc, k), load<f32>(f32at(dcn, k)));
      }
    }
  }
  if (dh0) memory.copy(dh0, dh, <usize>(B * H) << 2);
  if (dc0) memory.copy(dc0, dc, <usize>(B * H) << 2);

  stackPreviousHidden(B, T, H, back, h0, hseq, hDrop, Hp);
  if (db) columnSums(BT, G, dZ, G, db);
  // Three large GEMMs instead of 3T small ones.
  gemm_pack_b(dZ, G, BT, G, 0, dZpk);
  if (dW) gemm_packed(I, G, BT, droppedInput(B, T, I, x, xDrop, xd), I, 1, dZpk, dW, G, 0);
  if (dU) gemm_packed(H, G, BT, Hp, H, 1, dZpk, dU, G, 0);
  if (dx) inputGradient(B, T, I, G, dZ, W, xDrop, dx, WTpk);
}
