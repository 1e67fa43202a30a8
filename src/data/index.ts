// Data helpers: pure data movement, no arithmetic on tensors, and the time-series preparation
// (scalers, missing values, outliers, resampling, differencing), which computes in float64 in
// JavaScript before anything reaches the model.
export { toCategorical } from './categorical.js';
export { padSequences } from './padding.js';
export type { PadSequencesOptions, Sequence } from './padding.js';
export { timeseriesWindows, trainTestSplit } from './windows.js';
export type {
  TimeseriesWindowsOptions,
  Windows,
  TrainTestSplitOptions,
  WindowsSplit,
  SeriesSplit,
} from './windows.js';
export { Tokenizer, KERAS_FILTERS } from './tokenizer.js';
export type { TokenizerOptions, TokenizerJSON } from './tokenizer.js';
export type { SeriesLike, SeriesValue, SameForm } from './series.js';
export { MinMaxScaler, StandardScaler, scalerFromJSON } from './scalers.js';
export type { MinMaxScalerArgs, StandardScalerArgs, ScalerCallOptions, ScalerJSON } from './scalers.js';
export { fillMissing } from './missing.js';
export type { FillMethod, FillMissingOptions } from './missing.js';
export { findOutliers, clipOutliers } from './outliers.js';
export type { OutlierMethod, OutlierOptions } from './outliers.js';
export { resample } from './resample.js';
export type { Aggregate, ResampleOptions, Resampled } from './resample.js';
export { difference, inverseDifference } from './difference.js';
export type { DifferenceOptions } from './difference.js';
