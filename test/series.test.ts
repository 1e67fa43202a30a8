// Time-series preparation: scalers, fillMissing, findOutliers / clipOutliers, resample, difference,
// trainTestSplit and metadata saved with a model. Each is checked on hand-worked values, against an
// independent float64 implementation written here (plain loops, a dense linear solve for the spline,
// sorting for medians), on odd shapes, edge cases, and the message for each bad argument.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  LSTM,
  LstmWasmError,
  MinMaxScaler,
  Sequential,
  StandardScaler,
  clipOutliers,
  difference,
  fillMissing,
  findOutliers,
  init,
  inverseDifference,
  loadModel,
  quantize,
  readMetadata,
  resample,
  scalerFromJSON,
  tensor,
  timeseriesWindows,
  trainTestSplit,
} from '../src/index.js';
import { crc32 } from '../src/io/crc32.js';
import type { Tensor } from '../src/tensor.js';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LstmWasmError);
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

/** A seeded uniform generator in [0, 1) (mulberry32), so the random cases are the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const closeArrays = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) expect(a[i], `at ${i}`).toBeNaN();
    else expect(Math.abs(a[i] - b[i]), `at ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i])));
  }
};

describe('StandardScaler and MinMaxScaler', () => {
  const x = [
    [1, 10],
    [2, 20],
    [3, 60],
  ];

  it('scale by hand-worked means, deviations, minima and maxima', () => {
    const s = new StandardScaler().fit(x);
    expect(s.mean).toEqual([2, 30]);
    expect(s.var[0]).toBeCloseTo(2 / 3, 14);
    expect(s.var[1]).toBeCloseTo(1400 / 3, 10);
    const t = s.transform(x);
    expect(t[0][0]).toBeCloseTo(-1 / Math.sqrt(2 / 3), 14); // -1.2247448713915890
    expect(t[2][1]).toBeCloseTo(30 / Math.sqrt(1400 / 3), 14);
    const m = new MinMaxScaler().fit(x);
    expect(m.dataMin).toEqual([1, 10]);
    expect(m.dataMax).toEqual([3, 60]);
    expect(m.transform(x)).toEqual([
      [0, 0],
      [0.5, 0.2],
      [1, 1],
    ]);
    const r = new MinMaxScaler({ featureRange: [-1, 1] }).fitTransform(x);
    closeArrays(
      r.map((row) => row[1]),
      [-1, -0.6, 1],
      1e-15,
    );
    // snake_case as scikit-learn/Keras users write it
    expect(new MinMaxScaler({ feature_range: [2, 4] } as never).featureRange).toEqual([2, 4]);
    expect(new StandardScaler({ with_mean: false } as never).withMean).toBe(false);
  });

  it('match a float64 reference on an odd shape (37 × 5), and invert to the input', () => {
    const next = random(3);
    const T = 37,
      F = 5;
    const rows = Array.from({ length: T }, () => Array.from({ length: F }, (_, f) => 1000 * f + (next() - 0.5) * (f + 1)));
    const s = new StandardScaler().fit(rows);
    const m = new MinMaxScaler({ featureRange: [-2, 3] }).fit(rows);
    for (let f = 0; f < F; f++) {
      let sum = 0;
      for (const r of rows) sum += r[f];
      const mean = sum / T;
      let ss = 0;
      for (const r of rows) ss += (r[f] - mean) * (r[f] - mean);
      const std = Math.sqrt(ss / T);
      const lo = Math.min(...rows.map((r) => r[f])),
        hi = Math.max(...rows.map((r) => r[f]));
      const ts = s.transform(rows),
        tm = m.transform(rows);
      for (let t = 0; t < T; t++) {
        expect(Math.abs(ts[t][f] - (rows[t][f] - mean) / std)).toBeLessThan(1e-9);
        expect(Math.abs(tm[t][f] - (-2 + (5 * (rows[t][f] - lo)) / (hi - lo)))).toBeLessThan(1e-9);
      }
    }
    const back = s.inverseTransform(s.transform(rows));
    closeArrays(back.flat(), rows.flat(), 1e-12);
    closeArrays(m.inverseTransform(m.transform(rows)).flat(), rows.flat(), 1e-12);
  });

  it('take number[], Float32Array with a feature count, tensors of windows, and return the same form', () => {
    const s = new StandardScaler().fit([2, 4, 6]);
    expect(s.transform([4, 6])).toEqual([0, Math.sqrt(1.5)]);
    const f32 = new StandardScaler().fit(new Float32Array([1, 10, 2, 20, 3, 60]), { features: 2 });
    expect(f32.mean).toEqual([2, 30]);
    const out = f32.transform(new Float32Array([2, 30, 3, 30]));
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([0, 0, Math.fround(1 / Math.sqrt(2 / 3)), 0]);
    const w = timeseriesWindows(x, { window: 2 }); // x: [2, 2, 2]
    const tw = f32.transform(w.x) as Tensor;
    expect(tw.shape).toEqual([1, 2, 2]);
    expect(tw.data[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3), 6);
    expect(f32.transform(tensor([[2, 30]])).shape).toEqual([1, 2]);
    // one fitted feature of a prediction back to its units
    const m = new MinMaxScaler().fit(x);
    expect(m.inverseTransform([[0.5]], { columns: [1] })).toEqual([[35]]);
    expect(Array.from(m.inverseTransform(new Float32Array([0, 1]), { columns: 1 }))).toEqual([10, 60]);
  });

  it('leave missing values out of fit and missing through transform; a constant feature maps to 0 (std 0) or to min', () => {
    const s = new StandardScaler().fit([1, null, 3, Number.NaN, undefined]);
    expect(s.mean).toEqual([2]);
    expect(s.nSamplesSeen).toBe(5);
    const t = s.transform([null, 3]);
    expect(t[0]).toBeNaN();
    expect(t[1]).toBe(1);
    const c = new StandardScaler().fit([5, 5, 5]);
    expect(c.scale).toEqual([1]);
    expect(c.transform([5, 6])).toEqual([0, 1]);
    expect(new MinMaxScaler({ featureRange: [-1, 1] }).fit([7]).transform([7, 8])).toEqual([-1, 0]);
    const clip = new MinMaxScaler({ clip: true }).fit([0, 10]);
    expect(clip.transform([-5, 5, 15])).toEqual([0, 0.5, 1]);
  });

  it('serialize to JSON and back', () => {
    for (const s of [new StandardScaler({ withStd: false }).fit(x), new MinMaxScaler({ featureRange: [-1, 1] }).fit(x)]) {
      const j = JSON.parse(JSON.stringify(s.toJSON()));
      const again = scalerFromJSON(j);
      expect(again.constructor).toBe(s.constructor);
      expect(again.transform([[2.5, 33]])).toEqual(s.transform([[2.5, 33]]));
      expect(again.toJSON()).toEqual(s.toJSON());
    }
    const unfitted = StandardScaler.fromJSON(new StandardScaler().toJSON());
    expect(errorOf(() => unfitted.transform([1]))).toBe(
      'StandardScaler.transform: the scaler is not fitted yet; call fit(trainingData) first',
    );
  });

  it('refuse bad input by name', () => {
    const s = new StandardScaler().fit(x);
    expect(errorOf(() => s.transform([[1, 2, 3]]))).toBe('StandardScaler.transform: the scaler was fit on 2 features, x has 3');
    expect(errorOf(() => s.transform([1, 2]))).toBe(
      'StandardScaler.transform: the scaler was fit on 2 features, x has 1; to map only some features give their indices, as { columns: [0] }',
    );
    expect(errorOf(() => s.inverseTransform([[1]], { columns: [2] }))).toBe(
      "StandardScaler.inverseTransform: option 'columns' must hold feature indices in [0, 1] (the scaler was fit on 2 features), got 2",
    );
    expect(errorOf(() => new StandardScaler().fit([[1, null], [2, null]]))).toBe(
      'StandardScaler.fit: feature 1 of x has no values (all 2 are missing); fill it first',
    );
    expect(errorOf(() => new StandardScaler().fit([]))).toBe(
      'StandardScaler.fit: x has no rows; fit needs at least one value per feature',
    );
    expect(errorOf(() => new MinMaxScaler({ featureRange: [1, 0] }))).toBe(
      "MinMaxScaler: option 'featureRange' must be two finite numbers [min, max] with min < max, got an array of length 2",
    );
    expect(errorOf(() => new MinMaxScaler({ featureRang: [0, 1] } as never))).toMatch(
      /^MinMaxScaler: unknown option 'featureRang'; did you mean 'featureRange'\?/,
    );
    expect(errorOf(() => new StandardScaler().fit([1, Infinity]))).toBe(
      'StandardScaler.fit: x[1] is Infinity; a missing value is NaN, null or undefined',
    );
    expect(errorOf(() => new StandardScaler().fit(['1' as never]))).toBe(
      'StandardScaler.fit: x[0] is a string "1"; expected a number (or null, undefined or NaN for a missing value)',
    );
    expect(errorOf(() => new StandardScaler().fit(new Float32Array(5), { features: 2 }))).toBe(
      "StandardScaler.fit: x has 5 values, not a whole number of rows of 2 features (option 'features')",
    );
    expect(errorOf(() => scalerFromJSON({ className: 'RobustScaler' }))).toBe(
      "scalerFromJSON: expected { className: 'MinMaxScaler' | 'StandardScaler', ... } from a scaler's toJSON(), got className a string \"RobustScaler\"",
    );
    expect(errorOf(() => StandardScaler.fromJSON({ ...s.toJSON(), mean: [1] }))).toBe(
      "StandardScaler.fromJSON: 'mean' must be 2 finite numbers (one per feature), got an array of length 1",
    );
  });
});

/** The natural cubic spline through (xs, ys), evaluated at q, by a dense solve of its 4(n-1) coefficients. */
function denseSpline(xs: number[], ys: number[], q: number): number {
  const n = xs.length,
    m = 4 * (n - 1);
  const A = Array.from({ length: m }, () => new Array(m + 1).fill(0));
  let r = 0;
  const row = (k: number, x: number, d: number, sign: number, eq: number[]) => {
    const u = x - xs[k];
    const terms = d === 0 ? [1, u, u * u, u ** 3] : d === 1 ? [0, 1, 2 * u, 3 * u * u] : [0, 0, 2, 6 * u];
    for (let j = 0; j < 4; j++) eq[4 * k + j] += sign * terms[j];
  };
  for (let k = 0; k < n - 1; k++) {
    row(k, xs[k], 0, 1, A[r]);
    A[r++][m] = ys[k];
    row(k, xs[k + 1], 0, 1, A[r]);
    A[r++][m] = ys[k + 1];
  }
  for (let k = 0; k < n - 2; k++) {
    for (const d of [1, 2]) {
      row(k, xs[k + 1], d, 1, A[r]);
      row(k + 1, xs[k + 1], d, -1, A[r]);
      r++;
    }
  }
  row(0, xs[0], 2, 1, A[r++]);
  row(n - 2, xs[n - 1], 2, 1, A[r++]);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let i = c + 1; i < m; i++) if (Math.abs(A[i][c]) > Math.abs(A[p][c])) p = i;
    [A[c], A[p]] = [A[p], A[c]];
    for (let i = 0; i < m; i++) {
      if (i === c) continue;
      const f = A[i][c] / A[c][c];
      for (let j = c; j <= m; j++) A[i][j] -= f * A[c][j];
    }
  }
  const coef = A.map((eqn, i) => eqn[m] / eqn[i]);
  let k = 0;
  while (k < n - 2 && q > xs[k + 1]) k++;
  const u = q - xs[k];
  return coef[4 * k] + coef[4 * k + 1] * u + coef[4 * k + 2] * u * u + coef[4 * k + 3] * u ** 3;
}

