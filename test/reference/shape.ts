// Float64 references for the merge and shape layers (Keras semantics), forward and backward, written
// from the definitions (multi-indices, left folds) rather than from the kernels' strided copies.
// Checked against finite differences in test/reference-shape.test.ts; the kernels (assembly/shape.ts)
// against these in test/shape.test.ts.
//
// Every function takes an optional `r`, applied to the result of each arithmetic operation: the
// identity (float64) by default, Math.fround to follow the kernels' f32 rounding step by step, so
// that they can be compared exactly. Data movement (concatenate, permute, repeat forward, reshape)
// involves no arithmetic.

export type Round = (x: number) => number;
const f64: Round = (x) => x;

// ---- elementwise: the merge layers ----------------------------------------------------------------

/** Binary ops as the kernel's op codes (independent of the generated ABI file on purpose). */
export const ADD = 0, SUBTRACT = 1, MULTIPLY = 2, MAXIMUM = 3, MINIMUM = 4;
export const BINARY_NAMES = ['add', 'subtract', 'multiply', 'maximum', 'minimum'];

function binop(op: number, a: number, b: number): number {
  switch (op) {
    case ADD: return a + b;
    case SUBTRACT: return a - b;
    case MULTIPLY: return a * b;
    // Math.max/min: NaN if either is NaN, and -0 < +0, as WebAssembly's f32.max/min.
    case MAXIMUM: return Math.max(a, b);
    case MINIMUM: return Math.min(a, b);
    default: throw new Error(`reference binop: unknown op ${op}`);
  }
}

export function binaryForward(op: number, a: ArrayLike<number>, b: ArrayLike<number>, r: Round = f64): Float64Array {
  if (a.length !== b.length) throw new Error('binaryForward: lengths differ');
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = r(binop(op, a[i], b[i]));
  return out;
}

/**
 * Gradients of Σ dy ⊙ (a op b). Maximum/minimum: the whole of dy goes to a where a >= b (a <= b),
 * else to b; ties go to the first input, as TensorFlow's gradient of tf.maximum/tf.minimum.
 */
export function binaryBackward(op: number, a: ArrayLike<number>, b: ArrayLike<number>, dy: ArrayLike<number>, r: Round = f64): { da: Float64Array; db: Float64Array } {
  const n = dy.length;
  const da = new Float64Array(n), db = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = dy[i];
    switch (op) {
      case ADD: da[i] = g; db[i] = g; break;
      case SUBTRACT: da[i] = g; db[i] = -g; break;
      case MULTIPLY: da[i] = r(g * b[i]); db[i] = r(g * a[i]); break;
      case MAXIMUM: { const first = a[i] >= b[i]; da[i] = first ? g : 0; db[i] = first ? 0 : g; break; }
      case MINIMUM: { const first = a[i] <= b[i]; da[i] = first ? g : 0; db[i] = first ? 0 : g; break; }
      default: throw new Error(`reference binaryBackward: unknown op ${op}`);
    }
  }
  return { da, db };
}

export type MergeName = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum';
export const MERGE_NAMES: MergeName[] = ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum'];

/** The binary op a merge layer folds with (Average folds with add, then scales). */
export function mergeBinaryOp(name: MergeName): number {
  return { add: ADD, subtract: SUBTRACT, multiply: MULTIPLY, average: ADD, maximum: MAXIMUM, minimum: MINIMUM }[name];
}

/** The left fold's partial results: acc[0] = xs[0], acc[i] = acc[i-1] op xs[i]. */
function foldPartials(name: MergeName, xs: ArrayLike<number>[], r: Round): Float64Array[] {
  if (xs.length < 1) throw new Error('merge: no inputs');
  const op = mergeBinaryOp(name);
  const acc: Float64Array[] = [Float64Array.from(xs[0])];
  for (let i = 1; i < xs.length; i++) acc.push(binaryForward(op, acc[i - 1], xs[i], r));
  return acc;
}

/**
 * Keras merge layers over k inputs of one shape, as a left fold: ((x0 op x1) op x2) ... Average is
 * the sum's fold times 1/k (Keras divides by k: the same in float64, within an ulp in f32).
 * Keras' Subtract takes exactly two inputs; the fold is defined for more and tested as such.
 */
export function mergeForward(name: MergeName, xs: ArrayLike<number>[], r: Round = f64): Float64Array {
  const acc = foldPartials(name, xs, r);
  const sum = acc[acc.length - 1];
  if (name !== 'average') return sum;
  const s = r(1 / xs.length);
  return sum.map((v) => r(v * s));
}

/** Gradients of Σ dy ⊙ merge(xs): back through the fold, one binary step at a time. */
export function mergeBackward(name: MergeName, xs: ArrayLike<number>[], dy: ArrayLike<number>, r: Round = f64): Float64Array[] {
  const acc = foldPartials(name, xs, r);
  const op = mergeBinaryOp(name);
  let g: Float64Array = Float64Array.from(dy);
  if (name === 'average') {
    const s = r(1 / xs.length);
    g = g.map((v) => r(v * s));
  }
  const dxs: Float64Array[] = new Array(xs.length);
  for (let i = xs.length - 1; i >= 1; i--) {
    const { da, db } = binaryBackward(op, acc[i - 1], xs[i], g, r);
    dxs[i] = db;
    g = da;
  }
  dxs[0] = g;
  return dxs;
}

// ---- multi-indices --------------------------------------------------------------------------------

