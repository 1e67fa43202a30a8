// Keras's spellings for every layer in the registry: a layer made with Keras's snake_case option
// names has the same config (getConfig()) as the one made with ours, and differs from the layer's
// defaults (so the names were read, not dropped); Keras's positional first arguments
// (Reshape([2, 3]), MultiHeadAttention(2, 4), MaxPooling1D(3, 1, 'same'), Activation('relu'),
// input([5, 3], { batch_size }), …) equal the options form; models written either way predict the
// same numbers, bit for bit; real typos keep their "did you mean", named as written.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Activation, Add, AdditiveAttention, Attention, Average, AveragePooling1D, Bidirectional, Concatenate, Conv1D, Dense,
  Dropout, Embedding, Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D, GRU, Input, InputLayer, input, Layer,
  LayerNormalization, LSTM, LstmWasmError, Masking, Maximum, MaxPooling1D, Minimum, model, MultiHeadAttention,
  Multiply, Permute, QuantizedConv1D, QuantizedDense, QuantizedEmbedding, QuantizedGRU, QuantizedLSTM, QuantizedSimpleRNN, RepeatVector, Reshape,
  SimpleRNN, Subtract, TimeDistributed, type SymbolicTensor,
} from '../src/index.js';
import { layerClassNames } from '../src/layers/registry.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

// Keras's names are not in our option types (a TypeScript user writes ours); JavaScript users and
// configs write them, so the tests pass them untyped.
const k = (o: Record<string, unknown>) => o as never;

const errorOf = (f: () => unknown): LstmWasmError => {
  try { f(); } catch (e) { if (e instanceof LstmWasmError) return e; throw e; }
  throw new Error('no error was thrown');
};

interface Case {
  /** Keras's snake_case names. */
  snake: () => Layer;
  /** The same options under our names. */
  camel: () => Layer;
  /** The layer with only what it needs: the snake form must differ from it. */
  minimal: () => Layer;
}

const lstm = (name: string) => new LSTM({ units: 3, name });

