// Masking: a step whose features all equal maskValue is skipped by the recurrent layers after it
// (they carry their state through it), as in Keras. Its output is its input, untouched.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { isNumber, kerasPositionalArgs } from './keras-args.js';
import { Layer, type LayerArgs, type ParamSpec, type RunContext, type Runner, type Shape } from './layer.js';

/** Options of Masking: `maskValue` (0). */
export interface MaskingArgs extends LayerArgs {
  maskValue?: number;
}

/**
 * Marks the steps whose features all equal `maskValue`: recurrent layers after it carry their state
 * through those steps, as Keras.
 */
export class Masking extends Layer {
  get className(): string {
    return 'Masking';
  }
  readonly maskValue: number;

  /** `new Masking({ maskValue: 0 })`, or as Keras: `new Masking(0, { ... })` (snake_case names too). */
  constructor(maskValue: number, options?: Omit<MaskingArgs, 'maskValue'>);
  constructor(args?: MaskingArgs);
  constructor(valueOrArgs?: number | MaskingArgs, options?: Omit<MaskingArgs, 'maskValue'>) {
    const given = kerasPositionalArgs<MaskingArgs | undefined>(
      'masking',
      'Masking',
      '{ maskValue: 0 }',
      [{ name: 'maskValue', is: isNumber }],
      [valueOrArgs, options],
    );
    const args = given === undefined ? {} : given; // new Masking(): every default; null stays an error
    super(args ?? {}, 'masking');
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`masking: expected an options object such as { maskValue: 0 }, got ${describe(args)}`);
    this.checkOptions(args, ['maskValue']);
    const v = args.maskValue ?? 0;
    if (typeof v !== 'number' || Number.isNaN(v))
      throw new LstmWasmError(`${this.where}: option 'maskValue' must be a number, got ${describe(args.maskValue)}`);
    this.maskValue = v;
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length !== 2)
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, steps, features], got ${shapeString([null, ...input])}`,
      );
    return input;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), maskValue: this.maskValue };
  }

  plan(ctx: RunContext, inShape: number[]): Runner {
    const { k, arena } = ctx;
    const [B, T, F] = inShape;
    const mask = arena.alloc(B * T);
    const maskValue = this.maskValue;
    let out = 0;
    return {
      outShape: inShape,
      get out() {
        return out;
      },
      outMask: mask,
      forward(x: number) {
        out = x;
        k.mask_from_values(B, T, F, x, maskValue, mask);
      },
      backward(dy: number, needDx: boolean) {
        return needDx ? dy : 0;
      },
    };
  }
}
