// LSTM, GRU and SimpleRNN: the option handling they share (Keras's RNN wrapper: states, masks,
// initialState, returnState), and one recurrent runner fed by a per-cell description of the
// kernels in assembly/lstm.ts, gru.ts and rnn.ts. A whole sequence is one kernel call.
import { callRecorder, shardRows, type Shard } from './shards.js';
import { LstmWasmError, describe } from '../errors.js';
import { firstNonFinite, shapeString, toTensor, type TensorLike } from '../tensor.js';
import { ACT, activation, type ActivationName } from './activations.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import {
  Layer,
  bool,
  expectRank,
  positiveInt,
  rate,
  regularizer,
  type LayerArgs,
  type NodeRunner,
  type ParamSlot,
  type ParamSpec,
  type PlanOptions,
  type Regularizer,
  type RunContext,
  type Runner,
  type Shape,
  kerasLayerArgs,
  singleRunner,
} from './layer.js';
import type { Kernels } from '../runtime/kernels.js';
import type { CallOptions, Node } from '../engine/symbolic.js';

/**
 * Options of LSTM, GRU and SimpleRNN: `units`, `activation` ('tanh'), `useBias`, initializers,
 * regularizers, `dropout`, `recurrentDropout`, `returnSequences`, `returnState`, `goBackwards`,
 * `stateful` (with a fixed batch).
 */
export interface RecurrentArgs extends LayerArgs {
  units: number;
  activation?: ActivationName | string;
  useBias?: boolean;
  kernelInitializer?: InitializerName | string;
  recurrentInitializer?: InitializerName | string;
  biasInitializer?: InitializerName | string;
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  dropout?: number;
  recurrentDropout?: number;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
}

/**
 * Options of LSTM: those of every recurrent layer, `recurrentActivation` ('sigmoid'),
 * `unitForgetBias` (true), `peephole` (false).
 */
export interface LSTMArgs extends RecurrentArgs {
  recurrentActivation?: ActivationName | string;
  unitForgetBias?: boolean;
  peephole?: boolean;
}

/** Options of GRU: those of every recurrent layer, `recurrentActivation` ('sigmoid'), `resetAfter` (true). */
export interface GRUArgs extends RecurrentArgs {
  recurrentActivation?: ActivationName | string;
  resetAfter?: boolean;
}

const COMMON_OPTIONS = [
  'units',
  'activation',
  'useBias',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'dropout',
  'recurrentDropout',
  'returnSequences',
  'returnState',
  'goBackwards',
  'stateful',
  'unroll',
  'implementation',
];

const ELEMENTWISE: ActivationName[] = ['tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear'];

import { FLAG } from '../runtime/abi.js';
const FLAG_PEEPHOLE = FLAG.peephole,
  FLAG_RESET_AFTER = FLAG.resetAfter,
  FLAG_GO_BACKWARDS = FLAG.goBackwards,
  FLAG_PACKED = FLAG.packed;

export abstract class Recurrent extends Layer {
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly recurrentInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizer?: Regularizer;
  readonly recurrentRegularizer?: Regularizer;
  readonly biasRegularizer?: Regularizer;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  /** Gate blocks in the kernel and recurrent kernel: 4 (LSTM), 3 (GRU), 1 (SimpleRNN). */
  abstract readonly blocks: number;
  /** Persistent state (stateful): h, then c for LSTM; set by bindState. */
  statePtr = 0;
  protected stateCtx: RunContext | null = null;

