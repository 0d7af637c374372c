// One training run from a config and in-memory data: builds the model (PyTorch
// default init from the seed's init stream), the batchers, the LR schedule and
// SGD, trains, and reports. Everything it allocates is freed by dispose().
import type { Engine } from "../engine/engine.js";
import { Rng } from "../engine/rng.js";
import { WasmDataset, Batcher } from "../data/batcher.js";
import { datasetNorm, guessDataset, resolveAugment } from "../data/catalog.js";
import type { ImageLabelSet } from "../data/idx.js";
import { buildModel, modelSpec, modelPlan, specFromArchitecture, type ModelSpec } from "../nn/models.js";
import { checkStateDict, loadStateDict } from "../io/state-dict.js";
import type { DecodedTensor } from "../io/safetensors.js";
import { ShrinkError } from "../engine/errors.js";
import type { Sequential } from "../nn/sequential.js";
import type { LrSchedule } from "../optim/lr-schedules.js";
import { lrScheduleFor, sgdOptionsFor } from "./optimizer-setup.js";
import { Sgd } from "../optim/sgd.js";
import { train, type TrainHooks, type TrainResult } from "./trainer.js";
import type { Optimizer } from "../optim/optimizer.js";
import { validateTrainConfig, type TrainConfig } from "./config.js";
import { modelStats, type ModelStats } from "../nn/summary.js";

export interface Session {
  readonly engine: Engine;
  readonly config: TrainConfig;
  readonly spec: ModelSpec;
  readonly model: Sequential;
  readonly schedule: LrSchedule;
  readonly sgd: Sgd;
  readonly trainData: Batcher;
  readonly testData: Batcher;
  run(hooks?: TrainHooks, optimizer?: Optimizer): Promise<TrainResult>;
  /** Trains with another learning-rate schedule of the same length (e.g. rewound). */
  runWith(schedule: LrSchedule, hooks?: TrainHooks, optimizer?: Optimizer): Promise<TrainResult>;
  stats(): ModelStats;
  dispose(): void;
}

/** Seeds of the two PRNG streams derived from one user seed. */
export const initSeed = (seed: number) => seed >>> 0;
export const shuffleSeed = (seed: number) => (seed ^ 0x9e3779b9) >>> 0;
/** Seed of the training-augmentation stream (random crops and flips). */
export const augmentSeed = (seed: number) => (seed ^ 0x7f4a7c15) >>> 0;

/** Weights to start from instead of the seeded initialisation (a PyTorch state_dict, an ONNX file's initializers). */
export interface InitWeights {
  tensors: Map<string, DecodedTensor>;
  /** Named in errors (a file name). */
  source: string;
}

/** The spec a config trains: its architecture document, or the built-in model sized to the data. */
export function sessionSpec(config: TrainConfig, data: Pick<ImageLabelSet, "channels" | "height" | "width" | "numClasses">): ModelSpec {
  const shape: [number, number, number] = [data.channels ?? 1, data.height, data.width];
  if (!config.architecture) return modelSpec(config.model, shape, data.numClasses, { width: config.width, timesteps: config.timesteps, neuron: config.neuron });
  const spec = specFromArchitecture(config.architecture);
  if (spec.inputs !== shape[0] * shape[1] * shape[2] || (spec.input[1] !== 1 || spec.input[2] !== 1) && spec.input.join() !== shape.join()) {
    throw new ShrinkError("E_DATA_SHAPE", `architecture: its input is ${spec.input.join("×")} but the data's images are ${shape.join("×")}`, { param: "architecture" });
  }
  if (spec.classes !== data.numClasses) {
    throw new ShrinkError("E_DATA_SHAPE", `architecture: it ends in ${spec.classes} outputs but the data has ${data.numClasses} classes`, { param: "architecture" });
  }
  return spec;
}

export function createSession(e: Engine, config: TrainConfig, trainSet: ImageLabelSet, testSet: ImageLabelSet, o: { init?: InitWeights } = {}): Session {
  validateTrainConfig(config);
  const rowLen = (trainSet.channels ?? 1) * trainSet.height * trainSet.width;
  // Checked before anything is allocated: the dataset (normalisation, what augment "auto" means) and its shape.
  const shape = { channels: trainSet.channels ?? 1, height: trainSet.height, width: trainSet.width };
  const dataset = config.dataset ?? guessDataset({ channels: shape.channels, numClasses: trainSet.numClasses });
  const norm = datasetNorm(dataset, shape);
  const aug = resolveAugment(config.augment ?? "auto", dataset, shape.height, shape.width);
  const spec = sessionSpec(config, trainSet);
  if (o.init) checkStateDict(modelPlan(spec), o.init.tensors, o.init.source);
  const rng = new Rng(e, initSeed(config.seed));
  const model = buildModel(e, spec, config.batch, rng);
  rng.free();
  if (o.init) {
    try {
      loadStateDict(e, model, o.init.tensors, o.init.source);
    } catch (err) {
      model.free();
      throw err;
    }
  }
  const trainDs = new WasmDataset(e, trainSet.images, trainSet.labels, rowLen, trainSet.numClasses, shape);
  const testDs = new WasmDataset(e, testSet.images, testSet.labels, rowLen, testSet.numClasses, shape);
  const augRng = aug ? new Rng(e, augmentSeed(config.seed)) : undefined;
  const trainData = new Batcher(e, trainDs, config.batch, { norm, augment: aug && augRng ? { ...aug, rng: augRng } : undefined });
  const testData = new Batcher(e, testDs, config.batch, { norm });
  const schedule = lrScheduleFor(e, config, trainData.batches, { warmup: config.warmup });
  const sgd = new Sgd(e, model.params(), sgdOptionsFor(config));
  // Every run restarts the augmentation stream, as train() restarts the shuffling stream
  // (a resumed one has both streams from its checkpoint).
  const runWith = (s: LrSchedule, hooks: TrainHooks, optimizer: Optimizer) => {
    if (hooks.cursor === undefined || hooks.cursor.fresh) trainData.restartAugment();
    return train(e, model, trainData, testData, s, optimizer, {
      epochs: config.epochs, labelSmoothing: config.labelSmoothing, shuffleSeed: shuffleSeed(config.seed),
    }, hooks);
  };
  return {
    engine: e, config, spec, model, schedule, sgd, trainData, testData,
    run: (hooks = {}, optimizer: Optimizer = sgd) => runWith(schedule, hooks, optimizer),
    runWith: (s: LrSchedule, hooks = {}, optimizer: Optimizer = sgd) => runWith(s, hooks, optimizer),
    stats: () => modelStats(e, model),
    dispose: () => {
      sgd.free();
      model.free();
      trainData.free();
      testData.free();
      trainDs.free();
      testDs.free();
      augRng?.free();
    },
  };
}