// One case per registered class; the names are given, so whole configs compare.
const CASES: Record<string, Case> = {
  LSTM: {
    snake: () => new LSTM(k({ name: 'l', units: 4, return_sequences: true, return_state: true, go_backwards: true, input_shape: [5, 3], recurrent_activation: 'hard_sigmoid', unit_forget_bias: false, kernel_initializer: 'zeros', recurrent_dropout: 0.1 })),
    camel: () => new LSTM({ name: 'l', units: 4, returnSequences: true, returnState: true, goBackwards: true, inputShape: [5, 3], recurrentActivation: 'hardSigmoid', unitForgetBias: false, kernelInitializer: 'zeros', recurrentDropout: 0.1 }),
    minimal: () => new LSTM({ name: 'l', units: 4 }),
  },
  GRU: {
    snake: () => new GRU(k({ name: 'g', units: 3, reset_after: false, batch_input_shape: [2, 4, 3], stateful: true, recurrent_initializer: 'zeros' })),
    camel: () => new GRU({ name: 'g', units: 3, resetAfter: false, batchInputShape: [2, 4, 3], stateful: true, recurrentInitializer: 'zeros' }),
    minimal: () => new GRU({ name: 'g', units: 3 }),
  },
  SimpleRNN: {
    snake: () => new SimpleRNN(k({ name: 's', units: 2, use_bias: false, bias_initializer: 'ones', kernel_regularizer: { l2: 0.01 } })),
    camel: () => new SimpleRNN({ name: 's', units: 2, useBias: false, biasInitializer: 'ones', kernelRegularizer: { l2: 0.01 } }),
    minimal: () => new SimpleRNN({ name: 's', units: 2 }),
  },
  Dense: {
    snake: () => new Dense(k({ name: 'd', units: 2, use_bias: false, kernel_initializer: 'zeros', bias_regularizer: { l2: 0.1 }, input_shape: [3] })),
    camel: () => new Dense({ name: 'd', units: 2, useBias: false, kernelInitializer: 'zeros', biasRegularizer: { l2: 0.1 }, inputShape: [3] }),
    minimal: () => new Dense({ name: 'd', units: 2 }),
  },
  QuantizedDense: {
    snake: () => new QuantizedDense(k({ name: 'qd', units: 2, use_bias: false, input_shape: [3] })),
    camel: () => new QuantizedDense({ name: 'qd', units: 2, useBias: false, inputShape: [3] }),
    minimal: () => new QuantizedDense({ name: 'qd', units: 2 }),
  },
  QuantizedLSTM: {
    snake: () => new QuantizedLSTM(k({ name: 'ql', units: 2, return_sequences: true, unit_forget_bias: false })),
    camel: () => new QuantizedLSTM({ name: 'ql', units: 2, returnSequences: true, unitForgetBias: false }),
    minimal: () => new QuantizedLSTM({ name: 'ql', units: 2 }),
  },
  QuantizedGRU: {
    snake: () => new QuantizedGRU(k({ name: 'qg', units: 2, return_sequences: true, go_backwards: true })),
    camel: () => new QuantizedGRU({ name: 'qg', units: 2, returnSequences: true, goBackwards: true }),
    minimal: () => new QuantizedGRU({ name: 'qg', units: 2 }),
  },
  QuantizedEmbedding: {
    snake: () => new QuantizedEmbedding(k({ name: 'qe', input_dim: 20, output_dim: 4, mask_zero: true, input_length: 6 })),
    camel: () => new QuantizedEmbedding({ name: 'qe', inputDim: 20, outputDim: 4, maskZero: true, inputLength: 6 }),
    minimal: () => new QuantizedEmbedding({ name: 'qe', inputDim: 20, outputDim: 4 }),
  },
  QuantizedConv1D: {
    snake: () => new QuantizedConv1D(k({ name: 'qc', filters: 3, kernel_size: 2, padding: 'causal', dilation_rate: 2, use_bias: false })),
    camel: () => new QuantizedConv1D({ name: 'qc', filters: 3, kernelSize: 2, padding: 'causal', dilationRate: 2, useBias: false }),
    minimal: () => new QuantizedConv1D({ name: 'qc', filters: 3, kernelSize: 2 }),
  },
  QuantizedSimpleRNN: {
    snake: () => new QuantizedSimpleRNN(k({ name: 'qs', units: 2, return_sequences: true, input_shape: [4, 2] })),
    camel: () => new QuantizedSimpleRNN({ name: 'qs', units: 2, returnSequences: true, inputShape: [4, 2] }),
    minimal: () => new QuantizedSimpleRNN({ name: 'qs', units: 2 }),
  },
  Dropout: {
    snake: () => new Dropout(k({ name: 'p', rate: 0.3, input_shape: [4] })),
    camel: () => new Dropout({ name: 'p', rate: 0.3, inputShape: [4] }),
    minimal: () => new Dropout({ name: 'p', rate: 0.3 }),
  },
  Embedding: {
    snake: () => new Embedding(k({ name: 'e', input_dim: 20, output_dim: 4, mask_zero: true, input_length: 6, embeddings_initializer: 'zeros' })),
    camel: () => new Embedding({ name: 'e', inputDim: 20, outputDim: 4, maskZero: true, inputLength: 6, embeddingsInitializer: 'zeros' }),
    minimal: () => new Embedding({ name: 'e', inputDim: 20, outputDim: 4 }),
  },
  Masking: {
    snake: () => new Masking(k({ name: 'm', mask_value: -1, input_shape: [5, 2] })),
    camel: () => new Masking({ name: 'm', maskValue: -1, inputShape: [5, 2] }),
    minimal: () => new Masking({ name: 'm' }),
  },
  Bidirectional: {
    snake: () => new Bidirectional(k({ name: 'b', layer: lstm('bl'), merge_mode: 'sum', input_shape: [5, 2] })),
    camel: () => new Bidirectional({ name: 'b', layer: lstm('bl'), mergeMode: 'sum', inputShape: [5, 2] }),
    minimal: () => new Bidirectional({ name: 'b', layer: lstm('bl') }),
  },
  TimeDistributed: {
    snake: () => new TimeDistributed(k({ name: 't', layer: new Dense({ name: 'td', units: 2 }), input_shape: [5, 3] })),
    camel: () => new TimeDistributed({ name: 't', layer: new Dense({ name: 'td', units: 2 }), inputShape: [5, 3] }),
    minimal: () => new TimeDistributed({ name: 't', layer: new Dense({ name: 'td', units: 2 }) }),
  },
  Concatenate: {
    snake: () => new Concatenate(k({ name: 'c', axis: 1, input_shape: [3, 2] })),
    camel: () => new Concatenate({ name: 'c', axis: 1, inputShape: [3, 2] }),
    minimal: () => new Concatenate({ name: 'c' }),
  },
  ...Object.fromEntries(
    ([['Add', Add], ['Subtract', Subtract], ['Multiply', Multiply], ['Average', Average], ['Maximum', Maximum], ['Minimum', Minimum]] as const).map(([n, C]) => [
      n,
      { snake: () => new C(k({ name: 'x', input_shape: [4], trainable: false })), camel: () => new C({ name: 'x', inputShape: [4], trainable: false }), minimal: () => new C({ name: 'x' }) },
    ]),
  ),
  RepeatVector: {
    snake: () => new RepeatVector(k({ name: 'r', n: 3, input_shape: [4] })),
    camel: () => new RepeatVector({ name: 'r', n: 3, inputShape: [4] }),
    minimal: () => new RepeatVector({ name: 'r', n: 3 }),
  },
  Flatten: {
    snake: () => new Flatten(k({ name: 'f', data_format: 'channels_last', input_shape: [3, 2] })),
    camel: () => new Flatten({ name: 'f', dataFormat: 'channelsLast', inputShape: [3, 2] }),
    minimal: () => new Flatten({ name: 'f' }),
  },
  Reshape: {
    snake: () => new Reshape(k({ name: 'rs', target_shape: [2, 3], input_shape: [6] })),
    camel: () => new Reshape({ name: 'rs', targetShape: [2, 3], inputShape: [6] }),
    minimal: () => new Reshape({ name: 'rs', targetShape: [6] }),
  },
  Permute: {
    snake: () => new Permute(k({ name: 'pm', dims: [2, 1], batch_input_shape: [2, 3, 4] })),
    camel: () => new Permute({ name: 'pm', dims: [2, 1], batchInputShape: [2, 3, 4] }),
    minimal: () => new Permute({ name: 'pm', dims: [2, 1] }),
  },
  Activation: {
    snake: () => new Activation(k({ name: 'a', activation: 'hard_sigmoid', input_shape: [3] })),
    camel: () => new Activation({ name: 'a', activation: 'hardSigmoid', inputShape: [3] }),
    minimal: () => new Activation({ name: 'a', activation: 'linear' }),
  },
  Attention: {
    snake: () => new Attention(k({ name: 'at', use_scale: true, score_mode: 'concat', dropout: 0.1 })),
    camel: () => new Attention({ name: 'at', useScale: true, scoreMode: 'concat', dropout: 0.1 }),
    minimal: () => new Attention({ name: 'at' }),
  },
  AdditiveAttention: {
    snake: () => new AdditiveAttention(k({ name: 'aa', use_scale: false, dropout: 0.2 })),
    camel: () => new AdditiveAttention({ name: 'aa', useScale: false, dropout: 0.2 }),
    minimal: () => new AdditiveAttention({ name: 'aa' }),
  },
  MultiHeadAttention: {
    snake: () => new MultiHeadAttention(k({ name: 'mh', num_heads: 2, key_dim: 4, value_dim: 3, use_bias: false, output_shape: 5, kernel_initializer: 'zeros', bias_initializer: 'ones' })),
    camel: () => new MultiHeadAttention({ name: 'mh', numHeads: 2, keyDim: 4, valueDim: 3, useBias: false, outputShape: 5, kernelInitializer: 'zeros', biasInitializer: 'ones' }),
    minimal: () => new MultiHeadAttention({ name: 'mh', numHeads: 2, keyDim: 4 }),
  },
  Conv1D: {
    snake: () => new Conv1D(k({ name: 'cv', filters: 4, kernel_size: 3, dilation_rate: 2, padding: 'causal', use_bias: false, kernel_initializer: 'zeros', data_format: 'channels_last' })),
    camel: () => new Conv1D({ name: 'cv', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'causal', useBias: false, kernelInitializer: 'zeros', dataFormat: 'channelsLast' }),
    minimal: () => new Conv1D({ name: 'cv', filters: 4, kernelSize: 3 }),
  },
  MaxPooling1D: {
    snake: () => new MaxPooling1D(k({ name: 'mp', pool_size: 3, strides: 1, padding: 'same', data_format: 'channels_last' })),
    camel: () => new MaxPooling1D({ name: 'mp', poolSize: 3, strides: 1, padding: 'same', dataFormat: 'channelsLast' }),
    minimal: () => new MaxPooling1D({ name: 'mp' }),
  },
  AveragePooling1D: {
    snake: () => new AveragePooling1D(k({ name: 'ap', pool_size: [4], input_shape: [8, 2] })),
    camel: () => new AveragePooling1D({ name: 'ap', poolSize: [4], inputShape: [8, 2] }),
    minimal: () => new AveragePooling1D({ name: 'ap' }),
  },
  GlobalAveragePooling1D: {
    snake: () => new GlobalAveragePooling1D(k({ name: 'ga', keepdims: true, data_format: 'channels_last', input_shape: [5, 2] })),
    camel: () => new GlobalAveragePooling1D({ name: 'ga', keepdims: true, dataFormat: 'channelsLast', inputShape: [5, 2] }),
    minimal: () => new GlobalAveragePooling1D({ name: 'ga' }),
  },
  GlobalMaxPooling1D: {
    snake: () => new GlobalMaxPooling1D(k({ name: 'gm', keepdims: true, batch_input_shape: [3, 5, 2] })),
    camel: () => new GlobalMaxPooling1D({ name: 'gm', keepdims: true, batchInputShape: [3, 5, 2] }),
    minimal: () => new GlobalMaxPooling1D({ name: 'gm' }),
  },
  LayerNormalization: {
    snake: () => new LayerNormalization(k({ name: 'ln', axis: -1, epsilon: 1e-5, center: false, beta_initializer: 'ones', gamma_initializer: 'zeros', gamma_regularizer: { l2: 0.1 } })),
    camel: () => new LayerNormalization({ name: 'ln', axis: -1, epsilon: 1e-5, center: false, betaInitializer: 'ones', gammaInitializer: 'zeros', gammaRegularizer: { l2: 0.1 } }),
    minimal: () => new LayerNormalization({ name: 'ln' }),
  },
  InputLayer: {
    snake: () => new InputLayer(k({ name: 'in', shape: [5, 3], batch_size: 2, dtype: 'int32' })),
    camel: () => new InputLayer({ name: 'in', batchShape: [2, 5, 3], dtype: 'int32' }),
    minimal: () => new InputLayer({ name: 'in', shape: [5, 3] }),
  },
};

