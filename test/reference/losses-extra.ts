// Float64 references for the losses and metrics of issue 13, written from Keras 3's definitions
// (keras/src/losses/losses.py, keras/src/metrics/*): per-row losses (a mean over the last axis,
// except KL divergence, which sums), their gradients, and the metrics computed the direct way
// (AUC: every threshold compared with every prediction, no buckets).

const EPS = 1e-7;

export type ExtraLoss = 'huber' | 'logCosh' | 'mape' | 'msle' | 'kld' | 'poisson';

/** The loss of one entry (before the mean over the row) and its derivative in the prediction. */
export function entryLoss(kind: ExtraLoss, p: number, t: number, delta = 1): { l: number; d: number } {
  switch (kind) {
    case 'huber': {
      const e = p - t;
      return Math.abs(e) <= delta ? { l: 0.5 * e * e, d: e } : { l: delta * Math.abs(e) - 0.5 * delta * delta, d: delta * Math.sign(e) };
    }
    case 'logCosh': {
      const e = p - t;
      // log(cosh e), written without overflow for large |e|: |e| + log((1 + e^-2|e|)/2).
      return { l: Math.abs(e) + Math.log1p(Math.exp(-2 * Math.abs(e))) - Math.LN2, d: Math.tanh(e) };
    }
    case 'mape': {
      const den = Math.max(Math.abs(t), EPS);
      return { l: (100 * Math.abs(t - p)) / den, d: (100 * Math.sign(p - t)) / den };
    }
    case 'msle': {
      const a = Math.log(Math.max(p, EPS) + 1), b = Math.log(Math.max(t, EPS) + 1);
      return { l: (a - b) ** 2, d: p > EPS ? (2 * (a - b)) / (p + 1) : 0 };
    }
    case 'kld': {
      const tc = Math.min(1, Math.max(EPS, t)), pc = Math.min(1, Math.max(EPS, p));
      return { l: tc * Math.log(tc / pc), d: p >= EPS && p <= 1 ? -tc / pc : 0 };
    }
    case 'poisson':
      return { l: p - t * Math.log(p + EPS), d: 1 - t / (p + EPS) };
  }
}

/** Σ over rows of the per-row loss, and d(Σ)/d(pred): rows of D entries. */
export function lossSum(kind: ExtraLoss, N: number, D: number, pred: ArrayLike<number>, truth: ArrayLike<number>, delta = 1): { sum: number; grad: Float64Array } {
  const grad = new Float64Array(N * D);
  const scale = kind === 'kld' ? 1 : 1 / D;
  let sum = 0;
  for (let i = 0; i < N * D; i++) {
    const { l, d } = entryLoss(kind, pred[i], truth[i], delta);
    sum += l * scale;
    grad[i] = d * scale;
  }
  return { sum, grad };
}

/** Keras Precision/Recall at threshold 0.5 over all entries: p > 0.5 predicts positive, a nonzero target is positive. */
export function precisionRecall(pred: ArrayLike<number>, truth: ArrayLike<number>): { precision: number; recall: number } {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < pred.length; i++) {
    const pos = pred[i] > 0.5, yes = truth[i] !== 0;
    if (pos && yes) tp++;
    else if (pos) fp++;
    else if (yes) fn++;
  }
  return { precision: tp + fp ? tp / (tp + fp) : 0, recall: tp + fn ? tp / (tp + fn) : 0 };
}

/** Keras AUC (num_thresholds 200, curve ROC, summation 'interpolation'), thresholds compared in f32 as Keras does. */
export function kerasAuc(pred: ArrayLike<number>, truth: ArrayLike<number>, T = 200): number {
  const thr = [0 - EPS];
  for (let i = 0; i < T - 2; i++) thr.push(((i + 1) * 1.0) / (T - 1));
  thr.push(1 + EPS);
  const th = thr.map(Math.fround);
  const tpr: number[] = [], fpr: number[] = [];
  for (const t of th) {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    for (let i = 0; i < pred.length; i++) {
      const pos = Math.fround(pred[i]) > t, yes = truth[i] !== 0;
      if (pos && yes) tp++;
      else if (pos) fp++;
      else if (yes) fn++;
      else tn++;
    }
    tpr.push(tp + fn ? tp / (tp + fn) : 0);
    fpr.push(fp + tn ? fp / (fp + tn) : 0);
  }
  let auc = 0;
  for (let j = 0; j < T - 1; j++) auc += (fpr[j] - fpr[j + 1]) * ((tpr[j] + tpr[j + 1]) / 2);
  return auc;
}

/** Keras top_k_categorical_accuracy (tf.math.in_top_k: ties with the k-th score count as in): hits over N rows. */
export function topKHits(N: number, D: number, pred: ArrayLike<number>, target: (r: number) => number, k = 5): number {
  let hits = 0;
  for (let r = 0; r < N; r++) {
    const c = target(r);
    const row = Array.from({ length: D }, (_, j) => pred[r * D + j]);
    const sorted = [...row].sort((a, b) => b - a);
    // In the top k when the target's score is at least the k-th largest.
    if (row[c] >= sorted[Math.min(k, D) - 1]) hits++;
  }
  return hits;
}

/** RMSE over all entries. */
export function rmse(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - truth[i]) ** 2;
  return Math.sqrt(s / pred.length);
}
