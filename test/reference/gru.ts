// Float64 GRU forward and backward, read beside assembly/gru.ts: same argument meanings as the ABI
// (assembly/README.md), written one sequence and one unit at a time so each line is an equation.
//
// B = batch, T = steps, I = input features, H = units, G = 3H; gate order z, r, h (Keras).
// x̃ = x ⊙ xDrop, h̃ = h_{s-1} ⊙ hDrop (Keras puts recurrent dropout on h inside the matmuls only).
//   x_* = x̃·W_* + b_i*
//   resetAfter:  rec = h̃·U + b_r;  z = σ(x_z + rec_z), r = σ(x_r + rec_r), hh = act(x_h + r ⊙ rec_h)
//   otherwise:   rec_zr = h̃·U_zr;   z, r as above,                     hh = act(x_h + (r ⊙ h̃)·U_h)
//   h_s = z ⊙ h_{s-1} + (1 - z) ⊙ hh
// s is the processing step, t = goBackwards ? T-1-s : s the input time. A masked step carries h.
import { act, dact } from './activations.js';

export interface GruArgs {
  B: number; T: number; I: number; H: number;
  resetAfter: boolean; goBackwards: boolean; act: number; recAct: number;
  x: Float64Array; W: Float64Array; U: Float64Array;
  /** [2, 3H] (b_i, b_r) with resetAfter, else [3H]; null: no bias. */
  bias: Float64Array | null;
  h0: Float64Array | null; mask: Float64Array | null; xDrop: Float64Array | null; hDrop: Float64Array | null;
}

export interface GruForward {
  /** [B, T, 3H] by step s: z, r, hh after their activations; zero on masked steps. */
  gates: Float64Array;
  /** [B, T, H] by step s: rec_h (resetAfter) or (r ⊙ h̃)·U_h; zero on masked steps. */
  hrec: Float64Array;
  hseq: Float64Array;
  hT: Float64Array;
  /** Pre-activations [B, T, 3H] by step s (az, ar, ah): the backward differentiates at them. */
  pre: Float64Array;
}

export interface GruGrads { dW: Float64Array; dU: Float64Array; db: Float64Array; dx: Float64Array; dh0: Float64Array }

export function gruForward(a: GruArgs): GruForward {
  const { B, T, I, H } = a;
  const G = 3 * H;
  const gates = new Float64Array(B * T * G), hrec = new Float64Array(B * T * H), pre = new Float64Array(B * T * G);
  const hseq = new Float64Array(B * T * H), hT = new Float64Array(B * H);
  const bi = (n: number) => (a.bias ? a.bias[n] : 0);
  const br = (n: number) => (a.bias && a.resetAfter ? a.bias[G + n] : 0);
  for (let b = 0; b < B; b++) {
    const h = new Float64Array(H);
    if (a.h0) for (let j = 0; j < H; j++) h[j] = a.h0[b * H + j];
    for (let s = 0; s < T; s++) {
      const t = a.goBackwards ? T - 1 - s : s;
      const out = b * T + s;
      if (!a.mask || a.mask[b * T + t] !== 0) {
        const hd = new Float64Array(H);
        for (let k = 0; k < H; k++) hd[k] = h[k] * (a.hDrop ? a.hDrop[b * H + k] : 1);
        const xin = new Float64Array(G), rec = new Float64Array(G);
        for (let n = 0; n < G; n++) {
          xin[n] = bi(n);
          for (let i = 0; i < I; i++) xin[n] += a.x[(b * T + t) * I + i] * (a.xDrop ? a.xDrop[b * I + i] : 1) * a.W[i * G + n];
          if (a.resetAfter || n < 2 * H) {
            rec[n] = br(n);
            for (let k = 0; k < H; k++) rec[n] += hd[k] * a.U[k * G + n];
          }
        }
        const z = new Float64Array(H), r = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          pre[out * G + j] = xin[j] + rec[j];
          pre[out * G + H + j] = xin[H + j] + rec[H + j];
          z[j] = act(a.recAct, pre[out * G + j]);
          r[j] = act(a.recAct, pre[out * G + H + j]);
        }
        for (let j = 0; j < H; j++) {
          let rech = rec[2 * H + j];
          if (!a.resetAfter) {
            rech = 0;
            for (let k = 0; k < H; k++) rech += r[k] * hd[k] * a.U[k * G + 2 * H + j];
          }
          const ah = a.resetAfter ? xin[2 * H + j] + r[j] * rech : xin[2 * H + j] + rech;
          const hh = act(a.act, ah);
          pre[out * G + 2 * H + j] = ah;
          gates[out * G + j] = z[j];
          gates[out * G + H + j] = r[j];
          gates[out * G + 2 * H + j] = hh;
          hrec[out * H + j] = rech;
        }
        // every unit of the new state needs the old h, so update only after all of them
        for (let j = 0; j < H; j++) {
          const hh = gates[out * G + 2 * H + j];
          h[j] = z[j] * h[j] + (1 - z[j]) * hh;
        }
      }
      for (let j = 0; j < H; j++) hseq[out * H + j] = h[j];
    }
    for (let j = 0; j < H; j++) hT[b * H + j] = h[j];
  }
  return { gates, hrec, hseq, hT, pre };
}

