// The SimpleRNN kernel (assembly/rnn.ts) against the float64 reference (test/reference/rnn.ts,
// itself checked by finite differences in test/reference-gru-rnn.test.ts): forward outputs and
// every gradient, odd shapes, every option, both builds.
// Tolerances (|a - b| / max(1, |b|)): forward 1e-5 (f32, and SIMD sigmoid/tanh within 1e-6);
// gradients 1e-4 (f32 sums over B·T steps and through T steps of recurrence).
// Every output is surrounded by guard floats and starts as a sentinel: the kernel must write all of
// it (=, not +=) and nothing past it; with a 0 pointer it must write nothing at all.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, rng, randArray, type Build } from './util/kernels.js';
import { maxRelDiff, TANH, RELU, SIGMOID, LINEAR } from './reference/activations.js';
import { rnnForward, rnnBackward, type RnnArgs } from './reference/rnn.js';

const FWD_TOL = 1e-5, GRAD_TOL = 1e-4;
const GUARD = 16, SENTINEL = -1234.5;
const worst = { fwd: 0, grad: 0 };
afterAll(() => console.log(`SimpleRNN kernel vs reference: largest relative difference forward ${worst.fwd.toExponential(2)}, gradients ${worst.grad.toExponential(2)}`));

interface Opts {
  back?: boolean; mask?: boolean; drop?: boolean; h0?: boolean;
  act?: number; seq?: boolean; last?: boolean;
}

const SHAPES: [number, number, number, number][] = [[1, 1, 1, 1], [3, 5, 7, 9], [2, 7, 3, 13], [5, 4, 6, 17], [8, 20, 16, 33]];
const COMBOS: [string, Opts][] = [
  ['h0', { h0: true }],
  ['goBackwards, mask, h0', { back: true, mask: true, h0: true }],
  ['dropout, mask', { drop: true, mask: true }],
  ['relu, dropout, goBackwards', { act: RELU, drop: true, back: true }],
  ['sigmoid, dhseq only, goBackwards', { act: SIGMOID, last: false, back: true }],
  ['linear, dhT only, mask, dropout, h0', { act: LINEAR, seq: false, mask: true, drop: true, h0: true }],
  ['everything, relu', { back: true, mask: true, drop: true, h0: true, act: RELU }],
];

const f32 = (a: Float64Array) => a.map(Math.fround);

function makeCase(B: number, T: number, I: number, H: number, o: Opts, seed: number) {
  const r = rng(seed);
  const a: RnnArgs = {
    B, T, I, H, goBackwards: !!o.back, act: o.act ?? TANH,
    x: f32(randArray(B * T * I, r)), W: f32(randArray(I * H, r, 1 / Math.sqrt(I))), U: f32(randArray(H * H, r, 1 / Math.sqrt(H))),
    bias: f32(randArray(H, r, 0.5)),
    h0: o.h0 ? f32(randArray(B * H, r, 0.8)) : null,
    mask: o.mask ? Float64Array.from({ length: B * T }, (_, i) => (i === 0 || i % 3 === 2 ? 0 : 1)) : null,
    xDrop: o.drop ? Float64Array.from({ length: B * I }, () => (r() < 0.3 ? 0 : Math.fround(1 / 0.7))) : null,
    hDrop: o.drop ? Float64Array.from({ length: B * H }, () => (r() < 0.3 ? 0 : Math.fround(1 / 0.7))) : null,
  };
  const dhseq = o.seq === false ? null : f32(randArray(B * T * H, r));
  const dhT = o.last === false ? null : f32(randArray(B * H, r));
  return { a, dhseq, dhT };
}

type Kernel = ReturnType<typeof loadKernels>;

function output(env: Kernel, n: number): number {
  const p = env.arena.alloc(n + GUARD);
  env.arena.write(p, new Float32Array(n + GUARD).fill(SENTINEL));
  return p;
}

function guardIntact(env: Kernel, p: number, n: number): boolean {
  return env.arena.read(p + 4 * n, GUARD).every((v) => v === SENTINEL);
}

