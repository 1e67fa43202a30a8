// Parity with TensorFlow.js 4.22 (CPU backend, float32) for Conv1D, the 1-D pooling layers and
// LayerNormalization: the same functional graph in both libraries from the same options, the same
// random weights set into both (drawn from the shapes of TF.js's weights, set by layer name), then
// predict and two steps of plain SGD (trainOnBatch twice): the predictions, the losses and every
// weight after each step must agree within 1e-4. Shapes are odd on purpose (batch 3, 11 or 13
// steps, 5 channels, 7 filters) so that no SIMD tile fits exactly.
//
// TF.js 4.22 has no causal padding in conv1d ("not implemented yet"): its side of a causal case pads
// (K−1)·dilation zeros before the steps itself (a weightless layer, tf.pad) and runs padding 'valid',
// which is Keras's definition of causal. TF.js's GlobalAveragePooling1D ignores masks: the masked case
// gets a weightless layer on the TF.js side computing Keras's masked mean (Σ m·x / Σ m) from the mask
// TF.js passes it.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AveragePooling1D, Conv1D, Dense, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization, LSTM, LstmWasmError,
  Masking, MaxPooling1D, input, loadModelSync, model, Sequential, type TensorData,
} from '../src/index.js';
import { fromTf, initForTests, maxAbsDiff, randTensor, randWeightsLike, tf, tfCpu, toTf } from './util/tfjs.js';

type Tensor = TensorData;
const B = 3, C = 5, F = 7;
const TOL = 1e-4;
const LR = 0.1;

type Sym = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type AnyLayer = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Args = Record<string, unknown>;

interface Lib {
  id: 'ours' | 'tfjs';
  input(a: { shape: (number | null)[]; name: string }): Sym;
  conv1d(a: Args): { apply(x: Sym): Sym };
  maxPooling1d(a: Args): AnyLayer;
  averagePooling1d(a: Args): AnyLayer;
  globalAveragePooling1d(a: Args): AnyLayer;
  globalMaxPooling1d(a: Args): AnyLayer;
  layerNormalization(a: Args): AnyLayer;
  dense(a: Args): AnyLayer;
  lstm(a: Args): AnyLayer;
  masking(a: Args): AnyLayer;
  model(a: { inputs: Sym; outputs: Sym }): AnyLayer;
}

/** TF.js side of causal padding: `before` zero steps in front, as Keras's causal conv1d does. */
class TfCausalPad extends tf.layers.Layer {
  static className = 'ParityTestCausalPad';
  constructor(private readonly before: number, args: Args) { super(args as never); }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.pad(x, [[0, 0], [this.before, 0], [0, 0]]);
  }
  computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = s as tf.Shape;
    return [shape[0], shape[1] === null ? null : (shape[1] as number) + this.before, shape[2]];
  }
}

/** TF.js side of a masked GlobalAveragePooling1D: Keras's Σ m·x / Σ m over the steps. */
class TfMaskedMean extends tf.layers.Layer {
  static className = 'ParityTestMaskedMean';
  constructor(args: Args) { super(args as never); this.supportsMasking = true; }
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Args): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const mask = kwargs.mask as tf.Tensor | undefined;
    if (!mask) throw new Error('TfMaskedMean: no mask came');
    return tf.tidy(() => {
      const m = tf.expandDims(tf.cast(mask, 'float32'), 2);
      return tf.div(tf.sum(tf.mul(x, m), 1), tf.sum(m, 1));
    });
  }
  computeMask(): tf.Tensor { return null as unknown as tf.Tensor; }
  computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = s as tf.Shape;
    return [shape[0], shape[2]];
  }
}

