// End to end on a convex problem (LATS paper, Theorem 1 / Corollary 1): on a
// synthetic sparse least-squares problem, soft-threshold training with the
// exact LATS scheduler (plain SGD on θ, straight-through gradient, w = S_d(θ),
// d(t) = μ·Σ_{i<t} η(i)) reaches the optimum of L(w) + μ‖w‖₁ that FISTA finds
// in f64, and recovers its support. Everything numeric in the training loop
// runs in wasm: the GEMMs for the gradient and the fused st_step pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine } from "./helpers/engine.ts";
import { makeLrSchedule } from "../src/optim/lr-schedules.ts";
import { makeThresholdSchedule } from "../src/prune/schedules.ts";

function lcg(seed: number) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { u, normal: () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u()) };
}

const soft = (v: number, d: number) => Math.sign(v) * Math.max(Math.abs(v) - d, 0);

test("LATS soft-threshold training solves min ½‖Aw − b‖²/m + μ‖w‖₁ like FISTA, support included", async () => {
  const e = await engine();
  const m = 120, n = 60;
  const r = lcg(7);
  const A = Float64Array.from({ length: m * n }, r.normal);
  const xTrue = new Float64Array(n);
  for (const j of [3, 17, 29, 41, 55]) xTrue[j] = (r.u() < 0.5 ? -1 : 1) * (1 + 2 * r.u());
  const b = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0.05 * r.normal();
    for (let j = 0; j < n; j++) s += A[i * n + j] * xTrue[j];
    b[i] = s;
  }
  const grad = (w: Float64Array) => {
    const res = new Float64Array(m), g = new Float64Array(n);
    for (let i = 0; i < m; i++) { let s = -b[i]; for (let j = 0; j < n; j++) s += A[i * n + j] * w[j]; res[i] = s; }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) g[j] += (A[i * n + j] * res[i]) / m;
    return g;
  };
  const F = (w: ArrayLike<number>, mu: number) => {
    let s = 0, l1 = 0;
    for (let i = 0; i < m; i++) { let t = -b[i]; for (let j = 0; j < n; j++) t += A[i * n + j] * w[j]; s += t * t; }
    for (let j = 0; j < n; j++) l1 += Math.abs(w[j]);
    return s / (2 * m) + mu * l1;
  };
  // Lipschitz constant of ∇L by power iteration (f64).
  let v = new Float64Array(n).fill(1), L = 0;
  for (let it = 0; it < 200; it++) {
    const Av = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Av[i] += A[i * n + j] * v[j];
    const AtAv = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) AtAv[j] += A[i * n + j] * Av[i];
    const norm = Math.hypot(...AtAv);
    L = norm / Math.hypot(...v) / m;
    v = AtAv.map((x) => x / norm);
  }
  const g0 = grad(new Float64Array(n));
  const mu = 0.1 * Math.max(...g0.map(Math.abs));

  // FISTA in f64 (Beck & Teboulle), run to convergence.
  let w = new Float64Array(n), y = new Float64Array(n), tk = 1;
  for (let k = 0; k < 5000; k++) {
    const g = grad(y);
    const wn = y.map((yi, j) => soft(yi - g[j] / L, mu / L));
    const tn = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
    y = wn.map((x, j) => x + ((tk - 1) / tn) * (x - w[j]));
    w = wn;
    tk = tn;
  }
  const Fstar = F(w, mu);
  const support = [...w].map((x, j) => (x !== 0 ? j : -1)).filter((j) => j >= 0);
  assert.ok(support.length >= 3 && support.length < n / 2, `FISTA support ${support.length} is sparse but not empty`);

  // The same problem by soft-threshold training in wasm, d(t) from the lats scheduler.
  const T = 600;
  const eta = 1 / L;
  const lr = makeLrSchedule(e, { kind: "constant", lr: eta, epochs: T, stepsPerEpoch: 1 });
  const sched = makeThresholdSchedule(e, { kind: "lats", mu, lr });
  assert.ok(Math.abs(sched.D - mu * eta * T) <= 1e-12 * sched.D, "Corollary 1: D = μ·Σ η");
  const k = e.k;
  const pA = e.alloc(m * n), pb = e.alloc(m), pw = e.alloc(n), pth = e.alloc(n), pr = e.alloc(m), pg = e.alloc(n);
  e.f32(pA, m * n).set(A);
  e.f32(pb, m).set(b);
  for (let t = 0; t < T; t++) {
    k.gemm_nn(m, 1, n, pA, n, pw, 1, pr, 1, 0);          // r = A·w
    k.axpy_f32(pr, pb, m, -1);                            // r −= b
    k.gemm_tn(n, 1, m, pA, n, pr, 1, pg, 1, 0);          // g = Aᵀ·r
    k.scale_f32(pg, n, 1 / m);                            // ∇L = Aᵀ(Aw − b)/m
    k.st_step(pth, pg, 0, pw, n, eta, 0, 0, 0, 0, t === 0 ? 1 : 0, sched.at(t), sched.at(t + 1), 0, 0);
  }
  const wt = Array.from(e.f32(pw, n));
  for (const p of [pA, pb, pw, pth, pr, pg]) e.free(p);
  const gap = F(wt, mu) / Fstar - 1;
  assert.ok(gap >= -1e-6 && gap < 0.01, `objective within 1% of FISTA's optimum (relative gap ${gap})`);
  const found = wt.map((x, j) => (x !== 0 ? j : -1)).filter((j) => j >= 0);
  assert.deepEqual(found, support, "support recovered");
});
