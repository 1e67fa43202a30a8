// The LSTM, GRU and SimpleRNN kernels against the float64 reference (test/reference/recurrent-forward.ts):
// forward outputs directly, and every gradient against central finite differences of the
// reference, for odd shapes and every option the kernels take, in both builds.
// Tolerances: forward 2e-5 absolute (f32 and the SIMD sigmoid/tanh, which are within 1e-6);
// gradients 2e-4 relative (|a - b| / max(1, |b|)): f32 sums over B·T steps.
import { describe, expect, it } from 'vitest';
import { BUILDS, loadKernels, rng } from './util/kernels.js';
import { numericGrad, maxRelDiff } from './reference/activations.js';
import { gruForward, lstmForward, rnnForward, type RecurrentInput } from './reference/recurrent-forward.js';

type Kind = 'lstm' | 'gru' | 'rnn';
interface Case { kind: Kind; B: number; T: number; I: number; H: number; peephole?: boolean; resetAfter?: boolean; back?: boolean; mask?: boolean; h0?: boolean; drop?: boolean; act?: number; recAct?: number; seqGrad?: boolean }

const FWD_TOL = 2e-5, GRAD_TOL = 2e-4;

function f64(n: number, r: () => number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

function makeInputs(c: Case) {
  const r = rng(c.B * 7919 + c.T * 131 + c.I * 17 + c.H + (c.back ? 1 : 0) + (c.mask ? 2 : 0));
  const G = (c.kind === 'lstm' ? 4 : c.kind === 'gru' ? 3 : 1) * c.H;
  const biasLen = c.kind === 'gru' && c.resetAfter ? 2 * G : G;
  const p: RecurrentInput & { peep?: Float64Array | null; resetAfter: boolean } = {
    B: c.B, T: c.T, I: c.I, H: c.H,
    x: f64(c.B * c.T * c.I, r, 1), W: f64(c.I * G, r, 0.5), U: f64(c.H * G, r, 0.5), bias: f64(biasLen, r, 0.5),
    h0: c.h0 ? f64(c.B * c.H, r, 0.5) : null, c0: c.h0 && c.kind === 'lstm' ? f64(c.B * c.H, r, 0.5) : null,
    mask: c.mask ? Float64Array.from({ length: c.B * c.T }, (_, i) => (i % 3 === 1 ? 0 : 1)) : null,
    xDrop: c.drop ? Float64Array.from({ length: c.B * c.I }, () => (r() < 0.3 ? 0 : 1 / 0.7)) : null,
    hDrop: c.drop ? Float64Array.from({ length: c.B * c.H }, () => (r() < 0.3 ? 0 : 1 / 0.7)) : null,
    peep: c.peephole ? f64(3 * c.H, r, 0.5) : null,
    goBackwards: !!c.back, act: c.act ?? 3, recAct: c.recAct ?? 2, resetAfter: !!c.resetAfter,
  };
  const up = { dhseq: c.seqGrad === false ? null : f64(c.B * c.T * c.H, r, 1), dhT: f64(c.B * c.H, r, 1), dcT: c.kind === 'lstm' ? f64(c.B * c.H, r, 1) : null };
  return { p, up, G, biasLen };
}

function referenceLoss(c: Case, p: ReturnType<typeof makeInputs>['p'], up: ReturnType<typeof makeInputs>['up']): number {
  const { B, T, H } = c;
  const out = c.kind === 'lstm' ? lstmForward(p) : c.kind === 'gru' ? gruForward(p) : rnnForward(p);
  let L = 0;
  if (up.dhseq) for (let i = 0; i < B * T * H; i++) L += up.dhseq[i] * out.hseq[i];
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const last = (b * T + T - 1) * H + j;
      L += up.dhT[b * H + j] * out.hseq[last];
      if (up.dcT && 'cseq' in out) L += up.dcT[b * H + j] * (out as { cseq: Float64Array }).cseq[last];
    }
  return L;
}

