// Soft threshold reparameterisation (paper: "A unified framework for soft
// threshold pruning", Sec. 3–4, Algorithm 1, Table 1, Appendix A, C.1, C.2).
//
// A pruned tensor keeps a latent θ (trained) and an actual weight w (used by
// the forward pass):
//   STR / STDS:  w = S_d(θ) = sign(θ)·max(|θ| − d, 0)            (Table 1)
//   GPO:         w = (1 − k)·S_d(θ) + k·θ,  k = 1e-6·|β_gpo|      (Eq. 27)
// S_d is computed as max(|θ| − d, 0) first, then the sign of θ is copied in,
// so |θ| ≤ d gives exactly +0 or −0 (never a tiny residue): for a ≤ d the f32
// difference a − d is ≤ 0 (rounding is monotone; a == d gives +0), and
// max(≤ 0, +0) is +0. Thresholds are expected to be finite and ≥ 0.
//
// All kernels: pointers are byte addresses of f32 arrays (16-byte aligned
// buffers from the host; unaligned still works), any n ≥ 0 (4-lane SIMD body +
// scalar tail with the same f32 operations in the same order, so results do not
// depend on n % 4). NaN propagates through the arithmetic and never compares
// above a threshold.
import { sgdDirection4, sgdDirection1 } from "./sgd_update";
import { parallelRange, threadsFor, taskArgs, threadResult } from "../parallel";
import { ELEMENTWISE_MIN } from "./sgd";
import { promoteHigh } from "./widen";

// @ts-ignore: decorator
@inline const SIGN_BITS: u32 = 0x80000000;

// S_d(θ) on 4 lanes: max(|θ| − d, 0), then copysign(·, θ).
// @ts-ignore: decorator
@inline function soft4(t: v128, vd: v128): v128 {
  const a = f32x4.max(f32x4.sub(f32x4.abs(t), vd), f32x4.splat(0));
  return v128.or(a, v128.and(t, i32x4.splat(SIGN_BITS)));
}

// S_d(θ) on one value (same operations as soft4).
// @ts-ignore: decorator
@inline function soft1(t: f32, d: f32): f32 {
  return copysign<f32>(Mathf.max(Mathf.abs(t) - d, 0), t);
}

// One element group of st_step: (a) ∂L/∂θ from ∂L/∂w, (b) SGD on θ with the
// sgd.ts operation order, (c) w = S_{d_next}(θ_new) (or the GPO mix); returns
// the new w (the caller counts its nonzeros).
// @ts-ignore: decorator
@inline function stStep4(tp: usize, gp: usize, bp: usize, wp: usize,
  lr: v128, m: v128, damp1: v128, wd: v128, dCur: v128, dNext: v128, kk: v128, omk: v128,
  mode: i32, useWd: bool, useMom: bool, nesterov: bool, first: bool, mix: bool): v128 {
  const t = v128.load(tp);
  let g = v128.load(gp);
  if (mode == 1) {
    // STR subgradient, Algorithm 1 line 3: Δθ = ∇_w L ⊙ 1[|θ| > d(t)] (pruned → +0).
    g = v128.and(g, f32x4.gt(f32x4.abs(t), dCur));
  } else if (mode == 2) {
    // GPO, Table 1 "Gradient": ∂w/∂θ = (1 − k)·1[|θ| > d] + k, applied as
    // autograd does for the two branches: ((1 − k)·∇_w L)·1[|θ| > d] + k·∇_w L.
    g = f32x4.add(v128.and(f32x4.mul(omk, g), f32x4.gt(f32x4.abs(t), dCur)), f32x4.mul(kk, g));
  } // mode 0: STE / STDS, ∂w/∂θ = 1.
  // Algorithm 1 line 4 with torch.optim.SGD semantics (assembly/kernels/sgd_update.ts).
  const tn = f32x4.sub(t, f32x4.mul(lr, sgdDirection4(t, g, bp, m, damp1, wd, useWd, useMom, nesterov, first, false, t)));
  v128.store(tp, tn);
  // Algorithm 1 line 7: w(t+1) = S_{d(t+1)}(θ(t+1)); GPO: (1 − k)·S + k·θ.
  let w = soft4(tn, dNext);
  if (mix) w = f32x4.add(f32x4.mul(omk, w), f32x4.mul(kk, tn));
  v128.store(wp, w);
  return w;
}

