// The model zoo: which architectures exist, their specs (input shape, classes,
// width multiplier) and their plans. Definitions live in architectures/.
import type { Engine } from "../engine/engine.js";
import type { Rng } from "../engine/rng.js";
import { ShrinkError } from "../engine/errors.js";
import { fcLayers } from "./architectures/fc.js";
import { cnnLayers } from "./architectures/cnn.js";
import { resnet18Layers } from "./architectures/resnet.js";
import { mobilenetLayers } from "./architectures/mobilenet.js";
import { spikingCnnLayers, type NeuronOptions } from "./architectures/spiking-cnn.js";
import { sewResnet18Layers } from "./architectures/sew-resnet.js";
import { planParamNames, planWeightNames, planActivationFloats, planTimesteps, type LayerPlan, type Shape } from "./plan.js";
import { ARCH_FORMAT, planFromArchitecture, canonicalLayers, type Architecture, type ArchLayer } from "./architecture.js";
import { buildPlan } from "./build.js";
import type { Sequential } from "./sequential.js";

export const MODEL_NAMES = ["linear", "mlp", "cnn", "resnet18", "mobilenet-v1", "spiking-cnn", "sew-resnet18"] as const;
/** The spiking models (docs/spiking.md): they take --timesteps and the neuron options. */
export const SPIKING_MODELS: readonly ModelName[] = ["spiking-cnn", "sew-resnet18"];
const WIDTH_MODELS: readonly ModelName[] = ["mobilenet-v1", "spiking-cnn", "sew-resnet18"];
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelSpec {
  /** The built-in model's name, or "custom" for an architecture file or an ONNX import. */
  arch: ModelName | "custom";
  /** Per-sample input shape (channels, height, width). */
  input: Shape;
  /** channels·height·width. */
  inputs: number;
  classes: number;
  /** Hidden widths of the fully connected models. */
  hidden: number[];
  /** Width multiplier α (mobilenet-v1, spiking-cnn, sew-resnet18; 1 elsewhere). */
  width: number;
  /** Timesteps T of a spiking model (1 for an ANN). */
  timesteps: number;
  /** The model as an architecture document: what every plan is built from, and what saved files store. */
  architecture: Architecture;
}

const MIN_SIDE: Partial<Record<ModelName, number>> = { cnn: 16, resnet18: 8, "mobilenet-v1": 16, "spiking-cnn": 16, "sew-resnet18": 8 };

function builtinLayers(a: ModelName, hidden: number[], classes: number, width: number, timesteps: number, neuron: NeuronOptions): ArchLayer[] {
  switch (a) {
    case "linear": case "mlp": return fcLayers(hidden, classes);
    case "cnn": return cnnLayers(classes);
    case "resnet18": return resnet18Layers(classes);
    case "mobilenet-v1": return mobilenetLayers(classes, width);
    case "spiking-cnn": return spikingCnnLayers(classes, width, timesteps, neuron);
    case "sew-resnet18": return sewResnet18Layers(classes, width, timesteps, neuron);
  }
}

export interface ModelOptions {
  /** Width multiplier (mobilenet-v1, spiking-cnn, sew-resnet18). */
  width?: number;
  /** Timesteps of a spiking model (default 4, as LATS Table 9). */
  timesteps?: number;
  /** A spiking model's neurons: LIF (default) or IF, reset, surrogate (architecture fields). */
  neuron?: NeuronOptions;
}

