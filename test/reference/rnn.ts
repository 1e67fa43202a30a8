// Float64 SimpleRNN forward and backward, read beside assembly/rnn.ts: same argument meanings as the
// ABI (assembly/README.md), one sequence and one unit at a time.
//
// B = batch, T = steps, I = input features, H = units.
//   h_s = act(x̃_t·W + h̃_{s-1}·U + b),  x̃ = x ⊙ xDrop, h̃ = h ⊙ hDrop
// s is the processing step, t = goBackwards ? T-1-s : s the input time. A masked step carries h.
import { act, dact } from './activations.js';

export interface RnnArgs {
  B: number; T: number; I: number; H: number;
  goBackwards: boolean; act: number;
  x: Float64Array; W: Float64Array; U: Float64Array; bias: Float64Array | null;
  h0: Float64Array | null; mask: Float64Array | null; xDrop: Float64Array | null; hDrop: Float64Array | null;
}

export interface RnnForward {
  hseq: Float64Array;
  hT: Float64Array;
  /** Pre-activations [B, T, H] by step s (zero on masked steps). */
  pre: Float64Array;
}

export interface RnnGrads { dW: Float64Array; dU: Float64Array; db: Float64Array; dx: Float64Array; dh0: Float64Array }

export function rnnForward(a: RnnArgs): RnnForward {
  const { B, T, I, H } = a;
  const hseq = new Float64Array(B * T * H), hT = new Float64Array(B * H), pre = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    if (a.h0) for (let j = 0; j < H; j++) h[j] = a.h0[b * H + j];
    for (let s = 0; s < T; s++) {
      const t = a.goBackwards ? T - 1 - s : s;
      const out = b * T + s;
      if (!a.mask || a.mask[b * T + t] !== 0) {
        const nh = new Float64Array(H);
        for (let n = 0; n < H; n++) {
          let v = a.bias ? a.bias[n] : 0;
          for (let i = 0; i < I; i++) v += a.x[(b * T + t) * I + i] * (a.xDrop ? a.xDrop[b * I + i] : 1) * a.W[i * H + n];
          for (let k = 0; k < H; k++) v += h[k] * (a.hDrop ? a.hDrop[b * H + k] : 1) * a.U[k * H + n];
          pre[out * H + n] = v;
          nh[n] = act(a.act, v);
        }
        h = nh;
      }
      for (let j = 0; j < H; j++) hseq[out * H + j] = h[j];
    }
    for (let j = 0; j < H; j++) hT[b * H + j] = h[j];
  }
  return { hseq, hT, pre };
}

/** Gradients of L = Σ dhseq ⊙ hseq + Σ dhT ⊙ hT (either may be null). Mirrors rnnForward. */
export function rnnBackward(a: RnnArgs, f: RnnForward, dhseq: Float64Array | null, dhT: Float64Array | null): RnnGrads {
  const { B, T, I, H } = a;
  const dW = new Float64Array(I * H), dU = new Float64Array(H * H), db = new Float64Array(H);
  const dx = new Float64Array(B * T * I), dh0 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    let dh = new Float64Array(H);
    if (dhT) for (let j = 0; j < H; j++) dh[j] = dhT[b * H + j];
    for (let s = T - 1; s >= 0; s--) {
      const t = a.goBackwards ? T - 1 - s : s;
      const out = b * T + s;
      if (dhseq) for (let j = 0; j < H; j++) dh[j] += dhseq[out * H + j];
      // a masked step copied h forward, so its gradient goes back unchanged
      if (a.mask && a.mask[b * T + t] === 0) continue;
      const dprev = new Float64Array(H);
      for (let n = 0; n < H; n++) {
        // in the forward pass h = act(pre), so dpre = dh ⊙ act'(pre)
        const dz = dh[n] * dact(a.act, f.pre[out * H + n]);
        db[n] += dz;
        for (let i = 0; i < I; i++) {
          const xd = a.xDrop ? a.xDrop[b * I + i] : 1;
          dW[i * H + n] += a.x[(b * T + t) * I + i] * xd * dz;
          dx[(b * T + t) * I + i] += dz * a.W[i * H + n] * xd;
        }
        for (let k = 0; k < H; k++) {
          const hd = a.hDrop ? a.hDrop[b * H + k] : 1;
          const hprev = s === 0 ? (a.h0 ? a.h0[b * H + k] : 0) : f.hseq[(out - 1) * H + k];
          dU[k * H + n] += hprev * hd * dz;
          dprev[k] += dz * a.U[k * H + n] * hd;
        }
      }
      dh = dprev;
    }
    for (let j = 0; j < H; j++) dh0[b * H + j] = dh[j];
  }
  return { dW, dU, db, dx, dh0 };
}