  constructor(args: RecurrentArgs, snake: string, extra: string[]) {
    super(args, snake);
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`${snake}: expected an options object such as { units: 32 }, got ${describe(args)}`);
    this.checkOptions(args, [...COMMON_OPTIONS, ...extra]);
    const w = this.where;
    this.units = positiveInt(w, 'units', args.units);
    this.activation = activation(w, 'activation', args.activation, 'tanh', ELEMENTWISE);
    this.useBias = bool(w, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerName(w, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.recurrentInitializer = initializerName(w, 'recurrentInitializer', args.recurrentInitializer, 'orthogonal');
    this.biasInitializer = initializerName(w, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizer(w, 'kernelRegularizer', args.kernelRegularizer);
    this.recurrentRegularizer = regularizer(w, 'recurrentRegularizer', args.recurrentRegularizer);
    this.biasRegularizer = regularizer(w, 'biasRegularizer', args.biasRegularizer);
    this.dropout = rate(w, 'dropout', args.dropout);
    this.recurrentDropout = rate(w, 'recurrentDropout', args.recurrentDropout);
    this.returnSequences = bool(w, 'returnSequences', args.returnSequences, false);
    this.returnState = bool(w, 'returnState', args.returnState, false);
    this.goBackwards = bool(w, 'goBackwards', args.goBackwards, false);
    this.stateful = bool(w, 'stateful', args.stateful, false);
    if (this.stateful && this.batchSize === null && this.inputShape !== undefined) {
      throw new LstmWasmError(
        `${w}: a stateful layer needs a fixed batch size: give 'batchInputShape' such as [1, null, ` +
          "features] instead of 'inputShape' (as in Keras), or apply it to input({ batchShape })",
      );
    }
  }

  computeOutputShape(input: Shape): Shape {
    expectRank(this, input, 2, '[batch, steps, features] (rank 3)');
    if (input[1] === null)
      throw new LstmWasmError(
        `${this.where}: the number of features (last size of the input ` +
          `shape) must be known, got ${shapeString([null, ...input])}`,
      );
    return this.returnSequences ? [input[0], this.units] : [this.units];
  }

  /** The states a call takes and gives: h, and c for LSTM. */
  get stateNames(): string[] {
    return this.stateCount === 2 ? ['h', 'c'] : ['h'];
  }

  /** [output, ...final states] with returnState; inputs beyond the first are the initial states. */
  computeOutputShapes(inputs: Shape[], _call: CallOptions = {}): Shape[] {
    const out = this.computeOutputShape(inputs[0]);
    checkInitialStates(this, inputs.slice(1), this.stateNames, this.units);
    if (this.stateful && inputs.length > 1)
      throw new LstmWasmError(`${this.where}: a stateful layer carries its own state; it takes no initialState`);
    return this.returnState ? [out, ...this.stateNames.map(() => [this.units])] : [out];
  }

  protected checkBatch(batch: number | null): void {
    if (this.stateful && batch === null && this.batchSize === null) {
      throw new LstmWasmError(
        `${this.where}: a stateful layer needs a fixed batch size: apply it to ` +
          'input({ batchShape: [batch, steps, features] }), or give it batchInputShape',
      );
    }
  }

  isStateful(): boolean {
    return this.stateful;
  }

  get inspectable(): boolean {
    return true;
  }

  /** The cell's kernels; `params` are the layer's slots as planned (quantized cells read their scales there). */
  abstract cell(params?: ParamSlot[]): Cell;

  /** The slots the shared runner takes: the float layout (quantized layers keep their scales after it). */
  protected runnerParams(params: ParamSlot[]): ParamSlot[] {
    return params;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    return singleRunner(planRecurrent(this, this.cell(params), ctx, [inShape], this.runnerParams(params), false));
  }

  planNode(
    ctx: RunContext,
    inShapes: number[][],
    params: ParamSlot[],
    _options: PlanOptions = {},
    _node?: Node,
  ): NodeRunner {
    return planRecurrent(this, this.cell(params), ctx, inShapes, this.runnerParams(params), this.returnState);
  }

  protected features(input: Shape): number {
    return input[input.length - 1] as number;
  }

  /** Keras names and order: kernel, recurrent_kernel, bias. */
  paramSpecs(input: Shape): ParamSpec[] {
    const I = this.features(input),
      H = this.units,
      G = this.blocks;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [I, G * H],
        init: initSpec(this.kernelInitializer, [I, G * H]),
        regularizer: this.kernelRegularizer,
      },
      {
        name: 'recurrent_kernel',
        shape: [H, G * H],
        init: initSpec(this.recurrentInitializer, [H, G * H]),
        regularizer: this.recurrentRegularizer,
      },
    ];
    if (this.useBias)
      specs.push({ name: 'bias', shape: this.biasShape(), init: this.biasInit(), regularizer: this.biasRegularizer });
    return specs;
  }

