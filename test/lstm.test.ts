// The LSTM kernel (assembly/lstm.ts) against the float64 reference (test/reference/lstm.ts, itself
// checked by finite differences in reference-lstm.test.ts), in both builds: every forward output
// (gates, cseq, hseq, hT, cT) and every gradient (dW, dU, db, dpeep, dx, dh0, dc0), on odd shapes
// (H not a multiple of 4 takes the scalar tail) and for the options the kernel takes.
//
// Tolerances, |kernel - reference| / max(1, |reference|): forward 1e-5 (f32, and the SIMD
// sigmoid/tanh within 1e-6); gradients 1e-4 (f32 sums over B·T steps and 4H-long dot products).
// Every call also has to leave the rest of memory alone: outputs and scratch start as NaN (so an
// output left unwritten, or accumulated into, shows), and every byte outside the outputs asked for
// and the scratch is compared before and after, guard bytes between buffers included.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, rng, randArray, type Build } from './util/kernels.js';
import { maxRelDiff, RELU, SIGMOID, TANH, HARD_SIGMOID } from './reference/activations.js';
import { lstmForward, lstmBackward, type LstmArgs, type LstmForward, type LstmGrads } from './reference/lstm.js';

const FWD_TOL = 1e-5, GRAD_TOL = 1e-4;
const FLAG_PEEPHOLE = 1, FLAG_GO_BACKWARDS = 2, FLAG_PACKED = 8;

const worst = { forward: 0, gradient: 0 };
afterAll(() => console.log(`LSTM kernel vs float64 reference: largest relative difference forward ${worst.forward.toExponential(2)}, gradients ${worst.gradient.toExponential(2)}`));

interface Case {
  B: number; T: number; I: number; H: number;
  /** peephole flag with weights; 'flag only': the flag with peep = 0 (p treated as zero). */
  peep?: boolean | 'flag only';
  back?: boolean; mask?: boolean; drop?: boolean; h0?: boolean; noBias?: boolean;
  act?: number; recAct?: number;
  /** upstream gradients: both (default), dhseq only, or dhT and dcT only */
  up?: 'both' | 'seq' | 'last';
}

const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));

function makeInputs(c: Case) {
  const { B, T, I, H } = c;
  const G = 4 * H;
  const r = rng(B * 7919 + T * 131 + I * 17 + H * 3 + (c.back ? 1 : 0) + (c.mask ? 2 : 0) + (c.drop ? 4 : 0) + (c.peep ? 8 : 0) + (c.recAct ?? 0) * 16 + (c.act ?? 0) * 64);
  // inputs rounded to f32 first, so the reference sees exactly what the kernel sees
  const a: LstmArgs = {
    B, T, I, H, goBackwards: !!c.back, act: c.act ?? TANH, recAct: c.recAct ?? SIGMOID,
    x: f32(randArray(B * T * I, r)), W: f32(randArray(I * G, r, 1 / Math.sqrt(I))), U: f32(randArray(H * G, r, 1 / Math.sqrt(H))),
    bias: c.noBias ? null : f32(randArray(G, r, 0.5)),
    peep: c.peep === true ? f32(randArray(3 * H, r, 0.5)) : c.peep === 'flag only' ? new Float64Array(3 * H) : null,
    h0: c.h0 ? f32(randArray(B * H, r, 0.8)) : null, c0: c.h0 ? f32(randArray(B * H, r, 0.8)) : null,
    // a middle step of every sequence, the first of the first, the last of the second
    mask: c.mask ? Float64Array.from({ length: B * T }, (_, i) => (i === 0 || i === 2 * T - 1 || i % T === Math.floor(T / 2) ? 0 : 1)) : null,
    xDrop: c.drop ? Float64Array.from({ length: B * I }, () => (r() < 0.3 ? 0 : Math.fround(1 / 0.7))) : null,
    hDrop: c.drop ? Float64Array.from({ length: B * H }, () => (r() < 0.3 ? 0 : Math.fround(1 / 0.7))) : null,
  };
  const up = c.up ?? 'both';
  return {
    a,
    dhseq: up === 'last' ? null : f32(randArray(B * T * H, r)),
    dhT: up === 'seq' ? null : f32(randArray(B * H, r)),
    dcT: up === 'seq' ? null : f32(randArray(B * H, r)),
  };
}

