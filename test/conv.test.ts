// The Conv1D, pooling and LayerNormalization kernels (assembly/conv.ts, assembly/norm.ts) against the
// float64 references (test/reference/conv.ts, norm.ts; themselves checked by finite differences in
// reference-conv.test.ts), both builds, odd shapes: every padding, strides 1–3, dilations 1–3,
// kernel sizes 1–5, B = 1 and 3, T not a multiple of 4, channels and filters past a 4-float vector
// and an 8-float GEMM panel. Outputs sit between guard floats holding a sentinel: a kernel must
// write all of an output and nothing around it. f32 against f64: within 2e-5 (|a − b| / max(1, |b|)).
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, randArray, rng } from './util/kernels.js';
import type { Arena } from '../src/runtime/arena.js';
import type { Kernels } from '../src/runtime/kernels.js';
import { maxRelDiff } from './reference/activations.js';
import { ACT_LINEAR, ACT_RELU, ACT_TANH, ACT_SIGMOID, ACT_SOFTMAX, POOL_AVG, POOL_MAX } from '../src/runtime/abi.generated.js';
import {
  convGeometry, conv1dForward, conv1dBackward, poolGeometry, poolForward, poolBackward, globalPoolForward, globalPoolBackward,
  type Act, type ConvDims, type Padding,
} from './reference/conv.js';
import { layerNormForward, layerNormBackward } from './reference/norm.js';

const TOL = 2e-5;
const GUARD = 16, SENTINEL = -1234.5;
const worst = { conv: 0, pool: 0, norm: 0 };
afterAll(() => console.log(`conv kernels vs float64 references: largest relative difference conv1d ${worst.conv.toExponential(2)}, pooling ${worst.pool.toExponential(2)}, layer norm ${worst.norm.toExponential(2)}`));

const ACT_CODE: Record<Act, number> = { linear: ACT_LINEAR, relu: ACT_RELU, tanh: ACT_TANH, sigmoid: ACT_SIGMOID };

function output(arena: Arena, n: number): number {
  const p = arena.alloc(n + 2 * GUARD);
  arena.write(p, new Float32Array(n + 2 * GUARD).fill(SENTINEL));
  return p + 4 * GUARD;
}

function guardsIntact(arena: Arena, p: number, n: number): boolean {
  const ok = (v: number) => v === SENTINEL;
  return arena.read(p - 4 * GUARD, GUARD).every(ok) && arena.read(p + 4 * n, GUARD).every(ok);
}

function near(what: string, got: ArrayLike<number>, want: ArrayLike<number>, key: keyof typeof worst): void {
  const d = maxRelDiff(got, want);
  worst[key] = Math.max(worst[key], d);
  expect(d, what).toBeLessThan(TOL);
}

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

interface ConvCase { B: number; T: number; C: number; F: number; K: number; stride: number; dilation: number; padding: Padding; act: Act }

function convCases(): ConvCase[] {
  const out: ConvCase[] = [];
  const acts: Act[] = ['linear', 'relu', 'tanh', 'sigmoid'];
  let i = 0;
  for (const padding of ['valid', 'same', 'causal'] as Padding[])
    for (let K = 1; K <= 5; K++)
      for (let stride = 1; stride <= 3; stride++)
        for (let dilation = 1; dilation <= 3; dilation++) {
          // keep the count down: every (K, stride, dilation) once per padding, shapes varying
          const T = [7, 13, 10, 19, 5][(K + stride + dilation) % 5];
          if (padding === 'valid' && (K - 1) * dilation + 1 > T) continue;
          const B = i % 3 === 0 ? 1 : 3;
          const C = [1, 3, 5, 9][i % 4], F = [1, 4, 7, 9, 17][i % 5];
          out.push({ B, T, C, F, K, stride, dilation, padding, act: acts[i % 4] });
          i++;
        }
  return out;
}

function runConv(k: Kernels, arena: Arena, c: ConvCase, seed: number, withBias = true) {
  const { To, padL } = convGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
  const g: ConvDims = { B: c.B, T: c.T, C: c.C, F: c.F, K: c.K, stride: c.stride, dilation: c.dilation, padL, To };
  const r = rng(seed);
  const x = f32(randArray(c.B * c.T * c.C, r)), W = f32(randArray(c.K * c.C * c.F, r, 0.5)), bias = f32(randArray(c.F, r));
  const dyv = f32(randArray(c.B * To * c.F, r));
  const mark = arena.mark();
  const px = arena.put(x), pW = arena.put(W), pb = withBias ? arena.put(bias) : 0;
  const ny = c.B * To * c.F, nx = c.B * c.T * c.C, nW = c.K * c.C * c.F;
  const py = output(arena, ny);
  const cols = arena.alloc(k.conv1d_cols_size(c.B, To, c.C, c.K));
  const scratch = arena.alloc(k.conv1d_scratch_size(c.B, To, c.C, c.F, c.K));
  const code = ACT_CODE[c.act];
  k.conv1d_forward(c.B, c.T, c.C, c.F, c.K, c.stride, c.dilation, padL, To, code, px, pW, pb, py, cols, scratch);
  const y = arena.read(py, ny);
  const yRef = conv1dForward(g, x, W, withBias ? bias : null, c.act);
  const pdy = arena.put(dyv);
  const pdW = output(arena, nW), pdb = output(arena, c.F), pdx = output(arena, nx);
  k.conv1d_backward(c.B, c.T, c.C, c.F, c.K, c.stride, c.dilation, padL, To, code, pW, py, pdy, cols, pdW, pdb, pdx, scratch);
  // the reference differentiates through the kernel's own y (so that relu's kinks agree)
  const ref = conv1dBackward(g, x, W, y, dyv, c.act);
  const res = {
    y, yRef, dW: arena.read(pdW, nW), db: arena.read(pdb, c.F), dx: arena.read(pdx, nx), ref,
    guards: guardsIntact(arena, py, ny) && guardsIntact(arena, pdW, nW) && guardsIntact(arena, pdb, c.F) && guardsIntact(arena, pdx, nx),
  };
  arena.release(mark);
  return res;
}

