// Learning-rate schedules as functions of the step t = 0..T−1, T = epochs × steps per epoch.
// The soft-threshold schedulers (LATS, Corollary 1) sum and integrate these, so
// every schedule returns its exact value at every step, warm-up included.
// This module validates the spec; the values come from wasm
// (assembly/optim/lr_schedule.ts), so they are the same bits in every runtime.
//
// Granularity: by default the rate changes once per epoch, η(n, b) = h(n/N) as in
// the LATS paper (Appendix D, Eq. 28) and PyTorch's per-epoch scheduler.step();
// interval "step" evaluates h at t/T instead. Warm-up is linear per step,
// η(t) = η₀·(t+1)/W for t < W = warmupEpochs × steps per epoch; the schedule
// proper then runs over the remaining epochs with progress x ∈ [0, 1):
//   constant  h(x) = η₀
//   step      h = η₀·γ^⌊e / stepSize⌋   (e = epochs since warm-up; PyTorch StepLR)
//   cosine    h(x) = η₀·(1 + cos πx)/2   (CosineAnnealingLR, η_min = 0; LATS Eq. 28)
//   poly      h(x) = η₀·(1 − x)^κ        (LATS Eq. 33)
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";

export const LR_SCHEDULES = ["constant", "step", "cosine", "poly"] as const;
export type LrScheduleKind = (typeof LR_SCHEDULES)[number];

export interface LrScheduleSpec {
  kind: LrScheduleKind;
  lr: number;
  epochs: number;
  stepsPerEpoch: number;
  warmupEpochs?: number;
  interval?: "epoch" | "step";
  /** step: decay factor γ (default 0.1) and period in epochs (default ⌈(N − warm-up)/3⌉). */
  gamma?: number;
  stepSize?: number;
  /** poly: exponent κ (default 0.9, as in the LATS paper). */
  power?: number;
}

export interface LrSchedule {
  readonly spec: Required<LrScheduleSpec>;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  /** η at step t (0 ≤ t < totalSteps). */
  at(t: number): number;
  /** The shape h(x)/η₀ on [0, 1] after warm-up, for closed forms and quadrature. */
  shape(x: number): number;
}

/** LR shape codes of assembly/optim/lr_shape.ts (LR_*), shared by lr_at and the threshold schedulers. */
export const LR_SHAPE = { constant: 0, cosine: 1, poly: 2, step: 3 } as const;

export function makeLrSchedule(e: Engine, s: LrScheduleSpec): LrSchedule {
  if (!(LR_SCHEDULES as readonly string[]).includes(s.kind)) {
    throw new ShrinkError("E_ARG", `lrSchedule: unknown schedule "${s.kind}" (allowed: ${LR_SCHEDULES.join(", ")})`);
  }
  const warm = s.warmupEpochs ?? 0;
  const spec: Required<LrScheduleSpec> = {
    kind: s.kind,
    lr: s.lr,
    epochs: s.epochs,
    stepsPerEpoch: s.stepsPerEpoch,
    warmupEpochs: warm,
    interval: s.interval ?? "epoch",
    gamma: s.gamma ?? 0.1,
    stepSize: s.stepSize ?? Math.max(1, Math.ceil((s.epochs - warm) / 3)),
    power: s.power ?? 0.9,
  };
  if (!(spec.lr > 0) || !Number.isFinite(spec.lr)) throw new ShrinkError("E_ARG", `lr: ${spec.lr} must be a positive finite number`);
  if (!Number.isInteger(spec.epochs) || spec.epochs < 1) throw new ShrinkError("E_ARG", `epochs: ${spec.epochs} must be a positive integer`);
  // Warm-up must be whole steps; the tolerance absorbs 1.1 × 50 = 55.00000000000001.
  const wSteps = warm * spec.stepsPerEpoch;
  if (!(warm >= 0) || warm >= spec.epochs || Math.abs(wSteps - Math.round(wSteps)) > 1e-9 * Math.max(1, wSteps)) {
    throw new ShrinkError("E_ARG", `warmup: ${warm} epochs must be ≥ 0, fewer than epochs ${spec.epochs}, and a whole number of steps (${spec.stepsPerEpoch} per epoch)`);
  }
  if (!(spec.gamma > 0 && spec.gamma <= 1)) throw new ShrinkError("E_ARG", `lrGamma: ${spec.gamma} must be in (0, 1]`);
  if (!(spec.power > 0)) throw new ShrinkError("E_ARG", `lrPower: ${spec.power} must be > 0`);
  if (!Number.isInteger(spec.stepsPerEpoch) || spec.stepsPerEpoch < 1) throw new ShrinkError("E_ARG", `steps per epoch: ${spec.stepsPerEpoch} must be a positive integer`);
  if (!Number.isInteger(spec.stepSize) || spec.stepSize < 1) throw new ShrinkError("E_ARG", `lrStepSize: ${spec.stepSize} must be a positive integer`);

  const B = spec.stepsPerEpoch;
  const T = spec.epochs * B;
  const W = Math.round(warm * B);
  const mainEpochs = spec.epochs - warm;
  const kind = LR_SHAPE[spec.kind];
  const interval = spec.interval === "epoch" ? 0 : 1;
  const shape = (x: number): number => e.k.lr_shape(kind, x, mainEpochs, spec.gamma, spec.stepSize, spec.power);
  const at = (t: number): number => e.k.lr_at(kind, t, spec.lr, W, T, B, mainEpochs, interval, spec.gamma, spec.stepSize, spec.power);
  return { spec, totalSteps: T, warmupSteps: W, at, shape };
}
