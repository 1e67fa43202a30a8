// Shape layers, as Keras: RepeatVector({ n }), Flatten, Reshape({ targetShape }), Permute({ dims }),
// and Activation({ activation }). Flatten and Reshape change only the shape (row-major data stays
// where it is, so their output is their input's buffer); the others are kernels in
// assembly/shape.ts and assembly/activations.ts.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { ACT, activation, type ActivationName } from './activations.js';
import {
  Layer,
  positiveInt,
  type LayerArgs,
  type ParamSpec,
  type PlanOptions,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';
import { isNumber, kerasPositionalArgs } from './keras-args.js';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

abstract class NoWeights extends Layer {
  paramSpecs(): ParamSpec[] {
    return [];
  }
}

/** Options of RepeatVector: `n`, the number of steps to repeat the vector for. */
export interface RepeatVectorArgs extends LayerArgs {
  n: number;
}

/** [batch, features] → [batch, n, features]: the same vector at every step (a decoder's input). */
export class RepeatVector extends NoWeights {
  get className(): string {
    return 'RepeatVector';
  }
  readonly n: number;

  /** `new RepeatVector({ n: 10 })`, or as Keras: `new RepeatVector(10, { ... })` (snake_case names too). */
  constructor(n: number, options?: Omit<RepeatVectorArgs, 'n'>);
  constructor(args: RepeatVectorArgs);
  constructor(nOrArgs: number | RepeatVectorArgs, options?: Omit<RepeatVectorArgs, 'n'>) {
    const args = kerasPositionalArgs<RepeatVectorArgs>(
      'repeat_vector',
      'RepeatVector',
      '{ n: 10 }',
      [{ name: 'n', is: isNumber }],
      [nOrArgs, options],
    );
    super(args ?? ({} as RepeatVectorArgs), 'repeat_vector');
    this.checkOptions(args, ['n']);
    this.n = positiveInt(this.where, 'n', args.n);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length !== 1 || input[0] === null)
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, features], got ${shapeString([null, ...input])}`,
      );
    return [this.n, input[0]];
  }

  plan(ctx: RunContext, inShape: number[]): Runner {
    const { k, arena } = ctx;
    const [B, F] = inShape,
      n = this.n;
    const out = arena.alloc(B * n * F),
      dx = arena.alloc(B * F);
    return {
      outShape: [B, n, F],
      out,
      outMask: 0,
      forward(x: number) {
        k.repeat_forward(B, n, F, x, out);
      },
      backward(dy: number, needDx: boolean) {
        if (!needDx) return 0;
        k.repeat_backward(B, n, F, dy, dx);
        return dx;
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), n: this.n };
  }
}

/** A pass-through of the data under another shape (Flatten, Reshape). */
function alias(outShape: number[]): Runner {
  let out = 0;
  return {
    outShape,
    get out() {
      return out;
    },
    outMask: 0,
    forward(x: number) {
      out = x;
    },
    backward(dy: number, needDx: boolean) {
      return needDx ? dy : 0;
    },
  };
}

/** Options of Flatten: `dataFormat` ('channelsLast', the only layout, as Keras's 'channels_last'). */
type FlattenArgs = LayerArgs & { dataFormat?: string };

const isString = (v: unknown): boolean => typeof v === 'string';

/** [batch, ...] → [batch, product of the rest]. */
export class Flatten extends NoWeights {
  get className(): string {
    return 'Flatten';
  }

  /** `new Flatten()`, `new Flatten({ ... })`, or as Keras: `new Flatten('channels_last')` (snake_case names too). */
  constructor(dataFormat: string, options?: LayerArgs);
  constructor(args?: FlattenArgs);
  constructor(formatOrArgs?: string | FlattenArgs, options?: LayerArgs) {
    const args = kerasPositionalArgs<FlattenArgs>(
      'flatten',
      'Flatten',
      '{}',
      [{ name: 'dataFormat', is: isString }],
      [formatOrArgs, options],
    );
    super(args ?? {}, 'flatten');
    this.checkOptions(args ?? {}, ['dataFormat']);
    const f = (args ?? {}).dataFormat;
    if (f !== undefined && f !== 'channelsLast' && f !== 'channels_last')
      throw new LstmWasmError(`${this.where}: option 'dataFormat' must be 'channelsLast', got ${describe(f)}`);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.some((d) => d === null))
      throw new LstmWasmError(
        `${this.where}: every size of the input but the batch must be known to flatten it, got ` +
          `${shapeString([null, ...input])}`,
      );
    return [prod(input as number[])];
  }

  plan(_ctx: RunContext, inShape: number[]): Runner {
    return alias([inShape[0], prod(inShape.slice(1))]);
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

/** Options of Reshape: `targetShape`, the shape of one sample. */
export interface ReshapeArgs extends LayerArgs {
  /** The shape of one sample; one size may be -1 (inferred). */
  targetShape: number[];
}

/**
 * Gives each sample another shape with as many values (`targetShape`, one size may be -1); the data stays where it is.
 */
export class Reshape extends NoWeights {
  get className(): string {
    return 'Reshape';
  }
  readonly targetShape: number[];

  /** `new Reshape({ targetShape: [10, 2] })`, or as Keras: `new Reshape([10, 2], { ... })` (snake_case names too). */
  constructor(targetShape: number[], options?: Omit<ReshapeArgs, 'targetShape'>);
  constructor(args: ReshapeArgs);
  constructor(shapeOrArgs: number[] | ReshapeArgs, options?: Omit<ReshapeArgs, 'targetShape'>) {
    const args = kerasPositionalArgs<ReshapeArgs>(
      'reshape',
      'Reshape',
      '{ targetShape: [10, 2] }',
      [{ name: 'targetShape', is: Array.isArray }],
      [shapeOrArgs, options],
    );
    super(args ?? ({} as ReshapeArgs), 'reshape');
    this.checkOptions(args, ['targetShape']);
    const t = args.targetShape;
    if (
      !Array.isArray(t) ||
      t.length === 0 ||
      !t.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) ||
      t.filter((d) => d === -1).length > 1
    ) {
      throw new LstmWasmError(
        `${this.where}: option 'targetShape' must be a non-empty array of positive sizes with at most one -1, such ` +
          `as [10, 2], got ${describe(t)}`,
      );
    }
    this.targetShape = [...t];
  }

  computeOutputShape(input: Shape): Shape {
    if (input.some((d) => d === null))
      throw new LstmWasmError(
        `${this.where}: every size of the input but the batch must be known, got ${shapeString([null, ...input])}`,
      );
    const n = prod(input as number[]);
    const known = prod(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || prod(out) !== n) {
      throw new LstmWasmError(
        `${this.where}: cannot reshape ${shapeString([null, ...input])} (${n} values a sample) to ` +
          `${shapeString([null, ...this.targetShape])}`,
      );
    }
    return out;
  }

  plan(_ctx: RunContext, inShape: number[]): Runner {
    return alias([inShape[0], ...(this.computeOutputShape(inShape.slice(1)) as number[])]);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), targetShape: this.targetShape };
  }
}

/** Options of Permute: `dims`, a permutation of 1..rank (the batch excluded). */
export interface PermuteArgs extends LayerArgs {
  /** The new order of the sample's axes, counted from 1 (as Keras), e.g. [2, 1]. */
  dims: number[];
}

/** Reorders the axes of each sample (`dims`, counted from 1 as in Keras), e.g. [2, 1] swaps steps and features. */
export class Permute extends NoWeights {
  get className(): string {
    return 'Permute';
  }
  readonly dims: number[];

  /** `new Permute({ dims: [2, 1] })`, or as Keras: `new Permute([2, 1], { ... })` (snake_case names too). */
  constructor(dims: number[], options?: Omit<PermuteArgs, 'dims'>);
  constructor(args: PermuteArgs);
  constructor(dimsOrArgs: number[] | PermuteArgs, options?: Omit<PermuteArgs, 'dims'>) {
    const args = kerasPositionalArgs<PermuteArgs>(
      'permute',
      'Permute',
      '{ dims: [2, 1] }',
      [{ name: 'dims', is: Array.isArray }],
      [dimsOrArgs, options],
    );
    super(args ?? ({} as PermuteArgs), 'permute');
    this.checkOptions(args, ['dims']);
    const d = args.dims;
    const ok = Array.isArray(d) && (d.length === 2 || d.length === 3) && [...d].sort().every((v, i) => v === i + 1);
    if (!ok)
      throw new LstmWasmError(
        `${this.where}: option 'dims' must be a permutation of 1..2 or 1..3 (axes of one sample, counted from 1), ` +
          `such as [2, 1], got ${describe(d)}`,
      );
    this.dims = [...d];
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length !== this.dims.length)
      throw new LstmWasmError(
        `${this.where}: dims ${shapeString(this.dims)} needs input of rank ${this.dims.length + 1}, got ` +
          `${shapeString([null, ...input])}`,
      );
    return this.dims.map((d) => input[d - 1]);
  }

  plan(ctx: RunContext, inShape: number[]): Runner {
    const { k, arena } = ctx;
    const B = inShape[0],
      s = inShape.slice(1);
    const rank = s.length;
    const p = this.dims.map((d) => d - 1);
    const inv = p.map((_, i) => p.indexOf(i));
    const outSample = p.map((a) => s[a]);
    const n = B * prod(s);
    const out = arena.alloc(n),
      dx = arena.alloc(n);
    const d = [...s, 1, 1],
      P = [...p, 0, 0],
      Q = [...inv, 0, 0],
      os = [...outSample, 1, 1];
    return {
      outShape: [B, ...outSample],
      out,
      outMask: 0,
      forward(x: number) {
        k.permute(B, rank, d[0], d[1], d[2], P[0], P[1], P[2], x, out);
      },
      backward(dy: number, needDx: boolean) {
        if (!needDx) return 0;
        k.permute(B, rank, os[0], os[1], os[2], Q[0], Q[1], Q[2], dy, dx);
        return dx;
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), dims: this.dims };
  }
}

/** Options of Activation: `activation` ('linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'hardSigmoid'). */
export interface ActivationArgs extends LayerArgs {
  activation: ActivationName | string;
}

/** An activation on its own ('softmax' over the last axis). */
export class Activation extends NoWeights {
  get className(): string {
    return 'Activation';
  }
  readonly activation: ActivationName;

  /**
   * `new Activation({ activation: 'relu' })`, or as Keras: `new Activation('relu', { ... })` (snake_case names too).
   */
  constructor(activation: ActivationName | string, options?: Omit<ActivationArgs, 'activation'>);
  constructor(args: ActivationArgs);
  constructor(nameOrArgs: ActivationName | string | ActivationArgs, options?: Omit<ActivationArgs, 'activation'>) {
    const args = kerasPositionalArgs<ActivationArgs>(
      'activation',
      'Activation',
      "{ activation: 'relu' }",
      [{ name: 'activation', is: isString }],
      [nameOrArgs, options],
    );
    super(args ?? ({} as ActivationArgs), 'activation');
    this.checkOptions(args, ['activation']);
    this.activation = activation(this.where, 'activation', args.activation, 'linear', [
      'linear',
      'relu',
      'sigmoid',
      'tanh',
      'softmax',
      'hardSigmoid',
    ]);
  }

  computeOutputShape(input: Shape): Shape {
    if (this.activation === 'softmax' && input[input.length - 1] === null)
      throw new LstmWasmError(`${this.where}: softmax needs the last size known, got ${shapeString([null, ...input])}`);
    return input;
  }

  get fusableActivation(): string | null {
    return this.activation === 'sigmoid' || this.activation === 'softmax' ? this.activation : null;
  }

  plan(ctx: RunContext, inShape: number[], _params: unknown, options: PlanOptions = {}): Runner {
    const { k, arena } = ctx;
    const n = prod(inShape),
      D = inShape[inShape.length - 1],
      M = n / D;
    const code = ACT[this.activation];
    const fused = !!options.logits && this.fusableActivation !== null;
    const softmax = this.activation === 'softmax';
    const y = arena.alloc(n),
      dx = arena.alloc(n);
    let x = 0,
      mask = 0;
    return {
      outShape: inShape,
      out: y,
      get outMask() {
        return mask;
      },
      get logits() {
        return fused ? x : 0;
      },
      fusedLogits: fused,
      forward(xIn: number, maskIn: number) {
        x = xIn;
        mask = maskIn;
        if (softmax) k.softmax_rows(M, D, x, y);
        else k.act_forward(code, n, x, y);
      },
      backward(dy: number, needDx: boolean) {
        if (!needDx) return 0;
        // With a fused loss, dy is already the gradient at the logits, which are the input.
        if (fused) {
          k.copy_f32(n, dy, dx);
          return dx;
        }
        if (softmax) k.softmax_rows_backward(M, D, y, dy, dx);
        else k.act_backward(code, n, y, dy, dx);
        return dx;
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), activation: this.activation };
  }
}