// @ts-ignore: decorator
@inline function stStep1(tp: usize, gp: usize, bp: usize, wp: usize,
  lr: f32, m: f32, damp1: f32, wd: f32, dCur: f32, dNext: f32, kk: f32, omk: f32,
  mode: i32, useWd: bool, useMom: bool, nesterov: bool, first: bool, mix: bool): f32 {
  const t = load<f32>(tp);
  let g = load<f32>(gp);
  if (mode == 1) {
    g = Mathf.abs(t) > dCur ? g : 0; // Algorithm 1 line 3
  } else if (mode == 2) {
    g = (Mathf.abs(t) > dCur ? omk * g : 0) + kk * g; // GPO ∂w/∂θ
  }
  const tn = t - lr * sgdDirection1(t, g, bp, m, damp1, wd, useWd, useMom, nesterov, first); // Algorithm 1 line 4
  store<f32>(tp, tn);
  let w = soft1(tn, dNext); // Algorithm 1 line 7
  if (mix) w = omk * w + kk * tn;
  store<f32>(wp, w);
  return w;
}

// The 4-lane body of st_step over [0, n4); returns the i32x4 nonzero counts.
// @ts-ignore: decorator
@inline function stLoop4(theta: usize, grad: usize, buf: usize, w: usize, n4: i32,
  lr: v128, m: v128, damp1: v128, wd: v128, dCur: v128, dNext: v128, kk: v128, omk: v128,
  mode: i32, useWd: bool, useMom: bool, nesterov: bool, first: bool, mix: bool): v128 {
  const zero = f32x4.splat(0);
  let acc = i32x4.splat(0);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const wv = stStep4(theta + o, grad + o, buf + o, w + o, lr, m, damp1, wd, dCur, dNext, kk, omk,
      mode, useWd, useMom, nesterov, first, mix);
    acc = i32x4.sub(acc, f32x4.ne(wv, zero)); // ne gives −1 per nonzero lane
  }
  return acc;
}

/**
 * One fused soft-threshold training step over n latents (Algorithm 1 lines 3,
 * 4 and 7 for one tensor):
 *  (a) g = ∂L/∂θ from grad = ∂L/∂w:
 *      mode 0 STE/STDS: g = grad (∂w/∂θ viewed as 1);
 *      mode 1 STR subgradient: g = grad·1[|θ| > d_cur], pruned latents get +0
 *             (Algorithm 1 line 3);
 *      mode 2 GPO: ∂w/∂θ = (1 − k)·1[|θ| > d_cur] + k, applied as autograd
 *             sums the mapping's two branches in f32:
 *             g = (|θ| > d_cur ? f32(1 − k)·grad : +0) + k·grad.
 *  (b) SGD on θ exactly as sgd_step (weight decay on θ, momentum, dampening,
 *      Nesterov, `first` clones g into buf; buf may be 0 when momentum == 0)
 *      (Algorithm 1 line 4). With momentum, a pruned latent in mode 1 still
 *      moves by its buffered past gradients (as PyTorch STR does).
 *  (c) w = S_{d_next}(θ_new) (Algorithm 1 line 7); in mode 2 with k != 0,
 *      w = (1 − k)·S_{d_next}(θ_new) + k·θ_new computed as
 *      (f32(1 − k)·S) + (k·θ) (Table 1, GPO). k is ignored in modes 0 and 1.
 *  (d) returns #{w != 0} (±0 count as zero, NaN as nonzero).
 * The indicator in (a) uses the old θ and d_cur = d(t); (c) uses d_next = d(t+1).
 * Other mode values act as mode 0. With plain SGD (no momentum / weight decay)
 * and no sign flip, a nonzero w moves as ISTA, w(t+1) = S_{d(t+1)−d(t)}(w(t) −
 * η·∇_w L) (Lemma 1, Eq. 9), i.e. L1 penalty (d(t+1) − d(t))/η (Theorem 1).
 */
