// GEMM: C[M, N] (+)= op(A)[M, K] · B[K, N], the one place where lstm-wasm spends most of its time.
//
// Shapes: M rows of C and op(A), N columns of C and B, K the inner dimension. op(A) is A, stored
// [M, K] with row stride lda, or (transA) Aᵀ with A stored [K, M]. C is [M, N] with row stride ldc.
//
// B is packed once (gemm_pack_b) into panels of 8 columns: panel p holds B[k, 8p .. 8p+7] for
// k = 0 .. K-1, 32 contiguous bytes per k, zero past column N. A is read where it lies. gemm packs
// B into scratch and calls gemm_packed, except when M <= 4 and B is not transposed: there one pass
// over B is the whole product, so packing would double the memory traffic, and B is read in place.
//
// The micro-kernel keeps a 4 × 8 tile of C in eight f32x4 accumulators and, per k, loads two f32x4
// of the panel and broadcasts one element of A per row: 8 multiply-adds for 6 loads. Four rows is
// the most x86-64 allows: V8 issues all the loads of a k step before its multiply-adds, so the
// step's 2 + R loaded vectors and 2R accumulators must fit in the 15 xmm registers it allocates,
// else accumulators spill. Fewer rows (the edge of M, and M = 1 .. 3 for streaming inference) use
// two panels at once or split K over two sets of accumulators, so that at least eight independent
// chains hide the multiply-add latency.
//
// Two things about the toolchain shape the code below:
// - Binaryen (asc -O3) moves loads and merges independent chains when it can, and V8 schedules
//   pure arithmetic as late as possible; both pile up live values and spill. A loop exit after each
//   k step ("if (--k == 0) break") pins every step's multiply-adds before it, and doubles as the
//   loop's tail, so K needs no remainder loop.
// - asc accepts only literal memarg offsets, and an `i32.add` before a load costs an instruction
//   in V8, so the four unrolled k steps are written out with literal offsets (the micro-kernels are
//   long-hand for that reason, one per row count and for op(A) = A or Aᵀ).
import { madd } from "./common";

// Panel width in floats, and the K and M block sizes of gemm_packed: a K block of one panel
// (KC · 32 bytes = 16 KB) stays in L1 while the tiles of an M block go through it, and the block
// of A they read (MC · KC · 4 bytes = 128 KB) stays in L2 while the panels go by. Measured on
// Zen 3 against KC = 128 .. 768 and MC = 64 .. 512: the differences are a few per cent.
const NR = 8;
const KC = 512;
const MC = 64;

const zero = f32x4.splat(0);

// ---- partial rows of a tile (N not a multiple of 8) ----------------------------------------------

// The first n lanes (n may be <= 0 or >= 4) at p; the rest are zero and never read.
// @ts-ignore: decorator
@inline function load_lanes(p: usize, n: i32): v128 {
  if (n >= 4) return load<v128>(p);
  if (n == 3) return f32x4.replace_lane(v128.load64_zero(p), 2, load<f32>(p, 8));
  if (n == 2) return v128.load64_zero(p);
  if (n == 1) return v128.load32_zero(p);
  return zero;
}

// @ts-ignore: decorator
@inline function store_lanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    store<v128>(p, v);
  } else if (n >= 2) {
    v128.store64_lane(p, v, 0);
    if (n == 3) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  } else if (n == 1) {
    store<f32>(p, f32x4.extract_lane(v, 0));
  }
}

// Accumulators start from C (accumulate) or from zero, so C is never read when it is overwritten.
// @ts-ignore: decorator
@inline function tile_load(p: usize, acc: i32, n: i32): v128 {
  return acc ? load_lanes(p, n) : zero;
}

// Eight columns of one row of the tile, nr of them inside C.
// @ts-ignore: decorator
@inline function tile_store(p: usize, v0: v128, v1: v128, nr: i32): void {
  if (nr >= 8) {
    store<v128>(p, v0);
    store<v128>(p, v1, 16);
  } else {
    store_lanes(p, v0, nr);
    store_lanes(p + 16, v1, nr - 4);
  }
}

