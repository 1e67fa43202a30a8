// The TF.js layers format for Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D,
// GlobalMaxPooling1D and LayerNormalization, against TensorFlow.js 4.22 itself (CPU backend):
// models built here (Sequential and functional) are written with toLayersModel() and loaded by
// tf.loadLayersModel(); the same models built in TF.js are saved by TF.js and loaded here; both
// predict the same within 1e-5. Also hand-written Keras 3 configs of these layers, and the clear
// error for the attention layers, which TF.js does not have.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdditiveAttention, Attention, AveragePooling1D, Conv1D, Dense, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization, LstmWasmError,
  MaxPooling1D, Model, MultiHeadAttention, Sequential, input, model, type SymbolicTensor, type TensorData,
} from '../src/index.js';
import { loadLayersModel, toLayersModel, type LayersModelJson } from '../src/io/tfjs.js';
import { fromTf, initForTests, maxAbsDiff, randTensor, randWeightsLike, tf, tfCpu, toTf } from './util/tfjs.js';

const B = 3, T = 9, C = 4;
const TOL = 1e-5;

beforeAll(async () => {
  await initForTests();
  await tfCpu();
});

type Args = Record<string, unknown>;
type Sym = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The layers a case uses, for either library, with TF.js's option names. */
interface Lib {
  conv1d(a: Args): Sym;
  maxPooling1d(a: Args): Sym;
  averagePooling1d(a: Args): Sym;
  globalAveragePooling1d(a?: Args): Sym;
  globalMaxPooling1d(a?: Args): Sym;
  layerNormalization(a?: Args): Sym;
  dense(a: Args): Sym;
}

const OURS: Lib = {
  conv1d: (a) => new Conv1D(a as never),
  maxPooling1d: (a) => new MaxPooling1D(a as never),
  averagePooling1d: (a) => new AveragePooling1D(a as never),
  globalAveragePooling1d: (a = {}) => new GlobalAveragePooling1D(a as never),
  globalMaxPooling1d: (a = {}) => new GlobalMaxPooling1D(a as never),
  layerNormalization: (a = {}) => new LayerNormalization(a as never),
  dense: (a) => new Dense(a as never),
};

const TFJS: Lib = {
  conv1d: (a) => tf.layers.conv1d(a as never),
  maxPooling1d: (a) => tf.layers.maxPooling1d(a as never),
  averagePooling1d: (a) => tf.layers.averagePooling1d(a as never),
  globalAveragePooling1d: (a = {}) => tf.layers.globalAveragePooling1d(a as never),
  globalMaxPooling1d: (a = {}) => tf.layers.globalMaxPooling1d(a as never),
  layerNormalization: (a = {}) => tf.layers.layerNormalization(a as never),
  dense: (a) => tf.layers.dense(a as never),
};

type Spec = [keyof Lib, Args?];

interface Case {
  name: string;
  /** The layers after the input [T, C]. */
  specs: Spec[];
}

/** The case's layers; the first with the input shape when asked (a Sequential's first layer). */
const make = (L: Lib, c: Case, first: Args = {}): Sym[] => c.specs.map(([k, a = {}], i) => L[k]({ ...a, ...(i === 0 ? first : {}) }));

const CASES: Case[] = [
  { name: "Conv1D 'valid', relu → GlobalMaxPooling1D → Dense", specs: [['conv1d', { filters: 5, kernelSize: 3, activation: 'relu' }], ['globalMaxPooling1d'], ['dense', { units: 2 }]] },
  { name: "Conv1D 'same' (even kernel), stride 2 → AveragePooling1D 'same' → GlobalAveragePooling1D", specs: [['conv1d', { filters: 6, kernelSize: 4, strides: 2, padding: 'same' }], ['averagePooling1d', { poolSize: 3, strides: 1, padding: 'same' }], ['globalAveragePooling1d']] },
  { name: "Conv1D 'causal' with dilation 2, tanh → MaxPooling1D 'valid'", specs: [['conv1d', { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'causal', activation: 'tanh' }], ['maxPooling1d', { poolSize: 2 }]] },
  { name: "Conv1D without bias, 'same' stride 3 → MaxPooling1D 'same' stride 2 → LayerNormalization", specs: [['conv1d', { filters: 4, kernelSize: 2, strides: 3, padding: 'same', useBias: false }], ['maxPooling1d', { poolSize: 3, strides: 2, padding: 'same' }], ['layerNormalization', { epsilon: 1e-4 }]] },
  { name: "LayerNormalization (center only) → Conv1D sigmoid → AveragePooling1D 'same' stride 2", specs: [['layerNormalization', { scale: false }], ['conv1d', { filters: 2, kernelSize: 5, activation: 'sigmoid' }], ['averagePooling1d', { poolSize: 2, strides: 2, padding: 'same' }]] },
  { name: 'LayerNormalization (scale only) → Dense → GlobalAveragePooling1D', specs: [['layerNormalization', { center: false, epsilon: 0.01 }], ['dense', { units: 3 }], ['globalAveragePooling1d']] },
];

