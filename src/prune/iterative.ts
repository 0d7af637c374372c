// Iterative pruning with rewinding (PQI paper, Algorithm 1 and its baselines).
// Each iteration t: rewind to w_init ⊙ m_t, train E epochs under the mask
// (fresh SGD and a fresh learning-rate schedule), measure, prune c_t weights
// of smallest magnitude per scope group, giving m_{t+1}.
//   sap       c_t = ⌊min(γ·(d_t − r_t), β·d_t)⌋ with r_t the PQI-bound (Eq. 4), snapped to
//             an integer within rounding of one, equal to ⌊d_t·min(γ(1 − r_t/d_t), β)⌋
//   lottery   c_t = ⌊P·d_t⌋ ranked on w_t (Frankle & Carbin)
//   one-shot  c_t = ⌊P·d_t⌋ ranked on w_0, the dense model trained at iteration 0; it is
//             not retrained: its model at iteration t is w_0 ⊙ m_t (the paper's Section 4.2)
import type { InitWeights } from "../train/session.js";
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import type { Session } from "../train/session.js";
import { train, type BatchEvent, type EpochEvent } from "../train/trainer.js";
import { evaluate } from "../train/evaluate.js";
import { lrScheduleFor } from "../train/optimizer-setup.js";
import { MaskedSgd } from "../optim/masked-sgd.js";
import { scopeGroups, pruneSmallest, keptCount, isChannelScope, type Scope, type Group } from "./scopes.js";
import { ChannelPruner, channelUnits } from "./channels.js";
import { modelPlan } from "../nn/models.js";
import { projectMasks, type Pattern } from "./pattern.js";
import { groupPqi, groupGini } from "./measures/group.js";
import { pqiBound } from "./measures/pq-index.js";
import { ShrinkError } from "../engine/errors.js";
import { checkPQ } from "./measures/vector.js";
import type { RunState, Stateful } from "../engine/state.js";
import { TrainCursor, type Gate } from "../train/cursor.js";
import { saveMasks, loadMasks, onesMasks } from "./mask-state.js";

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
  /** Spiking models: the pruned model's test-set firing rate, overall and per neuron layer. */
  firingRate?: number;
  firingRates?: { name: string; rate: number }[];
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

/** A copy of every parameter's values (to rewind to w_init, or rank on w_0). */
function copyParams(e: Engine, params: Param[]): Map<Param, number> {
  const m = new Map<Param, number>();
  for (const p of params) {
    const s = e.alloc(p.value.size);
    e.k.copy_f32(s, p.value.ptr, p.value.size);
    m.set(p, s);
  }
  return m;
}

const saveCopies = (e: Engine, st: RunState, key: string, m: Map<Param, number>) => {
  for (const [p, v] of m) st.saveWasm(e, `${key}.${p.name}`, v, p.value.size, "F32");
};
const loadCopies = (e: Engine, st: RunState, key: string, m: Map<Param, number>) => {
  for (const [p, v] of m) st.loadWasm(e, `${key}.${p.name}`, v, p.value.size, "F32");
};

/**
 * One iterative run, resumable between any two steps: its state is the
 * iteration, the masks, w_init (and One Shot's w_0), the reports so far and,
 * mid-iteration, the masked SGD and the training loop's cursor.
 */
export class IterativePruner implements Stateful {
  /** Iterations done. */
  t = 0;
  readonly reports: IterationReport[] = [];
  private readonly e: Engine;
  private readonly s: Session;
  private readonly o: IterativeOptions;
  private readonly params: Param[];
  private readonly init: Map<Param, number>;
  private readonly masks: Map<Param, number>;
  private readonly groups: Group[];
  private readonly channels: ChannelPruner | null;
  private readonly globalGroup: Group;
  private readonly layerGroups: Group[];
  private readonly scratch: number;
  private w0: Map<Param, number> | null = null;
  /** Mid-iteration: the masked SGD and where its training loop stands. */
  private opt: MaskedSgd | null = null;
  private cursor: TrainCursor | null = null;
  /** Steps of the iterations done (GatePoint.runStep). */
  private stepsBefore = 0;

