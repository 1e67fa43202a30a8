// The seeded RNG (xoshiro128**) and initializers: the exact stream, determinism across calls and
// builds, loose statistics, dropout rate, shuffles, orthogonal init as Keras.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels } from './util/kernels.js';

type K = ReturnType<typeof loadKernels>;
let worstOrtho = 0;
afterAll(() => console.log(`orthogonal: largest |QᵀQ - I| (or |QQᵀ - I|) entry ${worstOrtho.toExponential(2)}`));

// An independent xoshiro128** and seed expansion, from the published algorithm, to pin the stream.
function jsSeed(seed: number): Uint32Array {
  const s = new Uint32Array(4);
  let x = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    s[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return s;
}
const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
function jsNext(s: Uint32Array): number {
  const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
  return r;
}

function seeded(kk: K, seed: number): number {
  const st = kk.arena.alloc(4);
  kk.k.rng_seed(st, seed);
  return st;
}

/** Everything the module draws from one seed, in one fixed order. */
function drawAll(kk: K, seed: number): Float32Array[] {
  const { k, arena } = kk;
  const st = seeded(kk, seed);
  const u = arena.alloc(37), nrm = arena.alloc(37), d = arena.alloc(37), sh = arena.alloc(37), q = arena.alloc(7 * 5);
  k.rng_uniform(st, 37, u, -1, 1);
  k.rng_normal(st, 37, nrm, 0, 1);
  k.rng_dropout_mask(st, 37, d, 0.4);
  k.rng_shuffle_indices(st, 37, sh);
  k.init_orthogonal(st, 7, 5, q, 1, arena.alloc(k.init_orthogonal_scratch_size(7, 5)));
  return [arena.read(u, 37), arena.read(nrm, 37), arena.read(d, 37), new Float32Array(arena.i32(sh, 37).slice().buffer), arena.read(q, 35), arena.read(st, 4)];
}

const bitsEqual = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function moments(a: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let v = 0, s3 = 0, s4 = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - m; v += d * d; s3 += d * d * d; s4 += d * d * d * d; }
  v /= a.length;
  return { mean: m, variance: v, skew: s3 / a.length / v ** 1.5, kurtosis: s4 / a.length / (v * v) };
}

describe('determinism across builds', () => {
  it('same seed: bit-identical output in the simd and relaxed builds and across instances', () => {
    const a = drawAll(loadKernels('simd'), 1234), b = drawAll(loadKernels('relaxed'), 1234), c = drawAll(loadKernels('simd'), 1234);
    a.forEach((x, i) => { expect(bitsEqual(x, b[i])).toBe(true); expect(bitsEqual(x, c[i])).toBe(true); });
  });
});

