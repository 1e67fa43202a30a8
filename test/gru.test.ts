// The GRU kernel (assembly/gru.ts) against the float64 reference (test/reference/gru.ts, itself
// checked by finite differences in test/reference-gru-rnn.test.ts): forward outputs and every
// gradient, odd shapes, both reset modes and every option, both builds.
// Tolerances (|a - b| / max(1, |b|)): forward 1e-5 (f32, and SIMD sigmoid/tanh within 1e-6);
// gradients 1e-4 (f32 sums over B·T steps and through T steps of recurrence).
// Every output is surrounded by guard floats and starts as a sentinel: the kernel must write all of
// it (=, not +=) and nothing past it; with a 0 pointer it must write nothing at all.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, rng, randArray, type Build } from './util/kernels.js';
import { maxRelDiff, SIGMOID, TANH, RELU, HARD_SIGMOID } from './reference/activations.js';
import { gruForward, gruBackward, type GruArgs } from './reference/gru.js';

const FWD_TOL = 1e-5, GRAD_TOL = 1e-4;
const GUARD = 16, SENTINEL = -1234.5;
const worst = { fwd: 0, grad: 0 };
afterAll(() => console.log(`GRU kernel vs reference: largest relative difference forward ${worst.fwd.toExponential(2)}, gradients ${worst.grad.toExponential(2)}`));

interface Opts {
  resetAfter: boolean; back?: boolean; mask?: boolean; drop?: boolean; h0?: boolean;
  act?: number; recAct?: number; seq?: boolean; last?: boolean;
}

const SHAPES: [number, number, number, number][] = [[1, 1, 1, 1], [3, 5, 7, 9], [2, 7, 3, 13], [5, 4, 6, 17], [8, 20, 16, 33]];
const COMBOS: [string, Opts][] = [
  ['resetAfter, h0', { resetAfter: true, h0: true }],
  ['resetBefore, goBackwards, mask, h0', { resetAfter: false, back: true, mask: true, h0: true }],
  ['resetAfter, dropout, mask', { resetAfter: true, drop: true, mask: true }],
  ['resetBefore, dropout, goBackwards, hardSigmoid, relu', { resetAfter: false, drop: true, back: true, recAct: HARD_SIGMOID, act: RELU }],
  ['resetAfter, hardSigmoid, relu, dhseq only, goBackwards', { resetAfter: true, recAct: HARD_SIGMOID, act: RELU, last: false, back: true }],
  ['resetBefore, dhT only, mask, dropout, h0', { resetAfter: false, seq: false, mask: true, drop: true, h0: true }],
  ['resetAfter, everything', { resetAfter: true, back: true, mask: true, drop: true, h0: true, recAct: HARD_SIGMOID }],
  ['resetBefore, everything', { resetAfter: false, back: true, mask: true, drop: true, h0: true, act: RELU }],
];

const f32 = (a: Float64Array) => a.map(Math.fround);

