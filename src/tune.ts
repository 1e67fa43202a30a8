// tune(): hyperparameter search, as Keras Tuner. A search space is declared by the `build(hp)`
// function itself (hp.int, hp.float, hp.choice, hp.boolean return this trial's value), found by
// calling it once with the defaults; a strategy proposes values, each trial builds, fits and
// scores one model (the best value of `objective` over its epochs), and the best model comes
// back trained.
//
// Strategies: 'random' (independent draws, log-uniform where asked), 'grid' (every combination,
// in declaration order, the last name changing fastest), 'hyperband' (Li et al. 2018: brackets of
// successive halving, Keras Tuner's maxEpochs and factor; models continue training from one rung
// to the next), 'bayesian' (a Gaussian process, Matérn 5/2 kernel, with expected improvement over
// the search space mapped to the unit cube; after `numInitialPoints` random trials).
//
// Trials run one after another, not one model per worker: `build` is the user's closure (it may
// capture anything, and builds a model whose weights live in this thread's WebAssembly memory), so
// it cannot be sent to a worker, and a model cannot be moved between threads. Each trial's fit
// uses whatever parallelism fit has (the thread pool, when it lands), which on a 2-core machine is
// the better use of the cores for models of this size anyway: one trial at a time finishes first.
import { LstmWasmError, checkOptions, describe } from './errors.js';
import { kerasOptions } from './engine/trainer.js';
import type { DataArg } from './engine/data.js';
import type { Callback, Logs } from './callbacks.js';
import type { Model } from './model.js';

/** One hyperparameter of a search space: its name, kind and range (or values). */
export type HyperParameterSpec =
  | { name: string; type: 'int'; min: number; max: number; step: number; sampling: 'linear' | 'log' }
  | { name: string; type: 'float'; min: number; max: number; step: number | null; sampling: 'linear' | 'log' }
  | { name: string; type: 'choice'; values: (number | string | boolean)[] }
  | { name: string; type: 'boolean' };

type Value = number | string | boolean;
/** Hyperparameter values by name. */
export type HyperParameterValues = Record<string, Value>;

/**
 * What `build(hp)` receives: each method declares a hyperparameter (the first time its name is
 * met) and returns this trial's value for it. `hp.seed` is a seed per execution, derived from
 * tune's `seed`: give it to the model (`new Sequential({ seed: hp.seed })`) for reproducible
 * initial weights.
 */
export class HyperParameters {
  /** This trial's values, by name. */
  readonly values: HyperParameterValues;
  /** A seed for this execution's model (from tune's seed, the trial and the execution). */
  readonly seed: number;
  private readonly space: Space;

  /** Made by tune for each execution: the space (grown as names are met) and this trial's values. */
  constructor(space: Space, values: HyperParameterValues, seed: number) {
    this.space = space;
    this.values = { ...values };
    this.seed = seed;
  }

  /**
   * An integer in [min, max] on a grid of `step` (default 1); `sampling: 'log'` draws it
   * log-uniformly. Default: min.
   */
  int(
    name: string,
    min: number,
    max: number,
    step: number | { step?: number; sampling?: 'linear' | 'log' } = 1,
  ): number {
    const o = typeof step === 'number' ? { step } : step;
    const where = `hp.int('${name}')`;
    if (o === null || typeof o !== 'object')
      throw new LstmWasmError(`${where}: the 4th argument must be a step or { step, sampling }, got ${describe(step)}`);
    checkOptions(where, o, ['step', 'sampling']);
    if (!Number.isInteger(min) || !Number.isInteger(max))
      throw new LstmWasmError(`${where}: min and max must be integers, got ${describe(min)} and ${describe(max)}`);
    const s = o.step ?? 1;
    if (!Number.isInteger(s) || s <= 0)
      throw new LstmWasmError(`${where}: step must be a positive integer, got ${describe(s)}`);
    return this.declare({ name, type: 'int', min, max, step: s, sampling: sampling(where, o.sampling, min) }) as number;
  }

  /**
   * A number in [min, max], continuous or on a grid of `step`; `sampling: 'log'` draws it
   * log-uniformly (min > 0). Default: min.
   */
  float(name: string, min: number, max: number, options: { step?: number; sampling?: 'linear' | 'log' } = {}): number {
    const where = `hp.float('${name}')`;
    if (options === null || typeof options !== 'object')
      throw new LstmWasmError(`${where}: the 4th argument must be { step, sampling }, got ${describe(options)}`);
    checkOptions(where, options, ['step', 'sampling']);
    if (!Number.isFinite(min) || !Number.isFinite(max))
      throw new LstmWasmError(
        `${where}: min and max must be finite numbers, got ${describe(min)} and ${describe(max)}`,
      );
    const s = options.step;
    if (s !== undefined && !(typeof s === 'number' && s > 0 && Number.isFinite(s)))
      throw new LstmWasmError(`${where}: step must be a positive number, got ${describe(s)}`);
    return this.declare({
      name,
      type: 'float',
      min,
      max,
      step: s ?? null,
      sampling: sampling(where, options.sampling, min),
    }) as number;
  }

