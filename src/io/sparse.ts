// Sparse weights in our format (save.ts): a weight whose spec says `encoding: 'sparse'` is stored as
// a bit mask, ceil(n/8) bytes (bit i of the tensor is bit i % 8 of byte ⌊i/8⌋, 1 for a stored value;
// the padding bits of the last byte are 0), then its `nonzero` stored values in order, each in the
// weight's own type (int8, float16 or float32). Every other value is +0. save() uses it for a pruned
// kernel (or embeddings) when that takes fewer bytes than the dense values; -0 counts as a value, so
// the weights read back bit for bit.
import { LstmWasmError } from '../errors.js';

/**
 * Whether pruning masks a weight of this name (and save may store it sparse): kernels and
 * embeddings, not biases, gamma/beta, peepholes or scales.
 */
export function isPrunable(name: string): boolean {
  return name.endsWith('kernel') || name.endsWith('embeddings');
}

/** How many values a sparse encoding stores: those that are not +0. */
export function countStored(values: Float32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Object.is(values[i], 0)) n++;
  return n;
}

/** Bytes of a weight of n values stored sparse with `stored` values of `per` bytes each. */
export function sparseSize(n: number, stored: number, per: number): number {
  return Math.ceil(n / 8) + stored * per;
}

/**
 * Writes values' mask at `at` and their stored values through `put` (which returns the next
 * offset); returns the offset after them.
 */
export function writeSparse(
  out: Uint8Array,
  at: number,
  values: Float32Array,
  put: (at: number, v: number) => number,
): number {
  const maskBytes = Math.ceil(values.length / 8);
  let p = at + maskBytes;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Object.is(v, 0)) continue;
    out[at + (i >> 3)] |= 1 << (i & 7);
    p = put(p, v);
  }
  return p;
}

/**
 * Reads a sparse weight of n values at `at` into floats[k..k+n): the mask is checked against `stored`
 * (its count of set bits, zero padding bits) before any value is read. Returns the offset after it.
 */
export function readSparse(
  data: Uint8Array,
  at: number,
  n: number,
  stored: number,
  floats: Float32Array,
  k: number,
  get: (at: number) => [number, number],
  what: string,
): number {
  const maskBytes = Math.ceil(n / 8);
  let bits = 0;
  for (let b = 0; b < maskBytes; b++) {
    let x = data[at + b];
    while (x) {
      bits += x & 1;
      x >>>= 1;
    }
  }
  if (bits !== stored)
    throw new LstmWasmError(
      `loadModel: ${what} is stored sparse with ${stored} values, but its mask marks ${bits}: the data is damaged`,
    );
  if (n % 8 && data[at + maskBytes - 1] >>> (n % 8))
    throw new LstmWasmError(
      `loadModel: ${what}: its sparse mask has bits set past its ${n} values: the data is damaged`,
    );
  let p = at + maskBytes;
  for (let i = 0; i < n; i++) {
    if (data[at + (i >> 3)] & (1 << (i & 7))) {
      const [v, next] = get(p);
      floats[k + i] = v;
      p = next;
    } else floats[k + i] = 0;
  }
  return p;
}
