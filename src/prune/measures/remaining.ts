// The remaining entries of several tensors as one vector.
import type { Engine } from "../../engine/engine.js";
import { maskPtr, checkVector, type ScopeTensor } from "./vector.js";

/**
 * Global scope as a vector: the remaining entries of every tensor (signs kept,
 * tensor order, then index order) copied into one new f32 buffer allocated with
 * e.alloc. The caller owns it: release with e.free(ptr). size = Σ d.
 */
export function concatRemaining(e: Engine, tensors: readonly ScopeTensor[]): { ptr: number; size: number } {
  const masks = tensors.map((t, i) => {
    checkVector(t, `concatRemaining[${i}]`);
    return maskPtr(t.mask, t.size, `concatRemaining[${i}]`);
  });
  const size = tensors.reduce((s, t, i) => s + e.k.remaining_count(masks[i], t.size), 0);
  const ptr = e.alloc(size);
  let off = 0;
  tensors.forEach((t, i) => {
    off += e.k.compact_remaining(ptr + 4 * off, t.ptr, masks[i], t.size);
  });
  return { ptr, size };
}

