// Loss and metric names (TF.js and Keras spellings) to the kernels' kinds (assembly/losses.ts).
import { LstmWasmError, describe } from './errors.js';
import type { Arena } from './runtime/arena.js';
import type { Kernels } from './runtime/kernels.js';
import {
  LOSS_MSE,
  LOSS_MAE,
  LOSS_BCE,
  LOSS_BCE_LOGITS,
  LOSS_CCE,
  LOSS_CCE_LOGITS,
  LOSS_SPARSE_CCE,
  LOSS_SPARSE_CCE_LOGITS,
  METRIC_MAE,
  METRIC_MSE,
  METRIC_BINARY_ACC,
  METRIC_CATEGORICAL_ACC,
  METRIC_SPARSE_ACC,
  LOSS_HUBER,
  LOSS_LOG_COSH,
  LOSS_MAPE,
  LOSS_MSLE,
  LOSS_KLD,
  LOSS_POISSON,
  METRIC_TOP_K_CATEGORICAL,
  METRIC_SPARSE_TOP_K_CATEGORICAL,
  METRIC_RMSE,
  METRIC_PRECISION,
  METRIC_RECALL,
  METRIC_AUC,
} from './runtime/abi.generated.js';

export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'huber'
  | 'logCosh'
  | 'meanAbsolutePercentageError'
  | 'meanSquaredLogarithmicError'
  | 'kullbackLeiblerDivergence'
  | 'poisson';

/**
 * A loss with options, in Keras's serialized form: `{ className: 'Huber', config: { delta: 2 } }`
 * (Huber's delta, default 1). Anywhere a loss name is accepted.
 */
export interface LossConfig {
  className: string;
  config?: { delta?: number; [key: string]: unknown };
}

const LOSS_ALIASES: Record<string, LossName> = {
  meanSquaredError: 'meanSquaredError',
  mse: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  MSE: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
  MAE: 'meanAbsoluteError',
  binaryCrossentropy: 'binaryCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  // Keras's class names (keras.losses.MeanSquaredError …), as strings.
  MeanSquaredError: 'meanSquaredError',
  MeanAbsoluteError: 'meanAbsoluteError',
  BinaryCrossentropy: 'binaryCrossentropy',
  CategoricalCrossentropy: 'categoricalCrossentropy',
  SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  huber: 'huber',
  huber_loss: 'huber',
  huberLoss: 'huber',
  Huber: 'huber',
  logCosh: 'logCosh',
  logcosh: 'logCosh',
  log_cosh: 'logCosh',
  LogCosh: 'logCosh',
  meanAbsolutePercentageError: 'meanAbsolutePercentageError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError',
  MeanAbsolutePercentageError: 'meanAbsolutePercentageError',
  meanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError',
  msle: 'meanSquaredLogarithmicError',
  MSLE: 'meanSquaredLogarithmicError',
  MeanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  kullbackLeiblerDivergence: 'kullbackLeiblerDivergence',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  kl_divergence: 'kullbackLeiblerDivergence',
  kld: 'kullbackLeiblerDivergence',
  KLD: 'kullbackLeiblerDivergence',
  KLDivergence: 'kullbackLeiblerDivergence',
  KullbackLeiblerDivergence: 'kullbackLeiblerDivergence',
  poisson: 'poisson',
  Poisson: 'poisson',
};

/** Kernel kinds: [on outputs, on logits (fused with the last sigmoid/softmax)]. */
const KINDS: Record<LossName, [number, number | null]> = {
  meanSquaredError: [LOSS_MSE, null],
  meanAbsoluteError: [LOSS_MAE, null],
  binaryCrossentropy: [LOSS_BCE, LOSS_BCE_LOGITS],
  categoricalCrossentropy: [LOSS_CCE, LOSS_CCE_LOGITS],
  sparseCategoricalCrossentropy: [LOSS_SPARSE_CCE, LOSS_SPARSE_CCE_LOGITS],
  huber: [LOSS_HUBER, null],
  logCosh: [LOSS_LOG_COSH, null],
  meanAbsolutePercentageError: [LOSS_MAPE, null],
  meanSquaredLogarithmicError: [LOSS_MSLE, null],
  kullbackLeiblerDivergence: [LOSS_KLD, null],
  poisson: [LOSS_POISSON, null],
};

