// The Gini index (Hurley & Rickard) of the remaining entries, per tensor,
// per row (neuron scope) and over several tensors (global scope):
//   G(c) = 1 − 2·Σ_k (c_(k)/‖c‖₁)·((N − k + ½)/N),  c_(1) ≤ … ≤ c_(N) = |w| sorted
// The numerics live in wasm (assembly/kernels/gini.ts).
import type { Engine } from "../../engine/engine.js";
import { REASON_EMPTY, REASON_ZERO, REASON_NONFINITE, maskPtr, checkVector, reasonOf, result, rowShape, rowResults, type VectorRef, type MaskRef, type IndexResult, type RowShape, type ScopeTensor } from "./vector.js";

/** Layer scope: the Gini index (Hurley & Rickard) of the remaining |x|. */
export function giniIndex(e: Engine, x: VectorRef, o: { mask?: MaskRef } = {}): IndexResult {
  checkVector(x, "giniIndex");
  const n = x.size;
  const mask = maskPtr(o.mask, n, "giniIndex");
  const d = e.k.remaining_count(mask, n);
  if (d === 0) return { value: null, reason: REASON_EMPTY, d };
  const scratch = e.alloc(2 * n, "i32"); // gini_scratch_bytes(n) = 8n
  try {
    const v = e.k.gini(x.ptr, mask, n, scratch);
    return result(v, d, () => reasonOf(e, x.ptr, mask, n, d));
  } finally {
    e.free(scratch);
  }
}

/** Neuron scope: the Gini index of each row of a row-major [rows, cols] weight. */
export function giniIndexRows(e: Engine, x: VectorRef, o: { mask?: MaskRef } & RowShape = {}): IndexResult[] {
  checkVector(x, "giniIndexRows");
  const { rows, cols } = rowShape(x, o, "giniIndexRows");
  const mask = maskPtr(o.mask, x.size, "giniIndexRows");
  const scratch = e.alloc(2 * cols, "i32");
  try {
    return rowResults(e, x.ptr, mask, rows, cols, (out) => e.k.gini_rows(x.ptr, mask, rows, cols, scratch, out));
  } finally {
    e.free(scratch);
  }
}

/**
 * Global scope: the Gini index of every tensor's remaining entries as one
 * vector. The sort needs them together: each tensor appends its magnitude keys
 * (abs_keys) to one buffer, which is radix-sorted once (no f32 copy).
 */
export function giniIndexGlobal(e: Engine, tensors: readonly ScopeTensor[]): IndexResult {
  const masks = tensors.map((t, i) => {
    checkVector(t, `giniIndexGlobal[${i}]`);
    return maskPtr(t.mask, t.size, `giniIndexGlobal[${i}]`);
  });
  const d = tensors.reduce((s, t, i) => s + e.k.remaining_count(masks[i], t.size), 0);
  if (d === 0) return { value: null, reason: REASON_EMPTY, d };
  const keys = e.alloc(2 * d, "i32"); // d keys + the sort's ping-pong buffer
  try {
    let m = 0;
    tensors.forEach((t, i) => {
      m += e.k.abs_keys(t.ptr, masks[i], t.size, keys + 4 * m);
    });
    e.k.radix_sort_u32(keys, m, keys + 4 * m);
    const v = e.k.gini_sorted_keys(keys, m);
    return result(v, d, () => (e.i32(keys + 4 * (m - 1), 1)[0] === 0 ? REASON_ZERO : REASON_NONFINITE));
  } finally {
    e.free(keys);
  }
}

