// Optimizer updates over several steps against the float64 reference (test/reference/optimizers.ts)
// and hand-worked numbers; the norm, clipping, non-finite count and L2 helpers. Both builds.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng } from './util/kernels.js';
import { adamStep, rmspropStep, sgdStep } from './reference/optimizers.js';

const SIZES = [0, 1, 3, 4, 7, 33, 1001];
const STEPS = 5;
// f32 state against f64 state over five steps of size about lr: the weights agree to a few f32 ulps.
const TOL = 2e-6;
const fr = Math.fround;
const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
let worst = 0;
afterAll(() => console.log(`optimizers: largest difference from the f64 reference after ${STEPS} steps: ${worst.toExponential(2)}`));

type Slots = { w: Float64Array; s1: Float64Array; s2: Float64Array };
interface Case {
  name: string;
  kernel(k: ReturnType<typeof loadKernels>['k'], n: number, w: number, g: number, s1: number, s2: number, step: number): void;
  ref(st: Slots, g: Float64Array, step: number): void;
}

const CASES: Case[] = [
  { name: 'sgd', kernel: (k, n, w, g, s1) => k.sgd_update(n, w, g, s1, 0.1, 0, 0), ref: (s, g) => sgdStep(s.w, g, s.s1, fr(0.1), 0, false) },
  { name: 'sgd momentum 0.9', kernel: (k, n, w, g, s1) => k.sgd_update(n, w, g, s1, 0.05, 0.9, 0), ref: (s, g) => sgdStep(s.w, g, s.s1, fr(0.05), fr(0.9), false) },
  { name: 'sgd nesterov', kernel: (k, n, w, g, s1) => k.sgd_update(n, w, g, s1, 0.05, 0.7, 1), ref: (s, g) => sgdStep(s.w, g, s.s1, fr(0.05), fr(0.7), true) },
  { name: 'adam defaults', kernel: (k, n, w, g, s1, s2, t) => k.adam_update(n, w, g, s1, s2, 0.001, 0.9, 0.999, 1e-7, t), ref: (s, g, t) => adamStep(s.w, g, s.s1, s.s2, fr(0.001), fr(0.9), fr(0.999), fr(1e-7), t) },
  { name: 'adam lr 0.05, beta 0.8/0.99, eps 1e-3', kernel: (k, n, w, g, s1, s2, t) => k.adam_update(n, w, g, s1, s2, 0.05, 0.8, 0.99, 1e-3, t), ref: (s, g, t) => adamStep(s.w, g, s.s1, s.s2, fr(0.05), fr(0.8), fr(0.99), fr(1e-3), t) },
  { name: 'rmsprop', kernel: (k, n, w, g, s1, s2) => k.rmsprop_update(n, w, g, s1, s2, 0.01, 0.9, 1e-7, 0), ref: (s, g) => rmspropStep(s.w, g, s.s1, s.s2, fr(0.01), fr(0.9), fr(1e-7), 0) },
  { name: 'rmsprop momentum 0.5', kernel: (k, n, w, g, s1, s2) => k.rmsprop_update(n, w, g, s1, s2, 0.01, 0.8, 1e-6, 0.5), ref: (s, g) => rmspropStep(s.w, g, s.s1, s.s2, fr(0.01), fr(0.8), fr(1e-6), fr(0.5)) },
];

describe.each(BUILDS)('optimizer updates (%s build)', (build) => {
  for (const c of CASES)
    for (const n of SIZES)
      it(`${c.name}, n=${n}, ${STEPS} steps`, () => {
        const { k, arena } = loadKernels(build);
        const r = rng(n * 7 + c.name.length);
        const st: Slots = { w: f32(randArray(n, r)), s1: new Float64Array(n), s2: new Float64Array(n) };
        const pw = arena.put(st.w), pg = arena.alloc(n), p1 = arena.put(st.s1), p2 = arena.put(st.s2);
        for (let t = 1; t <= STEPS; t++) {
          const g = f32(randArray(n, r));
          if (n > 2) g[2] = 0; // a zero gradient: Adam and RMSprop must not divide 0 by 0
          arena.write(pg, g);
          c.kernel(k, n, pw, pg, p1, p2, t);
          c.ref(st, g, t);
        }
        const e = Math.max(maxAbsDiff(arena.read(pw, n), st.w), maxAbsDiff(arena.read(p1, n), st.s1), maxAbsDiff(arena.read(p2, n), st.s2));
        worst = Math.max(worst, e);
        expect(e).toBeLessThan(TOL);
      });

  // One weight, a constant gradient: small enough to work by hand.
  const hand = (f: (k: ReturnType<typeof loadKernels>['k'], w: number, g: number, s1: number, s2: number, t: number) => void, g: number, steps: number) => {
    const { k, arena } = loadKernels(build);
    const pw = arena.put([0]), pg = arena.put([g]), p1 = arena.put([0]), p2 = arena.put([0]);
    const out: number[] = [];
    for (let t = 1; t <= steps; t++) { f(k, pw, pg, p1, p2, t); out.push(arena.read(pw, 1)[0]); }
    return out;
  };

  it('sgd by hand: lr 0.1, momentum 0.9, g = 1', () => {
    // v: -0.1, -0.19, -0.271; w: -0.1, -0.29, -0.561
    const w = hand((k, w, g, v) => k.sgd_update(1, w, g, v, 0.1, 0.9, 0), 1, 3);
    [-0.1, -0.29, -0.561].forEach((x, i) => expect(w[i]).toBeCloseTo(x, 6));
    // Nesterov: w += 0.9·v - 0.1 with the new v: -0.19, then -0.19 + 0.9·(-0.19) - 0.1 = -0.461
    const wn = hand((k, w, g, v) => k.sgd_update(1, w, g, v, 0.1, 0.9, 1), 1, 2);
    [-0.19, -0.461].forEach((x, i) => expect(wn[i]).toBeCloseTo(x, 6));
    // Plain SGD ignores (and may lack) the velocity slot.
    const { k, arena } = loadKernels(build);
    const pw = arena.put([1, 2, 3, 4, 5]);
    k.sgd_update(5, pw, arena.put([1, 1, 1, 1, 1]), 0, 0.5, 0, 0);
    expect(Array.from(arena.read(pw, 5))).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
  });

  it('adam by hand: with a constant gradient m̂ = g and v̂ = g², so every step is lr·g/(|g| + eps)', () => {
    const lr = 0.01, g = 2, eps = 1e-7;
    const w = hand((k, w, gg, m, v, t) => k.adam_update(1, w, gg, m, v, lr, 0.9, 0.999, eps, t), g, 4);
    w.forEach((x, i) => expect(x).toBeCloseTo(-(i + 1) * lr * g / (g + eps), 6));
  });

  it('rmsprop by hand: first step lr·g/(sqrt(1-ρ)·|g| + eps)', () => {
    const w = hand((k, w, g, ms, mom) => k.rmsprop_update(1, w, g, ms, mom, 0.01, 0.9, 1e-7, 0), 2, 1);
    expect(w[0]).toBeCloseTo(-0.01 * 2 / (Math.sqrt(0.1) * 2 + 1e-7), 6);
    // with momentum 0.5, the second step adds half the first: ms2 = 0.19·4
    const wm = hand((k, w, g, ms, mom) => k.rmsprop_update(1, w, g, ms, mom, 0.01, 0.9, 0, 0.5), 2, 2);
    const s1 = 0.01 * 2 / Math.sqrt(0.4), s2 = 0.5 * s1 + 0.01 * 2 / Math.sqrt(0.76);
    expect(wm[0]).toBeCloseTo(-s1, 6);
    expect(wm[1]).toBeCloseTo(-s1 - s2, 6);
  });
});