export function st_step(theta: usize, grad: usize, buf: usize, w: usize, n: i32, lr: f32, momentum: f32,
  dampening: f32, weight_decay: f32, nesterov: i32, first: i32, d_cur: f32, d_next: f32, mode: i32, k: f32): i32 {
  // Elementwise: split over threads by range; the nonzero count is a sum of integers, exact in any order.
  const nt = threadsFor(n, ELEMENTWISE_MIN);
  if (nt <= 1) return st_serial(theta, grad, buf, w, n, lr, momentum, dampening, weight_decay, nesterov, first, d_cur, d_next, mode, k);
  const p = taskArgs();
  store<usize>(p, theta); store<usize>(p + 4, grad); store<usize>(p + 8, buf); store<usize>(p + 12, w);
  store<f32>(p + 16, lr); store<f32>(p + 20, momentum); store<f32>(p + 24, dampening); store<f32>(p + 28, weight_decay);
  store<i32>(p + 32, nesterov); store<i32>(p + 36, first); store<f32>(p + 40, d_cur); store<f32>(p + 44, d_next);
  store<i32>(p + 48, mode); store<f32>(p + 52, k);
  for (let t = 0; t < nt; t++) store<i64>(threadResult(t), 0); // a thread whose share is empty leaves 0
  parallelRange(st_range, n, 64, nt, p);
  let c: i64 = 0;
  for (let t = 0; t < nt; t++) c += load<i64>(threadResult(t));
  return <i32>c;
}

function st_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const o = <usize>lo << 2, buf = load<usize>(p + 8);
  const c = st_serial(load<usize>(p) + o, load<usize>(p + 4) + o, buf ? buf + o : 0, load<usize>(p + 12) + o, hi - lo,
    load<f32>(p + 16), load<f32>(p + 20), load<f32>(p + 24), load<f32>(p + 28), load<i32>(p + 32), load<i32>(p + 36),
    load<f32>(p + 40), load<f32>(p + 44), load<i32>(p + 48), load<f32>(p + 52));
  store<i64>(threadResult(tid), <i64>c);
}

function st_serial(theta: usize, grad: usize, buf: usize, w: usize, n: i32, lr: f32, momentum: f32,
  dampening: f32, weight_decay: f32, nesterov: i32, first: i32, d_cur: f32, d_next: f32, mode: i32, k: f32): i32 {
  if (n <= 0) return 0;
  const md = mode == 1 || mode == 2 ? mode : 0;
  const useWd = weight_decay != 0;
  const useMom = momentum != 0;
  const nest = nesterov != 0 && useMom;
  const fst = first != 0;
  const mix = md == 2 && k != 0;
  const damp1: f32 = 1 - dampening;
  const omk: f32 = 1 - k;
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum), vdamp = f32x4.splat(damp1);
  const vwd = f32x4.splat(weight_decay), vdc = f32x4.splat(d_cur), vdn = f32x4.splat(d_next);
  const vk = f32x4.splat(k), vomk = f32x4.splat(omk);
  const n4 = n & ~3;
  // One loop per mode (literal `mode` folds the per-element branches away).
  let acc: v128;
  if (md == 0) {
    acc = stLoop4(theta, grad, buf, w, n4, vlr, vm, vdamp, vwd, vdc, vdn, vk, vomk, 0, useWd, useMom, nest, fst, false);
  } else if (md == 1) {
    acc = stLoop4(theta, grad, buf, w, n4, vlr, vm, vdamp, vwd, vdc, vdn, vk, vomk, 1, useWd, useMom, nest, fst, false);
  } else {
    acc = stLoop4(theta, grad, buf, w, n4, vlr, vm, vdamp, vwd, vdc, vdn, vk, vomk, 2, useWd, useMom, nest, fst, mix);
  }
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
    i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const wv = stStep1(theta + o, grad + o, buf + o, w + o, lr, momentum, damp1, weight_decay, d_cur, d_next,
      k, omk, md, useWd, useMom, nest, fst, mix);
    c += i32(wv != 0);
  }
  return c;
}

