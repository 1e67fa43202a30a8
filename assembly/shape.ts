// Merge and shape layers of the functional API (Keras semantics). ABI: README.md in this folder.
// Add, Subtract, Multiply, Maximum, Minimum: ew_binary (an n-ary merge is a left fold of binary
// calls) and ew_binary_backward; Average: the sum's fold, then scale_f32 by 1/k. Concatenate:
// copy_blocks, forward and backward. RepeatVector: repeat_forward, repeat_backward. Permute:
// permute, forward and (with the inverse permutation) backward. Reshape and Flatten move no data.
// B batch, n elements or repeats, F features. Every op rounds at most once per element and output,
// except repeat_backward's sum (f32, in order) and the accumulating backward (+= rounds again).
import { EW_ADD, EW_SUB, EW_MUL, EW_MAX, EW_MIN } from "./abi";

// ---- elementwise ----------------------------------------------------------------------------------

// f32x4.max/min and f32.max/min (Mathf.max/min) agree lane for lane: NaN if either is NaN, and
// -0 < +0. So the SIMD body and the scalar tail give the same bits.
// @ts-ignore: decorator
@inline function ew_v(op: i32, a: v128, b: v128): v128 {
  if (op == EW_ADD) return f32x4.add(a, b);
  if (op == EW_SUB) return f32x4.sub(a, b);
  if (op == EW_MUL) return f32x4.mul(a, b);
  if (op == EW_MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

// @ts-ignore: decorator
@inline function ew_s(op: i32, a: f32, b: f32): f32 {
  if (op == EW_ADD) return a + b;
  if (op == EW_SUB) return a - b;
  if (op == EW_MUL) return a * b;
  if (op == EW_MAX) return Mathf.max(a, b);
  return Mathf.min(a, b);
}

// `op` is a constant at every call site, so each call inlines to one branch-free loop.
// @ts-ignore: decorator
@inline function ew_map(op: i32, n: i32, a: usize, b: usize, out: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, ew_v(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, ew_s(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

// out = a op b over n floats; out may be a or b (each position is read before it is written).
// An unknown op writes nothing.
export function ew_binary(op: i32, n: i32, a: usize, b: usize, out: usize): void {
  switch (op) {
    case EW_ADD: ew_map(EW_ADD, n, a, b, out); break;
    case EW_SUB: ew_map(EW_SUB, n, a, b, out); break;
    case EW_MUL: ew_map(EW_MUL, n, a, b, out); break;
    case EW_MAX: ew_map(EW_MAX, n, a, b, out); break;
    case EW_MIN: ew_map(EW_MIN, n, a, b, out); break;
    default: break;
  }
}

// @ts-ignore: decorator
@inline function put_v(acc: bool, p: usize, g: v128): void {
  v128.store(p, acc ? f32x4.add(v128.load(p), g) : g);
}

// @ts-ignore: decorator
@inline function put_s(acc: bool, p: usize, g: f32): void {
  store<f32>(p, acc ? load<f32>(p) + g : g);
}

// One pass computes both gradients of each position from dy, a and b (all read first) and then
// stores them, which is what lets da or db be the same buffer as dy, a or b. op, acc, wa (da wanted)
// and wb (db wanted) are constants at every call site. Products are not fused with the += (the same
// bits in both builds). max/min: the mask routes dy whole, and the other side gets +0.
// @ts-ignore: decorator
@inline function grad_pass(op: i32, acc: bool, wa: bool, wb: bool, n: i32, a: usize, b: usize, dy: usize, da: usize, db: usize): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(dy + o);
    let ga = g, gb = g;
    if (op == EW_SUB) {
      gb = f32x4.neg(g);
    } else if (op == EW_MUL) {
      const vb = wa ? v128.load(b + o) : zero;
      const va = wb ? v128.load(a + o) : zero;
      ga = f32x4.mul(g, vb);
      gb = f32x4.mul(g, va);
    } else if (op == EW_MAX || op == EW_MIN) {
      const va = v128.load(a + o), vb = v128.load(b + o);
      // Ties go to the first input (TensorFlow's Maximum/Minimum gradient).
      const m = op == EW_MAX ? f32x4.ge(va, vb) : f32x4.le(va, vb);
      ga = v128.and(g, m);
      gb = v128.andnot(g, m);
    }
    if (wa) put_v(acc, da + o, ga);
    if (wb) put_v(acc, db + o, gb);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    let ga = g, gb = g;
    if (op == EW_SUB) {
      gb = -g;
    } else if (op == EW_MUL) {
      const vb: f32 = wa ? load<f32>(b + o) : 0;
      const va: f32 = wb ? load<f32>(a + o) : 0;
      ga = g * vb;
      gb = g * va;
    } else if (op == EW_MAX || op == EW_MIN) {
      const va = load<f32>(a + o), vb = load<f32>(b + o);
      const m = op == EW_MAX ? va >= vb : va <= vb;
      ga = m ? g : 0;
      gb = m ? 0 : g;
    }
    if (wa) put_s(acc, da + o, ga);
    if (wb) put_s(acc, db + o, gb);
  }
}

// @ts-ignore: decorator
@inline function grad_op(op: i32, acc: bool, n: i32, a: usize, b: usize, dy: usize, da: usize, db: usize): void {
  if (da && db) grad_pass(op, acc, true, true, n, a, b, dy, da, db);
  else if (da) grad_pass(op, acc, true, false, n, a, b, dy, da, db);
  else if (db) grad_pass(op, acc, false, true, n, a, b, dy, da, db);
}

// @ts-ignore: decorator
@inline function grad_dispatch(acc: bool, op: i32, n: i32, a: usize, b: usize, dy: usize, da: usize, db: usize): void {
  switch (op) {
    case EW_ADD: grad_op(EW_ADD, acc, n, a, b, dy, da, db); break;
    case EW_SUB: grad_op(EW_SUB, acc, n, a, b, dy, da, db); break;
    case EW_MUL: grad_op(EW_MUL, acc, n, a, b, dy, da, db); break;
    case EW_MAX: grad_op(EW_MAX, acc, n, a, b, dy, da, db); break;
    case EW_MIN: grad_op(EW_MIN, acc, n, a, b, dy, da, db); break;
    default: break;
  }
}

// Gradients of out = a op b given dy = dL/dout: da, db (= or += with accumulate). add and subtract
// never read a or b (they may be 0); multiply reads b for da and a for db; max/min read both.
export function ew_binary_backward(op: i32, n: i32, a: usize, b: usize, dy: usize, da: usize, db: usize, accumulate: i32): void {
  if (accumulate) grad_dispatch(true, op, n, a, b, dy, da, db);
  else grad_dispatch(false, op, n, a, b, dy, da, db);
}

// out = s·x; out may be x.
export function scale_f32(n: i32, x: usize, s: f32, out: usize): void {
  const sv = f32x4.splat(s);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(x + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) * s);
  }
}

// ---- moving blocks --------------------------------------------------------------------------------

// Runs this long or longer go to memory.copy (a call into the engine's memmove); shorter ones, the
// usual slice of a feature row, are copied by the loop, which is 2-3 times faster at 4-32 floats.
// Measured in Node 20 (V8): about even from 64 to 128 floats, memory.copy ahead from 256.
// Either way the bits are moved unchanged.
const COPY_LOOP_MAX: i32 = 64;

// @ts-ignore: decorator
@inline function copy_run(len: i32, src: usize, dst: usize): void {
  if (len >= COPY_LOOP_MAX) {
    memory.copy(dst, src, <usize>len << 2);
    return;
  }
  const n4 = len & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; j < len; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

// dst[i·dstStride + j] = src[i·srcStride + j] for i < count, j < len (strides and len in floats,
// strides >= 0; srcStride 0 repeats one block). Source and destination must not overlap.
export function copy_blocks(count: i32, len: i32, src: usize, srcStride: i32, dst: usize, dstStride: i32): void {
  if (len <= 0) return;
  const sb = <usize>srcStride << 2, db = <usize>dstStride << 2;
  for (let i = 0; i < count; i++) copy_run(len, src + <usize>i * sb, dst + <usize>i * db);
}

// RepeatVector: out[b, r, :] = x[b, :] for r < n. x [B, F], out [B, n, F].
export function repeat_forward(B: i32, n: i32, F: i32, x: usize, out: usize): void {
  if (F <= 0 || n <= 0) return;
  const fb = <usize>F << 2;
  for (let b = 0; b < B; b++) copy_blocks(n, F, x + <usize>b * fb, 0, out + <usize>(b * n) * fb, F);
}

// dx[b, f] = Σ_r dy[b, r, f], added in f32 from 0 in the order r = 0 .. n-1 (so n = 0 gives 0).
// Sixteen features (four registers) at a time down the n rows, then four, then one.
export function repeat_backward(B: i32, n: i32, F: i32, dy: usize, dx: usize): void {
  if (F <= 0) return;
  const rowB = <usize>F << 2;
  for (let b = 0; b < B; b++) {
    const src = dy + <usize>(b * n) * rowB, dst = dx + <usize>b * rowB;
    let f = 0;
    for (; f + 16 <= F; f += 16) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let p = src + (<usize>f << 2);
      for (let r = 0; r < n; r++, p += rowB) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
      }
      const q = dst + (<usize>f << 2);
      v128.store(q, a0);
      v128.store(q, a1, 16);
      v128.store(q, a2, 32);
      v128.store(q, a3, 48);
    }
    for (; f + 4 <= F; f += 4) {
      let a0 = f32x4.splat(0);
      let p = src + (<usize>f << 2);
      for (let r = 0; r < n; r++, p += rowB) a0 = f32x4.add(a0, v128.load(p));
      v128.store(dst + (<usize>f << 2), a0);
    }
    for (; f < F; f++) {
      let s: f32 = 0;
      let p = src + (<usize>f << 2);
      for (let r = 0; r < n; r++, p += rowB) s += load<f32>(p);
      store<f32>(dst + (<usize>f << 2), s);
    }
  }
}

