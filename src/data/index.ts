// Data helpers: pure data movement, no arithmetic on tensors.
export { toCategorical } from './categorical.js';
export { padSequences } from './padding.js';
export type { PadSequencesOptions, Sequence } from './padding.js';
export { timeseriesWindows } from './windows.js';
export type { TimeseriesWindowsOptions, Windows } from './windows.js';
export { Tokenizer, KERAS_FILTERS } from './tokenizer.js';
export type { TokenizerOptions, TokenizerJSON } from './tokenizer.js';
