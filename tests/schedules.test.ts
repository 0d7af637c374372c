// Threshold schedulers (src/prune/schedules.ts → assembly/prune/schedules.ts)
// against the paper's closed forms, recomputed here in JS: Corollary 1 (LATS),
// Eq. 12, Eq. 13/14 (S-LATS), Eq. 15/16 (PGH), Appendix B / C.3 (sine, linear,
// log2), the Theorem 1 readout, early-pruning stop points, validation errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine } from "./helpers/engine.ts";
import { readFileSync } from "node:fs";
import { makeLrSchedule, type LrSchedule, type LrScheduleSpec } from "../src/optim/lr-schedules.ts";
import {
  makeThresholdSchedule, impliedPenalty, lrScheduler, SCHED, THRESHOLD_SCHEDULERS,
  type ThresholdSchedule, type ThresholdScheduleOptions,
} from "../src/prune/schedules.ts";
import { ShrinkError } from "../src/engine/errors.ts";

const PI = Math.PI;
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));

/** Asserts |got − want| ≤ rtol·|want| + atol for t = 0..T and returns the worst relative error. */
function checkAt(s: ThresholdSchedule, want: (t: number) => number, rtol: number, atol: number, what: string): number {
  let worst = 0;
  for (let t = 0; t <= s.totalSteps; t++) {
    const g = s.at(t), w = want(t);
    if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) assert.fail(`${what}: d(${t}) = ${g}, expected ${w}`);
    if (w !== 0) worst = Math.max(worst, rel(g, w));
  }
  return worst;
}

function assertMonotone(s: ThresholdSchedule, what: string): void {
  for (let t = 1; t <= s.totalSteps; t++) {
    if (!(s.at(t) >= s.at(t - 1))) assert.fail(`${what}: d(${t}) = ${s.at(t)} < d(${t - 1}) = ${s.at(t - 1)}`);
  }
}

/** Composite 5-point Gauss–Legendre on [a, b] with n panels (never samples the end points). */
const GLX = [0, 0.5384693101056831, 0.906179845938664];
const GLW = [0.5688888888888889, 0.4786286704993665, 0.2369268850561891];
function gauss(f: (x: number) => number, a: number, b: number, n: number): number {
  if (!(b > a)) return 0;
  const h = (b - a) / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = a + (i + 0.5) * h, r = h / 2;
    s += r * (GLW[0] * f(c) + GLW[1] * (f(c - r * GLX[1]) + f(c + r * GLX[1])) + GLW[2] * (f(c - r * GLX[2]) + f(c + r * GLX[2])));
  }
  return s;
}

/**
 * Reference S-LATS / PGH g(x) straight from the LrSchedule's own `shape`: h = x/w on
 * [0, w], then lr.shape((x − w)/(1 − w)), times β^x, integrated piecewise between
 * the breakpoints of h (warm-up end and step boundaries, read off lr.spec) by Gauss–Legendre.
 */
function refG(lr: LrSchedule, beta: number): (x: number) => number {
  const T = lr.totalSteps, W = lr.warmupSteps, w = W / T, s = lr.spec;
  const h = (x: number) => (x < w ? x / w : lr.shape((x - w) / (1 - w))) * Math.pow(beta, x);
  const cuts = [0];
  if (w > 0) cuts.push(w);
  if (s.kind === "step") {
    const span = (s.stepSize * s.stepsPerEpoch) / T;
    for (let k = 1; w + k * span < 1 - 1e-12; k++) cuts.push(w + k * span);
  }
  cuts.push(1);
  const I = (x: number) => {
    let acc = 0;
    for (let j = 0; j + 1 < cuts.length && cuts[j] < x; j++) {
      const a = cuts[j], b = Math.min(cuts[j + 1], x);
      if (s.kind === "poly" && b === 1) {
        // (1 − y)^κ is singular at 1: geometric panels towards it.
        let lo = a;
        for (let lev = 0; lev < 60; lev++) {
          const hi = 1 - (1 - lo) / 2;
          acc += gauss(h, lo, hi, 50);
          lo = hi;
        }
        continue;
      }
      acc += gauss(h, a, b, 1000);
    }
    return acc;
  };
  const Z = I(1);
  return (x) => I(x) / Z;
}

