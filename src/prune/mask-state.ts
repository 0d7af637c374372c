// Masks (u8, 1 = kept) in a run's state, by the name of the tensor they mask.
import type { Engine } from "../engine/engine.js";
import type { RunState } from "../engine/state.js";
import type { Param } from "../nn/layer.js";

export function saveMasks(e: Engine, s: RunState, key: string, masks: Map<Param, number>): void {
  for (const [p, m] of masks) s.saveWasm(e, `${key}.${p.name}`, m, p.value.size, "U8");
}

export function loadMasks(e: Engine, s: RunState, key: string, masks: Map<Param, number>): void {
  for (const [p, m] of masks) s.loadWasm(e, `${key}.${p.name}`, m, p.value.size, "U8");
}

/** Fresh all-ones masks for `params`. */
export function onesMasks(e: Engine, params: Param[]): Map<Param, number> {
  const masks = new Map<Param, number>();
  for (const p of params) {
    const m = e.alloc(p.value.size, "u8");
    e.u8(m, p.value.size).fill(1);
    masks.set(p, m);
  }
  return masks;
}