// ---- micro-kernels -------------------------------------------------------------------------------
//
// tile_RxW[_ta](kc, a, lda4, b, ps, c, ldc4, acc, nr): C[R, W] (+)= op(A)[R, kc] · (kc rows of one
// panel at b, and for W = 16 of the next at b + ps). a points at op(A)[0, 0]: row i, step k is at
// a + i·lda4 + 4k, or (_ta) a + k·lda4 + 4i. Strides are in bytes; nr = columns inside C (1 .. W);
// kc >= 1. With op(A) = A the pointers follow rows and the k steps are offsets; with Aᵀ, the other
// way round. tile_RxW[_ta]_rows are the same over an unpacked B: row k of the W columns at b + k·ps
// (ps = ldb·4), for gemm with M <= 4.

// The main tile: eight accumulators, 8 multiply-adds per k for 2 + 4 loads.
function tile_4x8(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let c30 = tile_load(c + 3 * ldc4, acc, nr), c31 = tile_load(c + 3 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 0); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 0); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 4); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 4); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 4); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 8); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p0, 12); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 12); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 12); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    p0 += 16; p1 += 16; p2 += 16; p3 += 16; b += 128;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
  tile_store(c + 3 * ldc4, c30, c31, nr);
}

function tile_4x8_ta(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let c30 = tile_load(c + 3 * ldc4, acc, nr), c31 = tile_load(c + 3 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p0, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p0, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p1, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p1, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p1, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p2, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p3, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p3, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p3, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    p0 += step; p1 += step; p2 += step; p3 += step; b += 128;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
  tile_store(c + 3 * ldc4, c30, c31, nr);
}

// Three rows: six chains (three rows of two panels would need 19 registers).
function tile_3x8(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 0); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 4); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 4); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p0, 12); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 12); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 12); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    p0 += 16; p1 += 16; p2 += 16; b += 128;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
}

function tile_3x8_ta(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p0, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p1, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p1, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p3, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p3, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p3, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    p0 += step; p1 += step; p2 += step; p3 += step; b += 128;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
}

// Two rows: two panels at once, eight chains.
function tile_2x16(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4;
  let q = b + ps;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4), c12 = tile_load(c + ldc4 + 32, acc, nr - 8), c13 = tile_load(c + ldc4 + 48, acc, nr - 12);
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(q, 0); b3 = load<v128>(q, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48); b2 = load<v128>(q, 32); b3 = load<v128>(q, 48);
    x = v128.load32_splat(p0, 4); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80); b2 = load<v128>(q, 64); b3 = load<v128>(q, 80);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112); b2 = load<v128>(q, 96); b3 = load<v128>(q, 112);
    x = v128.load32_splat(p0, 12); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 12); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    p0 += 16; p1 += 16; b += 128; q += 128;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
  tile_store(c + ldc4, c10, c11, nr); tile_store(c + ldc4 + 32, c12, c13, nr - 8);
}

function tile_2x16_ta(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let q = b + ps;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4), c12 = tile_load(c + ldc4 + 32, acc, nr - 8), c13 = tile_load(c + ldc4 + 48, acc, nr - 12);
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(q, 0); b3 = load<v128>(q, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48); b2 = load<v128>(q, 32); b3 = load<v128>(q, 48);
    x = v128.load32_splat(p1, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80); b2 = load<v128>(q, 64); b3 = load<v128>(q, 80);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112); b2 = load<v128>(q, 96); b3 = load<v128>(q, 112);
    x = v128.load32_splat(p3, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p3, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    p0 += step; p1 += step; p2 += step; p3 += step; b += 128; q += 128;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
  tile_store(c + ldc4, c10, c11, nr); tile_store(c + ldc4 + 32, c12, c13, nr - 8);
}

// Two rows, one panel left: k alternates between two sets of accumulators.
function tile_2x8(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let d100 = zero, d101 = zero, d110 = zero, d111 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 4); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p1, 4); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p0, 12); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p1, 12); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    p0 += 16; p1 += 16; b += 128;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c10 = f32x4.add(c10, d110); c11 = f32x4.add(c11, d111);
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
}

