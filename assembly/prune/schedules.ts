// Threshold schedulers for soft threshold pruning ("A unified framework for soft
// threshold pruning", ICLR 2023; equation numbers below are the paper's). All in f64.
//
// Every scheduler except LATS is d(t) = D·g(t/T), t = 0..T (T = optimizer steps),
// with g(0) = 0, g(1) = 1, g non-decreasing (Eq. 13's "unified form"), except
// `constant` (g ≡ 1: the threshold is D from the first step). This module gives
// g(x), g′(x), tables of g on the step grid, the early-pruning stop point
// (Section 5.3.2) and the LATS prefix sums (Corollary 1). docs/schedulers.md has
// the derivations and every choice made.
//
// Kinds and parameters. Every sched_* function takes (kind, …, p0, p1, p2, p3)
// with the same meaning for every kind; a kind ignores what it does not use:
//   p0 = w  warm-up fraction of the run, 0 ≤ w < 1 (h rises as x/w on [0, w])
//   p1 = β  PGH decay, 0 < β ≤ 1 (PGH and quadrature kinds only)
//   p2 = a  poly: κ > 0;  step: γ ∈ (0, 1]
//   p3 = b  step: period P > 0 as a fraction of the post-warm-up run
//           (P = stepSize / (epochs − warmupEpochs))
// Invalid parameters give NaN (sched_g, sched_dg, sched_norm) or −1 (stop step).
import { gk15, integrate } from "./quadrature";

// S-LATS, Eq. 13, closed forms (with warm-up: exact piecewise integral).
import { gk15, integrate } from "./quadrature";
import { LR_CONSTANT, LR_COSINE, LR_POLY, LR_STEP, PI, HALF_PI, shapeH, shapeS, hFull, HFull, sinpi, cospi } from "../optim/lr_shape";
import { pghG, pghI } from "./pgh";

// S-LATS, Eq. 13, closed forms (with warm-up: exact piecewise integral).
export const SCHED_SLATS_CONSTANT: i32 = 0;
export const SCHED_SLATS_COSINE: i32 = 1; // Eq. 14 when w = 0
export const SCHED_SLATS_POLY: i32 = 2;
export const SCHED_SLATS_STEP: i32 = 3;
// PGH, Eq. 15 with the cosine shape and no warm-up: Eq. 16 in a stable form.
// (w > 0 is accepted and handled by quadrature, as SCHED_QUAD_COSINE.)
export const SCHED_PGH_COSINE: i32 = 4;
// STDS-era schedulers (Appendix B, C.3).
export const SCHED_SINE: i32 = 5;
export const SCHED_LINEAR: i32 = 6;
export const SCHED_LOG2: i32 = 7;
export const SCHED_CONSTANT: i32 = 8;
// Eq. 15 with any LR shape and warm-up: ∫₀ˣ h(u)·β^u du / ∫₀¹ h(u)·β^u du by
// adaptive Gauss–Kronrod quadrature. β = 1 is S-LATS (a cross-check of 0..3).
export const SCHED_QUAD_CONSTANT: i32 = 9;
export const SCHED_QUAD_COSINE: i32 = 10;
export const SCHED_QUAD_POLY: i32 = 11;
export const SCHED_QUAD_STEP: i32 = 12;

// relative to a first estimate of the normaliser, fixed prefix panels.
const Q_RTOL: f64 = 1e-14;
const Q_ATOL_REL: f64 = 1e-17;
const Q_PANELS: i32 = 64;



export function shapeOf(kind: i32): i32 {
  if (kind >= SCHED_SLATS_CONSTANT && kind <= SCHED_SLATS_STEP) return kind;
  if (kind == SCHED_PGH_COSINE) return LR_COSINE;
  if (kind >= SCHED_QUAD_CONSTANT && kind <= SCHED_QUAD_STEP) return kind - SCHED_QUAD_CONSTANT;
  return -1;
}

export function usesBeta(kind: i32): bool {
  return kind == SCHED_PGH_COSINE || (kind >= SCHED_QUAD_CONSTANT && kind <= SCHED_QUAD_STEP);
}

