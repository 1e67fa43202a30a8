// The layer contract between src/model.ts and each layer: a layer declares its parameters and
// output shape; for each input shape the model plans, the layer returns a Runner that owns the
// addresses of its buffers in the model's arena and calls the kernels.
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { LstmWasmError, checkOptions, describe, show } from '../errors.js';
import { shapeString } from '../tensor.js';

/** A shape without its batch dimension; null where it is not known until data comes. */
export type Shape = (number | null)[];

export interface Regularizer {
  l2?: number;
}

export interface ParamSpec {
  name: string; // Keras weight name: kernel, recurrent_kernel, bias, peephole, embeddings
  shape: number[];
  init: InitializerSpec;
  regularizer?: Regularizer;
}

export type InitializerSpec =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; limit: number }
  | { kind: 'normal'; std: number }
  | { kind: 'orthogonal'; gain: number; rows: number; cols: number }
  // Keras unitForgetBias: zeros, with ones on the forget gate's block [H, 2H)
  | { kind: 'forgetBias'; units: number; blocks: number };

/** Where a parameter lives in the model's arena. */
export interface ParamSlot {
  spec: ParamSpec;
  size: number;
  ptr: number; // weights
  grad: number; // its gradient, same layout
}

export interface RunContext {
  k: Kernels;
  arena: Arena;
  rngState: number; // address of the model's RNG state (dropout draws)
  /**
   * Changes whenever what a plan's scratch holds may be stale: weights written, a backward pass,
   * or another plan run over the same memory. A recurrent runner whose last inference forward
   * happened at the current generation may tell its kernel the weights are already packed.
   */
  generation: number;
}

/** One layer, planned for one input shape (batch included). */
export interface Runner {
  readonly outShape: number[];
  /** Address of the output (valid after forward). */
  readonly out: number;
  /** Address of the [B, T] mask this layer passes on, or 0. */
  readonly outMask: number;
  forward(x: number, mask: number, training: boolean): void;
  /** dy: gradient of the loss at this layer's output. Returns the address of dx (0 when !needDx). */
  backward(dy: number, needDx: boolean): number;
  /** Final states (recurrent layers): h, and c for LSTM. */
  readonly states?: { ptr: number; shape: number[] }[];
  /** Per-step internals of the last forward (recurrent layers), for model.inspect(). */
  readonly trace?: { gates: number; gateCount: number; cells: number; hidden: number };
}

export interface LayerArgs {
  name?: string;
  inputShape?: Shape;
  batchInputShape?: (number | null)[];
  trainable?: boolean;
}

export const BASE_OPTIONS = ['name', 'inputShape', 'batchInputShape', 'trainable', 'dtype'] as const;

const EXAMPLE_OPTIONS: Record<string, string> = {
  lstm: '{ units: 32 }', gru: '{ units: 32 }', simple_rnn: '{ units: 32 }', dense: '{ units: 1 }', dropout: '{ rate: 0.2 }',
  embedding: '{ inputDim: 1000, outputDim: 32 }', masking: '{ maskValue: 0 }', bidirectional: '{ layer: new LSTM({ units: 32 }) }',
};

