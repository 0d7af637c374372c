// A run that can stop between two steps and go on later, in this engine or in
// another: it runs to the end from wherever its state stands, and saves and
// loads that state. Dense training (./train-job.ts), single-run pruning
// (../prune/run.ts) and iterative pruning (../prune/run-iterative.ts) are jobs;
// ../prune/run-session.ts drives one in slices and checkpoints it.
import type { RunState } from "../engine/state.js";
import type { Sequential } from "../nn/sequential.js";
import type { ModelSpec } from "../nn/models.js";
import type { Gate } from "./cursor.js";

export interface Job<R> {
  readonly model: Sequential;
  readonly spec: ModelSpec;
  /** Runs from the current state to the end; `gate` is awaited after every step, epoch and iteration. */
  run(gate?: Gate): Promise<R>;
  saveTo(s: RunState): void;
  loadFrom(s: RunState): void;
  /** Optimizer steps done over the whole run, and how many it takes. */
  progress(): { step: number; totalSteps: number };
  dispose(): void;
}

/** Runs a job to its end; on failure frees what it holds. */
export async function runJob<R>(job: Job<R>): Promise<R> {
  try {
    return await job.run();
  } catch (err) {
    job.dispose();
    throw err;
  }
}
