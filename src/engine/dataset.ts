// Batches from a stream, for fitDataset: any sync or async iterable of { xs, ys } batches, a
// function returning a fresh iterator per epoch, or an object with iterator() (TF.js's Dataset).
// Here only the reading of the source; the checks of each batch against the model, and the
// training, are the model's (model.ts), the same as fit's.
import { LstmWasmError, describe } from '../errors.js';
import { looksLikeTensor } from '../tensor.js';
import type { Callback } from '../callbacks.js';
import type { DataArg } from './data.js';

/**
 * One element of a fitDataset source: a batch of inputs `xs` and targets `ys`, each as fit takes x
 * and y (a tensor, an array in input order, an object by input name).
 */
export interface DatasetBatch {
  xs: DataArg;
  ys: DataArg;
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;
type Opened = AnyIterator | Iterable<unknown> | AsyncIterable<unknown>;

/**
 * What fitDataset reads batches from: an iterable or async iterable of `{ xs, ys }` (an array, a
 * generator, a stream reader wrapped in an async generator), a function returning a fresh
 * iterator (or iterable) per epoch, or an object with `iterator()` as TF.js's Dataset has.
 */
export type DatasetSource =
  | Iterable<DatasetBatch>
  | AsyncIterable<DatasetBatch>
  | (() => Opened | Promise<Opened>)
  | { iterator(): Opened | Promise<Opened> };

/**
 * Options of fitDataset: `epochs` (1), `batchesPerEpoch` (one pass of the source when absent, as
 * TF.js), `validationData` ([xVal, yVal] or a source of batches), `validationBatches`, `verbose`
 * (1), `callbacks`, `initialEpoch`, `seed`, `yieldEvery` (25 ms), `classWeight`.
 */
export interface FitDatasetArgs {
  epochs?: number;
  /**
   * Batches per epoch. When given, one iterator is read across the epochs, and training stops (with
   * a warning) if it runs out; when absent, an epoch is one pass of the source (opened afresh per
   * epoch).
   */
  batchesPerEpoch?: number;
  /**
   * [xVal, yVal] (or [xVal, yVal, sampleWeightVal]) as fit takes it, or a source of { xs, ys }
   * batches read afresh at each epoch's end.
   */
  validationData?: [DataArg, DataArg] | [DataArg, DataArg, ArrayLike<number>] | DatasetSource;
  /** With a source as validationData: how many of its batches to evaluate (all when absent). */
  validationBatches?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  initialEpoch?: number;
  /** Seeds the model's RNG (dropout) before training. The order of the batches is the source's. */
  seed?: number;
  /** How often training gives the event loop a turn: milliseconds between yields (default 25), or 'never'. */
  yieldEvery?: number | 'never';
  /** Keras's class_weight: a weight per class id, applied to every batch. */
  classWeight?: Record<number, number>;
}

export const FIT_DATASET_OPTIONS = [
  'epochs',
  'batchesPerEpoch',
  'validationData',
  'validationBatches',
  'verbose',
  'callbacks',
  'initialEpoch',
  'seed',
  'yieldEvery',
  'classWeight',
];

/** A source made ready to read: open() gives an iterator of a (fresh, when `reopens`) pass. */
export interface BatchStream {
  open(): Promise<AnyIterator>;
  /** Whether open() starts a new pass each time (false for a generator object: it is read once). */
  readonly reopens: boolean;
  /** The number of batches of one pass, when the source says (an array's length, a TF.js Dataset's size). */
  readonly size: number | null;
}

const isObj = (v: unknown): v is Record<PropertyKey, unknown> =>
  (typeof v === 'object' && v !== null) || typeof v === 'function';

function iteratorOf(v: unknown, where: string, what: string): AnyIterator {
  if (isObj(v)) {
    if (typeof v[Symbol.asyncIterator] === 'function')
      return (v[Symbol.asyncIterator] as () => AnyIterator).call(v) as AnyIterator;
    if (typeof v[Symbol.iterator] === 'function' && typeof v !== 'string')
      return (v[Symbol.iterator] as () => AnyIterator).call(v) as AnyIterator;
    if (typeof v.next === 'function') return v as unknown as AnyIterator;
  }
  throw new LstmWasmError(
    `${where}: ${what} must give an iterator or an iterable of { xs, ys } batches, got ${describe(v)}`,
  );
}

/** The source of fitDataset (or its validationData) checked and made ready to read. */
export function batchStream(source: unknown, where: string): BatchStream {
  const hint =
    'an iterable or async iterable of { xs, ys } batches (an array, a generator), a ' +
    'function returning a fresh iterator per epoch, or a dataset with iterator() (as TF.js)';
  if (typeof source === 'string' || !isObj(source))
    throw new LstmWasmError(`${where}: the source must be ${hint}, got ${describe(source)}`);
  if (looksLikeTensor(source) || ArrayBuffer.isView(source))
    throw new LstmWasmError(
      `${where}: the source must be ${hint}, got a tensor; for tensors ` +
        'x and y use fit(x, y, options), or give [{ xs: x, ys: y }]',
    );
  if (typeof source === 'function') {
    const f = source as () => unknown;
    return {
      reopens: true,
      size: null,
      open: async () => iteratorOf(await f(), where, 'the source function'),
    };
  }
  if (typeof source.iterator === 'function') {
    const size = typeof source.size === 'number' && Number.isFinite(source.size) ? source.size : null;
    return {
      reopens: true,
      size,
      open: async () => iteratorOf(await (source.iterator as () => unknown).call(source), where, 'iterator()'),
    };
  }
  const isAsync = typeof source[Symbol.asyncIterator] === 'function';
  const isSync = typeof source[Symbol.iterator] === 'function';
  if (!isAsync && !isSync)
    throw new LstmWasmError(
      `${where}: the source must be ${hint}, got ${describe(source)}` +
        (typeof source.next === 'function'
          ? ' (an iterator without [Symbol.iterator]: wrap it as () => iterator)'
          : ''),
    );
  // An iterator that is its own iterable (a generator object) gives one pass only.
  const self = (isAsync ? source[Symbol.asyncIterator] : source[Symbol.iterator]) as () => unknown;
  const reopens = typeof source.next !== 'function';
  return {
    reopens,
    size: Array.isArray(source) ? source.length : null,
    open: async () =>
      iteratorOf({ [isAsync ? Symbol.asyncIterator : Symbol.iterator]: () => self.call(source) }, where, 'the source'),
  };
}

/** The next element of a sync or async iterator. */
export async function nextOf(it: AnyIterator): Promise<IteratorResult<unknown>> {
  const r = await it.next();
  if (r === null || typeof r !== 'object')
    throw new LstmWasmError(`fitDataset: the source's iterator.next() must return { value, done }, got ${describe(r)}`);
  return r;
}

/** xs and ys of one element, or an error naming where it came and what it held. */
export function batchParts(v: unknown, where: string): DatasetBatch {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new LstmWasmError(`${where}: expected an object { xs, ys } (as TF.js's fitDataset), got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  const missing = ['xs', 'ys'].filter((k) => o[k] === undefined || o[k] === null);
  if (missing.length)
    throw new LstmWasmError(
      `${where}: expected an object { xs, ys } (as TF.js's fitDataset); it has no ` +
        `${missing.join(' and no ')} (its keys: ${Object.keys(o).join(', ') || 'none'})`,
    );
  return { xs: o.xs as DataArg, ys: o.ys as DataArg };
}
