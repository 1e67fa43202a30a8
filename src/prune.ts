// Magnitude pruning as TF-MOT's prune_low_magnitude with its PolynomialDecay schedule, as a fit
// callback. A model being pruned holds one mask per kernel (every weight whose name ends in 'kernel',
// and Embedding's 'embeddings'; not biases, norms, peepholes or scales, as TF-MOT by default) in its
// store's persistent memory. The masks are recomputed from the weights' magnitudes at the schedule's
// steps (assembly/prune.ts: prune_mask), and applied after every optimizer update through the model's
// updateHooks (fit and trainOnBatch alike, until stripPruning): the pruned weights are set to +0 and
// so are their optimizer slots, so Adam's moments (or momentum) cannot move them back.
import { LstmWasmError, describe } from './errors.js';
import { kerasOptions } from './engine/trainer.js';
import type { Callback, TrainableModel } from './callbacks.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';
import type { Layer, ParamSlot } from './layers/layer.js';
import { InputLayer } from './layers/input.js';
import type { Store } from './engine/store.js';
import { isPrunable } from './io/sparse.js';

/**
 * Options of pruneLowMagnitude (TF-MOT's PolynomialDecay): `targetSparsity`, `initialSparsity` (0),
 * `beginStep` (0), `endStep`, `frequency` (100), `power` (3); `minSize` (0): smaller kernels stay
 * dense. Keras spellings (`target_sparsity`, `begin_step`…) are accepted.
 */
export interface PruneLowMagnitudeArgs {
  /** The fraction of each kernel's values that are zero at `endStep`, in [0, 1) (TF-MOT's final_sparsity). */
  targetSparsity: number;
  /** The fraction pruned at `beginStep`, in [0, 1) (default 0). */
  initialSparsity?: number;
  /** The first step (optimizer update, counted from 0 by this callback) at which masks are computed (default 0). */
  beginStep?: number;
  /** The last step at which masks are recomputed; it must come after beginStep. */
  endStep: number;
  /** Masks are recomputed every `frequency` steps from beginStep (default 100). */
  frequency?: number;
  /** The schedule's exponent (default 3). */
  power?: number;
  /**
   * Kernels with fewer values are left dense (default 0: every kernel is pruned, as TF-MOT does). An
   * LSTM reading one feature has one input weight per gate unit: pruning them cuts units off its input.
   */
  minSize?: number;
}

export { isPrunable };

interface Masked {
  layer: Layer;
  slot: ParamSlot;
  /** Address of its mask (f32 0 or 1, one per value). */
  mask: number;
}

/** A model's pruning: its masks and the hook that applies them after each update. */
class Pruning {
  readonly masks: Masked[] = [];
  readonly hook: () => void;
  readonly store: Store;

  constructor(
    readonly model: Model,
    minSize: number,
  ) {
    const layers = model.layers.filter((l) => !(l instanceof InputLayer) && l.trainable && l.slots.length);
    for (const l of layers)
      for (const slot of l.slots)
        if (isPrunable(slot.spec.name) && slot.size >= minSize) this.masks.push({ layer: l, slot, mask: 0 });
    if (!this.masks.length)
      throw new LstmWasmError(
        `pruneLowMagnitude: ${whereOf(model)} has no trainable kernels to prune` +
          (minSize > 0 ? ` of at least minSize (${minSize}) values` : '') +
          ' (Dense, Conv1D, LSTM, GRU, SimpleRNN, Embedding, attention)',
      );
    this.store = layers[0].store as unknown as Store;
    const total = this.masks.reduce((s, m) => s + m.slot.size, 0);
    let at = this.store.allocPersistent(total);
    this.store.k.fill_f32(total, at, 1);
    for (const m of this.masks) {
      m.mask = at;
      at += m.slot.size * 4;
    }
    this.hook = () => this.apply();
    model.updateHooks.add(this.hook);
  }

  /** Pruned weights and their optimizer slots to +0. */
  apply(): void {
    const k = this.store.k;
    for (const m of this.masks) {
      k.prune_apply(m.slot.size, m.slot.ptr, m.mask);
      const slots = this.model.optimizerSlots(m.slot);
      if (slots) for (const p of slots) k.prune_apply(m.slot.size, p, m.mask);
    }
    this.store.generation++;
  }

  /** New masks keeping the largest (1 − sparsity) of each kernel's magnitudes, applied at once. */
  update(sparsity: number): void {
    const { k, arena } = this.store;
    for (const m of this.masks) {
      const n = m.slot.size;
      const keep = Math.max(1, Math.round(n * (1 - sparsity)));
      const scratch = arena.mark();
      arena.ensure(scratch + k.prune_mask_scratch_size(n) * 4 + 64);
      k.prune_mask(n, m.slot.ptr, keep, m.mask, scratch);
    }
    this.apply();
  }
}

const pruning = new WeakMap<Model, Pruning>();

/** `Model 'name'` or `Sequential 'name'`, for errors. */
const whereOf = (m: Model): string => `${m instanceof Sequential ? 'Sequential' : 'Model'} '${m.name}'`;

function modelOf(model: unknown, where: string): Model {
  if (!(model instanceof Model))
    throw new LstmWasmError(`${where}: expected a Model or Sequential, got ${describe(model)}`);
  if (model.isDisposed) throw new LstmWasmError(`${where}: ${whereOf(model)} was disposed`);
  return model;
}

function fraction(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1))
    throw new LstmWasmError(`${where}: option '${name}' must be a number in [0, 1), got ${describe(v)}`);
  return v;
}

