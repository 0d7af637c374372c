// Adaptive Gauss–Kronrod quadrature (G7/K15, the QUADPACK QK15 rule) in f64.
//
// Used by the threshold schedulers (prune/schedules.ts) for the integrals
// ∫ h(u)·β^u du that have no convenient closed form (PGH Eq. 15 with an LR
// shape other than cosine, or with warm-up). The integrands there are smooth
// between known breakpoints and non-negative, so the rule converges fast:
//
//   K = K15 on [a, b], error estimate e = |K15 − G7|·(b − a)/2.
//   Accept when e ≤ max(rtol·|K|, atol); otherwise bisect (depth ≤ MAX_DEPTH).
//
// |K15 − G7| is the error of the 7-point Gauss rule; K15 itself is exact for
// polynomials of degree 22, so on an accepted panel K is far more accurate than
// e claims. Everything is plain f64 arithmetic in a fixed order (AssemblyScript's
// Math is compiled into the module), so the result is the same bits everywhere.

export type Integrand = (u: f64) => f64;

// Kronrod abscissae (descending; the last is the centre) and weights.
const XGK: StaticArray<f64> = [
  0.991455371120812639206854697526329,
  0.949107912342758524526189684047851,
  0.864864423359769072789712788640926,
  0.741531185599394439863864773280788,
  0.586087235467691130294144845693013,
  0.405845151377397166906606412076961,
  0.207784955007898467600689403773245,
  0.0,
];
const WGK: StaticArray<f64> = [
  0.022935322010529224963732008058970,
  0.063092092629978553290700663189204,
  0.104790010322250183839876322541518,
  0.140653259715525918745189590510238,
  0.169004726639267902826583426598550,
  0.190350578064785409913256402421014,
  0.204432940075298892414161999234649,
  0.209482141084727828012999174891714,
];
// Gauss weights for the abscissae XGK[1], XGK[3], XGK[5] and the centre.
const WG: StaticArray<f64> = [
  0.129484966168869693270611432679082,
  0.279705391489276667901467771423780,
  0.381830050505118944950369775488975,
  0.417959183673469387755102040816327,
];

const MAX_DEPTH: i32 = 60;
// Hard cap on integrand evaluations per `integrate` call (a runaway guard; the
// schedulers' integrands need a few hundred at most).
const MAX_EVALS: i32 = 4_000_000;

let lastErr: f64 = 0;
let evals: i32 = 0;

/** One K15 panel on [a, b]; the G7 error estimate is left in `lastErr`. */
export function gk15(f: Integrand, a: f64, b: f64): f64 {
  const c = 0.5 * (a + b);
  const hl = 0.5 * (b - a);
  const fc = f(c);
  let k = fc * unchecked(WGK[7]);
  let g = fc * unchecked(WG[3]);
  for (let j = 0; j < 7; j++) {
    const d = hl * unchecked(XGK[j]);
    const s = f(c - d) + f(c + d);
    k += unchecked(WGK[j]) * s;
    if (j & 1) g += unchecked(WG[j >> 1]) * s;
  }
  evals += 15;
  lastErr = Math.abs((k - g) * hl);
  return k * hl;
}

function adapt(f: Integrand, a: f64, b: f64, rtol: f64, atol: f64, depth: i32): f64 {
  const k = gk15(f, a, b);
  if (lastErr <= Math.max(rtol * Math.abs(k), atol) || depth >= MAX_DEPTH || evals >= MAX_EVALS) return k;
  const m = 0.5 * (a + b);
  if (!(m > a && m < b)) return k;
  const left = adapt(f, a, m, rtol, atol, depth + 1);
  return left + adapt(f, m, b, rtol, atol, depth + 1);
}

/** ∫_a^b f(u) du, adaptive K15 (0 if b ≤ a). */
export function integrate(f: Integrand, a: f64, b: f64, rtol: f64, atol: f64): f64 {
  if (!(b > a)) return 0;
  evals = 0;
  return adapt(f, a, b, rtol, atol, 0);
}

/** Integrand evaluations used by the last `integrate` call (for tests). */
export function quad_last_evals(): i32 {
  return evals;
}