describe('fillMissing', () => {
  it('fills interior gaps by each method, by hand', () => {
    const s = [1, Number.NaN, null, 4];
    expect(fillMissing(s)).toEqual([1, 2, 3, 4]);
    expect(fillMissing(s, { method: 'previous' })).toEqual([1, 1, 1, 4]);
    expect(fillMissing(s, { method: 'next' })).toEqual([1, 4, 4, 4]);
    expect(fillMissing(s, { method: 'mean' })).toEqual([1, 2.5, 2.5, 4]);
    // natural spline through (0, 0), (2, 2), (4, 0): M1 = -1.5, S(1) = S(3) = 1.375
    expect(fillMissing([0, null, 2, null, 0], { method: 'spline' })).toEqual([0, 1.375, 2, 1.375, 0]);
  });

  it('fills leading and trailing gaps with the nearest known value (every method but mean)', () => {
    const s = [null, 2, null, 6, undefined];
    expect(fillMissing(s, { method: 'linear' })).toEqual([2, 2, 4, 6, 6]);
    expect(fillMissing(s, { method: 'previous' })).toEqual([2, 2, 2, 6, 6]);
    expect(fillMissing(s, { method: 'next' })).toEqual([2, 2, 6, 6, 6]);
    expect(fillMissing(s, { method: 'mean' })).toEqual([4, 2, 4, 6, 4]);
    expect(fillMissing(s, { method: 'spline' })).toEqual([2, 2, 4, 6, 6]);
    for (const method of ['linear', 'previous', 'next', 'mean', 'spline'] as const)
      expect(fillMissing([null, 7, null], { method })).toEqual([7, 7, 7]);
  });

  it("'spline' matches a dense solve of the natural cubic spline, and reproduces a line exactly", () => {
    const next = random(11);
    const T = 41;
    const full = Array.from({ length: T }, (_, i) => Math.sin(i / 5) * 10 + next());
    const s: (number | null)[] = full.map((v, i) => (i % 3 === 1 || (i > 20 && i < 26) ? null : v));
    s[0] = full[0];
    s[T - 1] = full[T - 1];
    const knots = s.flatMap((v, i) => (v === null ? [] : [i]));
    const filled = fillMissing(s, { method: 'spline' });
    for (let i = 0; i < T; i++) {
      const want = s[i] === null ? denseSpline(knots, knots.map((k) => full[k]), i) : full[i];
      expect(Math.abs(filled[i] - want), `at ${i}`).toBeLessThan(1e-9);
    }
    const line = Array.from({ length: 13 }, (_, i) => (i % 4 === 2 ? null : 2 * i + 1));
    closeArrays(fillMissing(line, { method: 'spline' }), Array.from({ length: 13 }, (_, i) => 2 * i + 1), 1e-12);
  });

  it('works per feature on rows, Float32Array and tensors, returning the same form', () => {
    expect(
      fillMissing(
        [
          [1, null],
          [null, 5],
          [3, 7],
        ],
        { method: 'linear' },
      ),
    ).toEqual([
      [1, 5],
      [2, 5],
      [3, 7],
    ]);
    const f = fillMissing(new Float32Array([1, Number.NaN, Number.NaN, 4, 5, 8]), { features: 2 });
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([1, 4, 3, 4, 5, 8]); // feature 1 is [NaN, 4, 8]: its leading gap takes 4
    const t = fillMissing({ data: new Float32Array([0, Number.NaN, 2]), shape: [3] });
    expect(Array.from(t.data)).toEqual([0, 1, 2]);
    expect(t.shape).toEqual([3]);
    expect(fillMissing([])).toEqual([]);
  });

  it('refuses an all-missing feature, a bad method and a non-number', () => {
    expect(errorOf(() => fillMissing([null, Number.NaN]))).toBe(
      'fillMissing: the series has no known value (all 2 are missing); there is nothing to fill from',
    );
    expect(errorOf(() => fillMissing([[1, null]], { method: 'mean' }))).toBe(
      'fillMissing: the series (feature 1) has no known value (all 1 are missing); there is nothing to fill from',
    );
    expect(errorOf(() => fillMissing([1], { method: 'cubic' as never }))).toBe(
      "fillMissing: option 'method' must be one of 'linear', 'previous', 'next', 'mean', 'spline', got a string \"cubic\"",
    );
    expect(errorOf(() => fillMissing([1, {} as never]))).toMatch(/^fillMissing: series\[1\] is an? .*; expected a number/);
    expect(errorOf(() => fillMissing([[1], [2, 3]]))).toBe(
      'fillMissing: series[1] has 2 values, but series[0] has 1: rows must all be as long',
    );
    expect(errorOf(() => fillMissing('abc' as never))).toMatch(/^fillMissing: series must be a number\[\], number\[\]\[\]/);
  });
});