describe.each(BUILDS)('random (%s build)', (build) => {
  it('rng_seed and rng_uniform follow xoshiro128** exactly', () => {
    const kk = loadKernels(build);
    const { k, arena } = kk;
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const st = seeded(kk, seed);
      const js = jsSeed(seed);
      expect(Array.from(new Uint32Array(arena.i32(st, 4).slice().buffer))).toEqual(Array.from(js));
      const n = 1001, lo = Math.fround(-0.3), hi = Math.fround(2.7);
      const out = arena.alloc(n);
      k.rng_uniform(st, n, out, lo, hi);
      const got = arena.read(out, n);
      const w = Math.fround(hi - lo);
      for (let i = 0; i < n; i++) {
        // 24 high bits → [0, 1), then lo + w·u in f32
        const u = (jsNext(js) >>> 8) * 2 ** -24;
        expect(got[i]).toBe(Math.fround(lo + Math.fround(w * u)));
      }
      // the state written back is the generator's state after n draws
      expect(Array.from(new Uint32Array(arena.i32(st, 4).slice().buffer))).toEqual(Array.from(js));
    }
  });

  it('same seed, same draws; different seeds and successive calls differ', () => {
    const kk = loadKernels(build);
    const a = drawAll(kk, 7), b = drawAll(kk, 7), c = drawAll(kk, 8);
    a.forEach((x, i) => expect(bitsEqual(x, b[i])).toBe(true));
    a.forEach((x, i) => expect(bitsEqual(x, c[i])).toBe(false));
    const { k, arena } = kk;
    const st = seeded(kk, 7);
    const p = arena.alloc(16), q = arena.alloc(16);
    k.rng_normal(st, 16, p, 0, 1);
    k.rng_normal(st, 16, q, 0, 1);
    expect(bitsEqual(arena.read(p, 16), arena.read(q, 16))).toBe(false);
  });

  it('uniform: in [lo, hi), mean and variance of U(lo, hi)', () => {
    const kk = loadKernels(build);
    const n = 200_000, lo = -2, hi = 3;
    const out = kk.arena.alloc(n);
    kk.k.rng_uniform(seeded(kk, 3), n, out, lo, hi);
    const a = kk.arena.read(out, n);
    let mn = Infinity, mx = -Infinity;
    for (const v of a) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
    expect(mn).toBeGreaterThanOrEqual(lo);
    expect(mx).toBeLessThan(hi);
    const m = moments(a);
    // standard errors: mean 0.0032, variance about 0.3%
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(m.variance / (25 / 12) - 1)).toBeLessThan(0.02);
  });

  it('normal: mean, std, skew, kurtosis and the one-sigma share of N(mean, std²); odd n', () => {
    const kk = loadKernels(build);
    const n = 200_001, mean = 1.5, std = 2;
    const out = kk.arena.alloc(n);
    kk.k.rng_normal(seeded(kk, 11), n, out, mean, std);
    const a = kk.arena.read(out, n);
    expect(a.every(Number.isFinite)).toBe(true);
    const m = moments(a);
    expect(Math.abs(m.mean - mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(m.variance) / std - 1)).toBeLessThan(0.01);
    expect(Math.abs(m.skew)).toBeLessThan(0.03);
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(0.1);
    let inside = 0;
    for (const v of a) if (Math.abs(v - mean) < std) inside++;
    expect(Math.abs(inside / n - 0.682689)).toBeLessThan(0.005);
  });

  it('dropout mask: 0 at the rate, else 1/(1 - rate); rate 0 keeps everything', () => {
    const kk = loadKernels(build);
    const { k, arena } = kk;
    const st = seeded(kk, 5);
    const n = 100_003;
    const out = arena.alloc(n);
    for (const rate of [0.1, 0.3, 0.5, 0.9]) {
      k.rng_dropout_mask(st, n, out, rate);
      const a = arena.read(out, n);
      const keep = Math.fround(1 / (1 - Math.fround(rate)));
      let zeros = 0, other = 0;
      for (const v of a) { if (v === 0) zeros++; else if (v !== keep) other++; }
      expect(other).toBe(0);
      // standard error of the share below 0.0016
      expect(Math.abs(zeros / n - rate)).toBeLessThan(0.01);
    }
    k.rng_dropout_mask(st, 9, out, 0);
    expect(Array.from(arena.read(out, 9))).toEqual(new Array(9).fill(1));
    k.rng_dropout_mask(st, 9, out, 1);
    expect(Array.from(arena.read(out, 9))).toEqual(new Array(9).fill(0));
  });

  it('shuffle: a permutation of 0..n-1, each of the 3! orders about equally often', () => {
    const kk = loadKernels(build);
    const { k, arena } = kk;
    const st = seeded(kk, 99);
    for (const n of [0, 1, 2, 5, 1000]) {
      const out = arena.alloc(n);
      k.rng_shuffle_indices(st, n, out);
      expect(Array.from(arena.i32(out, n)).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const out = arena.alloc(3);
    const counts = new Map<string, number>();
    const trials = 6000;
    for (let i = 0; i < trials; i++) {
      k.rng_shuffle_indices(st, 3, out);
      const key = Array.from(arena.i32(out, 3)).join();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // each count: mean 1000, standard deviation 29
    for (const c of counts.values()) expect(Math.abs(c - trials / 6)).toBeLessThan(150);
  });

  // [rows, cols]: square, tall, wide, vectors, and an LSTM recurrent kernel [H, 4H].
  const ORTHO: [number, number][] = [[1, 1], [4, 4], [16, 16], [17, 17], [20, 7], [7, 20], [5, 12], [12, 5], [1, 9], [9, 1], [64, 256], [100, 3]];
  for (const [rows, cols] of ORTHO)
    it(`orthogonal ${rows}×${cols}: ${rows >= cols ? 'QᵀQ' : 'QQᵀ'} = gain²·I, and R = QᵀA is upper triangular with a positive diagonal`, () => {
      const kk = loadKernels(build);
      const { k, arena } = kk;
      const R = Math.max(rows, cols), C = Math.min(rows, cols);
      const scratch = arena.alloc(k.init_orthogonal_scratch_size(rows, cols));
      for (const gain of [1, 1.7]) {
        const out = arena.alloc(rows * cols);
        k.init_orthogonal(seeded(kk, rows * 1000 + cols), rows, cols, out, gain, scratch);
        const Q = arena.read(out, rows * cols);
        // Columns (tall) or rows (wide) are orthonormal, times gain.
        let err = 0;
        for (let i = 0; i < C; i++)
          for (let j = 0; j < C; j++) {
            let s = 0;
            for (let r = 0; r < R; r++) s += rows >= cols ? Q[r * cols + i] * Q[r * cols + j] : Q[i * cols + r] * Q[j * cols + r];
            err = Math.max(err, Math.abs(s / (gain * gain) - (i === j ? 1 : 0)));
          }
        worstOrtho = Math.max(worstOrtho, err);
        expect(err).toBeLessThan(1e-5);
      }
      // This implementation draws A [R, C] (row-major, as Keras) from the same normal stream as
      // rng_normal, so A can be drawn again and QR checked: Qᵀ·A must be R with diag(R) > 0, which
      // is Keras' Q·sign(diag R).
      const pa = arena.alloc(R * C), out = arena.alloc(rows * cols);
      k.rng_normal(seeded(kk, 77), R * C, pa, 0, 1);
      k.init_orthogonal(seeded(kk, 77), rows, cols, out, 1, scratch);
      const A = arena.read(pa, R * C), Q = arena.read(out, rows * cols);
      // q(r, i): entry r of orthonormal vector i (a column of Q; for wide shapes Q was transposed)
      const q = (r: number, i: number) => (rows >= cols ? Q[r * cols + i] : Q[i * cols + r]);
      let scale = 0;
      for (const v of A) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < C; i++)
        for (let j = 0; j < C; j++) {
          let s = 0;
          for (let r = 0; r < R; r++) s += q(r, i) * A[r * C + j];
          if (i > j) expect(Math.abs(s)).toBeLessThan(1e-5 * scale * Math.sqrt(R));
          if (i === j) expect(s).toBeGreaterThan(0);
        }
    });

  it('orthogonal: deterministic, and the state moves on', () => {
    const kk = loadKernels(build);
    const { k, arena } = kk;
    const scratch = arena.alloc(k.init_orthogonal_scratch_size(6, 9));
    const st = seeded(kk, 1), a = arena.alloc(54), b = arena.alloc(54), c = arena.alloc(54);
    k.init_orthogonal(st, 6, 9, a, 1, scratch);
    k.init_orthogonal(st, 6, 9, c, 1, scratch);
    k.init_orthogonal(seeded(kk, 1), 6, 9, b, 1, scratch);
    expect(bitsEqual(arena.read(a, 54), arena.read(b, 54))).toBe(true);
    expect(bitsEqual(arena.read(a, 54), arena.read(c, 54))).toBe(false);
  });
});
