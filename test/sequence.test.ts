// Elementwise helpers, gather, embedding, masks, Bidirectional merge and last_step, against plain
// TypeScript, both builds. All of these move or combine f32 values with at most one rounding, so
// results are compared exactly.
import { describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, randArray, rng } from './util/kernels.js';

const SIZES = [0, 1, 3, 4, 5, 17];
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const arr = (a: ArrayLike<number>) => Array.from(a);

// Reference merge: out[b, t] from a[b, t] and b[b, t'] with t' = T-1-t when reverseB.
function mergeRef(mode: number, B: number, T: number, H: number, a: Float32Array, b: Float32Array, rev: boolean): Float32Array {
  const outH = mode === 0 ? 2 * H : H;
  const out = new Float32Array(B * T * outH);
  for (let i = 0; i < B; i++)
    for (let t = 0; t < T; t++) {
      const tb = rev ? T - 1 - t : t;
      for (let h = 0; h < H; h++) {
        const x = a[(i * T + t) * H + h], y = b[(i * T + tb) * H + h];
        const o = (i * T + t) * outH;
        if (mode === 0) { out[o + h] = x; out[o + H + h] = y; }
        else out[o + h] = mode === 1 ? x + y : mode === 2 ? x * y : (x + y) * 0.5;
      }
    }
  return out;
}

function mergeBackRef(mode: number, B: number, T: number, H: number, a: Float32Array, b: Float32Array, dout: Float32Array, rev: boolean) {
  const outH = mode === 0 ? 2 * H : H;
  const da = new Float32Array(B * T * H), db = new Float32Array(B * T * H);
  for (let i = 0; i < B; i++)
    for (let t = 0; t < T; t++) {
      const tb = rev ? T - 1 - t : t;
      for (let h = 0; h < H; h++) {
        const ia = (i * T + t) * H + h, ib = (i * T + tb) * H + h, o = (i * T + t) * outH + h;
        switch (mode) {
          case 0: da[ia] = dout[o]; db[ib] = dout[o + H]; break;
          case 1: da[ia] = dout[o]; db[ib] = dout[o]; break;
          case 2: da[ia] = dout[o] * b[ib]; db[ib] = dout[o] * a[ia]; break;
          default: da[ia] = dout[o] * 0.5; db[ib] = dout[o] * 0.5;
        }
      }
    }
  return { da, db };
}

