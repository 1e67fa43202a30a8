// The streaming step (Model.step): one time step of a stateful LSTM, GRU or SimpleRNN layer for a
// few rows, and the Dense layer after it. ABI: README.md in this folder.
//
// A step of one row is a GEMV: z = [x, h]·[W; U] + b over K = I + H inputs and the layer's gate
// columns. The generic kernels run it as two GEMMs into a Z buffer, then a gate pass that reads Z
// back. Here W and U are packed together, once per weight change, into panels of 8 units that
// hold, for every k of [x, h], all gate columns of those units side by side, and the bias (and
// LSTM peepholes) at the panel's head. A panel's accumulators start from its bias, take one
// broadcast of [x, h]_k and one multiply-add per gate vector per k, and end holding every gate of
// its 8 units: the gate pass runs on them in registers, and c and h are written once.
//
// Panels (f32x4 vectors; units past H are zero; every panel starts 64-byte aligned):
//   LSTM       4 units: head bias i, f, g, o, then peepholes p_i, p_f, p_o and a zero (8 vectors);
//              then per k: i, f, g, o (4).
//   GRU        (resetAfter) 4 units: head the z and r biases (input + recurrent), the candidate's
//              input bias, its recurrent bias (4); then per k of x: z, r, h (3), then per k of h
//              the same. The candidate's input and recurrent parts stay apart: r multiplies only
//              the second.
//   SimpleRNN  16 units: head the bias (4 vectors); then per k the 4 vectors of units.
//
// The K loop is gemm.ts's tile_1x16: even and odd k add into two sets of accumulators (eight
// independent chains for the multiply-add latency), and a loop exit after every k step keeps V8
// from hoisting more loads than there are registers (4 loads, a broadcast, 8 accumulators).
//
import { act_v, softmax_rows } from "./activations";
import { madd, ACT_SIGMOID, ACT_TANH, ACT_SOFTMAX } from "./common";
import { FLAG_PEEPHOLE } from "./abi";

// @ts-ignore: decorator
@inline function r16(n: i32): i32 {
  return (n + 15) & ~15;
}

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// w[i] when i < n, else 0 (padding units); w may be 0 (absent: zeros).
// @ts-ignore: decorator
@inline function pick(w: usize, i: i32, ok: bool): f32 {
  return ok && w != 0 ? load<f32>(at(w, i)) : 0;
}

// Rows run in pairs (a last odd row alone): the two rows of a pair share every load of the
// packed weights, which is what a step of a few rows is bound by. Each row of a pair has a slot of
// scratch: [x, h] (K floats and a vector of slack), then the padded c (LSTM) and the new h, each a
// whole number of panels.
function slotFloats(K: i32, Hp: i32): i32 {
  return r16(K + 8) + 2 * r16(Hp);
}

function rowScratch(K: i32, Hp: i32): i32 {
  return 2 * slotFloats(K, Hp);
}

// The first row at or after b that the mask keeps (B when none).
// @ts-ignore: decorator
@inline function nextLive(b: i32, B: i32, mask: usize): i32 {
  while (b < B && mask != 0 && load<f32>(at(mask, b)) == 0) b++;
  return b;
}

// Copies row b's x and h into xh.
// @ts-ignore: decorator
@inline function loadRow(b: i32, I: i32, H: i32, x: usize, state: usize, xh: usize): void {
  memory.copy(xh, at(x, b * I), <usize>I << 2);
  memory.copy(at(xh, I), at(state, b * H), <usize>H << 2);
  // the slack past K is read for padding units only: zeros, never a denormal or NaN
  memory.fill(at(xh, I + H), 0, 32);
}

// ---- LSTM ------------------------------------------------------------------------------------------

const zero = f32x4.splat(0);

function lstmPanelFloats(K: i32): i32 {
  return 32 + 16 * K;
}

/** Floats of the packed [W; U] an LSTM step reads. */
export function lstm_step_packed_size(I: i32, H: i32): i32 {
  return ((H + 3) >> 2) * lstmPanelFloats(I + H);
}

