// LATS (Corollary 1, Eq. 12): the threshold as a prefix sum of the real
// per-step learning rates.
import { PI } from "../optim/lr_shape";

/**
 * LATS (Corollary 1): out[t] = Σ_{i<t} η(i) for t = 0..T (T + 1 f64 values) from
 * the f64 learning rates lr[0..T−1]; d(t) = d(0) + μ·out[t]. Neumaier-compensated,
 * strictly left to right, so the result is deterministic and within a few ulps
 * of the exact sum. out must not overlap lr. Returns out[T].
 */
export function lats_prefix_sums(lr: usize, T: i32, out: usize): f64 {
  let s: f64 = 0;
  let c: f64 = 0;
  store<f64>(out, 0);
  for (let i = 0; i < T; i++) {
    const v = load<f64>(lr + (<usize>i << 3));
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
    store<f64>(out + (<usize>(i + 1) << 3), s + c);
  }
  return s + c;
}

/**
 * LATS Eq. 12 for cosine annealing with per-epoch LR (η_min = 0, no warm-up,
 * d(0) = 0), divided by μ·η_max: the threshold after batch b = 1..B of epoch
 * n = 0..N−1, i.e. after t = nB + b steps.
 */
export function lats_cosine_eq12(n: i32, b: i32, N: i32, B: i32): f64 {
  const nf = <f64>n;
  const Nf = <f64>N;
  const ratio = Math.sin(((2 * nf - 1) * PI) / (2 * Nf)) / Math.sin(PI / (2 * Nf));
  return (<f64>B / 4) * (2 * nf + 1 + ratio) + (<f64>b / 2) * (1 + Math.cos((nf * PI) / Nf));
}
