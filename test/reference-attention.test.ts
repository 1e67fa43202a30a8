// The float64 attention references (test/reference/attention.ts) against central finite
// differences of L = Σ w ⊙ forward(inputs), w random: the batched products QKᵀ and PV (heads read
// in place from [B, T, H, D] rows), the masked softmax (key mask, query mask, attention mask, causal,
// a fully masked row) with its scale, and the additive / concat scores with their weights.
// The products are bilinear (central differences exact but for rounding); softmax and tanh are
// smooth, so h = 1e-5 leaves O(h²) ≈ 1e-10: 1e-7 catches any wrong formula.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, randArray } from './util/kernels.js';
import { numericGrad, maxRelDiff } from './reference/activations.js';
import {
  scores, scoresBackward, softmax, softmaxBackward, apply, applyBackward, additiveScores, additiveBackward, kept, type Masks,
} from './reference/attention.js';

const FD_TOL = 1e-7;
let worst = 0;
afterAll(() => console.log(`attention references vs finite differences: largest relative difference ${worst.toExponential(2)}`));

const dot = (w: ArrayLike<number>, y: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
};

function check(L: () => number, inputs: Float64Array[], grads: Float64Array[]): void {
  let e = 0;
  inputs.forEach((x, i) => { e = Math.max(e, maxRelDiff(grads[i], numericGrad(L, x))); });
  worst = Math.max(worst, e);
  expect(e).toBeLessThan(FD_TOL);
}

const SHAPES: [number, number, number, number, number][] = [
  // B, H, Tq, Tv, D
  [1, 1, 1, 1, 3], [2, 1, 3, 5, 5], [1, 2, 5, 3, 3], [2, 3, 7, 7, 5], [1, 3, 3, 1, 5],
];

describe('batched products over (batch, heads)', () => {
  for (const [B, H, Tq, Tv, D] of SHAPES)
    it(`QKᵀ and PV, B ${B} H ${H} Tq ${Tq} Tv ${Tv} D ${D}`, () => {
      const r = rng(B * 1000 + H * 100 + Tq * 10 + Tv);
      const d = { B, H, Tq, Tv };
      const ld = H * D + 1; // rows wider than the heads: the strides are exercised
      const q = randArray(B * Tq * ld, r), k = randArray(B * Tv * ld, r);
      const w = randArray(B * H * Tq * Tv, r);
      const g = scoresBackward(d, D, q, ld, k, ld, w);
      check(() => dot(w, scores(d, D, q, ld, k, ld)), [q, k], [g.dq, g.dk]);
      const p = randArray(B * H * Tq * Tv, r), v = randArray(B * Tv * ld, r);
      const wo = randArray(B * Tq * ld, r);
      const ga = applyBackward(d, D, p, v, ld, wo, ld);
      check(() => dot(wo, apply(d, D, p, v, ld, ld)), [p, v], [ga.dp, ga.dv]);
    });
});

function masksFor(B: number, Tq: number, Tv: number, r: () => number, which: string): Masks {
  const bits = (n: number) => Float64Array.from({ length: n }, () => (r() < 0.3 ? 0 : 1));
  const m: Masks = {};
  if (which.includes('k')) m.kmask = bits(B * Tv);
  if (which.includes('q')) m.qmask = bits(B * Tq);
  if (which.includes('a')) m.amask = bits(B * Tq * Tv);
  if (which.includes('c')) m.causal = true;
  return m;
}

describe('masked softmax with a scale', () => {
  for (const which of ['', 'k', 'q', 'a', 'c', 'kc', 'kqac'])
    for (const [B, H, Tq, Tv] of [[1, 1, 1, 1], [2, 2, 3, 5], [2, 3, 7, 7], [1, 1, 5, 3]])
      it(`masks '${which}' B ${B} H ${H} Tq ${Tq} Tv ${Tv}`, () => {
        const r = rng(B * 7 + H * 13 + Tq * 17 + Tv + which.length * 101);
        const d = { B, H, Tq, Tv };
        const m = masksFor(B, Tq, Tv, r, which);
        const s = randArray(B * H * Tq * Tv, r, 2), w = randArray(B * H * Tq * Tv, r);
        const scale = new Float64Array([0.7]);
        const p = softmax(d, scale[0], s, m);
        const g = softmaxBackward(d, scale[0], s, p, w, m);
        check(() => dot(w, softmax(d, scale[0], s, m)), [s, scale], [g.ds, new Float64Array([g.dscale])]);
        // masked keys get weight 0 unless the whole row is masked (then uniform); causal: j ≤ i
        for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) {
          const row = Array.from({ length: Tv }, (_, j) => kept(m, Tq, Tv, b, i, j));
          const any = row.some((x) => x);
          for (let j = 0; j < Tv; j++) {
            const pv = p[((b * H + h) * Tq + i) * Tv + j];
            if (!any) expect(pv).toBeCloseTo(1 / Tv, 12);
            else if (!row[j]) expect(pv).toBe(0);
          }
        }
      });
});

describe('additive (Bahdanau) and concat (Luong) scores', () => {
  for (const [B, Tq, Tv, D] of [[1, 1, 1, 3], [2, 3, 5, 5], [1, 7, 3, 3], [2, 5, 7, 5]])
    for (const withW of [false, true])
      it(`B ${B} Tq ${Tq} Tv ${Tv} D ${D}${withW ? ' with weights w' : ''}`, () => {
        const r = rng(B * 11 + Tq * 3 + Tv * 5 + D + (withW ? 1000 : 0));
        const q = randArray(B * Tq * D, r), k = randArray(B * Tv * D, r);
        const wv = withW ? randArray(D, r) : null;
        const ac = new Float64Array([0.8, 1.3]);
        const w = randArray(B * Tq * Tv, r);
        const g = additiveBackward(B, Tq, Tv, D, q, k, wv, ac[0], ac[1], w);
        const L = () => dot(w, additiveScores(B, Tq, Tv, D, q, k, wv, ac[0], ac[1]));
        const ins = [q, k, ac], grads = [g.dq, g.dk, new Float64Array([g.da, g.dc])];
        if (wv) { ins.push(wv); grads.push(g.dw); }
        check(L, ins, grads);
      });
});
