// The series forms the time-series helpers take, read into one float64 [time, features] grid with
// NaN for a missing value, and written back in the form that came in.
import { LstmWasmError, describe } from '../errors.js';
import { Tensor, isTensor, shapeString } from '../tensor.js';

/** One value of a series: a number, or `null` / `undefined` / `NaN` for a missing one. */
export type SeriesValue = number | null | undefined;

/**
 * A time series as the time-series helpers take it: `number[]` (one feature), `number[][]`
 * (rows of features, [time, features]), a `Float32Array` or `Float64Array` (row-major, with the
 * `features` option when there are several), or a `Tensor` of shape [time] or [time, features].
 * A missing value is `NaN`, `null` or `undefined`. Every helper returns the form it was given.
 */
export type SeriesLike =
  | readonly SeriesValue[]
  | readonly (readonly SeriesValue[])[]
  | Float32Array
  | Float64Array
  | { data: Float32Array; shape: readonly number[] };

/**
 * What a helper gives back for a series of form S: number[][] for rows, number[] for a list, the
 * same typed array, or a Tensor.
 */
export type SameForm<S> = S extends readonly (readonly unknown[])[]
  ? number[][]
  : S extends readonly unknown[]
    ? number[]
    : S extends Float64Array
      ? Float64Array
      : S extends Float32Array
        ? Float32Array
        : Tensor;

type Kind = 'list' | 'rows' | 'f32' | 'f64' | 'tensor';

/** A series read into a float64 grid: T rows of F features, row-major, NaN where missing. */
export interface Grid {
  data: Float64Array;
  T: number;
  F: number;
  kind: Kind;
  /** A tensor's shape (any rank ≥ 1: the last axis is the features, the rest is time). */
  shape?: number[];
}

/**
 * Reads `series`. `features` is the feature count of a flat typed array (default 1, or `dflt`);
 * for the other forms it must agree with the series' own if given. `tensorAnyRank` lets a tensor of
 * rank > 2 through as (product of the leading axes) rows of its last axis (the scalers take windows).
 */
