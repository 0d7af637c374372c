// Soft-threshold pruning during training (LATS paper, Algorithm 1): every
// prunable weight keeps a dense latent θ; the forward pass uses w = S_d(θ).
// One fused wasm pass per tensor (assembly/kernels/soft_threshold.ts) takes the
// gradient w.r.t. w to θ (STE, subgradient or GPO), steps θ with SGD, applies
// the new threshold d(t+1) and writes w, counting nonzeros as it goes.
//   scheduled threshold (STDS family): d(t) = D·g(t/T) — slats, lats, pgh, sine, linear, log2, constant
//   trainable threshold: str  d = σ(s), s trained with L2 (Algorithm 1 line 5; layer-wise or global STR-GS)
//                        gpo  w = (1 − k)·S_d(θ) + k·θ, d = σ(s), k = 1e-6·|β| (Table 1, Appendix C.2):
//                             β starts at 1e6 (w = θ) and decays under its L2 term, so GPO falls back
//                             to STR; λ_β is set so the decay alone takes k to 1e-6 by the end of
//                             GPO_FALLBACK_EPOCHS (at most half the run), where k becomes exactly 0
//                             (docs/soft-threshold.md, "GPO")
// Early pruning (Section 5.3.2): with a stop penalty p, pruning stops at the
// first step where g′(t/T) < p: the mask is fixed there and w trains on, masked.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Param } from "../nn/layer.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { LrSchedule } from "../optim/lr-schedules.js";
import { Sgd, type SgdOptions } from "../optim/sgd.js";
import { ShrinkError } from "../engine/errors.js";
import { isNumberArray, type RunState, type Stateful } from "../engine/state.js";
import { makeThresholdSchedule, type ThresholdSchedule, type ThresholdSchedulerKind } from "./schedules.js";

export const SOFT_THRESHOLD_METHODS = ["slats", "lats", "pgh", "sine", "linear", "log2", "constant", "str", "gpo"] as const;
export type SoftThresholdMethod = (typeof SOFT_THRESHOLD_METHODS)[number];

export interface SoftThresholdOptions {
  method: SoftThresholdMethod;
  /** Final threshold D (scheduled methods). */
  D?: number;
  /** L1 coefficient μ (lats only; D = μ·Σ η). */
  mu?: number;
  /** PGH decay β ∈ (0, 1]. */
  beta?: number;
  grad: "ste" | "subgradient";
  threshold: "global" | "layer";
  stopPenalty?: number;
  /** STR/GPO: initial s of d = σ(s). */
  sInit: number;
}

const GRAD_MODE = { ste: 0, subgradient: 1, gpo: 2 } as const;

/** GPO: epochs over which k = 1e-6·|β| decays from 1 to K_MIN (capped at half the run). */
export const GPO_FALLBACK_EPOCHS = 3;
/** Below this k, GPO has fallen back to STR: k is set to exactly 0, so pruned weights are exactly zero. */
export const GPO_K_MIN = 1e-6;
const GPO_BETA_INIT = 1e6;

interface Slot {
  p: Param;
  theta: Tensor;
  buf: number;
  mask: number; // u8 mask once pruning has stopped
  nonzero: number;
  s: number; // STR/GPO layer-wise threshold parameter
  gpoBeta: number; // GPO β (k = 1e-6·|β|)
}

export interface ThresholdState {
  step: number;
  /** Global threshold, or the mean of the layer thresholds (str/gpo layer mode). */
  threshold: number;
  thresholds: Record<string, number>;
  /** Theorem 1: μ(t) = (d(t+1) − d(t))/η(t), the L1 coefficient the last step solved for. */
  mu: number;
  stoppedAt: number | null;
  nonzero: Record<string, number>;
  /** gpo: k = 1e-6·|β| per tensor (1 at the start, exactly 0 once GPO has fallen back to STR). */
  gpoK?: Record<string, number>;
}

