// Learning-rate shapes as functions of training progress, in f64: h(x)/η₀
// after warm-up, its exact integral, and the whole-run forms with a linear
// warm-up. The threshold schedulers (assembly/prune/schedules.ts, LATS Eq. 13/15)
// integrate them; the training schedule's per-step rate is
// ./lr_schedule.ts.
// LR shape codes, shared with the host (src/optim/lr-schedules.ts LR_SHAPE).
export const LR_CONSTANT: i32 = 0;
export const LR_COSINE: i32 = 1;
export const LR_POLY: i32 = 2;
export const LR_STEP: i32 = 3;

export const PI: f64 = Math.PI;
export const HALF_PI: f64 = Math.PI / 2;
export const INV_PI: f64 = 1 / Math.PI;
export const PI_SQ: f64 = Math.PI * Math.PI;

// Step shape on the step grid: the decay index is ⌊y/P + 1e-9⌋, so a grid point
// that should sit exactly on a period boundary is not pushed below it by
// rounding (the host uses the same 1e-9 tolerance in epochs). Integrals use
// the exact ⌊y/P⌋.
export const STEP_EPS: f64 = 1e-9;

// Quadrature: relative tolerance per panel, absolute floor per unit width

/** sin(πx) for x ∈ [0, 1], reflected so sinpi(1) = 0 exactly. */
export function sinpi(x: f64): f64 {
  return x <= 0.5 ? Math.sin(PI * x) : Math.sin(PI * (1 - x));
}

/** cos(πx) for x ∈ [0, 1], reflected so cospi(1) = −1 with full relative accuracy nearby. */
export function cospi(x: f64): f64 {
  return x <= 0.5 ? Math.cos(PI * x) : -Math.cos(PI * (1 - x));
}

/** LR shape s(y) = h/η₀ after warm-up, y ∈ [0, 1]. */
export function shapeH(shape: i32, y: f64, a: f64, b: f64, grid: bool): f64 {
  if (shape == LR_CONSTANT) return 1;
  if (shape == LR_COSINE) {
    // ½(1 + cos πy) = sin²(π(1 − y)/2): no cancellation near y = 1.
    const s = Math.sin(HALF_PI * (1 - y));
    return s * s;
  }
  if (shape == LR_POLY) return y >= 1 ? 0 : Math.pow(1 - y, a);
  // LR_STEP
  const k = Math.floor(y / b + (grid ? STEP_EPS : 0));
  return Math.pow(a, k);
}

/** S(y) = ∫₀^y s(u) du, exact. */
export function shapeS(shape: i32, y: f64, a: f64, b: f64): f64 {
  if (shape == LR_CONSTANT) return y;
  if (shape == LR_COSINE) return 0.5 * (y + sinpi(y) * INV_PI);
  if (shape == LR_POLY) {
    // (1 − (1 − y)^{κ+1}) / (κ + 1) without cancellation at small y.
    const k1 = a + 1;
    return -Math.expm1(k1 * Math.log1p(-y)) / k1;
  }
  // LR_STEP: full periods 0..k−1 contribute P·γ^j, then the partial period.
  const k = Math.floor(y / b);
  const lg = Math.log(a);
  const geo = a == 1 ? k : Math.expm1(k * lg) / Math.expm1(lg); // Σ_{j<k} γ^j
  return b * geo + (y - k * b) * Math.pow(a, k);
}

/** h(x)/η₀ over the whole run: linear warm-up x/w on [0, w), then the shape on [w, 1]. */
export function hFull(shape: i32, x: f64, w: f64, a: f64, b: f64, grid: bool): f64 {
  if (x < w) return x / w;
  return shapeH(shape, (x - w) / (1 - w), a, b, grid);
}

/** H(x) = ∫₀ˣ h(u)/η₀ du, exact (Eq. 13 numerator). */
export function HFull(shape: i32, x: f64, w: f64, a: f64, b: f64): f64 {
  if (x <= w) return w > 0 ? (0.5 * x * x) / w : 0;
  return 0.5 * w + (1 - w) * shapeS(shape, (x - w) / (1 - w), a, b);
}