function tile_2x8_ta(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let d100 = zero, d101 = zero, d110 = zero, d111 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p1, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p1, 4); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p3, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p3, 4); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    p0 += step; p1 += step; p2 += step; p3 += step; b += 128;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c10 = f32x4.add(c10, d110); c11 = f32x4.add(c11, d111);
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
}

// One row (streaming inference): two panels, k alternating between two sets.
function tile_1x16(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a;
  let q = b + ps;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let d100 = zero, d101 = zero, d102 = zero, d103 = zero;
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(q, 0); b3 = load<v128>(q, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48); b2 = load<v128>(q, 32); b3 = load<v128>(q, 48);
    x = v128.load32_splat(p0, 4); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80); b2 = load<v128>(q, 64); b3 = load<v128>(q, 80);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112); b2 = load<v128>(q, 96); b3 = load<v128>(q, 112);
    x = v128.load32_splat(p0, 12); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    p0 += 16; b += 128; q += 128;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101); c02 = f32x4.add(c02, d102); c03 = f32x4.add(c03, d103);
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
}

function tile_1x16_ta(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let q = b + ps;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let d100 = zero, d101 = zero, d102 = zero, d103 = zero;
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(q, 0); b3 = load<v128>(q, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48); b2 = load<v128>(q, 32); b3 = load<v128>(q, 48);
    x = v128.load32_splat(p1, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80); b2 = load<v128>(q, 64); b3 = load<v128>(q, 80);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112); b2 = load<v128>(q, 96); b3 = load<v128>(q, 112);
    x = v128.load32_splat(p3, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    p0 += step; p1 += step; p2 += step; p3 += step; b += 128; q += 128;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101); c02 = f32x4.add(c02, d102); c03 = f32x4.add(c03, d103);
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
}

// One row, one panel left: four sets of accumulators, one per unrolled k.
function tile_1x8(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let d100 = zero, d101 = zero;
  let d200 = zero, d201 = zero;
  let d300 = zero, d301 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 4); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p0, 8); d200 = madd(x, b0, d200); d201 = madd(x, b1, d201);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p0, 12); d300 = madd(x, b0, d300); d301 = madd(x, b1, d301);
    p0 += 16; b += 128;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c00 = f32x4.add(c00, d200); c01 = f32x4.add(c01, d201);
  c00 = f32x4.add(c00, d300); c01 = f32x4.add(c01, d301);
  tile_store(c, c00, c01, nr);
}

function tile_1x8_ta(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let d100 = zero, d101 = zero;
  let d200 = zero, d201 = zero;
  let d300 = zero, d301 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    if (--k == 0) break;
    b0 = load<v128>(b, 32); b1 = load<v128>(b, 48);
    x = v128.load32_splat(p1, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    if (--k == 0) break;
    b0 = load<v128>(b, 64); b1 = load<v128>(b, 80);
    x = v128.load32_splat(p2, 0); d200 = madd(x, b0, d200); d201 = madd(x, b1, d201);
    if (--k == 0) break;
    b0 = load<v128>(b, 96); b1 = load<v128>(b, 112);
    x = v128.load32_splat(p3, 0); d300 = madd(x, b0, d300); d301 = madd(x, b1, d301);
    p0 += step; p1 += step; p2 += step; p3 += step; b += 128;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c00 = f32x4.add(c00, d200); c01 = f32x4.add(c01, d201);
  c00 = f32x4.add(c00, d300); c01 = f32x4.add(c01, d301);
  tile_store(c, c00, c01, nr);
}

function tile_4x8_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let c30 = tile_load(c + 3 * ldc4, acc, nr), c31 = tile_load(c + 3 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 0); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 0); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 4); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 4); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 4); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 8); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 12); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 12); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 12); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    p0 += 16; p1 += 16; p2 += 16; p3 += 16;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
  tile_store(c + 3 * ldc4, c30, c31, nr);
}

