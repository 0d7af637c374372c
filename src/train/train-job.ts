// Dense training as a job (./job.ts): the session's model, SGD, batch order and
// augmentation stream, and the loop's cursor are its state.
import type { Engine } from "../engine/engine.js";
import type { RunState } from "../engine/state.js";
import type { ImageLabelSet } from "../data/idx.js";
import { saveModelState, loadModelState } from "../nn/model-state.js";
import { createSession, type InitWeights, type Session } from "./session.js";
import { TrainCursor } from "./cursor.js";
import type { TrainHooks, TrainResult } from "./trainer.js";
import type { TrainConfig } from "./config.js";
import type { Job } from "./job.js";

export interface TrainJob extends Job<TrainResult> {
  readonly session: Session;
}

/** Saves and loads what every job has: the model, the batch order and augmentation stream. */
export function saveSessionState(s: RunState, session: Session): void {
  saveModelState(s, "model", session.model);
  session.trainData.saveTo(s, "data");
}

export function loadSessionState(s: RunState, session: Session): void {
  loadModelState(s, "model", session.model);
  session.trainData.loadFrom(s, "data");
}

export function trainJob(e: Engine, config: TrainConfig, trainSet: ImageLabelSet, testSet: ImageLabelSet, hooks: Omit<TrainHooks, "cursor" | "gate"> & { init?: InitWeights } = {}): TrainJob {
  const session = createSession(e, config, trainSet, testSet, { init: hooks.init });
  const cursor = new TrainCursor();
  return {
    session, model: session.model, spec: session.spec,
    run: (gate) => session.run({ signal: hooks.signal, onBatch: hooks.onBatch, onEpoch: hooks.onEpoch, cursor, gate }),
    saveTo: (s) => {
      saveSessionState(s, session);
      session.sgd.saveTo(s, "sgd");
      cursor.saveTo(s, "cursor");
    },
    loadFrom: (s) => {
      loadSessionState(s, session);
      session.sgd.loadFrom(s, "sgd");
      cursor.loadFrom(s, "cursor");
    },
    progress: () => ({ step: cursor.step, totalSteps: session.schedule.totalSteps }),
    dispose: () => session.dispose(),
  };
}
