// What the LSTM, GRU and SimpleRNN kernels share: dropout on the inputs, the previous hidden
// state each step multiplies by U, and the sums and products done once after the time loop.
// Internal: nothing here is exported from the module.
import { gemm_pack_b, gemm_packed } from "./gemm";

// Flags (abi.ts): FLAG_PACKED means the caller promises that scratch still holds W and U packed by
// the previous forward call with this scratch and these weights, so repacking is skipped.
export { FLAG_GO_BACKWARDS, FLAG_PACKED } from "./abi";

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

// The state before step s of sequence b: h0 (0 when absent) at s = 0, else the output of s-1.
// @ts-ignore: decorator
@inline export function prevState(T: i32, H: i32, b: i32, s: i32, init: usize, seq: usize): usize {
  return s == 0 ? (init ? f32at(init, b * H) : 0) : f32at(seq, (b * T + s - 1) * H);
}

// h̃_{s-1} = h_{s-1} ⊙ hDrop for every sequence, into dst [B, H] (row stride ldd).
export function previousHidden(B: i32, T: i32, H: i32, s: i32, h0: usize, hseq: usize, hDrop: usize, dst: usize, ldd: i32): void {
  for (let b = 0; b < B; b++) {
    const src = prevState(T, H, b, s, h0, hseq);
    for (let j = 0; j < H; j++) {
      let v: f32 = src ? load<f32>(f32at(src, j)) : 0;
      if (hDrop) v *= load<f32>(f32at(hDrop, b * H + j));
      store<f32>(f32at(dst, b * ldd + j), v);
    }
  }
}

// Every h̃_{s-1}, stacked in time order (row b·T + t), the rows dU = H̃ᵀ·dZ needs.
export function stackPreviousHidden(B: i32, T: i32, H: i32, back: bool, h0: usize, hseq: usize, hDrop: usize, dst: usize): void {
  for (let s = 0; s < T; s++) {
    const t = back ? T - 1 - s : s;
    previousHidden(B, T, H, s, h0, hseq, hDrop, f32at(dst, t * H), T * H);
  }
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

// The final state of every sequence: the output of the last step.
export function lastState(B: i32, T: i32, H: i32, seq: usize, dst: usize): void {
  if (!dst) return;
  for (let b = 0; b < B; b++) memory.copy(f32at(dst, b * H), f32at(seq, (b * T + T - 1) * H), <usize>H << 2);
}
