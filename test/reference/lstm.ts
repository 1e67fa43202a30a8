// Float64 LSTM forward and backward, read beside assembly/lstm.ts: same argument meanings as the ABI
// (assembly/README.md), written one sequence and one unit at a time so each line is an equation.
//
// B = batch, T = steps, I = input features, H = units, G = 4H; gate order i, f, c (g here), o (Keras).
// x̃ = x ⊙ xDrop, h̃ = h_{s-1} ⊙ hDrop (the same multipliers at every step, as Keras);
//   z = x̃·W + h̃·U + b
//   i = σ(z_i + p_i ⊙ c_{s-1}), f = σ(z_f + p_f ⊙ c_{s-1}), g = act(z_g)
//   c_s = f ⊙ c_{s-1} + i ⊙ g
//   o = σ(z_o + p_o ⊙ c_s),  h_s = o ⊙ act(c_s)
// σ is recAct; p (peepholes [3H] = p_i, p_f, p_o) is optional. s is the processing step, t =
// goBackwards ? T-1-s : s the input time. A masked step (mask[b, t] = 0) carries h and c.
import { act, dact } from './activations.js';

export interface LstmArgs {
  B: number; T: number; I: number; H: number;
  goBackwards: boolean; act: number; recAct: number;
  x: Float64Array; W: Float64Array; U: Float64Array;
  /** [4H]; null: no bias. */
  bias: Float64Array | null;
  /** [3H] = p_i, p_f, p_o; null: no peepholes. */
  peep: Float64Array | null;
  h0: Float64Array | null; c0: Float64Array | null;
  mask: Float64Array | null; xDrop: Float64Array | null; hDrop: Float64Array | null;
}

export interface LstmForward {
  /** [B, T, 4H] by step s: i, f, g, o after their activations; zero on masked steps. */
  gates: Float64Array;
  cseq: Float64Array;
  hseq: Float64Array;
  hT: Float64Array;
  cT: Float64Array;
  /** Pre-activations [B, T, 4H] by step s (peephole terms included): the backward differentiates at them. */
  pre: Float64Array;
}

export interface LstmGrads {
  dW: Float64Array; dU: Float64Array; db: Float64Array;
  /** [3H]; zero without peepholes. */
  dpeep: Float64Array;
  dx: Float64Array; dh0: Float64Array; dc0: Float64Array;
}

export function lstmForward(a: LstmArgs): LstmForward {
  const { B, T, I, H } = a;
  const G = 4 * H;
  const gates = new Float64Array(B * T * G), pre = new Float64Array(B * T * G);
  const cseq = new Float64Array(B * T * H), hseq = new Float64Array(B * T * H);
  const hT = new Float64Array(B * H), cT = new Float64Array(B * H);
  const p = (n: number) => (a.peep ? a.peep[n] : 0);
  for (let b = 0; b < B; b++) {
    const h = new Float64Array(H), c = new Float64Array(H);
    if (a.h0) for (let j = 0; j < H; j++) h[j] = a.h0[b * H + j];
    if (a.c0) for (let j = 0; j < H; j++) c[j] = a.c0[b * H + j];
    for (let s = 0; s < T; s++) {
      const t = a.goBackwards ? T - 1 - s : s;
      const out = b * T + s;
      if (!a.mask || a.mask[b * T + t] !== 0) {
        const z = new Float64Array(G);
        for (let n = 0; n < G; n++) {
          z[n] = a.bias ? a.bias[n] : 0;
          for (let i = 0; i < I; i++) z[n] += a.x[(b * T + t) * I + i] * (a.xDrop ? a.xDrop[b * I + i] : 1) * a.W[i * G + n];
          for (let k = 0; k < H; k++) z[n] += h[k] * (a.hDrop ? a.hDrop[b * H + k] : 1) * a.U[k * G + n];
        }
        // every unit of z needed the old h, so h changes only now; c[j] is unit j's alone
        for (let j = 0; j < H; j++) {
          const ai = z[j] + p(j) * c[j];
          const af = z[H + j] + p(H + j) * c[j];
          const ag = z[2 * H + j];
          const i = act(a.recAct, ai), f = act(a.recAct, af), g = act(a.act, ag);
          c[j] = f * c[j] + i * g;
          const ao = z[3 * H + j] + p(2 * H + j) * c[j];
          const o = act(a.recAct, ao);
          h[j] = o * act(a.act, c[j]);
          const gOut = out * G;
          pre[gOut + j] = ai; pre[gOut + H + j] = af; pre[gOut + 2 * H + j] = ag; pre[gOut + 3 * H + j] = ao;
          gates[gOut + j] = i; gates[gOut + H + j] = f; gates[gOut + 2 * H + j] = g; gates[gOut + 3 * H + j] = o;
        }
      }
      for (let j = 0; j < H; j++) { hseq[out * H + j] = h[j]; cseq[out * H + j] = c[j]; }
    }
    for (let j = 0; j < H; j++) { hT[b * H + j] = h[j]; cT[b * H + j] = c[j]; }
  }
  return { gates, cseq, hseq, hT, cT, pre };
}

