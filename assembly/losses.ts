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
  LOSS_HUBER, LOSS_LOG_COSH, LOSS_MAPE, LOSS_MSLE, LOSS_KLD, LOSS_POISSON,
  METRIC_TOP_K_CATEGORICAL, METRIC_SPARSE_TOP_K_CATEGORICAL, METRIC_RMSE, METRIC_PRECISION, METRIC_RECALL, METRIC_AUC,
  AUC_THRESHOLDS,
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

// The elementwise losses of Keras 3 beyond mse/mae, over all N·D entries; e = p - t. Means over D
// per row, except KLD, which sums over D (as Keras). Values and gradients in f64.
//   huber     |e| <= δ ? e²/2 : δ|e| - δ²/2                d: |e| <= δ ? e : δ·sign(e)
//   logCosh   e + softplus(-2e) - log 2  (= log cosh e)    d: tanh e
//   mape      100·|e| / max(|t|, eps)                      d: 100·sign(e) / max(|t|, eps)
//   msle      (log(max(p, eps) + 1) - log(max(t, eps) + 1))²   d: 2·diff / (p + 1) where p > eps, else 0
//   kld       t'·log(t'/p') with t', p' clipped to [eps, 1]    d: -t'/p' where p is inside the clip, else 0
//   poisson   p - t·log(p + eps)                           d: 1 - t / (p + eps)
function elementwise_loss(kind: i32, n: i32, D: i32, p: usize, t: usize, grad: usize, gradScale: f32, param: f32): f64 {
  const mean = kind != LOSS_KLD;
  const k = mean ? <f64>gradScale / <f64>D : <f64>gradScale;
  const delta = <f64>param;
  const LN2: f64 = Math.LN2;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pv = <f64>load<f32>(p + o), tv = <f64>load<f32>(t + o);
    const e = pv - tv;
    let l: f64 = 0, d: f64 = 0;
    switch (kind) {
      case LOSS_HUBER: {
        const a = Math.abs(e);
        if (a <= delta) {
          l = 0.5 * e * e;
          d = e;
        } else {
          l = delta * a - 0.5 * delta * delta;
          d = e > 0 ? delta : -delta;
        }
        break;
      }
      case LOSS_LOG_COSH: {
        // softplus(-2e) = max(-2e, 0) + log1p(e^-|2e|): finite for any e.
        const x = -2 * e;
        l = e + (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x))) - LN2;
        d = Math.tanh(e);
        break;
      }
      case LOSS_MAPE: {
        const den = max<f64>(Math.abs(tv), EPS);
        l = 100 * Math.abs(e) / den;
        d = e > 0 ? 100 / den : e < 0 ? -100 / den : 0;
        break;
      }
      case LOSS_MSLE: {
        const pc = max<f64>(pv, EPS);
        const diff = Math.log(pc + 1) - Math.log(max<f64>(tv, EPS) + 1);
        l = diff * diff;
        d = pv > EPS ? 2 * diff / (pc + 1) : 0;
        break;
      }
      case LOSS_KLD: {
        const tc = tv < EPS ? EPS : tv > 1 ? 1 : tv;
        const pc = pv < EPS ? EPS : pv > 1 ? 1 : pv;
        l = tc * Math.log(tc / pc);
        d = pv >= EPS && pv <= 1 ? -tc / pc : 0;
        break;
      }
      case LOSS_POISSON: {
        l = pv - tv * Math.log(pv + EPS);
        d = 1 - tv / (pv + EPS);
        break;
      }
      default:
        l = NaN;
    }
    s += l;
    if (grad) store<f32>(grad + o, <f32>(k * d));
  }
  return mean ? s / <f64>D : s;
}

