// Early pruning (LATS Section 5.3.2): where the scheduler's slope g′ falls
// below the stop penalty p, pruning stops and the mask is fixed.
import { shapeOf, validParams, dgOf } from "./schedules";

// Stop-point root finding: scan grid, then bisection.
const STOP_SCAN: i32 = 4096;

/** First step the stop criterion may fire: after warm-up (g′ rises there), else 0. */
function firstStopStep(kind: i32, T: i32, w: f64): i32 {
  if (shapeOf(kind) < 0 || w <= 0) return 0;
  return <i32>Math.ceil(w * <f64>T - 1e-9);
}

/**
 * Early pruning (Section 5.3.2): the first step t ∈ [t₀, T) with g′(t/T) < p,
 * or T if there is none. t₀ = ⌈wT⌉ for the LR-derived kinds (the warm-up ramp,
 * where g′ grows from 0, is skipped), else 0. −1 for invalid input.
 */
export function sched_stop_step(kind: i32, T: i32, p: f64, p0: f64, p1: f64, p2: f64, p3: f64): i32 {
  if (!validParams(kind, p0, p1, p2, p3) || T < 1 || !(p > 0)) return -1;
  for (let t = firstStopStep(kind, T, p0); t < T; t++) {
    if (dgOf(kind, <f64>t / <f64>T, p0, p1, p2, p3) < p) return t;
  }
  return T;
}

/**
 * The continuous stop point: the first x ∈ [x₀, 1] with g′(x) < p (x₀ = w for
 * the LR-derived kinds, else 0), located on a 4096-interval scan of [x₀, 1]
 * and refined by bisection to adjacent doubles. 1 if g′ ≥ p on the whole scan;
 * NaN for invalid input.
 */
export function sched_stop_x(kind: i32, p: f64, p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  if (!validParams(kind, p0, p1, p2, p3) || !(p > 0)) return NaN;
  const x0: f64 = shapeOf(kind) >= 0 ? p0 : 0;
  if (dgOf(kind, x0, p0, p1, p2, p3) < p) return x0;
  let lo = x0;
  let hi: f64 = 1;
  let found = false;
  for (let i = 1; i <= STOP_SCAN; i++) {
    const x = i == STOP_SCAN ? 1.0 : x0 + ((1 - x0) * <f64>i) / <f64>STOP_SCAN;
    if (dgOf(kind, x, p0, p1, p2, p3) < p) {
      hi = x;
      found = true;
      break;
    }
    lo = x;
  }
  if (!found) return 1;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;
    if (dgOf(kind, mid, p0, p1, p2, p3) < p) hi = mid;
    else lo = mid;
  }
  return hi;
}