  protected biasShape(): number[] {
    return [this.blocks * this.units];
  }

  protected biasInit(): ParamSpec['init'] {
    return initSpec(this.biasInitializer, this.biasShape());
  }

  /** h (and c) per sequence of the fixed batch. */
  abstract readonly stateCount: number;

  stateSize(_input: Shape, batch: number | null): number {
    return this.stateful ? (batch ?? 0) * this.units * this.stateCount : 0;
  }

  bindState(ptr: number, ctx: RunContext | null): void {
    if (ctx) this.wasBuilt = true;
    this.statePtr = ptr;
    this.stateCtx = ctx;
  }

  private wasBuilt = false;

  resetStates(): void {
    this.checkStateful('resetStates');
    this.stateCtx!.k.fill_f32((this.batchSize as number) * this.units * this.stateCount, this.statePtr, 0);
  }

  /** The current state (stateful layers): [h] or [h, c], each [batch, units]. */
  getStates(): { data: Float32Array; shape: number[] }[] {
    this.checkStateful('getStates');
    const n = (this.batchSize as number) * this.units;
    const out: { data: Float32Array; shape: number[] }[] = [];
    for (let i = 0; i < this.stateCount; i++)
      out.push({
        data: this.stateCtx!.arena.read(this.statePtr + i * n * 4, n),
        shape: [this.batchSize as number, this.units],
      });
    return out;
  }

  /** Sets state i (0: h, 1: c) of a stateful layer, as getStates() returns it. */
  setState(i: number, values: TensorLike): void {
    this.checkStateful('setState');
    const n = (this.batchSize as number) * this.units;
    if (!Number.isInteger(i) || i < 0 || i >= this.stateCount) {
      throw new LstmWasmError(
        `${this.where}: setState: state index ${describe(i)} does not exist: it must be ` +
          (this.stateCount === 2 ? '0 (h) or 1 (c)' : '0 (h)'),
      );
    }
    const t = toTensor(values, 'values', `${this.where}: setState`);
    if (t.data.length !== n)
      throw new LstmWasmError(
        `${this.where}: state ${i} must hold ${n} values ([${this.batchSize}, ${this.units}]), got ${t.data.length}`,
      );
    const bad = firstNonFinite(t.data);
    if (bad >= 0)
      throw new LstmWasmError(`${this.where}: setState: values must be finite, got ${t.data[bad]} at ${bad}`);
    this.stateCtx!.arena.write(this.statePtr + i * n * 4, t.data);
  }

  private checkStateful(what: string): void {
    if (!this.stateful)
      throw new LstmWasmError(
        `${this.where}: ${what}() is for stateful layers; this one was made with stateful: false`,
      );
    if (!this.stateCtx) {
      throw new LstmWasmError(
        this.wasBuilt
          ? `${this.where}: ${what}(): its model was disposed`
          : `${this.where}: ${what}() needs the layer to belong to a built model`,
      );
    }
  }

  flags(): number {
    return this.goBackwards ? FLAG_GO_BACKWARDS : 0;
  }

  checkPlan(inShape: number[]): [number, number, number] {
    const [B, T, I] = inShape;
    if (this.stateful && B !== this.batchSize) {
      throw new LstmWasmError(
        `${this.where}: this stateful layer was built for batches ` +
          `of ${this.batchSize} (batchInputShape), got a batch of ${B}`,
      );
    }
    return [B, T, I];
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      recurrentInitializer: this.recurrentInitializer,
      biasInitializer: this.biasInitializer,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
    };
    if (this.kernelRegularizer) c.kernelRegularizer = this.kernelRegularizer;
    if (this.recurrentRegularizer) c.recurrentRegularizer = this.recurrentRegularizer;
    if (this.biasRegularizer) c.biasRegularizer = this.biasRegularizer;
    return c;
  }
}

