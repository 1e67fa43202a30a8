// Per-feature scalers with scikit-learn's semantics: MinMaxScaler and StandardScaler. They learn
// from the training part of a series (fit) and apply the same map to any other part (transform),
// and back (inverseTransform). Sums are in float64. A missing value (NaN, null, undefined) is left
// out of fit and stays missing (NaN) through transform, as scikit-learn does.
import { LstmWasmError, describe } from '../errors.js';
import { kerasOptions } from '../engine/trainer.js';
import { type Grid, type SameForm, type SeriesLike, optionsObject, readSeries, writeSeries } from './series.js';

/** Options of fit / transform / inverseTransform / fitTransform. */
export interface ScalerCallOptions {
  /** The feature count of a flat Float32Array / Float64Array (default: 1 for fit, the fitted count after). */
  features?: number;
  /**
   * transform / inverseTransform only: which fitted features the input's columns are, in order
   * (default all). `inverseTransform(prediction, { columns: [2] })` maps a one-column prediction of
   * feature 2 back to its units.
   */
  columns?: number | readonly number[];
}

/** What toJSON() gives and fromJSON() takes: the class, its options and what fit learned. */
export interface ScalerJSON {
  className: 'MinMaxScaler' | 'StandardScaler';
  config: Record<string, unknown>;
  /**
   * Per feature: the values transform subtracts and divides by (x' = (x - offset) / scale, then for
   * MinMaxScaler the range).
   */
  [key: string]: unknown;
}

/** Options of MinMaxScaler. */
export interface MinMaxScalerArgs {
  /** The range the training data's minimum and maximum map to (default [0, 1]); also `feature_range`. */
  featureRange?: readonly [number, number];
  /** Clip transformed values to featureRange (default false, so new data may fall outside it); also `clip`. */
  clip?: boolean;
}

/** Options of StandardScaler. */
export interface StandardScalerArgs {
  /** Subtract each feature's mean (default true); also `with_mean`. */
  withMean?: boolean;
  /**
   * Divide by each feature's standard deviation, the population one (ddof 0, as scikit-learn)
   * (default true); also `with_std`.
   */
  withStd?: boolean;
}

abstract class Scaler {
  /** The number of features seen by fit (undefined before fit). */
  nFeaturesIn: number | undefined;
  /** The number of rows fit saw (missing values included). */
  nSamplesSeen = 0;
  protected abstract readonly kind: 'MinMaxScaler' | 'StandardScaler';
  /** Per feature: x' = x · mul + add. */
  protected mul: Float64Array = new Float64Array(0);
  protected add: Float64Array = new Float64Array(0);

  protected abstract learn(columns: { sum: number; sumSq: number; min: number; max: number; n: number }[]): void;
  protected abstract postTransform(v: number, f: number): number;

  /** Learns each feature's statistics from `x` ([time, features], or any form of SeriesLike); returns this. */
  fit(x: SeriesLike, options?: ScalerCallOptions): this {
    const where = `${this.kind}.fit`;
    const o = this.callOptions(where, options, false);
    const g = readSeries(x, where, { arg: 'x', features: o.features, tensorAnyRank: true });
    if (g.T === 0) throw new LstmWasmError(`${where}: x has no rows; fit needs at least one value per feature`);
    // Two passes per feature in float64: the mean, then the squared deviations (stable for large offsets).
    const stats = Array.from({ length: g.F }, () => ({ sum: 0, sumSq: 0, min: Infinity, max: -Infinity, n: 0 }));
    for (let i = 0; i < g.data.length; i++) {
      const v = g.data[i];
      if (Number.isNaN(v)) continue;
      const s = stats[i % g.F];
      s.sum += v;
      s.n++;
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
    }
    stats.forEach((s, f) => {
      if (s.n === 0)
        throw new LstmWasmError(`${where}: feature ${f} of x has no values (all ${g.T} are missing); fill it first`);
    });
    for (let i = 0; i < g.data.length; i++) {
      const v = g.data[i];
      if (Number.isNaN(v)) continue;
      const s = stats[i % g.F];
      s.sumSq += (v - s.sum / s.n) ** 2;
    }
    this.learn(stats);
    this.nFeaturesIn = g.F;
    this.nSamplesSeen = g.T;
    return this;
  }

