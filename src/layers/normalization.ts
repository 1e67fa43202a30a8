// LayerNormalization, as Keras, over the last axis only: y = (x − mean)/√(var + epsilon)·gamma + beta
// per position, mean and (biased) variance over the features. Weights gamma [features] (scale) and
// beta [features] (center), in that order (Keras's). The mask passes through. Kernels:
// assembly/norm.ts.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import {
  Layer,
  bool,
  regularizer,
  type LayerArgs,
  type ParamSlot,
  type ParamSpec,
  type Regularizer,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';
import { isNumber, isNumberOrList, kerasPositionalArgs, type Positional } from './keras-args.js';

const isBool = (v: unknown): boolean => typeof v === 'boolean';
/** Keras's LayerNormalization(axis, epsilon, center, scale) positional arguments. */
const POSITIONAL: Positional[] = [
  { name: 'axis', is: isNumberOrList },
  { name: 'epsilon', is: isNumber },
  { name: 'center', is: isBool },
  { name: 'scale', is: isBool },
];

/**
 * Options of LayerNormalization: `axis` (-1, the only one supported), `epsilon` (1e-3), `center`, `scale`, initializers
 * and regularizers of beta and gamma.
 */
export interface LayerNormalizationArgs extends LayerArgs {
  /** -1 (the last axis), or the last axis's index counted with the batch, or a list of it. */
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerName | string;
  gammaInitializer?: InitializerName | string;
  betaRegularizer?: Regularizer;
  gammaRegularizer?: Regularizer;
}

/**
 * The options after Keras's positional arguments of LayerNormalization (those given by position may not be repeated).
 */
type NormOptions = Omit<LayerNormalizationArgs, 'axis'>;

/**
 * Normalizes each position over its last axis to mean 0 and variance 1, then scales by gamma and shifts by beta
 * (weights [gamma, beta], as Keras).
 */
export class LayerNormalization extends Layer {
  get className(): string {
    return 'LayerNormalization';
  }
  /** As given (checked against the input's rank when applied: only the last axis is normalized). */
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerName;
  readonly gammaInitializer: InitializerName;
  readonly betaRegularizer?: Regularizer;
  readonly gammaRegularizer?: Regularizer;

  /**
   * `new LayerNormalization({ epsilon: 1e-6 })`, or as Keras: `new LayerNormalization(-1, 1e-6, { ... })` (snake_case
   * names too).
   */
  constructor(
    axis: number | number[],
    epsilon?: number | NormOptions,
    center?: boolean | NormOptions,
    scale?: boolean | NormOptions,
    options?: NormOptions,
  );
  constructor(args?: LayerNormalizationArgs);
  constructor(...given: unknown[]) {
    const args = kerasPositionalArgs<LayerNormalizationArgs>(
      'layer_normalization',
      'LayerNormalization',
      '{ epsilon: 1e-6 }',
      POSITIONAL,
      given,
    );
    super(args ?? {}, 'layer_normalization');
    const a = args ?? {};
    this.checkOptions(a, [
      'axis',
      'epsilon',
      'center',
      'scale',
      'betaInitializer',
      'gammaInitializer',
      'betaRegularizer',
      'gammaRegularizer',
    ]);
    const w = this.where;
    const ax = Array.isArray(a.axis) && a.axis.length === 1 ? a.axis[0] : (a.axis ?? -1);
    if (typeof ax !== 'number' || !Number.isInteger(ax) || ax === 0 || ax < -1) {
      throw new LstmWasmError(
        `${w}: option 'axis' must be -1 (the last axis; lstm-wasm normalizes over the last axis only), got ` +
          `${describe(a.axis)}`,
      );
    }
    this.axis = ax;
    const eps = a.epsilon ?? 1e-3;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps))
      throw new LstmWasmError(`${w}: option 'epsilon' must be a positive number, got ${describe(a.epsilon)}`);
    this.epsilon = eps;
    this.center = bool(w, 'center', a.center, true);
    this.scale = bool(w, 'scale', a.scale, true);
    this.betaInitializer = initializerName(w, 'betaInitializer', a.betaInitializer, 'zeros');
    this.gammaInitializer = initializerName(w, 'gammaInitializer', a.gammaInitializer, 'ones');
    this.betaRegularizer = regularizer(w, 'betaRegularizer', a.betaRegularizer);
    this.gammaRegularizer = regularizer(w, 'gammaRegularizer', a.gammaRegularizer);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1)
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, ..., features], got ${shapeString([null, ...input])}`,
      );
    if (this.axis !== -1 && this.axis !== input.length) {
      throw new LstmWasmError(
        `${this.where}: option 'axis' ${this.axis} is not the last axis of input ${shapeString([null, ...input])} ` +
          `(that is -1 or ${input.length}); lstm-wasm normalizes over the last axis only`,
      );
    }
    if (input[input.length - 1] === null)
      throw new LstmWasmError(
        `${this.where}: the last size of the input must be known, got ${shapeString([null, ...input])}`,
      );
    return input;
  }

  paramSpecs(input: Shape): ParamSpec[] {
    const D = input[input.length - 1] as number;
    const specs: ParamSpec[] = [];
    if (this.scale)
      specs.push({
        name: 'gamma',
        shape: [D],
        init: initSpec(this.gammaInitializer, [D]),
        regularizer: this.gammaRegularizer,
      });
    if (this.center)
      specs.push({
        name: 'beta',
        shape: [D],
        init: initSpec(this.betaInitializer, [D]),
        regularizer: this.betaRegularizer,
      });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: this.betaInitializer,
      gammaInitializer: this.gammaInitializer,
    };
    if (this.betaRegularizer) c.betaRegularizer = this.betaRegularizer;
    if (this.gammaRegularizer) c.gammaRegularizer = this.gammaRegularizer;
    return c;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const { k, arena } = ctx;
    const D = inShape[inShape.length - 1];
    const M = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
    const gamma = this.scale ? params[0] : null;
    const beta = this.center ? params[this.scale ? 1 : 0] : null;
    const eps = this.epsilon;
    const y = arena.alloc(M * D),
      mean = arena.alloc(M),
      rstd = arena.alloc(M),
      dx = arena.alloc(M * D);
    let x = 0,
      mask = 0;
    return {
      outShape: inShape,
      out: y,
      get outMask() {
        return mask;
      },
      forward(xIn: number, maskIn: number) {
        x = xIn;
        mask = maskIn;
        k.layer_norm_forward(M, D, eps, x, gamma ? gamma.ptr : 0, beta ? beta.ptr : 0, y, mean, rstd);
      },
      backward(dy: number, needDx: boolean) {
        k.layer_norm_backward(
          M,
          D,
          x,
          gamma ? gamma.ptr : 0,
          mean,
          rstd,
          dy,
          needDx ? dx : 0,
          gamma ? gamma.grad : 0,
          beta ? beta.grad : 0,
        );
        return needDx ? dx : 0;
      },
    };
  }
}
