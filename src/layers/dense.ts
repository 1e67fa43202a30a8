// Dense: y = act(x·W + b). On a 3-D input [B, T, K] it applies to every step (as Keras does):
// the kernels see M = B·T rows.
import { shardRows } from './shards.js';
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { ACT, activation, type ActivationName } from './activations.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import {
  Layer,
  bool,
  kerasLayerArgs,
  positiveInt,
  regularizer,
  type LayerArgs,
  type ParamSlot,
  type ParamSpec,
  type PlanOptions,
  type Regularizer,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';

/**
 * Options of Dense: `units`, `activation` ('linear'), `useBias` (true), `kernelInitializer`
 * (glorotUniform), `biasInitializer` (zeros), regularizers.
 */
export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName | string;
  useBias?: boolean;
  kernelInitializer?: InitializerName | string;
  biasInitializer?: InitializerName | string;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

/**
 * A fully connected layer: y = act(x·W + b), kernel [K, units]; on [batch, steps, features] it
 * applies to every step. `new Dense({ units })` or `new Dense(units, { ... })`.
 */
export class Dense extends Layer {
  get className(): string {
    return 'Dense';
  }
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizer?: Regularizer;
  readonly biasRegularizer?: Regularizer;

  /** `new Dense({ units: 1, ... })`, or as Keras: `new Dense(1, { ... })` (snake_case names too). */
  constructor(units: number, options?: Omit<DenseArgs, 'units'>);
  constructor(args: DenseArgs);
  constructor(unitsOrArgs: number | DenseArgs, options?: Omit<DenseArgs, 'units'>) {
    const args = kerasLayerArgs<DenseArgs>('dense', unitsOrArgs, options, '{ units: 1 }');
    super(args ?? ({} as DenseArgs), 'dense');
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`dense: expected an options object such as { units: 1 }, got ${describe(args)}`);
    this.checkOptions(args, [
      'units',
      'activation',
      'useBias',
      'kernelInitializer',
      'biasInitializer',
      'kernelRegularizer',
      'biasRegularizer',
    ]);
    const w = this.where;
    this.units = positiveInt(w, 'units', args.units);
    this.activation = activation(w, 'activation', args.activation, 'linear', [
      'linear',
      'relu',
      'sigmoid',
      'tanh',
      'softmax',
      'hardSigmoid',
    ]);
    this.useBias = bool(w, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerName(w, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerName(w, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelRegularizer = regularizer(w, 'kernelRegularizer', args.kernelRegularizer);
    this.biasRegularizer = regularizer(w, 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1) {
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, features] or ` +
          `[batch, steps, features], got ${shapeString([null, ...input])}`,
      );
    }
    if (input[input.length - 1] === null)
      throw new LstmWasmError(
        `${this.where}: the last size of the input must be known, got ${shapeString([null, ...input])}`,
      );
    return [...input.slice(0, -1), this.units];
  }

  paramSpecs(input: Shape): ParamSpec[] {
    const K = input[input.length - 1] as number,
      N = this.units;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [K, N],
        init: initSpec(this.kernelInitializer, [K, N]),
        regularizer: this.kernelRegularizer,
      },
    ];
    if (this.useBias)
      specs.push({
        name: 'bias',
        shape: [N],
        init: initSpec(this.biasInitializer, [N]),
        regularizer: this.biasRegularizer,
      });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
    if (this.kernelRegularizer) c.kernelRegularizer = this.kernelRegularizer;
    if (this.biasRegularizer) c.biasRegularizer = this.biasRegularizer;
    return c;
  }

  /** A loss may compute from this layer's logits (planned with { logits: true }). */
  get fusableActivation(): string | null {
    return this.activation === 'sigmoid' || this.activation === 'softmax' ? this.activation : null;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[], options: PlanOptions = {}): Runner {
    const { k, arena } = ctx;
    const K = inShape[inShape.length - 1],
      N = this.units;
    const M = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
    const [W] = params;
    const bias = this.useBias ? params[1] : null;
    const y = arena.alloc(M * N);
    const fused = !!options.logits && this.fusableActivation !== null;
    const logits = fused ? arena.alloc(M * N) : 0;
    const dx = arena.alloc(M * K);
    const scratch = arena.alloc(k.dense_scratch_size(M, N, K));
    const act = ACT[this.activation];
    // Threads: rows per shard, each with its scratch and (but the first) its own gradients.
    const shards = shardRows(M, ctx.threads, M * N * K);
    const scratches = shards.map((sh, s) => (s === 0 ? scratch : arena.alloc(k.dense_scratch_size(sh.n, N, K))));
    const shardGrads = shards.map((_sh, s) =>
      s === 0 ? [] : [arena.alloc(W.size), bias ? arena.alloc(bias.size) : 0],
    );
    const where = this.where;
    let x = 0,
      mask = 0;
    return {
      outShape: [...inShape.slice(0, -1), N],
      out: y,
      get outMask() {
        return mask;
      },
      logits,
      fusedLogits: fused,
      forward(xIn: number, maskIn: number) {
        x = xIn;
        mask = inShape.length === 3 ? maskIn : 0;
        const b = bias ? bias.ptr : 0;
        if (shards.length === 1)
          k.dense_forward(M, N, K, fused ? ACT.linear : act, x, W.ptr, b, fused ? logits : y, scratch);
        else
          ctx.parallel(
            shards.map((sh, s) => ({
              fn: 'dense_forward',
              args: [
                sh.n,
                N,
                K,
                fused ? ACT.linear : act,
                x + sh.b0 * K * 4,
                W.ptr,
                b,
                (fused ? logits : y) + sh.b0 * N * 4,
                scratches[s],
              ],
            })),
            where,
          );
        if (fused) {
          if (act === ACT.softmax) k.softmax_rows(M, N, logits, y);
          else k.act_forward(act, M * N, logits, y);
        }
      },
      backward(dy: number, needDx: boolean) {
        // With a fused loss, dy is already the gradient at the logits.
        const a = fused ? ACT.linear : act;
        if (shards.length === 1) {
          k.dense_backward(M, N, K, a, x, W.ptr, y, dy, W.grad, bias ? bias.grad : 0, needDx ? dx : 0, scratch);
          return needDx ? dx : 0;
        }
        ctx.parallel(
          shards.map((sh, s) => {
            const g = shardGrads[s];
            return {
              fn: 'dense_backward',
              args: [
                sh.n,
                N,
                K,
                a,
                x + sh.b0 * K * 4,
                W.ptr,
                y + sh.b0 * N * 4,
                dy + sh.b0 * N * 4,
                s === 0 ? W.grad : g[0],
                bias ? (s === 0 ? bias.grad : g[1]) : 0,
                needDx ? dx + sh.b0 * K * 4 : 0,
                scratches[s],
              ],
            };
          }),
          where,
        );
        // The shards' gradients, added in shard order.
        for (let s = 1; s < shards.length; s++) {
          k.add_f32(W.size, W.grad, shardGrads[s][0], W.grad);
          if (bias) k.add_f32(bias.size, bias.grad, shardGrads[s][1], bias.grad);
        }
        return needDx ? dx : 0;
      },
    } as Runner;
  }
}
