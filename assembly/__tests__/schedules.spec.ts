import {
  sched_g, sched_dg, sched_norm, sched_table,
  SCHED_SLATS_CONSTANT, SCHED_SLATS_COSINE, SCHED_SLATS_POLY, SCHED_SLATS_STEP,
  SCHED_PGH_COSINE, SCHED_SINE, SCHED_LINEAR, SCHED_LOG2, SCHED_CONSTANT,
  SCHED_QUAD_CONSTANT, SCHED_QUAD_COSINE, SCHED_QUAD_POLY, SCHED_QUAD_STEP,
} from "../prune/schedules";
import { sched_stop_step, sched_stop_x } from "../prune/stop";
import { lats_prefix_sums, lats_cosine_eq12 } from "../prune/lats";
import { integrate, quad_last_evals } from "../prune/quadrature";

// Everything here is recomputed independently of assembly/prune/schedules.ts:
// closed forms written out as in the paper, Eq. 16 literally, and a composite
// 5-point Gauss–Legendre reference quadrature (a different rule from the
// module's adaptive Gauss–Kronrod) with panels aligned to the breakpoints.

const PI: f64 = Math.PI;

function relErr(got: f64, want: f64): f64 {
  if (got == want) return 0;
  return Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);
}

// ------------------------------------------------------------ configurations
// One row per configuration: (kind, w, β, a, b), the parameter layout of every
// sched_* function, kept column-wise in K, W, BETA, A, B (index i = row i).
const K: i32[] = [];
const W: f64[] = [];
const BETA: f64[] = [];
const A: f64[] = [];
const B: f64[] = [];
function cfg(kind: i32, w: f64, beta: f64, a: f64, b: f64): void {
  K.push(kind);
  W.push(w);
  BETA.push(beta);
  A.push(a);
  B.push(b);
}
//  kind                  w     β          a    b
cfg(SCHED_SLATS_CONSTANT, 0,    1,         0,   0);
cfg(SCHED_SLATS_CONSTANT, 0.1,  1,         0,   0);
cfg(SCHED_SLATS_COSINE,   0,    1,         0,   0);
cfg(SCHED_SLATS_COSINE,   0.05, 1,         0,   0);
cfg(SCHED_SLATS_POLY,     0,    1,         0.9, 0);
cfg(SCHED_SLATS_POLY,     0.2,  1,         2.5, 0);
cfg(SCHED_SLATS_STEP,     0,    1,         0.1, 1.0 / 3.0);
cfg(SCHED_SLATS_STEP,     0.1,  1,         0.5, 0.25);
cfg(SCHED_PGH_COSINE,     0,    0.5,       0,   0);
cfg(SCHED_PGH_COSINE,     0,    0.1,       0,   0);
cfg(SCHED_PGH_COSINE,     0,    1e-10,     0,   0);
cfg(SCHED_PGH_COSINE,     0,    1e-300,    0,   0);
cfg(SCHED_PGH_COSINE,     0,    1 - 1e-12, 0,   0);
cfg(SCHED_SINE,           0,    1,         0,   0);
cfg(SCHED_LINEAR,         0,    1,         0,   0);
cfg(SCHED_LOG2,           0,    1,         0,   0);
cfg(SCHED_QUAD_COSINE,    0.1,  0.1,       0,   0);
cfg(SCHED_QUAD_POLY,      0,    1e-5,      0.9, 0);
cfg(SCHED_QUAD_STEP,      0.05, 0.01,      0.1, 0.3);
cfg(SCHED_QUAD_CONSTANT,  0.2,  1e-10,     0,   0);
cfg(SCHED_QUAD_POLY,      0.25, 1,         0.9, 0);
cfg(SCHED_QUAD_COSINE,    0,    1e-300,    0,   0);

function g(i: i32, x: f64): f64 {
  return sched_g(K[i], x, W[i], BETA[i], A[i], B[i]);
}
function dg(i: i32, x: f64): f64 {
  return sched_dg(K[i], x, W[i], BETA[i], A[i], B[i]);
}

// ----------------------------------------------- independent reference forms

