// A time series → supervised pairs: `window` steps in, the next `horizon` steps out.
import { LstmWasmError, checkOptions, describe } from '../errors.js';
import { Tensor, firstNonFinite, shapeString, toTensor, unravelIndex, type TensorLike } from '../tensor.js';

export interface TimeseriesWindowsOptions {
  /** Steps in each input window. */
  window: number;
  /** Steps after the window to predict (1). */
  horizon?: number;
  /** Steps between the starts of consecutive windows (1). */
  stride?: number;
  /** Columns of a multivariate series to predict (all of them); a single index is also taken. */
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
  checkOptions(WHERE, options, ['window', 'horizon', 'stride', 'targetColumns']);
  const s = toTensor(series, 'series', WHERE);
  if (s.shape.length !== 1 && s.shape.length !== 2) {
    throw new LstmWasmError(
      `${WHERE}: series must have shape [time] or [time, features], got shape ${shapeString(s.shape)}${s.shape.length > 2 ? '; window each series on its own and concatenate the results' : ''}`,
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
      `${WHERE}: series has ${T} steps, too few for window ${window} + horizon ${horizon} (at least ${window + horizon} needed)`,
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
        `${WHERE}: option 'targetColumns' must hold column indices in [0, ${F - 1}] (the series has ${F} feature${F === 1 ? '' : 's'}), got ${describe(c)}${where}`,
      );
    }
    if (list.indexOf(c) !== i) throw new LstmWasmError(`${WHERE}: option 'targetColumns' names column ${c} twice`);
  });
  return list as number[];
}
