// Loss and metric names (TF.js and Keras spellings) to the kernels' kinds (assembly/losses.ts).
import { LstmWasmError, describe } from './errors.js';
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
} from './runtime/abi.generated.js';

export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'binaryCrossentropy'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy';

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
};

/** Kernel kinds: [on outputs, on logits (fused with the last sigmoid/softmax)]. */
const KINDS: Record<LossName, [number, number | null]> = {
  meanSquaredError: [LOSS_MSE, null],
  meanAbsoluteError: [LOSS_MAE, null],
  binaryCrossentropy: [LOSS_BCE, LOSS_BCE_LOGITS],
  categoricalCrossentropy: [LOSS_CCE, LOSS_CCE_LOGITS],
  sparseCategoricalCrossentropy: [LOSS_SPARSE_CCE, LOSS_SPARSE_CCE_LOGITS],
};

export interface LossInfo {
  name: LossName;
  kind: number;
  logitsKind: number | null;
  /** The activation whose logits the fused form takes. */
  fusesWith: 'sigmoid' | 'softmax' | null;
  /** Targets are class ids, one per row. */
  sparse: boolean;
}

export function lossInfo(v: unknown): LossInfo {
  const name = typeof v === 'string' && Object.hasOwn(LOSS_ALIASES, v) ? LOSS_ALIASES[v] : undefined;
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
  };
}

export interface MetricInfo {
  /** The key in logs and History: 'acc' for accuracy as TF.js, else the name given. */
  key: string;
  kind: number;
}

const METRIC_KIND = {
  mae: METRIC_MAE,
  mse: METRIC_MSE,
  binaryAccuracy: METRIC_BINARY_ACC,
  categoricalAccuracy: METRIC_CATEGORICAL_ACC,
  sparseCategoricalAccuracy: METRIC_SPARSE_ACC,
};

export function metricInfo(v: unknown, loss: LossInfo): MetricInfo {
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
    default:
      throw new LstmWasmError(
        `compile: unknown metric ${typeof v === 'string' ? JSON.stringify(v) : describe(v)}; known: 'accuracy', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'mae', 'mse' (and their Keras spellings and class names such as 'BinaryAccuracy')`,
      );
  }
}