export class SoftThresholdOptimizer implements Optimizer, Stateful {
  readonly opts: SoftThresholdOptions;
  readonly schedule: ThresholdSchedule | null;
  private readonly e: Engine;
  private readonly sgdOpts: SgdOptions;
  private readonly slots: Slot[];
  private readonly rest: Sgd;
  private readonly stopStep: number;
  private readonly tmp: number;
  private first = true;
  private stopped: number | null = null;
  private lastMu = 0;
  private lastStep = 0;
  private sGlobal: number;
  private readonly thresholdDecay: number;
  /** GPO's L2 coefficient on β (0 for every other method). */
  readonly gpoDecay: number;

  constructor(e: Engine, params: Param[], prunable: Param[], sgdOpts: SgdOptions, lr: LrSchedule, opts: SoftThresholdOptions) {
    this.e = e;
    this.opts = opts;
    this.sgdOpts = sgdOpts;
    const trainable = opts.method === "str" || opts.method === "gpo";
    if (!trainable && opts.threshold === "layer") {
      throw new ShrinkError("E_ARG", `threshold layer: only str and gpo train a threshold per layer; ${opts.method} uses one global scheduled threshold`);
    }
    if (opts.grad === "subgradient" && opts.method === "gpo") {
      throw new ShrinkError("E_ARG", "grad: gpo uses its own gradient ((1 − k)·1[|θ| > d] + k); leave grad unset");
    }
    this.schedule = trainable ? null : makeThresholdSchedule(e, { kind: opts.method as ThresholdSchedulerKind, D: opts.D, mu: opts.mu, beta: opts.beta, lr });
    this.stopStep = opts.stopPenalty !== undefined && this.schedule ? this.schedule.stopStep(opts.stopPenalty) : Infinity;
    this.sGlobal = opts.sInit;
    this.thresholdDecay = sgdOpts.weightDecay;
    this.gpoDecay = opts.method === "gpo" ? gpoDecay(e, lr) : 0;
    const names = new Set(prunable.map((p) => p.name));
    this.rest = new Sgd(e, params.filter((p) => !names.has(p.name)), sgdOpts);
    const d0 = this.threshold(0, null);
    this.slots = prunable.map((p) => {
      const theta = new Tensor(e, p.value.shape);
      const slot: Slot = { p, theta, buf: sgdOpts.momentum !== 0 ? e.alloc(p.value.size) : 0, mask: 0, nonzero: 0, s: opts.sInit, gpoBeta: opts.method === "gpo" ? GPO_BETA_INIT : 0 };
      const d = this.slotThreshold(slot, d0);
      // θ(0) = w(0), or the inverse shift that keeps w(0) when d(0) > 0 (constant scheduler).
      if (d > 0) e.k.st_inverse_shift(p.value.ptr, theta.ptr, p.value.size, d);
      else e.k.copy_f32(theta.ptr, p.value.ptr, p.value.size);
      slot.nonzero = e.k.st_write(theta.ptr, p.value.ptr, p.value.size, d, this.k(slot));
      return slot;
    });
    this.tmp = e.alloc(4); // two f64 sums
  }

  private k(slot: Slot): number {
    return this.opts.method === "gpo" ? 1e-6 * Math.abs(slot.gpoBeta) : 0;
  }

  /** Global threshold at step t (scheduled), or σ(s) for str/gpo. */
  private threshold(t: number, slot: Slot | null): number {
    if (this.schedule) return this.schedule.at(t);
    return this.e.k.str_threshold(this.opts.threshold === "layer" && slot ? slot.s : this.sGlobal);
  }

  private slotThreshold(slot: Slot, global: number): number {
    return !this.schedule && this.opts.threshold === "layer" ? this.e.k.str_threshold(slot.s) : global;
  }

