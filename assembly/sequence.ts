// Elementwise helpers, embedding, masking, Bidirectional merge. ABI: README.md in this folder.
// B batch, T steps, F features, H units per direction, N rows (ids), D embedding size, V vocabulary.
import { MERGE_CONCAT, MERGE_SUM, MERGE_MUL } from "./abi";

// memory.copy has memmove semantics, so overlapping src and dst are fine.
export function copy_f32(n: i32, src: usize, dst: usize): void {
  if (n > 0) memory.copy(dst, src, <usize>n << 2);
}

export function fill_f32(n: i32, dst: usize, v: f32): void {
  const vv = f32x4.splat(v);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(dst + (<usize>i << 2), vv);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), v);
}

export function mul_f32(n: i32, a: usize, b: usize, out: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

export function add_f32(n: i32, a: usize, b: usize, out: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

// dst[r, :] = src[idx[r], :]: a shuffled batch is built by one call instead of one copy per row in JS.
export function gather_rows(nIdx: i32, F: i32, src: usize, idx: usize, dst: usize): void {
  const rowBytes = <usize>F << 2;
  for (let r = 0; r < nIdx; r++) {
    const s = <usize>load<i32>(idx + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + s * rowBytes, rowBytes);
  }
}

// @ts-ignore: decorator
@inline function valid_id(v: f32, V: i32): bool {
  // NaN fails every comparison, so it is rejected too.
  return v >= 0 && v < <f32>V && Mathf.floor(v) == v;
}

export function embedding_check_ids(n: i32, ids: usize, V: i32): i32 {
  for (let i = 0; i < n; i++) {
    if (!valid_id(load<f32>(ids + (<usize>i << 2)), V)) return i;
  }
  return -1;
}

// Ids are checked by embedding_check_ids first. This call is not given V, so it can only refuse what
// no table has: a negative, fractional or NaN id gives a zero row.
export function embedding_forward(N: i32, D: i32, ids: usize, table: usize, out: usize): void {
  const rowBytes = <usize>D << 2;
  for (let r = 0; r < N; r++) {
    const v = load<f32>(ids + (<usize>r << 2));
    const dst = out + <usize>r * rowBytes;
    if (v >= 0 && Mathf.floor(v) == v) memory.copy(dst, table + <usize><i32>v * rowBytes, rowBytes);
    else memory.fill(dst, 0, rowBytes);
  }
}

// dtable[id, :] += dout[r, :]. A repeated id accumulates, which is why the caller zeroes dtable.
// A negative, fractional or NaN id is skipped rather than written below the table.
export function embedding_backward(N: i32, D: i32, ids: usize, dout: usize, dtable: usize): void {
  const rowBytes = <usize>D << 2;
  for (let r = 0; r < N; r++) {
    const v = load<f32>(ids + (<usize>r << 2));
    if (!(v >= 0 && Mathf.floor(v) == v)) continue;
    add_f32(D, dtable + <usize><i32>v * rowBytes, dout + <usize>r * rowBytes, dtable + <usize><i32>v * rowBytes);
  }
}

// Keras Masking: a step is kept when any feature differs from maskValue (so NaN keeps a step).
export function mask_from_values(B: i32, T: i32, F: i32, x: usize, maskValue: f32, mask: usize): void {
  const mv = f32x4.splat(maskValue);
  const F4 = F & ~3;
  const steps = B * T;
  for (let s = 0; s < steps; s++) {
    const row = x + (<usize>s * F << 2);
    let keep = false;
    let f = 0;
    for (; f < F4; f += 4) {
      if (v128.any_true(v128.not(f32x4.eq(v128.load(row + (<usize>f << 2)), mv)))) { keep = true; break; }
    }
    if (!keep) {
      for (; f < F; f++) {
        if (load<f32>(row + (<usize>f << 2)) != maskValue) { keep = true; break; }
      }
    }
    store<f32>(mask + (<usize>s << 2), keep ? 1 : 0);
  }
}

// Embedding(maskZero): id 0 is padding.
export function mask_from_ids(N: i32, ids: usize, mask: usize): void {
  for (let i = 0; i < N; i++) store<f32>(mask + (<usize>i << 2), load<f32>(ids + (<usize>i << 2)) != 0 ? 1 : 0);
}

// out = a·sa + b·sb over n floats (sum: 1, 1; ave: 0.5, 0.5).
// @ts-ignore: decorator
@inline function lincomb(n: i32, a: usize, b: usize, out: usize, s: f32): void {
  const sv = f32x4.splat(s);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(f32x4.add(v128.load(a + o), v128.load(b + o)), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, (load<f32>(a + o) + load<f32>(b + o)) * s);
  }
}

// @ts-ignore: decorator
@inline function scaled_copy(n: i32, src: usize, dst: usize, s: f32): void {
  const sv = f32x4.splat(s);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.mul(v128.load(src + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o) * s);
  }
}

