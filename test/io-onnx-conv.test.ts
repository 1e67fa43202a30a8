// toOnnx() for Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
// LayerNormalization, Attention, AdditiveAttention and MultiHeadAttention: each model is exported,
// run in ONNX Runtime (onnxruntime-web, WASM, one thread) and compared with our predict() within
// 1e-5. The graphs use standard opset-14 operators only: Conv and the pools between Transposes,
// ReduceMean / ReduceMax / ReduceSum, LayerNormalization as ReduceMean, Sub, Mul, Add, Sqrt, Div,
// attention as MatMul, Mul, Add, Tanh, Softmax, Transpose, Reshape, with masks (Embedding maskZero,
// explicit masks, causal) as an additive -1e9.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import {
  AdditiveAttention, Add, Attention, AveragePooling1D, Conv1D, Dense, Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization,
  LSTM, LstmWasmError, MaxPooling1D, Model, MultiHeadAttention, Sequential, input, model, type SymbolicTensor, type Tensor,
} from '../src/index.js';
import { fromOnnx, readOnnx, toOnnx } from '../src/io/onnx.js';
import { initForTests, maxAbsDiff, randTensor, randWeightsLike } from './util/tfjs.js';

const B = 3, T = 8, C = 4, V = 7;
const TOL = 1e-5;

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

let worst = 0;

beforeAll(async () => {
  await initForTests();
  return () => console.log(`io-onnx-conv: largest difference ours vs ORT ${worst.toExponential(2)}`);
});

async function runOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const S = (x: SymbolicTensor | SymbolicTensor[]) => x as SymbolicTensor;
const L = (x: SymbolicTensor | SymbolicTensor[]) => x as SymbolicTensor[];
const list = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);
const ops = (bytes: Uint8Array) => (readOnnx(bytes).graph!.node as Record<string, unknown>[]).map((n) => n.opType as string);

function randomize(m: Model, seed: number, scale = 0.6): void {
  m.layers.forEach((l, i) => {
    const ws = l.getWeights();
    if (ws.length) l.setWeights(randWeightsLike(ws, seed + i, scale));
  });
}

/** Token ids in [1, V) with zeros (padding) at the end of some rows, and one row all padding when asked. */
function ids(shape: [number, number], seed: number, allPadRow = false, leftPad = false) {
  const r = randTensor(shape, seed);
  const data = r.data.map((v) => 1 + (Math.floor((v + 1) * 3) % (V - 1)));
  const [b, t] = shape;
  for (let i = 0; i < b; i++) {
    if (leftPad) data.fill(0, i * t, i * t + 2 * i);
    else data.fill(0, i * t + t - 2 * i, (i + 1) * t);
  }
  if (allPadRow) data.fill(0, (b - 1) * t, b * t);
  return { data, shape };
}

/** 0/1 values with some zeros, for explicit masks. */
function zeroOne(shape: number[], seed: number) {
  const r = randTensor(shape, seed);
  return { data: r.data.map((v, i) => (i % shape[shape.length - 1] === 0 || v > -0.4 ? 1 : 0)), shape };
}

interface Case {
  name: string;
  make: () => Model;
  inputs: { shape: number[]; ids?: boolean; allPadRow?: boolean; leftPad?: boolean; zeroOne?: boolean }[];
  /** Operators the graph must have. */
  has?: string[];
  /** fromOnnx(bytes, { functional: true }) reads it back (Conv, pools and global pools are read; attention and LayerNormalization are not). */
  roundTrip?: boolean;
}

const seqModel = (layers: ConstructorParameters<typeof Sequential>[0]) => () => new Sequential(layers);

