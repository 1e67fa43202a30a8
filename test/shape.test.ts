// The merge and shape kernels (assembly/shape.ts) against the float64 references
// (test/reference/shape.ts, themselves checked by finite differences in reference-shape.test.ts),
// both builds, odd shapes (sizes 0, 1, 3, 5, 7, 17, past a 4-float vector, a 16-float block and the
// 64-float memory.copy cut-over). These ops round at most once per step, so each is compared
// exactly (bits, signed zeros and NaN included) with the reference rounded the same way
// (Math.fround after every operation, in the kernel's order), and the folded merges also with the
// plain float64 reference, within 1e-6 (|a - b| / max(1, |b|)).
// Outputs sit between guard floats holding a sentinel: the kernel must write all of an output and
// nothing around it; an absent (0) output must not be written at all.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, randArray, rng } from './util/kernels.js';
import type { Arena } from '../src/runtime/arena.js';
import type { Kernels } from '../src/runtime/kernels.js';
import { maxRelDiff } from './reference/activations.js';
import { EW_ADD, EW_SUB, EW_MUL, EW_MAX, EW_MIN } from '../src/runtime/abi.generated.js';
import {
  ADD, SUBTRACT, MULTIPLY, MAXIMUM, MINIMUM, BINARY_NAMES, MERGE_NAMES, mergeBinaryOp, type MergeName,
  binaryForward, binaryBackward, mergeForward, mergeBackward, concatForward, concatBackward, concatShape,
  repeatForward, repeatBackward, permuteForward, permuteBackward, permuteShape, invertPermutation,
} from './reference/shape.js';

const F64_TOL = 1e-6;
const GUARD = 16, SENTINEL = -1234.5;
const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 17, 33];
const worst = { merge: 0, repeat: 0 };
afterAll(() => console.log(`shape kernels vs float64 references: largest relative difference merges ${worst.merge.toExponential(2)}, repeat backward ${worst.repeat.toExponential(2)} (exact against the f32-rounded references)`));

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const fr = Math.fround;
const prod = (d: number[]) => d.reduce((p, v) => p * v, 1);
// The kernel's op code (generated from assembly/abi.ts) for each of the reference's ops.
const KERNEL_OP: Record<number, number> = { [ADD]: EW_ADD, [SUBTRACT]: EW_SUB, [MULTIPLY]: EW_MUL, [MAXIMUM]: EW_MAX, [MINIMUM]: EW_MIN };

/** An output of n floats between guards, every float the sentinel (or `init`). */
function output(arena: Arena, n: number, init?: ArrayLike<number>): number {
  const p = arena.alloc(n + 2 * GUARD);
  arena.write(p, new Float32Array(n + 2 * GUARD).fill(SENTINEL));
  if (init) arena.write(p + 4 * GUARD, init);
  return p + 4 * GUARD;
}

function guardsIntact(arena: Arena, p: number, n: number): boolean {
  const ok = (v: number) => v === SENTINEL;
  return arena.read(p - 4 * GUARD, GUARD).every(ok) && arena.read(p + 4 * n, GUARD).every(ok);
}

/** n f32 values with ties, signed zeros, infinities and a NaN mixed in where n allows. */
function special(n: number, r: () => number): { a: Float32Array; b: Float32Array } {
  const a = f32(randArray(n, r, 3)), b = f32(randArray(n, r, 3));
  for (let i = 0; i < n; i++) {
    switch (i % 9) {
      case 2: b[i] = a[i]; break; // tie
      case 4: a[i] = -0; b[i] = 0; break;
      case 5: a[i] = 0; b[i] = -0; break;
      case 7: if (i > 20) a[i] = NaN; else b[i] = Infinity; break;
      case 8: a[i] = -Infinity; break;
    }
  }
  return { a, b };
}