describe('snake_case options: every registered layer', () => {
  it('has a case here for every class in the registry (a new layer adds one)', () => {
    expect(Object.keys(CASES).sort()).toEqual([...layerClassNames()].sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: Keras's snake_case names give the config of our names, and not the defaults`, () => {
      const s = c.snake(), m = c.camel();
      expect(s.className).toBe(name);
      expect(s.getConfig()).toEqual(m.getConfig());
      expect(s.getConfig()).not.toEqual(c.minimal().getConfig());
      expect([s.inputShape, s.batchSize]).toEqual([m.inputShape, m.batchSize]);
    });
  }
});

describe("Keras's positional first arguments", () => {
  const same = (a: Layer, b: Layer) => {
    expect(a.className).toBe(b.className);
    expect(a.getConfig()).toEqual(b.getConfig());
  };

  it('RepeatVector(n), Reshape(target_shape), Permute(dims), Activation(name), Flatten(data_format)', () => {
    same(new RepeatVector(3, { name: 'r' }), new RepeatVector({ name: 'r', n: 3 }));
    expect(new RepeatVector(7).n).toBe(7);
    same(new Reshape([2, -1], k({ name: 'rs', input_shape: [6] })), new Reshape({ name: 'rs', targetShape: [2, -1], inputShape: [6] }));
    same(new Permute([2, 1], { name: 'p' }), new Permute({ name: 'p', dims: [2, 1] }));
    same(new Activation('relu', { name: 'a' }), new Activation({ name: 'a', activation: 'relu' }));
    expect(new Activation('softmax').activation).toBe('softmax');
    same(new Flatten('channels_last', { name: 'f' }), new Flatten({ name: 'f' }));
  });

  it('Concatenate(axis), MaxPooling1D(pool_size, strides, padding), AveragePooling1D, the global poolings', () => {
    same(new Concatenate(1, { name: 'c' }), new Concatenate({ name: 'c', axis: 1 }));
    expect(new Concatenate(-2).axis).toBe(-2);
    same(new MaxPooling1D(3, { name: 'mp' }), new MaxPooling1D({ name: 'mp', poolSize: 3 }));
    same(new MaxPooling1D(3, 1, 'same', { name: 'mp' }), new MaxPooling1D({ name: 'mp', poolSize: 3, strides: 1, padding: 'same' }));
    same(new AveragePooling1D(2, k({ name: 'ap', padding: 'same', input_shape: [5, 2] })), new AveragePooling1D({ name: 'ap', poolSize: 2, padding: 'same', inputShape: [5, 2] }));
    same(new AveragePooling1D([4], 2, { name: 'ap' }), new AveragePooling1D({ name: 'ap', poolSize: 4, strides: 2 }));
    same(new GlobalAveragePooling1D('channels_last', { name: 'g', keepdims: true }), new GlobalAveragePooling1D({ name: 'g', keepdims: true }));
    same(new GlobalMaxPooling1D('channels_last', { name: 'g' }), new GlobalMaxPooling1D({ name: 'g' }));
  });

  it('MultiHeadAttention(num_heads, key_dim), Attention(use_scale, score_mode), AdditiveAttention(use_scale), LayerNormalization(axis, epsilon)', () => {
    same(new MultiHeadAttention(2, 4, k({ name: 'mh', value_dim: 3 })), new MultiHeadAttention({ name: 'mh', numHeads: 2, keyDim: 4, valueDim: 3 }));
    same(new MultiHeadAttention(2, k({ name: 'mh', key_dim: 4 })), new MultiHeadAttention({ name: 'mh', numHeads: 2, keyDim: 4 }));
    same(new Attention(true, 'concat', { name: 'at' }), new Attention({ name: 'at', useScale: true, scoreMode: 'concat' }));
    same(new Attention(true, { name: 'at', dropout: 0.1 }), new Attention({ name: 'at', useScale: true, dropout: 0.1 }));
    same(new AdditiveAttention(false, 0.1, { name: 'aa' }), new AdditiveAttention({ name: 'aa', useScale: false, dropout: 0.1 }));
    same(new LayerNormalization(-1, 1e-5, false, { name: 'ln' }), new LayerNormalization({ name: 'ln', axis: -1, epsilon: 1e-5, center: false }));
    same(new LayerNormalization([-1], { name: 'ln', scale: false }), new LayerNormalization({ name: 'ln', axis: [-1], scale: false }));
  });

  it("AdditiveAttention's use_scale defaults to true, as Keras's", () => {
    expect(new AdditiveAttention().useScale).toBe(true);
    expect(new AdditiveAttention({}).useScale).toBe(true);
    expect(new Attention().useScale).toBe(false);
  });

  it('Bidirectional(layer, merge_mode), TimeDistributed(layer), with snake_case options after them', () => {
    same(new Bidirectional(lstm('bl'), 'mul', { name: 'b' }), new Bidirectional({ name: 'b', layer: lstm('bl'), mergeMode: 'mul' }));
    same(new Bidirectional(lstm('bl'), k({ merge_mode: 'ave', input_shape: [4, 2] })), new Bidirectional({ layer: lstm('bl'), mergeMode: 'ave', inputShape: [4, 2] }));
    same(new TimeDistributed(new Dense({ name: 'td', units: 2 }), k({ name: 't', input_shape: [5, 3] })), new TimeDistributed({ name: 't', layer: new Dense({ name: 'td', units: 2 }), inputShape: [5, 3] }));
  });

  it('input(shape, { batch_size, name, dtype }), Input(shape), new InputLayer(shape)', () => {
    const a = input([5, 3], k({ batch_size: 2, name: 'in_a', dtype: 'int32' }));
    expect([a.shape, a.batchSize, a.dtype]).toEqual([[2, 5, 3], 2, 'int32']);
    const b = input(k({ shape: [5, 3], batch_size: 2 }));
    expect([b.shape, b.batchSize]).toEqual([[2, 5, 3], 2]);
    const c = input({ shape: [5, 3], batchSize: 2 });
    expect(c.shape).toEqual(b.shape);
    const d = input(k({ batch_shape: [4, null, 3] }));
    expect([d.shape, d.batchSize]).toEqual([[4, null, 3], 4]);
    expect(new Input([7]).shape).toEqual([null, 7]);
    expect(Input([null, 2], { name: 'in_e' }).shape).toEqual([null, null, 2]);
    // TF.js's inputLayer names.
    same(new InputLayer({ name: 'i', inputShape: [3] }), new InputLayer({ name: 'i', shape: [3] }));
    same(new InputLayer(k({ name: 'i', batch_input_shape: [2, 3] })), new InputLayer([3], { name: 'i', batchSize: 2 }));
  });
});

