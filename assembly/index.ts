// The one wasm module: every export the host sees is re-exported here.
export * from "./memory";
export * from "./kernels/gemm";
export * from "./prng";
export * from "./kernels/bias";
export * from "./kernels/relu";
export * from "./kernels/softmax_xent";
export * from "./kernels/sgd";
export * from "./kernels/reduce";
export * from "./kernels/gather";
export * from "./kernels/fill";
// soft_threshold.ts, masked_sgd.ts, select.ts (soft threshold pruning, masked training, magnitude selection)
export * from "./kernels/soft_threshold";
export * from "./kernels/masked_sgd";
export * from "./kernels/select";
export * from "./prune/schedules";
// pqi.ts, gini.ts (sparsity indices over remaining entries: PQ Index Eq. 1, PQI-bound Eq. 2, Gini; radix sort)
export * from "./kernels/pqi";
export * from "./kernels/gini";
// conv/: 2-D convolution operator (im2col + GEMM, conv2d.ts) and its im2col/col2im
export * from "./kernels/conv/conv2d";
export * from "./kernels/conv/im2col";
// augment.ts (image batches with channels: per-channel normalisation, seeded random crop + horizontal flip)
export * from "./kernels/augment";
// batchnorm.ts, pool.ts, add.ts, conv/dwconv.ts (BatchNorm2d, max/avg/global pooling, residual add, depthwise conv; NCHW)
export * from "./kernels/batchnorm";
export * from "./kernels/pool";
export * from "./kernels/add";
export * from "./kernels/conv/dwconv";
