// Optimizers by name or config, as TF.js/Keras; the update itself is one kernel call over the
// model's whole parameter block (assembly/optimizers.ts).
import { LstmWasmError, checkOptions, describe } from './errors.js';
import type { Kernels } from './runtime/kernels.js';
import { type LearningRateSchedule, scheduleConfig, toSchedule } from './schedules.js';

/** A fixed rate, or a schedule (an instance, or its config { className, config }). */
export type LearningRate = number | LearningRateSchedule | { className: string; config: Record<string, unknown> };

/**
 * The options every optimizer takes (Keras 3's base optimizer): at most one of the three clips, and
 * a decoupled weight decay.
 */
export interface OptimizerCommon {
  /** Clip each weight's gradient to this L2 norm (Keras `clipnorm`; `clipNorm` too). */
  clipnorm?: number;
  /** Clip every gradient entry to [-clipvalue, clipvalue] (Keras `clipvalue`; `clipValue` too). */
  clipvalue?: number;
  /** Rescale all gradients together when their global L2 norm exceeds this (Keras `global_clipnorm`). */
  globalClipnorm?: number;
  /**
   * Decoupled weight decay: w -= learningRate·weightDecay·w before each update (Keras
   * `weight_decay`; AdamW's default 0.004, others' 0).
   */
  weightDecay?: number;
}

/** An optimizer's name: 'adam', 'adamw', 'nadam', 'adamax', 'adagrad', 'sgd' or 'rmsprop'. */
export type OptimizerName = 'adam' | 'adamw' | 'nadam' | 'adamax' | 'adagrad' | 'sgd' | 'rmsprop';

/**
 * An optimizer by name ('adam', 'adamw', 'nadam', 'adamax', 'adagrad', 'sgd', 'rmsprop') or by config
 * ({ name, learningRate, … }, Keras's snake_case names too); `learningRate` may be a schedule. Every
 * optimizer also takes the options of {@link OptimizerCommon} (clipnorm, clipvalue, globalClipnorm, weightDecay).
 * Defaults as Keras 3: learningRate 0.001 (sgd 0.01), beta1 0.9, beta2 0.999, epsilon 1e-7; adagrad's
 * initialAccumulatorValue 0.1; adamw's weightDecay 0.004.
 */
export type OptimizerConfig =
  | OptimizerName
  | ({ name: 'adam'; learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number } & OptimizerCommon)
  | ({ name: 'adamw'; learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number } & OptimizerCommon)
  | ({ name: 'nadam'; learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number } & OptimizerCommon)
  | ({
      name: 'adamax';
      learningRate?: LearningRate;
      beta1?: number;
      beta2?: number;
      epsilon?: number;
    } & OptimizerCommon)
  | ({
      name: 'adagrad';
      learningRate?: LearningRate;
      initialAccumulatorValue?: number;
      epsilon?: number;
    } & OptimizerCommon)
  | ({ name: 'sgd'; learningRate?: LearningRate; momentum?: number; nesterov?: boolean } & OptimizerCommon)
  | ({
      name: 'rmsprop';
      learningRate?: LearningRate;
      rho?: number;
      momentum?: number;
      epsilon?: number;
    } & OptimizerCommon);

/** A compiled model's optimizer (`model.optimizer`): its name, config, current `learningRate` and `iterations`. */
export interface Optimizer {
  readonly name: OptimizerName;
  /** The rate of the next update; settable (ReduceLROnPlateau, LearningRateScheduler) unless a schedule gives it. */
  learningRate: number;
  /** The schedule the rate follows, if one was given. */
  readonly schedule: LearningRateSchedule | null;
  readonly config: Record<string, unknown>;
  /** Number of updates made so far (Adam's bias correction needs it). */
  iterations: number;
  /** How many of the two slot regions the optimizer uses (0, 1 or 2), for saving its state. */
  readonly slotCount: number;
  /**
   * Its own clipping (clipnorm per weight, globalClipnorm, clipvalue) over the trainable weights'
   * gradients, before apply.
   */
  clipGradients(k: Kernels, grads: readonly { g: number; n: number }[]): void;
  /** w -= update(g) over n parameters; slots: two regions of n floats the optimizer owns. */
  apply(k: Kernels, n: number, w: number, g: number, slot1: number, slot2: number): void;
}

const COMMON_KEYS = [
  'clipnorm',
  'clipNorm',
  'clipvalue',
  'clipValue',
  'globalClipnorm',
  'global_clipnorm',
  'globalClipNorm',
  'weightDecay',
  'weight_decay',
];