// LR shape h/η₀ after warm-up, written from the definitions.
function refShape(shape: i32, y: f64, a: f64, b: f64): f64 {
  if (shape == 0) return 1;
  if (shape == 1) return 0.5 * (1 + Math.cos(PI * y));
  if (shape == 2) return Math.pow(1 - y, a);
  let k = 0;
  while (<f64>(k + 1) * b <= y) k++;
  let v: f64 = 1;
  for (let j = 0; j < k; j++) v *= a;
  return v;
}
// ∫₀^y of the shape, closed forms as in the paper (Eq. 14, D.2) and a loop for step.
function refShapeInt(shape: i32, y: f64, a: f64, b: f64): f64 {
  if (shape == 0) return y;
  if (shape == 1) return 0.5 * (y + Math.sin(PI * y) / PI);
  if (shape == 2) return (1 - Math.pow(1 - y, a + 1)) / (a + 1);
  let s: f64 = 0;
  let lvl: f64 = 1;
  let start: f64 = 0;
  while (start + b <= y) {
    s += b * lvl;
    lvl *= a;
    start += b;
  }
  return s + (y - start) * lvl;
}
// H(x) with linear warm-up x/w on [0, w].
function refH(shape: i32, x: f64, w: f64, a: f64, b: f64): f64 {
  if (x <= w) return w > 0 ? x * x / (2 * w) : 0;
  return w / 2 + (1 - w) * refShapeInt(shape, (x - w) / (1 - w), a, b);
}

function shapeOfKind(k: i32): i32 {
  if (k <= SCHED_SLATS_STEP) return k;
  if (k == SCHED_PGH_COSINE) return 1;
  if (k >= SCHED_QUAD_CONSTANT) return k - SCHED_QUAD_CONSTANT;
  return -1;
}

// Eq. 16 exactly as printed.
function eq16(x: f64, beta: f64): f64 {
  const l = Math.log(beta);
  const bx = Math.pow(beta, x);
  const num = PI * PI * (bx - 1) + l * l * (bx - 2) + l * bx * (l * Math.cos(PI * x) + PI * Math.sin(PI * x));
  return num / (PI * PI * (beta - 1) - 2 * l * l);
}

// Composite Gauss–Legendre 5-point reference integral of h(u)·β^u.
const GLX: f64[] = [0, 0.5384693101056831, 0.9061798459386640];
const GLW: f64[] = [0.5688888888888889, 0.4786286704993665, 0.2369268850561891];
let rShape: i32 = 0;
let rW: f64 = 0;
let rL: f64 = 0;
let rA: f64 = 0;
let rB: f64 = 0;
function rF(u: f64): f64 {
  const h = u < rW ? u / rW : refShape(rShape, (u - rW) / (1 - rW), rA, rB);
  return h * Math.exp(rL * u);
}
function gl5(a: f64, b: f64): f64 {
  const c = 0.5 * (a + b);
  const hl = 0.5 * (b - a);
  let s = GLW[0] * rF(c);
  for (let j = 1; j < 3; j++) s += GLW[j] * (rF(c - hl * GLX[j]) + rF(c + hl * GLX[j]));
  return s * hl;
}
function glPiece(a: f64, b: f64, toSingularEnd: bool): f64 {
  if (!(b > a)) return 0;
  if (toSingularEnd) {
    // Geometric grading towards the (1 − y)^κ endpoint at b.
    let s: f64 = 0;
    let lo = a;
    for (let lev = 0; lev < 80; lev++) {
      const hi = b - (b - lo) * 0.5;
      for (let j = 0; j < 8; j++) s += gl5(lo + (hi - lo) * <f64>j / 8, lo + (hi - lo) * <f64>(j + 1) / 8);
      lo = hi;
    }
    return s;
  }
  const n = <i32>Math.max(64, Math.ceil(4 * Math.abs(rL) * (b - a)) + 1);
  let s: f64 = 0;
  for (let j = 0; j < n; j++) s += gl5(a + (b - a) * <f64>j / <f64>n, a + (b - a) * <f64>(j + 1) / <f64>n);
  return s;
}
/** ∫₀ˣ h(u)β^u du, split at the warm-up end and the step boundaries. */
function refIntegral(i: i32, x: f64): f64 {
  rShape = shapeOfKind(K[i]);
  rW = W[i];
  rL = Math.log(BETA[i]);
  rA = A[i];
  rB = B[i];
  const cuts = new Array<f64>();
  cuts.push(0);
  if (rW > 0) cuts.push(rW);
  if (rShape == 3) {
    for (let k = 1; <f64>k * rB < 1; k++) cuts.push(rW + (1 - rW) * <f64>k * rB);
  }
  cuts.push(1);
  let s: f64 = 0;
  for (let j = 0; j + 1 < cuts.length; j++) {
    const a = cuts[j];
    const b = Math.min(cuts[j + 1], x);
    if (b <= a) break;
    s += glPiece(a, b, rShape == 2 && b == 1 && a >= rW);
  }
  return s;
}