/** Floats of scratch lstm_step needs. */
export function lstm_step_scratch_size(I: i32, H: i32): i32 {
  return rowScratch(I + H, ((H + 3) >> 2) << 2);
}

/** Packs W [I, 4H], U [H, 4H], bias [4H] (0: none) and, with FLAG_PEEPHOLE, peep [3H] (0: none) for lstm_step. */
export function lstm_step_pack(I: i32, H: i32, flags: i32, W: usize, U: usize, bias: usize, peep: usize, dst: usize): void {
  if (I < 0 || H <= 0) return;
  const K = I + H, G = 4 * H, P = (H + 3) >> 2, pf = lstmPanelFloats(K);
  const pp = (flags & FLAG_PEEPHOLE) != 0 ? peep : 0;
  for (let p = 0; p < P; p++) {
    const panel = at(dst, p * pf);
    for (let l = 0; l < 4; l++) {
      const u = 4 * p + l, ok = u < H;
      for (let g = 0; g < 4; g++) {
        store<f32>(at(panel, 4 * g + l), pick(bias, g * H + u, ok));
        store<f32>(at(panel, 16 + 4 * g + l), g < 3 ? pick(pp, g * H + u, ok) : 0);
        for (let k = 0; k < K; k++) {
          const v = k < I ? pick(W, k * G + g * H + u, ok) : pick(U, (k - I) * G + g * H + u, ok);
          store<f32>(at(panel, 32 + 16 * k + 4 * g + l), v);
        }
      }
    }
  }
}

// The gate pass of four units from their accumulators (lstm.ts's cellForward4, the bias already in).
// @ts-ignore: decorator
@inline function lstmCell4(A: i32, R: i32, P: bool, zi: v128, zf: v128, zg: v128, zo: v128, peep: usize, cb: usize, hb: usize): void {
  const cPrev = v128.load(cb);
  if (P) {
    zi = madd(v128.load(peep), cPrev, zi);
    zf = madd(v128.load(peep, 16), cPrev, zf);
  }
  const i = act_v(R, zi), f = act_v(R, zf), g = act_v(A, zg);
  const c = madd(f, cPrev, f32x4.mul(i, g));
  if (P) zo = madd(v128.load(peep, 32), c, zo);
  const o = act_v(R, zo);
  v128.store(cb, c);
  v128.store(hb, f32x4.mul(o, act_v(A, c)));
}

// Every panel of one row: xh [K], cb the padded c (updated in place), hb the new h (padded).
// @ts-ignore: decorator
@inline function lstmPanels(A: i32, R: i32, P: bool, K: i32, nP: i32, xh: usize, pk: usize, cb: usize, hb: usize): void {
  const pb = <usize>lstmPanelFloats(K) << 2;
  for (let p = 0; p < nP; p++) {
    const head = pk + <usize>p * pb;
    let a0 = v128.load(head), a1 = v128.load(head, 16), a2 = v128.load(head, 32), a3 = v128.load(head, 48);
    let d0 = zero, d1 = zero, d2 = zero, d3 = zero;
    let w = head + 128, xp = xh, k = K;
    let s: v128, b0: v128, b1: v128, b2: v128, b3: v128;
    while (true) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32); b3 = v128.load(w, 48);
      s = v128.load32_splat(xp, 0); a0 = madd(s, b0, a0); a1 = madd(s, b1, a1); a2 = madd(s, b2, a2); a3 = madd(s, b3, a3);
      if (--k == 0) break;
      b0 = v128.load(w, 64); b1 = v128.load(w, 80); b2 = v128.load(w, 96); b3 = v128.load(w, 112);
      s = v128.load32_splat(xp, 4); d0 = madd(s, b0, d0); d1 = madd(s, b1, d1); d2 = madd(s, b2, d2); d3 = madd(s, b3, d3);
      if (--k == 0) break;
      b0 = v128.load(w, 128); b1 = v128.load(w, 144); b2 = v128.load(w, 160); b3 = v128.load(w, 176);
      s = v128.load32_splat(xp, 8); a0 = madd(s, b0, a0); a1 = madd(s, b1, a1); a2 = madd(s, b2, a2); a3 = madd(s, b3, a3);
      if (--k == 0) break;
      b0 = v128.load(w, 192); b1 = v128.load(w, 208); b2 = v128.load(w, 224); b3 = v128.load(w, 240);
      s = v128.load32_splat(xp, 12); d0 = madd(s, b0, d0); d1 = madd(s, b1, d1); d2 = madd(s, b2, d2); d3 = madd(s, b3, d3);
      w += 256; xp += 16;
      if (--k == 0) break;
    }
    const o = <usize>p << 4;
    lstmCell4(A, R, P, f32x4.add(a0, d0), f32x4.add(a1, d1), f32x4.add(a2, d2), f32x4.add(a3, d3), head + 64, cb + o, hb + o);
  }
}

