// Iterative pruning with rewinding (PQI paper, Algorithm 1 and its baselines).
// Each iteration t: rewind to w_init ⊙ m_t, train E epochs under the mask
// (fresh SGD and a fresh learning-rate schedule), measure, prune c_t weights
// of smallest magnitude per scope group, giving m_{t+1}.
//   sap       c_t = ⌊min(γ·(d_t − r_t), β·d_t)⌋ with r_t the PQI-bound (Eq. 4), snapped to
//             an integer within rounding of one, equal to ⌊d_t·min(γ(1 − r_t/d_t), β)⌋
//   lottery   c_t = ⌊P·d_t⌋ ranked on w_t (Frankle & Carbin)
//   one-shot  c_t = ⌊P·d_t⌋ ranked on w_0, the dense model trained at iteration 0; it is
//             not retrained: its model at iteration t is w_0 ⊙ m_t (the paper's Section 4.2)
import type { InitWeights } from "../train/session";
import type { Engine } from "../engine/engine";
import type { Param } from "../nn/layer";
import type { Session } from "../train/session";
import { train, type BatchEvent, type EpochEvent } from "../train/trainer";
import { evaluate } from "../train/evaluate";
import { lrScheduleFor } from "../train/optimizer-setup";
import { MaskedSgd } from "../optim/masked-sgd";
import { scopeGroups, pruneSmallest, keptCount, isChannelScope, type Scope, type Group } from "./scopes";
import { ChannelPruner, channelUnits } from "./channels";
import { modelPlan } from "../nn/models";
import { projectMasks, type Pattern } from "./pattern";
import { groupPqi, groupGini } from "./measures/group";
import { pqiBound } from "./measures/pq-index";
import { ShrinkError } from "../engine/errors";
import { checkPQ } from "./measures/vector";

export const ITERATIVE_METHODS = ["sap", "lottery", "one-shot"] as const;
export type IterativeMethod = (typeof ITERATIVE_METHODS)[number];

export interface IterativeOptions {
  method: IterativeMethod;
  iterations: number;
  epochs: number;
  scope: Scope;
  p: number;
  q: number;
  etaR: number;
  gamma: number;
  /** SAP's maximum pruning ratio β. */
  maxRatio: number;
  /** Lottery Ticket / One Shot ratio P. */
  ratio: number;
  seed: number;
  /** N:M pattern every mask keeps. */
  pattern?: Pattern | null;
}

export interface LayerReport {
  name: string;
  params: number;
  remaining: number;
  pqi: number | null;
  gini: number | null;
}

export interface IterationReport {
  iteration: number;
  /** d_t: weights remaining when the iteration starts (pruned tensors only). */
  d: number;
  remainingBefore: number;
  retrainedAccuracy: number;
  retrainedLoss: number;
  pqi: number | null;
  gini: number | null;
  /** Σ over scope groups of the PQI-bound r_t (sap), else null. */
  r: number | null;
  /** c_t: weights pruned at this iteration. */
  c: number;
  remainingAfter: number;
  prunedAccuracy: number;
  prunedLoss: number;
  layers: LayerReport[];
  seconds: number;
}

export interface IterativeHooks {
  signal?: AbortSignal;
  /** Weights to start from (a PyTorch state_dict, an ONNX file's initializers) instead of the seeded initialisation. */
  init?: InitWeights;
  onBatch?: (ev: BatchEvent & { iteration: number }) => void;
  onEpoch?: (ev: EpochEvent & { iteration: number }) => void;
  onIteration?: (r: IterationReport) => void | Promise<void>;
}

export function validateIterative(o: IterativeOptions): void {
  const bad = (opt: string, v: unknown, allowed: string) => new ShrinkError("E_ARG", `${opt}: ${String(v)} is not allowed (${allowed})`);
  if (!Number.isInteger(o.iterations) || o.iterations < 1 || o.iterations > 1000) throw bad("iterations", o.iterations, "an integer from 1 to 1000");
  checkPQ(o.p, o.q);
  if (!(o.etaR >= 0) || !Number.isFinite(o.etaR)) throw bad("etaR", o.etaR, "a finite number ≥ 0");
  if (!(o.gamma > 0) || !Number.isFinite(o.gamma)) throw bad("gamma", o.gamma, "a finite number > 0");
  if (!(o.maxRatio > 0 && o.maxRatio <= 1)) throw bad("maxRatio", o.maxRatio, "SAP's maximum pruning ratio, in (0, 1]");
  if (!(o.ratio > 0 && o.ratio < 1)) throw bad("ratio", o.ratio, "a pruning ratio in (0, 1)");
  if (o.method === "sap" && isChannelScope(o.scope)) throw bad("scope", o.scope, "sap measures weights: global, layer or neuron (channel scopes apply to gmp, lottery and one-shot)");
}

/**
 * r of Eq. 4 as computed (powers in f64) can land an ulp off an integer it
 * equals exactly (800·0.8 = 640.0000000000001), and ⌊d − r⌋ then loses a
 * count. r within 1e-12 relative of an integer is taken as that integer:
 * far below any real difference between two bounds (r ≤ d ≤ 2^31), far above
 * the few ulps of rounding in pqi_bound.
 */
export function snapToInteger(r: number): number {
  const n = Math.round(r);
  return Math.abs(r - n) <= 1e-12 * Math.max(1, Math.abs(r)) ? n : r;
}

/** SAP's c_t (PQI paper Algorithm 1): ⌊min(γ·(d − r), β·d)⌋, clamped to [0, d]. */
export function sapPruneCount(d: number, r: number, gamma: number, maxRatio: number): number {
  return Math.max(0, Math.min(d, Math.floor(Math.min(gamma * (d - r), maxRatio * d))));
}