  constructor(e: Engine, s: Session, prunable: Param[], o: IterativeOptions) {
    validateIterative(o);
    this.e = e;
    this.s = s;
    this.o = o;
    this.params = s.model.params();
    this.init = copyParams(e, this.params);
    this.masks = onesMasks(e, prunable);
    this.groups = scopeGroups(prunable, o.scope);
    this.channels = isChannelScope(o.scope) ? new ChannelPruner(e, channelUnits(modelPlan(s.spec), prunable, this.params), this.masks, o.scope === "channel-global") : null;
    this.globalGroup = scopeGroups(prunable, "global")[0];
    this.layerGroups = scopeGroups(prunable, "layer");
    this.scratch = e.alloc(1, "i32");
  }

  get done(): boolean {
    return this.t >= this.o.iterations;
  }

  /** Steps done over the whole run. */
  get runStep(): number {
    return this.stepsBefore + (this.cursor?.step ?? 0);
  }

  async run(hooks: IterativeHooks = {}, gate?: Gate): Promise<IterationReport[]> {
    const { e, s, o } = this;
    const k = e.k;
    const c = s.config;
    const total = this.globalGroup.size;
    while (this.t < o.iterations) {
      const t = this.t;
      const t0 = performance.now();
      const d = keptCount(e, this.globalGroup, this.masks);
      if (!this.opt) {
        // Rewind: w_init ⊙ m_t (biases and other parameters back to their initial values).
        for (const p of this.params) {
          k.copy_f32(p.value.ptr, this.init.get(p)!, p.value.size);
          const m = this.masks.get(p);
          if (m) k.apply_mask(p.value.ptr, m, p.value.size);
        }
      }
      if (o.method === "one-shot" && this.w0) {
        for (const p of this.params) k.copy_f32(p.value.ptr, this.w0.get(p)!, p.value.size);
        for (const [p, m] of this.masks) k.apply_mask(p.value.ptr, m, p.value.size);
      } else {
        const schedule = lrScheduleFor(e, c, s.trainData.batches, { epochs: o.epochs });
        this.opt ??= new MaskedSgd(e, this.params, this.masks, s.sgd.opts);
        this.cursor ??= new TrainCursor();
        try {
          await train(e, s.model, s.trainData, s.testData, schedule, this.opt, {
            epochs: o.epochs, labelSmoothing: c.labelSmoothing, shuffleSeed: (o.seed * 1000003 + t) >>> 0, evalEveryEpoch: false,
          }, {
            signal: hooks.signal,
            onBatch: hooks.onBatch && ((ev) => hooks.onBatch!({ ...ev, iteration: t + 1 })),
            onEpoch: hooks.onEpoch && ((ev) => hooks.onEpoch!({ ...ev, iteration: t + 1 })),
            cursor: this.cursor, gate, stepOffset: this.stepsBefore,
          });
        } catch (err) {
          this.endTraining();
          throw err;
        }
        this.stepsBefore += this.cursor.step;
        this.endTraining();
        if (o.method === "one-shot") this.w0 = copyParams(e, this.params);
      }
      const report = this.prune(t, d, total);
      report.seconds = (performance.now() - t0) / 1000;
      this.reports.push(report);
      this.t++;
      await hooks.onIteration?.(report);
      await gate?.({ kind: "iteration", step: 0, epoch: 0, runStep: this.stepsBefore });
    }
    return this.reports;
  }

  private endTraining(): void {
    this.opt?.free();
    this.opt = null;
    this.cursor = null;
  }

