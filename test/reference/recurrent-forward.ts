// Float64 forward passes of LSTM (with peepholes), GRU (both reset modes) and SimpleRNN, written
// from the equations in assembly/README.md and docs/ARCHITECTURE.md (the LSTM math), independent of the kernels. Same
// argument meanings as the ABI: batch-major [B, T, F]; outputs indexed by processing step s.
import { act } from './activations.js';

export interface RecurrentInput {
  B: number; T: number; I: number; H: number;
  x: Float64Array; W: Float64Array; U: Float64Array; bias: Float64Array | null;
  h0?: Float64Array | null; c0?: Float64Array | null; mask?: Float64Array | null;
  xDrop?: Float64Array | null; hDrop?: Float64Array | null;
  goBackwards?: boolean; act?: number; recAct?: number;
}

const TANH = 3, SIGMOID = 2;

function setup(p: RecurrentInput) {
  const { B, T, I, H } = p;
  const xt = (b: number, t: number, i: number) => p.x[(b * T + t) * I + i] * (p.xDrop ? p.xDrop[b * I + i] : 1);
  const time = (s: number) => (p.goBackwards ? T - 1 - s : s);
  const keep = (b: number, t: number) => !p.mask || p.mask[b * T + t] !== 0;
  return { B, T, I, H, xt, time, keep, a: p.act ?? TANH, ra: p.recAct ?? SIGMOID };
}

/** hseq [B, T, H] and cseq [B, T, H] in processing order. peep: p_i, p_f, p_o [3H]. */
export function lstmForward(p: RecurrentInput & { peep?: Float64Array | null }): { hseq: Float64Array; cseq: Float64Array } {
  const { B, T, I, H, xt, time, keep, a, ra } = setup(p);
  const G = 4 * H;
  const hseq = new Float64Array(B * T * H), cseq = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = Array.from({ length: H }, (_, j) => (p.h0 ? p.h0[b * H + j] : 0));
    let c = Array.from({ length: H }, (_, j) => (p.c0 ? p.c0[b * H + j] : 0));
    for (let s = 0; s < T; s++) {
      const t = time(s);
      if (keep(b, t)) {
        const z = new Float64Array(G);
        for (let n = 0; n < G; n++) {
          let v = p.bias ? p.bias[n] : 0;
          for (let i = 0; i < I; i++) v += xt(b, t, i) * p.W[i * G + n];
          for (let k = 0; k < H; k++) v += h[k] * (p.hDrop ? p.hDrop[b * H + k] : 1) * p.U[k * G + n];
          z[n] = v;
        }
        const nh = new Array<number>(H), nc = new Array<number>(H);
        for (let j = 0; j < H; j++) {
          const pi = p.peep ? p.peep[j] : 0, pf = p.peep ? p.peep[H + j] : 0, po = p.peep ? p.peep[2 * H + j] : 0;
          const ig = act(ra, z[j] + pi * c[j]);
          const fg = act(ra, z[H + j] + pf * c[j]);
          const gg = act(a, z[2 * H + j]);
          nc[j] = fg * c[j] + ig * gg;
          const og = act(ra, z[3 * H + j] + po * nc[j]);
          nh[j] = og * act(a, nc[j]);
        }
        h = nh; c = nc;
      }
      for (let j = 0; j < H; j++) { hseq[(b * T + s) * H + j] = h[j]; cseq[(b * T + s) * H + j] = c[j]; }
    }
  }
  return { hseq, cseq };
}

/** hseq [B, T, H]. resetAfter: bias [2, 3H] (input, recurrent); else bias [3H]. */
export function gruForward(p: RecurrentInput & { resetAfter: boolean }): { hseq: Float64Array } {
  const { B, T, I, H, xt, time, keep, a, ra } = setup(p);
  const G = 3 * H;
  const hseq = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = Array.from({ length: H }, (_, j) => (p.h0 ? p.h0[b * H + j] : 0));
    for (let s = 0; s < T; s++) {
      const t = time(s);
      if (keep(b, t)) {
        const hd = h.map((v, k) => v * (p.hDrop ? p.hDrop[b * H + k] : 1));
        const xin = new Float64Array(G), rec = new Float64Array(G);
        for (let n = 0; n < G; n++) {
          let v = p.bias ? p.bias[n] : 0;
          for (let i = 0; i < I; i++) v += xt(b, t, i) * p.W[i * G + n];
          xin[n] = v;
          let r = p.bias && p.resetAfter ? p.bias[G + n] : 0;
          if (p.resetAfter || n < 2 * H) for (let k = 0; k < H; k++) r += hd[k] * p.U[k * G + n];
          rec[n] = r;
        }
        const zg = new Array<number>(H), rg = new Array<number>(H);
        for (let j = 0; j < H; j++) { zg[j] = act(ra, xin[j] + rec[j]); rg[j] = act(ra, xin[H + j] + rec[H + j]); }
        const nh = new Array<number>(H);
        for (let j = 0; j < H; j++) {
          let cand: number;
          if (p.resetAfter) cand = xin[2 * H + j] + rg[j] * rec[2 * H + j];
          else {
            cand = xin[2 * H + j];
            for (let k = 0; k < H; k++) cand += rg[k] * hd[k] * p.U[k * G + 2 * H + j];
          }
          const hh = act(a, cand);
          nh[j] = zg[j] * h[j] + (1 - zg[j]) * hh;
        }
        h = nh;
      }
      for (let j = 0; j < H; j++) hseq[(b * T + s) * H + j] = h[j];
    }
  }
  return { hseq };
}

export function rnnForward(p: RecurrentInput): { hseq: Float64Array } {
  const { B, T, I, H, xt, time, keep, a } = setup(p);
  const hseq = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    let h = Array.from({ length: H }, (_, j) => (p.h0 ? p.h0[b * H + j] : 0));
    for (let s = 0; s < T; s++) {
      const t = time(s);
      if (keep(b, t)) {
        const nh = new Array<number>(H);
        for (let n = 0; n < H; n++) {
          let v = p.bias ? p.bias[n] : 0;
          for (let i = 0; i < I; i++) v += xt(b, t, i) * p.W[i * H + n];
          for (let k = 0; k < H; k++) v += h[k] * (p.hDrop ? p.hDrop[b * H + k] : 1) * p.U[k * H + n];
          nh[n] = act(a, v);
        }
        h = nh;
      }
      for (let j = 0; j < H; j++) hseq[(b * T + s) * H + j] = h[j];
    }
  }
  return { hseq };
}
