// The layer contract. A layer declares its output shapes and parameters for the shapes it is
// applied to, owns its weights (in the memory of the store its first model gave it), and for
// each node and input shape the planner asks for, returns a runner that owns the addresses of its
// buffers and calls the kernels. A layer knows nothing of models: the engine asks, it never
// reaches in.
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { LstmWasmError, checkOptions, describe, show } from '../errors.js';
import { Tensor, shapeString, toTensor, type TensorData, type TensorLike } from '../tensor.js';
import { Node, SymbolicTensor, isSymbolic, type CallOptions } from '../engine/symbolic.js';

/** A shape without its batch dimension; null where it is not known until data comes. */
export type Shape = (number | null)[];

/** A weight penalty: `{ l2 }` adds l2·Σw² to the loss. */
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
  /** How many threads the plan being laid out may split a layer's rows over (1: no splitting). */
  readonly threads: number;
  /** Runs one kernel call per shard concurrently (calls[0] on this thread); see Store.parallel. */
  parallel(calls: import('../runtime/pool.js').KernelCall[], where: string): void;
}

/** One single-input, single-output layer, planned for one input shape (batch included). */
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
  readonly trace?: Trace;
  /**
   * The pre-activation output, when planned with { logits: true } (a loss fused with the
   * activation); valid after forward.
   */
  readonly logits?: number;
  /** True when the runner honours { logits: true }: `logits` holds them, and backward takes dy at them. */
  readonly fusedLogits?: boolean;
}

export interface Trace {
  gates: number;
  gateCount: number;
  cells: number;
  hidden: number;
}

/**
 * One node of a layer, planned for its input shapes (batch included): the general form the
 * engine runs. `outs` and `outMasks` are read after each forward (pass-through layers such as
 * Dropout or Masking change them per call).
 */
export interface NodeRunner {
  readonly outShapes: number[][];
  readonly outs: readonly number[];
  readonly outMasks: readonly number[];
  forward(xs: number[], masks: number[], training: boolean): void;
  /** dys[i]: gradient at output i, 0 where it gets none. Returns dx per input (0 where !needDx[i]). */
  backward(dys: number[], needDx: boolean[]): number[];
  readonly trace?: Trace;
  readonly logits?: number;
  readonly fusedLogits?: boolean;
  /** Final states (recurrent layers). */
  readonly states?: { ptr: number; shape: number[] }[];
}

export interface PlanOptions {
  /** The loss is fused with this layer's activation: also keep the logits, and take dy at them. */
  logits?: boolean;
}

/** A single-input runner seen as a node runner. */
export function nodeRunner(r: Runner): NodeRunner {
  const outs = [0],
    masks = [0];
  return {
    outShapes: [r.outShape],
    get outs() {
      outs[0] = r.out;
      return outs;
    },
    get outMasks() {
      masks[0] = r.outMask;
      return masks;
    },
    forward(xs, masks, training) {
      r.forward(xs[0], masks[0], training);
    },
    backward(dys, needDx) {
      return [r.backward(dys[0], needDx[0])];
    },
    trace: r.trace,
    get logits() {
      return r.logits;
    },
    fusedLogits: r.fusedLogits,
    states: r.states,
  };
}

/** A node runner of one input and one output seen as a single-input runner (the inverse of nodeRunner). */
export function singleRunner(r: NodeRunner): Runner {
  return {
    outShape: r.outShapes[0],
    get out() {
      return r.outs[0];
    },
    get outMask() {
      return r.outMasks[0];
    },
    forward(x, mask, training) {
      r.forward([x], [mask], training);
    },
    backward(dy, needDx) {
      return r.backward([dy], [needDx])[0];
    },
    trace: r.trace,
    states: r.states,
  };
}

/** Where a layer's weights live: a store's arena (see src/engine/store.ts). */
export interface WeightStore extends RunContext {
  readonly disposed: boolean;
  /** The fit training these weights, while one runs. */
  readonly fitting?: { where: string; epoch: number; epochs: number } | null;
}

/**
 * Options of layer.apply(): `initialState` (recurrent layers: their starting states, whose
 * gradients flow back), `training` (forces dropout on or off for this call).
 */
export interface ApplyOptions extends CallOptions {
  /** Recurrent layers: the initial state tensors ([h, c] for LSTM, [h] for GRU and SimpleRNN). */
  initialState?: SymbolicTensor | SymbolicTensor[];
}

/**
 * Options every layer takes: `name`, `inputShape` or `batchInputShape` (a first layer's),
 * `batchSize`, `trainable` (true), `dtype` ('float32' only).
 */
