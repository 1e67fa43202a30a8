// Float64 reference Dense: y = act(x·W + b), and its backward, computed from the pre-activation z
// (the kernel works from y: the two are compared in test/dense.test.ts).
// M rows, K input features, N units; x [M, K], W [K, N], bias [N], y [M, N].
import { act, dact, softmaxRow, LINEAR, SOFTMAX } from './activations.js';

function rowOf(a: ArrayLike<number>, m: number, N: number): Float64Array {
  const r = new Float64Array(N);
  for (let n = 0; n < N; n++) r[n] = a[m * N + n];
  return r;
}

export interface DenseForward {
  z: Float64Array;
  y: Float64Array;
}

export function denseForward(M: number, N: number, K: number, code: number, x: ArrayLike<number>, W: ArrayLike<number>, bias: ArrayLike<number> | null): DenseForward {
  const z = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * W[k * N + n];
      z[m * N + n] = s;
    }
  const y = new Float64Array(M * N);
  if (code === SOFTMAX) {
    for (let m = 0; m < M; m++) y.set(softmaxRow(rowOf(z, m, N)), m * N);
  } else {
    for (let i = 0; i < M * N; i++) y[i] = act(code, z[i]);
  }
  return { z, y };
}

export interface DenseGrads {
  dZ: Float64Array;
  dW: Float64Array;
  db: Float64Array;
  dx: Float64Array;
}

/** Gradients of Σ dy ⊙ y. With code LINEAR, dy is taken as the gradient at the logits. */
export function denseBackward(M: number, N: number, K: number, code: number, x: ArrayLike<number>, W: ArrayLike<number>, z: ArrayLike<number>, dy: ArrayLike<number>): DenseGrads {
  const dZ = new Float64Array(M * N);
  if (code === SOFTMAX) {
    // y = softmax(z) per row: dz_j = y_j·(dy_j - Σ_i y_i·dy_i)
    for (let m = 0; m < M; m++) {
      const y = softmaxRow(rowOf(z, m, N));
      let dot = 0;
      for (let n = 0; n < N; n++) dot += y[n] * dy[m * N + n];
      for (let n = 0; n < N; n++) dZ[m * N + n] = y[n] * (dy[m * N + n] - dot);
    }
  } else {
    for (let i = 0; i < M * N; i++) dZ[i] = dy[i] * (code === LINEAR ? 1 : dact(code, z[i]));
  }
  const dW = new Float64Array(K * N), db = new Float64Array(N), dx = new Float64Array(M * K);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      const d = dZ[m * N + n];
      db[n] += d;
      for (let k = 0; k < K; k++) {
        dW[k * N + n] += x[m * K + k] * d;
        dx[m * K + k] += d * W[k * N + n];
      }
    }
  return { dZ, dW, db, dx };
}
