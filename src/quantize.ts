// quantize(model, { weights: 'int8', activations: 'dynamic' }): a new model for inference with
// int8 weights. The float model's graph is copied node by node, with the same topology, layer
// names and call options: Dense, LSTM, GRU (resetAfter), SimpleRNN, Embedding and Conv1D become
// QuantizedDense, QuantizedLSTM, QuantizedGRU, QuantizedSimpleRNN, QuantizedEmbedding and
// QuantizedConv1D (layers/quantized.ts: int8 weights, one scale per output column, or per token for
// an Embedding; activations quantized per row at run time); every other layer (attention,
// LayerNormalization, wrappers such as Bidirectional and TimeDistributed, a GRU with resetAfter:
// false) is a copy of the float one (same config, same weights) and computes in f32. The engine sees ordinary
// layers. The copy has its own memory; the float model is left as it was.
import { LstmWasmError, checkOptions, describe } from './errors.js';
import { Model, type FitArgs } from './model.js';
import type { History } from './callbacks.js';
import type { DataArg } from './engine/data.js';
import type { SymbolicTensor } from './engine/symbolic.js';
import { checkFinite, type Layer } from './layers/layer.js';
import { InputLayer } from './layers/input.js';
import { layerFromConfig } from './layers/registry.js';
import {
  QuantizedConv1D,
  QuantizedDense,
  QuantizedEmbedding,
  QuantizedGRU,
  QuantizedLSTM,
  QuantizedSimpleRNN,
} from './layers/quantized.js';
import type { CompileArgs } from './engine/trainer.js';
import { encodeModel, type SaveOptions } from './io/save.js';

/** Options of quantize(): `weights` ('int8'), `activations` ('dynamic'). */
export interface QuantizeOptions {
  /** The weights' type: 'int8' (one scale per output channel). */
  weights?: 'int8';
  /** How activations entering each GEMM are quantized: 'dynamic' (per row, at run time). */
  activations?: 'dynamic';
}

/** The layer classes quantize() turns into int8 layers; the others are copied as they are. */
const QUANTIZABLE: Record<string, (config: Record<string, unknown>) => Layer> = {
  Dense: (c) => new QuantizedDense(c as never),
  LSTM: (c) => new QuantizedLSTM(c as never),
  GRU: (c) => new QuantizedGRU(c as never),
  SimpleRNN: (c) => new QuantizedSimpleRNN(c as never),
  Embedding: (c) => new QuantizedEmbedding(c as never),
  Conv1D: (c) => new QuantizedConv1D(c as never),
};

/** Whether quantize() turns this layer into an int8 one (a GRU needs resetAfter, the Keras default). */
function quantizable(l: Layer): boolean {
  if (!Object.hasOwn(QUANTIZABLE, l.className)) return false;
  return l.className !== 'GRU' || (l as unknown as { resetAfter: boolean }).resetAfter;
}

/** A model returned by quantize(): predict, evaluate, step, inspect, save; no training. */
export class QuantizedModel extends Model {
  private refuse(what: string): never {
    throw new LstmWasmError(
      `${this.where}.${what}: this model was made by quantize() and runs inference only; ` +
        (what === 'compile' ? 'compile' : 'train') +
        ' the float model, then quantize() it again',
    );
  }

  compile(_args: CompileArgs): void {
    this.refuse('compile');
  }

  async fit(_x: DataArg, _y: DataArg, _args?: FitArgs): Promise<History> {
    this.refuse('fit');
  }

  trainOnBatch(_x: DataArg, _y: DataArg): number | number[] {
    this.refuse('trainOnBatch');
  }

  evaluate(x: DataArg, y: DataArg, args: { batchSize?: number; verbose?: number } = {}): number | number[] {
    if (!this.compileConfig)
      throw new LstmWasmError(
        `${this.where}.evaluate: the float model was not compiled when it was quantized, ` +
          'so there is no loss to evaluate; compile the float model, then quantize() it again',
      );
    return super.evaluate(x, y, args);
  }

  /**
   * As Model.save, and `weights: 'float16'` stores what is not int8 (scales, biases, peepholes and
   * the float layers' weights) as float16; the int8 kernels are one byte per value either way.
   */
  save(options: SaveOptions = {}): Uint8Array {
    this.usable();
    if (options === null || typeof options !== 'object')
      throw new LstmWasmError(
        `save: expected an options object such as { weights: 'float16' }, got ${describe(options)}`,
      );
    checkOptions('save', options, ['includeState', 'weights', 'metadata']);
    if (options.includeState !== undefined && typeof options.includeState !== 'boolean')
      throw new LstmWasmError(
        `save: option 'includeState' must be true or false, got ${describe(options.includeState)}`,
      );
    this.build();
    return encodeModel(
      { topology: this.topology(), layers: this.weightLayers(), training: this.compileConfig },
      options,
    );
  }

  /** quantize() gives the copy the float model's losses and metrics (evaluate needs them). */
  adoptCompile(config: Record<string, unknown>): void {
    const t = config as {
      optimizer: never;
      loss: never;
      metrics?: never;
      lossWeights?: never;
      clipNorm?: number;
      clipValue?: number;
    };
    super.compile({
      optimizer: t.optimizer,
      loss: t.loss,
      metrics: t.metrics,
      lossWeights: t.lossWeights,
      clipNorm: t.clipNorm,
      clipValue: t.clipValue,
    });
  }
}

