// Losses and metrics. ABI: README.md in this folder.
// N = rows, D = features per row. yPred [N, D]; yTrue [N, D], or [N] class ids (as f32) for the
// sparse kinds. Every loss returns the sum over rows of the per-row loss, in f64, and writes
// grad = gradScale · d(sum)/d(yPred) when grad != 0.
//
// Keras semantics: mse, mae and binary cross-entropy are means over D per row; categorical
// cross-entropy sums over D. Probabilities are clipped to [EPS, 1 - EPS] (Keras epsilon) and get no
// gradient where the clip is active, as tf.clipByValue. The from-logits kinds never form a
// probability: log-sum-exp with the row max subtracted, so saturated logits stay finite.
import {
  LOSS_MSE, LOSS_MAE, LOSS_BCE, LOSS_BCE_LOGITS, LOSS_CCE, LOSS_CCE_LOGITS, LOSS_SPARSE_CCE, LOSS_SPARSE_CCE_LOGITS,
  METRIC_MAE, METRIC_MSE, METRIC_BINARY_ACC, METRIC_CATEGORICAL_ACC, METRIC_SPARSE_ACC,
} from "./abi";

const EPS: f64 = 1e-7;

// @ts-ignore: decorator
@inline function hi_half(x: v128): v128 {
  return v128.shuffle<f32>(x, x, 2, 3, 2, 3);
}

// mse and mae: the per-row mean over D summed over rows is the flat sum over N·D divided by D, so
// the rows need no tails of their own. Differences are f32, their squares and the sum f64.
function mse_mae(abs: bool, n: i32, D: i32, p: usize, t: usize, grad: usize, gradScale: f32): f64 {
  const k: f32 = abs ? gradScale / <f32>D : 2 * gradScale / <f32>D;
  const kv = f32x4.splat(k);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(p + o), v128.load(t + o));
    if (abs) {
      const ad = f32x4.abs(d);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(ad));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(hi_half(ad)));
      // sign(d)·k, and 0 where d == 0 (as tf.sign)
      if (grad) v128.store(grad + o, f32x4.sub(v128.and(f32x4.gt(d, f32x4.splat(0)), kv), v128.and(f32x4.lt(d, f32x4.splat(0)), kv)));
    } else {
      const lo = f64x2.promote_low_f32x4(d), hi = f64x2.promote_low_f32x4(hi_half(d));
      a0 = f64x2.add(a0, f64x2.mul(lo, lo));
      a1 = f64x2.add(a1, f64x2.mul(hi, hi));
      if (grad) v128.store(grad + o, f32x4.mul(d, kv));
    }
  }
  const acc = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(p + o) - load<f32>(t + o);
    if (abs) {
      s += <f64>Mathf.abs(d);
      if (grad) store<f32>(grad + o, d > 0 ? k : d < 0 ? -k : 0);
    } else {
      s += <f64>d * <f64>d;
      if (grad) store<f32>(grad + o, d * k);
    }
  }
  return s / <f64>D;
}

// -(t·log p + (1-t)·log(1-p)) on clipped p, over all N·D entries (each row's mean is taken by
// dividing the total by D).
function bce_prob(n: i32, D: i32, p: usize, t: usize, grad: usize, gradScale: f32): f64 {
  const k = <f64>gradScale / <f64>D;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pr = <f64>load<f32>(p + o), tv = <f64>load<f32>(t + o);
    const pc = pr < EPS ? EPS : pr > 1 - EPS ? 1 - EPS : pr;
    s -= tv * Math.log(pc) + (1 - tv) * Math.log(1 - pc);
    if (grad) {
      const inside = pr >= EPS && pr <= 1 - EPS;
      store<f32>(grad + o, inside ? <f32>(k * ((1 - tv) / (1 - pc) - tv / pc)) : 0);
    }
  }
  return s / <f64>D;
}

// From logits z: max(z, 0) - z·t + log(1 + e^-|z|), which equals the clip-free cross-entropy of
// sigmoid(z) and never exponentiates a positive number. Gradient sigmoid(z) - t.
function bce_logits(n: i32, D: i32, z: usize, t: usize, grad: usize, gradScale: f32): f64 {
  const k = <f64>gradScale / <f64>D;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const zv = <f64>load<f32>(z + o), tv = <f64>load<f32>(t + o);
    const e = Math.exp(-Math.abs(zv));
    s += (zv > 0 ? zv : 0) - zv * tv + Math.log1p(e);
    if (grad) {
      const sig = zv >= 0 ? 1 / (1 + e) : e / (1 + e);
      store<f32>(grad + o, <f32>(k * (sig - tv)));
    }
  }
  return s / <f64>D;
}

