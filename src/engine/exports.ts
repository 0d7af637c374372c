// The wasm module's exports as the host sees them (pointers are byte offsets).
export interface KernelExports {
  memory: WebAssembly.Memory;
  // memory.ts
  alloc(bytes: number): number;
  free(ptr: number): void;
  // parallel.ts: the thread pool (the threaded build runs tasks on its workers; the default build has one thread)
  par_worker(tid: number): void;
  par_set_threads(n: number): void;
  par_threads(): number;
  par_stop(): void;
  par_fail(): void;
  // prng.ts
  rng_seed(state: number, seed: number): void;
  rng_next_u32(state: number): number;
  rng_uniform_f64(state: number): number;
  rng_uniform(state: number, out: number, n: number, lo: number, hi: number): void;
  rng_normal(state: number, out: number, n: number, mean: number, std: number): void;
  rng_permutation(state: number, out: number, n: number): void;
  // gemm.ts
  gemm_nn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemm_nt(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemm_tn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  // gemm_batch.ts: X ≤ 64 products of one shape; kind 0 nn, 1 nt, 2 tn; operand addresses A, B, C per product in the table
  gemm_batch(kind: number, X: number, m: number, n: number, k: number, lda: number, ldb: number, ldc: number, accumulate: number): void;
  gemm_batch_table(): number;
  // bias.ts, relu.ts
  bias_add(y: number, b: number, rows: number, cols: number): void;
  bias_grad(dy: number, db: number, rows: number, cols: number): void;
  channel_bias_add(y: number, b: number, n: number, c: number, hw: number): void;
  channel_bias_grad(dy: number, db: number, n: number, c: number, hw: number): void;
  relu_forward(x: number, y: number, n: number): void;
  relu_backward(dy: number, y: number, dx: number, n: number): void;
  relu6_forward(x: number, y: number, n: number): void;
  relu6_backward(dy: number, y: number, dx: number, n: number): void;
  // bn_fold.ts
  bn_fold(w: number, b: number, gamma: number, beta: number, mean: number, variance: number, eps: number, outCh: number, per: number, w2: number, b2: number): void;
  // softmax_xent.ts
  softmax_xent(logits: number, labels: number, rows: number, classes: number, smoothing: number, dlogits: number, correctOut: number): number;
  // sgd.ts
  sgd_step(param: number, grad: number, buf: number, n: number, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: number, first: number): void;
  // reduce.ts
  sum(x: number, n: number): number;
  count_nonzero(x: number, n: number): number;
  has_non_finite(x: number, n: number): number;
  // histogram.ts
  abs_histogram(x: number, n: number, bins: number, maxAbs: number, out: number): void;
  // gather.ts, fill.ts
  gather_normalize_u8(src: number, idx: number, count: number, rowLen: number, scale: number, shift: number, dst: number): void;
  gather_labels_u8(src: number, idx: number, count: number, dst: number): void;
  // augment.ts (CHW images: per-channel normalisation; params i32[3·count] = (dy, dx, flip) per row)
  gather_normalize_u8_chw(src: number, idx: number, count: number, channels: number, h: number, w: number, scale: number, shift: number, dst: number): void;
  augment_draw(state: number, params: number, count: number, pad: number, flip: number): void;
  gather_augment_u8_chw(src: number, idx: number, params: number, count: number, channels: number, h: number, w: number, pad: number, scale: number, shift: number, dst: number): void;
  copy_f32(dst: number, src: number, n: number): void;
  scale_f32(x: number, n: number, a: number): void;
  axpy_f32(y: number, x: number, n: number, a: number): void;
  // soft_threshold.ts (soft threshold pruning: Algorithm 1, Table 1; mode 0 STE/STDS, 1 STR subgradient, 2 GPO)
  st_step(theta: number, grad: number, buf: number, w: number, n: number, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: number, first: number, dCur: number, dNext: number,
    mode: number, k: number): number;
  st_write(theta: number, w: number, n: number, d: number, k: number): number;
  st_inverse_shift(w: number, theta: number, n: number, d: number): void;
  st_threshold_grads(theta: number, grad: number, n: number, d: number, outF64x2: number): void;
  // masked_sgd.ts (mask = one byte per element, 0 = pruned)
  masked_sgd_step(param: number, grad: number, buf: number, mask: number, n: number, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: number, first: number): void;
  apply_mask(x: number, mask: number, n: number): void;
  mask_from_nonzero(x: number, mask: number, n: number): number;
  mask_count(mask: number, n: number): number;
  // select.ts (radix select on |x|; ties: lower index pruned first; NaN largest; mask pointer 0 = all)
  select_scratch_bytes(n: number): number;
  select_smallest_abs(x: number, n: number, c: number, maskIn: number, maskOut: number, scratch: number): number;
  // prune/schedules.ts (threshold schedulers, f64; kind = SCHED_* 0..12, params (w, β, a, b); pointers to f64 arrays)
  sched_g(kind: number, x: number, p0: number, p1: number, p2: number, p3: number): number;
  sched_dg(kind: number, x: number, p0: number, p1: number, p2: number, p3: number): number;
  sched_norm(kind: number, p0: number, p1: number, p2: number, p3: number): number;
  sched_table(kind: number, T: number, p0: number, p1: number, p2: number, p3: number, out: number): number;
  sched_stop_step(kind: number, T: number, p: number, p0: number, p1: number, p2: number, p3: number): number;
  sched_stop_x(kind: number, p: number, p0: number, p1: number, p2: number, p3: number): number;
  lats_prefix_sums(lr: number, T: number, out: number): number;
  // prune/str.ts (STR/GPO trainable thresholds, LATS Eq. 24, 27), optim/lr_schedule.ts, math.ts
  str_threshold(s: number): number;
  str_step(s: number, dLdd: number, lr: number, lambda: number): number;
  gpo_beta_step(beta: number, gSum: number, lr: number, lambda: number): number;
  lr_shape(kind: number, x: number, mainEpochs: number, gamma: number, stepSize: number, power: number): number;
  lr_at(kind: number, t: number, lr: number, W: number, T: number, B: number, mainEpochs: number, interval: number,
    gamma: number, stepSize: number, power: number): number;
  exp_f64(x: number): number;
  log_f64(x: number): number;
  sqrt_f64(x: number): number;
  // pqi.ts (PQ Index Eq. 1 over remaining entries, PQI-bound Eq. 2; mask pointer 0 = all remain; NaN = undefined)
  remaining_count(mask: number, n: number): number;
  remaining_count_rows(mask: number, rows: number, cols: number, outI32: number): void;
  remaining_max_abs(x: number, mask: number, n: number): number;
  pqi_sums(x: number, mask: number, n: number, p: number, q: number, scale: number, outF64x2: number): void;
  pqi_from_sums(d: number, sp: number, sq: number, p: number, q: number): number;
  pqi(x: number, mask: number, n: number, p: number, q: number): number;
  pqi_rows(x: number, mask: number, rows: number, cols: number, p: number, q: number, outF64: number): void;
  pqi_bound(d: number, I: number, p: number, q: number, eta: number): number;
  compact_remaining(dst: number, x: number, mask: number, n: number): number;
  // gini.ts (Gini index, Hurley & Rickard; LSD radix sort of 31-bit |x| keys; scratch ≥ gini_scratch_bytes(n))
  gini_scratch_bytes(n: number): number;
  abs_keys(x: number, mask: number, n: number, keysU32: number): number;
  radix_sort_u32(keys: number, m: number, tmp: number): void;
  gini_sorted_keys(keys: number, m: number): number;
  gini(x: number, mask: number, n: number, scratch: number): number;
  gini_rows(x: number, mask: number, rows: number, cols: number, scratch: number, outF64: number): void;
  // conv/conv2d.ts, conv/im2col.ts (geometry g: i32[17] c h w o kh kw sh sw ph pw dh dw groups oh ow S keep)
  conv2d_forward(g: number, x: number, n: number, w: number, col: number, ybuf: number, y: number): void;
  conv2d_backward(g: number, x: number, n: number, w: number, dy: number, col: number, ybuf: number, dcol: number, dw: number, dx: number): void;
  /** Whether conv2d_forward/backward take the direct 3×3 one-channel kernels (conv/conv3x3_c1.ts): they need no col or ybuf. */
  conv3x3_c1_fits(g: number): number;
  winograd_forward(x: number, n: number, c: number, h: number, w: number, o: number, r: number, S: number, wt: number, u: number, v: number, m: number, y: number): void;
  winograd_backward(x: number, n: number, c: number, h: number, w: number, o: number, r: number, S: number, wt: number, u: number, ur: number, v: number, fresh: number, dy: number, m: number, m2: number, du: number, dw: number, dx: number): void;
  /** Floats of the mixed-tile Winograd's buffers (tile code 43) for n samples in chunks of S: which 0 U (and dU), 1 V, 2 M, 3 M2. */
  winograd_mixed_floats(which: number, n: number, S: number, c: number, h: number, w: number, o: number): number;
  // batchnorm.ts (BatchNorm2d, PyTorch semantics; dgamma/dbeta overwritten; y may alias x, dx may alias dy or x)
  bn_forward_train(x: number, n: number, c: number, hw: number, gamma: number, beta: number, eps: number, momentum: number,
    runningMean: number, runningVar: number, saveMean: number, saveInvstd: number, y: number): void;
  bn_forward_eval(x: number, n: number, c: number, hw: number, gamma: number, beta: number,
    runningMean: number, runningVar: number, eps: number, y: number): void;
  bn_backward(dy: number, x: number, n: number, c: number, hw: number, gamma: number, saveMean: number, saveInvstd: number,
    dgamma: number, dbeta: number, dx: number): void;
  bn_backward_eval(dy: number, x: number, n: number, c: number, hw: number, gamma: number, runningMean: number, runningVar: number, eps: number, dgamma: number, dbeta: number, dx: number): void;
  // pool.ts (planes = n·c; max: padding −∞, argmax = flat index in the input plane; avg: count_include_pad; dx overwritten)
  maxpool_forward(x: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, oh: number, ow: number, y: number, argmaxI32: number): void;
  maxpool_backward(dy: number, argmaxI32: number, planes: number, hwIn: number, hwOut: number, dx: number): void;
  avgpool_forward(x: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, oh: number, ow: number, y: number): void;
  avgpool_backward(dy: number, planes: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, oh: number, ow: number, dx: number): void;
  gap_forward(x: number, planes: number, hw: number, y: number): void;
  gap_backward(dy: number, planes: number, hw: number, dx: number): void;
  // add.ts (y may alias a or b; add_to accumulates)
  add(a: number, b: number, y: number, n: number): void;
  // conv/dwconv.ts (depthwise, weights [c, 1, kh, kw], no bias; dx and dw overwritten, dw summed over the batch)
  dwconv_forward(x: number, w: number, n: number, c: number, h: number, wd: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, y: number): void;
  dwconv_backward_input(dy: number, w: number, n: number, c: number, h: number, wd: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, dx: number): void;
  dwconv_backward_weight(dy: number, x: number, n: number, c: number, h: number, wd: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, gradW: number): void;
  // sparse/csr.ts, sparse/spmm.ts: inference with sparse weights
  csr_nnz(w: number, n: number): number;
  csr_from_dense(w: number, rows: number, cols: number, rowptr: number, colidx: number, values: number): void;
  spmm(o: number, m: number, rowptr: number, colidx: number, values: number, b: number, ldb: number, c: number, ldc: number, bias: number): void;
  spmv(o: number, rowptr: number, colidx: number, values: number, x: number, y: number, bias: number): void;
  transpose_f32(src: number, rows: number, cols: number, dst: number): void;
  // sparse/spconv.ts: a conv with a CSR weight, over threads by sample (g: the conv geometry block)
  spconv_forward(g: number, x: number, n: number, rowptr: number, colidx: number, values: number, bias: number, y: number): void;
  // sparse/pack.ts: sparse file encodings
  sparse_count(src: number, n: number): number;
  sparse_delta8_bytes(src: number, n: number): number;
  sparse_pack_bitmask(src: number, n: number, values: number, mask: number): number;
  sparse_unpack_bitmask(values: number, count: number, mask: number, n: number, dst: number): number;
  sparse_pack_delta8(src: number, n: number, values: number, code: number): number;
  sparse_unpack_delta8(values: number, count: number, code: number, bytes: number, n: number, dst: number): number;
  f16_from_f32(src: number, n: number, dst: number): void;
  sparse_negzero_count(src: number, n: number): number;
  sparse_pack_negzero(src: number, n: number, code: number, zeros: number): void;
  sparse_unpack_negzero(dst: number, n: number, code: number, zeros: number): number;
  // conv/im2col.ts (the sparse conv's columns)
  im2col(x: number, c: number, h: number, w: number, c0: number, cn: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, samples: number, col: number): void;
  // sparse/nm.ts: N:M patterns
  nm_project_mask(w: number, mask: number, outer: number, groupdim: number, inner: number, n: number, m: number): number;
  nm_violations(w: number, outer: number, groupdim: number, inner: number, n: number, m: number): number;
  // sparse/nm_spmm.ts: the N:M inference kernel
  nm_pack(w: number, rows: number, cols: number, n: number, m: number, values: number, idx: number): number;
  nm_spmm(rows: number, cols: number, n: number, m: number, values: number, idx: number, b: number, ldb: number, mm: number, c: number, ldc: number, bias: number): void;
  // sparse/channels.ts: channel pruning
  row_sumsq(w: number, mask: number, rows: number, cols: number, out: number): void;
  mask_rows(mask: number, rows: number, cols: number, rowmask: number): void;
  rows_alive(mask: number, rows: number, cols: number, rowmask: number): void;
  copy_u8(dst: number, src: number, n: number): void;
  // spiking/neuron.ts: multi-step LIF/IF over [T, n] (flags: 1 LIF, 2 hard reset, 4 detach_reset; h == x and dx == dy allowed)
  neuron_forward(x: number, h: number, s: number, n: number, T: number, flags: number, tau: number, vth: number, vreset: number): void;
  neuron_backward(h: number, dy: number, dx: number, n: number, T: number, flags: number, tau: number, vth: number, vreset: number, surrogate: number, alpha: number): void;
  // spiking/surrogate.ts (kind 0 ATan, 1 sigmoid)
  surrogate_grad(x: number, y: number, n: number, kind: number, alpha: number): void;
  // spiking/time.ts: the time axis [T, n]
  time_repeat(x: number, y: number, n: number, T: number): void;
  time_mean(x: number, y: number, n: number, T: number): void;
  time_mean_backward(dy: number, dx: number, n: number, T: number): void;
  time_sum(x: number, y: number, n: number, T: number): void;
}