  /** One of `values` (numbers, strings or booleans). Default: the first. */
  choice<T extends Value>(name: string, values: readonly T[]): T {
    const where = `hp.choice('${name}')`;
    if (!Array.isArray(values) || values.length === 0)
      throw new LstmWasmError(`${where}: expected a non-empty array of values, got ${describe(values)}`);
    for (const v of values)
      if (!['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v)))
        throw new LstmWasmError(`${where}: values must be finite numbers, strings or booleans, got ${describe(v)}`);
    if (new Set(values).size !== values.length)
      throw new LstmWasmError(`${where}: values must differ from each other, got ${JSON.stringify(values)}`);
    return this.declare({ name, type: 'choice', values: [...values] }) as T;
  }

  /** true or false. Default: false. */
  boolean(name: string): boolean {
    return this.declare({ name, type: 'boolean' }) as boolean;
  }

  private declare(spec: HyperParameterSpec): Value {
    if (typeof spec.name !== 'string' || spec.name === '')
      throw new LstmWasmError(`hp.${spec.type}: the name must be a non-empty string, got ${describe(spec.name)}`);
    this.space.add(spec);
    if (!Object.hasOwn(this.values, spec.name)) this.values[spec.name] = this.space.fresh(spec.name);
    return this.values[spec.name];
  }
}

function sampling(where: string, s: unknown, min: number): 'linear' | 'log' {
  if (s === undefined || s === 'linear') return 'linear';
  if (s !== 'log') throw new LstmWasmError(`${where}: sampling must be 'linear' or 'log', got ${describe(s)}`);
  if (!(min > 0)) throw new LstmWasmError(`${where}: sampling 'log' needs min > 0, got min ${min}`);
  return 'log';
}

/** A search space: the hyperparameters met so far, in order, with maps to and from the unit interval. */
export class Space {
  readonly specs: HyperParameterSpec[] = [];
  /** The value a name met during a trial gets when the strategy had none for it: the default, or a draw. */
  fresh: (name: string) => Value = (name) => defaultValue(this.get(name)!);

  get(name: string): HyperParameterSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  add(spec: HyperParameterSpec): void {
    const had = this.get(spec.name);
    if (had) {
      if (JSON.stringify(had) !== JSON.stringify(spec))
        throw new LstmWasmError(
          `hp.${spec.type}('${spec.name}'): the name is declared again with ` +
            `another range (${JSON.stringify(spec)}; before: ${JSON.stringify(had)})`,
        );
      return;
    }
    if (spec.type === 'int' || spec.type === 'float') {
      if (spec.min > spec.max)
        throw new LstmWasmError(
          `hp.${spec.type}('${spec.name}'): the range holds no values: min ${spec.min} > max ${spec.max}`,
        );
    }
    this.specs.push(spec);
  }

  /** Every value of one hyperparameter, for the grid (a float needs a step). */
  gridValues(s: HyperParameterSpec): Value[] {
    if (s.type === 'choice') return s.values;
    if (s.type === 'boolean') return [false, true];
    if (s.type === 'float' && s.step === null)
      throw new LstmWasmError(
        `tune: strategy 'grid' needs a finite list for hp.float('${s.name}'): ` +
          'give it a step ({ step: 0.1 }), or use hp.choice',
      );
    const step = s.step as number;
    const out: number[] = [];
    const n = Math.floor((s.max - s.min) / step + 1e-9);
    for (let i = 0; i <= n; i++) out.push(s.type === 'int' ? s.min + i * step : roundTo(s.min + i * step, step));
    return out;
  }

  /** A value from u in [0, 1): linear or log-uniform over a range (on its step), or a choice by index. */
  decode(s: HyperParameterSpec, u: number): Value {
    u = Math.min(Math.max(u, 0), 1);
    if (s.type === 'boolean') return u >= 0.5;
    if (s.type === 'choice') return s.values[Math.min(s.values.length - 1, Math.floor(u * s.values.length))];
    const v =
      s.sampling === 'log'
        ? Math.exp(Math.log(s.min) + u * (Math.log(s.max) - Math.log(s.min)))
        : s.min + u * (s.max - s.min);
    const step = s.step;
    if (step === null) return Math.min(s.max, Math.max(s.min, v));
    const k = Math.floor((s.max - s.min) / step + 1e-9);
    const i = Math.min(k, Math.max(0, Math.round((v - s.min) / step)));
    return s.type === 'int' ? s.min + i * step : roundTo(s.min + i * step, step);
  }

  /** Where a value lies in [0, 1] (choices and booleans: the middle of their slot). */
  encode(s: HyperParameterSpec, v: Value): number {
    if (s.type === 'boolean') return v ? 0.75 : 0.25;
    if (s.type === 'choice') return (s.values.indexOf(v) + 0.5) / s.values.length;
    if (s.max === s.min) return 0.5;
    const x = v as number;
    return s.sampling === 'log'
      ? (Math.log(x) - Math.log(s.min)) / (Math.log(s.max) - Math.log(s.min))
      : (x - s.min) / (s.max - s.min);
  }

  key(values: HyperParameterValues): string {
    return JSON.stringify(this.specs.map((s) => values[s.name] ?? null));
  }
}

function defaultValue(s: HyperParameterSpec): Value {
  if (s.type === 'choice') return s.values[0];
  if (s.type === 'boolean') return false;
  return s.min;
}

const roundTo = (v: number, step: number) => {
  const digits = Math.max(0, Math.min(15, Math.ceil(-Math.log10(step)) + 2));
  return Number(v.toFixed(digits));
};

/** A small seeded generator (mulberry32): the draws of a search, reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- strategies ----------------------------------------------------------------------------

/** A strategy: proposes the next values (null: the space is exhausted) and learns each score (lower is better). */
export interface Oracle {
  next(): HyperParameterValues | null;
  report(values: HyperParameterValues, score: number): void;
}

/** Independent draws (log-uniform where asked), never the same values twice. */
export function randomOracle(space: Space, rand: () => number): Oracle {
  const tried = new Set<string>();
  return {
    next() {
      for (let attempt = 0; attempt < 200; attempt++) {
        const v: HyperParameterValues = {};
        for (const s of space.specs) v[s.name] = space.decode(s, rand());
        const k = space.key(v);
        if (!tried.has(k)) {
          tried.add(k);
          return v;
        }
      }
      return null;
    },
    report() {},
  };
}

/** Every combination, the first hyperparameter slowest and the last fastest (as nested loops). */
export function gridOracle(space: Space): Oracle {
  const lists = space.specs.map((s) => space.gridValues(s));
  const total = lists.reduce((a, l) => a * l.length, 1);
  let i = 0;
  return {
    next() {
      if (i >= total) return null;
      let rest = i++;
      const v: HyperParameterValues = {};
      for (let d = lists.length - 1; d >= 0; d--) {
        v[space.specs[d].name] = lists[d][rest % lists[d].length];
        rest = Math.floor(rest / lists[d].length);
      }
      return v;
    },
    report() {},
  };
}

const SQRT5 = Math.sqrt(5);
function matern52(r: number, l: number): number {
  const a = (SQRT5 * r) / l;
  return (1 + a + (a * a) / 3) * Math.exp(-a);
}

/** The Cholesky factor L (lower, row-major) of an n × n symmetric positive-definite matrix, or null. */
function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  return L;
}

function solveLower(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

function solveUpper(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * A Gaussian process fitted to points X (in the unit cube) and scores y: its posterior mean and
 * standard deviation anywhere.
 */
export function fitGaussianProcess(
  X: number[][],
  y: number[],
  noise = 1e-6,
): { predict(x: number[]): { mean: number; std: number }; lengthScale: number } {
  const n = y.length;
  const mu = y.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(y.reduce((a, b) => a + (b - mu) ** 2, 0) / n) || 1;
  const z = Float64Array.from(y, (v) => (v - mu) / sd);
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
  // The length scale that maximizes the marginal likelihood, among a few.
  let best: { l: number; L: Float64Array; alpha: Float64Array; ll: number } | null = null;
  for (const l of [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2]) {
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) K[i * n + j] = matern52(dist(X[i], X[j]), l) + (i === j ? noise + 1e-8 : 0);
    const L = cholesky(K, n);
    if (!L) continue;
    const alpha = solveUpper(L, n, solveLower(L, n, z));
    let ll = 0;
    for (let i = 0; i < n; i++) ll -= 0.5 * z[i] * alpha[i] + Math.log(L[i * n + i]);
    if (!best || ll > best.ll) best = { l, L, alpha, ll };
  }
  if (!best) throw new LstmWasmError('tune: the Gaussian process could not be fitted (its kernel matrix is singular)');
  const { l, L, alpha } = best;
  return {
    lengthScale: l,
    predict(x: number[]) {
      const k = Float64Array.from(X, (xi) => matern52(dist(xi, x), l));
      let m = 0;
      for (let i = 0; i < n; i++) m += k[i] * alpha[i];
      const v = solveLower(L, n, k);
      let q = 0;
      for (let i = 0; i < n; i++) q += v[i] * v[i];
      return { mean: mu + sd * m, std: sd * Math.sqrt(Math.max(1 + noise - q, 1e-12)) };
    },
  };
}

const normPdf = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
/** Φ(z) by the complementary error function (Numerical Recipes' erfc, relative error < 1.2e-7). */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * Expected improvement below `best` (minimizing) of a point whose score is N(mean, std²): (best −
 * mean − ξ)·Φ(z) + std·φ(z), z = (best − mean − ξ)/std.
 */
export function expectedImprovement(mean: number, std: number, best: number, xi = 0.01): number {
  const d = best - mean - xi;
  if (!(std > 0)) return Math.max(d, 0);
  const z = d / std;
  return d * normCdf(z) + std * normPdf(z);
}

/**
 * Gaussian-process search: `initial` random trials, then each next point maximizes expected
 * improvement over random and nearby candidates.
 */
export function bayesianOracle(space: Space, rand: () => number, initial: number): Oracle {
  const random = randomOracle(space, rand);
  const seen: { x: number[]; y: number; key: string }[] = [];
  const tried = new Set<string>();
  const point = (v: HyperParameterValues) => space.specs.map((s) => space.encode(s, v[s.name] ?? defaultValue(s)));
  const values = (u: number[]) => Object.fromEntries(space.specs.map((s, i) => [s.name, space.decode(s, u[i])]));
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return {
    next() {
      const ok = seen.filter((p) => Number.isFinite(p.y));
      if (ok.length < Math.max(1, initial)) {
        const v = random.next();
        if (v) tried.add(space.key(v));
        return v;
      }
      const gp = fitGaussianProcess(
        ok.map((p) => p.x),
        ok.map((p) => p.y),
        1e-4,
      );
      const best = Math.min(...ok.map((p) => p.y));
      const d = space.specs.length;
      const candidates: number[][] = [];
      for (let i = 0; i < 400; i++) candidates.push(Array.from({ length: d }, () => rand()));
      const top = [...ok].sort((a, b) => a.y - b.y).slice(0, 3);
      for (const p of top) for (let i = 0; i < 50; i++) candidates.push(p.x.map((v) => v + 0.05 * gauss()));
      let pick: HyperParameterValues | null = null,
        pickEi = -1;
      for (const u of candidates) {
        const v = values(u);
        const k = space.key(v);
        if (tried.has(k)) continue;
        const { mean, std } = gp.predict(point(v));
        const ei = expectedImprovement(mean, std, best);
        if (ei > pickEi) {
          pickEi = ei;
          pick = v;
        }
      }
      pick ??= random.next();
      if (pick) tried.add(space.key(pick));
      return pick;
    },
    report(v, score) {
      seen.push({ x: point(v), y: score, key: space.key(v) });
    },
  };
}

/**
 * One bracket of Hyperband: `s`, and per rung the number of configurations and the epochs each has
 * trained by its end.
 */
export interface HyperbandBracket {
  s: number;
  rungs: { configs: number; epochs: number }[];
}

/**
 * Hyperband's brackets (Li et al. 2018, Algorithm 1) for R = maxEpochs and η = factor:
 * s_max = ⌊log_η R⌋, B = (s_max + 1)·R; bracket s starts n = ⌈(B/R)·η^s/(s + 1)⌉ configurations at
 * r = R·η^−s epochs, and rung i keeps n_i = ⌊n·η^−i⌋ of them for r_i = r·η^i epochs (rounded, at least 1).
 */
export function hyperbandBrackets(maxEpochs: number, factor: number): HyperbandBracket[] {
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1)
    throw new LstmWasmError(`tune: option 'maxEpochs' must be a positive integer, got ${describe(maxEpochs)}`);
  if (typeof factor !== 'number' || !(factor >= 2) || !Number.isFinite(factor))
    throw new LstmWasmError(`tune: option 'factor' must be a number ≥ 2, got ${describe(factor)}`);
  const R = maxEpochs,
    eta = factor;
  const sMax = Math.floor(Math.log(R) / Math.log(eta) + 1e-9);
  const B = (sMax + 1) * R;
  const out: HyperbandBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((B / R) * eta ** s) / (s + 1) - 1e-9);
    const r = R * eta ** -s;
    const rungs: { configs: number; epochs: number }[] = [];
    for (let i = 0; i <= s; i++)
      rungs.push({ configs: Math.floor(n * eta ** -i + 1e-9), epochs: Math.max(1, Math.round(r * eta ** i)) });
    out.push({ s, rungs });
  }
  return out;
}

