// Activations. Placeholder: scalar and exact, not yet SIMD approximations (see README.md for the ABI).
import { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID } from "./common";

// @ts-ignore: decorator
@inline export function sigmoid_s(x: f32): f32 {
  return <f32>(1.0 / (1.0 + Math.exp(-<f64>x)));
}

// @ts-ignore: decorator
@inline export function tanh_s(x: f32): f32 {
  return <f32>Math.tanh(<f64>x);
}

export function act_s(code: i32, x: f32): f32 {
  switch (code) {
    case ACT_RELU: return x > 0 ? x : 0;
    case ACT_SIGMOID: return sigmoid_s(x);
    case ACT_TANH: return tanh_s(x);
    case ACT_HARD_SIGMOID: return min<f32>(1, max<f32>(0, <f32>0.2 * x + <f32>0.5));
    default: return x;
  }
}

// Derivative of the activation, from its output y.
export function dact_s(code: i32, y: f32): f32 {
  switch (code) {
    case ACT_RELU: return y > 0 ? 1 : 0;
    case ACT_SIGMOID: return y * (1 - y);
    case ACT_TANH: return 1 - y * y;
    case ACT_HARD_SIGMOID: return y > 0 && y < 1 ? <f32>0.2 : 0;
    default: return 1;
  }
}

export function act_forward(code: i32, n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, act_s(code, load<f32>(x + o)));
  }
}

export function act_backward(code: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * dact_s(code, load<f32>(y + o)));
  }
}

export function softmax_rows(M: i32, N: i32, x: usize, y: usize): void {
  for (let m = 0; m < M; m++) {
    const xr = x + (<usize>m * N << 2), yr = y + (<usize>m * N << 2);
    let mx = -Infinity as f32;
    for (let n = 0; n < N; n++) mx = max<f32>(mx, load<f32>(xr + (<usize>n << 2)));
    let sum: f64 = 0;
    for (let n = 0; n < N; n++) {
      const e = Math.exp(<f64>(load<f32>(xr + (<usize>n << 2)) - mx));
      sum += e;
      store<f32>(yr + (<usize>n << 2), <f32>e);
    }
    const inv = <f32>(1.0 / sum);
    for (let n = 0; n < N; n++) store<f32>(yr + (<usize>n << 2), load<f32>(yr + (<usize>n << 2)) * inv);
  }
}

export function softmax_rows_backward(M: i32, N: i32, y: usize, dy: usize, dx: usize): void {
  for (let m = 0; m < M; m++) {
    const yr = y + (<usize>m * N << 2), dyr = dy + (<usize>m * N << 2), dxr = dx + (<usize>m * N << 2);
    let dot: f32 = 0;
    for (let n = 0; n < N; n++) dot += load<f32>(yr + (<usize>n << 2)) * load<f32>(dyr + (<usize>n << 2));
    for (let n = 0; n < N; n++) {
      const yv = load<f32>(yr + (<usize>n << 2));
      store<f32>(dxr + (<usize>n << 2), yv * (load<f32>(dyr + (<usize>n << 2)) - dot));
    }
  }
}

// f32x4 forms for the fused kernels. Placeholder: lane by lane through the scalar ones.
// @ts-ignore: decorator
@inline export function sigmoid_v(x: v128): v128 {
  return f32x4(sigmoid_s(f32x4.extract_lane(x, 0)), sigmoid_s(f32x4.extract_lane(x, 1)), sigmoid_s(f32x4.extract_lane(x, 2)), sigmoid_s(f32x4.extract_lane(x, 3)));
}

// @ts-ignore: decorator
@inline export function tanh_v(x: v128): v128 {
  return f32x4(tanh_s(f32x4.extract_lane(x, 0)), tanh_s(f32x4.extract_lane(x, 1)), tanh_s(f32x4.extract_lane(x, 2)), tanh_s(f32x4.extract_lane(x, 3)));
}

export function act_v(code: i32, x: v128): v128 {
  return f32x4(act_s(code, f32x4.extract_lane(x, 0)), act_s(code, f32x4.extract_lane(x, 1)), act_s(code, f32x4.extract_lane(x, 2)), act_s(code, f32x4.extract_lane(x, 3)));
}

// Derivative from the output, on f32x4.
export function dact_v(code: i32, y: v128): v128 {
  return f32x4(dact_s(code, f32x4.extract_lane(y, 0)), dact_s(code, f32x4.extract_lane(y, 1)), dact_s(code, f32x4.extract_lane(y, 2)), dact_s(code, f32x4.extract_lane(y, 3)));
}
