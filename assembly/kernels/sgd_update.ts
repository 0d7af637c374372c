// The SGD update rule of torch.optim.SGD (`_single_tensor_sgd`), once, for
// every kernel that steps parameters (sgd.ts, masked_sgd.ts, soft_threshold.ts):
//   d   = g + wd·p                              (skipped when wd == 0)
//   buf = d                     on the first step (PyTorch clones the grad)
//   buf = momentum·buf + (1 − dampening)·d      afterwards
//   d   = nesterov ? d + momentum·buf : buf     (when momentum != 0)
// returning d (the caller applies p − lr·d). f32, each product rounded before
// its sum; the flags are compile-time constants after inlining.

/** 4 lanes: the update direction; stores the new momentum buffer at bp (ANDed with keep when masked). */
// @ts-ignore: decorator
@inline export function sgdDirection4(p: v128, g: v128, bp: usize, m: v128, damp1: v128, wd: v128,
  useWd: bool, useMom: bool, nesterov: bool, first: bool, masked: bool, keep: v128): v128 {
  let d = g;
  if (useWd) d = f32x4.add(d, f32x4.mul(wd, p));
  if (useMom) {
    let b = d;
    if (!first) b = f32x4.add(f32x4.mul(m, v128.load(bp)), f32x4.mul(damp1, d));
    v128.store(bp, masked ? v128.and(b, keep) : b);
    d = nesterov ? f32x4.add(d, f32x4.mul(m, b)) : b;
  }
  return d;
}

/** One element: the update direction; stores the new momentum buffer at bp. */
// @ts-ignore: decorator
@inline export function sgdDirection1(p: f32, g: f32, bp: usize, m: f32, damp1: f32, wd: f32,
  useWd: bool, useMom: bool, nesterov: bool, first: bool): f32 {
  let d = g;
  if (useWd) d = d + wd * p;
  if (useMom) {
    let b = d;
    if (!first) b = m * load<f32>(bp) + damp1 * d;
    store<f32>(bp, b);
    d = nesterov ? d + m * b : b;
  }
  return d;
}