describe.each(BUILDS)('shape kernels (%s build)', (build) => {
  it('ew_binary: every op, out = a op b, also in place (out = a, out = b)', () => {
    const { k, arena } = loadKernels(build);
    for (let op = 0; op < 5; op++)
      for (const n of SIZES) {
        const { a, b } = special(n, rng(op * 100 + n));
        const ref = f32(binaryForward(op, a, b));
        const pa = arena.put(a), pb = arena.put(b), po = output(arena, n);
        k.ew_binary(KERNEL_OP[op], n, pa, pb, po);
        expect(arena.read(po, n), `${BINARY_NAMES[op]} n=${n}`).toEqual(ref);
        expect(guardsIntact(arena, po, n)).toBe(true);
        k.ew_binary(KERNEL_OP[op], n, pa, pb, pa);
        expect(arena.read(pa, n)).toEqual(ref);
        arena.write(pa, a);
        k.ew_binary(KERNEL_OP[op], n, pa, pb, pb);
        expect(arena.read(pb, n)).toEqual(ref);
      }
    // An unknown op writes nothing.
    const po = output(arena, 5);
    k.ew_binary(99, 5, arena.put([1, 2, 3, 4, 5]), arena.put([1, 2, 3, 4, 5]), po);
    expect(Array.from(arena.read(po, 5))).toEqual(new Array(5).fill(SENTINEL));
  });

  it('ew_binary_backward: every op, = and +=, either gradient absent', () => {
    const { k, arena } = loadKernels(build);
    for (let op = 0; op < 5; op++)
      for (const n of SIZES)
        for (const acc of [0, 1])
          for (const want of ['both', 'da', 'db'] as const) {
            const r = rng(op * 1000 + n * 10 + acc);
            const { a, b } = special(n, r);
            const dy = f32(randArray(n, r)), da0 = f32(randArray(n, r)), db0 = f32(randArray(n, r));
            const g = binaryBackward(op, a, b, dy, fr);
            const refA = acc ? f32(da0.map((v, i) => v + g.da[i])) : f32(g.da);
            const refB = acc ? f32(db0.map((v, i) => v + g.db[i])) : f32(g.db);
            // add and subtract read neither a nor b: they are passed as absent.
            const reads = op === MULTIPLY || op === MAXIMUM || op === MINIMUM;
            const pa = reads ? arena.put(a) : 0, pb = reads ? arena.put(b) : 0, pdy = arena.put(dy);
            const pda = output(arena, n, acc ? da0 : undefined), pdb = output(arena, n, acc ? db0 : undefined);
            k.ew_binary_backward(KERNEL_OP[op], n, pa, pb, pdy, want === 'db' ? 0 : pda, want === 'da' ? 0 : pdb, acc);
            const what = `${BINARY_NAMES[op]} n=${n} accumulate=${acc} ${want}`;
            if (want === 'db') expect(Array.from(arena.read(pda, n)), what).toEqual(acc ? Array.from(da0) : new Array(n).fill(SENTINEL));
            else expect(arena.read(pda, n), what).toEqual(refA);
            if (want === 'da') expect(Array.from(arena.read(pdb, n)), what).toEqual(acc ? Array.from(db0) : new Array(n).fill(SENTINEL));
            else expect(arena.read(pdb, n), what).toEqual(refB);
            expect(guardsIntact(arena, pda, n) && guardsIntact(arena, pdb, n)).toBe(true);
            expect(arena.read(pdy, n)).toEqual(dy);
          }
  });

  it('ew_binary_backward with accumulate = 0: da or db may be the buffer of dy, a or b', () => {
    const { k, arena } = loadKernels(build);
    for (let op = 0; op < 5; op++)
      for (const n of [1, 5, 17]) {
        const r = rng(op * 10 + n);
        const { a, b } = special(n, r);
        const dy = f32(randArray(n, r));
        const g = binaryBackward(op, a, b, dy, fr);
        const [refA, refB] = [f32(g.da), f32(g.db)];
        const run = (alias: 'da=dy' | 'db=dy' | 'da=a' | 'db=b' | 'da=b,db=a') => {
          const pa = arena.put(a), pb = arena.put(b), pdy = arena.put(dy);
          const pda = alias === 'da=dy' ? pdy : alias === 'da=a' ? pa : alias === 'da=b,db=a' ? pb : arena.alloc(n);
          const pdb = alias === 'db=dy' ? pdy : alias === 'db=b' ? pb : alias === 'da=b,db=a' ? pa : arena.alloc(n);
          k.ew_binary_backward(KERNEL_OP[op], n, pa, pb, pdy, pda, pdb, 0);
          expect(arena.read(pda, n), `${BINARY_NAMES[op]} n=${n} ${alias}`).toEqual(refA);
          expect(arena.read(pdb, n), `${BINARY_NAMES[op]} n=${n} ${alias}`).toEqual(refB);
        };
        run('da=dy'); run('db=dy'); run('da=a'); run('db=b'); run('da=b,db=a');
      }
  });

  it('scale_f32: out = s·x, also in place', () => {
    const { k, arena } = loadKernels(build);
    for (const n of SIZES) {
      const x = f32(randArray(n, rng(n), 5));
      const s = fr(1 / 3);
      const ref = f32(x.map((v) => v * s));
      const px = arena.put(x), po = output(arena, n);
      k.scale_f32(n, px, s, po);
      expect(arena.read(po, n)).toEqual(ref);
      expect(guardsIntact(arena, po, n)).toBe(true);
      k.scale_f32(n, px, s, px);
      expect(arena.read(px, n)).toEqual(ref);
    }
  });

  it('copy_blocks: blocks land at their stride, the gaps between them untouched', () => {
    const { k, arena } = loadKernels(build);
    // count, len, srcStride, dstStride
    const CASES = [[0, 5, 5, 5], [3, 0, 4, 4], [1, 1, 1, 1], [4, 3, 5, 7], [5, 7, 7, 20], [3, 17, 17, 40], [2, 63, 63, 64], [2, 64, 70, 64], [3, 100, 100, 131], [4, 5, 0, 5], [1, 33, 0, 33]];
    for (const [count, len, ss, ds] of CASES) {
      const src = f32(randArray(count > 0 ? (count - 1) * ss + len : 0, rng(count * 100 + len)));
      const nd = count > 0 && len > 0 ? (count - 1) * ds + len : 0;
      const ref = new Float32Array(nd).fill(SENTINEL);
      for (let i = 0; i < count; i++) for (let j = 0; j < len; j++) ref[i * ds + j] = src[i * ss + j];
      const pd = output(arena, nd);
      k.copy_blocks(count, len, arena.put(src), ss, pd, ds);
      expect(arena.read(pd, nd), `count=${count} len=${len} strides ${ss}, ${ds}`).toEqual(ref);
      expect(guardsIntact(arena, pd, nd)).toBe(true);
    }
  });

  // Concatenate as a layer runs it: outer = B · (dims before the axis), each input's rows of
  // inner_k = (its dims from the axis on) floats, at its offset within rows of Σ inner_k.
  function concatKernel(k: Kernels, B: number, shapes: number[][], axis: number, xs: number[], out: number, backward: boolean): void {
    const outer = B * prod(shapes[0].slice(0, axis));
    const inner = shapes.map((s) => prod(s.slice(axis)));
    const total = inner.reduce((t, v) => t + v, 0);
    let off = 0;
    shapes.forEach((_, i) => {
      if (backward) k.copy_blocks(outer, inner[i], out + 4 * off, total, xs[i], inner[i]);
      else k.copy_blocks(outer, inner[i], xs[i], inner[i], out + 4 * off, total);
      off += inner[i];
    });
  }

  const CONCAT: [number, number[][], number][] = [
    [1, [[1], [1]], 0],
    [3, [[3], [5], [7]], 0],
    [2, [[17], [0], [4]], 0],
    [1, [[3, 5], [3, 7]], 1],
    [3, [[3, 5], [1, 5], [4, 5]], 0],
    [2, [[5, 1, 3], [5, 1, 7], [5, 1, 17]], 2],
    [1, [[2, 3, 5], [2, 7, 5]], 1],
    [3, [[1, 4, 3], [5, 4, 3]], 0],
    [2, [[3, 70], [3, 1]], 1],
  ];
  for (const [B, shapes, axis] of CONCAT)
    it(`Concatenate by copy_blocks: B=${B} ${shapes.map((s) => s.join('×')).join(' + ')} on sample axis ${axis}`, () => {
      const { k, arena } = loadKernels(build);
      const r = rng(B * 7 + axis + shapes.length * 31);
      const xs = shapes.map((s) => f32(randArray(B * prod(s), r)));
      const nOut = B * prod(concatShape(shapes, axis));
      const po = output(arena, nOut);
      const px = xs.map((x) => arena.put(x));
      concatKernel(k, B, shapes, axis, px, po, false);
      expect(arena.read(po, nOut)).toEqual(f32(concatForward(B, shapes, axis, xs)));
      expect(guardsIntact(arena, po, nOut)).toBe(true);
      const dy = f32(randArray(nOut, r));
      const pdx = shapes.map((s) => output(arena, B * prod(s)));
      concatKernel(k, B, shapes, axis, pdx, arena.put(dy), true);
      const ref = concatBackward(B, shapes, axis, dy);
      shapes.forEach((s, i) => {
        expect(arena.read(pdx[i], B * prod(s))).toEqual(f32(ref[i]));
        expect(guardsIntact(arena, pdx[i], B * prod(s))).toBe(true);
      });
    });

  it('repeat_forward and repeat_backward (f32 sum in order r = 0 .. n-1)', () => {
    const { k, arena } = loadKernels(build);
    for (const B of [1, 2, 3])
      for (const n of [0, 1, 3, 5])
        for (const F of [0, 1, 3, 5, 7, 17, 33]) {
          const r = rng(B * 1000 + n * 100 + F);
          const x = f32(randArray(B * F, r));
          const po = output(arena, B * n * F);
          k.repeat_forward(B, n, F, arena.put(x), po);
          expect(arena.read(po, B * n * F), `B=${B} n=${n} F=${F}`).toEqual(f32(repeatForward(B, n, F, x)));
          expect(guardsIntact(arena, po, B * n * F)).toBe(true);
          const dy = f32(randArray(B * n * F, r));
          const pdx = output(arena, B * F);
          k.repeat_backward(B, n, F, arena.put(dy), pdx);
          const got = arena.read(pdx, B * F);
          expect(got, `B=${B} n=${n} F=${F}`).toEqual(f32(repeatBackward(B, n, F, dy, fr)));
          expect(guardsIntact(arena, pdx, B * F)).toBe(true);
          const e = maxRelDiff(got, repeatBackward(B, n, F, dy));
          worst.repeat = Math.max(worst.repeat, e);
          expect(e).toBeLessThan(F64_TOL);
        }
  });

  const PERMS: Record<number, number[][]> = {
    1: [[0]],
    2: [[0, 1], [1, 0]],
    3: [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]],
  };
  const DIMS: number[][] = [[1], [7], [1, 1], [3, 5], [4, 8], [5, 70], [17, 3], [1, 1, 1], [2, 3, 5], [3, 4, 8], [5, 7, 17], [3, 9, 68], [1, 5, 4], [7, 1, 3]];
  for (const dims of DIMS)
    it(`permute: every permutation of ${dims.join('×')}, B = 1 and 3, and back with the inverse`, () => {
      const { k, arena } = loadKernels(build);
      const rank = dims.length;
      const [d0, d1 = 1, d2 = 1] = dims;
      for (const B of [1, 3])
        for (const perm of PERMS[rank]) {
          const [p0, p1 = 0, p2 = 0] = perm;
          const n = B * prod(dims);
          const r = rng(n + perm.reduce((s, p) => s * 3 + p, 0));
          const x = f32(randArray(n, r));
          const po = output(arena, n);
          k.permute(B, rank, d0, d1, d2, p0, p1, p2, arena.put(x), po);
          const what = `B=${B} (${perm.join(', ')})`;
          expect(arena.read(po, n), what).toEqual(f32(permuteForward(B, dims, perm, x)));
          expect(guardsIntact(arena, po, n)).toBe(true);
          // backward: the same kernel with the inverse permutation, over the output's dims
          const od = permuteShape(dims, perm), inv = invertPermutation(perm);
          const dy = f32(randArray(n, r));
          const pdx = output(arena, n);
          k.permute(B, rank, od[0], od[1] ?? 1, od[2] ?? 1, inv[0], inv[1] ?? 0, inv[2] ?? 0, arena.put(dy), pdx);
          expect(arena.read(pdx, n), what).toEqual(f32(permuteBackward(B, dims, perm, dy)));
          expect(guardsIntact(arena, pdx, n)).toBe(true);
        }
    });

  it('permute: anything but a permutation of 0 .. rank-1 writes nothing; B = 0 or a zero dim neither', () => {
    const { k, arena } = loadKernels(build);
    const x = arena.put(randArray(24, rng(1)));
    for (const [rank, p0, p1, p2] of [[3, 0, 0, 1], [3, 0, 1, 3], [3, -1, 0, 1], [2, 1, 1, 0], [2, 0, 2, 0], [1, 1, 0, 0], [4, 0, 1, 2], [0, 0, 0, 0]]) {
      const po = output(arena, 24);
      k.permute(1, rank, 2, 3, 4, p0, p1, p2, x, po);
      expect(Array.from(arena.read(po, 24)), `rank ${rank} (${p0}, ${p1}, ${p2})`).toEqual(new Array(24).fill(SENTINEL));
    }
    const po = output(arena, 24);
    k.permute(0, 3, 2, 3, 4, 2, 1, 0, x, po);
    k.permute(1, 3, 2, 0, 4, 2, 1, 0, x, po);
    expect(Array.from(arena.read(po, 24))).toEqual(new Array(24).fill(SENTINEL));
  });

  // A merge layer over k inputs as src/ would run it: the left fold by ew_binary (in place into
  // the running result, keeping the partials that maximum, minimum and multiply need backward),
  // Average as the sum times fround(1/k); backward, the fold unwound with the running gradient
  // updated in place (da = dy).
  function mergeKernel(k: Kernels, arena: Arena, name: MergeName, n: number, xs: Float32Array[], dy: Float32Array) {
    const op = KERNEL_OP[mergeBinaryOp(name)];
    const px = xs.map((x) => arena.put(x));
    const partial: number[] = [px[0]];
    for (let i = 1; i < xs.length; i++) {
      const p = arena.alloc(n);
      k.ew_binary(op, n, partial[i - 1], px[i], p);
      partial.push(p);
    }
    const out = output(arena, n);
    if (name === 'average') k.scale_f32(n, partial[xs.length - 1], fr(1 / xs.length), out);
    else k.copy_f32(n, partial[xs.length - 1], out);
    const g = arena.put(dy);
    if (name === 'average') k.scale_f32(n, g, fr(1 / xs.length), g);
    const pdx = xs.map(() => output(arena, n));
    for (let i = xs.length - 1; i >= 1; i--) k.ew_binary_backward(op, n, partial[i - 1], px[i], g, g, pdx[i], 0);
    k.copy_f32(n, g, pdx[0]);
    expect(guardsIntact(arena, out, n) && pdx.every((p) => guardsIntact(arena, p, n))).toBe(true);
    return { y: arena.read(out, n), dxs: pdx.map((p) => arena.read(p, n)) };
  }

  for (const name of MERGE_NAMES)
    it(`${name} of 2, 3 and 4 inputs (left fold) against the references`, () => {
      const { k, arena } = loadKernels(build);
      for (const nIn of [2, 3, 4])
        for (const n of [1, 3, 5, 7, 17]) {
          const r = rng(MERGE_NAMES.indexOf(name) * 1000 + nIn * 100 + n);
          const xs = Array.from({ length: nIn }, () => f32(randArray(n, r)));
          if (n >= 3) xs[1][2] = xs[0][2]; // a tie
          const dy = f32(randArray(n, r));
          const { y, dxs } = mergeKernel(k, arena, name, n, xs, dy);
          const what = `${name} of ${nIn}, n=${n}`;
          expect(y, what).toEqual(f32(mergeForward(name, xs, fr)));
          mergeBackward(name, xs, dy, fr).forEach((ref, i) => expect(dxs[i], `${what}: input ${i}`).toEqual(f32(ref)));
          let e = maxRelDiff(y, mergeForward(name, xs));
          mergeBackward(name, xs, dy).forEach((ref, i) => { e = Math.max(e, maxRelDiff(dxs[i], ref)); });
          worst.merge = Math.max(worst.merge, e);
          expect(e, what).toBeLessThan(F64_TOL);
        }
    });

  it('one tensor feeding both inputs (Multiply()([x, x])): db accumulated onto da', () => {
    const { k, arena } = loadKernels(build);
    const n = 7;
    const x = f32(randArray(n, rng(9))), dy = f32(randArray(n, rng(10)));
    const px = arena.put(x), pdx = output(arena, n);
    k.ew_binary_backward(EW_MUL, n, px, px, arena.put(dy), pdx, 0, 0);
    k.ew_binary_backward(EW_MUL, n, px, px, arena.put(dy), 0, pdx, 1);
    expect(arena.read(pdx, n)).toEqual(f32(x.map((v, i) => fr(dy[i] * v) + fr(dy[i] * v))));
  });
});
