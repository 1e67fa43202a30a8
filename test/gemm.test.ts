import { describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng } from './util/kernels.js';

// Plain float64 C = op(A)·op(B), the reference.
function refGemm(M: number, N: number, K: number, A: Float64Array, transA: boolean, B: Float64Array, transB: boolean): Float64Array {
  const C = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? A[k * M + m] : A[m * K + k]) * (transB ? B[n * K + k] : B[k * N + n]);
      C[m * N + n] = s;
    }
  return C;
}

describe.each(BUILDS)('gemm (%s build)', (build) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [13, 17, 9], [32, 128, 64], [1, 512, 129], [33, 31, 65]];
  for (const [M, N, K] of shapes)
    for (const transA of [false, true])
      for (const transB of [false, true])
        it(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB}`, () => {
          const { k, arena } = loadKernels(build);
          const r = rng(M * 1000 + N * 10 + K);
          const A = randArray(M * K, r), B = randArray(K * N, r), C0 = randArray(M * N, r);
          const pa = arena.put(A), pb = arena.put(B), pc = arena.put(C0);
          const scratch = arena.alloc(k.gemm_scratch_size(K, N));
          k.gemm(M, N, K, pa, transA ? M : K, transA ? 1 : 0, pb, transB ? K : N, transB ? 1 : 0, pc, N, 0, scratch);
          const ref = refGemm(M, N, K, A, transA, B, transB);
          expect(maxAbsDiff(arena.read(pc, M * N), ref)).toBeLessThan(1e-5 * Math.sqrt(K) + 1e-6);
          // accumulate: C += A·B
          arena.write(pc, C0);
          k.gemm(M, N, K, pa, transA ? M : K, transA ? 1 : 0, pb, transB ? K : N, transB ? 1 : 0, pc, N, 1, scratch);
          expect(maxAbsDiff(arena.read(pc, M * N), ref.map((v, i) => v + C0[i]))).toBeLessThan(1e-5 * Math.sqrt(K) + 1e-6);
        });
});
