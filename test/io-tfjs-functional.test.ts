// The TF.js layers format for functional models (input() / layer.apply() / model()), against
// TensorFlow.js itself (CPU backend): graphs built here are written with toLayersModel() and loaded
// by tf.loadLayersModel(); the same kinds of graph built in TF.js (tf.input, layer.apply, tf.model)
// are saved by TF.js and loaded here; both predict the same within 1e-5. Also a hand-written
// Keras 3 model.json ({ args, kwargs } inbound nodes with keras_history, initial_state in kwargs),
// model-local node indices for a sub-model of shared layers, and clear errors for what is not read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Activation, Add, Average, Bidirectional, Concatenate, Dense, Dropout, Embedding, LSTM, LstmWasmError, Maximum, Minimum, Model, Multiply, Permute,
  RepeatVector, Reshape, Sequential, Subtract, TimeDistributed, input, model, type TensorData,
} from '../src/index.js';
import { loadLayersModel, saveLayersModel, toLayersModel, type LayersModelJson, type WeightEntry } from '../src/io/tfjs.js';
import { fromTf, initForTests, maxAbsDiff, randTensor, randWeightsLike, tf, tfCpu, toTf } from './util/tfjs.js';

const B = 3, T = 6, I = 4, H = 5, TD = 5, ID = 3, S = 4;
const TOL = 1e-5;
const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-io-tfjs-functional-'));

