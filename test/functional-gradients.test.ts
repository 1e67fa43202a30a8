// The graph engine's backward pass, checked by central finite differences of the model's own
// loss: fan-out, shared layers (their gradients summed over every call), initialState (gradients
// flowing into the encoder), returnState, every merge and shape layer, several outputs with
// lossWeights. The gradient under test comes from one plain-SGD step with learning rate 1
// (w1 = w0 - g); the reference is (L(w+e) - L(w-e)) / 2e with the loss from evaluate() (summed in
// float64), so it shares no code with the backward pass. Shapes are odd: batch 3, 5 or 4 steps.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Activation, Add, Average, Bidirectional, Concatenate, Dense, Embedding, Flatten, GRU, LSTM, Maximum, Minimum, Multiply, Permute,
  RepeatVector, Reshape, SimpleRNN, Subtract, TimeDistributed, input, model, type Model, type SymbolicTensor, type TensorData,
} from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';
import { rng } from './util/kernels.js';

beforeAll(async () => { await initForTests(); });

const B = 3;
// float32 forward passes: the difference quotient carries about 1e-6 / e of rounding noise.
const ATOL = 2e-5, RTOL = 2e-2;

function lossAt(m: Model, x: TensorData[], y: TensorData[]): number {
  const r = m.evaluate(x, y, { batchSize: B });
  return Array.isArray(r) ? r[0] : r;
}

/** Worst |fd - g| / (atol + rtol·|fd|) over sampled weights; ≤ 1 passes. */
function check(m: Model, x: TensorData[], y: TensorData[], samples = 36): { worst: number; n: number; typical: number } {
  m.compile({ optimizer: { name: 'sgd', learningRate: 1 }, loss: m.outputs.map(() => 'meanSquaredError'), lossWeights: m.outputs.map((_, i) => 1 / (i + 1)) });
  const w0 = m.getWeights().map((w) => ({ data: w.data.slice(), shape: w.shape }));
  m.trainOnBatch(x, y);
  const w1 = m.getWeights();
  const g = w0.map((w, i) => w.data.map((v, j) => v - w1[i].data[j]));
  m.setWeights(w0);
  const r = rng(7);
  let worst = 0, n = 0;
  const mags: number[] = [];
  const e = 1e-2;
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(r() * w0.length), j = Math.floor(r() * w0[i].data.length);
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
    n++;
  }
  mags.sort((p, q) => p - q);
  return { worst, n, typical: mags[Math.floor(mags.length / 2)] };
}

function data(m: Model, seed: number, ids: Record<string, number> = {}): { x: TensorData[]; y: TensorData[] } {
  const x = m.inputs.map((t, i) => {
    const shape = [B, ...t.sampleShape.map((d) => d ?? 4)] as number[];
    const vocab = ids[t.sourceLayer.name];
    if (vocab) {
      const tt = randTensor(shape, seed + i);
      return { data: tt.data.map((v) => Math.floor((v + 1) / 2 * vocab) % vocab), shape };
    }
    return randTensor(shape, seed + i);
  });
  // Targets: a second model-free draw in the outputs' shapes (planned with the data's steps).
  const out = m.predict(x);
  const outs = Array.isArray(out) ? out : [out];
  const y = outs.map((o, j) => randTensor(o.shape, seed * 31 + j, 0.8));
  return { x, y };
}