export function modelSpec(arch: string, input: Shape | number = 784, classes = 10, o: ModelOptions = {}): ModelSpec {
  if (!(MODEL_NAMES as readonly string[]).includes(arch)) {
    throw new ShrinkError("E_MODEL", `model: unknown model "${arch}" (allowed: ${MODEL_NAMES.join(", ")})`);
  }
  const shape: Shape = typeof input === "number" ? [input, 1, 1] : input;
  const a = arch as ModelName;
  const width = o.width ?? 1;
  if (!(width > 0 && width <= 4)) throw new ShrinkError("E_ARG", `width: ${width} is not allowed (a number in (0, 4])`);
  if (width !== 1 && !WIDTH_MODELS.includes(a)) throw new ShrinkError("E_ARG", `width: ${width} applies to ${WIDTH_MODELS.join(", ")} only (model is ${a})`);
  const spiking = SPIKING_MODELS.includes(a);
  const timesteps = o.timesteps ?? (spiking ? 4 : 1);
  if (!spiking && timesteps !== 1) throw new ShrinkError("E_ARG", `timesteps: ${timesteps} applies to the spiking models (${SPIKING_MODELS.join(", ")}) only (model is ${a})`);
  if (!spiking && o.neuron && Object.keys(o.neuron).length) throw new ShrinkError("E_ARG", `neuron options apply to the spiking models (${SPIKING_MODELS.join(", ")}) only (model is ${a})`);
  if (!Number.isInteger(timesteps) || timesteps < 1 || timesteps > 64) throw new ShrinkError("E_ARG", `timesteps: ${timesteps} is not allowed (an integer 1..64)`);
  if (!Number.isInteger(classes) || classes < 2) throw new ShrinkError("E_ARG", `classes: ${classes} is not allowed (an integer ≥ 2)`);
  const min = MIN_SIDE[a];
  if (min !== undefined && (shape[1] < min || shape[2] < min)) {
    throw new ShrinkError("E_INPUT_SIZE", `model ${a}: input ${shape.join("×")} is too small (height and width must be at least ${min})`);
  }
  const hidden = a === "mlp" ? [128, 256] : [];
  const flatInput = shape[1] === 1 && shape[2] === 1 && (a === "linear" || a === "mlp");
  const architecture: Architecture = {
    format: ARCH_FORMAT, name: a, input: flatInput ? [shape[0]] : [...shape], layers: canonicalLayers(builtinLayers(a, hidden, classes, width, timesteps, o.neuron ?? {})),
  };
  if (spiking) {
    // Neuron options are checked as a file's lif fields are; the error names the option, not the layer path.
    try {
      planFromArchitecture(architecture);
    } catch (err) {
      if (err instanceof ShrinkError) throw new ShrinkError("E_ARG", err.message.replace(/^layers[^:]*\.(\w+):/, (_, f: string) => `${f === "alpha" ? "surrogate-alpha" : f}:`));
      throw err;
    }
  }
  return { arch: a, input: shape, inputs: shape[0] * shape[1] * shape[2], classes, hidden, width, timesteps, architecture };
}

/**
 * The spec of an architecture document (validated: errors name the JSON path).
 * `arch` names the built-in model a saved file says it is, for reports.
 */
export function specFromArchitecture(architecture: unknown, arch: ModelName | "custom" = "custom"): ModelSpec {
  const { input, classes, plan } = planFromArchitecture(architecture);
  return { arch, input, inputs: input[0] * input[1] * input[2], classes, hidden: [], width: 1, timesteps: planTimesteps(plan), architecture: architecture as Architecture };
}

const plans = new WeakMap<Architecture, LayerPlan[]>();

/** The plan of a spec's architecture (inferred once per architecture object). */
export function modelPlan(spec: ModelSpec): LayerPlan[] {
  let p = plans.get(spec.architecture);
  if (!p) {
    p = planFromArchitecture(spec.architecture).plan;
    plans.set(spec.architecture, p);
  }
  return p;
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
export function defaultEvalBatch(spec: Pick<ModelSpec, "arch" | "architecture">): number {
  const arch = spec.arch;
  if (arch !== "custom" && !SPIKING_MODELS.includes(arch)) return arch === "linear" || arch === "mlp" ? 1000 : arch === "cnn" ? 500 : 100;
  // Other models: about 256 MB of activations (2^26 floats) per batch, 1 to 1000 samples.
  const perSample = planActivationFloats(modelPlan(spec as ModelSpec));
  return Math.max(1, Math.min(1000, Math.floor((1 << 26) / Math.max(1, perSample))));
}

/** Refuses a spiking model where only ANNs are supported (ONNX, sparse inference, slimming), naming the command. */
export function refuseSpiking(spec: ModelSpec, what: string): void {
  if (planTimesteps(modelPlan(spec)) > 1 || modelPlan(spec).some((p) => p.op === "multistep")) {
    throw new ShrinkError("E_MODEL", `${what}: spiking models (multistep with lif/if neurons) are not supported here; use shrink eval or the library's model (docs/spiking.md)`);
  }
}
