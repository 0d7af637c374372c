// N:M patterns (src/prune/pattern.ts, assembly/kernels/sparse/nm.ts): the
// projection keeps the N largest kept weights of each group (a JS reference,
// ties to the lower index), conv groups run along input channels, and every
// method's final weights satisfy --pattern 2:4 exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor } from "../src/engine/tensor.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import type { Param } from "../src/nn/layer.ts";
import { parsePattern, projectMasks, satisfiesPattern, patternView } from "../src/prune/pattern.ts";
import { runPrune } from "../src/prune/run.ts";
import { runIterativePrune } from "../src/prune/run-iterative.ts";
import { engine, lcg, uniformArray } from "./helpers/engine.ts";
import { TRAIN, TEST, pruneConfig } from "./helpers/prune.ts";

const e = await engine();

/** JS reference: in each group of m along dim 1 of [outer, groupdim, inner], keep the n largest |w| among kept entries. */
function refProject(w: Float32Array, mask: Uint8Array, [outer, gd, inner]: number[], n: number, m: number): Uint8Array {
  const out = mask.slice();
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) for (let g = 0; g < gd; g += m) {
    const idx = Array.from({ length: m }, (_, j) => (o * gd + g + j) * inner + k).filter((i) => mask[i]);
    const keep = new Set([...idx].sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b).slice(0, n));
    for (const i of idx) if (!keep.has(i)) out[i] = 0;
  }
  return out;
}

test("nm_project_mask equals the reference on linear and conv shapes, with pre-pruned entries and ties", () => {
  const rand = lcg(7);
  for (const [shape, n, m] of [[[8, 16], 2, 4], [[6, 8, 3, 3], 2, 4], [[5, 12], 1, 3], [[4, 32], 3, 8]] as const) {
    const size = shape.reduce((a, b) => a * b, 1);
    const w = uniformArray(rand, size, -1, 1).map((v, i) => (i % 7 === 0 ? 0.5 : v)); // ties
    const t = new Tensor(e, [...shape]).set(w);
    const p: Param = { name: "w", value: t, grad: t, kind: "weight" };
    const pat = { n, m };
    const view = patternView(p, pat)!;
    const mask = e.alloc(size, "u8");
    const m0 = Uint8Array.from({ length: size }, (_, i) => (i % 5 === 3 ? 0 : 1));
    e.u8(mask, size).set(m0);
    projectMasks(e, new Map([[p, mask]]), pat);
    assert.deepEqual([...e.u8(mask, size)], [...refProject(w, m0, view, n, m)], `${shape} ${n}:${m}`);
    e.free(mask);
    t.free();
  }
});

test("parsePattern refuses what is not N:M with 1 ≤ N < M ≤ 32", () => {
  assert.deepEqual(parsePattern("2:4"), { n: 2, m: 4 });
  for (const bad of ["4:2", "0:4", "2:4:8", "2/4", "2:64", ""]) {
    assert.throws(() => parsePattern(bad), (err: unknown) => err instanceof ShrinkError && /^pattern: .* is not allowed \(N:M with 1 ≤ N < M ≤ 32/.test(err.message), bad);
  }
});

const weights = (params: Param[]) => params.filter((p) => p.kind === "weight");

for (const method of ["magnitude", "gmp", "slats"] as const) {
  test(`${method} --pattern 2:4: every weight tensor holds at most 2 nonzeros in each 4 consecutive inputs`, async () => {
    const run = await runPrune(e, pruneConfig({ method, pattern: "2:4", ...(method === "slats" ? { D: 1e-4 } : { targetSparsity: 0.5 }) }), TRAIN, TEST);
    try {
      for (const p of weights(run.model.params())) assert.equal(satisfiesPattern(e, p, { n: 2, m: 4 }), true, p.name);
      if (method === "slats") {
        assert.ok(run.projection && run.projection.cleared > 0, "the final projection zeroed weights");
        assert.equal(run.result.final.testAccuracy, run.projection!.accuracyAfter);
      } else {
        assert.equal(run.projection, null);
        assert.ok(run.sparsity >= 0.5);
      }
    } finally {
      run.dispose();
    }
  });
}

for (const method of ["sap", "lottery", "one-shot"] as const) {
  test(`${method} --pattern 2:4: the masks keep the pattern every iteration`, async () => {
    const run = await runIterativePrune(e, pruneConfig({ method, pattern: "2:4", iterations: 2, epochs: 1 }), TRAIN, TEST);
    try {
      for (const p of weights(run.model.params())) assert.equal(satisfiesPattern(e, p, { n: 2, m: 4 }), true, p.name);
      assert.ok(run.iterations[0].remainingAfter <= 0.5 + 1e-9, `2:4 prunes at least half: ${run.iterations[0].remainingAfter}`);
    } finally {
      run.dispose();
    }
  });
}