/** Outliers by the textbook definitions, written out with sorting. */
function referenceOutliers(x: number[], method: string, t: number, w: number | undefined): { idx: number[]; rep: number[] } {
  const median = (a: number[]) => {
    const s = [...a].sort((p, q) => p - q);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const idx: number[] = [],
    rep: number[] = [];
  x.forEach((v, i) => {
    const win = (w === undefined ? x : x.slice(Math.max(0, i - w), i + w + 1)).filter((u) => !Number.isNaN(u));
    if (Number.isNaN(v)) return;
    if (method === 'hampel') {
      const m = median(win);
      const s = 1.4826 * median(win.map((u) => Math.abs(u - m)));
      if (Math.abs(v - m) > t * s) {
        idx.push(i);
        rep.push(m);
      }
    } else if (method === 'zscore') {
      const mean = win.reduce((a, b) => a + b, 0) / win.length;
      const sd = Math.sqrt(win.reduce((a, b) => a + (b - mean) ** 2, 0) / win.length);
      if (Math.abs(v - mean) > t * sd) {
        idx.push(i);
        rep.push(v > mean ? mean + t * sd : mean - t * sd);
      }
    } else {
      const s = [...win].sort((p, q) => p - q);
      const q = (p: number) => {
        const pos = p * (s.length - 1),
          k = Math.floor(pos);
        return k + 1 < s.length ? s[k] + (s[k + 1] - s[k]) * (pos - k) : s[k];
      };
      const lo = q(0.25) - t * (q(0.75) - q(0.25)),
        hi = q(0.75) + t * (q(0.75) - q(0.25));
      if (v < lo || v > hi) {
        idx.push(i);
        rep.push(v < lo ? lo : hi);
      }
    }
  });
  return { idx, rep };
}

describe('findOutliers and clipOutliers', () => {
  it('find and replace by hand-worked cases of each method', () => {
    const s = [1, 2, 3, 4, 100];
    expect(findOutliers(s)).toEqual([]); // z of 100 is 1.999: one point in five cannot reach 3
    expect(findOutliers(s, { method: 'zscore', threshold: 1.5 })).toEqual([4]);
    const z = clipOutliers(s, { method: 'zscore', threshold: 1.5 });
    expect(z[4]).toBeCloseTo(22 + 1.5 * Math.sqrt(1522), 12);
    // IQR: Q1 2, Q3 4, fences -1 and 7
    expect(findOutliers(s, { method: 'iqr' })).toEqual([4]);
    expect(clipOutliers(s, { method: 'iqr' })).toEqual([1, 2, 3, 4, 7]);
    // Hampel, window 2: at step 4 the window [1, 2, 9, 2, 1] has median 2, MAD 1, and 7 > 3 · 1.4826
    const h = [1, 2, 1, 2, 9, 2, 1, 2, 1];
    expect(findOutliers(h, { method: 'hampel', window: 2 })).toEqual([4]);
    expect(clipOutliers(h, { method: 'hampel', window: 2 })).toEqual([1, 2, 1, 2, 2, 2, 1, 2, 1]);
    // a MAD of 0 flags what differs from the median; missing values are neither judged nor counted
    expect(findOutliers([1, null, 1, 10, 1, 1, 1], { method: 'hampel' })).toEqual([3]);
    const c = clipOutliers([1, null, 1, 10, 1, 1, 1], { method: 'hampel' });
    expect(c[1]).toBeNaN();
    expect(c[3]).toBe(1);
    expect(findOutliers([5, 5, 5])).toEqual([]);
    expect(findOutliers([5])).toEqual([]);
    expect(findOutliers([null, null])).toEqual([]);
  });

  it('match the textbook definitions on a long noisy series with spikes (whole and rolling)', () => {
    const next = random(5);
    const x = Array.from({ length: 101 }, (_, i) => Math.sin(i / 7) + 0.3 * next() + (i % 17 === 3 ? 4 * (next() - 0.5) * 4 : 0));
    x[50] = Number.NaN;
    const cases: [string, number, number | undefined][] = [
      ['zscore', 2, undefined],
      ['zscore', 1.5, 6],
      ['iqr', 1.5, undefined],
      ['iqr', 1, 5],
      ['hampel', 3, 3],
      ['hampel', 2, 7],
    ];
    let found = 0;
    for (const [method, threshold, window] of cases) {
      const want = referenceOutliers(x, method, threshold, window);
      const options = { method: method as 'zscore', threshold, window };
      expect(findOutliers(x, options), `${method} ${threshold} ${window}`).toEqual(want.idx);
      const clipped = clipOutliers(x, options);
      want.idx.forEach((i, k) => expect(Math.abs(clipped[i] - want.rep[k])).toBeLessThan(1e-12));
      x.forEach((v, i) => {
        if (!want.idx.includes(i)) expect(Object.is(clipped[i], v) || (Number.isNaN(v) && Number.isNaN(clipped[i]))).toBe(true);
      });
      found += want.idx.length;
    }
    expect(found).toBeGreaterThan(10); // the case finds something to compare
  });

  it('take a window longer than the series as the whole series', () => {
    const x = [3, 1, 4, 1, 5, 9, 2];
    expect(findOutliers(x, { method: 'hampel', window: 100 })).toEqual(referenceOutliers(x, 'hampel', 3, undefined).idx);
    expect(findOutliers(x, { method: 'zscore', window: 50, threshold: 1.5 })).toEqual(
      findOutliers(x, { method: 'zscore', threshold: 1.5 }),
    );
    expect(findOutliers(x, { method: 'zscore', threshold: 1.5 })).toEqual([5]);
    expect(clipOutliers([7], { method: 'iqr', window: 9 })).toEqual([7]);
  });

  it('give a list per feature for a multivariate series', () => {
    const rows = [
      [1, 5],
      [1, 5],
      [9, 5],
      [1, 5],
      [1, -20],
    ];
    expect(findOutliers(rows, { method: 'hampel', window: 2 })).toEqual([[2], [4]]);
    expect(clipOutliers(rows, { method: 'hampel', window: 2 })).toEqual([
      [1, 5],
      [1, 5],
      [1, 5],
      [1, 5],
      [1, 5],
    ]);
  });

  it('refuse bad options by name', () => {
    expect(errorOf(() => findOutliers([1], { method: 'mad' as never }))).toBe(
      "findOutliers: option 'method' must be one of 'zscore', 'iqr', 'hampel', got a string \"mad\"",
    );
    expect(errorOf(() => findOutliers([1], { threshold: -1 }))).toBe(
      "findOutliers: option 'threshold' must be a finite number ≥ 0, got -1",
    );
    expect(errorOf(() => clipOutliers([1], { method: 'hampel', window: 0 }))).toBe(
      "clipOutliers: option 'window' must be a positive integer (the steps on each side), got 0",
    );
    expect(errorOf(() => findOutliers([1], { windw: 3 } as never))).toMatch(/did you mean 'window'\?/);
  });
});

describe('resample', () => {
  const H = 36e5,
    D = 864e5;
  const times = [0, H, 2 * H, 25 * H, 26 * H, 72 * H];
  const values = [1, 2, 3, 4, 5, 6];

  it('down-samples into aligned buckets by each aggregate, empty buckets by fill', () => {
    const m = resample(values, times, { every: '1d' });
    expect(m.times).toEqual([0, D, 2 * D, 3 * D]);
    expect(m.values.slice(0, 2)).toEqual([2, 4.5]);
    expect(m.values[2]).toBeNaN();
    expect(m.values[3]).toBe(6);
    expect(resample(values, times, { every: D, aggregate: 'sum', fill: 0 }).values).toEqual([6, 9, 0, 6]);
    expect(resample(values, times, { every: '24h', aggregate: 'last', fill: 'previous' }).values).toEqual([3, 5, 5, 6]);
    expect(resample(values, times, { every: '1d', aggregate: 'max', fill: 'next' }).values).toEqual([3, 5, 6, 6]);
    expect(resample(values, times, { every: '1d', aggregate: 'min', fill: -1 }).values).toEqual([1, 4, -1, 6]);
    expect(resample(values, times, { every: '1d', aggregate: 'first', fill: 'linear' }).values).toEqual([1, 4, 5, 6]);
    expect(resample(values, times, { every: '1d', fill: 'linear' }).values).toEqual([2, 4.5, 5.25, 6]);
    // buckets start at origin: from noon, the first three hours fall in the bucket before
    const o = resample(values, times, { every: '1d', origin: 12 * H, aggregate: 'sum' });
    expect(o.times).toEqual([-12 * H, 12 * H, 36 * H, 60 * H]);
    expect(o.values).toEqual([6, 9, Number.NaN, 6].map((v, i) => (i === 2 ? o.values[2] : v)));
    expect(o.values[2]).toBeNaN();
  });

  it('up-samples with Dates and calendar months, and skips missing values', () => {
    const up = resample([0, 10], [new Date(0), new Date(4 * H)], { every: '1h', fill: 'linear' });
    expect(up.values).toEqual([0, 2.5, 5, 7.5, 10]);
    expect((up.times as Date[]).map((d) => d.toISOString().slice(11, 16))).toEqual([
      '00:00',
      '01:00',
      '02:00',
      '03:00',
      '04:00',
    ]);
    const dates = ['2020-01-15', '2020-01-20', '2020-03-01', '2020-03-31'].map((d) => new Date(`${d}T00:00:00Z`));
    const mo = resample([1, 3, 10, null], dates, { every: '1month', fill: 'linear' });
    expect(mo.values).toEqual([2, 6, 10]);
    expect((mo.times as Date[]).map((d) => d.toISOString().slice(0, 10))).toEqual(['2020-01-01', '2020-02-01', '2020-03-01']);
    const q = resample([1, 2], [Date.UTC(2021, 4, 3), Date.UTC(2021, 7, 9)], { every: '3month' });
    expect((q.times as number[]).map((t) => new Date(t).toISOString().slice(0, 7))).toEqual(['2021-04', '2021-07']);
  });

  it('works per feature and matches a plain loop on an odd multivariate case', () => {
    const next = random(9);
    const T = 57,
      F = 3,
      every = 7 * 6e4; // 7 minutes
    const ts: number[] = [];
    let t = 1e12 + 12345;
    for (let i = 0; i < T; i++) ts.push((t += Math.floor(next() * 9e5)));
    const rows = ts.map(() => Array.from({ length: F }, () => (next() < 0.1 ? null : next() * 10)));
    const r = resample(rows, ts, { every, aggregate: 'mean' });
    const k0 = Math.floor(ts[0] / every);
    const B = Math.floor(ts[T - 1] / every) - k0 + 1;
    expect(r.values.length).toBe(B);
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++) {
        const inB = rows.filter((_, i) => Math.floor(ts[i] / every) - k0 === b && rows[i][f] !== null).map((row) => row[f] as number);
        const want = inB.length ? inB.reduce((a, c) => a + c, 0) / inB.length : Number.NaN;
        if (Number.isNaN(want)) expect(r.values[b][f]).toBeNaN();
        else expect(Math.abs(r.values[b][f] - want)).toBeLessThan(1e-12);
      }
  });

  it('gives one bucket for one row, and keeps a Float32Array of several features', () => {
    // typed by the times given: Dates give Dates, milliseconds give numbers (tsc checks these lines)
    const asDates: Date[] = resample([1], [new Date(0)], { every: 1 }).times;
    const asMs: number[] = resample([1], [0], { every: 1 }).times;
    expect([asDates[0] instanceof Date, typeof asMs[0]]).toEqual([true, 'number']);
    expect(resample([5], [new Date(Date.UTC(2020, 1, 3, 7))], { every: '1d' }).times).toEqual([
      new Date(Date.UTC(2020, 1, 3)),
    ]);
    const r = resample(new Float32Array([1, 10, 3, 30, 8, 80]), [0, 1, 5], { every: 2, features: 2, aggregate: 'sum', fill: 0 });
    expect(r.values).toBeInstanceOf(Float32Array);
    expect(Array.from(r.values)).toEqual([4, 40, 0, 0, 8, 80]);
    expect(r.times).toEqual([0, 2, 4]);
  });

  it('refuses bad input by name', () => {
    expect(errorOf(() => resample([1, 2], [1, 0], { every: 1 }))).toBe(
      'resample: times must not go back: times[1] (1970-01-01T00:00:00.000Z) is before times[0] (1970-01-01T00:00:00.001Z); sort the rows by time first',
    );
    expect(errorOf(() => resample([1, 2], [0], { every: 1 }))).toBe(
      'resample: times has 1 entries but the series has 2 rows; give one time per row',
    );
    expect(errorOf(() => resample([1], [0], { every: '1 fortnight' }))).toMatch(/^resample: option 'every' must be milliseconds or a length such as '1h'/);
    expect(errorOf(() => resample([1], [0], { every: 0 }))).toBe(
      "resample: option 'every' must be a positive number of milliseconds, got 0",
    );
    expect(errorOf(() => resample([1], [0], {} as never))).toBe(
      "resample: option 'every' (the bucket length, such as '1d' or 3600000) is required",
    );
    expect(errorOf(() => resample([1], [0], { every: 1, aggregate: 'median' as never }))).toBe(
      "resample: option 'aggregate' must be one of 'mean', 'sum', 'last', 'first', 'max', 'min', got a string \"median\"",
    );
    expect(errorOf(() => resample([1], [0], { every: 1, fill: 'zero' as never }))).toMatch(/^resample: option 'fill' must be a finite number or one of 'linear'/);
    expect(errorOf(() => resample([1], [new Date('nope')], { every: 1 }))).toBe(
      'resample: times[0] is an invalid Date; expected milliseconds since the epoch or a Date',
    );
    expect(errorOf(() => resample([null, null], [0, 5], { every: 1, fill: 'linear' }))).toBe(
      'resample: the series has no known value (all 6 are missing); there is nothing to fill from',
    );
  });
});