/** Checks initial-state shapes: as many as the cell has states, each [units]. */
export function checkInitialStates(layer: Layer, states: Shape[], names: string[], units: number): void {
  if (states.length === 0) return;
  if (states.length !== names.length) {
    throw new LstmWasmError(
      `${layer.where}: initialState must hold ${names.length} ` +
        `tensor${names.length > 1 ? 's' : ''} (${names.join(', ')}), got ${states.length}`,
    );
  }
  states.forEach((s, i) => {
    if (s.length !== 1 || s[0] !== units) {
      throw new LstmWasmError(
        `${layer.where}: initialState[${i}] (${names[i]}) must have ` +
          `shape [null, ${units}], got ${shapeString([null, ...s])}`,
      );
    }
  });
}

/** Addresses one kernel call takes (0 = absent). */
interface CellCall {
  B: number;
  T: number;
  I: number;
  H: number;
  flags: number;
  x: number;
  W: number;
  U: number;
  bias: number;
  peep: number;
  h0: number;
  c0: number;
  mask: number;
  xDrop: number;
  hDrop: number;
  gates: number;
  extra: number;
  hseq: number;
  hT: number;
  cT: number;
  scratch: number;
}
interface CellBackCall extends CellCall {
  dhseq: number;
  dhT: number;
  dcT: number;
  dW: number;
  dU: number;
  db: number;
  dpeep: number;
  dx: number;
  dh0: number;
  dc0: number;
}

/** One cell's kernels and the buffers they need beyond the shared ones. */
export interface Cell {
  /** Gate blocks kept per step for backward (and inspect): 4 LSTM, 3 GRU, 0 SimpleRNN. */
  gateCount: number;
  /** An extra [B, T, H] per-step buffer: the cell states (LSTM), the candidate's recurrent part (GRU). */
  extra: boolean;
  /** The per-step extra buffer is the cell state, shown by inspect(). */
  extraIsCell: boolean;
  flags: number;
  scratchSize(k: Kernels, B: number, T: number, I: number, H: number, flags: number): number;
  forward(k: Kernels, c: CellCall): void;
  backward(k: Kernels, c: CellBackCall): void;
}

/** Tracks whether a runner's scratch still holds its packed weights (see RunContext.generation). */
class PackedTracker {
  private at = -1;
  constructor(private readonly ctx: RunContext) {}
  flag(training: boolean): number {
    const valid = this.at === this.ctx.generation;
    this.at = training ? -1 : this.ctx.generation; // a backward pass reuses the scratch
    return valid ? FLAG_PACKED : 0;
  }
}

/**
 * The recurrent runner every cell shares. Inputs: [x, ...initial states]; outputs: [output,
 * ...final states] when `withStates`. A stateful layer starts from, and writes back, its own
 * persistent state. Backward takes the gradients at the output and at the final states, and
 * gives them at x and at the initial states.
 */
