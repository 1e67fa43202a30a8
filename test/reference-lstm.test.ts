// The float64 LSTM reference against central finite differences of
// L = Σ dhseq ⊙ hseq + Σ dhT ⊙ hT + Σ dcT ⊙ cT (fixed random upstream weights): every gradient
// (dW, dU, db, dpeep, dx, dh0, dc0), with and without peepholes, goBackwards, masks with skipped
// steps, dropout multipliers, hardSigmoid and relu. The kernel is checked against this reference.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, randArray } from './util/kernels.js';
import { numericGrad, maxRelDiff, RELU, SIGMOID, TANH, HARD_SIGMOID } from './reference/activations.js';
import { lstmForward, lstmBackward, type LstmArgs } from './reference/lstm.js';

// h = 1e-5 in f64: truncation ~1e-10 and rounding ~1e-10 on these sizes; a wrong formula is off by O(1).
const FD_TOL = 1e-6;
let worst = 0;
afterAll(() => console.log(`LSTM reference vs finite differences: largest relative difference ${worst.toExponential(2)}`));

interface Opts {
  peep?: boolean; back?: boolean; mask?: boolean; drop?: boolean; h0?: boolean;
  act?: number; recAct?: number; seq?: boolean; last?: boolean;
}

const VARIANTS: [string, Opts][] = [
  ['plain', { h0: true }],
  ['peephole', { peep: true, h0: true }],
  ['no h0/c0 (gradients at zero state)', { peep: true }],
  ['goBackwards, mask', { back: true, mask: true, peep: true, h0: true }],
  ['dropout, h0, mask', { drop: true, h0: true, mask: true }],
  ['hardSigmoid', { recAct: HARD_SIGMOID, peep: true, h0: true }],
  ['hardSigmoid, relu', { recAct: HARD_SIGMOID, act: RELU, h0: true }],
  ['dhseq only, goBackwards, dropout', { last: false, back: true, drop: true, peep: true, h0: true }],
  ['dhT and dcT only, mask, hardSigmoid', { seq: false, mask: true, recAct: HARD_SIGMOID, h0: true, peep: true }],
  ['everything', { peep: true, back: true, mask: true, drop: true, h0: true, recAct: HARD_SIGMOID, act: RELU }],
];
const SHAPES: [number, number, number, number][] = [[2, 4, 3, 4], [1, 1, 1, 1], [3, 3, 2, 5]];

function makeArgs(B: number, T: number, I: number, H: number, o: Opts, r: () => number): LstmArgs {
  const G = 4 * H;
  return {
    B, T, I, H, goBackwards: !!o.back, act: o.act ?? TANH, recAct: o.recAct ?? SIGMOID,
    x: randArray(B * T * I, r), W: randArray(I * G, r, 1 / Math.sqrt(I)), U: randArray(H * G, r, 1 / Math.sqrt(H)),
    bias: randArray(G, r, 0.5), peep: o.peep ? randArray(3 * H, r, 0.5) : null,
    // zeros rather than null when absent: the gradient with respect to a zero state is still defined
    h0: o.h0 ? randArray(B * H, r, 0.8) : new Float64Array(B * H),
    c0: o.h0 ? randArray(B * H, r, 0.8) : new Float64Array(B * H),
    // mask out a middle step of every sequence and the first step of the first one
    mask: o.mask ? Float64Array.from({ length: B * T }, (_, i) => (i === 0 || i % T === Math.floor(T / 2) ? 0 : 1)) : null,
    xDrop: o.drop ? Float64Array.from({ length: B * I }, () => (r() < 0.3 ? 0 : 1 / 0.7)) : null,
    hDrop: o.drop ? Float64Array.from({ length: B * H }, () => (r() < 0.3 ? 0 : 1 / 0.7)) : null,
  };
}

// Finite differences mean nothing across the kinks of relu (0) and hardSigmoid (±2.5).
function awayFromKinks(pre: Float64Array, cseq: Float64Array, a: LstmArgs) {
  const G = 4 * a.H;
  let d = Infinity;
  const check = (c: number, v: number) => {
    if (c === RELU && v !== 0) d = Math.min(d, Math.abs(v));
    if (c === HARD_SIGMOID) d = Math.min(d, Math.abs(v - 2.5), Math.abs(v + 2.5));
  };
  pre.forEach((v, n) => check(n % G >= 2 * a.H && n % G < 3 * a.H ? a.act : a.recAct, v));
  cseq.forEach((v) => check(a.act, v));
  expect(d).toBeGreaterThan(1e-4);
}