beforeAll(async () => {
  await initForTests();
  await tfCpu();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Sym = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Args = Record<string, unknown>;

/** The constructors a graph uses, for either library, with TF.js's option names. */
interface Lib {
  input(a: { shape: number[]; name?: string }): Sym;
  lstm(a: Args): Sym;
  dense(a: Args): Sym;
  embedding(a: Args): Sym;
  bidirectional(a: Args): Sym;
  timeDistributed(a: Args): Sym;
  repeatVector(a: Args): Sym;
  concatenate(a?: Args): Sym;
  add(): Sym; multiply(): Sym; average(): Sym; maximum(): Sym; minimum(): Sym;
  permute(a: Args): Sym;
  reshape(a: Args): Sym;
  activation(a: Args): Sym;
  model(a: { inputs: Sym; outputs: Sym }): Sym;
}

const OURS: Lib = {
  input: (a) => input(a),
  lstm: (a) => new LSTM(a as never),
  dense: (a) => new Dense(a as never),
  embedding: (a) => new Embedding(a as never),
  bidirectional: (a) => new Bidirectional(a as never),
  timeDistributed: (a) => new TimeDistributed(a as never),
  repeatVector: (a) => new RepeatVector(a as never),
  concatenate: (a = {}) => new Concatenate(a as never),
  add: () => new Add(), multiply: () => new Multiply(), average: () => new Average(), maximum: () => new Maximum(), minimum: () => new Minimum(),
  permute: (a) => new Permute(a as never),
  reshape: (a) => new Reshape(a as never),
  activation: (a) => new Activation(a as never),
  model: (a) => model(a),
};

const TFJS: Lib = {
  input: (a) => tf.input(a),
  lstm: (a) => tf.layers.lstm(a as never),
  dense: (a) => tf.layers.dense(a as never),
  embedding: (a) => tf.layers.embedding(a as never),
  bidirectional: (a) => tf.layers.bidirectional(a as never),
  timeDistributed: (a) => tf.layers.timeDistributed(a as never),
  repeatVector: (a) => tf.layers.repeatVector(a as never),
  concatenate: (a = {}) => tf.layers.concatenate(a),
  add: () => tf.layers.add({}), multiply: () => tf.layers.multiply({}), average: () => tf.layers.average({}), maximum: () => tf.layers.maximum({}), minimum: () => tf.layers.minimum({}),
  permute: (a) => tf.layers.permute(a as never),
  reshape: (a) => tf.layers.reshape(a as never),
  activation: (a) => tf.layers.activation(a as never),
  model: (a) => tf.model(a),
};

interface Case {
  name: string;
  build: (L: Lib) => Sym;
  xs: () => TensorData[];
}

const seq = (steps: number, feats: number, seed: number): TensorData => randTensor([B, steps, feats], seed);
const sigm = { recurrentActivation: 'sigmoid' };

const CASES: Case[] = [
  {
    name: 'two inputs: LSTM and Dense branches, Concatenate, Dense',
    build: (L) => {
      const a = L.input({ shape: [T, I] }), b = L.input({ shape: [S] });
      const ha = L.lstm({ units: H, ...sigm }).apply(a);
      const hb = L.dense({ units: 3, activation: 'relu' }).apply(b);
      const y = L.dense({ units: 2 }).apply(L.concatenate().apply([ha, hb]));
      return L.model({ inputs: [a, b], outputs: y });
    },
    xs: () => [seq(T, I, 1), randTensor([B, S], 2)],
  },
  {
    name: 'encoder-decoder: LSTM returnState → initialState of the decoder LSTM, Dense on its sequence',
    build: (L) => {
      const enc = L.input({ shape: [T, I] }), dec = L.input({ shape: [TD, ID] });
      const [, h, c] = L.lstm({ units: H, returnState: true, ...sigm }).apply(enc);
      const seqOut = L.lstm({ units: H, returnSequences: true, ...sigm }).apply(dec, { initialState: [h, c] });
      const y = L.dense({ units: 3, activation: 'softmax' }).apply(seqOut);
      return L.model({ inputs: [enc, dec], outputs: y });
    },
    xs: () => [seq(T, I, 3), seq(TD, ID, 4)],
  },
  {
    name: 'siamese: one LSTM shared by two inputs, Maximum and Multiply, Concatenate, Dense sigmoid',
    build: (L) => {
      const a = L.input({ shape: [T, I] }), b = L.input({ shape: [T, I] });
      const shared = L.lstm({ units: H, ...sigm });
      const ea = shared.apply(a), eb = shared.apply(b);
      const d = L.maximum().apply([ea, eb]), m = L.multiply().apply([ea, eb]);
      const y = L.dense({ units: 1, activation: 'sigmoid' }).apply(L.concatenate().apply([d, m]));
      return L.model({ inputs: [a, b], outputs: y });
    },
    xs: () => [seq(T, I, 5), seq(T, I, 6)],
  },
  {
    name: 'Bidirectional LSTM with returnState: output and both final states, Concatenate, two outputs',
    build: (L) => {
      const a = L.input({ shape: [T, I] });
      const [out, fh, , bh] = L.bidirectional({ layer: L.lstm({ units: H, returnState: true, ...sigm }), mergeMode: 'concat' }).apply(a);
      const y1 = L.dense({ units: 2 }).apply(L.concatenate().apply([out, fh, bh]));
      const y2 = L.dense({ units: 1, activation: 'tanh' }).apply(out);
      return L.model({ inputs: a, outputs: [y1, y2] });
    },
    xs: () => [seq(T, I, 7)],
  },
  {
    name: 'token ids → Embedding maskZero → LSTM, with a Dense side input, Concatenate',
    build: (L) => {
      const tokens = L.input({ shape: [T] }), side = L.input({ shape: [S] });
      const e = L.lstm({ units: H, ...sigm }).apply(L.embedding({ inputDim: 9, outputDim: I, maskZero: true }).apply(tokens));
      const y = L.dense({ units: 2 }).apply(L.concatenate().apply([e, L.dense({ units: 3 }).apply(side)]));
      return L.model({ inputs: [tokens, side], outputs: y });
    },
    xs: () => {
      const r = randTensor([B, T], 15);
      const data = r.data.map((v) => 1 + (Math.floor((v + 1) * 4) % 8));
      data.fill(0, 4, T); data.fill(0, T + 2, 2 * T); // padding at the ends of two rows
      return [{ data, shape: [B, T] }, randTensor([B, S], 16)];
    },
  },
  {
    name: 'LSTM → RepeatVector → LSTM (sequences) → TimeDistributed(Dense)',
    build: (L) => {
      const a = L.input({ shape: [T, I] });
      const code = L.lstm({ units: H, ...sigm }).apply(a);
      const rep = L.repeatVector({ n: TD }).apply(code);
      const s = L.lstm({ units: 4, returnSequences: true, ...sigm }).apply(rep);
      const y = L.timeDistributed({ layer: L.dense({ units: 2, activation: 'relu' }) }).apply(s);
      return L.model({ inputs: a, outputs: y });
    },
    xs: () => [seq(T, I, 8)],
  },
  {
    name: 'Permute, Reshape, Average / Maximum / Minimum / Add, Activation softmax',
    build: (L) => {
      const a = L.input({ shape: [T, I] });
      const p = L.reshape({ targetShape: [T * I] }).apply(L.permute({ dims: [2, 1] }).apply(a));
      const u = L.dense({ units: 4 }).apply(p), v = L.dense({ units: 4, activation: 'tanh' }).apply(p);
      const merged = L.concatenate({ axis: -1 }).apply([L.average().apply([u, v]), L.maximum().apply([u, v]), L.minimum().apply([u, v]), L.add().apply([u, v])]);
      return L.model({ inputs: a, outputs: L.activation({ activation: 'softmax' }).apply(merged) });
    },
    xs: () => [seq(T, I, 9)],
  },
];

const list = <V>(v: V | V[]): V[] => (Array.isArray(v) ? v : [v]);

function tfPredict(m: tf.LayersModel, xs: TensorData[]): TensorData[] {
  const ts = xs.map(toTf);
  const ys = list(m.predict(ts.length === 1 ? ts[0] : ts) as tf.Tensor | tf.Tensor[]);
  const out = ys.map(fromTf);
  ts.forEach((t) => t.dispose()); ys.forEach((t) => t.dispose());
  return out;
}

function ourPredict(m: Model, xs: TensorData[]): TensorData[] {
  return list(m.predict(xs.length === 1 ? xs[0] : xs));
}

function diff(a: TensorData[], b: TensorData[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((t, i) => { expect(t.shape).toEqual(b[i].shape); return maxAbsDiff(t.data, b[i].data); }));
}

async function tfArtifacts(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}

describe('toLayersModel: functional models built here load in TF.js', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const ours = c.build(OURS) as Model;
      ours.layers.forEach((l, i) => { const ws = l.getWeights(); if (ws.length) l.setWeights(randWeightsLike(ws, 900 + ci * 10 + i, 0.6)); });
      const xs = c.xs();
      const y = ourPredict(ours, xs);
      const artifacts = toLayersModel(ours);
      expect((artifacts.modelTopology as { class_name: string }).class_name).toBe('Model');
      const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const d = diff(tfPredict(theirs, xs), y);
      // And back here, from the files.
      const folder = join(dir, `ours-${ci}`);
      await saveLayersModel(ours, folder);
      const again = await loadLayersModel(folder);
      expect(again).toBeInstanceOf(Model);
      expect(again).not.toBeInstanceOf(Sequential);
      const d2 = diff(ourPredict(again, xs), y);
      console.log(`io-tfjs-functional: lstm-wasm → TF.js: ${c.name}: max |tfjs - ours| ${d.toExponential(2)}, reloaded here ${d2.toExponential(2)}`);
      expect(d).toBeLessThan(TOL);
      expect(d2).toBe(0);
      theirs.dispose(); ours.dispose(); again.dispose();
    });
  });

  it('node indices are local to the model: a sub-model with only the second call of a shared layer', async () => {
    const a = input({ shape: [T, I] }), b = input({ shape: [T, I] });
    const shared = new LSTM({ units: H, recurrentActivation: 'sigmoid' });
    const head = new Dense({ units: 2 });
    const ea = shared.apply(a) as never, eb = shared.apply(b) as never;
    const whole = model({ inputs: [a, b], outputs: new Add().apply([ea, eb]) });
    const sub = model({ inputs: b, outputs: head.apply(eb) });
    whole.build();
    sub.layers.forEach((l, i) => { const ws = l.getWeights(); if (ws.length) l.setWeights(randWeightsLike(ws, 1000 + i, 0.6)); });
    const art = toLayersModel(sub);
    const layers = (art.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown[][][] }[] } }).config.layers;
    const headNodes = layers.find((l) => l.name === head.name)!.inbound_nodes;
    expect(headNodes).toEqual([[[shared.name, 0, 0, {}]]]);
    expect(layers.find((l) => l.name === shared.name)!.inbound_nodes.length).toBe(1);
    const x = seq(T, I, 10);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(art));
    const d = diff(tfPredict(theirs, [x]), ourPredict(sub, [x]));
    expect(d).toBeLessThan(TOL);
    theirs.dispose(); whole.dispose(); sub.dispose();
  });

  it('Subtract, which TF.js 4.22 does not have (Keras does), is written as Keras writes it and reads back here', async () => {
    const a = input({ shape: [S] }), b = input({ shape: [S] });
    const m = model({ inputs: [a, b], outputs: new Dense({ units: 2 }).apply(new Subtract().apply([a, b]) as never) });
    const art = toLayersModel(m);
    expect(JSON.stringify(art.modelTopology)).toContain('"class_name":"Subtract"');
    await expect(tf.loadLayersModel(tf.io.fromMemory(art))).rejects.toThrow(/Unknown layer: Subtract/);
    const back = await loadLayersModel(art);
    const xs = [randTensor([B, S], 11), randTensor([B, S], 12)];
    expect(diff(ourPredict(back, xs), ourPredict(m, xs))).toBe(0);
    m.dispose(); back.dispose();
  });

  it("a call's training flag is written as TF.js writes it (kwargs { training }) and read back", async () => {
    const a = input({ shape: [T, I] });
    const drop = new Dropout({ rate: 0.5 });
    const m = model({ inputs: a, outputs: new Dense({ units: 2 }).apply(drop.apply(new LSTM({ units: H, returnSequences: true }).apply(a), { training: false })) });
    const art = toLayersModel(m);
    const layers = (art.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown[][][] }[] } }).config.layers;
    expect(layers.find((l) => l.name === drop.name)!.inbound_nodes[0][0][3]).toEqual({ training: false });
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(art));
    const back = await loadLayersModel(await tfArtifacts(theirs));
    const d2 = back.layers.find((l) => l.className === 'Dropout')!;
    expect(d2.nodes[0].call.training).toBe(false);
    const x = seq(T, I, 13);
    expect(diff(ourPredict(back, [x]), ourPredict(m, [x]))).toBeLessThan(TOL);
    theirs.dispose(); m.dispose(); back.dispose();
  });

  it('Sequential models are still written as Sequential', () => {
    const m = new Sequential([new LSTM({ units: H, inputShape: [T, I] }), new Dense({ units: 2 })]);
    expect((toLayersModel(m).modelTopology as { class_name: string }).class_name).toBe('Sequential');
  });
});

