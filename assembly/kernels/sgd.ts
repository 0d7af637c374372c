// SGD step with torch.optim.SGD semantics (`_single_tensor_sgd`):
//   d   = g + wd·p                              (skipped when wd == 0)
//   buf = d                     on the first step (PyTorch clones the grad)
//   buf = momentum·buf + (1 − dampening)·d      afterwards
//   d   = nesterov ? d + momentum·buf : buf     (when momentum != 0)
//   p   = p − lr·d
// in f32, each product rounded before its sum. PyTorch's CPU kernels fuse
// `add(x, alpha=a)` into an FMA where the CPU has one, so the two agree to
// about one ulp per step, not to the bit; wasm has FMA only in relaxed SIMD,
// which this build excludes. One pass over the tensor, SIMD with a scalar tail.
import { sgdDirection4, sgdDirection1 } from "./sgd_update";
import { parallelRange, threadsFor, taskArgs } from "../parallel";

// Elementwise kernels split over threads in shares of at least this many elements.
export const ELEMENTWISE_MIN: i32 = 4096;

// @ts-ignore: decorator
@inline function step4(pp: usize, gp: usize, bp: usize, lr: v128, m: v128, damp1: v128, wd: v128,
  useWd: bool, useMom: bool, nesterov: bool, first: bool): void {
  const p = v128.load(pp);
  const d = sgdDirection4(p, v128.load(gp), bp, m, damp1, wd, useWd, useMom, nesterov, first, false, p);
  v128.store(pp, f32x4.sub(p, f32x4.mul(lr, d)));
}

// @ts-ignore: decorator
@inline function step1(pp: usize, gp: usize, bp: usize, lr: f32, m: f32, damp1: f32, wd: f32,
  useWd: bool, useMom: bool, nesterov: bool, first: bool): void {
  const p = load<f32>(pp);
  store<f32>(pp, p - lr * sgdDirection1(p, load<f32>(gp), bp, m, damp1, wd, useWd, useMom, nesterov, first));
}

/** One SGD update of n parameters; buf may be 0 when momentum == 0. Elementwise, so split over threads by range. */
export function sgd_step(param: usize, grad: usize, buf: usize, n: i32, lr: f32, momentum: f32, dampening: f32,
  weight_decay: f32, nesterov: i32, first: i32): void {
  const nt = threadsFor(n, ELEMENTWISE_MIN);
  if (nt <= 1) return sgd_serial(param, grad, buf, n, lr, momentum, dampening, weight_decay, nesterov, first);
  const p = taskArgs();
  store<usize>(p, param); store<usize>(p + 4, grad); store<usize>(p + 8, buf);
  store<f32>(p + 12, lr); store<f32>(p + 16, momentum); store<f32>(p + 20, dampening); store<f32>(p + 24, weight_decay);
  store<i32>(p + 28, nesterov); store<i32>(p + 32, first);
  parallelRange(sgd_range, n, 64, nt, p);
}

function sgd_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const o = <usize>lo << 2, buf = load<usize>(p + 8);
  sgd_serial(load<usize>(p) + o, load<usize>(p + 4) + o, buf ? buf + o : 0, hi - lo, load<f32>(p + 12), load<f32>(p + 16),
    load<f32>(p + 20), load<f32>(p + 24), load<i32>(p + 28), load<i32>(p + 32));
}

function sgd_serial(param: usize, grad: usize, buf: usize, n: i32, lr: f32, momentum: f32, dampening: f32,
  weight_decay: f32, nesterov: i32, first: i32): void {
  if (n <= 0) return;
  const useWd = weight_decay != 0;
  const useMom = momentum != 0;
  const nest = nesterov != 0 && useMom;
  const fst = first != 0;
  const damp1: f32 = 1 - dampening;
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum), vd = f32x4.splat(damp1), vwd = f32x4.splat(weight_decay);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    step4(param + o, grad + o, buf + o, vlr, vm, vd, vwd, useWd, useMom, nest, fst);
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    step1(param + o, grad + o, buf + o, lr, momentum, damp1, weight_decay, useWd, useMom, nest, fst);
  }
}
