// Threshold schedulers d(t), t = 0..T, for soft threshold pruning (the LATS
// paper; equation numbers are the paper's). The numerics live in wasm
// (assembly/prune/schedules.ts, all f64); this module picks the scheduler for
// a learning-rate schedule from src/optim/lr-schedules.ts, validates the
// options, and exposes d(t), g(x), g′(x), the early-pruning stop and the
// Theorem 1 readout. docs/schedulers.md documents every formula and choice.
//
//   lats      d(t) = μ·Σ_{i<t} η(i) over the run's real per-step LR (Corollary 1),
//             μ given, or μ = D / Σ_{i<T} η(i)
//   slats     d(t) = D·∫₀^{t/T} h / ∫₀¹ h, h the LR as a continuous function of progress (Eq. 13/14)
//   pgh       d(t) = D·∫₀^{t/T} h·β^u / ∫₀¹ h·β^u (Eq. 15/16)
//   sine      d(t) = D·½(1 − cos(πt/T))   (STDS, Appendix B / C.3)
//   linear    d(t) = D·t/T                 (C.3)
//   log2      d(t) = D·log₂(1 + t/T)       (C.3)
//   constant  d(t) = D for every t, including t = 0
import type { Engine } from "../engine/engine.js";
import { LR_SHAPE, type LrSchedule } from "../optim/lr-schedules.js";
import { ShrinkError } from "../engine/errors.js";

export const THRESHOLD_SCHEDULERS = ["lats", "slats", "pgh", "sine", "linear", "log2", "constant"] as const;
export type ThresholdSchedulerKind = (typeof THRESHOLD_SCHEDULERS)[number];

/** Kind codes of assembly/prune/schedules.ts (its SCHED_* constants). */
export const SCHED = {
  slatsConstant: 0,
  slatsCosine: 1,
  slatsPoly: 2,
  slatsStep: 3,
  pghCosine: 4,
  sine: 5,
  linear: 6,
  log2: 7,
  constant: 8,
  quadConstant: 9,
  quadCosine: 10,
  quadPoly: 11,
  quadStep: 12,
} as const;


/** Kinds whose threshold is derived from an L1 penalty, so μ can stand in for D. */
const PENALTY_KINDS: readonly ThresholdSchedulerKind[] = ["lats", "slats", "pgh"];

export interface ThresholdScheduleOptions {
  kind: ThresholdSchedulerKind;
  /** Final threshold d(T) > 0. */
  D?: number;
  /**
   * L1 coefficient μ > 0 instead of D (lats, slats, pgh): lats D = μ·Σ_{i<T} η(i);
   * slats/pgh D = μ·η₀·T·Z with Z = ∫₀¹ (h/η₀)·β^u du (Eq. 14: Z = ½ for cosine);
   * for pgh μ is the initial penalty μ(0).
   */
  mu?: number;
  /** PGH decay β ∈ (0, 1] (β = 1 is S-LATS). Read by pgh only. */
  beta?: number;
  lr: LrSchedule;
}

/** The wasm scheduler a non-lats schedule evaluates: kind code and (w, β, a, b). */
export interface WasmScheduler {
  kind: number;
  params: [w: number, beta: number, a: number, b: number];
}

export interface ThresholdSchedule {
  readonly kind: ThresholdSchedulerKind;
  /** Final threshold d(T). */
  readonly D: number;
  /**
   * lats: the constant L1 coefficient μ (Corollary 1). slats: the μ of Eq. 14's
   * continuous form, D/(η₀·T·Z). pgh: the initial penalty μ(0). Otherwise
   * undefined (read the implied penalty per step with `penalty(t)`).
   */
  readonly mu: number | undefined;
  /** pgh only. */
  readonly beta: number | undefined;
  /** T, the number of optimizer steps; at(t) is defined for t = 0..T. */
  readonly totalSteps: number;
  /** The wasm scheduler used (undefined for lats, which is summed, not a g). */
  readonly wasm: WasmScheduler | undefined;
  /** d(t), t = 0..T (integer). */
  at(t: number): number;
  /** Normalised scheduler g(x), x ∈ [0, 1]: d(t) = D·g(t/T) (lats: the prefix sums, linearly interpolated). */
  g(x: number): number;
  /** g′(x) (lats: T·η(⌊xT⌋)/Σ η, the slope of the interpolated sums). */
  dg(x: number): number;
  /** Early pruning (Section 5.3.2): the first step t (after warm-up) with g′(t/T) < p, or T if none. */
  stopStep(p: number): number;
  /** The continuous stop point: the first x (after warm-up) with g′(x) < p, or 1 if none (lats: stopStep(p)/T). */
  stopProgress(p: number): number;
  /** Theorem 1: μ(t) = (d(t+1) − d(t))/η(t), t = 0..T−1. */
  penalty(t: number): number;
  /** Holds no wasm memory (tables are copied out); kept so owners can release uniformly. */
  free(): void;
}

