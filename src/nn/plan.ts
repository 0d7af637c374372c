// A model as a plan: a tree of layer descriptions with PyTorch names and
// per-sample shapes, built without an engine. The builder (build.ts)
// instantiates it; parameter names, shapes and FLOPs are read off it directly.
import { ShrinkError } from "../engine/errors";

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
export interface BatchNormPlan { op: "bn"; name: string; shape: Shape }
export interface ReluPlan { op: "relu"; name: string; shape: Shape }
export interface PoolPlan { op: "maxpool" | "avgpool"; name: string; in: Shape; out: Shape; kernel: number; stride: number; padding: number }
export interface GapPlan { op: "gap"; name: string; in: Shape }
export interface LinearPlan { op: "linear"; name: string; in: number; out: number }
/** y = relu(main(x) + shortcut(x)), shortcut the identity when null (a ResNet BasicBlock). */
export interface ResidualPlan { op: "residual"; name: string; main: LayerPlan[]; shortcut: LayerPlan[] | null; in: Shape; out: Shape }

export type LayerPlan = ConvPlan | BatchNormPlan | ReluPlan | PoolPlan | GapPlan | LinearPlan | ResidualPlan;

const size = (s: Shape) => s[0] * s[1] * s[2];

export function planOut(p: LayerPlan): Shape {
  switch (p.op) {
    case "bn": case "relu": return p.shape;
    case "linear": return [p.out, 1, 1];
    case "gap": return [p.in[0], 1, 1];
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

export function conv(name: string, input: Shape, out: number, k: number, o: { stride?: number; padding?: number; dilation?: number; groups?: number; bias?: boolean } = {}): ConvPlan {
  const stride = o.stride ?? 1, padding = o.padding ?? 0, dilation = o.dilation ?? 1, groups = o.groups ?? 1;
  if (input[0] % groups !== 0 || out % groups !== 0) {
    throw new ShrinkError("E_MODEL", `${name}: groups ${groups} must divide both ${input[0]} input and ${out} output channels`);
  }
  const oh = outLength(input[1], k, stride, padding, dilation), ow = outLength(input[2], k, stride, padding, dilation);
  if (oh < 1 || ow < 1) throw tooSmall(name, input);
  return { op: "conv", name, in: input, out: [out, oh, ow], kernel: [k, k], stride: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation], groups, bias: o.bias ?? false };
}

export function pool(op: "maxpool" | "avgpool", name: string, input: Shape, k: number, stride = k, padding = 0): PoolPlan {
  const oh = outLength(input[1], k, stride, padding), ow = outLength(input[2], k, stride, padding);
  if (oh < 1 || ow < 1) throw tooSmall(name, input);
  return { op, name, in: input, out: [input[0], oh, ow], kernel: k, stride, padding };
}

/** Parameter names in state_dict order. */
export function planParamNames(plan: LayerPlan[]): string[] {
  return plan.flatMap((p): string[] => {
    switch (p.op) {
      case "conv": return p.bias ? [`${p.name}.weight`, `${p.name}.bias`] : [`${p.name}.weight`];
      case "bn": case "linear": return [`${p.name}.weight`, `${p.name}.bias`];
      case "residual": return [...planParamNames(p.main), ...planParamNames(p.shortcut ?? [])];
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
      case "linear": return [{ name: `${p.name}.weight`, shape: [p.out, p.in], buffer: false }, { name: `${p.name}.bias`, shape: [p.out], buffer: false }];
      case "bn": return [
        { name: `${p.name}.weight`, shape: [p.shape[0]], buffer: false }, { name: `${p.name}.bias`, shape: [p.shape[0]], buffer: false },
        { name: `${p.name}.running_mean`, shape: [p.shape[0]], buffer: true }, { name: `${p.name}.running_var`, shape: [p.shape[0]], buffer: true },
        { name: `${p.name}.num_batches_tracked`, shape: [], buffer: true },
      ];
      case "residual": return [...planTensors(p.main), ...planTensors(p.shortcut ?? [])];
      default: return [];
    }
  });
}

/** Names of the conv and linear weights: the tensors pruning touches. */
export function planWeightNames(plan: LayerPlan[]): string[] {
  return plan.flatMap((p): string[] => {
    if (p.op === "conv" || p.op === "linear") return [`${p.name}.weight`];
    if (p.op === "residual") return [...planWeightNames(p.main), ...planWeightNames(p.shortcut ?? [])];
    return [];
  });
}

/** Multiply-accumulates of one sample's forward pass (conv and linear layers). */
export function planMacs(plan: LayerPlan[]): number {
  return plan.reduce((s, p) => {
    if (p.op === "conv") return s + size(p.out) * (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1];
    if (p.op === "linear") return s + p.in * p.out;
    if (p.op === "residual") return s + planMacs(p.main) + planMacs(p.shortcut ?? []);
    return s;
  }, 0);
}

/** Every conv of a plan, in order (for benches and reports). */
export function planConvs(plan: LayerPlan[]): ConvPlan[] {
  return plan.flatMap((p): ConvPlan[] => p.op === "conv" ? [p] : p.op === "residual" ? [...planConvs(p.main), ...planConvs(p.shortcut ?? [])] : []);
}
