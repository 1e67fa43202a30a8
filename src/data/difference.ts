// Differencing a series (x[t] - x[t - lag], `order` times) and undoing it from the initial values.
import { LstmWasmError, describe } from '../errors.js';
import { kerasOptions } from '../engine/trainer.js';
import { type SameForm, type SeriesLike, optionsObject, readSeries, writeSeries } from './series.js';

/** Options of difference and inverseDifference. */
export interface DifferenceOptions {
  /** The distance between the values subtracted (default 1; 12 takes away a monthly series' yearly cycle). */
  lag?: number;
  /** How many times to difference (default 1; 2 gives the changes of the changes). */
  order?: number;
  /** The feature count of a flat Float32Array / Float64Array (default 1). */
  features?: number;
}

function read(where: string, options: unknown): { lag: number; order: number; features?: number } {
  const o = kerasOptions(where, optionsObject(where, options, '{ lag: 1, order: 1 }'), [
    'lag',
    'order',
    'features',
  ]) as DifferenceOptions;
  const int = (name: string, v: unknown) => {
    if (v === undefined) return 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new LstmWasmError(`${where}: option '${name}' must be a positive integer, got ${describe(v)}`);
    return v;
  };
  return { lag: int('lag', o.lag), order: int('order', o.order), features: o.features };
}

/**
 * The series differenced `order` times at `lag`: each pass maps x to x[t] - x[t - lag], `lag` rows
 * shorter, so the result has lag · order fewer rows than `series`. Per feature; a missing value
 * makes the differences it takes part in missing (NaN). Returns the form it was given.
 */
export function difference<S extends SeriesLike>(series: S, options: DifferenceOptions = {}): SameForm<S> {
  const where = 'difference';
  const { lag, order, features } = read(where, options);
  const g = readSeries(series, where, { features });
  const drop = lag * order;
  if (g.T <= drop)
    throw new LstmWasmError(
      `${where}: the series has ${g.T} row${g.T === 1 ? '' : 's'}, too ` +
        `few for lag ${lag} × order ${order} (at least ${drop + 1} needed)`,
    );
  let cur = g.data;
  let T = g.T;
  const F = g.F;
  for (let k = 0; k < order; k++) {
    const next = new Float64Array((T - lag) * F);
    for (let i = 0; i < next.length; i++) next[i] = cur[i + lag * F] - cur[i];
    cur = next;
    T -= lag;
  }
  return writeSeries(g, cur, T) as SameForm<S>;
}

/**
 * Undoes difference: from `differenced` and the lag · order rows of the original series just
 * before the first differenced one (`initial`: for difference(x) those are x's first lag · order
 * rows), rebuilds the series. Returns `initial` followed by the rebuilt rows (lag · order +
 * differenced rows in all), in the form `differenced` was given. To turn forecast changes into
 * levels, give the last lag · order known values as `initial` and drop them from the result.
 */
export function inverseDifference<S extends SeriesLike>(
  differenced: S,
  initial: SeriesLike,
  options: DifferenceOptions = {},
): SameForm<S> {
  const where = 'inverseDifference';
  const { lag, order, features } = read(where, options);
  const d = readSeries(differenced, where, { features, arg: 'differenced' });
  const x0 = readSeries(initial, where, { features: d.F, arg: 'initial' });
  const need = lag * order;
  if (x0.T !== need)
    throw new LstmWasmError(
      `${where}: initial must hold the lag · order = ${need} ` +
        `row${need === 1 ? '' : 's'} before the first difference, got ${x0.T}`,
    );
  const F = d.F;
  // The initial rows at each level of differencing: level 0 is the series, level j its j-th difference.
  const levels: Float64Array[] = [x0.data];
  for (let j = 1; j < order; j++) {
    const prev = levels[j - 1];
    const rows = need - j * lag;
    const cur = new Float64Array(rows * F);
    for (let i = 0; i < cur.length; i++) cur[i] = prev[i + lag * F] - prev[i];
    levels.push(cur);
  }
  // Integrate from the deepest level up: level j = its first lag rows, then each row the one lag
  // before plus the level below.
  let cur = d.data;
  for (let j = order - 1; j >= 0; j--) {
    const head = levels[j].subarray(0, lag * F);
    const rows = lag + cur.length / F;
    const up = new Float64Array(rows * F);
    up.set(head);
    for (let i = lag * F; i < up.length; i++) up[i] = up[i - lag * F] + cur[i - lag * F];
    cur = up;
  }
  // cur holds the first lag rows of the series and then the rebuilt ones; the initial rows past the
  // first lag are rebuilt exactly.
  const out = new Float64Array(cur.length);
  out.set(cur);
  out.set(x0.data);
  return writeSeries(d, out, out.length / F) as SameForm<S>;
}
