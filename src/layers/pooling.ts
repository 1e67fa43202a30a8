// Pooling over steps, as Keras (channels last): MaxPooling1D and AveragePooling1D ({ poolSize,
// strides, padding: 'valid' | 'same' }; strides default to poolSize; the average over 'same'
// windows counts only the steps inside the sequence, as TensorFlow), GlobalAveragePooling1D and
// GlobalMaxPooling1D ([batch, steps, channels] → [batch, channels]). GlobalAveragePooling1D honours
// the incoming [batch, steps] mask as Keras (the mean over the kept steps; a sequence with every step
// masked gives 0 where Keras gives 0/0); the others ignore it; none passes a mask on. Kernels:
// assembly/conv.ts.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { POOL_AVG, POOL_MAX } from '../runtime/abi.generated.js';
import { bool, Layer, type LayerArgs, type ParamSpec, type RunContext, type Runner, type Shape } from './layer.js';
import { channelsLast, size1 } from './conv.js';
import { isNumberOrList, kerasPositionalArgs, type Positional } from './keras-args.js';

const isString = (v: unknown): boolean => typeof v === 'string';
/** Keras's MaxPooling1D(pool_size, strides, padding) and AveragePooling1D(…) positional arguments. */
const POOL_POSITIONAL: Positional[] = [
  { name: 'poolSize', is: isNumberOrList },
  { name: 'strides', is: isNumberOrList },
  { name: 'padding', is: isString },
];
/** Keras's GlobalAveragePooling1D(data_format) and GlobalMaxPooling1D(…). */
const GLOBAL_POSITIONAL: Positional[] = [{ name: 'dataFormat', is: isString }];

/** Options of MaxPooling1D and AveragePooling1D: `poolSize` (2), `strides` (poolSize), `padding` ('valid', 'same'). */
export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | [number];
  /** Defaults to poolSize (Keras). */
  strides?: number | [number] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

/** The options left after Keras's three positional arguments of MaxPooling1D and AveragePooling1D. */
type PoolOptions = Omit<Pooling1DArgs, 'poolSize' | 'strides' | 'padding'>;

/** Output steps and the steps of padding before step 0, as TensorFlow. */
export function poolGeometry(
  T: number,
  P: number,
  stride: number,
  padding: 'valid' | 'same',
): { To: number; padL: number } {
  if (padding === 'valid') return { To: T >= P ? Math.floor((T - P) / stride) + 1 : 0, padL: 0 };
  const To = Math.ceil(T / stride);
  return { To, padL: Math.floor(Math.max((To - 1) * stride + P - T, 0) / 2) };
}

function sequenceInput(layer: Layer, input: Shape): void {
  if (input.length !== 2)
    throw new LstmWasmError(
      `${layer.where}: expected input of shape [batch, steps, channels], got ${shapeString([null, ...input])}`,
    );
  if (input[1] === null)
    throw new LstmWasmError(
      `${layer.where}: the number of channels (the last size of the input) must be known, got ` +
        `${shapeString([null, ...input])}`,
    );
}

abstract class Pooling1D extends Layer {
  protected abstract readonly kind: number;
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';

  /** `given`: the constructor's arguments, as Keras's positional ones or one options object. */
  constructor(given: unknown[], snake: string, className: string) {
    const args = kerasPositionalArgs<Pooling1DArgs>(snake, className, '{ poolSize: 2 }', POOL_POSITIONAL, given);
    super(args ?? {}, snake);
    const a = args ?? {};
    this.checkOptions(a, ['poolSize', 'strides', 'padding', 'dataFormat']);
    const w = this.where;
    this.poolSize = size1(w, 'poolSize', a.poolSize, 2);
    this.strides = size1(w, 'strides', a.strides, this.poolSize);
    const p = a.padding ?? 'valid';
    if (p !== 'valid' && p !== 'same')
      throw new LstmWasmError(`${w}: option 'padding' must be 'valid' or 'same', got ${describe(a.padding)}`);
    this.padding = p;
    channelsLast(w, a.dataFormat);
  }

  private checkSteps(T: number, input: Shape): number {
    const { To } = poolGeometry(T, this.poolSize, this.strides, this.padding);
    if (To <= 0)
      throw new LstmWasmError(
        `${this.where}: poolSize ${this.poolSize} is longer than the input's ${T} steps with padding 'valid' (input ` +
          `${shapeString([null, ...input])}); use padding 'same' or a smaller poolSize`,
      );
    return To;
  }

  computeOutputShape(input: Shape): Shape {
    sequenceInput(this, input);
    return [input[0] === null ? null : this.checkSteps(input[0], input), input[1]];
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      poolSize: [this.poolSize],
      strides: [this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
    };
  }

  plan(ctx: RunContext, inShape: number[]): Runner {
    const { k, arena } = ctx;
    const [B, T, C] = inShape;
    const P = this.poolSize,
      s = this.strides,
      kind = this.kind;
    const To = this.checkSteps(T, inShape.slice(1));
    const { padL } = poolGeometry(T, P, s, this.padding);
    const y = arena.alloc(B * To * C),
      dx = arena.alloc(B * T * C);
    let x = 0;
    return {
      outShape: [B, To, C],
      out: y,
      outMask: 0,
      forward(xIn: number) {
        x = xIn;
        k.pool1d_forward(kind, B, T, C, P, s, padL, To, x, y);
      },
      backward(dy: number, needDx: boolean) {
        if (!needDx) return 0;
        k.pool1d_backward(kind, B, T, C, P, s, padL, To, x, dy, dx);
        return dx;
      },
    };
  }
}

