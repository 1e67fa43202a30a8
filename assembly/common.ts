// Shared constants of the ABI (see README.md in this folder).

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;
export const ACT_HARD_SIGMOID: i32 = 4;
export const ACT_SOFTMAX: i32 = 5;

// First byte the arena in src/runtime may use: everything below holds static data.
export function heap_base(): usize {
  return __heap_base;
}

// 1 when this build was compiled with relaxed-SIMD (fused multiply-add), else 0.
export function is_relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// a·b + c on f32x4: fused where the build allows it.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
