// Learning-rate schedules as Keras 3 defines them (keras.optimizers.schedules): the rate as a
// function of the optimizer's step, the number of updates made before this one (0 for the first).
// An optimizer's learningRate takes one of these, or its config { className, config } (as saved).
import { LstmWasmError, checkOptions, describe } from './errors.js';

/** A learning rate that changes with the step, as Keras 3's schedules: pass one as an optimizer's learningRate. */
export abstract class LearningRateSchedule {
  abstract readonly className: string;
  /** The rate for the update made after `step` updates. */
  abstract call(step: number): number;
  abstract getConfig(): Record<string, unknown>;
}

function num(
  where: string,
  name: string,
  v: unknown,
  opts: { dflt?: number; min?: number; open?: boolean; integer?: boolean } = {},
): number {
  if (v === undefined) {
    if (opts.dflt === undefined) throw new LstmWasmError(`${where}: option '${name}' is required`);
    return opts.dflt;
  }
  const lo = opts.min ?? -Infinity;
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    (opts.open ? v <= lo : v < lo) ||
    (opts.integer && !Number.isInteger(v))
  ) {
    const what = opts.integer ? 'an integer' : 'a finite number';
    const range = lo === -Infinity ? '' : opts.open ? ` > ${lo}` : ` ≥ ${lo}`;
    throw new LstmWasmError(`${where}: option '${name}' must be ${what}${range}, got ${describe(v)}`);
  }
  return v;
}

function bool(where: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean')
    throw new LstmWasmError(`${where}: option '${name}' must be true or false, got ${describe(v)}`);
  return v;
}

/** Reads options given in our camelCase or Keras's snake_case. */
function opts(where: string, args: unknown, names: Record<string, string>): Record<string, unknown> {
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    throw new LstmWasmError(`${where}: expected an options object { ... }, got ${describe(args)}`);
  checkOptions(where, args, [...Object.keys(names), ...Object.values(names)]);
  const a = args as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(names)) out[camel] = a[camel] ?? a[snake];
  return out;
}

const rate = (where: string, name: string, v: unknown, dflt?: number) => num(where, name, v, { dflt, min: 0 });

/** Options of ExponentialDecay: lr = initialLearningRate · decayRate^(step / decaySteps), floored with `staircase`. */
export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

/**
 * The two decays of initialLearningRate over step / decaySteps (floored when staircase), with the
 * same four options: ExponentialDecay and InverseTimeDecay differ only in `decay`.
 */
export abstract class StepDecay extends LearningRateSchedule {
  abstract readonly className: string;
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  constructor(w: string, args: ExponentialDecayArgs) {
    super();
    const a = opts(w, args, {
      initialLearningRate: 'initial_learning_rate',
      decaySteps: 'decay_steps',
      decayRate: 'decay_rate',
      staircase: 'staircase',
    });
    this.initialLearningRate = rate(w, 'initialLearningRate', a.initialLearningRate);
    this.decaySteps = num(w, 'decaySteps', a.decaySteps, { min: 0, open: true });
    this.decayRate = num(w, 'decayRate', a.decayRate, { min: 0 });
    this.staircase = bool(w, 'staircase', a.staircase);
  }
  protected abstract decay(p: number): number;
  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.decay(p);
  }
  getConfig() {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
    };
  }
}

/** initialLearningRate · decayRate^(step / decaySteps), the exponent floored when staircase. */
export class ExponentialDecay extends StepDecay {
  readonly className = 'ExponentialDecay';
  constructor(args: ExponentialDecayArgs) {
    super('ExponentialDecay', args);
  }
  protected decay(p: number): number {
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }
}

/** Options of PiecewiseConstantDecay: `boundaries` (steps) and `values` (one more than the boundaries). */
export interface PiecewiseConstantDecayArgs {
  boundaries: number[];
  values: number[];
}

