// Embedding: integer token ids [B, T] → vectors [B, T, outputDim]; maskZero makes id 0 padding
// that recurrent layers skip.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString, type TensorData } from '../tensor.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import { isNumber, kerasPositionalArgs } from './keras-args.js';
import {
  Layer,
  bool,
  positiveInt,
  regularizer,
  type LayerArgs,
  type ParamSlot,
  type ParamSpec,
  type Regularizer,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';

/**
 * Options of Embedding: `inputDim` (vocabulary size), `outputDim`, `maskZero` (id 0 is padding the
 * next layers skip), `inputLength`, `embeddingsInitializer` (randomUniform),
 * `embeddingsRegularizer`.
 */
export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  maskZero?: boolean;
  inputLength?: number;
  embeddingsInitializer?: InitializerName | string;
  embeddingsRegularizer?: Regularizer;
}

/**
 * Token ids [batch, steps] to vectors [batch, steps, outputDim]; with `maskZero`, steps of id 0 are
 * skipped by the layers after it.
 */
export class Embedding extends Layer {
  get className(): string {
    return 'Embedding';
  }
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly embeddingsInitializer: InitializerName;
  readonly embeddingsRegularizer?: Regularizer;

  /**
   * `new Embedding({ inputDim: 1000, outputDim: 32 })`, or as Keras: `new Embedding(1000, 32, { ... })`
   * (snake_case names too).
   */
  constructor(inputDim: number, outputDim: number, options?: Omit<EmbeddingArgs, 'inputDim' | 'outputDim'>);
  constructor(inputDim: number, options: Omit<EmbeddingArgs, 'inputDim'>);
  constructor(args: EmbeddingArgs);
  constructor(...given: unknown[]) {
    const args = kerasPositionalArgs<EmbeddingArgs>(
      'embedding',
      'Embedding',
      '{ inputDim: 1000, outputDim: 32 }',
      [
        { name: 'inputDim', is: isNumber },
        { name: 'outputDim', is: isNumber },
      ],
      given,
    );
    const a = args ?? ({} as EmbeddingArgs);
    super(
      a.inputShape === undefined && a.batchInputShape === undefined && a.inputLength !== undefined
        ? { ...a, inputShape: [a.inputLength] }
        : a,
      'embedding',
    );
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(
        `embedding: expected an options object such as { inputDim: 1000, outputDim: 32 }, got ${describe(args)}`,
      );
    this.checkOptions(args, [
      'inputDim',
      'outputDim',
      'maskZero',
      'inputLength',
      'embeddingsInitializer',
      'embeddingsRegularizer',
    ]);
    const w = this.where;
    this.inputDim = positiveInt(w, 'inputDim', args.inputDim);
    this.outputDim = positiveInt(w, 'outputDim', args.outputDim);
    this.maskZero = bool(w, 'maskZero', args.maskZero, false);
    this.embeddingsInitializer = initializerName(
      w,
      'embeddingsInitializer',
      args.embeddingsInitializer,
      'randomUniform',
    );
    this.embeddingsRegularizer = regularizer(w, 'embeddingsRegularizer', args.embeddingsRegularizer);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length !== 1) {
      const hint =
        input.length === 2 && input[1] === 1
          ? '; token ids are [samples, steps], one id per step: drop the ' +
            `last size of 1 (${shapeString([null, input[0]])} with the batch)`
          : '';
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, steps] ` +
          `(token ids), got ${shapeString([null, ...input])}${hint}`,
      );
    }
    return [input[0], this.outputDim];
  }

  /** Token ids are [samples, steps]: a series-style [samples, steps, 1] needs its last size dropped. */
  rankHint(got: readonly number[]): string {
    if (got.length === 3 && got[2] === 1)
      return (
        '; token ids for an Embedding are [samples, steps] (one id per step): ' +
        `drop the last size of 1 (x of shape ${shapeString(got.slice(0, 2))})`
      );
    if (got.length === 3)
      return (
        `; token ids for an Embedding are [samples, steps], one id per step (${shapeString(got)} looks ` +
        'like feature vectors: such data goes to an LSTM or Dense directly, without an Embedding)'
      );
    return '';
  }

  paramSpecs(): ParamSpec[] {
    const shape = [this.inputDim, this.outputDim];
    return [
      {
        name: 'embeddings',
        shape,
        init: initSpec(this.embeddingsInitializer, shape),
        regularizer: this.embeddingsRegularizer,
      },
    ];
  }

  /** Token ids must be integers in [0, inputDim): checked for all of x before any step runs. */
  validateInput(x: TensorData, arg: string): void {
    const V = this.inputDim,
      T = x.shape[1] ?? 1;
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isInteger(v) || v < 0 || v >= V) {
        throw new LstmWasmError(
          `${this.where}: token ids must be integers in [0, ${V - 1}] (inputDim ${V}), ` +
            `got ${v} at [${Math.floor(i / T)}, ${i % T}] of ${arg.replace(/^.*: /, '')}`,
        );
      }
    }
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      maskZero: this.maskZero,
      embeddingsInitializer: this.embeddingsInitializer,
    };
    if (this.embeddingsRegularizer) c.embeddingsRegularizer = this.embeddingsRegularizer;
    return c;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const { k, arena } = ctx;
    const [B, T] = inShape;
    const D = this.outputDim,
      V = this.inputDim,
      N = B * T;
    const [table] = params;
    const y = arena.alloc(N * D);
    const mask = this.maskZero ? arena.alloc(N) : 0;
    const layer = this;
    let ids = 0;
    return {
      outShape: [B, T, D],
      out: y,
      outMask: mask,
      forward(x: number) {
        ids = x;
        const bad = k.embedding_check_ids(N, ids, V);
        if (bad >= 0) {
          const v = arena.f32(ids, N)[bad];
          throw new LstmWasmError(
            `${layer.where}: token ids must be integers in [0, ${V - 1}] ` +
              `(inputDim ${V}), got ${v} at [${Math.floor(bad / T)}, ${bad % T}]`,
          );
        }
        k.embedding_forward(N, D, ids, table.ptr, y);
        if (mask) k.mask_from_ids(N, ids, mask);
      },
      backward(dy: number) {
        k.fill_f32(V * D, table.grad, 0);
        k.embedding_backward(N, D, ids, dy, table.grad);
        return 0; // token ids have no gradient
      },
    };
  }
}
