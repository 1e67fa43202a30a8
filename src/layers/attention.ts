// Attention layers, as Keras 3: Attention (Luong: dot or concat scores), AdditiveAttention
// (Bahdanau) and MultiHeadAttention. Every call takes [query, value] or [query, value, key]; a
// call's input tensors are always [query, value, key, ...extra] with key = value when it is not
// given (Keras's default), so the engine sums the value's two gradients. Extra inputs follow:
// Attention's explicit masks (option mask: [queryMask, valueMask], each [batch, T] or null), and
// MultiHeadAttention's attentionMask [batch, Tq, Tv]. What the call chose (which extra inputs,
// useCausalMask, returnAttentionScores) is recorded in node.call.
//
// Kernels: assembly/attention.ts (batched QKᵀ and PV on the packed GEMM, one masked softmax pass
// and its fused backward pass); dropout on the attention weights draws from the model's RNG in
// training only. Masked keys get the logit -1e9 (Keras adds -1e9): weight 0; a query that sees no
// key gets uniform weights, as in Keras.
//
// Masks from Embedding(maskZero) / Masking: the value's mask masks the keys; the query's mask
// zeroes the output rows of masked queries (Attention, AdditiveAttention: Keras's result *= q_mask),
// or masks the whole score row (MultiHeadAttention: Keras's query_mask in its attention mask); the
// query's mask is passed on to the output.
//
// Each runner exposes `attention: { ptr, shape }`: the weights after the softmax of the last
// forward pass (before dropout), [B, Tq, Tv] (Attention, AdditiveAttention) or [B, heads, Tq, Tv].
import { ACT } from '../runtime/abi.js';
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { isSymbolic, type CallOptions, type Node, type SymbolicTensor } from '../engine/symbolic.js';
import { initializerName, initSpec, type InitializerName } from './initializers.js';
import {
  Layer,
  bool,
  positiveInt,
  rate,
  type ApplyOptions,
  type InitializerSpec,
  type LayerArgs,
  type NodeRunner,
  type ParamSlot,
  type ParamSpec,
  type PlanOptions,
  type RunContext,
  type Runner,
  type Shape,
} from './layer.js';
import { isNumber, kerasPositionalArgs } from './keras-args.js';
import { kerasOptions } from '../engine/trainer.js';

const isBool = (v: unknown): boolean => typeof v === 'boolean';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const ACT_LINEAR = ACT.linear;

/** A runner of an attention layer: also the attention weights of its last forward pass. */
export interface AttentionRunner extends NodeRunner {
  readonly attention: { ptr: number; shape: number[] };
}

/**
 * Call options of the attention layers' apply(): `mask` ([queryMask, valueMask]; Attention, AdditiveAttention),
 * `attentionMask` ([batch, Tq, Tv]; MultiHeadAttention), `useCausalMask`, `returnAttentionScores`.
 */
export interface AttentionApplyOptions extends ApplyOptions {
  /** Attention, AdditiveAttention: [queryMask [batch, Tq], valueMask [batch, Tv]], either may be null. */
  mask?: (SymbolicTensor | null | undefined)[];
  /** MultiHeadAttention: [batch, Tq, Tv], non-zero where query i may see key j. */
  attentionMask?: SymbolicTensor;
  /** Query i sees keys j ≤ i only. */
  useCausalMask?: boolean;
  /** Also return the attention weights: [output, scores]. */
  returnAttentionScores?: boolean;
}

/** What every attention layer's call shares. */
abstract class AttentionBase extends Layer {
  readonly dropout: number;

  constructor(args: LayerArgs & { dropout?: number }, snake: string) {
    super(args, snake);
    this.dropout = rate(this.where, 'dropout', (args ?? {}).dropout);
  }

  computeOutputShape(_input: Shape): Shape {
    throw new LstmWasmError(`${this.where}: takes a list [query, value] or [query, value, key]: apply([query, value])`);
  }

  plan(): Runner {
    throw new LstmWasmError(`${this.where}: takes several inputs; it runs as a node of a functional model`);
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  protected get callOptionNames(): string[] {
    return ['useCausalMask', 'returnAttentionScores'];
  }

  /**
   * As Layer.apply, reading Keras's call options too: `use_causal_mask`, `return_attention_scores`, `attention_mask`.
   */
  apply(
    inputs: SymbolicTensor | SymbolicTensor[],
    options: AttentionApplyOptions = {},
  ): SymbolicTensor | SymbolicTensor[] {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) return super.apply(inputs, options);
    const names = ['initialState', 'training', 'mask', ...this.callOptionNames];
    return super.apply(inputs, kerasOptions(`${this.where}.apply`, options, names) as AttentionApplyOptions);
  }

