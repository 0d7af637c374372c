// PQ Index and Gini index of a scope group (one or several tensor segments)
// over its remaining entries, from the wasm kernels in assembly/kernels/pqi.ts
// and gini.ts. A multi-tensor group (global scope) combines per-segment partial
// sums under one common scale (the largest remaining |w|), and concatenates
// magnitude keys for the Gini sort. Undefined indices are null, never NaN.
import type { Engine } from "../engine/engine";
import type { Param } from "../nn/layer";
import type { Group } from "./scopes";

const orNull = (x: number) => (Number.isFinite(x) ? x : null);

export function groupPqi(e: Engine, g: Group, masks: Map<Param, number> | null, p: number, q: number): number | null {
  const k = e.k;
  const mask = (s: Group["segments"][number]) => (masks?.get(s.param) ?? 0) && masks!.get(s.param)! + s.offset;
  if (g.segments.length === 1) {
    const s = g.segments[0];
    return orNull(k.pqi(s.param.value.ptr + 4 * s.offset, mask(s), s.length, p, q));
  }
  let scale = 0, d = 0;
  for (const s of g.segments) {
    scale = Math.max(scale, k.remaining_max_abs(s.param.value.ptr + 4 * s.offset, mask(s), s.length));
    d += mask(s) ? k.remaining_count(mask(s), s.length) : s.length;
  }
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  const out = e.alloc(4);
  let sp = 0, sq = 0;
  for (const s of g.segments) {
    k.pqi_sums(s.param.value.ptr + 4 * s.offset, mask(s), s.length, p, q, scale, out);
    const v = new Float64Array(e.memory.buffer, out, 2);
    sp += v[0];
    sq += v[1];
  }
  e.free(out);
  return orNull(k.pqi_from_sums(d, sp, sq, p, q));
}

export function groupGini(e: Engine, g: Group, masks: Map<Param, number> | null): number | null {
  const k = e.k;
  const mask = (s: Group["segments"][number]) => (masks?.get(s.param) ?? 0) && masks!.get(s.param)! + s.offset;
  const scratch = e.alloc(Math.max(1, Number(k.gini_scratch_bytes(g.size))), "u8");
  try {
    if (g.segments.length === 1) {
      const s = g.segments[0];
      return orNull(k.gini(s.param.value.ptr + 4 * s.offset, mask(s), s.length, scratch));
    }
    let m = 0;
    for (const s of g.segments) m += k.abs_keys(s.param.value.ptr + 4 * s.offset, mask(s), s.length, scratch + 4 * m);
    if (m === 0) return null;
    k.radix_sort_u32(scratch, m, scratch + 4 * m);
    return orNull(k.gini_sorted_keys(scratch, m));
  } finally {
    e.free(scratch);
  }
}

/** Theorem 2 (Eq. 2): the PQI-bound on the weights to retain (assembly/kernels/pqi.ts). */
export function pqiBound(e: Engine, d: number, I: number, p: number, q: number, etaR: number): number {
  return e.k.pqi_bound(d, I, p, q, etaR);
}
