// The graph's vocabulary: a symbolic tensor (a shape and where it comes from) and a node (one call
// of a layer: its input tensors and the output tensors it made). `layer.apply` makes both; a model
// is the nodes between its inputs and outputs. Nothing here knows of WebAssembly or memory.
import type { Layer, Shape } from '../layers/layer.js';
import { shapeString } from '../tensor.js';

let tensorIds = 0;

/**
 * A tensor of a functional model before there is data: its shape and the node (the layer call) that
 * makes it. `input()` and `layer.apply()` give them; `model({ inputs, outputs })` takes them.
 */
export class SymbolicTensor {
  readonly id = tensorIds++;
  /** The node that made this tensor; its layer is `sourceLayer`. */
  readonly node: Node;
  /** Which of the node's outputs this is. */
  readonly outputIndex: number;
  /** Shape without the batch size; null where not known until data comes. */
  readonly sampleShape: Shape;
  /** The batch size, when the input was made with batchShape; else null. */
  readonly batchSize: number | null;
  readonly name: string;
  readonly dtype: 'float32' | 'int32';

  constructor(
    node: Node,
    outputIndex: number,
    sampleShape: Shape,
    batchSize: number | null,
    dtype: 'float32' | 'int32' = 'float32',
  ) {
    this.node = node;
    this.outputIndex = outputIndex;
    this.sampleShape = sampleShape;
    this.batchSize = batchSize;
    this.dtype = dtype;
    const l = node.layer;
    this.name = `${l.name}/${l.nodeCount - 1}${node.outputs.length > 1 || outputIndex > 0 ? `:${outputIndex}` : ''}`;
  }

  get sourceLayer(): Layer {
    return this.node.layer;
  }

  /** The shape with the batch dimension first (null: any batch), as TF.js's `tensor.shape`. */
  get shape(): (number | null)[] {
    return [this.batchSize, ...this.sampleShape];
  }

  get rank(): number {
    return this.sampleShape.length + 1;
  }

  toString(): string {
    return `SymbolicTensor '${this.name}' ${shapeString(this.shape)}`;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}

/** Options of one call, kept with its node (they are part of the graph, and are saved with it). */
export interface CallOptions {
  /** Forces training (dropout) on or off for this call; unset follows fit/predict. */
  training?: boolean;
  /** What a layer records of its own call options (JSON values only). */
  [option: string]: unknown;
}

export class Node {
  readonly layer: Layer;
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[] = [];
  /** Its index among the layer's nodes (Keras's node_index). */
  readonly index: number;
  readonly call: CallOptions;

  constructor(layer: Layer, inputs: SymbolicTensor[], index: number, call: CallOptions) {
    this.layer = layer;
    this.inputs = inputs;
    this.index = index;
    this.call = call;
  }
}
