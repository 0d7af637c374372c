// Channel pruning (--scope channel | channel-global): whole output channels
// (a conv's filters, a linear layer's neurons) are pruned, smallest group norm
// first (the L2 norm of the channel's kept weights). channel-global ranks all
// layers' channels together, each channel's squared norm divided by its
// layer's mean over the remaining channels (initialisation scales a layer's
// weights by its fan-in, so raw norms would empty the widest layer first), and
// never takes a layer's last channel. With the channel go its bias and the batch norm's
// γ and β that follow it, so a pruned channel's activation is exactly zero and
// `shrink slim` can remove it. The last layer (its outputs are the classes) is
// never channel-pruned. Kernels: assembly/kernels/sparse/channels.ts.
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";
import type { Param } from "../nn/layer.js";
import { subPlans, type LayerPlan } from "../nn/plan.js";

export interface ChannelUnit {
  weight: Param;
  rows: number;
  cols: number;
  /** One entry per output channel: the layer's bias, the following batch norm's weight and bias. */
  coupled: Param[];
}

/** Conv and linear weights with what follows them in the plan; the model's last layer is left out. */
export function channelUnits(plan: LayerPlan[], prunable: Param[], params: Param[]): ChannelUnit[] {
  const byName = new Map(params.map((p) => [p.name, p]));
  const follows = new Map<string, string>(); // layer → the batch norm right after it
  const order: string[] = [];
  const walk = (list: LayerPlan[]) => list.forEach((p, i) => {
    if (p.op === "conv" || p.op === "linear") {
      order.push(p.name);
      const n = list[i + 1];
      if (n?.op === "bn") follows.set(p.name, n.name);
    }
    subPlans(p).forEach(walk);
  });
  walk(plan);
  const last = order[order.length - 1];
  const pruned = new Set(prunable);
  return order.filter((n) => n !== last).flatMap((layer): ChannelUnit[] => {
    const w = byName.get(`${layer}.weight`);
    if (!w || !pruned.has(w)) return [];
    const rows = w.value.shape[0];
    const bn = follows.get(layer);
    const coupled = [`${layer}.bias`, ...(bn ? [`${bn}.weight`, `${bn}.bias`] : [])].map((n) => byName.get(n)).filter((p): p is Param => p !== undefined);
    return [{ weight: w, rows, cols: w.value.size / rows, coupled }];
  });
}

/** Row masks over the units' weights, driving their element masks and the coupled parameters' masks. */
export class ChannelPruner {
  private readonly e: Engine;
  private readonly units: ChannelUnit[];
  private readonly masks: Map<Param, number>;
  private readonly global: boolean;

  /** masks: the element masks of the weights (kept as they are); masks for the coupled parameters are added. */
  constructor(e: Engine, units: ChannelUnit[], masks: Map<Param, number>, global: boolean) {
    if (units.length === 0) throw new ShrinkError("E_ARG", "scope: channel pruning needs a prunable conv or linear layer before the last one");
    this.e = e;
    this.units = units;
    this.masks = masks;
    this.global = global;
    for (const u of units) {
      for (const p of u.coupled) {
        if (masks.has(p)) continue;
        const m = e.alloc(p.value.size, "u8");
        e.u8(m, p.value.size).fill(1);
        masks.set(p, m);
      }
    }
  }

  /** Channels kept per unit (1 = alive), from the element masks. */
  private rowMasks(): number[] {
    return this.units.map((u) => {
      const rm = this.e.alloc(u.rows, "u8");
      this.e.k.rows_alive(this.masks.get(u.weight)!, u.rows, u.cols, rm);
      return rm;
    });
  }

  /** Prunes `count(alive, rows)` more channels per unit, or `count(aliveAll, rowsAll)` over all units together; returns channels pruned. */
  prune(count: (alive: number, rows: number) => number): number {
    const e = this.e, k = e.k;
    const rms = this.rowMasks();
    let pruned = 0;
    try {
      if (!this.global) {
        this.units.forEach((u, i) => {
          const alive = k.mask_count(rms[i], u.rows);
          const c = Math.max(0, Math.min(alive, count(alive, u.rows)));
          if (c === 0) return;
          const norms = e.alloc(u.rows), scratch = e.alloc(Math.max(1, k.select_scratch_bytes(u.rows)), "u8");
          k.row_sumsq(u.weight.value.ptr, this.masks.get(u.weight)!, u.rows, u.cols, norms);
          k.select_smallest_abs(norms, u.rows, c, rms[i], rms[i], scratch);
          e.free(norms);
          e.free(scratch);
          pruned += c;
        });
      } else {
        const total = this.units.reduce((s, u) => s + u.rows, 0);
        const norms = e.alloc(total), all = e.alloc(total, "u8"), scratch = e.alloc(Math.max(1, k.select_scratch_bytes(total)), "u8");
        let off = 0;
        this.units.forEach((u, i) => {
          const seg = norms + 4 * off;
          k.row_sumsq(u.weight.value.ptr, this.masks.get(u.weight)!, u.rows, u.cols, seg);
          const alive = k.mask_count(rms[i], u.rows), total = k.sum(seg, u.rows);
          if (alive > 0 && total > 0) k.scale_f32(seg, u.rows, alive / total); // relative to the layer's mean
          // The layer's strongest remaining channel is never a candidate.
          const v = e.f32(seg, u.rows), live = e.u8(rms[i], u.rows);
          let best = -1;
          for (let r = 0; r < u.rows; r++) if (live[r] && (best < 0 || v[r] > v[best])) best = r;
          if (best >= 0) v[best] = 3.4028234663852886e38;
          k.copy_u8(all + off, rms[i], u.rows);
          off += u.rows;
        });
        const alive = k.mask_count(all, total);
        const c = Math.max(0, Math.min(alive - this.units.length, count(alive, total)));
        k.select_smallest_abs(norms, total, c, all, all, scratch);
        off = 0;
        this.units.forEach((u, i) => {
          k.copy_u8(rms[i], all + off, u.rows);
          off += u.rows;
        });
        e.free(norms);
        e.free(all);
        e.free(scratch);
        pruned = c;
      }
      this.units.forEach((u, i) => {
        k.mask_rows(this.masks.get(u.weight)!, u.rows, u.cols, rms[i]);
        for (const p of u.coupled) k.copy_u8(this.masks.get(p)!, rms[i], u.rows);
      });
    } finally {
      for (const rm of rms) e.free(rm);
    }
    return pruned;
  }
}