/**
 * Gradients of L = Σ dhseq ⊙ hseq + Σ dhT ⊙ hT + Σ dcT ⊙ cT (any of the three may be null).
 * Mirrors lstmForward, step by step in reverse.
 */
export function lstmBackward(a: LstmArgs, f: LstmForward, dhseq: Float64Array | null, dhT: Float64Array | null, dcT: Float64Array | null): LstmGrads {
  const { B, T, I, H } = a;
  const G = 4 * H;
  const dW = new Float64Array(I * G), dU = new Float64Array(H * G), db = new Float64Array(G), dpeep = new Float64Array(3 * H);
  const dx = new Float64Array(B * T * I), dh0 = new Float64Array(B * H), dc0 = new Float64Array(B * H);
  const p = (n: number) => (a.peep ? a.peep[n] : 0);
  for (let b = 0; b < B; b++) {
    // dh, dc: the gradient reaching h_s and c_s from everything after step s (and from hT, cT)
    const dh = new Float64Array(H), dc = new Float64Array(H);
    if (dhT) for (let j = 0; j < H; j++) dh[j] = dhT[b * H + j];
    if (dcT) for (let j = 0; j < H; j++) dc[j] = dcT[b * H + j];
    for (let s = T - 1; s >= 0; s--) {
      const t = a.goBackwards ? T - 1 - s : s;
      const out = b * T + s;
      if (dhseq) for (let j = 0; j < H; j++) dh[j] += dhseq[out * H + j];
      // in the forward pass a masked step copied h and c, so their gradients pass straight through
      if (a.mask && a.mask[b * T + t] === 0) continue;
      const cprev = new Float64Array(H), hd = new Float64Array(H);
      for (let k = 0; k < H; k++) {
        cprev[k] = s === 0 ? (a.c0 ? a.c0[b * H + k] : 0) : f.cseq[(out - 1) * H + k];
        const hprev = s === 0 ? (a.h0 ? a.h0[b * H + k] : 0) : f.hseq[(out - 1) * H + k];
        hd[k] = hprev * (a.hDrop ? a.hDrop[b * H + k] : 1);
      }
      const dz = new Float64Array(G);
      for (let j = 0; j < H; j++) {
        const gOut = out * G;
        const i = f.gates[gOut + j], fg = f.gates[gOut + H + j], g = f.gates[gOut + 2 * H + j], o = f.gates[gOut + 3 * H + j];
        const c = f.cseq[out * H + j];
        // h = o ⊙ act(c)
        const dao = dh[j] * act(a.act, c) * dact(a.recAct, f.pre[gOut + 3 * H + j]);
        // c reaches L through h, through o's peephole, and through c_{s+1} (dc)
        const dcs = dc[j] + dh[j] * o * dact(a.act, c) + dao * p(2 * H + j);
        // c = f ⊙ c_{s-1} + i ⊙ g
        const dai = dcs * g * dact(a.recAct, f.pre[gOut + j]);
        const daf = dcs * cprev[j] * dact(a.recAct, f.pre[gOut + H + j]);
        const dag = dcs * i * dact(a.act, f.pre[gOut + 2 * H + j]);
        // i and f looked at c_{s-1} through their peepholes
        dc[j] = dcs * fg + dai * p(j) + daf * p(H + j);
        if (a.peep) {
          dpeep[j] += dai * cprev[j];
          dpeep[H + j] += daf * cprev[j];
          dpeep[2 * H + j] += dao * c;
        }
        dz[j] = dai; dz[H + j] = daf; dz[2 * H + j] = dag; dz[3 * H + j] = dao;
      }
      // z = x̃·W + h̃·U + b
      for (let n = 0; n < G; n++) {
        db[n] += dz[n];
        for (let i = 0; i < I; i++) {
          const xd = a.xDrop ? a.xDrop[b * I + i] : 1;
          dW[i * G + n] += a.x[(b * T + t) * I + i] * xd * dz[n];
          dx[(b * T + t) * I + i] += dz[n] * a.W[i * G + n] * xd;
        }
      }
      for (let k = 0; k < H; k++) {
        let dhd = 0;
        for (let n = 0; n < G; n++) {
          dU[k * G + n] += hd[k] * dz[n];
          dhd += dz[n] * a.U[k * G + n];
        }
        dh[k] = dhd * (a.hDrop ? a.hDrop[b * H + k] : 1);
      }
    }
    for (let j = 0; j < H; j++) { dh0[b * H + j] = dh[j]; dc0[b * H + j] = dc[j]; }
  }
  return { dW, dU, db, dpeep, dx, dh0, dc0 };
}
