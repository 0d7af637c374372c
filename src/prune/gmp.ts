// Gradual magnitude pruning (Zhu & Gupta, 2017; TensorFlow Model Optimization's
// PolynomialDecay; the LATS paper's GMP baseline), within one training run:
//   s(t) = s_f + (s_i − s_f)·(1 − (t − t_b)/(t_e − t_b))³   for t_b ≤ t ≤ t_e,
// s_i before t_b and s_f from t_e on (t_e ≤ T − 1, so --end 1 is reached); every k steps in [t_b, t_e] (and at t_e)
// each scope group is pruned to ⌊s(t)·n_g⌋ zeros by magnitude. Pruned weights
// are zero and rank smallest, so the masks only grow.
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import type { Optimizer } from "../optim/optimizer.js";
import { MaskedSgd } from "../optim/masked-sgd.js";
import type { SgdOptions } from "../optim/sgd.js";
import { scopeGroups, pruneSmallest, keptCount, isChannelScope, type Scope } from "./scopes.js";
import { ChannelPruner, type ChannelUnit } from "./channels.js";
import { projectMasks, type Pattern } from "./pattern.js";
import { ShrinkError } from "../engine/errors.js";
import type { RunState, Stateful } from "../engine/state.js";
import { saveMasks, loadMasks, onesMasks } from "./mask-state.js";

export interface GmpOptions {
  initialSparsity: number;
  finalSparsity: number;
  /** Begin and end as fractions of the run. */
  begin: number;
  end: number;
  /** Steps between mask updates. */
  every: number;
  scope: Scope;
  /** N:M pattern every mask update keeps. */
  pattern?: Pattern | null;
  /** Channel scopes: the layers whose output channels are pruned (a sparsity s prunes the share s of the channels). */
  channels?: ChannelUnit[];
}

/** Ramp ends as steps: t_e is at most T − 1 (the last step), so --end 1 is reached. */
export function gmpRamp(T: number, o: GmpOptions): { tb: number; te: number } {
  const te = Math.min(Math.round(o.end * T), T - 1);
  return { tb: Math.min(Math.round(o.begin * T), te), te };
}

export function gmpSparsity(t: number, T: number, o: GmpOptions): number {
  const { tb, te } = gmpRamp(T, o);
  if (t >= te) return o.finalSparsity;
  if (t <= tb) return o.initialSparsity;
  const u = 1 - (t - tb) / (te - tb);
  return o.finalSparsity + (o.initialSparsity - o.finalSparsity) * (u * u * u); // multiplications round the same everywhere; ** need not
}

/** The ramp options, checked once for the CLI (before any work) and the class. */
export function checkGmpRamp(begin: number, end: number, every: number): void {
  if (!(begin >= 0 && begin < end && end <= 1)) throw new ShrinkError("E_ARG", `begin/end: ${begin}/${end} must be fractions of the run with 0 ≤ begin < end ≤ 1`);
  if (!Number.isInteger(every) || every < 1) throw new ShrinkError("E_ARG", `every: ${every} must be a positive integer number of steps`);
}

export class Gmp implements Optimizer, Stateful {
  private readonly e: Engine;
  private readonly masks: Map<Param, number>;
  private readonly inner: MaskedSgd;
  private readonly groups;
  private readonly T: number;
  readonly o: GmpOptions;
  private readonly channels: ChannelPruner | null;
  lastSparsity = 0;

  constructor(e: Engine, params: Param[], prunable: Param[], sgd: SgdOptions, totalSteps: number, o: GmpOptions) {
    if (!(o.finalSparsity > 0 && o.finalSparsity < 1)) throw new ShrinkError("E_ARG", `targetSparsity: ${o.finalSparsity} is not allowed (gmp's final sparsity, in (0, 1))`);
    checkGmpRamp(o.begin, o.end, o.every);
    this.e = e;
    this.o = o;
    this.T = totalSteps;
    this.masks = onesMasks(e, prunable);
    this.groups = scopeGroups(prunable, o.scope);
    this.channels = isChannelScope(o.scope) ? new ChannelPruner(e, o.channels ?? [], this.masks, o.scope === "channel-global") : null;
    this.inner = new MaskedSgd(e, params, this.masks, sgd);
  }

  step(lr: number, t: number): void {
    const { tb, te } = gmpRamp(this.T, this.o);
    if (t >= tb && t <= te && ((t - tb) % this.o.every === 0 || t === te)) this.updateMasks(t);
    this.inner.step(lr, t);
  }

  private updateMasks(t: number): void {
    const s = gmpSparsity(t, this.T, this.o);
    if (this.channels) this.channels.prune((alive, rows) => Math.floor(s * rows) - (rows - alive));
    else for (const g of this.groups) {
      const target = Math.floor(s * g.size);
      const zeros = g.size - keptCount(this.e, g, this.masks);
      if (target > zeros) pruneSmallest(this.e, g, this.masks, target - zeros);
    }
    if (this.o.pattern) projectMasks(this.e, this.masks, this.o.pattern);
    for (const [p, m] of this.masks) this.e.k.apply_mask(p.value.ptr, m, p.value.size);
    this.lastSparsity = s;
  }

  /** The masks so far, the momentum, and the last ramp value. */
  saveTo(s: RunState, key: string): void {
    saveMasks(this.e, s, `${key}.mask`, this.masks);
    this.inner.saveTo(s, `${key}.sgd`);
    s.set(`${key}.lastSparsity`, this.lastSparsity);
  }

  loadFrom(s: RunState, key: string): void {
    loadMasks(this.e, s, `${key}.mask`, this.masks);
    this.inner.loadFrom(s, `${key}.sgd`);
    this.lastSparsity = s.num(`${key}.lastSparsity`);
  }

  free(): void {
    this.inner.free();
    for (const m of this.masks.values()) this.e.free(m);
    this.masks.clear();
  }
}
