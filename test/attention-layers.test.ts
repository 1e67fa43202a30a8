// Attention, AdditiveAttention and MultiHeadAttention in models: predictions against plain float64
// TypeScript implementations of Keras's formulas with the model's own weights (Luong scores scaled
// by `scale`, concat scores, Bahdanau scores weighted by `scale` [dim], MultiHeadAttention's
// projections [dim, heads, keyDim], scores scaled by 1/sqrt(keyDim) and output kernel
// [heads, valueDim, out]; masked keys get -1e9 added in float32, as Keras; causal: query i sees keys
// j ≤ i), returnAttentionScores as a second output, masks from Embedding(maskZero) and explicit
// ones, dropout (off at inference, on with { training: true }); gradients of every weight by central
// finite differences of the model's loss as test/functional-gradients.test.ts does it; and the
// errors for inputs that do not fit.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdditiveAttention, Attention, Dense, Embedding, LSTM, LstmWasmError, MultiHeadAttention, input, loadModel, model,
  type Model, type SymbolicTensor,
} from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';
import { rng } from './util/kernels.js';

beforeAll(async () => { await initForTests(); });

/** A tensor as the API takes it: a plain { data, shape } (results are Tensors, which are this too). */
type Tensor = { data: Float32Array; shape: number[] };

const errorOf = (f: () => unknown): LstmWasmError => {
  try { f(); } catch (e) { if (e instanceof LstmWasmError) return e; throw e; }
  throw new Error('no error');
};

// ---- plain float64 references (Keras formulas, one sample at a time) -------------------------------

type A = ArrayLike<number>;
/** Keras: scores += -1e9 where masked, in float32 (so a score below 32 in size becomes -1e9). */
const masked = (s: number) => Math.fround(Math.fround(s) + Math.fround(-1e9));

function softmaxRow(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

interface Seq { data: A; T: number; D: number }
const el = (x: Seq, b: number, t: number, d: number) => x.data[(b * x.T + t) * x.D + d];

/** Luong (dot / concat) and Bahdanau attention; returns the output [B, Tq, Dv] and the weights [B, Tq, Tv]. */
function denseAttentionRef(B: number, q: Seq, v: Seq, k: Seq, o: {
  mode: 'dot' | 'concat' | 'additive'; scale?: number | null; cw?: number; scaleVec?: A | null; causal?: boolean; qmask?: A | null; vmask?: A | null;
}): { out: Float64Array; w: Float64Array } {
  const Tq = q.T, Tv = v.T, D = q.D, Dv = v.D;
  const out = new Float64Array(B * Tq * Dv), w = new Float64Array(B * Tq * Tv);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Tq; i++) {
      const z: number[] = [];
      for (let j = 0; j < Tv; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) {
          const x = el(q, b, i, d), y = el(k, b, j, d);
          if (o.mode === 'dot') s += x * y;
          else if (o.mode === 'concat') s += Math.tanh((o.scale ?? 1) * (x + y));
          else s += (o.scaleVec ? o.scaleVec[d] : 1) * Math.tanh(x + y);
        }
        if (o.mode === 'dot' && o.scale != null) s *= o.scale;
        if (o.mode === 'concat') s *= o.cw ?? 1;
        const keep = (!o.vmask || o.vmask[b * Tv + j] !== 0) && (!o.causal || j <= i);
        z.push(keep ? s : masked(s));
      }
      const p = softmaxRow(z);
      const qk = !o.qmask || o.qmask[b * Tq + i] !== 0 ? 1 : 0;
      for (let j = 0; j < Tv; j++) {
        w[(b * Tq + i) * Tv + j] = p[j];
        for (let d = 0; d < Dv; d++) out[(b * Tq + i) * Dv + d] += qk * p[j] * el(v, b, j, d);
      }
    }
  return { out, w };
}

