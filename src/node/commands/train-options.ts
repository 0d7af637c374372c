// The training options shared by `shrink train` and `shrink prune`.
import type { OptSpecs, Parsed } from "../args.js";
import { THREADS_OPTION } from "../threads-option.js";
import type { Architecture } from "../../nn/architecture.js";
import { ShrinkError } from "../../engine/errors.js";
import { DEFAULT_TRAIN_CONFIG as D, defaultWarmup, defaultBatch, type TrainConfig } from "../../train/config.js";
import { LR_SCHEDULES } from "../../optim/lr-schedules.js";
import { MODEL_NAMES } from "../../nn/models.js";
import { DATASET_NAMES, AUGMENT_KINDS } from "../../data/catalog.js";
import { CHECKPOINT_OPTIONS } from "../checkpointing.js";

export const TRAIN_OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  model: { type: "enum", values: MODEL_NAMES, default: D.model, help: "Model: linear, mlp (in-128-256-K), cnn (conv 64-128-256-512), resnet18, mobilenet-v1; spiking: spiking-cnn (cnn with LIF neurons), sew-resnet18 (SEW ResNet-18, ADD)" },
  arch: { type: "string", arg: "FILE", help: "Your own model instead of --model: an architecture file (.json, docs/model-format.md) or an ONNX model (.onnx, its weights too)" },
  init: { type: "string", arg: "FILE", help: "Start from these weights: a PyTorch state_dict in safetensors (F32/F16/BF16), checked like load_state_dict(strict=True)" },
  width: { type: "number", arg: "X", help: "Width multiplier of mobilenet-v1, spiking-cnn and sew-resnet18 (default 1; channels ⌊X·c⌋)" },
  timesteps: { type: "int", arg: "T", help: "Spiking models: timesteps T (default 4); the image is repeated over T steps, the logits averaged" },
  neuron: { type: "enum", values: ["lif", "if"], help: "Spiking models: neuron (default lif: τ = 2, V_th = 1, hard reset to 0)" },
  tau: { type: "number", arg: "X", help: "Spiking models: LIF membrane time constant τ (default 2)" },
  "soft-reset": { type: "bool", help: "Spiking models: reset by subtracting V_th instead of to 0" },
  "detach-reset": { type: "bool", help: "Spiking models: no gradient through the reset (SpikingJelly's detach_reset)" },
  surrogate: { type: "enum", values: ["atan", "sigmoid"], help: "Spiking models: surrogate gradient of the spike (default atan, α = 2; sigmoid α = 4)" },
  "surrogate-alpha": { type: "number", arg: "X", help: "Spiking models: the surrogate's α" },
  epochs: { type: "int", arg: "N", default: D.epochs, help: "Training epochs" },
  batch: { type: "int", arg: "N", help: `Mini-batch size (default ${D.batch}; 128 for resnet18, 100 for spiking-cnn, 32 for sew-resnet18)` },
  lr: { type: "number", arg: "X", default: D.lr, help: "Initial learning rate" },
  momentum: { type: "number", arg: "X", default: D.momentum, help: "SGD momentum" },
  nesterov: { type: "bool", default: D.nesterov, help: "Nesterov momentum (default on; --no-nesterov turns it off)" },
  "weight-decay": { type: "number", arg: "X", default: D.weightDecay, help: "L2 weight decay (PyTorch SGD semantics)" },
  "lr-schedule": { type: "enum", values: LR_SCHEDULES, default: D.lrSchedule, help: "Learning-rate schedule" },
  "lr-interval": { type: "enum", values: ["epoch", "step"], default: D.lrInterval, help: "Schedule granularity" },
  warmup: { type: "number", arg: "EPOCHS", help: "Linear warm-up epochs (default 1 for cnn, resnet18 and mobilenet-v1 when --epochs ≥ 2, else 0)" },
  "lr-gamma": { type: "number", arg: "X", default: D.lrGamma, help: "step schedule: decay factor" },
  "lr-step-size": { type: "int", arg: "EPOCHS", help: "step schedule: epochs between decays (default a third of the run)" },
  "lr-power": { type: "number", arg: "K", default: D.lrPower, help: "poly schedule: exponent κ" },
  "label-smoothing": { type: "number", arg: "X", default: D.labelSmoothing, help: "Label smoothing ε" },
  seed: { type: "int", arg: "N", default: D.seed, help: "Seed for initialisation, shuffling and augmentation" },
  seeds: { type: "string", arg: "LIST", help: "Run once per seed (e.g. 0,1,2) and report mean ± sd of each metric; outputs get .seedN in their names" },
  dataset: { type: "enum", values: DATASET_NAMES, help: "Dataset (default: inferred from the --data-dir files; fashion-mnist without one)" },
  "data-dir": { type: "string", arg: "DIR", help: "Dataset directory: IDX files, CIFAR .bin files or their parent (else $SHRINK_DATA_DIR; fashion-mnist: the Debian package, the embedded subset)" },
  augment: { type: "enum", values: AUGMENT_KINDS, default: D.augment, help: "Training augmentation: random crop (zero padding h/8) and/or horizontal flip; auto = crop+flip for CIFAR, none for (Fashion-)MNIST" },
  out: { type: "string", arg: "FILE", help: "Save the trained model (.safetensors)" },
  log: { type: "string", arg: "FILE", help: "Write one JSON object per epoch (JSONL)" },
  json: { type: "bool", help: "Print a JSON summary as the last line of stdout" },
  recipe: { type: "string", arg: "FILE", help: "Take every option not given here from this recipe (shrink recipe writes one; saved models embed theirs)" },
  "dry-run": { type: "bool", help: "Check everything and print the plan (layers, FLOPs, pruned tensors, schedule, data, time per epoch from a few timed steps) without training" },
  quiet: { type: "bool", help: "No progress output" },
  ...CHECKPOINT_OPTIONS,
};

