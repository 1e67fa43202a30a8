// Model: a graph of layer calls from one or more inputs to one or more outputs (Keras's and
// TF.js's functional model), and what users call on it: compile, fit, evaluate, predict,
// trainOnBatch, step, inspect, weights, summary, save, dispose. The parts it stands on:
//   engine/graph.ts     the nodes between inputs and outputs, in topological order
//   engine/store.ts     the WebAssembly instance and memory its layers' weights live in
//   engine/executor.ts  plans (one arena layout per input shapes) and the forward/backward run
//   engine/trainer.ts   per-output losses, weights, metrics and their fusion; History keys
//   engine/data.ts      x and y as one tensor, an array or an object by name; their checks
// Sequential (sequential.ts) is a Model whose graph is a chain.
import { LstmWasmError, checkOptions, describe } from './errors.js';
import { Tensor, looksLikeTensor, shapeString, toTensor, type TensorData, type TensorLike } from './tensor.js';
import type { Layer, ParamSlot, Shape } from './layers/layer.js';
import { initialize } from './layers/initializers.js';
import { buildGraph, type Graph } from './engine/graph.js';
import { Store } from './engine/store.js';
import { makePlan, runBackward, runForward, type Plan } from './engine/executor.js';
import { cachedStream, streamFor } from './engine/stream.js';
import { kerasOptions, resolveCompile, resultKeys, type CompileArgs, type Compiled } from './engine/trainer.js';
import { checkSamples, checkTargets, checkValues, dataList, type DataArg } from './engine/data.js';
import type { SymbolicTensor } from './engine/symbolic.js';
import {
  FIT_DATASET_OPTIONS,
  batchParts,
  batchStream,
  nextOf,
  type BatchStream,
  type DatasetSource,
  type FitDatasetArgs,
} from './engine/dataset.js';
import { encodeModel, type SaveOptions } from './io/save.js';
import { checkMetadata, type MetadataValue } from './io/metadata.js';
import {
  History,
  ProgbarLogger,
  TerminateOnNaN,
  type Callback,
  type FitLoop,
  type FitPosition,
  type Logs,
  type TrainingState,
} from './callbacks.js';
import type { Optimizer } from './optimizers.js';
import { metricStates, statefulMetric, type MetricState } from './losses.js';

export type { CompileArgs } from './engine/trainer.js';

/**
 * Options of model(): `inputs` and `outputs` (symbolic tensors), `name`, `seed` (reproducible
 * initial weights, shuffling and dropout).
 */
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Makes every random draw (initial weights, shuffling, dropout) reproducible, bit for bit. */
  seed?: number;
  /**
   * At most this many threads for this model's calls (default: init()'s `threads`); 1 runs it on
   * the calling thread alone.
   */
  threads?: number;
}

/**
 * Options of fit(): `epochs` (1), `batchSize` (32), `shuffle` (true), `validationSplit` or
 * `validationData`, `verbose` (1), `callbacks`, `initialEpoch`, `seed`, `yieldEvery` (25 ms),
 * `classWeight`, `sampleWeight`.
 */
export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationSplit?: number;
  /** [xVal, yVal], or [xVal, yVal, sampleWeightVal] (as Keras). */
  validationData?: [DataArg, DataArg] | [DataArg, DataArg, ArrayLike<number>];
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  initialEpoch?: number;
  seed?: number;
  /** How often fit gives the event loop a turn: milliseconds between yields (default 25), or 'never'. */
  yieldEvery?: number | 'never';
  /** Keras's class_weight: a weight per class id (one-hot targets: their argmax); classes left out weigh 1. */
  classWeight?: Record<number, number>;
  /**
   * Keras's sample_weight: one weight per sample of x; each sample's loss is multiplied by it (the
   * mean stays over the batch size).
   */
  sampleWeight?: ArrayLike<number>;
}

const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'shuffle',
  'validationSplit',
  'validationData',
  'verbose',
  'callbacks',
  'initialEpoch',
  'seed',
  'yieldEvery',
  'classWeight',
  'sampleWeight',
];

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Plans kept per model: every one starts at the same address, so forgetting one costs only replanning. */
const MAX_PLANS = 16;

const modelCounts = new Map<string, number>();
export function modelName(base: string): string {
  const n = modelCounts.get(base) ?? 0;
  modelCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** A parameter of the model and its optimizer slots. */
interface ModelParam {
  layer: Layer;
  slot: ParamSlot;
  /** Offset (floats) of its optimizer slots in the model's slot regions. */
  at: number;
}

export function checkSeed(where: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > 0xffffffff)
    throw new LstmWasmError(`${where}: option 'seed' must be an integer in [0, 2^32), got ${describe(seed)}`);
  return seed as number;
}

/**
 * One batch for the training loop: rows [start, start + size) of xs and ys (through `order` when
 * shuffled), and their sample weights.
 */
interface RunBatch {
  xs: TensorData[];
  ys: TensorData[];
  start: number;
  size: number;
  order: Int32Array | null;
  weights: Float32Array | null;
}

type EvalResult = { loss: number; losses: number[]; metrics: number[] };

/** What fit and fitDataset hand the shared training loop (Model.runTraining). */
interface TrainingRun {
  where: string;
  c: Compiled;
  epochs: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  callbacks: Callback[];
  /** History.params, and what setParams tells the callbacks. */
  params: Record<string, unknown>;
  seed: number | undefined;
  yieldEvery: number | 'never';
  /** Called after the onEpochBegin callbacks: the epoch's batches in order. */
  epochBatches(epoch: number): Iterable<RunBatch> | AsyncIterable<RunBatch>;
  /**
   * An epoch resumed from a backup (BackupAndRestore) in its `at.order`, from batch `at.batch`;
   * checks `at` when called. Absent: resuming within an epoch is refused.
   */
  resumeEpoch?(at: FitPosition): Iterable<RunBatch>;
  /** The validation results at an epoch's end (null: no validation). */
  validate: (() => EvalResult | Promise<EvalResult>) | null;
}

/** A fit resuming from a backup: where, the rate then, and the resumed epoch's batches (null: at an epoch's start). */
type Resumed = { at: FitPosition; learningRate: number | null; source: Iterable<RunBatch> | null };

/** fit's `callbacks` option as a list, each checked. */
function callbackList(where: string, callbacks: unknown): Callback[] {
  const list = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
  for (const cb of list)
    if (cb === null || typeof cb !== 'object')
      throw new LstmWasmError(
        `${where}: every callback must be an object with onEpochEnd/onBatchEnd/… methods, got ${describe(cb)}`,
      );
  return list as Callback[];
}

/** Whether v looks like one { xs, ys } batch (validationData given as an array of batches, not [xVal, yVal]). */
function isBatch(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'xs' in v && 'ys' in v;
}

/**
 * A model: a graph of layer calls from one or more inputs to one or more outputs (Keras's and
 * TF.js's functional model). `model({ inputs, outputs })` or `new Model(...)`; Sequential is one
 * whose graph is a chain. compile, fit, evaluate, predict, trainOnBatch, step, inspect, weights,
 * summary, save, dispose.
 */
export class Model {
  readonly name: string;
  stopTraining = false;
  protected seed: number;
  /** The model's own thread cap (undefined: the store's, from init()). */
  readonly threads: number | undefined;
  protected explicitSeed: boolean;
  protected graphValue: Graph | null = null;
  private store: Store | null = null;
  private plans = new Map<string, Plan>();
  private plansEpoch = -1;
  private params: ModelParam[] = [];
  private P = 0;
  private slot1 = 0;
  private slot2 = 0;
  private compiled: Compiled | null = null;
  private disposed = false;
  private lastGradNorm = NaN;
  /** setUserDefinedMetadata's JSON (or what loadModel read), saved by save() when it is given no metadata. */
  private userMetadata: Record<string, MetadataValue> | undefined = undefined;
  /**
   * Called after every optimizer update (fit and trainOnBatch), before the weights are read again.
   * Pruning (src/prune.ts) re-applies its masks here, to the weights and to their optimizer slots.
   */
  readonly updateHooks = new Set<() => void>();

  /**
   * The addresses of a parameter's two optimizer slots (the Adam moments, momentum…), or null if it
   * is not one of this model's.
   */
  optimizerSlots(slot: ParamSlot): [number, number] | null {
    const p = this.params.find((q) => q.slot === slot);
    return p ? [this.slot1 + p.at * 4, this.slot2 + p.at * 4] : null;
  }