/**
 * A model for inference with int8 weights (one scale per output channel; per token for Embedding)
 * in its Dense, LSTM, GRU, SimpleRNN, Embedding and Conv1D layers; activations quantized per row as
 * they enter each product; gates and cell state in f32. Train the float model; this one predicts,
 * evaluates, steps and saves.
 */
export function quantize(model: Model, options: QuantizeOptions = {}): QuantizedModel {
  if (!(model instanceof Model))
    throw new LstmWasmError(`quantize: expected a Model or Sequential, got ${describe(model)}`);
  if (model instanceof QuantizedModel)
    throw new LstmWasmError(`quantize: Model '${model.name}' is already quantized; quantize its float model`);
  if (options === null || typeof options !== 'object')
    throw new LstmWasmError(
      `quantize: expected options such as { weights: 'int8', activations: 'dynamic' }, got ${describe(options)}`,
    );
  checkOptions('quantize', options, ['weights', 'activations']);
  if (options.weights !== undefined && options.weights !== 'int8')
    throw new LstmWasmError(`quantize: option 'weights' must be 'int8', got ${describe(options.weights)}`);
  if (options.activations !== undefined && options.activations !== 'dynamic')
    throw new LstmWasmError(
      "quantize: option 'activations' must be 'dynamic' (per-row scales " +
        `computed at run time), got ${describe(options.activations)}`,
    );
  if (model.isDisposed) throw new LstmWasmError(`quantize: Model '${model.name}' was disposed`);
  for (const l of model.layers) {
    if (l instanceof InputLayer || l.built) continue;
    if (l.buildShapes && l.paramSpecsFor(l.buildShapes).length === 0) continue;
    throw new LstmWasmError(
      `quantize: ${l.where} has no weights yet: build the model first ` +
        '(give the first layer an inputShape, or run predict or fit once)',
    );
  }
  for (const l of model.layers) {
    if (!quantizable(l)) continue;
    l.getWeights().forEach((w, i) => checkFinite(w, `quantize: ${l.where} ${l.slots[i].spec.name}`));
  }

  // Copy the graph: one new layer per layer, one new node per node, in an order where every
  // node's inputs exist first.
  const layers = new Map<Layer, Layer>();
  const tensors = new Map<SymbolicTensor, SymbolicTensor>();
  const copyLayer = (l: Layer): Layer => {
    let c = layers.get(l);
    if (c) return c;
    const config = l.getConfig();
    c = quantizable(l)
      ? QUANTIZABLE[l.className](config)
      : layerFromConfig(l.className, config, `quantize: ${l.where}`);
    layers.set(l, c);
    return c;
  };
  const copyTensor = (t: SymbolicTensor): SymbolicTensor => {
    const have = tensors.get(t);
    if (have) return have;
    const layer = t.sourceLayer;
    if (layer instanceof InputLayer) {
      const c = copyLayer(layer) as InputLayer;
      tensors.set(t, c.output);
      return c.output;
    }
    const node = t.node;
    const ins = node.inputs.map(copyTensor);
    const out = copyLayer(layer).applyNode(ins, { ...node.call });
    const outs = Array.isArray(out) ? out : [out];
    node.outputs.forEach((o, i) => tensors.set(o, outs[i]));
    return tensors.get(t)!;
  };
  const inputs = model.inputs.map(copyTensor);
  const outputs = model.outputs.map(copyTensor);
  const q = new QuantizedModel({ inputs, outputs, name: `${model.name}_int8` });

  for (const [l, c] of layers) {
    if (l instanceof InputLayer || c.slots.length === 0) continue;
    const ws = l.getWeights();
    if (!quantizable(l)) {
      c.setWeights(ws);
      continue;
    }
    const store = c.store!;
    const byName = new Map(l.slots.map((s, i) => [s.spec.name, ws[i]]));
    const scaleOf: Record<string, string> = {
      kernel_scale: 'kernel',
      recurrent_scale: 'recurrent_kernel',
      embeddings_scale: 'embeddings',
    };
    for (const slot of c.slots) {
      const w = byName.get(slot.spec.name);
      if (w) {
        store.arena.write(slot.ptr, w.data);
        continue;
      }
      const of = c.slots.find((s) => s.spec.name === scaleOf[slot.spec.name])!;
      const shape = of.spec.shape;
      // [rows, columns]: a Conv1D kernel [kernelSize, channels, filters] is [kernelSize·channels, filters]
      const N = shape[shape.length - 1],
        K = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      // an Embedding's table gets one scale per token (row); the kernels one per output column
      if (slot.spec.name === 'embeddings_scale') store.k.quantize_rows_f32_i8(K, N, of.ptr, of.ptr, slot.ptr);
      else store.k.quantize_cols_i8(K, N, of.ptr, of.ptr, slot.ptr);
    }
    store.generation++;
  }
  const cfg = model.compileConfig;
  if (cfg) q.adoptCompile(cfg);
  return q;
}