export function planRecurrent(
  layer: Recurrent,
  cell: Cell,
  ctx: RunContext,
  inShapes: number[][],
  params: ParamSlot[],
  withStates: boolean,
): NodeRunner {
  const { k, arena } = ctx;
  const [B, T, I] = layer.checkPlan(inShapes[0]);
  const H = layer.units;
  const S = layer.stateCount;
  const given = inShapes.length > 1;
  if (given && inShapes.length !== 1 + S)
    throw new LstmWasmError(`${layer.where}: expected ${S} initial states, got ${inShapes.length - 1}`);
  const flags = layer.flags() | cell.flags;
  const seq = layer.returnSequences;
  // The order of these buffers is the one the kernels were tuned with (their distances matter to
  // the cache): the output sequence, the last h, dropout masks, dx, scratch, then per-step state.
  const hseq = arena.alloc(B * T * H),
    hT = arena.alloc(B * H);
  const xDropBuf = layer.dropout > 0 ? arena.alloc(B * I) : 0;
  const hDropBuf = layer.recurrentDropout > 0 ? arena.alloc(B * H) : 0;
  const dxBuf = arena.alloc(B * T * I);
  const scratch = arena.alloc(cell.scratchSize(k, B, T, I, H, flags));
  const gates = cell.gateCount ? arena.alloc(B * T * cell.gateCount * H) : 0;
  const extra = cell.extra ? arena.alloc(B * T * H) : 0;
  const cT = S === 2 ? arena.alloc(B * H) : 0;
  const own0 = layer.stateful ? arena.alloc(B * H * S) : 0;
  const dh0Buf = given ? arena.alloc(B * H) : 0,
    dc0Buf = given && S === 2 ? arena.alloc(B * H) : 0;
  // returnSequences false: the output is h itself, so its gradient and h's add up.
  const dhSum = !seq && withStates ? arena.alloc(B * H) : 0;
  const [W, U] = params;
  const bias = layer.useBias ? params[2] : null;
  const peep = params.length > (layer.useBias ? 3 : 2) ? params[params.length - 1] : null;
  const packed = new PackedTracker(ctx);
  // Threads: rows of the batch per shard, each shard with its own scratch and (but the first)
  // its own parameter gradients. One shard: the buffers above, as always.
  const G = (cell.gateCount || 1) * H;
  const shards = shardRows(B, ctx.threads, B * T * (I + H) * G);
  const shardScratch = shards.map((sh, s) =>
    s === 0 ? scratch : arena.alloc(cell.scratchSize(k, sh.n, T, I, H, flags)),
  );
  const shardGrads = shards.map((_sh, s) =>
    s === 0
      ? []
      : [W, U, bias, peep]
          .filter((p) => p !== null)
          .map((p) => ({ into: p!.grad, ptr: arena.alloc(p!.size), size: p!.size })),
  );
  const recorder = callRecorder();
  const shardRecs: CellBackCall[] = shards.map(() => ({}) as CellBackCall);
  const F4 = 4;
  // Shard s's view of a call: every batch-major buffer offset to its first row.
  const shardCall = (c: CellCall, s: number, sh: Shard, into: CellCall): CellCall => {
    const off = (p: number, perRow: number) => (p ? p + sh.b0 * perRow * F4 : 0);
    Object.assign(into, c);
    into.B = sh.n;
    into.x = off(c.x, T * I);
    into.h0 = off(c.h0, H);
    into.c0 = off(c.c0, H);
    into.mask = off(c.mask, T);
    into.xDrop = off(c.xDrop, I);
    into.hDrop = off(c.hDrop, H);
    into.gates = off(c.gates, T * cell.gateCount * H);
    into.extra = off(c.extra, T * H);
    into.hseq = off(c.hseq, T * H);
    into.hT = off(c.hT, H);
    into.cT = off(c.cT, H);
    into.scratch = shardScratch[s];
    return into;
  };
  const shardBackCall = (b: CellBackCall, s: number, sh: Shard): CellBackCall => {
    const into = shardRecs[s];
    shardCall(b, s, sh, into);
    const off = (p: number, perRow: number) => (p ? p + sh.b0 * perRow * F4 : 0);
    into.dhseq = off(b.dhseq, T * H);
    into.dhT = off(b.dhT, H);
    into.dcT = off(b.dcT, H);
    into.dx = off(b.dx, T * I);
    into.dh0 = off(b.dh0, H);
    into.dc0 = off(b.dc0, H);
    if (s > 0) {
      const g = shardGrads[s];
      let j = 0;
      into.dW = g[j++].ptr;
      into.dU = g[j++].ptr;
      if (bias) into.db = g[j++].ptr;
      if (peep) into.dpeep = g[j++].ptr;
    }
    return into;
  };
  let x = 0,
    mask = 0,
    h0 = 0,
    c0 = 0,
    xDrop = 0,
    hDrop = 0;
  const out = seq ? hseq : hT;
  const outs = withStates ? (S === 2 ? [out, hT, cT] : [out, hT]) : [out];
  const outShapes = [seq ? [B, T, H] : [B, H], ...(withStates ? Array.from({ length: S }, () => [B, H]) : [])];
  const masks = outs.map(() => 0);
  // One call record, refilled per call (no allocation per step of a stream).
  const rec: CellCall = {
    B,
    T,
    I,
    H,
    flags,
    x,
    W: W.ptr,
    U: U.ptr,
    bias: bias ? bias.ptr : 0,
    peep: peep ? peep.ptr : 0,
    h0,
    c0,
    mask,
    xDrop,
    hDrop,
    gates,
    extra,
    hseq,
    hT,
    cT,
    scratch,
  };
  const back: CellBackCall = {
    ...rec,
    dhseq: 0,
    dhT: 0,
    dcT: 0,
    dW: W.grad,
    dU: U.grad,
    db: bias ? bias.grad : 0,
    dpeep: peep ? peep.grad : 0,
    dx: 0,
    dh0: 0,
    dc0: 0,
  };
  const call = (): CellCall => {
    rec.flags = flags;
    rec.x = x;
    rec.h0 = h0;
    rec.c0 = c0;
    rec.mask = mask;
    rec.xDrop = xDrop;
    rec.hDrop = hDrop;
    return rec;
  };
  return {
    outShapes,
    outs,
    get outMasks() {
      masks[0] = seq ? mask : 0;
      return masks;
    },
    states: [{ ptr: hT, shape: [B, H] }, ...(cT ? [{ ptr: cT, shape: [B, H] }] : [])],
    trace: { gates, gateCount: cell.gateCount, cells: cell.extraIsCell ? extra : 0, hidden: hseq },
    forward(xs: number[], ms: number[], training: boolean) {
      x = xs[0];
      mask = ms[0];
      if (training) {
        if (xDropBuf) k.rng_dropout_mask(ctx.rngState, B * I, xDropBuf, layer.dropout);
        if (hDropBuf) k.rng_dropout_mask(ctx.rngState, B * H, hDropBuf, layer.recurrentDropout);
        xDrop = xDropBuf;
        hDrop = hDropBuf;
      } else {
        xDrop = 0;
        hDrop = 0;
      }
      if (own0) {
        k.copy_f32(B * H * S, layer.statePtr, own0);
        h0 = own0;
        c0 = S === 2 ? own0 + B * H * 4 : 0;
      } else if (given) {
        h0 = xs[1];
        c0 = S === 2 ? xs[2] : 0;
      }
      const c = call();
      c.flags |= packed.flag(training);
      if (shards.length === 1) cell.forward(k, c);
      else
        ctx.parallel(
          shards.map((sh, s) => {
            cell.forward(recorder.k, shardCall(c, s, sh, shardRecs[s]));
            return recorder.take();
          }),
          layer.where,
        );
      if (own0) {
        k.copy_f32(B * H, hT, layer.statePtr);
        if (S === 2) k.copy_f32(B * H, cT, layer.statePtr + B * H * 4);
      }
    },
    backward(dys: number[], needDx: boolean[]) {
      let dhseq = 0,
        dhT = 0;
      const dState = withStates ? dys[1] : 0;
      if (seq) {
        dhseq = dys[0];
        dhT = dState;
      } else if (dys[0] && dState) {
        k.add_f32(B * H, dys[0], dState, dhSum);
        dhT = dhSum;
      } else dhT = dys[0] || dState;
      const dcT = withStates && S === 2 ? dys[2] : 0;
      const wantDx = needDx[0];
      const dh0 = given && needDx[1] ? dh0Buf : 0;
      const dc0 = given && S === 2 && needDx[2] ? dc0Buf : 0;
      const b = back;
      Object.assign(b, call());
      b.dhseq = dhseq;
      b.dhT = dhT;
      b.dcT = dcT;
      b.dx = wantDx ? dxBuf : 0;
      b.dh0 = dh0;
      b.dc0 = dc0;
      if (shards.length === 1) cell.backward(k, b);
      else {
        ctx.parallel(
          shards.map((sh, s) => {
            cell.backward(recorder.k, shardBackCall(b, s, sh));
            return recorder.take();
          }),
          layer.where,
        );
        // The shards' parameter gradients, added in shard order.
        for (let s = 1; s < shards.length; s++) for (const g of shardGrads[s]) k.add_f32(g.size, g.into, g.ptr, g.into);
      }
      const r = [wantDx ? dxBuf : 0];
      if (given) {
        r.push(dh0);
        if (S === 2) r.push(dc0);
      }
      return r;
    },
  };
}