/**
 * w = S_d(θ) (Table 1, STR/STDS), or when k != 0 the GPO mix
 * w = f32(1 − k)·S_d(θ) + k·θ (Eq. 27's mapping). Returns #{w != 0}.
 * Used at initialisation (Algorithm 1 line 1 then line 7) and whenever a
 * threshold changes without a step.
 */
export function st_write(theta: usize, w: usize, n: i32, d: f32, k: f32): i32 {
  if (n <= 0) return 0;
  const mix = k != 0;
  const omk: f32 = 1 - k;
  const vd = f32x4.splat(d), vk = f32x4.splat(k), vomk = f32x4.splat(omk), zero = f32x4.splat(0);
  let acc = i32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const t = v128.load(theta + o);
    let v = soft4(t, vd);
    if (mix) v = f32x4.add(f32x4.mul(vomk, v), f32x4.mul(vk, t));
    v128.store(w + o, v);
    acc = i32x4.sub(acc, f32x4.ne(v, zero));
  }
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
    i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; o < nb; o += 4) {
    const t = load<f32>(theta + o);
    let v = soft1(t, d);
    if (mix) v = omk * v + k * t;
    store<f32>(w + o, v);
    c += i32(v != 0);
  }
  return c;
}

// Inverse shift on 4 lanes (see st_inverse_shift).
// @ts-ignore: decorator
@inline function invShift4(wv: v128, vd: v128): v128 {
  const t0 = f32x4.add(f32x4.abs(wv), vd);
  // fl(t0 − d) == 0 only when t0 == d: step to the next float up (eq is −1).
  const t = i32x4.sub(t0, f32x4.eq(f32x4.sub(t0, vd), f32x4.splat(0)));
  const th = v128.or(t, v128.and(wv, i32x4.splat(SIGN_BITS)));
  return v128.andnot(th, f32x4.eq(wv, f32x4.splat(0))); // w == ±0 → θ = +0
}

// @ts-ignore: decorator
@inline function invShift1(wv: f32, d: f32): f32 {
  if (wv == 0) return 0;
  const t0 = Mathf.abs(wv) + d;
  const t = t0 - d == 0 ? reinterpret<f32>(reinterpret<u32>(t0) + 1) : t0;
  return copysign<f32>(t, wv);
}

/**
 * θ = sign(w)·(|w| + d) for w != 0, θ = +0 for w == ±0 (inverse of S_d,
 * Appendix A: θ(t) = w(t) + d(t)·sign(w(t))), so that S_d(θ) reproduces w:
 * the `constant` scheduler's start. d must be finite and ≥ 0.
 *
 * In f32, t0 = fl(|w| + d) and S_d(θ) = fl(t0 − d), which can miss |w|. t0
 * is the float nearest |w| + d and t ↦ fl(t − d) is monotone, so its f32
 * neighbours do no better: S_d(θ) == w whenever a nearby f32 θ achieves it
 * (the spec checks the ±3 neighbours; a float32 simulation over 2·10^7
 * random (w, d) pairs found no θ closer than t0). In particular it is exact
 * when d == 0 or |w| + d is representable. One exception is made: when
 * fl(t0 − d) == 0 (|w| ≤ ulp(d)/2, so t0 == d) θ is taken one float above d
 * instead, so a nonzero w never becomes a pruned latent (|θ| > d) and signs
 * are kept. Exactness is impossible when |w| is not a multiple of the float
 * spacing at |w| + d: |w| below ulp(d) and not a multiple of it, or |w| + d
 * carrying into the next binade with |w|'s last bit set. In every case
 * |S_d(θ) − w| ≤ 1 ulp of max(|w|, d).
 * NaN w gives NaN θ; ±Inf gives ±Inf.
 */
export function st_inverse_shift(w: usize, theta: usize, n: i32, d: f32): void {
  if (n <= 0) return;
  const vd = f32x4.splat(d);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(theta + o, invShift4(v128.load(w + o), vd));
  for (; o < nb; o += 4) store<f32>(theta + o, invShift1(load<f32>(w + o), d));
}


