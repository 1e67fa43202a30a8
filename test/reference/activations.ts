// Float64 reference activations (codes as assembly/README.md) and a central finite-difference helper.

export const LINEAR = 0, RELU = 1, SIGMOID = 2, TANH = 3, HARD_SIGMOID = 4, SOFTMAX = 5;

export function act(code: number, x: number): number {
  switch (code) {
    case LINEAR: return x;
    case RELU: return x > 0 ? x : 0;
    case SIGMOID: return 1 / (1 + Math.exp(-x));
    case TANH: return Math.tanh(x);
    case HARD_SIGMOID: return Math.min(1, Math.max(0, 0.2 * x + 0.5));
    default: throw new Error(`reference act: code ${code} is not elementwise`);
  }
}

/** f'(x), computed from x (not from the output, so it checks kernels that work from the output). */
export function dact(code: number, x: number): number {
  switch (code) {
    case LINEAR: return 1;
    case RELU: return x > 0 ? 1 : 0;
    case SIGMOID: { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }
    case TANH: { const t = Math.tanh(x); return 1 - t * t; }
    case HARD_SIGMOID: { const u = 0.2 * x + 0.5; return u > 0 && u < 1 ? 0.2 : 0; }
    default: throw new Error(`reference dact: code ${code} is not elementwise`);
  }
}

export function softmaxRow(x: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  const y = new Float64Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (y[i] = Math.exp(x[i] - m));
  for (let i = 0; i < x.length; i++) y[i] /= s;
  return y;
}

/**
 * Central finite differences of a scalar function with respect to every entry of `p` (changed in
 * place and restored): (f(p + h e_i) - f(p - h e_i)) / 2h.
 */
export function numericGrad(f: () => number, p: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    p[i] = v + h; const fp = f();
    p[i] = v - h; const fm = f();
    p[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Largest |a - b| / max(1, |b|): absolute near zero, relative for large values. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
