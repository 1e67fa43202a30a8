// Conv1D and the 1-D pooling layers (Keras semantics, channels last). ABI: README.md in this folder.
// B batch, T input steps, C input channels, F filters, K kernel size, s stride, d dilation, padL the
// zeros before step 0 (valid 0; same ⌊total/2⌋; causal (K-1)·d), To output steps (src/ computes
// them). Output step t reads input steps t·s − padL + k·d, k < K; steps outside [0, T) are zeros.
//
// conv1d: im2col, then the packed GEMM. `cols [B·To, K·C]` holds each output step's receptive field
// (row (b, t) = x[b, t·s − padL + k·d, :] for k = 0 … K−1, zeros outside), so y = cols · W with W
// [K, C, F] seen as [K·C, F] (Keras's layout is exactly that). Backward: dW = colsᵀ · dZ, db = Σ dZ,
// dcols = dZ · Wᵀ (written over cols, which the backward pass no longer needs), and col2im adds
// dcols back into dx. A direct form (no cols: K GEMMs per sample over x's rows at stride s, W[k]
// packed once; backward K GEMMs per sample for dW and for dx) was measured against this on both
// builds: for C ≥ 4 the two stay within about ±25% of each other, neither ahead on every shape,
// but for C = 1 (a univariate series' first layer) the direct form is 2–2.5× slower forward and
// 2–3× slower in training (its GEMMs have K = C: one multiply-add per loaded tile row), and with
// strides > 1 it is slower forward too. So im2col, one GEMM per product.
import { ACT_SOFTMAX, POOL_MAX } from "./abi";
import { gemm, gemm_scratch_size } from "./gemm";
import { act_forward, act_backward, softmax_rows, softmax_rows_backward } from "./activations";

// ---- helpers ---------------------------------------------------------------------------------------

// dst[i] += src[i] over n floats.
// @ts-ignore: decorator
@inline function add_into(n: i32, src: usize, dst: usize): void {
  const n4 = <usize>(n & ~3) << 2, end = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < end; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

// ---- conv1d ---------------------------------------------------------------------------------------

// Floats of the cols buffer: [B·To, K·C].
export function conv1d_cols_size(B: i32, To: i32, C: i32, K: i32): i32 {
  return B * To * K * C;
}

// One buffer serves the three products in turn: cols·W packs W [KC, F], colsᵀ·dZ packs dZ [B·To, F],
// dZ·Wᵀ packs Wᵀ [F, KC].
export function conv1d_scratch_size(B: i32, To: i32, C: i32, F: i32, K: i32): i32 {
  const KC = K * C, M = B * To;
  return max<i32>(gemm_scratch_size(KC, F), max<i32>(gemm_scratch_size(M, F), gemm_scratch_size(F, KC)));
}

// Row (b, t) of cols: the K taps of output step t, C floats each. With d = 1 and the whole window
// inside the sequence, the K·C floats are contiguous in x: one copy.
export function im2col(B: i32, T: i32, C: i32, K: i32, s: i32, d: i32, padL: i32, To: i32, x: usize, cols: usize): void {
  const KC = K * C;
  const rowBytes = <usize>KC << 2, tapBytes = <usize>C << 2;
  let row = cols;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>b * T * C << 2);
    for (let t = 0; t < To; t++) {
      const start = t * s - padL;
      if (d == 1 && start >= 0 && start + K <= T) {
        memory.copy(row, xb + (<usize>start * C << 2), rowBytes);
      } else {
        for (let k = 0; k < K; k++) {
          const src = start + k * d;
          const dst = row + <usize>k * tapBytes;
          if (src >= 0 && src < T) memory.copy(dst, xb + (<usize>src * C << 2), tapBytes);
          else memory.fill(dst, 0, tapBytes);
        }
      }
      row += rowBytes;
    }
  }
}

// dx = 0, then every tap of dcols added back to the input step it came from.
function col2im(B: i32, T: i32, C: i32, K: i32, s: i32, d: i32, padL: i32, To: i32, dcols: usize, dx: usize): void {
  memory.fill(dx, 0, <usize>B * T * C << 2);
  const KC = K * C;
  const rowBytes = <usize>KC << 2, tapBytes = <usize>C << 2;
  let row = dcols;
  for (let b = 0; b < B; b++) {
    const xb = dx + (<usize>b * T * C << 2);
    for (let t = 0; t < To; t++) {
      const start = t * s - padL;
      for (let k = 0; k < K; k++) {
        const src = start + k * d;
        if (src >= 0 && src < T) add_into(C, row + <usize>k * tapBytes, xb + (<usize>src * C << 2));
      }
      row += rowBytes;
    }
  }
}