/** Keras MultiHeadAttention; weights in Keras order (biases when given). */
function mhaRef(B: number, xq: Seq, xv: Seq, xk: Seq, ws: { data: A; shape: number[] }[], o: {
  H: number; dk: number; dv: number; useBias: boolean; causal?: boolean; amask?: A | null; qmask?: A | null; kmask?: A | null;
}): { out: Float64Array; scores: Float64Array; dOut: number } {
  const { H, dk, dv } = o;
  const nb = o.useBias ? 2 : 1;
  const W = (i: number) => ws[i * nb].data, bias = (i: number) => (o.useBias ? ws[i * nb + 1].data : null);
  const dOut = ws[3 * nb].shape[2];
  const proj = (x: Seq, i: number, size: number) => {
    const y = new Float64Array(B * x.T * H * size), w = W(i), bb = bias(i);
    for (let b = 0; b < B; b++) for (let t = 0; t < x.T; t++) for (let h = 0; h < H; h++) for (let e = 0; e < size; e++) {
      let s = bb ? bb[h * size + e] : 0;
      for (let c = 0; c < x.D; c++) s += el(x, b, t, c) * w[(c * H + h) * size + e];
      y[((b * x.T + t) * H + h) * size + e] = s;
    }
    return y;
  };
  const Q = proj(xq, 0, dk), K = proj(xk, 1, dk), V = proj(xv, 2, dv);
  const Tq = xq.T, Tv = xv.T;
  const scores = new Float64Array(B * H * Tq * Tv);
  const O = new Float64Array(B * Tq * H * dv);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) {
    const z: number[] = [];
    for (let j = 0; j < Tv; j++) {
      let s = 0;
      for (let e = 0; e < dk; e++) s += (Q[((b * Tq + i) * H + h) * dk + e] / Math.sqrt(dk)) * K[((b * Tv + j) * H + h) * dk + e];
      const keep = (!o.causal || j <= i) && (!o.amask || o.amask[(b * Tq + i) * Tv + j] !== 0) && (!o.qmask || o.qmask[b * Tq + i] !== 0) && (!o.kmask || o.kmask[b * Tv + j] !== 0);
      z.push(keep ? s : masked(s));
    }
    const p = softmaxRow(z);
    for (let j = 0; j < Tv; j++) {
      scores[((b * H + h) * Tq + i) * Tv + j] = p[j];
      for (let e = 0; e < dv; e++) O[((b * Tq + i) * H + h) * dv + e] += p[j] * V[((b * Tv + j) * H + h) * dv + e];
    }
  }
  const wo = W(3), bo = bias(3);
  const out = new Float64Array(B * Tq * dOut);
  for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let c = 0; c < dOut; c++) {
    let s = bo ? bo[c] : 0;
    for (let h = 0; h < H; h++) for (let e = 0; e < dv; e++) s += O[((b * Tq + i) * H + h) * dv + e] * wo[(h * dv + e) * dOut + c];
    out[(b * Tq + i) * dOut + c] = s;
  }
  return { out, scores, dOut };
}

function maxRel(a: A, b: A): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

const seq = (t: Tensor): Seq => ({ data: t.data, T: t.shape[1], D: t.shape[2] });
const outputs = (m: Model, x: Tensor | Tensor[]): Tensor[] => { const y = m.predict(x); return Array.isArray(y) ? y : [y]; };
const bits = (shape: number[], seed: number, p = 0.3): Tensor => {
  const r = rng(seed);
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() < p ? 0 : 1)), shape };
};
/** Token ids in [1, vocab) with some trailing zeros (padding) per row. */
const padded = (B: number, T: number, vocab: number, seed: number): Tensor => {
  const r = rng(seed);
  const data = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const len = 1 + Math.floor(r() * T);
    for (let t = 0; t < len; t++) data[b * T + t] = 1 + Math.floor(r() * (vocab - 1));
  }
  return { data, shape: [B, T] };
};

const PRED_TOL = 2e-5;

