// Resampling a series measured at timestamps onto regular, aligned time buckets: down (several
// values per bucket, aggregated) and up (empty buckets, filled).
import { LstmWasmError, describe } from '../errors.js';
import { kerasOptions } from '../engine/trainer.js';
import { FILL_METHODS, type FillMethod, fillColumn } from './missing.js';
import { type SameForm, type SeriesLike, column, optionsObject, readSeries, setColumn, writeSeries } from './series.js';

/** How the values falling in one bucket become one. */
export type Aggregate = 'mean' | 'sum' | 'last' | 'first' | 'max' | 'min';
const AGGREGATES: readonly Aggregate[] = ['mean', 'sum', 'last', 'first', 'max', 'min'];

/** Options of resample. */
export interface ResampleOptions {
  /**
   * The bucket length: milliseconds (a number), or a string such as '15min', '6h', '1d', '7d',
   * '1w', '1month', '3month' (units ms, s, min, h, d, w, month; months are calendar months in UTC).
   */
  every: number | string;
  /** How a bucket's values become one (default 'mean'); missing values in a bucket are left out. */
  aggregate?: Aggregate;
  /**
   * What an empty bucket (no value, or only missing ones) gets: a fillMissing method ('linear',
   * 'previous', 'next', 'mean', 'spline', counted in buckets), a number, or nothing (default: it
   * stays NaN). An empty bucket's 'sum' is missing too, not 0, so `fill: 0` gives pandas' sum.
   */
  fill?: FillMethod | number;
  /**
   * Where buckets start: bucket k covers [origin + k · every, origin + (k + 1) · every). Default 0,
   * the Unix epoch, so days start at 00:00 UTC and hours on the hour (weeks start on Thursdays, as
   * 1970-01-01 was: give a Monday to start them on Mondays). Months always start on the 1st, 00:00
   * UTC, and n-month buckets on months that are multiples of n after January 1970.
   */
  origin?: number | Date;
  /** The feature count of a flat Float32Array / Float64Array (default 1). */
  features?: number;
}

/** What resample gives: the bucketed series (in the form it was given) and each bucket's start. */
export interface Resampled<S, T = number | Date> {
  /** One row per bucket, from the first timestamp's bucket to the last's. */
  values: SameForm<S>;
  /** Each bucket's start, in milliseconds since the epoch (Dates if the times were Dates). */
  times: T extends Date ? Date[] : number[];
}

const WHERE = 'resample';
const UNITS: Record<string, number> = { ms: 1, s: 1e3, min: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

function parseEvery(v: unknown): { ms: number; months: number } {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0)
      throw new LstmWasmError(`${WHERE}: option 'every' must be a positive number of milliseconds, got ${describe(v)}`);
    return { ms: v, months: 0 };
  }
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)?\s*(ms|s|min|h|d|w|months?)\s*$/.exec(v) : null;
  const n = m ? Number(m[1] ?? 1) : Number.NaN;
  if (!m || !(n > 0))
    throw new LstmWasmError(
      `${WHERE}: option 'every' must be milliseconds or a length such as '1h', ` +
        `'1d', '7d' or '1month' (units ms, s, min, h, d, w, month), got ${describe(v)}`,
    );
  if (m[2].startsWith('month')) {
    if (!Number.isInteger(n))
      throw new LstmWasmError(`${WHERE}: option 'every' counts months in whole numbers, got ${describe(v)}`);
    return { ms: 0, months: n };
  }
  return { ms: n * UNITS[m[2]], months: 0 };
}

function timeOf(t: unknown, i: number): number {
  const ms = t instanceof Date ? t.getTime() : t;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new LstmWasmError(
      `${WHERE}: times[${i}] is ` +
        (t instanceof Date ? 'an invalid Date' : describe(t)) +
        '; expected milliseconds since the epoch or a Date',
    );
  return ms;
}

/**
 * Puts the rows of `series`, measured at `times` (milliseconds or Dates, one per row, in
 * non-decreasing order), into buckets `every` long aligned on `origin`, aggregates each bucket's
 * values by `aggregate`, and fills the empty buckets by `fill`. Works per feature; returns
 * `{ values, times }` with one row per bucket from the first timestamp's to the last's.
 */