// param: the loss's parameter (Huber's delta); the other kinds ignore it.
export function loss_forward_backward(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, grad: usize, gradScale: f32, param: f32): f64 {
  if (N <= 0 || D <= 0) return 0;
  const n = N * D;
  switch (kind) {
    case LOSS_HUBER:
    case LOSS_LOG_COSH:
    case LOSS_MAPE:
    case LOSS_MSLE:
    case LOSS_KLD:
    case LOSS_POISSON:
      return elementwise_loss(kind, n, D, yPred, yTrue, grad, gradScale, param);
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
// logits, and argmax is the same for logits and probabilities. param: top-k's k (a positive
// integer; anything else, NaN included, means Keras's default 5); the other kinds ignore it.
export function metric_sum(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, fromLogits: i32, param: f32): f64 {
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
    case METRIC_TOP_K_CATEGORICAL:
    case METRIC_SPARSE_TOP_K_CATEGORICAL: {
      // As tf.math.in_top_k (Keras's top_k_categorical_accuracy, k = 5): a hit when fewer than k
      // entries score strictly higher than the target class, so ties at the boundary count as in.
      const k: i32 = param >= 1 && param < 2147483647 ? <i32>param : 5;
      let hits = 0;
      for (let r = 0; r < N; r++) {
        const pRow = yPred + (<usize>r * D << 2);
        let c: i32;
        if (kind == METRIC_TOP_K_CATEGORICAL) c = argmax_row(D, yTrue + (<usize>r * D << 2));
        else c = class_id(load<f32>(yTrue + (<usize>r << 2)), D);
        if (c < 0) continue;
        const pc = load<f32>(pRow + (<usize>c << 2));
        if (pc != pc) continue;
        let above = 0;
        for (let j = 0; j < D; j++) if (load<f32>(pRow + (<usize>j << 2)) > pc) above++;
        if (above < k) hits++;
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
export function loss_forward_backward_weighted(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, grad: usize, gradScale: f32, weights: usize, R: i32, param: f32): f64 {
  if (N <= 0 || D <= 0 || R <= 0) return 0;
  const sparse = kind == LOSS_SPARSE_CCE || kind == LOSS_SPARSE_CCE_LOGITS;
  let s: f64 = 0;
  for (let r0 = 0; r0 < N; r0 += R) {
    const rows = min<i32>(R, N - r0);
    const w = load<f32>(weights + (<usize>(r0 / R) << 2));
    const o = <usize>r0 * D << 2;
    const ot = sparse ? <usize>r0 << 2 : o;
    const l = loss_forward_backward(kind, rows, D, yPred + o, yTrue + ot, grad ? grad + o : 0, gradScale * w, param);
    // A sample of weight 0 adds nothing, even where its loss is not finite (as a mask).
    if (w != 0) s += <f64>w * l;
  }
  return s;
}

// ---- Metrics kept over an epoch (Keras's stateful metrics) --------------------------------------
// The caller owns an f64 state of metric_state_size(kind) entries, zeroed at the start of an epoch
// (or of an evaluate); metric_state_acc adds a batch into it, metric_state_result reads the value.
//   rmse        [Σ rows' mean squared error, rows]               → sqrt(s0 / s1)
//   precision,  [tp, fp, fn, tn] at threshold 0.5 (p > 0.5 predicts positive; a nonzero target is
//   recall       positive)                                       → tp/(tp+fp), tp/(tp+fn); 0 when 0/0
//   auc         [pos[0..T], neg[0..T]]: entries counted by m, the number of Keras's T thresholds
//               below them (thresholds -eps, 1/(T-1), …, (T-2)/(T-1), 1+eps; p > thr is positive),
//               so tp at threshold j is Σ_{m > j} pos[m]. Result: ROC, trapezoids (Keras's default
//               summation_method 'interpolation').

export function metric_state_size(kind: i32): i32 {
  switch (kind) {
    case METRIC_RMSE: return 2;
    case METRIC_PRECISION:
    case METRIC_RECALL: return 4;
    case METRIC_AUC: return 2 * (AUC_THRESHOLDS + 1);
    default: return 0;
  }
}

// Keras AUC's threshold j, in f32 as Keras compares it.
// @ts-ignore: decorator
@inline function auc_threshold(j: i32): f32 {
  if (j <= 0) return <f32>(0.0 - EPS);
  if (j >= AUC_THRESHOLDS - 1) return <f32>(1.0 + EPS);
  return <f32>(<f64>j / <f64>(AUC_THRESHOLDS - 1));
}

// How many thresholds lie strictly below p (NaN: none).
function thresholds_below(p: f32): i32 {
  if (!(p > auc_threshold(0))) return 0;
  let j = <i32>Mathf.floor(min<f32>(max<f32>(p, 0), 1) * <f32>(AUC_THRESHOLDS - 1));
  if (j > AUC_THRESHOLDS - 1) j = AUC_THRESHOLDS - 1;
  if (j < 0) j = 0;
  while (j + 1 <= AUC_THRESHOLDS - 1 && p > auc_threshold(j + 1)) j++;
  while (j >= 1 && !(p > auc_threshold(j))) j--;
  return j + 1;
}

export function metric_state_acc(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, state: usize): void {
  if (N <= 0 || D <= 0) return;
  const n = N * D;
  switch (kind) {
    case METRIC_RMSE: {
      store<f64>(state, load<f64>(state) + mse_mae(false, n, D, yPred, yTrue, 0, 0));
      store<f64>(state + 8, load<f64>(state + 8) + <f64>N);
      break;
    }
    case METRIC_PRECISION:
    case METRIC_RECALL: {
      let tp: f64 = 0, fp: f64 = 0, fn: f64 = 0, tn: f64 = 0;
      for (let i = 0; i < n; i++) {
        const o = <usize>i << 2;
        const pos = load<f32>(yPred + o) > 0.5;
        const truth = load<f32>(yTrue + o) != 0;
        if (pos) { if (truth) tp++; else fp++; } else { if (truth) fn++; else tn++; }
      }
      store<f64>(state, load<f64>(state) + tp);
      store<f64>(state + 8, load<f64>(state + 8) + fp);
      store<f64>(state + 16, load<f64>(state + 16) + fn);
      store<f64>(state + 24, load<f64>(state + 24) + tn);
      break;
    }
    case METRIC_AUC: {
      const neg = state + (<usize>(AUC_THRESHOLDS + 1) << 3);
      for (let i = 0; i < n; i++) {
        const o = <usize>i << 2;
        const at = <usize>thresholds_below(load<f32>(yPred + o)) << 3;
        const base = load<f32>(yTrue + o) != 0 ? state : neg;
        store<f64>(base + at, load<f64>(base + at) + 1);
      }
      break;
    }
    default: break;
  }
}

// @ts-ignore: decorator
@inline function div_no_nan(a: f64, b: f64): f64 {
  return b == 0 ? 0 : a / b;
}

export function metric_state_result(kind: i32, state: usize): f64 {
  switch (kind) {
    case METRIC_RMSE: return Math.sqrt(div_no_nan(load<f64>(state), load<f64>(state + 8)));
    case METRIC_PRECISION: {
      const tp = load<f64>(state);
      return div_no_nan(tp, tp + load<f64>(state + 8));
    }
    case METRIC_RECALL: {
      const tp = load<f64>(state);
      return div_no_nan(tp, tp + load<f64>(state + 16));
    }
    case METRIC_AUC: {
      const T = AUC_THRESHOLDS;
      const neg = state + (<usize>(T + 1) << 3);
      let P: f64 = 0, Q: f64 = 0;
      for (let m = 0; m <= T; m++) {
        P += load<f64>(state + (<usize>m << 3));
        Q += load<f64>(neg + (<usize>m << 3));
      }
      // Walk the thresholds from the highest down: tp_j = Σ_{m > j} pos[m].
      let tp: f64 = 0, fp: f64 = 0;
      for (let m = T; m > T - 1; m--) {
        tp += load<f64>(state + (<usize>m << 3));
        fp += load<f64>(neg + (<usize>m << 3));
      }
      let tprHi = div_no_nan(tp, P), fprHi = div_no_nan(fp, Q);
      let auc: f64 = 0;
      for (let j = T - 2; j >= 0; j--) {
        tp += load<f64>(state + (<usize>(j + 1) << 3));
        fp += load<f64>(neg + (<usize>(j + 1) << 3));
        const tpr = div_no_nan(tp, P), fpr = div_no_nan(fp, Q);
        auc += (fpr - fprHi) * (tpr + tprHi) * 0.5;
        tprHi = tpr;
        fprHi = fpr;
      }
      return auc;
    }
    default: return NaN;
  }
}
