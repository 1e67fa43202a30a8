// The TF.js layers format in and out, against TensorFlow.js itself (CPU backend): models built and
// saved by TF.js load here and predict what TF.js predicts; models saved here load in TF.js
// (tf.loadLayersModel(tf.io.fromMemory(...))) and predict what we predict; Keras-converter files
// (snake_case, Keras 2 and 3 details, functional chains) load; a model fine-tuned after import keeps
// learning; damaged files and unsupported options are clear errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Dropout, Embedding, GRU, LSTM, LstmWasmError, Masking, Sequential, SimpleRNN, type TensorData,
} from '../src/index.js';
import { loadLayersModel, saveLayersModel, toLayersModel, type LayersModelJson, type WeightEntry } from '../src/io/tfjs.js';
import { fromTf, initForTests, maxAbsDiff, randTensor, randWeightsLike, tf, tfCpu, toTf } from './util/tfjs.js';

const B = 3, T = 6, I = 4, H = 5;
const TOL = 1e-5;
const worst = { fromTfjs: 0, toTfjs: 0, keras: 0 };
const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-io-tfjs-'));

beforeAll(async () => {
  const info = await initForTests();
  await tfCpu();
  console.log(`io-tfjs: lstm-wasm build ${info.build}, TF.js ${tf.version.tfjs} backend ${tf.getBackend()}`);
  return () => console.log(`io-tfjs: largest differences: TF.js models loaded here ${worst.fromTfjs.toExponential(2)}, our models loaded in TF.js ${worst.toTfjs.toExponential(2)}, Keras-converter files ${worst.keras.toExponential(2)}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What TF.js's model.save() hands its IO handler. */
async function tfArtifacts(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}

/** The files TF.js writes (model.json and one shard), in a new folder. */
function writeFolder(name: string, a: tf.io.ModelArtifacts): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const modelJson = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
  writeFileSync(join(d, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(d, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
  return d;
}

function tfPredict(m: tf.LayersModel, x: TensorData): TensorData {
  const xt = toTf(x);
  const y = m.predict(xt) as tf.Tensor;
  const out = fromTf(y);
  xt.dispose(); y.dispose();
  return out;
}

function ids(n: number, steps: number, V: number, seed: number, padFrom?: number[]): TensorData {
  const r = randTensor([n, steps], seed);
  const data = r.data.map((v) => 1 + (Math.floor((v + 1) / 2 * (V - 1)) % (V - 1)));
  padFrom?.forEach((p, b) => data.fill(0, b * steps + p, (b + 1) * steps));
  return { data, shape: [n, steps] };
}

function seqs(seed: number, maskFrom?: number[]): TensorData {
  const x = randTensor([B, T, I], seed);
  maskFrom?.forEach((p, b) => x.data.fill(0, (b * T + p) * I, (b + 1) * T * I));
  return x;
}

interface TfCase {
  name: string;
  make: () => tf.Sequential;
  x: () => TensorData;
}

const TF_CASES: TfCase[] = [
  {
    name: 'LSTM (TF.js defaults: hard_sigmoid) → Dense softmax',
    make: () => tf.sequential({ layers: [tf.layers.lstm({ units: H, inputShape: [T, I] }), tf.layers.dense({ units: 3, activation: 'softmax' })] }),
    x: () => seqs(1),
  },
  {
    // The GRU is frozen: TF.js lists trainable weights first, so the manifest is not in layer order.
    name: 'GRU (frozen) returnSequences → SimpleRNN relu → Dense',
    make: () => tf.sequential({ layers: [tf.layers.gru({ units: H, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, I], trainable: false }), tf.layers.simpleRNN({ units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })] }),
    x: () => seqs(2),
  },
  {
    name: 'Masking → Bidirectional LSTM concat (sequences) → LSTM goBackwards → Dense',
    make: () => tf.sequential({ layers: [
      tf.layers.masking({ maskValue: 0, inputShape: [T, I] }),
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid' }) as tf.RNN, mergeMode: 'concat' }),
      tf.layers.lstm({ units: 4, goBackwards: true }),
      tf.layers.dense({ units: 2, activation: 'tanh' }),
    ] }),
    x: () => seqs(3, [T, T - 2, 3]),
  },
  {
    name: 'Embedding maskZero → Bidirectional GRU ave → Dropout → Dense sigmoid',
    make: () => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: 12, outputDim: I, inputLength: T, maskZero: true }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: H }) as tf.RNN, mergeMode: 'ave' }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ] }),
    x: () => ids(B, T, 12, 4, [T, 4, 2]),
  },
  {
    name: 'stacked SimpleRNN (sequences) → Bidirectional SimpleRNN sum (sequences) → TimeDistributed(Dense)',
    make: () => tf.sequential({ layers: [
      tf.layers.simpleRNN({ units: H, returnSequences: true, inputShape: [T, I] }),
      tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3, returnSequences: true }) as tf.RNN, mergeMode: 'sum' }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'relu' }) }),
    ] }),
    x: () => seqs(5),
  },
  {
    name: 'Bidirectional LSTM mul → Dense with L2 regularizers',
    make: () => tf.sequential({ layers: [
      tf.layers.bidirectional({ layer: tf.layers.lstm({ units: H, kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }) as tf.RNN, mergeMode: 'mul', inputShape: [T, I] }),
      tf.layers.dense({ units: 2, biasRegularizer: tf.regularizers.l2({ l2: 0.001 }) }),
    ] }),
    x: () => seqs(6),
  },
];

describe('loadLayersModel: models built and saved by TF.js', () => {
  TF_CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const theirs = c.make();
      const x = c.x();
      const expected = tfPredict(theirs, x);
      const a = await tfArtifacts(theirs);
      // Every form of source: TF.js ModelArtifacts, a folder, model.json's path, { modelJson, weights }, a TF.js IO handler.
      const sources = [
        a,
        writeFolder(`tfjs-${ci}`, a),
        join(dir, `tfjs-${ci}`, 'model.json'),
        { modelJson: readFileSync(join(dir, `tfjs-${ci}`, 'model.json'), 'utf8'), weights: a.weightData as ArrayBuffer },
        tf.io.fromMemory(a),
      ];
      let d = 0;
      for (const src of sources) {
        const ours = await loadLayersModel(src as never);
        ours.layers.forEach((l, i) => expect(l.trainable, `${l.where} trainable`).toBe(theirs.layers[i].trainable));
        expect(ours.layers.length).toBeGreaterThan(0);
        const y = ours.predict(x) as TensorData;
        expect(y.shape).toEqual(expected.shape);
        d = Math.max(d, maxAbsDiff(y.data, expected.data));
        ours.dispose();
      }
      worst.fromTfjs = Math.max(worst.fromTfjs, d);
      console.log(`io-tfjs: TF.js → lstm-wasm: ${c.name}: max |ours - tfjs| ${d.toExponential(2)}`);
      expect(d, `${c.name}: max |ours - tfjs|`).toBeLessThan(TOL);
      theirs.dispose();
    });
  });

  it('from a URL, with fetch (as in a browser)', async () => {
    const theirs = TF_CASES[0].make();
    const a = await tfArtifacts(theirs);
    const folder = writeFolder('served', a);
    const asked: string[] = [];
    const fakeFetch = async (url: string) => {
      asked.push(url);
      const path = new URL(url).pathname.replace(/^\/models\//, '');
      try {
        const body = readFileSync(join(folder, path));
        return new Response(new Uint8Array(body), { status: 200 });
      } catch {
        return new Response('not found', { status: 404, statusText: 'Not Found' });
      }
    };
    const ours = await loadLayersModel('https://example.org/models/model.json', { fetch: fakeFetch });
    expect(asked).toEqual(['https://example.org/models/model.json', 'https://example.org/models/group1-shard1of1.bin']);
    const x = TF_CASES[0].x();
    expect(maxAbsDiff((ours.predict(x) as TensorData).data, tfPredict(theirs, x).data)).toBeLessThan(TOL);
    await expect(loadLayersModel('https://example.org/models/nothing/model.json', { fetch: fakeFetch })).rejects.toThrow(/fetching model\.json https:\/\/example\.org\/models\/nothing\/model\.json failed: HTTP 404 Not Found/);
    theirs.dispose(); ours.dispose();
  });

  it('weights quantized by the converter (uint8, uint16, float16) are dequantized', async () => {
    const m = new Sequential([new Dense({ units: 3, inputShape: [4] })]);
    const a = toLayersModel(m);
    const kernel = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const bias16 = new Uint16Array([0, 1000, 65535]);
    const kernelSpec: WeightEntry = { ...a.weightSpecs[0], quantization: { dtype: 'uint8', scale: 0.01, min: -1 } };
    const biasSpec: WeightEntry = { ...a.weightSpecs[1], quantization: { dtype: 'uint16', scale: 0.001, min: -2 } };
    const data = new Uint8Array(12 + 6);
    data.set(kernel, 0);
    data.set(new Uint8Array(bias16.buffer), 12);
    const q = await loadLayersModel({ modelTopology: a.modelTopology, weightSpecs: [kernelSpec, biasSpec], weightData: data.buffer });
    const [k, b] = q.layers[0].getWeights();
    expect(maxAbsDiff(k.data, Float32Array.from(kernel, (v) => v * 0.01 - 1))).toBeLessThan(1e-6);
    expect(maxAbsDiff(b.data, Float32Array.from(bias16, (v) => v * 0.001 - 2))).toBeLessThan(1e-6);
    const half: WeightEntry = { ...a.weightSpecs[1], quantization: { dtype: 'float16' } };
    const h = await loadLayersModel({ modelTopology: a.modelTopology, weightSpecs: [kernelSpec, half], weightData: new Uint8Array([...kernel, 0x00, 0x3c, 0x00, 0xc0, 0x00, 0x35]).buffer });
    expect(Array.from(h.layers[0].getWeights()[1].data)).toEqual([1, -2, 0.3125]);
  });

  it('a model fine-tuned here after import keeps learning', async () => {
    const theirs = tf.sequential({ layers: [tf.layers.lstm({ units: 8, inputShape: [T, 2] }), tf.layers.dense({ units: 1 })] });
    const ours = await loadLayersModel(await tfArtifacts(theirs));
    // Target: the sum of the first feature over the sequence.
    const n = 64, x = randTensor([n, T, 2], 77);
    const y = new Float32Array(n);
    for (let s = 0; s < n; s++) for (let t = 0; t < T; t++) y[s] += x.data[(s * T + t) * 2];
    ours.compile({ optimizer: { name: 'adam', learningRate: 0.02 }, loss: 'meanSquaredError' });
    const h = await ours.fit(x, { data: y, shape: [n, 1] }, { epochs: 15, batchSize: 16, verbose: 0, seed: 1 });
    const losses = h.history.loss as number[];
    console.log(`io-tfjs: fine-tuning an imported model: loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)}`);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    expect(losses[losses.length - 1]).toBeLessThan(losses[losses.length - 5]);
    theirs.dispose(); ours.dispose();
  });
});

interface OurCase {
  name: string;
  make: () => Sequential;
  x: () => TensorData;
}

const OUR_CASES: OurCase[] = [
  { name: 'LSTM → Dense softmax', make: () => new Sequential([new LSTM({ units: H, inputShape: [T, I] }), new Dense({ units: 3, activation: 'softmax' })]), x: () => seqs(11) },
  { name: 'LSTM hardSigmoid goBackwards (sequences) → GRU (resetAfter: false) → Dense', make: () => new Sequential([new LSTM({ units: H, recurrentActivation: 'hardSigmoid', goBackwards: true, returnSequences: true, inputShape: [T, I] }), new GRU({ units: 4, resetAfter: false }), new Dense({ units: 2 })]), x: () => seqs(12) },
  { name: 'Masking → Bidirectional LSTM concat → Dropout → Dense', make: () => new Sequential([new Masking({ inputShape: [T, I] }), new Bidirectional({ layer: new LSTM({ units: H }) }), new Dropout({ rate: 0.5 }), new Dense({ units: 2, activation: 'sigmoid' })]), x: () => seqs(13, [T, 3, T - 1]) },
  { name: 'Embedding maskZero → SimpleRNN relu (sequences) → Dense', make: () => new Sequential([new Embedding({ inputDim: 9, outputDim: I, maskZero: true, inputShape: [T] }), new SimpleRNN({ units: H, activation: 'relu', returnSequences: true }), new Dense({ units: 2, kernelRegularizer: { l2: 0.01 } })]), x: () => ids(B, T, 9, 14, [T, 3, 5]) },
  { name: 'Bidirectional GRU (resetAfter: false) sum, sequences', make: () => new Sequential([new Bidirectional({ layer: new GRU({ units: H, resetAfter: false, returnSequences: true }), mergeMode: 'sum', inputShape: [T, I] })]), x: () => seqs(15) },
];

describe('toLayersModel / saveLayersModel: models saved here load in TF.js', () => {
  OUR_CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const ours = c.make();
      ours.layers.forEach((l, i) => { const ws = l.getWeights(); if (ws.length) l.setWeights(randWeightsLike(ws, 300 + ci * 10 + i, 0.6)); });
      const x = c.x();
      const y = ours.predict(x);
      const artifacts = toLayersModel(ours);
      const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const d = maxAbsDiff(tfPredict(theirs, x).data, y.data);
      // Written to a folder, read back here and by TF.js from the files.
      const folder = join(dir, `ours-${ci}`);
      await saveLayersModel(ours, folder);
      const again = await loadLayersModel(folder);
      const d2 = maxAbsDiff((again.predict(x) as TensorData).data, y.data);
      const files = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as LayersModelJson;
      const bin = readFileSync(join(folder, files.weightsManifest[0].paths[0]));
      const fromFiles = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: files.modelTopology, weightSpecs: files.weightsManifest[0].weights as never, weightData: new Uint8Array(bin).buffer }));
      const d3 = maxAbsDiff(tfPredict(fromFiles, x).data, y.data);
      worst.toTfjs = Math.max(worst.toTfjs, d, d3);
      console.log(`io-tfjs: lstm-wasm → TF.js: ${c.name}: max |tfjs - ours| ${d.toExponential(2)} (from files ${d3.toExponential(2)}), reloaded here ${d2.toExponential(2)}`);
      expect(d).toBeLessThan(TOL);
      expect(d3).toBeLessThan(TOL);
      expect(d2).toBe(0);
      theirs.dispose(); fromFiles.dispose(); ours.dispose(); again.dispose();
    });
  });

  it('splits weights into shards of the size asked, and reads them back', async () => {
    const m = new Sequential([new LSTM({ units: 16, inputShape: [T, I] }), new Dense({ units: 2 })]);
    const a = await saveLayersModel(m, join(dir, 'sharded', 'my-model.json'), { shardBytes: 1000 });
    expect(a.modelJson.weightsManifest[0].paths.length).toBe(Math.ceil(a.weightData.byteLength / 1000));
    expect(existsSync(join(dir, 'sharded', 'group1-shard2of6.bin'))).toBe(true);
    const back = await loadLayersModel(join(dir, 'sharded', 'my-model.json'));
    const x = seqs(21);
    expect(maxAbsDiff((back.predict(x) as TensorData).data, (m.predict(x) as TensorData).data)).toBe(0);
  });

  it('GRU with resetAfter: true is written as Keras writes it (TF.js itself refuses it), and reads back here', async () => {
    const m = new Sequential([new GRU({ units: H, inputShape: [T, I] })]);
    const a = toLayersModel(m);
    expect(JSON.stringify(a.modelTopology)).toContain('"reset_after":true');
    await expect(tf.loadLayersModel(tf.io.fromMemory(a))).rejects.toThrow(/reset_after/);
    const back = await loadLayersModel(a);
    const x = seqs(22);
    expect(maxAbsDiff((back.predict(x) as TensorData).data, (m.predict(x) as TensorData).data)).toBe(0);
  });

  it('an LSTM with peepholes has no TF.js form: a clear error', () => {
    const m = new Sequential([new LSTM({ units: 2, peephole: true, inputShape: [T, I] })]);
    expect(() => toLayersModel(m)).toThrow(/peepholes.*model\.save\(\) or toOnnx\(\)/);
  });
});

// ---- Keras-converter files -----------------------------------------------------------------

type Raw = Record<string, unknown>;
const init = (cls: string, config: Raw = { seed: null }) => ({ class_name: cls, config });

function kerasRecurrent(cls: 'LSTM' | 'GRU' | 'SimpleRNN', name: string, units: number, extra: Raw = {}): Raw {
  return {
    class_name: cls,
    config: {
      name, trainable: true, dtype: 'float32', return_sequences: false, return_state: false, go_backwards: false, stateful: false,
      unroll: false, time_major: false, units, activation: 'tanh', use_bias: true,
      kernel_initializer: init('GlorotUniform'), recurrent_initializer: init('Orthogonal', { gain: 1.0, seed: null }), bias_initializer: init('Zeros', {}),
      kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0,
      ...(cls === 'LSTM' ? { recurrent_activation: 'sigmoid', unit_forget_bias: true, implementation: 2 } : {}),
      ...(cls === 'GRU' ? { recurrent_activation: 'sigmoid', implementation: 2, reset_after: true } : {}),
      ...extra,
    },
  };
}

function kerasDense(name: string, units: number, activation = 'linear'): Raw {
  return { class_name: 'Dense', config: { name, trainable: true, dtype: 'float32', units, activation, use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros', {}), kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } };
}

/** model.json as tensorflowjs_converter writes it for a Keras 2 model, and random weights for the manifest. */
function kerasFile(layers: Raw[], weights: WeightEntry[], seed: number, functional = false): { modelJson: LayersModelJson; data: Uint8Array; values: Float32Array[] } {
  const values = weights.map((w, i) => randTensor(w.shape, seed + i, 0.6).data);
  const data = new Uint8Array(values.reduce((s, v) => s + v.length, 0) * 4);
  let at = 0;
  for (const v of values) { data.set(new Uint8Array(v.buffer.slice(0)), at); at += v.byteLength; }
  const model_config = functional
    ? { class_name: 'Functional', config: { name: 'model', layers, input_layers: [[(layers[0].config as Raw).name, 0, 0]], output_layers: [[(layers[layers.length - 1].config as Raw).name, 0, 0]] } }
    : { class_name: 'Sequential', config: { name: 'sequential', layers } };
  return {
    modelJson: {
      format: 'layers-model', generatedBy: 'keras v2.13.1', convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { keras_version: '2.13.1', backend: 'tensorflow', model_config, training_config: { loss: 'mse', metrics: null, optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } } },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
    },
    data,
    values,
  };
}

const f32 = (name: string, shape: number[]): WeightEntry => ({ name, shape, dtype: 'float32' });
const inputLayer = (name: string, shape: (number | null)[]): Raw => ({ class_name: 'InputLayer', config: { batch_input_shape: shape, dtype: 'float32', sparse: false, ragged: false, name } });

describe('loadLayersModel: Keras-converter files', () => {
  it('Keras 2 Sequential: InputLayer, LSTM hard_sigmoid (lstm/lstm_cell/kernel), GRU reset_after, Dense; the same as our layers with those weights', async () => {
    const layers = [
      inputLayer('lstm_input', [null, T, I]),
      kerasRecurrent('LSTM', 'lstm', H, { return_sequences: true, recurrent_activation: 'hard_sigmoid' }),
      kerasRecurrent('GRU', 'gru', 4),
      kerasDense('dense', 2, 'softmax'),
    ];
    const weights = [
      f32('lstm/lstm_cell/kernel', [I, 4 * H]), f32('lstm/lstm_cell/recurrent_kernel', [H, 4 * H]), f32('lstm/lstm_cell/bias', [4 * H]),
      f32('gru/gru_cell/kernel', [H, 12]), f32('gru/gru_cell/recurrent_kernel', [4, 12]), f32('gru/gru_cell/bias', [2, 12]),
      f32('dense/kernel', [4, 2]), f32('dense/bias', [2]),
    ];
    const { modelJson, data, values } = kerasFile(layers, weights, 500);
    const loaded = await loadLayersModel({ modelJson, weights: data });
    expect(loaded.layers.map((l) => l.className)).toEqual(['LSTM', 'GRU', 'Dense']);
    expect((loaded.layers[0] as LSTM).recurrentActivation).toBe('hardSigmoid');
    expect((loaded.layers[1] as GRU).resetAfter).toBe(true);
    const ref = new Sequential([
      new LSTM({ units: H, returnSequences: true, recurrentActivation: 'hardSigmoid', inputShape: [T, I] }), new GRU({ units: 4, resetAfter: true }), new Dense({ units: 2, activation: 'softmax' }),
    ]);
    ref.setWeights(values.map((v, i) => ({ data: v, shape: weights[i].shape })));
    const x = seqs(31);
    const d = maxAbsDiff((loaded.predict(x) as TensorData).data, (ref.predict(x) as TensorData).data);
    worst.keras = Math.max(worst.keras, d);
    expect(d).toBe(0);
  });

  it('Keras 2 functional chain: Embedding, Bidirectional LSTM (forward_/backward_ weights), Dropout, TimeDistributed(Dense), Activation; TF.js reads the same file the same', async () => {
    const V = 10;
    const inbound = (name: string) => [[[name, 0, 0, {}]]];
    const layers = [
      { ...inputLayer('tokens', [null, T]), name: 'tokens', inbound_nodes: [] },
      { class_name: 'Embedding', name: 'embedding', inbound_nodes: inbound('tokens'), config: { name: 'embedding', trainable: true, dtype: 'float32', batch_input_shape: [null, T], input_dim: V, output_dim: I, embeddings_initializer: init('RandomUniform', { minval: -0.05, maxval: 0.05, seed: null }), embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false, input_length: T } },
      { class_name: 'Bidirectional', name: 'bidirectional', inbound_nodes: inbound('embedding'), config: { name: 'bidirectional', trainable: true, dtype: 'float32', layer: kerasRecurrent('LSTM', 'lstm', H, { return_sequences: true }), merge_mode: 'concat' } },
      { class_name: 'Dropout', name: 'dropout', inbound_nodes: inbound('bidirectional'), config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noise_shape: null, seed: null } },
      { class_name: 'TimeDistributed', name: 'time_distributed', inbound_nodes: inbound('dropout'), config: { name: 'time_distributed', trainable: true, dtype: 'float32', layer: kerasDense('dense', 3) } },
      { class_name: 'Activation', name: 'activation', inbound_nodes: inbound('time_distributed'), config: { name: 'activation', trainable: true, dtype: 'float32', activation: 'softmax' } },
    ];
    const weights = [
      f32('embedding/embeddings', [V, I]),
      f32('bidirectional/forward_lstm/lstm_cell/kernel', [I, 4 * H]), f32('bidirectional/forward_lstm/lstm_cell/recurrent_kernel', [H, 4 * H]), f32('bidirectional/forward_lstm/lstm_cell/bias', [4 * H]),
      f32('bidirectional/backward_lstm/lstm_cell/kernel', [I, 4 * H]), f32('bidirectional/backward_lstm/lstm_cell/recurrent_kernel', [H, 4 * H]), f32('bidirectional/backward_lstm/lstm_cell/bias', [4 * H]),
      f32('time_distributed/kernel', [2 * H, 3]), f32('time_distributed/bias', [3]),
    ];
    const { modelJson, data } = kerasFile(layers, weights, 600, true);
    const ours = await loadLayersModel({ modelJson, weights: [data] });
    expect(ours.layers.map((l) => l.className)).toEqual(['Embedding', 'Bidirectional', 'Dropout', 'Dense']);
    // TF.js reads the same topology; give its layers the file's weights in order.
    const theirs = await tf.models.modelFromJSON({ modelTopology: modelJson.modelTopology } as never);
    const tensors = weights.map((w, i) => tf.tensor(new Float32Array(data.buffer, data.byteOffset + weights.slice(0, i).reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1) * 4, 0), w.shape.reduce((a, b) => a * b, 1)), w.shape));
    theirs.setWeights(tensors);
    const x = ids(B, T, V, 32);
    const d = maxAbsDiff((ours.predict(x) as TensorData).data, tfPredict(theirs, x).data);
    worst.keras = Math.max(worst.keras, d);
    console.log(`io-tfjs: Keras functional chain: max |ours - tfjs| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
    tensors.forEach((t) => t.dispose());
    theirs.dispose();
  });

  it('Keras 3 details (module, registered_name, batch_shape, DTypePolicy) and a camelCase file', async () => {
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const rnn = kerasRecurrent('SimpleRNN', 'simple_rnn', H, { dtype: policy, seed: null });
    delete (rnn.config as Raw).time_major;
    const layers = [
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, T, I], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
      { module: 'keras.layers', registered_name: null, build_config: { input_shape: [null, T, I] }, ...rnn },
    ];
    const weights = [f32('simple_rnn/simple_rnn_cell/kernel', [I, H]), f32('simple_rnn/simple_rnn_cell/recurrent_kernel', [H, H]), f32('simple_rnn/simple_rnn_cell/bias', [H])];
    const { modelJson, data, values } = kerasFile(layers, weights, 700);
    (modelJson.modelTopology as Raw).keras_version = '3.6.0';
    const m3 = await loadLayersModel({ modelJson, weights: data });
    const ref = new Sequential([new SimpleRNN({ units: H, inputShape: [T, I] })]);
    ref.setWeights(values.map((v, i) => ({ data: v, shape: weights[i].shape })));
    const x = seqs(33);
    expect(maxAbsDiff((m3.predict(x) as TensorData).data, (ref.predict(x) as TensorData).data)).toBe(0);
    // Keras 3's hard_sigmoid is not Keras 2's: refused.
    (layers[1].config as Raw).activation = 'hard_sigmoid';
    await expect(loadLayersModel({ modelJson, weights: data })).rejects.toThrow(/Keras 3's hard_sigmoid/);

    const camel = {
      modelTopology: { className: 'Sequential', config: { name: 'hand', layers: [{ className: 'LSTM', config: { name: 'lstm_a', units: H, inputShape: [T, I], returnSequences: false, recurrentActivation: 'sigmoid' } }] } },
      weightsManifest: [{ paths: ['w.bin'], weights: [f32('lstm_a/kernel', [I, 4 * H]), f32('lstm_a/recurrent_kernel', [H, 4 * H]), f32('lstm_a/bias', [4 * H])] }],
    };
    const ws = camel.weightsManifest[0].weights.map((w, i) => randTensor(w.shape, 800 + i, 0.5));
    const buf = new Uint8Array(ws.reduce((s, w) => s + w.data.byteLength, 0));
    let at = 0;
    for (const w of ws) { buf.set(new Uint8Array(w.data.buffer), at); at += w.data.byteLength; }
    const mc = await loadLayersModel({ modelJson: camel, weights: buf.buffer });
    const refc = new Sequential([new LSTM({ units: H, inputShape: [T, I] })]);
    refc.setWeights(ws);
    expect(maxAbsDiff((mc.predict(x) as TensorData).data, (refc.predict(x) as TensorData).data)).toBe(0);
  });
});