// The target of row entry j: a row of yTrue, or the one-hot of class id `cls` when tRow is 0.
// @ts-ignore: decorator
@inline function target(tRow: usize, cls: i32, j: i32): f64 {
  return tRow ? <f64>load<f32>(tRow + (<usize>j << 2)) : (j == cls ? 1.0 : 0.0);
}

// As Keras/TF.js: q = p / Σp, clipped, loss -Σ t·log q. With a_j = -t_j/q_j where q_j is not
// clipped (else 0), d/dp_k = (a_k - Σ_j a_j q_j) / Σp: the normalization's share of the gradient
// vanishes exactly when Σt = 1 and Σp = 1, which is the usual softmax case.
function cce_prob_row(D: i32, p: usize, tRow: usize, cls: i32, grad: usize, gradScale: f32): f64 {
  let S: f64 = 0;
  for (let j = 0; j < D; j++) S += <f64>load<f32>(p + (<usize>j << 2));
  // An all-zero row (or a negative sum, which no probability row has) is left unnormalized: the clip
  // then bounds the loss, and no entry gets a gradient.
  if (!(S > 1e-30)) S = 1;
  let loss: f64 = 0, aq: f64 = 0;
  for (let j = 0; j < D; j++) {
    const tv = target(tRow, cls, j);
    const q = <f64>load<f32>(p + (<usize>j << 2)) / S;
    const qc = q < EPS ? EPS : q > 1 - EPS ? 1 - EPS : q;
    if (tv != 0) loss -= tv * Math.log(qc);
    if (q >= EPS && q <= 1 - EPS) aq -= tv;
  }
  if (grad) {
    const k = <f64>gradScale / S;
    for (let j = 0; j < D; j++) {
      const tv = target(tRow, cls, j);
      const q = <f64>load<f32>(p + (<usize>j << 2)) / S;
      const a = q >= EPS && q <= 1 - EPS ? -tv / q : 0.0;
      store<f32>(grad + (<usize>j << 2), <f32>(k * (a - aq)));
    }
  }
  return loss;
}

// Σ_j t_j·(lse(z) - z_j) with lse = m + log Σ e^(z - m); the gradient softmax(z)·Σt - t.
function cce_logits_row(D: i32, z: usize, tRow: usize, cls: i32, grad: usize, gradScale: f32): f64 {
  let m: f64 = -Infinity;
  for (let j = 0; j < D; j++) m = max<f64>(m, <f64>load<f32>(z + (<usize>j << 2)));
  let s: f64 = 0, st: f64 = 0, stz: f64 = 0;
  for (let j = 0; j < D; j++) {
    const zm = <f64>load<f32>(z + (<usize>j << 2)) - m;
    const tv = target(tRow, cls, j);
    s += Math.exp(zm);
    st += tv;
    stz += tv * zm;
  }
  // s >= 1 (the max contributes e^0), so the log is finite however large the logits.
  const ls = Math.log(s);
  if (grad) {
    const k = <f64>gradScale, w = st / s;
    for (let j = 0; j < D; j++) {
      const zm = <f64>load<f32>(z + (<usize>j << 2)) - m;
      store<f32>(grad + (<usize>j << 2), <f32>(k * (Math.exp(zm) * w - target(tRow, cls, j))));
    }
  }
  return st * ls - stz;
}

// @ts-ignore: decorator
@inline function class_id(v: f32, D: i32): i32 {
  return v >= 0 && v < <f32>D && Mathf.floor(v) == v ? <i32>v : -1;
}