// Two rows at once: slots s0 and s1 (xh, then cb and hb at cOff and hOff). Per k one load of each
// weight vector feeds both rows: eight chains, one per gate and row, so no even/odd split.
// @ts-ignore: decorator
@inline function lstmPanels2(A: i32, R: i32, P: bool, K: i32, nP: i32, s0: usize, s1: usize, cOff: usize, hOff: usize, pk: usize): void {
  const pb = <usize>lstmPanelFloats(K) << 2;
  for (let p = 0; p < nP; p++) {
    const head = pk + <usize>p * pb;
    let a0 = v128.load(head), a1 = v128.load(head, 16), a2 = v128.load(head, 32), a3 = v128.load(head, 48);
    let e0 = a0, e1 = a1, e2 = a2, e3 = a3;
    let w = head + 128, xa = s0, xb = s1, k = K;
    let s: v128, t: v128, b0: v128, b1: v128, b2: v128, b3: v128;
    while (true) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32); b3 = v128.load(w, 48);
      s = v128.load32_splat(xa, 0); t = v128.load32_splat(xb, 0);
      a0 = madd(s, b0, a0); a1 = madd(s, b1, a1); a2 = madd(s, b2, a2); a3 = madd(s, b3, a3);
      e0 = madd(t, b0, e0); e1 = madd(t, b1, e1); e2 = madd(t, b2, e2); e3 = madd(t, b3, e3);
      if (--k == 0) break;
      b0 = v128.load(w, 64); b1 = v128.load(w, 80); b2 = v128.load(w, 96); b3 = v128.load(w, 112);
      s = v128.load32_splat(xa, 4); t = v128.load32_splat(xb, 4);
      a0 = madd(s, b0, a0); a1 = madd(s, b1, a1); a2 = madd(s, b2, a2); a3 = madd(s, b3, a3);
      e0 = madd(t, b0, e0); e1 = madd(t, b1, e1); e2 = madd(t, b2, e2); e3 = madd(t, b3, e3);
      w += 128; xa += 8; xb += 8;
      if (--k == 0) break;
    }
    const o = <usize>p << 4;
    lstmCell4(A, R, P, a0, a1, a2, a3, head + 64, s0 + cOff + o, s0 + hOff + o);
    lstmCell4(A, R, P, e0, e1, e2, e3, head + 64, s1 + cOff + o, s1 + hOff + o);
  }
}