const xs = (seed: number): TensorData => randTensor([B, T, C], seed);

function randomize(ws: { shape: number[] }[], seed: number) {
  return randWeightsLike(ws, seed, 0.7);
}

function ourSequential(c: Case, seed: number): Sequential {
  const seq = new Sequential(make(OURS, c, { inputShape: [T, C] }));
  seq.build();
  seq.layers.forEach((l, i) => { const ws = l.getWeights(); if (ws.length) l.setWeights(randomize(ws, seed + i)); });
  return seq;
}

function ourFunctional(c: Case, seed: number): Model {
  const x = input({ shape: [T, C] });
  let y: SymbolicTensor = x;
  for (const l of make(OURS, c)) y = l.apply(y) as SymbolicTensor;
  const m = model({ inputs: x, outputs: y });
  m.build();
  m.layers.forEach((l, i) => { const ws = l.getWeights(); if (ws.length) l.setWeights(randomize(ws, seed + i)); });
  return m;
}

function tfPredict(m: tf.LayersModel, x: TensorData): TensorData {
  const t = toTf(x);
  const y = m.predict(t) as tf.Tensor;
  const out = fromTf(y);
  t.dispose(); y.dispose();
  return out;
}

/**
 * TF.js 4.22 loads a Conv1D with padding 'causal' but does not run it (conv1dWithBias: "not
 * implemented yet"): for that case TF.js's answer is its conv1d of the left-padded input (which is
 * what causal means in Keras), then the layers after it.
 */
function tfCausalPredict(m: tf.LayersModel, x: TensorData): TensorData {
  const out = tf.tidy(() => {
    let y: tf.Tensor = toTf(x);
    for (const l of m.layers) {
      if (l.getClassName() === 'InputLayer') continue;
      const cfg = l.getConfig() as { padding?: string; kernelSize: number[]; dilationRate: number | number[]; activation: string; useBias: boolean };
      if (l.getClassName() === 'Conv1D' && cfg.padding === 'causal') {
        const d = Array.isArray(cfg.dilationRate) ? cfg.dilationRate[0] : cfg.dilationRate;
        const [kernel, bias] = l.getWeights();
        y = tf.conv1d(tf.pad(y as tf.Tensor3D, [[0, 0], [(cfg.kernelSize[0] - 1) * d, 0], [0, 0]]), kernel as tf.Tensor3D, 1, 'valid', 'NWC', d);
        if (cfg.useBias) y = tf.add(y, bias);
        if (cfg.activation === 'tanh') y = tf.tanh(y);
        else if (cfg.activation !== 'linear') throw new Error(`tfCausalPredict: activation ${cfg.activation}`);
      } else y = l.apply(y) as tf.Tensor;
    }
    return y;
  });
  const r = fromTf(out);
  out.dispose();
  return r;
}

const causal = (c: Case) => c.specs.some(([k, a]) => k === 'conv1d' && a?.padding === 'causal');

function diff(a: TensorData, b: TensorData): number {
  expect(a.shape).toEqual(b.shape);
  return maxAbsDiff(a.data, b.data);
}

async function tfArtifacts(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}

describe('toLayersModel: Conv1D, pooling and LayerNormalization load in TF.js', () => {
  CASES.forEach((c, ci) => {
    for (const kind of ['Sequential', 'functional'] as const) {
      it(`${kind}: ${c.name}`, async () => {
        const m = kind === 'Sequential' ? ourSequential(c, 100 + ci * 7) : ourFunctional(c, 200 + ci * 7);
        const x = xs(10 + ci);
        const ours = m.predict(x) as TensorData;
        const art = toLayersModel(m);
        const tm = await tf.loadLayersModel(tf.io.fromMemory(art as never));
        if (causal(c)) expect(() => tfPredict(tm, x)).toThrow(/CAUSAL padding mode in conv1dWithBias is not implemented/);
        const d = diff(ours, causal(c) ? tfCausalPredict(tm, x) : tfPredict(tm, x));
        expect(d, `${c.name}: |ours - TF.js|`).toBeLessThan(TOL);
        // And back here.
        const again = await loadLayersModel(art);
        expect(diff(again.predict(x) as TensorData, ours)).toBeLessThan(TOL);
        tm.dispose(); m.dispose(); again.dispose();
      });
    }
  });
});

