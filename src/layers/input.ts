// InputLayer and input(): where a functional model's data comes in. input({ shape }) makes the
// symbolic tensor that layers are applied to, as TF.js's tf.input.
import { LstmWasmError, checkOptions, describe } from '../errors.js';
import { Node, SymbolicTensor } from '../engine/symbolic.js';
import { Layer, validateShape, type ParamSpec, type Runner, type Shape } from './layer.js';

/** Options of `input()`: `shape` (one sample, null for any size) or `batchShape` (a fixed batch first), `name`, `dtype` ('float32', or 'int32' for token ids). */
export interface InputArgs {
  /** The shape of one sample (no batch), e.g. [50, 1] or [null, 8] for any number of steps. */
  shape?: Shape;
  /** The shape with a fixed batch size first, e.g. [1, null, 8] (stateful models). */
  batchShape?: (number | null)[];
  name?: string;
  /** 'float32' (values) or 'int32' (token ids for an Embedding); both travel as float32. */
  dtype?: 'float32' | 'int32';
  sparse?: boolean;
}

/** The layer behind `input()`: it makes the symbolic tensor a functional model starts from. Keras lists it in `model.layers`. */
export class InputLayer extends Layer {
  get className(): string {
    return 'InputLayer';
  }
  readonly dtype: 'float32' | 'int32';
  readonly output: SymbolicTensor;

  constructor(args: InputArgs) {
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      throw new LstmWasmError(`input: expected { shape: [steps, features] } (no batch size), got ${describe(args)}`);
    checkOptions('input', args, ['shape', 'batchShape', 'name', 'dtype', 'sparse']);
    if (args.shape === undefined && args.batchShape === undefined)
      throw new LstmWasmError(
        `input: give 'shape' (one sample, such as [50, 1]) or 'batchShape' (such as [32, 50, 1])`,
      );
    if (args.shape !== undefined && args.batchShape !== undefined)
      throw new LstmWasmError(`input: give 'shape' or 'batchShape', not both`);
    if (args.sparse) throw new LstmWasmError(`input: sparse inputs are not supported`);
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32')
      throw new LstmWasmError(
        `input: option 'dtype' must be 'float32' or 'int32' (token ids), got ${describe(args.dtype)}`,
      );
    const base = args.batchShape !== undefined ? { batchInputShape: args.batchShape } : { inputShape: args.shape };
    super({ name: args.name, ...base }, 'input');
    this.dtype = dtype;
    if (this.inputShape === undefined) validateShape(`input: option 'shape'`, args.shape, false);
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

/** A symbolic input tensor, as TF.js's tf.input({ shape, batchShape, name, dtype }). */
export function input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}

/** `new Input({...})` gives the same symbolic tensor as input({...}) (Keras's spelling). */
export const Input = function Input(this: unknown, args: InputArgs): SymbolicTensor {
  return input(args);
} as unknown as { new (args: InputArgs): SymbolicTensor; (args: InputArgs): SymbolicTensor };
