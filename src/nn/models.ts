// The model zoo: which architectures exist, their specs (input shape, classes,
// width multiplier) and their plans. Definitions live in architectures/.
import type { Engine } from "../engine/engine";
import type { Rng } from "../engine/rng";
import { ShrinkError } from "../engine/errors";
import { fcPlan } from "./architectures/fc";
import { cnnPlan } from "./architectures/cnn";
import { resnet18Plan } from "./architectures/resnet";
import { mobilenetPlan } from "./architectures/mobilenet";
import { planParamNames, planWeightNames, type LayerPlan, type Shape } from "./plan";
import { buildPlan } from "./build";
import type { Sequential } from "./sequential";

export const MODEL_NAMES = ["linear", "mlp", "cnn", "resnet18", "mobilenet-v1"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelSpec {
  arch: ModelName;
  /** Per-sample input shape (channels, height, width). */
  input: Shape;
  /** channels·height·width. */
  inputs: number;
  classes: number;
  /** Hidden widths of the fully connected models. */
  hidden: number[];
  /** Width multiplier α (mobilenet-v1; 1 elsewhere). */
  width: number;
}

const MIN_SIDE: Partial<Record<ModelName, number>> = { cnn: 16, resnet18: 8, "mobilenet-v1": 16 };

export function modelSpec(arch: string, input: Shape | number = 784, classes = 10, o: { width?: number } = {}): ModelSpec {
  if (!(MODEL_NAMES as readonly string[]).includes(arch)) {
    throw new ShrinkError("E_MODEL", `model: unknown model "${arch}" (allowed: ${MODEL_NAMES.join(", ")})`);
  }
  const shape: Shape = typeof input === "number" ? [input, 1, 1] : input;
  const a = arch as ModelName;
  const width = o.width ?? 1;
  if (!(width > 0 && width <= 4)) throw new ShrinkError("E_ARG", `width: ${width} is not allowed (a number in (0, 4])`);
  if (width !== 1 && a !== "mobilenet-v1") throw new ShrinkError("E_ARG", `width: ${width} applies to mobilenet-v1 only (model is ${a})`);
  if (!Number.isInteger(classes) || classes < 2) throw new ShrinkError("E_ARG", `classes: ${classes} is not allowed (an integer ≥ 2)`);
  const min = MIN_SIDE[a];
  if (min !== undefined && (shape[1] < min || shape[2] < min)) {
    throw new ShrinkError("E_INPUT_SIZE", `model ${a}: input ${shape.join("×")} is too small (height and width must be at least ${min})`);
  }
  const hidden = a === "mlp" ? [128, 256] : [];
  return { arch: a, input: shape, inputs: shape[0] * shape[1] * shape[2], classes, hidden, width };
}

export function modelPlan(spec: ModelSpec): LayerPlan[] {
  switch (spec.arch) {
    case "linear": case "mlp": return fcPlan(spec.input, spec.hidden, spec.classes);
    case "cnn": return cnnPlan(spec.input, spec.classes);
    case "resnet18": return resnet18Plan(spec.input, spec.classes);
    case "mobilenet-v1": return mobilenetPlan(spec.input, spec.classes, spec.width);
  }
}

/** The parameter names of a model, in state_dict order, without building it. */
export function paramNames(spec: ModelSpec): string[] {
  return planParamNames(modelPlan(spec));
}

/** The conv and linear weight names (what pruning may touch). */
export function weightNames(spec: ModelSpec): string[] {
  return planWeightNames(modelPlan(spec));
}

/** Builds the model with PyTorch-default initialisation drawn from `rng`. */
export function buildModel(e: Engine, spec: ModelSpec, maxRows: number, rng: Rng, o: { inference?: boolean } = {}): Sequential {
  return buildPlan(e, modelPlan(spec), maxRows, rng, o);
}

/**
 * Evaluation batch that keeps activations well inside wasm's 4 GiB: large for
 * the fully connected models, smaller for the conv nets (ResNet-18 holds about
 * 12 MB of activations per 32×32 image).
 */
export function defaultEvalBatch(arch: ModelName): number {
  return arch === "linear" || arch === "mlp" ? 1000 : arch === "cnn" ? 500 : 100;
}
