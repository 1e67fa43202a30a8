// Callbacks as TF.js/Keras: hooks around epochs and batches, EarlyStopping, TerminateOnNaN, and
// the progress display that fit's `verbose` option turns on.
import { LstmWasmError, checkOptions, describe } from './errors.js';

export type Logs = Record<string, number>;

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
}

/** What a callback may do to the model it watches. */
export interface TrainableModel {
  stopTraining: boolean;
  getWeights(): { data: Float32Array; shape: number[] }[];
  setWeights(weights: { data: Float32Array; shape: number[] }[]): void;
}

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
    if (args === null || typeof args !== 'object') throw new LstmWasmError(`EarlyStopping: expected options such as { patience: 3 }, got ${describe(args)}`);
    checkOptions('EarlyStopping', args, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'verbose']);
    if (args.monitor !== undefined && (typeof args.monitor !== 'string' || args.monitor === '')) throw new LstmWasmError(`EarlyStopping: 'monitor' must be a non-empty string such as 'val_loss', got ${describe(args.monitor)}`);
    const finite = (name: 'minDelta' | 'baseline') => {
      const v = args[name];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new LstmWasmError(`EarlyStopping: '${name}' must be a finite number, got ${describe(v)}`);
    };
    finite('minDelta');
    finite('baseline');
    if (args.restoreBestWeights !== undefined && typeof args.restoreBestWeights !== 'boolean') throw new LstmWasmError(`EarlyStopping: 'restoreBestWeights' must be true or false, got ${describe(args.restoreBestWeights)}`);
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new LstmWasmError(`EarlyStopping: 'patience' must be a non-negative integer, got ${describe(args.patience)}`);
    const mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw new LstmWasmError(`EarlyStopping: 'mode' must be 'auto', 'min' or 'max', got ${describe(mode)}`);
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
      throw new LstmWasmError(`EarlyStopping: monitor '${this.monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')}); use validationSplit or validationData for val_* names`);
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
    if (this.restoreBestWeights && this.bestWeights && this.model && this.stoppedEpoch >= 0) this.model.setWeights(this.bestWeights);
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

/** Formats a number as Keras does in its logs. */
function fmt(v: number): string {
  if (v === 0) return '0.0000e+00';
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toFixed(4) : v.toExponential(4);
}

function fmtTime(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${s.toFixed(s < 10 ? 1 : 0)}s`;
}

interface Out {
  write(s: string): void;
  isTTY: boolean;
}

function stdout(): Out {
  const p = (globalThis as { process?: { stdout?: { write(s: string): void; isTTY?: boolean } } }).process;
  if (p?.stdout) return { write: (s) => p.stdout!.write(s), isTTY: !!p.stdout.isTTY };
  let line = '';
  return { write: (s) => { line += s; const parts = line.split('\n'); line = parts.pop()!; for (const l of parts) if (l) console.log(l); }, isTTY: false };
}

/**
 * verbose 1: a Keras-style bar per epoch (batches done, ETA, loss and metrics), redrawn in place
 * on a terminal and printed once per epoch when stdout is not one; verbose 2: one line per epoch.
 */
export class ProgressLogger implements Callback {
  private readonly out: Out;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private sums: Logs = {};

  constructor(private readonly verbose: 1 | 2, private readonly epochs: number, private readonly batches: number, out?: Out) {
    this.out = out ?? stdout();
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = Date.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.sums = {};
    if (this.verbose === 1) this.out.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    const size = logs.size ?? 1;
    this.seen += size;
    for (const [key, v] of Object.entries(logs)) if (key !== 'batch' && key !== 'size' && key !== 'gradNorm') this.sums[key] = (this.sums[key] ?? 0) + v * size;
    if (this.verbose !== 1 || !this.out.isTTY) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && batch + 1 < this.batches) return;
    this.lastDraw = now;
    const done = batch + 1;
    const width = 30;
    const filled = Math.floor((width * done) / this.batches);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (done < this.batches ? '>' : '=') + '.'.repeat(width - filled);
    const elapsed = (now - this.epochStart) / 1000;
    const eta = done < this.batches ? ` - ETA: ${fmtTime((elapsed / done) * (this.batches - done))}` : '';
    this.out.write(`\r${String(done).padStart(String(this.batches).length)}/${this.batches} [${bar}]${eta}${this.metrics()}\x1b[K`);
  }

  private metrics(logs?: Logs): string {
    const src = logs ?? Object.fromEntries(Object.entries(this.sums).map(([k, v]) => [k, v / Math.max(1, this.seen)]));
    return Object.entries(src).filter(([k]) => k !== 'batch' && k !== 'size' && k !== 'gradNorm').map(([k, v]) => ` - ${k}: ${fmt(v)}`).join('');
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const t = (Date.now() - this.epochStart) / 1000;
    const perStep = `${Math.round((t * 1000) / Math.max(1, this.batches))}ms/step`;
    if (this.verbose === 1) {
      const bar = '='.repeat(30);
      const line = `${this.batches}/${this.batches} [${bar}] - ${fmtTime(t)} ${perStep}${this.metrics(logs)}`;
      this.out.write(this.out.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    } else {
      this.out.write(`Epoch ${epoch + 1}/${this.epochs} - ${fmtTime(t)} - ${perStep}${this.metrics(logs)}\n`);
    }
  }
}

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
