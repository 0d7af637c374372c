// The magnitude baseline: dense training, then global one-shot magnitude
// pruning of all prunable weights to a target sparsity (the c smallest |w|
// across the tensors, exact selection in wasm), then fine-tuning under the
// fixed mask with the learning-rate schedule rewound to its start (Renda et
// al., 2020: rewinding beats fine-tuning at a small fixed rate). Same total
// epochs as the pruning-during-training methods it is compared with.
import type { Engine } from "../engine/engine";
import type { Param } from "../nn/layer";
import type { Optimizer } from "../train/trainer";
import type { LrSchedule } from "../train/lr-schedules";
import { Sgd, type SgdOptions } from "../optim/sgd";
import { ShrinkError } from "../io/errors";

export class MagnitudeOneShot implements Optimizer {
  private readonly e: Engine;
  private readonly dense: Sgd;
  private readonly rest: Sgd;
  private readonly prunable: Param[];
  private readonly o: SgdOptions;
  private masks: number[] = [];
  private bufs: number[] = [];
  private pruned = false;
  private firstMasked = true;
  readonly pruneStep: number;
  readonly sparsity: number;

  constructor(e: Engine, params: Param[], prunable: Param[], o: SgdOptions, pruneStep: number, sparsity: number) {
    if (!(sparsity > 0 && sparsity < 1)) throw new ShrinkError("E_ARG", `--target-sparsity: ${sparsity} must be in (0, 1) for --method magnitude`);
    this.e = e;
    this.o = o;
    this.prunable = prunable;
    this.pruneStep = pruneStep;
    this.sparsity = sparsity;
    this.dense = new Sgd(e, prunable, o);
    const names = new Set(prunable.map((p) => p.name));
    this.rest = new Sgd(e, params.filter((p) => !names.has(p.name)), o);
  }

  step(lr: number, t: number): void {
    this.rest.step(lr, t);
    if (t === this.pruneStep && !this.pruned) this.prune();
    if (!this.pruned) return this.dense.step(lr, t);
    const o = this.o;
    this.prunable.forEach((p, i) => {
      this.e.k.masked_sgd_step(p.value.ptr, p.grad.ptr, this.bufs[i], this.masks[i], p.value.size, lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, this.firstMasked ? 1 : 0);
    });
    this.firstMasked = false;
  }

  /** Global scope: one vector of all prunable |w|; prune the c smallest. */
  private prune(): void {
    const k = this.e.k;
    const total = this.prunable.reduce((s, p) => s + p.value.size, 0);
    const all = this.e.alloc(total);
    const mask = this.e.alloc(total, "u8");
    let off = 0;
    for (const p of this.prunable) {
      k.copy_f32(all + off * 4, p.value.ptr, p.value.size);
      off += p.value.size;
    }
    this.e.u8(mask, total).fill(1);
    const scratch = this.e.alloc(total * 2);
    k.select_smallest_abs(all, total, Math.round(this.sparsity * total), mask, mask, scratch);
    off = 0;
    for (const p of this.prunable) {
      const m = this.e.alloc(p.value.size, "u8");
      this.e.u8(m, p.value.size).set(this.e.u8(mask + off, p.value.size));
      k.apply_mask(p.value.ptr, m, p.value.size);
      this.masks.push(m);
      this.bufs.push(this.o.momentum !== 0 ? this.e.alloc(p.value.size) : 0);
      off += p.value.size;
    }
    this.e.free(all);
    this.e.free(mask);
    this.e.free(scratch);
    this.dense.free();
    this.pruned = true;
  }

  free(): void {
    if (!this.pruned) this.dense.free();
    this.rest.free();
    for (const m of this.masks) this.e.free(m);
    for (const b of this.bufs) if (b) this.e.free(b);
  }
}

/** A schedule that restarts at step P: base over [0, P), then rewound over [P, T). */
export function rewoundSchedule(first: LrSchedule, second: LrSchedule): LrSchedule {
  const P = first.totalSteps;
  return {
    spec: first.spec,
    totalSteps: P + second.totalSteps,
    warmupSteps: first.warmupSteps,
    at: (t: number) => (t < P ? first.at(t) : second.at(t - P)),
    shape: first.shape,
  };
}
