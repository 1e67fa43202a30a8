// assembly/activations.ts against float64 references: the SIMD sigmoid and tanh on a dense grid
// (docs/ARCHITECTURE.md, Numerics: at most 1e-6 from the exact functions over [-20, 20]), their saturation and special
// values, the vector body against the scalar tail, the derivatives, and row softmax.
import { describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng } from './util/kernels.js';
import { act, dact, HARD_SIGMOID, LINEAR, RELU, SIGMOID, softmaxRow, TANH } from './reference/activations.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const f32 = Math.fround;

/** f32 inputs, `n` points evenly spread over [lo, hi]. */
function grid(n: number, lo: number, hi: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
  return x;
}

/** Runs act_forward on x and returns a copy of the output. */
function forward(build: (typeof BUILDS)[number], code: number, x: ArrayLike<number>): Float32Array {
  const { k, arena } = loadKernels(build);
  const px = arena.put(x), py = arena.alloc(x.length);
  k.act_forward(code, x.length, px, py);
  return arena.read(py, x.length);
}

describe.each(BUILDS)('activations (%s build)', (build) => {
  // 4M + 1 points: a step of 1e-5 over [-20, 20], every f32 ulp-scale feature of the curves is hit.
  const N = 4_000_001;
  const X = grid(N, -20, 20);

  for (const [name, code, exact] of [['sigmoid', SIGMOID, sigmoid], ['tanh', TANH, Math.tanh]] as const) {
    it(`${name}: |error| <= 1e-6 on ${N} points of [-20, 20]`, () => {
      const y = forward(build, code, X);
      let worst = 0, at = 0;
      for (let i = 0; i < N; i++) {
        const e = Math.abs(y[i] - exact(X[i]));
        if (!(e <= worst)) { worst = e; at = X[i]; }
      }
      // Measured: about 9e-8 (1.5 ulp at 1) in both builds.
      expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(1e-6);
    });
  }

  it('sigmoid is accurate relative to its value far into the negative side (where it is ~e^x)', () => {
    const x = grid(200_001, -87, 0);
    const y = forward(build, SIGMOID, x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(y[i] / sigmoid(x[i]) - 1));
    expect(worst).toBeLessThan(1e-6);
  });

  it('tanh is accurate relative to its value near 0 (no cancellation)', () => {
    const x = new Float32Array([...grid(100_000, -0.01, 0.01), 1e-30, -1e-30, 1e-20, 3e-8, -3e-8, 1e-4].map(f32));
    const y = forward(build, TANH, x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0) worst = Math.max(worst, Math.abs(y[i] / Math.tanh(x[i]) - 1));
    expect(worst).toBeLessThan(1e-6);
  });

  it('saturates exactly, and keeps NaN', () => {
    const big = [20, 30, 87.5, 88, 100, 1e4, 1e30, 3.4e38, Infinity];
    const s = forward(build, SIGMOID, big);
    const sn = forward(build, SIGMOID, big.map((v) => -v));
    const t = forward(build, TANH, [9.1, ...big]);
    const tn = forward(build, TANH, [-9.1, ...big.map((v) => -v)]);
    expect(Array.from(s)).toEqual(big.map(() => 1));
    expect(Array.from(sn.slice(2))).toEqual(big.slice(2).map(() => 0)); // below -87: exactly 0, no denormals
    expect(sn[0]).toBeCloseTo(sigmoid(-20), 15);
    expect(Array.from(t)).toEqual(Array.from(t, () => 1));
    expect(Array.from(tn)).toEqual(Array.from(tn, () => -1));
    const odd = forward(build, SIGMOID, [NaN, 0, -0]);
    expect(Number.isNaN(odd[0])).toBe(true);
    expect(odd[1]).toBe(0.5);
    expect(odd[2]).toBe(0.5);
    const th = forward(build, TANH, [NaN, 0, -0]);
    expect(Number.isNaN(th[0])).toBe(true);
    expect(Object.is(th[1], 0)).toBe(true);
    expect(Object.is(th[2], -0)).toBe(true);
    // Every output of sigmoid stays in [0, 1] and of tanh in [-1, 1], whatever the input.
    const wild = new Float32Array(randArray(10_000, rng(5), 200));
    expect(forward(build, SIGMOID, wild).every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(forward(build, TANH, wild).every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('relu, hardSigmoid and linear match the reference, NaN kept', () => {
    const x = new Float32Array([...randArray(1001, rng(7), 6), -2.5, 2.5, -2.6, 2.6, 0, -0]);
    for (const code of [RELU, HARD_SIGMOID, LINEAR]) {
      const y = forward(build, code, x);
      // hardSigmoid: 0.2·x + 0.5 may be fused (relaxed build) or rounded twice.
      expect(maxAbsDiff(y, Array.from(x, (v) => act(code, v)))).toBeLessThanOrEqual(code === HARD_SIGMOID ? 1e-7 : 0);
      expect(Number.isNaN(forward(build, code, [NaN])[0])).toBe(true);
    }
  });

  it('vector body and scalar tail agree bit for bit, for every length 1..11 and in place', () => {
    const { k, arena } = loadKernels(build);
    const vals = new Float32Array(randArray(11, rng(11), 8));
    for (const code of [SIGMOID, TANH, HARD_SIGMOID, RELU, LINEAR]) {
      // The same value lands in a vector lane or in the tail depending on the length.
      const full = forward(build, code, vals);
      for (let n = 1; n <= 11; n++) {
        const p = arena.put(vals.subarray(0, n));
        k.act_forward(code, n, p, p);
        expect(Array.from(arena.read(p, n))).toEqual(Array.from(full.subarray(0, n)));
      }
    }
  });

  it('act_backward: dx = dy·f\'(x) from the output, in place too', () => {
    const { k, arena } = loadKernels(build);
    const n = 1003;
    const r = rng(13);
    const x = new Float32Array(randArray(n, r, 4)), dy = new Float32Array(randArray(n, r, 2));
    for (const code of [SIGMOID, TANH, HARD_SIGMOID, RELU, LINEAR]) {
      const px = arena.put(x), py = arena.alloc(n), pdy = arena.put(dy), pdx = arena.alloc(n);
      k.act_forward(code, n, px, py);
      k.act_backward(code, n, py, pdy, pdx);
      const ref = Array.from(x, (v, i) => dy[i] * dact(code, v));
      // f' from an f32 output: y(1-y) and 1-y² carry y's error (~1e-7) times at most 2.
      expect(maxAbsDiff(arena.read(pdx, n), ref)).toBeLessThan(1e-6);
      k.act_backward(code, n, py, pdy, pdy);
      expect(Array.from(arena.read(pdy, n))).toEqual(Array.from(arena.read(pdx, n)));
    }
  });

  it('softmax_rows: max-subtracted, rows sum to 1, huge and -Infinity logits', () => {
    const { k, arena } = loadKernels(build);
    for (const N of [1, 3, 4, 5, 8, 17, 64, 1000]) {
      const M = 3;
      const x = new Float32Array(randArray(M * N, rng(N), 10));
      x[0] += 1000; // exp(1000) would overflow without the max
      if (N > 2) x[N + 1] = -Infinity;
      const px = arena.put(x), py = arena.alloc(M * N);
      k.softmax_rows(M, N, px, py);
      const y = arena.read(py, M * N);
      for (let m = 0; m < M; m++) {
        const ref = softmaxRow(x.subarray(m * N, (m + 1) * N));
        const got = y.subarray(m * N, (m + 1) * N);
        expect(maxAbsDiff(got, ref)).toBeLessThan(1e-6);
        expect(Math.abs(got.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
      }
      if (N > 2) expect(y[N + 1]).toBe(0);
      // In place gives the same.
      k.softmax_rows(M, N, px, px);
      expect(Array.from(arena.read(px, M * N))).toEqual(Array.from(y));
    }
  });

  it('softmax_rows_backward: dx = y ⊙ (dy - Σ y·dy), in place too', () => {
    const { k, arena } = loadKernels(build);
    for (const N of [1, 2, 5, 16, 33]) {
      const M = 4;
      const r = rng(100 + N);
      const x = randArray(M * N, r, 3), dy = new Float32Array(randArray(M * N, r, 1));
      const px = arena.put(x), py = arena.alloc(M * N), pdy = arena.put(dy), pdx = arena.alloc(M * N);
      k.softmax_rows(M, N, px, py);
      const y = arena.read(py, M * N);
      k.softmax_rows_backward(M, N, py, pdy, pdx);
      const ref = new Float64Array(M * N);
      for (let m = 0; m < M; m++) {
        let dot = 0;
        for (let j = 0; j < N; j++) dot += y[m * N + j] * dy[m * N + j];
        for (let j = 0; j < N; j++) ref[m * N + j] = y[m * N + j] * (dy[m * N + j] - dot);
      }
      expect(maxAbsDiff(arena.read(pdx, M * N), ref)).toBeLessThan(1e-6);
      k.softmax_rows_backward(M, N, py, pdy, pdy);
      expect(Array.from(arena.read(pdy, M * N))).toEqual(Array.from(arena.read(pdx, M * N)));
    }
  });
});