describe('difference and inverseDifference', () => {
  it('difference by hand', () => {
    const x = [1, 4, 9, 16, 25];
    expect(difference(x)).toEqual([3, 5, 7, 9]);
    expect(difference(x, { order: 2 })).toEqual([2, 2, 2]);
    expect(difference(x, { lag: 2 })).toEqual([8, 12, 16]);
    expect(
      difference(
        [
          [1, 10],
          [3, 20],
          [6, 40],
        ],
        {},
      ),
    ).toEqual([
      [2, 10],
      [3, 20],
    ]);
    const d = difference([1, null, 3, 4]);
    expect(d[0]).toBeNaN();
    expect(d[2]).toBe(1);
  });

  it('inverts to the series for every lag and order, on odd lengths and several features', () => {
    const next = random(21);
    for (const [lag, order, T, F] of [
      [1, 1, 5, 1],
      [1, 2, 13, 1],
      [3, 1, 17, 2],
      [2, 3, 23, 3],
      [12, 1, 31, 1],
    ]) {
      const rows = Array.from({ length: T }, () => Array.from({ length: F }, () => next() * 100 - 50));
      const d = difference(rows, { lag, order });
      expect(d.length).toBe(T - lag * order);
      // independent: difference as repeated subtraction of shifted copies
      let ref = rows;
      for (let k = 0; k < order; k++) ref = ref.slice(lag).map((r, i) => r.map((v, f) => v - ref[i][f]));
      closeArrays(d.flat(), ref.flat(), 1e-12);
      const back = inverseDifference(d, rows.slice(0, lag * order), { lag, order });
      closeArrays(back.flat(), rows.flat(), 1e-11);
    }
    // forecast changes to levels: the last known value and the predicted changes
    expect(inverseDifference([1, 2], [10]).slice(1)).toEqual([11, 13]);
    expect(Array.from(inverseDifference(new Float32Array([2, 2]), new Float32Array([1, 4]), { order: 2 }))).toEqual([1, 4, 9, 16]);
  });

  it('refuses bad input by name', () => {
    expect(errorOf(() => difference([1, 2], { lag: 2 }))).toBe(
      'difference: the series has 2 rows, too few for lag 2 × order 1 (at least 3 needed)',
    );
    expect(errorOf(() => difference([1], {}))).toBe(
      'difference: the series has 1 row, too few for lag 1 × order 1 (at least 2 needed)',
    );
    expect(errorOf(() => difference([1, 2, 3], { order: 0 }))).toBe(
      "difference: option 'order' must be a positive integer, got 0",
    );
    expect(errorOf(() => inverseDifference([1, 2], [1, 2], { order: 1 }))).toBe(
      'inverseDifference: initial must hold the lag · order = 1 row before the first difference, got 2',
    );
    expect(errorOf(() => inverseDifference([[1, 2]], [[1]]))).toBe(
      "inverseDifference: option 'features' is 2, but initial has 1 feature",
    );
  });
});

