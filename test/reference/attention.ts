// Float64 references of the attention kernels (assembly/attention.ts), same layouts and arguments:
// per (batch b, head h) a block of rows of D floats at b·T·ld + h·D with row stride ld; scores and
// weights [B, H, Tq, Tv]; masks kmask [B, Tv], qmask [B, Tq], amask [B, Tq, Tv] (null: absent; a
// non-zero value keeps), causal: query i sees keys j ≤ i. A masked logit is -1e9.
// Checked against central finite differences in test/reference-attention.test.ts.

export const NEG = -1e9;

export interface Masks {
  kmask?: ArrayLike<number> | null;
  qmask?: ArrayLike<number> | null;
  amask?: ArrayLike<number> | null;
  causal?: boolean;
}

export interface Dims { B: number; H: number; Tq: number; Tv: number }

const at = (b: number, h: number, t: number, T: number, ld: number, D: number, d: number) => (b * T + t) * ld + h * D + d;

/** Whether query i of batch b may see key j. */
export function kept(m: Masks, Tq: number, Tv: number, b: number, i: number, j: number): boolean {
  if (m.causal && j > i) return false;
  if (m.qmask && m.qmask[b * Tq + i] === 0) return false;
  if (m.kmask && m.kmask[b * Tv + j] === 0) return false;
  if (m.amask && m.amask[(b * Tq + i) * Tv + j] === 0) return false;
  return true;
}

/** s[b, h, i, j] = Σ_d q[b, i, h, d] · k[b, j, h, d]. */
export function scores(d: Dims, D: number, q: ArrayLike<number>, ldq: number, k: ArrayLike<number>, ldk: number): Float64Array {
  const { B, H, Tq, Tv } = d;
  const s = new Float64Array(B * H * Tq * Tv);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
    let acc = 0;
    for (let e = 0; e < D; e++) acc += q[at(b, h, i, Tq, ldq, D, e)] * k[at(b, h, j, Tv, ldk, D, e)];
    s[((b * H + h) * Tq + i) * Tv + j] = acc;
  }
  return s;
}

/** dq [B·Tq·ldq] = dS·K, dk [B·Tv·ldk] = dSᵀ·Q (the floats outside the head blocks stay 0). */
export function scoresBackward(d: Dims, D: number, q: ArrayLike<number>, ldq: number, k: ArrayLike<number>, ldk: number, ds: ArrayLike<number>): { dq: Float64Array; dk: Float64Array } {
  const { B, H, Tq, Tv } = d;
  const dq = new Float64Array(B * Tq * ldq), dk = new Float64Array(B * Tv * ldk);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
    const g = ds[((b * H + h) * Tq + i) * Tv + j];
    for (let e = 0; e < D; e++) {
      dq[at(b, h, i, Tq, ldq, D, e)] += g * k[at(b, h, j, Tv, ldk, D, e)];
      dk[at(b, h, j, Tv, ldk, D, e)] += g * q[at(b, h, i, Tq, ldq, D, e)];
    }
  }
  return { dq, dk };
}

/** p = softmax over rows of (kept ? scale·s : -1e9). */
export function softmax(d: Dims, scale: number, s: ArrayLike<number>, m: Masks): Float64Array {
  const { B, H, Tq, Tv } = d;
  const p = new Float64Array(B * H * Tq * Tv);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) {
    const r = ((b * H + h) * Tq + i) * Tv;
    let mx = -Infinity;
    for (let j = 0; j < Tv; j++) { p[r + j] = kept(m, Tq, Tv, b, i, j) ? scale * s[r + j] : NEG; mx = Math.max(mx, p[r + j]); }
    let sum = 0;
    for (let j = 0; j < Tv; j++) sum += (p[r + j] = Math.exp(p[r + j] - mx));
    for (let j = 0; j < Tv; j++) p[r + j] /= sum;
  }
  return p;
}