function makeCase(B: number, T: number, I: number, H: number, o: Opts, seed: number) {
  const r = rng(seed);
  const G = 3 * H;
  const a: GruArgs = {
    B, T, I, H, resetAfter: o.resetAfter, goBackwards: !!o.back, act: o.act ?? TANH, recAct: o.recAct ?? SIGMOID,
    x: f32(randArray(B * T * I, r)), W: f32(randArray(I * G, r, 1 / Math.sqrt(I))), U: f32(randArray(H * G, r, 1 / Math.sqrt(H))),
    bias: f32(randArray(o.resetAfter ? 2 * G : G, r, 0.5)),
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
  const G = 3 * H;
  const flags = (a.resetAfter ? 1 : 0) | (a.goBackwards ? 2 : 0);
  const put = (v: Float64Array | null) => (v ? arena.put(v) : 0);
  const x = put(a.x), W = put(a.W), U = put(a.U), bias = put(a.bias), h0 = put(a.h0), mask = put(a.mask), xDrop = put(a.xDrop), hDrop = put(a.hDrop);
  const dhs = put(dhseq), dhT_ = put(dhT);
  const sizes: Record<string, number> = { gates: B * T * G, hrec: B * T * H, hseq: B * T * H, hT: B * H, dW: I * G, dU: H * G, db: a.resetAfter ? 2 * G : G, dx: B * T * I, dh0: B * H };
  const ptr: Record<string, number> = {};
  for (const name of Object.keys(sizes)) ptr[name] = output(env, sizes[name]);
  const nScratch = k.gru_scratch_size(B, T, I, H, flags);
  const scratch = output(env, nScratch);
  // uninitialized scratch must never be read: NaN would show
  arena.write(scratch, new Float32Array(nScratch).fill(NaN));
  const low = new Uint8Array(k.memory.buffer, 0, arena.base).slice();
  const p = (name: string) => (skip.includes(name) ? 0 : ptr[name]);
  // the backward needs the forward's gates, hrec and hseq; skipping them is a forward-only check
  k.gru_forward(B, T, I, H, flags, a.act, a.recAct, x, W, U, bias, h0, mask, xDrop, hDrop, p('gates'), p('hrec'), p('hseq'), p('hT'), scratch);
  if (!skip.includes('gates') && !skip.includes('hrec') && !skip.includes('hseq'))
    k.gru_backward(B, T, I, H, flags, a.act, a.recAct, x, W, U, bias, h0, mask, xDrop, hDrop, ptr.gates, ptr.hrec, ptr.hseq, dhs, dhT_,
      p('dW'), p('dU'), p('db'), p('dx'), p('dh0'), scratch);
  const lowIntact = new Uint8Array(k.memory.buffer, 0, arena.base).every((v, i) => v === low[i]);
  const guards = Object.keys(sizes).every((n) => guardIntact(env, ptr[n], sizes[n])) && guardIntact(env, scratch, nScratch);
  const out: Record<string, Float64Array> = {};
  for (const name of Object.keys(sizes)) out[name] = Float64Array.from(arena.read(ptr[name], sizes[name]));
  return { out, lowIntact, guards };
}

describe('GRU kernel vs float64 reference', () => {
  for (const build of BUILDS)
    for (const [B, T, I, H] of SHAPES)
      for (const [name, o] of COMBOS) {
        it(`${build} B=${B} T=${T} I=${I} H=${H} ${name}`, () => {
          const c = makeCase(B, T, I, H, o, B * 7919 + T * 131 + I * 17 + H + name.length * 101);
          const f = gruForward(c.a);
          const g = gruBackward(c.a, f, c.dhseq, c.dhT);
          const { out, guards } = runKernel(build, c);
          expect(guards).toBe(true);
          const fwd = Math.max(maxRelDiff(out.gates, f.gates), maxRelDiff(out.hrec, f.hrec), maxRelDiff(out.hseq, f.hseq), maxRelDiff(out.hT, f.hT));
          const grad = Math.max(maxRelDiff(out.dW, g.dW), maxRelDiff(out.dU, g.dU), maxRelDiff(out.db, g.db), maxRelDiff(out.dx, g.dx), maxRelDiff(out.dh0, g.dh0));
          worst.fwd = Math.max(worst.fwd, fwd);
          worst.grad = Math.max(worst.grad, grad);
          expect(fwd).toBeLessThan(FWD_TOL);
          expect(grad).toBeLessThan(GRAD_TOL);
        });
      }
});

describe('GRU kernel: absent outputs and packed weights', () => {
  for (const build of BUILDS)
    for (const resetAfter of [true, false]) {
      it(`${build} resetAfter=${resetAfter}: a 0 output is skipped, the others are unchanged`, () => {
        const c = makeCase(3, 6, 5, 7, { resetAfter, back: true, mask: true, drop: true, h0: true }, 42);
        const full = runKernel(build, c);
        const skips = [['gates', 'hrec', 'hseq'], ['hT'], ['dW'], ['dU'], ['db'], ['dx'], ['dh0'], ['dW', 'dU', 'db', 'dx', 'dh0']];
        for (const skip of skips) {
          const part = runKernel(build, c, skip);
          expect(part.lowIntact && part.guards).toBe(true);
          for (const name of Object.keys(full.out)) {
            const skipped = skip.includes(name) || (skip.includes('gates') && name.startsWith('d'));
            if (skipped) expect(part.out[name].every((v) => v === SENTINEL)).toBe(true);
            else expect(part.out[name]).toEqual(full.out[name]);
          }
        }
      });

      it(`${build} resetAfter=${resetAfter}: FLAG_PACKED reuses the packed W and U, also for a one-step call`, () => {
        const { k, arena } = loadKernels(build);
        const B = 3, T = 5, I = 6, H = 11, G = 33;
        const flags = resetAfter ? 1 : 0;
        const r = rng(9);
        const W = arena.put(randArray(I * G, r, 0.4)), U = arena.put(randArray(H * G, r, 0.3)), bias = arena.put(randArray(resetAfter ? 2 * G : G, r));
        const gates = arena.alloc(B * T * G), hrec = arena.alloc(B * T * H), hseq = arena.alloc(B * T * H), hT = arena.alloc(B * H);
        const scratch = arena.alloc(k.gru_scratch_size(B, T, I, H, flags));
        const fresh = arena.alloc(k.gru_scratch_size(B, T, I, H, flags));
        const run = (steps: number, x: number, s: number, f: number) => {
          k.gru_forward(B, steps, I, H, f, TANH, SIGMOID, x, W, U, bias, 0, 0, 0, 0, gates, hrec, hseq, hT, s);
          return arena.read(hT, B * H);
        };
        run(T, arena.put(randArray(B * T * I, r)), scratch, flags);
        for (const steps of [T, 1]) {
          const x = arena.put(randArray(B * steps * I, r));
          const want = run(steps, x, fresh, flags);
          expect(run(steps, x, scratch, flags | 8)).toEqual(want);
        }
      });
    }
});