const CASES: Case[] = [
  {
    name: "Conv1D 'valid' relu → MaxPooling1D → GlobalAveragePooling1D → Dense",
    inputs: [{ shape: [B, T, C] }],
    make: seqModel([new Conv1D({ filters: 5, kernelSize: 3, activation: 'relu', inputShape: [T, C] } as never), new MaxPooling1D({ poolSize: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 2 })]),
    has: ['Conv', 'MaxPool', 'ReduceMean', 'Transpose'],
    roundTrip: true,
  },
  {
    name: "LSTM (sequences) → Conv1D 'causal' stride 2 → AveragePooling1D 'same' stride 2 → GlobalMaxPooling1D → Dense softmax",
    inputs: [{ shape: [B, T + 3, C] }],
    make: seqModel([
      new LSTM({ units: 5, returnSequences: true, inputShape: [T + 3, C] } as never), new Conv1D({ filters: 4, kernelSize: 3, strides: 2, padding: 'causal', activation: 'relu' }),
      new AveragePooling1D({ poolSize: 2, strides: 2, padding: 'same' }), new GlobalMaxPooling1D(), new Dense({ units: 3, activation: 'softmax' }),
    ]),
    roundTrip: true,
  },
  {
    name: "Conv1D 'same' stride 2, even kernel → AveragePooling1D 'same' stride 2 (outside steps not counted) → LayerNormalization",
    inputs: [{ shape: [B, T + 1, C] }],
    make: seqModel([new Conv1D({ filters: 6, kernelSize: 4, strides: 2, padding: 'same', inputShape: [T + 1, C] } as never), new AveragePooling1D({ poolSize: 3, strides: 2, padding: 'same' }), new LayerNormalization({ epsilon: 1e-4 })]),
    has: ['Conv', 'AveragePool', 'ReduceMean', 'Sqrt', 'Div'],
  },
  {
    name: "Conv1D 'causal' dilation 2, tanh → AveragePooling1D 'same' stride 1 → GlobalMaxPooling1D keepdims",
    inputs: [{ shape: [B, T, C] }],
    make: seqModel([new Conv1D({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'causal', activation: 'tanh', inputShape: [T, C] } as never), new AveragePooling1D({ poolSize: 4, strides: 1, padding: 'same' }), new GlobalMaxPooling1D({ keepdims: true })]),
    has: ['Conv', 'AveragePool', 'ReduceMax'],
  },
  {
    name: "Conv1D 'same' dilation 3 without bias, sigmoid → MaxPooling1D 'same' stride 3 → Conv1D softmax 'valid' stride 2",
    inputs: [{ shape: [B, T + 3, C] }],
    make: seqModel([new Conv1D({ filters: 4, kernelSize: 3, dilationRate: 3, padding: 'same', useBias: false, activation: 'sigmoid', inputShape: [T + 3, C] } as never), new MaxPooling1D({ poolSize: 2, strides: 3, padding: 'same' }), new Conv1D({ filters: 3, kernelSize: 2, strides: 2, activation: 'softmax' })]),
    roundTrip: true,
  },
  {
    name: 'Dense → LayerNormalization (scale only) and LayerNormalization (center only) on [batch, features]',
    inputs: [{ shape: [B, C] }],
    make: seqModel([new Dense({ units: 5, inputShape: [C] } as never), new LayerNormalization({ center: false, epsilon: 0.01 }), new LayerNormalization({ scale: false })]),
  },
  {
    name: 'transformer block: Embedding maskZero → MultiHeadAttention (self, masked) → Add → LayerNormalization → GlobalAveragePooling1D (masked mean) → Dense',
    inputs: [{ shape: [B, T], ids: true, allPadRow: true }],
    make: () => {
      const tok = input({ shape: [T], name: 'tokens', dtype: 'int32' });
      const e = S(new Embedding({ inputDim: V, outputDim: 6, maskZero: true }).apply(tok));
      const a = S(new MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' }).apply([e, e]));
      const n = S(new LayerNormalization().apply(S(new Add().apply([e, a]))));
      const p = S(new GlobalAveragePooling1D().apply(n));
      return model({ inputs: tok, outputs: S(new Dense({ units: 2 }).apply(p)) });
    },
    has: ['MatMul', 'Softmax', 'Reshape', 'Equal', 'Not', 'Cast', 'ReduceSum'],
  },
  {
    name: 'MultiHeadAttention causal with a key input, valueDim ≠ keyDim, outputShape, no bias, returning the scores',
    inputs: [{ shape: [B, T, C] }, { shape: [B, T, 5] }, { shape: [B, T, 3] }],
    make: () => {
      const q = input({ shape: [T, C], name: 'q' }), v = input({ shape: [T, 5], name: 'v' }), k = input({ shape: [T, 3], name: 'k' });
      const [y, scores] = L(new MultiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 6, useBias: false }).apply([q, v, k], { useCausalMask: true, returnAttentionScores: true } as never));
      return model({ inputs: [q, v, k], outputs: [y, scores] });
    },
  },
  {
    name: 'causal self-attention over left-padded tokens (rows that see only masked keys): MultiHeadAttention and Attention',
    inputs: [{ shape: [B, T], ids: true, leftPad: true }],
    make: () => {
      const tok = input({ shape: [T], name: 'tokens', dtype: 'int32' });
      const e = S(new Embedding({ inputDim: V, outputDim: 4, maskZero: true }).apply(tok));
      const a = S(new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha' }).apply([e, e], { useCausalMask: true } as never));
      const b = S(new Attention({ name: 'att' }).apply([e, e], { useCausalMask: true } as never));
      return model({ inputs: tok, outputs: [a, b] });
    },
  },
  {
    name: 'MultiHeadAttention with an attentionMask input, cross-attention (Tq ≠ Tv)',
    inputs: [{ shape: [B, T - 3, C] }, { shape: [B, T, C] }, { shape: [B, T - 3, T], zeroOne: true }],
    make: () => {
      const q = input({ shape: [T - 3, C], name: 'q' }), v = input({ shape: [T, C], name: 'v' }), m = input({ shape: [T - 3, T], name: 'm' });
      return model({ inputs: [q, v, m], outputs: S(new MultiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([q, v], { attentionMask: m } as never)) });
    },
  },
  {
    name: 'Attention (dot, useScale, causal) and Attention (concat, useScale) returning scores, AdditiveAttention (useScale) with a key',
    inputs: [{ shape: [B, T, C] }, { shape: [B, T, C] }, { shape: [B, T, C] }],
    make: () => {
      const q = input({ shape: [T, C], name: 'q' }), v = input({ shape: [T, C], name: 'v' }), k = input({ shape: [T, C], name: 'k' });
      const a = S(new Attention({ useScale: true, name: 'dot' }).apply([q, v], { useCausalMask: true } as never));
      const [b, sb] = L(new Attention({ useScale: true, scoreMode: 'concat', name: 'concat' }).apply([q, v], { returnAttentionScores: true } as never));
      const c = S(new AdditiveAttention({ useScale: true, name: 'additive' }).apply([q, v, k]));
      return model({ inputs: [q, v, k], outputs: [a, b, sb, c] });
    },
    has: ['Tanh', 'ReduceSum', 'Softmax'],
  },
  {
    name: 'Attention and AdditiveAttention with Embedding maskZero masks on query and value (masked query rows are zeros)',
    inputs: [{ shape: [B, T], ids: true }, { shape: [B, T - 2], ids: true, allPadRow: true }],
    make: () => {
      const qi = input({ shape: [T], name: 'qi', dtype: 'int32' }), vi = input({ shape: [T - 2], name: 'vi', dtype: 'int32' });
      const q = S(new Embedding({ inputDim: V, outputDim: 5, maskZero: true }).apply(qi));
      const v = S(new Embedding({ inputDim: V, outputDim: 5, maskZero: true }).apply(vi));
      const a = S(new Attention({}).apply([q, v]));
      const b = S(new AdditiveAttention({}).apply([q, v]));
      return model({ inputs: [qi, vi], outputs: [a, b] });
    },
  },
  {
    name: 'Attention with explicit masks [queryMask, valueMask]',
    inputs: [{ shape: [B, T, C] }, { shape: [B, T + 1, C] }, { shape: [B, T], zeroOne: true }, { shape: [B, T + 1], zeroOne: true }],
    make: () => {
      const q = input({ shape: [T, C], name: 'q' }), v = input({ shape: [T + 1, C], name: 'v' });
      const qm = input({ shape: [T], name: 'qm' }), vm = input({ shape: [T + 1], name: 'vm' });
      return model({ inputs: [q, v, qm, vm], outputs: S(new Attention({ useScale: true }).apply([q, v], { mask: [qm, vm] } as never)) });
    },
  },
];

