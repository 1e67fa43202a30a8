// Callbacks as TF.js/Keras: hooks around epochs and batches, EarlyStopping, TerminateOnNaN,
// ReduceLROnPlateau, LearningRateScheduler, CSVLogger, LambdaCallback, ModelCheckpoint, and the
// progress display (ProgbarLogger) that fit's `verbose` option turns on.
import { LstmWasmError, checkOptions, describe } from './errors.js';
import { kerasOptions } from './engine/trainer.js';
import { crc32 } from './io/crc32.js';
import { fromLE, leBytes } from './io/bytes.js';
import { deleteFromIndexedDb, indexedDbKey, isIndexedDbUrl, readIndexedDb, saveToIndexedDb } from './io/indexeddb.js';

/**
 * The numbers fit hands its callbacks: loss, the metrics, val_ of each at epoch ends; per batch
 * also `size`, `gradNorm` and `lr`.
 */
export type Logs = Record<string, number>;

/**
 * What fit calls, as Keras: onTrainBegin/End, onEpochBegin/End, onBatchBegin/End (each may return a
 * promise), and setModel.
 */
export interface Callback {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  /** logs has `loss`, the metrics, `size` and `gradNorm`: the global L2 norm of the gradient before clipping. */
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called by fit with the model, so a callback can stop training or restore weights. */
  setModel?(model: TrainableModel): void;
  /** Called by fit before training with { epochs, batchSize, samples, steps, verbose }. */
  setParams?(params: Record<string, unknown>): void;
  /** Called by fit before training with where its loop stands and the training state (BackupAndRestore uses it). */
  setFitLoop?(loop: FitLoop): void;
}

/**
 * Everything a training step changes, copied out of WebAssembly memory: the parameters (in
 * getWeights order, flat), the optimizer's slots and iteration count, its rate (null when a
 * schedule gives it from the iterations), the RNG state (4 words: shuffles and dropout masks) and
 * the states of stateful layers.
 */
export interface TrainingState {
  weights: Float32Array;
  slots: Float32Array;
  iterations: number;
  learningRate: number | null;
  rng: Int32Array;
  states: Float32Array[];
}

/**
 * A place in fit's loop, as where a run resumed there would go on: epoch `epoch` (0-based) with its
 * first `batch` batches done, in `order` (the epoch's shuffled sample order; null without shuffle),
 * `seen` samples so far whose logs' values summed (each times its batch size) to `sums`.
 */
export interface FitPosition {
  epoch: number;
  batch: number;
  order: Int32Array | null;
  seen: number;
  sums: number[];
}

/**
 * What fit shows a callback through setFitLoop: where its loop stands (read in onBatchEnd: the
 * batch just done counted; in onEpochEnd: the next epoch's start), a copy of the training state,
 * and (in onTrainBegin only) a way to put a state back and continue from a position.
 */
export interface FitLoop {
  readonly position: Readonly<FitPosition>;
  /** The names of `position.sums`, in order (loss, then metrics). */
  readonly keys: readonly string[];
  capture(): TrainingState;
  resume(state: TrainingState, at: FitPosition): void;
}

/** What a callback may do to the model it watches. */
export interface TrainableModel {
  stopTraining: boolean;
  getWeights(): { data: Float32Array; shape: number[] }[];
  setWeights(weights: { data: Float32Array; shape: number[] }[]): void;
  /** The compiled optimizer (its learningRate is settable unless a schedule drives it). */
  readonly optimizer?: { learningRate: number; readonly schedule: unknown } | null;
  /** The model as bytes (loadModel reads them). */
  save?(options?: { includeState?: boolean; includeOptimizer?: boolean }): Uint8Array;
}

/**
 * Options of EarlyStopping: `monitor` ('val_loss'), `minDelta`, `patience` (0), `mode`, `baseline`,
 * `restoreBestWeights`.
 */
export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
  verbose?: number;
}

/** Stops fit when `monitor` (default val_loss) has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  private readonly sign: number;
  private readonly baseline: number | undefined;
  private model: TrainableModel | null = null;
  private best = Infinity;
  private wait = 0;
  private bestWeights: { data: Float32Array; shape: number[] }[] | null = null;
  stoppedEpoch = -1;
  bestEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    if (args === null || typeof args !== 'object')
      throw new LstmWasmError(`EarlyStopping: expected options such as { patience: 3 }, got ${describe(args)}`);
    // Keras's snake_case names (min_delta, restore_best_weights) read as ours.
    args = callbackArgs('EarlyStopping', args, [
      'monitor',
      'minDelta',
      'patience',
      'mode',
      'baseline',
      'restoreBestWeights',
      'verbose',
    ]) as EarlyStoppingArgs;
    if (args.monitor !== undefined && (typeof args.monitor !== 'string' || args.monitor === ''))
      throw new LstmWasmError(
        `EarlyStopping: 'monitor' must be a non-empty string such as 'val_loss', got ${describe(args.monitor)}`,
      );
    const finite = (name: 'minDelta' | 'baseline') => {
      const v = args[name];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
        throw new LstmWasmError(`EarlyStopping: '${name}' must be a finite number, got ${describe(v)}`);
    };
    finite('minDelta');
    finite('baseline');
    if (args.restoreBestWeights !== undefined && typeof args.restoreBestWeights !== 'boolean')
      throw new LstmWasmError(
        `EarlyStopping: 'restoreBestWeights' must be true or false, got ${describe(args.restoreBestWeights)}`,
      );
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new LstmWasmError(
        `EarlyStopping: 'patience' must be a non-negative integer, got ${describe(args.patience)}`,
      );
    const mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode))
      throw new LstmWasmError(`EarlyStopping: 'mode' must be 'auto', 'min' or 'max', got ${describe(mode)}`);
    const max = mode === 'max' || (mode === 'auto' && /acc/.test(this.monitor));
    this.sign = max ? -1 : 1;
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
  }

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.baseline === undefined ? Infinity : this.sign * this.baseline;
    this.bestWeights = null;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new LstmWasmError(
        `EarlyStopping: monitor '${this.monitor}' is not in the epoch logs ` +
          `(${Object.keys(logs).join(', ')}); use validationSplit or validationData for val_* names`,
      );
    }
    const score = this.sign * v;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.wait = 0;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights && this.model) this.bestWeights = this.model.getWeights();
      return;
    }
    this.wait++;
    if (this.wait > this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.model && this.stoppedEpoch >= 0)
      this.model.setWeights(this.bestWeights);
  }
}

/**
 * With this callback, a NaN or infinite loss or gradient stops fit quietly (History is returned,
 * the weights are those from before the bad batch) instead of throwing.
 */
export class TerminateOnNaN implements Callback {
  readonly terminateOnNaN = true;
  onTrainBegin(): void {}
}

/**
 * Python's `f"{v:.{digits}f}"`: JavaScript's toFixed, except that an exact tie (0.03125 to 4
 * places) goes to the even digit as Python's does, not up; and nan, inf as Python spells them.
 */
function pyFixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  // From 1e21 toFixed turns scientific; such doubles are integers, which BigInt writes out exactly.
  let s = a < 1e21 ? v.toFixed(digits) : `${BigInt(v)}${digits ? `.${'0'.repeat(digits)}` : ''}`;
  if (a < 1e21) {
    // The exact decimal expansion: a tie ends in 5 right after the kept digits, then nothing.
    const exact = a.toFixed(Math.min(100, digits + 60));
    const dot = exact.indexOf('.');
    const rest = exact.slice(dot + 1 + digits);
    if (/^50*$/.test(rest)) {
      const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
      const last = Number(kept[kept.length - 1]);
      if (last % 2 === 0) s = (v < 0 || Object.is(v, -0) ? '-' : '') + kept; // round down to even
    }
  }
  if (Object.is(v, -0) || (v < 0 && !s.startsWith('-'))) s = `-${s}`;
  return s;
}

/** Python's `f"{v:.4e}"`: two exponent digits at least (1.2340e-05). */
function pyExp4(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const s = pyExp(Math.abs(v).toExponential(4));
  return v < 0 || Object.is(v, -0) ? `-${s}` : s;
}

/**
 * A log value as Keras's progress bar prints it: 4 decimals when |v| > 1e-3 (`loss: 0.0123`,
 * `1234.5678`), else scientific with 4 (`loss: 1.2340e-05`, `0.0000e+00`); nan and inf as Python.
 */
export function formatLogValue(v: number): string {
  return Math.abs(v) > 1e-3 || !Number.isFinite(v) ? pyFixed(v, 4) : pyExp4(v);
}

/**
 * Time per step as Keras prints it: `2s/step` from a second up (or 0), `12ms/step` from a
 * millisecond, else `345us/step`.
 */
export function formatStepTime(seconds: number, unit = 'step'): string {
  if (seconds >= 1 || seconds === 0) return `${pyFixed(seconds, 0)}s/${unit}`;
  if (seconds >= 1e-3) return `${pyFixed(seconds * 1e3, 0)}ms/${unit}`;
  return `${pyFixed(seconds * 1e6, 0)}us/${unit}`;
}

