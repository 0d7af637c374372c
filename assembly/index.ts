// The one wasm module and its one export list: every function the host calls,
// by the module that holds it. src/engine/exports.ts declares the same list
// for the host (tests/exports.test.ts checks names and arity against this
// binary); anything not listed stays internal (kernel specs import it directly).
export { alloc, free } from "./memory";
export { par_worker, par_set_threads, par_threads, par_stop, par_fail } from "./parallel";
export { gemm_nn, gemm_nt, gemm_tn } from "./kernels/gemm";
export { gemm_batch, gemm_batch_table } from "./kernels/gemm_batch";
export { rng_seed, rng_next_u32, rng_uniform_f64, rng_uniform, rng_normal, rng_permutation } from "./prng";
export { bias_add, bias_grad, channel_bias_add, channel_bias_grad } from "./kernels/bias";
export { relu_forward, relu_backward, relu6_forward, relu6_backward } from "./kernels/relu";
export { bn_fold } from "./kernels/bn_fold";
export { softmax_xent } from "./kernels/softmax_xent";
export { sgd_step } from "./kernels/sgd";
export { sum, count_nonzero, has_non_finite } from "./kernels/reduce";
export { abs_histogram } from "./kernels/histogram";
export { gather_normalize_u8, gather_labels_u8 } from "./kernels/gather";
export { copy_f32, scale_f32, axpy_f32 } from "./kernels/fill";
export { st_step, st_write, st_inverse_shift, st_threshold_grads } from "./kernels/soft_threshold";
export { masked_sgd_step, apply_mask, mask_from_nonzero, mask_count } from "./kernels/masked_sgd";
export { select_scratch_bytes, select_smallest_abs } from "./kernels/select";
export { sched_g, sched_dg, sched_norm, sched_table } from "./prune/schedules";
export { sched_stop_step, sched_stop_x } from "./prune/stop";
export { lats_prefix_sums } from "./prune/lats";
export { str_threshold, str_step, gpo_beta_step } from "./prune/str";
export { lr_shape, lr_at } from "./optim/lr_schedule";
export { exp_f64, log_f64, sqrt_f64 } from "./math";
export { remaining_count, remaining_count_rows, remaining_max_abs, pqi_sums, pqi_from_sums, pqi, pqi_rows, pqi_bound, compact_remaining } from "./kernels/pqi";
export { gini_scratch_bytes, abs_keys, radix_sort_u32, gini_sorted_keys, gini, gini_rows } from "./kernels/gini";
export { conv2d_forward, conv2d_backward } from "./kernels/conv/conv2d";
export { conv3x3_c1_fits } from "./kernels/conv/conv3x3_c1";
export { im2col } from "./kernels/conv/im2col";
export { winograd_forward, winograd_backward } from "./kernels/conv/winograd";
export { winograd_mixed_floats } from "./kernels/conv/winograd_mixed";
export { gather_normalize_u8_chw, augment_draw, gather_augment_u8_chw } from "./kernels/augment";
export { bn_forward_train, bn_forward_eval, bn_backward, bn_backward_eval } from "./kernels/batchnorm";
export { maxpool_forward, maxpool_backward, avgpool_forward, avgpool_backward, gap_forward, gap_backward } from "./kernels/pool";
export { add } from "./kernels/add";
export { dwconv_forward, dwconv_backward_input, dwconv_backward_weight } from "./kernels/conv/dwconv";
export { csr_nnz, csr_from_dense } from "./kernels/sparse/csr";
export { spmm, spmv, transpose_f32 } from "./kernels/sparse/spmm";
export { spconv_forward } from "./kernels/sparse/spconv";
export { sparse_count, sparse_delta8_bytes, sparse_pack_bitmask, sparse_unpack_bitmask, sparse_pack_delta8, sparse_unpack_delta8, f16_from_f32, sparse_negzero_count, sparse_pack_negzero, sparse_unpack_negzero } from "./kernels/sparse/pack";
export { nm_project_mask, nm_violations } from "./kernels/sparse/nm";
export { nm_pack, nm_spmm } from "./kernels/sparse/nm_spmm";
export { row_sumsq, mask_rows, rows_alive, copy_u8 } from "./kernels/sparse/channels";
export { neuron_forward, neuron_backward } from "./kernels/spiking/neuron";
export { surrogate_grad } from "./kernels/spiking/surrogate";
export { time_repeat, time_mean, time_mean_backward, time_sum } from "./kernels/spiking/time";
