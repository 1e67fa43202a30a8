// One-hot encoding of class ids, as Keras to_categorical.
import { LstmWasmError, describe } from '../errors.js';
import { Tensor, shapeString, sizeOf, toTensor, unravelIndex, type TensorLike } from '../tensor.js';

const WHERE = 'toCategorical';
// Past this many values a typo in the labels (a 1e9 among small ids) is likelier than a real need.
const MAX_VALUES = 2 ** 28;

function at(i: number, shape: readonly number[]): string {
  return `labels${unravelIndex(i, shape)
    .map((j) => `[${j}]`)
    .join('')}`;
}

/**
 * Class ids → one-hot rows. Labels of shape [n] (or [n, 1]) give [n, numClasses]; labels of shape
 * [n, steps] give [n, steps, numClasses]. `numClasses` defaults to the largest label + 1.
 */
export function toCategorical(labels: TensorLike, numClasses?: number): Tensor {
  const t = toTensor(labels, 'labels', WHERE);
  if (numClasses !== undefined && (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1)) {
    throw new LstmWasmError(`${WHERE}: numClasses must be a positive integer, got ${describe(numClasses)}`);
  }
  const d = t.data;
  let max = -1;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    const limit = numClasses === undefined ? '' : ` in [0, ${numClasses - 1}] (numClasses ${numClasses})`;
    if (!Number.isInteger(v) || v < 0 || (numClasses !== undefined && v >= numClasses)) {
      throw new LstmWasmError(
        `${WHERE}: labels must be integers${limit || ' ≥ 0 (class ids)'}, got ${v} at ${at(i, t.shape)}`,
      );
    }
    if (v > max) max = v;
  }
  if (numClasses === undefined && d.length === 0) {
    throw new LstmWasmError(
      `${WHERE}: labels is empty (shape ${shapeString(t.shape)}), so the number of classes is unknown; pass numClasses`,
    );
  }
  const C = numClasses ?? max + 1;
  // As Keras: a trailing size of 1 is a column of labels, not a dimension of the output.
  const outer = t.shape.length > 1 && t.shape[t.shape.length - 1] === 1 ? t.shape.slice(0, -1) : t.shape;
  const n = sizeOf(outer);
  if (n * C > MAX_VALUES) {
    throw new LstmWasmError(
      `${WHERE}: ${n} labels × ${C} classes would make ${n * C} values` +
        (numClasses === undefined ? ` (the largest label is ${max}); pass numClasses or check the labels` : ''),
    );
  }
  const out = new Float32Array(n * C);
  for (let i = 0; i < n; i++) out[i * C + d[i]] = 1;
  return new Tensor(out, [...outer, C]);
}
