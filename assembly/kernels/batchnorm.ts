// BatchNorm2d with PyTorch semantics over NCHW f32 tensors [n, c, hw]:
// training forward (batch statistics, running-stat update), eval forward and
// the training-mode backward. Statistics and gradient sums are accumulated in
// f64 in one fixed order, so every runtime produces the same bits.
//
// Summation order (every per-channel sum below): channel ch covers N = n·hw
// values, the planes p_s = x[s, ch, :] for s = 0..n−1. Each plane is summed as
// in reduce.ts `sum`: element i of the 4-wide body goes to f64 lane a[i % 4],
// the hw % 4 tail to t, plane = ((a0 + a1) + (a2 + a3)) + t. The channel total
// starts at +0 and adds the plane sums in order s = 0..n−1.
//
// Aliasing: y may be x (forward), dx may be dy or x (backward); every other
// buffer must be distinct. gamma, beta, running_*, save_*, dgamma, dbeta hold
// c f32 values each.

import { parallelRange, threadsFor, taskArgs, threadTmp } from "../parallel";

// Channels are independent: split over threads by channel, at least this many floats per thread.
const BN_MIN: i32 = 16384;

// Widen the high two f32 lanes of v to f64x2.
// @ts-ignore: decorator
@inline function promote_high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1));
}

// ((a0 + a1) + (a2 + a3)) for lo = (a0, a1), hi = (a2, a3).
// @ts-ignore: decorator
@inline function combine(lo: v128, hi: v128): f64 {
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) +
    (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}

// A plane's sums in f64, in the order above: Σ x (reduce.ts `sum`), Σ (x − m)²,
// and Σ dy with Σ dy·(x − m). Each is computed for two planes at once, each
// plane in its own order (so the same bits): the two planes' dependency
// chains overlap, where one plane's f64 adds wait on each other (the cnn's
// batch norms: 1.0–1.2× faster, the first one 1.2× forward and backward). A
// channel's total adds its planes in sample order (channel_* below; an odd
// last plane is passed as both planes of a pair).

// Σ x (reduce.ts `sum` order) of the planes at x0 and x1: returns x0's, stores x1's at out.
function plane_sum2(x0: usize, x1: usize, hw: i32, out: usize): f64 {
  let lo0 = f64x2.splat(0), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  const n4 = <usize>(hw & ~3) << 2;
  const nb = <usize>hw << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const v0 = v128.load(x0 + o), v1 = v128.load(x1 + o);
    lo0 = f64x2.add(lo0, f64x2.promote_low_f32x4(v0));
    hi0 = f64x2.add(hi0, promote_high(v0));
    lo1 = f64x2.add(lo1, f64x2.promote_low_f32x4(v1));
    hi1 = f64x2.add(hi1, promote_high(v1));
  }
  let t0: f64 = 0, t1: f64 = 0;
  for (; o < nb; o += 4) {
    t0 += <f64>load<f32>(x0 + o);
    t1 += <f64>load<f32>(x1 + o);
  }
  store<f64>(out, combine(lo1, hi1) + t1);
  return combine(lo0, hi0) + t0;
}

// Σ (x − m)² of the planes at x0 and x1: returns x0's, stores x1's at out.
function plane_centered_sq2(x0: usize, x1: usize, hw: i32, m: f64, out: usize): f64 {
  let lo0 = f64x2.splat(0), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  const mv = f64x2.splat(m);
  const n4 = <usize>(hw & ~3) << 2;
  const nb = <usize>hw << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const v0 = v128.load(x0 + o), v1 = v128.load(x1 + o);
    const a0 = f64x2.sub(f64x2.promote_low_f32x4(v0), mv), b0 = f64x2.sub(promote_high(v0), mv);
    const a1 = f64x2.sub(f64x2.promote_low_f32x4(v1), mv), b1 = f64x2.sub(promote_high(v1), mv);
    lo0 = f64x2.add(lo0, f64x2.mul(a0, a0));
    hi0 = f64x2.add(hi0, f64x2.mul(b0, b0));
    lo1 = f64x2.add(lo1, f64x2.mul(a1, a1));
    hi1 = f64x2.add(hi1, f64x2.mul(b1, b1));
  }
  let t0: f64 = 0, t1: f64 = 0;
  for (; o < nb; o += 4) {
    const d0 = <f64>load<f32>(x0 + o) - m, d1 = <f64>load<f32>(x1 + o) - m;
    t0 += d0 * d0;
    t1 += d1 * d1;
  }
  store<f64>(out, combine(lo1, hi1) + t1);
  return combine(lo0, hi0) + t0;
}

