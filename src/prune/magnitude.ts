// The magnitude baseline: dense training, then global one-shot magnitude
// pruning of all prunable weights to a target sparsity (the c smallest |w|
// across the tensors, exact selection in wasm), then fine-tuning under the
// fixed mask with the learning-rate schedule rewound to its start (Renda et
// al., 2020: rewinding beats fine-tuning at a small fixed rate). Same total
// epochs as the pruning-during-training methods it is compared with.
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { LrSchedule } from "../optim/lr-schedules.js";
import { Sgd, type SgdOptions } from "../optim/sgd.js";
import { MaskedSgd } from "../optim/masked-sgd.js";
import { scopeGroups, pruneSmallest } from "./scopes.js";
import { projectMasks, type Pattern } from "./pattern.js";
import { ShrinkError } from "../engine/errors.js";
import type { RunState, Stateful } from "../engine/state.js";
import { saveMasks, loadMasks, onesMasks } from "./mask-state.js";

export class MagnitudeOneShot implements Optimizer, Stateful {
  private readonly e: Engine;
  private readonly params: Param[];
  private readonly prunable: Param[];
  private readonly o: SgdOptions;
  private masks = new Map<Param, number>();
  private dense: Sgd | null;
  private masked: MaskedSgd | null = null;
  readonly pruneStep: number;
  readonly sparsity: number;

  private readonly pattern: Pattern | null;

  constructor(e: Engine, params: Param[], prunable: Param[], o: SgdOptions, pruneStep: number, sparsity: number, pattern: Pattern | null = null) {
    this.pattern = pattern;
    if (!(sparsity > 0 && sparsity < 1)) throw new ShrinkError("E_ARG", `targetSparsity: ${sparsity} must be in (0, 1) for method magnitude`);
    this.e = e;
    this.o = o;
    this.params = params;
    this.prunable = prunable;
    this.pruneStep = pruneStep;
    this.sparsity = sparsity;
    this.dense = new Sgd(e, params, o);
  }

  step(lr: number, t: number): void {
    if (t === this.pruneStep && !this.masked) this.prune();
    (this.masked ?? this.dense!).step(lr, t);
  }

  /** Global scope: one vector of all prunable |w|; prune the c smallest. */
  private prune(): void {
    this.masks = onesMasks(this.e, this.prunable);
    const g = scopeGroups(this.prunable, "global")[0];
    pruneSmallest(this.e, g, this.masks, Math.round(this.sparsity * g.size));
    if (this.pattern) projectMasks(this.e, this.masks, this.pattern);
    for (const [p, m] of this.masks) this.e.k.apply_mask(p.value.ptr, m, p.value.size);
    this.startMasked();
  }

  // Fresh momentum: the rewound schedule restarts training under the mask.
  private startMasked(): void {
    this.dense!.free();
    this.dense = null;
    this.masked = new MaskedSgd(this.e, this.params, this.masks, this.o);
  }

  /** Before the pruning step: the dense SGD; after: the mask and the masked SGD. */
  saveTo(s: RunState, key: string): void {
    s.set(`${key}.pruned`, this.masked !== null);
    if (this.masked) {
      saveMasks(this.e, s, `${key}.mask`, this.masks);
      this.masked.saveTo(s, `${key}.sgd`);
    } else this.dense!.saveTo(s, `${key}.sgd`);
  }

  loadFrom(s: RunState, key: string): void {
    if (s.bool(`${key}.pruned`)) {
      if (!this.masked) {
        this.masks = onesMasks(this.e, this.prunable);
        this.startMasked();
      }
      loadMasks(this.e, s, `${key}.mask`, this.masks);
      this.masked!.loadFrom(s, `${key}.sgd`);
    } else this.dense!.loadFrom(s, `${key}.sgd`);
  }

  free(): void {
    this.dense?.free();
    this.masked?.free();
    for (const m of this.masks.values()) this.e.free(m);
    this.masks.clear();
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