describe.each(BUILDS)('conv kernels (%s build)', (build) => {
  it('conv1d forward and backward: every padding, kernel sizes 1–5, strides 1–3, dilations 1–3, odd shapes', () => {
    const { k, arena } = loadKernels(build);
    const cases = convCases();
    expect(cases.length).toBeGreaterThan(100);
    cases.forEach((c, i) => {
      const what = `${c.padding} B=${c.B} T=${c.T} C=${c.C} F=${c.F} K=${c.K} s=${c.stride} d=${c.dilation} ${c.act}`;
      const r = runConv(k, arena, c, 500 + i);
      near(`${what}: y`, r.y, r.yRef, 'conv');
      near(`${what}: dW`, r.dW, r.ref.dW, 'conv');
      near(`${what}: db`, r.db, r.ref.db, 'conv');
      near(`${what}: dx`, r.dx, r.ref.dx, 'conv');
      expect(r.guards, `${what}: guards`).toBe(true);
    });
  });

  it('conv1d: no bias; dx and db not wanted are not written; softmax over filters', () => {
    const { k, arena } = loadKernels(build);
    const c: ConvCase = { B: 2, T: 9, C: 3, F: 6, K: 3, stride: 1, dilation: 2, padding: 'same', act: 'linear' };
    const r = runConv(k, arena, c, 77, false);
    near('no bias: y', r.y, r.yRef, 'conv');
    // absent outputs
    const { To, padL } = convGeometry(c.T, c.K, c.stride, c.dilation, c.padding);
    const x = arena.put(f32(randArray(c.B * c.T * c.C, rng(3)))), W = arena.put(f32(randArray(c.K * c.C * c.F, rng(4))));
    const y = arena.alloc(c.B * To * c.F), cols = arena.alloc(k.conv1d_cols_size(c.B, To, c.C, c.K));
    const scratch = arena.alloc(k.conv1d_scratch_size(c.B, To, c.C, c.F, c.K));
    k.conv1d_forward(c.B, c.T, c.C, c.F, c.K, 1, 2, padL, To, ACT_SOFTMAX, x, W, 0, y, cols, scratch);
    const ys = arena.read(y, c.B * To * c.F);
    for (let row = 0; row < c.B * To; row++) {
      let s = 0;
      for (let f = 0; f < c.F; f++) s += ys[row * c.F + f];
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
    const dy = arena.put(f32(randArray(c.B * To * c.F, rng(5))));
    const dW = output(arena, c.K * c.C * c.F);
    k.conv1d_backward(c.B, c.T, c.C, c.F, c.K, 1, 2, padL, To, ACT_SOFTMAX, W, y, dy, cols, dW, 0, 0, scratch);
    expect(guardsIntact(arena, dW, c.K * c.C * c.F)).toBe(true);
    expect(arena.read(dW, c.K * c.C * c.F).every((v) => v !== SENTINEL && Number.isFinite(v))).toBe(true);
  });

  it('pool1d max and average: valid and same, pool sizes 1–5, strides 1–3, odd shapes', () => {
    const { k, arena } = loadKernels(build);
    let i = 0;
    for (const kind of ['max', 'avg'] as const)
      for (const padding of ['valid', 'same'] as const)
        for (let P = 1; P <= 5; P++)
          for (let stride = 1; stride <= 3; stride++) {
            const B = i % 2 ? 1 : 3, T = [7, 13, 5, 10][i % 4], C = [1, 3, 5, 9, 17][i % 5];
            i++;
            if (padding === 'valid' && P > T) continue;
            const { To, padL } = poolGeometry(T, P, stride, padding);
            const g = { B, T, C, P, stride, padL, To };
            const x = f32(randArray(B * T * C, rng(900 + i))), dyv = f32(randArray(B * To * C, rng(950 + i)));
            const mark = arena.mark();
            const px = arena.put(x), py = output(arena, B * To * C), pdy = arena.put(dyv), pdx = output(arena, B * T * C);
            const code = kind === 'max' ? POOL_MAX : POOL_AVG;
            k.pool1d_forward(code, B, T, C, P, stride, padL, To, px, py);
            k.pool1d_backward(code, B, T, C, P, stride, padL, To, px, pdy, pdx);
            const what = `${kind} ${padding} B=${B} T=${T} C=${C} P=${P} s=${stride}`;
            near(`${what}: y`, arena.read(py, B * To * C), poolForward(kind, g, x), 'pool');
            near(`${what}: dx`, arena.read(pdx, B * T * C), poolBackward(kind, g, x, dyv), 'pool');
            expect(guardsIntact(arena, py, B * To * C) && guardsIntact(arena, pdx, B * T * C), `${what}: guards`).toBe(true);
            arena.release(mark);
          }
  });

  it('global pooling max and average (with and without a [B, T] mask, a row all masked gives 0)', () => {
    const { k, arena } = loadKernels(build);
    for (const kind of ['max', 'avg'] as const)
      for (const masked of [false, true])
        for (const [B, T, C] of [[1, 1, 1], [1, 7, 5], [3, 13, 9], [4, 6, 17]]) {
          const r = rng(B * 100 + T * 10 + C + (masked ? 7 : 0));
          const x = f32(randArray(B * T * C, r)), dyv = f32(randArray(B * C, r));
          const mask = masked ? f32(Array.from({ length: B * T }, (_, i) => (Math.floor(i / T) === B - 1 && B > 1 ? 0 : r() < 0.3 ? 0 : 1))) : null;
          const mark = arena.mark();
          const px = arena.put(x), pm = mask ? arena.put(mask) : 0, py = output(arena, B * C), pdy = arena.put(dyv), pdx = output(arena, B * T * C);
          const code = kind === 'max' ? POOL_MAX : POOL_AVG;
          k.global_pool1d_forward(code, B, T, C, px, pm, py);
          k.global_pool1d_backward(code, B, T, C, px, pm, pdy, pdx);
          const what = `global ${kind}${masked ? ' masked' : ''} B=${B} T=${T} C=${C}`;
          near(`${what}: y`, arena.read(py, B * C), globalPoolForward(kind, B, T, C, x, mask), 'pool');
          near(`${what}: dx`, arena.read(pdx, B * T * C), globalPoolBackward(kind, B, T, C, x, mask, dyv), 'pool');
          expect(guardsIntact(arena, py, B * C) && guardsIntact(arena, pdx, B * T * C), `${what}: guards`).toBe(true);
          arena.release(mark);
        }
  });

  it('layer norm forward and backward: D 1–33, with and without gamma/beta, dx in place of dy', () => {
    const { k, arena } = loadKernels(build);
    for (const [M, D] of [[1, 1], [1, 3], [3, 4], [5, 7], [2, 9], [7, 17], [3, 33]])
      for (const affine of [true, false]) {
        const r = rng(M * 40 + D + (affine ? 1 : 0));
        // an offset mean: the one-pass variance must still be right
        const x = f32(randArray(M * D, r, 2).map((v) => v + 3)), gamma = f32(randArray(D, r)), beta = f32(randArray(D, r));
        const dyv = f32(randArray(M * D, r));
        const eps = 1e-3;
        const mark = arena.mark();
        const px = arena.put(x), pg = affine ? arena.put(gamma) : 0, pb = affine ? arena.put(beta) : 0;
        const py = output(arena, M * D), mean = arena.alloc(M), rstd = arena.alloc(M);
        k.layer_norm_forward(M, D, eps, px, pg, pb, py, mean, rstd);
        const pdy = arena.put(dyv), pdx = output(arena, M * D), pdg = output(arena, D), pdb = output(arena, D);
        k.layer_norm_backward(M, D, px, pg, mean, rstd, pdy, pdx, pdg, pdb);
        const what = `M=${M} D=${D}${affine ? '' : ' no gamma/beta'}`;
        near(`${what}: y`, arena.read(py, M * D), layerNormForward(M, D, eps, x, affine ? gamma : null, affine ? beta : null), 'norm');
        const ref = layerNormBackward(M, D, eps, x, affine ? gamma : null, dyv);
        near(`${what}: dx`, arena.read(pdx, M * D), ref.dx, 'norm');
        near(`${what}: dgamma`, arena.read(pdg, D), ref.dgamma, 'norm');
        near(`${what}: dbeta`, arena.read(pdb, D), ref.dbeta, 'norm');
        expect(guardsIntact(arena, py, M * D) && guardsIntact(arena, pdx, M * D) && guardsIntact(arena, pdg, D) && guardsIntact(arena, pdb, D)).toBe(true);
        // dx over dy
        k.layer_norm_backward(M, D, px, pg, mean, rstd, pdy, pdy, 0, 0);
        near(`${what}: dx in place`, arena.read(pdy, M * D), ref.dx, 'norm');
        arena.release(mark);
      }
  });
});