// Σ dy and Σ dy·(x − m) of two planes (dy0, x0) and (dy1, x1): returns Σ dy of the
// first; stores Σ dy·(x − m) of the first at out, Σ dy and Σ dy·(x − m) of
// the second at out + 8 and out + 16.
function plane_dy_sums2(dy0: usize, x0: usize, dy1: usize, x1: usize, hw: i32, m: f64, out: usize): f64 {
  let s0 = f64x2.splat(0), S0 = s0, d0 = s0, D0 = s0, s1 = s0, S1 = s0, d1 = s0, D1 = s0;
  const mv = f64x2.splat(m);
  const n4 = <usize>(hw & ~3) << 2;
  const nb = <usize>hw << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const g0 = v128.load(dy0 + o), v0 = v128.load(x0 + o), g1 = v128.load(dy1 + o), v1 = v128.load(x1 + o);
    const gl0 = f64x2.promote_low_f32x4(g0), gh0 = promote_high(g0), gl1 = f64x2.promote_low_f32x4(g1), gh1 = promote_high(g1);
    s0 = f64x2.add(s0, gl0);
    S0 = f64x2.add(S0, gh0);
    s1 = f64x2.add(s1, gl1);
    S1 = f64x2.add(S1, gh1);
    d0 = f64x2.add(d0, f64x2.mul(gl0, f64x2.sub(f64x2.promote_low_f32x4(v0), mv)));
    D0 = f64x2.add(D0, f64x2.mul(gh0, f64x2.sub(promote_high(v0), mv)));
    d1 = f64x2.add(d1, f64x2.mul(gl1, f64x2.sub(f64x2.promote_low_f32x4(v1), mv)));
    D1 = f64x2.add(D1, f64x2.mul(gh1, f64x2.sub(promote_high(v1), mv)));
  }
  let st0: f64 = 0, dt0: f64 = 0, st1: f64 = 0, dt1: f64 = 0;
  for (; o < nb; o += 4) {
    const a = <f64>load<f32>(dy0 + o), b = <f64>load<f32>(dy1 + o);
    st0 += a;
    dt0 += a * (<f64>load<f32>(x0 + o) - m);
    st1 += b;
    dt1 += b * (<f64>load<f32>(x1 + o) - m);
  }
  store<f64>(out, combine(d0, D0) + dt0);
  store<f64>(out + 8, combine(s1, S1) + st1);
  store<f64>(out + 16, combine(d1, D1) + dt1);
  return combine(s0, S0) + st0;
}

// One channel's totals: planes at base + i·stride (i < n) added in sample order.
function channel_sum(x: usize, stride: usize, n: i32, hw: i32, tmp: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i += 2) {
    const p = x + <usize>i * stride, q = i + 1 < n ? p + stride : p;
    s += plane_sum2(p, q, hw, tmp);
    if (i + 1 < n) s += load<f64>(tmp);
  }
  return s;
}

function channel_centered_sq(x: usize, stride: usize, n: i32, hw: i32, m: f64, tmp: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i += 2) {
    const p = x + <usize>i * stride, q = i + 1 < n ? p + stride : p;
    s += plane_centered_sq2(p, q, hw, m, tmp);
    if (i + 1 < n) s += load<f64>(tmp);
  }
  return s;
}