/** Eq. 12 with μ·η_max = 1. */
function eq12(n: number, b: number, N: number, B: number): number {
  return (B / 4) * (2 * n + 1 + Math.sin(((2 * n - 1) * PI) / (2 * N)) / Math.sin(PI / (2 * N))) + (b / 2) * (1 + Math.cos((n * PI) / N));
}

/** Eq. 16 as printed. */
function eq16(x: number, beta: number): number {
  const l = Math.log(beta), bx = Math.pow(beta, x);
  return (PI * PI * (bx - 1) + l * l * (bx - 2) + l * bx * (l * Math.cos(PI * x) + PI * Math.sin(PI * x))) / (PI * PI * (beta - 1) - 2 * l * l);
}

const e = await engine();
const lrOf = (spec: Partial<LrScheduleSpec> & Pick<LrScheduleSpec, "kind">): LrSchedule =>
  makeLrSchedule(e, { lr: 0.1, epochs: 10, stepsPerEpoch: 8, ...spec });

test("kind codes match assembly/prune/schedules.ts's SCHED_* constants", () => {
  const src = readFileSync("assembly/prune/schedules.ts", "utf8");
  const globals = Object.fromEntries([...src.matchAll(/export const (SCHED_\w+): i32 = (\d+);/g)].map((m) => [m[1], { value: +m[2] }]));
  const names: Record<keyof typeof SCHED, string> = {
    slatsConstant: "SCHED_SLATS_CONSTANT", slatsCosine: "SCHED_SLATS_COSINE", slatsPoly: "SCHED_SLATS_POLY", slatsStep: "SCHED_SLATS_STEP",
    pghCosine: "SCHED_PGH_COSINE", sine: "SCHED_SINE", linear: "SCHED_LINEAR", log2: "SCHED_LOG2", constant: "SCHED_CONSTANT",
    quadConstant: "SCHED_QUAD_CONSTANT", quadCosine: "SCHED_QUAD_COSINE", quadPoly: "SCHED_QUAD_POLY", quadStep: "SCHED_QUAD_STEP",
  };
  for (const [k, g] of Object.entries(names)) assert.equal(globals[g].value, SCHED[k as keyof typeof SCHED], g);
});

test("sine, linear, log2, constant: Appendix B / C.3 at every step; D exact at T", async () => {
  const e = await engine();
  const lr = lrOf({ kind: "cosine", warmupEpochs: 1 });
  const T = lr.totalSteps, D = 0.37;
  const mk = (kind: ThresholdScheduleOptions["kind"]) => makeThresholdSchedule(e, { kind, D, lr });
  checkAt(mk("sine"), (t) => 0.5 * (1 + Math.sin(PI * (t / T - 0.5))) * D, 1e-14, 1e-17, "sine"); // STDS form, Appendix B
  checkAt(mk("linear"), (t) => (t / T) * D, 1e-15, 0, "linear");
  // log₂(t/T + 1) as printed rounds 1 + x first (~1e-16/x relative); the module uses log1p.
  checkAt(mk("log2"), (t) => Math.log2(t / T + 1) * D, 1e-13, 0, "log2");
  const c = mk("constant");
  checkAt(c, () => D, 0, 0, "constant");
  assert.equal(c.g(0), 1);
  assert.equal(c.dg(0.5), 0);
  for (const k of ["sine", "linear", "log2", "constant"] as const) {
    const s = mk(k);
    assert.equal(s.at(T), D, `${k}: d(T) = D`);
    assert.equal(s.mu, undefined);
    assertMonotone(s, k);
  }
  assert.equal(mk("sine").at(0), 0);
  assert.ok(Math.abs(mk("sine").dg(0.5) - PI / 2) < 1e-15);
  assert.ok(Math.abs(mk("log2").dg(0) - 1 / Math.LN2) < 1e-15);
});

