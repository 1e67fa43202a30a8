// Optimizers by name or config, as TF.js/Keras; the update itself is one kernel call over the
// model's whole parameter block (assembly/optimizers.ts).
import { LstmWasmError, checkOptions, describe } from './errors.js';
import type { Kernels } from './runtime/kernels.js';
import { LearningRateSchedule, scheduleConfig, toSchedule } from './schedules.js';

/** A fixed rate, or a schedule (an instance, or its config { className, config }). */
export type LearningRate = number | LearningRateSchedule | { className: string; config: Record<string, unknown> };

/** An optimizer by name ('adam', 'sgd', 'rmsprop') or by config ({ name, learningRate, … }); `learningRate` may be a schedule. */
export type OptimizerConfig =
  | 'adam'
  | 'sgd'
  | 'rmsprop'
  | { name: 'adam'; learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; learningRate?: LearningRate; momentum?: number; nesterov?: boolean }
  | { name: 'rmsprop'; learningRate?: LearningRate; rho?: number; momentum?: number; epsilon?: number };

/** A compiled model's optimizer (`model.optimizer`): its name, config, current `learningRate` and `iterations`. */
export interface Optimizer {
  readonly name: 'adam' | 'sgd' | 'rmsprop';
  /** The rate of the next update; settable (ReduceLROnPlateau, LearningRateScheduler) unless a schedule gives it. */
  learningRate: number;
  /** The schedule the rate follows, if one was given. */
  readonly schedule: LearningRateSchedule | null;
  readonly config: Record<string, unknown>;
  /** Number of updates made so far (Adam's bias correction needs it). */
  iterations: number;
  /** w -= update(g) over n parameters; slots: two regions of n floats the optimizer owns. */
  apply(k: Kernels, n: number, w: number, g: number, slot1: number, slot2: number): void;
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
          `${where}: the learning rate follows a ${schedule.className} schedule, so it cannot be set; give the optimizer a number as learningRate to change it from callbacks`,
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

export function makeOptimizer(v: unknown): Optimizer {
  const where = 'compile: optimizer';
  const cfg = typeof v === 'string' ? { name: v } : v;
  if (cfg === null || typeof cfg !== 'object') {
    throw new LstmWasmError(
      `${where} must be 'adam', 'sgd', 'rmsprop' or a config such as { name: 'adam', learningRate: 0.001 }, got ${describe(v)}`,
    );
  }
  const c = cfg as Record<string, unknown>;
  const name = typeof c.name === 'string' ? c.name.toLowerCase() : c.name;
  const lrRaw = c.learningRate ?? c.learning_rate ?? c.lr;
  switch (name) {
    case 'adam': {
      checkOptions(where, c, [
        'name',
        'learningRate',
        'learning_rate',
        'lr',
        'beta1',
        'beta2',
        'beta_1',
        'beta_2',
        'epsilon',
      ]);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.001));
      const b1 = num(where, 'beta1', c.beta1 ?? c.beta_1, 0.9, 0, 1);
      const b2 = num(where, 'beta2', c.beta2 ?? c.beta_2, 0.999, 0, 1);
      const eps = num(where, 'epsilon', c.epsilon, 1e-7, 0, 1, true);
      return {
        get learningRate() {
          return lr.get(this.iterations);
        },
        set learningRate(v: number) {
          lr.set(v);
        },
        schedule: lr.schedule,
        name: 'adam',
        iterations: 0,
        get config() {
          return { name: 'adam', learningRate: lr.saved, beta1: b1, beta2: b2, epsilon: eps };
        },
        apply(k, n, w, g, m, vv) {
          const rate = this.learningRate;
          this.iterations++;
          k.adam_update(n, w, g, m, vv, rate, b1, b2, eps, this.iterations);
        },
      };
    }
    case 'sgd': {
      checkOptions(where, c, ['name', 'learningRate', 'learning_rate', 'lr', 'momentum', 'nesterov']);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.01));
      const mom = num(where, 'momentum', c.momentum, 0, 0, 1);
      if (c.nesterov !== undefined && typeof c.nesterov !== 'boolean')
        throw new LstmWasmError(`${where}: 'nesterov' must be true or false, got ${describe(c.nesterov)}`);
      const nesterov = c.nesterov === true;
      return {
        get learningRate() {
          return lr.get(this.iterations);
        },
        set learningRate(v: number) {
          lr.set(v);
        },
        schedule: lr.schedule,
        name: 'sgd',
        iterations: 0,
        get config() {
          return { name: 'sgd', learningRate: lr.saved, momentum: mom, nesterov };
        },
        apply(k, n, w, g, vel) {
          const rate = this.learningRate;
          this.iterations++;
          k.sgd_update(n, w, g, vel, rate, mom, nesterov ? 1 : 0);
        },
      };
    }
    case 'rmsprop': {
      checkOptions(where, c, ['name', 'learningRate', 'learning_rate', 'lr', 'rho', 'momentum', 'epsilon']);
      const lr = rateProps(where, rateOf(where, lrRaw, 0.001));
      const rho = num(where, 'rho', c.rho, 0.9, 0, 1);
      const mom = num(where, 'momentum', c.momentum, 0, 0, 1);
      const eps = num(where, 'epsilon', c.epsilon, 1e-7, 0, 1, true);
      return {
        get learningRate() {
          return lr.get(this.iterations);
        },
        set learningRate(v: number) {
          lr.set(v);
        },
        schedule: lr.schedule,
        name: 'rmsprop',
        iterations: 0,
        get config() {
          return { name: 'rmsprop', learningRate: lr.saved, rho, momentum: mom, epsilon: eps };
        },
        apply(k, n, w, g, ms, mo) {
          const rate = this.learningRate;
          this.iterations++;
          k.rmsprop_update(n, w, g, ms, mo, rate, rho, eps, mom);
        },
      };
    }
    default:
      throw new LstmWasmError(
        `${where}: unknown optimizer ${typeof c.name === 'string' ? JSON.stringify(c.name) : describe(c.name)}; known: 'adam', 'sgd', 'rmsprop'`,
      );
  }
}
