// The attention kernels (assembly/attention.ts) against the float64 references
// (test/reference/attention.ts, checked by finite differences in reference-attention.test.ts), both
// builds, odd shapes: T 1, 3, 5, 7 (queries and keys apart), heads 1 to 3, key and value sizes 3
// and 5, heads read in place from [B, T, H·D] rows (and from rows wider than the heads), every mask
// (keys, queries, an explicit [B, Tq, Tv] mask, causal, rows with every key masked), the fused
// backward pass, accumulation into an existing gradient, ds written over dp, and the additive /
// concat scores. Tolerance |a - b| / max(1, |b|) ≤ 2e-5 (f32 sums of at most a few dozen terms,
// the SIMD exp within 1e-6). Outputs sit between guard floats: nothing around them is written.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, randArray, rng } from './util/kernels.js';
import type { Arena } from '../src/runtime/arena.js';
import { maxRelDiff } from './reference/activations.js';
import * as ref from './reference/attention.js';

const TOL = 2e-5;
const GUARD = 16, SENTINEL = -1234.5;
let worst = 0;
afterAll(() => console.log(`attention kernels vs float64 references: largest relative difference ${worst.toExponential(2)}`));

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  const e = maxRelDiff(a, b);
  worst = Math.max(worst, e);
  expect(e, what).toBeLessThan(TOL);
}

function output(arena: Arena, n: number, init?: ArrayLike<number>): number {
  const p = arena.alloc(n + 2 * GUARD);
  arena.write(p, new Float32Array(n + 2 * GUARD).fill(SENTINEL));
  if (init) arena.write(p + 4 * GUARD, init);
  return p + 4 * GUARD;
}

function guardsIntact(arena: Arena, p: number, n: number): boolean {
  const ok = (v: number) => v === SENTINEL;
  return arena.read(p - 4 * GUARD, GUARD).every(ok) && arena.read(p + 4 * n, GUARD).every(ok);
}

const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));

// B, H, Tq, Tv, Dk, Dv
const SHAPES: [number, number, number, number, number, number][] = [
  [1, 1, 1, 1, 3, 3], [2, 1, 3, 5, 5, 3], [2, 2, 5, 3, 3, 5], [3, 3, 7, 7, 5, 5], [1, 3, 1, 7, 3, 5],
  [2, 2, 7, 1, 5, 3], [1, 1, 5, 5, 3, 5], [2, 3, 3, 3, 3, 3],
];
const MASKS = ['', 'k', 'q', 'a', 'c', 'kc', 'kqac', 'all'];