describe('toOnnx: convolution, pooling, normalization and attention run in ONNX Runtime', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const m = c.make();
      m.build();
      randomize(m, 500 + ci * 13);
      const xs = c.inputs.map((s, i) => (s.ids ? ids(s.shape as [number, number], 70 + ci * 3 + i, s.allPadRow, s.leftPad) : s.zeroOne ? zeroOne(s.shape, 80 + i) : randTensor(s.shape, 90 + ci * 5 + i)));
      const ours = list(m.predict(xs.length === 1 ? xs[0] : xs));
      const bytes = toOnnx(m);
      const graphOps = ops(bytes);
      for (const op of c.has ?? []) expect(graphOps, `${c.name}: has ${op}`).toContain(op);
      const opset = (readOnnx(bytes).opsetImport as Record<string, unknown>[])[0].version;
      expect(opset).toBe(14);
      const names = m instanceof Sequential ? ['input'] : m.inputNames;
      const outNames = m instanceof Sequential ? ['output'] : m.outputNames;
      const feeds: Record<string, ort.Tensor> = {};
      names.forEach((name, i) => {
        feeds[name] = c.inputs[i].ids
          ? new ort.Tensor('int64', BigInt64Array.from(xs[i].data, (v) => BigInt(v)), xs[i].shape)
          : new ort.Tensor('float32', xs[i].data, xs[i].shape);
      });
      const out = await runOrt(bytes, feeds);
      let d = 0;
      outNames.forEach((name, j) => {
        expect(out[name].dims, `${name} dims`).toEqual(ours[j].shape);
        d = Math.max(d, maxAbsDiff(ours[j].data, out[name].data as Float32Array));
      });
      worst = Math.max(worst, d);
      expect(d, `${c.name}: max |ours - ORT|`).toBeLessThan(TOL);
      console.log(`io-onnx-conv: ${c.name}: max |ours - ORT| ${d.toExponential(2)} (${graphOps.length} nodes)`);
      if (c.roundTrip) {
        const again = fromOnnx(bytes, { functional: true });
        const classes = again.layers.map((l) => l.className);
        for (const l of m.layers) if (['Conv1D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D'].includes(l.className)) expect(classes).toContain(l.className);
        const back = list(again.predict(xs.length === 1 ? xs[0] : xs));
        const d2 = Math.max(...back.map((t, j) => { expect(t.shape).toEqual(ours[j].shape); return maxAbsDiff(t.data, ours[j].data); }));
        expect(d2, `${c.name}: fromOnnx(toOnnx(model)) vs model`).toBeLessThan(TOL);
        again.dispose();
      }
      m.dispose();
    });
  });

  it('a causal mask over steps that are not known is refused, naming the layer', () => {
    const x = input({ shape: [null, C] });
    const m = model({ inputs: x, outputs: S(new MultiHeadAttention({ numHeads: 1, keyDim: 2, name: 'causal_mha' }).apply([x, x], { useCausalMask: true } as never)) });
    expect(() => toOnnx(m)).toThrow(LstmWasmError);
    expect(() => toOnnx(m)).toThrow(/'causal_mha'.*useCausalMask.*steps must be known/);
    m.dispose();
  });

  it('a mask from Embedding maskZero that reaches a recurrent layer is refused', () => {
    const m = new Sequential([new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [T] } as never), new Conv1D({ filters: 2, kernelSize: 1 }), new LSTM({ units: 2 })]);
    // Conv1D does not pass the mask on (as Keras): this one exports.
    expect(() => toOnnx(m)).not.toThrow();
    const bad = new Sequential([new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [T] } as never), new LayerNormalization(), new LSTM({ units: 2 })]);
    expect(() => toOnnx(bad)).toThrow(/LSTM.*maskZero/);
    m.dispose(); bad.dispose();
  });
});
