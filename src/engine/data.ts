// Data in: x and y as one tensor, an array in input/output order, or an object keyed by
// input/output name (as Keras and TF.js take them), and their checks against the graph, all
// before anything runs, so a bad value in a late batch never leaves a model half-trained.
import { LstmWasmError, describe } from '../errors.js';
import { isTensor, looksLikeTensor, shapeString, toTensor, type TensorData, type TensorLike } from '../tensor.js';
import { checkFinite } from '../layers/layer.js';
import type { LossInfo } from '../losses.js';
import type { Graph } from './graph.js';
import type { SymbolicTensor } from './symbolic.js';

/**
 * x or y of fit, evaluate, predict and trainOnBatch: one tensor, an array in input (output) order,
 * or an object keyed by input (output) name.
 */
export type DataArg = TensorLike | TensorLike[] | Record<string, TensorLike>;

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function isPlainObject(v: unknown): v is Record<string, TensorLike> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v) || looksLikeTensor(v))
    return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** One tensor per name, in order. */
export function dataList(v: DataArg, names: string[], what: 'input' | 'output', where: string): TensorData[] {
  const n = names.length;
  if (isPlainObject(v)) {
    for (const key of Object.keys(v)) {
      if (!names.includes(key))
        throw new LstmWasmError(
          `${where}: '${key}' is not the name of an ${what} of the model; its ${what}s are ` +
            names.map((s) => `'${s}'`).join(', '),
        );
    }
    return names.map((name) => {
      if (!Object.hasOwn(v, name)) throw new LstmWasmError(`${where}: the object has no entry for ${what} '${name}'`);
      return toTensor(v[name], `${what === 'input' ? 'x' : 'y'}.${name}`);
    });
  }
  // An array of tensors is a list; a nested number array is one tensor (unless the model has several).
  const list = Array.isArray(v) && (n > 1 || (v.length > 0 && v.every((e) => isTensor(e) || ArrayBuffer.isView(e))));
  if (list) {
    const arr = v as TensorLike[];
    if (arr.length !== n)
      throw new LstmWasmError(
        `${where}: expected ${n} ${what}${n === 1 ? '' : 's'} (` +
          names.map((s) => `'${s}'`).join(', ') +
          `), got ${arr.length}`,
      );
    return arr.map((t, i) => toTensor(t, `${what === 'input' ? 'x' : 'y'}[${i}]`));
  }
  if (n > 1)
    throw new LstmWasmError(
      `${where}: the model has ${n} ${what}s (` +
        names.map((s) => `'${s}'`).join(', ') +
        `); give an array of ${n} tensors in that order, or an object keyed by name, got ${describe(v)}`,
    );
  return [toTensor(v as TensorLike, what === 'input' ? 'x' : 'y')];
}

/** Checks x for one model input: rank, sizes, finite values, and what the layers reading it need. */
export function checkSamples(x: TensorData, input: SymbolicTensor, where: string, graph: Graph): void {
  const want = input.sampleShape;
  if (x.shape.length !== want.length + 1) {
    const readers = graph.readers.get(input.id) ?? [];
    const recurrent = readers.some((i) => graph.nodes[i].layer.inspectable);
    const hint =
      readers.map((i) => graph.nodes[i].layer.rankHint(x.shape)).find((h) => h !== '') ??
      (recurrent && x.shape.length === 2
        ? '; a series of one feature needs a last size of 1: [samples, steps, 1]'
        : '');
    throw new LstmWasmError(
      `${where}: expected shape ${shapeString([null, ...want])} (rank ` +
        `${want.length + 1}), got ${shapeString(x.shape)} (rank ${x.shape.length})${hint}`,
    );
  }
  x.shape.slice(1).forEach((d, i) => {
    if (want[i] !== null && want[i] !== d)
      throw new LstmWasmError(
        `${where}: expected shape ${shapeString([null, ...want])}, got ${shapeString(x.shape)} (size ${i + 1} differs)`,
      );
    if (d === 0) throw new LstmWasmError(`${where}: size ${i + 1} is 0 in shape ${shapeString(x.shape)}`);
  });
  if (x.shape[0] === 0) throw new LstmWasmError(`${where}: it holds no samples (shape ${shapeString(x.shape)})`);
  checkFinite(x, where);
  checkValues(x, input, where, graph);
}

/** What the layers that read a model input need of its values (Embedding: token ids in range). */
export function checkValues(x: TensorData, input: SymbolicTensor, where: string, graph: Graph): void {
  const seen = new Set<unknown>();
  for (const i of graph.readers.get(input.id) ?? []) {
    const layer = graph.nodes[i].layer;
    if (seen.has(layer)) continue;
    seen.add(layer);
    layer.validateInput(x, where);
  }
}

/** Checks y for one output, given its planned shape (no batch) and its loss. */
export function checkTargets(y: TensorData, n: number, outSample: number[], loss: LossInfo, where: string): void {
  if (y.shape[0] !== n)
    throw new LstmWasmError(
      `${where}: expected ${n} samples (as many as x), got ${y.shape[0]} (shape ${shapeString(y.shape)})`,
    );
  const want = loss.sparse ? outSample.slice(0, -1) : outSample;
  const got = y.shape.slice(1);
  const sizeOk =
    prod(got) === prod(want) &&
    (got.length === want.length ||
      (got.length === want.length + 1 && got[got.length - 1] === 1) ||
      (got.length + 1 === want.length && want[want.length - 1] === 1));
  if (!sizeOk) {
    const same = shapeString(want) === shapeString(outSample);
    throw new LstmWasmError(
      `${where}: expected shape ${shapeString([null, ...want])}` +
        (loss.sparse
          ? ' (class ids, for sparseCategoricalCrossentropy, of the ' +
            `model's output ${shapeString([null, ...outSample])})`
          : same
            ? " (the model's output)"
            : '') +
        `, got ${shapeString(y.shape)}`,
    );
  }
  checkFinite(y, where);
  if (loss.sparse) {
    const C = outSample[outSample.length - 1];
    for (let i = 0; i < y.data.length; i++) {
      const v = y.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= C)
        throw new LstmWasmError(`${where}: class ids must be integers in [0, ${C - 1}], got ${v} at row ${i}`);
    }
  }
}