function tile_4x8_ta_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let c30 = tile_load(c + 3 * ldc4, acc, nr), c31 = tile_load(c + 3 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p0, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p0, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p1, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p1, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p1, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p2, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p3, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p3, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p3, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(p3, 12); c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    b += ps;
    p0 += step; p1 += step; p2 += step; p3 += step;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
  tile_store(c + 3 * ldc4, c30, c31, nr);
}

function tile_3x8_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 0); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 4); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 4); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 12); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 12); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 12); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    p0 += 16; p1 += 16; p2 += 16;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
}

function tile_3x8_ta_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let c20 = tile_load(c + 2 * ldc4, acc, nr), c21 = tile_load(c + 2 * ldc4 + 16, acc, nr - 4);
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p0, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p1, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p1, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p2, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p3, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p3, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(p3, 8); c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    b += ps;
    p0 += step; p1 += step; p2 += step; p3 += step;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
  tile_store(c + 2 * ldc4, c20, c21, nr);
}

function tile_2x16_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4), c12 = tile_load(c + ldc4 + 32, acc, nr - 8), c13 = tile_load(c + ldc4 + 48, acc, nr - 12);
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 4); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 12); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 12); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    p0 += 16; p1 += 16;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
  tile_store(c + ldc4, c10, c11, nr); tile_store(c + ldc4 + 32, c12, c13, nr - 8);
}

function tile_2x16_ta_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4), c12 = tile_load(c + ldc4 + 32, acc, nr - 8), c13 = tile_load(c + ldc4 + 48, acc, nr - 12);
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p1, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p1, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p3, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    x = v128.load32_splat(p3, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12); c13 = madd(x, b3, c13);
    b += ps;
    p0 += step; p1 += step; p2 += step; p3 += step;
    if (--k == 0) break;
  }
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
  tile_store(c + ldc4, c10, c11, nr); tile_store(c + ldc4 + 32, c12, c13, nr - 8);
}

function tile_2x8_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let d100 = zero, d101 = zero, d110 = zero, d111 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 0); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 4); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p1, 4); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p1, 8); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 12); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p1, 12); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    b += ps;
    p0 += 16; p1 += 16;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c10 = f32x4.add(c10, d110); c11 = f32x4.add(c11, d111);
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
}

function tile_2x8_ta_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let c10 = tile_load(c + ldc4, acc, nr), c11 = tile_load(c + ldc4 + 16, acc, nr - 4);
  let d100 = zero, d101 = zero, d110 = zero, d111 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p0, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p1, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p1, 4); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(p2, 4); c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p3, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    x = v128.load32_splat(p3, 4); d110 = madd(x, b0, d110); d111 = madd(x, b1, d111);
    b += ps;
    p0 += step; p1 += step; p2 += step; p3 += step;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c10 = f32x4.add(c10, d110); c11 = f32x4.add(c11, d111);
  tile_store(c, c00, c01, nr);
  tile_store(c + ldc4, c10, c11, nr);
}

function tile_1x16_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let d100 = zero, d101 = zero, d102 = zero, d103 = zero;
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 4); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 8); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 12); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    b += ps;
    p0 += 16;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101); c02 = f32x4.add(c02, d102); c03 = f32x4.add(c03, d103);
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
}

function tile_1x16_ta_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4), c02 = tile_load(c + 32, acc, nr - 8), c03 = tile_load(c + 48, acc, nr - 12);
  let d100 = zero, d101 = zero, d102 = zero, d103 = zero;
  let x: v128, b0: v128, b1: v128, b2: v128, b3: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p1, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p2, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02); c03 = madd(x, b3, c03);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16); b2 = load<v128>(b, 32); b3 = load<v128>(b, 48);
    x = v128.load32_splat(p3, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101); d102 = madd(x, b2, d102); d103 = madd(x, b3, d103);
    b += ps;
    p0 += step; p1 += step; p2 += step; p3 += step;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101); c02 = f32x4.add(c02, d102); c03 = f32x4.add(c03, d103);
  tile_store(c, c00, c01, nr); tile_store(c + 32, c02, c03, nr - 8);
}