  step(lr: number, t: number): void {
    const k = this.e.k;
    const o = this.sgdOpts;
    this.rest.step(lr, t);
    if (t >= this.stopStep && this.stopped === null) this.freeze(t);
    if (this.stopped !== null) {
      for (const s of this.slots) {
        k.masked_sgd_step(s.p.value.ptr, s.p.grad.ptr, s.buf, s.mask, s.p.value.size, lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, this.first ? 1 : 0);
      }
      this.first = false;
      this.lastMu = 0;
      this.lastStep = t + 1;
      return;
    }
    const dNowGlobal = this.threshold(t, null);
    const mode = this.opts.method === "gpo" ? GRAD_MODE.gpo : GRAD_MODE[this.opts.grad];
    // Trainable thresholds first (they need θ, d(t) and the gradient before the step).
    if (!this.schedule) this.stepThresholds(lr);
    const dNextGlobal = this.threshold(t + 1, null);
    for (const s of this.slots) {
      const dNow = this.slotDNow.get(s) ?? this.slotThreshold(s, dNowGlobal);
      const dNext = this.slotThreshold(s, dNextGlobal);
      s.nonzero = k.st_step(s.theta.ptr, s.p.grad.ptr, s.buf, s.p.value.ptr, s.p.value.size, lr, o.momentum, o.dampening, o.weightDecay,
        o.nesterov ? 1 : 0, this.first ? 1 : 0, dNow, dNext, mode, this.k(s));
    }
    this.slotDNow.clear();
    this.first = false;
    this.lastMu = lr > 0 ? (dNextGlobal - dNowGlobal) / lr : 0;
    this.lastStep = t + 1;
  }

  private slotDNow = new Map<Slot, number>();

  // STR: d = σ(s), ∂L/∂s = σ′(s)·∂L/∂d with ∂L/∂d = −(1 − k)·Σ_{|θ|>d} g·sign(θ) (Eq. 24);
  // s ← s − η(∂L/∂s + λs) (Algorithm 1 line 5). GPO also trains β: ∂L/∂β = 1e-6·sign(β)·Σ g·(θ − S_d(θ))
  // (Eq. 27) with its own L2 coefficient λ_β; once k < GPO_K_MIN, β = 0 (k = 0: plain STR).
  // Both steps run in wasm (assembly/prune/str.ts).
  private stepThresholds(lr: number): void {
    const k = this.e.k;
    const lam = this.thresholdDecay;
    let gGlobal = 0;
    for (const s of this.slots) {
      const d = this.slotThreshold(s, k.str_threshold(this.sGlobal));
      this.slotDNow.set(s, d);
      k.st_threshold_grads(s.theta.ptr, s.p.grad.ptr, s.p.value.size, d, this.tmp);
      const sums = new Float64Array(this.e.memory.buffer, this.tmp, 2);
      const kk = this.k(s);
      const dLdd = -(1 - kk) * sums[0];
      if (this.opts.method === "gpo" && s.gpoBeta !== 0) {
        s.gpoBeta = k.gpo_beta_step(s.gpoBeta, sums[1], lr, this.gpoDecay);
        if (this.k(s) < GPO_K_MIN) s.gpoBeta = 0;
      }
      if (this.opts.threshold === "layer") s.s = k.str_step(s.s, dLdd, lr, lam);
      else gGlobal += dLdd;
    }
    if (this.opts.threshold !== "layer") this.sGlobal = k.str_step(this.sGlobal, gGlobal, lr, lam);
  }

  /** GPO's k = 1e-6·|β| per pruned tensor (empty for other methods). */
  gpoK(): Record<string, number> {
    return this.opts.method === "gpo" ? Object.fromEntries(this.slots.map((s) => [s.p.name, this.k(s)])) : {};
  }

  // Early pruning: fix the mask at the current zeros; w trains on under it.
  private freeze(t: number): void {
    for (const s of this.slots) {
      s.mask = this.e.alloc(s.p.value.size, "u8");
      s.nonzero = this.e.k.mask_from_nonzero(s.p.value.ptr, s.mask, s.p.value.size);
    }
    this.stopped = t;
  }

  state(): ThresholdState {
    const thresholds: Record<string, number> = {};
    const nonzero: Record<string, number> = {};
    let sum = 0;
    for (const s of this.slots) {
      const d = this.stopped !== null && this.schedule ? this.schedule.at(this.stopped) : this.slotThreshold(s, this.threshold(this.lastStep, null));
      thresholds[s.p.name] = d;
      nonzero[s.p.name] = this.stopped !== null ? this.e.k.count_nonzero(s.p.value.ptr, s.p.value.size) : s.nonzero;
      sum += d;
    }
    const threshold = this.schedule ? (this.stopped !== null ? this.schedule.at(this.stopped) : this.schedule.at(this.lastStep)) : sum / this.slots.length;
    return { step: this.lastStep, threshold, thresholds, mu: this.lastMu, stoppedAt: this.stopped, nonzero, ...(this.opts.method === "gpo" ? { gpoK: this.gpoK() } : {}) };
  }