const cases: { name: string; make: () => Model; ids?: Record<string, number> }[] = [
  {
    name: 'encoder-decoder: LSTM returnState → initialState of the decoder LSTM → TimeDistributed Dense',
    make: () => {
      const enc = input({ shape: [5, 3], name: 'enc' }), dec = input({ shape: [4, 2], name: 'dec' });
      const [, h, c] = new LSTM({ units: 5, returnState: true }).apply(enc) as SymbolicTensor[];
      const seq = new LSTM({ units: 5, returnSequences: true }).apply(dec, { initialState: [h, c] }) as SymbolicTensor;
      return model({ inputs: [enc, dec], outputs: new TimeDistributed({ layer: new Dense({ units: 3 }) }).apply(seq) as SymbolicTensor, seed: 1 });
    },
  },
  {
    name: 'encoder-decoder with Embedding(maskZero) and GRU states',
    ids: { src: 7, tgt: 6 },
    make: () => {
      const src = input({ shape: [5], name: 'src' }), tgt = input({ shape: [4], name: 'tgt' });
      const [, h] = new GRU({ units: 4, returnState: true }).apply(new Embedding({ inputDim: 7, outputDim: 3, maskZero: true }).apply(src) as SymbolicTensor) as SymbolicTensor[];
      const seq = new GRU({ units: 4, returnSequences: true, resetAfter: false }).apply(new Embedding({ inputDim: 6, outputDim: 3 }).apply(tgt) as SymbolicTensor, { initialState: h }) as SymbolicTensor;
      return model({ inputs: [src, tgt], outputs: new Dense({ units: 2 }).apply(seq) as SymbolicTensor, seed: 2 });
    },
  },
  {
    name: 'shared LSTM on two inputs (siamese), Subtract, Dense',
    make: () => {
      const a = input({ shape: [5, 3] }), b = input({ shape: [5, 3] });
      const shared = new LSTM({ units: 4 });
      const d = new Subtract().apply([shared.apply(a) as SymbolicTensor, shared.apply(b) as SymbolicTensor]) as SymbolicTensor;
      return model({ inputs: [a, b], outputs: new Dense({ units: 2 }).apply(d) as SymbolicTensor, seed: 3 });
    },
  },
  {
    name: 'a shared Dense applied twice in a row (its second call reads its first)',
    make: () => {
      const a = input({ shape: [4] });
      const d = new Dense({ units: 4, activation: 'tanh' });
      return model({ inputs: a, outputs: d.apply(d.apply(a) as SymbolicTensor) as SymbolicTensor, seed: 4 });
    },
  },
  {
    name: 'residual Add over stacked LSTMs (fan-out of the first output)',
    make: () => {
      const a = input({ shape: [5, 4] });
      const h1 = new LSTM({ units: 4, returnSequences: true }).apply(a) as SymbolicTensor;
      const h2 = new LSTM({ units: 4, returnSequences: true }).apply(h1) as SymbolicTensor;
      return model({ inputs: a, outputs: new LSTM({ units: 3 }).apply(new Add().apply([h1, h2]) as SymbolicTensor) as SymbolicTensor, seed: 5 });
    },
  },
  ...(['Multiply', 'Average', 'Maximum', 'Minimum', 'Add'] as const).map((kind) => ({
    name: `${kind} of three branches`,
    make: () => {
      const a = input({ shape: [6] });
      const br = [0, 1, 2].map(() => new Dense({ units: 5, activation: 'tanh' }).apply(a) as SymbolicTensor);
      const layer = kind === 'Multiply' ? new Multiply() : kind === 'Average' ? new Average() : kind === 'Maximum' ? new Maximum() : kind === 'Minimum' ? new Minimum() : new Add();
      return model({ inputs: a, outputs: new Dense({ units: 2 }).apply(layer.apply(br) as SymbolicTensor) as SymbolicTensor, seed: 6 });
    },
  })),
  {
    name: 'Concatenate on the last axis and on the time axis',
    make: () => {
      const a = input({ shape: [5, 3] }), b = input({ shape: [4, 3] });
      const t = new Concatenate({ axis: 1 }).apply([a, b]) as SymbolicTensor; // [9, 3]
      const seq = new SimpleRNN({ units: 4, returnSequences: true }).apply(t) as SymbolicTensor;
      const f = new Concatenate().apply([seq, t]) as SymbolicTensor; // [9, 7]
      return model({ inputs: [a, b], outputs: new LSTM({ units: 2 }).apply(f) as SymbolicTensor, seed: 7 });
    },
  },
  {
    name: 'RepeatVector, Permute, Reshape, Flatten, Activation softmax and tanh',
    make: () => {
      const a = input({ shape: [5] });
      const r = new RepeatVector({ n: 3 }).apply(new Dense({ units: 4 }).apply(a) as SymbolicTensor) as SymbolicTensor; // [3, 4]
      const p = new Permute({ dims: [2, 1] }).apply(r) as SymbolicTensor; // [4, 3]
      const s = new Activation({ activation: 'softmax' }).apply(new LSTM({ units: 3, returnSequences: true }).apply(p) as SymbolicTensor) as SymbolicTensor;
      const f = new Flatten().apply(new Reshape({ targetShape: [6, 2] }).apply(s) as SymbolicTensor) as SymbolicTensor;
      return model({ inputs: a, outputs: new Activation({ activation: 'tanh' }).apply(new Dense({ units: 2 }).apply(f) as SymbolicTensor) as SymbolicTensor, seed: 8 });
    },
  },
  {
    name: 'Bidirectional LSTM with returnState: the states feed the head',
    make: () => {
      const a = input({ shape: [5, 3] });
      const [o, fh, , bh] = new Bidirectional({ layer: new LSTM({ units: 3, returnState: true }) }).apply(a) as SymbolicTensor[];
      return model({ inputs: a, outputs: new Dense({ units: 2 }).apply(new Concatenate().apply([o, fh, bh]) as SymbolicTensor) as SymbolicTensor, seed: 9 });
    },
  },
  {
    name: 'two outputs with loss weights; the first output also feeds the second',
    make: () => {
      const a = input({ shape: [5, 3] });
      const h = new LSTM({ units: 4 }).apply(a) as SymbolicTensor;
      const y1 = new Dense({ units: 3, name: 'first' }).apply(h) as SymbolicTensor;
      const y2 = new Dense({ units: 1, name: 'second' }).apply(new Concatenate().apply([y1, h]) as SymbolicTensor) as SymbolicTensor;
      return model({ inputs: a, outputs: [y1, y2], seed: 10 });
    },
  },
  {
    name: 'an LSTM output that is also its h state, both used (TF.js 4.22 cannot predict this graph)',
    make: () => {
      const a = input({ shape: [5, 3] });
      const [o, h, c] = new LSTM({ units: 4, returnState: true }).apply(a) as SymbolicTensor[];
      return model({ inputs: a, outputs: new Dense({ units: 2 }).apply(new Concatenate().apply([o, h, c]) as SymbolicTensor) as SymbolicTensor, seed: 11 });
    },
  },
];