  /** model.inspect() reads the runner's `attention` (the weights after the softmax of the last forward pass). */
  get inspectable(): boolean {
    return true;
  }

  /** [query, value, key] (key = value when not given), checked. */
  protected qvk(list: SymbolicTensor[], options: ApplyOptions): SymbolicTensor[] {
    if (options.initialState !== undefined)
      throw new LstmWasmError(`${this.where}.apply: option 'initialState' is for recurrent layers`);
    if (list.length < 2 || list.length > 3)
      throw new LstmWasmError(
        `${this.where}.apply: expected [query, value] or [query, value, key], got ${list.length} ` +
          `tensor${list.length === 1 ? '' : 's'}`,
      );
    return list.length === 3 ? list : [list[0], list[1], list[1]];
  }

  protected baseCall(options: AttentionApplyOptions): CallOptions {
    const call: CallOptions = {};
    if (options.training !== undefined) call.training = options.training;
    call.useCausalMask = bool(`${this.where}.apply`, 'useCausalMask', options.useCausalMask, false);
    call.returnAttentionScores = bool(
      `${this.where}.apply`,
      'returnAttentionScores',
      options.returnAttentionScores,
      false,
    );
    return call;
  }

  /** Query, value and key shapes ([T, features] each), checked for rank and known feature sizes. */
  protected sequences(inputs: Shape[]): [Shape, Shape, Shape] {
    const names = ['query', 'value', 'key'];
    for (let i = 0; i < 3; i++) {
      const s = inputs[i];
      if (!s || s.length !== 2)
        throw new LstmWasmError(
          `${this.where}: the ${names[i]} must be a sequence [batch, steps, features], got ` +
            `${s ? shapeString([null, ...s]) : 'nothing'}`,
        );
      if (s[1] === null)
        throw new LstmWasmError(
          `${this.where}: the last size of the ${names[i]} must be known, got ${shapeString([null, ...s])}`,
        );
    }
    const [q, v, k] = inputs;
    if (v[0] !== null && k[0] !== null && v[0] !== k[0]) {
      throw new LstmWasmError(
        `${this.where}: value and key must have the same number of steps; value is ${shapeString([null, ...v])}, ` +
          `key is ${shapeString([null, ...k])}`,
      );
    }
    return [q, v, k];
  }

  /** Keras's dropout of the attention weights, in training only. */
  protected dropoutPass(ctx: RunContext, n: number, p: number, keep: number, pd: number, training: boolean): number {
    if (!(training && this.dropout > 0)) return p;
    ctx.k.rng_dropout_mask(ctx.rngState, n, keep, this.dropout);
    ctx.k.mul_f32(n, p, keep, pd);
    return pd;
  }
}

function checkMaskShape(where: string, what: string, s: Shape | undefined, want: (number | null)[]): void {
  const ok =
    s !== undefined && s.length === want.length && s.every((d, i) => d === null || want[i] === null || d === want[i]);
  if (!ok)
    throw new LstmWasmError(
      `${where}: the ${what} must have shape ${shapeString([null, ...want])}, got ` +
        `${s ? shapeString([null, ...s]) : 'nothing'}`,
    );
}

/** Options of AdditiveAttention: `useScale` (true, as Keras), `dropout`. */
export interface DenseAttentionArgs extends LayerArgs {
  /**
   * Attention: a trainable scalar `scale` multiplies the scores (default false); AdditiveAttention:
   * a trainable `scale` [dim] weighs them (default true, as Keras).
   */
  useScale?: boolean;
  /** Rate of dropout on the attention weights (training only). */
  dropout?: number;
}

/**
 * Options of Attention: `useScale` (a trainable scale of the scores), `scoreMode` ('dot', 'concat'), `dropout` (on the
 * weights, in training).
 */
export interface AttentionArgs extends DenseAttentionArgs {
  /**
   * 'dot' (default): q·k; 'concat': Σ tanh(q + k) (scaled by `scale` inside the tanh with useScale), times
   * `concat_score_weight`.
   */
  scoreMode?: 'dot' | 'concat';
}

/** Attention and AdditiveAttention (Keras's dense attention): one head over [query, value, key]. */
abstract class DenseAttention extends AttentionBase {
  readonly useScale: boolean;