/** values[0] up to and including boundaries[0], values[i] in (boundaries[i-1], boundaries[i]], the last value after. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: number[];
  readonly values: number[];
  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const w = 'PiecewiseConstantDecay';
    const a = opts(w, args, { boundaries: 'boundaries', values: 'values' });
    if (!Array.isArray(a.boundaries))
      throw new LstmWasmError(
        `${w}: option 'boundaries' must be an array of steps such as [100, 200], got ${describe(a.boundaries)}`,
      );
    if (!Array.isArray(a.values))
      throw new LstmWasmError(
        `${w}: option 'values' must be an array of rates such as [0.1, 0.01, 0.001], got ${describe(a.values)}`,
      );
    const b = a.boundaries as unknown[],
      v = a.values as unknown[];
    if (v.length !== b.length + 1)
      throw new LstmWasmError(
        `${w}: 'values' must hold one more entry than 'boundaries': ` +
          `${b.length} boundaries need ${b.length + 1} values, got ${v.length}`,
      );
    b.forEach((x, i) => {
      num(w, `boundaries[${i}]`, x);
      if (i > 0 && (x as number) <= (b[i - 1] as number))
        throw new LstmWasmError(`${w}: 'boundaries' must increase, but boundaries[${i}] = ${x} follows ${b[i - 1]}`);
    });
    v.forEach((x, i) => rate(w, `values[${i}]`, x));
    this.boundaries = [...(b as number[])];
    this.values = [...(v as number[])];
  }
  call(step: number): number {
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]) return this.values[i];
    return this.values[this.values.length - 1];
  }
  getConfig() {
    return { boundaries: [...this.boundaries], values: [...this.values] };
  }
}

/**
 * Options of PolynomialDecay: from initialLearningRate to endLearningRate over decaySteps, with
 * `power` and `cycle`.
 */
export interface PolynomialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  endLearningRate?: number;
  power?: number;
  cycle?: boolean;
}

/**
 * (initial - end) · (1 - step/decaySteps)^power + end; step held at decaySteps, or decaySteps
 * stretched to the next multiple when cycle.
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly className = 'PolynomialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  constructor(args: PolynomialDecayArgs) {
    super();
    const w = 'PolynomialDecay';
    const a = opts(w, args, {
      initialLearningRate: 'initial_learning_rate',
      decaySteps: 'decay_steps',
      endLearningRate: 'end_learning_rate',
      power: 'power',
      cycle: 'cycle',
    });
    this.initialLearningRate = rate(w, 'initialLearningRate', a.initialLearningRate);
    this.decaySteps = num(w, 'decaySteps', a.decaySteps, { min: 0, open: true });
    this.endLearningRate = rate(w, 'endLearningRate', a.endLearningRate, 0.0001);
    this.power = num(w, 'power', a.power, { dflt: 1 });
    this.cycle = bool(w, 'cycle', a.cycle);
  }
  call(step: number): number {
    let steps = this.decaySteps;
    let s = step;
    if (this.cycle) {
      // As Keras: step 0 counts as the first cycle.
      const m = step === 0 ? 1 : Math.ceil(step / this.decaySteps);
      steps = this.decaySteps * m;
    } else s = Math.min(step, this.decaySteps);
    return (
      (this.initialLearningRate - this.endLearningRate) * Math.pow(1 - s / steps, this.power) + this.endLearningRate
    );
  }
  getConfig() {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      endLearningRate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
    };
  }
}

/** Options of InverseTimeDecay: lr = initialLearningRate / (1 + decayRate · step / decaySteps), with `staircase`. */
export interface InverseTimeDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

/** initialLearningRate / (1 + decayRate · step / decaySteps), the quotient floored when staircase. */
export class InverseTimeDecay extends StepDecay {
  readonly className = 'InverseTimeDecay';
  constructor(args: InverseTimeDecayArgs) {
    super('InverseTimeDecay', args);
  }
  protected decay(p: number): number {
    return this.initialLearningRate / (1 + this.decayRate * p);
  }
}

/**
 * Options of CosineDecay: a cosine from initialLearningRate to alpha · it over decaySteps, after an
 * optional linear warm-up to warmupTarget over warmupSteps.
 */
export interface CosineDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  alpha?: number;
  warmupTarget?: number | null;
  warmupSteps?: number;
}