test("S-LATS cosine (no warm-up) is Eq. 14 at every step, with D or with μ (D = μ·η_max·T/2)", async () => {
  const e = await engine();
  for (const interval of ["epoch", "step"] as const) {
    const lr = makeLrSchedule(e, { kind: "cosine", lr: 0.05, epochs: 12, stepsPerEpoch: 25, interval });
    const T = lr.totalSteps;
    const s = makeThresholdSchedule(e, { kind: "slats", D: 0.8, lr });
    assert.equal(s.wasm!.kind, SCHED.slatsCosine);
    checkAt(s, (t) => 0.8 * (Math.sin((t * PI) / T) / PI + t / T), 1e-14, 1e-17, `slats ${interval}`);
    const mu = 0.3;
    const m = makeThresholdSchedule(e, { kind: "slats", mu, lr });
    assert.ok(rel(m.D, (mu * 0.05 * T) / 2) < 1e-15, `Eq. 14: D = μη_max·T/2, got ${m.D}`);
    checkAt(m, (t) => ((mu * 0.05 * T) / 2) * (Math.sin((t * PI) / T) / PI + t / T), 1e-14, 1e-17, "Eq. 14 with μ");
    assert.ok(rel(s.mu!, (2 * 0.8) / (0.05 * T)) < 1e-15, "reported μ of Eq. 14");
  }
});

test("S-LATS for every LR schedule (warm-up, step, poly, constant) = ∫h/∫h from the LrSchedule's own shape", async () => {
  const e = await engine();
  const specs: LrScheduleSpec[] = [
    { kind: "constant", lr: 0.1, epochs: 10, stepsPerEpoch: 8 },
    { kind: "constant", lr: 0.1, epochs: 10, stepsPerEpoch: 8, warmupEpochs: 2 },
    { kind: "cosine", lr: 0.1, epochs: 10, stepsPerEpoch: 8, warmupEpochs: 1 },
    { kind: "poly", lr: 0.1, epochs: 10, stepsPerEpoch: 8, power: 0.9 },
    { kind: "poly", lr: 0.1, epochs: 12, stepsPerEpoch: 5, power: 2, warmupEpochs: 2 },
    { kind: "step", lr: 0.1, epochs: 9, stepsPerEpoch: 6, gamma: 0.1, stepSize: 3 },
    { kind: "step", lr: 0.1, epochs: 12, stepsPerEpoch: 4, gamma: 0.5, stepSize: 4, warmupEpochs: 2 },
  ];
  for (const spec of specs) {
    const lr = makeLrSchedule(e, spec);
    const s = makeThresholdSchedule(e, { kind: "slats", D: 1, lr });
    const ref = refG(lr, 1);
    const what = `slats/${spec.kind} warm-up ${spec.warmupEpochs ?? 0}`;
    checkAt(s, (t) => ref(t / lr.totalSteps), 1e-12, 1e-15, what);
    assertMonotone(s, what);
    assert.equal(s.at(0), 0);
    assert.equal(s.at(lr.totalSteps), 1);
  }
  // Exact spot values. Poly κ = 0.9, no warm-up: g = 1 − (1 − x)^1.9.
  const poly = makeThresholdSchedule(e, { kind: "slats", D: 2, lr: lrOf({ kind: "poly", power: 0.9 }) });
  for (let t = 0; t <= 80; t++) assert.ok(rel(poly.at(t), 2 * (1 - Math.pow(1 - t / 80, 1.9))) < 1e-14 || poly.at(t) === 0);
  // Step γ = 0.1 every 3 of 9 epochs: periods of 1/3; Z = (1 + 0.1 + 0.01)/3.
  const step = makeThresholdSchedule(e, { kind: "slats", D: 1, lr: makeLrSchedule(e, specs[5]) });
  assert.ok(rel(step.g(0.5), (1 / 3 + 0.1 / 6) / (1.11 / 3)) < 1e-15);
  assert.ok(rel(step.dg(0.5), 0.1 / (1.11 / 3)) < 1e-15);
  // Constant LR, 2 of 10 epochs warm-up: h = x/0.2 then 1; Z = 0.1 + 0.8 = 0.9.
  const warm = makeThresholdSchedule(e, { kind: "slats", D: 1, lr: makeLrSchedule(e, specs[1]) });
  assert.deepEqual(warm.wasm!.params.slice(0, 1), [0.2]);
  assert.ok(rel(warm.g(0.1), 0.025 / 0.9) < 1e-15);
  assert.ok(rel(warm.g(0.6), (0.1 + 0.4) / 0.9) < 1e-15);
});