// y [M, F] += bias, row by row.
function add_bias_rows(M: i32, F: i32, bias: usize, y: usize): void {
  const rowBytes = <usize>F << 2;
  for (let m = 0; m < M; m++) add_into(F, bias, y + <usize>m * rowBytes);
}

// y = act(conv(x, W) + bias). Writes cols (kept for the backward pass). bias may be 0.
export function conv1d_forward(B: i32, T: i32, C: i32, F: i32, K: i32, s: i32, d: i32, padL: i32, To: i32, act: i32,
  x: usize, W: usize, bias: usize, y: usize, cols: usize, scratch: usize): void {
  const M = B * To;
  if (M <= 0 || F <= 0) return;
  const KC = K * C;
  if (KC > 0) {
    im2col(B, T, C, K, s, d, padL, To, x, cols);
    gemm(M, F, KC, cols, KC, 0, W, F, 0, y, F, 0, scratch);
  } else {
    memory.fill(y, 0, <usize>M * F << 2);
  }
  if (bias) add_bias_rows(M, F, bias, y);
  if (act == ACT_SOFTMAX) softmax_rows(M, F, y, y);
  else act_forward(act, M * F, y, y);
}

// From y = act(z) (the forward output) and dy: dZ = dy·act'(z) (overwriting dy), dW = colsᵀ·dZ,
// db = Σ dZ over rows, dx through dcols = dZ·Wᵀ (overwriting cols) and col2im. cols must be as
// conv1d_forward left it. dW, db, dx are overwritten; db and dx may be 0. Pass act 0 when dy is
// already the gradient at z.
export function conv1d_backward(B: i32, T: i32, C: i32, F: i32, K: i32, s: i32, d: i32, padL: i32, To: i32, act: i32,
  W: usize, y: usize, dy: usize, cols: usize, dW: usize, db: usize, dx: usize, scratch: usize): void {
  const M = B * To, KC = K * C;
  if (M <= 0 || F <= 0) {
    if (dW && KC > 0 && F > 0) memory.fill(dW, 0, <usize>KC * F << 2);
    if (db && F > 0) memory.fill(db, 0, <usize>F << 2);
    if (dx && B > 0 && T > 0 && C > 0) memory.fill(dx, 0, <usize>B * T * C << 2);
    return;
  }
  if (act == ACT_SOFTMAX) softmax_rows_backward(M, F, y, dy, dy);
  else act_backward(act, M * F, y, dy, dy);
  const dZ = dy;
  if (db) {
    memory.fill(db, 0, <usize>F << 2);
    add_bias_rows_sum(M, F, dZ, db);
  }
  if (KC <= 0) {
    if (dx && B > 0 && T > 0 && C > 0) memory.fill(dx, 0, <usize>B * T * C << 2);
    return;
  }
  // dW [KC, F] = colsᵀ [KC, M] · dZ [M, F]: cols stored [M, KC], hence transA.
  if (dW) gemm(KC, F, M, cols, KC, 1, dZ, F, 0, dW, F, 0, scratch);
  if (dx) {
    // dcols [M, KC] = dZ [M, F] · Wᵀ [F, KC]: W stored [KC, F], hence transB. Over cols.
    gemm(M, KC, F, dZ, F, 0, W, F, 1, cols, KC, 0, scratch);
    col2im(B, T, C, K, s, d, padL, To, cols, dx);
  }
}

// db += Σ_m dZ[m, :]
function add_bias_rows_sum(M: i32, F: i32, dZ: usize, db: usize): void {
  const rowBytes = <usize>F << 2;
  for (let m = 0; m < M; m++) add_into(F, dZ + <usize>m * rowBytes, db);
}

// ---- pooling (MaxPooling1D, AveragePooling1D) -----------------------------------------------------------
//
// kind POOL_MAX or POOL_AVG; P pool size, s stride, padL as above ('same': ⌊total/2⌋). Output step
// t pools input steps [t·s − padL, t·s − padL + P) ∩ [0, T); the average divides by the number of
// steps inside the sequence (padding is not counted, as TensorFlow). Max: f32.max (NaN if any is).

