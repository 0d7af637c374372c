// N:M patterns (--pattern N:M; 2:4 is what sparse tensor cores run): every M
// consecutive weights along a layer's input dimension keep at most N nonzeros.
// A linear weight [out, in] is grouped along in; a conv weight [O, C, kh, kw]
// along C at each kernel tap (NVIDIA's ASP and TFMOT group input channels).
// Mask-based methods intersect each mask they compute with the pattern (the
// N largest kept weights of each group stay); soft-threshold methods project
// the weights once at the end. A tensor whose grouped dimension is not a
// multiple of M (a first conv on 1 or 3 channels) is left as it is and
// reported so. Kernels: assembly/kernels/sparse/nm.ts.
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";
import type { Param } from "../nn/layer.js";
import { nonzeroMasks } from "./scopes.js";

export interface Pattern { n: number; m: number }

export function parsePattern(s: string): Pattern {
  const m = /^(\d+):(\d+)$/.exec(s.trim());
  const n = m ? Number(m[1]) : NaN, mm = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1 && n < mm && mm <= 32)) throw new ShrinkError("E_ARG", `pattern: ${JSON.stringify(s)} is not allowed (N:M with 1 ≤ N < M ≤ 32, e.g. 2:4)`);
  return { n, m: mm };
}

/** The [outer, groupdim, inner] view of a weight, or null when the pattern cannot tile it. */
export function patternView(p: Param, pat: Pattern): [number, number, number] | null {
  const s = p.value.shape;
  const view: [number, number, number] = s.length === 2 ? [s[0], s[1], 1] : s.length === 4 ? [s[0], s[1], s[2] * s[3]] : [0, 0, 0];
  return view[1] > 0 && view[1] % pat.m === 0 ? view : null;
}

/** Clears mask entries so every tileable tensor satisfies the pattern; returns how many were cleared. */
export function projectMasks(e: Engine, masks: Map<Param, number>, pat: Pattern): number {
  let cleared = 0;
  for (const [p, mask] of masks) {
    const v = patternView(p, pat);
    if (v) cleared += e.k.nm_project_mask(p.value.ptr, mask, v[0], v[1], v[2], pat.n, pat.m);
  }
  return cleared;
}

/** Zeroes weights so every tileable tensor satisfies the pattern (the soft-threshold methods' final projection). */
export function projectWeights(e: Engine, params: Param[], pat: Pattern): number {
  const masks = nonzeroMasks(e, params);
  try {
    const cleared = projectMasks(e, masks, pat);
    for (const [p, m] of masks) e.k.apply_mask(p.value.ptr, m, p.value.size);
    return cleared;
  } finally {
    for (const m of masks.values()) e.free(m);
  }
}

/** Whether a tensor satisfies the pattern: true, false, or null when the pattern cannot tile it. */
export function satisfiesPattern(e: Engine, p: Param, pat: Pattern): boolean | null {
  const v = patternView(p, pat);
  return v ? e.k.nm_violations(p.value.ptr, v[0], v[1], v[2], pat.n, pat.m) === 0 : null;
}