describe('functional models: gradients by finite differences of the loss', () => {
  for (const c of cases) {
    it(c.name, () => {
      const m = c.make();
      const { x, y } = data(m, 5, c.ids);
      const r = check(m, x, y);
      console.log(`${c.name}: worst ${r.worst.toFixed(3)} of the tolerance over ${r.n} weights (median |gradient| ${r.typical.toExponential(1)})`);
      expect(r.typical).toBeGreaterThan(2 * ATOL); // the gradients are large enough for the check to mean something
      expect(r.worst).toBeLessThanOrEqual(1);
      m.dispose();
    });
  }

  it('a wiring mistake is caught: the check fails when one weight\'s gradient is off', () => {
    // The same check, fed a gradient with one entry doubled, must exceed its tolerance.
    const m = cases[2].make();
    const { x, y } = data(m, 5);
    m.compile({ optimizer: { name: 'sgd', learningRate: 1 }, loss: 'meanSquaredError' });
    const w0 = m.getWeights().map((w) => ({ data: w.data.slice(), shape: w.shape }));
    m.trainOnBatch(x, y);
    const g = w0[0].data[0] - m.getWeights()[0].data[0];
    m.setWeights(w0);
    const e = 1e-2;
    const probe = (d: number) => { const ws = w0.map((w) => ({ data: w.data.slice(), shape: w.shape })); ws[0].data[0] += d; m.setWeights(ws); return lossAt(m, x, y); };
    const fd = (probe(e) - probe(-e)) / (2 * e);
    expect(Math.abs(fd - g)).toBeLessThan(ATOL + RTOL * Math.abs(fd));
    expect(Math.abs(fd - 2 * g)).toBeGreaterThan(ATOL + RTOL * Math.abs(fd));
  });
});
