// Optimizer updates, clipping, regularization: one call over the whole parameter block. ABI: README.md.

export function sgd_update(n: i32, w: usize, g: usize, vel: usize, lr: f32, momentum: f32, nesterov: i32): void { unreachable(); }
export function adam_update(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, step: i32): void { unreachable(); }
export function rmsprop_update(n: i32, w: usize, g: usize, ms: usize, mom: usize, lr: f32, rho: f32, eps: f32, momentum: f32): void { unreachable(); }
export function sum_squares(n: i32, p: usize): f64 { unreachable(); return 0; }
export function scale_inplace(n: i32, p: usize, s: f32): void { unreachable(); }
export function clip_by_value(n: i32, p: usize, c: f32): void { unreachable(); }
export function count_nonfinite(n: i32, p: usize): i32 { unreachable(); return 0; }
export function l2_penalty_grad(n: i32, w: usize, g: usize, l2: f32): f64 { unreachable(); return 0; }