// ---- the search ----------------------------------------------------------------------------

/** Options of tune(): the build function, the data and fit options, the objective, the strategy and its budget. */
export interface TuneArgs {
  /** Builds and compiles a model from the hyperparameters (hp.int, hp.float, hp.choice, hp.boolean). */
  build: (hp: HyperParameters) => Model;
  x: DataArg;
  y: DataArg;
  /** Epochs per trial (hyperband: the default of maxEpochs). Default 10. */
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  validationData?: [DataArg, DataArg];
  callbacks?: Callback | Callback[];
  /**
   * A key of fit's logs ('val_loss' by default), or { name, direction: 'min' | 'max' }; names of
   * accuracies and AUC are maximized, others minimized.
   */
  objective?: string | { name: string; direction: 'min' | 'max' };
  strategy?: 'random' | 'grid' | 'hyperband' | 'bayesian';
  /**
   * Trials to run (random, bayesian: 10; grid: every combination). Hyperband's budget is maxEpochs
   * and factor instead.
   */
  maxTrials?: number;
  /** Models trained per trial (its score: their mean). Default 1. */
  executionsPerTrial?: number;
  /** Makes the search reproducible: the values drawn, fit's shuffling and dropout, and hp.seed. */
  seed?: number;
  /** 1 (default): a line per trial; 0: silent. */
  verbose?: 0 | 1;
  /** Hyperband: the most epochs a model trains (R), default `epochs`. */
  maxEpochs?: number;
  /** Hyperband: η, the reduction between rungs (default 3). */
  factor?: number;
  /** Hyperband: times the whole set of brackets runs (default 1). */
  hyperbandIterations?: number;
  /** Bayesian: random trials before the Gaussian process proposes (default 3 per hyperparameter, at least 2). */
  numInitialPoints?: number;
}