/** Runs forward then backward; any name in `skip` gets a 0 pointer. */
function runKernel(build: Build, c: ReturnType<typeof makeCase>, skip: string[] = []) {
  const env = loadKernels(build);
  const { k, arena } = env;
  const { a, dhseq, dhT } = c;
  const { B, T, I, H } = a;
  const flags = a.goBackwards ? 2 : 0;
  const put = (v: Float64Array | null) => (v ? arena.put(v) : 0);
  const x = put(a.x), W = put(a.W), U = put(a.U), bias = put(a.bias), h0 = put(a.h0), mask = put(a.mask), xDrop = put(a.xDrop), hDrop = put(a.hDrop);
  const dhs = put(dhseq), dhT_ = put(dhT);
  const sizes: Record<string, number> = { hseq: B * T * H, hT: B * H, dW: I * H, dU: H * H, db: H, dx: B * T * I, dh0: B * H };
  const ptr: Record<string, number> = {};
  for (const name of Object.keys(sizes)) ptr[name] = output(env, sizes[name]);
  const nScratch = k.rnn_scratch_size(B, T, I, H, flags);
  const scratch = output(env, nScratch);
  // uninitialized scratch must never be read: NaN would show
  arena.write(scratch, new Float32Array(nScratch).fill(NaN));
  const low = new Uint8Array(k.memory.buffer, 0, arena.base).slice();
  const p = (name: string) => (skip.includes(name) ? 0 : ptr[name]);
  // the backward needs the forward's hseq; skipping it is a forward-only check
  k.rnn_forward(B, T, I, H, flags, a.act, x, W, U, bias, h0, mask, xDrop, hDrop, p('hseq'), p('hT'), scratch);
  if (!skip.includes('hseq'))
    k.rnn_backward(B, T, I, H, flags, a.act, x, W, U, h0, mask, xDrop, hDrop, ptr.hseq, dhs, dhT_,
      p('dW'), p('dU'), p('db'), p('dx'), p('dh0'), scratch);
  const lowIntact = new Uint8Array(k.memory.buffer, 0, arena.base).every((v, i) => v === low[i]);
  const guards = Object.keys(sizes).every((n) => guardIntact(env, ptr[n], sizes[n])) && guardIntact(env, scratch, nScratch);
  const out: Record<string, Float64Array> = {};
  for (const name of Object.keys(sizes)) out[name] = Float64Array.from(arena.read(ptr[name], sizes[name]));
  return { out, lowIntact, guards };
}

describe('SimpleRNN kernel vs float64 reference', () => {
  for (const build of BUILDS)
    for (const [B, T, I, H] of SHAPES)
      for (const [name, o] of COMBOS) {
        it(`${build} B=${B} T=${T} I=${I} H=${H} ${name}`, () => {
          const c = makeCase(B, T, I, H, o, B * 7919 + T * 131 + I * 17 + H + name.length * 101);
          const f = rnnForward(c.a);
          const g = rnnBackward(c.a, f, c.dhseq, c.dhT);
          const { out, guards } = runKernel(build, c);
          expect(guards).toBe(true);
          const fwd = Math.max(maxRelDiff(out.hseq, f.hseq), maxRelDiff(out.hT, f.hT));
          const grad = Math.max(maxRelDiff(out.dW, g.dW), maxRelDiff(out.dU, g.dU), maxRelDiff(out.db, g.db), maxRelDiff(out.dx, g.dx), maxRelDiff(out.dh0, g.dh0));
          worst.fwd = Math.max(worst.fwd, fwd);
          worst.grad = Math.max(worst.grad, grad);
          expect(fwd).toBeLessThan(FWD_TOL);
          expect(grad).toBeLessThan(GRAD_TOL);
        });
      }
});

describe('SimpleRNN kernel: absent outputs and packed weights', () => {
  for (const build of BUILDS) {
    it(`${build}: a 0 output is skipped, the others are unchanged`, () => {
      const c = makeCase(3, 6, 5, 7, { back: true, mask: true, drop: true, h0: true }, 42);
      const full = runKernel(build, c);
      const skips = [['hseq'], ['hT'], ['dW'], ['dU'], ['db'], ['dx'], ['dh0'], ['dW', 'dU', 'db', 'dx', 'dh0']];
      for (const skip of skips) {
        const part = runKernel(build, c, skip);
        expect(part.lowIntact && part.guards).toBe(true);
        for (const name of Object.keys(full.out)) {
          const skipped = skip.includes(name) || (skip.includes('hseq') && name.startsWith('d'));
          if (skipped) expect(part.out[name].every((v) => v === SENTINEL)).toBe(true);
          else expect(part.out[name]).toEqual(full.out[name]);
        }
      }
    });

    it(`${build}: FLAG_PACKED reuses the packed W and U, also for a one-step call`, () => {
      const { k, arena } = loadKernels(build);
      const B = 3, T = 5, I = 6, H = 11;
      const r = rng(9);
      const W = arena.put(randArray(I * H, r, 0.4)), U = arena.put(randArray(H * H, r, 0.3)), bias = arena.put(randArray(H, r));
      const hseq = arena.alloc(B * T * H), hT = arena.alloc(B * H);
      const scratch = arena.alloc(k.rnn_scratch_size(B, T, I, H, 0));
      const fresh = arena.alloc(k.rnn_scratch_size(B, T, I, H, 0));
      const run = (steps: number, x: number, s: number, f: number) => {
        k.rnn_forward(B, steps, I, H, f, TANH, x, W, U, bias, 0, 0, 0, 0, hseq, hT, s);
        return arena.read(hT, B * H);
      };
      run(T, arena.put(randArray(B * T * I, r)), scratch, 0);
      for (const steps of [T, 1]) {
        const x = arena.put(randArray(B * steps * I, r));
        const want = run(steps, x, fresh, 0);
        expect(run(steps, x, scratch, 8)).toEqual(want);
      }
    });
  }
});
