// ONNX in and out for functional models (input(), layer.apply(), model()): several inputs and
// outputs, merges, shape layers, recurrent layers' initial and returned states, shared layers.
// Each model is exported with toOnnx(), run in ONNX Runtime (onnxruntime-web, WASM, one thread)
// and compared with our predict(); then read back with fromOnnx(bytes, { functional: true }) and
// compared again. A hand-built encoder-decoder graph in the style of torch.onnx.export (time-major
// nn.LSTM, the encoder's Y_h / Y_c as the decoder's initial_h / initial_c, then MatMul + Add)
// loads and gives ONNX Runtime's outputs.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import {
  Activation, Add, Average, Bidirectional, Concatenate, Dense, Dropout, Embedding, Flatten, GRU, LSTM, LstmWasmError, Masking, Maximum, Minimum,
  Model, Multiply, Permute, RepeatVector, Reshape, Sequential, SimpleRNN, Subtract, TimeDistributed, input, model, type SymbolicTensor, type Tensor, type TensorData,
} from '../src/index.js';
import { fromOnnx, readOnnx, toOnnx } from '../src/io/onnx.js';
import { encode } from '../src/io/protobuf.js';
import * as P from '../src/io/onnx-schema.js';
import { initForTests, maxAbsDiff, randTensor, randWeightsLike } from './util/tfjs.js';

const B = 3, T = 6, I = 4, H = 5;
const TOL = 1e-5;

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const worst = { export: 0, roundTrip: 0, torch: 0 };