/** An ETA as Keras prints it: `1:02:03`, `2:03`, `12s`. */
function fmtEta(s: number): string {
  if (s >= 3600)
    return (
      `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:` +
      `${String(Math.floor(s % 60)).padStart(2, '0')}`
    );
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${Math.floor(s)}s`;
}

/** Seconds, from a clock finer than a millisecond where there is one. */
function nowSeconds(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return (p ? p.now() : Date.now()) / 1000;
}

interface Out {
  write(s: string): void;
  isTTY: boolean;
}

function stdout(): Out {
  const p = (globalThis as { process?: { stdout?: { write(s: string): void; isTTY?: boolean } } }).process;
  if (p?.stdout) return { write: (s) => p.stdout!.write(s), isTTY: !!p.stdout.isTTY };
  let line = '';
  return {
    write: (s) => {
      line += s;
      const parts = line.split('\n');
      line = parts.pop()!;
      for (const l of parts) if (l) console.log(l);
    },
    isTTY: false,
  };
}

/** Log entries that are not shown: bookkeeping, the gradient norm and the learning rate. */
const HIDDEN = new Set(['batch', 'size', 'gradNorm', 'lr', 'learning_rate']);

/**
 * verbose 1: a Keras-style bar per epoch (batches done, ETA, loss and metrics), redrawn in place
 * on a terminal and printed once per epoch when stdout is not one; verbose 2: one line per epoch.
 */
export class ProgbarLogger implements Callback {
  private readonly out: Out;
  private epochStart = 0;
  /** When the epoch's first batch ended (Keras leaves the first step, which plans, out of the time per step). */
  private afterFirst = 0;
  private done = 0;
  private lastDraw = 0;
  private seen = 0;
  private sums: Logs = {};
  private verbose: 1 | 2;
  private epochs: number;
  /** Steps per epoch; null while not known (the first pass over a fitDataset source of unknown length). */
  private batches: number | null;

  /**
   * `new ProgbarLogger()` (Keras), or `new ProgbarLogger({ verbose: 2 })`; fit tells it the epochs
   * and steps. `out` receives the text (default: stdout, or console.log line by line).
   */
  constructor(args: { verbose?: 1 | 2; out?: Out } | 1 | 2 = {}, epochs = 0, batches = 0, out?: Out) {
    const a = typeof args === 'number' ? { verbose: args, out } : args;
    if (a === null || typeof a !== 'object')
      throw new LstmWasmError(`ProgbarLogger: expected options such as { verbose: 1 }, got ${describe(args)}`);
    checkOptions('ProgbarLogger', a, ['verbose', 'out']);
    if (a.verbose !== undefined && a.verbose !== 1 && a.verbose !== 2)
      throw new LstmWasmError(`ProgbarLogger: 'verbose' must be 1 or 2, got ${describe(a.verbose)}`);
    this.verbose = a.verbose ?? 1;
    this.epochs = epochs;
    this.batches = batches;
    this.out = a.out ?? stdout();
  }

  /**
   * Set by fit: epochs and steps per epoch. `steps` given but not a number (fitDataset's first
   * pass over a source of unknown length) makes the bar count `n/Unknown`, as Keras's, until the
   * steps are known.
   */
  setParams(params: Record<string, unknown>): void {
    if (typeof params.epochs === 'number') this.epochs = params.epochs;
    if ('steps' in params) this.batches = typeof params.steps === 'number' ? params.steps : null;
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = nowSeconds();
    this.afterFirst = 0;
    this.done = 0;
    this.lastDraw = 0;
    this.seen = 0;
    this.sums = {};
    if (this.verbose === 1) this.out.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    const size = logs.size ?? 1;
    this.seen += size;
    this.done++;
    if (this.done === 1) this.afterFirst = nowSeconds();
    for (const [key, v] of Object.entries(logs))
      if (!HIDDEN.has(key)) this.sums[key] = (this.sums[key] ?? 0) + v * size;
    // The last batch's bar is drawn by onEpochEnd, with the epoch's time and logs.
    const total = this.batches;
    if (this.verbose !== 1 || !this.out.isTTY || (total !== null && batch + 1 >= total)) return;
    const now = nowSeconds();
    if (now - this.lastDraw < 0.1) return;
    this.lastDraw = now;
    const done = batch + 1;
    if (total === null) {
      // Keras's bar for an unknown target: `"%7d/Unknown" % current`, the time so far and per step.
      const t = `${pyFixed(now - this.epochStart, 0)}s`;
      this.out.write(
        `\r${String(done).padStart(7)}/Unknown - ${t} ${formatStepTime(this.perStep(now))}${this.metrics()}\x1b[K`,
      );
      return;
    }
    const width = 30;
    const filled = Math.floor((width * done) / total);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (done < total ? '>' : '=') + '.'.repeat(width - filled);
    const eta = done < total ? ` - ETA: ${fmtEta(this.perStep(now) * (total - done))}` : '';
    this.out.write(`\r${String(done).padStart(String(total).length)}/${total} [${bar}]${eta}${this.metrics()}\x1b[K`);
  }

  private metrics(logs?: Logs): string {
    const src = logs ?? Object.fromEntries(Object.entries(this.sums).map(([k, v]) => [k, v / Math.max(1, this.seen)]));
    return Object.entries(src)
      .filter(([k]) => !HIDDEN.has(k))
      .map(([k, v]) => ` - ${k}: ${formatLogValue(v)}`)
      .join('');
  }

  /** Keras's estimate: from the end of the first step when more than one ran, else from the epoch's start. */
  private perStep(now: number): number {
    if (this.done > 1) return (now - this.afterFirst) / (this.done - 1);
    return this.done ? (now - this.epochStart) / this.done : 0;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const now = nowSeconds();
    const t = `${pyFixed(now - this.epochStart, 0)}s`;
    const perStep = formatStepTime(this.perStep(now));
    if (this.verbose === 1) {
      const bar = '='.repeat(30);
      // As Keras's finalize: an epoch whose steps were not known ends with the steps it ran.
      const n = this.batches ?? this.done;
      const line = `${n}/${n} [${bar}] - ${t} ${perStep}${this.metrics(logs)}`;
      this.out.write(this.out.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    } else {
      this.out.write(`Epoch ${epoch + 1}/${this.epochs} - ${t} - ${perStep}${this.metrics(logs)}\n`);
    }
  }
}

/** The name this class had before; ProgbarLogger is Keras's. */
export const ProgressLogger = ProgbarLogger;

/** History as TF.js returns it from fit: `history.loss[epoch]`, `history.val_loss[epoch]`, … */
export class History implements Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  params: Record<string, unknown> = {};

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

// ---- learning rate -------------------------------------------------------------------------

type Mode = 'auto' | 'min' | 'max';

function modeSign(where: string, mode: unknown, monitor: string): number {
  const m = mode ?? 'auto';
  if (m !== 'auto' && m !== 'min' && m !== 'max')
    throw new LstmWasmError(`${where}: 'mode' must be 'auto', 'min' or 'max', got ${describe(mode)}`);
  // As Keras: in auto mode, names of accuracies (and AUC) are maximized, everything else minimized.
  return m === 'max' || (m === 'auto' && /acc|auc/.test(monitor)) ? -1 : 1;
}

function monitorName(where: string, v: unknown): string {
  if (v === undefined) return 'val_loss';
  if (typeof v !== 'string' || v === '')
    throw new LstmWasmError(`${where}: 'monitor' must be a non-empty string such as 'val_loss', got ${describe(v)}`);
  return v;
}

function monitored(where: string, monitor: string, logs: Logs): number {
  const v = logs[monitor];
  if (v === undefined)
    throw new LstmWasmError(
      `${where}: monitor '${monitor}' is not in the logs (${Object.keys(logs).join(', ')}); ` +
        'use validationSplit or validationData for val_* names',
    );
  return v;
}

function optimizerOf(
  where: string,
  model: TrainableModel | null,
): { learningRate: number; readonly schedule: unknown } {
  const opt = model?.optimizer;
  if (!opt) throw new LstmWasmError(`${where}: the model has no compiled optimizer; compile it first`);
  if (opt.schedule)
    throw new LstmWasmError(
      `${where}: the optimizer's learning rate follows a schedule ` +
        `(${(opt.schedule as { className?: string }).className ?? 'a schedule'}), ` +
        'so a callback cannot set it; give learningRate as a number',
    );
  return opt;
}

/** Options under our names or Keras's snake_case ones (min_delta), checked with "did you mean". */
function callbackArgs(where: string, args: unknown, allowed: string[]): Record<string, unknown> {
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    throw new LstmWasmError(`${where}: expected an options object { ... }, got ${describe(args)}`);
  return kerasOptions(where, args, allowed);
}

/**
 * Options of ReduceLROnPlateau: `monitor` ('val_loss'), `factor` (0.1), `patience` (10),
 * `minDelta`, `cooldown`, `minLr`, `mode`.
 */
export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/**
 * As Keras: when `monitor` (default val_loss) has not improved by more than minDelta for
 * `patience` epochs, the rate becomes max(rate · factor, minLr), then `cooldown` epochs pass
 * before waiting starts again. Puts `learning_rate` in the epoch logs.
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  private readonly sign: number;
  private model: TrainableModel | null = null;
  private best = Infinity;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    const w = 'ReduceLROnPlateau';
    const a = callbackArgs(w, args, [
      'monitor',
      'factor',
      'patience',
      'verbose',
      'mode',
      'minDelta',
      'cooldown',
      'minLr',
    ]);
    this.monitor = monitorName(w, a.monitor);
    const f = a.factor ?? 0.1;
    if (typeof f !== 'number' || !(f >= 0 && f < 1))
      throw new LstmWasmError(
        `${w}: 'factor' must be a number in [0, 1) (the rate is multiplied by it), got ${describe(a.factor)}`,
      );
    this.factor = f;
    const int = (name: string, dflt: number) => {
      const v = a[name] ?? dflt;
      if (!Number.isInteger(v) || (v as number) < 0)
        throw new LstmWasmError(`${w}: '${name}' must be a non-negative integer, got ${describe(a[name])}`);
      return v as number;
    };
    this.patience = int('patience', 10);
    this.cooldown = int('cooldown', 0);
    this.verbose = int('verbose', 0);
    const fin = (name: string, dflt: number, what: string) => {
      const v = a[name] ?? dflt;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new LstmWasmError(`${w}: '${name}' must be ${what}, got ${describe(a[name])}`);
      return v;
    };
    this.minDelta = fin('minDelta', 1e-4, 'a finite number ≥ 0');
    this.minLr = fin('minLr', 0, 'a finite rate ≥ 0 (a negative rate would climb the loss)');
    this.sign = modeSign(w, a.mode, this.monitor);
  }

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    optimizerOf('ReduceLROnPlateau', this.model);
    this.best = Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const opt = optimizerOf('ReduceLROnPlateau', this.model);
    logs.learning_rate = opt.learningRate;
    const score = this.sign * monitored('ReduceLROnPlateau', this.monitor, logs);
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = opt.learningRate;
        // As Keras, compared in float32: a rate at minLr is not lowered again.
        if (Math.fround(old) > Math.fround(this.minLr)) {
          const next = Math.max(old * this.factor, this.minLr);
          opt.learningRate = next;
          if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${next}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** As Keras: at each epoch's start the rate becomes schedule(epoch, rate); `learning_rate` goes in the epoch logs. */
export class LearningRateScheduler implements Callback {
  private model: TrainableModel | null = null;

  constructor(
    private readonly schedule: (epoch: number, lr: number) => number,
    private readonly verbose = 0,
  ) {
    if (typeof schedule !== 'function')
      throw new LstmWasmError(
        `LearningRateScheduler: expected a function (epoch, lr) => lr, got ${describe(schedule)}`,
      );
    if (verbose !== 0 && verbose !== 1)
      throw new LstmWasmError(`LearningRateScheduler: 'verbose' must be 0 or 1, got ${describe(verbose)}`);
  }

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  onTrainBegin(): void {
    optimizerOf('LearningRateScheduler', this.model);
  }

  onEpochBegin(epoch: number): void {
    const opt = optimizerOf('LearningRateScheduler', this.model);
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new LstmWasmError(
        'LearningRateScheduler: the schedule must return a ' +
          `finite rate ≥ 0, got ${describe(lr)} at epoch ${epoch}` +
          (typeof lr === 'number' && lr < 0 ? ' (a negative rate would climb the loss)' : ''),
      );
    }
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs.learning_rate = optimizerOf('LearningRateScheduler', this.model).learningRate;
  }
}