function step(where: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new LstmWasmError(`${where}: option '${name}' must be an integer ≥ ${min}, got ${describe(v)}`);
  return v;
}

/**
 * The pruning callback for fit: at the steps of TF-MOT's PolynomialDecay schedule, each kernel's
 * smallest magnitudes are masked to zero; the masks stay applied through every later update (fit and
 * trainOnBatch) until stripPruning(model). Steps are optimizer updates counted by this callback from 0,
 * across fits that reuse it.
 */
export class PruneLowMagnitude implements Callback {
  readonly targetSparsity: number;
  readonly initialSparsity: number;
  readonly beginStep: number;
  readonly endStep: number;
  readonly frequency: number;
  readonly power: number;
  readonly minSize: number;
  /** The next optimizer update's step (0 before the first). */
  step = 0;
  /** The sparsity of the masks now (0 before the first pruning step). */
  sparsity = 0;
  private model: Model | null = null;

  constructor(args: PruneLowMagnitudeArgs) {
    const where = 'pruneLowMagnitude';
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(
        `${where}: expected options such as { targetSparsity: 0.8, endStep: 1000 }, got ${describe(args)}`,
      );
    const a = kerasOptions(where, args, [
      'targetSparsity',
      'initialSparsity',
      'beginStep',
      'endStep',
      'frequency',
      'power',
      'minSize',
    ]) as Partial<PruneLowMagnitudeArgs>;
    if (a.targetSparsity === undefined)
      throw new LstmWasmError(`${where}: option 'targetSparsity' is required (the fraction of zeros, in [0, 1))`);
    if (a.endStep === undefined)
      throw new LstmWasmError(`${where}: option 'endStep' is required (the step at which targetSparsity is reached)`);
    this.targetSparsity = fraction(where, 'targetSparsity', a.targetSparsity);
    this.initialSparsity = fraction(where, 'initialSparsity', a.initialSparsity ?? 0);
    this.beginStep = step(where, 'beginStep', a.beginStep ?? 0, 0);
    this.endStep = step(where, 'endStep', a.endStep, 0);
    if (this.endStep <= this.beginStep)
      throw new LstmWasmError(
        `${where}: endStep (${this.endStep}) must come after beginStep ` +
          `(${this.beginStep}); the schedule runs from beginStep to endStep`,
      );
    this.frequency = step(where, 'frequency', a.frequency ?? 100, 1);
    const power = a.power ?? 3;
    if (typeof power !== 'number' || !Number.isFinite(power) || power <= 0)
      throw new LstmWasmError(`${where}: option 'power' must be a finite number > 0, got ${describe(power)}`);
    this.power = power;
    this.minSize = step(where, 'minSize', a.minSize ?? 0, 0);
  }

  /**
   * TF-MOT's PolynomialDecay at a step: whether masks are recomputed there (beginStep ≤ step ≤ endStep,
   * every `frequency` steps from beginStep) and the sparsity, final + (initial − final)·(1 − p)^power
   * with p = (step − beginStep)/(endStep − beginStep) clipped to [0, 1].
   */
  schedule(at: number): { prune: boolean; sparsity: number } {
    const p = Math.min(1, Math.max(0, (at - this.beginStep) / (this.endStep - this.beginStep)));
    const sparsity = this.targetSparsity + (this.initialSparsity - this.targetSparsity) * (1 - p) ** this.power;
    const prune = at >= this.beginStep && at <= this.endStep && (at - this.beginStep) % this.frequency === 0;
    return { prune, sparsity };
  }

  setModel(model: TrainableModel): void {
    const m = modelOf(model, 'pruneLowMagnitude');
    if (this.model && this.model !== m)
      throw new LstmWasmError(
        `pruneLowMagnitude: this callback prunes ${whereOf(this.model)}; make another one for ${whereOf(m)}`,
      );
    this.model = m;
  }

  onTrainBegin(): void {
    const m = this.model;
    if (!m) throw new LstmWasmError('pruneLowMagnitude: fit did not give this callback its model');
    if (!pruning.has(m)) pruning.set(m, new Pruning(m, this.minSize));
  }

  onBatchBegin(): void {
    const s = this.schedule(this.step);
    if (!s.prune || !this.model) return;
    const p = pruning.get(this.model);
    if (!p) return; // stripped from a callback: pruning is over
    p.update(s.sparsity);
    this.sparsity = s.sparsity;
  }

  onBatchEnd(): void {
    this.step++;
  }
}

/**
 * A callback for fit that prunes the model's kernels by magnitude on TF-MOT's PolynomialDecay
 * schedule (see PruneLowMagnitude); stripPruning(model) ends it.
 */
export function pruneLowMagnitude(args: PruneLowMagnitudeArgs): PruneLowMagnitude {
  return new PruneLowMagnitude(args);
}

/**
 * Ends a model's pruning: the masks are no longer applied after updates (the pruned weights stay
 * zero until trained again). Returns the model. A model never pruned is returned as it is.
 */
export function stripPruning<M extends Model>(model: M): M {
  const m = modelOf(model, 'stripPruning');
  const p = pruning.get(m);
  if (p) {
    m.updateHooks.delete(p.hook);
    pruning.delete(m);
  }
  return model;
}

/**
 * Whether fit and trainOnBatch keep masks applied on this model (pruneLowMagnitude ran on it,
 * stripPruning has not).
 */
export function isPruning(model: Model): boolean {
  return pruning.has(model);
}