/** Output steps and zeros before/after, as Keras (written again here, not the layer's own). */
function pads(T: number, K: number, s: number, d: number, padding: string): { To: number; before: number; after: number } {
  const span = (K - 1) * d + 1;
  if (padding === 'causal') return { To: Math.floor((T - 1) / s) + 1, before: span - 1, after: 0 };
  if (padding === 'valid') return { To: Math.floor((T - span) / s) + 1, before: 0, after: 0 };
  const To = Math.ceil(T / s), total = Math.max((To - 1) * s + span - T, 0);
  return { To, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

const TF_ACT: Record<string, (x: tf.Tensor) => tf.Tensor> = { linear: (x) => x, relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid };

/**
 * TF.js 4.22 cannot differentiate a dilated conv1d ("dilation rates greater than 1 are not yet
 * supported in gradients"): for training, its side of a dilated case is Keras's definition written
 * in TF.js ops (zeros padded as the padding says, then y = bias + Σ_k x[·, t + k·d, ·] · W[k]),
 * with the same weights kernel [K, C, F] and bias [F]. Its forward is checked against tf.layers.conv1d.
 */
class TfDilatedConv1D extends tf.layers.Layer {
  static className = 'ParityTestDilatedConv1D';
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;
  constructor(private readonly o: { filters: number; kernelSize: number; dilationRate: number; padding: string; activation: string; useBias: boolean; name: string }) { super({ name: o.name }); }
  build(shape: tf.Shape | tf.Shape[]): void {
    const C = (shape as tf.Shape)[2] as number;
    this.kernel = this.addWeight('kernel', [this.o.kernelSize, C, this.o.filters], 'float32', tf.initializers.zeros());
    if (this.o.useBias) this.bias = this.addWeight('bias', [this.o.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => {
      const [Bn, T, C] = x.shape;
      const { kernelSize: K, dilationRate: d, filters: Fn } = this.o;
      const { To, before, after } = pads(T, K, 1, d, this.o.padding);
      const xp = tf.pad(x, [[0, 0], [before, after], [0, 0]]);
      const W = this.kernel.read();
      let y: tf.Tensor | null = null;
      for (let k = 0; k < K; k++) {
        const xs = tf.reshape(tf.slice(xp, [0, k * d, 0], [Bn, To, C]), [Bn * To, C]);
        const term = tf.reshape(tf.matMul(xs, tf.reshape(tf.slice(W, [k, 0, 0], [1, C, Fn]), [C, Fn])), [Bn, To, Fn]);
        y = y ? tf.add(y, term) : term;
      }
      if (this.bias) y = tf.add(y!, this.bias.read());
      return TF_ACT[this.o.activation](y!);
    });
  }
  computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = s as tf.Shape;
    return [shape[0], pads(shape[1] as number, this.o.kernelSize, 1, this.o.dilationRate, this.o.padding).To, this.o.filters];
  }
}

/**
 * TF.js 4.22's CPU AvgPoolGrad divides by the whole window (1/poolSize) even where a 'same' window
 * hangs over the end, while its forward (and TensorFlow, forward and gradient) divides by the steps
 * inside: its gradient is not that of its own forward. For training, its side of an average 'same'
 * case pads the zeros itself, pools 'valid' (where TF.js's gradient is right) and rescales each output
 * step by poolSize / (steps inside its window): TensorFlow's 'same' average. Its forward is checked
 * against tf.layers.averagePooling1d.
 */
class TfAvgPoolSame extends tf.layers.Layer {
  static className = 'ParityTestAvgPoolSame';
  constructor(private readonly P: number, private readonly s: number, args: Args) { super(args as never); }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => {
      const [, T] = x.shape;
      const { To, before, after } = pads(T, this.P, this.s, 1, 'same');
      const xp = tf.pad(x, [[0, 0], [before, after], [0, 0]]);
      const pooled = tf.squeeze(tf.avgPool(tf.expandDims(xp, 2) as tf.Tensor4D, [this.P, 1], [this.s, 1], 'valid'), [2]);
      const scale = Array.from({ length: To }, (_, t) => {
        const lo = Math.max(t * this.s - before, 0), hi = Math.min(t * this.s - before + this.P, T);
        return this.P / (hi - lo);
      });
      return tf.mul(pooled, tf.tensor3d(scale, [1, To, 1]));
    });
  }
  computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = s as tf.Shape;
    return [shape[0], Math.ceil((shape[1] as number) / this.s), shape[2]];
  }
}

/**
 * TF.js 4.22's layerNormalization trains only with both center and scale (without one, its gradient
 * fails inside batchNormalization: "Cannot read properties of undefined"): for training, its side of
 * those cases is Keras's formula in TF.js ops, (x − mean)/√(var + ε)·gamma + beta over the last axis,
 * with the weights the options ask for. Its forward is checked against tf.layers.layerNormalization.
 */
class TfLayerNorm extends tf.layers.Layer {
  static className = 'ParityTestLayerNorm';
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  constructor(private readonly o: { epsilon: number; center: boolean; scale: boolean; name: string }) { super({ name: o.name }); }
  build(shape: tf.Shape | tf.Shape[]): void {
    const s = shape as tf.Shape, D = s[s.length - 1] as number;
    if (this.o.scale) this.gamma = this.addWeight('gamma', [D], 'float32', tf.initializers.ones());
    if (this.o.center) this.beta = this.addWeight('beta', [D], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.o.epsilon)));
      if (this.gamma) y = tf.mul(y, this.gamma.read());
      if (this.beta) y = tf.add(y, this.beta.read());
      return y;
    });
  }
  computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return s as tf.Shape;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const OURS: Lib = {
  id: 'ours',
  input: (a) => input(a as any),
  conv1d: (a) => new Conv1D(a as any),
  maxPooling1d: (a) => new MaxPooling1D(a as any),
  averagePooling1d: (a) => new AveragePooling1D(a as any),
  globalAveragePooling1d: ({ masked: _m, ...a }) => new GlobalAveragePooling1D(a as any),
  globalMaxPooling1d: (a) => new GlobalMaxPooling1D(a as any),
  layerNormalization: (a) => new LayerNormalization(a as any),
  dense: (a) => new Dense(a as any),
  lstm: (a) => new LSTM({ recurrentActivation: 'sigmoid', ...a } as any),
  masking: (a) => new Masking(a as any),
  model: (a) => model({ ...a, seed: 7 } as any),
};

