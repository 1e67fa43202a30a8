// The one WebAssembly module: the kernels lstm-wasm exports (the ABI of README.md in this folder).
// Only names listed here are exported; helpers shared between kernel files stay internal.
export { heap_base, is_relaxed } from "./runtime";
export { gemm_packed_size, gemm_pack_b, gemm_packed, gemm_scratch_size, gemm } from "./gemm";
export { act_forward, act_backward, softmax_rows, softmax_rows_backward } from "./activations";
export { lstm_scratch_size, lstm_forward, lstm_backward } from "./lstm";
export { gru_scratch_size, gru_forward, gru_backward } from "./gru";
export { rnn_scratch_size, rnn_forward, rnn_backward } from "./rnn";
export { dense_scratch_size, dense_forward, dense_backward } from "./dense";
export { loss_forward_backward, metric_sum } from "./losses";
export { sgd_update, adam_update, rmsprop_update, sum_squares, scale_inplace, clip_by_value, count_nonfinite, l2_penalty_grad } from "./optimizers";
export { rng_seed, rng_uniform, rng_normal, rng_dropout_mask, rng_shuffle_indices, init_orthogonal_scratch_size, init_orthogonal } from "./random";
export { copy_f32, fill_f32, mul_f32, add_f32, gather_rows, embedding_check_ids, embedding_forward, embedding_backward, mask_from_values, mask_from_ids, merge_forward, merge_backward, last_step } from "./sequence";
export { ew_binary, ew_binary_backward, scale_f32, copy_blocks, repeat_forward, repeat_backward, permute } from "./shape";
export { conv1d_cols_size, conv1d_scratch_size, conv1d_forward, conv1d_backward, pool1d_forward, pool1d_backward, global_pool1d_forward, global_pool1d_backward } from "./conv";
export { layer_norm_forward, layer_norm_backward } from "./norm";
export { attn_scratch_size, attn_scores, attn_scores_backward, attn_softmax, attn_softmax_backward, attn_apply, attn_apply_backward, attn_additive_scores, attn_additive_backward } from "./attention";
export { i8_row_stride, i8_packed_size, quantize_cols_i8, quantize_rows_i8, i8_pack_b, gemm_i8, gemv_i8, dense_q8_scratch_size, dense_q8_forward, lstm_q8_scratch_size, lstm_q8_forward, gru_q8_scratch_size, gru_q8_forward, rnn_q8_scratch_size, rnn_q8_forward, quantize_rows_f32_i8, embedding_q8_scale, conv1d_q8_scratch_size, conv1d_q8_forward } from "./int8";
export { loss_forward_backward_weighted } from "./losses";
export { prune_mask_scratch_size, prune_mask, prune_apply } from "./prune";
export { adamw_update, nadam_update, adagrad_update, adamax_update, weight_decay_f32 } from "./optimizers";
export { metric_state_size, metric_state_acc, metric_state_result } from "./losses";
export { lstm_step_packed_size, lstm_step_scratch_size, lstm_step_pack, lstm_step, gru_step_packed_size, gru_step_scratch_size, gru_step_pack, gru_step, rnn_step_packed_size, rnn_step_scratch_size, rnn_step_pack, rnn_step, dense_step } from "./step";
