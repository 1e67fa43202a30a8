// TimeDistributed({ layer }): the wrapped layer applied to every step of [batch, steps, ...], as
// Keras. Row-major data [B, T, ...] is [B·T, ...], so the inner layer is planned for B·T rows
// and its buffers are read under the outer shape: no copy. Its weights are the inner layer's.
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import {
  Layer,
  type LayerArgs,
  type ParamSlot,
  type ParamSpec,
  type PlanOptions,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';
import { kerasPositionalArgs } from './keras-args.js';

/** Options of TimeDistributed: `layer`, the layer to apply to every step. */
export interface TimeDistributedArgs extends LayerArgs {
  layer: Layer;
}

/**
 * Applies `layer` to every step of [batch, steps, …]: the wrapped layer sees batch × steps rows; its weights are the
 * wrapped layer's.
 */
export class TimeDistributed extends Layer {
  get className(): string {
    return 'TimeDistributed';
  }
  readonly layer: Layer;

  /** `new TimeDistributed({ layer })`, or as Keras: `new TimeDistributed(layer, { ... })` (snake_case names too). */
  constructor(layer: Layer, options?: LayerArgs);
  constructor(args: TimeDistributedArgs);
  constructor(layerOrArgs: Layer | TimeDistributedArgs, options?: LayerArgs) {
    const args = kerasPositionalArgs<TimeDistributedArgs>(
      'time_distributed',
      'TimeDistributed',
      '{ layer: new Dense({ units: 1 }) }',
      [{ name: 'layer', is: (v) => v instanceof Layer }],
      [layerOrArgs, options],
    );
    super(args ?? ({} as TimeDistributedArgs), 'time_distributed');
    this.checkOptions(args, ['layer']);
    if (!(args.layer instanceof Layer))
      throw new LstmWasmError(
        `${this.where}: option 'layer' must be a layer such as new Dense({ units: 1 }), got ${describe(args.layer)}`,
      );
    if (args.layer.nodes.length > 0)
      throw new LstmWasmError(`${this.where}: ${args.layer.where} is already applied elsewhere; wrap a new layer`);
    if (args.layer.isStateful()) throw new LstmWasmError(`${this.where}: a stateful layer cannot be wrapped`);
    this.layer = args.layer;
  }

  private innerShape(input: Shape): Shape {
    if (input.length < 2)
      throw new LstmWasmError(
        `${this.where}: expected input of shape [batch, steps, ...], got ${shapeString([null, ...input])}`,
      );
    return input.slice(1);
  }

  computeOutputShape(input: Shape): Shape {
    const inner = this.layer.computeOutputShapes([this.innerShape(input)]);
    if (inner.length !== 1)
      throw new LstmWasmError(`${this.where}: the wrapped ${this.layer.where} must give one output`);
    return [input[0], ...inner[0]];
  }

  paramSpecs(input: Shape): ParamSpec[] {
    return this.layer.paramSpecsFor([this.innerShape(input)]);
  }

  get fusableActivation(): string | null {
    return this.layer.fusableActivation;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[], options: PlanOptions = {}): Runner {
    const [B, T, ...rest] = inShape;
    const r = this.layer.planNode(ctx, [[B * T, ...rest]], params, options);
    const outShape = [B, T, ...r.outShapes[0].slice(1)];
    let mask = 0;
    return {
      outShape,
      get out() {
        return r.outs[0];
      },
      get outMask() {
        return mask;
      },
      get logits() {
        return r.logits ?? 0;
      },
      fusedLogits: r.fusedLogits,
      forward(x: number, maskIn: number, training: boolean) {
        mask = maskIn;
        r.forward([x], [0], training);
      },
      backward(dy: number, needDx: boolean) {
        return r.backward([dy], [needDx])[0];
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}