function product(dims: number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

function stridesOf(dims: number[]): number[] {
  const s = new Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function unravel(flat: number, dims: number[]): number[] {
  const idx = new Array(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    idx[i] = flat % dims[i];
    flat = Math.floor(flat / dims[i]);
  }
  return idx;
}

function ravel(idx: number[], strides: number[]): number {
  let o = 0;
  for (let i = 0; i < idx.length; i++) o += idx[i] * strides[i];
  return o;
}

// ---- Concatenate ----------------------------------------------------------------------------------

/** The output sample shape of concatenating samples of `shapes` along sample axis `axis` (0-based). */
export function concatShape(shapes: number[][], axis: number): number[] {
  const rank = shapes[0].length;
  if (axis < 0 || axis >= rank) throw new Error(`concat: axis ${axis} outside a rank-${rank} sample`);
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== shapes[0][i])) throw new Error(`concat: shapes ${JSON.stringify(shapes)} differ off axis ${axis}`);
  }
  const out = shapes[0].slice();
  out[axis] = shapes.reduce((t, s) => t + s[axis], 0);
  return out;
}

/** Keras Concatenate of B samples per input, along sample axis `axis` (Keras axis = axis + 1, or -1 for the last). */
export function concatForward(B: number, shapes: number[][], axis: number, xs: ArrayLike<number>[]): Float64Array {
  const oshape = concatShape(shapes, axis);
  const odims = [B, ...oshape], ostr = stridesOf(odims);
  const out = new Float64Array(product(odims)).fill(NaN);
  let offset = 0;
  shapes.forEach((s, k) => {
    const dims = [B, ...s];
    if (xs[k].length !== product(dims)) throw new Error(`concat: input ${k} has ${xs[k].length} values, not ${product(dims)}`);
    for (let f = 0; f < xs[k].length; f++) {
      const idx = unravel(f, dims);
      idx[axis + 1] += offset;
      out[ravel(idx, ostr)] = xs[k][f];
    }
    offset += s[axis];
  });
  return out;
}

/** Each input's slice of dy. */
export function concatBackward(B: number, shapes: number[][], axis: number, dy: ArrayLike<number>): Float64Array[] {
  const oshape = concatShape(shapes, axis);
  const ostr = stridesOf([B, ...oshape]);
  let offset = 0;
  return shapes.map((s) => {
    const dims = [B, ...s];
    const dx = new Float64Array(product(dims));
    for (let f = 0; f < dx.length; f++) {
      const idx = unravel(f, dims);
      idx[axis + 1] += offset;
      dx[f] = dy[ravel(idx, ostr)];
    }
    offset += s[axis];
    return dx;
  });
}

// ---- RepeatVector ---------------------------------------------------------------------------------

/** x [B, F] → out [B, n, F]. */
export function repeatForward(B: number, n: number, F: number, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(B * n * F);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < n; t++)
      for (let f = 0; f < F; f++) out[(b * n + t) * F + f] = x[b * F + f];
  return out;
}

/** dx[b, f] = Σ_t dy[b, t, f], added from 0 in the order t = 0 .. n-1. */
export function repeatBackward(B: number, n: number, F: number, dy: ArrayLike<number>, r: Round = f64): Float64Array {
  const dx = new Float64Array(B * F);
  for (let b = 0; b < B; b++)
    for (let f = 0; f < F; f++) {
      let s = 0;
      for (let t = 0; t < n; t++) s = r(s + dy[(b * n + t) * F + f]);
      dx[b * F + f] = s;
    }
  return dx;
}

// ---- Permute --------------------------------------------------------------------------------------

/** Keras Permute's output sample shape: out axis i is x axis perm[i] (0-based here; Keras counts from 1). */
export function permuteShape(dims: number[], perm: number[]): number[] {
  if (perm.length !== dims.length || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) throw new Error(`permute: ${JSON.stringify(perm)} is not a permutation of ${dims.length} axes`);
  return perm.map((p) => dims[p]);
}

export function invertPermutation(perm: number[]): number[] {
  const inv = new Array(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** B samples of shape `dims`: out[b][i_0, .., i_{r-1}] with x's index j where j[perm[i]] = i_i. */
export function permuteForward(B: number, dims: number[], perm: number[], x: ArrayLike<number>): Float64Array {
  const odims = permuteShape(dims, perm);
  const S = product(dims), ostr = stridesOf(odims);
  const out = new Float64Array(B * S);
  for (let b = 0; b < B; b++)
    for (let f = 0; f < S; f++) {
      const ix = unravel(f, dims);
      out[b * S + ravel(perm.map((p) => ix[p]), ostr)] = x[b * S + f];
    }
  return out;
}

/** Gradient of Σ dy ⊙ permute(x): each x entry takes the dy entry it was moved to (no inverse used). */
export function permuteBackward(B: number, dims: number[], perm: number[], dy: ArrayLike<number>): Float64Array {
  const odims = permuteShape(dims, perm);
  const S = product(dims), ostr = stridesOf(odims);
  const dx = new Float64Array(B * S);
  for (let b = 0; b < B; b++)
    for (let f = 0; f < S; f++) {
      const ix = unravel(f, dims);
      dx[b * S + f] = dy[b * S + ravel(perm.map((p) => ix[p]), ostr)];
    }
  return dx;
}

// ---- Reshape, Flatten -----------------------------------------------------------------------------

/** Reshape and Flatten keep the row-major data as it is: forward and backward are the identity. */
export function reshapeForward(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x);
}

export function reshapeBackward(dy: ArrayLike<number>): Float64Array {
  return Float64Array.from(dy);
}