/**
 * Long short-term memory, as Keras: gates i, f, c, o; kernel [I, 4H], recurrent kernel [H, 4H],
 * bias [4H], optional peepholes after them. `new LSTM({ units, ... })` or
 * `new LSTM(units, { ... })`. With returnState, apply gives [output, h, c]; initialState takes [h,
 * c].
 */
export class LSTM extends Recurrent {
  get className(): string {
    return 'LSTM';
  }
  readonly blocks = 4;
  readonly stateCount = 2;
  readonly recurrentActivation: ActivationName;
  readonly unitForgetBias: boolean;
  readonly peephole: boolean;

  /** `new LSTM({ units: 32, ... })`, or as Keras: `new LSTM(32, { ... })` (snake_case names too). */
  constructor(units: number, options?: Omit<LSTMArgs, 'units'>);
  constructor(args: LSTMArgs);
  constructor(unitsOrArgs: number | LSTMArgs, options?: Omit<LSTMArgs, 'units'>) {
    const args = kerasLayerArgs<LSTMArgs>('lstm', unitsOrArgs, options);
    super(args, 'lstm', ['recurrentActivation', 'unitForgetBias', 'peephole']);
    this.recurrentActivation = activation(
      this.where,
      'recurrentActivation',
      args.recurrentActivation,
      'sigmoid',
      ELEMENTWISE,
    );
    this.unitForgetBias = bool(this.where, 'unitForgetBias', args.unitForgetBias, true);
    this.peephole = bool(this.where, 'peephole', args.peephole, false);
  }