describe('predictions against the float64 references', () => {
  for (const mode of ['dot', 'concat'] as const)
    for (const useScale of [false, true])
      for (const withKey of [false, true])
        it(`Attention scoreMode '${mode}'${useScale ? ', useScale' : ''}${withKey ? ', with key' : ''}, returnAttentionScores`, () => {
          const q = input({ shape: [5, 4] }), v = input({ shape: [3, 4] }), k = input({ shape: [3, 4] });
          const layer = new Attention({ useScale, scoreMode: mode, dropout: 0.5 });
          const [o, s] = layer.apply(withKey ? [q, v, k] : [q, v], { returnAttentionScores: true }) as SymbolicTensor[];
          expect(o.shape).toEqual([null, 5, 4]);
          expect(s.shape).toEqual([null, 5, 3]);
          const m = model({ inputs: withKey ? [q, v, k] : [q, v], outputs: [o, s], seed: 1 });
          const specs = layer.getWeights().map((w) => w.shape);
          expect(specs).toEqual([...(useScale ? [[]] : []), ...(mode === 'concat' ? [[]] : [])]);
          const set = specs.map((_, i) => ({ data: Float32Array.of(i === 0 ? 0.7 : 1.3), shape: [] }));
          layer.setWeights(set);
          const B = 3;
          const xs = [randTensor([B, 5, 4], 1), randTensor([B, 3, 4], 2), randTensor([B, 3, 4], 3)].slice(0, withKey ? 3 : 2);
          const [yo, ys] = outputs(m, xs);
          const ref = denseAttentionRef(B, seq(xs[0]), seq(xs[1]), seq(xs[withKey ? 2 : 1]), {
            mode, scale: useScale ? 0.7 : null, cw: mode === 'concat' ? (useScale ? 1.3 : 0.7) : 1,
          });
          expect(maxRel(yo.data, ref.out)).toBeLessThan(PRED_TOL); // dropout is off at inference
          expect(maxRel(ys.data, ref.w)).toBeLessThan(PRED_TOL);
          m.dispose();
        });

  it('Attention: useCausalMask and explicit masks [queryMask, valueMask]; masked query rows are zero', () => {
    const q = input({ shape: [5, 3] }), v = input({ shape: [7, 3] }), qm = input({ shape: [5] }), vm = input({ shape: [7] });
    const layer = new Attention({ useScale: true });
    const o = layer.apply([q, v], { mask: [qm, vm], useCausalMask: true }) as SymbolicTensor;
    const m = model({ inputs: [q, v, qm, vm], outputs: o, seed: 2 });
    layer.setWeights([{ data: Float32Array.of(1.7), shape: [] }]);
    const B = 4;
    const xs = [randTensor([B, 5, 3], 4), randTensor([B, 7, 3], 5), bits([B, 5], 6), bits([B, 7], 7, 0.5)];
    const ref = denseAttentionRef(B, seq(xs[0]), seq(xs[1]), seq(xs[1]), { mode: 'dot', scale: 1.7, causal: true, qmask: xs[2].data, vmask: xs[3].data });
    const [y] = outputs(m, xs);
    expect(maxRel(y.data, ref.out)).toBeLessThan(PRED_TOL);
    for (let b = 0; b < B; b++) for (let i = 0; i < 5; i++) if (xs[2].data[b * 5 + i] === 0) expect(Array.from(y.data.slice((b * 5 + i) * 3, (b * 5 + i + 1) * 3)).every((x) => x === 0)).toBe(true);
    m.dispose();
  });

  it('AdditiveAttention with useScale: scale [dim], masks from Embedding(maskZero)', () => {
    const qi = input({ shape: [5] }), vi = input({ shape: [6] });
    const emb = new Embedding({ inputDim: 9, outputDim: 4, maskZero: true });
    const q = emb.apply(qi) as SymbolicTensor, v = emb.apply(vi) as SymbolicTensor;
    const layer = new AdditiveAttention({ useScale: true });
    const [o, s] = layer.apply([q, v], { returnAttentionScores: true, useCausalMask: false }) as SymbolicTensor[];
    const m = model({ inputs: [qi, vi], outputs: [o, s], seed: 3 });
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[4]]);
    const B = 3;
    const xs = [padded(B, 5, 9, 8), padded(B, 6, 9, 9)];
    const table = emb.getWeights()[0].data;
    const embed = (t: Tensor): Seq => ({ data: Float64Array.from({ length: t.data.length * 4 }, (_, i) => table[t.data[Math.floor(i / 4)] * 4 + (i % 4)]), T: t.shape[1], D: 4 });
    const nz = (t: Tensor) => t.data.map((x) => (x !== 0 ? 1 : 0));
    const ref = denseAttentionRef(B, embed(xs[0]), embed(xs[1]), embed(xs[1]), { mode: 'additive', scaleVec: layer.getWeights()[0].data, qmask: nz(xs[0]), vmask: nz(xs[1]) });
    const [y, w] = outputs(m, xs);
    expect(maxRel(y.data, ref.out)).toBeLessThan(PRED_TOL);
    expect(maxRel(w.data, ref.w)).toBeLessThan(PRED_TOL);
    // padded keys get weight 0
    for (let b = 0; b < B; b++) for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) if (xs[1].data[b * 6 + j] === 0) expect(w.data[(b * 5 + i) * 6 + j]).toBe(0);
    m.dispose();
  });

  for (const [H, dk, dv, useBias, outputShape] of [[1, 3, 3, true, undefined], [2, 3, 5, true, 4], [3, 5, 3, false, undefined]] as const)
    it(`MultiHeadAttention heads ${H}, keyDim ${dk}, valueDim ${dv}${useBias ? '' : ', no bias'}${outputShape ? `, outputShape ${outputShape}` : ''}: key, attentionMask, causal, scores`, () => {
      const q = input({ shape: [5, 4] }), v = input({ shape: [7, 6] }), k = input({ shape: [7, 3] }), am = input({ shape: [5, 7] });
      const layer = new MultiHeadAttention({ numHeads: H, keyDim: dk, valueDim: dv, useBias, outputShape, dropout: 0.3 });
      const [o, s] = layer.apply([q, v, k], { attentionMask: am, useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
      const dOut = outputShape ?? 4;
      expect(o.shape).toEqual([null, 5, dOut]);
      expect(s.shape).toEqual([null, H, 5, 7]);
      const m = model({ inputs: [q, v, k, am], outputs: [o, s], seed: 4 });
      const names = ['query', 'key', 'value'];
      const shapes = [[4, H, dk], [3, H, dk], [6, H, dv]];
      const want = names.flatMap((_, i) => [shapes[i], ...(useBias ? [[H, i === 2 ? dv : dk]] : [])]);
      want.push([H, dv, dOut]);
      if (useBias) want.push([dOut]);
      expect(layer.getWeights().map((w) => w.shape)).toEqual(want);
      // Non-zero biases, so their part is checked too.
      layer.setWeights(layer.getWeights().map((w, i) => ({ data: w.data.map((x, j) => (w.shape.length === 3 ? x : 0.1 * Math.sin(i + j))), shape: w.shape })));
      const B = 3;
      const xs = [randTensor([B, 5, 4], 11), randTensor([B, 7, 6], 12), randTensor([B, 7, 3], 13), bits([B, 5, 7], 14)];
      const ref = mhaRef(B, seq(xs[0]), seq(xs[1]), seq(xs[2]), layer.getWeights(), { H, dk, dv, useBias, causal: true, amask: xs[3].data });
      const [y, sc] = outputs(m, xs);
      expect(maxRel(y.data, ref.out)).toBeLessThan(PRED_TOL);
      expect(maxRel(sc.data, ref.scores)).toBeLessThan(PRED_TOL);
      m.dispose();
    });

  it('MultiHeadAttention self-attention apply([x, x]) with Embedding(maskZero): query and key masks, the mask passed on', () => {
    const ids = input({ shape: [6] });
    const emb = new Embedding({ inputDim: 8, outputDim: 4, maskZero: true });
    const x = emb.apply(ids) as SymbolicTensor;
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3 });
    const o = layer.apply([x, x]) as SymbolicTensor;
    const m = model({ inputs: ids, outputs: o, seed: 5 });
    const B = 4;
    const xs = padded(B, 6, 8, 15);
    const table = emb.getWeights()[0].data;
    const e: Seq = { data: Float64Array.from({ length: B * 6 * 4 }, (_, i) => table[xs.data[Math.floor(i / 4)] * 4 + (i % 4)]), T: 6, D: 4 };
    const nz = xs.data.map((v) => (v !== 0 ? 1 : 0));
    const ref = mhaRef(B, e, e, e, layer.getWeights(), { H: 2, dk: 3, dv: 3, useBias: true, qmask: nz, kmask: nz });
    const [y] = outputs(m, xs);
    expect(maxRel(y.data, ref.out)).toBeLessThan(PRED_TOL);
    m.dispose();
  });
});

