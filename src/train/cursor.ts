// Where a training loop stands, kept outside the loop so a run can stop at any
// step boundary and go on from a checkpoint: epoch, batch and step, the sums of
// the epoch so far, the epoch history and the shuffling stream. A fresh cursor
// starts a run; a loaded one continues it.
import type { Rng } from "../engine/rng.js";
import { isNumberArray, type RunState, type Stateful } from "../engine/state.js";
import { ShrinkError } from "../engine/errors.js";
import type { EpochEvent } from "./trainer.js";

/** A point between two steps where a run may checkpoint or pause. */
export interface GatePoint {
  /** "step": after an optimizer step; "epoch": after an epoch's evaluation and report; "iteration": after an iterative method's pruning. */
  kind: "step" | "epoch" | "iteration";
  /** Optimizer steps done in the current training loop (an iterative method's current iteration). */
  step: number;
  /** Epochs done in the current training loop. */
  epoch: number;
  /** Steps done over the whole run (every iteration's). */
  runStep: number;
}

export type Gate = (at: GatePoint) => void | Promise<void>;

export class TrainCursor implements Stateful {
  epoch = 0;
  /** Batches done in the current epoch. */
  batch = 0;
  step = 0;
  /** Whether the current epoch's order has been drawn. */
  shuffled = false;
  lossSum = 0;
  correct = 0;
  seen = 0;
  lr = 0;
  events: EpochEvent[] = [];
  /** The shuffling stream while the loop runs; its saved bytes between runs. */
  rng: Rng | null = null;
  rngState: Uint8Array | null = null;
  /** Names the checkpoint it was loaded from (null: fresh). */
  source: string | null = null;

  /**
   * A loaded cursor must be a position of this loop (`batches` a epoch, `epochs` in all):
   * step = epoch·batches + batch, one report per finished epoch; else the checkpoint is refused.
   */
  check(epochs: number, batches: number, source: string): void {
    const ok = this.epoch <= epochs && this.batch <= batches && this.step === this.epoch * batches + this.batch
      && this.events.length === this.epoch && (this.batch === 0 || this.shuffled) && this.correct <= this.seen;
    if (!ok) {
      throw new ShrinkError("E_CHECKPOINT", `${source}: the loop's position (epoch ${this.epoch}, batch ${this.batch}, step ${this.step}, ${this.events.length} epoch reports) is not one of a run of ${epochs} epochs of ${batches} batches`);
    }
  }

  get fresh(): boolean {
    return this.step === 0 && this.epoch === 0 && !this.shuffled;
  }

  saveTo(s: RunState, key: string): void {
    s.set(`${key}.position`, [this.epoch, this.batch, this.step, this.shuffled ? 1 : 0, this.correct, this.seen]);
    s.set(`${key}.sums`, [this.lossSum, this.lr]);
    s.set(`${key}.events`, this.events);
    const rng = this.rng?.saveState() ?? this.rngState;
    if (rng) s.saveBytes(`${key}.rng`, rng);
  }

  loadFrom(s: RunState, key: string): void {
    const p = s.ints(`${key}.position`, 6, 0, Number.MAX_SAFE_INTEGER);
    [this.epoch, this.batch, this.step] = p;
    if (p[3] > 1) throw s.inconsistent(`state "${key}.position": shuffled is ${p[3]} (0 or 1)`);
    this.shuffled = p[3] === 1;
    [this.correct, this.seen] = p.slice(4);
    [this.lossSum, this.lr] = s.get(`${key}.sums`, (v): v is number[] => isNumberArray(v) && v.length === 2, "2 numbers");
    this.events = s.get(`${key}.events`, (v): v is EpochEvent[] => Array.isArray(v), "a list of epoch reports");
    this.rngState = s.has(`${key}.rng`) ? s.loadBytes(`${key}.rng`, 16) : null;
    this.source = s.source;
  }
}