test("PGH: Eq. 16 (cosine, no warm-up) at every step; quadrature with warm-up / other shapes; β = 1 is S-LATS", async () => {
  const e = await engine();
  const lr = lrOf({ kind: "cosine" });
  const T = lr.totalSteps;
  for (const beta of [0.5, 0.1, 1e-5, 1e-10]) {
    const s = makeThresholdSchedule(e, { kind: "pgh", D: 0.5, beta, lr });
    assert.equal(s.wasm!.kind, SCHED.pghCosine);
    checkAt(s, (t) => 0.5 * eq16(t / T, beta), 1e-13, 1e-17, `pgh β=${beta}`);
    assertMonotone(s, `pgh β=${beta}`);
  }
  const b1 = makeThresholdSchedule(e, { kind: "pgh", D: 0.5, beta: 1, lr });
  const sl = makeThresholdSchedule(e, { kind: "slats", D: 0.5, lr });
  checkAt(b1, (t) => sl.at(t), 1e-15, 1e-17, "pgh β = 1 vs slats");
  for (const spec of [
    { kind: "cosine", warmupEpochs: 2 },
    { kind: "poly", power: 0.9 },
    { kind: "step", gamma: 0.1, stepSize: 3, warmupEpochs: 1 },
    { kind: "constant", warmupEpochs: 1 },
  ] as const) {
    const l = lrOf(spec);
    for (const beta of [0.3, 1e-10]) {
      const s = makeThresholdSchedule(e, { kind: "pgh", D: 1, beta, lr: l });
      assert.ok(s.wasm!.kind >= SCHED.quadConstant, "quadrature kind");
      const ref = refG(l, beta);
      checkAt(s, (t) => ref(t / l.totalSteps), 1e-12, 1e-15, `pgh/${spec.kind} β=${beta}`);
      assertMonotone(s, `pgh/${spec.kind} β=${beta}`);
    }
  }
  // μ parameterisation: μ is the initial penalty μ(0); D = μ·η₀·T·Z.
  const m = makeThresholdSchedule(e, { kind: "pgh", mu: 2, beta: 0.1, lr });
  const l = Math.log(0.1);
  const Z = (PI * PI * (0.1 - 1) - 2 * l * l) / (2 * l * (l * l + PI * PI)); // ∫₀¹ ½(1 + cos πu)β^u du (Eq. 16 denominator)
  assert.ok(rel(m.D, 2 * 0.1 * T * Z) < 1e-14, `D = ${m.D}`);
});

test("Corollary 1: under LATS, (d(t+1) − d(t))/η(t) = μ at every step (cosine+warm-up, step, poly, constant)", async (t) => {
  const e = await engine();
  const specs: LrScheduleSpec[] = [
    { kind: "cosine", lr: 0.4, epochs: 6, stepsPerEpoch: 5, warmupEpochs: 2 },
    { kind: "cosine", lr: 0.4, epochs: 6, stepsPerEpoch: 5, warmupEpochs: 1, interval: "step" },
    { kind: "step", lr: 0.2, epochs: 12, stepsPerEpoch: 4, gamma: 0.5, stepSize: 4, warmupEpochs: 1 },
    { kind: "poly", lr: 0.1, epochs: 8, stepsPerEpoch: 5, power: 0.9 },
    { kind: "poly", lr: 0.1, epochs: 8, stepsPerEpoch: 5, power: 0.9, interval: "step" },
    { kind: "constant", lr: 0.05, epochs: 7, stepsPerEpoch: 9 },
  ];
  let worstAll = 0;
  for (const spec of specs) {
    const lr = makeLrSchedule(e, spec);
    const T = lr.totalSteps;
    for (const param of [{ mu: 0.7 }, { D: 0.25 }]) {
      const s = makeThresholdSchedule(e, { kind: "lats", lr, ...param });
      const mu = s.mu!;
      if ("mu" in param) assert.equal(mu, 0.7);
      let sum = 0;
      for (let i = 0; i < T; i++) sum += lr.at(i);
      if ("D" in param) assert.ok(rel(mu, 0.25 / sum) < 1e-14, `μ = D/Σ η (${mu} vs ${0.25 / sum})`);
      assert.equal(s.at(0), 0);
      assert.ok(rel(s.at(T), s.D) <= 2.3e-16, `d(T) = D to one rounding (${s.at(T)} vs ${s.D})`);
      for (let i = 0; i < T; i++) {
        const r = rel(s.penalty(i), mu);
        worstAll = Math.max(worstAll, r);
        if (!(r < 1e-12)) assert.fail(`${spec.kind}/${spec.interval ?? "epoch"} warm-up ${spec.warmupEpochs ?? 0}: μ(${i}) = ${s.penalty(i)} ≠ μ = ${mu}`);
        assert.equal(s.penalty(i), impliedPenalty(s, lr, i));
      }
      assertMonotone(s, `lats ${spec.kind}`);
    }
  }
  t.diagnostic(`worst relative deviation of the Theorem 1 readout from μ: ${worstAll.toExponential(2)}`);
});

