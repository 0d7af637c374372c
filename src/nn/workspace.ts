// Scratch memory shared by the layers of one model: im2col columns and chunk
// buffers are needed only inside one layer's forward or backward call, so all
// conv layers reuse the same slots. A slot grows (free + alloc) to the largest
// request; callers fetch the pointer on every call, never cache it.
import type { Engine } from "../engine/engine.js";

/** Floats a model may hold in kept im2col columns (512 MB): cnn at batch 250 needs 49 M. */
export const KEEP_BUDGET_FLOATS = 128 * 1048576;

export class Workspace {
  private readonly e: Engine;
  private kept = 0;
  private readonly ptrs: number[] = [];
  private readonly sizes: number[] = [];

  private readonly keepBudget: number;

  constructor(e: Engine, keepBudgetFloats = KEEP_BUDGET_FLOATS) {
    this.e = e;
    this.keepBudget = keepBudgetFloats;
  }

  /** Pointer to at least `floats` f32 of scratch in slot `slot`. */
  get(slot: number, floats: number): number {
    if ((this.sizes[slot] ?? 0) < floats) {
      if (this.ptrs[slot]) this.e.free(this.ptrs[slot]);
      this.ptrs[slot] = this.e.alloc(Math.max(floats, 1), "f32");
      this.sizes[slot] = floats;
    }
    return this.ptrs[slot];
  }

  /**
   * Whether a layer may keep `floats` of its own between forward and backward
   * (first come, first served within the budget).
   */
  grantKeep(floats: number): boolean {
    if (this.kept + floats > this.keepBudget) return false;
    this.kept += floats;
    return true;
  }

  /** Reserves sizes up front so the first training step does not grow memory. */
  reserve(slot: number, floats: number): void {
    this.get(slot, floats);
  }

  free(): void {
    for (const p of this.ptrs) if (p) this.e.free(p);
    this.ptrs.length = 0;
    this.sizes.length = 0;
  }
}
