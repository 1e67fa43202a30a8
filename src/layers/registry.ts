// The one layer registry: class name → how to make the layer from its config (our own option
// names). Our format, the TF.js/Keras reader and writer and the ONNX reader all make layers
// through it; wrappers (Bidirectional, TimeDistributed) make their inner layer through it too.
import { LstmWasmError, describe } from '../errors.js';
import type { Layer } from './layer.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Masking } from './masking.js';
import { GRU, LSTM, type Recurrent, SimpleRNN } from './recurrent.js';
import { Bidirectional } from './bidirectional.js';
import { TimeDistributed } from './time-distributed.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { Activation, Flatten, Permute, RepeatVector, Reshape } from './reshape.js';
import { InputLayer } from './input.js';
import { Conv1D } from './conv.js';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from './pooling.js';
import { LayerNormalization } from './normalization.js';
import { AdditiveAttention, Attention, MultiHeadAttention } from './attention.js';
import {
  QuantizedConv1D,
  QuantizedDense,
  QuantizedEmbedding,
  QuantizedGRU,
  QuantizedLSTM,
  QuantizedSimpleRNN,
} from './quantized.js';

type Config = Record<string, unknown>;

function inner(where: string, c: Config, allowed?: string[]): Layer {
  const l = c.layer as { className?: unknown; config?: unknown } | undefined;
  if (!l || typeof l !== 'object' || typeof l.className !== 'string' || (allowed && !allowed.includes(l.className))) {
    throw new LstmWasmError(
      `${where} needs a wrapped ${allowed ? allowed.join(', ') : ''} layer { className, config }, got ${describe(l)}`,
    );
  }
  if (++depth > MAX_DEPTH) {
    depth = 0;
    throw new LstmWasmError(`${where}: layers wrapped more than ${MAX_DEPTH} deep; the file was refused`);
  }
  try {
    return layerFromConfig(l.className, l.config ?? {}, where);
  } finally {
    depth--;
  }
}

/** How deep wrappers (TimeDistributed, Bidirectional) may nest in a file: a bound on the recursion. */
const MAX_DEPTH = 8;
let depth = 0;

const without = (c: Config, key: string): Config => {
  const { [key]: _drop, ...rest } = c;
  return rest;
};

const REGISTRY: Record<string, (c: Config, where: string) => Layer> = {
  LSTM: (c) => new LSTM(c as never),
  GRU: (c) => new GRU(c as never),
  SimpleRNN: (c) => new SimpleRNN(c as never),
  Dense: (c) => new Dense(c as never),
  QuantizedDense: (c) => new QuantizedDense(c as never),
  QuantizedEmbedding: (c) => new QuantizedEmbedding(c as never),
  QuantizedConv1D: (c) => new QuantizedConv1D(c as never),
  QuantizedLSTM: (c) => new QuantizedLSTM(c as never),
  QuantizedGRU: (c) => new QuantizedGRU(c as never),
  QuantizedSimpleRNN: (c) => new QuantizedSimpleRNN(c as never),
  Dropout: (c) => new Dropout(c as never),
  Embedding: (c) => new Embedding(c as never),
  Masking: (c) => new Masking(c as never),
  Bidirectional: (c, w) =>
    new Bidirectional({
      ...without(c, 'layer'),
      layer: inner(`${w}: Bidirectional`, c, ['LSTM', 'GRU', 'SimpleRNN']) as Recurrent,
    } as never),
  TimeDistributed: (c, w) =>
    new TimeDistributed({ ...without(c, 'layer'), layer: inner(`${w}: TimeDistributed`, c) } as never),
  Concatenate: (c) => new Concatenate(c as never),
  Add: (c) => new Add(c as never),
  Subtract: (c) => new Subtract(c as never),
  Multiply: (c) => new Multiply(c as never),
  Average: (c) => new Average(c as never),
  Maximum: (c) => new Maximum(c as never),
  Minimum: (c) => new Minimum(c as never),
  RepeatVector: (c) => new RepeatVector(c as never),
  Flatten: (c) => new Flatten(c as never),
  Reshape: (c) => new Reshape(c as never),
  Permute: (c) => new Permute(c as never),
  Activation: (c) => new Activation(c as never),
  Attention: (c) => new Attention(c as never),
  AdditiveAttention: (c) => new AdditiveAttention(c as never),
  MultiHeadAttention: (c) => new MultiHeadAttention(c as never),
  Conv1D: (c) => new Conv1D(c as never),
  MaxPooling1D: (c) => new MaxPooling1D(c as never),
  AveragePooling1D: (c) => new AveragePooling1D(c as never),
  GlobalAveragePooling1D: (c) => new GlobalAveragePooling1D(c as never),
  GlobalMaxPooling1D: (c) => new GlobalMaxPooling1D(c as never),
  LayerNormalization: (c) => new LayerNormalization(c as never),
  InputLayer: (c) =>
    new InputLayer({
      batchShape: c.batchInputShape as never,
      name: c.name as string,
      dtype: c.dtype as never,
      sparse: c.sparse as never,
    }),
};

export function layerClassNames(): string[] {
  return Object.keys(REGISTRY);
}

export function isRegistered(className: unknown): boolean {
  return typeof className === 'string' && Object.hasOwn(REGISTRY, className);
}

/** Makes a layer from its class name and config (our option names); `where` starts the errors. */
export function layerFromConfig(className: unknown, config: unknown, where = 'loadModel'): Layer {
  if (!isRegistered(className)) {
    throw new LstmWasmError(
      `${where}: unknown layer class ${describe(className)}; supported: ${layerClassNames().join(', ')}`,
    );
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new LstmWasmError(`${where}: ${className as string} config must be an object, got ${describe(config)}`);
  return REGISTRY[className as string](config as Config, where);
}
