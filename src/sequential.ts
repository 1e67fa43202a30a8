// Sequential: a Model whose graph is a chain, built layer by layer with add(). When the first
// layer has an inputShape the chain is applied as layers are added (so a misfit names both layers
// at the line that added it); when it has none, the model builds at its first fit, predict or
// build(shape), from the data's shape, as Keras does.
import { LstmWasmError, checkOptions, describe } from './errors.js';
import { shapeString, toTensor, type Tensor, type TensorLike } from './tensor.js';
import { Layer, type Shape } from './layers/layer.js';
import { InputLayer } from './layers/input.js';
import { buildGraph, type Graph } from './engine/graph.js';
import type { SymbolicTensor } from './engine/symbolic.js';
import type { DataArg } from './engine/data.js';
import { Model } from './model.js';

/** Options of Sequential: `layers`, `name`, `seed` (reproducible initial weights, shuffling and dropout). */
export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
  /** Makes every random draw (initial weights, shuffling, dropout) reproducible, bit for bit. */
  seed?: number;
  /**
   * At most this many threads for this model's calls (default: init()'s `threads`); 1 runs it on
   * the calling thread alone.
   */
  threads?: number;
}

/**
 * A Model whose graph is a chain of layers, built with `add()` or the `layers` option. Without an
 * inputShape on its first layer it builds from its first data, or from
 * `build([batch, ...inputShape])`.
 */
export class Sequential extends Model {
  private readonly chain: Layer[] = [];
  private input: SymbolicTensor | null = null;
  private head: SymbolicTensor | null = null;

  constructor(args: SequentialArgs | Layer[] = {}) {
    const a: SequentialArgs = Array.isArray(args) ? { layers: args } : (args ?? {});
    if (typeof a !== 'object')
      throw new LstmWasmError(
        `Sequential: expected an array of layers or { layers, name, seed }, got ${describe(args)}`,
      );
    checkOptions('Sequential', a, ['layers', 'name', 'seed', 'threads']);
    super({ name: a.name, seed: a.seed, threads: a.threads } as never, 'sequential');
    if (a.layers !== undefined && !Array.isArray(a.layers))
      throw new LstmWasmError(`Sequential: option 'layers' must be an array of layers, got ${describe(a.layers)}`);
    for (const l of a.layers ?? []) this.add(l);
  }

  protected get where(): string {
    return `Sequential '${this.name}'`;
  }

  /** The layers, in order (no input layer, as TF.js's Sequential). */
  get layers(): Layer[] {
    return [...this.chain];
  }

  protected weightLayers(): Layer[] {
    return [...this.chain];
  }

  get inputShape(): Shape {
    return super.inputShape as Shape;
  }

  get outputShape(): Shape {
    return super.outputShape as Shape;
  }

  protected isChain(): boolean {
    return true;
  }

  add(layer: Layer): this {
    this.usable();
    if (!(layer instanceof Layer))
      throw new LstmWasmError(
        `${this.where}.add: expected a layer such as new LSTM({ units: 32 }), got ${describe(layer)}`,
      );
    if (layer instanceof InputLayer)
      throw new LstmWasmError(`${this.where}.add: give the first layer an inputShape instead of adding an input layer`);
    if (this.chain.includes(layer))
      throw new LstmWasmError(`${this.where}.add: ${layer.where} is already in this model`);
    const first = this.chain[0];
    if (first && layer.batchSize !== null && layer.batchSize !== first.batchSize && layer.inputShape !== undefined) {
      throw new LstmWasmError(
        `${this.where}.add: ${layer.where} has batch size ${layer.batchSize} (batchInputShape), ` +
          `but the model's first layer has ${first.batchSize ?? 'none (inputShape)'}; give ` +
          'batchInputShape on the first layer only',
      );
    }
    if (this.head && layer.inputShape !== undefined && layer.batchSize === null) {
      // Keras ignores inputShape on later layers when it agrees; we check that it does.
      if (shapeString(this.head.sampleShape) !== shapeString(layer.inputShape)) {
        throw new LstmWasmError(
          `${this.where}.add: ${layer.where} has inputShape ` +
            shapeString([null, ...layer.inputShape]) +
            `, but ${this.chain[this.chain.length - 1].where} outputs ${shapeString(this.head.shape)}`,
        );
      }
    }
    if (!first) {
      if (layer.inputShape !== undefined) {
        this.input = new InputLayer(
          layer.batchSize !== null
            ? { batchShape: [layer.batchSize, ...layer.inputShape], name: `${layer.name}_input` }
            : { shape: layer.inputShape, name: `${layer.name}_input` },
        ).output;
        this.head = this.input;
      }
    }
    if (this.head) this.head = this.applyNext(layer, this.head);
    this.chain.push(layer);
    if (this.head) {
      // As Keras: with the input shape known, the layer's weights exist as soon as it is added.
      this.graphValue = null;
      this.graphChanged();
      this.build();
    }
    return this;
  }