/** The common options, checked; Keras allows only one of the three clips. */
function commonOf(where: string, c: Record<string, unknown>, weightDecay: number) {
  const pick = (names: string[]) => {
    const given = names.filter((n) => c[n] !== undefined && c[n] !== null);
    if (given.length > 1)
      throw new LstmWasmError(`${where}: give '${given[0]}' or '${given[1]}', not both (they are the same option)`);
    return given.length ? { name: given[0], v: c[given[0]] } : null;
  };
  const positive = (o: { name: string; v: unknown } | null) => {
    if (!o) return 0;
    if (typeof o.v !== 'number' || !Number.isFinite(o.v) || !(o.v > 0))
      throw new LstmWasmError(`${where}: '${o.name}' must be a positive number, got ${describe(o.v)}`);
    return o.v;
  };
  const cn = pick(['clipnorm', 'clipNorm']);
  const cv = pick(['clipvalue', 'clipValue']);
  const gn = pick(['globalClipnorm', 'global_clipnorm', 'globalClipNorm']);
  const set = [cn, cv, gn].filter((x) => x !== null).map((x) => `'${x!.name}'`);
  if (set.length > 1)
    throw new LstmWasmError(
      `${where}: only one of clipnorm, clipvalue and globalClipnorm can be set (as Keras), got ${set.join(' and ')}`,
    );
  const wdRaw = pick(['weightDecay', 'weight_decay']);
  let wd = weightDecay;
  if (wdRaw) {
    if (typeof wdRaw.v !== 'number' || !Number.isFinite(wdRaw.v) || wdRaw.v < 0)
      throw new LstmWasmError(`${where}: '${wdRaw.name}' must be a finite number ≥ 0, got ${describe(wdRaw.v)}`);
    wd = wdRaw.v;
  }
  return { clipnorm: positive(cn), clipvalue: positive(cv), globalClipnorm: positive(gn), weightDecay: wd };
}

function num(where: string, name: string, v: unknown, dflt: number, lo: number, hi: number, loOpen = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi) {
    throw new LstmWasmError(
      `${where}: '${name}' must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${describe(v)}`,
    );
  }
  return v;
}

/** The rate part of an optimizer: a number, or a schedule read at the optimizer's iteration count. */
function rateOf(where: string, raw: unknown, dflt: number): { value: number; schedule: LearningRateSchedule | null } {
  if (raw !== null && typeof raw === 'object') return { value: NaN, schedule: toSchedule(where, raw) };
  return { value: num(where, 'learningRate', raw, dflt, 0, Infinity, true), schedule: null };
}

/** The optimizer's rate over a fixed number or a schedule (read at the optimizer's iteration count). */
function rateProps(where: string, r: { value: number; schedule: LearningRateSchedule | null }) {
  let value = r.value;
  const schedule = r.schedule;
  return {
    schedule,
    get(iterations: number): number {
      return schedule ? schedule.call(iterations) : value;
    },
    set(v: number): void {
      if (schedule)
        throw new LstmWasmError(
          `${where}: the learning rate follows a ${schedule.className} schedule, so it cannot ` +
            'be set; give the optimizer a number as learningRate to change it from callbacks',
        );
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new LstmWasmError(`${where}: the learning rate must be a finite number ≥ 0, got ${describe(v)}`);
      value = v;
    },
    get saved(): unknown {
      return schedule ? scheduleConfig(schedule) : value;
    },
  };
}

type Common = ReturnType<typeof commonOf>;

/** One optimizer object over its rate, its update kernel call and the common options. */
function optimizer(
  name: OptimizerName,
  lr: ReturnType<typeof rateProps>,
  common: Common,
  slotCount: number,
  own: () => Record<string, unknown>,
  update: (k: Kernels, n: number, w: number, g: number, s1: number, s2: number, rate: number, step: number) => void,
): Optimizer {
  const { clipnorm, clipvalue, globalClipnorm, weightDecay } = common;
  return {
    get learningRate() {
      return lr.get(this.iterations);
    },
    set learningRate(v: number) {
      lr.set(v);
    },
    schedule: lr.schedule,
    name,
    iterations: 0,
    slotCount,
    get config() {
      const cfg: Record<string, unknown> = { name, learningRate: lr.saved, ...own() };
      if (clipnorm) cfg.clipnorm = clipnorm;
      if (clipvalue) cfg.clipvalue = clipvalue;
      if (globalClipnorm) cfg.globalClipnorm = globalClipnorm;
      if (weightDecay || name === 'adamw') cfg.weightDecay = weightDecay;
      return cfg;
    },
    clipGradients(k, grads) {
      // Keras 3's _clip_gradients: clipnorm per weight, else global_clipnorm, else clipvalue.
      if (clipnorm) {
        for (const { g, n } of grads) {
          const norm = Math.sqrt(k.sum_squares(n, g));
          if (norm > clipnorm) k.scale_inplace(n, g, clipnorm / norm);
        }
      } else if (globalClipnorm) {
        let sq = 0;
        for (const { g, n } of grads) sq += k.sum_squares(n, g);
        const norm = Math.sqrt(sq);
        if (norm > globalClipnorm) for (const { g, n } of grads) k.scale_inplace(n, g, globalClipnorm / norm);
      } else if (clipvalue) for (const { g, n } of grads) k.clip_by_value(n, g, clipvalue);
    },
    apply(k, n, w, g, s1, s2) {
      const rate = this.learningRate;
      this.iterations++;
      // Keras 3 decays the weights (decoupled, at the rate of this step) before the update.
      if (weightDecay) k.weight_decay_f32(n, w, rate * weightDecay);
      update(k, n, w, g, s1, s2, rate, this.iterations);
    },
  };
}