// Returns Σ dy; stores Σ dy·(x − m) at out (24 bytes of scratch).
function channel_dy_sums(dy: usize, x: usize, stride: usize, n: i32, hw: i32, m: f64, out: usize): f64 {
  let sdy: f64 = 0, sdx: f64 = 0;
  for (let i = 0; i < n; i += 2) {
    const off = <usize>i * stride, off1 = i + 1 < n ? off + stride : off;
    sdy += plane_dy_sums2(dy + off, x + off, dy + off1, x + off1, hw, m, out);
    sdx += load<f64>(out);
    if (i + 1 < n) {
      sdy += load<f64>(out, 8);
      sdx += load<f64>(out, 16);
    }
  }
  store<f64>(out, sdx);
  return sdy;
}

// y = x·a + b over one plane (f32; x == y allowed).
function plane_affine(x: usize, y: usize, hw: i32, a: f32, b: f32): void {
  const av = f32x4.splat(a);
  const bv = f32x4.splat(b);
  const n4 = <usize>(hw & ~3) << 2;
  const nb = <usize>hw << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(y + o, f32x4.add(f32x4.mul(v128.load(x + o), av), bv));
  for (; o < nb; o += 4) store<f32>(y + o, load<f32>(x + o) * a + b);
}

export function bn_forward_train(x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize, eps: f32, momentum: f32,
  running_mean: usize, running_var: usize, save_mean: usize, save_invstd: usize, y: usize): void {
  if (n <= 0 || c <= 0 || hw <= 0) return;
  const nt = threadsFor(c, (BN_MIN + n * hw - 1) / max(n * hw, 1));
  if (nt <= 1) return bnForwardTrainRange(x, n, c, hw, gamma, beta, eps, momentum, running_mean, running_var, save_mean, save_invstd, y, 0, c, threadTmp(0));
  const p = taskArgs();
  store<usize>(p + 0, x); store<i32>(p + 4, n); store<i32>(p + 8, c); store<i32>(p + 12, hw); store<usize>(p + 16, gamma); store<usize>(p + 20, beta); store<f32>(p + 24, eps); store<f32>(p + 28, momentum); store<usize>(p + 32, running_mean); store<usize>(p + 36, running_var); store<usize>(p + 40, save_mean); store<usize>(p + 44, save_invstd); store<usize>(p + 48, y);
  parallelRange(bn_forward_train_range, c, 1, nt, p);
}

function bn_forward_train_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  bnForwardTrainRange(load<usize>(p + 0), load<i32>(p + 4), load<i32>(p + 8), load<i32>(p + 12), load<usize>(p + 16), load<usize>(p + 20), load<f32>(p + 24), load<f32>(p + 28), load<usize>(p + 32), load<usize>(p + 36), load<usize>(p + 40), load<usize>(p + 44), load<usize>(p + 48), lo, hi, threadTmp(tid));
}

/**
 * Training-mode forward. For each channel ch, with N = n·hw and sums in the
 * fixed order of the file comment (all in f64):
 *   mean = Σx / N,  var = Σ(x − mean)² / N  (biased; two passes),
 *   invstd = 1 / √(var + eps),
 *   a = f32(gamma·invstd), b = f32(beta − mean·gamma·invstd),
 *   y = x·a + b  (f32; the same split PyTorch's CPU kernel uses),
 *   save_mean[ch] = f32(mean), save_invstd[ch] = f32(invstd) (for bn_backward),
 *   running_mean = f32((1 − momentum)·running_mean + momentum·mean),
 *   running_var  = f32((1 − momentum)·running_var + momentum·Σ(x − mean)²/(N − 1)).
 * Unbiased running variance needs N ≥ 2: when N == 1 (PyTorch raises) the
 * kernel leaves running_var unchanged (running_mean is still updated); the host
 * refuses batch·hw == 1 anyway. PyTorch's momentum=None (cumulative average) is
 * the host passing momentum = 1/num_batches_tracked. y may alias x.
 */