export interface LossInfo {
  name: LossName;
  kind: number;
  logitsKind: number | null;
  /** The activation whose logits the fused form takes. */
  fusesWith: 'sigmoid' | 'softmax' | null;
  /** Targets are class ids, one per row. */
  sparse: boolean;
  /** The kernels' loss parameter: Huber's delta (0 for the others). */
  param: number;
}

/** A loss config object ({ className, config? }) rather than an object of losses keyed by output name. */
export function isLossConfig(v: unknown): v is LossConfig {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as LossConfig).className === 'string';
}

export function lossInfo(v: unknown): LossInfo {
  let param = 0;
  let given = v;
  if (isLossConfig(v)) {
    given = v.className;
    const cfg = v.config ?? {};
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg))
      throw new LstmWasmError(
        `compile: loss ${JSON.stringify(v.className)}: 'config' must be an object, got ${describe(cfg)}`,
      );
    const extra = Object.keys(v).filter((k) => k !== 'className' && k !== 'config');
    if (extra.length)
      throw new LstmWasmError(`compile: loss config takes { className, config }, got also '${extra.join("', '")}'`);
    const isHuber = Object.hasOwn(LOSS_ALIASES, v.className) && LOSS_ALIASES[v.className] === 'huber';
    // Keras's serialized configs carry name and reduction; the reduction must be Keras's default.
    for (const [key, val] of Object.entries(cfg)) {
      if (key === 'delta' && isHuber) continue;
      if (key === 'name') continue;
      if (key === 'reduction' && (val === 'sum_over_batch_size' || val === 'auto')) continue;
      throw new LstmWasmError(
        `compile: loss ${JSON.stringify(v.className)} does not take option '${key}'` +
          (isHuber ? " (Huber takes 'delta')" : '') +
          `; got ${describe(val)}`,
      );
    }
    if (isHuber) {
      const d = cfg.delta === undefined ? 1 : cfg.delta;
      if (typeof d !== 'number' || !Number.isFinite(d) || !(d > 0))
        throw new LstmWasmError(`compile: loss 'Huber': 'delta' must be a finite number > 0, got ${describe(d)}`);
      param = d;
    }
  }
  const name = typeof given === 'string' && Object.hasOwn(LOSS_ALIASES, given) ? LOSS_ALIASES[given] : undefined;
  if (name === 'huber' && param === 0) param = 1;
  if (!name) {
    throw new LstmWasmError(
      `compile: option 'loss' must be one of ${Object.keys(LOSS_ALIASES)
        .map((s) => `'${s}'`)
        .join(', ')}, got ${describe(v)}`,
    );
  }
  const [kind, logitsKind] = KINDS[name];
  return {
    name,
    kind,
    logitsKind,
    fusesWith:
      name === 'binaryCrossentropy'
        ? 'sigmoid'
        : name === 'categoricalCrossentropy' || name === 'sparseCategoricalCrossentropy'
          ? 'softmax'
          : null,
    sparse: name === 'sparseCategoricalCrossentropy',
    param,
  };
}

export interface MetricInfo {
  /** The key in logs and History: 'acc' for accuracy as TF.js, else the name given. */
  key: string;
  kind: number;
  /** Kept over an epoch as Keras keeps it (rmse, precision, recall, auc): see {@link MetricState}. */
  stateful?: boolean;
  /** The kernel's metric parameter: top-k accuracy's k (absent: 5). */
  param?: number;
}

/**
 * A metric with options, in Keras's serialized form: `{ className: 'TopKCategoricalAccuracy', config: { k: 3 } }`;
 * `config.name` sets its key in the logs. Precision and recall take Keras's defaults only (thresholds
 * 0.5), AUC its defaults only (200 thresholds, ROC, 'interpolation').
 */
export interface MetricConfig {
  className: string;
  config?: { name?: string; k?: number; [key: string]: unknown };
}

const METRIC_KIND = {
  mae: METRIC_MAE,
  mse: METRIC_MSE,
  binaryAccuracy: METRIC_BINARY_ACC,
  categoricalAccuracy: METRIC_CATEGORICAL_ACC,
  sparseCategoricalAccuracy: METRIC_SPARSE_ACC,
};

