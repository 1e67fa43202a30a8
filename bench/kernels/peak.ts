// The f32x4 multiply-add peak that bench/gemm.js measures GEMM against: CHAINS independent
// accumulators, each `acc = acc·m + c` once per iteration, and nothing else in the loop.
//
// The chain runs through the multiply as well as the add, so its latency is a multiply plus an add
// (plain build) or one fused multiply-add (relaxed build); 12 chains cover that latency at two
// multiply-adds per cycle with room to spare, and 12 accumulators + m + c still fit the 16 xmm
// registers of x86-64 without a spill. `madd` is the kernels' own, so both builds issue the same
// instructions as the GEMM does.
import { madd } from "../../assembly/common";

const CHAINS = 12;
const ROUNDS = 4;

/** Multiply-adds per call = iters · ROUNDS · CHAINS; flops = 8 × that (4 lanes, multiply and add). */
export function peak_madds_per_iter(): i32 {
  return ROUNDS * CHAINS;
}

/** Runs `iters` iterations and returns a lane of the sum, so the chains cannot be removed. */
export function peak(iters: i32, m: f32, c: f32): f32 {
  const mv = f32x4.splat(m), cv = f32x4.splat(c);
  // Different starting values keep the optimiser from merging chains.
  let a0 = f32x4(0, 1, 2, 3), a1 = f32x4(1, 2, 3, 4), a2 = f32x4(2, 3, 4, 5), a3 = f32x4(3, 4, 5, 6);
  let a4 = f32x4(4, 5, 6, 7), a5 = f32x4(5, 6, 7, 8), a6 = f32x4(6, 7, 8, 9), a7 = f32x4(7, 8, 9, 10);
  let a8 = f32x4(8, 9, 10, 11), a9 = f32x4(9, 10, 11, 12), a10 = f32x4(10, 11, 12, 13), a11 = f32x4(11, 12, 13, 14);
  for (let i = 0; i < iters; i++) {
    // Four rounds per iteration, so the loop's own overhead is a small share of the time.
    a0 = madd(a0, mv, cv); a1 = madd(a1, mv, cv); a2 = madd(a2, mv, cv); a3 = madd(a3, mv, cv);
    a4 = madd(a4, mv, cv); a5 = madd(a5, mv, cv); a6 = madd(a6, mv, cv); a7 = madd(a7, mv, cv);
    a8 = madd(a8, mv, cv); a9 = madd(a9, mv, cv); a10 = madd(a10, mv, cv); a11 = madd(a11, mv, cv);
    a0 = madd(a0, mv, cv); a1 = madd(a1, mv, cv); a2 = madd(a2, mv, cv); a3 = madd(a3, mv, cv);
    a4 = madd(a4, mv, cv); a5 = madd(a5, mv, cv); a6 = madd(a6, mv, cv); a7 = madd(a7, mv, cv);
    a8 = madd(a8, mv, cv); a9 = madd(a9, mv, cv); a10 = madd(a10, mv, cv); a11 = madd(a11, mv, cv);
    a0 = madd(a0, mv, cv); a1 = madd(a1, mv, cv); a2 = madd(a2, mv, cv); a3 = madd(a3, mv, cv);
    a4 = madd(a4, mv, cv); a5 = madd(a5, mv, cv); a6 = madd(a6, mv, cv); a7 = madd(a7, mv, cv);
    a8 = madd(a8, mv, cv); a9 = madd(a9, mv, cv); a10 = madd(a10, mv, cv); a11 = madd(a11, mv, cv);
    a0 = madd(a0, mv, cv); a1 = madd(a1, mv, cv); a2 = madd(a2, mv, cv); a3 = madd(a3, mv, cv);
    a4 = madd(a4, mv, cv); a5 = madd(a5, mv, cv); a6 = madd(a6, mv, cv); a7 = madd(a7, mv, cv);
    a8 = madd(a8, mv, cv); a9 = madd(a9, mv, cv); a10 = madd(a10, mv, cv); a11 = madd(a11, mv, cv);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