describe('loadLayersModel: damaged files and unsupported options are clear errors', () => {
  let folder = '';
  beforeAll(async () => {
    const m = tf.sequential({ layers: [tf.layers.lstm({ units: 3, inputShape: [T, I] }), tf.layers.dense({ units: 1 })] });
    folder = writeFolder('good', await tfArtifacts(m));
    m.dispose();
  });
  const copy = (name: string, edit: (json: string, bin: Uint8Array) => [string | null, Uint8Array | null]) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    const [json, bin] = edit(readFileSync(join(folder, 'model.json'), 'utf8'), new Uint8Array(readFileSync(join(folder, 'group1-shard1of1.bin'))));
    if (json !== null) writeFileSync(join(d, 'model.json'), json);
    if (bin !== null) writeFileSync(join(d, 'group1-shard1of1.bin'), bin);
    return d;
  };
  const fails = async (src: unknown, re: RegExp) => {
    let err: unknown = null;
    try { await loadLayersModel(src as never); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(/^loadLayersModel: /);
    expect((err as Error).message).toMatch(re);
  };

  it('truncated model.json', async () => {
    await fails(copy('truncated', (j, b) => [j.slice(0, j.length >> 1), b]), /model\.json is not valid JSON .*cut short/);
    await fails({ modelJson: '{"modelTopology": {"class_name": "Seq', weights: new ArrayBuffer(0) }, /not valid JSON/);
  });
  it('missing shard, or no model.json', async () => {
    await fails(copy('noshard', (j) => [j, null]), /cannot read the weight shard "group1-shard1of1\.bin"/);
    await fails(join(dir, 'nowhere'), /cannot read .*nowhere/);
  });
  it('shards of the wrong size', async () => {
    await fails(copy('short', (j, b) => [j, b.subarray(0, b.length - 8)]), /hold \d+ bytes .* need \d+: a shard is missing or cut short/);
    await fails(copy('long', (j, b) => [j, new Uint8Array([...b, 0, 0, 0, 0])]), /more than the \d+ its weights take: refused before reading/);
    const a = toLayersModel(new Sequential([new LSTM({ units: 2, inputShape: [T, I] })]));
    await fails({ modelJson: a.modelJson, weights: a.weightData.slice(4) }, /cut short/);
    await fails({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData.slice(0, 12) }, /weightData holds 12 bytes/);
  });
  it('weights that do not fit the topology', async () => {
    const a = toLayersModel(new Sequential([new LSTM({ units: 2, inputShape: [T, I] })]));
    const specs = a.weightSpecs.map((w) => ({ ...w }));
    specs[0].shape = [8, I]; // the same byte count, the wrong shape
    await fails({ modelTopology: a.modelTopology, weightSpecs: specs, weightData: a.weightData }, /kernel must have shape \[4, 8\].*has shape \[8, 4\]/);
  });
  it('unsupported activations, layers and options name themselves and what is supported', async () => {
    const edit = (f: (layer: Raw) => void) => {
      const j = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      f(j.modelTopology.config.layers[0]);
      return { modelJson: j, weights: new Uint8Array(readFileSync(join(folder, 'group1-shard1of1.bin'))) };
    };
    await fails(edit((l) => { (l.config as Raw).activation = 'selu'; }), /activation "selu" .*not supported; supported: tanh, relu, sigmoid, hard_sigmoid, linear/);
    await fails(edit((l) => { l.class_name = 'Conv2D'; }), /layer class "Conv2D" is not supported; supported: InputLayer, LSTM, GRU, SimpleRNN, Bidirectional, Dense/);
    await fails(edit((l) => { (l.config as Raw).time_major = true; }), /option 'timeMajor' = true is not supported/);
    await fails(edit((l) => { (l.config as Raw).kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } }; }), /kernelConstraint' \(MaxNorm\) is not supported/);
    await fails(edit((l) => { (l.config as Raw).kernel_regularizer = { class_name: 'L1L2', config: { l1: 0.1, l2: 0 } }; }), /L1 penalty/);
    await fails(edit((l) => { (l.config as Raw).some_new_option = 3; }), /option 'someNewOption' is not supported; supported: /);
    await fails(edit((l) => { (l.config as Raw).dtype = 'float16'; }), /dtype "float16"/);
    await fails(edit((l) => { l.class_name = 'Bidirectional'; l.config = { name: 'b', merge_mode: null, layer: { class_name: 'LSTM', config: { units: 3 } }, batch_input_shape: [null, T, I] }; }), /merge_mode None/);
  });
});
