// A time series → supervised pairs: `window` steps in, the next `horizon` steps out.
import { LstmWasmError, describe } from '../errors.js';
import { kerasOptions } from '../engine/trainer.js';
import { Tensor, firstNonFinite, isTensor, shapeString, toTensor, unravelIndex, type TensorLike } from '../tensor.js';
import { type SameForm, type SeriesLike, optionsObject, readSeries, writeSeries } from './series.js';

export interface TimeseriesWindowsOptions {
  /** Steps in each input window. */
  window: number;
  /** Steps after the window to predict (1). */
  horizon?: number;
  /** Steps between the starts of consecutive windows (1). */
  stride?: number;
  /** Columns of a multivariate series to predict (all of them); a single index is also taken; also `target_columns`. */
  targetColumns?: number | readonly number[];
}

export interface Windows {
  /** [n, window, features] */
  x: Tensor;
  /** [n, horizon · targets]: for each future step in turn, the target columns. */
  y: Tensor;
}

const WHERE = 'timeseriesWindows';

function positiveInt(name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new LstmWasmError(`${WHERE}: option '${name}' must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

/**
 * Cuts a series into training windows. `series` is univariate (number[], a typed array, a Tensor
 * of shape [time]) or multivariate ([time, features]). Window i starts at step i · stride; its
 * targets are the `horizon` steps right after it.
 */
export function timeseriesWindows(series: TensorLike, options: TimeseriesWindowsOptions): Windows {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new LstmWasmError(
      `${WHERE}: expected options with at least a window length, such as { window: 24 }, got ${describe(options)}`,
    );
  }
  options = kerasOptions(WHERE, options, [
    'window',
    'horizon',
    'stride',
    'targetColumns',
  ]) as unknown as TimeseriesWindowsOptions;
  const s = toTensor(series, 'series', WHERE);
  if (s.shape.length !== 1 && s.shape.length !== 2) {
    throw new LstmWasmError(
      `${WHERE}: series must have shape [time] or [time, features], got shape ${shapeString(s.shape)}` +
        (s.shape.length > 2 ? '; window each series on its own and concatenate the results' : ''),
    );
  }
  const bad = firstNonFinite(s.data);
  if (bad >= 0) {
    const at = unravelIndex(bad, s.shape)
      .map((i) => `[${i}]`)
      .join('');
    throw new LstmWasmError(`${WHERE}: series${at} is ${s.data[bad]}; fill or drop missing values before windowing`);
  }
  const T = s.shape[0];
  const F = s.shape.length === 2 ? s.shape[1] : 1;
  if (F === 0) throw new LstmWasmError(`${WHERE}: series has no features (shape ${shapeString(s.shape)})`);

  const window = positiveInt('window', options.window);
  const horizon = positiveInt('horizon', options.horizon, 1);
  const stride = positiveInt('stride', options.stride, 1);
  const cols = targetColumns(options.targetColumns, F);
  if (T < window + horizon) {
    throw new LstmWasmError(
      `${WHERE}: series has ${T} steps, too few for window ${window} ` +
        `+ horizon ${horizon} (at least ${window + horizon} needed)`,
    );
  }

  const n = Math.floor((T - window - horizon) / stride) + 1;
  const K = cols.length;
  const x = new Float32Array(n * window * F);
  const y = new Float32Array(n * horizon * K);
  for (let i = 0; i < n; i++) {
    const start = i * stride;
    x.set(s.data.subarray(start * F, (start + window) * F), i * window * F);
    for (let h = 0; h < horizon; h++) {
      const row = (start + window + h) * F;
      for (let c = 0; c < K; c++) y[(i * horizon + h) * K + c] = s.data[row + cols[c]];
    }
  }
  return { x: new Tensor(x, [n, window, F]), y: new Tensor(y, [n, horizon * K]) };
}

function targetColumns(v: unknown, F: number): number[] {
  if (v === undefined) return Array.from({ length: F }, (_, i) => i);
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    throw new LstmWasmError(
      `${WHERE}: option 'targetColumns' must be a column index or a non-empty array of them, got ${describe(v)}`,
    );
  }
  list.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= F) {
      const where = typeof v === 'number' ? '' : ` at targetColumns[${i}]`;
      throw new LstmWasmError(
        `${WHERE}: option 'targetColumns' must hold column indices in [0, ${F - 1}] ` +
          `(the series has ${F} feature${F === 1 ? '' : 's'}), got ${describe(c)}${where}`,
      );
    }
    if (list.indexOf(c) !== i) throw new LstmWasmError(`${WHERE}: option 'targetColumns' names column ${c} twice`);
  });
  return list as number[];
}

/** Options of trainTestSplit. */
export interface TrainTestSplitOptions {
  /**
   * The test part: a fraction of the rows in (0, 1) (rounded to the nearest row), or a whole number
   * of rows ≥ 1 (default 0.2); also `test_size`.
   */
  testSize?: number;
  /**
   * Rows left out between the train and the test part (default 0): with windows of horizon h, a gap
   * of h - 1 keeps every test target out of the training targets.
   */
  gap?: number;
}

/** What trainTestSplit gives for windows. */
export interface WindowsSplit {
  /** The first windows' inputs. */
  xTrain: Tensor;
  /** Their targets. */
  yTrain: Tensor;
  /** The last windows' inputs, after the train part and the gap. */
  xTest: Tensor;
  /** Their targets. */
  yTest: Tensor;
}

/** What trainTestSplit gives for a series (in the form it was given). */
export interface SeriesSplit<S> {
  /** The first rows. */
  train: SameForm<S>;
  /** The last rows, after the train part and the gap. */
  test: SameForm<S>;
}

const SPLIT = 'trainTestSplit';

/**
 * Splits by time, with no shuffling: the test part is the last rows, the train part the rows before
 * it, less `gap` rows between them. Given the `{ x, y }` of timeseriesWindows it splits both alike
 * and gives `{ xTrain, yTrain, xTest, yTest }`; given a series (any form of SeriesLike, or a Tensor
 * split along its first axis) it gives `{ train, test }` in the form it was given.
 */
export function trainTestSplit(
  windows: Windows | { x: TensorLike; y: TensorLike },
  options?: TrainTestSplitOptions,
): WindowsSplit;
export function trainTestSplit<S extends SeriesLike>(series: S, options?: TrainTestSplitOptions): SeriesSplit<S>;
export function trainTestSplit(
  data: SeriesLike | { x: TensorLike; y: TensorLike },
  options: TrainTestSplitOptions = {},
): WindowsSplit | SeriesSplit<SeriesLike> {
  const o = kerasOptions(SPLIT, optionsObject(SPLIT, options, '{ testSize: 0.2 }'), [
    'testSize',
    'gap',
  ]) as TrainTestSplitOptions;
  const gap = o.gap ?? 0;
  if (typeof gap !== 'number' || !Number.isInteger(gap) || gap < 0)
    throw new LstmWasmError(`${SPLIT}: option 'gap' must be a whole number of rows ≥ 0, got ${describe(gap)}`);
  const testSize = o.testSize ?? 0.2;
  if (
    typeof testSize !== 'number' ||
    !Number.isFinite(testSize) ||
    testSize <= 0 ||
    (testSize >= 1 && !Number.isInteger(testSize))
  )
    throw new LstmWasmError(
      `${SPLIT}: option 'testSize' must be a fraction in (0, 1) ` +
        `or a whole number of rows ≥ 1, got ${describe(testSize)}`,
    );
  const sizes = (n: number) => {
    const nTest = testSize < 1 ? Math.round(n * testSize) : testSize;
    const nTrain = n - nTest - gap;
    if (nTest < 1 || nTrain < 1)
      throw new LstmWasmError(
        `${SPLIT}: ${n} rows are too few for a test part of ${nTest}` +
          (testSize < 1 ? ` (testSize ${testSize})` : '') +
          ` and a gap of ${gap} with at least one row left to train on`,
      );
    return { nTrain, from: nTrain + gap };
  };
  const isWindows =
    data !== null &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    !ArrayBuffer.isView(data) &&
    'x' in data &&
    'y' in data;
  if (isWindows) {
    const w = data as { x: TensorLike; y: TensorLike };
    const x = toTensor(w.x, 'x', SPLIT);
    const y = toTensor(w.y, 'y', SPLIT);
    if (x.shape.length === 0 || y.shape.length === 0 || x.shape[0] !== y.shape[0])
      throw new LstmWasmError(
        `${SPLIT}: x and y must have as many rows (windows), got x of shape ` +
          `${shapeString(x.shape)} and y of shape ${shapeString(y.shape)}`,
      );
    const { nTrain, from } = sizes(x.shape[0]);
    const rows = (t: { data: Float32Array; shape: number[] }, a: number, b: number) => {
      const per = t.shape.slice(1).reduce((p, d) => p * d, 1);
      return new Tensor(t.data.slice(a * per, b * per), [b - a, ...t.shape.slice(1)]);
    };
    const n = x.shape[0];
    return { xTrain: rows(x, 0, nTrain), yTrain: rows(y, 0, nTrain), xTest: rows(x, from, n), yTest: rows(y, from, n) };
  }
  if (isTensor(data) && data.shape.length > 2) {
    const { nTrain, from } = sizes(data.shape[0]);
    const per = data.shape.slice(1).reduce((p, d) => p * d, 1);
    const n = data.shape[0];
    return {
      train: new Tensor(data.data.slice(0, nTrain * per), [nTrain, ...data.shape.slice(1)]),
      test: new Tensor(data.data.slice(from * per, n * per), [n - from, ...data.shape.slice(1)]),
    } as never;
  }
  const g = readSeries(data, SPLIT);
  const { nTrain, from } = sizes(g.T);
  return {
    train: writeSeries(g, g.data.subarray(0, nTrain * g.F), nTrain),
    test: writeSeries(g, g.data.subarray(from * g.F), g.T - from),
  } as SeriesSplit<SeriesLike>;
}