  /** Scales `x` feature by feature; returns the form it was given (a number[][] for number[][], …). */
  transform<S extends SeriesLike>(x: S, options?: ScalerCallOptions): SameForm<S> {
    return this.apply(x, options, 'transform') as SameForm<S>;
  }

  /** Undoes transform: back to the units of the data fit saw. */
  inverseTransform<S extends SeriesLike>(x: S, options?: ScalerCallOptions): SameForm<S> {
    return this.apply(x, options, 'inverseTransform') as SameForm<S>;
  }

  /** fit, then transform, on the same data. */
  fitTransform<S extends SeriesLike>(x: S, options?: ScalerCallOptions): SameForm<S> {
    const o = this.callOptions(`${this.kind}.fitTransform`, options, false);
    return this.fit(x, o).transform(x, o);
  }

  /**
   * The scaler as plain JSON (its options and what fit learned):
   * `Scaler.fromJSON(JSON.parse(JSON.stringify(s)))` gives it back.
   */
  abstract toJSON(): ScalerJSON;

  private callOptions(where: string, options: unknown, allowColumns: boolean): ScalerCallOptions {
    const o = optionsObject(where, options, '{ features: 3 }');
    return kerasOptions(where, o, allowColumns ? ['features', 'columns'] : ['features']) as ScalerCallOptions;
  }

  private apply(x: unknown, options: unknown, what: 'transform' | 'inverseTransform'): unknown {
    const where = `${this.kind}.${what}`;
    if (this.nFeaturesIn === undefined)
      throw new LstmWasmError(`${where}: the scaler is not fitted yet; call fit(trainingData) first`);
    const o = this.callOptions(where, options, true);
    const cols = this.columnsOption(where, o.columns);
    const g: Grid = readSeries(x, where, {
      arg: 'x',
      features: o.features ?? (x instanceof Float32Array || x instanceof Float64Array ? cols.length : undefined),
      tensorAnyRank: true,
    });
    if (g.F !== cols.length)
      throw new LstmWasmError(
        o.columns === undefined
          ? `${where}: the scaler was fit on ${this.nFeaturesIn} ` +
              `feature${this.nFeaturesIn === 1 ? '' : 's'}, x has ${g.F}` +
              (g.F < this.nFeaturesIn ? '; to map only some features give their indices, as { columns: [0] }' : '')
          : `${where}: option 'columns' names ${cols.length} feature${cols.length === 1 ? '' : 's'}, x has ${g.F}`,
      );
    const out = new Float64Array(g.data.length);
    for (let i = 0; i < out.length; i++) {
      const j = i % g.F;
      const f = cols[j];
      const v = g.data[i];
      out[i] =
        what === 'transform' ? this.postTransform(v * this.mul[f] + this.add[f], f) : (v - this.add[f]) / this.mul[f];
    }
    return writeSeries(g, out, g.T);
  }

  private columnsOption(where: string, v: unknown): number[] {
    const F = this.nFeaturesIn as number;
    if (v === undefined) return Array.from({ length: F }, (_, i) => i);
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0)
      throw new LstmWasmError(
        `${where}: option 'columns' must be a feature index or a non-empty array of them, got ${describe(v)}`,
      );
    for (const c of list)
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= F)
        throw new LstmWasmError(
          `${where}: option 'columns' must hold feature indices in [0, ${F - 1}] (the ` +
            `scaler was fit on ${F} feature${F === 1 ? '' : 's'}), got ${describe(c)}`,
        );
    return list as number[];
  }

  protected fitted(): Record<string, unknown> {
    return { nFeaturesIn: this.nFeaturesIn ?? null, nSamplesSeen: this.nSamplesSeen };
  }

  protected restore(json: Record<string, unknown>, keys: string[]): Record<string, number[]> {
    const where = `${this.kind}.fromJSON`;
    const n = json.nFeaturesIn;
    if (n === null || n === undefined) return {};
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new LstmWasmError(`${where}: 'nFeaturesIn' must be a positive integer or null, got ${describe(n)}`);
    const out: Record<string, number[]> = {};
    for (const k of keys) {
      const a = json[k];
      if (!Array.isArray(a) || a.length !== n || !a.every((v) => typeof v === 'number' && Number.isFinite(v)))
        throw new LstmWasmError(`${where}: '${k}' must be ${n} finite numbers (one per feature), got ${describe(a)}`);
      out[k] = a;
    }
    const seen = json.nSamplesSeen;
    if (typeof seen !== 'number' || !Number.isInteger(seen) || seen < 0)
      throw new LstmWasmError(`${where}: 'nSamplesSeen' must be an integer ≥ 0, got ${describe(seen)}`);
    this.nFeaturesIn = n;
    this.nSamplesSeen = seen;
    return out;
  }
}