test("LATS, cosine, per-epoch LR, no warm-up: d(nB + b) = Eq. 12 at every (n, b)", async (t) => {
  const e = await engine();
  let worst = 0;
  for (const [N, B] of [[1, 4], [5, 7], [10, 20], [90, 13], [100, 40]]) {
    const etaMax = 0.1, mu = 3;
    const lr = makeLrSchedule(e, { kind: "cosine", lr: etaMax, epochs: N, stepsPerEpoch: B });
    const s = makeThresholdSchedule(e, { kind: "lats", mu, lr });
    assert.equal(s.at(0), 0);
    for (let n = 0; n < N; n++) {
      for (let b = 1; b <= B; b++) {
        const want = mu * etaMax * eq12(n, b, N, B);
        const got = s.at(n * B + b);
        const r = rel(got, want);
        worst = Math.max(worst, r);
        if (!(r < 1e-12)) assert.fail(`N=${N} B=${B} (n=${n}, b=${b}): d = ${got}, Eq. 12 = ${want}`);
      }
    }
  }
  t.diagnostic(`worst relative error LATS prefix sums vs Eq. 12: ${worst.toExponential(2)}`);
});

test("early pruning (Section 5.3.2): PGH stop points 0.743, 0.382, 0.231 for β = 0.1, 1e-5, 1e-10", async (t) => {
  const e = await engine();
  const lr = makeLrSchedule(e, { kind: "cosine", lr: 0.1, epochs: 100, stepsPerEpoch: 10 });
  const want = [[0.1, 0.743], [1e-5, 0.382], [1e-10, 0.231]];
  const got: string[] = [];
  for (const [beta, x] of want) {
    const s = makeThresholdSchedule(e, { kind: "pgh", D: 0.1, beta, lr });
    const xs = s.stopProgress(0.1);
    got.push(`β=${beta}: x* = ${xs.toFixed(6)}`);
    assert.ok(Math.abs(xs - x) <= 0.0005, `β = ${beta}: x* = ${xs}, paper ${x}`);
    assert.ok(Math.abs(s.dg(xs) - 0.1) < 1e-12, "g′(x*) = p");
    const ts = s.stopStep(0.1);
    assert.equal(ts, Math.ceil(xs * lr.totalSteps), "first grid step past x*");
    assert.ok(s.dg(ts / lr.totalSteps) < 0.1 && s.dg((ts - 1) / lr.totalSteps) >= 0.1);
  }
  t.diagnostic(got.join("; "));
  // Stop with warm-up: the ramp (g′ from 0) is skipped; the stop is after warm-up.
  const warm = makeThresholdSchedule(e, { kind: "pgh", D: 0.1, beta: 0.1, lr: lrOf({ kind: "cosine", warmupEpochs: 2 }) });
  assert.ok(warm.dg(0) === 0 && warm.stopStep(0.1) > 16);
  // LATS: the first step (after warm-up) with T·η(t)/Σ η < p, found here by hand.
  const llr = lrOf({ kind: "cosine", warmupEpochs: 1 });
  const lats = makeThresholdSchedule(e, { kind: "lats", D: 1, lr: llr });
  let sum = 0;
  for (let i = 0; i < llr.totalSteps; i++) sum += llr.at(i);
  let expect = llr.totalSteps;
  for (let i = llr.warmupSteps; i < llr.totalSteps; i++) if ((llr.totalSteps * llr.at(i)) / sum < 0.5) { expect = i; break; }
  assert.ok(expect < llr.totalSteps);
  assert.equal(lats.stopStep(0.5), expect);
  assert.equal(lats.stopProgress(0.5), expect / llr.totalSteps);
  // Never: linear g′ ≡ 1.
  assert.equal(makeThresholdSchedule(e, { kind: "linear", D: 1, lr: llr }).stopStep(0.5), llr.totalSteps);
});

