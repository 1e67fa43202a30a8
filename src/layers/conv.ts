// Conv1D, as Keras: input [batch, steps, channels] (channelsLast), kernel [kernelSize, channels,
// filters], bias [filters]; padding 'valid', 'same' (the odd zero after, as TensorFlow) or 'causal'
// ((kernelSize−1)·dilationRate zeros before, so step t sees only steps ≤ t). The kernels are
// assembly/conv.ts (im2col, then the packed GEMM). A mask coming in is not passed on (Keras's Conv1D
// does not support masking).
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { ACT, activation, type ActivationName } from './activations.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import { isNumber, isNumberOrList, kerasPositionalArgs } from './keras-args.js';
import {
  Layer,
  bool,
  regularizer,
  type InitializerSpec,
  type LayerArgs,
  type ParamSlot,
  type ParamSpec,
  type PlanOptions,
  type Regularizer,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';

/**
 * Conv1D padding: 'valid' (no padding), 'same' (output as long as the input at stride 1), 'causal'
 * (left padding: step t sees steps ≤ t).
 */
export type ConvPadding = 'valid' | 'same' | 'causal';

/**
 * Options of Conv1D: `filters`, `kernelSize`, `strides` (1), `padding`, `dilationRate` (1),
 * `activation`, `useBias`, initializers, regularizers.
 */
export interface Conv1DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number];
  strides?: number | [number];
  padding?: ConvPadding;
  dataFormat?: 'channelsLast';
  dilationRate?: number | [number];
  activation?: ActivationName | string;
  useBias?: boolean;
  kernelInitializer?: InitializerName | string;
  biasInitializer?: InitializerName | string;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

/** A positive integer, or a list of one (Keras and TF.js take both for 1-D sizes). */
export function size1(where: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new LstmWasmError(`${where}: option '${name}' is required: a positive integer, got ${describe(v)}`);
  }
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new LstmWasmError(
      `${where}: option '${name}' must be a positive integer (or a list of one), got ${describe(v)}`,
    );
  }
  return n;
}

/** Only channels-last data: [batch, steps, channels]. */
export function channelsLast(where: string, v: unknown): void {
  if (v === undefined || v === null || v === 'channelsLast' || v === 'channels_last') return;
  throw new LstmWasmError(
    `${where}: option 'dataFormat' must be 'channelsLast' (inputs [batch, ` +
      `steps, channels]; lstm-wasm has no channelsFirst), got ${describe(v)}`,
  );
}

/** Output steps and the zeros before step 0, as TensorFlow ('same': ⌊total/2⌋ before, the rest after). */
export function convGeometry(
  T: number,
  K: number,
  stride: number,
  dilation: number,
  padding: ConvPadding,
): { To: number; padL: number } {
  const span = (K - 1) * dilation + 1;
  if (padding === 'valid') return { To: T >= span ? Math.floor((T - span) / stride) + 1 : 0, padL: 0 };
  if (padding === 'causal') return { To: Math.floor((T - 1) / stride) + 1, padL: (K - 1) * dilation };
  const To = Math.ceil(T / stride);
  return { To, padL: Math.floor(Math.max((To - 1) * stride + span - T, 0) / 2) };
}

/** Keras's fans for a kernel [K, C, F]: receptive field K, fan in K·C, fan out K·F. */
function convInit(name: InitializerName, K: number, C: number, F: number): InitializerSpec {
  if (name === 'orthogonal') return { kind: 'orthogonal', gain: 1, rows: K * C, cols: F };
  return initSpec(name, [K * C, K * F]);
}

/**
 * A 1-D convolution over [batch, steps, channels] (channels last), kernel [kernelSize, channels,
 * filters] as Keras; computed as im2col and the packed GEMM.
 */
export class Conv1D extends Layer {
  get className(): string {
    return 'Conv1D';
  }
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: ConvPadding;
  readonly dilationRate: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizer?: Regularizer;
  readonly biasRegularizer?: Regularizer;