export function validParams(kind: i32, w: f64, beta: f64, a: f64, b: f64): bool {
  if (kind < 0 || kind > SCHED_QUAD_STEP) return false;
  const shape = shapeOf(kind);
  if (shape < 0) return true; // sine, linear, log2, constant: no parameters
  if (!(w >= 0 && w < 1)) return false;
  if (usesBeta(kind) && !(beta > 0 && beta <= 1)) return false;
  if (shape == LR_POLY && !(a > 0 && a < Infinity)) return false;
  if (shape == LR_STEP && !(a > 0 && a <= 1 && b > 0 && b < Infinity)) return false;
  return true;
}

// ------------------------------------------------ quadrature (kinds 9..12)

// The integrand's parameters and the memoised prefix integrals C[j] = ∫₀^{j/M},
// keyed by (shape, w, L, a, b).
let qShape: i32 = -1;
let qW: f64 = NaN;
let qL: f64 = NaN;
let qA: f64 = NaN;
let qB: f64 = NaN;
let qAtol: f64 = 0;
let qZ: f64 = NaN;
const qC = new StaticArray<f64>(Q_PANELS + 1);

function qIntegrand(u: f64): f64 {
  const h = hFull(qShape, u, qW, qA, qB, false);
  return qL == 0 ? h : h * Math.exp(qL * u);
}

/** The smallest breakpoint of h above x (warm-up end, step boundaries), or 1. */
function nextBreak(x: f64): f64 {
  if (x < qW) return qW;
  if (qShape == LR_STEP) {
    const span = (1 - qW) * qB;
    const k = Math.floor((x - qW) / span) + 1;
    let bk = qW + k * span;
    if (bk <= x) bk = qW + (k + 1) * span;
    if (bk < 1) return bk;
  }
  return 1;
}

/** ∫_lo^hi h(u)β^u du, split at the breakpoints of h. */
function qRange(lo: f64, hi: f64): f64 {
  let s: f64 = 0;
  let a = lo;
  while (a < hi) {
    let b = nextBreak(a);
    if (b > hi || b <= a) b = hi;
    s += integrate(qIntegrand, a, b, Q_RTOL, qAtol * (b - a));
    a = b;
  }
  return s;
}

function qSetup(shape: i32, w: f64, beta: f64, a: f64, b: f64): void {
  const L = Math.log(beta);
  if (shape == qShape && w == qW && L == qL && a == qA && b == qB) return;
  qShape = shape;
  qW = w;
  qL = L;
  qA = a;
  qB = b;
  const inv = 1.0 / <f64>Q_PANELS;
  // A one-rule estimate of the normaliser sets the absolute floor.
  let est: f64 = 0;
  for (let j = 0; j < Q_PANELS; j++) est += gk15(qIntegrand, <f64>j * inv, <f64>(j + 1) * inv);
  qAtol = Q_ATOL_REL * Math.abs(est);
  // Prefix integrals over fixed panels, Neumaier-compensated, never decreasing.
  let s: f64 = 0;
  let c: f64 = 0;
  unchecked((qC[0] = 0));
  for (let j = 0; j < Q_PANELS; j++) {
    const v = qRange(<f64>j * inv, <f64>(j + 1) * inv);
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
    unchecked((qC[j + 1] = Math.max(unchecked(qC[j]), s + c)));
  }
  qZ = unchecked(qC[Q_PANELS]);
}

/** g(x) for 0 < x < 1 after qSetup: (C[j] + ∫_{j/M}^x) / Z, kept within [C[j], C[j+1]]. */
function qG(x: f64): f64 {
  const j = min(<i32>Math.floor(x * <f64>Q_PANELS), Q_PANELS - 1);
  const lo = unchecked(qC[j]);
  const hi = unchecked(qC[j + 1]);
  let v = lo + qRange(<f64>j / <f64>Q_PANELS, x);
  if (v > hi) v = hi;
  return v / qZ;
}

// ------------------------------------------------------------- dispatch

