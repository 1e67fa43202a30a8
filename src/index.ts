// The public surface of lstm-wasm, and nothing else.
export { init, initSync, runtimeInfo, relaxedSimdSupported } from './runtime/wasm.js';
export type { InitOptions, RuntimeInfo } from './runtime/wasm.js';
export { tensor, toTensor, isTensor } from './tensor.js';
export { Tensor, type TensorData, type TensorLike, type NestedArray } from './tensor.js';
export { LstmWasmError } from './errors.js';
export { Model, model } from './model.js';
export type { ModelArgs, CompileArgs, FitArgs } from './model.js';
export { Sequential } from './sequential.js';
export type { SequentialArgs } from './sequential.js';
export { SymbolicTensor } from './engine/symbolic.js';
export type { DataArg } from './engine/data.js';
export { Layer } from './layers/layer.js';
export type { LayerArgs, Regularizer, ApplyOptions } from './layers/layer.js';
export { input, Input, InputLayer } from './layers/input.js';
export type { InputArgs } from './layers/input.js';
export { Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum } from './layers/merge.js';
export type { ConcatenateArgs } from './layers/merge.js';
export { RepeatVector, Flatten, Reshape, Permute, Activation } from './layers/reshape.js';
export type { RepeatVectorArgs, ReshapeArgs, PermuteArgs, ActivationArgs } from './layers/reshape.js';
export { TimeDistributed } from './layers/time-distributed.js';
export type { TimeDistributedArgs } from './layers/time-distributed.js';
export { LSTM, GRU, SimpleRNN } from './layers/recurrent.js';
export type { LSTMArgs, GRUArgs, RecurrentArgs } from './layers/recurrent.js';
export { Dense } from './layers/dense.js';
export type { DenseArgs } from './layers/dense.js';
export { Dropout } from './layers/dropout.js';
export type { DropoutArgs } from './layers/dropout.js';
export { Embedding } from './layers/embedding.js';
export type { EmbeddingArgs } from './layers/embedding.js';
export { Masking } from './layers/masking.js';
export type { MaskingArgs } from './layers/masking.js';
export { Bidirectional } from './layers/bidirectional.js';
export type { BidirectionalArgs, MergeMode } from './layers/bidirectional.js';
export { Conv1D } from './layers/conv.js';
export type { Conv1DArgs, ConvPadding } from './layers/conv.js';
export { MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D } from './layers/pooling.js';
export type { Pooling1DArgs, GlobalPooling1DArgs } from './layers/pooling.js';
export { LayerNormalization } from './layers/normalization.js';
export type { LayerNormalizationArgs } from './layers/normalization.js';
export { Attention, AdditiveAttention, MultiHeadAttention } from './layers/attention.js';
export type {
  AttentionArgs,
  DenseAttentionArgs,
  MultiHeadAttentionArgs,
  AttentionApplyOptions,
} from './layers/attention.js';
export {
  EarlyStopping,
  TerminateOnNaN,
  History,
  ProgbarLogger,
  ReduceLROnPlateau,
  LearningRateScheduler,
  CSVLogger,
  LambdaCallback,
  ModelCheckpoint,
  BackupAndRestore,
} from './callbacks.js';
export type {
  Callback,
  Logs,
  EarlyStoppingArgs,
  ReduceLROnPlateauArgs,
  CSVLoggerArgs,
  LambdaCallbackArgs,
  ModelCheckpointArgs,
  BackupAndRestoreArgs,
  CheckpointInfo,
  FitLoop,
  FitPosition,
  TrainingState,
} from './callbacks.js';
export type { OptimizerConfig, Optimizer, LearningRate, OptimizerCommon, OptimizerName } from './optimizers.js';
export type { LossConfig, MetricConfig } from './losses.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  StepDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  InverseTimeDecay,
  CosineDecay,
  CosineDecayRestarts,
} from './schedules.js';
export type {
  ExponentialDecayArgs,
  PiecewiseConstantDecayArgs,
  PolynomialDecayArgs,
  InverseTimeDecayArgs,
  CosineDecayArgs,
  CosineDecayRestartsArgs,
} from './schedules.js';
export { loadModel, loadModelSync } from './io/load.js';
export { quantize, QuantizedModel } from './quantize.js';
export type { QuantizeOptions } from './quantize.js';
export { pruneLowMagnitude, stripPruning, isPruning, isPrunable, PruneLowMagnitude } from './prune.js';
export type { PruneLowMagnitudeArgs } from './prune.js';
export {
  QuantizedDense,
  QuantizedLSTM,
  QuantizedGRU,
  QuantizedSimpleRNN,
  QuantizedEmbedding,
  QuantizedConv1D,
} from './layers/quantized.js';
export type { SaveOptions, SavedModel } from './io/save.js';
export { loadLayersModel, saveLayersModel, toLayersModel } from './io/tfjs.js';
export type {
  LayersModelArtifacts,
  LayersModelJson,
  LayersModelSource,
  LoadLayersModelOptions,
  ToLayersModelOptions,
  WeightEntry,
  WeightGroup,
  WeightQuantization,
} from './io/tfjs.js';
export { toOnnx, fromOnnx, readOnnx } from './io/onnx.js';
export type { ToOnnxOptions, FromOnnxOptions, OnnxModel } from './io/onnx.js';
export { toCategorical, padSequences, timeseriesWindows, Tokenizer } from './data/index.js';
export type { PadSequencesOptions, TimeseriesWindowsOptions, TokenizerOptions } from './data/index.js';
export {
  trainTestSplit,
  MinMaxScaler,
  StandardScaler,
  scalerFromJSON,
  fillMissing,
  findOutliers,
  clipOutliers,
  resample,
  difference,
  inverseDifference,
} from './data/index.js';
export type {
  TrainTestSplitOptions,
  WindowsSplit,
  SeriesSplit,
  Windows,
  SeriesLike,
  SeriesValue,
  SameForm,
  MinMaxScalerArgs,
  StandardScalerArgs,
  ScalerCallOptions,
  ScalerJSON,
  FillMethod,
  FillMissingOptions,
  OutlierMethod,
  OutlierOptions,
  Aggregate,
  ResampleOptions,
  Resampled,
  DifferenceOptions,
} from './data/index.js';
export { readMetadata } from './io/metadata.js';
export type { MetadataValue } from './io/metadata.js';
export type { DatasetSource, DatasetBatch, FitDatasetArgs } from './engine/dataset.js';
export { tune, HyperParameters, hyperbandBrackets } from './tune.js';
export type {
  TuneArgs,
  TuneResult,
  Trial,
  HyperParameterSpec,
  HyperParameterValues,
  HyperbandBracket,
} from './tune.js';
