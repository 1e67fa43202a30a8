// Sequential: the model. It owns one WebAssembly instance and its memory (one arena), lays out
// parameters, gradients and optimizer slots once, plans activations per input shape, and runs
// compile/fit/evaluate/predict/trainOnBatch/step by calling the layers' runners.
//
// Arena layout: [params P][grads P][slot1 P][slot2 P][rng state][stateful states] | plans…
// Every plan starts at the same address (planBase): only one runs at a time, and memory stays
// as large as the largest plan, never growing with the number of calls.
import { Arena } from './runtime/arena.js';
import type { Kernels } from './runtime/kernels.js';
import { instantiate } from './runtime/wasm.js';
import { LstmWasmError, checkOptions, describe } from './errors.js';
import { shapeString, toTensor, type Tensor, type TensorLike } from './tensor.js';
import { Layer, type ParamSlot, type RunContext, type Runner, type Shape, type WeightOwner } from './layers/layer.js';
import { Dense } from './layers/dense.js';
import { Embedding } from './layers/embedding.js';
import { Recurrent } from './layers/recurrent.js';
import { initialize } from './layers/initializers.js';
import { lossInfo, metricInfo, type LossInfo, type MetricInfo } from './losses.js';
import { makeOptimizer, type Optimizer, type OptimizerConfig } from './optimizers.js';
import { saveModel, type SaveOptions } from './io/save.js';
import { History, ProgressLogger, TerminateOnNaN, type Callback, type Logs } from './callbacks.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
  /** Makes every random draw (initial weights, shuffling, dropout) reproducible, bit for bit. */
  seed?: number;
}

export interface CompileArgs {
  optimizer: OptimizerConfig | string;
  loss: string;
  metrics?: string[];
  /** Rescale the whole gradient when its global L2 norm exceeds this. */
  clipNorm?: number;
  /** Clip every gradient entry to [-clipValue, clipValue]. */
  clipValue?: number;
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationSplit?: number;
  validationData?: [TensorLike, TensorLike];
  verbose?: 0 | 1 | 2;
  callbacks?: Callback | Callback[];
  initialEpoch?: number;
  seed?: number;
  /** How often fit gives the event loop a turn: milliseconds between yields (default 25), or 'never'. */
  yieldEvery?: number | 'never';
}

interface Plan {
  inShape: number[];
  input: number;
  runners: Runner[];
  outShape: number[];
  target: number;
  dOut: number;
}

interface Compiled {
  loss: LossInfo;
  metrics: MetricInfo[];
  optimizer: Optimizer;
  clipNorm: number;
  clipValue: number;
  fused: boolean;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Plans kept per model: every one starts at the same address, so forgetting one costs only replanning. */
const MAX_PLANS = 16;

let modelCount = 0;

export class Sequential implements WeightOwner {
  readonly name: string;
  readonly layers: Layer[] = [];
  stopTraining = false;
  private seed: number;
  private k: Kernels | null = null;
  private arena: Arena | null = null;
  private ctx: RunContext | null = null;
  private slots = new Map<Layer, ParamSlot[]>();
  private P = 0;
  private params = 0;
  private grads = 0;
  private slot1 = 0;
  private slot2 = 0;
  private planBase = 0;
  private plans = new Map<string, Plan>();
  private shapes: Shape[] = []; // shapes[i]: input of layer i (no batch); shapes[n]: model output
  private compiled: Compiled | null = null;
  private disposed = false;
  private lastGradNorm = NaN;

  constructor(args: SequentialArgs | Layer[] = {}) {
    const a: SequentialArgs = Array.isArray(args) ? { layers: args } : args ?? {};
    if (typeof a !== 'object') throw new LstmWasmError(`Sequential: expected an array of layers or { layers, name, seed }, got ${describe(args)}`);
    checkOptions('Sequential', a, ['layers', 'name', 'seed']);
    if (a.name !== undefined && (typeof a.name !== 'string' || a.name === '')) throw new LstmWasmError(`Sequential: option 'name' must be a non-empty string, got ${describe(a.name)}`);
    if (a.layers !== undefined && !Array.isArray(a.layers)) throw new LstmWasmError(`Sequential: option 'layers' must be an array of layers, got ${describe(a.layers)}`);
    this.name = a.name ?? (modelCount++ === 0 ? 'sequential' : `sequential_${modelCount - 1}`);
    if (a.seed !== undefined && (!Number.isInteger(a.seed) || a.seed < 0 || a.seed > 0xffffffff)) {
      throw new LstmWasmError(`Sequential: option 'seed' must be an integer in [0, 2^32), got ${describe(a.seed)}`);
    }
    this.seed = a.seed ?? Math.floor(Math.random() * 0x100000000);
    try {
      for (const l of a.layers ?? []) this.add(l);
    } catch (e) {
      // The model is not made: its layers are free to join another one.
      for (const l of this.layers) l.owner = null;
      throw e;
    }
  }

  private get where(): string {
    return `Sequential '${this.name}'`;
  }

  private usable(): void {
    if (this.disposed) throw new LstmWasmError(`${this.where}: the model was disposed; make a new one (or loadModel a saved one)`);
  }