/** The reference g for configuration i. */
function refG(i: i32, x: f64): f64 {
  const k = K[i];
  if (k == SCHED_SINE) return 0.5 * (1 - Math.cos(PI * x)); // Appendix B / C.3
  if (k == SCHED_LINEAR) return x;
  if (k == SCHED_LOG2) return Math.log(1 + x) / Math.log(2);
  if (k == SCHED_CONSTANT) return 1;
  const shape = shapeOfKind(k);
  if (k <= SCHED_SLATS_STEP || BETA[i] == 1) {
    return refH(shape, x, W[i], A[i], B[i]) / refH(shape, 1, W[i], A[i], B[i]);
  }
  if (k == SCHED_PGH_COSINE && BETA[i] <= 0.5) return eq16(x, BETA[i]);
  return refIntegral(i, x) / refIntegral(i, 1);
}

// ---------------------------------------------------------------- quadrature

function fExp(u: f64): f64 {
  return Math.exp(u);
}
function fSqrt(u: f64): f64 {
  return Math.sqrt(u);
}
function fPow09(u: f64): f64 {
  return Math.pow(1 - u, 0.9);
}

describe("quadrature (adaptive Gauss–Kronrod 7/15)", () => {
  it("integrates smooth and endpoint-singular functions to ~1e-15", () => {
    expect(relErr(integrate(fExp, 0, 1, 1e-14, 0), Math.E - 1)).toBeLessThan(1e-15);
    expect(quad_last_evals()).toBe(15, "smooth: one panel");
    expect(relErr(integrate(fSqrt, 0, 1, 1e-14, 1e-18), 2.0 / 3.0)).toBeLessThan(1e-14);
    expect(relErr(integrate(fPow09, 0, 1, 1e-14, 1e-18), 1 / 1.9)).toBeLessThan(1e-14);
    expect(integrate(fExp, 1, 1, 1e-14, 0)).toBe(0);
  });
});

// ------------------------------------------------------------------- g(x)