function tile_1x8_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let d100 = zero, d101 = zero;
  let d200 = zero, d201 = zero;
  let d300 = zero, d301 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 4); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 8); d200 = madd(x, b0, d200); d201 = madd(x, b1, d201);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 12); d300 = madd(x, b0, d300); d301 = madd(x, b1, d301);
    b += ps;
    p0 += 16;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c00 = f32x4.add(c00, d200); c01 = f32x4.add(c01, d201);
  c00 = f32x4.add(c00, d300); c01 = f32x4.add(c01, d301);
  tile_store(c, c00, c01, nr);
}

function tile_1x8_ta_rows(kc: i32, a: usize, lda4: usize, b: usize, ps: usize, c: usize, ldc4: usize, acc: i32, nr: i32): void {
  let p0 = a, p1 = p0 + lda4, p2 = p1 + lda4, p3 = p2 + lda4;
  const step = lda4 << 2;
  let c00 = tile_load(c, acc, nr), c01 = tile_load(c + 16, acc, nr - 4);
  let d100 = zero, d101 = zero;
  let d200 = zero, d201 = zero;
  let d300 = zero, d301 = zero;
  let x: v128, b0: v128, b1: v128;
  let k = kc;
  while (true) {
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p0, 0); c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p1, 0); d100 = madd(x, b0, d100); d101 = madd(x, b1, d101);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p2, 0); d200 = madd(x, b0, d200); d201 = madd(x, b1, d201);
    b += ps;
    if (--k == 0) break;
    b0 = load<v128>(b, 0); b1 = load<v128>(b, 16);
    x = v128.load32_splat(p3, 0); d300 = madd(x, b0, d300); d301 = madd(x, b1, d301);
    b += ps;
    p0 += step; p1 += step; p2 += step; p3 += step;
    if (--k == 0) break;
  }
  c00 = f32x4.add(c00, d100); c01 = f32x4.add(c01, d101);
  c00 = f32x4.add(c00, d200); c01 = f32x4.add(c01, d201);
  c00 = f32x4.add(c00, d300); c01 = f32x4.add(c01, d301);
  tile_store(c, c00, c01, nr);
}


// ---- packing B -----------------------------------------------------------------------------------

export function gemm_packed_size(K: i32, N: i32): i32 {
  return K * ((N + NR - 1) & ~(NR - 1));
}

// B stored [K, N] (transB = 0) or [N, K] (transB = 1, B's transpose is used), row stride ldb.
export function gemm_pack_b(b: usize, ldb: i32, K: i32, N: i32, transB: i32, dst: usize): void {
  if (K <= 0 || N <= 0) return;
  const ldb4 = <usize>ldb << 2;
  const panel = <usize>K << 5;
  const P = (N + NR - 1) >> 3;
  if (!transB) {
    // Two panels at a time, k inner: each row of B gives one 64-byte line, and the two panels are
    // written in order (k outer would scatter every row over all panels, a page apart each).
    const full = N >> 3;
    let p = 0;
    for (; p + 2 <= full; p += 2) {
      let s = b + (<usize>p << 5), d = dst + <usize>p * panel;
      for (let k = 0; k < K; k++) {
        const v0 = load<v128>(s), v1 = load<v128>(s, 16), v2 = load<v128>(s, 32), v3 = load<v128>(s, 48);
        store<v128>(d, v0);
        store<v128>(d, v1, 16);
        store<v128>(d + panel, v2);
        store<v128>(d + panel, v3, 16);
        s += ldb4;
        d += 32;
      }
    }
    for (; p < P; p++) {
      const cols = N - (p << 3);
      let s = b + (<usize>p << 5), d = dst + <usize>p * panel;
      for (let k = 0; k < K; k++) {
        store<v128>(d, load_lanes(s, cols));
        store<v128>(d, load_lanes(s + 16, cols - 4), 16);
        s += ldb4;
        d += 32;
      }
    }
    return;
  }
  // Bᵀ: panel p takes rows 8p .. 8p+7 of the stored [N, K] matrix; four k at a time, two 4 × 4
  // transposes turn eight row segments into four 8-float panel rows.
  const K4 = K & ~3;
  for (let p = 0; p < P; p++) {
    const n0 = p << 3;
    const rows = min(NR, N - n0);
    const r0 = b + <usize>n0 * ldb4;
    const d0 = dst + <usize>p * panel;
    for (let k = 0; k < K4; k += 4) {
      const s = r0 + (<usize>k << 2);
      const t0 = rows > 0 ? load<v128>(s) : zero;
      const t1 = rows > 1 ? load<v128>(s + ldb4) : zero;
      const t2 = rows > 2 ? load<v128>(s + 2 * ldb4) : zero;
      const t3 = rows > 3 ? load<v128>(s + 3 * ldb4) : zero;
      const t4 = rows > 4 ? load<v128>(s + 4 * ldb4) : zero;
      const t5 = rows > 5 ? load<v128>(s + 5 * ldb4) : zero;
      const t6 = rows > 6 ? load<v128>(s + 6 * ldb4) : zero;
      const t7 = rows > 7 ? load<v128>(s + 7 * ldb4) : zero;
      const d = d0 + (<usize>k << 5);
      transpose_store(d, t0, t1, t2, t3);
      transpose_store(d + 16, t4, t5, t6, t7);
    }
    for (let k = K4; k < K; k++) {
      const d = d0 + (<usize>k << 5);
      for (let n = 0; n < NR; n++) {
        store<f32>(d + (<usize>n << 2), n < rows ? load<f32>(r0 + <usize>n * ldb4 + (<usize>k << 2)) : 0);
      }
    }
  }
}