// ---- files ---------------------------------------------------------------------------------

/** The synchronous file functions the callbacks use (Node's fs; Deno and Bun have them too). */
export interface SyncFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array | string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  existsSync(path: string): boolean;
  statSync(path: string): { isDirectory(): boolean };
  readFileSync?(path: string): Uint8Array;
  mkdirSync?(path: string, options: { recursive: boolean }): unknown;
  readdirSync?(path: string): string[];
}

let fsPromise: Promise<SyncFs | null> | null = null;
/** node:fs where there is one (Node, Deno, Bun), else null (a browser). */
export function nodeFs(): Promise<SyncFs | null> {
  // A computed name, so bundlers for the browser leave it alone.
  const name = 'node:fs';
  fsPromise ??= (import(/* @vite-ignore */ name) as Promise<SyncFs & { default?: SyncFs }>).then(
    (m) => (m.default ?? m) as SyncFs,
    () => null,
  );
  return fsPromise;
}

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? '.' : i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

/** Fails, naming the path, when the folder a file would go in does not exist. */
function checkDirectory(fs: SyncFs, where: string, path: string): void {
  const dir = dirOf(path);
  let ok = false;
  try {
    ok = fs.statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new LstmWasmError(
      `${where}: the folder '${dir}' of filepath '${path}' does not exist; ` +
        'create it before fit (checked now, not after the first epoch)',
    );
}

/**
 * Writes `data` to `path` so that a crash at any moment leaves either the old file or the new one:
 * a temporary file in the same folder, written and fsync'ed, then renamed over the target (and
 * the folder fsync'ed, where it can be opened).
 */
export function writeFileAtomic(fs: SyncFs, path: string, data: Uint8Array | string): void {
  const tmp =
    `${path}.tmp-${(globalThis as { process?: { pid?: number } }).process?.pid ?? 0}-` +
    `${Math.random().toString(36).slice(2, 10)}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes.subarray(off));
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, path);
  // The rename itself reaches the disk with the folder's entry: fsync the folder where the
  // platform lets one open it (not on Windows; the file is whole either way).
  let dfd = -1;
  try {
    dfd = fs.openSync(dirOf(path), 'r');
    fs.fsyncSync(dfd);
  } catch {
    // best effort
  } finally {
    if (dfd >= 0)
      try {
        fs.closeSync(dfd);
      } catch {
        /* ignore */
      }
  }
}

/**
 * Keras's filepath formatting: `{epoch}`, `{epoch:02d}`, `{val_loss:.4f}`, `{loss:.2e}`, from the
 * epoch (counted from 1) and the logs.
 */
export function formatFilepath(where: string, template: string, values: Logs): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_m, key: string, spec: string | undefined) => {
    const v = values[key];
    if (v === undefined)
      throw new LstmWasmError(
        `${where}: filepath '${template}' names {${key}}, which is not in the logs (${Object.keys(values).join(', ')})`,
      );
    if (spec === undefined || spec === '') return String(v);
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfeg]?)$/.exec(spec);
    if (!m)
      throw new LstmWasmError(
        `${where}: filepath '${template}': format '{${key}:${spec}}' is ` +
          'not one of d, .Nf, .Ne, .Ng (with an optional width such as 02d)',
      );
    const [, zero, width, prec, type] = m;
    const p = prec === undefined ? 6 : Number(prec);
    let s =
      type === 'd'
        ? String(Math.round(v))
        : type === 'e'
          ? pyExp(v.toExponential(p))
          : type === 'g'
            ? String(Number(v.toPrecision(Math.max(1, p))))
            : v.toFixed(p);
    if (width) s = s.padStart(Number(width), zero ? '0' : ' ');
    return s;
  });
}

/** JavaScript's 1.5e+0 as Python's 1.5e+00. */
function pyExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Options of CSVLogger: `separator` (','), `append` (false). */
export interface CSVLoggerArgs {
  separator?: string;
  append?: boolean;
}

/**
 * As Keras: one row per epoch (epoch, then the logs' keys in sorted order) with a header first.
 * `filename` is a path (Node, Deno, Bun), or a function that gets each line (any platform).
 */
export class CSVLogger implements Callback {
  readonly separator: string;
  readonly append: boolean;
  private fs: SyncFs | null = null;
  private fd = -1;
  private keys: string[] | null = null;

  constructor(
    private readonly filename: string | ((line: string) => void),
    args: CSVLoggerArgs = {},
  ) {
    const w = 'CSVLogger';
    if (typeof filename !== 'function' && (typeof filename !== 'string' || filename === ''))
      throw new LstmWasmError(
        `${w}: expected a file name, or a function that gets each line, got ${describe(filename)}`,
      );
    const a = callbackArgs(w, args, ['separator', 'append']);
    if (a.separator !== undefined && (typeof a.separator !== 'string' || a.separator === ''))
      throw new LstmWasmError(`${w}: 'separator' must be a non-empty string, got ${describe(a.separator)}`);
    if (a.append !== undefined && typeof a.append !== 'boolean')
      throw new LstmWasmError(`${w}: 'append' must be true or false, got ${describe(a.append)}`);
    this.separator = (a.separator as string | undefined) ?? ',';
    this.append = (a.append as boolean | undefined) ?? false;
  }

  async onTrainBegin(): Promise<void> {
    this.keys = null;
    if (typeof this.filename === 'function') return;
    const fs = await nodeFs();
    if (!fs)
      throw new LstmWasmError(
        'CSVLogger: writing a file needs Node, Deno or Bun; in a browser, ' +
          'pass a function that gets each line: new CSVLogger((line) => ...)',
      );
    checkDirectory(fs, 'CSVLogger', this.filename);
    this.fs = fs;
    const had = this.append && fs.existsSync(this.filename);
    this.fd = fs.openSync(this.filename, this.append ? 'a' : 'w');
    // Appending to a file that has rows already: no second header.
    if (had) this.keys = [];
  }

  private line(s: string): void {
    if (typeof this.filename === 'function') this.filename(s);
    else if (this.fs && this.fd >= 0) this.fs.writeSync(this.fd, `${s}\n`);
  }

  private cell(v: unknown): string {
    const s = typeof v === 'number' ? String(v) : String(v ?? '');
    return s.includes(this.separator) || s.includes('"') || s.includes('\n') ? `"${s.replace(/"/g, '""')}"` : s;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.keys === null || this.keys.length === 0) {
      const first = this.keys === null;
      this.keys = Object.keys(logs).sort();
      if (first) this.line(['epoch', ...this.keys].map((k) => this.cell(k)).join(this.separator));
    }
    this.line([String(epoch), ...this.keys.map((k) => (k in logs ? this.cell(logs[k]) : 'NA'))].join(this.separator));
  }

  onTrainEnd(): void {
    if (this.fs && this.fd >= 0) {
      this.fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;
/**
 * The hooks of a LambdaCallback: onTrainBegin/End, onEpochBegin/End, onBatchBegin/End (Keras's
 * on_epoch_end spelling too).
 */
export interface LambdaCallbackArgs {
  onTrainBegin?: Hook<[Logs?]>;
  onTrainEnd?: Hook<[Logs?]>;
  onEpochBegin?: Hook<[number, Logs?]>;
  onEpochEnd?: Hook<[number, Logs?]>;
  onBatchBegin?: Hook<[number, Logs?]>;
  onBatchEnd?: Hook<[number, Logs?]>;
}

/** A callback from functions (Keras's on_epoch_end etc. are accepted too). */
export class LambdaCallback implements Callback {
  onTrainBegin?: Hook<[Logs?]>;
  onTrainEnd?: Hook<[Logs?]>;
  onEpochBegin?: Hook<[number, Logs?]>;
  onEpochEnd?: Hook<[number, Logs?]>;
  onBatchBegin?: Hook<[number, Logs?]>;
  onBatchEnd?: Hook<[number, Logs?]>;

  constructor(args: LambdaCallbackArgs = {}) {
    const names = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;
    const a = callbackArgs('LambdaCallback', args, [...names]);
    for (const n of names) {
      const f = a[n];
      if (f === undefined) continue;
      if (typeof f !== 'function')
        throw new LstmWasmError(`LambdaCallback: '${n}' must be a function, got ${describe(f)}`);
      (this as Record<string, unknown>)[n] = f;
    }
  }
}

/**
 * What a ModelCheckpoint `filepath` function gets with the bytes: the epoch (from 1, as `{epoch}`),
 * the batch within it (with saveFreq in batches), and the logs.
 */
export interface CheckpointInfo {
  epoch: number;
  batch?: number;
  logs: Logs;
}

/**
 * Options of ModelCheckpoint: `filepath` (a path with {epoch}, {val_loss:.4f} …; 'indexeddb://name'
 * in a browser; or a function (bytes, info)), `monitor`, `mode`, `saveBestOnly`, `saveWeightsOnly`,
 * `saveFreq` ('epoch' or a batch count), `write`.
 */
export interface ModelCheckpointArgs {
  /**
   * Where to save: a file path, where `{epoch}`, `{epoch:02d}`, `{val_loss:.4f}` … are filled in
   * (as Keras); `'indexeddb://name'` (placeholders too) for the browser's IndexedDB, as TF.js spells
   * it (loadModel reads it back); or a function that gets the bytes and a CheckpointInfo.
   */
  filepath: string | ((bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>);
  monitor?: string;
  verbose?: number;
  saveBestOnly?: boolean;
  /**
   * Leave the optimizer's state out (default false). A full checkpoint, as Keras's, holds it (its
   * slots and iteration count), so training loaded from it goes on where it was; both hold the
   * topology and weights that loadModel reads.
   */
  saveWeightsOnly?: boolean;
  mode?: Mode;
  /** 'epoch' (default), or every this many batches. */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly: only values better than this are saved. */
  initialValueThreshold?: number;
  /** Where there is no file system (a browser), or to store elsewhere: gets the path and the bytes. */
  write?: (path: string, bytes: Uint8Array) => void | Promise<void>;
}

/**
 * As Keras: saves the model (loadModel reads the file) at the end of every epoch, or every saveFreq
 * batches, or only when `monitor` improved (saveBestOnly). In Node, Deno and Bun the file is written
 * atomically: a temporary file, fsync, rename, so a crash at any moment leaves the previous good
 * file. A filepath in a folder that does not exist is an error when fit starts. In a browser,
 * `filepath: 'indexeddb://name'` saves to IndexedDB in one transaction (a tab closed mid-save
 * leaves the previous record; `loadModel('indexeddb://name')` reads it), and a function
 * `filepath: (bytes, info) => ...` gets the bytes to keep anywhere.
 */
export class ModelCheckpoint implements Callback {
  readonly filepath: string | ((bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>);
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  readonly verbose: number;
  private readonly sign: number;
  private readonly threshold: number | undefined;
  private readonly writer: ((path: string, bytes: Uint8Array) => void | Promise<void>) | undefined;
  private model: TrainableModel | null = null;
  private fs: SyncFs | null = null;
  private best = Infinity;
  private batchesSeen = 0;
  private epoch = 0;
  private batch = -1;
  /** Paths (or indexeddb:// URLs) written, in order; nothing for a filepath function. */
  readonly saved: string[] = [];

  /** `new ModelCheckpoint({ filepath, ... })`, or just the filepath (a path, 'indexeddb://name' or a function). */
  constructor(args: ModelCheckpointArgs | ModelCheckpointArgs['filepath']) {
    const w = 'ModelCheckpoint';
    if (typeof args === 'string' || typeof args === 'function') args = { filepath: args };
    const a = callbackArgs(w, args, [
      'filepath',
      'monitor',
      'verbose',
      'saveBestOnly',
      'saveWeightsOnly',
      'mode',
      'saveFreq',
      'initialValueThreshold',
      'write',
    ]);
    if (typeof a.filepath !== 'function' && (typeof a.filepath !== 'string' || a.filepath === ''))
      throw new LstmWasmError(
        `${w}: 'filepath' must be a non-empty string such as 'ckpt/model-{epoch:02d}.lstm' or ` +
          `'indexeddb://my-model', or a function (bytes, info) => ..., got ${describe(a.filepath)}`,
      );
    this.filepath = a.filepath as ModelCheckpoint['filepath'];
    if (typeof this.filepath === 'function' && a.write !== undefined)
      throw new LstmWasmError(`${w}: give 'filepath' as a function or 'write', not both`);
    if (isIndexedDbUrl(this.filepath)) indexedDbKey(w, this.filepath);
    this.monitor = monitorName(w, a.monitor);
    for (const b of ['saveBestOnly', 'saveWeightsOnly'] as const)
      if (a[b] !== undefined && typeof a[b] !== 'boolean')
        throw new LstmWasmError(`${w}: '${b}' must be true or false, got ${describe(a[b])}`);
    this.saveBestOnly = (a.saveBestOnly as boolean | undefined) ?? false;
    this.saveWeightsOnly = (a.saveWeightsOnly as boolean | undefined) ?? false;
    const f = a.saveFreq ?? 'epoch';
    if (f !== 'epoch' && (!Number.isInteger(f) || (f as number) <= 0))
      throw new LstmWasmError(
        `${w}: 'saveFreq' must be 'epoch' or a positive integer number of batches, got ${describe(a.saveFreq)}`,
      );
    this.saveFreq = f as 'epoch' | number;
    const v = a.verbose ?? 0;
    if (v !== 0 && v !== 1) throw new LstmWasmError(`${w}: 'verbose' must be 0 or 1, got ${describe(a.verbose)}`);
    this.verbose = v;
    this.sign = modeSign(w, a.mode, this.monitor);
    if (
      a.initialValueThreshold !== undefined &&
      (typeof a.initialValueThreshold !== 'number' || !Number.isFinite(a.initialValueThreshold))
    )
      throw new LstmWasmError(
        `${w}: 'initialValueThreshold' must be a finite number, got ${describe(a.initialValueThreshold)}`,
      );
    this.threshold = a.initialValueThreshold as number | undefined;
    if (a.write !== undefined && typeof a.write !== 'function')
      throw new LstmWasmError(`${w}: 'write' must be a function (path, bytes) => void, got ${describe(a.write)}`);
    this.writer = a.write as ModelCheckpointArgs['write'];
    // Placeholders are checked for their format now; their values come with the logs.
    if (typeof this.filepath === 'string')
      formatFilepath(
        w,
        this.filepath.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?\}/g, (_m, _k, spec) => `{x${spec ?? ''}}`),
        { x: 1 },
      );
  }

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  async onTrainBegin(): Promise<void> {
    if (!this.model?.save) throw new LstmWasmError(`ModelCheckpoint: the model cannot be saved`);
    this.best = this.threshold === undefined ? Infinity : this.sign * this.threshold;
    this.batchesSeen = 0;
    if (this.writer || typeof this.filepath === 'function') return;
    if (isIndexedDbUrl(this.filepath)) {
      // Checked now, not after the first epoch: a runtime without IndexedDB cannot save there.
      if (!(globalThis as { indexedDB?: unknown }).indexedDB)
        throw new LstmWasmError(
          `ModelCheckpoint: '${this.filepath}' needs IndexedDB, which this runtime ` +
            "does not have (it is a browser's); in Node, Deno or Bun give a file path",
        );
      return;
    }
    const fs = await nodeFs();
    if (!fs)
      throw new LstmWasmError(
        'ModelCheckpoint: saving a file needs Node, Deno or Bun; in a browser, ' +
          'pass write: (path, bytes) => ... (to IndexedDB, a download, …)',
      );
    // The folder must exist now: a typo must not surface only after the first epoch's hours.
    const dir = dirOf(this.filepath);
    if (!/\{/.test(dir)) checkDirectory(fs, 'ModelCheckpoint', this.filepath);
    this.fs = fs;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSeen++;
    this.batch = batch;
    if (this.batchesSeen % this.saveFreq === 0) await this.maybeSave(logs);
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    this.epoch = epoch;
    this.batch = -1;
    if (this.saveFreq === 'epoch') await this.maybeSave(logs);
  }

  private async maybeSave(logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const score = this.sign * monitored('ModelCheckpoint', this.monitor, logs);
      if (!(score < this.best)) {
        if (this.verbose)
          console.log(`Epoch ${this.epoch + 1}: ${this.monitor} did not improve from ${this.sign * this.best}`);
        return;
      }
      this.best = score;
    }
    const bytes = this.model!.save!({ includeOptimizer: !this.saveWeightsOnly && !!this.model!.optimizer });
    if (typeof this.filepath === 'function') {
      const info: CheckpointInfo = { epoch: this.epoch + 1, logs: { ...logs } };
      if (this.batch >= 0) info.batch = this.batch;
      await this.filepath(bytes, info);
      if (this.verbose) console.log(`Epoch ${this.epoch + 1}: handing the model to the filepath function`);
      return;
    }
    const path = formatFilepath('ModelCheckpoint', this.filepath, { ...logs, epoch: this.epoch + 1 });
    if (this.writer) await this.writer(path, bytes);
    else if (isIndexedDbUrl(path)) await saveToIndexedDb('ModelCheckpoint', path, bytes, { epoch: this.epoch + 1 });
    else {
      checkDirectory(this.fs!, 'ModelCheckpoint', path);
      writeFileAtomic(this.fs!, path, bytes);
    }
    this.saved.push(path);
    if (this.verbose) console.log(`Epoch ${this.epoch + 1}: saving model to ${path}`);
  }
}

// ---- backup and restore --------------------------------------------------------------------

/** Options of BackupAndRestore: `backupDir`, `saveFreq` ('epoch' or a batch count), `deleteCheckpoint` (true). */
export interface BackupAndRestoreArgs {
  /**
   * The folder of the backup (made if missing; the file in it is `backup.lstmbak`), or in a
   * browser `'indexeddb://name'`: the backup is then an IndexedDB record under that name.
   */
  backupDir: string;
  /** 'epoch' (default): back up at each epoch's end; a number: every this many batches. */
  saveFreq?: 'epoch' | number;
  /** Delete the backup when fit ends normally (default true), as Keras. */
  deleteCheckpoint?: boolean;
  /**
   * Keep the backup before the last one too (default false), as Keras 3's double_checkpoint: when
   * the last one cannot be read (damaged), fit resumes from the one before, with a warning.
   */
  doubleCheckpoint?: boolean;
}

const BACKUP_MAGIC = 0x4b42574c; // "LWBK" read little-endian
const BACKUP_VERSION = 1;
/** The backup's file name in backupDir (and, with doubleCheckpoint, the one before it). */
export const BACKUP_FILE = 'backup.lstmbak';
export const BACKUP_FILE_PREVIOUS = 'backup.previous.lstmbak';

interface BackupHeader {
  epoch: number;
  batch: number;
  seen: number;
  sums: number[];
  keys: string[];
  iterations: number;
  learningRate: number | null;
  samples: number;
  batchSize: number;
  weightShapes: number[][];
  slots: number;
  order: number;
  states: number[];
}

/**
 * A backup as bytes: magic, version, header length, the header (JSON), then rng, weights, slots,
 * order, states (little-endian), and a CRC-32 of all before it.
 */
export function encodeBackup(
  state: TrainingState,
  at: FitPosition,
  meta: { keys: readonly string[]; samples: number; batchSize: number; weightShapes: number[][] },
): Uint8Array {
  const header: BackupHeader = {
    epoch: at.epoch,
    batch: at.batch,
    seen: at.seen,
    sums: at.sums,
    keys: [...meta.keys],
    iterations: state.iterations,
    learningRate: state.learningRate,
    samples: meta.samples,
    batchSize: meta.batchSize,
    weightShapes: meta.weightShapes,
    slots: state.slots.length,
    order: at.order ? at.order.length : -1,
    states: state.states.map((s) => s.length),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const parts: Uint8Array[] = [
    leBytes(state.rng, 4),
    leBytes(state.weights, 4),
    leBytes(state.slots, 4),
    at.order ? leBytes(at.order, 4) : new Uint8Array(0),
    ...state.states.map((s) => leBytes(s, 4)),
  ];
  const pad = (4 - (json.length % 4)) % 4;
  const total = 12 + json.length + pad + parts.reduce((s, p) => s + p.length, 0) + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, BACKUP_MAGIC, true);
  dv.setUint32(4, BACKUP_VERSION, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  out.fill(0x20, 12 + json.length, 12 + json.length + pad);
  let off = 12 + json.length + pad;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  dv.setUint32(off, crc32(out.subarray(0, off)), true);
  return out;
}

/**
 * A backup's bytes back into a state and a position; a damaged or foreign file is an LstmWasmError
 * saying what is wrong.
 */
export function decodeBackup(
  bytes: Uint8Array,
  where: string,
): { state: TrainingState; at: FitPosition; header: BackupHeader } {
  const bad = (why: string): never => {
    throw new LstmWasmError(`${where}: ${why}`);
  };
  if (bytes.length < 16) bad(`the file holds ${bytes.length} bytes, too few for a backup: it is cut short`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== BACKUP_MAGIC)
    bad(`the file is not a BackupAndRestore backup (its first bytes are wrong)`);
  const version = dv.getUint32(4, true);
  if (version !== BACKUP_VERSION)
    bad(`the backup has format version ${version}; this version of lstm-wasm reads ${BACKUP_VERSION}`);
  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual)
    bad(
      `the backup's checksum does not match (crc32 ${actual} instead of ${stored}): the file is damaged or cut short`,
    );
  const jsonLength = dv.getUint32(8, true);
  if (12 + jsonLength > bytes.length - 4) bad(`the backup's header runs past its end`);
  let h: BackupHeader;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as BackupHeader;
  } catch {
    return bad(`the backup's header is not JSON`);
  }
  const ints = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  if (
    h === null ||
    typeof h !== 'object' ||
    !ints(h.epoch, 0) ||
    !ints(h.batch, 0) ||
    !ints(h.seen, 0) ||
    !ints(h.iterations, 0) ||
    !ints(h.samples, 0) ||
    !ints(h.batchSize, 1) ||
    !ints(h.slots, 0) ||
    !ints(h.order, -1) ||
    !Array.isArray(h.sums) ||
    !Array.isArray(h.keys) ||
    !Array.isArray(h.states) ||
    !h.states.every((n) => ints(n, 0)) ||
    !Array.isArray(h.weightShapes) ||
    !h.weightShapes.every((s) => Array.isArray(s) && s.every((d) => ints(d, 0))) ||
    (h.learningRate !== null && typeof h.learningRate !== 'number')
  )
    bad(`the backup's header is malformed`);
  const nWeights = h.weightShapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  const words = 4 + nWeights + h.slots + Math.max(0, h.order) + h.states.reduce((a, b) => a + b, 0);
  let off = 12 + jsonLength + ((4 - (jsonLength % 4)) % 4);
  if (off + words * 4 + 4 !== bytes.length)
    bad(`the backup holds ${bytes.length} bytes; its header describes ${off + words * 4 + 4}`);
  const take = <T extends Float32Array | Int32Array>(n: number, make: (b: ArrayBuffer) => T): T => {
    const v = make(fromLE(bytes.subarray(off, off + n * 4), 4));
    off += n * 4;
    return v;
  };
  const rng = take(4, (b) => new Int32Array(b));
  const weights = take(nWeights, (b) => new Float32Array(b));
  const slots = take(h.slots, (b) => new Float32Array(b));
  const order = h.order >= 0 ? take(h.order, (b) => new Int32Array(b)) : null;
  const states = h.states.map((n) => take(n, (b) => new Float32Array(b)));
  return {
    state: { weights, slots, iterations: h.iterations, learningRate: h.learningRate, rng, states },
    at: { epoch: h.epoch, batch: h.batch, order, seen: h.seen, sums: h.sums },
    header: h,
  };
}

/**
 * As Keras's BackupAndRestore: backs training up to `backupDir` at each epoch's end (or every
 * `saveFreq` batches), and a fit that is run again after an interruption (a crash, a kill, a
 * power cut) resumes where the last backup was made, at that epoch and batch. It puts back
 * everything that training changes: the weights, the optimizer's slots, iteration count and rate,
 * the RNG state (shuffles, dropout) and the epoch's shuffled order, and stateful layers' states,
 * so the resumed run ends with the same weights, bit for bit, as one never interrupted. The file
 * is written atomically (a temporary file, fsync, rename): a kill at any moment leaves the
 * previous backup whole, and temporary files a kill left are ignored. A backup that is damaged
 * (its CRC-32 fails), or that another model or other data made, is an error naming the file when
 * fit starts (delete it to start over); it is never skipped quietly, since starting again from
 * scratch would throw away the training it holds. With doubleCheckpoint: true (Keras 3's
 * double_checkpoint) the backup before the last is kept too, and a damaged last one gives way to
 * it, with a warning. When fit ends normally the backups are deleted (deleteCheckpoint: false
 * keeps them). Node, Deno and Bun write files; in a browser, `backupDir: 'indexeddb://name'` keeps
 * the backup in IndexedDB (each write one transaction), so a closed or crashed tab resumes too.
 * fit(x, y), not fitDataset.
 * Other callbacks' own counters (EarlyStopping's patience, ReduceLROnPlateau's wait) start
 * afresh, as in Keras; put this callback after any that changes the rate at an epoch's end.
 */
export class BackupAndRestore implements Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number;
  readonly deleteCheckpoint: boolean;
  readonly doubleCheckpoint: boolean;
  private model: TrainableModel | null = null;
  private loop: FitLoop | null = null;
  private fs: SyncFs | null = null;
  /** The backups are IndexedDB records (backupDir 'indexeddb://name'), not files. */
  private readonly idb: boolean;
  private params: Record<string, unknown> = {};
  private batchesSeen = 0;
  /** The position fit resumed from at the last onTrainBegin (null: it started afresh). */
  resumedFrom: { epoch: number; batch: number } | null = null;

  constructor(args: BackupAndRestoreArgs) {
    const w = 'BackupAndRestore';
    if (typeof args === 'string') args = { backupDir: args };
    const a = callbackArgs(w, args, ['backupDir', 'saveFreq', 'deleteCheckpoint', 'doubleCheckpoint']);
    if (typeof a.backupDir !== 'string' || a.backupDir === '')
      throw new LstmWasmError(
        `${w}: 'backupDir' must be a non-empty string naming a folder such as 'backup', got ${describe(a.backupDir)}`,
      );
    this.backupDir = a.backupDir;
    this.idb = isIndexedDbUrl(this.backupDir);
    if (this.idb) indexedDbKey(w, this.backupDir);
    const f = a.saveFreq ?? 'epoch';
    if (f !== 'epoch' && (!Number.isInteger(f) || (f as number) <= 0))
      throw new LstmWasmError(
        `${w}: 'saveFreq' must be 'epoch' or a positive integer number of batches, got ${describe(a.saveFreq)}`,
      );
    this.saveFreq = f as 'epoch' | number;
    if (a.deleteCheckpoint !== undefined && typeof a.deleteCheckpoint !== 'boolean')
      throw new LstmWasmError(`${w}: 'deleteCheckpoint' must be true or false, got ${describe(a.deleteCheckpoint)}`);
    this.deleteCheckpoint = (a.deleteCheckpoint as boolean | undefined) ?? true;
    if (a.doubleCheckpoint !== undefined && typeof a.doubleCheckpoint !== 'boolean')
      throw new LstmWasmError(`${w}: 'doubleCheckpoint' must be true or false, got ${describe(a.doubleCheckpoint)}`);
    this.doubleCheckpoint = (a.doubleCheckpoint as boolean | undefined) ?? false;
  }

  /** The backup file's path (or its 'indexeddb://name' URL). */
  get path(): string {
    return this.idb ? this.backupDir : `${this.backupDir.replace(/[\\/]+$/, '')}/${BACKUP_FILE}`;
  }

  /** The path (or URL) of the backup before the last (doubleCheckpoint). */
  get previousPath(): string {
    return this.idb ? `${this.backupDir}.previous` : `${this.backupDir.replace(/[\\/]+$/, '')}/${BACKUP_FILE_PREVIOUS}`;
  }

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  setParams(params: Record<string, unknown>): void {
    this.params = params;
  }

  setFitLoop(loop: FitLoop): void {
    this.loop = loop;
  }

  async onTrainBegin(): Promise<void> {
    const w = 'BackupAndRestore';
    this.batchesSeen = 0;
    this.resumedFrom = null;
    if (!this.loop || !this.model)
      throw new LstmWasmError(`${w}: it works inside model.fit (fit gives it the training loop); got no loop`);
    // fitDataset's batches come from a stream: it cannot be rewound to the batch a backup reached.
    if (!Number.isInteger(this.params.samples) || !Number.isInteger(this.params.batchSize))
      throw new LstmWasmError(
        `${w}: it works in fit(x, y), which can draw the same batches again from the data; ` +
          "fitDataset's batches come from a stream that cannot be rewound to the batch a backup reached",
      );
    if (this.idb) {
      if (!(globalThis as { indexedDB?: unknown }).indexedDB)
        throw new LstmWasmError(
          `${w}: '${this.backupDir}' needs IndexedDB, which this runtime does ` +
            "not have (it is a browser's); in Node, Deno or Bun give a folder",
        );
    } else {
      const fs = await nodeFs();
      if (!fs || !fs.readFileSync || !fs.mkdirSync)
        throw new LstmWasmError(
          `${w}: backing up to a folder needs a file system (Node, Deno ` +
            "or Bun); in a browser give backupDir: 'indexeddb://name'",
        );
      this.fs = fs;
      try {
        fs.mkdirSync(this.backupDir, { recursive: true });
      } catch (e) {
        throw new LstmWasmError(
          `${w}: cannot make the folder 'backupDir' = '${this.backupDir}': ${(e as Error).message}`,
        );
      }
      if (!fs.statSync(this.backupDir).isDirectory())
        throw new LstmWasmError(`${w}: 'backupDir' = '${this.backupDir}' is a file, not a folder`);
      this.removeTemporaries();
    }
    const found = await this.readBackup();
    if (!found) return;
    const { state, at, header, where } = found;
    const mismatch = (what: string, was: unknown, is: unknown): never => {
      throw new LstmWasmError(
        `${where} was made by another training run: its ${what} is ${JSON.stringify(was)}, ` +
          `this fit's is ${JSON.stringify(is)}; delete it to start over`,
      );
    };
    const shapes = this.model.getWeights().map((t) => t.shape);
    if (JSON.stringify(shapes) !== JSON.stringify(header.weightShapes))
      mismatch('list of weight shapes', header.weightShapes, shapes);
    if (header.samples !== this.params.samples)
      mismatch('number of training samples', header.samples, this.params.samples);
    if (header.batchSize !== this.params.batchSize) mismatch('batch size', header.batchSize, this.params.batchSize);
    if (JSON.stringify(header.keys) !== JSON.stringify(this.loop.keys))
      mismatch('loss and metrics', header.keys, this.loop.keys);
    if (at.order !== null && at.order.length !== header.samples)
      mismatch('shuffled order length', at.order.length, header.samples);
    this.loop.resume(state, at);
    this.resumedFrom = { epoch: at.epoch, batch: at.batch };
  }

  /**
   * The last backup, decoded (null if there is none). A damaged one is an error, unless
   * doubleCheckpoint kept the one before, which is then used (with a warning).
   */
  private async readBackup(): Promise<(ReturnType<typeof decodeBackup> & { where: string }) | null> {
    const last = await this.readBytes(this.path);
    const previous = this.doubleCheckpoint ? await this.readBytes(this.previousPath) : null;
    const decode = (bytes: Uint8Array, path: string) => {
      const where = `BackupAndRestore: the backup '${path}'`;
      return { ...decodeBackup(bytes, where), where };
    };
    if (!last) return previous ? decode(previous, this.previousPath) : null; // killed between the two renames
    try {
      return decode(last, this.path);
    } catch (e) {
      if (!previous || !(e instanceof LstmWasmError)) throw e;
      const before = decode(previous, this.previousPath);
      console.warn(`${e.message}; resuming from the backup before it, '${this.previousPath}'`);
      return before;
    }
  }

  /** A backup's bytes, or null where there is none. */
  private async readBytes(path: string): Promise<Uint8Array | null> {
    if (this.idb) return readIndexedDb('BackupAndRestore', path);
    return this.fs!.existsSync(path) ? this.fs!.readFileSync!(path) : null;
  }

  async onBatchEnd(): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    if (++this.batchesSeen % this.saveFreq === 0) await this.backup();
  }

  async onEpochEnd(): Promise<void> {
    if (this.saveFreq !== 'epoch') return;
    await this.backup();
  }

  async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    if (this.idb) {
      await deleteFromIndexedDb('BackupAndRestore', this.path, this.previousPath);
      return;
    }
    if (!this.fs) return;
    for (const path of [this.path, this.previousPath])
      try {
        if (this.fs.existsSync(path)) this.fs.unlinkSync(path);
      } catch {
        /* gone already */
      }
  }

  private async backup(): Promise<void> {
    const loop = this.loop!;
    const p = loop.position;
    const at: FitPosition = {
      epoch: p.epoch,
      batch: p.batch,
      order: p.batch > 0 ? p.order : null,
      seen: p.seen,
      sums: [...p.sums],
    };
    const bytes = encodeBackup(loop.capture(), at, {
      keys: loop.keys,
      samples: this.params.samples as number,
      batchSize: this.params.batchSize as number,
      weightShapes: this.model!.getWeights().map((t) => t.shape),
    });
    // In IndexedDB one transaction moves the last backup to the previous one and puts the new one.
    if (this.idb) {
      const previous = this.doubleCheckpoint ? this.previousPath : undefined;
      await saveToIndexedDb('BackupAndRestore', this.path, bytes, { epoch: at.epoch, batch: at.batch }, previous);
      return;
    }
    // With doubleCheckpoint the last backup becomes the previous one first: a kill between the
    // two renames leaves the previous one, which onTrainBegin then reads.
    if (this.doubleCheckpoint && this.fs!.existsSync(this.path)) this.fs!.renameSync(this.path, this.previousPath);
    writeFileAtomic(this.fs!, this.path, bytes);
  }

  /** Temporary files a kill during a write left behind: never read, removed. */
  private removeTemporaries(): void {
    const fs = this.fs!;
    if (!fs.readdirSync) return;
    for (const name of fs.readdirSync(this.backupDir))
      if (name.startsWith(`${BACKUP_FILE}.tmp-`))
        try {
          fs.unlinkSync(`${this.backupDir.replace(/[\\/]+$/, '')}/${name}`);
        } catch {
          /* another process took it */
        }
  }
}
