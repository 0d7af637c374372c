// A model as a plan: a tree of layer descriptions with PyTorch names and
// per-sample shapes, built without an engine. The builder (build.ts)
// instantiates it; parameter names, shapes and FLOPs are read off it directly.
import { ShrinkError } from "../engine/errors.js";

/** Per-sample activation shape, channels × height × width (a vector is [n, 1, 1]). */
export type Shape = readonly [number, number, number];

export interface ConvPlan {
  op: "conv";
  name: string;
  in: Shape;
  out: Shape;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  bias: boolean;
}
/** eps and momentum as torch.nn.BatchNorm2d (defaults 1e-5 and 0.1 when absent). */
export interface BatchNormPlan { op: "bn"; name: string; shape: Shape; eps?: number; momentum?: number }
/** relu: max(x, 0); relu6: min(max(x, 0), 6) (torch.nn.ReLU6, ONNX Clip(0, 6)). */
export interface ReluPlan { op: "relu" | "relu6"; name: string; shape: Shape }
/** Average pooling counts the padding (PyTorch's count_include_pad default). */
export interface PoolPlan { op: "maxpool" | "avgpool"; name: string; in: Shape; out: Shape; kernel: [number, number]; stride: [number, number]; padding: [number, number] }
/** Global average pooling, flattening [C, H, W] to [C] (adaptive_avg_pool2d(x, 1).flatten(1)). */
export interface GapPlan { op: "gap"; name: string; in: Shape }
/** [C, H, W] to [C·H·W] in C order, as torch.flatten(x, 1): nothing moves in memory. */
export interface FlattenPlan { op: "flatten"; name: string; in: Shape }
export interface LinearPlan { op: "linear"; name: string; in: number; out: number; bias: boolean }
/**
 * y = main(x) + shortcut(x), then ReLU when relu (a ResNet BasicBlock) or not
 * (an inverted residual); the shortcut is the identity when null.
 */
export interface ResidualPlan { op: "residual"; name: string; main: LayerPlan[]; shortcut: LayerPlan[] | null; in: Shape; out: Shape; relu: boolean }

/**
 * A spiking neuron over the enclosing multistep's T timesteps (docs/spiking.md):
 * LIF (LATS Eq. 44, SpikingJelly's LIFNode with decay_input) or IF (no leak).
 * vReset null: soft reset by subtraction (SpikingJelly's v_reset=None).
 */
export interface NeuronPlan {
  op: "lif" | "if"; name: string; shape: Shape;
  tau: number; vThreshold: number; vReset: number | null; detachReset: boolean;
  surrogate: "atan" | "sigmoid"; alpha: number;
}
/**
 * A multi-step (spiking) network: the input repeated over `timesteps` steps
 * (direct encoding), `layers` run on T·N rows laid out [T, N], the output the
 * mean over T (SpikingJelly's out.mean(0)).
 */
export interface MultistepPlan { op: "multistep"; name: string; timesteps: number; layers: LayerPlan[]; in: Shape; out: Shape }

export type LayerPlan = ConvPlan | BatchNormPlan | ReluPlan | PoolPlan | GapPlan | FlattenPlan | LinearPlan | ResidualPlan | NeuronPlan | MultistepPlan;

/** The layer lists inside a container (a residual's branches, a multistep's body); none for a plain layer. */
export function subPlans(p: LayerPlan): LayerPlan[][] {
  if (p.op === "residual") return p.shortcut ? [p.main, p.shortcut] : [p.main];
  if (p.op === "multistep") return [p.layers];
  return [];
}

/** Every layer of a plan, containers before their contents, in order. */
export function planLayers(plan: LayerPlan[]): LayerPlan[] {
  return plan.flatMap((p) => [p, ...subPlans(p).flatMap(planLayers)]);
}

/** The neurons of a plan (empty for an ANN). */
export function planNeurons(plan: LayerPlan[]): NeuronPlan[] {
  return planLayers(plan).filter((p): p is NeuronPlan => p.op === "lif" || p.op === "if");
}

/** Timesteps of a spiking plan (1 for an ANN). */
export function planTimesteps(plan: LayerPlan[]): number {
  const m = planLayers(plan).find((p): p is MultistepPlan => p.op === "multistep");
  return m ? m.timesteps : 1;
}

const size = (s: Shape) => s[0] * s[1] * s[2];

export function planOut(p: LayerPlan): Shape {
  switch (p.op) {
    case "bn": case "relu": case "relu6": case "lif": case "if": return p.shape;
    case "linear": return [p.out, 1, 1];
    case "gap": return [p.in[0], 1, 1];
    case "flatten": return [size(p.in), 1, 1];
    default: return p.out;
  }
}

export const features = (s: Shape): number => size(s);