// @ts-ignore: decorator
@inline function lstmRows(A: i32, R: i32, P: bool, B: i32, I: i32, H: i32, x: usize, pk: usize, state: usize, mask: usize, scratch: usize): void {
  const K = I + H, nP = (H + 3) >> 2, Hb = <usize>H << 2, Hp = nP << 2;
  const slot = <usize>slotFloats(K, Hp) << 2;
  const cOff = <usize>r16(K + 8) << 2, hOff = cOff + (<usize>r16(Hp) << 2);
  const cState = at(state, B * H);
  let b = nextLive(0, B, mask);
  while (b < B) {
    const b2 = nextLive(b + 1, B, mask);
    const n = b2 < B ? 2 : 1;
    for (let j = 0; j < n; j++) {
      const r = j == 0 ? b : b2, s = scratch + <usize>j * slot;
      loadRow(r, I, H, x, state, s);
      memory.copy(s + cOff, at(cState, r * H), Hb);
      // padding units' c: zero each row, so it cannot decay into denormals step after step
      memory.fill(s + cOff + Hb, 0, (<usize>Hp << 2) - Hb);
    }
    if (n == 2) lstmPanels2(A, R, P, K, nP, scratch, scratch + slot, cOff, hOff, pk);
    else lstmPanels(A, R, P, K, nP, scratch, pk, scratch + cOff, scratch + hOff);
    for (let j = 0; j < n; j++) {
      const r = j == 0 ? b : b2, s = scratch + <usize>j * slot;
      memory.copy(at(state, r * H), s + hOff, Hb);
      memory.copy(at(cState, r * H), s + cOff, Hb);
    }
    b = n == 2 ? nextLive(b2 + 1, B, mask) : B;
  }
}

/**
 * One LSTM step of B rows: state h, c [B, H] become the next ones. x [B, I]; pk from lstm_step_pack;
 * mask [B] (0: none); act, recAct activation codes; flags: FLAG_PEEPHOLE as packed.
 */
export function lstm_step(B: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32, x: usize, pk: usize, state: usize, mask: usize, scratch: usize): void {
  if (B <= 0 || I < 0 || H <= 0) return;
  const P = (flags & FLAG_PEEPHOLE) != 0;
  if (act == ACT_TANH && recAct == ACT_SIGMOID) {
    if (P) lstmRows(ACT_TANH, ACT_SIGMOID, true, B, I, H, x, pk, state, mask, scratch);
    else lstmRows(ACT_TANH, ACT_SIGMOID, false, B, I, H, x, pk, state, mask, scratch);
  } else {
    if (P) lstmRows(act, recAct, true, B, I, H, x, pk, state, mask, scratch);
    else lstmRows(act, recAct, false, B, I, H, x, pk, state, mask, scratch);
  }
}

// ---- GRU (resetAfter) ----------------------------------------------------------------------------------

function gruPanelFloats(K: i32): i32 {
  return r16(16 + 12 * K);
}

/** Floats of the packed [W; U] a GRU step reads. */
export function gru_step_packed_size(I: i32, H: i32): i32 {
  return ((H + 3) >> 2) * gruPanelFloats(I + H);
}

/** Floats of scratch gru_step needs. */
export function gru_step_scratch_size(I: i32, H: i32): i32 {
  return rowScratch(I + H, ((H + 3) >> 2) << 2);
}