  /** `useScaleDefault`: Keras's default of use_scale (Attention false, AdditiveAttention true). */
  constructor(args: DenseAttentionArgs, snake: string, extra: string[], useScaleDefault: boolean) {
    super(args ?? {}, snake);
    this.checkOptions(args ?? {}, ['useScale', 'dropout', ...extra]);
    this.useScale = bool(this.where, 'useScale', (args ?? {}).useScale, useScaleDefault);
  }

  /** concat or additive scores (tanh of sums), else dot products. */
  protected abstract get additive(): boolean;

  protected get callOptionNames(): string[] {
    return ['mask', ...super.callOptionNames];
  }

  protected collectInputs(
    list: SymbolicTensor[],
    options: AttentionApplyOptions,
  ): { inputs: SymbolicTensor[]; call: CallOptions } {
    const qvk = this.qvk(list, options);
    const call = this.baseCall(options);
    const extra: SymbolicTensor[] = [];
    call.queryMask = false;
    call.valueMask = false;
    if (options.mask !== undefined && options.mask !== null) {
      const m = options.mask;
      if (!Array.isArray(m) || m.length < 1 || m.length > 3)
        throw new LstmWasmError(
          `${this.where}.apply: option 'mask' must be [queryMask, valueMask] (symbolic tensors [batch, steps], or ` +
            `null), got ${describe(m)}`,
        );
      m.forEach((t, i) => {
        // A third entry (the key's mask) is ignored, as in Keras: the value's mask masks the keys.
        if (t === null || t === undefined || i === 2) return;
        if (!isSymbolic(t))
          throw new LstmWasmError(
            `${this.where}.apply: mask[${i}] must be a symbolic tensor [batch, steps] or null, got ${describe(t)}`,
          );
        extra.push(t);
        if (i === 0) call.queryMask = true;
        else call.valueMask = true;
      });
    }
    return { inputs: [...qvk, ...extra], call };
  }

  computeOutputShapes(inputs: Shape[], call: CallOptions = {}): Shape[] {
    const [q, v, k] = this.sequences(inputs);
    if (q[1] !== k[1]) {
      throw new LstmWasmError(
        `${this.where}: the query and the key (the value, when no key is given) must have the same number of ` +
          `features (${this.additive ? 'their sum goes through tanh' : 'their dot product is the score'}); query is ` +
          `${shapeString([null, ...q])}, key is ${shapeString([null, ...k])}`,
      );
    }
    const want = 3 + (call.queryMask ? 1 : 0) + (call.valueMask ? 1 : 0);
    if (inputs.length !== want)
      throw new LstmWasmError(`${this.where}: expected ${want} input tensors for this call, got ${inputs.length}`);
    let i = 3;
    if (call.queryMask) checkMaskShape(this.where, 'query mask (mask[0])', inputs[i++], [q[0]]);
    if (call.valueMask) checkMaskShape(this.where, 'value mask (mask[1])', inputs[i++], [v[0]]);
    const out: Shape[] = [[q[0], v[1]]];
    if (call.returnAttentionScores) out.push([q[0], v[0]]);
    return out;
  }