/** Output length of a convolution or pooling window along one axis (floor mode, as PyTorch). */
export function outLength(n: number, k: number, stride: number, pad: number, dil = 1): number {
  return Math.floor((n + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

function tooSmall(name: string, input: Shape): ShrinkError {
  return new ShrinkError("E_INPUT_SIZE", `input ${input[0]}×${input[1]}×${input[2]} is too small for layer ${name} (its output would be empty)`);
}

export function conv(name: string, input: Shape, out: number, k: number | Pair, o: { stride?: number | Pair; padding?: number | Pair; dilation?: number | Pair; groups?: number; bias?: boolean } = {}): ConvPlan {
  const kernel = pair(k), stride = pair(o.stride ?? 1), padding = pair(o.padding ?? 0), dilation = pair(o.dilation ?? 1), groups = o.groups ?? 1;
  if (input[0] % groups !== 0 || out % groups !== 0) {
    throw new ShrinkError("E_MODEL", `${name}: groups ${groups} must divide both ${input[0]} input and ${out} output channels`);
  }
  const oh = outLength(input[1], kernel[0], stride[0], padding[0], dilation[0]), ow = outLength(input[2], kernel[1], stride[1], padding[1], dilation[1]);
  if (oh < 1 || ow < 1) throw tooSmall(name, input);
  return { op: "conv", name, in: input, out: [out, oh, ow], kernel, stride, padding, dilation, groups, bias: o.bias ?? false };
}

export type Pair = [number, number];
const pair = (v: number | Pair): Pair => typeof v === "number" ? [v, v] : [v[0], v[1]];

export function pool(op: "maxpool" | "avgpool", name: string, input: Shape, k: number | Pair, stride: number | Pair = k, padding: number | Pair = 0): PoolPlan {
  const [kh, kw] = pair(k), [sh, sw] = pair(stride), [ph, pw] = pair(padding);
  const oh = outLength(input[1], kh, sh, ph), ow = outLength(input[2], kw, sw, pw);
  if (oh < 1 || ow < 1) throw tooSmall(name, input);
  return { op, name, in: input, out: [input[0], oh, ow], kernel: [kh, kw], stride: [sh, sw], padding: [ph, pw] };
}

/** Parameter names in state_dict order. */
export function planParamNames(plan: LayerPlan[]): string[] {
  return plan.flatMap((p): string[] => {
    switch (p.op) {
      case "conv": return p.bias ? [`${p.name}.weight`, `${p.name}.bias`] : [`${p.name}.weight`];
      case "linear": return p.bias ? [`${p.name}.weight`, `${p.name}.bias`] : [`${p.name}.weight`];
      case "bn": return [`${p.name}.weight`, `${p.name}.bias`];
      case "residual": case "multistep": return subPlans(p).flatMap(planParamNames);
      default: return [];
    }
  });
}

/** Every tensor of a plan's state_dict (parameters, then batch-norm buffers per layer), with its shape. */
export function planTensors(plan: LayerPlan[]): { name: string; shape: number[]; buffer: boolean }[] {
  return plan.flatMap((p): { name: string; shape: number[]; buffer: boolean }[] => {
    switch (p.op) {
      case "conv": {
        const w = { name: `${p.name}.weight`, shape: [p.out[0], p.in[0] / p.groups, p.kernel[0], p.kernel[1]], buffer: false };
        return p.bias ? [w, { name: `${p.name}.bias`, shape: [p.out[0]], buffer: false }] : [w];
      }
      case "linear": {
        const w = { name: `${p.name}.weight`, shape: [p.out, p.in], buffer: false };
        return p.bias ? [w, { name: `${p.name}.bias`, shape: [p.out], buffer: false }] : [w];
      }
      case "bn": return [
        { name: `${p.name}.weight`, shape: [p.shape[0]], buffer: false }, { name: `${p.name}.bias`, shape: [p.shape[0]], buffer: false },
        { name: `${p.name}.running_mean`, shape: [p.shape[0]], buffer: true }, { name: `${p.name}.running_var`, shape: [p.shape[0]], buffer: true },
        { name: `${p.name}.num_batches_tracked`, shape: [], buffer: true },
      ];
      case "residual": case "multistep": return subPlans(p).flatMap(planTensors);
      default: return [];
    }
  });
}

/** Names of the conv and linear weights: the tensors pruning touches. */
export function planWeightNames(plan: LayerPlan[]): string[] {
  return plan.flatMap((p): string[] => {
    if (p.op === "conv" || p.op === "linear") return [`${p.name}.weight`];
    return subPlans(p).flatMap(planWeightNames);
  });
}

/** Multiply-accumulates of one layer's forward pass for one sample (a residual block's own add: 0). */
export function layerMacs(p: LayerPlan): number {
  if (p.op === "conv") return size(p.out) * (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1];
  if (p.op === "linear") return p.in * p.out;
  return 0;
}

/** Multiply-accumulates of one sample's forward pass (conv and linear layers; a multistep body counts T times). */
export function planMacs(plan: LayerPlan[]): number {
  return plan.reduce((s, p) => s + layerMacs(p) + (p.op === "multistep" ? p.timesteps : 1) * subPlans(p).reduce((a, l) => a + planMacs(l), 0), 0);
}

/** Every conv of a plan, in order (for benches and reports). */
export function planConvs(plan: LayerPlan[]): ConvPlan[] {
  return planLayers(plan).filter((p): p is ConvPlan => p.op === "conv");
}

/** Floats of activation one sample holds across the plan's layer outputs (for batch sizing; a multistep body T times). */
export function planActivationFloats(plan: LayerPlan[]): number {
  return plan.reduce((s, p) => s + (p.op === "multistep" ? p.timesteps : 1) * subPlans(p).reduce((a, l) => a + planActivationFloats(l), 0) + size(planOut(p)), 0);
}
