// LSTM, GRU and SimpleRNN: the option handling they share, and one Runner each over the
// kernels in assembly/lstm.ts, gru.ts and rnn.ts. A whole sequence is one kernel call.
import { LstmWasmError, describe } from '../errors.js';
import { firstNonFinite, shapeString, toTensor, type TensorLike } from '../tensor.js';
import { ACT, activation, type ActivationName } from './activations.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import {
  Layer, bool, expectRank, positiveInt, rate, regularizer,
  type LayerArgs, type ParamSlot, type ParamSpec, type Regularizer, type RunContext, type Runner, type Shape,
} from './layer.js';

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

export interface LSTMArgs extends RecurrentArgs {
  recurrentActivation?: ActivationName | string;
  unitForgetBias?: boolean;
  peephole?: boolean;
}

export interface GRUArgs extends RecurrentArgs {
  recurrentActivation?: ActivationName | string;
  resetAfter?: boolean;
}

const COMMON_OPTIONS = [
  'units', 'activation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer',
  'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'dropout', 'recurrentDropout',
  'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'implementation',
];

const ELEMENTWISE: ActivationName[] = ['tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear'];

const FLAG_PEEPHOLE = 1, FLAG_RESET_AFTER = 1, FLAG_GO_BACKWARDS = 2, FLAG_PACKED = 8;

/** Tracks whether a runner's scratch still holds its packed weights (see RunContext.generation). */
class PackedWeights {
  private at = -1;
  constructor(private readonly ctx: RunContext) {}
  /** The flag to pass for this forward, and remember whether this one leaves them packed. */
  flag(training: boolean): number {
    const valid = this.at === this.ctx.generation;
    this.at = training ? -1 : this.ctx.generation; // a backward pass reuses the scratch
    return valid ? FLAG_PACKED : 0;
  }
}

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
  protected abstract readonly blocks: number;
  /** Persistent state (stateful): h, then c for LSTM; set by bindState. */
  protected statePtr = 0;
  protected stateCtx: RunContext | null = null;

  constructor(args: RecurrentArgs, snake: string, extra: string[]) {
    super(args, snake);
    if (args === null || typeof args !== 'object') throw new LstmWasmError(`${snake}: expected an options object such as { units: 32 }, got ${describe(args)}`);
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
    if (this.stateful && this.batchSize === null) {
      throw new LstmWasmError(`${w}: a stateful layer needs a fixed batch size: give 'batchInputShape' such as [1, null, features] instead of 'inputShape' (as in Keras)`);
    }
  }

  computeOutputShape(input: Shape): Shape {
    expectRank(this, input, 2, '[batch, steps, features] (rank 3)');
    if (input[1] === null) throw new LstmWasmError(`${this.where}: the number of features (last size of the input shape) must be known, got ${shapeString([null, ...input])}`);
    return this.returnSequences ? [input[0], this.units] : [this.units];
  }

  protected features(input: Shape): number {
    return input[input.length - 1] as number;
  }

  /** Keras names and order: kernel, recurrent_kernel, bias. */
  paramSpecs(input: Shape): ParamSpec[] {
    const I = this.features(input), H = this.units, G = this.blocks;
    const specs: ParamSpec[] = [
      { name: 'kernel', shape: [I, G * H], init: initSpec(this.kernelInitializer, [I, G * H]), regularizer: this.kernelRegularizer },
      { name: 'recurrent_kernel', shape: [H, G * H], init: initSpec(this.recurrentInitializer, [H, G * H]), regularizer: this.recurrentRegularizer },
    ];
    if (this.useBias) specs.push({ name: 'bias', shape: this.biasShape(), init: this.biasInit(), regularizer: this.biasRegularizer });
    return specs;
  }

  protected biasShape(): number[] {
    return [this.blocks * this.units];
  }

  protected biasInit(): ParamSpec['init'] {
    return initSpec(this.biasInitializer, this.biasShape());
  }

  /** h (and c) per sequence of the fixed batch. */
  protected abstract readonly stateCount: number;

  stateSize(_input: Shape, batch: number | null): number {
    return this.stateful ? (batch ?? 0) * this.units * this.stateCount : 0;
  }

  bindState(ptr: number, ctx: RunContext | null): void {
    this.statePtr = ptr;
    this.stateCtx = ctx;
  }

  resetStates(): void {
    this.checkStateful('resetStates');
    this.stateCtx!.k.fill_f32((this.batchSize as number) * this.units * this.stateCount, this.statePtr, 0);
  }

  /** The current state (stateful layers): [h] or [h, c], each [batch, units]. */
  getStates(): { data: Float32Array; shape: number[] }[] {
    this.checkStateful('getStates');
    const n = (this.batchSize as number) * this.units;
    const out: { data: Float32Array; shape: number[] }[] = [];
    for (let i = 0; i < this.stateCount; i++) out.push({ data: this.stateCtx!.arena.read(this.statePtr + i * n * 4, n), shape: [this.batchSize as number, this.units] });
    return out;
  }

  /** Sets state i (0: h, 1: c) of a stateful layer, as getStates() returns it. */
  setState(i: number, values: TensorLike): void {
    this.checkStateful('setState');
    const n = (this.batchSize as number) * this.units;
    if (!Number.isInteger(i) || i < 0 || i >= this.stateCount) {
      throw new LstmWasmError(`${this.where}: setState: state index ${describe(i)} does not exist: it must be ${this.stateCount === 2 ? '0 (h) or 1 (c)' : '0 (h)'}`);
    }
    const t = toTensor(values, 'values', `${this.where}: setState`);
    if (t.data.length !== n) throw new LstmWasmError(`${this.where}: state ${i} must hold ${n} values ([${this.batchSize}, ${this.units}]), got ${t.data.length}`);
    const bad = firstNonFinite(t.data);
    if (bad >= 0) throw new LstmWasmError(`${this.where}: setState: values must be finite, got ${t.data[bad]} at ${bad}`);
    this.stateCtx!.arena.write(this.statePtr + i * n * 4, t.data);
  }

  private checkStateful(what: string): void {
    if (!this.stateful) throw new LstmWasmError(`${this.where}: ${what}() is for stateful layers; this one was made with stateful: false`);
    if (!this.stateCtx) {
      throw new LstmWasmError(this.owner && (this.owner as { isDisposed?: boolean }).isDisposed
        ? `${this.where}: ${what}(): its model was disposed`
        : `${this.where}: ${what}() needs the layer to belong to a built model`);
    }
  }

  protected flags(): number {
    return this.goBackwards ? FLAG_GO_BACKWARDS : 0;
  }

  protected checkPlan(inShape: number[]): [number, number, number] {
    const [B, T, I] = inShape;
    if (this.stateful && B !== this.batchSize) {
      throw new LstmWasmError(`${this.where}: this stateful layer was built for batches of ${this.batchSize} (batchInputShape), got a batch of ${B}`);
    }
    return [B, T, I];
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(), units: this.units, activation: this.activation, useBias: this.useBias,
      kernelInitializer: this.kernelInitializer, recurrentInitializer: this.recurrentInitializer, biasInitializer: this.biasInitializer,
      dropout: this.dropout, recurrentDropout: this.recurrentDropout, returnSequences: this.returnSequences,
      returnState: this.returnState, goBackwards: this.goBackwards, stateful: this.stateful,
    };
    if (this.kernelRegularizer) c.kernelRegularizer = this.kernelRegularizer;
    if (this.recurrentRegularizer) c.recurrentRegularizer = this.recurrentRegularizer;
    if (this.biasRegularizer) c.biasRegularizer = this.biasRegularizer;
    return c;
  }
}