export interface LayerArgs {
  name?: string;
  inputShape?: Shape;
  batchInputShape?: (number | null)[];
  batchSize?: number;
  trainable?: boolean;
  dtype?: string;
}

/** Per options object made by kerasLayerArgs: our name → the snake_case name it was given as. */
const SNAKE_NAMES = new WeakMap<object, Map<string, string>>();

/**
 * A layer's options as Keras users write them: `new LSTM(50, { return_sequences: true })` or
 * `new LSTM({ units: 50, returnSequences: true })`. Snake_case names become ours (input_shape →
 * inputShape); anything else passes unchanged, so the constructor's own checks name it.
 */
export function kerasLayerArgs<T>(snake: string, first: unknown, rest: unknown, example = '{ units: 32 }'): T {
  if (typeof first === 'number') {
    if (rest !== undefined && (rest === null || typeof rest !== 'object' || Array.isArray(rest))) {
      throw new LstmWasmError(`${snake}: expected new ${snake}(units, { ...options }), got options ${describe(rest)}`);
    }
    const r = camelCopy(snake, rest ?? {});
    if (Object.hasOwn(r, 'units'))
      throw new LstmWasmError(
        `${snake}: 'units' is given twice: ${first} first and ` +
          describe((r as { units?: unknown }).units) +
          ' in the options',
      );
    r.units = first;
    return r as T;
  }
  if (rest !== undefined)
    throw new LstmWasmError(
      `${snake}: the first argument must be the number of units or an options ` +
        `object such as ${example}, got ${describe(first)} and then ${describe(rest)}`,
    );
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return first as T;
  return camelCopy(snake, first) as T;
}

function camelCopy(snake: string, o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names = new Map<string, string>();
  for (const [k, v] of Object.entries(o)) {
    const camel = k.includes('_') ? k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : k;
    if (Object.hasOwn(out, camel))
      throw new LstmWasmError(
        `${snake}: option '${camel}' is given twice (as '${names.get(camel) ?? camel}' and '${k}')`,
      );
    out[camel] = v;
    names.set(camel, k);
  }
  SNAKE_NAMES.set(out, new Map([...names].filter(([c, k]) => c !== k)));
  return out;
}

export const BASE_OPTIONS = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'trainable', 'dtype'] as const;

const EXAMPLE_OPTIONS: Record<string, string> = {
  lstm: '{ units: 32 }',
  gru: '{ units: 32 }',
  simple_rnn: '{ units: 32 }',
  dense: '{ units: 1 }',
  dropout: '{ rate: 0.2 }',
  embedding: '{ inputDim: 1000, outputDim: 32 }',
  masking: '{ maskValue: 0 }',
  bidirectional: '{ layer: new LSTM({ units: 32 }) }',
  repeat_vector: '{ n: 10 }',
  time_distributed: '{ layer: new Dense({ units: 1 }) }',
  reshape: '{ targetShape: [10, 2] }',
  permute: '{ dims: [2, 1] }',
  activation: "{ activation: 'relu' }",
  concatenate: '{ axis: -1 }',
};

const counters = new Map<string, number>();
export function uniqueName(base: string): string {
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * The base of every layer: its options, `apply()` (a call on symbolic tensors, recorded as a node),
 * its output shapes, its weights in Keras's layout (getWeights/setWeights, once a model holding it
 * is built), and a runner per node that calls the kernels.
 */
export abstract class Layer {
  abstract get className(): string;
  readonly name: string;
  readonly inputShape: Shape | undefined;
  /** The fixed batch size (batchInputShape, or the batchShape of the input it was applied to); else null. */
  batchSize: number | null;
  trainable: boolean;
  /** The layer's weights, in getWeights() order, once built (empty before). */
  slots: ParamSlot[] = [];
  /** The memory its weights live in, once built. */
  store: WeightStore | null = null;
  /** Input shapes (no batch) of its first call: its weights are made for these. */
  buildShapes: Shape[] | null = null;
  /** Its calls, in order (Keras's inbound nodes). */
  readonly nodes: Node[] = [];

