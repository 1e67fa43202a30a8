// Float64 references for Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D and
// GlobalMaxPooling1D (Keras semantics, channels last), forward and backward, written from the
// definitions (index arithmetic per output element, no im2col). Checked against finite differences
// in test/reference-conv.test.ts; the kernels (assembly/conv.ts) against these in test/conv.test.ts.

export type Padding = 'valid' | 'same' | 'causal';

/** Output steps and zeros before step 0, as TensorFlow: 'same' puts the odd zero after. */
export function convGeometry(T: number, K: number, stride: number, dilation: number, padding: Padding): { To: number; padL: number } {
  const span = (K - 1) * dilation + 1;
  if (padding === 'valid') return { To: T >= span ? Math.floor((T - span) / stride) + 1 : 0, padL: 0 };
  if (padding === 'causal') return { To: Math.floor((T - 1) / stride) + 1, padL: (K - 1) * dilation };
  const To = Math.ceil(T / stride);
  const total = Math.max((To - 1) * stride + span - T, 0);
  return { To, padL: Math.floor(total / 2) };
}

export interface ConvDims { B: number; T: number; C: number; F: number; K: number; stride: number; dilation: number; padL: number; To: number }

export type Act = 'linear' | 'relu' | 'tanh' | 'sigmoid';
export function act(a: Act, z: number): number {
  switch (a) {
    case 'relu': return z > 0 ? z : 0;
    case 'tanh': return Math.tanh(z);
    case 'sigmoid': return 1 / (1 + Math.exp(-z));
    default: return z;
  }
}
/** f'(z) from y = f(z). */
export function dact(a: Act, y: number): number {
  switch (a) {
    case 'relu': return y > 0 ? 1 : 0;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    default: return 1;
  }
}

/** y[b, t, f] = act(bias[f] + Σ_k Σ_c x[b, t·s − padL + k·d, c] · W[k, c, f]). */
export function conv1dForward(g: ConvDims, x: ArrayLike<number>, W: ArrayLike<number>, bias: ArrayLike<number> | null, a: Act = 'linear'): Float64Array {
  const { B, T, C, F, K, stride, dilation, padL, To } = g;
  const y = new Float64Array(B * To * F);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < To; t++)
      for (let f = 0; f < F; f++) {
        let z = bias ? bias[f] : 0;
        for (let k = 0; k < K; k++) {
          const i = t * stride - padL + k * dilation;
          if (i < 0 || i >= T) continue;
          for (let c = 0; c < C; c++) z += x[(b * T + i) * C + c] * W[(k * C + c) * F + f];
        }
        y[(b * To + t) * F + f] = act(a, z);
      }
  return y;
}

/** Gradients of Σ dy ⊙ y with y = conv1dForward(...); needs y for the activation. */
export function conv1dBackward(g: ConvDims, x: ArrayLike<number>, W: ArrayLike<number>, y: ArrayLike<number>, dy: ArrayLike<number>, a: Act = 'linear'): { dx: Float64Array; dW: Float64Array; db: Float64Array } {
  const { B, T, C, F, K, stride, dilation, padL, To } = g;
  const dx = new Float64Array(B * T * C), dW = new Float64Array(K * C * F), db = new Float64Array(F);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < To; t++)
      for (let f = 0; f < F; f++) {
        const o = (b * To + t) * F + f;
        const dz = dy[o] * dact(a, y[o]);
        db[f] += dz;
        for (let k = 0; k < K; k++) {
          const i = t * stride - padL + k * dilation;
          if (i < 0 || i >= T) continue;
          for (let c = 0; c < C; c++) {
            dW[(k * C + c) * F + f] += x[(b * T + i) * C + c] * dz;
            dx[(b * T + i) * C + c] += W[(k * C + c) * F + f] * dz;
          }
        }
      }
  return { dx, dW, db };
}

// ---- pooling ----------------------------------------------------------------------------------------

export interface PoolDims { B: number; T: number; C: number; P: number; stride: number; padL: number; To: number }

/** Pool geometry as TensorFlow ('same': out ⌈T/s⌉, the odd padding step after). */
export function poolGeometry(T: number, P: number, stride: number, padding: 'valid' | 'same'): { To: number; padL: number } {
  if (padding === 'valid') return { To: T >= P ? Math.floor((T - P) / stride) + 1 : 0, padL: 0 };
  const To = Math.ceil(T / stride);
  return { To, padL: Math.floor(Math.max((To - 1) * stride + P - T, 0) / 2) };
}

function window(g: PoolDims, t: number): [number, number] {
  const start = t * g.stride - g.padL;
  return [Math.max(start, 0), Math.min(start + g.P, g.T)];
}

export function poolForward(kind: 'max' | 'avg', g: PoolDims, x: ArrayLike<number>): Float64Array {
  const { B, T, C, To } = g;
  const y = new Float64Array(B * To * C);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < To; t++) {
      const [lo, hi] = window(g, t);
      for (let c = 0; c < C; c++) {
        let v = kind === 'max' ? -Infinity : 0;
        for (let i = lo; i < hi; i++) {
          const u = x[(b * T + i) * C + c];
          v = kind === 'max' ? Math.max(v, u) : v + u;
        }
        y[(b * To + t) * C + c] = hi > lo ? (kind === 'max' ? v : v / (hi - lo)) : 0;
      }
    }
  return y;
}

/** Max: dy to the first step of the window holding its maximum. */
export function poolBackward(kind: 'max' | 'avg', g: PoolDims, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const { B, T, C, To } = g;
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < To; t++) {
      const [lo, hi] = window(g, t);
      if (hi <= lo) continue;
      for (let c = 0; c < C; c++) {
        const d = dy[(b * To + t) * C + c];
        if (kind === 'avg') { for (let i = lo; i < hi; i++) dx[(b * T + i) * C + c] += d / (hi - lo); continue; }
        let at = lo;
        for (let i = lo + 1; i < hi; i++) if (x[(b * T + i) * C + c] > x[(b * T + at) * C + c]) at = i;
        dx[(b * T + at) * C + c] += d;
      }
    }
  return dx;
}

/** Global pooling over T; average weighted by mask [B, T] when given (Σ m·x / Σ m, 0 when Σ m = 0). */
export function globalPoolForward(kind: 'max' | 'avg', B: number, T: number, C: number, x: ArrayLike<number>, mask: ArrayLike<number> | null): Float64Array {
  const y = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += mask ? mask[b * T + t] : 1;
    for (let c = 0; c < C; c++) {
      let v = kind === 'max' ? -Infinity : 0;
      for (let t = 0; t < T; t++) {
        const u = x[(b * T + t) * C + c];
        v = kind === 'max' ? Math.max(v, u) : v + (mask ? mask[b * T + t] : 1) * u;
      }
      y[b * C + c] = kind === 'max' ? v : n === 0 ? 0 : v / n;
    }
  }
  return y;
}

export function globalPoolBackward(kind: 'max' | 'avg', B: number, T: number, C: number, x: ArrayLike<number>, mask: ArrayLike<number> | null, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += mask ? mask[b * T + t] : 1;
    for (let c = 0; c < C; c++) {
      const d = dy[b * C + c];
      if (kind === 'avg') {
        if (n === 0) continue;
        for (let t = 0; t < T; t++) dx[(b * T + t) * C + c] = d * (mask ? mask[b * T + t] : 1) / n;
        continue;
      }
      let at = 0;
      for (let t = 1; t < T; t++) if (x[(b * T + t) * C + c] > x[(b * T + at) * C + c]) at = t;
      dx[(b * T + at) * C + c] = d;
    }
  }
  return dx;
}