test("Theorem 1 readout: sine gives Appendix B's μ(t) = D(cos(tπ/T) − cos((t+1)π/T))/(2η(t))", async () => {
  const e = await engine();
  const lr = makeLrSchedule(e, { kind: "cosine", lr: 0.1, epochs: 10, stepsPerEpoch: 10, interval: "step" });
  const T = lr.totalSteps, D = 0.5;
  const s = makeThresholdSchedule(e, { kind: "sine", D, lr });
  for (let t = 0; t < T; t++) {
    const want = (D * (Math.cos((t * PI) / T) - Math.cos(((t + 1) * PI) / T))) / (2 * lr.at(t));
    assert.ok(rel(s.penalty(t), want) < 1e-10, `μ(${t}) = ${s.penalty(t)} vs ${want}`);
  }
  // Increasing, as Appendix B argues (μ ∝ tan(tπ/2T)).
  assert.ok(s.penalty(T - 1) > 100 * s.penalty(1));
  // PGH: μ(t) = μ(0)·β^{t/T} up to the O(1/T) forward-difference error (step-wise cosine LR).
  const p = makeThresholdSchedule(e, { kind: "pgh", mu: 1, beta: 0.01, lr: makeLrSchedule(e, { kind: "cosine", lr: 0.1, epochs: 10, stepsPerEpoch: 200, interval: "step" }) });
  for (const t of [0, 500, 1000, 1500]) assert.ok(Math.abs(p.penalty(t) / Math.pow(0.01, t / 2000) - 1) < 1e-2, `pgh μ(${t}) = ${p.penalty(t)}`);
});

test("g and dg are consistent with at(); lats g interpolates the sums", async () => {
  const e = await engine();
  const lr = lrOf({ kind: "step", gamma: 0.3, stepSize: 2, warmupEpochs: 1 });
  const T = lr.totalSteps;
  for (const kind of THRESHOLD_SCHEDULERS) {
    const s = makeThresholdSchedule(e, { kind, D: 0.3, beta: 0.2, lr });
    for (let t = 0; t <= T; t += 7) {
      if (kind !== "constant") assert.ok(Math.abs(s.at(t) - 0.3 * s.g(t / T)) <= 1e-16, `${kind} t=${t}`);
    }
    assert.equal(s.g(1), 1);
    if (kind !== "constant") assert.equal(s.g(0), 0);
  }
  const lats = makeThresholdSchedule(e, { kind: "lats", D: 1, lr });
  assert.ok(Math.abs(lats.g(10.5 / T) - (lats.at(10) + lats.at(11)) / 2) < 1e-16);
  assert.ok(rel(lats.dg(10.5 / T), (T * lr.at(10)) / (lats.at(T) / lats.mu!)) < 1e-14);
});

test("lrScheduler maps the LR spec to (w, β, κ | γ, P)", () => {
  const step = lrScheduler("slats", makeLrSchedule(e, { kind: "step", lr: 1, epochs: 12, stepsPerEpoch: 5, warmupEpochs: 2, stepSize: 4, gamma: 0.2 }));
  assert.deepEqual(step, { kind: SCHED.slatsStep, params: [2 / 12, 1, 0.2, 4 / 10] });
  const poly = lrScheduler("pgh", makeLrSchedule(e, { kind: "poly", lr: 1, epochs: 4, stepsPerEpoch: 3, power: 2 }), 0.5);
  assert.deepEqual(poly, { kind: SCHED.quadPoly, params: [0, 0.5, 2, 0] });
  assert.deepEqual(lrScheduler("pgh", makeLrSchedule(e, { kind: "cosine", lr: 1, epochs: 4, stepsPerEpoch: 3 }), 0.5), { kind: SCHED.pghCosine, params: [0, 0.5, 0, 0] });
});