describe("g(x): closed forms, endpoints, monotonicity", () => {
  it("every g matches its independent closed form / reference", () => {
    for (let i = 0; i < K.length; i++) {
      let worst: f64 = 0;
      for (let j = 1; j < 100; j++) {
        const x = <f64>j / 100;
        const e = relErr(g(i, x), refG(i, x));
        if (e > worst) worst = e;
      }
      // Quadrature-based references carry ~1e-13 of their own error.
      const tol: f64 = K[i] >= SCHED_QUAD_CONSTANT || (K[i] == SCHED_PGH_COSINE && BETA[i] > 0.5) ? 1e-12 : 1e-13;
      expect(worst).toBeLessThan(tol, "config " + i.toString() + " kind " + K[i].toString());
    }
  });

  it("spot values: sine, log2, Eq. 14, poly, step", () => {
    expect(relErr(sched_g(SCHED_SINE, 0.25, 0, 0, 0, 0), (1 - Math.SQRT1_2) / 2)).toBeLessThan(1e-15);
    expect(relErr(sched_g(SCHED_LOG2, 0.5, 0, 0, 0, 0), 0.5849625007211562)).toBeLessThan(1e-15);
    expect(relErr(sched_g(SCHED_SLATS_COSINE, 0.5, 0, 1, 0, 0), 0.5 + 1 / PI)).toBeLessThan(1e-15);
    expect(relErr(sched_g(SCHED_SLATS_POLY, 0.5, 0, 1, 0.9, 0), 1 - Math.pow(0.5, 1.9))).toBeLessThan(1e-15);
    // γ = 0.1, P = 1/2: ∫₀^{3/4} = 1/2 + 0.1/4 = 0.525; total 0.55.
    expect(relErr(sched_g(SCHED_SLATS_STEP, 0.75, 0, 1, 0.1, 0.5), 0.525 / 0.55)).toBeLessThan(1e-15);
    // Warm-up w = 0.2, constant LR: H(0.1) = 0.01/0.4 = 0.025, Z = 0.1 + 0.8 = 0.9.
    expect(relErr(sched_g(SCHED_SLATS_CONSTANT, 0.1, 0.2, 1, 0, 0), 0.025 / 0.9)).toBeLessThan(1e-15);
  });

  it("g(0) = 0, g(1) = 1 exactly, non-decreasing on a 1000-point grid (constant: g ≡ 1)", () => {
    for (let i = 0; i < K.length; i++) {
      expect(g(i, 0)).toBe(0, "g(0), config " + i.toString());
      expect(g(i, 1)).toBe(1, "g(1), config " + i.toString());
      let prev = g(i, 0);
      let ok = true;
      for (let j = 1; j <= 1000; j++) {
        const v = g(i, <f64>j / 1000);
        if (!(v >= prev) || v > 1) ok = false;
        prev = v;
      }
      expect(ok).toBe(true, "monotone, config " + i.toString());
    }
    for (let j = 0; j <= 10; j++) expect(sched_g(SCHED_CONSTANT, <f64>j / 10, 0, 0, 0, 0)).toBe(1);
    expect(sched_dg(SCHED_CONSTANT, 0.3, 0, 0, 0, 0)).toBe(0);
  });

  it("clamps x outside [0, 1]; NaN x and invalid parameters give NaN", () => {
    expect(sched_g(SCHED_SINE, -0.5, 0, 0, 0, 0)).toBe(0);
    expect(sched_g(SCHED_SINE, 1.5, 0, 0, 0, 0)).toBe(1);
    expect(sched_g(SCHED_SINE, NaN, 0, 0, 0, 0)).toBeNaN();
    expect(sched_g(99, 0.5, 0, 0, 0, 0)).toBeNaN();
    expect(sched_g(SCHED_PGH_COSINE, 0.5, 0, 0, 0, 0)).toBeNaN(); // β = 0
    expect(sched_g(SCHED_PGH_COSINE, 0.5, 0, 1.5, 0, 0)).toBeNaN(); // β > 1
    expect(sched_g(SCHED_SLATS_COSINE, 0.5, 1, 1, 0, 0)).toBeNaN(); // w = 1
    expect(sched_g(SCHED_SLATS_POLY, 0.5, 0, 1, 0, 0)).toBeNaN(); // κ = 0
    expect(sched_g(SCHED_SLATS_STEP, 0.5, 0, 1, 1.5, 0.2)).toBeNaN(); // γ > 1
    expect(sched_g(SCHED_SLATS_STEP, 0.5, 0, 1, 0.1, 0)).toBeNaN(); // P = 0
    expect(sched_dg(SCHED_QUAD_COSINE, 0.5, 0, 0, 0, 0)).toBeNaN();
    expect(sched_norm(SCHED_SINE, 0, 0, 0, 0)).toBeNaN();
  });

  it("sched_table equals sched_g on the step grid (and table[T] = 1)", () => {
    const T = 250;
    const out = heap.alloc(<usize>(T + 1) << 3);
    for (let i = 0; i < K.length; i++) {
      expect(sched_table(K[i], T, W[i], BETA[i], A[i], B[i], out)).toBe(true);
      let same = true;
      for (let t = 0; t <= T; t++) {
        if (load<f64>(out + (<usize>t << 3)) != g(i, <f64>t / <f64>T)) same = false;
      }
      expect(same).toBe(true, "table, config " + i.toString());
      expect(load<f64>(out + (<usize>T << 3))).toBe(1);
    }
    expect(sched_table(SCHED_SINE, 0, 0, 0, 0, 0, out)).toBe(false);
    heap.free(out);
  });
});