export function pool1d_forward(kind: i32, B: i32, T: i32, C: i32, P: i32, s: i32, padL: i32, To: i32, x: usize, y: usize): void {
  const C4 = C & ~3;
  const stepBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * T * stepBytes;
    for (let t = 0; t < To; t++) {
      const start = t * s - padL;
      const lo = max<i32>(start, 0), hi = min<i32>(start + P, T);
      const yr = y + (<usize>(b * To + t) * stepBytes);
      if (hi <= lo) { memory.fill(yr, 0, stepBytes); continue; }
      const first = xb + <usize>lo * stepBytes;
      if (kind == POOL_MAX) {
        let c = 0;
        for (; c < C4; c += 4) {
          const o = <usize>c << 2;
          let m = v128.load(first + o);
          for (let i = lo + 1; i < hi; i++) m = f32x4.max(m, v128.load(xb + <usize>i * stepBytes + o));
          v128.store(yr + o, m);
        }
        for (; c < C; c++) {
          const o = <usize>c << 2;
          let m = load<f32>(first + o);
          for (let i = lo + 1; i < hi; i++) m = Mathf.max(m, load<f32>(xb + <usize>i * stepBytes + o));
          store<f32>(yr + o, m);
        }
      } else {
        const n = <f32>(hi - lo), nv = f32x4.splat(n);
        let c = 0;
        for (; c < C4; c += 4) {
          const o = <usize>c << 2;
          let m = v128.load(first + o);
          for (let i = lo + 1; i < hi; i++) m = f32x4.add(m, v128.load(xb + <usize>i * stepBytes + o));
          v128.store(yr + o, f32x4.div(m, nv));
        }
        for (; c < C; c++) {
          const o = <usize>c << 2;
          let m = load<f32>(first + o);
          for (let i = lo + 1; i < hi; i++) m += load<f32>(xb + <usize>i * stepBytes + o);
          store<f32>(yr + o, m / n);
        }
      }
    }
  }
}

// dx (overwritten) from dy. Max: each dy goes whole to the first step of its window holding the
// window's maximum (recomputed from x); average: dy / n to each of the window's n steps.
export function pool1d_backward(kind: i32, B: i32, T: i32, C: i32, P: i32, s: i32, padL: i32, To: i32, x: usize, dy: usize, dx: usize): void {
  const stepBytes = <usize>C << 2;
  memory.fill(dx, 0, <usize>B * T * stepBytes);
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * T * stepBytes, dxb = dx + <usize>b * T * stepBytes;
    for (let t = 0; t < To; t++) {
      const start = t * s - padL;
      const lo = max<i32>(start, 0), hi = min<i32>(start + P, T);
      if (hi <= lo) continue;
      const dyr = dy + (<usize>(b * To + t) * stepBytes);
      if (kind == POOL_MAX) {
        for (let c = 0; c < C; c++) {
          const o = <usize>c << 2;
          let at = lo, m = load<f32>(xb + <usize>lo * stepBytes + o);
          for (let i = lo + 1; i < hi; i++) {
            const v = load<f32>(xb + <usize>i * stepBytes + o);
            if (v > m) { m = v; at = i; }
          }
          const p = dxb + <usize>at * stepBytes + o;
          store<f32>(p, load<f32>(p) + load<f32>(dyr + o));
        }
      } else {
        const inv = <f32>1 / <f32>(hi - lo);
        const C4 = C & ~3, iv = f32x4.splat(inv);
        for (let i = lo; i < hi; i++) {
          const dr = dxb + <usize>i * stepBytes;
          let c = 0;
          for (; c < C4; c += 4) {
            const o = <usize>c << 2;
            v128.store(dr + o, f32x4.add(v128.load(dr + o), f32x4.mul(v128.load(dyr + o), iv)));
          }
          for (; c < C; c++) {
            const o = <usize>c << 2;
            store<f32>(dr + o, load<f32>(dr + o) + load<f32>(dyr + o) * inv);
          }
        }
      }
    }
  }
}

// ---- global pooling (GlobalMaxPooling1D, GlobalAveragePooling1D) ----------------------------------------
//
// x [B, T, C] → y [B, C]. Average: with mask [B, T] (1 keep, 0 skip; 0 = absent, every step kept)
// y = Σ_t m_t·x_t / Σ_t m_t, as Keras; a row whose steps are all masked gives 0 (Keras: 0/0 = NaN).
// Max ignores the mask (as Keras).