describe('loadLayersModel: TF.js-saved models of these layers', () => {
  CASES.forEach((c, ci) => {
    for (const kind of ['Sequential', 'functional'] as const) {
      it(`${kind}: ${c.name}`, async () => {
        let tm: tf.LayersModel;
        if (kind === 'Sequential') {
          tm = tf.sequential({ layers: make(TFJS, c, { inputShape: [T, C] }) });
        } else {
          const x = tf.input({ shape: [T, C] });
          let y: Sym = x;
          for (const l of make(TFJS, c)) y = l.apply(y);
          tm = tf.model({ inputs: x, outputs: y });
        }
        tm.layers.forEach((l, i) => {
          const ws = l.getWeights();
          if (ws.length) l.setWeights(randomize(ws, 300 + ci * 7 + i).map(toTf));
        });
        const x = xs(20 + ci);
        const theirs = causal(c) ? tfCausalPredict(tm, x) : tfPredict(tm, x);
        const ours = await loadLayersModel(await tfArtifacts(tm) as never);
        expect(diff(ours.predict(x) as TensorData, theirs), `${c.name}: |ours - TF.js|`).toBeLessThan(TOL);
        tm.dispose(); ours.dispose();
      });
    }
  });
});

describe('Keras 3 configs and errors', () => {
  const keras3 = (layers: unknown[], weights: { name: string; shape: number[] }[]): { modelJson: LayersModelJson; weights: ArrayBuffer } => {
    const n = weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    const data = randTensor([n], 77, 0.5).data;
    return {
      modelJson: {
        modelTopology: { class_name: 'Sequential', config: { name: 'k3', layers }, keras_version: '3.6.0', backend: 'tensorflow' },
        weightsManifest: [{ paths: ['w.bin'], weights: weights.map((w) => ({ ...w, dtype: 'float32' })) }],
      },
      weights: data.slice().buffer,
    };
  };
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

  it('reads Keras 3 Conv1D, MaxPooling1D, LayerNormalization and GlobalAveragePooling1D configs', async () => {
    const src = keras3([
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, T, C], dtype: 'float32', sparse: false, name: 'input_layer' } },
      { module: 'keras.layers', class_name: 'Conv1D', config: { name: 'conv1d', trainable: true, dtype, filters: 3, kernel_size: [3], strides: [1], padding: 'causal', data_format: 'channels_last', dilation_rate: [1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
      { module: 'keras.layers', class_name: 'MaxPooling1D', config: { name: 'max_pooling1d', trainable: true, dtype, pool_size: [2], padding: 'valid', strides: [2], data_format: 'channels_last' } },
      { module: 'keras.layers', class_name: 'LayerNormalization', config: { name: 'layer_normalization', trainable: true, dtype, axis: [-1], epsilon: 0.001, center: true, scale: true, rms_scaling: false, beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} }, beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null } },
      { module: 'keras.layers', class_name: 'GlobalAveragePooling1D', config: { name: 'gap', trainable: true, dtype, data_format: 'channels_last', keepdims: false } },
    ], [
      { name: 'conv1d/kernel', shape: [3, C, 3] }, { name: 'conv1d/bias', shape: [3] },
      { name: 'layer_normalization/gamma', shape: [3] }, { name: 'layer_normalization/beta', shape: [3] },
    ]);
    const m = await loadLayersModel(src);
    expect(m.layers.map((l) => l.className)).toEqual(['Conv1D', 'MaxPooling1D', 'LayerNormalization', 'GlobalAveragePooling1D']);
    const conv = m.layers[0] as Conv1D;
    expect(conv.padding).toBe('causal');
    expect(conv.activation).toBe('relu');
    expect((m.predict(xs(5)) as TensorData).shape).toEqual([B, 3]);
    m.dispose();
  });

  it('refuses options it cannot compute', async () => {
    const conv = (extra: Record<string, unknown>) => keras3([
      { class_name: 'Conv1D', config: { name: 'c', batch_input_shape: [null, T, C], filters: 2, kernel_size: [2], ...extra } },
    ], [{ name: 'c/kernel', shape: [2, C, 2] }, { name: 'c/bias', shape: [2] }]);
    await expect(loadLayersModel(conv({ groups: 2 }))).rejects.toThrow(/option 'groups' = 2 is not supported/);
    await expect(loadLayersModel(conv({ data_format: 'channels_first' }))).rejects.toThrow(/dataFormat.*channels-last/);
    const ln = keras3([{ class_name: 'LayerNormalization', config: { name: 'n', batch_input_shape: [null, T, C], rms_scaling: true } }], [{ name: 'n/gamma', shape: [C] }, { name: 'n/beta', shape: [C] }]);
    await expect(loadLayersModel(ln)).rejects.toThrow(/rmsScaling/);
  });

  it('reads Keras 3 functional models with MultiHeadAttention and Attention (call options in kwargs, weights query/kernel, …)', async () => {
    const kt = (name: string, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [name, 0, 0] } });
    const layer = (class_name: string, name: string, config: Record<string, unknown>, args: unknown[], kwargs: Record<string, unknown> = {}) => ({
      module: 'keras.layers', class_name, config: { name, trainable: true, dtype, ...config }, registered_name: null, name, inbound_nodes: [{ args, kwargs }],
    });
    const Dm = 6, H = 2, dk = 3;
    const layers = [
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, T, C], dtype: 'float32', sparse: false, name: 'x' }, registered_name: null, name: 'x', inbound_nodes: [] },
      layer('Dense', 'proj', { units: Dm, activation: 'linear', use_bias: true }, [kt('x', [null, T, C])]),
      layer('MultiHeadAttention', 'mha', { num_heads: H, key_dim: dk, value_dim: dk, dropout: 0, use_bias: true, output_shape: null, attention_axes: null, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null, seed: null },
        [kt('proj', [null, T, Dm]), kt('proj', [null, T, Dm])], { use_causal_mask: true }),
      layer('LayerNormalization', 'ln', { axis: -1, epsilon: 0.001, center: true, scale: true, rms_scaling: false }, [kt('mha', [null, T, Dm])]),
      layer('Attention', 'att', { use_scale: true, score_mode: 'dot', dropout: 0, seed: null }, [[kt('ln', [null, T, Dm]), kt('proj', [null, T, Dm])]], { use_causal_mask: false, return_attention_scores: false }),
      layer('GlobalAveragePooling1D', 'gap', { data_format: 'channels_last', keepdims: false }, [kt('att', [null, T, Dm])]),
    ];
    const weights = [
      { name: 'proj/kernel', shape: [C, Dm] }, { name: 'proj/bias', shape: [Dm] },
      ...['query', 'key', 'value'].flatMap((p) => [{ name: `mha/${p}/kernel`, shape: [Dm, H, dk] }, { name: `mha/${p}/bias`, shape: [H, dk] }]),
      { name: 'mha/attention_output/kernel', shape: [H, dk, Dm] }, { name: 'mha/attention_output/bias', shape: [Dm] },
      { name: 'ln/gamma', shape: [Dm] }, { name: 'ln/beta', shape: [Dm] },
      { name: 'att/scale', shape: [] },
    ];
    const n = weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    const data = randTensor([n], 91, 0.5).data;
    const loaded = await loadLayersModel({
      modelJson: {
        modelTopology: { class_name: 'Functional', config: { name: 'k3', trainable: true, layers, input_layers: [['x', 0, 0]], output_layers: [['gap', 0, 0]] }, keras_version: '3.6.0', backend: 'tensorflow' },
        weightsManifest: [{ paths: ['w.bin'], weights: weights.map((w) => ({ ...w, dtype: 'float32' })) }],
      },
      weights: data.slice().buffer,
    });
    // The same model built here, given the same numbers in the same order.
    const x = input({ shape: [T, C] });
    const p = new Dense({ units: Dm }).apply(x) as SymbolicTensor;
    const mha = new MultiHeadAttention({ numHeads: H, keyDim: dk });
    const a = mha.apply([p, p], { useCausalMask: true } as never) as SymbolicTensor;
    const ln = new LayerNormalization().apply(a) as SymbolicTensor;
    const att = new Attention({ useScale: true }).apply([ln, p]) as SymbolicTensor;
    const ref = model({ inputs: x, outputs: new GlobalAveragePooling1D().apply(att) as SymbolicTensor });
    ref.build();
    let at = 0;
    for (const l of ref.layers) {
      const ws = l.getWeights();
      if (!ws.length) continue;
      l.setWeights(ws.map((w) => { const k = w.shape.reduce((q, r) => q * r, 1); const d = data.slice(at, at + k); at += k; return { data: d, shape: w.shape }; }));
    }
    expect(at).toBe(n);
    const mhaLoaded = loaded.layers.find((l) => l instanceof MultiHeadAttention)!;
    expect(mhaLoaded.nodes[0].call.useCausalMask).toBe(true);
    const xv = xs(33);
    expect(maxAbsDiff((loaded.predict(xv) as TensorData).data, (ref.predict(xv) as TensorData).data)).toBeLessThan(1e-6);
    // By name, not by order: the same weights listed in reverse order load the same.
    const sizes = weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const order = weights.map((_, i) => weights.length - 1 - i);
    const shuffled = new Float32Array(n);
    let o = 0;
    for (const i of order) { shuffled.set(data.subarray(starts[i], starts[i] + sizes[i]), o); o += sizes[i]; }
    const reversed = await loadLayersModel({
      modelJson: {
        modelTopology: { class_name: 'Functional', config: { name: 'k3', trainable: true, layers, input_layers: [['x', 0, 0]], output_layers: [['gap', 0, 0]] }, keras_version: '3.6.0', backend: 'tensorflow' },
        weightsManifest: [{ paths: ['w.bin'], weights: order.map((i) => ({ ...weights[i], dtype: 'float32' })) }],
      },
      weights: shuffled.buffer,
    });
    expect(maxAbsDiff((reversed.predict(xv) as TensorData).data, (ref.predict(xv) as TensorData).data)).toBeLessThan(1e-6);
    reversed.dispose();
    loaded.dispose(); ref.dispose();
  });

  it('refuses attention call options it does not read', async () => {
    const kt = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, T, C], dtype: 'float32', keras_history: [name, 0, 0] } });
    const src = {
      modelJson: {
        modelTopology: {
          class_name: 'Functional', keras_version: '3.6.0',
          config: {
            name: 'k3', layers: [
              { class_name: 'InputLayer', config: { batch_shape: [null, T, C], name: 'x' }, name: 'x', inbound_nodes: [] },
              { class_name: 'MultiHeadAttention', config: { name: 'mha', num_heads: 1, key_dim: 2 }, name: 'mha', inbound_nodes: [{ args: [kt('x'), kt('x')], kwargs: { query_mask: kt('x') } }] },
            ], input_layers: [['x', 0, 0]], output_layers: [['mha', 0, 0]],
          },
        },
        weightsManifest: [],
      },
    };
    await expect(loadLayersModel(src as never)).rejects.toThrow(/call option 'query_mask' \(an explicit mask tensor\) is not supported/);
  });

  it('saving a model with an attention layer is a clear error naming it', () => {
    const q = input({ shape: [T, C] }), v = input({ shape: [T, C] });
    const cases: [Model, RegExp][] = [
      [model({ inputs: [q, v], outputs: new Attention({ name: 'att' }).apply([q, v]) as SymbolicTensor }), /Attention 'att' is a Attention layer, which TF.js does not have: tf.loadLayersModel\(\) cannot load/],
      [model({ inputs: [q, v], outputs: new AdditiveAttention({ name: 'add_att' }).apply([q, v]) as SymbolicTensor }), /'add_att' is a AdditiveAttention layer, which TF.js does not have/],
      [model({ inputs: [q, v], outputs: new MultiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' }).apply([q, v]) as SymbolicTensor }), /'mha' is a MultiHeadAttention layer, which TF.js does not have/],
    ];
    for (const [m, re] of cases) {
      expect(() => toLayersModel(m)).toThrow(LstmWasmError);
      expect(() => toLayersModel(m)).toThrow(re);
      m.dispose();
    }
  });

  it('GlobalAveragePooling1D with keepdims has no TF.js form', () => {
    const m = new Sequential({ layers: [new GlobalAveragePooling1D({ keepdims: true, inputShape: [T, C] } as never)] });
    expect(() => toLayersModel(m)).toThrow(/keepdims: true, which TF.js's GlobalAveragePooling1D does not have/);
    m.dispose();
  });
});