/** Every buffer of one kernel call pair, laid out by the arena (64-byte aligned, gaps between). */
function setup(build: Build, c: Case, inputs: ReturnType<typeof makeInputs>, share?: { env: ReturnType<typeof loadKernels>; scratch: number }) {
  const { k, arena } = share?.env ?? loadKernels(build);
  const { a } = inputs;
  const { B, T, I, H } = c;
  const G = 4 * H;
  const put = (v: Float64Array | null) => (v ? arena.put(v) : 0);
  const flags = (c.peep ? FLAG_PEEPHOLE : 0) | (c.back ? FLAG_GO_BACKWARDS : 0);
  const ptr = {
    x: put(a.x), W: put(a.W), U: put(a.U), bias: put(a.bias), peep: c.peep === true ? put(a.peep) : 0,
    h0: put(a.h0), c0: put(a.c0), mask: put(a.mask), xDrop: put(a.xDrop), hDrop: put(a.hDrop),
    dhseq: put(inputs.dhseq), dhT: put(inputs.dhT), dcT: put(inputs.dcT),
  };
  const sizes = {
    gates: B * T * G, cseq: B * T * H, hseq: B * T * H, hT: B * H, cT: B * H,
    dW: I * G, dU: H * G, db: G, dpeep: 3 * H, dx: B * T * I, dh0: B * H, dc0: B * H,
    scratch: k.lstm_scratch_size(B, T, I, H, flags),
  };
  const out = Object.fromEntries(Object.entries(sizes).map(([n, len]) => [n, arena.alloc(len)])) as Record<keyof typeof sizes, number>;
  if (share) out.scratch = share.scratch;
  arena.alloc(16); // guard bytes after the last buffer too
  const read = (p: number, n: number) => Float64Array.from(arena.read(p, n));
  const poison = (names: (keyof typeof sizes)[]) => { for (const n of names) arena.f32(out[n], sizes[n]).fill(NaN); };

  /** Runs f and fails if it changed any byte outside the named outputs and the scratch. */
  function onlyWrites(names: (keyof typeof sizes)[], f: () => void) {
    const allowed = [...names, 'scratch' as const].map((n) => [out[n], out[n] + 4 * sizes[n]]);
    const before = new Int32Array(k.memory.buffer.slice(0));
    f();
    const after = new Int32Array(k.memory.buffer);
    const stray: number[] = [];
    for (let i = 0; i < before.length; i++) {
      if (before[i] === after[i]) continue;
      const byte = 4 * i;
      if (!allowed.some(([lo, hi]) => byte >= lo && byte < hi)) stray.push(byte);
    }
    expect(stray.length, `bytes written outside the outputs, first at ${stray[0]}`).toBe(0);
  }

  function forward(extraFlags = 0, outs: { hT: boolean; cT: boolean } = { hT: true, cT: true }) {
    const names: (keyof typeof sizes)[] = ['gates', 'cseq', 'hseq', ...(outs.hT ? ['hT' as const] : []), ...(outs.cT ? ['cT' as const] : [])];
    poison(names);
    onlyWrites(names, () => k.lstm_forward(B, T, I, H, flags | extraFlags, a.act, a.recAct, ptr.x, ptr.W, ptr.U, ptr.bias, ptr.peep,
      ptr.h0, ptr.c0, ptr.mask, ptr.xDrop, ptr.hDrop, out.gates, out.cseq, out.hseq, outs.hT ? out.hT : 0, outs.cT ? out.cT : 0, out.scratch));
    return { gates: read(out.gates, sizes.gates), cseq: read(out.cseq, sizes.cseq), hseq: read(out.hseq, sizes.hseq), hT: read(out.hT, sizes.hT), cT: read(out.cT, sizes.cT) };
  }

  type GradName = 'dW' | 'dU' | 'db' | 'dpeep' | 'dx' | 'dh0' | 'dc0';
  const ALL: GradName[] = c.peep ? ['dW', 'dU', 'db', 'dpeep', 'dx', 'dh0', 'dc0'] : ['dW', 'dU', 'db', 'dx', 'dh0', 'dc0'];
  function backward(want: GradName[] = ALL) {
    poison(want);
    const p = (n: GradName) => (want.includes(n) ? out[n] : 0);
    onlyWrites(want, () => k.lstm_backward(B, T, I, H, flags, a.act, a.recAct, ptr.x, ptr.W, ptr.U, ptr.peep, ptr.h0, ptr.c0, ptr.mask, ptr.xDrop, ptr.hDrop,
      out.gates, out.cseq, out.hseq, ptr.dhseq, ptr.dhT, ptr.dcT, p('dW'), p('dU'), p('db'), p('dpeep'), p('dx'), p('dh0'), p('dc0'), out.scratch));
    return Object.fromEntries(want.map((n) => [n, read(out[n], sizes[n])])) as Partial<Record<GradName, Float64Array>>;
  }
  return { forward, backward, ALL, env: { k, arena }, scratch: out.scratch };
}