  /**
   * Everything the next step reads: the latents θ, the momentum, the mask once
   * pruning has stopped, the trainable thresholds (s, GPO's β), the first-step
   * flag and the stop step.
   */
  saveTo(st: RunState, key: string): void {
    this.rest.saveTo(st, `${key}.rest`);
    st.set(`${key}.scalars`, [this.first ? 1 : 0, this.stopped ?? -1, this.lastMu, this.lastStep, this.sGlobal]);
    for (const s of this.slots) {
      const n = s.p.name, size = s.p.value.size;
      st.saveTensor(`${key}.theta.${n}`, s.theta);
      if (s.buf) st.saveWasm(this.e, `${key}.buf.${n}`, s.buf, size, "F32");
      if (s.mask) st.saveWasm(this.e, `${key}.mask.${n}`, s.mask, size, "U8");
      st.set(`${key}.slot.${n}`, [s.nonzero, s.s, s.gpoBeta]);
    }
  }

  loadFrom(st: RunState, key: string): void {
    this.rest.loadFrom(st, `${key}.rest`);
    const v = st.get(`${key}.scalars`, (x): x is number[] => isNumberArray(x) && x.length === 5 && (x[0] === 0 || x[0] === 1)
      && Number.isSafeInteger(x[1]) && x[1] >= -1 && Number.isSafeInteger(x[3]) && x[3] >= 0, "[first 0|1, stop step ≥ −1, μ, step ≥ 0, s]");
    this.first = v[0] === 1;
    this.stopped = v[1] < 0 ? null : v[1];
    [this.lastMu, this.lastStep, this.sGlobal] = v.slice(2);
    for (const s of this.slots) {
      const n = s.p.name, size = s.p.value.size;
      st.loadTensor(`${key}.theta.${n}`, s.theta);
      if (s.buf) st.loadWasm(this.e, `${key}.buf.${n}`, s.buf, size, "F32");
      if (this.stopped !== null) {
        s.mask ||= this.e.alloc(size, "u8");
        st.loadWasm(this.e, `${key}.mask.${n}`, s.mask, size, "U8");
      }
      [s.nonzero, s.s, s.gpoBeta] = st.get(`${key}.slot.${n}`, (x): x is number[] => isNumberArray(x) && x.length === 3, "3 numbers");
    }
  }

  free(): void {
    this.rest.free();
    for (const s of this.slots) {
      s.theta.free();
      if (s.buf) this.e.free(s.buf);
      if (s.mask) this.e.free(s.mask);
    }
    this.e.free(this.tmp);
    this.schedule?.free?.();
  }
}

/**
 * GPO's λ_β: the L2 decay alone multiplies β by (1 − η_t·λ_β) per step, about
 * exp(−λ_β·Σ η_t), so λ_β = ln(1/K_MIN)/Σ_{t<T_f} η_t takes k from 1 to
 * K_MIN over T_f = GPO_FALLBACK_EPOCHS epochs (at most half the run): the
 * fall-back to STR "within a few epochs" of LATS Appendix C.2, whatever the
 * dataset size (the GPO codebase's fixed 1e-4 assumes ImageNet's 5,000 steps
 * per epoch).
 */
export function gpoDecay(e: Engine, lr: LrSchedule): number {
  const T = lr.totalSteps;
  const Tf = Math.max(1, Math.min(GPO_FALLBACK_EPOCHS * lr.spec.stepsPerEpoch, Math.floor(T / 2)));
  let sum = 0;
  for (let t = 0; t < Tf; t++) sum += lr.at(t);
  return -e.k.log_f64(GPO_K_MIN) / sum;
}