describe('loadLayersModel: functional models built and saved by TF.js', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const theirs = c.build(TFJS) as tf.LayersModel;
      theirs.setWeights(theirs.getWeights().map((w, i) => tf.tensor(randTensor(w.shape as number[], 2000 + ci * 50 + i, 0.6).data, w.shape)));
      const xs = c.xs();
      const expected = tfPredict(theirs, xs);
      const a = await tfArtifacts(theirs);
      const ours = await loadLayersModel(a);
      expect(ours).toBeInstanceOf(Model);
      const d = diff(ourPredict(ours, xs), expected);
      console.log(`io-tfjs-functional: TF.js → lstm-wasm: ${c.name}: max |ours - tfjs| ${d.toExponential(2)}`);
      expect(d).toBeLessThan(TOL);
      theirs.dispose(); ours.dispose();
    });
  });
});

describe('loadLayersModel: functional chains', () => {
  it('a chain of the Sequential layers still loads as a Sequential; one the Sequential path cannot read (Activation after an LSTM) loads as a graph', async () => {
    const a = tf.input({ shape: [T, I] });
    const chain = tf.model({ inputs: a, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.lstm({ units: H }).apply(a)) as tf.SymbolicTensor });
    const s = await loadLayersModel(await tfArtifacts(chain));
    expect(s).toBeInstanceOf(Sequential);
    const b = tf.input({ shape: [T, I] });
    const odd = tf.model({ inputs: b, outputs: tf.layers.activation({ activation: 'relu' }).apply(tf.layers.lstm({ units: H }).apply(b)) as tf.SymbolicTensor });
    const g = await loadLayersModel(await tfArtifacts(odd));
    expect(g).not.toBeInstanceOf(Sequential);
    expect(g.layers.map((l) => l.className)).toEqual(['InputLayer', 'LSTM', 'Activation']);
    const x = seq(T, I, 14);
    expect(diff(ourPredict(s, [x]), tfPredict(chain, [x]))).toBeLessThan(TOL);
    expect(diff(ourPredict(g, [x]), tfPredict(odd, [x]))).toBeLessThan(TOL);
    chain.dispose(); odd.dispose(); s.dispose(); g.dispose();
  });
});

