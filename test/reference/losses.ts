// Float64 reference losses and metrics (kinds as assembly/README.md). N rows, D features per row;
// yTrue is [N, D], or [N] class ids for the sparse kinds. lossRef returns the sum over rows of the
// per-row loss and its gradient with respect to yPred (unscaled).

export const MSE = 0, MAE = 1, BCE = 2, BCE_LOGITS = 3, CCE = 4, CCE_LOGITS = 5, SPARSE_CCE = 6, SPARSE_CCE_LOGITS = 7;
export const LOSS_NAMES = ['mse', 'mae', 'bce', 'bce from logits', 'cce', 'cce from logits', 'sparse cce', 'sparse cce from logits'];
export const M_MAE = 0, M_MSE = 1, M_BINARY_ACC = 2, M_CATEGORICAL_ACC = 3, M_SPARSE_ACC = 4;

/** Keras epsilon: probabilities are clipped to [EPS, 1 - EPS]. */
export const EPS = 1e-7;

export function isSparse(kind: number): boolean {
  return kind === SPARSE_CCE || kind === SPARSE_CCE_LOGITS;
}

function clip(p: number): number {
  return Math.min(1 - EPS, Math.max(EPS, p));
}

/** Where the clip is not active, its derivative is 1; elsewhere 0 (as tf.clipByValue's gradient). */
function clipSlope(p: number): number {
  return p >= EPS && p <= 1 - EPS ? 1 : 0;
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function targetRow(kind: number, yTrue: ArrayLike<number>, r: number, D: number): Float64Array {
  const t = new Float64Array(D);
  if (isSparse(kind)) t[yTrue[r]] = 1;
  else for (let j = 0; j < D; j++) t[j] = yTrue[r * D + j];
  return t;
}

export function lossRef(kind: number, N: number, D: number, yPred: ArrayLike<number>, yTrue: ArrayLike<number>): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(N * D);
  let loss = 0;
  for (let r = 0; r < N; r++) {
    const t = targetRow(kind, yTrue, r, D);
    const p = Array.from({ length: D }, (_, j) => yPred[r * D + j]);
    const g = grad.subarray(r * D, (r + 1) * D);
    switch (kind) {
      case MSE:
        for (let j = 0; j < D; j++) { loss += (p[j] - t[j]) ** 2 / D; g[j] = 2 * (p[j] - t[j]) / D; }
        break;
      case MAE:
        for (let j = 0; j < D; j++) { loss += Math.abs(p[j] - t[j]) / D; g[j] = Math.sign(p[j] - t[j]) / D; }
        break;
      case BCE:
        for (let j = 0; j < D; j++) {
          const q = clip(p[j]);
          loss += -(t[j] * Math.log(q) + (1 - t[j]) * Math.log(1 - q)) / D;
          g[j] = clipSlope(p[j]) * (-t[j] / q + (1 - t[j]) / (1 - q)) / D;
        }
        break;
      case BCE_LOGITS:
        // log σ(z) = -softplus(-z), log(1 - σ(z)) = -softplus(z)
        for (let j = 0; j < D; j++) {
          loss += (t[j] * softplus(-p[j]) + (1 - t[j]) * softplus(p[j])) / D;
          g[j] = (1 / (1 + Math.exp(-p[j])) - t[j]) / D;
        }
        break;
      case CCE: case SPARSE_CCE: {
        // q = p / Σp, clipped; the chain rule through the normalization, written out in full.
        const S = p.reduce((a, b) => a + b, 0);
        const q = p.map((v) => v / S);
        const dq = q.map((v, j) => (t[j] === 0 ? 0 : -t[j] / clip(v) * clipSlope(v)));
        for (let j = 0; j < D; j++) if (t[j] !== 0) loss -= t[j] * Math.log(clip(q[j]));
        for (let k = 0; k < D; k++) {
          let s = 0;
          for (let j = 0; j < D; j++) s += dq[j] * ((j === k ? 1 / S : 0) - p[j] / (S * S));
          g[k] = s;
        }
        break;
      }
      case CCE_LOGITS: case SPARSE_CCE_LOGITS: {
        const m = Math.max(...p);
        const lse = m + Math.log(p.reduce((a, v) => a + Math.exp(v - m), 0));
        const st = t.reduce((a, b) => a + b, 0);
        for (let j = 0; j < D; j++) {
          loss -= t[j] * (p[j] - lse);
          g[j] = Math.exp(p[j] - lse) * st - t[j];
        }
        break;
      }
      default: throw new Error(`lossRef: unknown kind ${kind}`);
    }
  }
  return { loss, grad };
}

function argmax(a: ArrayLike<number>, off: number, D: number): number {
  let b = 0;
  for (let j = 1; j < D; j++) if (a[off + j] > a[off + b]) b = j;
  return b;
}

/** Sum over rows of the per-row metric. */
export function metricRef(kind: number, N: number, D: number, yPred: ArrayLike<number>, yTrue: ArrayLike<number>, fromLogits: boolean): number {
  let s = 0;
  for (let r = 0; r < N; r++) {
    switch (kind) {
      case M_MAE: for (let j = 0; j < D; j++) s += Math.abs(yPred[r * D + j] - yTrue[r * D + j]) / D; break;
      case M_MSE: for (let j = 0; j < D; j++) s += (yPred[r * D + j] - yTrue[r * D + j]) ** 2 / D; break;
      case M_BINARY_ACC:
        for (let j = 0; j < D; j++) s += (yTrue[r * D + j] === (yPred[r * D + j] > (fromLogits ? 0 : 0.5) ? 1 : 0) ? 1 : 0) / D;
        break;
      case M_CATEGORICAL_ACC: s += argmax(yPred, r * D, D) === argmax(yTrue, r * D, D) ? 1 : 0; break;
      case M_SPARSE_ACC: s += argmax(yPred, r * D, D) === yTrue[r] ? 1 : 0; break;
      default: throw new Error(`metricRef: unknown kind ${kind}`);
    }
  }
  return s;
}

/** Inputs for a loss kind away from clip edges, so finite differences are meaningful. */
export function lossInputs(kind: number, N: number, D: number, r: () => number): { yPred: Float64Array; yTrue: Float64Array } {
  const yPred = new Float64Array(N * D);
  const yTrue = new Float64Array(isSparse(kind) ? N : N * D);
  for (let i = 0; i < N * D; i++) {
    if (kind === BCE || kind === CCE || kind === SPARSE_CCE) yPred[i] = 0.05 + 0.9 * r();
    else yPred[i] = (r() * 2 - 1) * 3;
  }
  if (isSparse(kind)) for (let i = 0; i < N; i++) yTrue[i] = Math.floor(r() * D);
  else if (kind === BCE || kind === BCE_LOGITS) for (let i = 0; i < N * D; i++) yTrue[i] = r() < 0.3 ? r() : r() < 0.5 ? 0 : 1;
  // Categorical targets are not normalized on purpose: the gradient must hold for any target.
  else if (kind === CCE || kind === CCE_LOGITS) for (let i = 0; i < N * D; i++) yTrue[i] = r() < 0.5 ? 0 : r();
  else for (let i = 0; i < N * D; i++) yTrue[i] = (r() * 2 - 1) * 3;
  return { yPred, yTrue };
}
