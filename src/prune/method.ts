// The optimizer of a single-run pruning method, from its config: a soft-threshold
// optimizer (LATS paper), the one-shot magnitude baseline (with its rewound
// schedule) or gradual magnitude pruning; and the schedule it trains with.
import { parsePattern } from "./pattern.js";
import { isChannelScope } from "./scopes.js";
import { channelUnits } from "./channels.js";
import { modelPlan } from "../nn/models.js";
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import type { Session } from "../train/session.js";
import type { LrSchedule } from "../optim/lr-schedules.js";
import { lrScheduleFor } from "../train/optimizer-setup.js";
import { SoftThresholdOptimizer, type SoftThresholdMethod } from "./soft-threshold.js";
import { MagnitudeOneShot, rewoundSchedule } from "./magnitude.js";
import { Gmp } from "./gmp.js";
import { defaultD, type PruneConfig } from "./config.js";

export type SingleRunOptimizer = SoftThresholdOptimizer | MagnitudeOneShot | Gmp;

/** The optimizer of a single-run method, and the LR schedule it trains with (rewound for magnitude). */
export function makeOptimizer(e: Engine, c: PruneConfig, session: Session, params: Param[], prunable: Param[]): { opt: SingleRunOptimizer; schedule: LrSchedule } {
  const sgdOpts = session.sgd.opts;
  if (c.method === "gmp") {
    return {
      opt: new Gmp(e, params, prunable, sgdOpts, session.schedule.totalSteps, {
        initialSparsity: 0, finalSparsity: c.targetSparsity!, begin: c.begin, end: c.end, every: c.every, scope: c.scope,
        pattern: c.pattern ? parsePattern(c.pattern) : null,
        channels: isChannelScope(c.scope) ? channelUnits(modelPlan(session.spec), prunable, params) : undefined,
      }),
      schedule: session.schedule,
    };
  }
  if (c.method === "magnitude") {
    const B = session.trainData.batches;
    const pruneEpochs = c.pruneAt ?? Math.floor(c.epochs / 2);
    const schedule = pruneEpochs > 0
      ? rewoundSchedule(
        lrScheduleFor(e, c, B, { epochs: pruneEpochs }),
        lrScheduleFor(e, c, B, { epochs: c.epochs - pruneEpochs, warmup: 0 }),
      )
      : session.schedule;
    return { opt: new MagnitudeOneShot(e, params, prunable, sgdOpts, pruneEpochs * B, c.targetSparsity!, c.pattern ? parsePattern(c.pattern) : null), schedule };
  }
  return {
    opt: new SoftThresholdOptimizer(e, params, prunable, sgdOpts, session.schedule, {
      method: c.method as SoftThresholdMethod, D: c.mu !== undefined ? undefined : c.D ?? (c.method === "str" || c.method === "gpo" ? undefined : defaultD(c.model)),
      mu: c.mu, beta: c.beta, grad: c.grad, threshold: c.threshold, stopPenalty: c.stopPenalty, sInit: c.sInit,
    }),
    schedule: session.schedule,
  };
}

