// Merge layers, as Keras: Concatenate({ axis }), Add, Subtract, Multiply, Average, Maximum,
// Minimum. apply([a, b, ...]) on tensors of one shape (Concatenate: equal but along its axis).
// n-ary merges are a left fold of the binary kernels (assembly/shape.ts), whose partial results
// are kept for the backward pass. Masks: the AND of the inputs' masks (Concatenate along the time
// axis concatenates them), as Keras's compute_mask.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { EW } from '../runtime/abi.js';
import {
  Layer,
  type LayerArgs,
  type NodeRunner,
  type ParamSlot,
  type ParamSpec,
  type PlanOptions,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';
import type { CallOptions, Node } from '../engine/symbolic.js';
import { isNumber, kerasPositionalArgs } from './keras-args.js';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

abstract class Merge extends Layer {
  /** `read`: the options are as the user gave them (snake_case names read here); else already read. */
  constructor(args: LayerArgs, snake: string, extra: string[] = [], read = true) {
    const a = read ? kerasPositionalArgs<LayerArgs>(snake, '', '{}', [], [args]) : args;
    super(a ?? {}, snake);
    this.checkOptions(a ?? {}, extra);
  }

  /** Fewest inputs the merge takes. */
  protected get minInputs(): number {
    return 2;
  }

  protected get maxInputs(): number {
    return Infinity;
  }

  computeOutputShape(_input: Shape): Shape {
    throw new LstmWasmError(
      `${this.where}: a merge layer takes a list of at least ${this.minInputs} tensors: apply([a, b])`,
    );
  }

  computeOutputShapes(inputs: Shape[], _call: CallOptions = {}): Shape[] {
    if (inputs.length < this.minInputs || inputs.length > this.maxInputs) {
      const want = this.maxInputs === this.minInputs ? `exactly ${this.minInputs}` : `at least ${this.minInputs}`;
      throw new LstmWasmError(`${this.where}: expected ${want} input tensors, got ${inputs.length}`);
    }
    return [this.mergedShape(inputs)];
  }

  protected mergedShape(inputs: Shape[]): Shape {
    const first = shapeString(inputs[0]);
    inputs.forEach((s, i) => {
      if (shapeString(s) !== first) {
        throw new LstmWasmError(
          `${this.where}: every input must have the same shape; input 0 is ${shapeString([null, ...inputs[0]])}, ` +
            `input ${i} is ${shapeString([null, ...s])}`,
        );
      }
    });
    return inputs[0];
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  paramSpecsFor(): ParamSpec[] {
    return [];
  }

  plan(): Runner {
    throw new LstmWasmError(
      `${this.where}: a merge layer takes several inputs; it runs as a node of a functional model`,
    );
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

/** The mask of a merge: the AND of the masks given (0 when none is). */
function andMasks(ctx: RunContext, n: number, masks: number[], out: number): number {
  const present = masks.filter((m) => m !== 0);
  if (present.length === 0) return 0;
  if (present.length === 1) return present[0];
  ctx.k.mul_f32(n, present[0], present[1], out);
  for (let i = 2; i < present.length; i++) ctx.k.mul_f32(n, out, present[i], out);
  return out;
}

/** Add, Subtract, Multiply, Maximum, Minimum, Average: elementwise folds. */
abstract class Elementwise extends Merge {
  protected abstract readonly op: number;
  /** Average scales the sum by 1/n. */
  protected readonly average: boolean = false;

  planNode(
    ctx: RunContext,
    inShapes: number[][],
    _params: ParamSlot[],
    _options: PlanOptions = {},
    _node?: Node,
  ): NodeRunner {
    const { k, arena } = ctx;
    const shape = inShapes[0];
    const N = prod(shape),
      m = inShapes.length;
    const op = this.op,
      average = this.average;
    // partial[j] = op(partial[j-1], x[j]), partial[0] = x[0]; the last one is the output (before Average's scale).
    const partial = [0, ...Array.from({ length: m - 1 }, () => arena.alloc(N))];
    const out = average ? arena.alloc(N) : partial[m - 1];
    const dxs = inShapes.map(() => arena.alloc(N));
    const g = m > 2 ? [arena.alloc(N), arena.alloc(N)] : [];
    const gScaled = average ? arena.alloc(N) : 0;
    const rank3 = shape.length === 3;
    const maskOut = rank3 ? arena.alloc(shape[0] * shape[1]) : 0;
    let xs: number[] = [];
    const masks = [0];
    return {
      outShapes: [shape],
      outs: [out],
      outMasks: masks,
      forward(inputs: number[], ms: number[]) {
        xs = inputs;
        partial[0] = xs[0];
        for (let j = 1; j < m; j++) k.ew_binary(op, N, partial[j - 1], xs[j], partial[j]);
        if (average) k.scale_f32(N, partial[m - 1], 1 / m, out);
        masks[0] = rank3 ? andMasks(ctx, shape[0] * shape[1], ms, maskOut) : 0;
      },
      backward(dys: number[], needDx: boolean[]) {
        let gk = dys[0];
        if (average) {
          k.scale_f32(N, gk, 1 / m, gScaled);
          gk = gScaled;
        }
        // Walk the fold back: d partial[j-1] and d x[j] from d partial[j].
        for (let j = m - 1; j >= 1; j--) {
          const into = j === 1 ? dxs[0] : g[j % 2];
          k.ew_binary_backward(op, N, partial[j - 1], xs[j], gk, into, needDx[j] ? dxs[j] : 0, 0);
          gk = into;
        }
        return dxs.map((d, i) => (needDx[i] ? d : 0));
      },
    };
  }
}

/** Adds its inputs (two or more, of one shape), elementwise. Masks: the AND of the inputs'. */
export class Add extends Elementwise {
  get className(): string {
    return 'Add';
  }
  protected readonly op = EW.add;
  constructor(args: LayerArgs = {}) {
    super(args, 'add');
  }
}

/** Subtracts the second input from the first (exactly two, of one shape). */
export class Subtract extends Elementwise {
  get className(): string {
    return 'Subtract';
  }
  protected readonly op = EW.subtract;
  constructor(args: LayerArgs = {}) {
    super(args, 'subtract');
  }
  protected get maxInputs(): number {
    return 2;
  }
}

/** Multiplies its inputs (two or more, of one shape), elementwise. */
export class Multiply extends Elementwise {
  get className(): string {
    return 'Multiply';
  }
  protected readonly op = EW.multiply;
  constructor(args: LayerArgs = {}) {
    super(args, 'multiply');
  }
}

/** The mean of its inputs (two or more, of one shape), elementwise. */
export class Average extends Elementwise {
  get className(): string {
    return 'Average';
  }
  protected readonly op = EW.add;
  protected readonly average = true;
  constructor(args: LayerArgs = {}) {
    super(args, 'average');
  }
}

/** The elementwise maximum of its inputs; the gradient goes to the first of equal values, as TensorFlow. */
export class Maximum extends Elementwise {
  get className(): string {
    return 'Maximum';
  }
  protected readonly op = EW.maximum;
  constructor(args: LayerArgs = {}) {
    super(args, 'maximum');
  }
}

/** The elementwise minimum of its inputs; the gradient goes to the first of equal values, as TensorFlow. */
export class Minimum extends Elementwise {
  get className(): string {
    return 'Minimum';
  }
  protected readonly op = EW.minimum;
  constructor(args: LayerArgs = {}) {
    super(args, 'minimum');
  }
}

/** Options of Concatenate: `axis` (default -1, counting the batch as axis 0). */
export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along, counting the batch as axis 0; -1 (default) is the last. */
  axis?: number;
}

/**
 * Joins its inputs along `axis`; they must match on the other axes. Along the time axis the masks are joined too; else
 * their AND is passed on.
 */
export class Concatenate extends Merge {
  get className(): string {
    return 'Concatenate';
  }
  readonly axis: number;

  /** `new Concatenate({ axis: 1 })`, or as Keras: `new Concatenate(1, { ... })` (snake_case names too). */
  constructor(axis: number, options?: Omit<ConcatenateArgs, 'axis'>);
  constructor(args?: ConcatenateArgs);
  constructor(axisOrArgs?: number | ConcatenateArgs, options?: Omit<ConcatenateArgs, 'axis'>) {
    const args = kerasPositionalArgs<ConcatenateArgs>(
      'concatenate',
      'Concatenate',
      '{ axis: -1 }',
      [{ name: 'axis', is: isNumber }],
      [axisOrArgs, options],
    );
    super(args ?? {}, 'concatenate', ['axis'], false);
    const axis = (args ?? {}).axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0)
      throw new LstmWasmError(
        `${this.where}: option 'axis' must be a non-zero integer (axis 0 is the batch; -1 is the last), got ` +
          `${describe((args ?? {}).axis)}`,
      );
    this.axis = axis;
  }

  protected get minInputs(): number {
    return 1;
  }

  /** The axis within one sample (0-based). */
  private sampleAxis(rank: number): number {
    const a = this.axis < 0 ? rank + 1 + this.axis : this.axis;
    if (a < 1 || a > rank)
      throw new LstmWasmError(`${this.where}: axis ${this.axis} does not exist for inputs of rank ${rank + 1}`);
    return a - 1;
  }

  protected mergedShape(inputs: Shape[]): Shape {
    const rank = inputs[0].length;
    const a = this.sampleAxis(rank);
    inputs.forEach((s, i) => {
      const ok = s.length === rank && s.every((d, j) => j === a || d === inputs[0][j]);
      if (!ok)
        throw new LstmWasmError(
          `${this.where}: inputs must match except along axis ${this.axis}; input 0 is ` +
            `${shapeString([null, ...inputs[0]])}, input ${i} is ${shapeString([null, ...s])}`,
        );
    });
    const sizes = inputs.map((s) => s[a]);
    const out = [...inputs[0]];
    out[a] = sizes.some((d) => d === null) ? null : (sizes as number[]).reduce((x, y) => x + y, 0);
    return out;
  }

  planNode(
    ctx: RunContext,
    inShapes: number[][],
    _params: ParamSlot[],
    _options: PlanOptions = {},
    _node?: Node,
  ): NodeRunner {
    const { k, arena } = ctx;
    const full = inShapes[0];
    const a = this.sampleAxis(full.length - 1) + 1; // axis in the full shape
    const outer = prod(full.slice(0, a));
    const inner = prod(full.slice(a + 1));
    const lens = inShapes.map((s) => s[a] * inner);
    const row = lens.reduce((x, y) => x + y, 0);
    const offs = lens.map((_, i) => lens.slice(0, i).reduce((x, y) => x + y, 0));
    const outShape = [...full];
    outShape[a] = inShapes.reduce((s, x) => s + x[a], 0);
    const out = arena.alloc(outer * row);
    const dxs = inShapes.map((s) => arena.alloc(prod(s)));
    const rank3 = full.length === 3;
    const B = full[0];
    const timeAxis = rank3 && a === 1;
    const maskOut = rank3 ? arena.alloc(B * outShape[1]) : 0;
    const ones = timeAxis ? arena.alloc(B * Math.max(...inShapes.map((s) => s[1]))) : 0;
    const masks = [0];
    return {
      outShapes: [outShape],
      outs: [out],
      outMasks: masks,
      forward(xs: number[], ms: number[]) {
        xs.forEach((x, i) => k.copy_blocks(outer, lens[i], x, lens[i], out + offs[i] * 4, row));
        masks[0] = 0;
        if (!rank3 || ms.every((m) => m === 0)) return;
        if (timeAxis) {
          // Joined along time: the masks are joined too, ones where an input has none.
          k.fill_f32(B * Math.max(...inShapes.map((s) => s[1])), ones, 1);
          let t0 = 0;
          inShapes.forEach((s, i) => {
            k.copy_blocks(B, s[1], ms[i] || ones, s[1], maskOut + t0 * 4, outShape[1]);
            t0 += s[1];
          });
          masks[0] = maskOut;
        } else {
          masks[0] = andMasks(ctx, B * full[1], ms, maskOut);
        }
      },
      backward(dys: number[], needDx: boolean[]) {
        return dxs.map((dx, i) => {
          if (!needDx[i]) return 0;
          k.copy_blocks(outer, lens[i], dys[0] + offs[i] * 4, row, dx, lens[i]);
          return dx;
        });
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: this.axis };
  }
}