/** Snapshot of every parameter's values (to rewind to w_init, or rank on w_0). */
function snapshot(e: Engine, params: Param[]): Map<Param, number> {
  const m = new Map<Param, number>();
  for (const p of params) {
    const s = e.alloc(p.value.size);
    e.k.copy_f32(s, p.value.ptr, p.value.size);
    m.set(p, s);
  }
  return m;
}

export async function runIterative(e: Engine, s: Session, prunable: Param[], o: IterativeOptions, hooks: IterativeHooks = {}): Promise<IterationReport[]> {
  validateIterative(o);
  const k = e.k;
  const params = s.model.params();
  const init = snapshot(e, params);
  const masks = new Map<Param, number>();
  for (const p of prunable) {
    const m = e.alloc(p.value.size, "u8");
    e.u8(m, p.value.size).fill(1);
    masks.set(p, m);
  }
  const groups = scopeGroups(prunable, o.scope);
  const channels = isChannelScope(o.scope) ? new ChannelPruner(e, channelUnits(modelPlan(s.spec), prunable, params), masks, o.scope === "channel-global") : null;
  const globalGroup = scopeGroups(prunable, "global")[0];
  const layerGroups = scopeGroups(prunable, "layer");
  const total = globalGroup.size;
  const scratch = e.alloc(1, "i32");
  let w0: Map<Param, number> | null = null;
  const reports: IterationReport[] = [];
  const c = s.config;
  try {
    for (let t = 0; t < o.iterations; t++) {
      const t0 = performance.now();
      const d = keptCount(e, globalGroup, masks);
      // Rewind: w_init ⊙ m_t (biases and other parameters back to their initial values).
      for (const p of params) {
        k.copy_f32(p.value.ptr, init.get(p)!, p.value.size);
        const m = masks.get(p);
        if (m) k.apply_mask(p.value.ptr, m, p.value.size);
      }
      if (o.method === "one-shot" && w0) {
        for (const p of params) k.copy_f32(p.value.ptr, w0.get(p)!, p.value.size);
        for (const [p, m] of masks) k.apply_mask(p.value.ptr, m, p.value.size);
      } else {
        const schedule = lrScheduleFor(e, c, s.trainData.batches, { epochs: o.epochs });
        const opt = new MaskedSgd(e, params, masks, s.sgd.opts);
        try {
          await train(e, s.model, s.trainData, s.testData, schedule, opt, {
            epochs: o.epochs, labelSmoothing: c.labelSmoothing, shuffleSeed: (o.seed * 1000003 + t) >>> 0, evalEveryEpoch: false,
          }, {
            signal: hooks.signal,
            onBatch: hooks.onBatch && ((ev) => hooks.onBatch!({ ...ev, iteration: t + 1 })),
            onEpoch: hooks.onEpoch && ((ev) => hooks.onEpoch!({ ...ev, iteration: t + 1 })),
          });
        } finally {
          opt.free();
        }
        if (o.method === "one-shot") w0 = snapshot(e, params);
      }
      const retrained = evaluate(e, s.model, s.testData, 0, scratch);
      // Measure on w_t over the remaining entries.
      const pqi = groupPqi(e, globalGroup, masks, o.p, o.q);
      const gini = groupGini(e, globalGroup, masks);
      const layers: LayerReport[] = layerGroups.map((g) => ({
        name: g.name, params: g.size, remaining: keptCount(e, g, masks) / g.size,
        pqi: groupPqi(e, g, masks, o.p, o.q), gini: groupGini(e, g, masks),
      }));
      // Prune per scope group.
      let cSum = 0, rSum: number | null = o.method === "sap" ? 0 : null;
      // Channel scopes prune the ratio P of each layer's (or all layers') remaining channels; c counts channels.
      if (channels) cSum = channels.prune((alive) => Math.floor(o.ratio * alive));
      else for (const g of groups) {
        const dg = keptCount(e, g, masks);
        if (dg === 0) continue;
        let cg: number;
        if (o.method === "sap") {
          const I = groupPqi(e, g, masks, o.p, o.q);
          if (I === null) continue; // undefined PQI (all remaining zero): nothing to learn, prune nothing
          const r = snapToInteger(pqiBound(e, dg, I, o.p, o.q, o.etaR));
          rSum! += r;
          cg = sapPruneCount(dg, r, o.gamma, o.maxRatio);
        } else cg = Math.floor(o.ratio * dg);
        cSum += pruneSmallest(e, g, masks, Math.max(0, Math.min(cg, dg)), o.method === "one-shot" ? w0 ?? undefined : undefined);
      }
      if (o.pattern) cSum += projectMasks(e, masks, o.pattern);
      for (const [p, m] of masks) k.apply_mask(p.value.ptr, m, p.value.size);
      const pruned = evaluate(e, s.model, s.testData, 0, scratch);
      const report: IterationReport = {
        iteration: t + 1, d, remainingBefore: d / total, retrainedAccuracy: retrained.accuracy, retrainedLoss: retrained.loss,
        pqi, gini, r: rSum, c: cSum, remainingAfter: keptCount(e, globalGroup, masks) / total,
        prunedAccuracy: pruned.accuracy, prunedLoss: pruned.loss, layers, seconds: (performance.now() - t0) / 1000,
      };
      reports.push(report);
      await hooks.onIteration?.(report);
    }
  } finally {
    for (const v of init.values()) e.free(v);
    if (w0) for (const v of w0.values()) e.free(v);
    for (const m of masks.values()) e.free(m);
    e.free(scratch);
  }
  return reports;
}

export type { Group };