/** Buffers every recurrent runner has. */
interface Common {
  B: number; T: number; I: number; H: number;
  hseq: number; hT: number; xDrop: number; hDrop: number; dx: number; scratch: number;
}

function planCommon(layer: Recurrent, ctx: RunContext, inShape: number[], scratchFloats: number): Common {
  const { arena } = ctx;
  const [B, T, I] = inShape;
  const H = layer.units;
  return {
    B, T, I, H,
    hseq: arena.alloc(B * T * H),
    hT: arena.alloc(B * H),
    xDrop: layer.dropout > 0 ? arena.alloc(B * I) : 0,
    hDrop: layer.recurrentDropout > 0 ? arena.alloc(B * H) : 0,
    dx: arena.alloc(B * T * I),
    scratch: arena.alloc(scratchFloats),
  };
}

/** Dropout masks for this batch, or none (0) outside training: the kernels then skip them. */
function drawMasks(layer: Recurrent, ctx: RunContext, c: Common, training: boolean): [number, number] {
  const { k } = ctx;
  if (!training) return [0, 0];
  if (c.xDrop) k.rng_dropout_mask(ctx.rngState, c.B * c.I, c.xDrop, layer.dropout);
  if (c.hDrop) k.rng_dropout_mask(ctx.rngState, c.B * c.H, c.hDrop, layer.recurrentDropout);
  return [c.xDrop, c.hDrop];
}