describe('reference LSTM vs finite differences', () => {
  for (const [name, o] of VARIANTS)
    for (const [B, T, I, H] of SHAPES) {
      if (B === 1 && name !== 'plain' && name !== 'everything') continue;
      it(`${name} B=${B} T=${T} I=${I} H=${H}`, () => {
        const r = rng(B * 1000 + T * 100 + I * 10 + H + name.length * 41);
        const a = makeArgs(B, T, I, H, o, r);
        const dhseq = o.seq === false ? null : randArray(B * T * H, r);
        const dhT = o.last === false ? null : randArray(B * H, r);
        const dcT = o.last === false ? null : randArray(B * H, r);
        const f = lstmForward(a);
        awayFromKinks(f.pre, f.cseq, a);
        const g = lstmBackward(a, f, dhseq, dhT, dcT);
        const L = () => {
          const y = lstmForward(a);
          let s = 0;
          if (dhseq) for (let i = 0; i < y.hseq.length; i++) s += dhseq[i] * y.hseq[i];
          if (dhT) for (let i = 0; i < y.hT.length; i++) s += dhT[i] * y.hT[i];
          if (dcT) for (let i = 0; i < y.cT.length; i++) s += dcT[i] * y.cT[i];
          return s;
        };
        const errs: Record<string, number> = {
          dW: maxRelDiff(g.dW, numericGrad(L, a.W)), dU: maxRelDiff(g.dU, numericGrad(L, a.U)),
          db: maxRelDiff(g.db, numericGrad(L, a.bias!)), dx: maxRelDiff(g.dx, numericGrad(L, a.x)),
          dh0: maxRelDiff(g.dh0, numericGrad(L, a.h0!)), dc0: maxRelDiff(g.dc0, numericGrad(L, a.c0!)),
        };
        if (a.peep) errs.dpeep = maxRelDiff(g.dpeep, numericGrad(L, a.peep));
        for (const [k, e] of Object.entries(errs)) {
          worst = Math.max(worst, e);
          expect(e, k).toBeLessThan(FD_TOL);
        }
      });
    }

  it('masked steps carry h and c and write zero gates; hT, cT are the last outputs', () => {
    const r = rng(5);
    const B = 2, T = 3, I = 2, H = 3, G = 12;
    const a: LstmArgs = {
      B, T, I, H, goBackwards: false, act: TANH, recAct: SIGMOID,
      x: randArray(B * T * I, r), W: randArray(I * G, r), U: randArray(H * G, r), bias: null, peep: randArray(3 * H, r),
      h0: randArray(B * H, r), c0: randArray(B * H, r), mask: Float64Array.from([0, 1, 0, 1, 1, 1]), xDrop: null, hDrop: null,
    };
    const f = lstmForward(a);
    expect(Array.from(f.hseq.subarray(0, H))).toEqual(Array.from(a.h0!.subarray(0, H)));
    expect(Array.from(f.cseq.subarray(0, H))).toEqual(Array.from(a.c0!.subarray(0, H)));
    expect(Array.from(f.hseq.subarray(2 * H, 3 * H))).toEqual(Array.from(f.hseq.subarray(H, 2 * H)));
    expect(Array.from(f.gates.subarray(2 * G, 3 * G)).every((v) => v === 0)).toBe(true);
    expect(Array.from(f.hT)).toEqual([...f.hseq.subarray(2 * H, 3 * H), ...f.hseq.subarray(5 * H, 6 * H)]);
    expect(Array.from(f.cT)).toEqual([...f.cseq.subarray(2 * H, 3 * H), ...f.cseq.subarray(5 * H, 6 * H)]);
  });

  it('goBackwards reads the input from the end and writes outputs by processing step', () => {
    const r = rng(9);
    const B = 1, T = 4, I = 2, H = 2, G = 8;
    const base: LstmArgs = {
      B, T, I, H, goBackwards: false, act: TANH, recAct: SIGMOID,
      x: randArray(B * T * I, r), W: randArray(I * G, r), U: randArray(H * G, r), bias: randArray(G, r), peep: null,
      h0: null, c0: null, mask: null, xDrop: null, hDrop: null,
    };
    const reversed = new Float64Array(T * I);
    for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) reversed[t * I + i] = base.x[(T - 1 - t) * I + i];
    const fwdOnReversed = lstmForward({ ...base, x: reversed });
    const back = lstmForward({ ...base, goBackwards: true });
    expect(Array.from(back.hseq)).toEqual(Array.from(fwdOnReversed.hseq));
  });
});