export function resample<S extends SeriesLike, T extends number | Date>(
  series: S,
  times: readonly T[],
  options: ResampleOptions,
): Resampled<S, T> {
  if (options === undefined)
    throw new LstmWasmError(`${WHERE}: expected options with at least a bucket length, such as { every: '1d' }`);
  const o = kerasOptions(WHERE, optionsObject(WHERE, options, "{ every: '1d' }"), [
    'every',
    'aggregate',
    'fill',
    'origin',
    'features',
  ]) as unknown as ResampleOptions;
  if (o.every === undefined)
    throw new LstmWasmError(`${WHERE}: option 'every' (the bucket length, such as '1d' or 3600000) is required`);
  const every = parseEvery(o.every);
  const aggregate = o.aggregate ?? 'mean';
  if (!AGGREGATES.includes(aggregate))
    throw new LstmWasmError(
      `${WHERE}: option 'aggregate' must be one of ` +
        AGGREGATES.map((a) => `'${a}'`).join(', ') +
        `, got ${describe(aggregate)}`,
    );
  const fill = o.fill;
  if (
    fill !== undefined &&
    !(typeof fill === 'number' && Number.isFinite(fill)) &&
    !FILL_METHODS.includes(fill as FillMethod)
  )
    throw new LstmWasmError(
      `${WHERE}: option 'fill' must be a finite number or one of ` +
        FILL_METHODS.map((m) => `'${m}'`).join(', ') +
        `, got ${describe(fill)}`,
    );
  const origin = o.origin === undefined ? 0 : timeOf(o.origin, -1);
  if (every.months && o.origin !== undefined)
    throw new LstmWasmError(`${WHERE}: option 'origin' applies to fixed lengths; month buckets start on the 1st`);
  const g = readSeries(series, WHERE, { features: o.features });
  if (!Array.isArray(times))
    throw new LstmWasmError(`${WHERE}: times must be an array of milliseconds or Dates, got ${describe(times)}`);
  if (times.length !== g.T)
    throw new LstmWasmError(
      `${WHERE}: times has ${times.length} entries but the series has ${g.T} rows; give one time per row`,
    );
  if (g.T === 0) throw new LstmWasmError(`${WHERE}: the series is empty; there is nothing to resample`);
  const ms = times.map((t, i) => timeOf(t, i));
  for (let i = 1; i < ms.length; i++)
    if (ms[i] < ms[i - 1])
      throw new LstmWasmError(
        `${WHERE}: times must not go back: times[${i}] (${new Date(ms[i]).toISOString()}) is ` +
          `before times[${i - 1}] (${new Date(ms[i - 1]).toISOString()}); sort the rows by time first`,
      );
  const bucketOf = every.months
    ? (t: number) => {
        const d = new Date(t);
        return Math.floor(((d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth()) / every.months);
      }
    : (t: number) => Math.floor((t - origin) / every.ms);
  const startOf = every.months
    ? (k: number) => Date.UTC(1970, k * every.months, 1)
    : (k: number) => origin + k * every.ms;
  const k0 = bucketOf(ms[0]);
  const B = bucketOf(ms[ms.length - 1]) - k0 + 1;
  if (B > 1e8)
    throw new LstmWasmError(
      `${WHERE}: ${B} buckets of ${describe(o.every)} between the first and last time is too many`,
    );
  const out = new Float64Array(B * g.F);
  for (let f = 0; f < g.F; f++) {
    const v = column(g, f);
    const acc = new Float64Array(B).fill(Number.NaN);
    const count = new Float64Array(B);
    for (let i = 0; i < g.T; i++) {
      const x = v[i];
      if (Number.isNaN(x)) continue;
      const b = bucketOf(ms[i]) - k0;
      const a = acc[b];
      const first = count[b] === 0;
      count[b]++;
      if (aggregate === 'mean' || aggregate === 'sum') acc[b] = first ? x : a + x;
      else if (aggregate === 'last') acc[b] = x;
      else if (aggregate === 'first') acc[b] = first ? x : a;
      else if (aggregate === 'max') acc[b] = first || x > a ? x : a;
      else acc[b] = first || x < a ? x : a;
    }
    if (aggregate === 'mean') for (let b = 0; b < B; b++) if (count[b]) acc[b] /= count[b];
    if (typeof fill === 'number') {
      for (let b = 0; b < B; b++) if (count[b] === 0) acc[b] = fill;
    } else if (fill !== undefined) fillColumn(acc, fill, g.F === 1 ? '' : ` (feature ${f})`, WHERE);
    setColumn(out, g.F, f, acc);
  }
  const starts = Array.from({ length: B }, (_, b) => startOf(k0 + b));
  const dates = times.length > 0 && times[0] instanceof Date;
  return {
    values: writeSeries(g, out, B) as SameForm<S>,
    times: (dates ? starts.map((t) => new Date(t)) : starts) as Resampled<S, T>['times'],
  };
}