describe('trainTestSplit and timeseriesWindows', () => {
  const s = Array.from({ length: 10 }, (_, i) => i);
  it('splits a series by time, with a gap', () => {
    expect(trainTestSplit(s)).toEqual({ train: [0, 1, 2, 3, 4, 5, 6, 7], test: [8, 9] });
    expect(trainTestSplit(s, { testSize: 0.2, gap: 1 })).toEqual({ train: [0, 1, 2, 3, 4, 5, 6], test: [8, 9] });
    expect(trainTestSplit(s, { test_size: 3 } as never).test).toEqual([7, 8, 9]);
    const t = trainTestSplit(new Float32Array([1, 2, 3, 4, 5, 6]), { testSize: 1 });
    expect(Array.from(t.test)).toEqual([6]);
  });

  it('splits windows alike, the test windows last', () => {
    const w = timeseriesWindows(s, { window: 3 }); // 7 windows, window i = [i, i+1, i+2] → i + 3
    const { xTrain, yTrain, xTest, yTest } = trainTestSplit(w, { testSize: 2 });
    expect(xTrain.shape).toEqual([5, 3, 1]);
    expect(Array.from(yTrain.data)).toEqual([3, 4, 5, 6, 7]);
    expect(Array.from(xTest.data)).toEqual([5, 6, 7, 6, 7, 8]);
    expect(Array.from(yTest.data)).toEqual([8, 9]);
    // three features, target column 2, three steps ahead: y holds the target of each step in turn
    const rows = Array.from({ length: 10 }, (_, i) => [i, 10 * i, 100 * i]);
    const m = timeseriesWindows(rows, { window: 4, horizon: 3, targetColumns: [2] });
    expect(m.x.shape).toEqual([4, 4, 3]);
    expect(Array.from(m.y.data)).toEqual([400, 500, 600, 500, 600, 700, 600, 700, 800, 700, 800, 900]);
    // a gap of horizon - 1 windows: no training target (≤ 600) is a test target (≥ 700)
    const g = trainTestSplit(m, { testSize: 1, gap: 2 });
    expect(Array.from(g.yTrain.data)).toEqual([400, 500, 600]);
    expect(Array.from(g.xTest.data.filter((_, i) => i % 3 === 0))).toEqual([3, 4, 5, 6]);
    expect(Array.from(g.yTest.data)).toEqual([700, 800, 900]);
  });

  it('refuses sizes that leave nothing to train or test on', () => {
    expect(errorOf(() => trainTestSplit(s, { testSize: 0 }))).toBe(
      "trainTestSplit: option 'testSize' must be a fraction in (0, 1) or a whole number of rows ≥ 1, got 0",
    );
    expect(errorOf(() => trainTestSplit(s, { testSize: 1.5 }))).toBe(
      "trainTestSplit: option 'testSize' must be a fraction in (0, 1) or a whole number of rows ≥ 1, got 1.5",
    );
    expect(errorOf(() => trainTestSplit(s, { testSize: 9, gap: 1 }))).toBe(
      'trainTestSplit: 10 rows are too few for a test part of 9 and a gap of 1 with at least one row left to train on',
    );
    expect(errorOf(() => trainTestSplit([1, 2], { testSize: 0.1 }))).toBe(
      'trainTestSplit: 2 rows are too few for a test part of 0 (testSize 0.1) and a gap of 0 with at least one row left to train on',
    );
    expect(errorOf(() => trainTestSplit({ x: [[1], [2]], y: [1] }))).toBe(
      'trainTestSplit: x and y must have as many rows (windows), got x of shape [2, 1] and y of shape [1]',
    );
    expect(errorOf(() => trainTestSplit(s, { gap: -1 }))).toBe(
      "trainTestSplit: option 'gap' must be a whole number of rows ≥ 0, got -1",
    );
  });
});

