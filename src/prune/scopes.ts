// Pruning scopes (PQI paper, Section 4.1): "global" gathers all prunable
// weights into one vector, "layer" treats each weight tensor on its own,
// "neuron" each output row of a linear layer (its fan-in). A group is a list
// of segments of tensors; selection and indices run per group.
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import { ShrinkError } from "../engine/errors.js";

export const SCOPES = ["global", "layer", "neuron", "channel", "channel-global"] as const;
export type Scope = (typeof SCOPES)[number];

/** Whole output channels (channels.ts) instead of single weights: per layer, or ranked across layers. */
export const isChannelScope = (s: Scope) => s === "channel" || s === "channel-global";

export interface Segment {
  param: Param;
  /** Element offset and length inside the tensor. */
  offset: number;
  length: number;
}

export interface Group {
  name: string;
  segments: Segment[];
  size: number;
}

export function scopeGroups(params: Param[], scope: Scope): Group[] {
  if (!(SCOPES as readonly string[]).includes(scope)) throw new ShrinkError("E_ARG", `scope: unknown scope "${scope}" (allowed: ${SCOPES.join(", ")})`);
  if (scope === "global") {
    return [{ name: "global", segments: params.map((p) => ({ param: p, offset: 0, length: p.value.size })), size: params.reduce((s, p) => s + p.value.size, 0) }];
  }
  // Channel scopes select channels (channels.ts); their weight-level groups, for the indices, are the layers.
  if (scope === "layer" || isChannelScope(scope)) return params.map((p) => ({ name: p.name, segments: [{ param: p, offset: 0, length: p.value.size }], size: p.value.size }));
  return params.flatMap((p) => {
    const [rows, cols] = [p.value.shape[0], p.value.size / p.value.shape[0]];
    return Array.from({ length: rows }, (_, r) => ({ name: `${p.name}[${r}]`, segments: [{ param: p, offset: r * cols, length: cols }], size: cols }));
  });
}

/**
 * Prunes the c smallest-magnitude kept entries of a group (exact selection in
 * wasm, ties to the lower index, global order = tensor order then index).
 * masks: u8 mask per param (1 = kept), updated in place. Returns how many
 * entries were pruned.
 */
export function pruneSmallest(e: Engine, g: Group, masks: Map<Param, number>, c: number, rank?: Map<Param, number>): number {
  if (c <= 0) return 0;
  const k = e.k;
  const src = (p: Param) => rank?.get(p) ?? p.value.ptr;
  if (g.segments.length === 1) {
    const s = g.segments[0];
    const m = masks.get(s.param)! + s.offset;
    const before = k.mask_count(m, s.length);
    const scratch = e.alloc(Math.max(1, k.select_scratch_bytes(s.length)), "u8");
    k.select_smallest_abs(src(s.param) + 4 * s.offset, s.length, c, m, m, scratch);
    e.free(scratch);
    return before - k.mask_count(m, s.length);
  }
  // A multi-tensor group: gather values and masks into one vector, select, scatter the mask back.
  const x = e.alloc(g.size), mask = e.alloc(g.size, "u8"), scratch = e.alloc(Math.max(1, k.select_scratch_bytes(g.size)), "u8");
  let off = 0;
  for (const s of g.segments) {
    k.copy_f32(x + 4 * off, src(s.param) + 4 * s.offset, s.length);
    e.u8(mask + off, s.length).set(e.u8(masks.get(s.param)! + s.offset, s.length));
    off += s.length;
  }
  const before = k.mask_count(mask, g.size);
  k.select_smallest_abs(x, g.size, c, mask, mask, scratch);
  const pruned = before - k.mask_count(mask, g.size);
  off = 0;
  for (const s of g.segments) {
    e.u8(masks.get(s.param)! + s.offset, s.length).set(e.u8(mask + off, s.length));
    off += s.length;
  }
  e.free(x);
  e.free(mask);
  e.free(scratch);
  return pruned;
}

/** Kept entries of a group under the masks. */
export function keptCount(e: Engine, g: Group, masks: Map<Param, number>): number {
  return g.segments.reduce((n, s) => n + e.k.mask_count(masks.get(s.param)! + s.offset, s.length), 0);
}

/** One mask per tensor marking its nonzero entries (1 = kept); the caller frees them (e.free). */
export function nonzeroMasks(e: Engine, params: Param[]): Map<Param, number> {
  const masks = new Map<Param, number>();
  for (const p of params) {
    const m = e.alloc(p.value.size, "u8");
    e.k.mask_from_nonzero(p.value.ptr, m, p.value.size);
    masks.set(p, m);
  }
  return masks;
}