  add(layer: Layer): this {
    this.usable();
    if (!(layer instanceof Layer)) throw new LstmWasmError(`${this.where}.add: expected a layer such as new LSTM({ units: 32 }), got ${describe(layer)}`);
    if (this.k) throw new LstmWasmError(`${this.where}.add: the model is already built (it has weights); add every layer before the first compile, fit, predict or getWeights`);
    if (layer.owner) throw new LstmWasmError(`${this.where}.add: ${layer.where} already belongs to a model`);
    if (this.layers.length > 0 && layer.batchSize !== null && layer.batchSize !== this.layers[0].batchSize) {
      throw new LstmWasmError(`${this.where}.add: ${layer.where} has batch size ${layer.batchSize} (batchInputShape), but the model's first layer has ${this.layers[0].batchSize ?? 'none (inputShape)'}; give batchInputShape on the first layer only`);
    }
    if (this.layers.length === 0 && layer.inputShape === undefined) {
      throw new LstmWasmError(`${this.where}.add: the first layer (${layer.where}) must get an 'inputShape' (or 'batchInputShape') option, such as inputShape: [50, 1] for 50 steps of 1 feature`);
    }
    if (this.layers.length > 0 && layer.inputShape !== undefined && layer.batchSize === null) {
      // Keras ignores inputShape on later layers when it agrees; we check that it does.
      const prev = this.outputShapeAfter(this.layers.length);
      if (shapeString(prev) !== shapeString(layer.inputShape)) {
        throw new LstmWasmError(`${this.where}.add: ${layer.where} has inputShape ${shapeString([null, ...layer.inputShape])}, but ${this.layers[this.layers.length - 1].where} outputs ${shapeString([null, ...prev])}`);
      }
    }
    // Check the order now, so the error names both layers at the line that added the wrong one.
    if (this.layers.length > 0) this.outputShapeAfter(this.layers.length, layer);
    else layer.computeOutputShape(layer.inputShape!);
    this.layers.push(layer);
    layer.owner = this;
    return this;
  }

  /** Output shape (no batch) after the first n layers, plus `extra` if given. */
  private outputShapeAfter(n: number, extra?: Layer): Shape {
    let shape: Shape = this.layers[0].inputShape!;
    const list = extra ? [...this.layers.slice(0, n), extra] : this.layers.slice(0, n);
    for (let i = 0; i < list.length; i++) {
      try {
        shape = list[i].computeOutputShape(shape);
      } catch (e) {
        if (i > 0 && e instanceof LstmWasmError) {
          throw new LstmWasmError(`${e.message} (it follows ${list[i - 1].where}, which outputs ${shapeString([null, ...shape])})`);
        }
        throw e;
      }
    }
    return shape;
  }

  get inputShape(): Shape {
    if (this.layers.length === 0) throw new LstmWasmError(`${this.where}: the model has no layers`);
    return this.layers[0].inputShape!;
  }

  get outputShape(): Shape {
    return this.outputShapeAfter(this.layers.length);
  }

  /** Lays out parameters and initializes them; runs once, on first need. */
  build(): void {
    this.usable();
    if (this.k) return;
    if (this.layers.length === 0) throw new LstmWasmError(`${this.where}: the model has no layers; add some with model.add(...) before using it`);
    this.shapes = [this.layers[0].inputShape!];
    for (const l of this.layers) this.shapes.push(l.computeOutputShape(this.shapes[this.shapes.length - 1]));
    const specs = this.layers.map((l, i) => l.paramSpecs(this.shapes[i]));
    this.P = specs.flat().reduce((s, p) => s + prod(p.shape), 0);
    const k = instantiate();
    const arena = new Arena(k);
    this.params = arena.alloc(this.P);
    this.grads = arena.alloc(this.P);
    this.slot1 = arena.alloc(this.P);
    this.slot2 = arena.alloc(this.P);
    const rngState = arena.alloc(4);
    this.k = k;
    this.arena = arena;
    this.ctx = { k, arena, rngState, generation: 0 };
    const batch = this.layers[0].batchSize;
    for (const l of this.layers) {
      const n = l.stateSize(this.shapes[this.layers.indexOf(l)], batch);
      if (n > 0) { const p = arena.alloc(n); k.fill_f32(n, p, 0); l.bindState(p, this.ctx); }
    }
    k.fill_f32(3 * this.P, this.grads, 0);
    k.rng_seed(rngState, this.seed >>> 0);
    let off = 0;
    this.layers.forEach((l, i) => {
      const slots = specs[i].map((spec) => {
        const size = prod(spec.shape);
        const s: ParamSlot = { spec, size, ptr: this.params + off * 4, grad: this.grads + off * 4 };
        off += size;
        return s;
      });
      this.slots.set(l, slots);
      l.slots = slots;
      l.builtInputShape = this.shapes[i];
      for (const s of slots) initialize(this.ctx!, s);
    });
    this.planBase = arena.mark();
  }