beforeAll(async () => {
  const info = await initForTests();
  console.log(`io-onnx-functional: lstm-wasm build ${info.build}, onnxruntime-web ${ort.env.versions?.web ?? ''}`);
  return () => console.log(`io-onnx-functional: largest differences: exported models vs ORT ${worst.export.toExponential(2)}, fromOnnx(toOnnx(m)) vs m ${worst.roundTrip.toExponential(2)}, torch-style graph vs ORT ${worst.torch.toExponential(2)}`);
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

function randomize(m: Model, seed: number, scale = 0.6): void {
  m.layers.forEach((l, i) => {
    const ws = l.getWeights();
    if (ws.length) l.setWeights(randWeightsLike(ws, seed + i, scale));
  });
}

function ids(shape: number[], V: number, seed: number): TensorData {
  const r = randTensor(shape, seed);
  return { data: r.data.map((v) => Math.floor((v + 1) / 2 * V) % V), shape };
}

interface Case {
  name: string;
  make: () => Model;
  /** Input shapes (batch first) and which are token ids (vocabulary size). */
  inputs: { shape: number[]; ids?: number }[];
  check?: (bytes: Uint8Array, m: Model) => void;
}

const ops = (bytes: Uint8Array) => ((readOnnx(bytes).graph!.node as Record<string, unknown>[]).map((n) => n.opType as string));

const CASES: Case[] = [
  {
    name: 'encoder-decoder: LSTM returnState → decoder LSTM initialState [h, c] → TimeDistributed(Dense softmax)',
    inputs: [{ shape: [B, T, I] }, { shape: [B, T - 2, 3] }],
    make: () => {
      const enc = input({ shape: [T, I], name: 'encoder_input' });
      const dec = input({ shape: [T - 2, 3], name: 'decoder_input' });
      const [, h, c] = L(new LSTM({ units: H, returnState: true, name: 'encoder' }).apply(enc));
      const y = S(new LSTM({ units: H, returnSequences: true, name: 'decoder' }).apply(dec, { initialState: [h, c] }));
      const out = S(new TimeDistributed({ layer: new Dense({ units: 4, activation: 'softmax' }), name: 'head' }).apply(y));
      return model({ inputs: [enc, dec], outputs: out });
    },
    check: (bytes) => {
      const g = readOnnx(bytes).graph!;
      expect((g.input as Record<string, unknown>[]).map((v) => v.name)).toEqual(['encoder_input', 'decoder_input']);
      expect((g.output as Record<string, unknown>[]).map((v) => v.name)).toEqual(['head']);
      const lstms = (g.node as Record<string, unknown>[]).filter((n) => n.opType === 'LSTM');
      expect(lstms.length).toBe(2);
      const decIns = lstms[1].input as string[];
      // initial_h and initial_c come from the encoder's Y_h and Y_c (Squeeze, then Unsqueeze back to [1, B, H]).
      expect(decIns[5]).toBeTruthy();
      expect(decIns[6]).toBeTruthy();
      expect((lstms[0].output as string[]).length).toBe(3);
    },
  },
  {
    name: 'encoder-decoder with GRU, states as outputs too',
    inputs: [{ shape: [B, T, I] }, { shape: [B, T, I] }],
    make: () => {
      const a = input({ shape: [T, I], name: 'src' });
      const b = input({ shape: [T, I], name: 'tgt' });
      const [, h] = L(new GRU({ units: H, returnState: true, name: 'enc_gru' }).apply(a));
      const [y, h2] = L(new GRU({ units: H, returnSequences: true, returnState: true, resetAfter: false, name: 'dec_gru' }).apply(b, { initialState: [h] }));
      return model({ inputs: [a, b], outputs: [S(new Dense({ units: 2, name: 'proj' }).apply(y)), h2] });
    },
  },
  {
    name: 'two inputs: LSTM(sequence) and Dense(features), Concatenate → Dense',
    inputs: [{ shape: [B, T, I] }, { shape: [B, 3] }],
    make: () => {
      const seq = input({ shape: [T, I], name: 'seq' });
      const meta = input({ shape: [3], name: 'meta' });
      const a = S(new LSTM({ units: H }).apply(seq));
      const b = S(new Dense({ units: 4, activation: 'relu' }).apply(meta));
      const joined = S(new Concatenate({ name: 'joined' }).apply([a, b]));
      return model({ inputs: [seq, meta], outputs: S(new Dense({ units: 2, activation: 'sigmoid', name: 'out' }).apply(joined)) });
    },
  },
  {
    name: 'residual Add around an LSTM (returnSequences), then GRU → Dense',
    inputs: [{ shape: [B, T, I] }],
    make: () => {
      const x = input({ shape: [T, I] });
      const y = S(new LSTM({ units: I, returnSequences: true }).apply(x));
      const r = S(new Add().apply([x, y]));
      const z = S(new GRU({ units: H }).apply(r));
      return model({ inputs: x, outputs: S(new Dense({ units: 3 }).apply(z)) });
    },
  },
  {
    name: 'two outputs: per-step Dense and last-step Dense from stacked LSTMs',
    inputs: [{ shape: [B, T, I] }],
    make: () => {
      const x = input({ shape: [T, I], name: 'x' });
      const seq = S(new LSTM({ units: H, returnSequences: true }).apply(x));
      const perStep = S(new TimeDistributed({ layer: new Dense({ units: 2 }), name: 'per_step' }).apply(seq));
      const last = S(new SimpleRNN({ units: 4 }).apply(seq));
      const cls = S(new Dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(last));
      return model({ inputs: x, outputs: [perStep, cls] });
    },
    check: (bytes) => {
      expect((readOnnx(bytes).graph!.output as Record<string, unknown>[]).map((v) => v.name)).toEqual(['per_step', 'cls']);
    },
  },
  {
    name: 'returnState outputs: [output, h, c] of an LSTM as graph outputs',
    inputs: [{ shape: [B, T, I] }],
    make: () => {
      const x = input({ shape: [T, I] });
      const outs = L(new LSTM({ units: H, returnState: true, returnSequences: true, name: 'lstm_states' }).apply(x));
      return model({ inputs: x, outputs: outs });
    },
  },
  {
    name: 'goBackwards LSTM returnState: output, h, c as graph outputs, and h, c into a peephole LSTM',
    inputs: [{ shape: [B, T, I] }],
    make: () => {
      const x = input({ shape: [T, I] });
      const [o, h, c] = L(new LSTM({ units: H, returnState: true, goBackwards: true, name: 'back_lstm' }).apply(x));
      const y = S(new LSTM({ units: H, peephole: true }).apply(x, { initialState: [h, c] }));
      return model({ inputs: x, outputs: [o, h, c, y] });
    },
  },
  {
    name: 'an initial state as a model input: GRU initialState from input({ shape: [units] })',
    inputs: [{ shape: [B, T, I] }, { shape: [B, H] }],
    make: () => {
      const x = input({ shape: [T, I], name: 'x' });
      const h0 = input({ shape: [H], name: 'h0' });
      const y = S(new GRU({ units: H, returnSequences: true }).apply(x, { initialState: [h0] }));
      return model({ inputs: [x, h0], outputs: S(new Dense({ units: 2, name: 'y' }).apply(y)) });
    },
  },
  {
    name: 'shared LSTM (siamese): two LSTM nodes on the same initializers, Subtract, Multiply → Dense',
    inputs: [{ shape: [B, T, I] }, { shape: [B, T, I] }],
    make: () => {
      const a = input({ shape: [T, I], name: 'left' });
      const b = input({ shape: [T, I], name: 'right' });
      const shared = new LSTM({ units: H, name: 'shared_lstm' });
      const ea = S(shared.apply(a)), eb = S(shared.apply(b));
      const d = S(new Subtract().apply([ea, eb]));
      const p = S(new Multiply().apply([ea, eb]));
      const j = S(new Concatenate().apply([d, p]));
      return model({ inputs: [a, b], outputs: S(new Dense({ units: 1, activation: 'sigmoid', name: 'same' }).apply(j)) });
    },
    check: (bytes) => {
      const g = readOnnx(bytes).graph!;
      const lstms = (g.node as Record<string, unknown>[]).filter((n) => n.opType === 'LSTM');
      expect(lstms.length).toBe(2);
      expect((lstms[0].input as string[]).slice(1)).toEqual((lstms[1].input as string[]).slice(1));
      expect((g.initializer as Record<string, unknown>[]).filter((t) => (t.name as string).startsWith('shared_lstm/W')).length).toBe(1);
    },
  },
  {
    name: 'autoencoder: LSTM → RepeatVector → LSTM → TimeDistributed(Dense)',
    inputs: [{ shape: [B, T, I] }],
    make: () => {
      const x = input({ shape: [T, I] });
      const code = S(new LSTM({ units: H }).apply(x));
      const rep = S(new RepeatVector({ n: T }).apply(code));
      const y = S(new LSTM({ units: H, returnSequences: true, goBackwards: true }).apply(rep));
      return model({ inputs: x, outputs: S(new TimeDistributed({ layer: new Dense({ units: I }) }).apply(y)) });
    },
  },
  {
    name: 'shape layers and merges: Permute, Reshape, Flatten, Activation, Average, Maximum, Minimum',
    inputs: [{ shape: [B, T, I] }, { shape: [B, T, I] }],
    make: () => {
      const a = input({ shape: [T, I] });
      const b = input({ shape: [T, I] });
      const mx = S(new Maximum().apply([a, b]));
      const mn = S(new Minimum().apply([a, b]));
      const av = S(new Average().apply([a, b, mx]));
      const t = S(new Permute({ dims: [2, 1] }).apply(av)); // [B, I, T]
      const rs = S(new Reshape({ targetShape: [T, I] }).apply(t)); // [B, T, I] (values reordered)
      const act = S(new Activation({ activation: 'tanh' }).apply(S(new Add().apply([rs, mn]))));
      const seq = S(new GRU({ units: H, returnSequences: true }).apply(act));
      const flat = S(new Flatten().apply(seq));
      const out = S(new Dense({ units: 2 }).apply(S(new Dropout({ rate: 0.5 }).apply(flat))));
      return model({ inputs: [a, b], outputs: [out, S(new Activation({ activation: 'softmax', name: 'soft' }).apply(out))] });
    },
  },
  {
    name: 'Embedding ids input and a Bidirectional LSTM beside a float input',
    inputs: [{ shape: [B, T], ids: 9 }, { shape: [B, 2] }],
    make: () => {
      const tok = input({ shape: [T], name: 'tokens', dtype: 'int32' });
      const num = input({ shape: [2], name: 'numbers' });
      const e = S(new Embedding({ inputDim: 9, outputDim: I }).apply(tok));
      const r = S(new Bidirectional({ layer: new LSTM({ units: H }) }).apply(e));
      const n = S(new Dense({ units: 3, activation: 'tanh' }).apply(num));
      return model({ inputs: [tok, num], outputs: S(new Dense({ units: 2 }).apply(S(new Concatenate().apply([r, n])))) });
    },
  },
];

describe('toOnnx: functional models run in ONNX Runtime', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const m = c.make();
      randomize(m, 300 + ci * 11);
      const xs = c.inputs.map((s, i) => (s.ids ? ids(s.shape, s.ids, 40 + i) : randTensor(s.shape, 60 + ci * 5 + i)));
      const ours = list(m.predict(xs.length === 1 ? xs[0] : xs));
      const bytes = toOnnx(m);
      c.check?.(bytes, m);
      const feeds: Record<string, ort.Tensor> = {};
      m.inputNames.forEach((name, i) => {
        feeds[name] = c.inputs[i].ids
          ? new ort.Tensor('int64', BigInt64Array.from(xs[i].data, (v) => BigInt(v)), xs[i].shape)
          : new ort.Tensor('float32', xs[i].data, xs[i].shape);
      });
      const out = await runOrt(bytes, feeds);
      let d = 0;
      m.outputNames.forEach((name, j) => {
        expect(out[name].dims, `${name} dims`).toEqual(ours[j].shape);
        d = Math.max(d, maxAbsDiff(ours[j].data, out[name].data as Float32Array));
      });
      worst.export = Math.max(worst.export, d);
      expect(d, `${c.name}: max |ours - ORT|`).toBeLessThan(TOL);

      // And back: the graph loads as a functional model with the same inputs, outputs and predictions.
      const again = fromOnnx(bytes, { functional: true });
      expect(again.inputNames).toEqual(m.inputNames);
      expect(again.outputNames).toEqual(m.outputNames);
      const back = list(again.predict(xs.length === 1 ? xs[0] : xs));
      expect(back.map((t) => t.shape)).toEqual(ours.map((t) => t.shape));
      const d2 = Math.max(...back.map((t, j) => maxAbsDiff(t.data, ours[j].data)));
      worst.roundTrip = Math.max(worst.roundTrip, d2);
      expect(d2, `${c.name}: fromOnnx(toOnnx(model)) vs model`).toBeLessThan(TOL);
      // Exporting the loaded model again gives a graph ORT runs the same.
      const out2 = await runOrt(toOnnx(again), feeds);
      m.outputNames.forEach((name, j) => expect(maxAbsDiff(out2[name].data as Float32Array, ours[j].data)).toBeLessThan(TOL));
      console.log(`io-onnx-functional: ${c.name}: max |ours - ORT| ${d.toExponential(2)}, round trip ${d2.toExponential(2)} (${bytes.length} bytes; ${ops(bytes).length} nodes)`);
      m.dispose(); again.dispose();
    });
  });

  it('a shared layer loads back as one layer applied twice', () => {
    const m = CASES.find((c) => c.name.startsWith('shared LSTM'))!.make();
    const again = fromOnnx(toOnnx(m), { functional: true });
    const lstms = again.layers.filter((l) => l instanceof LSTM);
    expect(lstms.length).toBe(1);
    expect(lstms[0].nodes.length).toBe(2);
    m.dispose(); again.dispose();
  });

  it('names graph inputs and outputs as asked', async () => {
    const m = CASES[2].make();
    const bytes = toOnnx(m, { inputNames: ['s', 'm'], outputNames: ['y'] });
    const g = readOnnx(bytes).graph!;
    expect((g.input as Record<string, unknown>[]).map((v) => v.name)).toEqual(['s', 'm']);
    expect((g.output as Record<string, unknown>[]).map((v) => v.name)).toEqual(['y']);
    expect(() => toOnnx(m, { inputNames: ['only_one'] })).toThrow(/inputNames.*2 non-empty strings/);
    expect(() => toOnnx(m, { inputName: 'x' })).toThrow(/one input.*inputNames/);
    m.dispose();
  });

  it('an output that is also read by other layers, and an output listed twice', async () => {
    const x = input({ shape: [T, I], name: 'x' });
    const h = S(new LSTM({ units: H, name: 'enc' }).apply(x));
    const y = S(new Dense({ units: 2, name: 'y' }).apply(h));
    const m = model({ inputs: x, outputs: [h, y, h] });
    randomize(m, 5);
    const xs = randTensor([B, T, I], 8);
    const ours = list(m.predict(xs));
    const bytes = toOnnx(m);
    const out = await runOrt(bytes, { x: new ort.Tensor('float32', xs.data, xs.shape) });
    m.outputNames.forEach((name, j) => expect(maxAbsDiff(out[name].data as Float32Array, ours[j].data)).toBeLessThan(TOL));
    const again = fromOnnx(bytes, { functional: true });
    list(again.predict(xs)).forEach((t, j) => expect(maxAbsDiff(t.data, ours[j].data)).toBeLessThan(TOL));
    m.dispose(); again.dispose();
  });

  it('refuses a layer ONNX cannot express, naming it', () => {
    const x = input({ shape: [T, I] });
    const masked = S(new Masking({ name: 'the_mask' }).apply(x));
    const m = model({ inputs: x, outputs: S(new LSTM({ units: 2 }).apply(masked)) });
    expect(() => toOnnx(m)).toThrow(/Masking 'the_mask' cannot be exported.*Supported layers/);
    const a = input({ shape: [T, I] });
    const [, h, c] = L(new Bidirectional({ layer: new LSTM({ units: 2, returnState: true }) }).apply(a));
    expect(() => toOnnx(model({ inputs: a, outputs: [h, c] }))).toThrow(/Bidirectional.*returns its states/);
  });

  it('a Sequential model still exports as one input and one output', () => {
    const m = new Sequential([new LSTM({ units: H, inputShape: [T, I] }), new RepeatVector({ n: 2 }), new GRU({ units: 3 })]);
    const g = readOnnx(toOnnx(m)).graph!;
    expect((g.input as Record<string, unknown>[]).map((v) => v.name)).toEqual(['input']);
    expect((g.output as Record<string, unknown>[]).map((v) => v.name)).toEqual(['output']);
    const again = fromOnnx(toOnnx(m), { functional: true });
    const xs = randTensor([B, T, I], 3);
    expect(maxAbsDiff(list(again.predict(xs))[0].data, m.predict(xs).data)).toBeLessThan(TOL);
    m.dispose(); again.dispose();
  });
});

