// Dropout: in training, zeroes a fraction `rate` of the inputs and scales the rest by 1/(1-rate);
// outside training it passes its input on untouched (no copy).
import { LstmWasmError, describe } from '../errors.js';
import { isNumber, kerasPositionalArgs } from './keras-args.js';
import { Layer, type LayerArgs, type ParamSpec, type RunContext, type Runner, type Shape } from './layer.js';

/** Options of Dropout: `rate` in [0, 1), the fraction of inputs zeroed in training. */
export interface DropoutArgs extends LayerArgs {
  rate: number;
  /** Only null: the draws come from the model's seed (`new Sequential({ seed })`), which makes them reproducible. */
  seed?: null;
}

/**
 * In training, zeroes a fraction `rate` of its inputs and scales the rest by 1/(1 - rate); at
 * inference it passes its input on.
 */
export class Dropout extends Layer {
  get className(): string {
    return 'Dropout';
  }
  readonly rate: number;

  /** `new Dropout({ rate: 0.2 })`, or as Keras: `new Dropout(0.2, { ... })` (snake_case names too). */
  constructor(rate: number, options?: Omit<DropoutArgs, 'rate'>);
  constructor(args: DropoutArgs);
  constructor(rateOrArgs: number | DropoutArgs, options?: Omit<DropoutArgs, 'rate'>) {
    const args = kerasPositionalArgs<DropoutArgs>(
      'dropout',
      'Dropout',
      '{ rate: 0.2 }',
      [{ name: 'rate', is: isNumber }],
      [rateOrArgs, options],
    );
    super(args ?? ({} as DropoutArgs), 'dropout');
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`dropout: expected an options object such as { rate: 0.2 }, got ${describe(args)}`);
    this.checkOptions(args, ['rate', 'seed', 'noiseShape']);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new LstmWasmError(`${this.where}: option 'rate' must be a number in [0, 1), got ${describe(args.rate)}`);
    }
    this.rate = args.rate;
    const seed = (args as { seed?: unknown }).seed;
    if (seed !== undefined && seed !== null)
      throw new LstmWasmError(
        `${this.where}: option 'seed' is not taken per layer: dropout draws come from the ` +
          `model's seed (new Sequential({ seed }) or model({ seed })), got ${describe(seed)}`,
      );
    const ns = (args as { noiseShape?: unknown }).noiseShape;
    if (ns !== undefined && ns !== null)
      throw new LstmWasmError(
        `${this.where}: option 'noiseShape' must be null (lstm-wasm ` +
          `drops single values, not slices), got ${describe(ns)}`,
      );
  }

  computeOutputShape(input: Shape): Shape {
    return input;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate };
  }

  plan(ctx: RunContext, inShape: number[]): Runner {
    const { k, arena } = ctx;
    const n = inShape.reduce((a, b) => a * b, 1);
    const y = arena.alloc(n),
      keep = arena.alloc(n),
      dx = arena.alloc(n);
    const rate = this.rate;
    let out = 0,
      mask = 0,
      active = false;
    return {
      outShape: inShape,
      get out() {
        return out;
      },
      get outMask() {
        return mask;
      },
      forward(x: number, maskIn: number, training: boolean) {
        mask = maskIn;
        active = training && rate > 0;
        if (!active) {
          out = x;
          return;
        }
        k.rng_dropout_mask(ctx.rngState, n, keep, rate);
        k.mul_f32(n, x, keep, y);
        out = y;
      },
      backward(dy: number, needDx: boolean) {
        if (!needDx) return 0;
        if (!active) return dy;
        k.mul_f32(n, dy, keep, dx);
        return dx;
      },
    };
  }
}