describe('shapes and masks passed on', () => {
  it('variable-length sequences: one model predicts at several lengths, batch 1 and one step included', () => {
    const q = input({ shape: [null, 4] }), v = input({ shape: [null, 3] });
    const layer = new MultiHeadAttention({ numHeads: 3, keyDim: 5, valueDim: 3 });
    const att = new Attention();
    const o = layer.apply([q, v], { useCausalMask: true }) as SymbolicTensor;
    expect(o.shape).toEqual([null, null, 4]);
    const o2 = att.apply([o, q]) as SymbolicTensor;
    const m = model({ inputs: [q, v], outputs: o2, seed: 18 });
    for (const [B, Tq, Tv] of [[2, 5, 7], [1, 1, 1], [3, 7, 3]]) {
      const xs = [randTensor([B, Tq, 4], Tq), randTensor([B, Tv, 3], Tv)];
      const r1 = mhaRef(B, seq(xs[0]), seq(xs[1]), seq(xs[1]), layer.getWeights(), { H: 3, dk: 5, dv: 3, useBias: true, causal: true });
      const r2 = denseAttentionRef(B, { data: r1.out, T: Tq, D: 4 }, seq(xs[0]), seq(xs[0]), { mode: 'dot' });
      const [y] = outputs(m, xs);
      expect(y.shape).toEqual([B, Tq, 4]);
      expect(maxRel(y.data, r2.out)).toBeLessThan(PRED_TOL);
    }
    m.dispose();
  });

  it("the query's mask goes on to the next layer: an LSTM after MultiHeadAttention and after Attention carries its state over padded steps", () => {
    for (const kind of ['mha', 'luong'] as const) {
      const ids = input({ shape: [6] });
      const x = new Embedding({ inputDim: 8, outputDim: 4, maskZero: true }).apply(ids) as SymbolicTensor;
      const a = (kind === 'mha' ? new MultiHeadAttention({ numHeads: 2, keyDim: 2 }) : new Attention()).apply([x, x]) as SymbolicTensor;
      const h = new LSTM({ units: 3, returnSequences: true }).apply(a) as SymbolicTensor;
      const m = model({ inputs: ids, outputs: h, seed: 19 });
      const xs = padded(4, 6, 8, 23);
      const [y] = outputs(m, xs);
      let carried = 0;
      for (let b = 0; b < 4; b++) for (let t = 1; t < 6; t++) {
        if (xs.data[b * 6 + t] !== 0) continue;
        const row = (s: number) => Array.from(y.data.slice((b * 6 + s) * 3, (b * 6 + s + 1) * 3));
        expect(row(t), kind).toEqual(row(t - 1));
        carried++;
      }
      expect(carried).toBeGreaterThan(0);
      m.dispose();
    }
  });
});