function bnForwardTrainRange(
  x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize, eps: f32, momentum: f32,
  running_mean: usize, running_var: usize, save_mean: usize, save_invstd: usize, y: usize, lo: i32, hi: i32, tmp: usize): void {
  if (n <= 0 || c <= 0 || hw <= 0) return;
  const N = <f64>n * <f64>hw;
  const plane = <usize>hw << 2;
  const stride = <usize>c * plane; // bytes from sample s to s + 1 in one channel
  const mom = <f64>momentum;
  for (let ch = lo; ch < hi; ch++) {
    const base = <usize>ch * plane;
    const mean = channel_sum(x + base, stride, n, hw, tmp) / N;
    const m2 = channel_centered_sq(x + base, stride, n, hw, mean, tmp);
    const invstd = 1.0 / Math.sqrt(m2 / N + <f64>eps);
    const co = <usize>ch << 2;
    const g = <f64>load<f32>(gamma + co) * invstd;
    const a = <f32>g;
    const b = <f32>(<f64>load<f32>(beta + co) - mean * g);
    store<f32>(save_mean + co, <f32>mean);
    store<f32>(save_invstd + co, <f32>invstd);
    store<f32>(running_mean + co, <f32>((1.0 - mom) * <f64>load<f32>(running_mean + co) + mom * mean));
    if (N > 1) {
      store<f32>(running_var + co, <f32>((1.0 - mom) * <f64>load<f32>(running_var + co) + mom * (m2 / (N - 1))));
    }
    for (let i = 0; i < n; i++) {
      const off = base + <usize>i * stride;
      plane_affine(x + off, y + off, hw, a, b);
    }
  }
}

export function bn_forward_eval(x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize,
  running_mean: usize, running_var: usize, eps: f32, y: usize): void {
  if (n <= 0 || c <= 0 || hw <= 0) return;
  const nt = threadsFor(c, (BN_MIN + n * hw - 1) / max(n * hw, 1));
  if (nt <= 1) return bnForwardEvalRange(x, n, c, hw, gamma, beta, running_mean, running_var, eps, y, 0, c);
  const p = taskArgs();
  store<usize>(p + 0, x); store<i32>(p + 4, n); store<i32>(p + 8, c); store<i32>(p + 12, hw); store<usize>(p + 16, gamma); store<usize>(p + 20, beta); store<usize>(p + 24, running_mean); store<usize>(p + 28, running_var); store<f32>(p + 32, eps); store<usize>(p + 36, y);
  parallelRange(bn_forward_eval_range, c, 1, nt, p);
}

function bn_forward_eval_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  bnForwardEvalRange(load<usize>(p + 0), load<i32>(p + 4), load<i32>(p + 8), load<i32>(p + 12), load<usize>(p + 16), load<usize>(p + 20), load<usize>(p + 24), load<usize>(p + 28), load<f32>(p + 32), load<usize>(p + 36), lo, hi);
}

/**
 * Eval-mode forward with the running statistics, per channel ch:
 *   k = gamma / √(running_var + eps)  (f64),
 *   y = x·f32(k) + f32(beta − running_mean·k)  (f32).
 * Nothing is updated. y may alias x.
 */
function bnForwardEvalRange(
  x: usize, n: i32, c: i32, hw: i32, gamma: usize, beta: usize,
  running_mean: usize, running_var: usize, eps: f32, y: usize, lo: i32, hi: i32): void {
  if (n <= 0 || c <= 0 || hw <= 0) return;
  const plane = <usize>hw << 2;
  const stride = <usize>c * plane;
  for (let ch = lo; ch < hi; ch++) {
    const co = <usize>ch << 2;
    const k = <f64>load<f32>(gamma + co) / Math.sqrt(<f64>load<f32>(running_var + co) + <f64>eps);
    const a = <f32>k;
    const b = <f32>(<f64>load<f32>(beta + co) - <f64>load<f32>(running_mean + co) * k);
    const base = <usize>ch * plane;
    for (let i = 0; i < n; i++) {
      const off = base + <usize>i * stride;
      plane_affine(x + off, y + off, hw, a, b);
    }
  }
}

