// Surrogate gradients of the Heaviside spike S = Θ(x), x = H − V_th
// (LATS Appendix G; SpikingJelly's surrogate.ATan and surrogate.Sigmoid).
// The forward pass is always the exact step Θ(x) = (x ≥ 0); only the backward
// pass uses the smooth function's derivative. Operation order follows
// SpikingJelly's backward so a plain-PyTorch rebuild gives the same floats.

export const SURROGATE_ATAN: i32 = 0;
export const SURROGATE_SIGMOID: i32 = 1;

/**
 * ATan: σ(x) = arctan(π/2·α·x)/π + 1/2, σ'(x) = (α/2) / (1 + (π/2·α·x)²).
 * halfAlpha = α/2 and piHalfAlpha = π/2·α, each rounded to f32 once.
 */
// @ts-ignore: decorator
@inline export function atan_grad(x: f32, halfAlpha: f32, piHalfAlpha: f32): f32 {
  const u = piHalfAlpha * x;
  return halfAlpha / (<f32>1 + u * u);
}

/** Sigmoid: σ(x) = 1 / (1 + e^(−αx)), σ'(x) = (1 − σ(αx))·σ(αx)·α. */
// @ts-ignore: decorator
@inline export function sigmoid_grad(x: f32, alpha: f32): f32 {
  const s = <f32>1 / (<f32>1 + Mathf.exp(-(x * alpha)));
  return (<f32>1 - s) * s * alpha;
}

/** σ'(x) for one value. */
// @ts-ignore: decorator
@inline export function surrogate_at(x: f32, kind: i32, alpha: f32, halfAlpha: f32, piHalfAlpha: f32): f32 {
  return kind == SURROGATE_SIGMOID ? sigmoid_grad(x, alpha) : atan_grad(x, halfAlpha, piHalfAlpha);
}

/** σ'(x) for four lanes (ATan in SIMD; the sigmoid lane by lane, for its exp). */
// @ts-ignore: decorator
@inline export function surrogate_x4(x: v128, kind: i32, alpha: f32, halfAlpha: f32, piHalfAlpha: f32): v128 {
  if (kind == SURROGATE_SIGMOID) {
    let r = f32x4.splat(sigmoid_grad(f32x4.extract_lane(x, 0), alpha));
    r = f32x4.replace_lane(r, 1, sigmoid_grad(f32x4.extract_lane(x, 1), alpha));
    r = f32x4.replace_lane(r, 2, sigmoid_grad(f32x4.extract_lane(x, 2), alpha));
    return f32x4.replace_lane(r, 3, sigmoid_grad(f32x4.extract_lane(x, 3), alpha));
  }
  const u = f32x4.mul(f32x4.splat(piHalfAlpha), x);
  return f32x4.div(f32x4.splat(halfAlpha), f32x4.add(f32x4.splat(1), f32x4.mul(u, u)));
}

/** y[i] = σ'(x[i]) (kind 0 ATan, 1 sigmoid): the surrogate on its own, for tests and plots. */
export function surrogate_grad(x: usize, y: usize, n: i32, kind: i32, alpha: f32): void {
  const halfAlpha = <f32>(<f64>alpha / 2), piHalfAlpha = <f32>(Math.PI / 2 * <f64>alpha);
  for (let i: usize = 0; i < <usize>n; i++) store<f32>(y + (i << 2), surrogate_at(load<f32>(x + (i << 2)), kind, alpha, halfAlpha, piHalfAlpha));
}