export class LSTM extends Recurrent {
  get className(): string {
    return 'LSTM';
  }
  protected readonly blocks = 4;
  protected readonly stateCount = 2;
  readonly recurrentActivation: ActivationName;
  readonly unitForgetBias: boolean;
  readonly peephole: boolean;

  constructor(args: LSTMArgs) {
    super(args, 'lstm', ['recurrentActivation', 'unitForgetBias', 'peephole']);
    this.recurrentActivation = activation(this.where, 'recurrentActivation', args.recurrentActivation, 'sigmoid', ELEMENTWISE);
    this.unitForgetBias = bool(this.where, 'unitForgetBias', args.unitForgetBias, true);
    this.peephole = bool(this.where, 'peephole', args.peephole, false);
  }

  protected biasInit(): ParamSpec['init'] {
    // Keras: with unitForgetBias the bias starts at zeros except ones on the forget gate.
    return this.unitForgetBias && this.biasInitializer === 'zeros' ? { kind: 'forgetBias', units: this.units, blocks: 4 } : super.biasInit();
  }

  /** Peepholes come after the bias: p_i, p_f, p_o. */
  paramSpecs(input: Shape): ParamSpec[] {
    const specs = super.paramSpecs(input);
    if (this.peephole) specs.push({ name: 'peephole', shape: [3 * this.units], init: { kind: 'zeros' } });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, unitForgetBias: this.unitForgetBias, peephole: this.peephole };
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const { k, arena } = ctx;
    const [B, T, I] = this.checkPlan(inShape);
    const H = this.units;
    const flags = this.flags() | (this.peephole ? FLAG_PEEPHOLE : 0);
    const c = planCommon(this, ctx, inShape, k.lstm_scratch_size(B, T, I, H, flags));
    const gates = arena.alloc(B * T * 4 * H), cseq = arena.alloc(B * T * H), cT = arena.alloc(B * H);
    const [W, U] = params;
    const bias = this.useBias ? params[2] : null;
    const peep = this.peephole ? params[this.useBias ? 3 : 2] : null;
    const h0 = this.stateful ? arena.alloc(B * H) : 0, c0 = this.stateful ? arena.alloc(B * H) : 0;
    const act = ACT[this.activation], rec = ACT[this.recurrentActivation];
    let mask = 0, xDrop = 0, hDrop = 0, x = 0;
    const layer = this;
    const packed = new PackedWeights(ctx);
    return {
      outShape: this.returnSequences ? [B, T, H] : [B, H],
      out: this.returnSequences ? c.hseq : c.hT,
      get outMask() { return layer.returnSequences ? mask : 0; },
      states: [{ ptr: c.hT, shape: [B, H] }, { ptr: cT, shape: [B, H] }],
      trace: { gates, gateCount: 4, cells: cseq, hidden: c.hseq },
      forward(xIn: number, maskIn: number, training: boolean) {
        x = xIn; mask = maskIn;
        [xDrop, hDrop] = drawMasks(layer, ctx, c, training);
        if (h0) { k.copy_f32(B * H, layer.statePtr, h0); k.copy_f32(B * H, layer.statePtr + B * H * 4, c0); }
        k.lstm_forward(B, T, I, H, flags | packed.flag(training), act, rec, x, W.ptr, U.ptr, bias ? bias.ptr : 0, peep ? peep.ptr : 0, h0, c0, mask, xDrop, hDrop,
          gates, cseq, c.hseq, c.hT, cT, c.scratch);
        if (h0) { k.copy_f32(B * H, c.hT, layer.statePtr); k.copy_f32(B * H, cT, layer.statePtr + B * H * 4); }
      },
      backward(dy: number, needDx: boolean) {
        const seq = layer.returnSequences;
        k.lstm_backward(B, T, I, H, flags, act, rec, x, W.ptr, U.ptr, peep ? peep.ptr : 0, h0, c0, mask, xDrop, hDrop,
          gates, cseq, c.hseq, seq ? dy : 0, seq ? 0 : dy, 0,
          W.grad, U.grad, bias ? bias.grad : 0, peep ? peep.grad : 0, needDx ? c.dx : 0, 0, 0, c.scratch);
        return needDx ? c.dx : 0;
      },
    } as Runner;
  }
}