  protected biasInit(): ParamSpec['init'] {
    // Keras: with unitForgetBias the bias starts at zeros except ones on the forget gate.
    return this.unitForgetBias && this.biasInitializer === 'zeros'
      ? { kind: 'forgetBias', units: this.units, blocks: 4 }
      : super.biasInit();
  }

  /** Peepholes come after the bias: p_i, p_f, p_o. */
  paramSpecs(input: Shape): ParamSpec[] {
    const specs = super.paramSpecs(input);
    if (this.peephole) specs.push({ name: 'peephole', shape: [3 * this.units], init: { kind: 'zeros' } });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrentActivation: this.recurrentActivation,
      unitForgetBias: this.unitForgetBias,
      peephole: this.peephole,
    };
  }

  cell(): Cell {
    const act = ACT[this.activation],
      rec = ACT[this.recurrentActivation];
    return {
      gateCount: 4,
      extra: true,
      extraIsCell: true,
      flags: this.peephole ? FLAG_PEEPHOLE : 0,
      scratchSize: (k, B, T, I, H, f) => k.lstm_scratch_size(B, T, I, H, f),
      forward: (k, c) =>
        k.lstm_forward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          rec,
          c.x,
          c.W,
          c.U,
          c.bias,
          c.peep,
          c.h0,
          c.c0,
          c.mask,
          c.xDrop,
          c.hDrop,
          c.gates,
          c.extra,
          c.hseq,
          c.hT,
          c.cT,
          c.scratch,
        ),
      backward: (k, c) =>
        k.lstm_backward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          rec,
          c.x,
          c.W,
          c.U,
          c.peep,
          c.h0,
          c.c0,
          c.mask,
          c.xDrop,
          c.hDrop,
          c.gates,
          c.extra,
          c.hseq,
          c.dhseq,
          c.dhT,
          c.dcT,
          c.dW,
          c.dU,
          c.db,
          c.dpeep,
          c.dx,
          c.dh0,
          c.dc0,
          c.scratch,
        ),
    };
  }
}

/**
 * Gated recurrent unit, as Keras: gates z, r, h; `resetAfter` (true, bias [2, 3H]) or not. With
 * returnState, apply gives [output, h]; initialState takes [h].
 */