export function loss_forward_backward(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, grad: usize, gradScale: f32): f64 {
  if (N <= 0 || D <= 0) return 0;
  const n = N * D;
  switch (kind) {
    case LOSS_MSE: return mse_mae(false, n, D, yPred, yTrue, grad, gradScale);
    case LOSS_MAE: return mse_mae(true, n, D, yPred, yTrue, grad, gradScale);
    case LOSS_BCE: return bce_prob(n, D, yPred, yTrue, grad, gradScale);
    case LOSS_BCE_LOGITS: return bce_logits(n, D, yPred, yTrue, grad, gradScale);
    case LOSS_CCE:
    case LOSS_CCE_LOGITS: {
      let s: f64 = 0;
      for (let r = 0; r < N; r++) {
        const o = <usize>r * D << 2;
        s += kind == LOSS_CCE
          ? cce_prob_row(D, yPred + o, yTrue + o, 0, grad ? grad + o : 0, gradScale)
          : cce_logits_row(D, yPred + o, yTrue + o, 0, grad ? grad + o : 0, gradScale);
      }
      return s;
    }
    case LOSS_SPARSE_CCE:
    case LOSS_SPARSE_CCE_LOGITS: {
      let s: f64 = 0;
      for (let r = 0; r < N; r++) {
        const o = <usize>r * D << 2;
        const c = class_id(load<f32>(yTrue + (<usize>r << 2)), D);
        if (c < 0) {
          // src/ checks class ids before training; should one slip through, the loss says so
          // (NaN) and the row pushes no gradient.
          s += NaN;
          if (grad) memory.fill(grad + o, 0, <usize>D << 2);
          continue;
        }
        s += kind == LOSS_SPARSE_CCE
          ? cce_prob_row(D, yPred + o, 0, c, grad ? grad + o : 0, gradScale)
          : cce_logits_row(D, yPred + o, 0, c, grad ? grad + o : 0, gradScale);
      }
      return s;
    }
    default: return NaN;
  }
}

// First index of the row's largest entry (as tf.argMax); NaN entries never win.
function argmax_row(D: i32, p: usize): i32 {
  let best = 0;
  let bv = load<f32>(p);
  for (let j = 1; j < D; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v > bv || (bv != bv && v == v)) { bv = v; best = j; }
  }
  return best;
}

// mae and mse ignore fromLogits (they compare outputs); accuracies threshold at 0.5, or at 0 for
// logits, and argmax is the same for logits and probabilities.
export function metric_sum(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, fromLogits: i32): f64 {
  if (N <= 0 || D <= 0) return 0;
  const n = N * D;
  switch (kind) {
    case METRIC_MAE: return mse_mae(true, n, D, yPred, yTrue, 0, 0);
    case METRIC_MSE: return mse_mae(false, n, D, yPred, yTrue, 0, 0);
    case METRIC_BINARY_ACC: {
      // As Keras binary_accuracy: the target must equal the thresholded prediction exactly.
      const thr: f32 = fromLogits ? 0 : 0.5;
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const o = <usize>i << 2;
        const pred: f32 = load<f32>(yPred + o) > thr ? 1 : 0;
        if (load<f32>(yTrue + o) == pred) hits++;
      }
      return <f64>hits / <f64>D;
    }
    case METRIC_CATEGORICAL_ACC: {
      let hits = 0;
      for (let r = 0; r < N; r++) {
        const o = <usize>r * D << 2;
        if (argmax_row(D, yPred + o) == argmax_row(D, yTrue + o)) hits++;
      }
      return <f64>hits;
    }
    case METRIC_SPARSE_ACC: {
      let hits = 0;
      for (let r = 0; r < N; r++) {
        if (<f32>argmax_row(D, yPred + (<usize>r * D << 2)) == load<f32>(yTrue + (<usize>r << 2))) hits++;
      }
      return <f64>hits;
    }
    default: return NaN;
  }
}

// Per-sample weights (Keras's sample_weight and class_weight): rows come in groups of R per sample
// (a sequence output has T rows per sample), sample s = r / R weighs its rows by w[s]. Returns
// Σ_r w[r/R]·loss_r, and grad = gradScale·w[r/R]·d(loss_r)/d(yPred) when grad != 0. The caller
// divides by the number of rows (Keras's reduction is over the batch size, not the weights' sum).
export function loss_forward_backward_weighted(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, grad: usize, gradScale: f32, weights: usize, R: i32): f64 {
  if (N <= 0 || D <= 0 || R <= 0) return 0;
  const sparse = kind == LOSS_SPARSE_CCE || kind == LOSS_SPARSE_CCE_LOGITS;
  let s: f64 = 0;
  for (let r0 = 0; r0 < N; r0 += R) {
    const rows = min<i32>(R, N - r0);
    const w = load<f32>(weights + (<usize>(r0 / R) << 2));
    const o = <usize>r0 * D << 2;
    const ot = sparse ? <usize>r0 << 2 : o;
    const l = loss_forward_backward(kind, rows, D, yPred + o, yTrue + ot, grad ? grad + o : 0, gradScale * w);
    // A sample of weight 0 adds nothing, even where its loss is not finite (as a mask).
    if (w != 0) s += <f64>w * l;
  }
  return s;
}