  constructor(args: ModelArgs, kind = 'model') {
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`${kind}: expected { inputs, outputs, name? }, got ${describe(args)}`);
    const isSequential = kind === 'sequential';
    if (!isSequential) checkOptions('model', args, ['inputs', 'outputs', 'name', 'seed', 'threads']);
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === ''))
      throw new LstmWasmError(
        `${kind === 'sequential' ? 'Sequential' : 'model'}: option ` +
          `'name' must be a non-empty string, got ${describe(args.name)}`,
      );
    this.name = args.name ?? modelName(kind);
    const seed = checkSeed(isSequential ? 'Sequential' : 'model', args.seed);
    this.explicitSeed = seed !== undefined;
    this.seed = seed ?? Math.floor(Math.random() * 0x100000000);
    if (
      args.threads !== undefined &&
      !(Number.isInteger(args.threads) && (args.threads as number) >= 1 && (args.threads as number) <= 256)
    )
      throw new LstmWasmError(
        `${isSequential ? 'Sequential' : 'model'}: option 'threads' ` +
          `must be an integer from 1 to 256, got ${describe(args.threads)}`,
      );
    this.threads = args.threads;
    if (!isSequential) {
      this.graphValue = buildGraph(`model '${this.name}'`, args.inputs, args.outputs);
      // As Keras: the layers of a functional model have their weights once the model exists.
      this.build();
    }
  }

  protected get where(): string {
    return `Model '${this.name}'`;
  }

  protected usable(): void {
    if (this.disposed)
      throw new LstmWasmError(`${this.where}: the model was disposed; make a new one (or loadModel a saved one)`);
  }

  /**
   * Refuses `what` while a fit trains this model's weights: this model's fit, or that of a model
   * built from the same layers (they share the store). Whatever would change the weights, the
   * compile configuration or the graph under a running fit is refused, naming it; predict and
   * evaluate (between its batches, from a callback or from another task while it yields) are not.
   */
  protected notDuringFit(what: string): void {
    const f = this.store?.fitting;
    if (!f) return;
    const same = f.where === this.where ? '' : ' (it trains the same layers)';
    throw new LstmWasmError(
      `${this.where}.${what}: ${f.where}.fit is running${same}, in epoch ${f.epoch + 1} of ${f.epochs}; ` +
        `${what} would change the model under it. Await the promise that fit returned first (to end it ` +
        'early, set model.stopTraining = true in a callback); predict and evaluate may run meanwhile',
    );
  }

  /** The graph; Sequential makes it on demand (from the data's shape when the first layer has no inputShape). */
  protected graph(_sample?: Shape[]): Graph {
    return this.graphValue!;
  }

  get inputs(): SymbolicTensor[] {
    return [...this.graph().inputs];
  }

  get outputs(): SymbolicTensor[] {
    return [...this.graph().outputs];
  }

  get inputNames(): string[] {
    return this.graph().inputs.map((t) => t.sourceLayer.name);
  }

  /** The outputs' layer names, made unique with _1, _2 … where a layer gives several (as Keras). */
  get outputNames(): string[] {
    const seen = new Map<string, number>();
    return this.graph().outputs.map((t) => {
      const base = t.sourceLayer.name;
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      return n === 0 ? base : `${base}_${n}`;
    });
  }

  /** Every layer of the graph, input layers first (as Keras's model.layers). */
  get layers(): Layer[] {
    return [...this.graph().layers];
  }

  getLayer(name: string | number): Layer {
    const layers = this.layers;
    if (typeof name === 'number') {
      if (!Number.isInteger(name) || name < 0 || name >= layers.length)
        throw new LstmWasmError(
          `${this.where}.getLayer: index ${name} is out of range: the model has ${layers.length} layers`,
        );
      return layers[name];
    }
    const l = layers.find((x) => x.name === name);
    if (!l)
      throw new LstmWasmError(
        `${this.where}.getLayer: no layer named ${describe(name)}; its layers are ` +
          layers.map((x) => `'${x.name}'`).join(', '),
      );
    return l;
  }

  /** Layers whose weights this model holds (no input layers), in order. */
  protected weightLayers(): Layer[] {
    return this.graph().layers.filter((l) => l.className !== 'InputLayer');
  }

  get inputShape(): Shape | Shape[] {
    const s = this.graph().inputs.map((t) => t.sampleShape);
    return s.length === 1 ? s[0] : s;
  }

  get outputShape(): Shape | Shape[] {
    const s = this.graph().outputs.map((t) => t.sampleShape);
    return s.length === 1 ? s[0] : s;
  }

  /**
   * Lays out the weights of layers that have none yet, in this model's store (or the store its
   * layers already share), and initializes them; then the model's optimizer slots. Runs on first
   * need, and again when layers were added (Sequential.add after its input shape is known).
   */
  build(_shape?: unknown): void {
    this.usable();
    // Built for this very graph: this model's hold on the store keeps every layer's weights in it.
    if (this.store && this.builtGraph !== null && this.builtGraph === this.graphValue) return;
    const graph = this.graph();
    const layers = this.weightLayers();
    if (this.store && this.builtCount === layers.length && layers.every((l) => l.store === this.store)) {
      this.builtGraph = graph;
      return;
    }
    for (const l of layers)
      if (l.store?.disposed)
        throw new LstmWasmError(
          `${this.where}: ${l.where} belonged to a model that was disposed; its weights are gone`,
        );
    const stores = new Set(layers.map((l) => l.store).filter((s): s is Store => s instanceof Store));
    if (this.store) stores.add(this.store);
    if (stores.size > 1)
      throw new LstmWasmError(
        `${this.where}: its layers' weights live in the memory of different models; layers can ` +
          'be shared between models built from one graph, not joined from separately built ones',
      );
    const store = stores.size ? [...stores][0] : new Store(this.seed);
    if (!this.store && stores.size && this.explicitSeed) store.k.rng_seed(store.rngState, this.seed >>> 0);
    const fresh = layers.filter((l) => !l.store);
    const specs = fresh.map((l) => l.paramSpecsFor(l.buildShapes!));
    const Pnew = specs.flat().reduce((sum, p) => sum + prod(p.shape), 0);
    if (fresh.length) {
      const block = store.allocPersistent(2 * Pnew);
      let off = 0;
      fresh.forEach((l, i) => {
        const slots = specs[i].map((spec) => {
          const size = prod(spec.shape);
          const sl: ParamSlot = { spec, size, ptr: block + off * 4, grad: block + (Pnew + off) * 4 };
          off += size;
          return sl;
        });
        l.attachWeights(store, slots);
        store.whenFreed((by) => l.detachWeights(`${by} was disposed`));
      });
      store.k.fill_f32(Pnew, block + Pnew * 4, 0);
      for (const l of fresh) for (const sl of l.slots) initialize(store, sl);
      for (const l of fresh) {
        const node = graph.nodes.find((n) => n.layer === l);
        const n = l.stateSize(l.buildShapes![0], node?.inputs[0]?.batchSize ?? l.batchSize);
        if (n > 0) {
          const p = store.allocPersistent(n);
          store.k.fill_f32(n, p, 0);
          l.bindState(p, store);
        }
      }
    }
    this.params = [];
    let at = 0;
    for (const l of layers)
      for (const slot of l.slots) {
        this.params.push({ layer: l, slot, at });
        at += slot.size;
      }
    if (at !== this.P || !this.store) {
      const n = Math.max(1, at);
      this.slot1 = store.allocPersistent(2 * n);
      this.slot2 = this.slot1 + n * 4;
      store.k.fill_f32(2 * n, this.slot1, 0);
    }
    this.P = at;
    if (!this.store) {
      store.retain();
      this.store = store;
    }
    this.builtCount = layers.length;
    this.builtGraph = graph;
  }

  private builtCount = -1;
  private stepPlan: Plan | null = null;
  private builtGraph: Graph | null = null;

  /** The graph changed (Sequential.add): plans and the compile configuration are void. */
  protected graphChanged(): void {
    this.notDuringFit('add');
    this.plans.clear();
    this.compiled = null;
    this.pendingCompile = null;
  }

  private get s(): Store {
    return this.store!;
  }

  /** Where each plan's buffers end (per-batch sample weights go above). */
  private planEnds = new WeakMap<Plan, number>();

  private plan(inShapes: number[][]): Plan {
    const store = this.s;
    if (this.plansEpoch !== store.epoch) {
      this.plans.clear();
      this.plansEpoch = store.epoch;
    }
    const key = inShapes.map((s) => s.join('x')).join('|');
    const cached = this.plans.get(key);
    if (cached && cached.epoch === store.epoch) {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    if (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
    const fuse = this.compiled ? this.compiled.outputs.map((o) => o.fused) : this.graph().outputs.map(() => false);
    const plan = makePlan(store, this.graph(), inShapes, { fuse, threads: this.threads }, key);
    this.planEnds.set(plan, store.arena.mark());
    this.plans.set(key, plan);
    return plan;
  }

  // ---- summary -----------------------------------------------------------------------------

  summary(lineLength?: number, printFn: (line: string) => void = console.log): void {
    if (lineLength !== undefined && (!Number.isInteger(lineLength) || lineLength < 30))
      throw new LstmWasmError(`summary: 'lineLength' must be an integer of at least 30, got ${describe(lineLength)}`);
    if (typeof printFn !== 'function')
      throw new LstmWasmError(`summary: 'printFn' must be a function that prints a line, got ${describe(printFn)}`);
    this.build();
    const graph = this.graph();
    const rows: string[][] = [];
    const functional = !this.isChain();
    const nodeName = (t: SymbolicTensor) => {
      const l = t.sourceLayer;
      const local = graph.nodes.filter((n) => n.layer === l).indexOf(t.node);
      return `${l.name}[${Math.max(0, local)}][${t.outputIndex}]`;
    };
    const shapeOf = (ts: SymbolicTensor[]) => ts.map((t) => shapeString(t.shape)).join(', ');
    if (functional) {
      for (const t of graph.inputs) rows.push([`${t.sourceLayer.name} (InputLayer)`, shapeString(t.shape), '0', '']);
    }
    let total = 0,
      trainable = 0;
    const counted = new Set<Layer>();
    for (const n of graph.nodes) {
      const first = !counted.has(n.layer);
      counted.add(n.layer);
      const count = first ? n.layer.countParams() : 0;
      total += count;
      if (n.layer.trainable) trainable += count;
      const row = [`${n.layer.name} (${n.layer.className})`, shapeOf(n.outputs), String(count)];
      if (functional) row.push(n.inputs.map(nodeName).join(', '));
      rows.push(row);
    }
    const heads = functional
      ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to']
      : ['Layer (type)', 'Output Shape', 'Param #'];
    // Columns as wide as their content (names of Bidirectional layers run long), as Keras does.
    const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
    const width = Math.max(
      lineLength ?? 0,
      widths.reduce((a, b) => a + b, 0),
    );
    const line = (r: string[]) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('')
        .trimEnd();
    printFn(`Model: "${this.name}"`);
    printFn('_'.repeat(width));
    printFn(line(heads));
    printFn('='.repeat(width));
    rows.forEach((r, i) => {
      printFn(line(r));
      printFn(i === rows.length - 1 ? '='.repeat(width) : '_'.repeat(width));
    });
    printFn(`Total params: ${total.toLocaleString('en-US')}`);
    printFn(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    printFn(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    printFn('_'.repeat(width));
  }

  /** Whether the graph is a chain (Sequential's summary has no "connected to" column). */
  protected isChain(): boolean {
    return false;
  }

  countParams(): number {
    this.build();
    return this.P;
  }

  // ---- compile -----------------------------------------------------------------------------

  compile(args: CompileArgs): void {
    this.usable();
    this.notDuringFit('compile');
    if (!this.graphReady()) {
      // A Sequential that builds from its first data: what compile says is resolved then.
      resolveCompile(args, null, ['output']);
      this.pendingCompile = args;
      return;
    }
    const c = resolveCompile(args, this.graph(), this.outputNames);
    this.build();
    this.plans.clear();
    this.compiled = c;
    // A new optimizer starts from empty slots (Keras: new optimizer variables), not from another's moments.
    this.s.k.fill_f32(2 * Math.max(1, this.P), this.slot1, 0);
  }

  private pendingCompile: CompileArgs | null = null;

  /** Whether the graph exists (a Sequential without inputShape makes it from its first data). */
  protected graphReady(): boolean {
    return true;
  }

  /** Resolves a compile() that came before the graph existed. */
  protected graphMade(): void {
    if (this.pendingCompile) {
      const a = this.pendingCompile;
      this.pendingCompile = null;
      this.compile(a);
    }
  }

  /** The compiled optimizer (null before compile): its learningRate, iterations and config. */
  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  private requireCompiled(where: string): Compiled {
    if (!this.compiled)
      throw new LstmWasmError(
        `${this.where}.${where}: compile the model first, such as ` +
          "model.compile({ optimizer: 'adam', loss: 'meanSquaredError' })",
      );
    return this.compiled;
  }

  // ---- data in and out ---------------------------------------------------------------------

  /** x as a list in input order, checked against the inputs' shapes and values. */
  private xList(x: DataArg, arg: string): TensorData[] {
    const graph = this.graph();
    const list = dataList(x, this.inputNames, 'input', `${this.where}: ${arg}`);
    list.forEach((t, i) => {
      const name = list.length > 1 ? `${arg}[${i}] ('${this.inputNames[i]}')` : arg;
      checkSamples(t, graph.inputs[i], `${this.where}: ${name}`, graph);
    });
    const n = list[0].shape[0];
    list.forEach((t, i) => {
      if (t.shape[0] !== n)
        throw new LstmWasmError(
          `${this.where}: ${arg}: every input must hold as many samples: ` +
            `'${this.inputNames[0]}' has ${n}, '${this.inputNames[i]}' has ${t.shape[0]}`,
        );
    });
    return list;
  }

  private yList(y: DataArg, arg: string): TensorData[] {
    return dataList(y, this.outputNames, 'output', `${this.where}: ${arg}`);
  }

  /** Checks each y against its output's shape for this plan and its loss. */
  private checkYs(ys: TensorData[], n: number, plan: Plan, arg: string): void {
    const c = this.compiled!;
    ys.forEach((y, j) => {
      const name = ys.length > 1 ? `${arg}[${j}] ('${c.outputs[j].name}')` : arg;
      checkTargets(y, n, plan.outputs[j].shape.slice(1), c.outputs[j].loss, `${this.where}: ${name}`);
    });
  }

  /** The fixed batch size of the inputs (batchShape / batchInputShape), or null. */
  private fixedBatch(): number | null {
    for (const t of this.graph().inputs) if (t.batchSize !== null) return t.batchSize;
    for (const l of this.weightLayers()) if (l.isStateful() && l.batchSize !== null) return l.batchSize;
    return null;
  }

  /** The fixed batch shape, for messages: `[1, null, 3]`. */
  private fixedBatchShape(fixed: number): string {
    const input = this.graph().inputs.find((t) => t.batchSize !== null) ?? this.graph().inputs[0];
    return shapeString([fixed, ...input.sampleShape]);
  }

  private batchOf(n: number, batchSize: unknown, where: string, takesBatchSize = true): number {
    const fixed = this.fixedBatch();
    if (batchSize !== undefined && (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new LstmWasmError(`${where}: option 'batchSize' must be a positive integer, got ${describe(batchSize)}`);
    }
    if (fixed !== null) {
      // A model of fixed batch size (batchInputShape, which stateful layers need) is fed as Keras
      // feeds it: batches of batchSize (32 when not given), each of which must be the fixed size.
      // So n samples run as one batch when n is the fixed size, and as consecutive batches only
      // where Keras has that: when batchSize is the fixed size (given, or Keras's default 32) and
      // n a multiple of it. Stateful layers then carry their state from each batch to the next
      // (sample i continuing sample i of the batch before), which is what stateful training is
      // for, but never what predict(x) on 2 samples of a model built for 1 meant without saying so.
      if (batchSize !== undefined && batchSize !== fixed)
        throw new LstmWasmError(
          `${where}: this model was built for batches of ${fixed} (batchInputShape), got batchSize ${batchSize}`,
        );
      if (n % fixed !== 0)
        throw new LstmWasmError(
          `${where}: this model was built for batches of ${fixed} (batchInputShape), ` +
            `so the number of samples must be a multiple of ${fixed}, got ${n}`,
        );
      if (n !== fixed && (batchSize ?? 32) !== fixed) {
        const stateful = this.weightLayers().some((l) => l.isStateful());
        const how = takesBatchSize
          ? `, or pass batchSize: ${fixed} to run them as ${n / fixed} consecutive batches` +
            (stateful ? ' (its stateful layers carry their state from each batch to the next)' : '')
          : '';
        throw new LstmWasmError(
          `${where}: this model was built for batches of ${fixed} ` +
            `(batchInputShape ${this.fixedBatchShape(fixed)}), got ${n} samples; ` +
            `give ${fixed} sample${fixed === 1 ? '' : 's'} at a time${how}`,
        );
      }
      return fixed;
    }
    return Math.min((batchSize as number | undefined) ?? 32, n);
  }

  private shapesFor(xs: TensorData[], b: number): number[][] {
    return xs.map((t) => [b, ...t.shape.slice(1)]);
  }

  /** Copies rows of `src` (per-sample size `row`) into WASM at `dst`: in order, or by index. */
  private copyRows(
    dst: number,
    src: Float32Array,
    row: number,
    start: number,
    count: number,
    order: Int32Array | null,
  ): void {
    const view = this.s.arena.f32(dst, count * row);
    if (!order) {
      view.set(src.subarray(start * row, (start + count) * row));
      return;
    }
    for (let i = 0; i < count; i++) {
      const r = order[start + i];
      view.set(src.subarray(r * row, (r + 1) * row), i * row);
    }
  }

  private loadBatch(
    plan: Plan,
    xs: TensorData[],
    ys: TensorData[] | null,
    start: number,
    b: number,
    order: Int32Array | null,
  ): void {
    xs.forEach((t, i) => this.copyRows(plan.inputs[i].ptr, t.data, t.data.length / t.shape[0], start, b, order));
    if (ys)
      ys.forEach((t, j) => this.copyRows(plan.outputs[j].target, t.data, t.data.length / t.shape[0], start, b, order));
  }

  // ---- inference ---------------------------------------------------------------------------

  /** Predictions for x: one Tensor, or an array of them in output order when the model has several outputs. */
  predict(x: DataArg, args: { batchSize?: number; verbose?: number } = {}): Tensor | Tensor[] {
    this.usable();
    args = checkInferenceOptions('predict', args);
    this.prepare(x);
    const xs = this.xList(x, 'predict x');
    this.build();
    const n = xs[0].shape[0];
    const B = this.batchOf(n, args?.batchSize, 'predict');
    let outs: Tensor[] | null = null;
    for (let start = 0; start < n; start += B) {
      const b = Math.min(B, n - start);
      const plan = this.plan(this.shapesFor(xs, b));
      this.loadBatch(plan, xs, null, start, b, null);
      runForward(this.s, plan, false);
      outs ??= plan.outputs.map(
        (o) => new Tensor(new Float32Array(n * prod(o.shape.slice(1))), [n, ...o.shape.slice(1)]),
      );
      plan.outputs.forEach((o, j) => {
        const per = prod(o.shape.slice(1));
        outs![j].data.set(this.s.arena.f32(plan.ptr[o.idx], b * per), start * per);
      });
    }
    return outs!.length === 1 ? outs![0] : outs!;
  }

  /** Sequential builds its graph from the data when its first layer has no inputShape. */
  protected prepare(_x: DataArg): void {}

  /**
   * The inside of a recurrent layer for the sequences in x: its gate activations per step
   * (LSTM: i, f, g, o blocks of `units` each; GRU: z, r, h), its cell state per step (LSTM) and
   * its output per step, in processing order. For teaching and plots (the web demo's heat map).
   */
  inspect(
    x: DataArg,
    args: { layer?: number | string } = {},
  ): { gates: Tensor | null; cellStates: Tensor | null; hidden: Tensor; attentionScores?: Tensor } {
    this.usable();
    checkOptions('inspect', args ?? {}, ['layer']);
    this.prepare(x);
    const xs = this.xList(x, 'inspect x');
    this.build();
    const graph = this.graph();
    const layers = this.layers;
    const sel = args?.layer ?? layers.findIndex((l) => l.inspectable);
    const layer = typeof sel === 'string' ? layers.find((l) => l.name === sel) : layers[sel as number];
    if (!layer || !layer.inspectable)
      throw new LstmWasmError(
        `${this.where}.inspect: option 'layer' must name or index an LSTM, GRU, ` +
          `SimpleRNN or attention layer of this model, got ${describe(args?.layer)}`,
      );
    const ni = graph.nodes.findIndex((nd) => nd.layer === layer);
    const n = xs[0].shape[0];
    const B = this.batchOf(n, undefined, 'inspect', false);
    let gates: Float32Array | null = null,
      cells: Float32Array | null = null,
      hidden: Float32Array | null = null;
    let T = 0,
      G = 0,
      H = 0;
    let scores: Float32Array | null = null,
      attOut: Float32Array | null = null,
      scoreShape: number[] = [],
      outShape: number[] = [];
    for (let start = 0; start < n; start += B) {
      const b = Math.min(B, n - start);
      const plan = this.plan(this.shapesFor(xs, b));
      this.loadBatch(plan, xs, null, start, b, null);
      runForward(this.s, plan, false);
      const pn = plan.nodes[ni];
      const att = (pn.runner as { attention?: { ptr: number; shape: number[] } }).attention;
      if (att) {
        // Attention layers: their weights after the softmax, per head where they have heads, and their output.
        const per = att.shape.slice(1).reduce((p, q) => p * q, 1);
        scores ??= new Float32Array(n * per);
        scores.set(this.s.arena.f32(att.ptr, b * per), start * per);
        scoreShape = att.shape.slice(1);
        const oShape = plan.shapes[pn.outIdx[0]].slice(1),
          oPer = oShape.reduce((p, q) => p * q, 1);
        attOut ??= new Float32Array(n * oPer);
        attOut.set(this.s.arena.f32(plan.ptr[pn.outIdx[0]], b * oPer), start * oPer);
        outShape = oShape;
        continue;
      }
      const tr = pn.runner.trace!;
      const inShape = plan.shapes[pn.inIdx[0]];
      T = inShape[1];
      G = tr.gateCount;
      H = (layer as unknown as { units: number }).units;
      const arena = this.s.arena;
      hidden ??= new Float32Array(n * T * H);
      hidden.set(arena.f32(tr.hidden, b * T * H), start * T * H);
      if (tr.gates) {
        gates ??= new Float32Array(n * T * G * H);
        gates.set(arena.f32(tr.gates, b * T * G * H), start * T * G * H);
      }
      if (tr.cells) {
        cells ??= new Float32Array(n * T * H);
        cells.set(arena.f32(tr.cells, b * T * H), start * T * H);
      }
    }
    if (scores)
      return {
        gates: null,
        cellStates: null,
        hidden: new Tensor(attOut!, [n, ...outShape]),
        attentionScores: new Tensor(scores, [n, ...scoreShape]),
      };
    return {
      gates: gates ? new Tensor(gates, [n, T, G * H]) : null,
      cellStates: cells ? new Tensor(cells, [n, T, H]) : null,
      hidden: new Tensor(hidden!, [n, T, H]),
    };
  }

  /**
   * One time step of a stateful model: `xt` is [batch, features] (or [features] for a batch of
   * one); returns the output for that step, [batch, output features]. The recurrent state stays in
   * WASM between calls. `out`: a Float32Array of batch × output features to write the output into
   * (the returned tensor's data is then `out`), so a stream of steps allocates no output arrays.
   */
  step(xt: TensorLike, out?: Float32Array): Tensor {
    this.usable();
    this.build();
    const graph = this.graph();
    const store = this.s;
    // The fast path (engine/stream.ts) for the chains it runs, decided once per graph and layout.
    let fast = cachedStream(this, store, graph);
    let B: number, per: number, isId: boolean;
    if (fast) {
      B = fast.B;
      per = fast.F;
      isId = false;
    } else {
      const fixed = this.fixedBatch();
      if (fixed === null || !this.weightLayers().some((l) => l.isStateful())) {
        throw new LstmWasmError(
          `${this.where}.step: step() is for stateful models: build the recurrent ` +
            'layers with stateful: true and batchInputShape: [batch, null, features]',
        );
      }
      if (graph.inputs.length !== 1 || graph.outputs.length !== 1)
        throw new LstmWasmError(
          `${this.where}.step: step() takes models of one input and one output; ` +
            `this one has ${graph.inputs.length} and ${graph.outputs.length}`,
        );
      B = fixed;
      const inShape = graph.inputs[0].sampleShape;
      isId = inShape.length === 1;
      per = isId ? 1 : (inShape[inShape.length - 1] as number);
      if (fast === undefined) fast = streamFor(this, store, graph, B);
    }
    let data: Float32Array;
    if (xt instanceof Float32Array) data = xt;
    else {
      const t = toTensor(xt, 'step xt');
      const okShape =
        (t.shape.length === 2 && t.shape[0] === B && t.shape[1] === per) ||
        (B === 1 && t.shape.length === 1 && t.shape[0] === per);
      if (!okShape && t.data.length === B * per)
        throw new LstmWasmError(
          `${this.where}.step: xt must have shape [${B}, ${per}] ([batch, ` +
            `features])${B === 1 ? ` or [${per}]` : ''}, got ${shapeString(t.shape)}`,
        );
      data = t.data;
    }
    if (data.length !== B * per) {
      throw new LstmWasmError(
        `${this.where}.step: xt must hold ${B} × ${per} values ` +
          `([batch, features] = [${B}, ${per}]), got ${data.length}`,
      );
    }
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i]))
        throw new LstmWasmError(`${this.where}.step: xt values must be finite, got ${data[i]} at ${i}`);
    const checkOut = (D: number) => {
      if (out !== undefined && !(out instanceof Float32Array && out.length === B * D))
        throw new LstmWasmError(
          `${this.where}.step: out must be a Float32Array of ${B} × ` +
            `${D} values ([batch, output features] = [${B}, ${D}]), got ` +
            (out instanceof Float32Array ? `one of ${out.length}` : describe(out)),
        );
    };
    if (fast) {
      if (out !== undefined) checkOut(fast.D);
      return fast.run(data, out);
    }
    if (isId) checkValues({ data, shape: [B, 1] }, graph.inputs[0], `${this.where}.step xt`, graph);
    // The generic path: the step's plan, kept while the memory layout holds (plan() would rebuild its key each call).
    const plan =
      this.stepPlan && this.stepPlan.epoch === store.epoch && this.plans.get(this.stepPlan.key) === this.stepPlan
        ? this.stepPlan
        : (this.stepPlan = this.plan([isId ? [B, 1] : [B, 1, per]]));
    const o = plan.outputs[0];
    const D = o.shape[o.shape.length - 1];
    checkOut(D);
    store.arena.f32(plan.inputs[0].ptr, data.length).set(data);
    runForward(store, plan, false);
    if (out === undefined) return new Tensor(store.arena.read(plan.ptr[o.idx], B * D), [B, D]);
    out.set(store.arena.f32(plan.ptr[o.idx], B * D));
    return new Tensor(out, [B, D]);
  }

  resetStates(): void {
    this.usable();
    this.build();
    for (const l of this.weightLayers()) if (l.isStateful()) l.resetStates();
  }

  // ---- training ----------------------------------------------------------------------------

  /** Per output: its loss (mean over rows); the total weights them and adds the penalty. */
  private lossAndGrad(
    plan: Plan,
    withGrad: boolean,
    sampleWeights: Float32Array | null = null,
  ): { total: number; losses: number[] } {
    const c = this.compiled!;
    const k = this.s.k;
    let total = 0;
    let wPtr = 0;
    if (sampleWeights) {
      // Above the plan's own buffers: nothing runs between this write and the loss kernels.
      wPtr = ((this.planEnds.get(plan) ?? this.s.arena.mark()) + 63) & ~63;
      this.s.arena.ensure(wPtr + sampleWeights.length * 4);
      this.s.arena.f32(wPtr, sampleWeights.length).set(sampleWeights);
    }
    const losses = plan.outputs.map((o, j) => {
      const t = c.outputs[j];
      const D = o.shape[o.shape.length - 1];
      const N = prod(o.shape) / D;
      const kind = o.fused ? t.loss.logitsKind! : t.loss.kind;
      const l =
        (sampleWeights
          ? k.loss_forward_backward_weighted(
              kind,
              N,
              D,
              o.lossInput,
              o.target,
              withGrad ? o.dOut : 0,
              t.weight / N,
              wPtr,
              N / o.shape[0],
              t.loss.param,
            )
          : k.loss_forward_backward(
              kind,
              N,
              D,
              o.lossInput,
              o.target,
              withGrad ? o.dOut : 0,
              t.weight / N,
              t.loss.param,
            )) / N;
      total += t.weight * l;
      return l;
    });
    return { total, losses };
  }

  /**
   * Each metric's value on the batch in the plan. Keras's stateful metrics (rmse, precision, recall,
   * auc) also add the batch into their epoch states, when given (metricStates, in metric order).
   */
  private metricValues(plan: Plan, states: (MetricState | null)[] | null = null): number[] {
    const c = this.compiled!;
    const out: number[] = [];
    // Above the plan's own buffers (as the sample weights, which the loss kernels have read by now).
    const at = ((this.planEnds.get(plan) ?? this.s.arena.mark()) + 63) & ~63;
    plan.outputs.forEach((o, j) => {
      const D = o.shape[o.shape.length - 1];
      const N = prod(o.shape) / D;
      for (const m of c.outputs[j].metrics)
        out.push(
          m.stateful
            ? statefulMetric(
                this.s.k,
                this.s.arena,
                at,
                m,
                N,
                D,
                plan.ptr[o.idx],
                o.target,
                states?.[out.length] ?? null,
              )
            : this.s.k.metric_sum(m.kind, N, D, plan.ptr[o.idx], o.target, 0, m.param) / N,
        );
    });
    return out;
  }

  /** Fresh epoch states for the compiled metrics (null for the batch means). */
  private metricStates(): (MetricState | null)[] {
    return metricStates(
      this.s.k,
      this.compiled!.outputs.flatMap((o) => o.metrics),
    );
  }

  private penalty(withGrad: boolean): number {
    let p = 0;
    const k = this.s.k;
    for (const { slot: s } of this.params) {
      const l2 = s.spec.regularizer?.l2;
      if (!l2) continue;
      p += withGrad ? k.l2_penalty_grad(s.size, s.ptr, s.grad, l2) : l2 * k.sum_squares(s.size, s.ptr);
    }
    return p;
  }

  /** Runs of parameters contiguous in weights, gradients and optimizer slots (one kernel call each). */
  private runs(trainableOnly: boolean): { w: number; g: number; n: number; at: number }[] {
    const out: { w: number; g: number; n: number; at: number }[] = [];
    for (const p of this.params) {
      if (trainableOnly && !p.layer.trainable) continue;
      const last = out[out.length - 1];
      if (
        last &&
        last.w + last.n * 4 === p.slot.ptr &&
        last.g + last.n * 4 === p.slot.grad &&
        last.at + last.n === p.at
      )
        last.n += p.slot.size;
      else out.push({ w: p.slot.ptr, g: p.slot.grad, n: p.slot.size, at: p.at });
    }
    return out;
  }

  /**
   * Forward, backward and one optimizer step on the batch already in the plan. Changes nothing if
   * anything is not finite.
   */
  private trainStep(
    plan: Plan,
    sampleWeights: Float32Array | null = null,
    metricStates: (MetricState | null)[] | null = null,
  ): { loss: number; losses: number[]; metrics: number[]; gradNorm: number; ok: boolean } {
    const c = this.compiled!;
    const store = this.s;
    const k = store.k;
    runForward(store, plan, true);
    const { total, losses } = this.lossAndGrad(plan, true, sampleWeights);
    const metrics = this.metricValues(plan, metricStates);
    runBackward(
      store,
      plan,
      plan.outputs.map(() => true),
    );
    const loss = total + this.penalty(true);
    for (const p of this.params) if (!p.layer.trainable) k.fill_f32(p.slot.size, p.slot.grad, 0);
    const all = this.runs(false);
    let sq = 0;
    for (const r of all) sq += k.sum_squares(r.n, r.g);
    const gradNorm = Math.sqrt(sq);
    this.lastGradNorm = gradNorm;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, losses, metrics, gradNorm, ok: false };
    if (c.clipNorm && gradNorm > c.clipNorm) for (const r of all) k.scale_inplace(r.n, r.g, c.clipNorm / gradNorm);
    if (c.clipValue) for (const r of all) k.clip_by_value(r.n, r.g, c.clipValue);
    const opt = c.optimizer;
    // The optimizer's own clipnorm (per weight) / globalClipnorm / clipvalue, after compile's.
    opt.clipGradients(
      k,
      this.params.filter((p) => p.layer.trainable).map((p) => ({ g: p.slot.grad, n: p.slot.size })),
    );
    const it = opt.iterations;
    for (const r of this.runs(true)) {
      opt.iterations = it;
      opt.apply(k, r.n, r.w, r.g, this.slot1 + r.at * 4, this.slot2 + r.at * 4);
    }
    opt.iterations = it + 1;
    for (const hook of this.updateHooks) hook();
    store.generation++; // the weights changed
    return { loss, losses, metrics, gradNorm, ok: true };
  }

  private results(c: Compiled, loss: number, losses: number[], metrics: number[]): number | number[] {
    const list = [loss, ...(c.outputs.length > 1 ? losses : []), ...metrics];
    return list.length === 1 ? list[0] : list;
  }

  trainOnBatch(x: DataArg, y: DataArg): number | number[] {
    this.usable();
    this.notDuringFit('trainOnBatch');
    if (this.pendingCompile) this.prepare(x);
    const c = this.requireCompiled('trainOnBatch');
    this.prepare(x);
    const xs = this.xList(x, 'trainOnBatch x');
    const ys = this.yList(y, 'trainOnBatch y');
    const n = xs[0].shape[0];
    const fixed = this.fixedBatch();
    if (fixed !== null && n !== fixed)
      throw new LstmWasmError(
        `${this.where}.trainOnBatch: this model was built for batches of ${fixed} (batchInputShape), got ${n} ` +
          `samples; trainOnBatch takes one batch of ${fixed} (batchInputShape ${this.fixedBatchShape(fixed)})`,
      );
    const plan = this.plan(this.shapesFor(xs, n));
    this.checkYs(ys, n, plan, 'trainOnBatch y');
    this.loadBatch(plan, xs, ys, 0, n, null);
    const r = this.trainStep(plan);
    if (!r.ok)
      throw new LstmWasmError(
        `${this.where}.trainOnBatch: the loss (${r.loss}) or the gradient ` +
          `norm (${r.gradNorm}) is not finite; the weights were not changed`,
      );
    return this.results(c, r.loss, r.losses, r.metrics);
  }

  evaluate(
    x: DataArg,
    y: DataArg,
    args: { batchSize?: number; verbose?: number; sampleWeight?: ArrayLike<number> } = {},
  ): number | number[] {
    this.usable();
    if (this.pendingCompile) this.prepare(x);
    const c = this.requireCompiled('evaluate');
    args = checkInferenceOptions('evaluate', args, ['sampleWeight']);
    this.prepare(x);
    const xs = this.xList(x, 'evaluate x'),
      ys = this.yList(y, 'evaluate y');
    const w = this.sampleWeights('evaluate', { sampleWeight: args.sampleWeight }, ys, xs[0].shape[0]);
    const r = this.evaluateLists(xs, ys, args?.batchSize, 'evaluate', w);
    return this.results(c, r.loss, r.losses, r.metrics);
  }

  private evaluateLists(
    xs: TensorData[],
    ys: TensorData[],
    batchSize: number | undefined,
    where: string,
    weights: Float32Array | null = null,
  ): { loss: number; losses: number[]; metrics: number[] } {
    const n = xs[0].shape[0];
    const B = this.batchOf(n, batchSize, where);
    let loss = 0;
    let losses: number[] = [],
      metrics: number[] = [];
    const states = this.metricStates();
    for (let start = 0; start < n; start += B) {
      const b = Math.min(B, n - start);
      const plan = this.plan(this.shapesFor(xs, b));
      if (start === 0) this.checkYs(ys, n, plan, `${where} y`);
      this.loadBatch(plan, xs, ys, start, b, null);
      runForward(this.s, plan, false);
      const r = this.lossAndGrad(plan, false, weights ? weights.subarray(start, start + b) : null);
      loss += r.total * b;
      if (start === 0) {
        losses = r.losses.map(() => 0);
        metrics = this.compiled!.outputs.flatMap((o) => o.metrics.map(() => 0));
      }
      r.losses.forEach((v, i) => (losses[i] += v * b));
      this.metricValues(plan, states).forEach((v, i) => (metrics[i] += v * b));
    }
    return {
      loss: loss / n + this.penalty(false),
      losses: losses.map((v) => v / n),
      // Keras's stateful metrics come from their counts over all batches, not a mean of batch values.
      metrics: metrics.map((m, i) => (states[i] ? states[i]!.value : m / n)),
    };
  }

  /** fit's classWeight or sampleWeight as one weight per sample of x (null without either), checked. */
  private sampleWeights(
    where: string,
    args: { classWeight?: unknown; sampleWeight?: unknown },
    ys: TensorData[],
    n: number,
  ): Float32Array | null {
    const { classWeight, sampleWeight } = args as { classWeight?: Record<string, unknown>; sampleWeight?: unknown };
    if (classWeight === undefined && sampleWeight === undefined) return null;
    if (classWeight !== undefined && sampleWeight !== undefined)
      throw new LstmWasmError(
        `${where}: give classWeight or sampleWeight, not both (as ` +
          'Keras); fold the class weights into the sample weights',
      );
    if (sampleWeight !== undefined) {
      const sw = sampleWeight as unknown;
      const list =
        sw instanceof Float32Array || sw instanceof Float64Array || Array.isArray(sw)
          ? (sw as ArrayLike<number>)
          : sw !== null && typeof sw === 'object' && (sw as TensorData).data instanceof Float32Array
            ? (sw as TensorData).data
            : null;
      if (!list)
        throw new LstmWasmError(
          `${where}: option 'sampleWeight' must be an array or ` +
            `Float32Array of one weight per sample, got ${describe(sw)}`,
        );
      if (list.length !== n)
        throw new LstmWasmError(
          `${where}: option 'sampleWeight' must hold one weight per ` +
            `sample: x has ${n} samples, sampleWeight has ${list.length}`,
        );
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const v = list[i];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          throw new LstmWasmError(`${where}: sampleWeight[${i}] must be a finite number ≥ 0, got ${describe(v)}`);
        out[i] = v;
      }
      return out;
    }
    const c = this.compiled!;
    if (classWeight === null || typeof classWeight !== 'object' || Array.isArray(classWeight))
      throw new LstmWasmError(
        "fit: option 'classWeight' must be an object of class id → " +
          `weight, such as { 0: 1, 1: 5 }, got ${describe(classWeight)}`,
      );
    if (c.outputs.length !== 1)
      throw new LstmWasmError(
        'fit: classWeight is for models of one output (as Keras); ' +
          `this one has ${c.outputs.length}: give sampleWeight instead`,
      );
    const y = ys[0];
    const per = y.data.length / Math.max(1, y.shape[0]);
    const loss = c.outputs[0].loss;
    const D = this.graph().outputs[0].sampleShape[this.graph().outputs[0].sampleShape.length - 1] as number;
    const rowsPerSample = loss.sparse ? per : per / D;
    if (rowsPerSample !== 1)
      throw new LstmWasmError(
        'fit: classWeight needs one target per sample (y of shape [n, classes], [n, 1] or ' +
          `[n]); y has shape ${shapeString(y.shape)}: give sampleWeight for sequence targets`,
      );
    // Classes: the output's width, or 0 and 1 for a single sigmoid or regression unit.
    const classes = D === 1 && !loss.sparse ? 2 : D;
    const table = new Float64Array(classes).fill(1);
    for (const [key, v] of Object.entries(classWeight)) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || id >= classes)
        throw new LstmWasmError(
          `fit: classWeight names class ${JSON.stringify(key)}, which does ` +
            `not exist: the output has ${classes} classes (0 to ${classes - 1})`,
        );
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new LstmWasmError(`fit: classWeight[${key}] must be a finite number ≥ 0, got ${describe(v)}`);
      table[id] = v;
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let cls: number;
      if (per > 1) {
        cls = 0;
        for (let j = 1; j < per; j++) if (y.data[i * per + j] > y.data[i * per + cls]) cls = j;
      } else cls = Math.round(y.data[i]);
      out[i] = cls >= 0 && cls < classes ? table[cls] : 1;
    }
    return out;
  }

  async fit(x: DataArg, y: DataArg, args: FitArgs = {}): Promise<History> {
    this.usable();
    this.notDuringFit('fit');
    if (this.pendingCompile) this.prepare(x);
    const c = this.requireCompiled('fit');
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`fit: expected options such as { epochs: 10, batchSize: 32 }, got ${describe(args)}`);
    args = kerasOptions('fit', args, FIT_OPTIONS) as FitArgs;
    this.prepare(x);
    let xs = this.xList(x, 'fit x');
    let ys = this.yList(y, 'fit y');
    const epochs = args.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new LstmWasmError(`fit: option 'epochs' must be a non-negative integer, got ${describe(args.epochs)}`);
    const initialEpoch = args.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
      throw new LstmWasmError(
        `fit: option 'initialEpoch' must be a non-negative integer, got ${describe(args.initialEpoch)}`,
      );
    const verbose = args.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2)
      throw new LstmWasmError(`fit: option 'verbose' must be 0, 1 or 2, got ${describe(args.verbose)}`);
    const shuffle = args.shuffle ?? true;
    if (typeof shuffle !== 'boolean')
      throw new LstmWasmError(`fit: option 'shuffle' must be true or false, got ${describe(args.shuffle)}`);
    const yieldEvery = args.yieldEvery ?? 25;
    if (yieldEvery !== 'never' && (typeof yieldEvery !== 'number' || !(yieldEvery >= 0)))
      throw new LstmWasmError(
        `fit: option 'yieldEvery' must be a number of milliseconds or 'never', got ${describe(args.yieldEvery)}`,
      );
    checkSeed('fit', args.seed);
    const nx = xs[0].shape[0];
    ys.forEach((t, j) => {
      if (t.shape[0] !== nx)
        throw new LstmWasmError(
          `fit: x and y must hold as many samples: x has ${nx} (shape ${shapeString(xs[0].shape)}), ` +
            `y${ys.length > 1 ? `[${j}]` : ''} has ${t.shape[0]} (shape ${shapeString(t.shape)})`,
        );
    });
    let weights = this.sampleWeights('fit', args, ys, nx);
    // Validation data: the last fraction of x and y, taken before shuffling (as Keras).
    let val: [TensorData[], TensorData[]] | null = null;
    // Validation sample weights: validationData's third entry, or the split-off part of
    // sampleWeight (as Keras; classWeight is for training only).
    let valWeights: Float32Array | null = null;
    if (args.validationData !== undefined) {
      const vd = args.validationData as unknown[];
      if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3))
        throw new LstmWasmError(
          `fit: option 'validationData' must be [xVal, yVal], got ${describe(args.validationData)}`,
        );
      val = [
        this.xList(vd[0] as DataArg, 'fit validationData[0]'),
        this.yList(vd[1] as DataArg, 'fit validationData[1]'),
      ];
      if (vd.length === 3 && vd[2] !== undefined)
        valWeights = this.sampleWeights('fit validationData[2]', { sampleWeight: vd[2] }, val[1], val[0][0].shape[0]);
    } else if (args.validationSplit !== undefined) {
      const s = args.validationSplit;
      if (typeof s !== 'number' || !(s > 0 && s < 1))
        throw new LstmWasmError(`fit: option 'validationSplit' must be a number in (0, 1), got ${describe(s)}`);
      const nVal = Math.floor(nx * s);
      const nTrain = nx - nVal;
      if (nVal === 0 || nTrain === 0)
        throw new LstmWasmError(
          `fit: validationSplit ${s} of ${nx} samples leaves ${nTrain} for ` +
            `training and ${nVal} for validation; both must be at least 1`,
        );
      const cut = (t: TensorData, a: number, b: number): TensorData => {
        const per = t.data.length / t.shape[0];
        return { data: t.data.subarray(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] };
      };
      val = [xs.map((t) => cut(t, nTrain, nx)), ys.map((t) => cut(t, nTrain, nx))];
      xs = xs.map((t) => cut(t, 0, nTrain));
      ys = ys.map((t) => cut(t, 0, nTrain));
      if (weights && args.sampleWeight !== undefined) valWeights = weights.subarray(nTrain);
      if (weights) weights = weights.subarray(0, nTrain);
    }
    const n = xs[0].shape[0];
    const B = this.batchOf(n, args.batchSize, 'fit');
    // Check y once against the plan's output shapes.
    this.checkYs(ys, n, this.plan(this.shapesFor(xs, B)), 'fit y');
    if (val)
      this.checkYs(
        val[1],
        val[0][0].shape[0],
        this.plan(this.shapesFor(val[0], Math.min(B, val[0][0].shape[0]))),
        'fit validationData[1]',
      );
    const callbacks = callbackList('fit', args.callbacks);
    const batches = Math.ceil(n / B);
    const store = this.s;
    const order = new Int32Array(n);
    const batchWeights = new Float32Array(weights ? B : 0);
    // fit's batches of one epoch, shuffled (in WASM, from the model's seeded RNG) as the epoch begins.
    const epochBatches = (): Iterable<RunBatch> => {
      if (shuffle) {
        // The order is drawn in WASM (the model's seeded RNG) above the plans, then copied out.
        const p = store.arena.mark();
        store.arena.ensure(p + n * 4 + 64);
        store.k.rng_shuffle_indices(store.rngState, n, p);
        store.generation++;
        order.set(store.arena.i32(p, n));
      }
      return batchesFrom(0);
    };
    function* batchesFrom(first: number): Generator<RunBatch> {
      for (let bi = first; bi < batches; bi++) {
        const start = bi * B,
          b = Math.min(B, n - start);
        if (weights) for (let i = 0; i < b; i++) batchWeights[i] = weights[shuffle ? order[start + i] : start + i];
        const w = weights ? batchWeights.subarray(0, b) : null;
        yield { xs, ys, start, size: b, order: shuffle ? order : null, weights: w };
      }
    }
    // A backed-up epoch resumed (BackupAndRestore): its order as it was drawn, from the batch it reached.
    const resumeEpoch = (at: FitPosition): Iterable<RunBatch> => {
      if ((at.order !== null) !== shuffle || (at.order && at.order.length !== n) || at.batch > batches)
        throw new LstmWasmError(
          'fit: the backup to resume from was made ' +
            (at.order ? `with shuffle over ${at.order.length} samples` : 'without shuffle') +
            ` and ${at.batch} batches into its epoch; this fit has shuffle ` +
            `${shuffle}, ${n} samples and ${batches} batches per epoch`,
        );
      if (at.order) order.set(at.order);
      return batchesFrom(at.batch);
    };
    return this.runTraining({
      where: 'fit',
      c,
      epochs,
      initialEpoch,
      verbose,
      callbacks,
      params: { epochs, batchSize: B, samples: n, steps: batches, verbose },
      seed: args.seed,
      yieldEvery,
      epochBatches,
      resumeEpoch,
      validate: val ? () => this.evaluateLists(val![0], val![1], B, 'fit validation', valWeights) : null,
    });
  }

  /**
   * The training loop of fit and fitDataset: callbacks, epochs, per batch the plan, the copy into
   * it (after the onBatchBegin callbacks), one trainStep, the logs; validation at each epoch's end.
   * `epochBatches(epoch)` gives the batches of one epoch in order (a sync or async iterator); it is
   * asked for the next batch only while training goes on.
   */
  private async runTraining(run: TrainingRun): Promise<History> {
    const { c, epochs, initialEpoch, verbose, callbacks } = run;
    const terminateOnNaN = callbacks.some((cb) => cb instanceof TerminateOnNaN);
    const history = new History();
    history.params = run.params;
    // verbose 1 and 2 show a ProgbarLogger, unless the callbacks hold one already (as Keras).
    const progbar =
      verbose && !callbacks.some((cb) => cb instanceof ProgbarLogger) ? [new ProgbarLogger({ verbose })] : [];
    const all: Callback[] = [...progbar, ...callbacks, history];
    const keys = resultKeys(c);
    // Where the loop stands, as a resumed run would go on from it (BackupAndRestore reads it).
    const pos: FitPosition = { epoch: initialEpoch, batch: 0, order: null, seen: 0, sums: keys.map(() => 0) };
    let resumed: Resumed | null = null;
    let inTrainBegin = false;
    const loop: FitLoop = {
      position: pos,
      keys,
      capture: () => this.captureTraining(),
      resume: (state, at) => {
        if (!inTrainBegin) throw new LstmWasmError(`${run.where}: a fit can resume from a backup only in onTrainBegin`);
        if (!Array.isArray(at.sums) || at.sums.length !== keys.length)
          throw new LstmWasmError(`${run.where}: the backup's sums must be one per log key (${keys.join(', ')})`);
        if (at.batch > 0 && !run.resumeEpoch)
          throw new LstmWasmError(
            `${run.where} resumes from a backup at an epoch's start only; this one is ` +
              `${at.batch} batches into epoch ${at.epoch + 1} (back up with saveFreq: 'epoch')`,
          );
        const source = at.batch > 0 ? run.resumeEpoch!(at) : null; // checks at before anything changes
        this.restoreTraining(state);
        resumed = { at, learningRate: state.learningRate, source };
      },
    };
    for (const cb of all) {
      cb.setModel?.(this);
      cb.setParams?.(history.params);
      cb.setFitLoop?.(loop);
    }
    const store = this.s;
    this.notDuringFit(run.where); // checked again: reading the data may have built the model
    const running = { where: this.where, epoch: initialEpoch, epochs };
    store.fitting = running;
    const yieldEvery = run.yieldEvery;
    try {
      if (run.seed !== undefined) store.k.rng_seed(store.rngState, run.seed >>> 0);
      let lastYield = Date.now();
      this.stopTraining = false;
      inTrainBegin = true;
      try {
        for (const cb of all) await cb.onTrainBegin?.();
      } finally {
        inTrainBegin = false;
      }
      const from = resumed as Resumed | null;
      for (let epoch = from ? from.at.epoch : initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        running.epoch = epoch;
        const cont = from?.source && from.at.epoch === epoch ? from : null;
        for (const cb of all) await cb.onEpochBegin?.(epoch);
        // A resumed epoch keeps the rate it had (a schedule in onEpochBegin would apply twice).
        if (cont && cont.learningRate !== null && !c.optimizer.schedule) c.optimizer.learningRate = cont.learningRate;
        const source = cont ? cont.source! : run.epochBatches(epoch);
        const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
          | Iterator<RunBatch>
          | AsyncIterator<RunBatch>;
        let seen = cont ? cont.at.seen : 0;
        const sums = cont ? [...cont.at.sums] : keys.map(() => 0);
        const mStates = this.metricStates(); // Keras's stateful metrics: counts over the epoch
        Object.assign(pos, { epoch, batch: cont ? cont.at.batch : 0, order: cont?.at.order ?? null, seen, sums });
        for (let bi = cont ? cont.at.batch : 0; !this.stopTraining; bi++) {
          const next = it.next();
          const item = next instanceof Promise ? await next : next;
          if (item.done) break;
          const { xs, ys, start, size: b, order, weights } = item.value;
          for (const cb of all) await cb.onBatchBegin?.(bi, { batch: bi, size: b });
          // The batch goes into the plan's buffers after the callbacks: a predict or evaluate they
          // run uses the same memory (every plan of a store starts at the same address).
          const plan = this.plan(this.shapesFor(xs, b));
          this.loadBatch(plan, xs, ys, start, b, order);
          const lr = c.optimizer.learningRate;
          const r = this.trainStep(plan, weights, mStates);
          if (!r.ok) {
            if (terminateOnNaN) {
              this.stopTraining = true;
              break;
            }
            throw new LstmWasmError(
              `${run.where}: at epoch ${epoch + 1}, batch ${bi + 1} the loss (${r.loss}) ` +
                `or the gradient norm (${r.gradNorm}) is not finite; training stopped and ` +
                'the weights are those from before this batch. Lower the learning rate, ' +
                'set clipNorm in compile(), or add TerminateOnNaN to stop without an error',
            );
          }
          const values = [r.loss, ...(c.outputs.length > 1 ? r.losses : []), ...r.metrics];
          seen += b;
          values.forEach((v, i) => (sums[i] += v * b));
          const logs: Logs = { batch: bi, size: b };
          keys.forEach((key, i) => (logs[key] = values[i]));
          logs.gradNorm = r.gradNorm;
          logs.lr = lr; // the rate this batch's update used
          Object.assign(pos, { batch: bi + 1, order, seen });
          for (const cb of all) await cb.onBatchEnd?.(bi, logs);
          if (yieldEvery !== 'never' && Date.now() - lastYield >= yieldEvery) {
            await yieldToEventLoop();
            lastYield = Date.now();
          }
        }
        const logs: Logs = {};
        keys.forEach((key, i) => (logs[key] = seen ? sums[i] / seen : NaN));
        mStates.forEach((st, i) => {
          if (st && seen) logs[keys[keys.length - mStates.length + i]] = st.value;
        });
        if (run.validate && seen) {
          const pending = run.validate();
          const v = pending instanceof Promise ? await pending : pending;
          const values = [v.loss, ...(c.outputs.length > 1 ? v.losses : []), ...v.metrics];
          keys.forEach((key, i) => (logs[`val_${key}`] = values[i]));
        }
        Object.assign(pos, { epoch: epoch + 1, batch: 0, order: null, seen: 0, sums: keys.map(() => 0) });
        for (const cb of all) await cb.onEpochEnd?.(epoch, logs);
      }
    } finally {
      if (store.fitting === running) store.fitting = null;
    }
    // Training is over: onTrainEnd may change the weights (EarlyStopping restores the best ones).
    for (const cb of all) await cb.onTrainEnd?.();
    return history;
  }

  /**
   * Trains on batches from a stream, as TF.js's fitDataset: `source` is any sync or async iterable
   * of `{ xs, ys }` batches (xs and ys as fit takes x and y), a function returning a fresh iterator
   * per epoch, or an object with `iterator()` (a TF.js Dataset). Without `batchesPerEpoch` an
   * epoch is one pass of the source; with it, one iterator is read across the epochs. The batches
   * train in the source's order, through the same loop, callbacks and History as fit. Each batch is
   * checked as it comes; a bad one stops training before its step, naming it.
   */
  async fitDataset(source: DatasetSource, args: FitDatasetArgs = {}): Promise<History> {
    this.usable();
    this.notDuringFit('fitDataset');
    const where = 'fitDataset';
    const dataLike = Array.isArray(args) || ArrayBuffer.isView(args) || looksLikeTensor(args);
    if (args === null || typeof args !== 'object' || dataLike)
      throw new LstmWasmError(
        `${where}: expected options such as { epochs: 10, batchesPerEpoch: 100 }, got ${describe(args)}` +
          (dataLike
            ? ' (fitDataset takes batches { xs, ys } from one source; for x and y use fit(x, y, options))'
            : ''),
      );
    args = kerasOptions(where, args, FIT_DATASET_OPTIONS) as FitDatasetArgs;
    const stream = batchStream(source, where);
    const count = (name: keyof FitDatasetArgs, min: number, dflt: number | undefined): number | undefined => {
      const v = args[name] ?? dflt;
      if (v !== undefined && (!Number.isInteger(v) || (v as number) < min))
        throw new LstmWasmError(
          `${where}: option '${name}' must be ` +
            (min === 0 ? 'a non-negative' : 'a positive') +
            ` integer, got ${describe(args[name])}`,
        );
      return v as number | undefined;
    };
    const epochs = count('epochs', 0, 1)!;
    const initialEpoch = count('initialEpoch', 0, 0)!;
    const batchesPerEpoch = count('batchesPerEpoch', 1, undefined);
    const validationBatches = count('validationBatches', 1, undefined);
    const verbose = args.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2)
      throw new LstmWasmError(`${where}: option 'verbose' must be 0, 1 or 2, got ${describe(args.verbose)}`);
    const yieldEvery = args.yieldEvery ?? 25;
    if (yieldEvery !== 'never' && (typeof yieldEvery !== 'number' || !(yieldEvery >= 0)))
      throw new LstmWasmError(
        `${where}: option 'yieldEvery' must be a number of milliseconds or 'never', got ${describe(args.yieldEvery)}`,
      );
    checkSeed(where, args.seed);
    const callbacks = callbackList(where, args.callbacks);
    const vd = args.validationData;
    const valTuple = Array.isArray(vd) && (vd.length === 2 || vd.length === 3) && !isBatch(vd[0]);
    const valStream = vd === undefined || valTuple ? null : batchStream(vd, `${where} validationData`);
    if (validationBatches !== undefined && !valStream)
      throw new LstmWasmError(`${where}: option 'validationBatches' needs validationData to be a source of batches`);
    if (valStream && !valStream.reopens && epochs - initialEpoch > 1)
      throw new LstmWasmError(
        `${where}: validationData is an iterator that can be read once (a generator object), ` +
          `but it is read at the end of each of ${epochs - initialEpoch} epochs; give an array ` +
          'of batches, a function returning a fresh iterator, or a dataset with iterator()',
      );
    // The first batch, read now: a Sequential without inputShape builds from it, and compile resolves.
    let it = await stream.open();
    let pending: IteratorResult<unknown> | null = await nextOf(it);
    if (pending.done)
      throw new LstmWasmError(`${where}: the source gave no batches; each epoch needs at least one { xs, ys }`);
    const firstXs = batchParts(pending.value, `${where}: batch 1 of epoch ${initialEpoch + 1}`).xs;
    if (this.pendingCompile) this.prepare(firstXs);
    const c = this.requireCompiled(where);
    this.prepare(firstXs);
    this.build();
    let val: [TensorData[], TensorData[]] | null = null;
    let valWeights: Float32Array | null = null;
    if (valTuple) {
      const t = vd as unknown[];
      val = [
        this.xList(t[0] as DataArg, `${where} validationData[0]`),
        this.yList(t[1] as DataArg, `${where} validationData[1]`),
      ];
      const nv = val[0][0].shape[0];
      this.checkYs(val[1], nv, this.plan(this.shapesFor(val[0], Math.min(32, nv))), `${where} validationData[1]`);
      if (t.length === 3 && t[2] !== undefined)
        valWeights = this.sampleWeights(`${where} validationData[2]`, { sampleWeight: t[2] }, val[1], nv);
    }
    // Each batch: its parts, checked against the model's input and output shapes as fit checks x
    // and y (a batch whose feature width differs from the model's, which a Sequential without
    // inputShape took from the first batch, is refused by name; free sizes, such as the steps of
    // inputShape [null, F], may vary from batch to batch).
    let trained = 0;
    const toBatch = (value: unknown, at: string): RunBatch => {
      try {
        const { xs: bx, ys: by } = batchParts(value, `${where}: ${at}`);
        const xs = this.xList(bx, `${at} xs`);
        const ys = this.yList(by, `${at} ys`);
        const n = xs[0].shape[0];
        ys.forEach((t, j) => {
          if (t.shape[0] !== n)
            throw new LstmWasmError(
              `${where}: ${at}: xs and ys must hold as many samples: xs has ` +
                `${n}, ys${ys.length > 1 ? `[${j}]` : ''} has ${t.shape[0]}`,
            );
        });
        const fixed = this.fixedBatch();
        if (fixed !== null && n !== fixed)
          throw new LstmWasmError(
            `${where}: ${at}: this model was built for batches of ` +
              `${fixed} (batchInputShape), the batch has ${n} samples`,
          );
        this.checkYs(ys, n, this.plan(this.shapesFor(xs, n)), `${at} ys`);
        const weights =
          args.classWeight !== undefined ? this.sampleWeights(where, { classWeight: args.classWeight }, ys, n) : null;
        return { xs, ys, start: 0, size: n, order: null, weights };
      } catch (e) {
        if (e instanceof LstmWasmError && trained > 0)
          throw new LstmWasmError(
            `${e.message} (training stopped before this batch: the model keeps the ` +
              `weights of the ${trained} batch${trained === 1 ? '' : 'es'} before it)`,
          );
        throw e;
      }
    };
    // Progress bars need the steps of an epoch: the source's size when it says, else counted in
    // the first epoch (shown as `n/Unknown` until then, as Keras).
    const params: Record<string, unknown> = { epochs, steps: batchesPerEpoch ?? stream.size ?? undefined, verbose };
    const bars = callbacks.filter((cb): cb is ProgbarLogger => cb instanceof ProgbarLogger);
    const all = verbose && !bars.length ? [new ProgbarLogger({ verbose }), ...callbacks] : callbacks;
    if (verbose && !bars.length) bars.push(all[0] as ProgbarLogger);
    const model = this;
    async function* epochBatches(epoch: number): AsyncGenerator<RunBatch> {
      if (epoch > initialEpoch && batchesPerEpoch === undefined) it = await stream.open(); // a fresh pass
      const counting = params.steps === undefined;
      for (let bi = 0; batchesPerEpoch === undefined || bi < batchesPerEpoch; bi++) {
        const item = pending ?? (await nextOf(it));
        pending = null;
        if (item.done) {
          if (batchesPerEpoch !== undefined) {
            // As TF.js: a source that runs out before epochs × batchesPerEpoch stops training.
            console.warn(
              `${where}: the source ran out of data after ${bi} of ${batchesPerEpoch} batches in ` +
                `epoch ${epoch + 1}; training stopped. Make sure it gives at least batchesPerEpoch ` +
                `× epochs batches (${batchesPerEpoch * (epochs - initialEpoch)} here)`,
            );
            model.stopTraining = true;
          } else if (bi === 0)
            throw new LstmWasmError(
              `${where}: the source gave no batches in epoch ${epoch + 1}` +
                (stream.reopens
                  ? ''
                  : ': a generator object can be read once; give a function returning a fresh ' +
                    'iterator per epoch (() => gen()), an array of batches, or batchesPerEpoch'),
            );
          if (counting) {
            params.steps = bi;
            for (const b of bars) b.setParams({ steps: bi }); // known from now on
          }
          return;
        }
        const batch = toBatch(item.value, `batch ${bi + 1} of epoch ${epoch + 1}`);
        yield batch;
        trained++;
      }
    }
    const validate = val
      ? () => this.evaluateLists(val![0], val![1], 32, `${where} validation`, valWeights)
      : valStream
        ? () => this.evaluateStream(valStream, validationBatches, `${where} validationData`)
        : null;
    return this.runTraining({
      where,
      c,
      epochs,
      initialEpoch,
      verbose: 0, // the progress bar, if any, is in `all` already
      callbacks: all,
      params,
      seed: args.seed,
      yieldEvery,
      epochBatches,
      validate,
    });
  }

  /** evaluate over the batches of a source (up to `limit`), weighting each by its samples. */
  private async evaluateStream(stream: BatchStream, limit: number | undefined, where: string): Promise<EvalResult> {
    const it = await stream.open();
    let n = 0,
      loss = 0;
    let losses: number[] = [],
      metrics: number[] = [];
    for (let bi = 0; limit === undefined || bi < limit; bi++) {
      const item = await nextOf(it);
      if (item.done) break;
      const at = `${where} batch ${bi + 1}`;
      const { xs: bx, ys: by } = batchParts(item.value, at);
      const xs = this.xList(bx, `${at} xs`),
        ys = this.yList(by, `${at} ys`);
      const b = xs[0].shape[0];
      const r = this.evaluateLists(xs, ys, b, at);
      if (n === 0) {
        losses = r.losses.map(() => 0);
        metrics = r.metrics.map(() => 0);
      }
      n += b;
      loss += r.loss * b;
      r.losses.forEach((v, i) => (losses[i] += v * b));
      r.metrics.forEach((v, i) => (metrics[i] += v * b));
    }
    if (n === 0) throw new LstmWasmError(`${where}: the source gave no batches to validate on`);
    return { loss: loss / n, losses: losses.map((v) => v / n), metrics: metrics.map((v) => v / n) };
  }

  /** A copy of everything a training step changes (for BackupAndRestore): see TrainingState. */
  private captureTraining(): TrainingState {
    const store = this.s;
    const weights = new Float32Array(this.P);
    for (const p of this.params) weights.set(store.arena.f32(p.slot.ptr, p.slot.size), p.at);
    const opt = this.compiled!.optimizer;
    return {
      weights,
      slots: store.arena.read(this.slot1, 2 * Math.max(1, this.P)),
      iterations: opt.iterations,
      learningRate: opt.schedule ? null : opt.learningRate,
      rng: store.arena.i32(store.rngState, 4).slice(),
      states: this.statefulLayers().flatMap((l) => l.getStates().map((t) => t.data)),
    };
  }

  /** Puts a captured TrainingState back, after checking that it fits this model (nothing changes if it does not). */
  private restoreTraining(s: TrainingState): void {
    const store = this.s;
    const where = `${this.where}: the training state to restore`;
    const slots = 2 * Math.max(1, this.P);
    const stateful = this.statefulLayers();
    const stateSizes = stateful.flatMap((l) => l.getStates().map((t) => t.data.length));
    if (!(s.weights instanceof Float32Array) || s.weights.length !== this.P)
      throw new LstmWasmError(`${where} holds ${s.weights?.length} weights; this model has ${this.P}`);
    if (!(s.slots instanceof Float32Array) || s.slots.length !== slots)
      throw new LstmWasmError(`${where} holds ${s.slots?.length} optimizer slot values; this model has ${slots}`);
    if (!(s.rng instanceof Int32Array) || s.rng.length !== 4)
      throw new LstmWasmError(`${where}: its RNG state must be 4 words, got ${s.rng?.length}`);
    if (!Number.isInteger(s.iterations) || s.iterations < 0)
      throw new LstmWasmError(`${where}: its iteration count must be an integer ≥ 0, got ${describe(s.iterations)}`);
    if (s.states.length !== stateSizes.length || s.states.some((t, i) => t.length !== stateSizes[i]))
      throw new LstmWasmError(
        `${where} holds states of sizes [` +
          s.states.map((t) => t.length).join(', ') +
          `]; this model's stateful layers have [${stateSizes.join(', ')}]`,
      );
    for (const p of this.params) store.arena.write(p.slot.ptr, s.weights.subarray(p.at, p.at + p.slot.size));
    store.arena.write(this.slot1, s.slots);
    store.arena.i32(store.rngState, 4).set(s.rng);
    const opt = this.compiled!.optimizer;
    opt.iterations = s.iterations;
    if (s.learningRate !== null && !opt.schedule) opt.learningRate = s.learningRate;
    let i = 0;
    for (const l of stateful) l.getStates().forEach((_t, j) => l.setState(j, s.states[i++]));
    store.generation++; // the weights changed
  }

  /** The stateful layers whose state can be read and set (recurrent layers with stateful: true). */
  private statefulLayers(): (Layer & {
    getStates(): { data: Float32Array; shape: number[] }[];
    setState(i: number, v: Float32Array): void;
  })[] {
    return this.weightLayers().filter(
      (l) => l.isStateful() && typeof (l as { getStates?: unknown }).getStates === 'function',
    ) as never;
  }

  // ---- weights -----------------------------------------------------------------------------

  getWeights(): Tensor[] {
    this.usable();
    this.build();
    return this.weightLayers().flatMap((l) => l.getWeights());
  }

  setWeights(weights: { data: Float32Array; shape: number[] }[]): void {
    this.usable();
    this.notDuringFit('setWeights');
    this.build();
    const layers = this.weightLayers();
    const counts = layers.map((l) => l.slots.length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (!Array.isArray(weights) || weights.length !== total)
      throw new LstmWasmError(
        `${this.where}.setWeights: expected ${total} arrays, got ` +
          `${Array.isArray(weights) ? weights.length : describe(weights)}`,
      );
    const snapshot = this.getWeights();
    let at = 0;
    try {
      layers.forEach((l, i) => {
        l.setWeights(weights.slice(at, at + counts[i]));
        at += counts[i];
      });
    } catch (e) {
      let back = 0;
      layers.forEach((l, i) => {
        l.setWeights(snapshot.slice(back, back + counts[i]));
        back += counts[i];
      });
      throw e;
    }
  }

  /**
   * The JSON a later save() stores beside the weights (TF.js's getUserDefinedMetadata): what
   * setUserDefinedMetadata() was given, or, for a loaded model, what it was saved with
   * (`save({ metadata })`); undefined when there is none. A copy: changing it changes nothing.
   */
  getUserDefinedMetadata(): Record<string, MetadataValue> | undefined {
    return this.userMetadata === undefined ? undefined : structuredClone(this.userMetadata);
  }

  /**
   * Sets the JSON a later save() stores when it is not given `metadata` (TF.js's
   * setUserDefinedMetadata): a plain object of plain values such as `{ scaler: scaler.toJSON() }`,
   * checked and copied now (a value JSON cannot hold, such as NaN or a typed array, is an error
   * naming its path). loadModel gives it back through getUserDefinedMetadata(), readMetadata(bytes) too.
   */
  setUserDefinedMetadata(metadata: Record<string, unknown>): void {
    const where = 'setUserDefinedMetadata';
    if (
      metadata === null ||
      typeof metadata !== 'object' ||
      Array.isArray(metadata) ||
      ArrayBuffer.isView(metadata) ||
      (Object.getPrototypeOf(metadata) !== Object.prototype &&
        typeof (metadata as { toJSON?: unknown }).toJSON !== 'function')
    )
      throw new LstmWasmError(
        `${where}: expected a plain JSON object such as { scaler: scaler.toJSON() }, got ${describe(metadata)}`,
      );
    this.userMetadata = checkMetadata(metadata, where); // a copy: checkMetadata builds new arrays and objects
  }

  /**
   * The model as bytes: topology (JSON) and weights, with a checksum. loadModel() reads them back.
   * `metadata` defaults to the model's getUserDefinedMetadata().
   */
  save(options: SaveOptions = {}): Uint8Array {
    this.usable();
    if (options === null || typeof options !== 'object')
      throw new LstmWasmError(
        `save: expected an options object such as { includeState: true }, got ${describe(options)}`,
      );
    checkOptions('save', options, ['includeState', 'weights', 'metadata', 'includeOptimizer']);
    if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== 'boolean')
      throw new LstmWasmError(
        `save: option 'includeOptimizer' must be true or false, got ${describe(options.includeOptimizer)}`,
      );
    if (options.includeState !== undefined && typeof options.includeState !== 'boolean')
      throw new LstmWasmError(
        `save: option 'includeState' must be true or false, got ${describe(options.includeState)}`,
      );
    this.build();
    return encodeModel(
      {
        topology: this.topology(),
        layers: this.weightLayers(),
        training: this.compileConfig,
        optimizerState: options.includeOptimizer ? this.getOptimizerState() : null,
      },
      options.metadata === undefined && this.userMetadata !== undefined
        ? { ...options, metadata: this.userMetadata }
        : options,
    );
  }

  /** The graph as JSON (Keras's functional config: layers with inbound nodes, input and output layers). */
  topology(): { className: string; config: Record<string, unknown> } {
    const graph = this.graph();
    const localIndex = (t: SymbolicTensor) =>
      Math.max(0, graph.nodes.filter((n) => n.layer === t.sourceLayer).indexOf(t.node));
    const ref = (t: SymbolicTensor) => [t.sourceLayer.name, localIndex(t), t.outputIndex];
    const layers = graph.layers.map((l) => ({
      className: l.className,
      name: l.name,
      config: l.getConfig(),
      inboundNodes: graph.nodes
        .filter((n) => n.layer === l)
        .map((n) => ({ inputs: n.inputs.map(ref), ...(Object.keys(n.call).length ? { call: n.call } : {}) })),
    }));
    return {
      className: 'Model',
      config: { name: this.name, layers, inputLayers: graph.inputs.map(ref), outputLayers: graph.outputs.map(ref) },
    };
  }

  /** Bytes of WebAssembly memory this model holds. */
  get memoryBytes(): number {
    return this.store && !this.store.disposed ? this.store.arena.memoryBytes : 0;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Frees the model's WebAssembly memory (once no other model built from its layers holds it). The
   * model cannot be used afterwards.
   */
  dispose(): void {
    if (this.disposed) return;
    this.notDuringFit('dispose');
    this.disposed = true;
    this.plans.clear();
    this.store?.release(this.where);
    this.store = null;
  }

  /** The global L2 norm of the gradient at the last training step (before clipping). */
  get gradientNorm(): number {
    return this.lastGradNorm;
  }

  /** For save(): the optimizer and losses as compiled, if any. */
  get compileConfig(): Record<string, unknown> | null {
    return this.compiled ? this.compiled.config : null;
  }

  /**
   * The optimizer's state: its iteration count and its two slot regions (one value per parameter
   * each, as the kernels hold them; adagrad's accumulator less its initial value), or null before
   * compile. What save({ includeOptimizer: true }) stores.
   */
  getOptimizerState(): { iterations: number; slots: Float32Array } | null {
    this.usable();
    if (!this.compiled) return null;
    this.build();
    return {
      iterations: this.compiled.optimizer.iterations,
      slots: this.s.arena.read(this.slot1, 2 * Math.max(1, this.P)),
    };
  }

  /**
   * Puts back a state from getOptimizerState(), checked against this model's parameters (nothing
   * changes if it does not fit).
   */
  setOptimizerState(state: { iterations: number; slots: Float32Array }): void {
    this.usable();
    this.notDuringFit('setOptimizerState');
    const c = this.requireCompiled('setOptimizerState');
    this.build();
    const n = 2 * Math.max(1, this.P);
    if (state === null || typeof state !== 'object')
      throw new LstmWasmError(
        `${this.where}.setOptimizerState: expected { iterations, slots }, got ${describe(state)}`,
      );
    if (!Number.isInteger(state.iterations) || state.iterations < 0)
      throw new LstmWasmError(
        `${this.where}.setOptimizerState: 'iterations' must be an integer ≥ 0, got ${describe(state.iterations)}`,
      );
    if (!(state.slots instanceof Float32Array) || state.slots.length !== n)
      throw new LstmWasmError(
        `${this.where}.setOptimizerState: 'slots' must be a ` +
          `Float32Array of ${n} values (two per parameter), got ` +
          (state.slots instanceof Float32Array ? `${state.slots.length} values` : describe(state.slots)),
      );
    this.s.arena.write(this.slot1, state.slots);
    c.optimizer.iterations = state.iterations;
  }
}

/** model({ inputs, outputs, name }): a functional model, as TF.js's tf.model. */
export function model(args: ModelArgs): Model {
  return new Model(args);
}

/** predict's and evaluate's options (Keras's batch_size too), checked; returned under our names. */
function checkInferenceOptions(
  where: string,
  args: unknown,
  extra: string[] = [],
): { batchSize?: number; verbose?: number; sampleWeight?: ArrayLike<number> } {
  if (args === null || typeof args !== 'object')
    throw new LstmWasmError(`${where}: expected an options object { ... }, got ${describe(args)}`);
  const a = kerasOptions(where, args, ['batchSize', 'verbose', ...extra]) as { batchSize?: number; verbose?: unknown };
  const v = a.verbose;
  if (v !== undefined && v !== 0 && v !== 1 && v !== 2)
    throw new LstmWasmError(`${where}: option 'verbose' must be 0, 1 or 2, got ${describe(v)}`);
  return a as { batchSize?: number; verbose?: number; sampleWeight?: ArrayLike<number> };
}

function yieldToEventLoop(): Promise<void> {
  const si = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((r) => (si ? si(r) : setTimeout(r, 0)));
}