const THEIRS: Lib = {
  id: 'tfjs',
  input: (a) => tf.input(a as any),
  conv1d: (a) => {
    if (a.padding !== 'causal') return tf.layers.conv1d(a as any);
    const K = a.kernelSize as number, d = (a.dilationRate as number | undefined) ?? 1;
    const pad = new TfCausalPad((K - 1) * d, { name: `${a.name}_pad` });
    const conv = tf.layers.conv1d({ ...a, padding: 'valid' } as any);
    return { apply: (x: Sym) => conv.apply(pad.apply(x)) };
  },
  maxPooling1d: (a) => tf.layers.maxPooling1d(a as any),
  averagePooling1d: (a) => tf.layers.averagePooling1d(a as any),
  globalAveragePooling1d: (a) => (a.masked ? new TfMaskedMean({ name: a.name }) : tf.layers.globalAveragePooling1d({ name: a.name } as any)),
  globalMaxPooling1d: (a) => tf.layers.globalMaxPooling1d(a as any),
  layerNormalization: (a) => tf.layers.layerNormalization(a as any),
  dense: (a) => tf.layers.dense(a as any),
  lstm: (a) => tf.layers.lstm({ recurrentActivation: 'sigmoid', ...a } as any),
  masking: (a) => tf.layers.masking(a as any),
  model: (a) => tf.model(a as any),
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/** What TF.js trains: THEIRS, with the emulations above where TF.js 4.22 cannot train the layer itself. */
let emulated = 0;
const THEIRS_TRAIN: Lib = {
  ...THEIRS,
  conv1d: (a) => {
    const d = (a.dilationRate as number | undefined) ?? 1;
    if (d === 1) return THEIRS.conv1d(a);
    emulated++;
    return new TfDilatedConv1D({ filters: a.filters as number, kernelSize: a.kernelSize as number, dilationRate: d, padding: (a.padding as string) ?? 'valid', activation: (a.activation as string) ?? 'linear', useBias: (a.useBias as boolean) ?? true, name: a.name as string });
  },
  averagePooling1d: (a) => {
    if (a.padding !== 'same') return THEIRS.averagePooling1d(a);
    emulated++;
    const P = (a.poolSize as number | undefined) ?? 2;
    return new TfAvgPoolSame(P, (a.strides as number | undefined) ?? P, { name: a.name });
  },
  layerNormalization: (a) => {
    if (a.center !== false && a.scale !== false) return THEIRS.layerNormalization(a);
    emulated++;
    return new TfLayerNorm({ epsilon: (a.epsilon as number | undefined) ?? 1e-3, center: a.center !== false, scale: a.scale !== false, name: a.name as string });
  },
};

interface Case {
  name: string;
  T: number;
  graph(L: Lib): { inputs: Sym; outputs: Sym };
  outShape: number[];
  loss?: string;
  /** Zero whole steps of the input (for a Masking layer): every 3rd step of each sample, shifted by the sample. */
  zeroSteps?: boolean;
}

const conv = (T: number, opts: Args, act = 'linear'): Case => {
  const { To } = geometry(T, opts);
  return {
    name: `Conv1D ${JSON.stringify(opts)} ${act}, T=${T}`,
    T,
    graph: (L) => {
      const x = L.input({ shape: [T, C], name: 'x' });
      return { inputs: x, outputs: L.conv1d({ filters: F, activation: act, name: 'conv', ...opts }).apply(x) };
    },
    outShape: [To, F],
  };
};

/** Output steps, as Keras (written again here so that the test does not lean on the layer's own). */
function geometry(T: number, o: Args): { To: number } {
  const K = o.kernelSize as number, s = (o.strides as number | undefined) ?? 1, d = (o.dilationRate as number | undefined) ?? 1;
  const span = (K - 1) * d + 1;
  if (o.padding === 'same') return { To: Math.ceil(T / s) };
  if (o.padding === 'causal') return { To: Math.floor((T - 1) / s) + 1 };
  return { To: Math.floor((T - span) / s) + 1 };
}

function pooled(kind: 'maxPooling1d' | 'averagePooling1d', T: number, opts: Args): Case {
  const P = (opts.poolSize as number | undefined) ?? 2, s = (opts.strides as number | undefined) ?? P;
  const To = opts.padding === 'same' ? Math.ceil(T / s) : Math.floor((T - P) / s) + 1;
  return {
    name: `Conv1D(same, 3) → ${kind} ${JSON.stringify(opts)} → Dense, T=${T}`,
    T,
    graph: (L) => {
      const x = L.input({ shape: [T, C], name: 'x' });
      const h = L.conv1d({ filters: F, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'conv' }).apply(x);
      const p = L[kind]({ name: 'pool', ...opts }).apply(h);
      return { inputs: x, outputs: L.dense({ units: 2, name: 'head' }).apply(p) };
    },
    outShape: [To, 2],
  };
}

const CASES: Case[] = [
  conv(11, { kernelSize: 3, padding: 'valid' }, 'relu'),
  conv(11, { kernelSize: 1, padding: 'valid', useBias: false }),
  conv(13, { kernelSize: 2, strides: 3, padding: 'valid' }),
  conv(13, { kernelSize: 3, dilationRate: 2, padding: 'valid' }, 'sigmoid'),
  conv(11, { kernelSize: 4, padding: 'same' }, 'tanh'),
  conv(11, { kernelSize: 3, strides: 2, padding: 'same' }),
  conv(13, { kernelSize: 5, strides: 3, padding: 'same' }, 'relu'),
  conv(13, { kernelSize: 5, dilationRate: 3, padding: 'same' }),
  conv(11, { kernelSize: 3, padding: 'causal' }, 'tanh'),
  conv(13, { kernelSize: 2, dilationRate: 3, padding: 'causal' }),
  conv(13, { kernelSize: 4, strides: 2, padding: 'causal' }, 'relu'),
  { ...conv(11, { kernelSize: 3, padding: 'same' }, 'softmax'), loss: 'categoricalCrossentropy', name: 'Conv1D same, 3, softmax over filters, categoricalCrossentropy (fused logits), T=11' },
  pooled('maxPooling1d', 11, {}),
  pooled('maxPooling1d', 11, { poolSize: 3, strides: 2, padding: 'same' }),
  pooled('maxPooling1d', 13, { poolSize: 4, strides: 3, padding: 'valid' }),
  pooled('averagePooling1d', 11, { poolSize: 3, strides: 1 }),
  pooled('averagePooling1d', 11, { poolSize: 2, padding: 'same' }),
  pooled('averagePooling1d', 13, { poolSize: 4, strides: 3, padding: 'same' }),
  ...(['globalAveragePooling1d', 'globalMaxPooling1d'] as const).map((g): Case => ({
    name: `Conv1D(valid, 3) → ${g} → Dense, T=11`,
    T: 11,
    graph: (L) => {
      const x = L.input({ shape: [11, C], name: 'x' });
      const h = L.conv1d({ filters: F, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(x);
      return { inputs: x, outputs: L.dense({ units: 3, name: 'head' }).apply(L[g]({ name: 'gpool' }).apply(h)) };
    },
    outShape: [3],
  })),
  {
    name: 'Masking → Dense(tanh) → GlobalAveragePooling1D with the mask (Keras: mean over the kept steps) → Dense, T=11',
    T: 11,
    zeroSteps: true,
    graph: (L) => {
      const x = L.input({ shape: [11, C], name: 'x' });
      const h = L.dense({ units: F, activation: 'tanh', name: 'proj' }).apply(L.masking({ maskValue: 0, name: 'mask' }).apply(x));
      return { inputs: x, outputs: L.dense({ units: 3, name: 'head' }).apply(L.globalAveragePooling1d({ name: 'gpool', masked: true }).apply(h)) };
    },
    outShape: [3],
  },
  ...([{}, { epsilon: 1e-5, center: false }, { scale: false }] as Args[]).map((o): Case => ({
    name: `Dense → LayerNormalization ${JSON.stringify(o)} → Dense on [B, T, ·], T=11`,
    T: 11,
    graph: (L) => {
      const x = L.input({ shape: [11, C], name: 'x' });
      const h = L.layerNormalization({ name: 'ln', ...o }).apply(L.dense({ units: F, name: 'proj' }).apply(x));
      return { inputs: x, outputs: L.dense({ units: 2, name: 'head' }).apply(h) };
    },
    outShape: [11, 2],
  })),
  {
    name: 'LSTM → LayerNormalization (2-D, axis -1) → Dense, T=11',
    T: 11,
    graph: (L) => {
      const x = L.input({ shape: [11, C], name: 'x' });
      const h = L.layerNormalization({ axis: -1, name: 'ln' }).apply(L.lstm({ units: 9, name: 'lstm' }).apply(x));
      return { inputs: x, outputs: L.dense({ units: 3, name: 'head' }).apply(h) };
    },
    outShape: [3],
  },
  {
    name: 'Conv1D(valid, 3, tanh) → LSTM(returnSequences) → Dense on every step, T=13',
    T: 13,
    graph: (L) => {
      const x = L.input({ shape: [13, C], name: 'x' });
      const c1 = L.conv1d({ filters: F, kernelSize: 3, activation: 'tanh', name: 'conv' }).apply(x);
      const h = L.lstm({ units: 9, returnSequences: true, name: 'lstm' }).apply(c1);
      return { inputs: x, outputs: L.dense({ units: 2, name: 'head' }).apply(h) };
    },
    outShape: [11, 2],
  },
  {
    name: 'Conv1D(same, 3, relu) → MaxPooling1D → Conv1D(causal, 2, dilation 2) → LSTM → Dense, T=13',
    T: 13,
    graph: (L) => {
      const x = L.input({ shape: [13, C], name: 'x' });
      const c1 = L.conv1d({ filters: F, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }).apply(x);
      const p = L.maxPooling1d({ name: 'pool' }).apply(c1);
      const c2 = L.conv1d({ filters: 6, kernelSize: 2, dilationRate: 2, padding: 'causal', activation: 'tanh', name: 'conv2' }).apply(p);
      const h = L.lstm({ units: 9, name: 'lstm' }).apply(c2);
      return { inputs: x, outputs: L.dense({ units: 3, name: 'head' }).apply(h) };
    },
    outShape: [3],
  },
];

// ---- the run of one case ------------------------------------------------------------------------

function inputData(T: number, seed: number, zeroSteps: boolean): Tensor {
  const x = randTensor([B, T, C], seed);
  if (zeroSteps) {
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) if ((t + b) % 3 === 0) x.data.fill(0, (b * T + t) * C, (b * T + t + 1) * C);
  }
  return x;
}

function targetData(shape: number[], seed: number, loss: string): Tensor {
  const r = randTensor([B, ...shape], seed);
  if (loss !== 'categoricalCrossentropy') return r;
  // one-hot rows
  const D = shape[shape.length - 1];
  const data = new Float32Array(r.data.length);
  for (let i = 0; i < data.length / D; i++) data[i * D + Math.floor((r.data[i * D] + 1) / 2 * D) % D] = 1;
  return { data, shape: r.shape };
}

interface LayerWeights { name: string; values: Tensor[] }
function tfWeights(m: tf.LayersModel): LayerWeights[] {
  return m.layers.filter((l) => l.weights.length > 0).map((l) => ({
    name: l.name, values: l.getWeights().map((w) => ({ data: (w.dataSync() as Float32Array).slice(), shape: w.shape as number[] })),
  }));
}

const worst = { predict: 0, loss: 0, weights: 0 };
const perKind = new Map<string, number>();

async function runCase(c: Case, ci: number): Promise<void> {
  const seed = 7000 + ci * 37;
  const loss = c.loss ?? 'meanSquaredError';
  const xs = [inputData(c.T, seed + 1, !!c.zeroSteps), inputData(c.T, seed + 2, !!c.zeroSteps)];
  const ys = [targetData(c.outShape, seed + 3, loss), targetData(c.outShape, seed + 4, loss)];

  // TF.js first: the model it predicts with (its own layers), and the one it trains (the same, or with emulations).
  const real = tf.model(c.graph(THEIRS));
  const before = emulated;
  const trainGraph = c.graph(THEIRS_TRAIN);
  const isEmulated = emulated > before;
  const theirs = isEmulated ? tf.model(trainGraph) : real;
  const w0 = new Map<string, Tensor[]>();
  real.layers.filter((l) => l.weights.length > 0).forEach((l, i) => {
    // LayerNormalization's gamma near 1 (as trained ones are), everything else uniform in [-0.5, 0.5]
    const ws = randWeightsLike(l.getWeights().map((w) => ({ shape: w.shape as number[] })), seed + i, 0.5)
      .map((w, j) => (l.getClassName() === 'LayerNormalization' && l.weights[j].name.endsWith('gamma') ? { ...w, data: w.data.map((v) => 1 + v) } : w));
    l.setWeights(ws.map(toTf));
    w0.set(l.name, ws);
  });
  const x0 = toTf(xs[0]);
  const pt = real.predict(x0) as tf.Tensor;
  const tfPredict = fromTf(pt);
  let dEmulation = 0;
  if (isEmulated) {
    // Same weights into the emulation, which must compute what TF.js's own layers compute.
    const named = theirs.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    expect(new Set(named), `${c.name}: emulated TF.js graph: layers with weights`).toEqual(new Set(w0.keys()));
    for (const [name, ws] of w0) theirs.getLayer(name).setWeights(ws.map(toTf));
    const pe = theirs.predict(x0) as tf.Tensor;
    dEmulation = maxAbsDiff(fromTf(pe).data, tfPredict.data);
    pe.dispose();
    expect(dEmulation, `${c.name}: the TF.js emulation's predict vs TF.js's own layers`).toBeLessThan(1e-5);
  }
  x0.dispose();
  theirs.compile({ optimizer: tf.train.sgd(LR), loss });
  const tfLosses: number[] = [], tfW: LayerWeights[][] = [];
  for (let s = 0; s < 2; s++) {
    const xt = toTf(xs[s]), yt = toTf(ys[s]);
    tfLosses.push((await theirs.trainOnBatch(xt, yt)) as number);
    tfW.push(tfWeights(theirs));
    xt.dispose(); yt.dispose();
  }
  pt.dispose();
  (theirs.optimizer as tf.Optimizer).dispose();
  theirs.dispose();
  if (isEmulated) real.dispose();

  // Ours.
  const og = c.graph(OURS);
  const ours = OURS.model(og);
  const weighted = (ours.layers as AnyLayer[]).filter((l) => l.countParams() > 0).map((l) => l.name as string);
  expect(new Set(weighted), `${c.name}: layers with weights`).toEqual(new Set(w0.keys()));
  for (const [name, ws] of w0) {
    const l = ours.getLayer(name);
    expect((l.getWeights() as Tensor[]).map((w) => w.shape), `${c.name}: ${name} weight shapes`).toEqual(ws.map((w) => w.shape));
    l.setWeights(ws);
  }
  const p = ours.predict(xs[0]) as Tensor;
  expect(p.shape, `${c.name}: output shape`).toEqual([B, ...c.outShape]);
  expect(p.shape).toEqual(tfPredict.shape);
  const dPredict = maxAbsDiff(p.data, tfPredict.data);
  expect(dPredict, `${c.name}: predict max |ours - tfjs|`).toBeLessThan(TOL);
  ours.compile({ optimizer: { name: 'sgd', learningRate: LR }, loss });
  let dLoss = 0, dW = 0, moved = 0;
  for (let s = 0; s < 2; s++) {
    const l = ours.trainOnBatch(xs[s], ys[s]) as number;
    dLoss = Math.max(dLoss, Math.abs(l - tfLosses[s]));
    expect(Math.abs(l - tfLosses[s]), `${c.name}: step ${s + 1} loss ours ${l} vs tfjs ${tfLosses[s]}`).toBeLessThan(TOL);
    for (const lw of tfW[s]) {
      const got = ours.getLayer(lw.name).getWeights() as Tensor[];
      got.forEach((w, j) => {
        const d = maxAbsDiff(w.data, lw.values[j].data);
        dW = Math.max(dW, d);
        expect(d, `${c.name}: after SGD step ${s + 1}: ${lw.name} weight ${j} max |ours - tfjs|`).toBeLessThan(TOL);
        if (s === 1) moved = Math.max(moved, maxAbsDiff(w.data, w0.get(lw.name)![j].data));
      });
    }
  }
  expect(moved, `${c.name}: the SGD steps moved the weights`).toBeGreaterThan(1e-3);
  ours.dispose();
  worst.predict = Math.max(worst.predict, dPredict);
  worst.loss = Math.max(worst.loss, dLoss);
  worst.weights = Math.max(worst.weights, dW);
  const kind = c.name.split(' ')[0];
  perKind.set(kind, Math.max(perKind.get(kind) ?? 0, dPredict, dW));
  console.log(`parity-conv: ${c.name}: max |Δ| predict ${dPredict.toExponential(2)}, loss ${dLoss.toExponential(2)}, weights after 2 SGD steps ${dW.toExponential(2)}` +
    (isEmulated ? ` (TF.js trained through its emulation, whose predict is within ${dEmulation.toExponential(2)} of TF.js's own layers)` : ''));
}

beforeAll(async () => {
  const info = await initForTests();
  await tfCpu();
  console.log(`parity-conv: lstm-wasm build ${info.build}${info.file ? ` (${info.file})` : ''}, TF.js ${tf.version.tfjs} backend ${tf.getBackend()}`);
  return () => console.log(`parity-conv: largest differences over ${CASES.length} cases: predict ${worst.predict.toExponential(2)}, loss ${worst.loss.toExponential(2)}, weights after two SGD steps ${worst.weights.toExponential(2)}`);
});

describe('Conv1D, pooling, LayerNormalization: parity with TensorFlow.js', () => {
  CASES.forEach((c, ci) => {
    it(`${c.name}: predict, then two SGD steps`, async () => {
      await runCase(c, ci);
    });
  });
});

describe('Conv1D, pooling, LayerNormalization: options and bad input', () => {
  const err = (f: () => unknown, re: RegExp) => {
    let e: unknown;
    try { f(); } catch (x) { e = x; }
    expect(e, `expected an error matching ${re}`).toBeInstanceOf(LstmWasmError);
    expect((e as Error).message).toMatch(re);
  };

  it("kernelSize longer than a 'valid' sequence of known steps: an error naming the layer and the shapes", () => {
    const x = input({ shape: [4, 3] });
    err(() => new Conv1D({ filters: 2, kernelSize: 5, name: 'c' }).apply(x), /Conv1D 'c': kernelSize 5 is longer than the input's 4 steps with padding 'valid' \(input \[null, 4, 3\]\)/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2, name: 'c2' }).apply(x), /Conv1D 'c2': kernelSize 3 with dilationRate 2 \(a span of 5 steps\) is longer than the input's 4 steps/);
    err(() => new MaxPooling1D({ poolSize: 5, name: 'p' }).apply(x), /MaxPooling1D 'p': poolSize 5 is longer than the input's 4 steps/);
    // 'same' and 'causal' are fine
    expect((new Conv1D({ filters: 2, kernelSize: 5, padding: 'causal' }).apply(x) as Sym).shape).toEqual([null, 4, 2]);
    expect((new Conv1D({ filters: 2, kernelSize: 5, padding: 'same', strides: 3 }).apply(x) as Sym).shape).toEqual([null, 2, 2]);
  });

  it('steps unknown until data comes: the same check at predict time', () => {
    const m = new Sequential({ layers: [new Conv1D({ filters: 2, kernelSize: 5, inputShape: [null, 3], name: 'cv' })] });
    expect(m.predict({ data: new Float32Array(2 * 9 * 3), shape: [2, 9, 3] }).shape).toEqual([2, 5, 2]);
    err(() => m.predict({ data: new Float32Array(2 * 4 * 3), shape: [2, 4, 3] }), /Conv1D 'cv': kernelSize 5 is longer than the input's 4 steps with padding 'valid'/);
    m.dispose();
  });

  it('options checked, errors naming the layer and what came', () => {
    err(() => new Conv1D({ filters: 0, kernelSize: 3, name: 'a' }), /Conv1D 'a': option 'filters' must be a positive integer, got 0/);
    err(() => new Conv1D({ filters: 2, name: 'a' } as never), /Conv1D 'a': option 'kernelSize' is required/);
    err(() => new Conv1D({ filters: 2, kernelSize: [3, 3] as never, name: 'a' }), /Conv1D 'a': option 'kernelSize' must be a positive integer \(or a list of one\)/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, padding: 'full' as never, name: 'a' }), /Conv1D 'a': option 'padding' must be 'valid', 'same' or 'causal', got a string "full"/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never, name: 'a' }), /Conv1D 'a': option 'dataFormat' must be 'channelsLast'/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, name: 'a' }), /Conv1D 'a': strides 2 and dilationRate 2 cannot both be above 1/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, activation: 'gelu', name: 'a' }), /Conv1D 'a': option 'activation' must be one of/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, groups: 2, name: 'a' } as never), /Conv1D 'a'.*groups/);
    err(() => new Conv1D({ filters: 2, kernelSize: 3, name: 'a' }).apply(input({ shape: [4] })), /Conv1D 'a': expected input of shape \[batch, steps, channels\], got \[null, 4\]/);
    err(() => new MaxPooling1D({ padding: 'causal' as never, name: 'p' }), /MaxPooling1D 'p': option 'padding' must be 'valid' or 'same'/);
    err(() => new AveragePooling1D({ strides: 0, name: 'p' }), /AveragePooling1D 'p': option 'strides' must be a positive integer/);
    err(() => new GlobalAveragePooling1D({ dataFormat: 'channelsFirst' as never, name: 'g' }), /GlobalAveragePooling1D 'g': option 'dataFormat' must be 'channelsLast'/);
    err(() => new GlobalMaxPooling1D({ name: 'g' }).apply(input({ shape: [4, 3, 2] })), /GlobalMaxPooling1D 'g': expected input of shape \[batch, steps, channels\], got \[null, 4, 3, 2\]/);
    err(() => new LayerNormalization({ axis: 1, name: 'n' }).apply(input({ shape: [4, 3] })), /LayerNormalization 'n': option 'axis' 1 is not the last axis of input \[null, 4, 3\] \(that is -1 or 2\); lstm-wasm normalizes over the last axis only/);
    err(() => new LayerNormalization({ axis: [1, 2], name: 'n' }), /LayerNormalization 'n': option 'axis' must be -1 \(the last axis/);
    err(() => new LayerNormalization({ epsilon: 0, name: 'n' }), /LayerNormalization 'n': option 'epsilon' must be a positive number, got 0/);
    // the last axis counted with the batch is accepted, as Keras
    expect((new LayerNormalization({ axis: 2 }).apply(input({ shape: [4, 3] })) as Sym).shape).toEqual([null, 4, 3]);
  });

  it('Keras weight names and layouts; defaults as Keras (strides = poolSize, epsilon 1e-3, gamma ones, beta zeros)', () => {
    const x = input({ shape: [9, 4] });
    const cv = new Conv1D({ filters: 6, kernelSize: 3 });
    const ln = new LayerNormalization();
    const mp = new MaxPooling1D({ poolSize: 3 });
    const y = new GlobalAveragePooling1D().apply(mp.apply(ln.apply(cv.apply(x) as Sym) as Sym) as Sym);
    const m = model({ inputs: x, outputs: y as Sym });
    expect(cv.getWeights().map((w) => w.shape)).toEqual([[3, 4, 6], [6]]);
    expect(ln.getWeights().map((w) => w.shape)).toEqual([[6], [6]]);
    expect(Array.from(ln.getWeights()[0].data)).toEqual(new Array(6).fill(1));
    expect(Array.from(ln.getWeights()[1].data)).toEqual(new Array(6).fill(0));
    expect(mp.strides).toBe(3);
    expect(ln.epsilon).toBe(1e-3);
    expect((m.predict({ data: new Float32Array(2 * 9 * 4).map((_, i) => Math.sin(i)), shape: [2, 9, 4] }) as Tensor).shape).toEqual([2, 6]);
    // glorotUniform with Keras's conv fans: limit √(6 / (3·4 + 3·6))
    const limit = Math.sqrt(6 / (3 * 4 + 3 * 6));
    const k = cv.getWeights()[0].data;
    expect(Math.max(...Array.from(k, Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...Array.from(k, Math.abs))).toBeGreaterThan(limit * 0.8);
    m.dispose();
  });
});

