// The driver of the iterative methods from a pruning config: a session, the
// prunable weights, and runIterative (./iterative.ts).
import { parsePattern } from "./pattern.js";
import type { Engine } from "../engine/engine.js";
import type { ImageLabelSet } from "../data/idx.js";
import type { Sequential } from "../nn/sequential.js";
import type { ModelSpec } from "../nn/models.js";
import { modelStats, type ModelStats } from "../nn/summary.js";
import { createSession, type Session } from "../train/session.js";
import { runJob, type Job } from "../train/job.js";
import { saveSessionState, loadSessionState } from "../train/train-job.js";
import { ShrinkError } from "../engine/errors.js";
import { prunableParams } from "./prunable.js";
import { ITERATIVE_METHODS, IterativePruner, type IterationReport, type IterativeHooks, type IterativeMethod } from "./iterative.js";
import { validatePruneConfig, type PruneConfig } from "./config.js";

export interface IterativeRun {
  iterations: IterationReport[];
  stats: ModelStats;
  model: Sequential;
  spec: ModelSpec;
  dispose(): void;
}

export interface IterativeJob extends Job<IterativeRun> {
  readonly session: Session;
}

/** SAP, Lottery Ticket or One Shot as a job (../train/job.ts): runIterativePrune, resumable between any two steps. */
export function iterativeJob(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: IterativeHooks = {}): IterativeJob {
  if (!(ITERATIVE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `method ${c.method} is not iterative`);
  validatePruneConfig(c);
  const session = createSession(e, c, train, test, { init: hooks.init });
  let it: IterativePruner;
  try {
    it = new IterativePruner(e, session, prunableParams(session.model.params(), c.exclude), {
      method: c.method as IterativeMethod, iterations: c.iterations, epochs: c.epochs, scope: c.scope, p: c.p, q: c.q,
      pattern: c.pattern ? parsePattern(c.pattern) : null,
      etaR: c.etaR, gamma: c.gamma, maxRatio: c.maxRatio, ratio: c.ratio, seed: c.seed,
    });
  } catch (err) {
    session.dispose();
    throw err;
  }
  const dispose = () => { it.free(); session.dispose(); };
  // One Shot trains only its first iteration.
  const trainedIterations = c.method === "one-shot" ? 1 : c.iterations;
  return {
    session, model: session.model, spec: session.spec, dispose,
    run: async (gate) => {
      const iterations = await it.run(hooks, gate);
      return { iterations, stats: modelStats(e, session.model), model: session.model, spec: session.spec, dispose };
    },
    saveTo: (s) => {
      saveSessionState(s, session);
      it.saveTo(s, "iterative");
    },
    loadFrom: (s) => {
      loadSessionState(s, session);
      it.loadFrom(s, "iterative");
    },
    progress: () => ({ step: it.runStep, totalSteps: trainedIterations * c.epochs * session.trainData.batches }),
  };
}

/** SAP, Lottery Ticket or One Shot: T iterations of train (E epochs) → measure → prune → rewind. */
export async function runIterativePrune(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: IterativeHooks = {}): Promise<IterativeRun> {
  return runJob(iterativeJob(e, c, train, test, hooks));
}