describe('dropout on the attention weights', () => {
  it('off at inference; with { training: true } weights are 0 or p/(1-rate) (Keras returns them after dropout)', () => {
    const q = input({ shape: [5, 4] }), v = input({ shape: [6, 4] });
    const [o, s] = new Attention({ dropout: 0.5 }).apply([q, v], { returnAttentionScores: true, training: true }) as SymbolicTensor[];
    const m = model({ inputs: [q, v], outputs: [o, s], seed: 6 });
    const xs = [randTensor([3, 5, 4], 21), randTensor([3, 6, 4], 22)];
    const ref = denseAttentionRef(3, seq(xs[0]), seq(xs[1]), seq(xs[1]), { mode: 'dot' });
    const [y, w] = outputs(m, xs);
    let zeros = 0;
    for (let i = 0; i < w.data.length; i++) {
      if (w.data[i] === 0) zeros++;
      else expect(w.data[i] / (2 * ref.w[i])).toBeCloseTo(1, 5);
    }
    expect(zeros).toBeGreaterThan(w.data.length * 0.3);
    expect(zeros).toBeLessThan(w.data.length * 0.7);
    expect(maxRel(y.data, ref.out)).toBeGreaterThan(1e-3);
    m.dispose();
  });

  it('MultiHeadAttention trains with dropout (loss falls, finite); predictions need no dropout', async () => {
    const q = input({ shape: [4, 3] });
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.2 });
    const m = model({ inputs: q, outputs: new Dense({ units: 1 }).apply(layer.apply([q, q]) as SymbolicTensor) as SymbolicTensor, seed: 7 });
    m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'meanSquaredError' });
    const x = randTensor([16, 4, 3], 31), y = randTensor([16, 4, 1], 32, 0.5);
    const h = await m.fit(x, y, { epochs: 30, batchSize: 8 });
    const loss = h.history.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    expect(Array.from(outputs(m, x)[0].data)).toEqual(Array.from(outputs(m, x)[0].data));
    m.dispose();
  });
});

// ---- gradients by finite differences of the loss (as test/functional-gradients.test.ts) ----------------

const GB = 3;
const ATOL = 2e-5, RTOL = 2e-2;

function lossAt(m: Model, x: Tensor[], y: Tensor[]): number {
  const r = m.evaluate(x, y, { batchSize: GB });
  return Array.isArray(r) ? r[0] : r;
}

