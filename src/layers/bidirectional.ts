// Bidirectional: the wrapped recurrent layer reads the sequence forwards, a copy of it reads it
// backwards, and their outputs are merged (concat, sum, mul, ave), as Keras does. The backward
// copy's output sequence is reversed back into time order before merging.
import { LstmWasmError, describe } from '../errors.js';
import { GRU, LSTM, Recurrent, SimpleRNN } from './recurrent.js';
import { Layer, type LayerArgs, type ParamSlot, type ParamSpec, type RunContext, type Runner, type Shape } from './layer.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MODES: Record<MergeMode, number> = { concat: 0, sum: 1, mul: 2, ave: 3 };

export interface BidirectionalArgs extends LayerArgs {
  layer: Recurrent;
  mergeMode?: MergeMode;
}

function cloneReversed(layer: Recurrent): Recurrent {
  const cfg = layer.getConfig();
  delete cfg.inputShape; delete cfg.batchInputShape;
  const args = { ...cfg, name: `backward_${layer.name}`, goBackwards: !layer.goBackwards } as never;
  if (layer instanceof LSTM) return new LSTM(args);
  if (layer instanceof GRU) return new GRU(args);
  return new SimpleRNN(args);
}

export class Bidirectional extends Layer {
  get className(): string {
    return 'Bidirectional';
  }
  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;

  constructor(args: BidirectionalArgs) {
    const a = args ?? ({} as BidirectionalArgs);
    super({ ...a, name: a.name ?? (a.layer instanceof Layer ? `bidirectional_${a.layer.name}` : undefined) }, 'bidirectional');
    if (args === null || typeof args !== 'object') throw new LstmWasmError(`bidirectional: expected { layer: new LSTM({...}) }, got ${describe(args)}`);
    this.checkOptions(args, ['layer', 'mergeMode']);
    if (!(args.layer instanceof Recurrent)) {
      throw new LstmWasmError(`${this.where}: option 'layer' must be an LSTM, GRU or SimpleRNN layer, got ${(args.layer as unknown) instanceof Layer ? (args.layer as Layer).where : describe(args.layer)}`);
    }
    if (args.layer.stateful) throw new LstmWasmError(`${this.where}: a stateful layer cannot be wrapped (the backward pass needs the whole sequence)`);
    const mode = args.mergeMode ?? 'concat';
    if (typeof mode !== 'string' || !Object.hasOwn(MODES, mode)) throw new LstmWasmError(`${this.where}: option 'mergeMode' must be one of 'concat', 'sum', 'mul', 'ave', got ${describe(args.mergeMode)}`);
    this.mergeMode = mode;
    this.forwardLayer = args.layer;
    this.backwardLayer = cloneReversed(args.layer);
    if (this.inputShape === undefined && args.layer.inputShape !== undefined) (this as { inputShape: Shape | undefined }).inputShape = args.layer.inputShape;
  }

  computeOutputShape(input: Shape): Shape {
    const out = this.forwardLayer.computeOutputShape(input);
    this.backwardLayer.computeOutputShape(input);
    if (this.mergeMode !== 'concat') return out;
    return [...out.slice(0, -1), 2 * (out[out.length - 1] as number)];
  }

  /** Keras order: the forward layer's weights, then the backward layer's. */
  paramSpecs(input: Shape): ParamSpec[] {
    return [...this.forwardLayer.paramSpecs(input), ...this.backwardLayer.paramSpecs(input)];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), mergeMode: this.mergeMode, layer: { className: this.forwardLayer.className, config: this.forwardLayer.getConfig() } };
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const { k, arena } = ctx;
    const half = params.length / 2;
    const fwd = this.forwardLayer.plan(ctx, inShape, params.slice(0, half));
    const bwd = this.backwardLayer.plan(ctx, inShape, params.slice(half));
    const seq = this.forwardLayer.returnSequences;
    const [B, T] = inShape;
    const H = this.forwardLayer.units;
    const Tm = seq ? T : 1;
    const mode = MODES[this.mergeMode];
    const outH = mode === 0 ? 2 * H : H;
    const out = arena.alloc(B * Tm * outH);
    const da = arena.alloc(B * Tm * H), db = arena.alloc(B * Tm * H);
    const dx = arena.alloc(inShape.reduce((a, b) => a * b, 1));
    const reverse = seq ? 1 : 0;
    let mask = 0;
    return {
      outShape: seq ? [B, T, outH] : [B, outH],
      out,
      get outMask() { return seq ? mask : 0; },
      forward(x: number, maskIn: number, training: boolean) {
        mask = maskIn;
        fwd.forward(x, maskIn, training);
        bwd.forward(x, maskIn, training);
        k.merge_forward(mode, B, Tm, H, fwd.out, bwd.out, out, reverse);
      },
      backward(dy: number, needDx: boolean) {
        k.merge_backward(mode, B, Tm, H, fwd.out, bwd.out, dy, da, db, reverse);
        const dxf = fwd.backward(da, needDx);
        const dxb = bwd.backward(db, needDx);
        if (!needDx) return 0;
        k.add_f32(inShape.reduce((a, b) => a * b, 1), dxf, dxb, dx);
        return dx;
      },
    };
  }
}