  planNode(
    ctx: RunContext,
    inShapes: number[][],
    params: ParamSlot[],
    _options: PlanOptions = {},
    node?: Node,
  ): AttentionRunner {
    const call = node?.call ?? {};
    const { k, arena } = ctx;
    const [B, Tq, D] = inShapes[0];
    const [, Tv, Dv] = inShapes[1];
    const causal = call.useCausalMask ? 1 : 0;
    const withScores = !!call.returnAttentionScores;
    const qmIdx = call.queryMask ? 3 : -1;
    const vmIdx = call.valueMask ? (call.queryMask ? 4 : 3) : -1;
    const additive = this.additive;
    const concat = additive && this instanceof Attention;
    const useScale = this.useScale;
    const scaleSlot = useScale ? params[0] : null;
    const concatSlot = concat ? params[useScale ? 1 : 0] : null;
    const nS = B * Tq * Tv,
      nO = B * Tq * Dv;
    const S = arena.alloc(nS),
      P = arena.alloc(nS),
      O = arena.alloc(nO);
    const dropout = this.dropout > 0;
    const keep = dropout ? arena.alloc(nS) : 0,
      Pd = dropout ? arena.alloc(nS) : 0;
    const qmBuf = arena.alloc(B * Tq),
      vmBuf = arena.alloc(B * Tv),
      qExp = arena.alloc(nO),
      dOq = arena.alloc(nO);
    const dPd = arena.alloc(nS),
      dS = arena.alloc(nS);
    const dQ = arena.alloc(B * Tq * D),
      dK = arena.alloc(B * Tv * D),
      dV = arena.alloc(B * Tv * Dv);
    const dac = arena.alloc(2);
    const scratch = arena.alloc(k.attn_scratch_size(Tq, Tv, D, Dv));
    const read = (s: ParamSlot | null) => (s ? arena.f32(s.ptr, 1)[0] : 1);
    let xs: number[] = [],
      qm = 0,
      vm = 0,
      Pused = 0,
      dotScale = 1;
    const outs = [O, ...(withScores ? [P] : [])];
    const outMasks = [0, ...(withScores ? [0] : [])];
    const self = this;
    return {
      outShapes: [[B, Tq, Dv], ...(withScores ? [[B, Tq, Tv]] : [])],
      outs,
      outMasks,
      attention: { ptr: P, shape: [B, Tq, Tv] },
      forward(inputs: number[], masks: number[], training: boolean) {
        xs = inputs;
        const [q, v, key] = xs;
        qm = masks[0];
        vm = masks[1];
        // Explicit masks win over the ones that came with the tensors, as in Keras; made 0/1.
        if (qmIdx >= 0) {
          k.mask_from_values(B, Tq, 1, xs[qmIdx], 0, qmBuf);
          qm = qmBuf;
        }
        if (vmIdx >= 0) {
          k.mask_from_values(B, Tv, 1, xs[vmIdx], 0, vmBuf);
          vm = vmBuf;
        }
        if (additive) {
          // concat: c · Σ tanh(a·(q + k)), a = scale (or 1), c = concat_score_weight;
          // additive: Σ scale_d · tanh(q + k)
          if (concat) k.attn_additive_scores(B, Tq, Tv, D, q, key, 0, read(scaleSlot), read(concatSlot), S);
          else k.attn_additive_scores(B, Tq, Tv, D, q, key, scaleSlot ? scaleSlot.ptr : 0, 1, 1, S);
          dotScale = 1;
        } else {
          k.attn_scores(B, 1, Tq, Tv, D, q, D, key, D, S, scratch);
          dotScale = read(scaleSlot);
        }
        k.attn_softmax(B, 1, Tq, Tv, dotScale, S, vm, 0, 0, causal, P);
        Pused = self.dropoutPass(ctx, nS, P, keep, Pd, training);
        k.attn_apply(B, 1, Tq, Tv, Dv, Pused, v, Dv, O, Dv, scratch);
        if (qm) {
          k.repeat_forward(B * Tq, Dv, 1, qm, qExp);
          k.mul_f32(nO, O, qExp, O);
        }
        outMasks[0] = qm;
        if (withScores) outs[1] = Pused; // Keras returns the weights after dropout
      },
      backward(dys: number[], needDx: boolean[]) {
        const [q, v, key] = xs;
        const [dY, dScores] = dys;
        if (dY) {
          let g = dY;
          if (qm) {
            k.mul_f32(nO, dY, qExp, dOq);
            g = dOq;
          }
          k.attn_apply_backward(B, 1, Tq, Tv, Dv, Pused, v, Dv, g, Dv, dPd, needDx[1] ? dV : 0, 0, scratch);
        } else {
          k.fill_f32(nS, dPd, 0);
          if (needDx[1]) k.fill_f32(B * Tv * Dv, dV, 0);
        }
        if (withScores && dScores) k.add_f32(nS, dPd, dScores, dPd);
        if (Pused !== P) k.mul_f32(nS, dPd, keep, dPd);
        const dscale = k.attn_softmax_backward(B, 1, Tq, Tv, dotScale, S, P, dPd, vm, 0, 0, causal, dS);
        const gq = needDx[0] ? dQ : 0,
          gk = needDx[2] ? dK : 0;
        if (additive) {
          if (concat) {
            k.attn_additive_backward(B, Tq, Tv, D, q, key, 0, read(scaleSlot), read(concatSlot), dS, gq, gk, 0, 0, dac);
            if (scaleSlot) k.copy_f32(1, dac, scaleSlot.grad);
            k.copy_f32(1, dac + 4, concatSlot!.grad);
          } else {
            k.attn_additive_backward(
              B,
              Tq,
              Tv,
              D,
              q,
              key,
              scaleSlot ? scaleSlot.ptr : 0,
              1,
              1,
              dS,
              gq,
              gk,
              0,
              scaleSlot ? scaleSlot.grad : 0,
              0,
            );
          }
        } else {
          k.attn_scores_backward(B, 1, Tq, Tv, D, q, D, key, D, dS, gq, gk, 0, scratch);
          if (scaleSlot) arena.write(scaleSlot.grad, [dscale]);
        }
        return xs.map((_, i) => (!needDx[i] ? 0 : i === 0 ? dQ : i === 1 ? dV : i === 2 ? dK : 0));
      },
    };
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), useScale: this.useScale, dropout: this.dropout };
  }
}

