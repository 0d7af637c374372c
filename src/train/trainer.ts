// The training loop: seeded shuffling, forward, fused softmax-cross-entropy,
// backward, one optimizer step per batch at the scheduled learning rate.
// Per-batch and per-epoch events; an AbortSignal stops it between batches.
// The loop yields to the event loop every ~100 ms so signals and UIs stay live.
import type { Engine } from "../engine/engine";
import { Rng } from "../engine/rng";
import { Tensor } from "../engine/tensor";
import type { Sequential } from "../nn/sequential";
import type { Batcher } from "../data/batcher";
import type { LrSchedule } from "../optim/lr-schedules";
import { evaluate, type EvalResult } from "./evaluate";
import { ShrinkError } from "../engine/errors";
import type { Optimizer } from "../optim/optimizer";


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
}

export interface TrainHooks {
  onBatch?: (ev: BatchEvent) => void;
  onEpoch?: (ev: EpochEvent) => void | Promise<void>;
  signal?: AbortSignal;
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
  const rng = new Rng(e, o.shuffleSeed);
  const dlogits = new Tensor(e, [trainData.batchSize, classes]);
  const scratch = e.alloc(4, "i32");
  const epochs: EpochEvent[] = [];
  const t0 = now();
  let lastYield = t0;
  let step = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const te = now();
      trainData.shuffle(rng);
      model.setTraining(true);
      let lossSum = 0, correct = 0, seen = 0, lr = 0;
      for (let b = 0; b < trainData.batches; b++) {
        hooks.signal?.throwIfAborted();
        const rows = trainData.load(b);
        const logits = model.forward(trainData.x.ptr, rows);
        const loss = e.k.softmax_xent(logits, trainData.y.ptr, rows, classes, o.labelSmoothing, dlogits.ptr, scratch);
        if (!Number.isFinite(loss)) {
          throw new ShrinkError("E_DIVERGED", `training diverged: loss is ${loss} at epoch ${epoch + 1}, batch ${b + 1} (try a smaller lr than ${schedule.spec.lr})`);
        }
        model.backward(dlogits.ptr, rows);
        lr = schedule.at(step);
        opt.step(lr, step);
        step++;
        lossSum += loss * rows;
        correct += e.i32(scratch, 1)[0];
        seen += rows;
        if (hooks.onBatch) {
          hooks.onBatch({
            epoch: epoch + 1, batch: b + 1, batches: trainData.batches, step, totalSteps: schedule.totalSteps,
            loss, accuracy: correct / seen, lr, samplesPerSecond: seen / ((now() - te) / 1000),
          });
        }
        if (now() - lastYield > 100) {
          await tick();
          lastYield = now();
        }
      }
      const trainSeconds = (now() - te) / 1000;
      const last = epoch === o.epochs - 1;
      const ev: EvalResult = o.evalEveryEpoch === false && !last
        ? { loss: NaN, accuracy: NaN, samples: 0 }
        : evaluate(e, model, testData, 0, scratch);
      const event: EpochEvent = {
        epoch: epoch + 1, epochs: o.epochs, lr, trainLoss: lossSum / seen, trainAccuracy: correct / seen,
        testLoss: ev.loss, testAccuracy: ev.accuracy, seconds: (now() - te) / 1000, samplesPerSecond: seen / trainSeconds,
      };
      epochs.push(event);
      await hooks.onEpoch?.(event);
    }
  } finally {
    rng.free();
    dlogits.free();
    e.free(scratch);
  }
  return { epochs, final: epochs[epochs.length - 1], seconds: (now() - t0) / 1000 };
}