export class GRU extends Recurrent {
  get className(): string {
    return 'GRU';
  }
  readonly blocks = 3;
  readonly stateCount = 1;
  readonly recurrentActivation: ActivationName;
  readonly resetAfter: boolean;

  /** `new GRU({ units: 32, ... })`, or as Keras: `new GRU(32, { ... })` (snake_case names too). */
  constructor(units: number, options?: Omit<GRUArgs, 'units'>);
  constructor(args: GRUArgs);
  constructor(unitsOrArgs: number | GRUArgs, options?: Omit<GRUArgs, 'units'>) {
    const args = kerasLayerArgs<GRUArgs>('gru', unitsOrArgs, options);
    super(args, 'gru', ['recurrentActivation', 'resetAfter']);
    this.recurrentActivation = activation(
      this.where,
      'recurrentActivation',
      args.recurrentActivation,
      'sigmoid',
      ELEMENTWISE,
    );
    this.resetAfter = bool(this.where, 'resetAfter', args.resetAfter, true);
  }

  protected biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }

  cell(): Cell {
    const act = ACT[this.activation],
      rec = ACT[this.recurrentActivation];
    return {
      gateCount: 3,
      extra: true,
      extraIsCell: false,
      flags: this.resetAfter ? FLAG_RESET_AFTER : 0,
      scratchSize: (k, B, T, I, H, f) => k.gru_scratch_size(B, T, I, H, f),
      forward: (k, c) =>
        k.gru_forward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          rec,
          c.x,
          c.W,
          c.U,
          c.bias,
          c.h0,
          c.mask,
          c.xDrop,
          c.hDrop,
          c.gates,
          c.extra,
          c.hseq,
          c.hT,
          c.scratch,
        ),
      backward: (k, c) =>
        k.gru_backward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          rec,
          c.x,
          c.W,
          c.U,
          c.bias,
          c.h0,
          c.mask,
          c.xDrop,
          c.hDrop,
          c.gates,
          c.extra,
          c.hseq,
          c.dhseq,
          c.dhT,
          c.dW,
          c.dU,
          c.db,
          c.dx,
          c.dh0,
          c.scratch,
        ),
    };
  }
}

/** The plain recurrent layer: h_t = act(x_t·W + h_{t-1}·U + b). With returnState, apply gives [output, h]. */
export class SimpleRNN extends Recurrent {
  get className(): string {
    return 'SimpleRNN';
  }
  readonly blocks = 1;
  readonly stateCount = 1;

  /** `new SimpleRNN({ units: 32, ... })`, or as Keras: `new SimpleRNN(32, { ... })` (snake_case names too). */
  constructor(units: number, options?: Omit<RecurrentArgs, 'units'>);
  constructor(args: RecurrentArgs);
  constructor(unitsOrArgs: number | RecurrentArgs, options?: Omit<RecurrentArgs, 'units'>) {
    const args = kerasLayerArgs<RecurrentArgs>('simple_rnn', unitsOrArgs, options);
    super(args, 'simple_rnn', []);
  }

  cell(): Cell {
    const act = ACT[this.activation];
    return {
      gateCount: 0,
      extra: false,
      extraIsCell: false,
      flags: 0,
      scratchSize: (k, B, T, I, H, f) => k.rnn_scratch_size(B, T, I, H, f),
      forward: (k, c) =>
        k.rnn_forward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          c.x,
          c.W,
          c.U,
          c.bias,
          c.h0,
          c.mask,
          c.xDrop,
          c.hDrop,
          c.hseq,
          c.hT,
          c.scratch,
        ),
      backward: (k, c) =>
        k.rnn_backward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          c.x,
          c.W,
          c.U,
          c.h0,
          c.mask,
          c.xDrop,
          c.hDrop,
          c.hseq,
          c.dhseq,
          c.dhT,
          c.dW,
          c.dU,
          c.db,
          c.dx,
          c.dh0,
          c.scratch,
        ),
    };
  }
}