// ((a0 + a1) + (a2 + a3)) for lo = (a0, a1), hi = (a2, a3).
// @ts-ignore: decorator
@inline function combine(lo: v128, hi: v128): f64 {
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) +
    (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}

/**
 * Two f64 reductions for trainable thresholds, written to out_f64_2[0..1]:
 *   out[0] = Σ_{|θ|>d} grad·sign(θ)
 *   out[1] = Σ grad·(θ − S_d(θ))      (S_d in f32 as the forward uses it)
 * grad is ∂L/∂w. Chain rule for w = (1 − k)·S_d(θ) + k·θ (k = 0 for STR):
 *   ∂w/∂d = −(1 − k)·sign(θ)·1[|θ| > d]   ⇒  ∂L/∂d = −(1 − k)·out[0]
 *   STR, d = σ(s) (Eq. 24):                  ∂L/∂s = −σ(s)(1 − σ(s))·out[0]
 *   ∂w/∂k = θ − S_d(θ)                     ⇒  ∂L/∂k = +out[1]
 *   GPO, k = 1e-6·|β| (Eq. 27):              ∂L/∂β = 1e-6·sign(β)·out[1]
 * (weight decay on s / β is the caller's.) Every term is exact in f64 (g·sign(θ)
 * is a sign flip; θ − S_d(θ) of two f32 fits in 25 bits, times a 24-bit g fits
 * in 53), so only the summation rounds. Order, as reduce.ts: element i of the
 * 4-lane body goes to lane accumulator a[i % 4], the tail to t, result
 * ((a0 + a1) + (a2 + a3)) + t, separately for each output. d ≥ 0.
 */
export function st_threshold_grads(theta: usize, grad: usize, n: i32, d: f32, out_f64_2: usize): void {
  let lo0 = f64x2.splat(0), hi0 = f64x2.splat(0), lo1 = f64x2.splat(0), hi1 = f64x2.splat(0);
  let t0: f64 = 0, t1: f64 = 0;
  if (n > 0) {
    const vd = f32x4.splat(d);
    const sign = i32x4.splat(SIGN_BITS);
    const n4 = <usize>(n & ~3) << 2;
    const nb = <usize>n << 2;
    let o: usize = 0;
    for (; o < n4; o += 16) {
      const t = v128.load(theta + o);
      const g = v128.load(grad + o);
      // Eq. 24 term: g·sign(θ) on alive latents, +0 elsewhere.
      const a = v128.and(v128.xor(g, v128.and(t, sign)), f32x4.gt(f32x4.abs(t), vd));
      lo0 = f64x2.add(lo0, f64x2.promote_low_f32x4(a));
      hi0 = f64x2.add(hi0, promoteHigh(a));
      // Eq. 27 term: g·(θ − S_d(θ)) in f64.
      const s = soft4(t, vd);
      lo1 = f64x2.add(lo1, f64x2.mul(f64x2.promote_low_f32x4(g),
        f64x2.sub(f64x2.promote_low_f32x4(t), f64x2.promote_low_f32x4(s))));
      hi1 = f64x2.add(hi1, f64x2.mul(promoteHigh(g), f64x2.sub(promoteHigh(t), promoteHigh(s))));
    }
    for (; o < nb; o += 4) {
      const t = load<f32>(theta + o);
      const g = load<f32>(grad + o);
      if (Mathf.abs(t) > d) t0 += t < 0 ? -(<f64>g) : <f64>g;
      t1 += <f64>g * (<f64>t - <f64>soft1(t, d));
    }
  }
  store<f64>(out_f64_2, combine(lo0, hi0) + t0);
  store<f64>(out_f64_2 + 8, combine(lo1, hi1) + t1);
}

/** #{|θ| > d} (NaN never counts): the number of latents alive under d. */
export function count_above(theta: usize, n: i32, d: f32): i32 {
  if (n <= 0) return 0;
  const vd = f32x4.splat(d);
  let acc = i32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) acc = i32x4.sub(acc, f32x4.gt(f32x4.abs(v128.load(theta + o)), vd));
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
    i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; o < nb; o += 4) c += i32(Mathf.abs(load<f32>(theta + o)) > d);
  return c;
}