const TUNE_OPTIONS = [
  'build',
  'x',
  'y',
  'epochs',
  'batchSize',
  'validationSplit',
  'validationData',
  'callbacks',
  'objective',
  'strategy',
  'maxTrials',
  'executionsPerTrial',
  'seed',
  'verbose',
  'maxEpochs',
  'factor',
  'hyperbandIterations',
  'numInitialPoints',
];

/**
 * One trial of a search: its values, its score (the best objective value over its epochs; the mean
 * over executions), epochs, time and status.
 */
export interface Trial {
  id: number;
  hyperparameters: HyperParameterValues;
  score: number;
  /** Each execution's score. */
  scores: number[];
  epochs: number;
  seconds: number;
  status: 'completed' | 'failed';
  /** Why a failed trial failed (its fit's error). */
  error?: string;
  /** Hyperband: the bracket (s) and rung the trial ended in. */
  bracket?: number;
  rung?: number;
}

/**
 * What tune() resolves to: the trials table, the best values, the best model (trained), and
 * summary() to print the table.
 */
export interface TuneResult {
  trials: Trial[];
  bestHyperparameters: HyperParameterValues;
  bestModel: Model;
  bestScore: number;
  objective: string;
  direction: 'min' | 'max';
  space: HyperParameterSpec[];
  /** Prints the trials, best first: one row per trial with its values, score, epochs and time. */
  summary(printFn?: (line: string) => void): void;
}