function runKernel(build: 'simd' | 'relaxed', c: Case) {
  const { k, arena } = loadKernels(build);
  const { p, up, G, biasLen } = makeInputs(c);
  const { B, T, I, H } = c;
  const put = (a: Float64Array | null | undefined) => (a ? arena.put(a) : 0);
  const flags = (c.back ? 2 : 0) | (c.kind === 'lstm' && c.peephole ? 1 : 0) | (c.kind === 'gru' && c.resetAfter ? 1 : 0);
  const x = put(p.x), W = put(p.W), U = put(p.U), bias = put(p.bias), h0 = put(p.h0), c0 = put(p.c0), mask = put(p.mask);
  const xDrop = put(p.xDrop), hDrop = put(p.hDrop), peep = put(p.peep);
  const gates = arena.alloc(B * T * G), cseq = arena.alloc(B * T * H), hseq = arena.alloc(B * T * H), hT = arena.alloc(B * H), cT = arena.alloc(B * H);
  const dhseq = put(up.dhseq), dhT = put(up.dhT), dcT = put(up.dcT);
  const dW = arena.alloc(I * G), dU = arena.alloc(H * G), db = arena.alloc(biasLen), dpeep = arena.alloc(3 * H), dx = arena.alloc(B * T * I), dh0 = arena.alloc(B * H), dc0 = arena.alloc(B * H);
  const act = p.act!, rec = p.recAct!;
  if (c.kind === 'lstm') {
    const scratch = arena.alloc(k.lstm_scratch_size(B, T, I, H, flags));
    k.lstm_forward(B, T, I, H, flags, act, rec, x, W, U, bias, peep, h0, c0, mask, xDrop, hDrop, gates, cseq, hseq, hT, cT, scratch);
    k.lstm_backward(B, T, I, H, flags, act, rec, x, W, U, peep, h0, c0, mask, xDrop, hDrop, gates, cseq, hseq, dhseq, dhT, dcT,
      dW, dU, db, peep ? dpeep : 0, dx, h0 ? dh0 : 0, c0 ? dc0 : 0, scratch);
  } else if (c.kind === 'gru') {
    const scratch = arena.alloc(k.gru_scratch_size(B, T, I, H, flags));
    k.gru_forward(B, T, I, H, flags, act, rec, x, W, U, bias, h0, mask, xDrop, hDrop, gates, cseq, hseq, hT, scratch);
    k.gru_backward(B, T, I, H, flags, act, rec, x, W, U, bias, h0, mask, xDrop, hDrop, gates, cseq, hseq, dhseq, dhT, dW, dU, db, dx, h0 ? dh0 : 0, scratch);
  } else {
    const scratch = arena.alloc(k.rnn_scratch_size(B, T, I, H, flags));
    k.rnn_forward(B, T, I, H, flags, act, x, W, U, bias, h0, mask, xDrop, hDrop, hseq, hT, scratch);
    k.rnn_backward(B, T, I, H, flags, act, x, W, U, h0, mask, xDrop, hDrop, hseq, dhseq, dhT, dW, dU, db, dx, h0 ? dh0 : 0, scratch);
  }
  const read = (ptr: number, n: number) => Float64Array.from(arena.read(ptr, n));
  return {
    p, up,
    hseq: read(hseq, B * T * H), cseq: read(cseq, B * T * H), hT: read(hT, B * H),
    grads: {
      W: read(dW, I * G), U: read(dU, H * G), bias: read(db, biasLen), x: read(dx, B * T * I),
      ...(p.peep ? { peep: read(dpeep, 3 * H) } : {}),
      ...(p.h0 ? { h0: read(dh0, B * H) } : {}),
      ...(p.c0 ? { c0: read(dc0, B * H) } : {}),
    } as Record<string, Float64Array>,
  };
}

const shapes: [number, number, number, number][] = [[1, 1, 1, 1], [3, 5, 7, 9], [2, 7, 3, 13], [5, 4, 6, 17], [1, 6, 2, 5]];
const cases: Case[] = [];
for (const [B, T, I, H] of shapes) {
  cases.push({ kind: 'lstm', B, T, I, H }, { kind: 'gru', B, T, I, H, resetAfter: true }, { kind: 'gru', B, T, I, H }, { kind: 'rnn', B, T, I, H });
}
const [B, T, I, H] = [3, 5, 4, 7];
for (const kind of ['lstm', 'gru', 'rnn'] as Kind[]) {
  const extra = kind === 'lstm' ? { peephole: true } : kind === 'gru' ? { resetAfter: true } : {};
  cases.push(
    { kind, B, T, I, H, ...extra, back: true },
    { kind, B, T, I, H, ...extra, mask: true },
    { kind, B, T, I, H, ...extra, h0: true },
    { kind, B, T, I, H, ...extra, drop: true },
    { kind, B, T, I, H, ...extra, seqGrad: false },
    { kind, B, T, I, H, ...extra, act: 1, recAct: 4 },
    { kind, B, T, I, H, back: true, mask: true, h0: true, drop: true },
  );
}
cases.push({ kind: 'lstm', B: 8, T: 20, I: 16, H: 33, peephole: true, mask: true, drop: true });

const label = (c: Case) => `${c.kind} B${c.B} T${c.T} I${c.I} H${c.H}${c.peephole ? ' peephole' : ''}${c.resetAfter ? ' resetAfter' : ''}${c.back ? ' goBackwards' : ''}${c.mask ? ' mask' : ''}${c.h0 ? ' h0/c0' : ''}${c.drop ? ' dropout' : ''}${c.act === 1 ? ' relu/hardSigmoid' : ''}${c.seqGrad === false ? ' last-step gradient only' : ''}`;

describe.each(BUILDS)('recurrent kernels (%s build)', (build) => {
  for (const c of cases) {
    it(label(c), () => {
      const got = runKernel(build, c);
      const ref = c.kind === 'lstm' ? lstmForward(got.p) : c.kind === 'gru' ? gruForward(got.p) : rnnForward(got.p);
      expect(maxRelDiff(got.hseq, ref.hseq)).toBeLessThan(FWD_TOL);
      if ('cseq' in ref) expect(maxRelDiff(got.cseq, (ref as { cseq: Float64Array }).cseq)).toBeLessThan(FWD_TOL);
      // the big case is checked forward only: finite differences over every weight would be slow
      if (c.H > 20) return;
      const params: Record<string, Float64Array> = { W: got.p.W, U: got.p.U, bias: got.p.bias!, x: got.p.x };
      if (got.p.peep) params.peep = got.p.peep;
      if (got.p.h0) params.h0 = got.p.h0;
      if (got.p.c0) params.c0 = got.p.c0;
      for (const [name, arr] of Object.entries(params)) {
        const num = numericGrad(() => referenceLoss(c, got.p, got.up), arr);
        const d = maxRelDiff(got.grads[name], num);
        expect(d, `d${name}`).toBeLessThan(c.act === 1 ? 5e-3 : GRAD_TOL);
      }
    });
  }
});