export function gOf(kind: i32, x: f64, w: f64, beta: f64, a: f64, b: f64): f64 {
  if (kind == SCHED_CONSTANT) return 1;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (kind == SCHED_SINE) {
    const s = Math.sin(HALF_PI * x); // Appendix B: ½(1 − cos πx) = sin²(πx/2)
    return s * s;
  }
  if (kind == SCHED_LINEAR) return x; // C.3
  if (kind == SCHED_LOG2) return Math.log1p(x) / Math.LN2; // C.3: log₂(1 + x)
  const shape = shapeOf(kind);
  if (kind <= SCHED_SLATS_STEP) {
    // S-LATS Eq. 13: H(x)/H(1); cosine with w = 0 is Eq. 14, x + sin(πx)/π.
    return HFull(shape, x, w, a, b) / HFull(shape, 1, w, a, b);
  }
  if (kind == SCHED_PGH_COSINE && w == 0) {
    // PGH Eq. 16 (stable form).
    return pghG(x, Math.log(beta));
  }
  // PGH Eq. 15 by quadrature.
  qSetup(shape, w, beta, a, b);
  return qG(x);
}

export function dgOf(kind: i32, x: f64, w: f64, beta: f64, a: f64, b: f64): f64 {
  if (kind == SCHED_CONSTANT) return 0;
  if (x < 0) x = 0;
  if (x > 1) x = 1;
  if (kind == SCHED_SINE) return HALF_PI * sinpi(x);
  if (kind == SCHED_LINEAR) return 1;
  if (kind == SCHED_LOG2) return 1 / ((1 + x) * Math.LN2);
  const shape = shapeOf(kind);
  if (kind <= SCHED_SLATS_STEP) return hFull(shape, x, w, a, b, true) / HFull(shape, 1, w, a, b); // h/Z
  if (kind == SCHED_PGH_COSINE && w == 0) {
    // PGH: g′(x) = (1 + cos πx)·β^x / ∫₀¹ (1 + cos πu)·β^u du.
    const L = Math.log(beta);
    const s = Math.sin(HALF_PI * (1 - x));
    return (2 * s * s * Math.exp(L * x)) / pghI(1, L);
  }
  qSetup(shape, w, beta, a, b);
  const h = hFull(shape, x, w, a, b, true);
  return (qL == 0 ? h : h * Math.exp(qL * x)) / qZ;
}

// ------------------------------------------------------------- exports

/** g(x), x ∈ [0, 1] (clamped): d(t) = D·g(t/T). NaN for invalid parameters. */
export function sched_g(kind: i32, x: f64, p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  if (!validParams(kind, p0, p1, p2, p3) || isNaN(x)) return NaN;
  return gOf(kind, x, p0, p1, p2, p3);
}

/**
 * g′(x), x ∈ [0, 1] (clamped). For the LR-derived kinds g′ = h(x)·β^x / Z with
 * Z = ∫₀¹ h(u)·β^u du (h/η₀; β = 1 for S-LATS); step shapes are right-continuous.
 */
export function sched_dg(kind: i32, x: f64, p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  if (!validParams(kind, p0, p1, p2, p3) || isNaN(x)) return NaN;
  return dgOf(kind, x, p0, p1, p2, p3);
}

/**
 * The normaliser Z = ∫₀¹ (h(u)/η₀)·β^u du of the LR-derived kinds (0..4, 9..12),
 * so that D = μ·η₀·T·Z (Eq. 14: Z = ½ for cosine; for PGH μ is the initial
 * penalty μ(0)). NaN for sine, linear, log2, constant and invalid parameters.
 */
export function sched_norm(kind: i32, p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  if (!validParams(kind, p0, p1, p2, p3)) return NaN;
  const shape = shapeOf(kind);
  if (shape < 0) return NaN;
  if (kind <= SCHED_SLATS_STEP) return HFull(shape, 1, p0, p2, p3);
  if (kind == SCHED_PGH_COSINE && p0 == 0) return 0.5 * pghI(1, Math.log(p1));
  qSetup(shape, p0, p1, p2, p3);
  return qZ;
}

/** Writes g(t/T) (t/T a correctly rounded quotient) for t = 0..T, T + 1 f64 values, to out. false for invalid input. */
export function sched_table(kind: i32, T: i32, p0: f64, p1: f64, p2: f64, p3: f64, out: usize): bool {
  if (!validParams(kind, p0, p1, p2, p3) || T < 1) return false;
  for (let t = 0; t <= T; t++) {
    store<f64>(out + (<usize>t << 3), gOf(kind, <f64>t / <f64>T, p0, p1, p2, p3));
  }
  return true;
}