function jsonObject(where: string, json: unknown, className: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new LstmWasmError(`${where}: expected what ${className}.toJSON() gave, got ${describe(json)}`);
  const j = json as Record<string, unknown>;
  if (j.className !== className)
    throw new LstmWasmError(`${where}: the JSON is for className ${describe(j.className)}, not '${className}'`);
  return j;
}

/**
 * Scales each feature to `featureRange` (default [0, 1]) from the minimum and maximum fit saw, as
 * scikit-learn's MinMaxScaler: x' = (x - dataMin) / (dataMax - dataMin) · (b - a) + a. A constant
 * feature (dataMax = dataMin) is only shifted: it maps to a.
 */
export class MinMaxScaler extends Scaler {
  protected readonly kind = 'MinMaxScaler' as const;
  /** The range the training minimum and maximum map to. */
  readonly featureRange: [number, number];
  /** Whether transform clips to featureRange. */
  readonly clip: boolean;
  /** Per feature, after fit: the smallest value seen. */
  dataMin: number[] = [];
  /** Per feature, after fit: the largest value seen. */
  dataMax: number[] = [];

  /** `new MinMaxScaler({ featureRange: [-1, 1] })`. */
  constructor(args: MinMaxScalerArgs = {}) {
    super();
    const a = kerasOptions('MinMaxScaler', optionsObject('MinMaxScaler', args, '{ featureRange: [0, 1] }'), [
      'featureRange',
      'clip',
    ]) as MinMaxScalerArgs;
    const r = a.featureRange ?? [0, 1];
    if (
      !Array.isArray(r) ||
      r.length !== 2 ||
      !r.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
      !(r[0] < r[1])
    )
      throw new LstmWasmError(
        `MinMaxScaler: option 'featureRange' must be two finite numbers [min, max] with min < max, got ${describe(r)}`,
      );
    if (a.clip !== undefined && typeof a.clip !== 'boolean')
      throw new LstmWasmError(`MinMaxScaler: option 'clip' must be true or false, got ${describe(a.clip)}`);
    this.featureRange = [r[0], r[1]];
    this.clip = a.clip ?? false;
  }

  protected learn(stats: { min: number; max: number }[]): void {
    const [a, b] = this.featureRange;
    this.dataMin = stats.map((s) => s.min);
    this.dataMax = stats.map((s) => s.max);
    this.mul = Float64Array.from(stats, (s) => (s.max > s.min ? (b - a) / (s.max - s.min) : 1));
    this.add = Float64Array.from(stats, (s, f) => a - s.min * this.mul[f]);
  }

  protected postTransform(v: number): number {
    if (!this.clip || Number.isNaN(v)) return v;
    return Math.min(this.featureRange[1], Math.max(this.featureRange[0], v));
  }

  /**
   * As JSON: `{ className: 'MinMaxScaler', config: { featureRange, clip }, dataMin, dataMax,
   * nFeaturesIn, nSamplesSeen }`.
   */
  toJSON(): ScalerJSON {
    return {
      className: 'MinMaxScaler',
      config: { featureRange: [...this.featureRange], clip: this.clip },
      dataMin: [...this.dataMin],
      dataMax: [...this.dataMax],
      ...this.fitted(),
    };
  }

  /** A MinMaxScaler from what toJSON() gave (fitted if it was). */
  static fromJSON(json: unknown): MinMaxScaler {
    const j = jsonObject('MinMaxScaler.fromJSON', json, 'MinMaxScaler');
    const s = new MinMaxScaler((j.config ?? {}) as MinMaxScalerArgs);
    const v = s.restore(j, ['dataMin', 'dataMax']);
    if (v.dataMin) {
      v.dataMin.forEach((lo, f) => {
        if (!(lo <= v.dataMax[f]))
          throw new LstmWasmError(
            `MinMaxScaler.fromJSON: dataMin[${f}] (${lo}) is above dataMax[${f}] (${v.dataMax[f]})`,
          );
      });
      s.learn(v.dataMin.map((min, f) => ({ min, max: v.dataMax[f] })));
    }
    return s;
  }
}