export function bn_backward(dy: usize, x: usize, n: i32, c: i32, hw: i32, gamma: usize, save_mean: usize, save_invstd: usize,
  dgamma: usize, dbeta: usize, dx: usize): void {
  if (c <= 0) return;
  const nt = threadsFor(c, (BN_MIN + n * hw - 1) / max(n * hw, 1));
  if (nt <= 1) return bnBackwardRange(dy, x, n, c, hw, gamma, save_mean, save_invstd, dgamma, dbeta, dx, 0, c, threadTmp(0));
  const p = taskArgs();
  store<usize>(p + 0, dy); store<usize>(p + 4, x); store<i32>(p + 8, n); store<i32>(p + 12, c); store<i32>(p + 16, hw); store<usize>(p + 20, gamma); store<usize>(p + 24, save_mean); store<usize>(p + 28, save_invstd); store<usize>(p + 32, dgamma); store<usize>(p + 36, dbeta); store<usize>(p + 40, dx);
  parallelRange(bn_backward_range, c, 1, nt, p);
}

function bn_backward_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  bnBackwardRange(load<usize>(p + 0), load<usize>(p + 4), load<i32>(p + 8), load<i32>(p + 12), load<i32>(p + 16), load<usize>(p + 20), load<usize>(p + 24), load<usize>(p + 28), load<usize>(p + 32), load<usize>(p + 36), load<usize>(p + 40), lo, hi, threadTmp(tid));
}

/**
 * Training-mode backward (batch statistics, as after bn_forward_train), per
 * channel ch with N = n·hw, m = save_mean[ch], r = save_invstd[ch] and
 * x̂ = (x − m)·r. Sums in f64 in the file's fixed order:
 *   dbeta[ch]  = Σ dy                       (OVERWRITTEN, not accumulated)
 *   dgamma[ch] = Σ dy·x̂ = r·Σ dy·(x − m)    (OVERWRITTEN)
 *   dx = gamma·r/N · (N·dy − dbeta − x̂·dgamma), evaluated in f32 as
 *   dx = ((dy − f32(Σdy/N)) − (x − m)·f32(r²·Σdy(x − m)/N)) · f32(gamma·r).
 * dx may alias dy or x (in-place is allowed: a channel's sums are complete
 * before any of its dx is written, and channels do not overlap).
 */
function bnBackwardRange(
  dy: usize, x: usize, n: i32, c: i32, hw: i32, gamma: usize, save_mean: usize, save_invstd: usize,
  dgamma: usize, dbeta: usize, dx: usize, lo: i32, hi: i32, tmp: usize): void {
  if (c <= 0) return;
  if (n <= 0 || hw <= 0) {
    memory.fill(dgamma, 0, <usize>c << 2);
    memory.fill(dbeta, 0, <usize>c << 2);
    return;
  }
  const N = <f64>n * <f64>hw;
  const plane = <usize>hw << 2;
  const stride = <usize>c * plane;
  for (let ch = lo; ch < hi; ch++) {
    const co = <usize>ch << 2;
    const m32 = load<f32>(save_mean + co);
    const m = <f64>m32;
    const r = <f64>load<f32>(save_invstd + co);
    const base = <usize>ch * plane;
    const sdy = channel_dy_sums(dy + base, x + base, stride, n, hw, m, tmp);
    const sdx = load<f64>(tmp);
    store<f32>(dbeta + co, <f32>sdy);
    store<f32>(dgamma + co, <f32>(sdx * r));
    const gm = f32x4.splat(<f32>(sdy / N));
    const k = f32x4.splat(<f32>(sdx * r * r / N));
    const s = f32x4.splat(<f32>(<f64>load<f32>(gamma + co) * r));
    const mv = f32x4.splat(m32);
    const gms = <f32>(sdy / N);
    const ks = <f32>(sdx * r * r / N);
    const ss = <f32>(<f64>load<f32>(gamma + co) * r);
    const n4 = <usize>(hw & ~3) << 2;
    for (let i = 0; i < n; i++) {
      const off = base + <usize>i * stride;
      const gp = dy + off;
      const xp = x + off;
      const dp = dx + off;
      let o: usize = 0;
      for (; o < n4; o += 16) {
        const t = f32x4.sub(f32x4.sub(v128.load(gp + o), gm), f32x4.mul(f32x4.sub(v128.load(xp + o), mv), k));
        v128.store(dp + o, f32x4.mul(t, s));
      }
      for (; o < plane; o += 4) {
        store<f32>(dp + o, ((load<f32>(gp + o) - gms) - (load<f32>(xp + o) - m32) * ks) * ss);
      }
    }
  }
}

