// Seeded random numbers (xoshiro128**, state = 4 u32 at `state`) and initializers. ABI: README.md.
// Everything here is integer arithmetic or AssemblyScript's own f64 libm, compiled into the module,
// so one seed gives the same bits in every engine.

// The generator's registers while one export runs: loaded from `state` on entry, stored back on
// exit, so the caller's 16 bytes stay the only state between calls.
let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0, s3: u32 = 0;

// @ts-ignore: decorator
@inline function enter(state: usize): void {
  s0 = load<u32>(state); s1 = load<u32>(state, 4); s2 = load<u32>(state, 8); s3 = load<u32>(state, 12);
}

// @ts-ignore: decorator
@inline function leave(state: usize): void {
  store<u32>(state, s0); store<u32>(state, s1, 4); store<u32>(state, s2, 8); store<u32>(state, s3, 12);
}

// xoshiro128** (Blackman and Vigna).
// @ts-ignore: decorator
@inline function next(): u32 {
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return r;
}

// [0, 1) with 24 bits: every value is an exact f32, so the f32 kernels see no rounding here.
// @ts-ignore: decorator
@inline function unit_f32(): f32 {
  return <f32>(next() >>> 8) * <f32>5.9604644775390625e-8;
}

// Box-Muller gives two normals per two draws; the second is kept for the next call within
// one export (never across exports, so a call's output depends only on the state and n).
let spare: f64 = 0;
let hasSpare = false;

function normal_f64(): f64 {
  if (hasSpare) {
    hasSpare = false;
    return spare;
  }
  // u1 in (0, 1] keeps the log finite; 32 bits reach 6.6 standard deviations.
  const u1 = (<f64>next() + 1.0) * 2.3283064365386963e-10;
  const u2 = <f64>next() * 2.3283064365386963e-10;
  const r = Math.sqrt(-2.0 * Math.log(u1));
  const a = 6.283185307179586 * u2;
  spare = r * Math.sin(a);
  hasSpare = true;
  return r * Math.cos(a);
}

// A 32-bit seed spread over 128 bits: a Weyl sequence through a 32-bit avalanche mixer
// (the splitmix construction), so nearby seeds give unrelated states.
export function rng_seed(state: usize, seed: u32): void {
  let x = seed;
  for (let i = 0; i < 4; i++) {
    x += 0x9e3779b9;
    let z = x;
    z = (z ^ (z >>> 16)) * 0x85ebca6b;
    z = (z ^ (z >>> 13)) * 0xc2b2ae35;
    z ^= z >>> 16;
    store<u32>(state + (<usize>i << 2), z);
  }
  // xoshiro never leaves the all-zero state; the mixer is a bijection, so at most one word is 0.
  if ((load<u32>(state) | load<u32>(state, 4) | load<u32>(state, 8) | load<u32>(state, 12)) == 0) store<u32>(state, 1);
}

export function rng_uniform(state: usize, n: i32, out: usize, lo: f32, hi: f32): void {
  enter(state);
  const w = hi - lo;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), lo + w * unit_f32());
  leave(state);
}

export function rng_normal(state: usize, n: i32, out: usize, mean: f32, std: f32): void {
  enter(state);
  hasSpare = false;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>mean + <f64>std * normal_f64()));
  hasSpare = false;
  leave(state);
}

// Inverted dropout: kept entries are scaled by 1/(1-rate) so the expectation is unchanged.
export function rng_dropout_mask(state: usize, n: i32, out: usize, rate: f32): void {
  if (!(rate > 0)) {
    for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), 1);
    return;
  }
  if (rate >= 1) {
    // Keras rejects rate 1; zeros here rather than an infinite scale.
    for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), 0);
    return;
  }
  enter(state);
  const keep = <f32>(1.0 / (1.0 - <f64>rate));
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), unit_f32() < rate ? 0 : keep);
  leave(state);
}

// An unbiased integer in [0, range), range >= 1 (Lemire's multiply-and-reject).
function below(range: u32): u32 {
  let m = <u64>next() * <u64>range;
  let l = <u32>m;
  if (l < range) {
    const t = (<u32>0 - range) % range;
    while (l < t) {
      m = <u64>next() * <u64>range;
      l = <u32>m;
    }
  }
  return <u32>(m >> 32);
}

export function rng_shuffle_indices(state: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), i);
  enter(state);
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>below(<u32>(i + 1));
    const pi = out + (<usize>i << 2), pj = out + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
  leave(state);
}

// Orthogonal (Keras): A [R, C] normal with R = max(rows, cols), C = min(rows, cols); A = QR;
// Q·sign(diag R); transposed when rows < cols; times gain.
//
// Modified Gram-Schmidt builds the QR whose R has a positive diagonal, which is exactly
// Q·sign(diag R) of any other QR, so no sign fix is left to do. It runs in f64, where its loss of
// orthogonality (about cond(A)·1e-16) is far below f32 rounding. A is kept column-major so each
// column is contiguous for the f64x2 dot products and updates.
export function init_orthogonal_scratch_size(rows: i32, cols: i32): i32 {
  // R·C f64 values, counted in f32.
  return 2 * rows * cols;
}

// @ts-ignore: decorator
@inline function dot_f64(n: i32, a: usize, b: usize): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  const n4 = n & ~3, n2 = n & ~1;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  for (; i < n2; i += 2) {
    const o = <usize>i << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) s += load<f64>(a + (<usize>i << 3)) * load<f64>(b + (<usize>i << 3));
  return s;
}

// y += alpha·x over n f64.
// @ts-ignore: decorator
@inline function axpy_f64(n: i32, alpha: f64, x: usize, y: usize): void {
  const av = f64x2.splat(alpha);
  const n2 = n & ~1;
  let i = 0;
  for (; i < n2; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(av, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

export function init_orthogonal(state: usize, rows: i32, cols: i32, out: usize, gain: f32, scratch: usize): void {
  if (rows <= 0 || cols <= 0) return;
  const R = max<i32>(rows, cols), C = min<i32>(rows, cols);
  const a = scratch;
  // Drawn in row-major order of [R, C], as Keras draws its matrix; stored column-major.
  enter(state);
  hasSpare = false;
  for (let i = 0; i < R; i++)
    for (let j = 0; j < C; j++) store<f64>(a + ((<usize>j * R + i) << 3), normal_f64());
  hasSpare = false;
  leave(state);

  for (let j = 0; j < C; j++) {
    const v = a + (<usize>j * R << 3);
    for (let i = 0; i < j; i++) {
      const q = a + (<usize>i * R << 3);
      axpy_f64(R, -dot_f64(R, q, v), q, v);
    }
    const nrm = Math.sqrt(dot_f64(R, v, v));
    // A normal matrix is singular with probability zero; should a column vanish, it stays zero.
    const inv = nrm > 0 ? 1.0 / nrm : 0.0;
    for (let i = 0; i < R; i++) store<f64>(v + (<usize>i << 3), load<f64>(v + (<usize>i << 3)) * inv);
  }

  const g = <f64>gain;
  if (rows >= cols) {
    // out [rows, cols] = Q [R, C]
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        store<f32>(out + ((<usize>i * cols + j) << 2), <f32>(g * load<f64>(a + ((<usize>j * R + i) << 3))));
  } else {
    // out [rows, cols] = Qᵀ: row i of out is column i of Q.
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        store<f32>(out + ((<usize>i * cols + j) << 2), <f32>(g * load<f64>(a + ((<usize>i * R + j) << 3))));
  }
}
