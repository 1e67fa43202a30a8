// GEMM: C[M, N] (+)= op(A)[M, K] · B[K, N]. Placeholder: correct, not yet fast (see README.md for the ABI).

export function gemm_packed_size(K: i32, N: i32): i32 {
  return K * N;
}

export function gemm_pack_b(b: usize, ldb: i32, K: i32, N: i32, transB: i32, dst: usize): void {
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const v = transB ? load<f32>(b + ((<usize>n * ldb + k) << 2)) : load<f32>(b + ((<usize>k * ldb + n) << 2));
      store<f32>(dst + ((<usize>k * N + n) << 2), v);
    }
  }
}

export function gemm_packed(M: i32, N: i32, K: i32, a: usize, lda: i32, transA: i32, bp: usize, c: usize, ldc: i32, accumulate: i32): void {
  for (let m = 0; m < M; m++) {
    const crow = c + (<usize>m * ldc << 2);
    if (!accumulate) memory.fill(crow, 0, <usize>N << 2);
    for (let k = 0; k < K; k++) {
      const av = transA ? load<f32>(a + ((<usize>k * lda + m) << 2)) : load<f32>(a + ((<usize>m * lda + k) << 2));
      const brow = bp + (<usize>k * N << 2);
      for (let n = 0; n < N; n++) {
        const p = crow + (<usize>n << 2);
        store<f32>(p, load<f32>(p) + av * load<f32>(brow + (<usize>n << 2)));
      }
    }
  }
}

export function gemm_scratch_size(K: i32, N: i32): i32 {
  return gemm_packed_size(K, N);
}

export function gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, transA: i32, b: usize, ldb: i32, transB: i32, c: usize, ldc: i32, accumulate: i32, scratch: usize): void {
  gemm_pack_b(b, ldb, K, N, transB, scratch);
  gemm_packed(M, N, K, a, lda, transA, scratch, c, ldc, accumulate);
}
