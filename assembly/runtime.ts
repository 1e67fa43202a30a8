// What src/runtime asks the module about itself.

// First byte the arena in src/runtime may use: everything below holds static data.
export function heap_base(): usize {
  return __heap_base;
}

// 1 when this build was compiled with relaxed-SIMD (fused multiply-add), else 0.
export function is_relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