export function global_pool1d_forward(kind: i32, B: i32, T: i32, C: i32, x: usize, mask: usize, y: usize): void {
  const C4 = C & ~3;
  const stepBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * T * stepBytes, yr = y + <usize>b * stepBytes;
    if (T <= 0) { memory.fill(yr, 0, stepBytes); continue; }
    if (kind == POOL_MAX) {
      let c = 0;
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        let m = v128.load(xb + o);
        for (let i = 1; i < T; i++) m = f32x4.max(m, v128.load(xb + <usize>i * stepBytes + o));
        v128.store(yr + o, m);
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        let m = load<f32>(xb + o);
        for (let i = 1; i < T; i++) m = Mathf.max(m, load<f32>(xb + <usize>i * stepBytes + o));
        store<f32>(yr + o, m);
      }
      continue;
    }
    // Average: the count first (the mask's sum), then the weighted sum.
    let n: f32 = <f32>T;
    const mb = mask + (<usize>b * T << 2);
    if (mask) {
      n = 0;
      for (let i = 0; i < T; i++) n += load<f32>(mb + (<usize>i << 2));
    }
    memory.fill(yr, 0, stepBytes);
    if (n == 0) continue;
    for (let i = 0; i < T; i++) {
      const xr = xb + <usize>i * stepBytes;
      if (mask) {
        const w = load<f32>(mb + (<usize>i << 2));
        if (w == 0) continue;
        if (w != 1) {
          const wv = f32x4.splat(w);
          let c = 0;
          for (; c < C4; c += 4) { const o = <usize>c << 2; v128.store(yr + o, f32x4.add(v128.load(yr + o), f32x4.mul(v128.load(xr + o), wv))); }
          for (; c < C; c++) { const o = <usize>c << 2; store<f32>(yr + o, load<f32>(yr + o) + load<f32>(xr + o) * w); }
          continue;
        }
      }
      add_into(C, xr, yr);
    }
    const nv = f32x4.splat(n);
    let c = 0;
    for (; c < C4; c += 4) { const o = <usize>c << 2; v128.store(yr + o, f32x4.div(v128.load(yr + o), nv)); }
    for (; c < C; c++) { const o = <usize>c << 2; store<f32>(yr + o, load<f32>(yr + o) / n); }
  }
}

// dx [B, T, C] (overwritten) from dy [B, C]. Average: dx_t = dy·m_t / Σ m; max: dy to the first step
// holding the maximum, 0 elsewhere.
export function global_pool1d_backward(kind: i32, B: i32, T: i32, C: i32, x: usize, mask: usize, dy: usize, dx: usize): void {
  const C4 = C & ~3;
  const stepBytes = <usize>C << 2;
  memory.fill(dx, 0, <usize>B * T * stepBytes);
  if (T <= 0) return;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * T * stepBytes, dxb = dx + <usize>b * T * stepBytes, dyr = dy + <usize>b * stepBytes;
    if (kind == POOL_MAX) {
      for (let c = 0; c < C; c++) {
        const o = <usize>c << 2;
        let at = 0, m = load<f32>(xb + o);
        for (let i = 1; i < T; i++) {
          const v = load<f32>(xb + <usize>i * stepBytes + o);
          if (v > m) { m = v; at = i; }
        }
        store<f32>(dxb + <usize>at * stepBytes + o, load<f32>(dyr + o));
      }
      continue;
    }
    let n: f32 = <f32>T;
    const mb = mask + (<usize>b * T << 2);
    if (mask) {
      n = 0;
      for (let i = 0; i < T; i++) n += load<f32>(mb + (<usize>i << 2));
    }
    if (n == 0) continue;
    for (let i = 0; i < T; i++) {
      const w: f32 = mask ? load<f32>(mb + (<usize>i << 2)) / n : <f32>1 / n;
      if (w == 0) continue;
      const wv = f32x4.splat(w), dr = dxb + <usize>i * stepBytes;
      let c = 0;
      for (; c < C4; c += 4) { const o = <usize>c << 2; v128.store(dr + o, f32x4.mul(v128.load(dyr + o), wv)); }
      for (; c < C; c++) { const o = <usize>c << 2; store<f32>(dr + o, load<f32>(dyr + o) * w); }
    }
  }
}