/** A metric given as a config object; checks its options against what the kernels compute. */
function metricFromConfig(v: MetricConfig, loss: LossInfo): MetricInfo {
  const where = `compile: metric ${JSON.stringify(v.className)}`;
  const base = metricInfo(v.className, loss);
  const cfg = v.config ?? {};
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg))
    throw new LstmWasmError(`${where}: 'config' must be an object, got ${describe(cfg)}`);
  const extra = Object.keys(v).filter((k) => k !== 'className' && k !== 'config');
  if (extra.length)
    throw new LstmWasmError(`${where}: a metric config takes { className, config }, got also '${extra.join("', '")}'`);
  const out: MetricInfo = { ...base };
  const topK = base.kind === METRIC_TOP_K_CATEGORICAL || base.kind === METRIC_SPARSE_TOP_K_CATEGORICAL;
  // Keras's defaults, which is what the kernels compute: a config may restate them.
  const defaults: Record<string, unknown[]> =
    base.kind === METRIC_AUC
      ? {
          numThresholds: [200],
          num_thresholds: [200],
          curve: ['ROC'],
          summationMethod: ['interpolation'],
          summation_method: ['interpolation'],
          multiLabel: [false],
          multi_label: [false],
          thresholds: [null],
          labelWeights: [null],
          label_weights: [null],
          fromLogits: [false],
          from_logits: [false],
        }
      : base.kind === METRIC_PRECISION || base.kind === METRIC_RECALL
        ? { thresholds: [null, 0.5], topK: [null], top_k: [null], classId: [null], class_id: [null] }
        : {};
  for (const [key, val] of Object.entries(cfg)) {
    if (key === 'name') {
      if (typeof val !== 'string' || !val)
        throw new LstmWasmError(`${where}: 'name' must be a non-empty string, got ${describe(val)}`);
      out.key = val;
    } else if (key === 'dtype') {
      if (val !== 'float32' && val !== null)
        throw new LstmWasmError(`${where}: 'dtype' must be 'float32', got ${describe(val)}`);
    } else if (key === 'k' && topK) {
      if (typeof val !== 'number' || !Number.isInteger(val) || val < 1)
        throw new LstmWasmError(`${where}: 'k' must be a positive integer, got ${describe(val)}`);
      out.param = val;
    } else if (Object.hasOwn(defaults, key)) {
      if (!defaults[key].includes(val as never))
        throw new LstmWasmError(
          `${where}: '${key}' must be ` +
            defaults[key].map((d) => JSON.stringify(d)).join(' or ') +
            ` (Keras's default, the one computed here), got ${describe(val)}`,
        );
    } else
      throw new LstmWasmError(
        `${where} does not take option '${key}'; it takes 'name'${topK ? ", 'k'" : ''}${
          Object.keys(defaults).length
            ? ` and Keras's defaults of ${Object.keys(defaults)
                .filter((d) => !d.includes('_'))
                .map((d) => `'${d}'`)
                .join(', ')}`
            : ''
        }`,
      );
  }
  return out;
}