const argErr = (msg: string) => new ShrinkError("E_ARG", msg);

function checkPositive(name: string, v: number, what: string): void {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw argErr(`${name}: ${v} must be a positive finite number (${what})`);
  }
}

/** Theorem 1 (Eq. 10): the L1 coefficient μ(t) = (d(t+1) − d(t))/η(t) the step t → t+1 solves for. */
export function impliedPenalty(d: { at(t: number): number }, lr: LrSchedule, t: number): number {
  if (!Number.isInteger(t) || t < 0 || t >= lr.totalSteps) {
    throw new RangeError(`penalty: step ${t} must be an integer in [0, ${lr.totalSteps})`);
  }
  return (d.at(t + 1) - d.at(t)) / lr.at(t);
}

/** The wasm kind and (w, β, a, b) of slats / pgh for this LR schedule. */
export function lrScheduler(kind: "slats" | "pgh", lr: LrSchedule, beta = 1): WasmScheduler {
  const s = lr.spec;
  const T = lr.totalSteps;
  const W = lr.warmupSteps;
  const w = W / T; // warm-up fraction of the run; h = x/w on [0, w]
  const shape = LR_SHAPE[s.kind];
  if (shape === undefined) throw argErr(`lr schedule: unknown kind "${String(s.kind)}" (allowed: ${Object.keys(LR_SHAPE).join(", ")})`);
  let a = 0;
  let b = 0;
  if (s.kind === "poly") a = s.power;
  if (s.kind === "step") {
    a = s.gamma;
    // Period as a fraction of the post-warm-up run: stepSize epochs out of (T − W)/B.
    b = (s.stepSize * s.stepsPerEpoch) / (T - W);
  }
  if (kind === "slats") return { kind: SCHED.slatsConstant + shape, params: [w, 1, a, b] };
  // PGH: Eq. 16 for cosine without warm-up, quadrature of h·β^u otherwise.
  if (s.kind === "cosine" && W === 0) return { kind: SCHED.pghCosine, params: [0, beta, 0, 0] };
  return { kind: SCHED.quadConstant + shape, params: [w, beta, a, b] };
}

function validate(opts: ThresholdScheduleOptions): void {
  const { kind, D, mu, beta, lr } = opts;
  if (!(THRESHOLD_SCHEDULERS as readonly string[]).includes(kind)) {
    throw argErr(`threshold scheduler: unknown kind "${String(kind)}" (allowed: ${THRESHOLD_SCHEDULERS.join(", ")})`);
  }
  if (!lr || typeof lr.at !== "function" || !Number.isInteger(lr.totalSteps) || lr.totalSteps < 1) {
    throw argErr(`lr: ${kind} needs the run's learning-rate schedule (makeLrSchedule) with at least one step`);
  }
  if (D !== undefined) checkPositive("D", D, "the final threshold");
  if (mu !== undefined) checkPositive("mu", mu, "the L1 penalty coefficient μ");
  if (PENALTY_KINDS.includes(kind)) {
    if (D !== undefined && mu !== undefined) throw argErr(`${kind}: give exactly one of D (final threshold) or mu (L1 penalty), not both`);
    if (D === undefined && mu === undefined) throw argErr(`${kind}: give exactly one of D (final threshold) or mu (L1 penalty)`);
  } else {
    if (mu !== undefined) throw argErr(`mu: ${kind} is not derived from an L1 penalty; give D instead (mu works with ${PENALTY_KINDS.join(", ")})`);
    if (D === undefined) throw argErr(`D: ${kind} needs the final threshold D > 0`);
  }
  if (kind === "pgh") {
    if (beta === undefined) throw argErr("beta: pgh needs β in (0, 1] (1 gives S-LATS; a small β such as 1e-10 prunes at initialisation)");
    if (beta === 0) throw argErr("beta: 0 is outside (0, 1]; use a small β such as 1e-10 for pruning at initialisation");
    if (typeof beta !== "number" || !(beta > 0 && beta <= 1)) throw argErr(`beta: ${beta} must be in (0, 1]`);
  }
}

function checkStep(t: number, T: number): void {
  if (!Number.isInteger(t) || t < 0 || t > T) throw new RangeError(`threshold: step ${t} must be an integer in [0, ${T}]`);
}

function checkStopPenalty(p: number): void {
  if (typeof p !== "number" || !(p > 0) || !Number.isFinite(p)) throw argErr(`stop penalty p: ${p} must be a finite number > 0`);
}

/** f64 scratch in wasm memory: alloc(2n f32) viewed as n f64 (views made fresh after every call). */
function allocF64(e: Engine, n: number): number {
  return e.alloc(2 * n, "f32");
}
function f64View(e: Engine, ptr: number, n: number): Float64Array {
  return new Float64Array(e.memory.buffer, ptr, n);
}