/**
 * Luong (dot-product) attention: apply([query, value]) or apply([query, value, key]); each query step gets the
 * softmax-weighted mean of the values. Masks from Embedding/Masking and `mask`, `useCausalMask`,
 * `returnAttentionScores` as Keras.
 */
export class Attention extends DenseAttention {
  get className(): string {
    return 'Attention';
  }
  readonly scoreMode: 'dot' | 'concat';

  /**
   * `new Attention({ useScale: true })`, or as Keras: `new Attention(true, 'concat', { ... })` (snake_case names too).
   */
  constructor(useScale: boolean, scoreMode?: 'dot' | 'concat', options?: Omit<AttentionArgs, 'useScale' | 'scoreMode'>);
  constructor(useScale: boolean, options?: Omit<AttentionArgs, 'useScale'>);
  constructor(args?: AttentionArgs);
  constructor(...given: unknown[]) {
    const args = kerasPositionalArgs<AttentionArgs>(
      'attention',
      'Attention',
      "{ scoreMode: 'dot' }",
      [
        { name: 'useScale', is: isBool },
        { name: 'scoreMode', is: (v) => typeof v === 'string' },
        { name: 'dropout', is: isNumber },
      ],
      given,
    );
    super(args, 'attention', ['scoreMode'], false);
    const m = (args ?? {}).scoreMode ?? 'dot';
    if (m !== 'dot' && m !== 'concat')
      throw new LstmWasmError(`${this.where}: option 'scoreMode' must be 'dot' or 'concat', got ${describe(m)}`);
    this.scoreMode = m;
  }

  protected get additive(): boolean {
    return this.scoreMode === 'concat';
  }

  /** Keras 3: `scale` [] (ones) with useScale, then `concat_score_weight` [] (ones) with scoreMode 'concat'. */
  paramSpecsFor(inputs: Shape[]): ParamSpec[] {
    this.sequences(inputs);
    const specs: ParamSpec[] = [];
    if (this.useScale) specs.push({ name: 'scale', shape: [], init: { kind: 'ones' } });
    if (this.scoreMode === 'concat') specs.push({ name: 'concat_score_weight', shape: [], init: { kind: 'ones' } });
    return specs;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scoreMode: this.scoreMode };
  }
}

/**
 * Bahdanau (additive) attention: scores are sums of tanh(query + key) weighted by a learned `scale`; applied as
 * Attention.
 */
export class AdditiveAttention extends DenseAttention {
  get className(): string {
    return 'AdditiveAttention';
  }

  /**
   * `new AdditiveAttention({ useScale: false })`, or as Keras: `new AdditiveAttention(false, { ... })` (snake_case
   * names too).
   */
  constructor(useScale: boolean, dropout?: number, options?: Omit<DenseAttentionArgs, 'useScale' | 'dropout'>);
  constructor(useScale: boolean, options?: Omit<DenseAttentionArgs, 'useScale'>);
  constructor(args?: DenseAttentionArgs);
  constructor(...given: unknown[]) {
    const args = kerasPositionalArgs<DenseAttentionArgs>(
      'additive_attention',
      'AdditiveAttention',
      '{ useScale: true }',
      [
        { name: 'useScale', is: isBool },
        { name: 'dropout', is: isNumber },
      ],
      given,
    );
    super(args, 'additive_attention', [], true);
  }

  protected get additive(): boolean {
    return true;
  }

  /** Keras 3: `scale` [dim] (glorotUniform) with useScale. */
  paramSpecsFor(inputs: Shape[]): ParamSpec[] {
    const [q] = this.sequences(inputs);
    const dim = q[1] as number;
    return this.useScale ? [{ name: 'scale', shape: [dim], init: initSpec('glorotUniform', [dim]) }] : [];
  }
}

/**
 * Options of MultiHeadAttention: `numHeads`, `keyDim`, `valueDim` (keyDim), `dropout`, `useBias` (true), `outputShape`
 * (the query's width), initializers.
 */
export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  /** Size of each head's query and key. */
  keyDim: number;
  /** Size of each head's value; default keyDim. */
  valueDim?: number;
  dropout?: number;
  useBias?: boolean;
  /** Size of the output's last axis; default the query's. */
  outputShape?: number | number[];
  kernelInitializer?: InitializerName | string;
  biasInitializer?: InitializerName | string;
}