describe.each(BUILDS)('attention kernels (%s build)', (build) => {
  for (const [B, H, Tq, Tv, Dk, Dv] of SHAPES)
    for (const which of MASKS)
      it(`B ${B} H ${H} Tq ${Tq} Tv ${Tv} Dk ${Dk} Dv ${Dv}, masks '${which}'`, () => {
        const { k, arena } = loadKernels(build);
        const r = rng(B * 100003 + H * 1009 + Tq * 101 + Tv * 11 + Dk + Dv * 7 + which.length * 31);
        const d = { B, H, Tq, Tv };
        // Wider rows than the heads on odd cases: strides are not just H·D.
        const pad = (Tq + Tv) % 2;
        const ldq = H * Dk + pad, ldv = H * Dv + pad, ldo = H * Dv;
        const q = f32(randArray(B * Tq * ldq, r)), kk = f32(randArray(B * Tv * ldq, r)), v = f32(randArray(B * Tv * ldv, r));
        const bits = (n: number) => Float64Array.from({ length: n }, () => (r() < 0.3 ? 0 : 1));
        const m: ref.Masks = {};
        if (which.includes('k')) m.kmask = bits(B * Tv);
        if (which.includes('q')) m.qmask = bits(B * Tq);
        if (which.includes('a')) m.amask = bits(B * Tq * Tv);
        if (which.includes('c')) m.causal = true;
        if (which === 'all') m.kmask = new Float64Array(B * Tv); // every key masked
        const scale = 1 / Math.sqrt(Dk);
        const nS = B * H * Tq * Tv;
        const scratch = arena.alloc(k.attn_scratch_size(Tq, Tv, Dk, Dv));
        const pq = arena.put(Float32Array.from(q)), pk = arena.put(Float32Array.from(kk)), pv = arena.put(Float32Array.from(v));
        const mk = m.kmask ? arena.put(Float32Array.from(m.kmask)) : 0;
        const mq = m.qmask ? arena.put(Float32Array.from(m.qmask)) : 0;
        const ma = m.amask ? arena.put(Float32Array.from(m.amask)) : 0;
        const ps = output(arena, nS), pp = output(arena, nS), po = output(arena, B * Tq * ldo);
        k.attn_scores(B, H, Tq, Tv, Dk, pq, ldq, pk, ldq, ps, scratch);
        const s = ref.scores(d, Dk, q, ldq, kk, ldq);
        close(arena.read(ps, nS), s, 'scores');
        const s32 = f32(arena.read(ps, nS));
        k.attn_softmax(B, H, Tq, Tv, scale, ps, mk, mq, ma, m.causal ? 1 : 0, pp);
        const p = ref.softmax(d, scale, s32, m);
        const pk32 = arena.read(pp, nS);
        close(pk32, p, 'softmax');
        // exact zeros at masked keys of rows that see something
        for (let i = 0; i < nS; i++) if (p[i] === 0) expect(pk32[i]).toBe(0);
        const p32 = f32(pk32);
        k.attn_apply(B, H, Tq, Tv, Dv, pp, pv, ldv, po, ldo, scratch);
        close(arena.read(po, B * Tq * ldo), ref.apply(d, Dv, p32, v, ldv, ldo), 'apply');
        expect(guardsIntact(arena, ps, nS) && guardsIntact(arena, pp, nS) && guardsIntact(arena, po, B * Tq * ldo)).toBe(true);

        // backward
        const dO = f32(randArray(B * Tq * ldo, r));
        const pdo = arena.put(Float32Array.from(dO));
        const pdp = output(arena, nS);
        const dvInit = f32(randArray(B * Tv * ldv, r));
        const pdv = output(arena, B * Tv * ldv, Float32Array.from(dvInit));
        k.attn_apply_backward(B, H, Tq, Tv, Dv, pp, pv, ldv, pdo, ldo, pdp, pdv, 1, scratch);
        const ga = ref.applyBackward(d, Dv, p32, v, ldv, dO, ldo);
        close(arena.read(pdp, nS), ga.dp, 'dp');
        // accumulate = 1: added to what was there (padding floats between heads untouched)
        close(arena.read(pdv, B * Tv * ldv), dvInit.map((x, i) => x + ga.dv[i]), 'dv (accumulated)');
        const dp32 = f32(arena.read(pdp, nS));
        const pds = output(arena, nS);
        const dscale = k.attn_softmax_backward(B, H, Tq, Tv, scale, ps, pp, pdp, mk, mq, ma, m.causal ? 1 : 0, pds);
        const gs = ref.softmaxBackward(d, scale, s32, p32, dp32, m);
        close(arena.read(pds, nS), gs.ds, 'ds');
        expect(Math.abs(dscale - gs.dscale) / Math.max(1, Math.abs(gs.dscale))).toBeLessThan(TOL);
        // in place: ds written over dp
        k.attn_softmax_backward(B, H, Tq, Tv, scale, 0, pp, pdp, mk, mq, ma, m.causal ? 1 : 0, pdp);
        close(arena.read(pdp, nS), gs.ds, 'ds over dp');
        const ds32 = f32(arena.read(pds, nS));
        const dqInit = new Float64Array(B * Tq * ldq).fill(SENTINEL);
        const pdq = output(arena, B * Tq * ldq, Float32Array.from(dqInit));
        const pdk = output(arena, B * Tv * ldq, new Float32Array(B * Tv * ldq));
        k.attn_scores_backward(B, H, Tq, Tv, Dk, pq, ldq, pk, ldq, pds, pdq, pdk, 0, scratch);
        const gq = ref.scoresBackward(d, Dk, q, ldq, kk, ldq, ds32);
        const dq = arena.read(pdq, B * Tq * ldq), dk = arena.read(pdk, B * Tv * ldq);
        // dq is overwritten in the head blocks only
        const inHead = (i: number) => i % ldq < H * Dk;
        close(Array.from(dq).filter((_, i) => inHead(i)), Array.from(gq.dq).filter((_, i) => inHead(i)), 'dq');
        expect(Array.from(dq).filter((_, i) => !inHead(i)).every((x) => x === SENTINEL)).toBe(true);
        close(dk, gq.dk, 'dk');
        expect(guardsIntact(arena, pdq, B * Tq * ldq) && guardsIntact(arena, pdk, B * Tv * ldq) && guardsIntact(arena, pds, nS)).toBe(true);
        // absent outputs are not written
        k.attn_scores_backward(B, H, Tq, Tv, Dk, pq, ldq, pk, ldq, pds, 0, 0, 0, scratch);
        k.attn_apply_backward(B, H, Tq, Tv, Dv, pp, pv, ldv, pdo, ldo, 0, 0, 0, scratch);
      });

  for (const [B, Tq, Tv, D] of [[1, 1, 1, 3], [2, 3, 5, 5], [1, 7, 3, 3], [2, 5, 7, 5], [3, 3, 1, 8]])
    for (const withW of [false, true])
      it(`additive scores B ${B} Tq ${Tq} Tv ${Tv} D ${D}${withW ? ', weights w' : ''}`, () => {
        const { k, arena } = loadKernels(build);
        const r = rng(B * 101 + Tq * 13 + Tv * 7 + D + (withW ? 5000 : 0));
        const q = f32(randArray(B * Tq * D, r)), kk = f32(randArray(B * Tv * D, r));
        const w = withW ? f32(randArray(D, r)) : null;
        const a = 0.8, c = 1.3;
        const pq = arena.put(Float32Array.from(q)), pk = arena.put(Float32Array.from(kk)), pw = w ? arena.put(Float32Array.from(w)) : 0;
        const n = B * Tq * Tv;
        const ps = output(arena, n);
        k.attn_additive_scores(B, Tq, Tv, D, pq, pk, pw, a, c, ps);
        close(arena.read(ps, n), ref.additiveScores(B, Tq, Tv, D, q, kk, w, a, c), 'scores');
        const ds = f32(randArray(n, r));
        const pds = arena.put(Float32Array.from(ds));
        const pdq = output(arena, B * Tq * D), pdk = output(arena, B * Tv * D, new Float32Array(B * Tv * D).fill(0.5));
        const pdw = output(arena, D), pdac = output(arena, 2);
        k.attn_additive_backward(B, Tq, Tv, D, pq, pk, pw, a, c, pds, pdq, pdk, 1, pdw, pdac);
        const g = ref.additiveBackward(B, Tq, Tv, D, q, kk, w, a, c, ds);
        close(arena.read(pdq, B * Tq * D), g.dq, 'dq');
        close(arena.read(pdk, B * Tv * D), g.dk.map((x) => x + 0.5), 'dk (accumulated)');
        close(arena.read(pdw, D), g.dw, 'dw');
        close(arena.read(pdac, 2), [g.da, g.dc], 'da, dc');
        expect(guardsIntact(arena, pdq, B * Tq * D) && guardsIntact(arena, pdk, B * Tv * D) && guardsIntact(arena, pdw, D) && guardsIntact(arena, pdac, 2)).toBe(true);
        k.attn_additive_backward(B, Tq, Tv, D, pq, pk, pw, a, c, pds, 0, 0, 0, 0, 0);
      });
});