function check(m: Model, x: Tensor[], y: Tensor[], samples = 48): { worst: number; typical: number } {
  m.compile({ optimizer: { name: 'sgd', learningRate: 1 }, loss: m.outputs.map(() => 'meanSquaredError'), lossWeights: m.outputs.map((_, i) => 1 / (i + 1)) });
  const w0 = m.getWeights().map((w) => ({ data: w.data.slice(), shape: w.shape }));
  m.trainOnBatch(x, y);
  const w1 = m.getWeights();
  const g = w0.map((w, i) => w.data.map((v, j) => v - w1[i].data[j]));
  m.setWeights(w0);
  const r = rng(7);
  let worst = 0;
  const mags: number[] = [];
  const e = 1e-2;
  // Every weight array at least once (scalars such as `scale` included), then random ones.
  const picks: [number, number][] = w0.map((w, i) => [i, Math.floor(r() * w.data.length)]);
  while (picks.length < samples) { const i = Math.floor(r() * w0.length); picks.push([i, Math.floor(r() * w0[i].data.length)]); }
  for (const [i, j] of picks) {
    const probe = (d: number) => {
      const ws = w0.map((w) => ({ data: w.data.slice(), shape: w.shape }));
      ws[i].data[j] += d;
      m.setWeights(ws);
      return lossAt(m, x, y);
    };
    const fd = (probe(e) - probe(-e)) / (2 * e);
    m.setWeights(w0);
    worst = Math.max(worst, Math.abs(fd - g[i][j]) / (ATOL + RTOL * Math.abs(fd)));
    mags.push(Math.abs(fd));
  }
  mags.sort((p, q) => p - q);
  return { worst, typical: mags[Math.floor(mags.length / 2)] };
}

function targets(m: Model, x: Tensor[], seed: number): Tensor[] {
  return outputs(m, x).map((o, j) => randTensor(o.shape, seed * 31 + j, 0.8));
}