// ---- a graph written by hand, the way torch.onnx.export writes an nn.LSTM encoder-decoder -------

type Msg = Record<string, unknown>;
const enc = new TextEncoder();
const f32 = (name: string, dims: number[], data: Float32Array): Msg => ({ name, dims, dataType: 1, rawData: new Uint8Array(data.buffer.slice(0)) });
const i64 = (name: string, values: number[], scalar = false): Msg => ({ name, dims: scalar ? [] : [values.length], dataType: 7, int64Data: values });
const node = (opType: string, inputs: string[], output: string[], attribute: Msg[] = []): Msg => ({ opType, input: inputs, output, attribute, name: output[0] });
const aInt = (name: string, i: number): Msg => ({ name, type: 2, i });
const aInts = (name: string, ints: number[]): Msg => ({ name, type: 7, ints });
const aStr = (name: string, s: string): Msg => ({ name, type: 3, s: enc.encode(s) });
const vi = (name: string, dims: (number | string)[], elemType = 1): Msg => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
function onnxModel(nodes: Msg[], inits: Msg[], inputs: Msg[], outputs: Msg[]): Uint8Array {
  return encode({ irVersion: 7, producerName: 'pytorch', producerVersion: '2.1.0', graph: { node: nodes, name: 'main_graph', initializer: inits, input: inputs, output: outputs }, opsetImport: [{ domain: '', version: 14 }] }, P.Model);
}
const rand = (n: number, seed: number, scale = 0.5) => randTensor([n], seed, scale).data;