describe('Conv1D, pooling, LayerNormalization: our save format', () => {
  it('save and loadModelSync give the same layers, options and predictions (registry, getConfig)', () => {
    const x = input({ shape: [13, C], name: 'x' });
    const c1 = new Conv1D({ filters: F, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu', kernelRegularizer: { l2: 0.01 }, name: 'c1' }).apply(x) as Sym;
    const p1 = new AveragePooling1D({ poolSize: 3, strides: 2, padding: 'same', name: 'p1' }).apply(c1) as Sym;
    const n1 = new LayerNormalization({ epsilon: 1e-5, center: false, name: 'n1' }).apply(p1) as Sym;
    const m1 = new MaxPooling1D({ name: 'm1' }).apply(n1) as Sym;
    const g1 = new GlobalMaxPooling1D({ name: 'g1' }).apply(m1) as Sym;
    const g2 = new GlobalAveragePooling1D({ keepdims: true, name: 'g2' }).apply(n1) as Sym;
    const m = model({ inputs: x, outputs: [g1, g2] });
    const data = randTensor([2, 13, C], 5);
    const want = m.predict(data) as Tensor[];
    expect(want[1].shape).toEqual([2, 1, F]);
    const again = loadModelSync(m.save());
    const got = again.predict(data) as Tensor[];
    got.forEach((t, i) => { expect(t.shape).toEqual(want[i].shape); expect(Array.from(t.data)).toEqual(Array.from(want[i].data)); });
    const c = again.getLayer('c1') as Conv1D;
    expect([c.padding, c.dilationRate, c.activation, c.kernelRegularizer]).toEqual(['causal', 2, 'relu', { l2: 0.01 }]);
    const n = again.getLayer('n1') as LayerNormalization;
    expect([n.epsilon, n.center, n.scale]).toEqual([1e-5, false, true]);
    m.dispose(); again.dispose();
  });
});

describe('the TF.js 4.22 limitations the emulations above stand in for (a failure here means TF.js changed: drop the emulation)', () => {
  it('conv1d with dilationRate > 1 has no gradient', () => {
    const conv = tf.layers.conv1d({ filters: 2, kernelSize: 2, dilationRate: 2 });
    const x = tf.ones([1, 6, 3]);
    conv.apply(x);
    expect(() => tf.variableGrads(() => tf.sum(conv.apply(x) as tf.Tensor) as tf.Scalar)).toThrow(/dilation rates greater than 1 are not yet supported in gradients/);
    x.dispose();
  });

  it("averagePooling1d 'same': the gradient is not that of its own forward (1/poolSize where the window hangs over the end)", () => {
    const pool = tf.layers.averagePooling1d({ poolSize: 2, padding: 'same' });
    const T = 5, x = tf.tensor3d(Array.from({ length: T }, (_, i) => i * 0.3 - 0.5), [1, T, 1]);
    const f = (v: tf.Tensor) => tf.sum(pool.apply(v) as tf.Tensor) as tf.Scalar;
    const g = (tf.grad(f)(x).dataSync() as Float32Array)[T - 1];
    // the last output step averages step T-1 alone: d(sum)/dx[T-1] is 1, TF.js says 1/2
    const h = 1e-2, xp = x.dataSync().slice(), xm = x.dataSync().slice();
    xp[T - 1] += h; xm[T - 1] -= h;
    const fd = ((f(tf.tensor3d(xp, [1, T, 1])).dataSync()[0]) - (f(tf.tensor3d(xm, [1, T, 1])).dataSync()[0])) / (2 * h);
    expect(Math.abs(fd - 1)).toBeLessThan(1e-3);
    expect(Math.abs(g - 0.5)).toBeLessThan(1e-6);
    x.dispose();
  });

  it('layerNormalization without center (or scale) does not train', async () => {
    const x = tf.input({ shape: [4, 3] });
    const m = tf.model({ inputs: x, outputs: tf.layers.layerNormalization({ center: false }).apply(x) as tf.SymbolicTensor });
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const a = tf.randomUniform([2, 4, 3]), b = tf.randomUniform([2, 4, 3]);
    await expect(m.trainOnBatch(a, b)).rejects.toThrow();
    a.dispose(); b.dispose(); m.dispose();
  });
});