/**
 * Centres each feature on its mean and divides by its standard deviation (the population one,
 * ddof 0), as scikit-learn's StandardScaler. A constant feature (std 0) is divided by 1, so it maps
 * to 0 instead of NaN.
 */
export class StandardScaler extends Scaler {
  protected readonly kind = 'StandardScaler' as const;
  /** Whether the mean is subtracted. */
  readonly withMean: boolean;
  /** Whether values are divided by the standard deviation. */
  readonly withStd: boolean;
  /** Per feature, after fit: the mean of the values seen. */
  mean: number[] = [];
  /** Per feature, after fit: their variance (ddof 0). */
  var: number[] = [];
  /**
   * Per feature, after fit: what values are divided by (the standard deviation, or 1 where it is 0
   * or withStd is false).
   */
  scale: number[] = [];

  /** `new StandardScaler()`, or `{ withMean: false }` / `{ withStd: false }`. */
  constructor(args: StandardScalerArgs = {}) {
    super();
    const a = kerasOptions('StandardScaler', optionsObject('StandardScaler', args, '{ withMean: true }'), [
      'withMean',
      'withStd',
    ]) as StandardScalerArgs;
    for (const k of ['withMean', 'withStd'] as const)
      if (a[k] !== undefined && typeof a[k] !== 'boolean')
        throw new LstmWasmError(`StandardScaler: option '${k}' must be true or false, got ${describe(a[k])}`);
    this.withMean = a.withMean ?? true;
    this.withStd = a.withStd ?? true;
  }

  protected learn(stats: { sum: number; sumSq: number; n: number }[]): void {
    this.mean = stats.map((s) => s.sum / s.n);
    this.var = stats.map((s) => s.sumSq / s.n);
    this.setScale();
  }

  private setScale(): void {
    this.scale = this.var.map((v) => (this.withStd && Math.sqrt(v) > 0 ? Math.sqrt(v) : 1));
    this.mul = Float64Array.from(this.scale, (s) => 1 / s);
    this.add = Float64Array.from(this.mean, (m, f) => (this.withMean ? -m * this.mul[f] : 0));
  }

  protected postTransform(v: number): number {
    return v;
  }

  /**
   * As JSON: `{ className: 'StandardScaler', config: { withMean, withStd }, mean, var, nFeaturesIn,
   * nSamplesSeen }`.
   */
  toJSON(): ScalerJSON {
    return {
      className: 'StandardScaler',
      config: { withMean: this.withMean, withStd: this.withStd },
      mean: [...this.mean],
      var: [...this.var],
      ...this.fitted(),
    };
  }

  /** A StandardScaler from what toJSON() gave (fitted if it was). */
  static fromJSON(json: unknown): StandardScaler {
    const j = jsonObject('StandardScaler.fromJSON', json, 'StandardScaler');
    const s = new StandardScaler((j.config ?? {}) as StandardScalerArgs);
    const v = s.restore(j, ['mean', 'var']);
    if (v.mean) {
      v.var.forEach((x, f) => {
        if (x < 0) throw new LstmWasmError(`StandardScaler.fromJSON: var[${f}] is ${x}; a variance is ≥ 0`);
      });
      s.mean = v.mean;
      s.var = v.var;
      s.setScale();
    }
    return s;
  }
}

/** A MinMaxScaler or StandardScaler from what its toJSON() gave, by its className. */
export function scalerFromJSON(json: unknown): MinMaxScaler | StandardScaler {
  const c = (json as { className?: unknown } | null)?.className;
  if (c === 'MinMaxScaler') return MinMaxScaler.fromJSON(json);
  if (c === 'StandardScaler') return StandardScaler.fromJSON(json);
  throw new LstmWasmError(
    "scalerFromJSON: expected { className: 'MinMaxScaler' | " +
      "'StandardScaler', ... } from a scaler's toJSON(), got " +
      (json !== null && typeof json === 'object' ? `className ${describe(c)}` : describe(json)),
  );
}