const gradCases: { name: string; make: () => { m: Model; x: Tensor[] } }[] = [
  ...(['dot', 'concat'] as const).map((mode) => ({
    name: `Attention '${mode}' with useScale on Dense projections, key given, causal, scores as a second output`,
    make: () => {
      const a = input({ shape: [5, 3] }), b = input({ shape: [4, 3] });
      const q = new Dense({ units: 4, activation: 'tanh' }).apply(a) as SymbolicTensor;
      const v = new Dense({ units: 4 }).apply(b) as SymbolicTensor;
      const kk = new Dense({ units: 4, activation: 'tanh' }).apply(b) as SymbolicTensor;
      const [o, s] = new Attention({ useScale: true, scoreMode: mode }).apply([q, v, kk], { useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
      return { m: model({ inputs: [a, b], outputs: [new Dense({ units: 2 }).apply(o) as SymbolicTensor, s], seed: 11 }), x: [randTensor([GB, 5, 3], 1), randTensor([GB, 4, 3], 2)] };
    },
  })),
  {
    name: 'Attention without key (value gets both gradients), explicit masks',
    make: () => {
      const a = input({ shape: [3, 3] }), b = input({ shape: [5, 3] }), qm = input({ shape: [3] }), vm = input({ shape: [5] });
      const q = new Dense({ units: 4, activation: 'tanh' }).apply(a) as SymbolicTensor;
      const v = new Dense({ units: 4, activation: 'tanh' }).apply(b) as SymbolicTensor;
      const o = new Attention({ useScale: true }).apply([q, v], { mask: [qm, vm] }) as SymbolicTensor;
      return { m: model({ inputs: [a, b, qm, vm], outputs: new Dense({ units: 2 }).apply(o) as SymbolicTensor, seed: 12 }), x: [randTensor([GB, 3, 3], 3), randTensor([GB, 5, 3], 4), bits([GB, 3], 5), bits([GB, 5], 6)] };
    },
  },
  {
    name: 'AdditiveAttention with useScale over Embedding(maskZero)',
    make: () => {
      const qi = input({ shape: [4] }), vi = input({ shape: [5] });
      const emb = new Embedding({ inputDim: 7, outputDim: 3, maskZero: true });
      const o = new AdditiveAttention({ useScale: true }).apply([emb.apply(qi) as SymbolicTensor, emb.apply(vi) as SymbolicTensor]) as SymbolicTensor;
      return { m: model({ inputs: [qi, vi], outputs: new Dense({ units: 2 }).apply(o) as SymbolicTensor, seed: 13 }), x: [padded(GB, 4, 7, 7), padded(GB, 5, 7, 8)] };
    },
  },
  {
    name: 'MultiHeadAttention: 2 heads, keyDim 3, valueDim 5, key, attentionMask, causal, scores output',
    make: () => {
      const a = input({ shape: [5, 4] }), b = input({ shape: [3, 3] }), c = input({ shape: [3, 2] }), am = input({ shape: [5, 3] });
      const q = new Dense({ units: 4, activation: 'tanh' }).apply(a) as SymbolicTensor;
      const [o, s] = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 5, outputShape: 3 }).apply([q, b, c], { attentionMask: am, useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
      const am1 = bits([GB, 5, 3], 9);
      for (let i = 0; i < GB * 5; i++) am1.data[i * 3] = 1; // every query sees at least key 0
      return { m: model({ inputs: [a, b, c, am], outputs: [o, s], seed: 14 }), x: [randTensor([GB, 5, 4], 10), randTensor([GB, 3, 3], 11), randTensor([GB, 3, 2], 12), am1] };
    },
  },
  {
    name: 'MultiHeadAttention self-attention on Embedding(maskZero), 3 heads, no bias',
    make: () => {
      const ids = input({ shape: [5] });
      const x = new Embedding({ inputDim: 9, outputDim: 4, maskZero: true }).apply(ids) as SymbolicTensor;
      const o = new MultiHeadAttention({ numHeads: 3, keyDim: 2, useBias: false }).apply([x, x]) as SymbolicTensor;
      return { m: model({ inputs: ids, outputs: new Dense({ units: 2 }).apply(o) as SymbolicTensor, seed: 15 }), x: [padded(GB, 5, 9, 13)] };
    },
  },
];

describe('gradients by finite differences of the loss', () => {
  for (const c of gradCases)
    it(c.name, () => {
      const { m, x } = c.make();
      const y = targets(m, x, 5);
      const r = check(m, x, y);
      console.log(`${c.name}: worst ${r.worst.toFixed(3)} of the tolerance (median |gradient| ${r.typical.toExponential(1)})`);
      expect(r.typical).toBeGreaterThan(2 * ATOL);
      expect(r.worst).toBeLessThanOrEqual(1);
      m.dispose();
    });
});

describe('saving', () => {
  it('a model with attention layers and call options survives save / loadModel', async () => {
    const q = input({ shape: [4, 3] }), v = input({ shape: [5, 2] }), am = input({ shape: [4, 5] });
    const [o, s] = new MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' }).apply([q, v], { attentionMask: am, useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
    const o2 = new Attention({ useScale: true, scoreMode: 'concat' }).apply([o, new Dense({ units: 3 }).apply(v) as SymbolicTensor]) as SymbolicTensor;
    const m = model({ inputs: [q, v, am], outputs: [o2, s], seed: 16 });
    const xs = [randTensor([2, 4, 3], 1), randTensor([2, 5, 2], 2), bits([2, 4, 5], 3)];
    const before = outputs(m, xs);
    const m2 = await loadModel(m.save());
    const after = outputs(m2, xs);
    before.forEach((t, i) => expect(Array.from(after[i].data)).toEqual(Array.from(t.data)));
    m.dispose(); m2.dispose();
  });
});

describe('model.inspect', () => {
  it('gives the attention weights of the last forward pass (per head) and the layer output, batch by batch', () => {
    const q = input({ shape: [5, 4] }), v = input({ shape: [3, 2] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' });
    const [o, s] = mha.apply([q, v], { useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
    const m = model({ inputs: [q, v], outputs: [new Dense({ units: 1 }).apply(o) as SymbolicTensor, s], seed: 20 });
    const xs = [randTensor([7, 5, 4], 1), randTensor([7, 3, 2], 2)];
    const [, sc] = outputs(m, xs);
    const r = m.inspect(xs, { layer: 'mha' }) as unknown as { attentionScores: Tensor; hidden: Tensor };
    expect(r.attentionScores.shape).toEqual([7, 2, 5, 3]);
    expect(Array.from(r.attentionScores.data)).toEqual(Array.from(sc.data));
    expect(r.hidden.shape).toEqual([7, 5, 4]);
    m.dispose();
  });
});

describe('summary', () => {
  it('lists the layers with their parameter counts (scalar weights count 1)', () => {
    const q = input({ shape: [4, 3] }), v = input({ shape: [5, 3] });
    const mha = new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, outputShape: 6 });
    const att = new Attention({ useScale: true, scoreMode: 'concat' });
    const [o, s] = mha.apply([q, v], { returnAttentionScores: true }) as SymbolicTensor[];
    const m = model({ inputs: [q, v], outputs: [att.apply([new Dense({ units: 3 }).apply(o) as SymbolicTensor, v]) as SymbolicTensor, s], seed: 17 });
    const lines: string[] = [];
    m.summary(undefined, (l) => lines.push(l));
    // query 3·2·3 + 6, key 3·2·3 + 6, value 3·2·2 + 4, output 2·2·6 + 6
    expect(mha.countParams()).toBe(24 + 24 + 16 + 30);
    expect(att.countParams()).toBe(2);
    expect(lines.join('\n')).toMatch(/MultiHeadAttention/);
    expect(lines.join('\n')).toMatch(/Attention/);
    m.dispose();
  });
});

describe('errors', () => {
  const q = input({ shape: [5, 4] }), v = input({ shape: [3, 6] });
  it('query and key widths that cannot be combined', () => {
    expect(errorOf(() => new Attention().apply([q, v])).message).toMatch(/Attention 'attention.*'.*query and the key \(the value, when no key is given\) must have the same number of features \(their dot product is the score\); query is \[null, 5, 4\], key is \[null, 3, 6\]/);
    expect(errorOf(() => new AdditiveAttention().apply([q, v])).message).toMatch(/AdditiveAttention.*\[null, 5, 4\].*\[null, 3, 6\]/);
    const k = input({ shape: [4, 6] });
    expect(errorOf(() => new MultiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([q, v, k])).message).toMatch(/MultiHeadAttention.*value and key must have the same number of steps; value is \[null, 3, 6\], key is \[null, 4, 6\]/);
    expect(errorOf(() => new Attention().apply([input({ shape: [4] }), v])).message).toMatch(/the query must be a sequence \[batch, steps, features\], got \[null, 4\]/);
    expect(errorOf(() => new Attention().apply([q])).message).toMatch(/expected \[query, value\] or \[query, value, key\], got 1 tensor/);
  });
  it('numHeads and keyDim', () => {
    expect(errorOf(() => new MultiHeadAttention({ numHeads: 0, keyDim: 3 })).message).toMatch(/MultiHeadAttention 'multi_head_attention.*': option 'numHeads' must be a positive integer, got 0/);
    expect(errorOf(() => new MultiHeadAttention({ numHeads: 2.5, keyDim: 3 })).message).toMatch(/numHeads' must be a positive integer, got 2.5/);
    expect(errorOf(() => new MultiHeadAttention({ numHeads: 2 } as never)).message).toMatch(/option 'keyDim' is required/);
    expect(errorOf(() => new MultiHeadAttention({ keyDim: 2 } as never)).message).toMatch(/option 'numHeads' is required/);
    expect(errorOf(() => new Attention({ scoreMode: 'add' as never })).message).toMatch(/scoreMode' must be 'dot' or 'concat'/);
    expect(errorOf(() => new Attention({ dropout: 1 })).message).toMatch(/dropout' must be a number in \[0, 1\)/);
  });
  it('masks of the wrong shape', () => {
    const v2 = input({ shape: [3, 4] });
    expect(errorOf(() => new Attention().apply([q, v2], { mask: [input({ shape: [4] }), null] })).message).toMatch(/Attention.*the query mask \(mask\[0\]\) must have shape \[null, 5\], got \[null, 4\]/);
    expect(errorOf(() => new Attention().apply([q, v2], { mask: [null, input({ shape: [3, 1] })] })).message).toMatch(/the value mask \(mask\[1\]\) must have shape \[null, 3\], got \[null, 3, 1\]/);
    expect(errorOf(() => new Attention().apply([q, v2], { mask: q as never })).message).toMatch(/option 'mask' must be \[queryMask, valueMask\]/);
    expect(errorOf(() => new MultiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([q, v], { attentionMask: input({ shape: [3, 5] }) })).message).toMatch(/MultiHeadAttention.*attentionMask must have shape \[null, 5, 3\], got \[null, 3, 5\]/);
    expect(errorOf(() => new MultiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([q, v], { mask: [null, null] } as never)).message).toMatch(/option 'mask' is not taken/);
    expect(errorOf(() => new Attention().apply([q, v2], { useCausalMask: 1 as never })).message).toMatch(/useCausalMask' must be true or false/);
  });
});