export function bn_backward_eval(dy: usize, x: usize, n: i32, c: i32, hw: i32, gamma: usize, running_mean: usize, running_var: usize, eps: f32,
  dgamma: usize, dbeta: usize, dx: usize): void {
  if (c <= 0) return;
  const nt = threadsFor(c, (BN_MIN + n * hw - 1) / max(n * hw, 1));
  if (nt <= 1) return bnBackwardEvalRange(dy, x, n, c, hw, gamma, running_mean, running_var, eps, dgamma, dbeta, dx, 0, c, threadTmp(0));
  const p = taskArgs();
  store<usize>(p + 0, dy); store<usize>(p + 4, x); store<i32>(p + 8, n); store<i32>(p + 12, c); store<i32>(p + 16, hw); store<usize>(p + 20, gamma); store<usize>(p + 24, running_mean); store<usize>(p + 28, running_var); store<f32>(p + 32, eps); store<usize>(p + 36, dgamma); store<usize>(p + 40, dbeta); store<usize>(p + 44, dx);
  parallelRange(bn_backward_eval_range, c, 1, nt, p);
}

function bn_backward_eval_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  bnBackwardEvalRange(load<usize>(p + 0), load<usize>(p + 4), load<i32>(p + 8), load<i32>(p + 12), load<i32>(p + 16), load<usize>(p + 20), load<usize>(p + 24), load<usize>(p + 28), load<f32>(p + 32), load<usize>(p + 36), load<usize>(p + 40), load<usize>(p + 44), lo, hi, threadTmp(tid));
}

/**
 * Evaluation-mode backward (running statistics, as after bn_forward_eval: the
 * layer is then the affine map y = x·k + b with k = gamma/√(running_var + eps)).
 * Per channel, with r = 1/√(running_var + eps) and sums in the file's order:
 *   dbeta[ch]  = Σ dy                                 (OVERWRITTEN)
 *   dgamma[ch] = r·Σ dy·(x − running_mean)            (OVERWRITTEN)
 *   dx = dy·f32(gamma·r)                              (dx may alias dy)
 */
function bnBackwardEvalRange(
  dy: usize, x: usize, n: i32, c: i32, hw: i32, gamma: usize, running_mean: usize, running_var: usize, eps: f32,
  dgamma: usize, dbeta: usize, dx: usize, lo: i32, hi: i32, tmp: usize): void {
  if (c <= 0) return;
  const plane = <usize>hw << 2;
  const stride = <usize>c * plane;
  for (let ch = lo; ch < hi; ch++) {
    const co = <usize>ch << 2;
    const m = <f64>load<f32>(running_mean + co);
    const r = 1 / Math.sqrt(<f64>load<f32>(running_var + co) + <f64>eps);
    const base = <usize>ch * plane;
    const sdy = channel_dy_sums(dy + base, x + base, stride, n, hw, m, tmp);
    const sdx = load<f64>(tmp);
    store<f32>(dbeta + co, <f32>sdy);
    store<f32>(dgamma + co, <f32>(sdx * r));
    const k = <f32>(<f64>load<f32>(gamma + co) * r);
    for (let i = 0; i < n; i++) {
      const off = base + <usize>i * stride;
      plane_affine(dy + off, dx + off, hw, k, 0);
    }
  }
}