/** Keras's fans of an einsum kernel [..., in, out]: the sizes before the last two multiply both. */
function kernelInit(name: InitializerName, shape: number[]): InitializerSpec {
  if (name === 'orthogonal') return initSpec(name, [shape[0], prod(shape.slice(1))]);
  const rf = prod(shape.slice(0, -2));
  return initSpec(name, [shape[shape.length - 2] * rf, shape[shape.length - 1] * rf]);
}

/**
 * Multi-head attention as Keras: query, key and value projected into `numHeads` heads of `keyDim`, scaled dot-product
 * attention per head (masks, causal), the heads joined by an output projection.
 */
export class MultiHeadAttention extends AttentionBase {
  get className(): string {
    return 'MultiHeadAttention';
  }
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly useBias: boolean;
  readonly outputShape: number | null;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;

  /**
   * `new MultiHeadAttention({ numHeads: 4, keyDim: 32 })`, or as Keras: `new MultiHeadAttention(4, 32, { ... })`
   * (snake_case names too).
   */
  constructor(numHeads: number, keyDim: number, options?: Omit<MultiHeadAttentionArgs, 'numHeads' | 'keyDim'>);
  constructor(numHeads: number, options: Omit<MultiHeadAttentionArgs, 'numHeads'>);
  constructor(args: MultiHeadAttentionArgs);
  constructor(...given: unknown[]) {
    const args = kerasPositionalArgs<MultiHeadAttentionArgs>(
      'multi_head_attention',
      'MultiHeadAttention',
      '{ numHeads: 4, keyDim: 32 }',
      [
        { name: 'numHeads', is: isNumber },
        { name: 'keyDim', is: isNumber },
      ],
      given,
    );
    super(args ?? ({} as MultiHeadAttentionArgs), 'multi_head_attention');
    const a = args ?? ({} as MultiHeadAttentionArgs);
    this.checkOptions(a, [
      'numHeads',
      'keyDim',
      'valueDim',
      'dropout',
      'useBias',
      'outputShape',
      'kernelInitializer',
      'biasInitializer',
    ]);
    const w = this.where;
    if (a.numHeads === undefined)
      throw new LstmWasmError(
        `${w}: option 'numHeads' is required (the number of attention heads), e.g. { numHeads: 4, keyDim: 32 }`,
      );
    this.numHeads = positiveInt(w, 'numHeads', a.numHeads);
    if (a.keyDim === undefined)
      throw new LstmWasmError(
        `${w}: option 'keyDim' is required (the size of each head's query and key), e.g. { numHeads: ` +
          `${this.numHeads}, keyDim: 32 }`,
      );
    this.keyDim = positiveInt(w, 'keyDim', a.keyDim);
    this.valueDim =
      a.valueDim === undefined || a.valueDim === null ? this.keyDim : positiveInt(w, 'valueDim', a.valueDim);
    this.useBias = bool(w, 'useBias', a.useBias, true);
    let os = a.outputShape as unknown;
    if (Array.isArray(os) && os.length === 1) os = os[0];
    this.outputShape = os === undefined || os === null ? null : positiveInt(w, 'outputShape', os);
    this.kernelInitializer = initializerName(w, 'kernelInitializer', a.kernelInitializer, 'glorotUniform');
    this.biasInitializer = initializerName(w, 'biasInitializer', a.biasInitializer, 'zeros');
  }

  protected get callOptionNames(): string[] {
    return ['attentionMask', ...super.callOptionNames];
  }

  protected collectInputs(
    list: SymbolicTensor[],
    options: AttentionApplyOptions,
  ): { inputs: SymbolicTensor[]; call: CallOptions } {
    const qvk = this.qvk(list, options);
    const call = this.baseCall(options);
    call.attentionMask = false;
    const m = options.attentionMask;
    if (m !== undefined && m !== null) {
      if (!isSymbolic(m))
        throw new LstmWasmError(
          `${this.where}.apply: option 'attentionMask' must be a symbolic tensor [batch, Tq, Tv], got ${describe(m)}`,
        );
      call.attentionMask = true;
      return { inputs: [...qvk, m], call };
    }
    return { inputs: qvk, call };
  }