// ---- hand-written Keras files ----------------------------------------------------------------

type Raw = Record<string, unknown>;
const f32 = (name: string, shape: number[]): WeightEntry => ({ name, shape, dtype: 'float32' });
const kt = (name: string, node: number, tensor: number, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [name, node, tensor] } });
const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

function lstmConfig(name: string, units: number, extra: Raw = {}): Raw {
  return {
    name, trainable: true, dtype: policy, return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false,
    zero_output_for_mask: false, units, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
    kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
    recurrent_initializer: { module: 'keras.initializers', class_name: 'Orthogonal', config: { gain: 1.0, seed: null }, registered_name: null },
    bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
    unit_forget_bias: true, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
    kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, seed: null, ...extra,
  };
}
const denseConfig = (name: string, units: number, activation = 'linear'): Raw => ({
  name, trainable: true, dtype: policy, units, activation, use_bias: true,
  kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
  bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
  kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
});

/**
 * An encoder-decoder with a side input, as Keras 3 writes it: inbound nodes as { args, kwargs }
 * with keras_history, the decoder's initial states in kwargs, a flat [name, 0, 0] for a single
 * output. `keras2` writes the same graph in the Keras 2 form with initial_state in kwargs.
 */
function handFile(keras2: boolean): { modelJson: LayersModelJson; data: Uint8Array; values: Float32Array[]; weights: WeightEntry[] } {
  const k3 = (name: string, cls: string, config: Raw, inbound: unknown[]): Raw => ({ module: 'keras.layers', class_name: cls, config, registered_name: null, name, inbound_nodes: inbound });
  const ref2 = (n: string, t = 0, kw: Raw = {}) => [n, 0, t, kw];
  const layers = keras2
    ? [
      { class_name: 'InputLayer', name: 'enc_in', config: { batch_input_shape: [null, T, I], dtype: 'float32', sparse: false, ragged: false, name: 'enc_in' }, inbound_nodes: [] },
      { class_name: 'InputLayer', name: 'dec_in', config: { batch_input_shape: [null, TD, ID], dtype: 'float32', sparse: false, ragged: false, name: 'dec_in' }, inbound_nodes: [] },
      { class_name: 'LSTM', name: 'enc', config: lstmConfig('enc', H, { return_state: true, dtype: 'float32', time_major: false, implementation: 2 }), inbound_nodes: [[ref2('enc_in')]] },
      { class_name: 'LSTM', name: 'dec', config: lstmConfig('dec', H, { return_sequences: true, dtype: 'float32', time_major: false, implementation: 2 }), inbound_nodes: [[ref2('dec_in', 0, { initial_state: [['enc', 0, 1], ['enc', 0, 2]] })]] },
      { class_name: 'Dense', name: 'proj', config: { ...denseConfig('proj', H), dtype: 'float32' }, inbound_nodes: [[ref2('enc', 1)]] },
      { class_name: 'RepeatVector', name: 'rep', config: { name: 'rep', trainable: true, dtype: 'float32', n: TD }, inbound_nodes: [[ref2('proj')]] },
      { class_name: 'Add', name: 'add', config: { name: 'add', trainable: true, dtype: 'float32' }, inbound_nodes: [[ref2('dec'), ref2('rep')]] },
      { class_name: 'TimeDistributed', name: 'td', config: { name: 'td', trainable: true, dtype: 'float32', layer: { class_name: 'Dense', config: { ...denseConfig('td_dense', 2, 'tanh'), dtype: 'float32' } } }, inbound_nodes: [[ref2('add')]] },
    ]
    : [
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, T, I], dtype: 'float32', sparse: false, name: 'enc_in' }, registered_name: null, name: 'enc_in', inbound_nodes: [] },
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, TD, ID], dtype: 'float32', sparse: false, name: 'dec_in' }, registered_name: null, name: 'dec_in', inbound_nodes: [] },
      k3('enc', 'LSTM', lstmConfig('enc', H, { return_state: true }), [{ args: [kt('enc_in', 0, 0, [null, T, I])], kwargs: { training: false, mask: null } }]),
      k3('dec', 'LSTM', lstmConfig('dec', H, { return_sequences: true }), [{ args: [kt('dec_in', 0, 0, [null, TD, ID])], kwargs: { initial_state: [kt('enc', 0, 1, [null, H]), kt('enc', 0, 2, [null, H])], mask: null } }]),
      k3('proj', 'Dense', denseConfig('proj', H), [{ args: [kt('enc', 0, 1, [null, H])], kwargs: {} }]),
      k3('rep', 'RepeatVector', { name: 'rep', trainable: true, dtype: policy, n: TD }, [{ args: [kt('proj', 0, 0, [null, H])], kwargs: {} }]),
      k3('add', 'Add', { name: 'add', trainable: true, dtype: policy }, [{ args: [[kt('dec', 0, 0, [null, TD, H]), kt('rep', 0, 0, [null, TD, H])]], kwargs: {} }]),
      k3('td', 'TimeDistributed', { name: 'td', trainable: true, dtype: policy, layer: { module: 'keras.layers', class_name: 'Dense', config: denseConfig('td_dense', 2, 'tanh'), registered_name: null, build_config: { input_shape: [null, H] } } }, [{ args: [kt('add', 0, 0, [null, TD, H])], kwargs: {} }]),
    ];
  const weights = [
    f32('enc/lstm_cell/kernel', [I, 4 * H]), f32('enc/lstm_cell/recurrent_kernel', [H, 4 * H]), f32('enc/lstm_cell/bias', [4 * H]),
    f32('dec/lstm_cell/kernel', [ID, 4 * H]), f32('dec/lstm_cell/recurrent_kernel', [H, 4 * H]), f32('dec/lstm_cell/bias', [4 * H]),
    f32('proj/kernel', [H, H]), f32('proj/bias', [H]),
    f32('td/kernel', [H, 2]), f32('td/bias', [2]),
  ];
  const values = weights.map((w, i) => randTensor(w.shape, 3000 + i, 0.6).data);
  const data = new Uint8Array(values.reduce((s, v) => s + v.length, 0) * 4);
  let at = 0;
  for (const v of values) { data.set(new Uint8Array(v.buffer.slice(0)), at); at += v.byteLength; }
  const config = keras2
    ? { name: 'seq2seq', layers, input_layers: [['enc_in', 0, 0], ['dec_in', 0, 0]], output_layers: [['td', 0, 0]] }
    : { name: 'seq2seq', trainable: true, layers, input_layers: [['enc_in', 0, 0], ['dec_in', 0, 0]], output_layers: ['td', 0, 0] };
  const model_config = keras2 ? { class_name: 'Functional', config } : { module: 'keras.src.models.functional', class_name: 'Functional', config, registered_name: 'Functional', build_config: { input_shape: null } };
  return {
    modelJson: {
      format: 'layers-model', generatedBy: keras2 ? 'keras v2.15.0' : 'keras v3.6.0', convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { keras_version: keras2 ? '2.15.0' : '3.6.0', backend: 'tensorflow', model_config },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
    },
    data, values, weights,
  };
}