describe.each(BUILDS)('gradient helpers (%s build)', (build) => {
  it('sum_squares is accumulated in f64', () => {
    const { k, arena } = loadKernels(build);
    for (const n of [0, 1, 3, 4, 7, 8, 9, 33, 1000]) {
      const p = f32(randArray(n, rng(n)));
      const ref = p.reduce((s, v) => s + v * v, 0);
      expect(Math.abs(k.sum_squares(n, arena.put(p)) - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, ref));
    }
    // 2^20 copies of fround(0.1): an f32 running sum is off by 1.4% here, f64 by
    // about 1e-11.
    const n = 1 << 20;
    const v = fr(0.1);
    const got = k.sum_squares(n, arena.put(new Float32Array(n).fill(v)));
    expect(Math.abs(got - n * v * v) / (n * v * v)).toBeLessThan(1e-9);
  });

  it('scale_inplace', () => {
    const { k, arena } = loadKernels(build);
    const p = f32(randArray(11, rng(3)));
    const pp = arena.put(p);
    k.scale_inplace(11, pp, 0.25);
    expect(maxAbsDiff(arena.read(pp, 11), p.map((x) => x * 0.25))).toBe(0);
  });

  it('clip_by_value clamps to [-c, c], keeps NaN', () => {
    const { k, arena } = loadKernels(build);
    const p = [-3, -1, 0, 0.5, 2, NaN, Infinity, -Infinity, 1.5, -0.25, NaN];
    const pp = arena.put(p);
    k.clip_by_value(p.length, pp, 1);
    expect(Array.from(arena.read(pp, p.length))).toEqual([-1, -1, 0, 0.5, 1, NaN, 1, -1, 1, -0.25, NaN]);
  });

  it('count_nonfinite counts NaN (any payload) and ±Inf, in the vector body and the tail', () => {
    const { k, arena } = loadKernels(build);
    const n = 23;
    const p = arena.put(new Float32Array(n).fill(1));
    const v = arena.f32(p, n), bits = arena.i32(p, n);
    v[0] = NaN; v[5] = Infinity; v[6] = -Infinity; v[21] = NaN; v[22] = Infinity;
    bits[9] = 0x7f800001; // signalling NaN
    bits[10] = 0xffc00123 | 0; // negative quiet NaN with a payload
    v[1] = 3.4028234663852886e38; v[2] = -3.4028234663852886e38; v[3] = 1e-45; v[4] = -0;
    expect(k.count_nonfinite(n, p)).toBe(7);
    expect(k.count_nonfinite(0, p)).toBe(0);
    expect(k.count_nonfinite(3, arena.put([1, 2, 3]))).toBe(0);
  });

  it('l2_penalty_grad: g += 2·l2·w, returns l2·Σw²', () => {
    const { k, arena } = loadKernels(build);
    for (const n of [0, 1, 6, 13]) {
      const r = rng(n + 100);
      const w = f32(randArray(n, r)), g = f32(randArray(n, r));
      const pg = arena.put(g);
      const l2 = fr(0.01);
      const pen = k.l2_penalty_grad(n, arena.put(w), pg, l2);
      expect(Math.abs(pen - l2 * w.reduce((s, x) => s + x * x, 0))).toBeLessThan(1e-12);
      expect(maxAbsDiff(arena.read(pg, n), g.map((x, i) => x + 2 * l2 * w[i]))).toBeLessThan(1e-7);
    }
  });
});