/** Packs a resetAfter GRU's W [I, 3H], U [H, 3H] and bias [2, 3H] (0: none) for gru_step. */
export function gru_step_pack(I: i32, H: i32, W: usize, U: usize, bias: usize, dst: usize): void {
  if (I < 0 || H <= 0) return;
  const K = I + H, G = 3 * H, P = (H + 3) >> 2, pf = gruPanelFloats(K);
  for (let p = 0; p < P; p++) {
    const panel = at(dst, p * pf);
    for (let l = 0; l < 4; l++) {
      const u = 4 * p + l, ok = u < H;
      // head: z and r (input + recurrent bias), the candidate's input bias, its recurrent bias
      store<f32>(at(panel, l), pick(bias, u, ok) + pick(bias, G + u, ok));
      store<f32>(at(panel, 4 + l), pick(bias, H + u, ok) + pick(bias, G + H + u, ok));
      store<f32>(at(panel, 8 + l), pick(bias, 2 * H + u, ok));
      store<f32>(at(panel, 12 + l), pick(bias, G + 2 * H + u, ok));
      for (let g = 0; g < 3; g++) {
        for (let k = 0; k < K; k++) {
          const v = k < I ? pick(W, k * G + g * H + u, ok) : pick(U, (k - I) * G + g * H + u, ok);
          store<f32>(at(panel, 16 + 12 * k + 4 * g + l), v);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function gruPanels(A: i32, R: i32, I: i32, K: i32, nP: i32, xh: usize, pk: usize, hb: usize): void {
  const pb = <usize>gruPanelFloats(K) << 2;
  const hPrev = at(xh, I);
  for (let p = 0; p < nP; p++) {
    const head = pk + <usize>p * pb;
    let az = v128.load(head), ar = v128.load(head, 16), ax = v128.load(head, 32);
    let dz = zero, dr = zero, dx = zero;
    let w = head + 64, xp = xh, k = I;
    let s: v128, b0: v128, b1: v128, b2: v128;
    // the input part: z, r and the candidate's x·W_h
    if (k > 0) {
      while (true) {
        b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32);
        s = v128.load32_splat(xp, 0); az = madd(s, b0, az); ar = madd(s, b1, ar); ax = madd(s, b2, ax);
        if (--k == 0) break;
        b0 = v128.load(w, 48); b1 = v128.load(w, 64); b2 = v128.load(w, 80);
        s = v128.load32_splat(xp, 4); dz = madd(s, b0, dz); dr = madd(s, b1, dr); dx = madd(s, b2, dx);
        w += 96; xp += 8;
        if (--k == 0) break;
      }
      if ((I & 1) != 0) { w += 48; xp += 4; }
    }
    const xw = f32x4.add(ax, dx);
    // the recurrent part: z, r and the candidate's h·U_h + b_rh, which r multiplies
    let ah = v128.load(head, 48), dh = zero;
    k = K - I;
    while (true) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32);
      s = v128.load32_splat(xp, 0); az = madd(s, b0, az); ar = madd(s, b1, ar); ah = madd(s, b2, ah);
      if (--k == 0) break;
      b0 = v128.load(w, 48); b1 = v128.load(w, 64); b2 = v128.load(w, 80);
      s = v128.load32_splat(xp, 4); dz = madd(s, b0, dz); dr = madd(s, b1, dr); dh = madd(s, b2, dh);
      w += 96; xp += 8;
      if (--k == 0) break;
    }
    // gru.ts's cellAfter: z, r, hh = act(x̂_h + r ⊙ R_h), h = hh + z ⊙ (h_{s-1} - hh)
    const o = <usize>p << 4;
    const z = act_v(R, f32x4.add(az, dz)), r = act_v(R, f32x4.add(ar, dr));
    const hh = act_v(A, madd(r, f32x4.add(ah, dh), xw));
    v128.store(hb + o, madd(z, f32x4.sub(v128.load(hPrev + o), hh), hh));
  }
}

// Two rows at once (slots s0, s1; the new h at hOff): each weight load feeds both rows.
// @ts-ignore: decorator
@inline function gruPanels2(A: i32, R: i32, I: i32, K: i32, nP: i32, s0: usize, s1: usize, hOff: usize, pk: usize): void {
  const pb = <usize>gruPanelFloats(K) << 2;
  const hp0 = at(s0, I), hp1 = at(s1, I);
  for (let p = 0; p < nP; p++) {
    const head = pk + <usize>p * pb;
    let az = v128.load(head), ar = v128.load(head, 16), ax = v128.load(head, 32);
    let ez = az, er = ar, ex = ax;
    let w = head + 64, xa = s0, xb = s1, k = I;
    let s: v128, t: v128, b0: v128, b1: v128, b2: v128;
    while (k > 0) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32);
      s = v128.load32_splat(xa); t = v128.load32_splat(xb);
      az = madd(s, b0, az); ar = madd(s, b1, ar); ax = madd(s, b2, ax);
      ez = madd(t, b0, ez); er = madd(t, b1, er); ex = madd(t, b2, ex);
      w += 48; xa += 4; xb += 4; k--;
    }
    let ah = v128.load(head, 48), eh = ah;
    k = K - I;
    while (k > 0) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32);
      s = v128.load32_splat(xa); t = v128.load32_splat(xb);
      az = madd(s, b0, az); ar = madd(s, b1, ar); ah = madd(s, b2, ah);
      ez = madd(t, b0, ez); er = madd(t, b1, er); eh = madd(t, b2, eh);
      w += 48; xa += 4; xb += 4; k--;
    }
    const o = <usize>p << 4;
    let z = act_v(R, az), r = act_v(R, ar);
    let hh = act_v(A, madd(r, ah, ax));
    v128.store(s0 + hOff + o, madd(z, f32x4.sub(v128.load(hp0 + o), hh), hh));
    z = act_v(R, ez);
    r = act_v(R, er);
    hh = act_v(A, madd(r, eh, ex));
    v128.store(s1 + hOff + o, madd(z, f32x4.sub(v128.load(hp1 + o), hh), hh));
  }
}