describe.each(BUILDS)('sequence helpers (%s build)', (build) => {
  it('copy_f32, fill_f32, mul_f32, add_f32', () => {
    const { k, arena } = loadKernels(build);
    for (const n of SIZES) {
      const r = rng(n + 1);
      const a = f32(randArray(n, r)), b = f32(randArray(n, r));
      const pa = arena.put(a), pb = arena.put(b), po = arena.alloc(n);
      k.copy_f32(n, pa, po);
      expect(arena.read(po, n)).toEqual(a);
      k.fill_f32(n, po, -2.5);
      expect(arr(arena.read(po, n))).toEqual(new Array(n).fill(-2.5));
      k.mul_f32(n, pa, pb, po);
      expect(arena.read(po, n)).toEqual(a.map((x, i) => x * b[i]));
      k.add_f32(n, pa, pb, po);
      expect(arena.read(po, n)).toEqual(a.map((x, i) => x + b[i]));
      // in place (out = a), as the Dropout layer may call it
      k.mul_f32(n, pa, pb, pa);
      expect(arena.read(pa, n)).toEqual(a.map((x, i) => x * b[i]));
    }
    // overlapping copy, both directions
    const p = arena.put([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    k.copy_f32(7, p, p + 12);
    expect(arr(arena.read(p, 10))).toEqual([0, 1, 2, 0, 1, 2, 3, 4, 5, 6]);
    k.copy_f32(7, p + 12, p);
    expect(arr(arena.read(p, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  });

  it('gather_rows: dst[r] = src[idx[r]], repeats allowed', () => {
    const { k, arena } = loadKernels(build);
    const F = 5, rows = 6;
    const src = f32(randArray(rows * F, rng(2)));
    const idx = [5, 0, 0, 3, 1];
    const pi = arena.alloc(idx.length);
    arena.i32(pi, idx.length).set(idx);
    const pd = arena.alloc(idx.length * F);
    k.gather_rows(idx.length, F, arena.put(src), pi, pd);
    expect(arena.read(pd, idx.length * F)).toEqual(f32(idx.flatMap((i) => arr(src.subarray(i * F, (i + 1) * F)))));
  });

  it('embedding_check_ids: first id that is not an integer in [0, V), else -1', () => {
    const { k, arena } = loadKernels(build);
    const V = 10;
    const check = (ids: number[]) => k.embedding_check_ids(ids.length, arena.put(ids), V);
    expect(check([0, 9, 3, 3, 0])).toBe(-1);
    expect(check([])).toBe(-1);
    expect(check([1, 2, 10])).toBe(2);
    expect(check([1, -1])).toBe(1);
    expect(check([1.5, 2])).toBe(0);
    expect(check([2, NaN])).toBe(1);
    expect(check([2, 3, Infinity])).toBe(2);
    expect(check([-0, 4])).toBe(-1);
  });

  it('embedding forward gathers rows; backward accumulates repeated ids into dtable', () => {
    const { k, arena } = loadKernels(build);
    for (const D of [1, 3, 4, 7]) {
      const V = 6;
      const table = f32(randArray(V * D, rng(D)));
      const ids = [2, 0, 5, 2, 2, 1, 0];
      const N = ids.length;
      const pids = arena.put(ids), pt = arena.put(table), po = arena.alloc(N * D);
      k.embedding_forward(N, D, pids, pt, po);
      expect(arena.read(po, N * D)).toEqual(f32(ids.flatMap((i) => arr(table.subarray(i * D, (i + 1) * D)))));
      const dout = f32(randArray(N * D, rng(D + 50)));
      const pdt = arena.put(new Float32Array(V * D));
      k.embedding_backward(N, D, pids, arena.put(dout), pdt);
      const ref = new Float32Array(V * D);
      ids.forEach((id, r) => { for (let j = 0; j < D; j++) ref[id * D + j] += dout[r * D + j]; });
      expect(arena.read(pdt, V * D)).toEqual(ref);
    }
  });

  it('mask_from_values: masked only when every feature equals maskValue (Keras Masking)', () => {
    const { k, arena } = loadKernels(build);
    for (const F of [1, 3, 4, 6, 9]) {
      const B = 2, T = 5, mv = -1;
      const x = new Float32Array(B * T * F).fill(mv);
      // step 0: all masked; step 1: one feature differs, in the last (tail) position;
      // step 2: the first differs; step 3: NaN (differs from everything); step 4: masked
      x[(0 * T + 1) * F + F - 1] = 0;
      x[(0 * T + 2) * F] = 3;
      x[(1 * T + 3) * F + Math.floor(F / 2)] = NaN;
      x[(1 * T + 0) * F + F - 1] = -1.0000001;
      const pm = arena.alloc(B * T);
      k.mask_from_values(B, T, F, arena.put(x), mv, pm);
      expect(arr(arena.read(pm, B * T))).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 1, 0]);
    }
  });

  it('mask_from_ids: id 0 is padding', () => {
    const { k, arena } = loadKernels(build);
    const pm = arena.alloc(6);
    k.mask_from_ids(6, arena.put([0, 1, 7, 0, 0, 2]), pm);
    expect(arr(arena.read(pm, 6))).toEqual([0, 1, 1, 0, 0, 1]);
  });

  for (const [B, T, H] of [[2, 3, 5], [1, 4, 4], [3, 1, 1]])
    for (const mode of [0, 1, 2, 3])
      for (const rev of [false, true])
        it(`merge mode ${['concat', 'sum', 'mul', 'ave'][mode]} B=${B} T=${T} H=${H} reverseB=${rev}`, () => {
          const { k, arena } = loadKernels(build);
          const r = rng(B * 100 + T * 10 + H + mode);
          const a = f32(randArray(B * T * H, r)), b = f32(randArray(B * T * H, r));
          const outH = mode === 0 ? 2 * H : H;
          const pa = arena.put(a), pb = arena.put(b), po = arena.alloc(B * T * outH);
          k.merge_forward(mode, B, T, H, pa, pb, po, rev ? 1 : 0);
          expect(arena.read(po, B * T * outH)).toEqual(mergeRef(mode, B, T, H, a, b, rev));
          const dout = f32(randArray(B * T * outH, r));
          const pda = arena.alloc(B * T * H), pdb = arena.alloc(B * T * H);
          k.merge_backward(mode, B, T, H, pa, pb, arena.put(dout), pda, pdb, rev ? 1 : 0);
          const ref = mergeBackRef(mode, B, T, H, a, b, dout, rev);
          expect(arena.read(pda, B * T * H)).toEqual(ref.da);
          expect(arena.read(pdb, B * T * H)).toEqual(ref.db);
          // Either gradient may be absent.
          arena.write(pda, new Float32Array(B * T * H));
          k.merge_backward(mode, B, T, H, pa, pb, arena.put(dout), pda, 0, rev ? 1 : 0);
          expect(arena.read(pda, B * T * H)).toEqual(ref.da);
        });

  it('last_step: out[b] = seq[b, T-1]', () => {
    const { k, arena } = loadKernels(build);
    const B = 3, T = 4, H = 5;
    const seq = f32(randArray(B * T * H, rng(4)));
    const po = arena.alloc(B * H);
    k.last_step(B, T, H, arena.put(seq), po);
    const ref: number[] = [];
    for (let b = 0; b < B; b++) ref.push(...seq.subarray((b * T + T - 1) * H, (b * T + T) * H));
    expect(arr(arena.read(po, B * H))).toEqual(ref);
  });
});