// Rows r0 .. r3 (4 consecutive k each) become 4 columns: column j of the result goes to d + 32·j.
// @ts-ignore: decorator
@inline function transpose_store(d: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const u0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const u1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const u2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const u3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  store<v128>(d, i32x4.shuffle(u0, u2, 0, 1, 4, 5));
  store<v128>(d, i32x4.shuffle(u0, u2, 2, 3, 6, 7), 32);
  store<v128>(d, i32x4.shuffle(u1, u3, 0, 1, 4, 5), 64);
  store<v128>(d, i32x4.shuffle(u1, u3, 2, 3, 6, 7), 96);
}

// ---- the product -----------------------------------------------------------------------------------

export function gemm_packed(M: i32, N: i32, K: i32, a: usize, lda: i32, transA: i32, bp: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0) return;
  const ldc4 = <usize>ldc << 2;
  if (K <= 0) {
    if (!accumulate) for (let m = 0; m < M; m++) memory.fill(c + <usize>m * ldc4, 0, <usize>N << 2);
    return;
  }
  const lda4 = <usize>lda << 2;
  const panel = <usize>K << 5;
  const P = (N + NR - 1) >> 3;
  const M4 = M & ~3;
  // Stepping one row (op(A) = A) or one k (Aᵀ) through A, in bytes.
  const rowStep: usize = transA ? 4 : lda4;
  const kStep: usize = transA ? lda4 : 4;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    // Later K blocks add to what the first one wrote.
    const acc = k0 > 0 ? 1 : accumulate;
    const ak = a + <usize>k0 * kStep;
    const bk = bp + (<usize>k0 << 5);
    for (let m0 = 0; m0 < M4; m0 += MC) {
      const m1 = min(m0 + MC, M4);
      for (let p = 0; p < P; p++) {
        const nr = N - (p << 3);
        const b = bk + <usize>p * panel;
        const cp = c + (<usize>p << 5);
        for (let m = m0; m < m1; m += 4) {
          if (transA) tile_4x8_ta(kc, ak + <usize>m * rowStep, lda4, b, panel, cp + <usize>m * ldc4, ldc4, acc, nr);
          else tile_4x8(kc, ak + <usize>m * rowStep, lda4, b, panel, cp + <usize>m * ldc4, ldc4, acc, nr);
        }
      }
    }
    if (M4 < M) edge_rows(M - M4, P, N, kc, ak + <usize>M4 * rowStep, lda4, transA, bk, panel, c + <usize>M4 * ldc4, ldc4, acc);
  }
}