/** The same graph built here. */
function handReference(): Model {
  const enc = input({ shape: [T, I] }), dec = input({ shape: [TD, ID] });
  const [, h, c] = new LSTM({ name: 'ref_enc', units: H, returnState: true, recurrentActivation: 'sigmoid', unitForgetBias: true }).apply(enc) as never[];
  const s = new LSTM({ name: 'ref_dec', units: H, returnSequences: true, recurrentActivation: 'sigmoid', unitForgetBias: true }).apply(dec, { initialState: [h, c] });
  const rep = new RepeatVector({ n: TD }).apply(new Dense({ name: 'ref_proj', units: H }).apply(h));
  const y = new TimeDistributed({ name: 'ref_td', layer: new Dense({ units: 2, activation: 'tanh' }) }).apply(new Add().apply([s as never, rep as never]));
  return model({ inputs: [enc, dec], outputs: y });
}

describe('loadLayersModel: hand-written Keras functional files', () => {
  for (const keras2 of [false, true]) {
    it(`${keras2 ? 'Keras 2 (initial_state in kwargs)' : 'Keras 3 ({ args, kwargs }, keras_history)'}: encoder-decoder with a side branch, Add, RepeatVector, TimeDistributed(Dense)`, async () => {
      const { modelJson, data, values, weights } = handFile(keras2);
      const ours = await loadLayersModel({ modelJson, weights: data });
      expect(ours.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['enc_in', 'dec_in', 'enc', 'dec', 'proj', 'rep', 'add', 'td']));
      const ref = handReference();
      ref.build();
      // The manifest holds enc (3 weights), dec (3), proj (2), td (2).
      const first: Record<string, number> = { enc: 0, dec: 3, proj: 6, td: 8 };
      for (const l of ref.layers) {
        const ws = l.getWeights();
        if (ws.length) l.setWeights(ws.map((w, j) => ({ data: values[first[l.name.replace(/^ref_/, '')] + j], shape: w.shape })));
      }
      const xs = [seq(T, I, 40), seq(TD, ID, 41)];
      const d = diff(ourPredict(ours, xs), ourPredict(ref, xs));
      expect(d).toBe(0);
      ours.dispose(); ref.dispose();
    });
  }
});

