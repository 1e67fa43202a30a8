// Outliers of a series, feature by feature: found by z-score, interquartile range or Hampel filter,
// and replaced by clipOutliers. Missing values are never outliers and never count in a statistic.
import { LstmWasmError, describe } from '../errors.js';
import { kerasOptions } from '../engine/trainer.js';
import {
  type SameForm,
  type SeriesLike,
  column,
  medianInPlace,
  optionsObject,
  readSeries,
  setColumn,
  writeSeries,
} from './series.js';

/** How findOutliers decides. */
export type OutlierMethod = 'zscore' | 'iqr' | 'hampel';
const METHODS: readonly OutlierMethod[] = ['zscore', 'iqr', 'hampel'];

/** Options of findOutliers and clipOutliers. */
export interface OutlierOptions {
  /**
   * 'zscore' (default): |x - mean| > threshold · std (population std). 'iqr': x below Q1 -
   * threshold · IQR or above Q3 + threshold · IQR (quartiles interpolated linearly, as NumPy's
   * default). 'hampel': |x - median| > threshold · 1.4826 · MAD over a window around x (the MAD
   * scaled to estimate a normal distribution's std); a window whose MAD is 0 flags every value
   * that differs from its median.
   */
  method?: OutlierMethod;
  /** The cut-off: default 3 for 'zscore' and 'hampel', 1.5 for 'iqr'. */
  threshold?: number;
  /**
   * Half-width of the window around each value whose statistics judge it: steps i - window ..
   * i + window (cut at the ends). Default 3 for 'hampel'; for 'zscore' and 'iqr' the default is
   * the whole series, and a window makes them rolling.
   */
  window?: number;
  /** The feature count of a flat Float32Array / Float64Array (default 1). */
  features?: number;
}

interface Judged {
  /** Per feature, the outlying steps, ascending. */
  indices: number[][];
  /** Per feature, the value each outlier is replaced by. */
  replace: number[][];
}

function judge(where: string, series: unknown, options: unknown): Judged & { g: ReturnType<typeof readSeries> } {
  const o = kerasOptions(where, optionsObject(where, options, "{ method: 'hampel', window: 3 }"), [
    'method',
    'threshold',
    'window',
    'features',
  ]) as OutlierOptions;
  const method = o.method ?? 'zscore';
  if (!METHODS.includes(method))
    throw new LstmWasmError(
      `${where}: option 'method' must be one of ${METHODS.map((m) => `'${m}'`).join(', ')}, got ${describe(method)}`,
    );
  const threshold = o.threshold ?? (method === 'iqr' ? 1.5 : 3);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0)
    throw new LstmWasmError(`${where}: option 'threshold' must be a finite number ≥ 0, got ${describe(threshold)}`);
  const window = o.window ?? (method === 'hampel' ? 3 : undefined);
  if (window !== undefined && (typeof window !== 'number' || !Number.isInteger(window) || window < 1))
    throw new LstmWasmError(
      `${where}: option 'window' must be a positive integer (the steps on each side), got ${describe(window)}`,
    );
  const g = readSeries(series, where, { features: o.features });
  const indices: number[][] = [];
  const replace: number[][] = [];
  const buf = new Float64Array(g.T);
  for (let f = 0; f < g.F; f++) {
    const v = column(g, f);
    const idx: number[] = [];
    const rep: number[] = [];
    let whole: [number, number] | undefined; // the bounds over the whole series, computed once
    for (let i = 0; i < g.T; i++) {
      const x = v[i];
      if (Number.isNaN(x)) continue;
      const lo = window === undefined ? 0 : Math.max(0, i - window);
      const hi = window === undefined ? g.T - 1 : Math.min(g.T - 1, i + window);
      let n = 0;
      if (window !== undefined || whole === undefined || method === 'hampel')
        for (let j = lo; j <= hi; j++) if (!Number.isNaN(v[j])) buf[n++] = v[j];
      if (method === 'hampel') {
        const m = medianInPlace(buf, n);
        for (let j = 0; j < n; j++) buf[j] = Math.abs(buf[j] - m);
        const s = 1.4826 * medianInPlace(buf, n);
        if (Math.abs(x - m) > threshold * s) {
          idx.push(i);
          rep.push(m);
        }
        continue;
      }
      let bounds = window === undefined ? whole : undefined;
      if (bounds === undefined) {
        bounds = method === 'zscore' ? zBounds(buf, n, threshold) : iqrBounds(buf, n, threshold);
        if (window === undefined) whole = bounds;
      }
      if (x < bounds[0] || x > bounds[1]) {
        idx.push(i);
        rep.push(x < bounds[0] ? bounds[0] : bounds[1]);
      }
    }
    indices.push(idx);
    replace.push(rep);
  }
  return { indices, replace, g };
}

function zBounds(a: Float64Array, n: number, t: number): [number, number] {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[j];
  const mean = s / n;
  let ss = 0;
  for (let j = 0; j < n; j++) ss += (a[j] - mean) ** 2;
  const std = Math.sqrt(ss / n);
  return [mean - t * std, mean + t * std];
}

function quantileSorted(s: Float64Array, p: number): number {
  const pos = p * (s.length - 1);
  const k = Math.floor(pos);
  return k + 1 < s.length ? s[k] + (s[k + 1] - s[k]) * (pos - k) : s[k];
}

function iqrBounds(a: Float64Array, n: number, t: number): [number, number] {
  const s = a.slice(0, n).sort();
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  return [q1 - t * (q3 - q1), q3 + t * (q3 - q1)];
}

/**
 * The steps of `series` whose value is an outlier by `method` (see OutlierOptions), ascending. A
 * flat series (number[], a typed array of one feature, a tensor of shape [time]) gives one list; a
 * series of rows (number[][], [time, features]) gives a list per feature.
 */
export function findOutliers(
  series: readonly (readonly (number | null | undefined)[])[],
  options?: OutlierOptions,
): number[][];
export function findOutliers(series: readonly (number | null | undefined)[], options?: OutlierOptions): number[];
export function findOutliers(series: SeriesLike, options?: OutlierOptions): number[] | number[][];
export function findOutliers(series: SeriesLike, options?: OutlierOptions): number[] | number[][] {
  const { indices, g } = judge('findOutliers', series, options);
  return g.F === 1 && g.kind !== 'rows' && !(g.shape && g.shape.length > 1) ? indices[0] : indices;
}

/**
 * A copy of `series` with the outliers findOutliers finds replaced: for 'zscore' and 'iqr' clipped
 * to the bound they crossed (mean ± threshold · std; Q1 - threshold · IQR or Q3 + threshold · IQR),
 * for 'hampel' by their window's median. Missing values stay missing. Returns the form it was given.
 */
export function clipOutliers<S extends SeriesLike>(series: S, options?: OutlierOptions): SameForm<S> {
  const { indices, replace, g } = judge('clipOutliers', series, options);
  const out = new Float64Array(g.data);
  for (let f = 0; f < g.F; f++) {
    const v = column(g, f);
    indices[f].forEach((i, k) => {
      v[i] = replace[f][k];
    });
    setColumn(out, g.F, f, v);
  }
  return writeSeries(g, out, g.T) as SameForm<S>;
}