describe('a scaler saved with a model', () => {
  it('rides in the saved bytes as metadata and comes back the same', async () => {
    await init();
    const model = new Sequential({ seed: 1 });
    model.add(new LSTM({ units: 3, inputShape: [4, 2] }));
    model.add(new Dense({ units: 1 }));
    const scaler = new StandardScaler().fit([
      [1, 10],
      [2, 20],
      [4, 50],
    ]);
    const bytes = model.save({ metadata: { scaler: scaler.toJSON(), window: 4, columns: ['a', 'b'] } });
    const meta = readMetadata(bytes);
    expect(meta.window).toBe(4);
    expect(meta.columns).toEqual(['a', 'b']);
    const again = StandardScaler.fromJSON(meta.scaler);
    expect(again.transform([[3, 30]])).toEqual(scaler.transform([[3, 30]]));
    // a scaler itself is taken too (through its toJSON)
    expect(scalerFromJSON(readMetadata(model.save({ metadata: { s: scaler } as never })).s).toJSON()).toEqual(scaler.toJSON());
    const loaded = await loadModel(bytes);
    const probe = tensor([[[0, 0], [1, 1], [2, 2], [3, 3]]]);
    expect((loaded.predict(probe) as Tensor).data).toEqual(model.predict(probe).data);
    expect(readMetadata(model.save())).toEqual({});
    expect(errorOf(() => model.save({ metadata: { mean: Number.NaN } }))).toBe(
      'save: metadata.mean is NaN, which JSON cannot hold (it would load as null)',
    );
    expect(errorOf(() => model.save({ metadata: { w: new Float32Array(2) } }))).toBe(
      'save: metadata.w is a Float32Array of length 2; metadata holds plain JSON (objects, arrays, strings, finite numbers, booleans, null): use Array.from() for a typed array',
    );
    expect(errorOf(() => model.save({ metadata: [1] as never }))).toBe(
      "save: option 'metadata' must be a plain object such as { scaler: scaler.toJSON() }, got an array of length 1",
    );
    // a quantized copy saves metadata the same way
    const q = quantize(model);
    expect(readMetadata(q.save({ metadata: { window: 4 } }))).toEqual({ window: 4 });
    q.dispose();
    // a damaged header (metadata that is not an object, checksum made to match) is refused by name
    const json = new TextDecoder().decode(bytes.subarray(20, 20 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true)));
    const header = JSON.parse(json);
    header.userDefinedMetadata = [1, 2];
    const hb = new TextEncoder().encode(JSON.stringify(header));
    const weights = bytes.subarray(20 + json.length);
    const bad = new Uint8Array(20 + hb.length + weights.length);
    bad.set(bytes.subarray(0, 20));
    bad.set(hb, 20);
    bad.set(weights, 20 + hb.length);
    const dv = new DataView(bad.buffer);
    dv.setUint32(12, hb.length, true);
    dv.setUint32(16, crc32(hb), true);
    expect(errorOf(() => readMetadata(bad))).toBe("loadModel: 'userDefinedMetadata' must be an object, got an array of length 2");
    model.dispose();
    loaded.dispose();
  });
});

describe('timeseriesWindows in Keras spelling', () => {
  it('takes target_columns as targetColumns', () => {
    const rows = [
      [1, 10],
      [2, 20],
      [3, 30],
    ];
    expect(Array.from(timeseriesWindows(rows, { window: 2, target_columns: 1 } as never).y.data)).toEqual([30]);
  });
});