export function metricInfo(v: unknown, loss: LossInfo): MetricInfo {
  if (isLossConfig(v)) return metricFromConfig(v, loss);
  switch (v) {
    case 'accuracy':
    case 'acc': {
      // As Keras: the kind of accuracy follows the loss.
      const kind =
        loss.name === 'categoricalCrossentropy'
          ? METRIC_KIND.categoricalAccuracy
          : loss.name === 'sparseCategoricalCrossentropy'
            ? METRIC_KIND.sparseCategoricalAccuracy
            : METRIC_KIND.binaryAccuracy;
      return { key: v, kind };
    }
    case 'binaryAccuracy':
    case 'binary_accuracy':
      return { key: v, kind: METRIC_KIND.binaryAccuracy };
    case 'categoricalAccuracy':
    case 'categorical_accuracy':
      return { key: v, kind: METRIC_KIND.categoricalAccuracy };
    case 'sparseCategoricalAccuracy':
    case 'sparse_categorical_accuracy':
      return { key: v, kind: METRIC_KIND.sparseCategoricalAccuracy };
    case 'mae':
    case 'meanAbsoluteError':
    case 'mean_absolute_error':
      return { key: v, kind: METRIC_KIND.mae };
    case 'mse':
    case 'meanSquaredError':
    case 'mean_squared_error':
      return { key: v, kind: METRIC_KIND.mse };
    // Keras's metric class names: logged under the metric's Keras name (MeanSquaredError → mean_squared_error).
    case 'BinaryAccuracy':
      return { key: 'binary_accuracy', kind: METRIC_KIND.binaryAccuracy };
    case 'CategoricalAccuracy':
      return { key: 'categorical_accuracy', kind: METRIC_KIND.categoricalAccuracy };
    case 'SparseCategoricalAccuracy':
      return { key: 'sparse_categorical_accuracy', kind: METRIC_KIND.sparseCategoricalAccuracy };
    case 'MeanAbsoluteError':
      return { key: 'mean_absolute_error', kind: METRIC_KIND.mae };
    case 'MeanSquaredError':
      return { key: 'mean_squared_error', kind: METRIC_KIND.mse };
    case 'topKCategoricalAccuracy':
    case 'top_k_categorical_accuracy':
      return { key: v, kind: METRIC_TOP_K_CATEGORICAL };
    case 'TopKCategoricalAccuracy':
      return { key: 'top_k_categorical_accuracy', kind: METRIC_TOP_K_CATEGORICAL };
    case 'sparseTopKCategoricalAccuracy':
    case 'sparse_top_k_categorical_accuracy':
      return { key: v, kind: METRIC_SPARSE_TOP_K_CATEGORICAL };
    case 'SparseTopKCategoricalAccuracy':
      return { key: 'sparse_top_k_categorical_accuracy', kind: METRIC_SPARSE_TOP_K_CATEGORICAL };
    case 'rootMeanSquaredError':
    case 'root_mean_squared_error':
    case 'rmse':
      return { key: v, kind: METRIC_RMSE, stateful: true };
    case 'RootMeanSquaredError':
      return { key: 'root_mean_squared_error', kind: METRIC_RMSE, stateful: true };
    case 'precision':
    case 'Precision':
      return { key: 'precision', kind: METRIC_PRECISION, stateful: true };
    case 'recall':
    case 'Recall':
      return { key: 'recall', kind: METRIC_RECALL, stateful: true };
    case 'auc':
    case 'AUC':
      return { key: 'auc', kind: METRIC_AUC, stateful: true };
    default:
      throw new LstmWasmError(
        `compile: unknown metric ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}; known: ` +
          "'accuracy', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'mae', 'mse', " +
          "'rootMeanSquaredError', 'precision', 'recall', 'auc', 'topKCategoricalAccuracy', " +
          "'sparseTopKCategoricalAccuracy' (and their Keras spellings and class names such as 'BinaryAccuracy')",
      );
  }
}

/**
 * The epoch state of one of Keras's stateful metrics (rmse, precision, recall, auc): its counts over
 * every batch so far (f64, in the kernels' layout: assembly/losses.ts) and the value they give.
 */
export interface MetricState {
  kind: number;
  state: Float64Array;
  value: number;
}

/** Fresh epoch states for a list of metrics, in order: null for the metrics that are batch means. */
export function metricStates(k: Kernels, metrics: readonly MetricInfo[]): (MetricState | null)[] {
  return metrics.map((m) =>
    m.stateful ? { kind: m.kind, state: new Float64Array(k.metric_state_size(m.kind)), value: 0 } : null,
  );
}

/**
 * A stateful metric over one batch, in WASM: returns the batch's own value and, given an epoch
 * state, adds the batch into it and updates its value. `at`: 64-byte aligned scratch the caller
 * owns (16 bytes per state entry, grown here if needed).
 */
export function statefulMetric(
  k: Kernels,
  arena: Arena,
  at: number,
  m: MetricInfo,
  N: number,
  D: number,
  yPred: number,
  yTrue: number,
  epoch: MetricState | null,
): number {
  const size = k.metric_state_size(m.kind);
  arena.ensure(at + size * 16);
  new Float64Array(k.memory.buffer, at, size).fill(0);
  k.metric_state_acc(m.kind, N, D, yPred, yTrue, at);
  const value = k.metric_state_result(m.kind, at);
  if (epoch) {
    const e = at + size * 8;
    new Float64Array(k.memory.buffer, e, size).set(epoch.state);
    k.metric_state_acc(m.kind, N, D, yPred, yTrue, e);
    epoch.value = k.metric_state_result(m.kind, e);
    epoch.state.set(new Float64Array(k.memory.buffer, e, size));
  }
  return value;
}