describe('loadLayersModel: functional models it cannot read are clear errors', () => {
  const fails = async (edit: (layers: Raw[], cfg: Raw) => void, re: RegExp) => {
    const { modelJson, data } = handFile(false);
    const cfg = ((modelJson.modelTopology as Raw).model_config as Raw).config as Raw;
    edit(cfg.layers as Raw[], cfg);
    let err: unknown = null;
    try { await loadLayersModel({ modelJson, weights: data }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(/^loadLayersModel: /);
    expect((err as Error).message).toMatch(re);
  };
  it('an unsupported layer class', () => fails((ls) => { ls[5].class_name = 'Conv2D'; }, /layer class "Conv2D" is not supported in a functional model; supported: InputLayer, LSTM/));
  it('an unsupported call option', () => fails((ls) => { ((ls[3].inbound_nodes as Raw[])[0].kwargs as Raw).constants = [1]; }, /call option 'constants' .*not supported/));
  it('a tensor no layer makes', () => fails((ls) => { ((ls[4].inbound_nodes as Raw[])[0].args as Raw[])[0] = kt('nowhere', 0, 0, [null, H]); }, /reads nowhere\[0\]\[0\], which no layer of the file makes \(there is no layer 'nowhere'\)/));
  it('an option of a new layer class', () => fails((ls) => { (ls[5].config as Raw).mystery = 1; }, /option 'mystery' is not supported/));
  it('an output that is not made', () => fails((_, cfg) => { cfg.output_layers = ['td', 3, 0]; }, /'output_layers' names td\[3\]\[0\]/));
});
