// Bidirectional: the wrapped recurrent layer reads the sequence forwards, a copy of it reads it
// backwards, and their outputs are merged (concat, sum, mul, ave), as Keras does. The backward
// copy's output sequence is reversed back into time order before merging.
import { LstmWasmError, describe } from '../errors.js';
import { GRU, LSTM, Recurrent, SimpleRNN, checkInitialStates, planRecurrent } from './recurrent.js';
import {
  Layer,
  singleRunner,
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
import { kerasPositionalArgs } from './keras-args.js';

/** How Bidirectional joins the two directions: 'concat' (default), 'sum', 'mul' or 'ave'. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
import { MERGE } from '../runtime/abi.js';
const MODES: Record<MergeMode, number> = MERGE;

/** Options of Bidirectional: `layer` (an LSTM, GRU or SimpleRNN) and `mergeMode`. */
export interface BidirectionalArgs extends LayerArgs {
  layer: Recurrent;
  mergeMode?: MergeMode;
  /** Keras's backward_layer is not taken: the backward copy is made from `layer`. */
  backwardLayer?: never;
}

function cloneReversed(layer: Recurrent): Recurrent {
  const cfg = layer.getConfig();
  delete cfg.inputShape;
  delete cfg.batchInputShape;
  const args = { ...cfg, name: `backward_${layer.name}`, goBackwards: !layer.goBackwards } as never;
  if (layer instanceof LSTM) return new LSTM(args);
  if (layer instanceof GRU) return new GRU(args);
  return new SimpleRNN(args);
}

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the sequence and joins their outputs (`mergeMode`).
 * With returnState, apply gives [output, forward states…, backward states…].
 */
export class Bidirectional extends Layer {
  get className(): string {
    return 'Bidirectional';
  }
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;

  /**
   * `new Bidirectional({ layer, mergeMode })`, or as Keras: `new Bidirectional(layer, 'sum', { ... })` (snake_case
   * names too).
   */
  constructor(layer: Recurrent, options?: Omit<BidirectionalArgs, 'layer'>);
  constructor(layer: Recurrent, mergeMode: MergeMode, options?: Omit<BidirectionalArgs, 'layer' | 'mergeMode'>);
  constructor(args: BidirectionalArgs);
  constructor(...given: unknown[]) {
    // Keras's positional form, Bidirectional(LSTM(...), merge_mode=...), as well as { layer }.
    const args = kerasPositionalArgs<BidirectionalArgs>(
      'bidirectional',
      'Bidirectional',
      '{ layer: new LSTM({ units: 32 }) }',
      [
        { name: 'layer', is: (v) => v instanceof Layer },
        { name: 'mergeMode', is: (v) => typeof v === 'string' },
      ],
      given,
    );
    const a = args ?? ({} as BidirectionalArgs);
    super(
      { ...a, name: a.name ?? (a.layer instanceof Layer ? `bidirectional_${a.layer.name}` : undefined) },
      'bidirectional',
    );
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`bidirectional: expected { layer: new LSTM({...}) }, got ${describe(args)}`);
    this.checkOptions(args, ['layer', 'mergeMode']);
    if (!(args.layer instanceof Recurrent)) {
      throw new LstmWasmError(
        `${this.where}: option 'layer' must be an LSTM, GRU or SimpleRNN layer, got ` +
          `${(args.layer as unknown) instanceof Layer ? (args.layer as Layer).where : describe(args.layer)}`,
      );
    }
    if (args.layer.stateful)
      throw new LstmWasmError(
        `${this.where}: a stateful layer cannot be wrapped (the backward pass needs the whole sequence)`,
      );
    const mode = args.mergeMode ?? 'concat';
    if (typeof mode !== 'string' || !Object.hasOwn(MODES, mode))
      throw new LstmWasmError(
        `${this.where}: option 'mergeMode' must be one of 'concat', 'sum', 'mul', 'ave', got ` +
          `${describe(args.mergeMode)}`,
      );
    this.mergeMode = mode;
    this.forwardLayer = args.layer;
    this.backwardLayer = cloneReversed(args.layer);
    if (this.inputShape === undefined && args.layer.inputShape !== undefined)
      (this as { inputShape: Shape | undefined }).inputShape = args.layer.inputShape;
  }

  computeOutputShape(input: Shape): Shape {
    const out = this.forwardLayer.computeOutputShape(input);
    this.backwardLayer.computeOutputShape(input);
    if (this.mergeMode !== 'concat') return out;
    return [...out.slice(0, -1), 2 * (out[out.length - 1] as number)];
  }

  /** [merged output, forward states…, backward states…] with returnState; initial states likewise. */
  computeOutputShapes(inputs: Shape[], _call: CallOptions = {}): Shape[] {
    const out = this.computeOutputShape(inputs[0]);
    const f = this.forwardLayer;
    const names = [...f.stateNames.map((n) => `forward ${n}`), ...f.stateNames.map((n) => `backward ${n}`)];
    checkInitialStates(this, inputs.slice(1), names, f.units);
    return f.returnState ? [out, ...names.map(() => [f.units])] : [out];
  }

  get inspectable(): boolean {
    return false;
  }

  planNode(
    ctx: RunContext,
    inShapes: number[][],
    params: ParamSlot[],
    _options: PlanOptions = {},
    _node?: Node,
  ): NodeRunner {
    return this.planBoth(ctx, inShapes, params);
  }

  /** Keras order: the forward layer's weights, then the backward layer's. */
  paramSpecs(input: Shape): ParamSpec[] {
    return [...this.forwardLayer.paramSpecs(input), ...this.backwardLayer.paramSpecs(input)];
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      mergeMode: this.mergeMode,
      layer: { className: this.forwardLayer.className, config: this.forwardLayer.getConfig() },
    };
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    return singleRunner(this.planBoth(ctx, [inShape], params));
  }

  private planBoth(ctx: RunContext, inShapes: number[][], params: ParamSlot[]): NodeRunner {
    const { k, arena } = ctx;
    const inShape = inShapes[0];
    const half = params.length / 2;
    const S = this.forwardLayer.stateCount;
    const given = inShapes.length > 1;
    const withStates = this.forwardLayer.returnState;
    const sub = (from: number) => (given ? [inShape, ...inShapes.slice(from, from + S)] : [inShape]);
    const fwd = planRecurrent(
      this.forwardLayer,
      this.forwardLayer.cell(),
      ctx,
      sub(1),
      params.slice(0, half),
      withStates,
    );
    const bwd = planRecurrent(
      this.backwardLayer,
      this.backwardLayer.cell(),
      ctx,
      sub(1 + S),
      params.slice(half),
      withStates,
    );
    const seq = this.forwardLayer.returnSequences;
    const [B, T] = inShape;
    const H = this.forwardLayer.units;
    const Tm = seq ? T : 1;
    const mode = MODES[this.mergeMode];
    const outH = mode === 0 ? 2 * H : H;
    const out = arena.alloc(B * Tm * outH);
    const da = arena.alloc(B * Tm * H),
      db = arena.alloc(B * Tm * H);
    const dx = arena.alloc(inShape.reduce((a, b) => a * b, 1));
    const reverse = seq ? 1 : 0;
    const masks = [0, ...Array.from({ length: withStates ? 2 * S : 0 }, () => 0)];
    const outs = [out, ...(withStates ? [...fwd.outs.slice(1), ...bwd.outs.slice(1)] : [])];
    const stateShape = [B, H];
    return {
      outShapes: [seq ? [B, T, outH] : [B, outH], ...outs.slice(1).map(() => stateShape)],
      outs,
      get outMasks() {
        return masks;
      },
      forward(xs: number[], ms: number[], training: boolean) {
        masks[0] = seq ? ms[0] : 0;
        fwd.forward(given ? [xs[0], ...xs.slice(1, 1 + S)] : [xs[0]], [ms[0]], training);
        bwd.forward(given ? [xs[0], ...xs.slice(1 + S)] : [xs[0]], [ms[0]], training);
        k.merge_forward(mode, B, Tm, H, fwd.outs[0], bwd.outs[0], out, reverse);
      },
      backward(dys: number[], needDx: boolean[]) {
        const dy = dys[0];
        if (dy) k.merge_backward(mode, B, Tm, H, fwd.outs[0], bwd.outs[0], dy, da, db, reverse);
        const fd = [dy ? da : 0, ...(withStates ? dys.slice(1, 1 + S) : [])];
        const bd = [dy ? db : 0, ...(withStates ? dys.slice(1 + S) : [])];
        const need = (from: number) => [needDx[0], ...(given ? needDx.slice(from, from + S) : [])];
        const rf = fwd.backward(fd, need(1));
        const rb = bwd.backward(bd, need(1 + S));
        const r = [0];
        if (needDx[0]) {
          k.add_f32(
            inShape.reduce((a, b) => a * b, 1),
            rf[0],
            rb[0],
            dx,
          );
          r[0] = dx;
        }
        if (given) r.push(...rf.slice(1), ...rb.slice(1));
        return r;
      },
    };
  }
}