  /** Measures w_t over the remaining entries, prunes per scope group, scores the pruned model. */
  private prune(t: number, d: number, total: number): IterationReport {
    const { e, o, masks } = this;
    const retrained = evaluate(e, this.s.model, this.s.testData, 0, this.scratch);
    const pqi = groupPqi(e, this.globalGroup, masks, o.p, o.q);
    const gini = groupGini(e, this.globalGroup, masks);
    const layers: LayerReport[] = this.layerGroups.map((g) => ({
      name: g.name, params: g.size, remaining: keptCount(e, g, masks) / g.size,
      pqi: groupPqi(e, g, masks, o.p, o.q), gini: groupGini(e, g, masks),
    }));
    let cSum = 0, rSum: number | null = o.method === "sap" ? 0 : null;
    // Channel scopes prune the ratio P of each layer's (or all layers') remaining channels; c counts channels.
    if (this.channels) cSum = this.channels.prune((alive) => Math.floor(o.ratio * alive));
    else for (const g of this.groups) {
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
      cSum += pruneSmallest(e, g, masks, Math.max(0, Math.min(cg, dg)), o.method === "one-shot" ? this.w0 ?? undefined : undefined);
    }
    if (o.pattern) cSum += projectMasks(e, masks, o.pattern);
    for (const [p, m] of masks) e.k.apply_mask(p.value.ptr, m, p.value.size);
    const pruned = evaluate(e, this.s.model, this.s.testData, 0, this.scratch);
    return {
      iteration: t + 1, d, remainingBefore: d / total, retrainedAccuracy: retrained.accuracy, retrainedLoss: retrained.loss,
      pqi, gini, r: rSum, c: cSum, remainingAfter: keptCount(e, this.globalGroup, masks) / total,
      prunedAccuracy: pruned.accuracy, prunedLoss: pruned.loss, layers, seconds: 0,
      ...(pruned.firing ? { firingRate: pruned.firing.rate, firingRates: pruned.firing.layers.map(({ name, rate }) => ({ name, rate })) } : {}),
    };
  }

  saveTo(st: RunState, key: string): void {
    const e = this.e;
    st.set(`${key}.t`, this.t);
    st.set(`${key}.stepsBefore`, this.stepsBefore);
    st.set(`${key}.reports`, this.reports);
    saveCopies(e, st, `${key}.init`, this.init);
    saveMasks(e, st, `${key}.mask`, this.masks);
    st.set(`${key}.w0`, this.w0 !== null);
    if (this.w0) saveCopies(e, st, `${key}.w0`, this.w0);
    st.set(`${key}.training`, this.opt !== null);
    if (this.opt) {
      this.opt.saveTo(st, `${key}.sgd`);
      this.cursor!.saveTo(st, `${key}.cursor`);
    }
  }

  loadFrom(st: RunState, key: string): void {
    const e = this.e;
    this.t = st.int(`${key}.t`, 0, this.o.iterations);
    this.stepsBefore = st.int(`${key}.stepsBefore`, 0, Number.MAX_SAFE_INTEGER);
    this.reports.length = 0;
    this.reports.push(...st.get(`${key}.reports`, (v): v is IterationReport[] => Array.isArray(v) && v.length === this.t, `a list of ${this.t} iteration reports`));
    loadCopies(e, st, `${key}.init`, this.init);
    loadMasks(e, st, `${key}.mask`, this.masks);
    if (st.bool(`${key}.w0`)) {
      this.w0 ??= copyParams(e, this.params);
      loadCopies(e, st, `${key}.w0`, this.w0);
    }
    this.endTraining();
    if (st.bool(`${key}.training`)) {
      this.opt = new MaskedSgd(e, this.params, this.masks, this.s.sgd.opts);
      this.opt.loadFrom(st, `${key}.sgd`);
      this.cursor = new TrainCursor();
      this.cursor.loadFrom(st, `${key}.cursor`);
    }
  }

  free(): void {
    this.endTraining();
    for (const v of this.init.values()) this.e.free(v);
    if (this.w0) for (const v of this.w0.values()) this.e.free(v);
    for (const m of this.masks.values()) this.e.free(m);
    this.e.free(this.scratch);
  }
}

export async function runIterative(e: Engine, s: Session, prunable: Param[], o: IterativeOptions, hooks: IterativeHooks = {}): Promise<IterationReport[]> {
  const it = new IterativePruner(e, s, prunable, o);
  try {
    return await it.run(hooks);
  } finally {
    it.free();
  }
}

export type { Group };