/** [T, B, ...] ↔ [B, T, ...] */
function swap01(data: Float32Array, d0: number, d1: number, rest: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) out.set(data.subarray((a * d1 + b) * rest, (a * d1 + b + 1) * rest), (b * d0 + a) * rest);
  return out;
}

describe('fromOnnx: torch.onnx.export-style encoder-decoder', () => {
  const G = 4, T2 = 4, I2 = 3, N = 2;
  const encoderDecoder = (lastOp: 'MatMul' | 'Gemm', extra: Msg[] = []) => {
    const nodes = [
      node('LSTM', ['src', 'enc.W', 'enc.R', 'enc.B'], ['enc_Y', 'enc_h', 'enc_c'], [aInt('hidden_size', H)]),
      node('LSTM', ['tgt', 'dec.W', 'dec.R', 'dec.B', '', 'enc_h', 'enc_c'], ['dec_Y', 'dec_h', 'dec_c'], [aInt('hidden_size', H), aStr('direction', 'forward')]),
      node('Squeeze', ['dec_Y', 'ax1'], ['dec_seq']), // [T2, B, H]
      ...(lastOp === 'MatMul'
        ? [node('MatMul', ['dec_seq', 'fc.W'], ['mm']), node('Add', ['mm', 'fc.b'], ['logits'])]
        : [node('Squeeze', ['dec_h', 'ax0'], ['h_last']), node('Gemm', ['h_last', 'fc.Wt', 'fc.b'], ['logits'], [aInt('transB', 1)])]),
      ...extra,
    ];
    const inits = [
      f32('enc.W', [1, G * H, I], rand(G * H * I, 1)), f32('enc.R', [1, G * H, H], rand(G * H * H, 2)), f32('enc.B', [1, 2 * G * H], rand(2 * G * H, 3)),
      f32('dec.W', [1, G * H, I2], rand(G * H * I2, 4)), f32('dec.R', [1, G * H, H], rand(G * H * H, 5)), f32('dec.B', [1, 2 * G * H], rand(2 * G * H, 6)),
      f32('fc.W', [H, N], rand(H * N, 7)), f32('fc.Wt', [N, H], rand(H * N, 8)), f32('fc.b', [N], rand(N, 9)), i64('ax0', [0]), i64('ax1', [1]),
    ];
    return { nodes, inits };
  };

  it('LSTM → Y_h, Y_c → decoder LSTM initial_h, initial_c → Squeeze → MatMul + Add; the decoder state as a second output', async () => {
    const { nodes, inits } = encoderDecoder('MatMul', [node('Squeeze', ['dec_c', 'ax0'], ['c_out'])]);
    const bytes = onnxModel(nodes, inits, [vi('src', [T, 'batch', I]), vi('tgt', [T2, 'batch', I2])], [vi('logits', [T2, 'batch', N]), vi('c_out', ['batch', H])]);
    const src = randTensor([B, T, I], 21), tgt = randTensor([B, T2, I2], 22);
    const ortOut = await runOrt(bytes, {
      src: new ort.Tensor('float32', swap01(src.data, B, T, I), [T, B, I]),
      tgt: new ort.Tensor('float32', swap01(tgt.data, B, T2, I2), [T2, B, I2]),
    });
    const m = fromOnnx(bytes, { functional: true });
    expect(m.inputNames).toEqual(['src', 'tgt']);
    expect(m.outputNames).toEqual(['logits', 'c_out']);
    expect(m.layers.map((l) => l.className).sort()).toEqual(['Dense', 'InputLayer', 'InputLayer', 'LSTM', 'LSTM']);
    const [encoder, decoder] = m.layers.filter((l): l is LSTM => l instanceof LSTM).sort((a, b) => Number(a.returnSequences) - Number(b.returnSequences));
    expect(encoder.returnState).toBe(true);
    expect(decoder.returnSequences && decoder.returnState).toBe(true);
    const [logits, c] = list(m.predict([src, tgt]));
    expect(logits.shape).toEqual([B, T2, N]);
    expect(c.shape).toEqual([B, H]);
    const d = Math.max(maxAbsDiff(logits.data, swap01(ortOut.logits.data as Float32Array, T2, B, N)), maxAbsDiff(c.data, ortOut.c_out.data as Float32Array));
    worst.torch = Math.max(worst.torch, d);
    expect(d).toBeLessThan(TOL);
    // And out again: our export of it runs in ORT the same (batch-major now).
    const out2 = await runOrt(toOnnx(m), { src: new ort.Tensor('float32', src.data, src.shape), tgt: new ort.Tensor('float32', tgt.data, tgt.shape) });
    expect(maxAbsDiff(out2.logits.data as Float32Array, logits.data)).toBeLessThan(TOL);
    m.dispose();
  });

  it('the decoder final hidden state → Gemm (transB), batch_first Transposes', async () => {
    const { nodes, inits } = encoderDecoder('Gemm');
    const bf = [
      node('Transpose', ['src_bf'], ['src'], [aInts('perm', [1, 0, 2])]),
      node('Transpose', ['tgt_bf'], ['tgt'], [aInts('perm', [1, 0, 2])]),
    ];
    const bytes = onnxModel([...bf, ...nodes], inits, [vi('src_bf', ['batch', T, I]), vi('tgt_bf', ['batch', T2, I2])], [vi('logits', ['batch', N])]);
    const src = randTensor([B, T, I], 31), tgt = randTensor([B, T2, I2], 32);
    const ortOut = await runOrt(bytes, { src_bf: new ort.Tensor('float32', src.data, src.shape), tgt_bf: new ort.Tensor('float32', tgt.data, tgt.shape) });
    const m = fromOnnx(bytes, { functional: true });
    const y = list(m.predict([src, tgt]))[0];
    expect(y.shape).toEqual([B, N]);
    const d = maxAbsDiff(y.data, ortOut.logits.data as Float32Array);
    worst.torch = Math.max(worst.torch, d);
    expect(d).toBeLessThan(TOL);
    m.dispose();
  });

  it('a decoder step with h0 and c0 as graph inputs [1, B, H], and Y_h, Y_c as outputs', async () => {
    const nodes = [
      node('LSTM', ['x', 'dec.W', 'dec.R', 'dec.B', '', 'h0', 'c0'], ['Y', 'h1', 'c1'], [aInt('hidden_size', H)]),
      node('Squeeze', ['Y', 'ax1'], ['y3']),
      node('Transpose', ['y3'], ['yb'], [aInts('perm', [1, 0, 2])]),
      node('MatMul', ['yb', 'fc.W'], ['mm']),
      node('Add', ['mm', 'fc.b'], ['lin']),
      node('Softmax', ['lin'], ['probs'], [aInt('axis', -1)]),
    ];
    const inits = [
      f32('dec.W', [1, G * H, I2], rand(G * H * I2, 41)), f32('dec.R', [1, G * H, H], rand(G * H * H, 42)), f32('dec.B', [1, 2 * G * H], rand(2 * G * H, 43)),
      f32('fc.W', [H, N], rand(H * N, 44)), f32('fc.b', [N], rand(N, 45)), i64('ax1', [1]),
    ];
    const bytes = onnxModel(nodes, inits, [vi('x', [1, 'batch', I2]), vi('h0', [1, 'batch', H]), vi('c0', [1, 'batch', H])], [vi('probs', ['batch', 1, N]), vi('h1', [1, 'batch', H]), vi('c1', [1, 'batch', H])]);
    const x = randTensor([B, 1, I2], 51), h0 = randTensor([B, H], 52), c0 = randTensor([B, H], 53);
    const ortOut = await runOrt(bytes, {
      x: new ort.Tensor('float32', x.data, [1, B, I2]), h0: new ort.Tensor('float32', h0.data, [1, B, H]), c0: new ort.Tensor('float32', c0.data, [1, B, H]),
    });
    const m = fromOnnx(bytes, { functional: true });
    expect(m.inputShape).toEqual([[1, I2], [H], [H]]);
    const [probs, h1, c1] = list(m.predict([x, h0, c0]));
    expect(probs.shape).toEqual([B, 1, N]);
    const d = Math.max(maxAbsDiff(probs.data, ortOut.probs.data as Float32Array), maxAbsDiff(h1.data, ortOut.h1.data as Float32Array), maxAbsDiff(c1.data, ortOut.c1.data as Float32Array));
    worst.torch = Math.max(worst.torch, d);
    expect(d).toBeLessThan(TOL);
    m.dispose();
  });

  it('two MatMuls on one weight with different biases stay two Dense layers; Concat of [batch, features]', async () => {
    const F = 3;
    const nodes = [
      node('MatMul', ['a', 'W'], ['ma']), node('Add', ['ma', 'b1'], ['ya']),
      node('MatMul', ['b', 'W'], ['mb']), node('Add', ['mb', 'b2'], ['yb']), node('Tanh', ['yb'], ['tb']),
      node('Concat', ['ya', 'tb'], ['out'], [aInt('axis', 1)]),
    ];
    const inits = [f32('W', [F, N], rand(F * N, 61)), f32('b1', [N], rand(N, 62)), f32('b2', [N], rand(N, 63))];
    const bytes = onnxModel(nodes, inits, [vi('a', ['batch', F]), vi('b', ['batch', F])], [vi('out', ['batch', 2 * N])]);
    const a = randTensor([B, F], 64), b = randTensor([B, F], 65);
    const ortOut = await runOrt(bytes, { a: new ort.Tensor('float32', a.data, a.shape), b: new ort.Tensor('float32', b.data, b.shape) });
    const m = fromOnnx(bytes, { functional: true });
    expect(m.layers.filter((l) => l instanceof Dense).length).toBe(2);
    expect(maxAbsDiff(list(m.predict([a, b]))[0].data, ortOut.out.data as Float32Array)).toBeLessThan(TOL);
    m.dispose();
  });

  it('the bench model lstm-S.onnx (PyTorch nn.LSTM, time-major) as a functional model of its outputs y, h, c', async () => {
    const bytes = new Uint8Array(readFileSync('/work/shared/bench-models/lstm-S.onnx'));
    const g = readOnnx(bytes).graph!;
    const outs = (g.output as Msg[]).map((o) => o.name as string);
    const [b, t, i] = [32, 50, 1];
    const x = randTensor([b, t, i], 71);
    const ortOut = await runOrt(bytes, { x: new ort.Tensor('float32', swap01(x.data, b, t, i), [t, b, i]) });
    const m = fromOnnx(bytes, { functional: true });
    expect(m.outputNames).toEqual(outs.map((o, k) => (k === 0 ? o : `${outs[0]}_${k}`)));
    const ours = list(m.predict(x));
    outs.forEach((name, k) => {
      const theirs = ortOut[name];
      const want = theirs.dims.length === 3 && theirs.dims[0] === t ? swap01(theirs.data as Float32Array, t, b, theirs.dims[2] as number) : theirs.data as Float32Array;
      expect(maxAbsDiff(ours[k].data, want), name).toBeLessThan(1e-4);
    });
    m.dispose();
  });

  it('names the operator it cannot read', () => {
    const { nodes, inits } = encoderDecoder('MatMul', [node('LeakyRelu', ['logits'], ['leaky'])]);
    const bytes = onnxModel(nodes, inits, [vi('src', [T, 'batch', I]), vi('tgt', [T2, 'batch', I2])], [vi('leaky', [T2, 'batch', N])]);
    let err: unknown = null;
    try { fromOnnx(bytes, { functional: true }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(/node 'leaky' \(LeakyRelu\) is not an operator lstm-wasm reads; supported: .*LSTM/);
    // Without { functional: true }, a graph of two inputs says how to load it.
    expect(() => fromOnnx(bytes)).toThrow(/2 inputs \(src, tgt\).*functional: true/);
  });
});
