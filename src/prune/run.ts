// One pruning run: a training session whose optimizer is a pruning method,
// with the threshold state reported every epoch; and the search for the D that
// gives a target sparsity (users think in sparsity, not thresholds).
import type { Engine } from "../engine/engine";
import type { Param } from "../nn/layer";
import type { ImageLabelSet } from "../data/idx";
import { createSession, type Session } from "../train/session";
import type { TrainConfig } from "../train/config";
import type { EpochEvent, BatchEvent, TrainResult } from "../train/trainer";
import { makeLrSchedule, type LrSchedule } from "../train/lr-schedules";
import { prunableParams, prunableNames } from "./prunable";
import { modelSpec, paramNames, weightNames } from "../nn/models";
import { SoftThresholdOptimizer, SOFT_THRESHOLD_METHODS, type SoftThresholdMethod, type ThresholdState } from "./soft-threshold";
import { MagnitudeOneShot, rewoundSchedule } from "./magnitude";
import { Gmp, checkGmpRamp } from "./gmp";
import { ITERATIVE_METHODS, runIterative, validateIterative, type IterationReport, type IterativeHooks, type IterativeMethod } from "./iterative";
import { SCOPES, type Scope } from "./scopes";
import { modelStats, type ModelStats } from "../nn/summary";
import type { Sequential } from "../nn/sequential";
import type { ModelSpec } from "../nn/models";
import { ShrinkError } from "../io/errors";

export const PRUNE_METHODS = [...SOFT_THRESHOLD_METHODS, "magnitude", "gmp", ...ITERATIVE_METHODS] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];

export interface PruneConfig extends TrainConfig {
  method: PruneMethod;
  D?: number;
  mu?: number;
  beta: number;
  grad: "ste" | "subgradient";
  threshold: "global" | "layer";
  stopPenalty?: number;
  exclude: string[];
  targetSparsity?: number;
  sInit: number;
  pruneAt?: number;
  /** Scope of mask-based methods (gmp, sap, lottery, one-shot). */
  scope: Scope;
  /** Iterative methods: iterations T (each --epochs long), PQ Index p, q, η_r, γ, SAP's max ratio β, LT/One Shot ratio P. */
  iterations: number;
  p: number;
  q: number;
  etaR: number;
  gamma: number;
  sapBeta: number;
  ratio: number;
  /** gmp: begin/end of the sparsity ramp as fractions of the run; steps between mask updates. */
  begin: number;
  end: number;
  every: number;
}

/** Defaults: S-LATS; D = 0.1 gives ~93% sparsity on the MLP over 10 epochs of the embedded data. */
/**
 * The final threshold D of the scheduled soft-threshold methods when none is
 * given. It is in weight units, and conv weights feeding batch norm end up far
 * smaller than the MLP's (batch norm makes them scale-free, so weight decay
 * shrinks them unopposed): D = 0.1 prunes the cnn to 94% after one epoch of
 * three at 38% accuracy, so the conv nets default to CONV_DEFAULT_D.
 */
export const CONV_DEFAULT_D = 0.02;
export function defaultD(model: string): number {
  return model === "linear" || model === "mlp" ? DEFAULT_PRUNE.D : CONV_DEFAULT_D;
}

export const DEFAULT_PRUNE = {
  method: "slats" as PruneMethod, D: 0.1, beta: 1e-5, grad: "ste" as const, threshold: "global" as const, sInit: -5,
  scope: "global" as Scope, iterations: 8, p: 0.5, q: 1, etaR: 0, gamma: 1, sapBeta: 0.9, ratio: 0.2, begin: 0, end: 0.75, every: 50,
};

export interface PruneEpochState extends ThresholdState {
  sparsity: number;
  layers: Record<string, number>;
}

export interface PruneHooks {
  signal?: AbortSignal;
  onBatch?: (ev: BatchEvent) => void;
  onEpoch?: (ev: EpochEvent, st: PruneEpochState) => void | Promise<void>;
}

export interface PruneRun {
  result: TrainResult;
  stats: ModelStats;
  /** Sparsity over the pruned tensors only. */
  sparsity: number;
  D: number | undefined;
  mu: number | undefined;
  threshold: number;
  stoppedAt: number | null;
  model: Sequential;
  spec: ModelSpec;
  epochStates: PruneEpochState[];
  dispose(): void;
}

