// Shared by the kernel files, never exported from the module: ABI constants (README.md) and SIMD helpers.

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;
export const ACT_HARD_SIGMOID: i32 = 4;
export const ACT_SOFTMAX: i32 = 5;

// a·b + c on f32x4: fused where the build allows it.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