// Bidirectional: `a` is the forward layer's output [B, T, H], `b` the backward layer's. The backward
// layer emits its sequence in processing order (reversed time), so with reverseB the row of b that
// belongs with a's step t is b's step T-1-t. Rows are H floats, one (batch, step) at a time.
export function merge_forward(mode: i32, B: i32, T: i32, H: i32, a: usize, b: usize, out: usize, reverseB: i32): void {
  const hb = <usize>H << 2;
  const outH = mode == MERGE_CONCAT ? 2 * H : H;
  for (let bi = 0; bi < B; bi++) {
    for (let t = 0; t < T; t++) {
      const ar = a + <usize>(bi * T + t) * hb;
      const br = b + <usize>(bi * T + (reverseB ? T - 1 - t : t)) * hb;
      const or = out + (<usize>(bi * T + t) * outH << 2);
      switch (mode) {
        case MERGE_CONCAT:
          memory.copy(or, ar, hb);
          memory.copy(or + hb, br, hb);
          break;
        case MERGE_SUM: lincomb(H, ar, br, or, 1); break;
        case MERGE_MUL: mul_f32(H, ar, br, or); break;
        default: lincomb(H, ar, br, or, 0.5); break; // MERGE_AVE
      }
    }
  }
}

// In the forward pass out was a ⊕ b (concat), a + b, a ⊙ b or (a + b)/2, so dout flows back as its
// halves, whole, times the other input, or halved. da and db are written by step as a and b are
// stored (db in b's own, possibly reversed, order); either may be 0 when not wanted.
export function merge_backward(mode: i32, B: i32, T: i32, H: i32, a: usize, b: usize, dout: usize, da: usize, db: usize, reverseB: i32): void {
  const hb = <usize>H << 2;
  const outH = mode == MERGE_CONCAT ? 2 * H : H;
  for (let bi = 0; bi < B; bi++) {
    for (let t = 0; t < T; t++) {
      const ia = <usize>(bi * T + t) * hb;
      const ib = <usize>(bi * T + (reverseB ? T - 1 - t : t)) * hb;
      const dr = dout + (<usize>(bi * T + t) * outH << 2);
      switch (mode) {
        case MERGE_CONCAT:
          if (da) memory.copy(da + ia, dr, hb);
          if (db) memory.copy(db + ib, dr + hb, hb);
          break;
        case MERGE_SUM:
          if (da) memory.copy(da + ia, dr, hb);
          if (db) memory.copy(db + ib, dr, hb);
          break;
        case MERGE_MUL:
          if (da) mul_f32(H, dr, b + ib, da + ia);
          if (db) mul_f32(H, dr, a + ia, db + ib);
          break;
        default: // MERGE_AVE
          if (da) scaled_copy(H, dr, da + ia, 0.5);
          if (db) scaled_copy(H, dr, db + ib, 0.5);
          break;
      }
    }
  }
}

// out[b, :] = seq[b, T-1, :]: what a recurrent layer returns without returnSequences.
export function last_step(B: i32, T: i32, H: i32, seq: usize, out: usize): void {
  if (T <= 0) return;
  const hb = <usize>H << 2;
  for (let bi = 0; bi < B; bi++) memory.copy(out + <usize>bi * hb, seq + <usize>(bi * T + T - 1) * hb, hb);
}