export class GRU extends Recurrent {
  get className(): string {
    return 'GRU';
  }
  protected readonly blocks = 3;
  protected readonly stateCount = 1;
  readonly recurrentActivation: ActivationName;
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args, 'gru', ['recurrentActivation', 'resetAfter']);
    this.recurrentActivation = activation(this.where, 'recurrentActivation', args.recurrentActivation, 'sigmoid', ELEMENTWISE);
    this.resetAfter = bool(this.where, 'resetAfter', args.resetAfter, true);
  }

  protected biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const { k, arena } = ctx;
    const [B, T, I] = this.checkPlan(inShape);
    const H = this.units;
    const flags = this.flags() | (this.resetAfter ? FLAG_RESET_AFTER : 0);
    const c = planCommon(this, ctx, inShape, k.gru_scratch_size(B, T, I, H, flags));
    const gates = arena.alloc(B * T * 3 * H), hrec = arena.alloc(B * T * H);
    const [W, U] = params;
    const bias = this.useBias ? params[2] : null;
    const h0 = this.stateful ? arena.alloc(B * H) : 0;
    const act = ACT[this.activation], rec = ACT[this.recurrentActivation];
    let mask = 0, xDrop = 0, hDrop = 0, x = 0;
    const layer = this;
    const packed = new PackedWeights(ctx);
    return {
      outShape: this.returnSequences ? [B, T, H] : [B, H],
      out: this.returnSequences ? c.hseq : c.hT,
      get outMask() { return layer.returnSequences ? mask : 0; },
      states: [{ ptr: c.hT, shape: [B, H] }],
      trace: { gates, gateCount: 3, cells: 0, hidden: c.hseq },
      forward(xIn: number, maskIn: number, training: boolean) {
        x = xIn; mask = maskIn;
        [xDrop, hDrop] = drawMasks(layer, ctx, c, training);
        if (h0) k.copy_f32(B * H, layer.statePtr, h0);
        k.gru_forward(B, T, I, H, flags | packed.flag(training), act, rec, x, W.ptr, U.ptr, bias ? bias.ptr : 0, h0, mask, xDrop, hDrop, gates, hrec, c.hseq, c.hT, c.scratch);
        if (h0) k.copy_f32(B * H, c.hT, layer.statePtr);
      },
      backward(dy: number, needDx: boolean) {
        const seq = layer.returnSequences;
        k.gru_backward(B, T, I, H, flags, act, rec, x, W.ptr, U.ptr, bias ? bias.ptr : 0, h0, mask, xDrop, hDrop, gates, hrec, c.hseq,
          seq ? dy : 0, seq ? 0 : dy, W.grad, U.grad, bias ? bias.grad : 0, needDx ? c.dx : 0, 0, c.scratch);
        return needDx ? c.dx : 0;
      },
    } as Runner;
  }
}

export class SimpleRNN extends Recurrent {
  get className(): string {
    return 'SimpleRNN';
  }
  protected readonly blocks = 1;
  protected readonly stateCount = 1;

  constructor(args: RecurrentArgs) {
    super(args, 'simple_rnn', []);
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const { k, arena } = ctx;
    const [B, T, I] = this.checkPlan(inShape);
    const H = this.units;
    const flags = this.flags();
    const c = planCommon(this, ctx, inShape, k.rnn_scratch_size(B, T, I, H, flags));
    const [W, U] = params;
    const bias = this.useBias ? params[2] : null;
    const h0 = this.stateful ? arena.alloc(B * H) : 0;
    const act = ACT[this.activation];
    let mask = 0, xDrop = 0, hDrop = 0, x = 0;
    const layer = this;
    const packed = new PackedWeights(ctx);
    return {
      outShape: this.returnSequences ? [B, T, H] : [B, H],
      out: this.returnSequences ? c.hseq : c.hT,
      get outMask() { return layer.returnSequences ? mask : 0; },
      states: [{ ptr: c.hT, shape: [B, H] }],
      trace: { gates: 0, gateCount: 0, cells: 0, hidden: c.hseq },
      forward(xIn: number, maskIn: number, training: boolean) {
        x = xIn; mask = maskIn;
        [xDrop, hDrop] = drawMasks(layer, ctx, c, training);
        if (h0) k.copy_f32(B * H, layer.statePtr, h0);
        k.rnn_forward(B, T, I, H, flags | packed.flag(training), act, x, W.ptr, U.ptr, bias ? bias.ptr : 0, h0, mask, xDrop, hDrop, c.hseq, c.hT, c.scratch);
        if (h0) k.copy_f32(B * H, c.hT, layer.statePtr);
      },
      backward(dy: number, needDx: boolean) {
        const seq = layer.returnSequences;
        k.rnn_backward(B, T, I, H, flags, act, x, W.ptr, U.ptr, h0, mask, xDrop, hDrop, c.hseq, seq ? dy : 0, seq ? 0 : dy,
          W.grad, U.grad, bias ? bias.grad : 0, needDx ? c.dx : 0, 0, c.scratch);
        return needDx ? c.dx : 0;
      },
    } as Runner;
  }
}