  computeOutputShapes(inputs: Shape[], call: CallOptions = {}): Shape[] {
    const [q, v] = this.sequences(inputs);
    const want = call.attentionMask ? 4 : 3;
    if (inputs.length !== want)
      throw new LstmWasmError(`${this.where}: expected ${want} input tensors for this call, got ${inputs.length}`);
    if (call.attentionMask) checkMaskShape(this.where, 'attentionMask', inputs[3], [q[0], v[0]]);
    const out: Shape[] = [[q[0], this.outputShape ?? q[1]]];
    if (call.returnAttentionScores) out.push([this.numHeads, q[0], v[0]]);
    return out;
  }

  /**
   * Keras order: query, key, value kernels [dim, heads, keyDim|valueDim] (+ biases [heads, ·]), output kernel [heads,
   * valueDim, out] (+ bias).
   */
  paramSpecsFor(inputs: Shape[]): ParamSpec[] {
    const [q, v, k] = this.sequences(inputs);
    const H = this.numHeads,
      dk = this.keyDim,
      dv = this.valueDim,
      dOut = this.outputShape ?? (q[1] as number);
    const specs: ParamSpec[] = [];
    const proj = (name: string, dim: number, size: number) => {
      specs.push({
        name: `${name}/kernel`,
        shape: [dim, H, size],
        init: kernelInit(this.kernelInitializer, [dim, H, size]),
      });
      if (this.useBias)
        specs.push({ name: `${name}/bias`, shape: [H, size], init: initSpec(this.biasInitializer, [H, size]) });
    };
    proj('query', q[1] as number, dk);
    proj('key', k[1] as number, dk);
    proj('value', v[1] as number, dv);
    specs.push({
      name: 'attention_output/kernel',
      shape: [H, dv, dOut],
      init: kernelInit(this.kernelInitializer, [H, dv, dOut]),
    });
    if (this.useBias)
      specs.push({ name: 'attention_output/bias', shape: [dOut], init: initSpec(this.biasInitializer, [dOut]) });
    return specs;
  }

