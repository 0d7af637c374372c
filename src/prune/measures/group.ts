// PQ Index and Gini index of a scope group (one or several tensor segments)
// over its remaining entries: a thin adapter from scope groups to the index
// functions of ./pq-index and ./gini-index (which combine per-tensor partial sums for a global
// scope). Undefined indices are null.
import type { Engine } from "../../engine/engine.js";
import type { Param } from "../../nn/layer.js";
import type { Group } from "../scopes.js";
import { pqIndexGlobal } from "./pq-index.js";
import { giniIndexGlobal } from "./gini-index.js";
import type { ScopeTensor } from "./vector.js";

const segments = (g: Group, masks: Map<Param, number> | null): ScopeTensor[] =>
  g.segments.map((s) => ({ ptr: s.param.value.ptr + 4 * s.offset, size: s.length, mask: masks?.has(s.param) ? masks.get(s.param)! + s.offset : undefined }));

export function groupPqi(e: Engine, g: Group, masks: Map<Param, number> | null, p: number, q: number): number | null {
  return pqIndexGlobal(e, segments(g, masks), { p, q }).value;
}

export function groupGini(e: Engine, g: Group, masks: Map<Param, number> | null): number | null {
  return giniIndexGlobal(e, segments(g, masks)).value;
}
