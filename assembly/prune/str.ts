// Trainable thresholds (LATS Table 1, Appendix C): STR's d = σ(s) with s
// trained under L2 (Algorithm 1 line 5, Eq. 24), and GPO's β of
// k = 10⁻⁶·|β| (Eq. 27). Scalars in f64, here so σ and its derivative are
// the same bits in every runtime.

/** d = σ(s). */
export function str_threshold(s: f64): f64 {
  return 1 / (1 + Math.exp(-s));
}

/**
 * One SGD step on s: ∂L/∂s = σ′(s)·∂L/∂d (Eq. 24, with ∂L/∂d passed in as
 * dLdd), plus the L2 term λs. Returns the new s.
 */
export function str_step(s: f64, dLdd: f64, lr: f64, lambda: f64): f64 {
  const sig = str_threshold(s);
  return s - lr * (sig * (1 - sig) * dLdd + lambda * s);
}

/**
 * One SGD step on GPO's β: ∂L/∂β = 10⁻⁶·sign(β)·Σ g·(θ − S_d(θ)) (Eq. 27,
 * the sum passed in as gSum), plus the L2 term λ_β·β. Returns the new β.
 */
export function gpo_beta_step(beta: f64, gSum: f64, lr: f64, lambda: f64): f64 {
  const sign: f64 = beta > 0 ? 1 : beta < 0 ? -1 : 0;
  return beta - lr * (1e-6 * sign * gSum + lambda * beta);
}
