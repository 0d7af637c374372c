// The PGH scheduler's closed form (LATS Eq. 16) in a stable form.
import { PI, HALF_PI, PI_SQ, sinpi, cospi } from "../optim/lr_shape";


/**
 * ∫₀ˣ (1 + cos πu)·e^{Lu} du (twice the Eq. 15 integral), L = ln β ≤ 0.
 *
 * Eq. 16's numerator equals 2L(L² + π²) times this. Dividing the factor out
 * analytically and writing e^{Lx}cos πx − 1 = expm1(Lx)·cos πx − 2sin²(πx/2)
 * leaves a sum of non-negative terms on [0, 1] (see docs/schedulers.md), so
 * there is no cancellation for any L, and L = 0 (β = 1) gives Eq. 14 exactly.
 */
export function pghI(x: f64, L: f64): f64 {
  if (x <= 0) return 0;
  const Lx = L * x;
  const em = Math.expm1(Lx);
  const e1 = L == 0 ? x : em / L; // ∫₀ˣ e^{Lu} du
  const sh = Math.sin(HALF_PI * x);
  const cosPart = (L * (em * cospi(x) - 2 * sh * sh) + PI * Math.exp(Lx) * sinpi(x)) / (L * L + PI_SQ);
  return e1 + cosPart;
}

/**
 * ∫ₓ¹ (1 + cos πu)·e^{Lu} du with v = 1 − x:
 *   e^{Lx}·[π²·(e^{Lv} − 1)/L − 2L·sin²(πv/2) − π·sin πv] / (L² + π²).
 * Used for g ≥ ½ so that g = 1 − tail/Z keeps relative accuracy in the tail
 * (for tiny β the forward integral has already reached Z to the last bit and
 * would jitter by an ulp around 1; the tail is e^{Lx}-small and decreasing).
 */
export function pghTail(x: f64, L: f64): f64 {
  if (x >= 1) return 0;
  const v = 1 - x;
  const e1 = L == 0 ? v : Math.expm1(L * v) / L;
  const sh = Math.sin(HALF_PI * v);
  return (Math.exp(L * x) * (PI_SQ * e1 - 2 * L * sh * sh - PI * Math.sin(PI * v))) / (L * L + PI_SQ);
}

/** PGH Eq. 16 (stable form): forward integral up to g = ½, tail beyond. */
export function pghG(x: f64, L: f64): f64 {
  const Z2 = pghI(1, L);
  const fwd = pghI(x, L);
  if (fwd <= 0.5 * Z2) return fwd / Z2;
  return 1 - pghTail(x, L) / Z2;
}