  private plan(inShape: number[]): Plan {
    const key = inShape.join('x');
    const cached = this.plans.get(key);
    if (cached) {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    if (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
    const { arena } = this;
    arena!.release(this.planBase);
    const input = arena!.alloc(prod(inShape));
    const runners: Runner[] = [];
    let shape = inShape;
    for (const l of this.layers) {
      const r = l.plan(this.ctx!, shape, this.slots.get(l)!);
      runners.push(r);
      shape = r.outShape;
    }
    const plan: Plan = { inShape, input, runners, outShape: shape, target: arena!.alloc(prod(shape)), dOut: arena!.alloc(prod(shape)) };
    this.plans.set(key, plan);
    return plan;
  }

  private lastPlan: Plan | null = null;

  private forward(plan: Plan, training: boolean): void {
    // Plans share memory: running another one may overwrite this one's packed weights.
    if (plan !== this.lastPlan) { this.ctx!.generation++; this.lastPlan = plan; }
    let x = plan.input, mask = 0;
    for (const r of plan.runners) {
      r.forward(x, mask, training);
      x = r.out;
      mask = r.outMask;
    }
  }

  /** The model's output of the last forward: the logits buffer when the loss is fused. */
  private lossInput(plan: Plan): number {
    const last = plan.runners[plan.runners.length - 1] as Runner & { logits?: number };
    return this.compiled?.fused && last.logits ? last.logits : last.out;
  }

  summary(lineLength = 65, printFn: (line: string) => void = console.log): void {
    if (!Number.isInteger(lineLength) || lineLength < 30) throw new LstmWasmError(`summary: 'lineLength' must be an integer of at least 30, got ${describe(lineLength)}`);
    if (typeof printFn !== 'function') throw new LstmWasmError(`summary: 'printFn' must be a function that prints a line, got ${describe(printFn)}`);
    this.build();
    const cols = [Math.floor(lineLength * 0.45), Math.floor(lineLength * 0.33)];
    const row = (a: string, b: string, c: string) => a.padEnd(cols[0]) + b.padEnd(cols[1]) + c;
    printFn(`Model: "${this.name}"`);
    printFn('_'.repeat(lineLength));
    printFn(row('Layer (type)', 'Output Shape', 'Param #'));
    printFn('='.repeat(lineLength));
    let total = 0, trainable = 0;
    this.layers.forEach((l, i) => {
      const n = l.countParams();
      total += n;
      if (l.trainable) trainable += n;
      printFn(row(`${l.name} (${l.className})`, shapeString([l.batchSize ?? null, ...this.shapes[i + 1]]), String(n)));
      printFn(i === this.layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
    });
    printFn(`Total params: ${total.toLocaleString('en-US')}`);
    printFn(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    printFn(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    printFn('_'.repeat(lineLength));
  }

  countParams(): number {
    this.build();
    return this.P;
  }

  compile(args: CompileArgs): void {
    this.usable();
    if (args === null || typeof args !== 'object') throw new LstmWasmError(`compile: expected { optimizer, loss, metrics? }, got ${describe(args)}`);
    checkOptions('compile', args, ['optimizer', 'loss', 'metrics', 'clipNorm', 'clipValue']);
    if (args.optimizer === undefined) throw new LstmWasmError(`compile: option 'optimizer' is required, such as 'adam' or { name: 'sgd', learningRate: 0.01 }`);
    if (args.loss === undefined) throw new LstmWasmError(`compile: option 'loss' is required, such as 'meanSquaredError'`);
    const loss = lossInfo(args.loss);
    const optimizer = makeOptimizer(args.optimizer);
    if (args.metrics !== undefined && !Array.isArray(args.metrics)) throw new LstmWasmError(`compile: option 'metrics' must be an array such as ['mae'], got ${describe(args.metrics)}`);
    const metrics = (args.metrics ?? []).map((m) => metricInfo(m, loss));
    const clip = (name: 'clipNorm' | 'clipValue') => {
      const v = args[name];
      if (v === undefined) return 0;
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new LstmWasmError(`compile: option '${name}' must be a positive number, got ${describe(v)}`);
      return v;
    };
    const clipNorm = clip('clipNorm'), clipValue = clip('clipValue');
    this.build();
    const last = this.layers[this.layers.length - 1];
    const outShape = this.shapes[this.shapes.length - 1];
    const D = outShape[outShape.length - 1] as number;
    if (loss.name === 'categoricalCrossentropy' || loss.name === 'sparseCategoricalCrossentropy') {
      if (D < 2) throw new LstmWasmError(`compile: loss '${args.loss}' needs an output of at least 2 classes, but ${last.where} outputs ${shapeString([null, ...outShape])}`);
    }
    const fused = last instanceof Dense && loss.logitsKind !== null && last.activation === loss.fusesWith;
    for (const l of this.layers) if (l instanceof Dense) l.fusedLogits = false;
    if (fused) (last as Dense).fusedLogits = true;
    this.plans.clear();
    this.compiled = { loss, metrics, optimizer, clipNorm, clipValue, fused };
  }

  // ---- data in and out ---------------------------------------------------------------------

  /** Checks x against the model's input shape; returns the per-sample shape it has. */
  private checkX(x: Tensor, arg: string): number[] {
    const want = this.inputShape;
    const where = `${this.where}: ${arg}`;
    if (x.shape.length !== want.length + 1) {
      throw new LstmWasmError(`${where}: expected shape ${shapeString([null, ...want])} (rank ${want.length + 1}), got ${shapeString(x.shape)} (rank ${x.shape.length})${this.layers[0] instanceof Recurrent && x.shape.length === 2 ? '; a series of one feature needs a last size of 1: [samples, steps, 1]' : ''}`);
    }
    const sample = x.shape.slice(1);
    sample.forEach((d, i) => {
      if (want[i] !== null && want[i] !== d) throw new LstmWasmError(`${where}: expected shape ${shapeString([null, ...want])}, got ${shapeString(x.shape)} (size ${i + 1} differs)`);
      if (d === 0) throw new LstmWasmError(`${where}: size ${i + 1} is 0 in shape ${shapeString(x.shape)}`);
    });
    if (x.shape[0] === 0) throw new LstmWasmError(`${where}: it holds no samples (shape ${shapeString(x.shape)})`);
    this.checkFinite(x, where);
    const first = this.layers[0];
    if (first instanceof Embedding) {
      // All ids before any step: a bad one in a late batch must not leave the model half-trained.
      const V = first.inputDim, T = x.shape[1];
      for (let i = 0; i < x.data.length; i++) {
        const v = x.data[i];
        if (!Number.isInteger(v) || v < 0 || v >= V) {
          throw new LstmWasmError(`${first.where}: token ids must be integers in [0, ${V - 1}] (inputDim ${V}), got ${v} at [${Math.floor(i / T)}, ${i % T}] of ${arg}`);
        }
      }
    }
    return sample;
  }

  private checkFinite(t: Tensor, where: string): void {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        const idx: number[] = [];
        let r = i;
        for (let a = t.shape.length - 1; a >= 0; a--) { idx.unshift(r % t.shape[a]); r = Math.floor(r / t.shape[a]); }
        throw new LstmWasmError(`${where}: values must be finite, got ${d[i]} at [${idx.join(', ')}]`);
      }
    }
  }

  /** Checks y against the output shape for x's sample count and the loss; returns per-row size. */
  private checkY(y: Tensor, n: number, outSample: number[], arg: string): void {
    const c = this.compiled!;
    const where = `${this.where}: ${arg}`;
    if (y.shape[0] !== n) throw new LstmWasmError(`${where}: expected ${n} samples (as many as x), got ${y.shape[0]} (shape ${shapeString(y.shape)})`);
    const want = c.loss.sparse ? outSample.slice(0, -1) : outSample;
    const got = y.shape.slice(1);
    const sizeOk = prod(got) === prod(want) && (got.length === want.length || (got.length === want.length + 1 && got[got.length - 1] === 1) || (got.length + 1 === want.length && want[want.length - 1] === 1));
    if (!sizeOk) {
      throw new LstmWasmError(`${where}: expected shape ${shapeString([null, ...want])}${c.loss.sparse ? ' (class ids, for sparseCategoricalCrossentropy)' : ''} to match the model's output ${shapeString([null, ...outSample])}, got ${shapeString(y.shape)}`);
    }
    this.checkFinite(y, where);
    if (c.loss.sparse) {
      const C = outSample[outSample.length - 1];
      for (let i = 0; i < y.data.length; i++) {
        const v = y.data[i];
        if (!Number.isInteger(v) || v < 0 || v >= C) throw new LstmWasmError(`${where}: class ids must be integers in [0, ${C - 1}], got ${v} at row ${i}`);
      }
    }
  }

  /** Copies rows of `src` (per-sample size `row`) into WASM at `dst`: in order, or by index. */
  private copyRows(dst: number, src: Float32Array, row: number, start: number, count: number, order: Int32Array | null): void {
    const view = this.arena!.f32(dst, count * row);
    if (!order) { view.set(src.subarray(start * row, (start + count) * row)); return; }
    for (let i = 0; i < count; i++) {
      const r = order[start + i];
      view.set(src.subarray(r * row, (r + 1) * row), i * row);
    }
  }

  private readOutput(plan: Plan, n: number, into: Float32Array, at: number): void {
    const last = plan.runners[plan.runners.length - 1];
    const per = prod(plan.outShape.slice(1));
    into.set(this.arena!.f32(last.out, n * per), at * per);
  }

  private batchOf(n: number, batchSize: unknown, where: string): number {
    const fixed = this.layers[0].batchSize;
    if (batchSize !== undefined && (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new LstmWasmError(`${where}: option 'batchSize' must be a positive integer, got ${describe(batchSize)}`);
    }
    if (fixed !== null) {
      if (batchSize !== undefined && batchSize !== fixed) throw new LstmWasmError(`${where}: this model was built for batches of ${fixed} (batchInputShape), got batchSize ${batchSize}`);
      if (n % fixed !== 0) throw new LstmWasmError(`${where}: this model was built for batches of ${fixed} (batchInputShape), so the number of samples must be a multiple of ${fixed}, got ${n}`);
      return fixed;
    }
    return Math.min((batchSize as number | undefined) ?? 32, n);
  }

  // ---- inference ---------------------------------------------------------------------------

  predict(x: TensorLike, args: { batchSize?: number; verbose?: number } = {}): Tensor {
    this.usable();
    checkInferenceOptions('predict', args);
    const X = toTensor(x, 'x');
    this.build();
    const sample = this.checkX(X, 'predict x');
    const n = X.shape[0];
    const B = this.batchOf(n, args?.batchSize, 'predict');
    const per = prod(sample);
    let out: Float32Array | null = null;
    let outShape: number[] = [];
    for (let start = 0; start < n; start += B) {
      const b = Math.min(B, n - start);
      const plan = this.plan([b, ...sample]);
      this.copyRows(plan.input, X.data, per, start, b, null);
      this.forward(plan, false);
      if (!out) { outShape = [n, ...plan.outShape.slice(1)]; out = new Float32Array(prod(outShape)); }
      this.readOutput(plan, b, out, start);
    }
    return { data: out!, shape: outShape };
  }

  /**
   * The inside of a recurrent layer for the sequences in x: its gate activations per step
   * (LSTM: i, f, g, o blocks of `units` each; GRU: z, r, h), its cell state per step (LSTM) and
   * its output per step, in processing order. For teaching and plots (the web demo's heat map).
   */
  inspect(x: TensorLike, args: { layer?: number | string } = {}): { gates: Tensor | null; cellStates: Tensor | null; hidden: Tensor } {
    this.usable();
    checkOptions('inspect', args ?? {}, ['layer']);
    const X = toTensor(x, 'x');
    this.build();
    const sel = args?.layer ?? this.layers.findIndex((l) => l instanceof Recurrent);
    const li = typeof sel === 'string' ? this.layers.findIndex((l) => l.name === sel) : sel;
    const layer = this.layers[li];
    if (!(layer instanceof Recurrent)) throw new LstmWasmError(`${this.where}.inspect: option 'layer' must name or index an LSTM, GRU or SimpleRNN layer of this model, got ${describe(args?.layer)}`);
    const sample = this.checkX(X, 'inspect x');
    const n = X.shape[0];
    const B = this.batchOf(n, undefined, 'inspect');
    let gates: Float32Array | null = null, cells: Float32Array | null = null, hidden: Float32Array | null = null;
    let T = 0;
    const H = layer.units;
    let G = 0;
    for (let start = 0; start < n; start += B) {
      const b = Math.min(B, n - start);
      const plan = this.plan([b, ...sample]);
      this.copyRows(plan.input, X.data, prod(sample), start, b, null);
      this.forward(plan, false);
      const tr = plan.runners[li].trace!;
      T = (this.layers[li] === this.layers[0] ? plan.inShape : plan.runners[li - 1].outShape)[1];
      G = tr.gateCount;
      hidden ??= new Float32Array(n * T * H);
      hidden.set(this.arena!.f32(tr.hidden, b * T * H), start * T * H);
      if (tr.gates) { gates ??= new Float32Array(n * T * G * H); gates.set(this.arena!.f32(tr.gates, b * T * G * H), start * T * G * H); }
      if (tr.cells) { cells ??= new Float32Array(n * T * H); cells.set(this.arena!.f32(tr.cells, b * T * H), start * T * H); }
    }
    return {
      gates: gates ? { data: gates, shape: [n, T, G * H] } : null,
      cellStates: cells ? { data: cells, shape: [n, T, H] } : null,
      hidden: { data: hidden!, shape: [n, T, H] },
    };
  }

  /**
   * One time step of a stateful model: `xt` is [batch, features] (or [features] for a batch of
   * one); returns the output for that step. The recurrent state stays in WASM between calls.
   */
  step(xt: TensorLike): Tensor {
    this.usable();
    this.build();
    const B = this.layers[0].batchSize;
    if (B === null || !this.layers.some((l) => l instanceof Recurrent && l.stateful)) {
      throw new LstmWasmError(`${this.where}.step: step() is for stateful models: build the recurrent layers with stateful: true and batchInputShape: [batch, null, features]`);
    }
    const inShape = this.inputShape;
    const F = inShape[inShape.length - 1] as number;
    const isId = this.layers[0] instanceof Embedding;
    const per = isId ? 1 : F;
    const plan = this.plan(isId ? [B, 1] : [B, 1, F]);
    let data: Float32Array;
    if (xt instanceof Float32Array) data = xt;
    else {
      const t = toTensor(xt, 'step xt');
      const okShape = (t.shape.length === 2 && t.shape[0] === B && t.shape[1] === per) || (B === 1 && t.shape.length === 1 && t.shape[0] === per);
      if (!okShape && t.data.length === B * per) throw new LstmWasmError(`${this.where}.step: xt must have shape [${B}, ${per}] ([batch, features])${B === 1 ? ` or [${per}]` : ''}, got ${shapeString(t.shape)}`);
      data = t.data;
    }
    if (data.length !== B * per) {
      throw new LstmWasmError(`${this.where}.step: xt must hold ${B} × ${per} values ([batch, features] = [${B}, ${per}]), got ${data.length}`);
    }
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new LstmWasmError(`${this.where}.step: xt values must be finite, got ${data[i]} at ${i}`);
    this.arena!.f32(plan.input, data.length).set(data);
    this.forward(plan, false);
    const last = plan.runners[plan.runners.length - 1];
    const D = plan.outShape[plan.outShape.length - 1];
    return { data: this.arena!.read(last.out, B * D), shape: [B, D] };
  }


  resetStates(): void {
    this.usable();
    this.build();
    for (const l of this.layers) if (l instanceof Recurrent && l.stateful) l.resetStates();
  }

  // ---- training ----------------------------------------------------------------------------

  private requireCompiled(where: string): Compiled {
    if (!this.compiled) throw new LstmWasmError(`${this.where}.${where}: compile the model first, such as model.compile({ optimizer: 'adam', loss: 'meanSquaredError' })`);
    return this.compiled;
  }

  /** Loss (mean over rows, regularization included) and metric sums for the plan's last forward. */
  private lossAndGrad(plan: Plan, withGrad: boolean): number {
    const c = this.compiled!;
    const k = this.k!;
    const D = plan.outShape[plan.outShape.length - 1];
    const N = prod(plan.outShape) / D;
    const kind = c.fused ? c.loss.logitsKind! : c.loss.kind;
    return k.loss_forward_backward(kind, N, D, this.lossInput(plan), plan.target, withGrad ? plan.dOut : 0, 1 / N) / N;
  }

  private metricValues(plan: Plan): number[] {
    const c = this.compiled!;
    const D = plan.outShape[plan.outShape.length - 1];
    const N = prod(plan.outShape) / D;
    const y = plan.runners[plan.runners.length - 1].out;
    return c.metrics.map((m) => this.k!.metric_sum(m.kind, N, D, y, plan.target, 0) / N);
  }

  private penalty(withGrad: boolean): number {
    let p = 0;
    for (const l of this.layers) {
      for (const s of this.slots.get(l)!) {
        const l2 = s.spec.regularizer?.l2;
        if (!l2) continue;
        p += withGrad ? this.k!.l2_penalty_grad(s.size, s.ptr, s.grad, l2) : l2 * this.k!.sum_squares(s.size, s.ptr);
      }
    }
    return p;
  }

  /** Forward, backward and one optimizer step on the batch already in the plan. Throws before touching the weights if anything is not finite. */
  private trainStep(plan: Plan): { loss: number; metrics: number[]; gradNorm: number; ok: boolean } {
    const c = this.compiled!;
    const k = this.k!;
    this.forward(plan, true);
    let loss = this.lossAndGrad(plan, true);
    const metrics = this.metricValues(plan);
    const runners = plan.runners;
    let d = plan.dOut;
    for (let i = runners.length - 1; i >= 0; i--) d = runners[i].backward(d, i > 0);
    this.ctx!.generation++; // the weights change below, and backward reused the scratch
    loss += this.penalty(true);
    for (const l of this.layers) if (!l.trainable) for (const s of this.slots.get(l)!) k.fill_f32(s.size, s.grad, 0);
    const gradNorm = Math.sqrt(k.sum_squares(this.P, this.grads));
    this.lastGradNorm = gradNorm;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, metrics, gradNorm, ok: false };
    if (c.clipNorm && gradNorm > c.clipNorm) k.scale_inplace(this.P, this.grads, c.clipNorm / gradNorm);
    if (c.clipValue) k.clip_by_value(this.P, this.grads, c.clipValue);
    this.applyUpdate();
    return { loss, metrics, gradNorm, ok: true };
  }

  private applyUpdate(): void {
    const opt = this.compiled!.optimizer;
    if (this.layers.every((l) => l.trainable)) {
      opt.apply(this.k!, this.P, this.params, this.grads, this.slot1, this.slot2);
      return;
    }
    // Frozen layers: update each contiguous run of trainable parameters, counting one iteration.
    const it = opt.iterations;
    let start = -1, end = -1;
    const flush = () => {
      if (start < 0) return;
      opt.iterations = it;
      const off = (start - this.params);
      opt.apply(this.k!, (end - start) / 4, start, this.grads + off, this.slot1 + off, this.slot2 + off);
      start = -1;
    };
    for (const l of this.layers) {
      for (const s of this.slots.get(l)!) {
        if (!l.trainable) { flush(); continue; }
        if (start < 0) start = s.ptr;
        end = s.ptr + s.size * 4;
      }
    }
    flush();
    opt.iterations = it + 1;
  }

  /** The global L2 norm of the gradient at the last training step (before clipping). */
  get gradientNorm(): number {
    return this.lastGradNorm;
  }

  trainOnBatch(x: TensorLike, y: TensorLike): number | number[] {
    this.usable();
    const c = this.requireCompiled('trainOnBatch');
    const X = toTensor(x, 'x'), Y = toTensor(y, 'y');
    const sample = this.checkX(X, 'trainOnBatch x');
    const n = X.shape[0];
    const fixed = this.layers[0].batchSize;
    if (fixed !== null && n !== fixed) throw new LstmWasmError(`${this.where}.trainOnBatch: this model was built for batches of ${fixed} (batchInputShape), got ${n} samples`);
    const plan = this.plan([n, ...sample]);
    this.checkY(Y, n, plan.outShape.slice(1), 'trainOnBatch y');
    this.copyRows(plan.input, X.data, prod(sample), 0, n, null);
    this.arena!.f32(plan.target, Y.data.length).set(Y.data);
    const r = this.trainStep(plan);
    if (!r.ok) throw new LstmWasmError(`${this.where}.trainOnBatch: the loss (${r.loss}) or the gradient norm (${r.gradNorm}) is not finite; the weights were not changed`);
    return c.metrics.length ? [r.loss, ...r.metrics] : r.loss;
  }

  evaluate(x: TensorLike, y: TensorLike, args: { batchSize?: number; verbose?: number } = {}): number | number[] {
    this.usable();
    const c = this.requireCompiled('evaluate');
    checkInferenceOptions('evaluate', args);
    const r = this.evaluateTensors(toTensor(x, 'x'), toTensor(y, 'y'), args?.batchSize, 'evaluate');
    return c.metrics.length ? [r.loss, ...r.metrics] : r.loss;
  }

  private evaluateTensors(X: Tensor, Y: Tensor, batchSize: number | undefined, where: string): { loss: number; metrics: number[] } {
    const c = this.compiled!;
    const sample = this.checkX(X, `${where} x`);
    const n = X.shape[0];
    const B = this.batchOf(n, batchSize, where);
    const per = prod(sample), perY = Y.data.length / Math.max(1, Y.shape[0]);
    let loss = 0;
    const metrics = c.metrics.map(() => 0);
    for (let start = 0; start < n; start += B) {
      const b = Math.min(B, n - start);
      const plan = this.plan([b, ...sample]);
      if (start === 0) this.checkY(Y, n, plan.outShape.slice(1), `${where} y`);
      this.copyRows(plan.input, X.data, per, start, b, null);
      this.copyRows(plan.target, Y.data, perY, start, b, null);
      this.forward(plan, false);
      loss += this.lossAndGrad(plan, false) * b;
      this.metricValues(plan).forEach((v, i) => (metrics[i] += v * b));
    }
    return { loss: loss / n + this.penalty(false), metrics: metrics.map((m) => m / n) };
  }

  async fit(x: TensorLike, y: TensorLike, args: FitArgs = {}): Promise<History> {
    this.usable();
    const c = this.requireCompiled('fit');
    if (args === null || typeof args !== 'object') throw new LstmWasmError(`fit: expected options such as { epochs: 10, batchSize: 32 }, got ${describe(args)}`);
    checkOptions('fit', args, ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'verbose', 'callbacks', 'initialEpoch', 'seed', 'yieldEvery']);
    let X = toTensor(x, 'x'), Y = toTensor(y, 'y');
    const sample = this.checkX(X, 'fit x');
    const epochs = args.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw new LstmWasmError(`fit: option 'epochs' must be a non-negative integer, got ${describe(args.epochs)}`);
    const initialEpoch = args.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new LstmWasmError(`fit: option 'initialEpoch' must be a non-negative integer, got ${describe(args.initialEpoch)}`);
    const verbose = args.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new LstmWasmError(`fit: option 'verbose' must be 0, 1 or 2, got ${describe(args.verbose)}`);
    const shuffle = args.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw new LstmWasmError(`fit: option 'shuffle' must be true or false, got ${describe(args.shuffle)}`);
    const yieldEvery = args.yieldEvery ?? 25;
    if (yieldEvery !== 'never' && (typeof yieldEvery !== 'number' || !(yieldEvery >= 0))) throw new LstmWasmError(`fit: option 'yieldEvery' must be a number of milliseconds or 'never', got ${describe(args.yieldEvery)}`);
    if (args.seed !== undefined && (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff)) throw new LstmWasmError(`fit: option 'seed' must be an integer in [0, 2^32), got ${describe(args.seed)}`);
    if (X.shape[0] !== Y.shape[0]) throw new LstmWasmError(`fit: x and y must hold as many samples: x has ${X.shape[0]} (shape ${shapeString(X.shape)}), y has ${Y.shape[0]} (shape ${shapeString(Y.shape)})`);
    // Validation data: the last fraction of x and y, taken before shuffling (as Keras).
    let val: [Tensor, Tensor] | null = null;
    if (args.validationData !== undefined) {
      if (!Array.isArray(args.validationData) || args.validationData.length !== 2) throw new LstmWasmError(`fit: option 'validationData' must be [xVal, yVal], got ${describe(args.validationData)}`);
      val = [toTensor(args.validationData[0], 'validationData[0]'), toTensor(args.validationData[1], 'validationData[1]')];
      this.checkX(val[0], 'fit validationData[0]');
    } else if (args.validationSplit !== undefined) {
      const s = args.validationSplit;
      if (typeof s !== 'number' || !(s > 0 && s < 1)) throw new LstmWasmError(`fit: option 'validationSplit' must be a number in (0, 1), got ${describe(s)}`);
      const nVal = Math.floor(X.shape[0] * s);
      const nTrain = X.shape[0] - nVal;
      if (nVal === 0 || nTrain === 0) throw new LstmWasmError(`fit: validationSplit ${s} of ${X.shape[0]} samples leaves ${nTrain} for training and ${nVal} for validation; both must be at least 1`);
      const cut = (t: Tensor, a: number, b: number): Tensor => { const per = t.data.length / t.shape[0]; return { data: t.data.subarray(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] }; };
      val = [cut(X, nTrain, X.shape[0]), cut(Y, nTrain, Y.shape[0])];
      X = cut(X, 0, nTrain); Y = cut(Y, 0, nTrain);
    }
    const n = X.shape[0];
    const B = this.batchOf(n, args.batchSize, 'fit');
    // Check y once against the plan's output shape.
    this.checkY(Y, n, this.plan([B, ...sample]).outShape.slice(1), 'fit y');
    if (val) this.checkY(val[1], val[0].shape[0], this.plan([Math.min(B, val[0].shape[0]), ...sample]).outShape.slice(1), 'fit validationData[1]');
    const callbacks = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    for (const cb of callbacks) if (cb === null || typeof cb !== 'object') throw new LstmWasmError(`fit: every callback must be an object with onEpochEnd/onBatchEnd/… methods, got ${describe(cb)}`);
    const terminateOnNaN = callbacks.some((cb) => cb instanceof TerminateOnNaN);
    const batches = Math.ceil(n / B);
    const history = new History();
    history.params = { epochs, batchSize: B, samples: n, steps: batches };
    const all: Callback[] = [...(verbose ? [new ProgressLogger(verbose, epochs, batches)] : []), ...callbacks, history];
    for (const cb of all) cb.setModel?.(this);
    if (args.seed !== undefined) this.k!.rng_seed(this.ctx!.rngState, args.seed >>> 0);
    const perX = prod(sample), perY = Y.data.length / n;
    const order = new Int32Array(n);
    const orderPtr = shuffle ? this.orderBuffer(n) : 0;
    let lastYield = Date.now();
    this.stopTraining = false;
    for (const cb of all) await cb.onTrainBegin?.();
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      for (const cb of all) await cb.onEpochBegin?.(epoch);
      if (shuffle) {
        const arena = this.arena!;
        this.k!.rng_shuffle_indices(this.ctx!.rngState, n, orderPtr);
        this.ctx!.generation++;
        order.set(arena.i32(orderPtr, n));
      }
      let lossSum = 0, seen = 0;
      const metricSums = c.metrics.map(() => 0);
      for (let bi = 0; bi < batches && !this.stopTraining; bi++) {
        const start = bi * B, b = Math.min(B, n - start);
        const plan = this.plan([b, ...sample]);
        this.copyRows(plan.input, X.data, perX, start, b, shuffle ? order : null);
        this.copyRows(plan.target, Y.data, perY, start, b, shuffle ? order : null);
        for (const cb of all) await cb.onBatchBegin?.(bi, { batch: bi, size: b });
        const r = this.trainStep(plan);
        if (!r.ok) {
          if (terminateOnNaN) { this.stopTraining = true; break; }
          throw new LstmWasmError(`fit: at epoch ${epoch + 1}, batch ${bi + 1} the loss (${r.loss}) or the gradient norm (${r.gradNorm}) is not finite; training stopped and the weights are those from before this batch. Lower the learning rate, set clipNorm in compile(), or add TerminateOnNaN to stop without an error`);
        }
        lossSum += r.loss * b;
        seen += b;
        r.metrics.forEach((v, i) => (metricSums[i] += v * b));
        const logs: Logs = { batch: bi, size: b, loss: r.loss, gradNorm: r.gradNorm };
        c.metrics.forEach((m, i) => (logs[m.key] = r.metrics[i]));
        for (const cb of all) await cb.onBatchEnd?.(bi, logs);
        if (yieldEvery !== 'never' && Date.now() - lastYield >= yieldEvery) {
          await yieldToEventLoop();
          lastYield = Date.now();
        }
      }
      const logs: Logs = { loss: seen ? lossSum / seen : NaN };
      c.metrics.forEach((m, i) => (logs[m.key] = seen ? metricSums[i] / seen : NaN));
      if (val && seen) {
        const v = this.evaluateTensors(val[0], val[1], B, 'fit validation');
        logs.val_loss = v.loss;
        c.metrics.forEach((m, i) => (logs[`val_${m.key}`] = v.metrics[i]));
      }
      for (const cb of all) await cb.onEpochEnd?.(epoch, logs);
    }
    for (const cb of all) await cb.onTrainEnd?.();
    return history;
  }

  /** A persistent i32 buffer for shuffled orders, above the plans; reallocated when n grows. */
  private orderBuffer(n: number): number {
    // Lives at the top of the arena after the current plan; plans made later start at planBase
    // and would overwrite it, so copy it out (fit does) before making another plan.
    const arena = this.arena!;
    const p = arena.mark();
    arena.ensure(p + n * 4 + 64);
    this.ctx!.generation++;
    return p;
  }

  // ---- weights -----------------------------------------------------------------------------

  readWeights(layer: Layer): { data: Float32Array; shape: number[] }[] {
    this.usable();
    this.build();
    return this.slots.get(layer)!.map((s) => ({ data: this.arena!.read(s.ptr, s.size), shape: [...s.spec.shape] }));
  }

  writeWeights(layer: Layer, weights: unknown[]): void {
    this.usable();
    this.build();
    const slots = this.slots.get(layer)!;
    if (!Array.isArray(weights) || weights.length !== slots.length) {
      throw new LstmWasmError(`${layer.where}.setWeights: expected ${slots.length} arrays (${slots.map((s) => `${s.spec.name} ${shapeString(s.spec.shape)}`).join(', ')}), got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
    }
    // Check every array before writing any, so a bad one leaves the layer as it was.
    const ts = weights.map((w, i) => {
      const t = toTensor(w as TensorLike, `weights[${i}]`);
      const s = slots[i];
      if (t.data.length !== s.size || (Array.isArray((w as { shape?: unknown }).shape) || Array.isArray(w)) && shapeString(t.shape) !== shapeString(s.spec.shape)) {
        throw new LstmWasmError(`${layer.where}.setWeights: weights[${i}] (${s.spec.name}) must have shape ${shapeString(s.spec.shape)}, got ${shapeString(t.shape)}`);
      }
      this.checkFinite(t, `${layer.where}.setWeights: weights[${i}] (${s.spec.name})`);
      return t;
    });
    ts.forEach((t, i) => this.arena!.write(slots[i].ptr, t.data));
    this.ctx!.generation++;
  }

  getWeights(): { data: Float32Array; shape: number[] }[] {
    return this.layers.flatMap((l) => this.readWeights(l));
  }

  setWeights(weights: { data: Float32Array; shape: number[] }[]): void {
    this.build();
    const counts = this.layers.map((l) => this.slots.get(l)!.length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (!Array.isArray(weights) || weights.length !== total) throw new LstmWasmError(`${this.where}.setWeights: expected ${total} arrays, got ${Array.isArray(weights) ? weights.length : describe(weights)}`);
    // Validate all layers first (writeWeights validates one layer before writing it).
    const snapshot = this.getWeights();
    let at = 0;
    try {
      this.layers.forEach((l, i) => { this.writeWeights(l, weights.slice(at, at + counts[i])); at += counts[i]; });
    } catch (e) {
      let back = 0;
      this.layers.forEach((l, i) => { this.writeWeights(l, snapshot.slice(back, back + counts[i])); back += counts[i]; });
      throw e;
    }
  }

  /** The model as bytes: topology (JSON) and weights, with a checksum. loadModel() reads them back. */
  save(options: SaveOptions = {}): Uint8Array {
    this.usable();
    if (options === null || typeof options !== 'object') throw new LstmWasmError(`save: expected an options object such as { includeState: true }, got ${describe(options)}`);
    checkOptions('save', options, ['includeState']);
    if (options.includeState !== undefined && typeof options.includeState !== 'boolean') throw new LstmWasmError(`save: option 'includeState' must be true or false, got ${describe(options.includeState)}`);
    this.build();
    return saveModel(this, options);
  }

  /** Bytes of WebAssembly memory this model holds. */
  get memoryBytes(): number {
    return this.arena ? this.arena.memoryBytes : 0;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the model's WebAssembly memory. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.k = null;
    this.arena = null;
    this.ctx = null;
    this.plans.clear();
    this.lastPlan = null;
    this.slots.clear();
    for (const l of this.layers) { l.bindState(0, null); l.slots = []; }
  }

  /** For save(): the optimizer and loss as compiled, if any. */
  get compileConfig(): Record<string, unknown> | null {
    return this.compiled ? { optimizer: this.compiled.optimizer.config, loss: this.compiled.loss.name, metrics: this.compiled.metrics.map((m) => m.key), clipNorm: this.compiled.clipNorm || undefined, clipValue: this.compiled.clipValue || undefined } : null;
  }
}

function checkInferenceOptions(where: string, args: unknown): void {
  if (args === null || typeof args !== 'object') throw new LstmWasmError(`${where}: expected an options object { ... }, got ${describe(args)}`);
  checkOptions(where, args, ['batchSize', 'verbose']);
  const v = (args as { verbose?: unknown }).verbose;
  if (v !== undefined && v !== 0 && v !== 1 && v !== 2) throw new LstmWasmError(`${where}: option 'verbose' must be 0, 1 or 2, got ${describe(v)}`);
}

function yieldToEventLoop(): Promise<void> {
  const si = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((r) => (si ? si(r) : setTimeout(r, 0)));
}