const fmtValue = (v: Value | undefined) =>
  v === undefined
    ? '-'
    : typeof v === 'number' && !Number.isInteger(v)
      ? Number(v.toPrecision(4)).toString()
      : String(v);
const fmtScore = (v: number) =>
  Number.isFinite(v) ? (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3)) : String(v);

/**
 * Hyperparameter search, as Keras Tuner: `await tune({ build: (hp) => model, x, y, epochs,
 * batchSize, validationSplit | validationData, objective: 'val_loss', strategy: 'random' | 'grid'
 * | 'hyperband' | 'bayesian', maxTrials, executionsPerTrial, seed, verbose })` resolves to
 * `{ trials, bestHyperparameters, bestModel, summary() }`. Trials run one after another (see the
 * file's head for why); every model but the best is disposed.
 */
export async function tune(args: TuneArgs): Promise<TuneResult> {
  if (args === null || typeof args !== 'object')
    throw new LstmWasmError(`tune: expected options { build, x, y, epochs, strategy, ... }, got ${describe(args)}`);
  const a = kerasOptions('tune', args, TUNE_OPTIONS) as unknown as TuneArgs;
  if (typeof a.build !== 'function')
    throw new LstmWasmError(`tune: option 'build' must be a function (hp) => compiled model, got ${describe(a.build)}`);
  if (a.x === undefined || a.y === undefined)
    throw new LstmWasmError(`tune: options 'x' and 'y' (the training data) are required`);
  const strategy = a.strategy ?? 'random';
  if (!['random', 'grid', 'hyperband', 'bayesian'].includes(strategy as string))
    throw new LstmWasmError(
      `tune: option 'strategy' must be 'random', 'grid', 'hyperband' or 'bayesian', got ${describe(a.strategy)}`,
    );
  const posInt = (name: keyof TuneArgs, v: unknown) => {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1))
      throw new LstmWasmError(`tune: option '${name}' must be a positive integer, got ${describe(v)}`);
    return v as number | undefined;
  };
  const epochs = posInt('epochs', a.epochs) ?? 10;
  const executions = posInt('executionsPerTrial', a.executionsPerTrial) ?? 1;
  let maxTrials = posInt('maxTrials', a.maxTrials);
  const hbIterations = posInt('hyperbandIterations', a.hyperbandIterations);
  const numInitial = posInt('numInitialPoints', a.numInitialPoints);
  if (strategy === 'hyperband' && maxTrials !== undefined)
    throw new LstmWasmError(
      "tune: strategy 'hyperband' takes its budget from maxEpochs and factor " +
        "(and hyperbandIterations), not maxTrials (as Keras Tuner's Hyperband)",
    );
  if (strategy !== 'hyperband')
    for (const k of ['maxEpochs', 'factor', 'hyperbandIterations'] as const)
      if (a[k] !== undefined)
        throw new LstmWasmError(`tune: option '${k}' is for strategy 'hyperband', got strategy '${strategy}'`);
  if (strategy !== 'bayesian' && numInitial !== undefined)
    throw new LstmWasmError(`tune: option 'numInitialPoints' is for strategy 'bayesian', got strategy '${strategy}'`);
  const verbose = a.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1)
    throw new LstmWasmError(`tune: option 'verbose' must be 0 or 1, got ${describe(a.verbose)}`);
  const seed = a.seed ?? Math.floor(Math.random() * 0x100000000);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new LstmWasmError(`tune: option 'seed' must be an integer in [0, 2^32), got ${describe(a.seed)}`);
  const obj = a.objective ?? 'val_loss';
  const objective = typeof obj === 'string' ? obj : obj?.name;
  if (typeof objective !== 'string' || objective === '')
    throw new LstmWasmError(
      `tune: option 'objective' must be a name such as 'val_loss' or { name, direction }, got ${describe(obj)}`,
    );
  const direction =
    typeof obj === 'object' ? obj.direction : /acc|auc/.test(objective) && !/loss/.test(objective) ? 'max' : 'min';
  if (direction !== 'min' && direction !== 'max')
    throw new LstmWasmError(`tune: objective's direction must be 'min' or 'max', got ${describe(direction)}`);
  const sign = direction === 'min' ? 1 : -1;
  if (objective.startsWith('val_') && a.validationSplit === undefined && a.validationData === undefined)
    throw new LstmWasmError(
      `tune: objective '${objective}' is a validation value, but neither validationSplit nor validationData is given`,
    );
  const rand = seededRandom(seed);

  // The space, found by building once with the defaults.
  const space = new Space();
  const probe = buildModel(a.build, new HyperParameters(space, {}, seed), 0);
  probe.dispose();
  if (space.specs.length === 0)
    throw new LstmWasmError('tune: build(hp) declared no hyperparameters (hp.int, hp.float, hp.choice, hp.boolean)');

  const trials: Trial[] = [];
  let best: { trial: Trial; model: Model } | null = null;
  const fitBase = {
    batchSize: a.batchSize,
    validationSplit: a.validationSplit,
    validationData: a.validationData,
    verbose: 0 as const,
  };
  const userCallbacks = a.callbacks === undefined ? [] : Array.isArray(a.callbacks) ? a.callbacks : [a.callbacks];
  let checked = false;
  const objectiveCheck: Callback = {
    onEpochEnd(_e: number, logs?: Logs) {
      if (checked) return;
      if (!logs || !(objective in logs))
        throw new LstmWasmError(
          `tune: objective '${objective}' is not in fit's logs (${Object.keys(logs ?? {}).join(', ')})` +
            (objective.startsWith('val_') ? '' : '; validation values are val_*'),
        );
      checked = true;
    },
  };
  /** The best objective value over a History's epochs, in the objective's direction. */
  const scoreOf = (values: number[]) => {
    const ok = values.filter((v) => Number.isFinite(v));
    return ok.length ? sign * Math.min(...ok.map((v) => sign * v)) : NaN;
  };
  const better = (p: number, q: number) => Number.isFinite(p) && (!Number.isFinite(q) || sign * p < sign * q);
  /** Keeps the model if its trial is the best so far (disposing the one before), else disposes it. */
  const settle = (trial: Trial, model: Model | null) => {
    if (!model) return;
    if (!best || better(trial.score, best.trial.score)) {
      best?.model.dispose();
      best = { trial, model };
    } else model.dispose();
  };
  const line = (t: Trial, total: string) => {
    if (!verbose) return;
    const hp = space.specs.map((s) => `${s.name}=${fmtValue(t.hyperparameters[s.name])}`).join(', ');
    const b = best as { trial: Trial } | null;
    const bestText = b ? ` (best ${fmtScore(b.trial.score)}, trial ${b.trial.id})` : '';
    const what = t.status === 'failed' ? `failed: ${t.error}` : `${objective} ${fmtScore(t.score)}`;
    console.log(`Trial ${t.id}${total}: ${hp} → ${what}${bestText}, ${t.epochs} epochs in ${t.seconds.toFixed(1)} s`);
  };
  const newTrial = (values: HyperParameterValues): Trial => ({
    id: trials.length + 1,
    hyperparameters: values,
    score: NaN,
    scores: [],
    epochs: 0,
    seconds: 0,
    status: 'completed',
  });

  if (strategy === 'hyperband') {
    const R = a.maxEpochs ?? epochs;
    const brackets = hyperbandBrackets(R, a.factor ?? 3);
    const random = randomOracle(space, rand);
    space.fresh = (name) => space.decode(space.get(name)!, rand());
    const totalConfigs = brackets.reduce((s, b) => s + b.rungs[0].configs, 0) * (hbIterations ?? 1);
    for (let it = 0; it < (hbIterations ?? 1); it++)
      for (const bracket of brackets) {
        // The bracket's configurations, each with its models (one per execution) kept between rungs.
        let live: { trial: Trial; models: Model[]; histories: number[][] }[] = [];
        for (let i = 0; i < bracket.rungs[0].configs; i++) {
          const v = random.next();
          if (!v) break;
          const trial = newTrial(v);
          trials.push(trial);
          trial.bracket = bracket.s;
          live.push({ trial, models: [], histories: [] });
        }
        for (let ri = 0; ri < bracket.rungs.length; ri++) {
          const rung = bracket.rungs[ri];
          for (const c of live) {
            const t0 = performance.now();
            try {
              for (let e = 0; e < executions; e++) {
                const hp = new HyperParameters(space, c.trial.hyperparameters, execSeed(seed, c.trial.id, e));
                c.models[e] ??= buildModel(a.build, hp, c.trial.id);
                Object.assign(c.trial.hyperparameters, hp.values);
                const h = await c.models[e].fit(a.x, a.y, {
                  ...fitBase,
                  epochs: rung.epochs,
                  initialEpoch: c.trial.epochs,
                  seed: execSeed(seed, c.trial.id, e) ^ ri,
                  callbacks: [objectiveCheck, ...userCallbacks],
                });
                c.histories[e] = [...(c.histories[e] ?? []), ...(h.history[objective] ?? [])];
              }
              c.trial.scores = c.histories.map(scoreOf);
              c.trial.score = c.trial.scores.reduce((p, q) => p + q, 0) / c.trial.scores.length;
            } catch (err) {
              if (!(err instanceof LstmWasmError) || /tune: objective/.test(err.message)) {
                for (const q of live) for (const m of q.models) m?.dispose();
                (best as { model: Model } | null)?.model.dispose();
                throw err;
              }
              c.trial.status = 'failed';
              c.trial.error = err.message;
              c.trial.score = NaN;
            }
            c.trial.epochs = rung.epochs;
            c.trial.rung = ri;
            c.trial.seconds += (performance.now() - t0) / 1000;
          }
          // Successive halving: the best n_{i+1} go on; the others end here.
          const keep = ri + 1 < bracket.rungs.length ? bracket.rungs[ri + 1].configs : 0;
          const ranked = [...live].sort((p, q) =>
            better(p.trial.score, q.trial.score) ? -1 : better(q.trial.score, p.trial.score) ? 1 : 0,
          );
          const goOn = ranked.slice(0, keep).filter((c) => c.trial.status === 'completed');
          for (const c of ranked
            .slice(keep)
            .concat(ranked.slice(0, keep).filter((c) => c.trial.status !== 'completed'))) {
            line(c.trial, `/${totalConfigs} (bracket ${bracket.s}, rung ${ri + 1}/${bracket.rungs.length})`);
            settleExecutions(c, settle, better);
          }
          live = goOn;
        }
      }
  } else {
    let oracle: Oracle;
    if (strategy === 'grid') {
      oracle = gridOracle(space);
      const total = space.specs.reduce((n, s) => n * space.gridValues(s).length, 1);
      maxTrials = Math.min(maxTrials ?? total, total);
    } else if (strategy === 'random') oracle = randomOracle(space, rand);
    else oracle = bayesianOracle(space, rand, numInitial ?? Math.max(2, 3 * space.specs.length));
    // Names first met in a later trial (declared inside a branch): random draws, else their default.
    if (strategy !== 'grid') space.fresh = (name) => space.decode(space.get(name)!, rand());
    const limit = maxTrials ?? 10;
    for (let i = 0; i < limit; i++) {
      const v = oracle.next();
      if (!v) break; // the space has no values left
      const trial = newTrial(v);
      trials.push(trial);
      const t0 = performance.now();
      const models: Model[] = [];
      try {
        for (let e = 0; e < executions; e++) {
          const hp = new HyperParameters(space, trial.hyperparameters, execSeed(seed, trial.id, e));
          const m = buildModel(a.build, hp, trial.id);
          models.push(m);
          Object.assign(trial.hyperparameters, hp.values);
          const h = await m.fit(a.x, a.y, {
            ...fitBase,
            epochs,
            seed: execSeed(seed, trial.id, e),
            callbacks: [objectiveCheck, ...userCallbacks],
          });
          trial.scores.push(scoreOf(h.history[objective] ?? []));
        }
        trial.score = trial.scores.reduce((p, q) => p + q, 0) / trial.scores.length;
        trial.epochs = epochs;
      } catch (err) {
        if (!(err instanceof LstmWasmError) || /tune: objective/.test(err.message)) {
          for (const m of models) m.dispose();
          (best as { model: Model } | null)?.model.dispose();
          throw err;
        }
        trial.status = 'failed';
        trial.error = err.message;
        trial.score = NaN;
      }
      trial.seconds = (performance.now() - t0) / 1000;
      oracle.report(trial.hyperparameters, sign * trial.score);
      line(trial, `/${limit}`);
      settleExecutions({ trial, models }, settle, better);
    }
  }
  const b = best as { trial: Trial; model: Model } | null;
  if (!b)
    throw new LstmWasmError(
      `tune: no trial completed (${trials.length} failed${trials[0]?.error ? `; the first: ${trials[0].error}` : ''})`,
    );
  const specs = [...space.specs];
  return {
    trials,
    bestHyperparameters: { ...b.trial.hyperparameters },
    bestModel: b.model,
    bestScore: b.trial.score,
    objective,
    direction,
    space: specs,
    summary(printFn: (line: string) => void = console.log) {
      printTrials(trials, specs, objective, direction, printFn);
    },
  };
}