export function readSeries(
  series: unknown,
  where: string,
  opts: { features?: unknown; arg?: string; tensorAnyRank?: boolean } = {},
): Grid {
  const arg = opts.arg ?? 'series';
  const feat = opts.features;
  if (feat !== undefined && (typeof feat !== 'number' || !Number.isInteger(feat) || feat < 1))
    throw new LstmWasmError(`${where}: option 'features' must be a positive integer, got ${describe(feat)}`);
  const checkValue = (v: unknown, at: string): number => {
    if (v === null || v === undefined) return Number.NaN;
    if (typeof v !== 'number')
      throw new LstmWasmError(
        `${where}: ${arg}${at} is ${describe(v)}; expected a number (or null, undefined or NaN for a missing value)`,
      );
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
      throw new LstmWasmError(`${where}: ${arg}${at} is ${v}; a missing value is NaN, null or undefined`);
    return v;
  };
  const agree = (F: number) => {
    if (feat !== undefined && feat !== F)
      throw new LstmWasmError(
        `${where}: option 'features' is ${feat}, but ${arg} has ${F} feature${F === 1 ? '' : 's'}`,
      );
  };
  if (series instanceof Float32Array || series instanceof Float64Array) {
    const F = (feat as number | undefined) ?? 1;
    if (series.length % F !== 0)
      throw new LstmWasmError(
        `${where}: ${arg} has ${series.length} values, not a whole number of rows of ${F} features (option 'features')`,
      );
    const data = new Float64Array(series.length);
    for (let i = 0; i < series.length; i++) data[i] = checkValue(series[i], `[${i}]`);
    return { data, T: series.length / F, F, kind: series instanceof Float32Array ? 'f32' : 'f64' };
  }
  if (isTensor(series)) {
    const shape = [...series.shape];
    if (shape.length === 0 || (shape.length > 2 && !opts.tensorAnyRank))
      throw new LstmWasmError(
        `${where}: ${arg} must be a tensor of shape [time] or [time, features], got shape ${shapeString(shape)}`,
      );
    const F = shape.length === 1 ? 1 : shape[shape.length - 1];
    if (F === 0) throw new LstmWasmError(`${where}: ${arg} has no features (shape ${shapeString(shape)})`);
    agree(F);
    const data = new Float64Array(series.data.length);
    for (let i = 0; i < data.length; i++) data[i] = checkValue(series.data[i], `.data[${i}]`);
    return { data, T: data.length / F, F, kind: 'tensor', shape };
  }
  if (Array.isArray(series)) {
    const T = series.length;
    const firstRow = series.findIndex((r) => r !== null && r !== undefined);
    if (T > 0 && Array.isArray(series[0])) {
      const F = (series[0] as unknown[]).length;
      if (F === 0) throw new LstmWasmError(`${where}: ${arg}[0] is an empty row; expected at least one feature`);
      agree(F);
      const data = new Float64Array(T * F);
      series.forEach((row, t) => {
        if (!Array.isArray(row))
          throw new LstmWasmError(`${where}: ${arg}[${t}] is ${describe(row)}, but ${arg}[0] is a row of ${F} values`);
        if (row.length !== F)
          throw new LstmWasmError(
            `${where}: ${arg}[${t}] has ${row.length} values, but ${arg}[0] has ${F}: rows must all be as long`,
          );
        for (let f = 0; f < F; f++) data[t * F + f] = checkValue(row[f], `[${t}][${f}]`);
      });
      return { data, T, F, kind: 'rows' };
    }
    if (firstRow > 0 && Array.isArray(series[firstRow]))
      throw new LstmWasmError(
        `${where}: ${arg}[${firstRow}] is a row but ${arg}[0] is ` +
          `${describe(series[0])}: give a missing row as a row of nulls`,
      );
    agree(1);
    const data = new Float64Array(T);
    for (let t = 0; t < T; t++) data[t] = checkValue(series[t], `[${t}]`);
    return { data, T, F: 1, kind: 'list' };
  }
  if (series !== null && typeof series === 'object' && 'shape' in series)
    throw new LstmWasmError(
      `${where}: ${arg} looks like a tensor but is not one: expected { data: Float32Array, ` +
        `shape } with as many values as the shape holds, got ${describe(series)}`,
    );
  throw new LstmWasmError(
    `${where}: ${arg} must be a number[], number[][], Float32Array, Float64Array or tensor, got ${describe(series)}`,
  );
}

/** Writes a grid of T rows in the form `like` came in (a tensor keeps its trailing axes). */
export function writeSeries(like: Grid, data: Float64Array, T: number): unknown {
  const F = like.F;
  switch (like.kind) {
    case 'list':
      return Array.from(data.subarray(0, T));
    case 'rows': {
      const out: number[][] = new Array(T);
      for (let t = 0; t < T; t++) out[t] = Array.from(data.subarray(t * F, (t + 1) * F));
      return out;
    }
    case 'f32':
      return new Float32Array(data.subarray(0, T * F));
    case 'f64':
      return new Float64Array(data.subarray(0, T * F));
    default: {
      const shape = like.shape as number[];
      const out =
        shape.length <= 2 ? (shape.length === 1 ? [T] : [T, F]) : T === like.T ? shape : [T, ...shape.slice(1)];
      return new Tensor(new Float32Array(data.subarray(0, T * F)), out);
    }
  }
}

/** The values of column f of a grid. */
export function column(g: { data: Float64Array; T: number; F: number }, f: number): Float64Array {
  const out = new Float64Array(g.T);
  for (let t = 0; t < g.T; t++) out[t] = g.data[t * g.F + f];
  return out;
}

/** Writes `values` into column f of `data` (T rows of F). */
export function setColumn(data: Float64Array, F: number, f: number, values: Float64Array): void {
  for (let t = 0; t < values.length; t++) data[t * F + f] = values[t];
}

/** Whether `v` is an options object (or absent); otherwise the error `where` names. */
export function optionsObject(where: string, options: unknown, example: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options))
    throw new LstmWasmError(`${where}: expected an options object such as ${example}, got ${describe(options)}`);
  return options as Record<string, unknown>;
}

/** The median of the first n values of `a` (sorted in place). */
export function medianInPlace(a: Float64Array, n: number): number {
  const s = a.subarray(0, n).sort();
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