function reference(inputs: ReturnType<typeof makeInputs>): { f: LstmForward; g: LstmGrads } {
  const f = lstmForward(inputs.a);
  return { f, g: lstmBackward(inputs.a, f, inputs.dhseq, inputs.dhT, inputs.dcT) };
}

// f32 and f64 pre-activations differ by ~1e-7: a derivative across a kink of relu or hardSigmoid
// would then differ by O(1), which says nothing about the kernel.
function awayFromKinks(a: LstmArgs, f: LstmForward) {
  const G = 4 * a.H;
  let d = Infinity;
  const check = (code: number, v: number) => {
    if (code === RELU && v !== 0) d = Math.min(d, Math.abs(v));
    if (code === HARD_SIGMOID) d = Math.min(d, Math.abs(v - 2.5), Math.abs(v + 2.5));
  };
  f.pre.forEach((v, n) => check(n % G >= 2 * a.H && n % G < 3 * a.H ? a.act : a.recAct, v));
  f.cseq.forEach((v) => check(a.act, v));
  expect(d, 'a pre-activation sits on a kink').toBeGreaterThan(1e-5);
}

function compareForward(got: ReturnType<ReturnType<typeof setup>['forward']>, f: LstmForward, outs = { hT: true, cT: true }) {
  const pairs: [string, Float64Array, Float64Array][] = [['gates', got.gates, f.gates], ['cseq', got.cseq, f.cseq], ['hseq', got.hseq, f.hseq]];
  if (outs.hT) pairs.push(['hT', got.hT, f.hT]);
  if (outs.cT) pairs.push(['cT', got.cT, f.cT]);
  for (const [name, x, y] of pairs) {
    const e = maxRelDiff(x, y);
    worst.forward = Math.max(worst.forward, e);
    expect(e, name).toBeLessThan(FWD_TOL);
  }
}

function compareGrads(got: Partial<Record<string, Float64Array>>, g: LstmGrads) {
  for (const [name, v] of Object.entries(got)) {
    const e = maxRelDiff(v!, g[name as keyof LstmGrads]);
    worst.gradient = Math.max(worst.gradient, e);
    expect(e, name).toBeLessThan(GRAD_TOL);
  }
}

const label = (c: Case) => {
  const o = [
    c.peep === true ? 'peephole' : c.peep ? 'peephole flag, no peep' : '', c.back ? 'goBackwards' : '', c.mask ? 'mask' : '',
    c.drop ? 'dropout' : '', c.h0 ? 'h0/c0' : '', c.noBias ? 'no bias' : '',
    c.act === RELU ? 'act relu' : '', c.recAct === HARD_SIGMOID ? 'hardSigmoid' : '',
    c.up === 'seq' ? 'dhseq only' : c.up === 'last' ? 'dhT+dcT only' : '',
  ].filter(Boolean);
  return `B${c.B} T${c.T} I${c.I} H${c.H}${o.length ? ': ' + o.join(', ') : ''}`;
};

