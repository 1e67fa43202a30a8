// Filling missing values (NaN, null, undefined) of a series, feature by feature, by position.
import { LstmWasmError, describe } from '../errors.js';
import { kerasOptions } from '../engine/trainer.js';
import { type SameForm, type SeriesLike, column, optionsObject, readSeries, setColumn, writeSeries } from './series.js';

/** How fillMissing fills a gap. */
export type FillMethod = 'linear' | 'previous' | 'next' | 'mean' | 'spline';
export const FILL_METHODS: readonly FillMethod[] = ['linear', 'previous', 'next', 'mean', 'spline'];

/** Options of fillMissing. */
export interface FillMissingOptions {
  /**
   * 'linear' (default): a straight line between the known values on either side. 'previous': the
   * last known value before (forward fill). 'next': the first known value after (backward fill).
   * 'mean': the mean of the feature's known values. 'spline': a natural cubic spline through all
   * the feature's known values (second derivative 0 at the first and last of them).
   *
   * A gap before the first known value or after the last one has a known value on one side only:
   * every method but 'mean' fills it with that nearest known value (nothing is extrapolated), so
   * 'previous' fills a leading gap from the first known value and 'next' a trailing gap from the
   * last one.
   */
  method?: FillMethod;
  /** The feature count of a flat Float32Array / Float64Array (default 1). */
  features?: number;
}

const WHERE = 'fillMissing';

/**
 * A copy of `series` with each missing value (NaN, null or undefined) filled by `method`, each
 * feature on its own, positions counted in steps (rows). Returns the form it was given. A feature
 * with no known value at all is an error; with one known value, every method fills it with that.
 */
export function fillMissing<S extends SeriesLike>(series: S, options: FillMissingOptions = {}): SameForm<S> {
  const o = kerasOptions(WHERE, optionsObject(WHERE, options, "{ method: 'linear' }"), [
    'method',
    'features',
  ]) as FillMissingOptions;
  const method = o.method ?? 'linear';
  if (!FILL_METHODS.includes(method))
    throw new LstmWasmError(
      `${WHERE}: option 'method' must be one of ` +
        FILL_METHODS.map((m) => `'${m}'`).join(', ') +
        `, got ${describe(method)}`,
    );
  const g = readSeries(series, WHERE, { features: o.features });
  const out = new Float64Array(g.data);
  for (let f = 0; f < g.F; f++) {
    const col = column(g, f);
    fillColumn(col, method, g.F === 1 ? '' : ` (feature ${f})`);
    setColumn(out, g.F, f, col);
  }
  return writeSeries(g, out, g.T) as never;
}

/** Fills the NaNs of `v` in place. */
export function fillColumn(v: Float64Array, method: FillMethod, what = '', where = WHERE): void {
  const known: number[] = [];
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) known.push(i);
  if (known.length === v.length) return;
  if (known.length === 0)
    throw new LstmWasmError(
      `${where}: the series${what} has no known value (all ${v.length} are missing); there is nothing to fill from`,
    );
  const first = known[0];
  const last = known[known.length - 1];
  if (method === 'mean') {
    let s = 0;
    for (const i of known) s += v[i];
    const m = s / known.length;
    for (let i = 0; i < v.length; i++) if (Number.isNaN(v[i])) v[i] = m;
    return;
  }
  for (let i = 0; i < first; i++) v[i] = v[first];
  for (let i = last + 1; i < v.length; i++) v[i] = v[last];
  if (method === 'spline' && known.length >= 3) {
    const M = naturalSplineMoments(
      known,
      known.map((i) => v[i]),
    );
    for (let k = 0; k + 1 < known.length; k++) {
      const a = known[k];
      const b = known[k + 1];
      if (b - a < 2) continue;
      const h = b - a;
      for (let i = a + 1; i < b; i++) {
        const t1 = b - i;
        const t0 = i - a;
        v[i] =
          (M[k] * t1 ** 3 + M[k + 1] * t0 ** 3) / (6 * h) +
          (v[a] / h - (M[k] * h) / 6) * t1 +
          (v[b] / h - (M[k + 1] * h) / 6) * t0;
      }
    }
    return;
  }
  // linear (and spline through two points, which is the line), previous, next
  for (let k = 0; k + 1 < known.length; k++) {
    const a = known[k];
    const b = known[k + 1];
    for (let i = a + 1; i < b; i++) {
      v[i] = method === 'previous' ? v[a] : method === 'next' ? v[b] : v[a] + ((v[b] - v[a]) * (i - a)) / (b - a);
    }
  }
}

/**
 * The second derivatives M at the knots x of the natural cubic spline through (x, y): M[0] = M[n-1]
 * = 0 and, inside, h[k-1] M[k-1] + 2 (h[k-1] + h[k]) M[k] + h[k] M[k+1] = 6 (s[k] - s[k-1]), with h
 * the knot spacings and s the slopes between knots; solved by the Thomas algorithm (the system is
 * tridiagonal and diagonally dominant).
 */
function naturalSplineMoments(x: number[], y: number[]): Float64Array {
  const n = x.length;
  const M = new Float64Array(n);
  if (n < 3) return M;
  const m = n - 2;
  const diag = new Float64Array(m);
  const upper = new Float64Array(m);
  const rhs = new Float64Array(m);
  for (let k = 1; k <= m; k++) {
    const h0 = x[k] - x[k - 1];
    const h1 = x[k + 1] - x[k];
    diag[k - 1] = 2 * (h0 + h1);
    upper[k - 1] = h1;
    rhs[k - 1] = 6 * ((y[k + 1] - y[k]) / h1 - (y[k] - y[k - 1]) / h0);
  }
  // forward sweep: the sub-diagonal entry of row r is h0 of knot r + 1 = x[r+1] - x[r]
  for (let r = 1; r < m; r++) {
    const lower = x[r + 1] - x[r];
    const w = lower / diag[r - 1];
    diag[r] -= w * upper[r - 1];
    rhs[r] -= w * rhs[r - 1];
  }
  M[m] = rhs[m - 1] / diag[m - 1];
  for (let r = m - 2; r >= 0; r--) M[r + 1] = (rhs[r] - upper[r] * M[r + 2]) / diag[r];
  return M;
}
