// Float64 reference optimizer steps, written the way their sources state them (Keras SGD and
// RMSprop, TF.js Adam), updating the arrays in place. Hyperparameters are passed as the kernels get
// them, already rounded to f32 by the caller where that matters.

export function sgdStep(w: Float64Array, g: ArrayLike<number>, vel: Float64Array, lr: number, momentum: number, nesterov: boolean): void {
  for (let i = 0; i < w.length; i++) {
    if (momentum === 0) { w[i] -= lr * g[i]; continue; }
    vel[i] = momentum * vel[i] - lr * g[i];
    w[i] += nesterov ? momentum * vel[i] - lr * g[i] : vel[i];
  }
}

/** TF.js AdamOptimizer: bias-corrected moments, w -= lr · m̂ / (sqrt(v̂) + eps). step counts from 1. */
export function adamStep(w: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, lr: number, beta1: number, beta2: number, eps: number, step: number): void {
  const c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step;
  for (let i = 0; i < w.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    const mh = m[i] / c1, vh = v[i] / c2;
    w[i] -= lr * mh / (Math.sqrt(vh) + eps);
  }
}

/** Keras RMSprop: without momentum w -= lr·g/(sqrt(ms)+eps); with it, a momentum slot carries the step. */
export function rmspropStep(w: Float64Array, g: ArrayLike<number>, ms: Float64Array, mom: Float64Array, lr: number, rho: number, eps: number, momentum: number): void {
  for (let i = 0; i < w.length; i++) {
    ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
    const d = lr * g[i] / (Math.sqrt(ms[i]) + eps);
    if (momentum === 0) { w[i] -= d; continue; }
    mom[i] = momentum * mom[i] + d;
    w[i] -= mom[i];
  }
}