// ---- Permute --------------------------------------------------------------------------------------

// Columns per block of transpose_2d: a block's 4-float pieces of destination rows stay in cache
// from one strip of four source rows to the next.
const TRANSPOSE_BLOCK: i32 = 64;

// dst[c·dstStride + r] = src[r·srcStride + c] for r < R, c < C (strides in floats). 4×4 tiles are
// transposed in registers; the rows and columns past the last whole tile are moved one by one.
function transpose_2d(R: i32, C: i32, src: usize, srcStride: i32, dst: usize, dstStride: i32): void {
  const sr = <usize>srcStride << 2, dr = <usize>dstStride << 2;
  const R4 = R & ~3, C4 = C & ~3;
  for (let c0 = 0; c0 < C4; c0 += TRANSPOSE_BLOCK) {
    const c1 = min(c0 + TRANSPOSE_BLOCK, C4);
    for (let r = 0; r < R4; r += 4) {
      for (let c = c0; c < c1; c += 4) {
        const p = src + <usize>r * sr + (<usize>c << 2);
        const v0 = v128.load(p), v1 = v128.load(p + sr), v2 = v128.load(p + 2 * sr), v3 = v128.load(p + 3 * sr);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        const q = dst + <usize>c * dr + (<usize>r << 2);
        v128.store(q, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(q + dr, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(q + 2 * dr, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(q + 3 * dr, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
    }
  }
  // Columns past the last whole tile, for the rows of whole tiles.
  for (let c = C4; c < C; c++) {
    for (let r = 0; r < R4; r++) store<f32>(dst + <usize>c * dr + (<usize>r << 2), load<f32>(src + <usize>r * sr + (<usize>c << 2)));
  }
  // Rows past the last whole tile, every column.
  for (let r = R4; r < R; r++) {
    for (let c = 0; c < C; c++) store<f32>(dst + <usize>c * dr + (<usize>r << 2), load<f32>(src + <usize>r * sr + (<usize>c << 2)));
  }
}

// Keras Permute on each of B samples. The sample has rank 1, 2 or 3 and dims d0, d1, d2 (d1 and d2
// ignored past the rank); p0, p1, p2 is the permutation, 0-based: out's axis i is x's axis p_i.
// The backward pass is the same call on dy with the inverse permutation (and out's dims).
// Anything but a permutation of 0 .. rank-1 writes nothing (src/ validates). x and out must not
// overlap. Every case is one copy, blocked copies or a (strided) 2-D transpose per sample.
export function permute(B: i32, rank: i32, d0: i32, d1: i32, d2: i32, p0: i32, p1: i32, p2: i32, x: usize, out: usize): void {
  // Rank 1 and 2 become rank 3 with leading axes of size 1: dims (e0, e1, e2), permutation q.
  let e0 = d0, e1 = d1, e2 = d2, q0 = p0, q1 = p1, q2 = p2;
  if (rank == 2) {
    e0 = 1; e1 = d0; e2 = d1; q0 = 0; q1 = p0 + 1; q2 = p1 + 1;
    if (!((p0 == 0 && p1 == 1) || (p0 == 1 && p1 == 0))) return;
  } else if (rank == 1) {
    e0 = 1; e1 = 1; e2 = d0; q0 = 0; q1 = 1; q2 = 2;
    if (p0 != 0) return;
  } else if (rank == 3) {
    if (p0 < 0 || p1 < 0 || p2 < 0 || p0 > 2 || p1 > 2 || p2 > 2 || p0 == p1 || p0 == p2 || p1 == p2) return;
  } else {
    return;
  }
  if (B <= 0 || e0 <= 0 || e1 <= 0 || e2 <= 0) return;
  const S = e0 * e1 * e2;
  const sb = <usize>S << 2;
  const code = q0 * 100 + q1 * 10 + q2;
  if (code == 12) {
    // (0, 1, 2): the identity.
    memory.copy(out, x, <usize>B * sb);
    return;
  }
  if (code == 21) {
    // (0, 2, 1): every [e1, e2] slice transposed; B·e0 slices in a row.
    const slice = <usize>(e1 * e2) << 2;
    const m = B * e0;
    for (let i = 0; i < m; i++) transpose_2d(e1, e2, x + <usize>i * slice, e2, out + <usize>i * slice, e1);
    return;
  }
  for (let b = 0; b < B; b++) {
    const xs = x + <usize>b * sb, os = out + <usize>b * sb;
    switch (code) {
      case 102: {
        // (1, 0, 2): out[i1, i0, :] = x[i0, i1, :], rows of e2 floats.
        for (let i1 = 0; i1 < e1; i1++) copy_blocks(e0, e2, xs + (<usize>(i1 * e2) << 2), e1 * e2, os + (<usize>(i1 * e0 * e2) << 2), e2);
        break;
      }
      case 120: {
        // (1, 2, 0): x as [e0, e1·e2], transposed.
        transpose_2d(e0, e1 * e2, xs, e1 * e2, os, e0);
        break;
      }
      case 201: {
        // (2, 0, 1): x as [e0·e1, e2], transposed.
        transpose_2d(e0 * e1, e2, xs, e2, os, e0 * e1);
        break;
      }
      default: {
        // (2, 1, 0): for each i1, the [e0, e2] slice (rows e1·e2 apart) transposed into rows e1·e0 apart.
        for (let i1 = 0; i1 < e1; i1++) transpose_2d(e0, e2, xs + (<usize>(i1 * e2) << 2), e1 * e2, os + (<usize>(i1 * e0) << 2), e1 * e0);
        break;
      }
    }
  }
}
