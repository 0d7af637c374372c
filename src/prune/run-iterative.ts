// The driver of the iterative methods from a pruning config: a session, the
// prunable weights, and runIterative (./iterative.ts).
import { parsePattern } from "./pattern";
import type { Engine } from "../engine/engine";
import type { ImageLabelSet } from "../data/idx";
import type { Sequential } from "../nn/sequential";
import type { ModelSpec } from "../nn/models";
import { modelStats, type ModelStats } from "../nn/summary";
import { createSession } from "../train/session";
import { ShrinkError } from "../engine/errors";
import { prunableParams } from "./prunable";
import { ITERATIVE_METHODS, runIterative, type IterationReport, type IterativeHooks, type IterativeMethod } from "./iterative";
import { validatePruneConfig, type PruneConfig } from "./config";

export interface IterativeRun {
  iterations: IterationReport[];
  stats: ModelStats;
  model: Sequential;
  spec: ModelSpec;
  dispose(): void;
}

/** SAP, Lottery Ticket or One Shot: T iterations of train (E epochs) → measure → prune → rewind. */
export async function runIterativePrune(e: Engine, c: PruneConfig, train: ImageLabelSet, test: ImageLabelSet, hooks: IterativeHooks = {}): Promise<IterativeRun> {
  if (!(ITERATIVE_METHODS as readonly string[]).includes(c.method)) throw new ShrinkError("E_ARG", `method ${c.method} is not iterative`);
  validatePruneConfig(c);
  const session = createSession(e, c, train, test, { init: hooks.init });
  try {
    const prunable = prunableParams(session.model.params(), c.exclude);
    const iterations = await runIterative(e, session, prunable, {
      method: c.method as IterativeMethod, iterations: c.iterations, epochs: c.epochs, scope: c.scope, p: c.p, q: c.q,
      pattern: c.pattern ? parsePattern(c.pattern) : null,
      etaR: c.etaR, gamma: c.gamma, maxRatio: c.maxRatio, ratio: c.ratio, seed: c.seed,
    }, hooks);
    return { iterations, stats: modelStats(e, session.model), model: session.model, spec: session.spec, dispose: () => session.dispose() };
  } catch (err) {
    session.dispose();
    throw err;
  }
}