describe("g′(x)", () => {
  it("matches central finite differences of g away from kinks", () => {
    for (let i = 0; i < K.length; i++) {
      if (K[i] == SCHED_CONSTANT) continue;
      const L = Math.abs(Math.log(BETA[i]));
      const h: f64 = L > 100 ? 1e-8 : 1e-6;
      let worst: f64 = 0;
      for (let j = 1; j < 50; j++) {
        const x = (<f64>j - 0.37) / 49; // off the warm-up end and step boundaries
        if (L > 100 && x > 0.05) break; // β = 1e-300: g is flat to 1e-15 beyond
        const fd = (g(i, x + h) - g(i, x - h)) / (2 * h);
        const d = dg(i, x);
        const e = Math.abs(fd - d) / Math.max(1, Math.abs(d));
        if (e > worst) worst = e;
      }
      expect(worst).toBeLessThan(L > 100 ? 1e-5 : 1e-7, "config " + i.toString());
    }
  });

  it("S-LATS / PGH: g′ = h(x)·β^x / ∫₀¹ h(u)β^u du, and sched_norm is that integral", () => {
    for (let i = 0; i < K.length; i++) {
      const shape = shapeOfKind(K[i]);
      if (shape < 0) continue;
      const beta = K[i] <= SCHED_SLATS_STEP ? 1.0 : BETA[i];
      const Z = refIntegral(i, 1);
      expect(relErr(sched_norm(K[i], W[i], BETA[i], A[i], B[i]), Z)).toBeLessThan(1e-12, "Z, config " + i.toString());
      const x = 0.6180339887;
      const hx = x < W[i] ? x / W[i] : refShape(shape, (x - W[i]) / (1 - W[i]), A[i], B[i]);
      expect(relErr(dg(i, x), hx * Math.pow(beta, x) / Z)).toBeLessThan(1e-12, "g′, config " + i.toString());
    }
    // Eq. 14: Z = ½ for cosine, so D = μ·η_max·T/2.
    expect(sched_norm(SCHED_SLATS_COSINE, 0, 1, 0, 0)).toBe(0.5);
  });
});

// --------------------------------------------------------------------- PGH

const PGH_BETAS: f64[] = [1, 1 - 1e-12, 1 - 1e-8, 0.999, 0.5, 0.1, 1e-5, 1e-10, 1e-300];