/** Builds the threshold scheduler `kind` for the run whose learning rate is `lr`. */
export function makeThresholdSchedule(e: Engine, opts: ThresholdScheduleOptions): ThresholdSchedule {
  validate(opts);
  const { kind, lr } = opts;
  const T = lr.totalSteps;
  if (kind === "lats") return makeLats(e, opts);

  let sched: WasmScheduler;
  if (kind === "slats" || kind === "pgh") sched = lrScheduler(kind, lr, kind === "pgh" ? opts.beta : 1);
  else sched = { kind: SCHED[kind], params: [0, 1, 0, 0] };
  const [p0, p1, p2, p3] = sched.params;
  const k = e.k;

  let D: number;
  let mu: number | undefined;
  if (kind === "slats" || kind === "pgh") {
    const Z = k.sched_norm(sched.kind, p0, p1, p2, p3);
    if (!(Z > 0)) throw argErr(`${kind}: the learning-rate schedule integrates to ${Z}; cannot normalise`);
    const scale = lr.spec.lr * T * Z; // D = μ·η₀·T·Z
    D = opts.D ?? opts.mu! * scale;
    mu = opts.mu ?? D / scale;
  } else {
    D = opts.D!;
    mu = undefined;
  }

  // Quadrature kinds: one table of g(t/T), copied out of wasm memory.
  let table: Float64Array | undefined;
  if (sched.kind >= SCHED.quadConstant) {
    const ptr = allocF64(e, T + 1);
    try {
      if (!k.sched_table(sched.kind, T, p0, p1, p2, p3, ptr)) throw argErr(`${kind}: invalid scheduler parameters ${JSON.stringify(sched.params)}`);
      table = f64View(e, ptr, T + 1).slice();
    } finally {
      e.free(ptr);
    }
  }

  const g = (x: number) => k.sched_g(sched.kind, x, p0, p1, p2, p3);
  const self: ThresholdSchedule = {
    kind,
    D,
    mu,
    beta: kind === "pgh" ? opts.beta : undefined,
    totalSteps: T,
    wasm: sched,
    at(t) {
      checkStep(t, T);
      if (kind === "constant") return D;
      if (t === T) return D;
      return D * (table ? table[t] : g(t / T));
    },
    g,
    dg: (x) => k.sched_dg(sched.kind, x, p0, p1, p2, p3),
    stopStep(p) {
      checkStopPenalty(p);
      return k.sched_stop_step(sched.kind, T, p, p0, p1, p2, p3);
    },
    stopProgress(p) {
      checkStopPenalty(p);
      return k.sched_stop_x(sched.kind, p, p0, p1, p2, p3);
    },
    penalty: (t) => impliedPenalty(self, lr, t),
    free() {},
  };
  return self;
}

function makeLats(e: Engine, opts: ThresholdScheduleOptions): ThresholdSchedule {
  const { lr } = opts;
  const T = lr.totalSteps;
  const eta = new Float64Array(T);
  for (let t = 0; t < T; t++) eta[t] = lr.at(t);
  // Corollary 1: S(t) = Σ_{i<t} η(i), compensated, in wasm (deterministic order).
  const lrPtr = allocF64(e, T);
  let S: Float64Array;
  try {
    const outPtr = allocF64(e, T + 1);
    try {
      f64View(e, lrPtr, T).set(eta);
      e.k.lats_prefix_sums(lrPtr, T, outPtr);
      S = f64View(e, outPtr, T + 1).slice();
    } finally {
      e.free(outPtr);
    }
  } finally {
    e.free(lrPtr);
  }
  const total = S[T];
  if (!(total > 0) || !Number.isFinite(total)) throw argErr(`lats: the learning rates sum to ${total}; cannot derive the threshold`);
  const mu = opts.mu ?? opts.D! / total;
  const D = opts.D ?? mu * total;
  const W = lr.warmupSteps;
  const slope = (t: number) => (T * eta[t]) / total;
  const stopStep = (p: number): number => {
    checkStopPenalty(p);
    for (let t = W; t < T; t++) if (slope(t) < p) return t;
    return T;
  };
  const self: ThresholdSchedule = {
    kind: "lats",
    D,
    mu,
    beta: undefined,
    totalSteps: T,
    wasm: undefined,
    // d(t) = d(0) + μ·Σ_{i<t} η(i) with d(0) = 0. Given D, d(T) = (D/S)·S is D to within one rounding.
    at(t) {
      checkStep(t, T);
      return mu * S[t];
    },
    g(x) {
      if (Number.isNaN(x)) return NaN;
      if (x <= 0) return 0;
      if (x >= 1) return 1;
      const i = Math.min(Math.floor(x * T), T - 1);
      return (S[i] + (x * T - i) * eta[i]) / total;
    },
    dg(x) {
      if (Number.isNaN(x)) return NaN;
      const i = Math.min(Math.max(Math.floor(x * T), 0), T - 1);
      return slope(i);
    },
    stopStep,
    stopProgress: (p) => stopStep(p) / T,
    penalty: (t) => impliedPenalty(self, lr, t),
    free() {},
  };
  return self;
}
