// Shared by the kernel files, never exported from the module: the activation codes (defined in
// abi.ts with the other ABI constants, README.md) and SIMD helpers.

export { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SIGMOID, ACT_SOFTMAX } from "./abi";

// a·b + c on f32x4: fused where the build allows it.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}