/**
 * Cosine decay from the initial rate (or, with warmupTarget, a linear warm-up over warmupSteps to
 * warmupTarget, then the decay from it) to alpha times that rate over decaySteps.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;
  constructor(args: CosineDecayArgs) {
    super();
    const w = 'CosineDecay';
    const a = opts(w, args, {
      initialLearningRate: 'initial_learning_rate',
      decaySteps: 'decay_steps',
      alpha: 'alpha',
      warmupTarget: 'warmup_target',
      warmupSteps: 'warmup_steps',
    });
    this.initialLearningRate = rate(w, 'initialLearningRate', a.initialLearningRate);
    this.decaySteps = num(w, 'decaySteps', a.decaySteps, { min: 0, open: true });
    this.alpha = num(w, 'alpha', a.alpha, { dflt: 0, min: 0 });
    this.warmupTarget =
      a.warmupTarget === undefined || a.warmupTarget === null ? null : rate(w, 'warmupTarget', a.warmupTarget);
    this.warmupSteps = num(w, 'warmupSteps', a.warmupSteps, { dflt: 0, min: 0 });
    if (this.warmupTarget !== null && this.warmupSteps === 0)
      throw new LstmWasmError(
        `${w}: 'warmupTarget' needs 'warmupSteps' > 0, the steps over which the rate rises to it`,
      );
  }
  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }
  call(step: number): number {
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps)
      return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }
  getConfig() {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      alpha: this.alpha,
      warmupTarget: this.warmupTarget,
      warmupSteps: this.warmupSteps,
    };
  }
}

/**
 * Options of CosineDecayRestarts: cosine periods of firstDecaySteps, each tMul longer and mMul
 * lower than the one before.
 */
export interface CosineDecayRestartsArgs {
  initialLearningRate: number;
  firstDecaySteps: number;
  tMul?: number;
  mMul?: number;
  alpha?: number;
}

/** SGDR (Loshchilov & Hutter): cosine decays over periods that grow by tMul, each restart's peak scaled by mMul. */
export class CosineDecayRestarts extends LearningRateSchedule {
  readonly className = 'CosineDecayRestarts';
  readonly initialLearningRate: number;
  readonly firstDecaySteps: number;
  readonly tMul: number;
  readonly mMul: number;
  readonly alpha: number;
  constructor(args: CosineDecayRestartsArgs) {
    super();
    const w = 'CosineDecayRestarts';
    const a = opts(w, args, {
      initialLearningRate: 'initial_learning_rate',
      firstDecaySteps: 'first_decay_steps',
      tMul: 't_mul',
      mMul: 'm_mul',
      alpha: 'alpha',
    });
    this.initialLearningRate = rate(w, 'initialLearningRate', a.initialLearningRate);
    this.firstDecaySteps = num(w, 'firstDecaySteps', a.firstDecaySteps, { min: 0, open: true });
    this.tMul = num(w, 'tMul', a.tMul, { dflt: 2, min: 0, open: true });
    this.mMul = num(w, 'mMul', a.mMul, { dflt: 1, min: 0 });
    this.alpha = num(w, 'alpha', a.alpha, { dflt: 0, min: 0 });
  }
  call(step: number): number {
    let fraction = step / this.firstDecaySteps;
    let restart: number;
    if (this.tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      // Periods first, first·t, first·t², …: the restart is the largest i with (1 - t^i)/(1 - t) ≤ fraction.
      restart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const before = (1 - Math.pow(this.tMul, restart)) / (1 - this.tMul);
      fraction = (fraction - before) / Math.pow(this.tMul, restart);
    }
    const cosine = 0.5 * Math.pow(this.mMul, restart) * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }
  getConfig() {
    return {
      initialLearningRate: this.initialLearningRate,
      firstDecaySteps: this.firstDecaySteps,
      tMul: this.tMul,
      mMul: this.mMul,
      alpha: this.alpha,
    };
  }
}

const SCHEDULES: Record<string, new (args: never) => LearningRateSchedule> = {
  ExponentialDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  InverseTimeDecay,
  CosineDecay,
  CosineDecayRestarts,
};

/** A schedule from an instance or its config `{ className, config }` (Keras's serialization; `class_name` too). */
export function toSchedule(where: string, v: unknown): LearningRateSchedule {
  if (v instanceof LearningRateSchedule) return v;
  const o = v as { className?: unknown; class_name?: unknown; config?: unknown };
  const name = o.className ?? o.class_name;
  if (typeof name !== 'string' || !Object.hasOwn(SCHEDULES, name)) {
    throw new LstmWasmError(
      `${where}: unknown learning-rate schedule ` +
        `${typeof name === 'string' ? JSON.stringify(name) : describe(v)}; known: ` +
        Object.keys(SCHEDULES)
          .map((s) => `'${s}'`)
          .join(', ') +
        ' (give an instance, such as new ExponentialDecay({ ... }), or { className, config })',
    );
  }
  return new SCHEDULES[name]((o.config ?? {}) as never);
}

/** A schedule's saved form: what toSchedule reads back. */
export function scheduleConfig(s: LearningRateSchedule): { className: string; config: Record<string, unknown> } {
  return { className: s.className, config: s.getConfig() };
}