  /** Applies the next layer of the chain; its errors name the layer before it. */
  private applyNext(layer: Layer, x: SymbolicTensor): SymbolicTensor {
    const prev = this.chain[this.chain.length - 1];
    let out: SymbolicTensor | SymbolicTensor[];
    // Multi-output layers are refused before they leave a node behind.
    const shapes = (() => {
      try {
        return layer.computeOutputShapes([x.sampleShape]);
      } catch (e) {
        if (prev && e instanceof LstmWasmError)
          throw new LstmWasmError(`${e.message} (it follows ${prev.where}, which outputs ${shapeString(x.shape)})`);
        throw e;
      }
    })();
    if (shapes.length !== 1) {
      throw new LstmWasmError(
        `${this.where}.add: ${layer.where} gives ${shapes.length} outputs` +
          ((layer as { returnState?: boolean }).returnState ? ' (returnState: true)' : '') +
          ', but every layer of a Sequential model must give one; use the ' +
          'functional API (input(), layer.apply(), model()) for several outputs',
      );
    }
    try {
      out = layer.apply(x);
    } catch (e) {
      if (prev && e instanceof LstmWasmError)
        throw new LstmWasmError(`${e.message} (it follows ${prev.where}, which outputs ${shapeString(x.shape)})`);
      throw e;
    }
    return out as SymbolicTensor;
  }

  protected graph(sample?: Shape[]): Graph {
    if (this.graphValue) return this.graphValue;
    if (this.chain.length === 0)
      throw new LstmWasmError(`${this.where}: the model has no layers; add some with model.add(...) before using it`);
    if (!this.head) {
      if (!sample) {
        throw new LstmWasmError(
          `${this.where}: the model is not built yet: its first layer (${this.chain[0].where}) ` +
            'has no inputShape, so it builds from the data at the first fit or predict, or from ' +
            'model.build([batch, ...inputShape]); or give the first layer an inputShape',
        );
      }
      this.buildChain(sample[0]);
    }
    this.graphValue = buildGraph(this.where, this.input, this.head);
    return this.graphValue;
  }

  protected graphReady(): boolean {
    return !!(this.graphValue || this.head);
  }

  private buildChain(shape: Shape): void {
    const first = this.chain[0];
    const x = new InputLayer(
      first.batchSize !== null
        ? { batchShape: [first.batchSize, ...shape], name: `${first.name}_input` }
        : { shape, name: `${first.name}_input` },
    ).output;
    let t = x;
    const done: Layer[] = [];
    try {
      for (const l of this.chain) {
        const shapes = l.computeOutputShapes([t.sampleShape]);
        if (shapes.length !== 1)
          throw new LstmWasmError(`${this.where}: ${l.where} gives ${shapes.length} outputs; use the functional API`);
        t = l.apply(t) as SymbolicTensor;
        done.push(l);
      }
    } catch (e) {
      // Leave no half-made chain: forget the nodes this attempt made.
      for (const l of done) {
        l.nodes.pop();
        if (l.nodes.length === 0) l.buildShapes = null;
      }
      if (e instanceof LstmWasmError)
        throw new LstmWasmError(
          `${this.where}: building from the data's shape ${shapeString([null, ...shape])}: ${e.message}`,
        );
      throw e;
    }
    this.input = x;
    this.head = t;
  }

  protected prepare(x: DataArg): void {
    if (this.graphValue || this.head || this.chain.length === 0) return;
    const t =
      Array.isArray(x) && x.length === 1 && typeof x[0] === 'object' && x[0] !== null && !Array.isArray(x[0])
        ? toTensor(x[0] as TensorLike, 'x')
        : toTensor(x as TensorLike, 'x');
    if (t.shape.length < 2)
      throw new LstmWasmError(`${this.where}: x must have a batch dimension first, got shape ${shapeString(t.shape)}`);
    this.graph([t.shape.slice(1)]);
    this.graphMade();
  }

  /**
   * Builds the model; with a shape ([batch, ...inputShape], batch may be null) when the first layer
   * has no inputShape.
   */
  build(shape?: unknown): void {
    this.usable();
    if (shape !== undefined && !this.graphValue && !this.head) {
      if (
        !Array.isArray(shape) ||
        shape.length < 2 ||
        !shape.slice(1).every((d) => d === null || (Number.isInteger(d) && d > 0))
      ) {
        throw new LstmWasmError(
          `${this.where}.build: expected a shape [batch, ...inputShape] such as [null, 50, 1], got ${describe(shape)}`,
        );
      }
      this.graph([shape.slice(1) as Shape]);
    }
    this.graph();
    super.build();
    this.graphMade();
  }

  /** The predictions for x (a Sequential model has one output). */
  predict(x: DataArg, args: { batchSize?: number; verbose?: number } = {}): Tensor {
    return super.predict(x, args) as Tensor;
  }

  topology(): { className: string; config: Record<string, unknown> } {
    const config: Record<string, unknown> = {
      name: this.name,
      layers: this.chain.map((l) => ({ className: l.className, config: l.getConfig() })),
    };
    if (this.chain[0] && this.chain[0].inputShape === undefined && this.input)
      config.buildInputShape = this.input.shape;
    return { className: 'Sequential', config };
  }
}