/** The model of the execution with the best score goes to `settle`; the others are disposed. */
function settleExecutions(
  c: { trial: Trial; models: Model[] },
  settle: (t: Trial, m: Model | null) => void,
  better: (p: number, q: number) => boolean,
): void {
  if (c.trial.status !== 'completed') {
    for (const m of c.models) m?.dispose();
    return;
  }
  let k = 0;
  c.trial.scores.forEach((s, i) => {
    if (better(s, c.trial.scores[k])) k = i;
  });
  c.models.forEach((m, i) => i !== k && m.dispose());
  settle(c.trial, c.models[k] ?? null);
}

const execSeed = (seed: number, trial: number, execution: number) =>
  (Math.imul(seed ^ 0x9e3779b9, 31) + trial * 7919 + execution * 104729) >>> 0;

function buildModel(build: (hp: HyperParameters) => Model, hp: HyperParameters, trial: number): Model {
  const m = build(hp);
  const what = trial === 0 ? 'build(hp) with the default values' : `build(hp) for trial ${trial}`;
  if (m === null || typeof m !== 'object' || typeof (m as Model).fit !== 'function')
    throw new LstmWasmError(`tune: ${what} must return a model (compiled), got ${describe(m)}`);
  if (!(m as Model).optimizer) {
    (m as Model).dispose?.();
    throw new LstmWasmError(
      `tune: ${what} returned a model that is not compiled; compile it inside ` +
        "build, such as model.compile({ optimizer: 'adam', loss: 'mse' })",
    );
  }
  return m as Model;
}

/** The trials table: best first, one column per hyperparameter, then the score, epochs and seconds. */
export function printTrials(
  trials: Trial[],
  specs: HyperParameterSpec[],
  objective: string,
  direction: 'min' | 'max',
  printFn: (line: string) => void = console.log,
): void {
  const sign = direction === 'min' ? 1 : -1;
  const sorted = [...trials].sort((p, q) => {
    const a = Number.isFinite(p.score) ? sign * p.score : Infinity,
      b = Number.isFinite(q.score) ? sign * q.score : Infinity;
    return a - b || p.id - q.id;
  });
  const heads = ['trial', ...specs.map((s) => s.name), objective, 'epochs', 'seconds'];
  const rows = sorted.map((t) => [
    String(t.id),
    ...specs.map((s) => fmtValue(t.hyperparameters[s.name])),
    t.status === 'failed' ? 'failed' : fmtScore(t.score),
    String(t.epochs),
    t.seconds.toFixed(1),
  ]);
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  printFn(`Trials (${trials.length}), best ${objective} first (${direction}):`);
  printFn(fmt(heads));
  printFn(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) printFn(fmt(r));
}