  constructor(args: LayerArgs, snakeName: string) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new LstmWasmError(
        `${snakeName}: expected an options object such as ` +
          `${EXAMPLE_OPTIONS[snakeName] ?? '{ ... }'}, got ${describe(args)}`,
      );
    }
    this.name = args.name ?? uniqueName(snakeName);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new LstmWasmError(`${snakeName}: option 'name' must be a non-empty string, got ${describe(args.name)}`);
    }
    if (args.dtype !== undefined && args.dtype !== 'float32') {
      throw new LstmWasmError(
        `${this.describeAs(snakeName)}: option 'dtype' must be 'float32' ` +
          `(the only type lstm-wasm computes in), got ${describe(args.dtype)}`,
      );
    }
    if (args.batchInputShape !== undefined) {
      const b = validateShape(`${this.describeAs(snakeName)}: option 'batchInputShape'`, args.batchInputShape, true);
      this.batchSize = b[0];
      this.inputShape = b.slice(1);
    } else {
      this.inputShape =
        args.inputShape === undefined
          ? undefined
          : validateShape(`${this.describeAs(snakeName)}: option 'inputShape'`, args.inputShape, false);
      this.batchSize = args.batchSize === undefined ? null : positiveInt(snakeName, 'batchSize', args.batchSize);
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
    const all = [...BASE_OPTIONS, ...allowed];
    const given = SNAKE_NAMES.get(args);
    if (!given) {
      checkOptions(this.where, args, all);
      return;
    }
    // Options that came in snake_case: the known ones pass under our names; an unknown one is
    // named as it was written (its "did you mean" folds the underscores away).
    const view = Object.fromEntries(Object.keys(args).map((k) => [all.includes(k) ? k : (given.get(k) ?? k), true]));
    checkOptions(this.where, view, all);
  }

  /** The output shape (no batch) for an input shape (no batch); throws when the input does not fit. */
  abstract computeOutputShape(input: Shape): Shape;

  /** Output shapes of one call on these input shapes (no batch). Single-input layers keep the default. */
  computeOutputShapes(inputs: Shape[], _call: CallOptions = {}): Shape[] {
    if (inputs.length !== 1) throw new LstmWasmError(`${this.where}: expected one input tensor, got ${inputs.length}`);
    return [this.computeOutputShape(inputs[0])];
  }

  /** The parameters this layer needs for an input shape (no batch), in Keras getWeights() order. */
  abstract paramSpecs(input: Shape): ParamSpec[];

  /** The parameters for the input shapes of its first call. */
  paramSpecsFor(inputs: Shape[]): ParamSpec[] {
    return this.paramSpecs(inputs[0]);
  }

  /** Buffers and kernel calls for one input shape (batch included). */
  abstract plan(ctx: RunContext, inShape: number[], params: ParamSlot[], options?: PlanOptions): Runner;

  /** Buffers and kernel calls for one node, on its input shapes (batch included). */
  planNode(
    ctx: RunContext,
    inShapes: number[][],
    params: ParamSlot[],
    options: PlanOptions = {},
    _node?: Node,
  ): NodeRunner {
    return nodeRunner(this.plan(ctx, inShapes[0], params, options));
  }

  /** Keras-style config (TF.js option names). */
  abstract getConfig(): Record<string, unknown>;

  /** The activation ('sigmoid', 'softmax') a loss may fuse with, computing from the logits; else null. */
  get fusableActivation(): string | null {
    return null;
  }

  /** Checks the values of a model input this layer reads first, before any step runs (Embedding: ids). */
  validateInput(_x: TensorData, _arg: string): void {}

  /**
   * A hint for data of the wrong rank fed to a model input this layer reads ('' for none), added
   * to the message that gives the expected and the actual shape. `got` is the data's shape.
   */
  rankHint(_got: readonly number[]): string {
    return '';
  }

  /** Whether the layer carries state across calls (stateful recurrent layers). */
  isStateful(): boolean {
    return false;
  }

  /** Whether model.inspect() can show its insides (recurrent layers). */
  get inspectable(): boolean {
    return false;
  }

  /** Persistent state (stateful recurrent layers) to allocate at build time, in f32 counts. */
  stateSize(_input: Shape, _batch: number | null): number {
    return 0;
  }

  /** Gives the layer its persistent state region. */
  bindState(_ptr: number, _ctx: RunContext | null): void {}

  /** Zeroes its persistent state. */
  resetStates(): void {}

  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Calls the layer on symbolic tensors: checks the shapes, records a node, and returns its
   * output tensor (or tensors, for several outputs), as TF.js's `layer.apply`.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions = {}): SymbolicTensor | SymbolicTensor[] {
    if (options === null || typeof options !== 'object')
      throw new LstmWasmError(
        `${this.where}.apply: options must be an object such as { initialState: [h, c] }, got ${describe(options)}`,
      );
    const extra = this.callOptionNames;
    checkOptions(`${this.where}.apply`, options, [
      'initialState',
      'training',
      ...(extra.includes('mask') ? [] : ['mask']),
      ...extra,
    ]);
    if ((options as { mask?: unknown }).mask !== undefined && !extra.includes('mask'))
      throw new LstmWasmError(
        `${this.where}.apply: option 'mask' is not taken; masks come ` +
          'from Embedding({ maskZero }) and Masking layers, as in Keras',
      );
    if (options.training !== undefined && typeof options.training !== 'boolean')
      throw new LstmWasmError(
        `${this.where}.apply: option 'training' must be true or false, got ${describe(options.training)}`,
      );
    const list = Array.isArray(inputs) ? inputs : [inputs];
    list.forEach((t, i) => {
      if (!isSymbolic(t)) {
        throw new LstmWasmError(
          `${this.where}.apply: ` +
            (Array.isArray(inputs) ? `input ${i}` : 'the input') +
            " must be a symbolic tensor from input({ shape }) or another layer's apply(), " +
            `got ${describe(t)}; to compute on values, build a model and call predict`,
        );
      }
    });
    if (list.length === 0) throw new LstmWasmError(`${this.where}.apply: expected at least one input tensor, got none`);
    const { inputs: all, call } = this.collectInputs(list, options);
    return this.applyNode(all, call);
  }

  /** Option names a call of this layer takes beyond initialState and training (Attention: useCausalMask, …). */
  protected get callOptionNames(): string[] {
    return [];
  }

  /**
   * A call's input tensors (in the order the runner takes them) and what it records of its options
   * (JSON: it is saved with the node). The default: the inputs, then the initial states.
   */
  protected collectInputs(
    list: SymbolicTensor[],
    options: ApplyOptions,
  ): { inputs: SymbolicTensor[]; call: CallOptions } {
    let states: SymbolicTensor[] = [];
    if (options.initialState !== undefined) {
      states = Array.isArray(options.initialState) ? options.initialState : [options.initialState];
      states.forEach((t, i) => {
        if (!isSymbolic(t))
          throw new LstmWasmError(
            `${this.where}.apply: initialState[${i}] must be a symbolic tensor, got ${describe(t)}`,
          );
      });
    }
    return { inputs: [...list, ...states], call: options.training === undefined ? {} : { training: options.training } };
  }

  /**
   * Records a node on these inputs with this call (what apply() does after reading its options;
   * loaders call it directly).
   */
  applyNode(all: SymbolicTensor[], call: CallOptions): SymbolicTensor | SymbolicTensor[] {
    const shapes = all.map((t) => t.sampleShape);
    const outShapes = this.computeOutputShapes(shapes, call);
    if (this.buildShapes) {
      // The weights were made for the first call's shapes: later calls must fit them.
      const want = this.paramSpecsFor(this.buildShapes)
        .map((s) => shapeString(s.shape))
        .join(',');
      const got = this.paramSpecsFor(shapes)
        .map((s) => shapeString(s.shape))
        .join(',');
      if (want !== got) {
        throw new LstmWasmError(
          `${this.where}.apply: the layer was built for input ` +
            this.buildShapes.map((s) => shapeString([null, ...s])).join(', ') +
            ', but is now applied to ' +
            shapes.map((s) => shapeString([null, ...s])).join(', ') +
            "; a layer's weights have one shape, so use a new layer",
        );
      }
    }
    const batches = all.map((t) => t.batchSize).filter((b): b is number => b !== null);
    const batch = batches.length ? batches[0] : null;
    if (batches.some((b) => b !== batch))
      throw new LstmWasmError(
        `${this.where}.apply: the inputs have different fixed batch sizes (${batches.join(', ')})`,
      );
    this.checkBatch(batch);
    const node = new Node(this, all, this.nodes.length, call);
    this.nodes.push(node);
    this.buildShapes ??= shapes;
    if (batch !== null && this.batchSize === null) this.batchSize = batch;
    outShapes.forEach((s, i) => node.outputs.push(new SymbolicTensor(node, i, s, batch ?? this.batchSize)));
    return outShapes.length === 1 ? node.outputs[0] : [...node.outputs];
  }

  /** Checks a call's fixed batch size (stateful layers need one). */
  protected checkBatch(_batch: number | null): void {}

  /** The number of input tensors a call passes beyond the first, as initial states. */
  initialStateCount(node: Node): number {
    return node.inputs.length - 1;
  }

  get built(): boolean {
    return this.store !== null;
  }

  /** Takes its weights' places in a store (the engine lays them out); initializing them is the engine's. */
  attachWeights(store: WeightStore, slots: ParamSlot[]): void {
    if (this.store && this.store !== store)
      throw new LstmWasmError(`${this.where}: its weights already live in another model's memory`);
    this.store = store;
    this.slots = slots;
  }

  /** Forgets its weights (their memory was freed with the last model that used it). */
  detachWeights(why: string): void {
    this.gone = why;
    this.store = null;
    this.slots = [];
    this.bindState(0, null);
  }

  countParams(): number {
    return this.slots.reduce((s, p) => s + p.size, 0);
  }

  /** Why its weights are gone, once its last model was disposed. */
  private gone: string | null = null;

  private weightsStore(what: string): WeightStore {
    if (!this.store && this.gone)
      throw new LstmWasmError(`${this.where}.${what}: its weights are gone: its model ${this.gone}`);
    if (!this.store)
      throw new LstmWasmError(
        `${this.where}.${what}: it has no weights yet: they are made when a model that holds it ` +
          'is built (give the first layer an inputShape, or apply it to an input() and make a model)',
      );
    if (this.store.disposed) throw new LstmWasmError(`${this.where}.${what}: its model was disposed`);
    return this.store;
  }

  /** A layer that has been applied and has no parameters has no weights to wait for. */
  private weightless(): boolean {
    return !this.store && this.buildShapes !== null && this.paramSpecsFor(this.buildShapes).length === 0;
  }

  getWeights(): Tensor[] {
    if (this.weightless()) return [];
    const s = this.weightsStore('getWeights');
    return this.slots.map((p) => new Tensor(s.arena.read(p.ptr, p.size), p.spec.shape));
  }

  setWeights(weights: unknown[]): void {
    if (this.weightless() && Array.isArray(weights) && weights.length === 0) return;
    const store = this.weightsStore('setWeights');
    const f = store.fitting;
    if (f)
      throw new LstmWasmError(
        `${this.where}.setWeights: ${f.where}.fit is running, in epoch ${f.epoch + 1} of ${f.epochs}; ` +
          'setWeights would change the weights under it. Await the promise that fit returned first',
      );
    const slots = this.slots;
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw new LstmWasmError(
        `${this.where}.setWeights: expected ${slots.length} arrays (` +
          slots.map((s) => `${s.spec.name} ${shapeString(s.spec.shape)}`).join(', ') +
          `), got ${Array.isArray(weights) ? weights.length : describe(weights)}`,
      );
    }
    // Check every array before writing any, so a bad one leaves the layer as it was.
    const ts = weights.map((w, i) => {
      const t = toTensor(w as TensorLike, `weights[${i}]`);
      const s = slots[i];
      if (
        t.data.length !== s.size ||
        ((Array.isArray((w as { shape?: unknown }).shape) || Array.isArray(w)) &&
          shapeString(t.shape) !== shapeString(s.spec.shape))
      ) {
        throw new LstmWasmError(
          `${this.where}.setWeights: weights[${i}] (${s.spec.name}) must have ` +
            `shape ${shapeString(s.spec.shape)}, got ${shapeString(t.shape)}`,
        );
      }
      checkFinite(t, `${this.where}.setWeights: weights[${i}] (${s.spec.name})`);
      return t;
    });
    ts.forEach((t, i) => store.arena.write(slots[i].ptr, t.data));
    store.generation++;
  }

  protected baseConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchSize !== null && this.inputShape) c.batchInputShape = [this.batchSize, ...this.inputShape];
    else if (this.inputShape) c.inputShape = this.inputShape;
    return c;
  }
}

