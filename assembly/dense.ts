// Dense forward and backward. ABI: README.md in this folder.
// M = rows (batch, or batch·steps), K = input features, N = units.
// x [M, K], W [K, N], bias [N], y [M, N].
import { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID, ACT_SOFTMAX, madd } from "./common";
import { gemm, gemm_scratch_size } from "./gemm";
import { sigmoid_v, tanh_v, softmax_rows, softmax_rows_backward } from "./activations";

// One buffer serves the three products in turn: x·W packs W [K, N], xᵀ·dZ packs dZ [M, N], and
// dZ·Wᵀ packs Wᵀ [N, K].
export function dense_scratch_size(M: i32, N: i32, K: i32): i32 {
  return max<i32>(gemm_scratch_size(K, N), max<i32>(gemm_scratch_size(M, N), gemm_scratch_size(N, K)));
}

// After inlining with a constant code, binaryen folds the switch: each activation gets a loop of its own.
// @ts-ignore: decorator
@inline function act4(code: i32, v: v128): v128 {
  switch (code) {
    case ACT_RELU: return f32x4.max(v, f32x4.splat(0));
    case ACT_SIGMOID: return sigmoid_v(v);
    case ACT_TANH: return tanh_v(v);
    case ACT_HARD_SIGMOID: return f32x4.min(f32x4.splat(1), f32x4.max(f32x4.splat(0), madd(f32x4.splat(0.2), v, f32x4.splat(0.5))));
    default: return v;
  }
}

// The last r = 1..3 floats of a row, as one vector, so a row's tail goes through the same f32x4
// activation as the rest (the scalar forms may round differently).
// @ts-ignore: decorator
@inline function load_tail(p: usize, r: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline function store_tail(p: usize, v: v128, r: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (r > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (r > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// y = act(y + bias) row by row, in place on the GEMM's output.
// @ts-ignore: decorator
@inline function bias_act(code: i32, M: i32, N: i32, bias: usize, y: usize): void {
  const N4 = N & ~3, r = N - N4;
  for (let m = 0; m < M; m++) {
    const row = y + (<usize>m * N << 2);
    let n = 0;
    for (; n < N4; n += 4) {
      const o = <usize>n << 2;
      let v = v128.load(row + o);
      if (bias) v = f32x4.add(v, v128.load(bias + o));
      v128.store(row + o, act4(code, v));
    }
    if (r) {
      const o = <usize>n << 2;
      let v = load_tail(row + o, r);
      if (bias) v = f32x4.add(v, load_tail(bias + o, r));
      store_tail(row + o, act4(code, v), r);
    }
  }
}

export function dense_forward(M: i32, N: i32, K: i32, act: i32, x: usize, W: usize, bias: usize, y: usize, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K > 0) gemm(M, N, K, x, K, 0, W, N, 0, y, N, 0, scratch);
  else memory.fill(y, 0, <usize>M * N << 2);
  switch (act) {
    case ACT_RELU: bias_act(ACT_RELU, M, N, bias, y); break;
    case ACT_SIGMOID: bias_act(ACT_SIGMOID, M, N, bias, y); break;
    case ACT_TANH: bias_act(ACT_TANH, M, N, bias, y); break;
    case ACT_HARD_SIGMOID: bias_act(ACT_HARD_SIGMOID, M, N, bias, y); break;
    case ACT_SOFTMAX:
      if (bias) bias_act(ACT_LINEAR, M, N, bias, y);
      softmax_rows(M, N, y, y);
      break;
    default:
      if (bias) bias_act(ACT_LINEAR, M, N, bias, y);
      break;
  }
}

// f'(z) from y = f(z): the forward pass kept y, not z.
// @ts-ignore: decorator
@inline function dact4(code: i32, y: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  switch (code) {
    case ACT_RELU: return v128.and(f32x4.gt(y, zero), one);
    case ACT_SIGMOID: return f32x4.mul(y, f32x4.sub(one, y));
    case ACT_TANH: return f32x4.sub(one, f32x4.mul(y, y));
    // Where y is strictly inside (0, 1) the line 0.2z + 0.5 was not clipped.
    case ACT_HARD_SIGMOID: return v128.and(v128.and(f32x4.gt(y, zero), f32x4.lt(y, one)), f32x4.splat(0.2));
    default: return one;
  }
}

// @ts-ignore: decorator
@inline function dact1(code: i32, y: f32): f32 {
  switch (code) {
    case ACT_RELU: return y > 0 ? 1 : 0;
    case ACT_SIGMOID: return y * (1 - y);
    case ACT_TANH: return 1 - y * y;
    case ACT_HARD_SIGMOID: return y > 0 && y < 1 ? <f32>0.2 : 0;
    default: return 1;
  }
}

// dZ = dy ⊙ f'(y), in place over all M·N entries: no column dependence, so no row tails.
// @ts-ignore: decorator
@inline function dz_pass(code: i32, n: i32, y: usize, dy: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dy + o, f32x4.mul(v128.load(dy + o), dact4(code, v128.load(y + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dy + o, load<f32>(dy + o) * dact1(code, load<f32>(y + o)));
  }
}

// In the forward pass y = act(x·W + b), so now dZ = dy·act'(…) (overwriting dy), dW = xᵀ·dZ,
// db = Σ_rows dZ and dx = dZ·Wᵀ. dW, db and dx are overwritten; db and dx may be 0.
export function dense_backward(M: i32, N: i32, K: i32, act: i32, x: usize, W: usize, y: usize, dy: usize,
  dW: usize, db: usize, dx: usize, scratch: usize): void {
  if (M <= 0 || N <= 0) {
    // No rows, or no units: every gradient is an empty sum.
    if (dW && K > 0 && N > 0) memory.fill(dW, 0, <usize>K * N << 2);
    if (db && N > 0) memory.fill(db, 0, <usize>N << 2);
    if (dx && M > 0 && K > 0) memory.fill(dx, 0, <usize>M * K << 2);
    return;
  }
  const MN = M * N;
  switch (act) {
    case ACT_RELU: dz_pass(ACT_RELU, MN, y, dy); break;
    case ACT_SIGMOID: dz_pass(ACT_SIGMOID, MN, y, dy); break;
    case ACT_TANH: dz_pass(ACT_TANH, MN, y, dy); break;
    case ACT_HARD_SIGMOID: dz_pass(ACT_HARD_SIGMOID, MN, y, dy); break;
    case ACT_SOFTMAX: softmax_rows_backward(M, N, y, dy, dy); break;
    default: break;
  }
  const dZ = dy;
  if (db) {
    memory.fill(db, 0, <usize>N << 2);
    const N4 = N & ~3;
    for (let m = 0; m < M; m++) {
      const row = dZ + (<usize>m * N << 2);
      let n = 0;
      for (; n < N4; n += 4) {
        const o = <usize>n << 2;
        v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(row + o)));
      }
      for (; n < N; n++) {
        const o = <usize>n << 2;
        store<f32>(db + o, load<f32>(db + o) + load<f32>(row + o));
      }
    }
  }
  if (K <= 0) return;
  // dW [K, N] = xᵀ [K, M] · dZ [M, N]: x is stored [M, K], hence transA.
  if (dW) gemm(K, N, M, x, K, 1, dZ, N, 0, dW, N, 0, scratch);
  // dx [M, K] = dZ [M, N] · Wᵀ [N, K]: W is stored [K, N], hence transB.
  if (dx) gemm(M, K, N, dZ, N, 0, W, N, 1, dx, K, 0, scratch);
}
