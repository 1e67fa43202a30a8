// InputLayer and input(): where a functional model's data comes in. input({ shape }) makes the
// symbolic tensor that layers are applied to, as TF.js's tf.input.
import { LstmWasmError, describe, show } from '../errors.js';
import { Node, SymbolicTensor } from '../engine/symbolic.js';
import { kerasOptions } from '../engine/trainer.js';
import { Layer, validateShape, type ParamSpec, type Runner, type Shape } from './layer.js';

/**
 * Options of `input()`: `shape` (one sample, null for any size), with `batchSize` for a fixed batch,
 * or `batchShape` (the batch first); `name`, `dtype` ('float32', or 'int32' for token ids). Keras's
 * snake_case names (batch_size, batch_shape) and TF.js's inputLayer names (inputShape,
 * batchInputShape) are read too.
 */
export interface InputArgs {
  /** The shape of one sample (no batch), e.g. [50, 1] or [null, 8] for any number of steps. */
  shape?: Shape;
  /** A fixed batch size (Keras's batch_size): as batchShape [batchSize, ...shape]. */
  batchSize?: number;
  /** The shape with a fixed batch size first, e.g. [1, null, 8] (stateful models). */
  batchShape?: (number | null)[];
  /** TF.js's inputLayer name for `shape`. */
  inputShape?: Shape;
  /** TF.js's inputLayer name for `batchShape`. */
  batchInputShape?: (number | null)[];
  name?: string;
  /** 'float32' (values) or 'int32' (token ids for an Embedding); both travel as float32. */
  dtype?: 'float32' | 'int32';
  sparse?: boolean;
}

/**
 * The layer behind `input()`: it makes the symbolic tensor a functional model starts from. Keras lists it in
 * `model.layers`.
 */
export class InputLayer extends Layer {
  get className(): string {
    return 'InputLayer';
  }
  readonly dtype: 'float32' | 'int32';
  readonly output: SymbolicTensor;

  /** `new InputLayer({ shape: [50, 1] })`, or as Keras: `new InputLayer([50, 1], { ... })` (snake_case names too). */
  constructor(shape: Shape, options?: Omit<InputArgs, 'shape'>);
  constructor(args: InputArgs);
  constructor(shapeOrArgs: Shape | InputArgs, options?: Omit<InputArgs, 'shape'>) {
    const args = inputArgs(shapeOrArgs, options);
    const shape = oneOf(args, 'shape', 'inputShape') as Shape | undefined;
    const batchShape = oneOf(args, 'batchShape', 'batchInputShape') as (number | null)[] | undefined;
    if (shape === undefined && batchShape === undefined)
      throw new LstmWasmError(
        `input: give 'shape' (one sample, such as [50, 1]) or 'batchShape' (such as [32, 50, 1])`,
      );
    if (shape !== undefined && batchShape !== undefined)
      throw new LstmWasmError(`input: give 'shape' or 'batchShape', not both`);
    if (args.batchSize !== undefined && batchShape !== undefined)
      throw new LstmWasmError(`input: give 'batchSize' with 'shape', or 'batchShape' (the batch size first), not both`);
    if (args.sparse) throw new LstmWasmError(`input: sparse inputs are not supported`);
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32')
      throw new LstmWasmError(
        `input: option 'dtype' must be 'float32' or 'int32' (token ids), got ${describe(args.dtype)}`,
      );
    const base =
      batchShape !== undefined ? { batchInputShape: batchShape } : { inputShape: shape, batchSize: args.batchSize };
    super({ name: args.name, ...base }, 'input');
    this.dtype = dtype;
    if (this.inputShape === undefined) validateShape(`input: option 'shape'`, shape, false);
    const node = new Node(this, [], 0, {});
    this.nodes.push(node);
    this.buildShapes = [];
    this.output = new SymbolicTensor(node, 0, this.inputShape!, this.batchSize, dtype);
    node.outputs.push(this.output);
  }

  computeOutputShape(): Shape {
    return this.inputShape!;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  plan(): Runner {
    throw new LstmWasmError(`${this.where}: an input layer is not run`);
  }

  apply(): never {
    throw new LstmWasmError(
      `${this.where}: an input layer cannot be applied to tensors; use its output (input() returns it)`,
    );
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      batchInputShape: [this.batchSize, ...this.inputShape!],
      dtype: this.dtype,
      sparse: false,
    };
  }
}

const INPUT_OPTIONS = ['shape', 'batchSize', 'batchShape', 'inputShape', 'batchInputShape', 'name', 'dtype', 'sparse'];

/** input()'s options under our names, from `input({ ... })` or Keras's positional `input(shape, { ... })`. */
function inputArgs(first: unknown, options: unknown): InputArgs {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  let given = first;
  if (Array.isArray(first)) {
    if (options !== undefined && !isObject(options))
      throw new LstmWasmError(`input: expected input(shape, { ...options }), got options ${describe(options)}`);
    const o = kerasOptions('input', options ?? {}, INPUT_OPTIONS) as InputArgs;
    if (o.shape !== undefined)
      throw new LstmWasmError(
        `input: 'shape' is given twice: ${show(first)} first and ${show(o.shape)} in the options`,
      );
    return { ...o, shape: first };
  }
  if (options !== undefined)
    throw new LstmWasmError(
      `input: the first argument must be the shape or an options object such as { shape: [50, 1] }, ` +
        `got ${describe(first)} and then ${describe(options)}`,
    );
  if (!isObject(given))
    throw new LstmWasmError(`input: expected { shape: [steps, features] } (no batch size), got ${describe(given)}`);
  given = kerasOptions('input', given as object, INPUT_OPTIONS);
  return given as InputArgs;
}

/** The value of an option that has two names (Keras's and TF.js's inputLayer's); an error when both are given. */
function oneOf(args: InputArgs, a: keyof InputArgs, b: keyof InputArgs): unknown {
  if (args[a] !== undefined && args[b] !== undefined)
    throw new LstmWasmError(`input: give '${a}' or '${b}' (the same option under TF.js's name), not both`);
  return args[a] ?? args[b];
}

/**
 * A symbolic input tensor, as TF.js's tf.input({ shape, batchShape, name, dtype }) or Keras's Input(shape,
 * batch_size=…).
 */
export function input(shapeOrArgs: Shape | InputArgs, options?: Omit<InputArgs, 'shape'>): SymbolicTensor {
  return new InputLayer(shapeOrArgs as Shape, options).output;
}

/** `new Input({...})` gives the same symbolic tensor as input({...}) (Keras's spelling). */
export const Input = function Input(
  this: unknown,
  shapeOrArgs: Shape | InputArgs,
  options?: Omit<InputArgs, 'shape'>,
): SymbolicTensor {
  return input(shapeOrArgs, options);
} as unknown as {
  new (shapeOrArgs: Shape | InputArgs, options?: Omit<InputArgs, 'shape'>): SymbolicTensor;
  (shapeOrArgs: Shape | InputArgs, options?: Omit<InputArgs, 'shape'>): SymbolicTensor;
};