/** architecture: the --arch file's, already read (the model is then "custom"). */
export function trainConfigFrom(p: Parsed, architecture?: Architecture): TrainConfig {
  const o = p.opts;
  if (architecture && p.given.has("model")) throw new ShrinkError("E_ARG", "--arch: give --model or --arch, not both");
  const model = architecture ? "custom" : o.model as TrainConfig["model"];
  return {
    model,
    architecture,
    width: o.width as number | undefined,
    ...spikingOptions(o),
    epochs: o.epochs as number,
    batch: (o.batch as number | undefined) ?? defaultBatch(model),
    lr: o.lr as number,
    momentum: o.momentum as number,
    nesterov: o.nesterov as boolean,
    weightDecay: o.weightDecay as number,
    lrSchedule: o.lrSchedule as TrainConfig["lrSchedule"],
    lrInterval: o.lrInterval as TrainConfig["lrInterval"],
    warmup: (o.warmup as number | undefined) ?? defaultWarmup(model, o.epochs as number, architecture),
    lrGamma: o.lrGamma as number,
    lrStepSize: o.lrStepSize as number | undefined,
    lrPower: o.lrPower as number,
    labelSmoothing: o.labelSmoothing as number,
    seed: o.seed as number,
    dataset: o.dataset as TrainConfig["dataset"],
    augment: o.augment as TrainConfig["augment"],
  };
}

/** The spiking options given (none for an ANN: modelSpec then refuses them). */
function spikingOptions(o: Parsed["opts"]): Pick<TrainConfig, "timesteps" | "neuron"> {
  const neuron: NonNullable<TrainConfig["neuron"]> = {};
  if (o.neuron !== undefined) neuron.kind = o.neuron as "lif" | "if";
  if (o.tau !== undefined) neuron.tau = o.tau as number;
  if (o.softReset) neuron.v_reset = null;
  if (o.detachReset) neuron.detach_reset = true;
  if (o.surrogate !== undefined) neuron.surrogate = o.surrogate as "atan" | "sigmoid";
  if (o.surrogateAlpha !== undefined) neuron.alpha = o.surrogateAlpha as number;
  const out: Pick<TrainConfig, "timesteps" | "neuron"> = {};
  if (o.timesteps !== undefined) out.timesteps = o.timesteps as number;
  if (Object.keys(neuron).length) out.neuron = neuron;
  return out;
}