  /**
   * `new Conv1D({ filters: 16, kernelSize: 3 })`, or as Keras: `new Conv1D(16, 3, { ... })`, and on to
   * `new Conv1D(16, 3, 2, 'same', { ... })` (filters, kernel_size, strides, padding; snake_case names too).
   */
  constructor(
    filters: number,
    kernelSize: number | [number],
    strides?: number | [number],
    padding?: ConvPadding,
    options?: Omit<Conv1DArgs, 'filters' | 'kernelSize' | 'strides' | 'padding'>,
  );
  constructor(
    filters: number,
    kernelSize: number | [number],
    strides: number | [number],
    options?: Omit<Conv1DArgs, 'filters' | 'kernelSize' | 'strides'>,
  );
  constructor(filters: number, kernelSize: number | [number], options?: Omit<Conv1DArgs, 'filters' | 'kernelSize'>);
  constructor(filters: number, options: Omit<Conv1DArgs, 'filters'>);
  constructor(args: Conv1DArgs);
  constructor(...given: unknown[]) {
    const args = kerasPositionalArgs<Conv1DArgs>(
      'conv1d',
      'Conv1D',
      '{ filters: 16, kernelSize: 3 }',
      [
        { name: 'filters', is: isNumber },
        { name: 'kernelSize', is: isNumberOrList },
        { name: 'strides', is: isNumberOrList },
        { name: 'padding', is: (v) => typeof v === 'string' },
      ],
      given,
    );
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      throw new LstmWasmError(
        `conv1d: expected new Conv1D(filters, kernelSize, { ...options }) or an options object such as ` +
          `{ filters: 16, kernelSize: 3 }, got ${describe(args)}`,
      );
    super(args, 'conv1d');
    this.checkOptions(args, [
      'filters',
      'kernelSize',
      'strides',
      'padding',
      'dataFormat',
      'dilationRate',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'kernelRegularizer',
      'biasRegularizer',
    ]);
    const w = this.where;
    if (typeof args.filters !== 'number' || !Number.isInteger(args.filters) || args.filters <= 0) {
      throw new LstmWasmError(`${w}: option 'filters' must be a positive integer, got ${describe(args.filters)}`);
    }
    this.filters = args.filters;
    this.kernelSize = size1(w, 'kernelSize', args.kernelSize);
    this.strides = size1(w, 'strides', args.strides, 1);
    this.dilationRate = size1(w, 'dilationRate', args.dilationRate, 1);
    const p = args.padding ?? 'valid';
    if (p !== 'valid' && p !== 'same' && p !== 'causal')
      throw new LstmWasmError(
        `${w}: option 'padding' must be 'valid', 'same' or 'causal', got ${describe(args.padding)}`,
      );
    this.padding = p;
    channelsLast(w, args.dataFormat);
    if (this.strides > 1 && this.dilationRate > 1) {
      // As Keras and TF.js (tf.conv1d): one of the two must be 1.
      throw new LstmWasmError(
        `${w}: strides ${this.strides} and dilationRate ${this.dilationRate} ` +
          'cannot both be above 1 (as in Keras and TF.js); use one of them',
      );
    }
    this.activation = activation(w, 'activation', args.activation, 'linear', [
      'linear',
      'relu',
      'sigmoid',
      'tanh',
      'softmax',
      'hardSigmoid',
    ]);
    this.useBias = bool(w, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerName(w, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerName(w, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizer(w, 'kernelRegularizer', args.kernelRegularizer);
    this.biasRegularizer = regularizer(w, 'biasRegularizer', args.biasRegularizer);
  }

  private checkSteps(T: number, input: Shape): number {
    const { To } = convGeometry(T, this.kernelSize, this.strides, this.dilationRate, this.padding);
    if (To <= 0) {
      const span = (this.kernelSize - 1) * this.dilationRate + 1;
      throw new LstmWasmError(
        `${this.where}: kernelSize ${this.kernelSize}` +
          (this.dilationRate > 1 ? ` with dilationRate ${this.dilationRate} (a span of ${span} steps)` : '') +
          ` is longer than the input's ${T} steps with padding 'valid' ` +
          `(input ${shapeString([null, ...input])}); use padding ` +
          "'same' or 'causal', a shorter kernel, or longer sequences",
      );
    }
    return To;
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length !== 2)
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, steps, channels], got ${shapeString([null, ...input])}`,
      );
    if (input[1] === null)
      throw new LstmWasmError(
        `${this.where}: the number of channels (the last size of the ` +
          `input) must be known, got ${shapeString([null, ...input])}`,
      );
    const T = input[0];
    return [T === null ? null : this.checkSteps(T, input), this.filters];
  }

  paramSpecs(input: Shape): ParamSpec[] {
    const K = this.kernelSize,
      C = input[input.length - 1] as number,
      F = this.filters;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [K, C, F],
        init: convInit(this.kernelInitializer, K, C, F),
        regularizer: this.kernelRegularizer,
      },
    ];
    if (this.useBias)
      specs.push({
        name: 'bias',
        shape: [F],
        init: initSpec(this.biasInitializer, [F]),
        regularizer: this.biasRegularizer,
      });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: [this.dilationRate],
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
    if (this.kernelRegularizer) c.kernelRegularizer = this.kernelRegularizer;
    if (this.biasRegularizer) c.biasRegularizer = this.biasRegularizer;
    return c;
  }

  /** A loss may compute from this layer's logits (planned with { logits: true }). */
  get fusableActivation(): string | null {
    return this.activation === 'sigmoid' || this.activation === 'softmax' ? this.activation : null;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[], options: PlanOptions = {}): Runner {
    const { k, arena } = ctx;
    const [B, T, C] = inShape;
    const F = this.filters,
      K = this.kernelSize,
      s = this.strides,
      d = this.dilationRate;
    const To = this.checkSteps(T, inShape.slice(1));
    const { padL } = convGeometry(T, K, s, d, this.padding);
    const [W] = params;
    const bias = this.useBias ? params[1] : null;
    const y = arena.alloc(B * To * F);
    const fused = !!options.logits && this.fusableActivation !== null;
    const logits = fused ? arena.alloc(B * To * F) : 0;
    const cols = arena.alloc(k.conv1d_cols_size(B, To, C, K));
    const scratch = arena.alloc(k.conv1d_scratch_size(B, To, C, F, K));
    const dx = arena.alloc(B * T * C);
    const act = ACT[this.activation];
    const n = B * To * F;
    return {
      outShape: [B, To, F],
      out: y,
      outMask: 0,
      logits,
      fusedLogits: fused,
      forward(x: number) {
        if (fused) {
          k.conv1d_forward(
            B,
            T,
            C,
            F,
            K,
            s,
            d,
            padL,
            To,
            ACT.linear,
            x,
            W.ptr,
            bias ? bias.ptr : 0,
            logits,
            cols,
            scratch,
          );
          if (act === ACT.softmax) k.softmax_rows(B * To, F, logits, y);
          else k.act_forward(act, n, logits, y);
        } else {
          k.conv1d_forward(B, T, C, F, K, s, d, padL, To, act, x, W.ptr, bias ? bias.ptr : 0, y, cols, scratch);
        }
      },
      backward(dy: number, needDx: boolean) {
        // With a fused loss, dy is already the gradient at the logits.
        k.conv1d_backward(
          B,
          T,
          C,
          F,
          K,
          s,
          d,
          padL,
          To,
          fused ? ACT.linear : act,
          W.ptr,
          y,
          dy,
          cols,
          W.grad,
          bias ? bias.grad : 0,
          needDx ? dx : 0,
          scratch,
        );
        return needDx ? dx : 0;
      },
    };
  }
}