// @ts-ignore: decorator
@inline function gruRows(A: i32, R: i32, B: i32, I: i32, H: i32, x: usize, pk: usize, state: usize, mask: usize, scratch: usize): void {
  const K = I + H, nP = (H + 3) >> 2, Hb = <usize>H << 2, Hp = nP << 2;
  const slot = <usize>slotFloats(K, Hp) << 2;
  const hOff = (<usize>r16(K + 8) << 2) + (<usize>r16(Hp) << 2);
  let b = nextLive(0, B, mask);
  while (b < B) {
    const b2 = nextLive(b + 1, B, mask);
    const n = b2 < B ? 2 : 1;
    loadRow(b, I, H, x, state, scratch);
    if (n == 2) {
      loadRow(b2, I, H, x, state, scratch + slot);
      gruPanels2(A, R, I, K, nP, scratch, scratch + slot, hOff, pk);
      memory.copy(at(state, b2 * H), scratch + slot + hOff, Hb);
    } else gruPanels(A, R, I, K, nP, scratch, pk, scratch + hOff);
    memory.copy(at(state, b * H), scratch + hOff, Hb);
    b = n == 2 ? nextLive(b2 + 1, B, mask) : B;
  }
}

/** One resetAfter GRU step of B rows: state h [B, H] becomes the next one. x [B, I]; pk from gru_step_pack; mask [B] (0: none). */
export function gru_step(B: i32, I: i32, H: i32, act: i32, recAct: i32, x: usize, pk: usize, state: usize, mask: usize, scratch: usize): void {
  if (B <= 0 || I < 0 || H <= 0) return;
  if (act == ACT_TANH && recAct == ACT_SIGMOID) gruRows(ACT_TANH, ACT_SIGMOID, B, I, H, x, pk, state, mask, scratch);
  else gruRows(act, recAct, B, I, H, x, pk, state, mask, scratch);
}

// ---- SimpleRNN -------------------------------------------------------------------------------------------

function rnnPanelFloats(K: i32): i32 {
  return 16 + 16 * K;
}

/** Floats of the packed [W; U] a SimpleRNN step reads. */
export function rnn_step_packed_size(I: i32, H: i32): i32 {
  return ((H + 15) >> 4) * rnnPanelFloats(I + H);
}

/** Floats of scratch rnn_step needs. */
export function rnn_step_scratch_size(I: i32, H: i32): i32 {
  return rowScratch(I + H, ((H + 15) >> 4) << 4);
}