describe('models written either way compute the same', () => {
  const x = randTensor([3, 6, 4], 11);

  function net(keras: boolean) {
    const inp = keras ? input([6, 4], k({ name: 'x' })) : input({ shape: [6, 4], name: 'x' });
    const att = keras ? new MultiHeadAttention(2, 3, k({ value_dim: 2, output_shape: 4 })) : new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, outputShape: 4 });
    const a = att.apply([inp, inp], keras ? k({ use_causal_mask: true }) : { useCausalMask: true }) as SymbolicTensor;
    const sum = (keras ? new Add() : new Add({})).apply([inp, a]) as SymbolicTensor;
    const n = (keras ? new LayerNormalization(-1, 1e-5) : new LayerNormalization({ axis: -1, epsilon: 1e-5 })).apply(sum) as SymbolicTensor;
    const p = (keras ? new MaxPooling1D(2, 1, 'same') : new MaxPooling1D({ poolSize: 2, strides: 1, padding: 'same' })).apply(n) as SymbolicTensor;
    const r = (keras ? new Reshape([12, 2]) : new Reshape({ targetShape: [12, 2] })).apply(p) as SymbolicTensor;
    const q = (keras ? new Permute([2, 1]) : new Permute({ dims: [2, 1] })).apply(r) as SymbolicTensor;
    const g = (keras ? new GlobalAveragePooling1D(k({ keepdims: false })) : new GlobalAveragePooling1D({})).apply(q) as SymbolicTensor;
    const v = (keras ? new RepeatVector(3) : new RepeatVector({ n: 3 })).apply(g) as SymbolicTensor;
    const c = (keras ? new Concatenate(-1) : new Concatenate({ axis: -1 })).apply([v, v]) as SymbolicTensor;
    const t = (keras ? new TimeDistributed(new Dense(2)) : new TimeDistributed({ layer: new Dense({ units: 2 }) })).apply(c) as SymbolicTensor;
    const o = (keras ? new Activation('tanh') : new Activation({ activation: 'tanh' })).apply(new Flatten().apply(t) as SymbolicTensor) as SymbolicTensor;
    const [, scores] = (keras ? new Attention(true) : new Attention({ useScale: true })).apply([inp, inp], keras ? k({ return_attention_scores: true }) : { returnAttentionScores: true }) as SymbolicTensor[];
    return model({ inputs: inp, outputs: [o, scores], seed: 5 });
  }

  it('a functional model of the positional and snake_case forms predicts as the camelCase one, bit for bit', () => {
    const a = net(true), b = net(false);
    const pa = a.predict(x) as { data: Float32Array; shape: number[] }[];
    const pb = b.predict(x) as { data: Float32Array; shape: number[] }[];
    expect(pa.map((t) => t.shape)).toEqual([[3, 6], [3, 6, 6]]);
    expect(pa.map((t) => t.shape)).toEqual(pb.map((t) => t.shape));
    pa.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(pb[i].data)));
    // Not trivially equal: the outputs move with the input.
    const other = a.predict(randTensor([3, 6, 4], 12)) as { data: Float32Array }[];
    expect(Array.from(other[0].data)).not.toEqual(Array.from(pa[0].data));
    a.dispose(); b.dispose();
  });

  it("input's batch_size fixes the model's batch, as batchShape does", () => {
    const inp = input([4], k({ batch_size: 2 }));
    const m = model({ inputs: inp, outputs: new Dense(1).apply(inp) as SymbolicTensor });
    expect((m.predict(randTensor([2, 4], 1)) as { shape: number[] }).shape).toEqual([2, 1]);
    expect(errorOf(() => m.predict(randTensor([3, 4], 1))).message).toMatch(/batch/);
    m.dispose();
  });
});

