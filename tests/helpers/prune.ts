// Shared helpers for the pruning suites: a small learnable synthetic data set,
// a fast pruning configuration, and JS-side counts of exact zeros.
import type { Engine } from "../../src/engine/engine.ts";
import type { Sequential } from "../../src/nn/sequential.ts";
import { DEFAULT_TRAIN_CONFIG } from "../../src/train/config.ts";
import { makeLrSchedule, type LrSchedule } from "../../src/optim/lr-schedules.ts";
import { DEFAULT_PRUNE, type PruneConfig } from "../../src/prune/config.ts";
import { syntheticImageSet, engine } from "./engine.ts";

const e = await engine();

/** 800 training / 200 test 28×28 images, one bright row band per class (syntheticImageSet). */
export const TRAIN = syntheticImageSet(800, 11);
export const TEST = syntheticImageSet(200, 22);

/** Batch 50 over 800 images: 16 optimizer steps per epoch. */
export const BATCH = 50;
export const STEPS_PER_EPOCH = Math.ceil(TRAIN.count / BATCH);

/** The paper's MLP set-up (Nesterov 0.9, wd 5e-4, lr 0.1 cosine per epoch), 3 short epochs, S-LATS defaults. */
export function pruneConfig(over: Partial<PruneConfig> = {}): PruneConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    model: "mlp",
    epochs: 3,
    batch: BATCH,
    seed: 0,
    ...DEFAULT_PRUNE,
    exclude: [],
    ...over,
  };
}

/** The learning-rate schedule runPrune's session builds for `c` (rebuilt independently). */
export function lrFor(c: PruneConfig): LrSchedule {
  return makeLrSchedule(e, {
    kind: c.lrSchedule, lr: c.lr, epochs: c.epochs, stepsPerEpoch: Math.ceil(TRAIN.count / c.batch),
    warmupEpochs: c.warmup, interval: c.lrInterval, gamma: c.lrGamma, stepSize: c.lrStepSize, power: c.lrPower,
  });
}

export interface ParamCount {
  name: string;
  kind: "weight" | "bias";
  size: number;
  zeros: number;
  values: Float32Array;
}

/** Every parameter's values and its count of exact zeros (±0), computed in JS. */
export function countZeros(model: Sequential): ParamCount[] {
  return model.params().map((p) => {
    const values = p.value.toArray();
    let zeros = 0;
    for (const v of values) if (v === 0) zeros++;
    return { name: p.name, kind: p.kind, size: values.length, zeros, values };
  });
}

/** All parameter bytes of a model, concatenated (bit-exact comparisons). */
export function modelBytes(e: Engine, model: Sequential): Uint8Array {
  const parts = model.params().map((p) => e.u8(p.value.ptr, p.value.size * 4).slice());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export const relErr = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/** The spacing of f32 values at |x| (the distance to the next float up). */
export function ulpF32(x: number): number {
  const f = new Float32Array([Math.abs(x)]);
  const u = new Uint32Array(f.buffer);
  const a = f[0];
  u[0]++;
  return f[0] - a;
}