test("validation: ShrinkError naming the option and the allowed values", async () => {
  const e = await engine();
  const lr = lrOf({ kind: "cosine" });
  const bad = (opts: Partial<ThresholdScheduleOptions>, re: RegExp) =>
    assert.throws(() => makeThresholdSchedule(e, { lr, ...opts } as ThresholdScheduleOptions), (err: unknown) => {
      assert.ok(err instanceof ShrinkError, `ShrinkError, got ${String(err)}`);
      assert.equal(err.code, "E_ARG");
      assert.match(err.message, re);
      return true;
    });
  bad({ kind: "cubic" as never, D: 1 }, /unknown kind "cubic" \(allowed: lats, slats, pgh, sine, linear, log2, constant\)/);
  for (const D of [0, -1, NaN, Infinity]) bad({ kind: "slats", D }, /^D: .* must be a positive finite number/);
  for (const mu of [0, -2, NaN]) bad({ kind: "lats", mu }, /^mu: .* must be a positive finite number/);
  bad({ kind: "lats", D: 1, mu: 1 }, /lats: give exactly one of D .* or mu/);
  bad({ kind: "lats" }, /lats: give exactly one of D/);
  bad({ kind: "slats" }, /slats: give exactly one of D/);
  bad({ kind: "sine" }, /D: sine needs the final threshold/);
  bad({ kind: "linear", mu: 1 }, /mu: linear is not derived from an L1 penalty; give D/);
  bad({ kind: "pgh", D: 1 }, /beta: pgh needs β in \(0, 1\]/);
  bad({ kind: "pgh", D: 1, beta: 0 }, /beta: 0 is outside \(0, 1\]; use a small β such as 1e-10 for pruning at initialisation/);
  for (const beta of [1.5, -0.1, NaN]) bad({ kind: "pgh", D: 1, beta }, /^beta: .* must be in \(0, 1\]/);
  bad({ kind: "slats", D: 1, lr: undefined as never }, /lr: slats needs the run's learning-rate schedule/);
  // β is read only by pgh (callers may pass a default to every kind).
  assert.doesNotThrow(() => makeThresholdSchedule(e, { kind: "slats", D: 1, beta: 7, lr }));
  const s = makeThresholdSchedule(e, { kind: "pgh", D: 1, beta: 1e-10, lr });
  for (const p of [0, -1, NaN, Infinity]) {
    assert.throws(() => s.stopStep(p), (err: unknown) => err instanceof ShrinkError && /stop penalty p: .* must be a finite number > 0/.test(err.message));
  }
  assert.throws(() => s.at(-1), RangeError);
  assert.throws(() => s.at(lr.totalSteps + 1), RangeError);
  assert.throws(() => s.at(0.5), RangeError);
  assert.throws(() => s.penalty(lr.totalSteps), RangeError);
});

test("β = 1e-10 and β = 1e-300 work (pruning at initialisation); no wasm memory is kept", async () => {
  const e = await engine();
  const before = e.liveBytes;
  const lr = lrOf({ kind: "cosine" });
  for (const beta of [1e-10, 1e-300]) {
    const s = makeThresholdSchedule(e, { kind: "pgh", D: 1, beta, lr });
    assertMonotone(s, `β = ${beta}`);
    for (let t = 0; t <= lr.totalSteps; t++) assert.ok(Number.isFinite(s.at(t)));
    assert.ok(s.at(Math.ceil(0.1 * lr.totalSteps)) > (beta === 1e-300 ? 0.9999 : 0.8));
  }
  makeThresholdSchedule(e, { kind: "lats", D: 1, lr });
  makeThresholdSchedule(e, { kind: "pgh", D: 1, beta: 0.5, lr: lrOf({ kind: "poly", warmupEpochs: 1 }) });
  assert.equal(e.liveBytes, before);
});