/** Throws naming the first value that is not finite, with its index. */
export function checkFinite(t: TensorData, where: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const idx: number[] = [];
      let r = i;
      for (let a = t.shape.length - 1; a >= 0; a--) {
        idx.unshift(r % t.shape[a]);
        r = Math.floor(r / t.shape[a]);
      }
      throw new LstmWasmError(`${where}: values must be finite, got ${d[i]} at [${idx.join(', ')}]`);
    }
  }
}

export { prod as sizeOfShape };

export function validateShape(where: string, s: unknown, withBatch: boolean): (number | null)[] {
  if (!Array.isArray(s) || s.length === 0) {
    throw new LstmWasmError(
      `${where} must be a non-empty array of sizes${withBatch ? ' [batch, ...]' : ''}, got ${show(s)}`,
    );
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
  if (typeof v !== 'boolean')
    throw new LstmWasmError(`${where}: option '${name}' must be true or false, got ${describe(v)}`);
  return v;
}

export function regularizer(where: string, name: string, v: unknown): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object')
    throw new LstmWasmError(`${where}: option '${name}' must be { l2: number }, got ${show(v)}`);
  checkOptions(`${where}: option '${name}'`, v, ['l2', 'className', 'config']);
  const l2 = (v as Regularizer).l2;
  if (typeof l2 !== 'number' || !(l2 >= 0) || !Number.isFinite(l2)) {
    throw new LstmWasmError(`${where}: option '${name}' must be { l2: number ≥ 0 }, got ${show(v)}`);
  }
  return { l2 };
}
