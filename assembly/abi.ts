// The ABI constants shared by assembly/ and src/, kept here once. scripts/build-wasm.mjs turns this
// file into src/runtime/abi.generated.ts (the same lines without `: i32`, this opening comment
// replaced by the generated file's header), and test/abi.test.ts checks that the two agree, so
// TypeScript and the kernels cannot disagree. Only comments, blank lines and
// `export const NAME: i32 = <integer>;` lines may appear here: the generator refuses anything else.
// Meaning of each: README.md.

// Activation codes (act_forward, act_backward, dense_*, the recurrent kernels' act and recAct).
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;
// 0.2x + 0.5 clipped to [0, 1], as TF.js/Keras.
export const ACT_HARD_SIGMOID: i32 = 4;
// Rows; Dense only.
export const ACT_SOFTMAX: i32 = 5;

// Recurrent kernel flags (lstm_*, gru_*, rnn_*), or-ed together.
// LSTM: peephole connections (peep [3H]).
export const FLAG_PEEPHOLE: i32 = 1;
// GRU: reset gate applied after the recurrent matmul (bias [2, 3H]). Same bit as FLAG_PEEPHOLE.
export const FLAG_RESET_AFTER: i32 = 1;
// Process the sequence from its last step to its first.
export const FLAG_GO_BACKWARDS: i32 = 2;
// The caller promises that scratch still holds W and U packed by the previous forward call with
// this scratch and these weights: streaming inference then skips repacking every step.
export const FLAG_PACKED: i32 = 8;

// Loss kinds (loss_forward_backward).
export const LOSS_MSE: i32 = 0;
export const LOSS_MAE: i32 = 1;
// Binary cross-entropy on probabilities / from logits (fused sigmoid).
export const LOSS_BCE: i32 = 2;
export const LOSS_BCE_LOGITS: i32 = 3;
// Categorical cross-entropy on probabilities / from logits (fused softmax).
export const LOSS_CCE: i32 = 4;
export const LOSS_CCE_LOGITS: i32 = 5;
// Sparse categorical cross-entropy (yTrue: class ids) on probabilities / from logits.
export const LOSS_SPARSE_CCE: i32 = 6;
export const LOSS_SPARSE_CCE_LOGITS: i32 = 7;
// Huber (its delta is the loss kernels' param), log-cosh, mean absolute percentage error,
// mean squared logarithmic error, Kullback-Leibler divergence, Poisson: Keras 3's formulas.
export const LOSS_HUBER: i32 = 8;
export const LOSS_LOG_COSH: i32 = 9;
export const LOSS_MAPE: i32 = 10;
export const LOSS_MSLE: i32 = 11;
export const LOSS_KLD: i32 = 12;
export const LOSS_POISSON: i32 = 13;

// Metric kinds (metric_sum).
export const METRIC_MAE: i32 = 0;
export const METRIC_MSE: i32 = 1;
export const METRIC_BINARY_ACC: i32 = 2;
export const METRIC_CATEGORICAL_ACC: i32 = 3;
export const METRIC_SPARSE_ACC: i32 = 4;
// Top-k accuracy (metric_sum's param is k, Keras's default 5): the target class (argmax of yTrue, or the id) scores among the k highest.
export const METRIC_TOP_K_CATEGORICAL: i32 = 5;
export const METRIC_SPARSE_TOP_K_CATEGORICAL: i32 = 6;
// Kept over an epoch (metric_state_acc, metric_state_result): Keras's stateful metrics.
export const METRIC_RMSE: i32 = 7;
export const METRIC_PRECISION: i32 = 8;
export const METRIC_RECALL: i32 = 9;
export const METRIC_AUC: i32 = 10;
// Keras AUC's num_thresholds.
export const AUC_THRESHOLDS: i32 = 200;

// Bidirectional merge modes (merge_forward, merge_backward).
export const MERGE_CONCAT: i32 = 0;
export const MERGE_SUM: i32 = 1;
export const MERGE_MUL: i32 = 2;
export const MERGE_AVE: i32 = 3;

// Elementwise binary ops (ew_binary, ew_binary_backward): the merge layers Add, Subtract (a - b),
// Multiply, Maximum, Minimum.
export const EW_ADD: i32 = 0;
export const EW_SUB: i32 = 1;
export const EW_MUL: i32 = 2;
export const EW_MAX: i32 = 3;
export const EW_MIN: i32 = 4;

// Pooling kinds (pool1d_forward/backward, global_pool1d_forward/backward).
export const POOL_MAX: i32 = 0;
export const POOL_AVG: i32 = 1;