/** ds = dL/ds and dscale = dL/dscale given p = softmax(scale, s, m) and dp = dL/dp. */
export function softmaxBackward(d: Dims, scale: number, s: ArrayLike<number>, p: ArrayLike<number>, dp: ArrayLike<number>, m: Masks): { ds: Float64Array; dscale: number } {
  const { B, H, Tq, Tv } = d;
  const ds = new Float64Array(B * H * Tq * Tv);
  let dscale = 0;
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) {
    const r = ((b * H + h) * Tq + i) * Tv;
    let dot = 0;
    for (let j = 0; j < Tv; j++) dot += p[r + j] * dp[r + j];
    for (let j = 0; j < Tv; j++) {
      const g = kept(m, Tq, Tv, b, i, j) ? p[r + j] * (dp[r + j] - dot) : 0;
      ds[r + j] = scale * g;
      dscale += g * s[r + j];
    }
  }
  return { ds, dscale };
}

/** o[b, i, h, :] = Σ_j p[b, h, i, j] · v[b, j, h, :]; o has B·Tq·ldo floats. */
export function apply(d: Dims, D: number, p: ArrayLike<number>, v: ArrayLike<number>, ldv: number, ldo: number): Float64Array {
  const { B, H, Tq, Tv } = d;
  const o = new Float64Array(B * Tq * ldo);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
    const w = p[((b * H + h) * Tq + i) * Tv + j];
    for (let e = 0; e < D; e++) o[at(b, h, i, Tq, ldo, D, e)] += w * v[at(b, h, j, Tv, ldv, D, e)];
  }
  return o;
}

export function applyBackward(d: Dims, D: number, p: ArrayLike<number>, v: ArrayLike<number>, ldv: number, dout: ArrayLike<number>, ldo: number): { dp: Float64Array; dv: Float64Array } {
  const { B, H, Tq, Tv } = d;
  const dp = new Float64Array(B * H * Tq * Tv), dv = new Float64Array(B * Tv * ldv);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
    const r = ((b * H + h) * Tq + i) * Tv + j;
    let acc = 0;
    for (let e = 0; e < D; e++) {
      acc += dout[at(b, h, i, Tq, ldo, D, e)] * v[at(b, h, j, Tv, ldv, D, e)];
      dv[at(b, h, j, Tv, ldv, D, e)] += p[r] * dout[at(b, h, i, Tq, ldo, D, e)];
    }
    dp[r] = acc;
  }
  return { dp, dv };
}

/** s[b, i, j] = c · Σ_d w_d · tanh(a · (q[b, i, d] + k[b, j, d])); w null: ones. */
export function additiveScores(B: number, Tq: number, Tv: number, D: number, q: ArrayLike<number>, k: ArrayLike<number>, w: ArrayLike<number> | null, a: number, c: number): Float64Array {
  const s = new Float64Array(B * Tq * Tv);
  for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
    let acc = 0;
    for (let e = 0; e < D; e++) acc += (w ? w[e] : 1) * Math.tanh(a * (q[(b * Tq + i) * D + e] + k[(b * Tv + j) * D + e]));
    s[(b * Tq + i) * Tv + j] = c * acc;
  }
  return s;
}

export function additiveBackward(B: number, Tq: number, Tv: number, D: number, q: ArrayLike<number>, k: ArrayLike<number>, w: ArrayLike<number> | null, a: number, c: number, ds: ArrayLike<number>): { dq: Float64Array; dk: Float64Array; dw: Float64Array; da: number; dc: number } {
  const dq = new Float64Array(B * Tq * D), dk = new Float64Array(B * Tv * D), dw = new Float64Array(D);
  let da = 0, dc = 0;
  for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) {
    const g = ds[(b * Tq + i) * Tv + j];
    for (let e = 0; e < D; e++) {
      const x = q[(b * Tq + i) * D + e] + k[(b * Tv + j) * D + e];
      const t = Math.tanh(a * x);
      const we = w ? w[e] : 1;
      const du = g * c * we * (1 - t * t);
      dq[(b * Tq + i) * D + e] += a * du;
      dk[(b * Tv + j) * D + e] += a * du;
      dw[e] += g * c * t;
      da += du * x;
      dc += g * we * t;
    }
  }
  return { dq, dk, dw, da, dc };
}