describe("PGH (Eq. 15/16)", () => {
  it("stable Eq. 16 agrees with quadrature (both rules) to < 1e-12 for every β, incl. near 1", () => {
    for (let k = 0; k < PGH_BETAS.length; k++) {
      const beta = PGH_BETAS[k];
      // Reference: Gauss–Legendre on the raw integrand ½(1 + cos πu)β^u.
      rShape = 1; rW = 0; rL = Math.log(beta); rA = 0; rB = 0;
      const n = <i32>Math.max(2000, Math.ceil(4 * Math.abs(rL)));
      const Z = glPiece(0, 1, false);
      let worstRef: f64 = 0;
      let worstQuad: f64 = 0;
      let acc: f64 = 0;
      let x0: f64 = 0;
      for (let j = 1; j < 100; j++) {
        const x = <f64>j / 100;
        for (let m = 0; m < n / 100 + 1; m++) {
          const a = x0 + (x - x0) * <f64>m / <f64>(n / 100 + 1);
          const b = x0 + (x - x0) * <f64>(m + 1) / <f64>(n / 100 + 1);
          acc += gl5(a, b);
        }
        x0 = x;
        const got = sched_g(SCHED_PGH_COSINE, x, 0, beta, 0, 0);
        const e1 = relErr(got, acc / Z);
        const e2 = relErr(got, sched_g(SCHED_QUAD_COSINE, x, 0, beta, 0, 0));
        if (e1 > worstRef) worstRef = e1;
        if (e2 > worstQuad) worstQuad = e2;
      }
      expect(worstRef).toBeLessThan(1e-12, "vs Gauss–Legendre, β index " + k.toString());
      expect(worstQuad).toBeLessThan(1e-13, "vs Gauss–Kronrod kind, β index " + k.toString());
    }
  });

  it("literal Eq. 16 agrees where it is well conditioned (β ≤ 0.5), and loses digits near β = 1", () => {
    for (let k = 4; k < PGH_BETAS.length; k++) {
      for (let j = 1; j < 20; j++) {
        const x = <f64>j / 20;
        expect(relErr(sched_g(SCHED_PGH_COSINE, x, 0, PGH_BETAS[k], 0, 0), eq16(x, PGH_BETAS[k]))).toBeLessThan(1e-13);
      }
    }
    // At β = 1 − 1e-12 the printed form has ~1e-4 relative error; β = 1 is 0/0.
    const x = 0.3;
    const good = sched_g(SCHED_PGH_COSINE, x, 0, 1 - 1e-12, 0, 0);
    expect(relErr(eq16(x, 1 - 1e-12), good)).toBeGreaterThan(1e-7);
    expect(eq16(x, 1)).toBeNaN();
  });

  it("β → 1 is continuous with S-LATS (Eq. 14); β = 1 is S-LATS to the last bits", () => {
    for (let j = 1; j < 100; j++) {
      const x = <f64>j / 100;
      const slats = x + Math.sin(PI * x) / PI;
      expect(relErr(sched_g(SCHED_PGH_COSINE, x, 0, 1, 0, 0), slats)).toBeLessThan(1e-15);
      // |∂g/∂L| ≤ 1, so β = 1 − 1e-12 moves g by at most ~1e-12.
      expect(Math.abs(sched_g(SCHED_PGH_COSINE, x, 0, 1 - 1e-12, 0, 0) - slats)).toBeLessThan(1e-12);
      expect(Math.abs(sched_g(SCHED_PGH_COSINE, x, 0, 1 - 1e-8, 0, 0) - slats)).toBeLessThan(1e-8);
      expect(Math.abs(sched_g(SCHED_PGH_COSINE, x, 0, 1 - 1e-8, 0, 0) - slats)).toBeGreaterThan(0);
    }
  });

  it("β = 1e-10 and 1e-300: finite, monotone, nearly all of the threshold early", () => {
    for (let k = 7; k < 9; k++) {
      const beta = PGH_BETAS[k];
      let prev: f64 = 0;
      for (let j = 0; j <= 1000; j++) {
        const v = sched_g(SCHED_PGH_COSINE, <f64>j / 1000, 0, beta, 0, 0);
        const d = sched_dg(SCHED_PGH_COSINE, <f64>j / 1000, 0, beta, 0, 0);
        expect(isFinite(v) && isFinite(d) && d >= 0).toBe(true);
        expect(v).toBeGreaterThanOrEqual(prev);
        prev = v;
      }
    }
    // β = 1e-10: g(0.25) = 1 − (remaining mass) — checked against Eq. 16.
    expect(relErr(sched_g(SCHED_PGH_COSINE, 0.25, 0, 1e-10, 0, 0), eq16(0.25, 1e-10))).toBeLessThan(1e-14);
    expect(sched_g(SCHED_PGH_COSINE, 0.05, 0, 1e-300, 0, 0)).toBeGreaterThan(0.9999);
  });

  it("early-pruning stop points for g′ < 0.1: β = 0.1, 1e-5, 1e-10 → 0.743, 0.382, 0.231 (Section 6.2)", () => {
    const betas: f64[] = [0.1, 1e-5, 1e-10];
    const want: f64[] = [0.743, 0.382, 0.231];
    for (let k = 0; k < 3; k++) {
      const beta = betas[k];
      const xs = sched_stop_x(SCHED_PGH_COSINE, 0.1, 0, beta, 0, 0);
      expect(Math.abs(xs - want[k])).toBeLessThanOrEqual(0.0005);
      // Independent check of g′(x*) = 0.1 from Eq. 15's integrand and Eq. 16's denominator.
      const l = Math.log(beta);
      const Z2 = (PI * PI * (beta - 1) - 2 * l * l) / (l * (l * l + PI * PI)); // ∫₀¹ (1 + cos πu)β^u du
      const dgx = (1 + Math.cos(PI * xs)) * Math.pow(beta, xs) / Z2;
      expect(Math.abs(dgx - 0.1)).toBeLessThan(1e-12);
      // Same root through the quadrature kind.
      expect(Math.abs(sched_stop_x(SCHED_QUAD_COSINE, 0.1, 0, beta, 0, 0) - xs)).toBeLessThan(1e-12);
      // On a 1000-step grid: the first t with g′(t/T) < 0.1.
      const t = sched_stop_step(SCHED_PGH_COSINE, 1000, 0.1, 0, beta, 0, 0);
      expect(t).toBe(<i32>Math.ceil(xs * 1000));
      expect(sched_dg(SCHED_PGH_COSINE, <f64>t / 1000, 0, beta, 0, 0)).toBeLessThan(0.1);
      expect(sched_dg(SCHED_PGH_COSINE, <f64>(t - 1) / 1000, 0, beta, 0, 0)).toBeGreaterThanOrEqual(0.1);
    }
  });

  it("stop edge cases: never (T / 1), immediately, warm-up skipped, invalid", () => {
    // Linear: g′ ≡ 1 never drops below 0.5.
    expect(sched_stop_step(SCHED_LINEAR, 100, 0.5, 0, 0, 0, 0)).toBe(100);
    expect(sched_stop_x(SCHED_LINEAR, 0.5, 0, 0, 0, 0)).toBe(1);
    // Constant threshold: g′ ≡ 0 stops at once.
    expect(sched_stop_step(SCHED_CONSTANT, 100, 0.1, 0, 0, 0, 0)).toBe(0);
    // Log2: g′(x) = 1/((1 + x) ln 2) < 1 from x = 1/ln 2 − 1.
    expect(Math.abs(sched_stop_x(SCHED_LOG2, 1, 0, 0, 0, 0) - (1 / Math.LN2 - 1))).toBeLessThan(1e-14);
    // S-LATS cosine with 10% warm-up: g′ starts at 0, but the search starts at t = 10.
    expect(sched_dg(SCHED_SLATS_COSINE, 0, 0.1, 1, 0, 0)).toBe(0);
    const t = sched_stop_step(SCHED_SLATS_COSINE, 100, 0.4, 0.1, 1, 0, 0);
    expect(t).toBeGreaterThan(10);
    // g′ = s(y)/Z, Z = 0.05 + 0.9·0.5 = 0.5: s(y) < 0.2 ⇔ cos πy < −0.6 ⇔ x > 0.1 + 0.9·acos(−0.6)/π ≈ 0.73435.
    const xs = 0.1 + 0.9 * Math.acos(-0.6) / PI;
    expect(t).toBe(74);
    expect(Math.abs(sched_stop_x(SCHED_SLATS_COSINE, 0.4, 0.1, 1, 0, 0) - xs)).toBeLessThan(1e-14);
    expect(sched_stop_step(SCHED_SINE, 0, 0.1, 0, 0, 0, 0)).toBe(-1);
    expect(sched_stop_step(SCHED_SINE, 10, 0, 0, 0, 0, 0)).toBe(-1);
    expect(sched_stop_x(SCHED_PGH_COSINE, 0.1, 0, 0, 0, 0)).toBeNaN();
  });
});