/** Gradients of L = Σ dhseq ⊙ hseq + Σ dhT ⊙ hT (either may be null). Mirrors gruForward. */
export function gruBackward(a: GruArgs, f: GruForward, dhseq: Float64Array | null, dhT: Float64Array | null): GruGrads {
  const { B, T, I, H } = a;
  const G = 3 * H;
  const dW = new Float64Array(I * G), dU = new Float64Array(H * G), db = new Float64Array(a.resetAfter ? 2 * G : G);
  const dx = new Float64Array(B * T * I), dh0 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    // dh: the gradient reaching h_s from everything after it (and from hT)
    const dh = new Float64Array(H);
    if (dhT) for (let j = 0; j < H; j++) dh[j] = dhT[b * H + j];
    for (let s = T - 1; s >= 0; s--) {
      const t = a.goBackwards ? T - 1 - s : s;
      const out = b * T + s;
      if (dhseq) for (let j = 0; j < H; j++) dh[j] += dhseq[out * H + j];
      // in the forward pass a masked step copied h, so the gradient passes straight through
      if (a.mask && a.mask[b * T + t] === 0) continue;
      const hprev = new Float64Array(H), hd = new Float64Array(H);
      for (let k = 0; k < H; k++) {
        hprev[k] = s === 0 ? (a.h0 ? a.h0[b * H + k] : 0) : f.hseq[(out - 1) * H + k];
        hd[k] = hprev[k] * (a.hDrop ? a.hDrop[b * H + k] : 1);
      }
      const dxin = new Float64Array(G), drec = new Float64Array(G);
      const dhprev = new Float64Array(H), dhd = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = f.gates[out * G + j], r = f.gates[out * G + H + j], hh = f.gates[out * G + 2 * H + j];
        // h = z ⊙ hprev + (1 - z) ⊙ hh
        const daz = dh[j] * (hprev[j] - hh) * dact(a.recAct, f.pre[out * G + j]);
        const dah = dh[j] * (1 - z) * dact(a.act, f.pre[out * G + 2 * H + j]);
        dhprev[j] = dh[j] * z;
        dxin[j] = drec[j] = daz;
        dxin[2 * H + j] = dah;
        if (a.resetAfter) {
          // ah = x_h + r ⊙ rec_h
          dxin[H + j] = drec[H + j] = dah * f.hrec[out * H + j] * dact(a.recAct, f.pre[out * G + H + j]);
          drec[2 * H + j] = dah * r;
        }
      }
      if (!a.resetAfter) {
        // ah = x_h + (r ⊙ h̃)·U_h: the product r ⊙ h̃ gets d(rh) = dah·U_hᵀ
        for (let k = 0; k < H; k++) {
          let drh = 0;
          for (let j = 0; j < H; j++) {
            drh += dxin[2 * H + j] * a.U[k * G + 2 * H + j];
            dU[k * G + 2 * H + j] += f.gates[out * G + H + k] * hd[k] * dxin[2 * H + j];
          }
          const r = f.gates[out * G + H + k];
          dxin[H + k] = drec[H + k] = drh * hd[k] * dact(a.recAct, f.pre[out * G + H + k]);
          dhd[k] += drh * r;
        }
      }
      // x_* = x̃·W + b_i, rec = h̃·U (+ b_r)
      const recCols = a.resetAfter ? G : 2 * H;
      for (let n = 0; n < G; n++) {
        db[n] += dxin[n];
        if (a.resetAfter) db[G + n] += drec[n];
        for (let i = 0; i < I; i++) {
          const xd = a.xDrop ? a.xDrop[b * I + i] : 1;
          dW[i * G + n] += a.x[(b * T + t) * I + i] * xd * dxin[n];
          dx[(b * T + t) * I + i] += dxin[n] * a.W[i * G + n] * xd;
        }
      }
      for (let k = 0; k < H; k++)
        for (let n = 0; n < recCols; n++) {
          dU[k * G + n] += hd[k] * drec[n];
          dhd[k] += drec[n] * a.U[k * G + n];
        }
      for (let k = 0; k < H; k++) dh[k] = dhprev[k] + dhd[k] * (a.hDrop ? a.hDrop[b * H + k] : 1);
    }
    for (let j = 0; j < H; j++) dh0[b * H + j] = dh[j];
  }
  return { dW, dU, db, dx, dh0 };
}
