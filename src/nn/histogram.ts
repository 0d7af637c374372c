// The weight-magnitude histogram the studio draws with the threshold d(t):
// counts of |w| in equal bins over [0, maxAbs] (assembly/kernels/histogram.ts),
// summed over tensors, and the exact zeros apart.
import type { Engine } from "../engine/engine.js";
import type { Tensor } from "../engine/tensor.js";

export interface Histogram {
  /** Bin edges: bin b covers [b·maxAbs/bins, (b+1)·maxAbs/bins); the last also holds |w| ≥ maxAbs. */
  maxAbs: number;
  counts: number[];
  /** Exact zeros (pruned weights), not in any bin. */
  zeros: number;
}

/** max |x| over the tensors (assembly/kernels/pqi.ts remaining_max_abs, no mask). */
export function absMax(e: Engine, tensors: Tensor[]): number {
  let m = 0;
  for (const t of tensors) m = Math.max(m, e.k.remaining_max_abs(t.ptr, 0, t.size));
  return m;
}

/** `maxAbs` defaults to the largest |x| (bins then span the data). */
export function absHistogram(e: Engine, tensors: Tensor[], bins: number, maxAbs = absMax(e, tensors) || 1): Histogram {
  const out = e.alloc(bins + 1, "i32");
  const counts = new Array<number>(bins).fill(0);
  let zeros = 0;
  try {
    for (const t of tensors) {
      e.k.abs_histogram(t.ptr, t.size, bins, maxAbs, out);
      const c = e.i32(out, bins + 1);
      for (let b = 0; b < bins; b++) counts[b] += c[b];
      zeros += c[bins];
    }
  } finally {
    e.free(out);
  }
  return { maxAbs, counts, zeros };
}
