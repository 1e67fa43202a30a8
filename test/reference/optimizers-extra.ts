// Float64 reference steps for the optimizers of issue 13, written from Keras 3's update_step
// (keras/src/optimizers/{adamw,nadam,adagrad,adamax}.py and base_optimizer.py's weight decay and
// clipping), updating the arrays in place. `step` counts from 1 (Keras's iterations + 1).

/** Keras 3 base optimizer: w -= w·wd·lr before the update (decoupled weight decay). */
export function weightDecayStep(w: Float64Array, lr: number, wd: number): void {
  for (let i = 0; i < w.length; i++) w[i] -= w[i] * wd * lr;
}

/** Keras 3 Adam / AdamW: α = lr·sqrt(1-β2^t)/(1-β1^t), w -= α·m/(sqrt(v)+eps), eps unscaled. */
export function kerasAdamStep(w: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, lr: number, b1: number, b2: number, eps: number, step: number): void {
  const alpha = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
  for (let i = 0; i < w.length; i++) {
    m[i] += (g[i] - m[i]) * (1 - b1);
    v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
    w[i] -= (m[i] * alpha) / (Math.sqrt(v[i]) + eps);
  }
}

/** Keras 3 Nadam, with the running product u_product kept as Keras keeps it (a variable, updated before each step). */
export class NadamRef {
  uProduct = 1;
  constructor(readonly b1: number, readonly b2: number, readonly eps: number) {}
  step(w: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, lr: number, step: number): void {
    const { b1, b2, eps } = this;
    const ut = b1 * (1 - 0.5 * 0.96 ** step);
    const ut1 = b1 * (1 - 0.5 * 0.96 ** (step + 1));
    // _backend_update_step: u_product *= u_t once per step, before the variables' updates.
    this.uProduct *= ut;
    const up = this.uProduct;
    const up1 = up * ut1;
    const b2p = b2 ** step;
    for (let i = 0; i < w.length; i++) {
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      const mHat = (ut1 * m[i]) / (1 - up1) + ((1 - ut) * g[i]) / (1 - up);
      const vHat = v[i] / (1 - b2p);
      w[i] -= (mHat * lr) / (Math.sqrt(vHat) + eps);
    }
  }
}

/** Keras 3 Adagrad: acc (starting at initial_accumulator_value) += g², w -= lr·g/sqrt(acc + eps). */
export function adagradStep(w: Float64Array, g: ArrayLike<number>, acc: Float64Array, lr: number, eps: number): void {
  for (let i = 0; i < w.length; i++) {
    acc[i] += g[i] * g[i];
    w[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
  }
}

/** Keras 3 Adamax: m += (g-m)(1-β1), u = max(β2·u, |g|), w -= lr·m/((1-β1^t)(u+eps)). */
export function adamaxStep(w: Float64Array, g: ArrayLike<number>, m: Float64Array, u: Float64Array, lr: number, b1: number, b2: number, eps: number, step: number): void {
  const b1p = b1 ** step;
  for (let i = 0; i < w.length; i++) {
    m[i] += (g[i] - m[i]) * (1 - b1);
    u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
    w[i] -= (lr * m[i]) / ((1 - b1p) * (u[i] + eps));
  }
}

/** Keras 3 _clip_gradients over a list of gradients (one per weight): clipnorm, else global_clipnorm, else clipvalue. */
export function kerasClip(grads: Float64Array[], o: { clipnorm?: number; globalClipnorm?: number; clipvalue?: number }): void {
  const norm = (g: Float64Array) => Math.sqrt(g.reduce((s, x) => s + x * x, 0));
  if (o.clipnorm) {
    for (const g of grads) {
      const n = norm(g);
      for (let i = 0; i < g.length; i++) g[i] = (g[i] * o.clipnorm) / Math.max(n, o.clipnorm);
    }
  } else if (o.globalClipnorm) {
    const n = Math.sqrt(grads.reduce((s, g) => s + norm(g) ** 2, 0));
    // tf.clip_by_global_norm: t · clip_norm / max(global_norm, clip_norm)
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = (g[i] * o.globalClipnorm) / Math.max(n, o.globalClipnorm);
  } else if (o.clipvalue) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = Math.min(o.clipvalue, Math.max(-o.clipvalue, g[i]));
  }
}