describe('typos and contradictions', () => {
  it('a misspelt snake_case name is named as written, with its "did you mean"', () => {
    expect(errorOf(() => new Reshape(k({ target_shap: [2] }))).message).toMatch(/Reshape 'reshape(_\d+)?': unknown option 'target_shap'; did you mean 'targetShape'\?/);
    expect(errorOf(() => new MaxPooling1D(2, k({ pool_sise: 2 }))).message).toMatch(/MaxPooling1D '.*': unknown option 'pool_sise'; did you mean 'poolSize'\?/);
    expect(errorOf(() => new MultiHeadAttention(2, 4, k({ value_dims: 2 }))).message).toMatch(/unknown option 'value_dims'; did you mean 'valueDim'\?/);
    expect(errorOf(() => new LayerNormalization(k({ epsilion: 1e-3 }))).message).toMatch(/unknown option 'epsilion'; did you mean 'epsilon'\?/);
    expect(errorOf(() => new Bidirectional(lstm('bx'), k({ merge_mod: 'sum' }))).message).toMatch(/Bidirectional '.*': unknown option 'merge_mod'; did you mean 'mergeMode'\?/);
    expect(errorOf(() => new Concatenate(k({ axes: 1 }))).message).toMatch(/unknown option 'axes'; did you mean 'axis'\?/);
    expect(errorOf(() => new Add(k({ input_shap: [3] }))).message).toMatch(/Add '.*': unknown option 'input_shap'; did you mean 'inputShape'\?/);
    expect(errorOf(() => new Attention(k({ use_scales: true }))).message).toMatch(/unknown option 'use_scales'; did you mean 'useScale'\?/);
    expect(errorOf(() => new GlobalAveragePooling1D(k({ keep_dims: true }))).message).toMatch(/unknown option 'keep_dims'; did you mean 'keepdims'\?/);
    expect(errorOf(() => new TimeDistributed(new Dense(1), k({ input_shapes: [2, 3] }))).message).toMatch(/unknown option 'input_shapes'; did you mean 'inputShape'\?/);
    expect(errorOf(() => input(k({ shape: [3], batch_sise: 2 }))).message).toMatch(/^input: unknown option 'batch_sise'; did you mean 'batchSize'\?/);
    const q = input([4, 2]);
    expect(errorOf(() => new Attention().apply([q, q], k({ use_causal_mas: true }))).message).toMatch(/Attention '.*'\.apply: unknown option 'use_causal_mas'; did you mean 'useCausalMask'\?/);
    expect(errorOf(() => new MultiHeadAttention(1, 2).apply([q, q], k({ attention_masks: q }))).message).toMatch(/unknown option 'attention_masks'; did you mean 'attentionMask'\?/);
  });

  it('a value given by position and in the options, or under both spellings, is an error naming both', () => {
    expect(errorOf(() => new Reshape([2, 3], k({ target_shape: [3, 2] }))).message).toBe("reshape: 'targetShape' is given twice: [2,3] first and [3,2] in the options");
    expect(errorOf(() => new MultiHeadAttention(2, 4, { keyDim: 8 } as never)).message).toBe("multi_head_attention: 'keyDim' is given twice: 4 first and 8 in the options");
    expect(errorOf(() => new MaxPooling1D(k({ pool_size: 2, poolSize: 3 }))).message).toMatch(/option 'poolSize' is given twice \(as 'pool_size' and 'poolSize'\)/);
    expect(errorOf(() => input([3], k({ shape: [4] }))).message).toBe("input: 'shape' is given twice: [3] first and [4] in the options");
    expect(errorOf(() => input(k({ batch_size: 2, batch_shape: [2, 3] }))).message).toMatch(/input: give 'batchSize' with 'shape', or 'batchShape' .*not both/);
    expect(errorOf(() => input(k({ shape: [3], input_shape: [3] }))).message).toMatch(/input: give 'shape' or 'inputShape' .*not both/);
    expect(errorOf(() => new InputLayer(k({ batch_shape: [2, 3], batch_input_shape: [2, 3] }))).message).toMatch(/give 'batchShape' or 'batchInputShape'/);
  });

  it('arguments of the wrong kind say which form was expected and what came', () => {
    expect(errorOf(() => new RepeatVector(3, 4 as never)).message).toBe('repeat_vector: expected new RepeatVector(n, { ...options }), got 4 as argument 2');
    expect(errorOf(() => new MultiHeadAttention(2, 4, 8 as never)).message).toBe('multi_head_attention: expected new MultiHeadAttention(numHeads, keyDim, { ...options }), got 8 as argument 3');
    expect(errorOf(() => new MaxPooling1D(...([2, 1, 'same', {}, {}] as never as [number]))).message).toMatch(/expected new MaxPooling1D\(poolSize, strides, padding, \{ \.\.\.options \}\), got an empty object \{\} as argument 5/);
    expect(errorOf(() => new Reshape({ targetShape: [2] } as never, {})).message).toMatch(/reshape: expected new Reshape\(targetShape, \{ \.\.\.options \}\) or an options object such as \{ targetShape: \[10, 2\] \}, got an object \{ targetShape \} and then an empty object/);
    expect(errorOf(() => new Reshape('2,3' as never)).message).toMatch(/reshape: expected an options object such as \{ targetShape: \[10, 2\] \}, got a string "2,3"/);
    expect(errorOf(() => new Add(3 as never)).message).toMatch(/^add: expected an options object .*got 3/);
    expect(errorOf(() => new RepeatVector(2.5)).message).toMatch(/option 'n' must be a positive integer, got 2\.5/);
    expect(errorOf(() => new Activation('gelu')).message).toMatch(/option 'activation' must be one of .*got a string "gelu"/);
    expect(errorOf(() => new MultiHeadAttention(0, 4)).message).toMatch(/option 'numHeads' must be a positive integer, got 0/);
    expect(errorOf(() => input([3], 5 as never)).message).toBe('input: expected input(shape, { ...options }), got options 5');
    expect(errorOf(() => input(k({ shape: [3], batch_size: 0 }))).message).toMatch(/input: option 'batchSize' must be a positive integer, got 0/);
    expect(errorOf(() => new Bidirectional(new Dense(2) as never)).message).toMatch(/option 'layer' must be an LSTM, GRU or SimpleRNN layer, got Dense/);
  });
});