const counters = new Map<string, number>();
function uniqueName(base: string): string {
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export abstract class Layer {
  abstract get className(): string;
  readonly name: string;
  readonly inputShape: Shape | undefined;
  readonly batchSize: number | null;
  trainable: boolean;
  /** Set by the model when it builds: the parameter slots, in getWeights() order. */
  slots: ParamSlot[] = [];
  /** Set by the model when it builds: the input shape (no batch). */
  builtInputShape: Shape | null = null;
  /** The model's accessors, set when built, so getWeights/setWeights work on the layer. */
  owner: WeightOwner | null = null;

  constructor(args: LayerArgs, snakeName: string) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new LstmWasmError(`${snakeName}: expected an options object such as ${EXAMPLE_OPTIONS[snakeName] ?? '{ ... }'}, got ${describe(args)}`);
    }
    this.name = args.name ?? uniqueName(snakeName);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new LstmWasmError(`${snakeName}: option 'name' must be a non-empty string, got ${describe(args.name)}`);
    }
    if (args.batchInputShape !== undefined) {
      const b = validateShape(`${this.describeAs(snakeName)}: option 'batchInputShape'`, args.batchInputShape, true);
      this.batchSize = b[0];
      this.inputShape = b.slice(1);
    } else {
      this.batchSize = null;
      this.inputShape = args.inputShape === undefined ? undefined : validateShape(`${this.describeAs(snakeName)}: option 'inputShape'`, args.inputShape, false);
    }
    this.trainable = args.trainable ?? true;
  }

  private describeAs(snake: string): string {
    return `${snake}`;
  }

  /** `LSTM 'lstm_1'`, for error messages. */
  get where(): string {
    return `${this.className} '${this.name}'`;
  }

  protected checkOptions(args: object, allowed: readonly string[]): void {
    checkOptions(this.where, args, [...BASE_OPTIONS, ...allowed]);
  }

  /** The output shape (no batch) for an input shape (no batch); throws when the input does not fit. */
  abstract computeOutputShape(input: Shape): Shape;

  /** The parameters this layer needs for an input shape (no batch), in Keras getWeights() order. */
  abstract paramSpecs(input: Shape): ParamSpec[];

  /** Buffers and kernel calls for one input shape (batch included). */
  abstract plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner;

  /** Keras-style config (TF.js option names). */
  abstract getConfig(): Record<string, unknown>;

  /** Persistent state (stateful recurrent layers) to allocate at build time, in f32 counts. */
  stateSize(_input: Shape, _batch: number | null): number {
    return 0;
  }

  /** Gives the layer its persistent state region. */
  bindState(_ptr: number, _ctx: RunContext | null): void {}

  /** Zeroes its persistent state. */
  resetStates(): void {}

  get built(): boolean {
    return this.owner !== null;
  }

  countParams(): number {
    return this.slots.reduce((s, p) => s + p.size, 0);
  }

  getWeights(): { data: Float32Array; shape: number[] }[] {
    if (!this.owner) throw new LstmWasmError(`${this.where}: it has no weights yet: add it to a Sequential model with an inputShape first`);
    return this.owner.readWeights(this);
  }

  setWeights(weights: unknown[]): void {
    if (!this.owner) throw new LstmWasmError(`${this.where}: it has no weights yet: add it to a Sequential model with an inputShape first`);
    this.owner.writeWeights(this, weights);
  }

  protected baseConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchSize !== null && this.inputShape) c.batchInputShape = [this.batchSize, ...this.inputShape];
    else if (this.inputShape) c.inputShape = this.inputShape;
    return c;
  }
}

export interface WeightOwner {
  readWeights(layer: Layer): { data: Float32Array; shape: number[] }[];
  writeWeights(layer: Layer, weights: unknown[]): void;
}

export function validateShape(where: string, s: unknown, withBatch: boolean): (number | null)[] {
  if (!Array.isArray(s) || s.length === 0) {
    throw new LstmWasmError(`${where} must be a non-empty array of sizes${withBatch ? ' [batch, ...]' : ''}, got ${show(s)}`);
  }
  return s.map((d, i) => {
    // null: not known until data comes (the batch, or the steps of variable-length sequences);
    // each layer checks that the sizes it needs are known.
    if (d === null) return null;
    if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0) {
      throw new LstmWasmError(`${where}: size ${i} must be a positive integer or null, got ${describe(d)}`);
    }
    return d;
  });
}

export function expectRank(layer: Layer, input: Shape, rank: number, what: string): void {
  if (input.length !== rank) {
    throw new LstmWasmError(`${layer.where}: expected input of shape ${what}, got ${shapeString([null, ...input])}`);
  }
}

export function positiveInt(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new LstmWasmError(`${where}: option '${name}' must be a positive integer, got ${describe(v)}`);
  }
  return v;
}

export function rate(where: string, name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new LstmWasmError(`${where}: option '${name}' must be a number in [0, 1), got ${describe(v)}`);
  }
  return v;
}

export function bool(where: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new LstmWasmError(`${where}: option '${name}' must be true or false, got ${describe(v)}`);
  return v;
}

export function regularizer(where: string, name: string, v: unknown): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw new LstmWasmError(`${where}: option '${name}' must be { l2: number }, got ${show(v)}`);
  checkOptions(`${where}: option '${name}'`, v, ['l2', 'className', 'config']);
  const l2 = (v as Regularizer).l2;
  if (typeof l2 !== 'number' || !(l2 >= 0) || !Number.isFinite(l2)) {
    throw new LstmWasmError(`${where}: option '${name}' must be { l2: number ≥ 0 }, got ${show(v)}`);
  }
  return { l2 };
}
