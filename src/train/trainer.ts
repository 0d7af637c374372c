// The training loop: seeded shuffling, forward, fused softmax-cross-entropy,
// backward, one optimizer step per batch at the scheduled learning rate.
// Per-batch and per-epoch events; an AbortSignal stops it between batches.
// Its position lives in a TrainCursor (./cursor.ts), so a run resumes mid-epoch.
// The loop yields to the event loop every ~100 ms so signals and UIs stay live.
import type { Engine } from "../engine/engine.js";
import { Rng } from "../engine/rng.js";
import { Tensor } from "../engine/tensor.js";
import type { Sequential } from "../nn/sequential.js";
import type { Batcher } from "../data/batcher.js";
import type { LrSchedule } from "../optim/lr-schedules.js";
import { evaluate, type EvalResult } from "./evaluate.js";
import { ShrinkError } from "../engine/errors.js";
import type { Optimizer } from "../optim/optimizer.js";
import { TrainCursor, type Gate, type GatePoint } from "./cursor.js";


export interface BatchEvent {
  epoch: number;
  batch: number;
  batches: number;
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  lr: number;
  samplesPerSecond: number;
}

export interface EpochEvent {
  epoch: number;
  epochs: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
  /** Spiking models: the test set's firing rate, spikes / (neurons × T × samples), overall and per neuron layer. */
  firingRate?: number;
  firingRates?: { name: string; rate: number }[];
}

export interface TrainHooks {
  onBatch?: (ev: BatchEvent) => void;
  onEpoch?: (ev: EpochEvent) => void | Promise<void>;
  signal?: AbortSignal;
  /** Where the loop stands: a fresh one (the default) starts, a loaded one continues. */
  cursor?: TrainCursor;
  /** Called after every step and every epoch: a run checkpoints or pauses here. */
  gate?: Gate;
  /** Steps of the run before this loop (an iterative method's earlier iterations), for GatePoint.runStep. */
  stepOffset?: number;
}

export interface TrainOptions {
  epochs: number;
  labelSmoothing: number;
  /** Seed of the shuffling stream (initialisation uses its own stream). */
  shuffleSeed: number;
  /** Evaluate on the test set after every epoch (default) or only after the last. */
  evalEveryEpoch?: boolean;
}

export interface TrainResult {
  epochs: EpochEvent[];
  final: EpochEvent;
  seconds: number;
}

const now = () => performance.now();
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function train(
  e: Engine,
  model: Sequential,
  trainData: Batcher,
  testData: Batcher,
  schedule: LrSchedule,
  opt: Optimizer,
  o: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const classes = model.outFeatures;
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) {
    throw new ShrinkError("E_ARG", `labelSmoothing: ${o.labelSmoothing} must be in [0, 1)`);
  }
  // A fresh cursor starts the run; a loaded one (a checkpoint) goes on where it stood.
  const c = hooks.cursor ?? new TrainCursor();
  if (c.source !== null) c.check(o.epochs, trainData.batches, c.source);
  const rng = new Rng(e, o.shuffleSeed);
  if (c.rngState) rng.loadState(c.rngState);
  c.rng = rng;
  const dlogits = new Tensor(e, [trainData.batchSize, classes]);
  const scratch = e.alloc(4, "i32");
  const offset = hooks.stepOffset ?? 0;
  const gate = async (kind: GatePoint["kind"]) => hooks.gate?.({ kind, step: c.step, epoch: c.epoch, runStep: offset + c.step });
  const t0 = now();
  let lastYield = t0;
  try {
    while (c.epoch < o.epochs) {
      const te = now();
      const epoch = c.epoch;
      if (!c.shuffled) {
        trainData.shuffle(rng);
        c.shuffled = true;
        c.batch = c.lossSum = c.correct = c.seen = 0;
      }
      model.setTraining(true);
      const seen0 = c.seen;
      while (c.batch < trainData.batches) {
        hooks.signal?.throwIfAborted();
        const b = c.batch;
        const rows = trainData.load(b);
        const logits = model.forward(trainData.x.ptr, rows);
        const loss = e.k.softmax_xent(logits, trainData.y.ptr, rows, classes, o.labelSmoothing, dlogits.ptr, scratch);
        if (!Number.isFinite(loss)) {
          throw new ShrinkError("E_DIVERGED", `training diverged: loss is ${loss} at epoch ${epoch + 1}, batch ${b + 1} (try a smaller lr than ${schedule.spec.lr})`);
        }
        model.backward(dlogits.ptr, rows);
        c.lr = schedule.at(c.step);
        opt.step(c.lr, c.step);
        c.step++;
        c.batch++;
        c.lossSum += loss * rows;
        c.correct += e.i32(scratch, 1)[0];
        c.seen += rows;
        if (hooks.onBatch) {
          hooks.onBatch({
            epoch: epoch + 1, batch: b + 1, batches: trainData.batches, step: c.step, totalSteps: schedule.totalSteps,
            loss, accuracy: c.correct / c.seen, lr: c.lr, samplesPerSecond: (c.seen - seen0) / ((now() - te) / 1000),
          });
        }
        // Yield first, so a signal that arrives meanwhile is seen by the gate (which checkpoints on it).
        if (now() - lastYield > 100) {
          await tick();
          lastYield = now();
        }
        await gate("step");
      }
      const trainSeconds = (now() - te) / 1000;
      const last = epoch === o.epochs - 1;
      const ev: EvalResult = o.evalEveryEpoch === false && !last
        ? { loss: NaN, accuracy: NaN, samples: 0 }
        : evaluate(e, model, testData, 0, scratch);
      const event: EpochEvent = {
        epoch: epoch + 1, epochs: o.epochs, lr: c.lr, trainLoss: c.lossSum / c.seen, trainAccuracy: c.correct / c.seen,
        testLoss: ev.loss, testAccuracy: ev.accuracy, seconds: (now() - te) / 1000, samplesPerSecond: (c.seen - seen0) / trainSeconds,
        ...(ev.firing ? { firingRate: ev.firing.rate, firingRates: ev.firing.layers.map(({ name, rate }) => ({ name, rate })) } : {}),
      };
      c.events.push(event);
      await hooks.onEpoch?.(event);
      c.epoch++;
      c.shuffled = false;
      c.batch = 0;
      await gate("epoch");
    }
  } finally {
    c.rngState = rng.saveState();
    c.rng = null;
    rng.free();
    dlogits.free();
    e.free(scratch);
  }
  const epochs = c.events;
  return { epochs, final: epochs[epochs.length - 1], seconds: (now() - t0) / 1000 };
}
