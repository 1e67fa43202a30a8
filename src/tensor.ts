// Tensors as the API sees them: a flat Float32Array and a shape, row-major (the last index moves
// fastest), exactly what is copied into WASM memory. Everything here checks and moves numbers; it
// computes nothing with them.
import { LstmWasmError, describe } from './errors.js';

/**
 * A tensor as a plain object: a dense float32 array, row-major, and its shape (`data.length` is
 * the product of `shape`). Taken wherever a tensor is; results are Tensor instances, which are this too.
 */
export interface TensorData {
  data: Float32Array;
  shape: number[];
}

/**
 * A dense float32 tensor, row-major: what predict, step, inspect, getWeights and tensor() give.
 * `data` (a Float32Array) and `shape` are its only own fields, as in the plain `{ data, shape }`
 * objects taken everywhere; the methods are those TF.js users call on results. The numbers live
 * in JavaScript, not in WebAssembly memory: nothing needs freeing.
 */
export class Tensor implements TensorData {
  data: Float32Array;
  shape: number[];

  /** Wraps `data` (not copied) as a tensor of `shape`; `tensor()` builds one from nested arrays. */
  constructor(data: Float32Array, shape: readonly number[]) {
    if (!(data instanceof Float32Array))
      throw new LstmWasmError(`Tensor: data must be a Float32Array, got ${describe(data)}`);
    if (!isValidShape(shape))
      throw new LstmWasmError(`Tensor: shape must be an array of non-negative integer sizes, got ${describe(shape)}`);
    if (sizeOf(shape) !== data.length)
      throw new LstmWasmError(`Tensor: shape ${shapeString(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
    this.data = data;
    this.shape = [...shape];
  }

  /** The number of dimensions (0 for a scalar). */
  get rank(): number {
    return this.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Always 'float32' (as TF.js's tensor.dtype). */
  get dtype(): 'float32' {
    return 'float32';
  }

  /** The values, flat and row-major: `data` itself (as TF.js's dataSync, not a copy to keep). */
  dataSync(): Float32Array {
    return this.data;
  }

  /** The values as nested arrays of numbers (a number for a scalar), as TF.js's arraySync. */
  arraySync(): NestedArray {
    const { data, shape } = this;
    if (shape.length === 0) return data[0];
    let at = 0;
    const build = (axis: number): NestedArray[] | number[] => {
      const n = shape[axis];
      if (axis === shape.length - 1) {
        const row = Array.from(data.subarray(at, at + n));
        at += n;
        return row;
      }
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(axis + 1));
      return out;
    };
    return build(0);
  }

  /** arraySync() as a promise, as TF.js's array(). */
  array(): Promise<NestedArray> {
    return Promise.resolve(this.arraySync());
  }

  /** The tensor as text: 'Tensor', then its values, as TF.js's toString(); `verbose` adds dtype, rank and shape. */
  toString(verbose = false): string {
    const head = verbose
      ? `Tensor\n  dtype: float32\n  rank: ${this.rank}\n  shape: ${shapeString(this.shape)}\n  values:\n`
      : 'Tensor\n';
    return head + formatValues(this.data, this.shape, '    ');
  }

  /** Prints toString() with console.log, as TF.js's print(). */
  print(verbose = false): void {
    console.log(this.toString(verbose));
  }

  /** Nothing to free (the numbers are a Float32Array in JavaScript); here so TF.js habits do no harm. */
  dispose(): void {}
}

/** Nested arrays of numbers, as arraySync() gives them. */
export type NestedArray = number | NestedArray[];

/** Per dimension, at most this many entries are printed: the first and last three, '...' between. */
const PRINT_THRESHOLD = 20;
const PRINT_EDGE = 3;

function formatNumber(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return String(parseFloat(v.toPrecision(6)));
}

/** Values as nested brackets, one innermost row per line, numbers right-aligned to one width. */
function formatValues(data: Float32Array, shape: readonly number[], indent: string): string {
  if (shape.length === 0) return indent + formatNumber(data[0]);
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const shown = (n: number): (number | null)[] =>
    n > PRINT_THRESHOLD
      ? [
          ...Array.from({ length: PRINT_EDGE }, (_, i) => i),
          null,
          ...Array.from({ length: PRINT_EDGE }, (_, i) => n - PRINT_EDGE + i),
        ]
      : Array.from({ length: n }, (_, i) => i);
  // One width for every printed number.
  let width = 0;
  const visit = (axis: number, base: number, f: (i: number) => void): void => {
    for (const i of shown(shape[axis])) {
      if (i === null) continue;
      if (axis === shape.length - 1) f(base + i);
      else visit(axis + 1, base + i * strides[axis], f);
    }
  };
  visit(0, 0, (i) => {
    width = Math.max(width, formatNumber(data[i]).length);
  });
  const render = (axis: number, base: number, pad: string): string => {
    const items = shown(shape[axis]);
    if (axis === shape.length - 1)
      return `[${items.map((i) => (i === null ? '...' : formatNumber(data[base + i]).padStart(width))).join(', ')}]`;
    const inner = pad + ' ';
    const sep = `,${'\n'.repeat(shape.length - axis - 1)}${inner}`;
    return `[${items.map((i) => (i === null ? '...' : render(axis + 1, base + i * strides[axis], inner))).join(sep)}]`;
  };
  return indent + render(0, 0, indent);
}

/** A number, or an array (or typed array) of NestedNumbers: rectangular, of any depth. */
export type NestedNumbers = number | ArrayLike<NestedNumbers>;

/**
 * Anything taken where a tensor is: a Tensor (or a plain { data, shape }), a number, nested number
 * arrays, typed arrays.
 */
export type TensorLike =
  | TensorData
  | number
  | number[]
  | number[][]
  | number[][][]
  | Float32Array
  | ArrayLike<NestedNumbers>;

/** `[32, 50, 1]`; null (or undefined) marks a size not known yet: `[null, 50, 1]`. */
export function shapeString(shape: readonly (number | null | undefined)[]): string {
  return `[${shape.map((d) => (d === null || d === undefined ? 'null' : String(d))).join(', ')}]`;
}

/** The number of elements a shape holds (1 for the scalar shape []). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The multi-index of flat index `i` in `shape`, for messages such as "NaN at [0, 2, 1]". */
export function unravelIndex(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  let r = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = r % shape[a];
    r = Math.floor(r / shape[a]);
  }
  return idx;
}

/** The index of the first NaN or ±Infinity in `data`, or -1 when all are finite. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for finite x and NaN for NaN and ±Infinity: one test instead of two.
    if (data[i] - data[i] !== 0) return i;
  }
  return -1;
}

function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
}

/**
 * True for a well-formed tensor (a Tensor or a plain { data, shape }): Float32Array data whose
 * length the shape accounts for.
 */
export function isTensor(x: unknown): x is TensorData {
  if (x === null || typeof x !== 'object') return false;
  const t = x as { data?: unknown; shape?: unknown };
  return t.data instanceof Float32Array && isValidShape(t.shape) && sizeOf(t.shape) === t.data.length;
}

// ---- reading nested arrays -----------------------------------------------------------------

interface Where {
  /** Starts every message: 'tensor: ' or ''. */
  prefix: string;
  /** Names the argument in element paths: values[1][2], x[0]. */
  root: string;
}

function isTypedArray(v: unknown): v is ArrayBufferView & ArrayLike<number | bigint> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isBigIntArray(v: unknown): boolean {
  return (
    (typeof BigInt64Array !== 'undefined' && v instanceof BigInt64Array) ||
    (typeof BigUint64Array !== 'undefined' && v instanceof BigUint64Array)
  );
}

/** Arrays, typed arrays and other objects with a length; never strings, never tensors. */
function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v) || isTypedArray(v)) return true;
  const o = v as { length?: unknown; shape?: unknown };
  return typeof o.length === 'number' && Number.isInteger(o.length) && o.length >= 0 && o.shape === undefined;
}

export function looksLikeTensor(v: unknown): v is { data?: unknown; shape: unknown; dataSync?: unknown } {
  if (v === null || typeof v !== 'object' || isArrayLike(v)) return false;
  const o = v as { data?: unknown; shape?: unknown; dataSync?: unknown };
  return o.shape !== undefined && (o.data !== undefined || typeof o.dataSync === 'function');
}

function pathOf(root: string, idx: readonly number[], depth: number): string {
  let s = root;
  for (let i = 0; i < depth; i++) s += `[${idx[i]}]`;
  return s;
}

const EXPECTED = 'numbers (a number, nested arrays of numbers, a typed array or { data: Float32Array, shape })';

/** The shape of nested arrays, read down their first elements; fill() then checks every element. */
function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (isArrayLike(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

/** Copies rectangular nested arrays into a new Float32Array, checking each element's type and place. */
function readNested(values: unknown, w: Where): Tensor {
  if (typeof values === 'number') return new Tensor(Float32Array.of(values), []);
  if (!isArrayLike(values))
    throw new LstmWasmError(`${w.prefix}${w.root} must be ${EXPECTED}, got ${describe(values)}`);
  const shape = inferShape(values);
  const rank = shape.length;
  const data = new Float32Array(sizeOf(shape));
  const idx = new Array<number>(rank).fill(0);
  let k = 0;

  const fail = (depth: number, what: string): never => {
    throw new LstmWasmError(`${w.prefix}${pathOf(w.root, idx, depth)} ${what}`);
  };
  // The place whose length or kind set the shape at this depth: root[0][0]... (depth zeros).
  const ref = (depth: number): string => w.root + '[0]'.repeat(depth);

  const fill = (v: unknown, depth: number): void => {
    if (depth === rank) {
      if (typeof v === 'number') {
        data[k++] = v;
        return;
      }
      if (isArrayLike(v))
        fail(depth, `is ${describe(v)}, but ${ref(depth)} is a number: nested arrays must be rectangular`);
      fail(depth, `is ${describe(v)}, expected a number`);
    }
    if (!isArrayLike(v)) {
      fail(
        depth,
        `is ${describe(v)}, expected an array of length ${shape[depth]} like ${ref(depth)}` +
          (typeof v === 'number' ? ': nested arrays must be rectangular' : ''),
      );
    }
    const a = v as ArrayLike<unknown>;
    if (a.length !== shape[depth]) {
      fail(
        depth,
        `has length ${a.length}, but ${ref(depth)} has length ${shape[depth]}: nested arrays must be rectangular`,
      );
    }
    if (depth === rank - 1 && isTypedArray(a)) {
      if (isBigIntArray(a)) fail(depth, `is ${describe(a)}; convert its values to numbers first`);
      data.set(a as ArrayLike<number>, k);
      k += a.length;
      return;
    }
    for (let i = 0; i < a.length; i++) {
      idx[depth] = i;
      fill(a[i], depth + 1);
    }
  };
  fill(values, 0);
  return new Tensor(data, shape);
}

/** Checks a shape argument: an array of non-negative integer sizes. */
function checkShape(shape: unknown, w: Where, name: string): number[] {
  if (!Array.isArray(shape)) {
    throw new LstmWasmError(`${w.prefix}${name} must be an array of sizes such as [2, 3], got ${describe(shape)}`);
  }
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      const list =
        '[' +
        shape
          .map((v) =>
            typeof v === 'number' || v === null ? String(v) : typeof v === 'string' ? JSON.stringify(v) : '…',
          )
          .join(', ') +
        ']';
      throw new LstmWasmError(
        `${w.prefix}${name}[${i}] is ${describe(d)} (${name} is ${list}); sizes must be non-negative integers`,
      );
    }
  });
  return shape as number[];
}

/** Reads a { data, shape } object (ours, or a TF.js tensor through dataSync()). */
function readTensorObject(
  x: { data?: unknown; shape: unknown; dataSync?: unknown },
  w: Where,
  copy: boolean,
): TensorData {
  const shape = checkShape(x.shape, w, `${w.root}.shape`);
  const n = sizeOf(shape);
  let raw: unknown = x.data;
  let rawName = `${w.root}.data`;
  if (raw === undefined && typeof x.dataSync === 'function') {
    raw = (x.dataSync as () => unknown).call(x);
    rawName = `${w.root}.dataSync()`;
  }
  if (!isArrayLike(raw))
    throw new LstmWasmError(
      `${w.prefix}${rawName} must be a Float32Array (or an array of numbers), got ${describe(raw)}`,
    );
  if (raw.length !== n) {
    throw new LstmWasmError(
      `${w.prefix}${w.root}: shape ${shapeString(shape)} needs ${n} values, but ${rawName} holds ${raw.length}`,
    );
  }
  if (raw instanceof Float32Array) {
    if (copy) return new Tensor(raw.slice(), shape);
    return raw === x.data ? (x as TensorData) : new Tensor(raw, shape);
  }
  // Flat data of another kind: read it element by element, so a bad element is named.
  const flat = readNested(raw, { prefix: w.prefix, root: rawName });
  if (flat.shape.length !== 1) {
    throw new LstmWasmError(
      `${w.prefix}${rawName} must be flat (one number per element), ` +
        `got nested arrays of shape ${shapeString(flat.shape)}`,
    );
  }
  return new Tensor(flat.data, shape);
}

function reshape(t: TensorData, shape: number[], w: Where): Tensor {
  const n = sizeOf(shape);
  if (n !== t.data.length) {
    throw new LstmWasmError(
      `${w.prefix}shape ${shapeString(shape)} needs ${n} values, got ` +
        `${t.data.length} (${w.root} has shape ${shapeString(t.shape)})`,
    );
  }
  return new Tensor(t.data, shape);
}

/**
 * Builds a Tensor from nested arrays, a typed array, a number or another Tensor, always copying.
 * With `shape`, the values (read in row-major order) are laid out in that shape; it must account
 * for every value. NaN and ±Infinity are kept: the model rejects them where they matter.
 */
export function tensor(values: TensorLike, shape?: readonly number[]): Tensor {
  const w: Where = { prefix: 'tensor: ', root: 'values' };
  const want = shape === undefined ? undefined : checkShape(shape, w, 'shape');
  const t = looksLikeTensor(values) ? readTensorObject(values, w, true) : readNested(values, w);
  if (want !== undefined) return reshape(t, want, w);
  return t instanceof Tensor ? t : new Tensor(t.data, t.shape);
}

/**
 * The tensor behind an argument of fit/predict/evaluate. A Tensor with Float32Array data passes
 * through as it is, not copied; anything else is read into a new one. Messages name `argName`,
 * after `where` when given (`toCategorical` gives "toCategorical: labels[3] is ...").
 */
export function toTensor(x: TensorLike, argName: string, where?: string): TensorData {
  const w: Where = { prefix: where === undefined ? '' : `${where}: `, root: argName };
  if (looksLikeTensor(x)) return readTensorObject(x, w, false);
  return readNested(x, w);
}