/** Packs a SimpleRNN's W [I, H], U [H, H] and bias [H] (0: none) for rnn_step. */
export function rnn_step_pack(I: i32, H: i32, W: usize, U: usize, bias: usize, dst: usize): void {
  if (I < 0 || H <= 0) return;
  const K = I + H, P = (H + 15) >> 4, pf = rnnPanelFloats(K);
  for (let p = 0; p < P; p++) {
    const panel = at(dst, p * pf);
    for (let j = 0; j < 16; j++) {
      const u = 16 * p + j, ok = u < H;
      store<f32>(at(panel, j), pick(bias, u, ok));
      for (let k = 0; k < K; k++) {
        const v = k < I ? pick(W, k * H + u, ok) : pick(U, (k - I) * H + u, ok);
        store<f32>(at(panel, 16 + 16 * k + j), v);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function rnnPanels(A: i32, K: i32, nP: i32, xh: usize, pk: usize, hb: usize): void {
  const pb = <usize>rnnPanelFloats(K) << 2;
  for (let p = 0; p < nP; p++) {
    const head = pk + <usize>p * pb;
    let a0 = v128.load(head), a1 = v128.load(head, 16), a2 = v128.load(head, 32), a3 = v128.load(head, 48);
    let d0 = zero, d1 = zero, d2 = zero, d3 = zero;
    let w = head + 64, xp = xh, k = K;
    let s: v128, b0: v128, b1: v128, b2: v128, b3: v128;
    while (true) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32); b3 = v128.load(w, 48);
      s = v128.load32_splat(xp, 0); a0 = madd(s, b0, a0); a1 = madd(s, b1, a1); a2 = madd(s, b2, a2); a3 = madd(s, b3, a3);
      if (--k == 0) break;
      b0 = v128.load(w, 64); b1 = v128.load(w, 80); b2 = v128.load(w, 96); b3 = v128.load(w, 112);
      s = v128.load32_splat(xp, 4); d0 = madd(s, b0, d0); d1 = madd(s, b1, d1); d2 = madd(s, b2, d2); d3 = madd(s, b3, d3);
      w += 128; xp += 8;
      if (--k == 0) break;
    }
    const o = hb + (<usize>p << 6);
    v128.store(o, act_v(A, f32x4.add(a0, d0)));
    v128.store(o, act_v(A, f32x4.add(a1, d1)), 16);
    v128.store(o, act_v(A, f32x4.add(a2, d2)), 32);
    v128.store(o, act_v(A, f32x4.add(a3, d3)), 48);
  }
}

// Two rows at once (slots s0, s1; the new h at hOff): each weight load feeds both rows.
// @ts-ignore: decorator
@inline function rnnPanels2(A: i32, K: i32, nP: i32, s0: usize, s1: usize, hOff: usize, pk: usize): void {
  const pb = <usize>rnnPanelFloats(K) << 2;
  for (let p = 0; p < nP; p++) {
    const head = pk + <usize>p * pb;
    let a0 = v128.load(head), a1 = v128.load(head, 16), a2 = v128.load(head, 32), a3 = v128.load(head, 48);
    let e0 = a0, e1 = a1, e2 = a2, e3 = a3;
    let w = head + 64, xa = s0, xb = s1, k = K;
    let s: v128, t: v128, b0: v128, b1: v128, b2: v128, b3: v128;
    while (true) {
      b0 = v128.load(w, 0); b1 = v128.load(w, 16); b2 = v128.load(w, 32); b3 = v128.load(w, 48);
      s = v128.load32_splat(xa); t = v128.load32_splat(xb);
      a0 = madd(s, b0, a0); a1 = madd(s, b1, a1); a2 = madd(s, b2, a2); a3 = madd(s, b3, a3);
      e0 = madd(t, b0, e0); e1 = madd(t, b1, e1); e2 = madd(t, b2, e2); e3 = madd(t, b3, e3);
      w += 64; xa += 4; xb += 4;
      if (--k == 0) break;
    }
    const o = <usize>p << 6;
    const y0 = s0 + hOff + o, y1 = s1 + hOff + o;
    v128.store(y0, act_v(A, a0));
    v128.store(y0, act_v(A, a1), 16);
    v128.store(y0, act_v(A, a2), 32);
    v128.store(y0, act_v(A, a3), 48);
    v128.store(y1, act_v(A, e0));
    v128.store(y1, act_v(A, e1), 16);
    v128.store(y1, act_v(A, e2), 32);
    v128.store(y1, act_v(A, e3), 48);
  }
}

// @ts-ignore: decorator
@inline function rnnRows(A: i32, B: i32, I: i32, H: i32, x: usize, pk: usize, state: usize, mask: usize, scratch: usize): void {
  const K = I + H, nP = (H + 15) >> 4, Hb = <usize>H << 2, Hp = nP << 4;
  const slot = <usize>slotFloats(K, Hp) << 2;
  const hOff = (<usize>r16(K + 8) << 2) + (<usize>r16(Hp) << 2);
  let b = nextLive(0, B, mask);
  while (b < B) {
    const b2 = nextLive(b + 1, B, mask);
    const n = b2 < B ? 2 : 1;
    loadRow(b, I, H, x, state, scratch);
    if (n == 2) {
      loadRow(b2, I, H, x, state, scratch + slot);
      rnnPanels2(A, K, nP, scratch, scratch + slot, hOff, pk);
      memory.copy(at(state, b2 * H), scratch + slot + hOff, Hb);
    } else rnnPanels(A, K, nP, scratch, pk, scratch + hOff);
    memory.copy(at(state, b * H), scratch + hOff, Hb);
    b = n == 2 ? nextLive(b2 + 1, B, mask) : B;
  }
}

/** One SimpleRNN step of B rows: state h [B, H] becomes the next one. x [B, I]; pk from rnn_step_pack; mask [B] (0: none). */
export function rnn_step(B: i32, I: i32, H: i32, act: i32, x: usize, pk: usize, state: usize, mask: usize, scratch: usize): void {
  if (B <= 0 || I < 0 || H <= 0) return;
  if (act == ACT_TANH) rnnRows(ACT_TANH, B, I, H, x, pk, state, mask, scratch);
  else rnnRows(act, B, I, H, x, pk, state, mask, scratch);
}

// ---- Dense ---------------------------------------------------------------------------------------------------

// y[b, n] = act(x[b]·W[:, n] + bias[n]) for one column n, W read in place (stride N floats).
// @ts-ignore: decorator
@inline function denseColumn(N: i32, K: i32, x: usize, W: usize, n: i32): f32 {
  // four partial sums, so the chain of K multiply-adds is four times shorter
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    s0 += load<f32>(at(x, k)) * load<f32>(at(W, k * N + n));
    s1 += load<f32>(at(x, k + 1)) * load<f32>(at(W, (k + 1) * N + n));
    s2 += load<f32>(at(x, k + 2)) * load<f32>(at(W, (k + 2) * N + n));
    s3 += load<f32>(at(x, k + 3)) * load<f32>(at(W, (k + 3) * N + n));
  }
  for (; k < K; k++) s0 += load<f32>(at(x, k)) * load<f32>(at(W, k * N + n));
  return (s0 + s1) + (s2 + s3);
}

/**
 * A Dense layer on B rows without packing: y [B, N] = act(x [B, K]·W [K, N] + bias [N]) (bias 0:
 * none; softmax over each row). For the few rows of a streaming step, where packing W would cost
 * more than the product.
 */
export function dense_step(B: i32, N: i32, K: i32, act: i32, x: usize, W: usize, bias: usize, y: usize): void {
  if (B <= 0 || N <= 0) return;
  const N4 = N & ~3, Nb = <usize>N << 2;
  for (let b = 0; b < B; b++) {
    const xr = at(x, b * K), yr = at(y, b * N);
    let n = 0;
    // four columns at a time, in two chains over the halves of K
    for (; n < N4; n += 4) {
      let a = bias ? v128.load(at(bias, n)) : f32x4.splat(0);
      let c = f32x4.splat(0);
      let wp = at(W, n), k = 0;
      for (; k + 2 <= K; k += 2) {
        a = madd(v128.load32_splat(at(xr, k)), v128.load(wp), a);
        c = madd(v128.load32_splat(at(xr, k + 1)), v128.load(wp + Nb), c);
        wp += Nb << 1;
      }
      if (k < K) a = madd(v128.load32_splat(at(xr, k)), v128.load(wp), a);
      v128.store(at(yr, n), f32x4.add(a, c));
    }
    for (; n < N; n++) store<f32>(at(yr, n), denseColumn(N, K, xr, W, n) + (bias ? load<f32>(at(bias, n)) : 0));
  }
  if (act == ACT_SOFTMAX) softmax_rows(B, N, y, y);
  else if (act != 0) {
    const n = B * N;
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(at(y, i), act_v(act, v128.load(at(y, i))));
    for (; i < n; i++) store<f32>(at(y, i), f32x4.extract_lane(act_v(act, v128.load32_splat(at(y, i))), 0));
  }
}