// -------------------------------------------------------------------- LATS

function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

/** Eq. 12 as printed, with μ·η_max = 1. */
function eq12(n: i32, b: i32, N: i32, Bb: i32): f64 {
  const nf = <f64>n;
  const Nf = <f64>N;
  return (<f64>Bb / 4) * (2 * nf + 1 + Math.sin((2 * nf - 1) / (2 * Nf) * PI) / Math.sin(PI / (2 * Nf)))
    + (<f64>b / 2) * (1 + Math.cos(nf * PI / Nf));
}

describe("LATS (Corollary 1)", () => {
  it("prefix sums equal naive sums of positive rates (T·ε bound) and are exact on a compensated case", () => {
    const Ts: i32[] = [0, 1, 2, 7, 100, 5000];
    let seed: u32 = 12345;
    for (let k = 0; k < Ts.length; k++) {
      const T = Ts[k];
      const lr = heap.alloc(<usize>(T + 1) << 3);
      const out = heap.alloc(<usize>(T + 1) << 3);
      for (let i = 0; i < T; i++) {
        seed = seed * 1664525 + 1013904223;
        store<f64>(lr + (<usize>i << 3), 0.001 + <f64>(seed >>> 8) / 16777216.0);
      }
      const total = lats_prefix_sums(lr, T, out);
      expect(at(out, 0)).toBe(0);
      let s: f64 = 0;
      let worst: f64 = 0;
      for (let i = 0; i < T; i++) {
        s += at(lr, i);
        const e = relErr(at(out, i + 1), s);
        if (e > worst) worst = e;
      }
      expect(worst).toBeLessThan(1e-12);
      expect(total).toBe(at(out, T));
      heap.free(lr);
      heap.free(out);
    }
    // 1 followed by 1000 × 1e-16: a naive sum stays at 1; the exact sum is 1 + 1e-13.
    const n = 1001;
    const lr = heap.alloc(<usize>n << 3);
    const out = heap.alloc(<usize>(n + 1) << 3);
    store<f64>(lr, 1);
    let tiny: f64 = 0;
    for (let i = 1; i < n; i++) {
      store<f64>(lr + (<usize>i << 3), 1e-16);
      tiny += 1e-16;
    }
    let naive: f64 = 0;
    for (let i = 0; i < n; i++) naive += at(lr, i);
    expect(naive).toBe(1);
    expect(lats_prefix_sums(lr, n, out)).toBe(1 + tiny);
    heap.free(lr);
    heap.free(out);
  });

  it("cosine annealing, per-epoch LR, no warm-up: prefix sums = Eq. 12 at every (n, b) to 1e-12", () => {
    const Ns: i32[] = [1, 3, 10, 90, 100];
    const Bs: i32[] = [1, 7, 50, 13, 391];
    for (let k = 0; k < Ns.length; k++) {
      const N = Ns[k];
      const Bb = Bs[k];
      const T = N * Bb;
      const lr = heap.alloc(<usize>T << 3);
      const out = heap.alloc(<usize>(T + 1) << 3);
      for (let t = 0; t < T; t++) {
        const n = t / Bb;
        store<f64>(lr + (<usize>t << 3), 0.5 * (1 + Math.cos(PI * <f64>n / <f64>N))); // Eq. 28, η_max = 1
      }
      lats_prefix_sums(lr, T, out);
      let worst: f64 = 0;
      let worstExport: f64 = 0;
      for (let n = 0; n < N; n++) {
        for (let b = 1; b <= Bb; b++) {
          const want = eq12(n, b, N, Bb);
          const e = relErr(at(out, n * Bb + b), want);
          if (e > worst) worst = e;
          const e2 = relErr(lats_cosine_eq12(n, b, N, Bb), want);
          if (e2 > worstExport) worstExport = e2;
        }
      }
      expect(worst).toBeLessThan(1e-12, "N = " + N.toString() + ", B = " + Bb.toString());
      expect(worstExport).toBeLessThan(1e-14);
      // Final threshold Σ_n B·½(1 + cos(nπ/N)) = BN/2 + B/2 (Eq. 31 with n = N: Σ cos = 1).
      expect(relErr(at(out, T), <f64>Bb * <f64>N / 2 + <f64>Bb / 2)).toBeLessThan(1e-12);
      heap.free(lr);
      heap.free(out);
    }
  });
});
