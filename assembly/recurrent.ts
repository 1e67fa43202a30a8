// What the LSTM, GRU and SimpleRNN kernels share: dropout on the inputs, the previous hidden
// state each step multiplies by U, and the sums and products done once after the time loop.
// Internal: nothing here is exported from the module.
import { gemm_pack_b, gemm_packed } from "./gemm";

// Flags (abi.ts): FLAG_PACKED means the caller promises that scratch still holds W and U packed by
// the previous forward call with this scratch and these weights, so repacking is skipped.
export { FLAG_GO_BACKWARDS, FLAG_PACKED } from "./abi";

// A tail (H not a multiple of 4) runs the vector code on one lane: splat in, lane 0 out, so it
// computes exactly what the vector body would (GRU and SimpleRNN passes).
// @ts-ignore: decorator
@inline export function ld(p: usize, vec: bool): v128 {
  return vec ? v128.load(p) : v128.load32_splat(p);
}

// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, vec: bool): void {
  if (vec) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

// A masked step (mask [B, T], 0 = skip) carries the state through.
// @ts-ignore: decorator
@inline export function isMasked(mask: usize, i: i32): bool {
  return mask != 0 && load<f32>(f32at(mask, i)) == 0;
}

// @ts-ignore: decorator
@inline export function f32at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// Scratch regions are rounded up to 16 floats so each one starts 64-byte aligned.
// @ts-ignore: decorator
@inline export function r16(n: i32): i32 {
  return (n + 15) & ~15;
}

// X̃ = x ⊙ xDrop (one multiplier per sequence and feature, the same at every step), or x itself.
export function droppedInput(B: i32, T: i32, I: i32, x: usize, xDrop: usize, dst: usize): usize {
  if (!xDrop) return x;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * I;
      for (let i = 0; i < I; i++) store<f32>(f32at(dst, row + i), load<f32>(f32at(x, row + i)) * load<f32>(f32at(xDrop, b * I + i)));
    }
  }
  return dst;
}




// dst[N] = Σ over M rows of src (row stride ld): bias gradients.
export function columnSums(M: i32, N: i32, src: usize, ld: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>N << 2);
  for (let r = 0; r < M; r++) {
    const row = f32at(src, r * ld);
    let j = 0;
    for (; j + 4 <= N; j += 4) v128.store(f32at(dst, j), f32x4.add(v128.load(f32at(dst, j)), v128.load(f32at(row, j))));
    for (; j < N; j++) store<f32>(f32at(dst, j), load<f32>(f32at(dst, j)) + load<f32>(f32at(row, j)));
  }
}

// dx = (dZ · Wᵀ) ⊙ xDrop, with dZ [B·T, N] stacked in time order and W [I, N]. packed: room for Wᵀ.
export function inputGradient(B: i32, T: i32, I: i32, N: i32, dZ: usize, W: usize, xDrop: usize, dx: usize, packed: usize): void {
  gemm_pack_b(W, N, N, I, 1, packed);
  gemm_packed(B * T, I, N, dZ, N, 0, packed, dx, I, 0);
  if (!xDrop) return;
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let i = 0; i < I; i++) {
        const p = f32at(dx, (b * T + t) * I + i);
        store<f32>(p, load<f32>(p) * load<f32>(f32at(xDrop, b * I + i)));
      }
}

