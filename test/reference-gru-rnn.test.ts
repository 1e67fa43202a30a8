// The float64 GRU and SimpleRNN references against central finite differences of
// L = Σ dhseq ⊙ hseq + Σ dhT ⊙ hT: every gradient (dW, dU, db, dx, dh0), in both reset modes, with
// goBackwards, masks, dropout, hardSigmoid and relu. The kernels are checked against these.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, randArray } from './util/kernels.js';
import { numericGrad, maxRelDiff, RELU, SIGMOID, TANH, HARD_SIGMOID } from './reference/activations.js';
import { gruForward, gruBackward, type GruArgs } from './reference/gru.js';
import { rnnForward, rnnBackward, type RnnArgs } from './reference/rnn.js';

// h = 1e-5 in f64: truncation ~1e-10 and rounding ~1e-10 on these sizes; a wrong formula is off by O(1).
const FD_TOL = 1e-6;
const worst = { gru: 0, rnn: 0 };
afterAll(() => console.log(`GRU/SimpleRNN references vs finite differences: largest relative difference GRU ${worst.gru.toExponential(2)}, SimpleRNN ${worst.rnn.toExponential(2)}`));

interface Opts {
  resetAfter?: boolean; back?: boolean; mask?: boolean; drop?: boolean; h0?: boolean;
  act?: number; recAct?: number; seq?: boolean; last?: boolean;
}

const VARIANTS: [string, Opts][] = [
  ['plain', { h0: true }],
  ['goBackwards, mask', { back: true, mask: true }],
  ['dropout, h0, mask', { drop: true, h0: true, mask: true }],
  ['hardSigmoid, relu', { recAct: HARD_SIGMOID, act: RELU, h0: true }],
  ['dhseq only, goBackwards, dropout', { last: false, back: true, drop: true }],
  ['dhT only, mask, hardSigmoid', { seq: false, mask: true, recAct: HARD_SIGMOID, h0: true }],
  ['everything', { back: true, mask: true, drop: true, h0: true, recAct: HARD_SIGMOID, act: RELU }],
];
const SHAPES: [number, number, number, number][] = [[2, 4, 3, 4], [1, 1, 1, 1], [3, 3, 2, 5]];

function common(B: number, T: number, I: number, H: number, o: Opts, r: () => number) {
  return {
    x: randArray(B * T * I, r),
    h0: o.h0 ? randArray(B * H, r, 0.8) : null,
    // mask out a middle step of every sequence and the first step of the first one
    mask: o.mask ? Float64Array.from({ length: B * T }, (_, i) => (i === 0 || i % T === Math.floor(T / 2) ? 0 : 1)) : null,
    xDrop: o.drop ? Float64Array.from({ length: B * I }, () => (r() < 0.3 ? 0 : 1 / 0.7)) : null,
    hDrop: o.drop ? Float64Array.from({ length: B * H }, () => (r() < 0.3 ? 0 : 1 / 0.7)) : null,
    dhseq: o.seq === false ? null : randArray(B * T * H, r),
    dhT: o.last === false ? null : randArray(B * H, r),
  };
}

function loss(hseq: Float64Array, hT: Float64Array, dhseq: Float64Array | null, dhT: Float64Array | null): number {
  let L = 0;
  if (dhseq) for (let i = 0; i < hseq.length; i++) L += dhseq[i] * hseq[i];
  if (dhT) for (let i = 0; i < hT.length; i++) L += dhT[i] * hT[i];
  return L;
}

// Finite differences mean nothing across the kinks of relu (0) and hardSigmoid (±2.5).
function awayFromKinks(pre: Float64Array, codes: (n: number) => number) {
  let d = Infinity;
  pre.forEach((v, n) => {
    const c = codes(n);
    if (c === RELU && v !== 0) d = Math.min(d, Math.abs(v));
    if (c === HARD_SIGMOID) d = Math.min(d, Math.abs(v - 2.5), Math.abs(v + 2.5));
  });
  expect(d).toBeGreaterThan(1e-4);
}