// The last 1 .. 3 rows of C (all of C when M < 4): two panels per call for one or two rows.
function edge_rows(R: i32, P: i32, N: i32, kc: i32, a: usize, lda4: usize, transA: i32, bk: usize, panel: usize, c: usize, ldc4: usize, acc: i32): void {
  let p = 0;
  if (R == 3) {
    for (; p < P; p++) {
      const b = bk + <usize>p * panel, cp = c + (<usize>p << 5), nr = N - (p << 3);
      if (transA) tile_3x8_ta(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
      else tile_3x8(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
    }
  } else if (R == 2) {
    for (; p + 2 <= P; p += 2) {
      const b = bk + <usize>p * panel, cp = c + (<usize>p << 5), nr = N - (p << 3);
      if (transA) tile_2x16_ta(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
      else tile_2x16(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
    }
    if (p < P) {
      const b = bk + <usize>p * panel, cp = c + (<usize>p << 5), nr = N - (p << 3);
      if (transA) tile_2x8_ta(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
      else tile_2x8(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
    }
  } else {
    for (; p + 2 <= P; p += 2) {
      const b = bk + <usize>p * panel, cp = c + (<usize>p << 5), nr = N - (p << 3);
      if (transA) tile_1x16_ta(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
      else tile_1x16(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
    }
    if (p < P) {
      const b = bk + <usize>p * panel, cp = c + (<usize>p << 5), nr = N - (p << 3);
      if (transA) tile_1x8_ta(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
      else tile_1x8(kc, a, lda4, b, panel, cp, ldc4, acc, nr);
    }
  }
}

export function gemm_scratch_size(K: i32, N: i32): i32 {
  return gemm_packed_size(K, N);
}

export function gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, transA: i32, b: usize, ldb: i32, transB: i32, c: usize, ldc: i32, accumulate: i32, scratch: usize): void {
  if (M > 0 && M <= 4 && N > 0 && K > 0 && !transB) {
    gemm_rows(M, N, K, a, lda, transA, b, ldb, c, ldc, accumulate, scratch);
    return;
  }
  gemm_pack_b(b, ldb, K, N, transB, scratch);
  gemm_packed(M, N, K, a, lda, transA, scratch, c, ldc, accumulate);
}

// Up to four rows of C read B once however it is laid out, so packing first would only add a
// pass over B: the _rows kernels read B's rows where they lie (stride ldb). Only a last partial
// panel is packed (into scratch), so that no load reaches past the end of B's rows.
function gemm_rows(M: i32, N: i32, K: i32, a: usize, lda: i32, transA: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, scratch: usize): void {
  const lda4 = <usize>lda << 2, ldb4 = <usize>ldb << 2, ldc4 = <usize>ldc << 2;
  const full = N >> 3;
  let p = 0;
  if (M == 4) {
    for (; p < full; p++) {
      const o = <usize>p << 5;
      if (transA) tile_4x8_ta_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
      else tile_4x8_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
    }
  } else if (M == 3) {
    for (; p < full; p++) {
      const o = <usize>p << 5;
      if (transA) tile_3x8_ta_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
      else tile_3x8_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
    }
  } else if (M == 2) {
    for (; p + 2 <= full; p += 2) {
      const o = <usize>p << 5;
      if (transA) tile_2x16_ta_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 16);
      else tile_2x16_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 16);
    }
    if (p < full) {
      const o = <usize>p << 5;
      p++;
      if (transA) tile_2x8_ta_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
      else tile_2x8_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
    }
  } else {
    for (; p + 2 <= full; p += 2) {
      const o = <usize>p << 5;
      if (transA) tile_1x16_ta_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 16);
      else tile_1x16_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 16);
    }
    if (p < full) {
      const o = <usize>p << 5;
      p++;
      if (transA) tile_1x8_ta_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
      else tile_1x8_rows(K, a, lda4, b + o, ldb4, c + o, ldc4, accumulate, 8);
    }
  }
  if (p << 3 < N) {
    const o = <usize>p << 5;
    gemm_pack_b(b + o, ldb, K, N - (p << 3), 0, scratch);
    gemm_packed(M, N - (p << 3), K, a, lda, transA, scratch, c + o, ldc, accumulate);
  }
}