  planNode(
    ctx: RunContext,
    inShapes: number[][],
    params: ParamSlot[],
    _options: PlanOptions = {},
    node?: Node,
  ): AttentionRunner {
    const call = node?.call ?? {};
    const { k, arena } = ctx;
    const [B, Tq, Dq] = inShapes[0];
    const [, Tv, DvIn] = inShapes[1];
    const DkIn = inShapes[2][2];
    const H = this.numHeads,
      dk = this.keyDim,
      dv = this.valueDim;
    const dOut = this.outputShape ?? Dq;
    const causal = call.useCausalMask ? 1 : 0;
    const withScores = !!call.returnAttentionScores;
    const hasAmask = !!call.attentionMask;
    const nb = this.useBias ? 2 : 1;
    const slot = (i: number) => ({ W: params[i * nb], b: this.useBias ? params[i * nb + 1] : null });
    const Wq = slot(0),
      Wk = slot(1),
      Wv = slot(2),
      Wo = slot(3);
    const Mq = B * Tq,
      Mv = B * Tv,
      HK = H * dk,
      HV = H * dv;
    const nS = B * H * Tq * Tv;
    const Qp = arena.alloc(Mq * HK),
      Kp = arena.alloc(Mv * HK),
      Vp = arena.alloc(Mv * HV);
    const S = arena.alloc(nS),
      P = arena.alloc(nS),
      O = arena.alloc(Mq * HV),
      Y = arena.alloc(Mq * dOut);
    const dropout = this.dropout > 0;
    const keep = dropout ? arena.alloc(nS) : 0,
      Pd = dropout ? arena.alloc(nS) : 0;
    const kmBuf = arena.alloc(Mv);
    const dO = arena.alloc(Mq * HV),
      dP = arena.alloc(nS),
      dQp = arena.alloc(Mq * HK),
      dKp = arena.alloc(Mv * HK),
      dVp = arena.alloc(Mv * HV);
    const dxq = arena.alloc(Mq * Dq),
      dxv = arena.alloc(Mv * DvIn),
      dxk = arena.alloc(Mv * DkIn);
    const scratch = arena.alloc(k.attn_scratch_size(Tq, Tv, dk, dv));
    const dsc = arena.alloc(
      Math.max(
        k.dense_scratch_size(Mq, HK, Dq),
        k.dense_scratch_size(Mv, HK, DkIn),
        k.dense_scratch_size(Mv, HV, DvIn),
        k.dense_scratch_size(Mq, dOut, HV),
      ),
    );
    const scale = 1 / Math.sqrt(dk);
    const ptrOf = (b: ParamSlot | null, f: 'ptr' | 'grad') => (b ? b[f] : 0);
    let xs: number[] = [],
      km = 0,
      qm = 0,
      am = 0,
      Pused = 0;
    const outMasks = [0, ...(withScores ? [0] : [])];
    const self = this;
    return {
      outShapes: [[B, Tq, dOut], ...(withScores ? [[B, H, Tq, Tv]] : [])],
      outs: [Y, ...(withScores ? [P] : [])],
      outMasks,
      attention: { ptr: P, shape: [B, H, Tq, Tv] },
      forward(inputs: number[], masks: number[], training: boolean) {
        xs = inputs;
        const [q, v, key] = xs;
        k.dense_forward(Mq, HK, Dq, ACT_LINEAR, q, Wq.W.ptr, ptrOf(Wq.b, 'ptr'), Qp, dsc);
        k.dense_forward(Mv, HK, DkIn, ACT_LINEAR, key, Wk.W.ptr, ptrOf(Wk.b, 'ptr'), Kp, dsc);
        k.dense_forward(Mv, HV, DvIn, ACT_LINEAR, v, Wv.W.ptr, ptrOf(Wv.b, 'ptr'), Vp, dsc);
        k.attn_scores(B, H, Tq, Tv, dk, Qp, HK, Kp, HK, S, scratch);
        // Keras: the query's mask masks rows; the value's and the key's masks (AND) mask keys.
        qm = masks[0];
        km = masks[1];
        if (masks[2] && masks[2] !== masks[1]) {
          if (km) {
            k.mul_f32(Mv, masks[1], masks[2], kmBuf);
            km = kmBuf;
          } else km = masks[2];
        }
        am = hasAmask ? xs[3] : 0;
        k.attn_softmax(B, H, Tq, Tv, scale, S, km, qm, am, causal, P);
        Pused = self.dropoutPass(ctx, nS, P, keep, Pd, training);
        k.attn_apply(B, H, Tq, Tv, dv, Pused, Vp, HV, O, HV, scratch);
        k.dense_forward(Mq, dOut, HV, ACT_LINEAR, O, Wo.W.ptr, ptrOf(Wo.b, 'ptr'), Y, dsc);
        outMasks[0] = qm;
      },
      backward(dys: number[], needDx: boolean[]) {
        const [q, v, key] = xs;
        const [dY, dScores] = dys;
        if (dY) {
          k.dense_backward(Mq, dOut, HV, ACT_LINEAR, O, Wo.W.ptr, Y, dY, Wo.W.grad, ptrOf(Wo.b, 'grad'), dO, dsc);
        } else {
          k.fill_f32(Mq * HV, dO, 0);
          k.fill_f32(Wo.W.size, Wo.W.grad, 0);
          if (Wo.b) k.fill_f32(Wo.b.size, Wo.b.grad, 0);
        }
        k.attn_apply_backward(B, H, Tq, Tv, dv, Pused, Vp, HV, dO, HV, dP, dVp, 0, scratch);
        if (Pused !== P) k.mul_f32(nS, dP, keep, dP);
        if (withScores && dScores) k.add_f32(nS, dP, dScores, dP); // Keras returns the weights before dropout
        k.attn_softmax_backward(B, H, Tq, Tv, scale, 0, P, dP, km, qm, am, causal, dP);
        k.attn_scores_backward(B, H, Tq, Tv, dk, Qp, HK, Kp, HK, dP, dQp, dKp, 0, scratch);
        k.dense_backward(
          Mq,
          HK,
          Dq,
          ACT_LINEAR,
          q,
          Wq.W.ptr,
          Qp,
          dQp,
          Wq.W.grad,
          ptrOf(Wq.b, 'grad'),
          needDx[0] ? dxq : 0,
          dsc,
        );
        k.dense_backward(
          Mv,
          HK,
          DkIn,
          ACT_LINEAR,
          key,
          Wk.W.ptr,
          Kp,
          dKp,
          Wk.W.grad,
          ptrOf(Wk.b, 'grad'),
          needDx[2] ? dxk : 0,
          dsc,
        );
        k.dense_backward(
          Mv,
          HV,
          DvIn,
          ACT_LINEAR,
          v,
          Wv.W.ptr,
          Vp,
          dVp,
          Wv.W.grad,
          ptrOf(Wv.b, 'grad'),
          needDx[1] ? dxv : 0,
          dsc,
        );
        return xs.map((_, i) => (!needDx[i] ? 0 : i === 0 ? dxq : i === 1 ? dxv : i === 2 ? dxk : 0));
      },
    };
  }

  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = {
      ...this.baseConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
    if (this.outputShape !== null) c.outputShape = this.outputShape;
    return c;
  }
}