const EVERYTHING: Partial<Case> = { peep: true, back: true, mask: true, drop: true, h0: true, recAct: HARD_SIGMOID };
const cases: Case[] = [];
for (const [B, T, I, H] of [[1, 1, 1, 1], [3, 5, 7, 9], [2, 7, 3, 13], [5, 4, 6, 17], [1, 1, 3, 6], [4, 6, 5, 8]] as const) {
  cases.push({ B, T, I, H }, { B, T, I, H, ...EVERYTHING });
}
for (const [B, T, I, H] of [[3, 5, 7, 9], [2, 7, 3, 13]] as const) {
  cases.push(
    { B, T, I, H, peep: true },
    { B, T, I, H, back: true },
    { B, T, I, H, mask: true, h0: true },
    { B, T, I, H, drop: true },
    { B, T, I, H, h0: true, peep: true },
    { B, T, I, H, recAct: HARD_SIGMOID },
    { B, T, I, H, act: RELU, recAct: HARD_SIGMOID, peep: true },
    { B, T, I, H, act: RELU },
    { B, T, I, H, up: 'seq', peep: true, mask: true },
    { B, T, I, H, up: 'last', back: true, drop: true },
    { B, T, I, H, noBias: true, h0: true },
    { B, T, I, H, peep: 'flag only', mask: true },
    { B, T, I, H, ...EVERYTHING, act: RELU, up: 'last' },
  );
}
cases.push({ B: 8, T: 20, I: 16, H: 33 }, { B: 8, T: 20, I: 16, H: 33, ...EVERYTHING }, { B: 8, T: 20, I: 16, H: 32, peep: true, mask: true, drop: true, h0: true });

describe.each(BUILDS)('LSTM kernel vs reference (%s build)', (build) => {
  for (const c of cases) {
    it(label(c), () => {
      const inputs = makeInputs(c);
      const ref = reference(inputs);
      awayFromKinks(inputs.a, ref.f);
      const run = setup(build, c, inputs);
      compareForward(run.forward(), ref.f);
      compareGrads(run.backward(), ref.g);
    });
  }

  it('outputs passed as 0 are skipped, and the others still come out right', () => {
    const c: Case = { B: 3, T: 4, I: 5, H: 7, peep: true, mask: true, drop: true, h0: true };
    const inputs = makeInputs(c);
    const ref = reference(inputs);
    const run = setup(build, c, inputs);
    for (const outs of [{ hT: false, cT: false }, { hT: true, cT: false }, { hT: false, cT: true }]) compareForward(run.forward(0, outs), ref.f, outs);
    compareForward(run.forward(), ref.f);
    const subsets: Parameters<typeof run.backward>[0][] = [[], ['dW'], ['dU'], ['db'], ['dpeep'], ['dx'], ['dh0'], ['dc0'], ['dW', 'dx'], ['dU', 'dpeep', 'dc0'], ['db', 'dh0']];
    for (const want of subsets) compareGrads(run.backward(want), ref.g);
  });

  it('FLAG_PACKED reuses W and U packed by the previous forward, also for a shorter T', () => {
    const long: Case = { B: 2, T: 5, I: 3, H: 9, peep: true };
    const inputs = makeInputs(long);
    const run = setup(build, long, inputs);
    compareForward(run.forward(), reference(inputs).f);
    compareForward(run.forward(FLAG_PACKED), reference(inputs).f);
    // one streaming step on the same scratch, with new inputs and the same weights
    const step: Case = { ...long, T: 1, h0: true };
    const next = makeInputs(step);
    next.a.W = inputs.a.W; next.a.U = inputs.a.U; next.a.bias = inputs.a.bias; next.a.peep = inputs.a.peep;
    const again = setup(build, step, next, { env: run.env, scratch: run.scratch });
    compareForward(again.forward(FLAG_PACKED), reference(next).f);
  });
});