/** The largest value in each window of `poolSize` steps, per channel. */
export class MaxPooling1D extends Pooling1D {
  get className(): string {
    return 'MaxPooling1D';
  }
  protected readonly kind = POOL_MAX;
  /**
   * `new MaxPooling1D({ poolSize: 2 })`, or as Keras: `new MaxPooling1D(2)`, `new MaxPooling1D(2, 1, 'same')`, then
   * options (snake_case names too).
   */
  constructor(poolSize: number | [number], options?: Omit<Pooling1DArgs, 'poolSize'>);
  constructor(
    poolSize: number | [number],
    strides: number | [number],
    options?: Omit<Pooling1DArgs, 'poolSize' | 'strides'>,
  );
  constructor(
    poolSize: number | [number],
    strides: number | [number],
    padding: 'valid' | 'same',
    options?: PoolOptions,
  );
  constructor(args?: Pooling1DArgs);
  constructor(...given: unknown[]) {
    super(given, 'max_pooling1d', 'MaxPooling1D');
  }
}

/**
 * The mean of each window of `poolSize` steps, per channel; at the edges of 'same' padding, over the steps present (as
 * Keras).
 */
export class AveragePooling1D extends Pooling1D {
  get className(): string {
    return 'AveragePooling1D';
  }
  protected readonly kind = POOL_AVG;
  /**
   * `new AveragePooling1D({ poolSize: 2 })`, or as Keras: `new AveragePooling1D(2)`, `new AveragePooling1D(2, 1,
   * 'same')`, then options (snake_case names too).
   */
  constructor(poolSize: number | [number], options?: Omit<Pooling1DArgs, 'poolSize'>);
  constructor(
    poolSize: number | [number],
    strides: number | [number],
    options?: Omit<Pooling1DArgs, 'poolSize' | 'strides'>,
  );
  constructor(
    poolSize: number | [number],
    strides: number | [number],
    padding: 'valid' | 'same',
    options?: PoolOptions,
  );
  constructor(args?: Pooling1DArgs);
  constructor(...given: unknown[]) {
    super(given, 'average_pooling1d', 'AveragePooling1D');
  }
}

/** Options of the global pooling layers: `keepdims` (false). */
export interface GlobalPooling1DArgs extends LayerArgs {
  dataFormat?: 'channelsLast';
  /** Keep the steps axis (of size 1): [batch, 1, channels] (Keras). */
  keepdims?: boolean;
}

abstract class GlobalPooling1D extends Layer {
  protected abstract readonly kind: number;
  readonly keepdims: boolean;

  /** `given`: the constructor's arguments, as Keras's positional data_format or one options object. */
  constructor(given: unknown[], snake: string, className: string) {
    const args = kerasPositionalArgs<GlobalPooling1DArgs>(
      snake,
      className,
      '{ keepdims: true }',
      GLOBAL_POSITIONAL,
      given,
    );
    super(args ?? {}, snake);
    const a = args ?? {};
    this.checkOptions(a, ['dataFormat', 'keepdims']);
    channelsLast(this.where, a.dataFormat);
    this.keepdims = bool(this.where, 'keepdims', a.keepdims, false);
  }

  computeOutputShape(input: Shape): Shape {
    sequenceInput(this, input);
    return this.keepdims ? [1, input[1]] : [input[1]];
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { ...this.baseConfig(), dataFormat: 'channelsLast' };
    if (this.keepdims) c.keepdims = true;
    return c;
  }

  /** Whether the layer reads the incoming mask. */
  protected get usesMask(): boolean {
    return false;
  }

  plan(ctx: RunContext, inShape: number[]): Runner {
    const { k, arena } = ctx;
    const [B, T, C] = inShape;
    const kind = this.kind,
      usesMask = this.usesMask;
    const y = arena.alloc(B * C),
      dx = arena.alloc(B * T * C);
    let x = 0,
      mask = 0;
    return {
      outShape: this.keepdims ? [B, 1, C] : [B, C],
      out: y,
      outMask: 0,
      forward(xIn: number, maskIn: number) {
        x = xIn;
        mask = usesMask ? maskIn : 0;
        k.global_pool1d_forward(kind, B, T, C, x, mask, y);
      },
      backward(dy: number, needDx: boolean) {
        if (!needDx) return 0;
        k.global_pool1d_backward(kind, B, T, C, x, mask, dy, dx);
        return dx;
      },
    };
  }
}

/**
 * The mean over all steps, per channel: [batch, steps, channels] → [batch, channels]; masked steps are left out, as
 * Keras.
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  get className(): string {
    return 'GlobalAveragePooling1D';
  }
  protected readonly kind = POOL_AVG;
  /**
   * `new GlobalAveragePooling1D()`, `new GlobalAveragePooling1D({ keepdims: true })`, or as Keras: `new
   * GlobalAveragePooling1D('channels_last', { ... })` (snake_case names too).
   */
  constructor(dataFormat: string, options?: Omit<GlobalPooling1DArgs, 'dataFormat'>);
  constructor(args?: GlobalPooling1DArgs);
  constructor(...given: unknown[]) {
    super(given, 'global_average_pooling1d', 'GlobalAveragePooling1D');
  }
  protected get usesMask(): boolean {
    return true;
  }
}

/** The largest value over all steps, per channel: [batch, steps, channels] → [batch, channels]. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  get className(): string {
    return 'GlobalMaxPooling1D';
  }
  protected readonly kind = POOL_MAX;
  /**
   * `new GlobalMaxPooling1D()`, `new GlobalMaxPooling1D({ keepdims: true })`, or as Keras: `new
   * GlobalMaxPooling1D('channels_last', { ... })` (snake_case names too).
   */
  constructor(dataFormat: string, options?: Omit<GlobalPooling1DArgs, 'dataFormat'>);
  constructor(args?: GlobalPooling1DArgs);
  constructor(...given: unknown[]) {
    super(given, 'global_max_pooling1d', 'GlobalMaxPooling1D');
  }
}