describe('reference GRU vs finite differences', () => {
  for (const resetAfter of [true, false])
    for (const [name, o] of VARIANTS)
      for (const [B, T, I, H] of SHAPES) {
        if (B === 1 && name !== 'plain' && name !== 'everything') continue;
        it(`resetAfter=${resetAfter} ${name} B=${B} T=${T} I=${I} H=${H}`, () => {
          const r = rng(B * 1000 + T * 100 + I * 10 + H + (resetAfter ? 7 : 0) + name.length * 31);
          const G = 3 * H;
          const c = common(B, T, I, H, o, r);
          const a: GruArgs = {
            B, T, I, H, resetAfter, goBackwards: !!o.back, act: o.act ?? TANH, recAct: o.recAct ?? SIGMOID,
            x: c.x, W: randArray(I * G, r, 1 / Math.sqrt(I)), U: randArray(H * G, r, 1 / Math.sqrt(H)),
            bias: randArray(resetAfter ? 2 * G : G, r, 0.5), h0: c.h0, mask: c.mask, xDrop: c.xDrop, hDrop: c.hDrop,
          };
          const f = gruForward(a);
          awayFromKinks(f.pre, (n) => (n % G < 2 * H ? a.recAct : a.act));
          const g = gruBackward(a, f, c.dhseq, c.dhT);
          const L = () => { const y = gruForward(a); return loss(y.hseq, y.hT, c.dhseq, c.dhT); };
          const errs = [
            maxRelDiff(g.dW, numericGrad(L, a.W)), maxRelDiff(g.dU, numericGrad(L, a.U)),
            maxRelDiff(g.db, numericGrad(L, a.bias!)), maxRelDiff(g.dx, numericGrad(L, a.x)),
          ];
          if (a.h0) errs.push(maxRelDiff(g.dh0, numericGrad(L, a.h0)));
          const e = Math.max(...errs);
          worst.gru = Math.max(worst.gru, e);
          expect(e).toBeLessThan(FD_TOL);
        });
      }

  it('masked steps carry h and write zero gates; hT is the last output', () => {
    const r = rng(5);
    const B = 2, T = 3, I = 2, H = 3, G = 9;
    const a: GruArgs = {
      B, T, I, H, resetAfter: true, goBackwards: false, act: TANH, recAct: SIGMOID,
      x: randArray(B * T * I, r), W: randArray(I * G, r), U: randArray(H * G, r), bias: null,
      h0: randArray(B * H, r), mask: Float64Array.from([0, 1, 0, 1, 1, 1]), xDrop: null, hDrop: null,
    };
    const f = gruForward(a);
    expect(Array.from(f.hseq.subarray(0, H))).toEqual(Array.from(a.h0!.subarray(0, H)));
    expect(Array.from(f.hseq.subarray(2 * H, 3 * H))).toEqual(Array.from(f.hseq.subarray(H, 2 * H)));
    expect(Array.from(f.gates.subarray(2 * G, 3 * G)).every((v) => v === 0)).toBe(true);
    expect(Array.from(f.hT)).toEqual([...f.hseq.subarray(2 * H, 3 * H), ...f.hseq.subarray(5 * H, 6 * H)]);
  });
});

describe('reference SimpleRNN vs finite differences', () => {
  for (const [name, o] of VARIANTS)
    for (const [B, T, I, H] of SHAPES) {
      if (B === 1 && name !== 'plain' && name !== 'everything') continue;
      it(`${name} B=${B} T=${T} I=${I} H=${H}`, () => {
        const r = rng(B * 1000 + T * 100 + I * 10 + H + name.length * 37);
        const c = common(B, T, I, H, o, r);
        const a: RnnArgs = {
          B, T, I, H, goBackwards: !!o.back, act: o.act ?? TANH,
          x: c.x, W: randArray(I * H, r, 1 / Math.sqrt(I)), U: randArray(H * H, r, 1 / Math.sqrt(H)),
          bias: randArray(H, r, 0.5), h0: c.h0, mask: c.mask, xDrop: c.xDrop, hDrop: c.hDrop,
        };
        const f = rnnForward(a);
        awayFromKinks(f.pre, () => a.act);
        const g = rnnBackward(a, f, c.dhseq, c.dhT);
        const L = () => { const y = rnnForward(a); return loss(y.hseq, y.hT, c.dhseq, c.dhT); };
        const errs = [
          maxRelDiff(g.dW, numericGrad(L, a.W)), maxRelDiff(g.dU, numericGrad(L, a.U)),
          maxRelDiff(g.db, numericGrad(L, a.bias!)), maxRelDiff(g.dx, numericGrad(L, a.x)),
        ];
        if (a.h0) errs.push(maxRelDiff(g.dh0, numericGrad(L, a.h0)));
        const e = Math.max(...errs);
        worst.rnn = Math.max(worst.rnn, e);
        expect(e).toBeLessThan(FD_TOL);
      });
    }
});