/** Checks a pruning configuration before any work (errors name the option). */
export function validatePruneConfig(c: PruneConfig): void {
  if (!(PRUNE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `--method: unknown method "${c.method}" (allowed: ${PRUNE_METHODS.join(", ")})`);
  if (c.D !== undefined && !(c.D > 0 && Number.isFinite(c.D))) throw new ShrinkError("E_ARG", `--D: ${c.D} must be a finite number > 0`);
  if (c.mu !== undefined && c.method !== "lats") throw new ShrinkError("E_ARG", `--mu: only --method lats is parameterised by μ (got ${c.method})`);
  if (c.mu !== undefined && c.D !== undefined) throw new ShrinkError("E_ARG", "--mu and --D: give one of them (D = μ·Σ η)");
  if (c.method !== "sap" && !(c.beta > 0 && c.beta <= 1)) throw new ShrinkError("E_ARG", `--beta: ${c.beta} must be in (0, 1] (use a small β such as 1e-10 to prune at initialisation)`);
  if (c.stopPenalty !== undefined && !(c.stopPenalty > 0 && Number.isFinite(c.stopPenalty))) throw new ShrinkError("E_ARG", `--stop-penalty: ${c.stopPenalty} must be a finite number > 0`);
  if (c.stopPenalty !== undefined && (c.method === "str" || c.method === "gpo" || c.method === "magnitude")) throw new ShrinkError("E_ARG", `--stop-penalty needs a scheduled threshold (not ${c.method})`);
  if (c.targetSparsity !== undefined && !(c.targetSparsity > 0 && c.targetSparsity < 1)) throw new ShrinkError("E_ARG", `--target-sparsity: ${c.targetSparsity} must be in (0, 1)`);
  if (!(SCOPES as readonly string[]).includes(c.scope)) throw new ShrinkError("E_ARG", `--scope: unknown scope "${c.scope}" (allowed: ${SCOPES.join(", ")})`);
  if ((ITERATIVE_METHODS as readonly string[]).includes(c.method)) {
    validateIterative({ method: c.method as IterativeMethod, iterations: c.iterations, epochs: c.epochs, scope: c.scope, p: c.p, q: c.q, etaR: c.etaR, gamma: c.gamma, maxRatio: c.sapBeta, ratio: c.ratio, seed: c.seed });
    if (c.targetSparsity !== undefined) throw new ShrinkError("E_ARG", `--target-sparsity: ${c.method} sets its pace per iteration (--iterations, --ratio, or the PQI-bound); it takes no target`);
  }
  if (c.method === "gmp") checkGmpRamp(c.begin, c.end, c.every);
  if (c.targetSparsity !== undefined && (c.method === "str" || c.method === "gpo")) throw new ShrinkError("E_ARG", `--target-sparsity: ${c.method} trains its own threshold, so there is no D to search (use a scheduled method such as slats)`);
  if ((c.method === "magnitude" || c.method === "gmp") && c.targetSparsity === undefined) throw new ShrinkError("E_ARG", `--method ${c.method} needs --target-sparsity S`);
  if (c.pruneAt !== undefined && !(c.pruneAt >= 0 && c.pruneAt < c.epochs)) throw new ShrinkError("E_ARG", `--prune-at: ${c.pruneAt} must be an epoch in [0, ${c.epochs})`);
  if (c.threshold === "layer" && c.method !== "str" && c.method !== "gpo") throw new ShrinkError("E_ARG", `--threshold layer: only str and gpo train a threshold per layer; ${c.method} uses one global scheduled threshold`);
  if (c.method === "gpo" && c.grad === "subgradient") throw new ShrinkError("E_ARG", "--grad: gpo uses its own gradient ((1 − k)·1[|θ| > d] + k); leave --grad unset");
  // Names do not depend on the input shape: any valid one will do.
  const spec = modelSpec(c.model, [1, 32, 32], 10, { width: c.width });
  prunableNames(paramNames(spec), weightNames(spec), c.exclude);
  if (!Number.isFinite(c.sInit)) throw new ShrinkError("E_ARG", `--s-init: ${c.sInit} must be a finite number`);
}

type SingleRunOptimizer = SoftThresholdOptimizer | MagnitudeOneShot | Gmp;

/** The optimizer of a single-run method, and the LR schedule it trains with (rewound for magnitude). */
function makeOptimizer(e: Engine, c: PruneConfig, session: Session, params: Param[], prunable: Param[]): { opt: SingleRunOptimizer; schedule: LrSchedule } {
  const sgdOpts = session.sgd.opts;
  if (c.method === "gmp") {
    return {
      opt: new Gmp(e, params, prunable, sgdOpts, session.schedule.totalSteps, {
        initialSparsity: 0, finalSparsity: c.targetSparsity!, begin: c.begin, end: c.end, every: c.every, scope: c.scope,
      }),
      schedule: session.schedule,
    };
  }
  if (c.method === "magnitude") {
    const B = session.trainData.batches;
    const pruneEpochs = c.pruneAt ?? Math.floor(c.epochs / 2);
    const common = { kind: c.lrSchedule, lr: c.lr, stepsPerEpoch: B, interval: c.lrInterval, gamma: c.lrGamma, stepSize: c.lrStepSize, power: c.lrPower };
    const schedule = pruneEpochs > 0
      ? rewoundSchedule(
        makeLrSchedule({ ...common, epochs: pruneEpochs, warmupEpochs: Math.min(c.warmup, pruneEpochs - 1) }),
        makeLrSchedule({ ...common, epochs: c.epochs - pruneEpochs, warmupEpochs: 0 }),
      )
      : session.schedule;
    return { opt: new MagnitudeOneShot(e, params, prunable, sgdOpts, pruneEpochs * B, c.targetSparsity!), schedule };
  }
  return {
    opt: new SoftThresholdOptimizer(e, params, prunable, sgdOpts, session.schedule, {
      method: c.method as SoftThresholdMethod, D: c.mu !== undefined ? undefined : c.D ?? (c.method === "str" || c.method === "gpo" ? undefined : defaultD(c.model)),
      mu: c.mu, beta: c.beta, grad: c.grad, threshold: c.threshold, stopPenalty: c.stopPenalty, sInit: c.sInit,
    }),
    schedule: session.schedule,
  };
}

export async function runPrune(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: PruneHooks = {}): Promise<PruneRun> {
  validatePruneConfig(c);
  if ((ITERATIVE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `--method ${c.method} is iterative: use runIterativePrune`);
  const session = createSession(e, c, train, test);
  const params = session.model.params();
  let prunable: Param[], opt: SingleRunOptimizer, schedule: LrSchedule;
  try {
    prunable = prunableParams(params, c.exclude);
    ({ opt, schedule } = makeOptimizer(e, c, session, params, prunable));
  } catch (err) {
    session.dispose(); // a rejected configuration must not leak the session
    throw err;
  }
  const prunableTotal = prunable.reduce((s, p) => s + p.value.size, 0);
  const layerState = (): { sparsity: number; layers: Record<string, number> } => {
    const layers: Record<string, number> = {};
    let nz = 0;
    for (const p of prunable) {
      const n = e.k.count_nonzero(p.value.ptr, p.value.size);
      layers[p.name] = 1 - n / p.value.size;
      nz += n;
    }
    return { sparsity: 1 - nz / prunableTotal, layers };
  };
  const thresholdState = (): ThresholdState => opt instanceof SoftThresholdOptimizer
    ? opt.state()
    : { step: 0, threshold: 0, thresholds: {}, mu: 0, stoppedAt: null, nonzero: {} };
  const epochStates: PruneEpochState[] = [];
  try {
    const result = await session.runWith(schedule, {
      signal: hooks.signal,
      onBatch: hooks.onBatch,
      onEpoch: async (ev) => {
        const st = { ...thresholdState(), ...layerState() };
        epochStates.push(st);
        await hooks.onEpoch?.(ev, st);
      },
    }, opt);
    const ts = thresholdState();
    const stats = modelStats(e, session.model);
    const ls = layerState();
    const lats = opt instanceof SoftThresholdOptimizer ? opt.schedule : null;
    return {
      result, stats, sparsity: ls.sparsity, D: lats?.D ?? undefined, mu: lats?.mu ?? undefined, threshold: ts.threshold, stoppedAt: ts.stoppedAt,
      model: session.model, spec: session.spec, epochStates,
      dispose: () => { opt.free(); session.dispose(); },
    };
  } catch (err) {
    opt.free();
    session.dispose();
    throw err;
  }
}

export interface DSearch {
  D: number;
  pilots: { D: number; sparsity: number; testAccuracy: number; seconds: number }[];
  seconds: number;
  /** The pilot that landed closest: the caller keeps it as the result (runs are deterministic). */
  run: PruneRun;
}

/**
 * Finds D for a target sparsity with full-length pilot runs of the same
 * configuration (sparsity depends on the whole trajectory, so shortened pilots
 * mislead): bracket by doubling/halving D, then regula falsi (Illinois) on
 * log D, which converges in a few runs because sparsity is smooth and
 * increasing in log D. Stops at the first pilot within 0.5 points of the
 * target; that pilot is the result, so the cost is the pilots alone
 * (typically 3–6 training runs).
 */
export async function findDForSparsity(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet,
  o: { hooks?: (pilot: number) => PruneHooks; log?: (s: string) => void; maxPilots?: number } = {}): Promise<DSearch> {
  validatePruneConfig(c);
  if (c.targetSparsity === undefined) throw new ShrinkError("E_ARG", "--target-sparsity: missing");
  const target = c.targetSparsity;
  const t0 = performance.now();
  const pilots: DSearch["pilots"] = [];
  let lo: { x: number; f: number } | null = null; // log D with sparsity below target
  let hi: { x: number; f: number } | null = null; // log D with sparsity above target
  let side = 0;
  let D = c.D ?? defaultD(c.model);
  let x = Math.log(D);
  const maxPilots = o.maxPilots ?? 10;
  let best: { run: PruneRun; err: number } | null = null;
  for (let i = 0; i < maxPilots; i++) {
    const run = await runPrune(e, { ...c, D, targetSparsity: undefined }, train, test, o.hooks?.(i + 1) ?? {});
    const f = run.sparsity - target;
    pilots.push({ D, sparsity: run.sparsity, testAccuracy: run.result.final.testAccuracy, seconds: run.result.seconds });
    o.log?.(`target-sparsity: pilot ${i + 1}: D ${D.toPrecision(5)} → sparsity ${(100 * run.sparsity).toFixed(2)}%`);
    if (!best || Math.abs(f) < best.err) {
      best?.run.dispose();
      best = { run, err: Math.abs(f) };
    } else run.dispose();
    if (Math.abs(f) <= 0.005) break;
    if (f < 0) { if (side === -1 && hi) hi.f /= 2; lo = { x, f }; side = -1; }
    else { if (side === 1 && lo) lo.f /= 2; hi = { x, f }; side = 1; }
    if (lo && hi) x = lo.x + (hi.x - lo.x) * (-lo.f / (hi.f - lo.f)); // regula falsi (Illinois)
    else x += f < 0 ? Math.LN2 : -Math.LN2;
    D = Math.exp(x);
  }
  if (!best || best.err > 0.01) {
    const closest = pilots.reduce((a, b) => (Math.abs(a.sparsity - target) <= Math.abs(b.sparsity - target) ? a : b));
    best?.run.dispose();
    throw new ShrinkError("E_TARGET", `--target-sparsity ${target}: no D within one point after ${pilots.length} pilot runs (closest: D ${closest.D.toPrecision(5)} → ${(100 * closest.sparsity).toFixed(2)}%)`);
  }
  return { D: best.run.D!, pilots, seconds: (performance.now() - t0) / 1000, run: best.run };
}

export interface IterativeRun {
  iterations: IterationReport[];
  stats: ModelStats;
  model: Sequential;
  spec: ModelSpec;
  dispose(): void;
}

/** SAP, Lottery Ticket or One Shot: T iterations of train (E epochs) → measure → prune → rewind. */
export async function runIterativePrune(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: IterativeHooks = {}): Promise<IterativeRun> {
  if (!(ITERATIVE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `--method ${c.method} is not iterative`);
  validatePruneConfig(c);
  const session = createSession(e, c, train, test);
  try {
    const prunable = prunableParams(session.model.params(), c.exclude);
    const iterations = await runIterative(e, session, prunable, {
      method: c.method as IterativeMethod, iterations: c.iterations, epochs: c.epochs, scope: c.scope, p: c.p, q: c.q,
      etaR: c.etaR, gamma: c.gamma, maxRatio: c.sapBeta, ratio: c.ratio, seed: c.seed,
    }, hooks);
    return { iterations, stats: modelStats(e, session.model), model: session.model, spec: session.spec, dispose: () => session.dispose() };
  } catch (err) {
    session.dispose();
    throw err;
  }
}
