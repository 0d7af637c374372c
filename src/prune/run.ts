// One pruning run of a single-run method: a training session whose optimizer
// is the pruning method, with the threshold state and per-layer sparsity
// reported every epoch.
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import type { ImageLabelSet } from "../data/idx.js";
import type { Sequential } from "../nn/sequential.js";
import type { ModelSpec } from "../nn/models.js";
import { modelStats, type ModelStats } from "../nn/summary.js";
import type { LrSchedule } from "../optim/lr-schedules.js";
import { createSession, type InitWeights, type Session } from "../train/session.js";
import { TrainCursor, type Gate } from "../train/cursor.js";
import { runJob, type Job } from "../train/job.js";
import { saveSessionState, loadSessionState } from "../train/train-job.js";
import type { EpochEvent, BatchEvent, TrainResult } from "../train/trainer.js";
import { ShrinkError } from "../engine/errors.js";
import { prunableParams } from "./prunable.js";
import { SoftThresholdOptimizer, type ThresholdState } from "./soft-threshold.js";
import { ITERATIVE_METHODS } from "./iterative.js";
import { makeOptimizer, type SingleRunOptimizer } from "./method.js";
import { validatePruneConfig, type PruneConfig } from "./config.js";
import { parsePattern, projectWeights } from "./pattern.js";
import { evaluate } from "../train/evaluate.js";

export interface PruneEpochState extends ThresholdState {
  sparsity: number;
  layers: Record<string, number>;
}

export interface PruneHooks {
  signal?: AbortSignal;
  /** Weights to start from (a PyTorch state_dict, an ONNX file's initializers) instead of the seeded initialisation. */
  init?: InitWeights;
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
  /** The final N:M projection of a soft-threshold run (null without --pattern or for mask-based methods). */
  projection: { pattern: string; cleared: number; accuracyBefore: number; accuracyAfter: number } | null;
  dispose(): void;
}

export interface PruneJob extends Job<PruneRun> {
  readonly session: Session;
}

/** A single-run pruning method as a job (../train/job.ts): runPrune, resumable between any two steps. */
export function pruneJob(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: PruneHooks = {}): PruneJob {
  validatePruneConfig(c);
  if ((ITERATIVE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `method ${c.method} is iterative: use runIterativePrune`);
  const session = createSession(e, c, train, test, { init: hooks.init });
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
  let epochStates: PruneEpochState[] = [];
  const cursor = new TrainCursor();
  const dispose = () => { opt.free(); session.dispose(); };
  const run = async (gate?: Gate): Promise<PruneRun> => {
    const result = await session.runWith(schedule, {
      signal: hooks.signal,
      onBatch: hooks.onBatch,
      onEpoch: async (ev) => {
        const st = { ...thresholdState(), ...layerState() };
        epochStates.push(st);
        await hooks.onEpoch?.(ev, st);
      },
      cursor, gate,
    }, opt);
    // Soft-threshold methods meet an N:M pattern by one projection of the final weights, scored again.
    let projection: PruneRun["projection"] = null;
    if (c.pattern && opt instanceof SoftThresholdOptimizer) {
      const before = result.final.testAccuracy;
      const cleared = projectWeights(e, prunable, parsePattern(c.pattern));
      const scratch = e.alloc(1, "i32");
      const r = evaluate(e, session.model, session.testData, 0, scratch);
      e.free(scratch);
      result.final = { ...result.final, testAccuracy: r.accuracy, testLoss: r.loss, ...(r.firing ? { firingRate: r.firing.rate, firingRates: r.firing.layers.map(({ name, rate }) => ({ name, rate })) } : {}) };
      projection = { pattern: c.pattern, cleared, accuracyBefore: before, accuracyAfter: r.accuracy };
    }
    const ts = thresholdState();
    const stats = modelStats(e, session.model);
    const ls = layerState();
    const lats = opt instanceof SoftThresholdOptimizer ? opt.schedule : null;
    return {
      result, stats, sparsity: ls.sparsity, D: lats?.D ?? undefined, mu: lats?.mu ?? undefined, threshold: ts.threshold, stoppedAt: ts.stoppedAt,
      model: session.model, spec: session.spec, epochStates, projection, dispose,
    };
  };
  return {
    session, model: session.model, spec: session.spec, run, dispose,
    saveTo: (s) => {
      saveSessionState(s, session);
      opt.saveTo(s, "opt");
      cursor.saveTo(s, "cursor");
      s.set("epochStates", epochStates);
    },
    loadFrom: (s) => {
      loadSessionState(s, session);
      opt.loadFrom(s, "opt");
      cursor.loadFrom(s, "cursor");
      epochStates = s.get("epochStates", (v): v is PruneEpochState[] => Array.isArray(v), "a list of epoch states");
    },
    progress: () => ({ step: cursor.step, totalSteps: schedule.totalSteps }),
  };
}

export async function runPrune(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: PruneHooks = {}): Promise<PruneRun> {
  return runJob(pruneJob(e, c, train, test, hooks));
}
