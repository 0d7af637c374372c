// The one place a TrainConfig becomes a learning-rate schedule and SGD
// options: the session, the pruning drivers and the iterative methods (which
// restart the schedule every iteration) all build theirs here.
import type { Engine } from "../engine/engine.js";
import type { TrainConfig } from "./config.js";
import { makeLrSchedule, type LrSchedule } from "../optim/lr-schedules.js";
import type { SgdOptions } from "../optim/sgd.js";

/**
 * The schedule of `epochs` epochs (default the config's) at `stepsPerEpoch`;
 * warm-up is the config's, capped so a shorter run keeps one epoch after it,
 * unless `warmup` overrides it.
 */
export function lrScheduleFor(e: Engine, c: TrainConfig, stepsPerEpoch: number, o: { epochs?: number; warmup?: number } = {}): LrSchedule {
  const epochs = o.epochs ?? c.epochs;
  return makeLrSchedule(e, {
    kind: c.lrSchedule, lr: c.lr, epochs, stepsPerEpoch, warmupEpochs: o.warmup ?? Math.min(c.warmup, epochs - 1),
    interval: c.lrInterval, gamma: c.lrGamma, stepSize: c.lrStepSize, power: c.lrPower,
  });
}

/** SGD options of a config (no dampening: Nesterov needs none, as in PyTorch). */
export function sgdOptionsFor(c: TrainConfig): SgdOptions {
  return { momentum: c.momentum, dampening: 0, weightDecay: c.weightDecay, nesterov: c.nesterov };
}