const KNOWN = "'adam', 'sgd', 'rmsprop', 'adamw', 'nadam', 'adamax', 'adagrad'";

export function makeOptimizer(v: unknown): Optimizer {
  const where = 'compile: optimizer';
  const cfg = typeof v === 'string' ? { name: v } : v;
  if (cfg === null || typeof cfg !== 'object') {
    throw new LstmWasmError(
      `${where} must be one of ${KNOWN} or a config such as { name: 'adam', learningRate: 0.001 }, got ${describe(v)}`,
    );
  }
  const c = cfg as Record<string, unknown>;
  const name = typeof c.name === 'string' ? c.name.toLowerCase() : c.name;
  const lrRaw = c.learningRate ?? c.learning_rate ?? c.lr;
  const LR = ['name', 'learningRate', 'learning_rate', 'lr'];
  const BETAS = ['beta1', 'beta2', 'beta_1', 'beta_2', 'epsilon'];
  const betas = () => ({
    b1: num(where, 'beta1', c.beta1 ?? c.beta_1, 0.9, 0, 1),
    b2: num(where, 'beta2', c.beta2 ?? c.beta_2, 0.999, 0, 1),
    eps: num(where, 'epsilon', c.epsilon, 1e-7, 0, 1, true),
  });
  switch (name) {
    case 'adam':
    case 'adamw':
    case 'nadam':
    case 'adamax': {
      const w = where;
      checkOptions(w, c, [...LR, ...BETAS, ...COMMON_KEYS]);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.001));
      const { b1, b2, eps } = betas();
      const common = commonOf(w, c, name === 'adamw' ? 0.004 : 0);
      const kernel = { adam: 'adam_update', adamw: 'adamw_update', nadam: 'nadam_update', adamax: 'adamax_update' }[
        name
      ] as 'adam_update';
      return optimizer(
        name,
        lr,
        common,
        2,
        () => ({ beta1: b1, beta2: b2, epsilon: eps }),
        (k, n, wp, g, m, vv, rate, step) => k[kernel](n, wp, g, m, vv, rate, b1, b2, eps, step),
      );
    }
    case 'adagrad': {
      const w = where;
      checkOptions(w, c, [...LR, 'initialAccumulatorValue', 'initial_accumulator_value', 'epsilon', ...COMMON_KEYS]);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.001));
      const init = num(
        w,
        'initialAccumulatorValue',
        c.initialAccumulatorValue ?? c.initial_accumulator_value,
        0.1,
        0,
        Infinity,
      );
      const eps = num(w, 'epsilon', c.epsilon, 1e-7, 0, 1, true);
      return optimizer(
        'adagrad',
        lr,
        commonOf(w, c, 0),
        1,
        () => ({ initialAccumulatorValue: init, epsilon: eps }),
        (k, n, wp, g, acc, _s2, rate) => k.adagrad_update(n, wp, g, acc, rate, init, eps),
      );
    }
    case 'sgd': {
      const w = where;
      checkOptions(w, c, [...LR, 'momentum', 'nesterov', ...COMMON_KEYS]);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.01));
      const mom = num(where, 'momentum', c.momentum, 0, 0, 1);
      if (c.nesterov !== undefined && typeof c.nesterov !== 'boolean')
        throw new LstmWasmError(`${where}: 'nesterov' must be true or false, got ${describe(c.nesterov)}`);
      const nesterov = c.nesterov === true;
      return optimizer(
        'sgd',
        lr,
        commonOf(w, c, 0),
        mom ? 1 : 0,
        () => ({ momentum: mom, nesterov }),
        (k, n, wp, g, vel, _s2, rate) => k.sgd_update(n, wp, g, vel, rate, mom, nesterov ? 1 : 0),
      );
    }
    case 'rmsprop': {
      const w = where;
      checkOptions(w, c, [...LR, 'rho', 'momentum', 'epsilon', ...COMMON_KEYS]);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.001));
      const rho = num(where, 'rho', c.rho, 0.9, 0, 1);
      const mom = num(where, 'momentum', c.momentum, 0, 0, 1);
      const eps = num(where, 'epsilon', c.epsilon, 1e-7, 0, 1, true);
      return optimizer(
        'rmsprop',
        lr,
        commonOf(w, c, 0),
        mom ? 2 : 1,
        () => ({ rho, momentum: mom, epsilon: eps }),
        (k, n, wp, g, ms, mo, rate) => k.rmsprop_update(n, wp, g, ms, mo, rate, rho, eps, mom),
      );
    }
    default:
      throw new LstmWasmError(
        `${where}: unknown optimizer ` +
          `${typeof c.name === 'string' ? JSON.stringify(c.name) : describe(c.name)}; known: ${KNOWN}`,
      );
  }
}
