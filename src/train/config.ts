// Training configuration shared by the library, the CLI and the browser app,
// with the defaults of the PQI paper's MLP set-up, and validation whose errors
// name the option, the value and what is allowed.
import { ShrinkError } from "../engine/errors.js";
import { LR_SCHEDULES, type LrScheduleKind } from "../optim/lr-schedules.js";
import { MODEL_NAMES, modelSpec, type ModelName } from "../nn/models.js";
import type { NeuronOptions } from "../nn/architectures/spiking-cnn.js";
import { planFromArchitecture, type Architecture } from "../nn/architecture.js";
import { planConvs } from "../nn/plan.js";
import { DATASET_NAMES, AUGMENT_KINDS, type DatasetName, type AugmentKind } from "../data/catalog.js";

export interface TrainConfig {
  /** A built-in model, or "custom" with `architecture`. */
  model: ModelName | "custom";
  /** The model as an architecture document (docs/model-format.md); model is then "custom". */
  architecture?: Architecture;
  /** Width multiplier of mobilenet-v1, spiking-cnn and sew-resnet18 (1 for every other model). */
  width?: number;
  /** Timesteps T of a spiking model (default 4). */
  timesteps?: number;
  /** A spiking model's neurons (default LIF, τ = 2, hard reset to 0, ATan α = 2: docs/spiking.md). */
  neuron?: NeuronOptions;
  epochs: number;
  batch: number;
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  lrSchedule: LrScheduleKind;
  lrInterval: "epoch" | "step";
  warmup: number;
  lrGamma: number;
  lrStepSize?: number;
  lrPower: number;
  labelSmoothing: number;
  seed: number;
  /** Which dataset the sets are (its normalisation, what augment "auto" means); default guessed from the data (1 channel: fashion-mnist). */
  dataset?: DatasetName;
  /** Training augmentation: auto = crop+flip for CIFAR (pad = h/8, 4 at 32×32), none for (Fashion-)MNIST. */
  augment: AugmentKind;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  model: "mlp",
  epochs: 10,
  batch: 250,
  lr: 0.1,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  lrSchedule: "cosine",
  lrInterval: "epoch",
  warmup: 0,
  lrGamma: 0.1,
  lrPower: 0.9,
  labelSmoothing: 0,
  seed: 0,
  augment: "auto",
};

/**
 * The warm-up a model gets when none is asked for: one epoch for the conv nets
 * (trained from scratch at lr 0.1 with batch norm, their first few dozen steps
 * blow up the loss without it: cnn, 3 epochs on the embedded data, 0.8274
 * without, 0.8764 with; docs/conv.md), none for the fully connected models or
 * a one-epoch run.
 */
export function defaultWarmup(model: ModelName | "custom", epochs: number, architecture?: Architecture): number {
  if (model === "custom") return epochs >= 2 && architecture && hasConv(architecture) ? 1 : 0;
  return model === "linear" || model === "mlp" || epochs < 2 ? 0 : 1;
}

/** An architecture with a convolution trains like the conv nets (warm-up). */
const hasConv = (a: Architecture) => {
  try {
    return planConvs(planFromArchitecture(a).plan).length > 0;
  } catch {
    return false; // validation reports it later, with its path
  }
};

/**
 * The batch a model trains with when none is asked for: the PQI paper's 250,
 * except ResNet-18, whose activations (about 12 MB per 32×32 image) at 250
 * would not fit wasm32's 4 GiB; it gets 128, SEW ResNet-18 (T = 4) 32 and
 * the spiking CNN 100.
 */
export function defaultBatch(model: ModelName | "custom"): number {
  // Spiking models hold T× their ANN twin's activations (docs/spiking.md): sew-resnet18 at T = 4 as resnet18 at 128.
  return model === "resnet18" ? 128 : model === "sew-resnet18" ? 32 : model === "spiking-cnn" ? 100 : DEFAULT_TRAIN_CONFIG.batch;
}

const bad = (opt: string, v: unknown, allowed: string) => new ShrinkError("E_ARG", `${opt}: ${String(v)} is not allowed (${allowed})`);

export function validateTrainConfig(c: TrainConfig): TrainConfig {
  if (c.model === "custom") {
    if (c.architecture === undefined) throw bad("model", c.model, "custom needs an architecture");
    planFromArchitecture(c.architecture);
    if (c.width !== undefined && c.width !== 1) throw bad("width", c.width, "width applies to a built-in model, not to an architecture");
    if (c.timesteps !== undefined || (c.neuron && Object.keys(c.neuron).length)) throw bad("timesteps", c.timesteps ?? "neuron options", "an architecture sets its own timesteps and neurons (multistep, lif/if layers)");
  } else if (!(MODEL_NAMES as readonly string[]).includes(c.model)) {
    throw bad("model", c.model, `one of ${MODEL_NAMES.join(", ")}, or custom with an architecture`);
  } else if (c.architecture !== undefined) {
    throw bad("architecture", "given with a built-in model", `set model to "custom" (it was ${c.model})`);
  } else {
    modelSpec(c.model, [1, 32, 32], 10, { width: c.width, timesteps: c.timesteps, neuron: c.neuron }); // width, timesteps and neuron options
  }
  if (!Number.isInteger(c.epochs) || c.epochs < 1 || c.epochs > 100000) throw bad("epochs", c.epochs, "an integer from 1 to 100000");
  if (!Number.isInteger(c.batch) || c.batch < 1 || c.batch > 65536) throw bad("batch", c.batch, "an integer from 1 to 65536");
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw bad("lr", c.lr, "a finite number > 0");
  if (!(c.momentum >= 0 && c.momentum < 1)) throw bad("momentum", c.momentum, "a number in [0, 1)");
  if (c.nesterov && c.momentum === 0) throw bad("nesterov", "with momentum 0", "Nesterov needs momentum > 0");
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw bad("weightDecay", c.weightDecay, "a finite number ≥ 0");
  if (!(LR_SCHEDULES as readonly string[]).includes(c.lrSchedule)) throw bad("lrSchedule", c.lrSchedule, `one of ${LR_SCHEDULES.join(", ")}`);
  if (c.lrInterval !== "epoch" && c.lrInterval !== "step") throw bad("lrInterval", c.lrInterval, "epoch or step");
  if (!(c.warmup >= 0) || c.warmup >= c.epochs) throw bad("warmup", c.warmup, `a number of epochs ≥ 0 and < epochs (${c.epochs})`);
  if (!(c.lrGamma > 0 && c.lrGamma <= 1)) throw bad("lrGamma", c.lrGamma, "a number in (0, 1]");
  if (c.lrStepSize !== undefined && (!Number.isInteger(c.lrStepSize) || c.lrStepSize < 1)) throw bad("lrStepSize", c.lrStepSize, "a positive integer number of epochs");
  if (!(c.lrPower > 0) || !Number.isFinite(c.lrPower)) throw bad("lrPower", c.lrPower, "a finite number > 0");
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) throw bad("labelSmoothing", c.labelSmoothing, "a number in [0, 1)");
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) throw bad("seed", c.seed, "an integer from 0 to 4294967295");
  if (c.dataset !== undefined && !(DATASET_NAMES as readonly string[]).includes(c.dataset)) throw bad("dataset", c.dataset, `one of ${DATASET_NAMES.join(", ")}`);
  if (!(AUGMENT_KINDS as readonly string[]).includes(c.augment)) throw bad("augment", c.augment, `one of ${AUGMENT_KINDS.join(", ")}`);
  return c;
}
