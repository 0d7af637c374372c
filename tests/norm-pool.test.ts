// Central-difference checks of batch norm (training mode: batch statistics,
// so dx carries the statistics' own gradient; evaluation mode: the affine map
// of the running statistics), max pooling (inputs spaced apart so no
// perturbation changes an argmax), average pooling with padding, and global
// average pooling. The loss is L = Σ G·y for a fixed random G.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Engine } from "../src/engine/engine.ts";
import type { Layer } from "../src/nn/layer.ts";
import { BatchNorm2d } from "../src/nn/batchnorm.ts";
import { Pool2d, GlobalAvgPool } from "../src/nn/pool.ts";
import { pool, type Shape } from "../src/nn/plan.ts";
import { engine, tensorFrom, lcg, uniformArray, dot } from "./helpers/engine.ts";
import { gradCheck } from "./helpers/gradcheck.ts";

function check(e: Engine, layer: Layer, rows: number, x0: Float32Array, rand: () => number, extra: (loss: () => number) => void = () => {}) {
  const x = tensorFrom(e, [rows, layer.inFeatures], x0);
  const G = uniformArray(rand, rows * layer.outFeatures);
  const dy = tensorFrom(e, [rows, layer.outFeatures], G);
  try {
    const loss = () => dot(G, e.f32(layer.forward(x.ptr, rows), rows * layer.outFeatures));
    loss();
    const dx = e.f32(layer.backward(dy.ptr, rows, true), rows * layer.inFeatures).slice();
    const r = gradCheck("dx", () => x.view(), dx, loss, 1e-3, 1e-3);
    assert.equal(r.checked, dx.length);
    assert.ok(dx.some((v) => Math.abs(v) > 1e-2), "dx is not trivially zero");
    extra(loss);
  } finally {
    x.free();
    dy.free();
  }
}

for (const training of [true, false]) {
  test(`BatchNorm2d, ${training ? "training (batch statistics)" : "evaluation (running statistics)"}: dx, dγ, dβ match central differences`, async () => {
    const e = await engine();
    const rand = lcg(training ? 21 : 22);
    const shape: Shape = [3, 3, 5];
    const rows = 4;
    const bn = new BatchNorm2d(e, "bn", shape, rows);
    try {
      bn.weight.set(uniformArray(rand, 3, 0.5, 1.5));
      bn.bias.set(uniformArray(rand, 3, -0.5, 0.5));
      bn.runningMean.set(uniformArray(rand, 3, -0.3, 0.3));
      bn.runningVar.set(uniformArray(rand, 3, 0.5, 2));
      bn.setTraining(training);
      check(e, bn, rows, uniformArray(rand, rows * 45, -2, 2), rand, (loss) => {
        const [gW, gB] = bn.params().map((p) => p.grad.toArray());
        gradCheck("dγ", () => bn.weight.view(), gW, loss, 1e-3, 1e-3);
        gradCheck("dβ", () => bn.bias.view(), gB, loss, 1e-3, 1e-3);
      });
      if (training) {
        // Σ dx = 0 per channel: shifting a channel's inputs changes nothing after normalisation.
        const G = uniformArray(lcg(5), rows * 45);
        const x = tensorFrom(e, [rows, 45], uniformArray(lcg(6), rows * 45));
        const dy = tensorFrom(e, [rows, 45], G);
        bn.forward(x.ptr, rows);
        const dx = e.f32(bn.backward(dy.ptr, rows, true), rows * 45);
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let r = 0; r < rows; r++) for (let i = 0; i < 15; i++) s += dx[r * 45 + c * 15 + i];
          assert.ok(Math.abs(s) < 1e-5, `channel ${c}: Σ dx = ${s}`);
        }
        x.free();
        dy.free();
      }
    } finally {
      bn.free();
    }
  });
}

/** Distinct values spaced 0.05 apart in random order (no ties, no argmax flips under ±1e-3). */
function spaced(rand: () => number, n: number): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

const POOLS: [string, "maxpool" | "avgpool", Shape, number, number, number][] = [
  ["max 2×2 stride 2 (the fast path), odd size", "maxpool", [2, 7, 9], 2, 2, 0],
  ["max 3×3 stride 2 padding 1", "maxpool", [3, 6, 5], 3, 2, 1],
  ["average 2×2 stride 2", "avgpool", [2, 6, 7], 2, 2, 0],
  ["average 3×3 stride 2 padding 1 (padding counted)", "avgpool", [2, 7, 5], 3, 2, 1],
];

for (const [what, op, shape, k, s, p] of POOLS) {
  test(`Pool2d ${what}: dx matches central differences`, async () => {
    const e = await engine();
    const rand = lcg(31);
    const rows = 2;
    const layer = new Pool2d(e, pool(op, "pool", shape, k, s, p), rows);
    try {
      check(e, layer, rows, spaced(rand, rows * layer.inFeatures), rand);
    } finally {
      layer.free();
    }
  });
}

test("GlobalAvgPool: y = mean over H×W, dx = dy/(H·W), matching central differences", async () => {
  const e = await engine();
  const rand = lcg(41);
  const rows = 3, shape: Shape = [4, 3, 5];
  const layer = new GlobalAvgPool(e, "gap", shape, rows);
  try {
    const x0 = uniformArray(rand, rows * 60);
    check(e, layer, rows, x0, rand);
    const x = tensorFrom(e, [rows, 60], x0);
    const y = e.f32(layer.forward(x.ptr, rows), rows * 4);
    for (let r = 0; r < rows; r++) for (let c = 0; c < 4; c++) {
      let m = 0;
      for (let i = 0; i < 15; i++) m += x0[r * 60 + c * 15 + i];
      assert.ok(Math.abs(y[r * 4 + c] - m / 15) < 1e-6);
    }
    x.free();
  } finally {
    layer.free();
  }
});

// Batch norm's stated summation order (assembly/kernels/batchnorm.ts): each
// plane's 4-wide body into f64 lanes i % 4, ((a0 + a1) + (a2 + a3)) + tail,
// and the channel's total adding the planes in sample order. Values of ±2^60
// beside 1 make any other grouping visible after rounding to f32: adding a
// pair of planes as one sum, or a pair in the other order, or the lanes in
// another association, each changes the mean or Σ dy from the model's.
test("BatchNorm2d sums in its stated order: plane lanes, then planes in sample order (bit for bit against a model)", async () => {
  const e = await engine();
  const n = 5, c = 2, hw = 6, N = n * hw, big = 2 ** 60;
  const planeSum = (v: number[]) => {
    const a = [0, 0, 0, 0];
    const body = hw & ~3;
    for (let i = 0; i < body; i++) a[i % 4] += v[i];
    let t = 0;
    for (let i = body; i < hw; i++) t += v[i];
    return ((a[0] + a[1]) + (a[2] + a[3])) + t;
  };
  // Plane (s, ch). Channel 0: plane totals 2^60, 1, −2^60, 1, 0, whose sum is
  // 1 in sample order, 0 pairwise or reversed. Channel 1: planes whose lanes
  // give 0 + 3 (each 1 absorbed by its ±2^60), 4 summed left to right.
  const plane = (s: number, ch: number): number[] => {
    if (ch === 0) return [[big, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0], [-big, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0]][s];
    const lead = (s & 1 ? -1 : 1) * big;
    return [lead, 1, -lead, 1, 0, 3];
  };
  const xs = new Float32Array(n * c * hw), dys = new Float32Array(n * c * hw);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) {
    const p = plane(s, ch), q = plane(s, 1 - ch);
    for (let i = 0; i < hw; i++) { xs[(s * c + ch) * hw + i] = p[i]; dys[(s * c + ch) * hw + i] = q[i]; }
  }
  const f = (k: number) => e.alloc(k);
  const x = f(xs.length), y = f(xs.length), dy = f(xs.length), dx = f(xs.length);
  const g = f(c), b = f(c), rm = f(c), rv = f(c), sm = f(c), si = f(c), dg = f(c), db = f(c);
  try {
    e.f32(x, xs.length).set(xs); e.f32(dy, dys.length).set(dys);
    e.f32(g, c).fill(1); e.f32(rv, c).fill(1);
    e.k.bn_forward_train(x, n, c, hw, g, b, 1e-5, 0.1, rm, rv, sm, si, y);
    e.k.bn_backward(dy, x, n, c, hw, g, sm, si, dg, db, dx);
    const mean = e.f32(sm, c).slice(), invstd = e.f32(si, c).slice(), dgamma = e.f32(dg, c).slice(), dbeta = e.f32(db, c).slice();
    for (let ch = 0; ch < c; ch++) {
      const planes = (buf: Float32Array, map: (v: number, i: number, s: number) => number) => {
        let tot = 0;
        for (let s = 0; s < n; s++) tot += planeSum(Array.from({ length: hw }, (_, i) => map(buf[(s * c + ch) * hw + i], i, s)));
        return tot;
      };
      const m = planes(xs, (v) => v) / N;
      assert.equal(mean[ch], Math.fround(m), `channel ${ch}: mean`);
      const m32 = mean[ch], r = invstd[ch];
      assert.equal(dbeta[ch], Math.fround(planes(dys, (v) => v)), `channel ${ch}: Σ dy`);
      const sdx = planes(dys, (v, i, s) => v * (xs[(s * c + ch) * hw + i] - m32));
      assert.equal(dgamma[ch], Math.fround(sdx * r), `channel ${ch}: Σ dy·(x − m)·r`);
    }
    // The data do exercise the order: summing the planes in reverse changes the mean.
    let rev = 0;
    for (let s = n - 1; s >= 0; s--) rev += planeSum(Array.from({ length: hw }, (_, i) => xs[(s * c) * hw + i]));
    assert.notEqual(Math.fround(rev / N), mean[0], "the reversed order gives another mean");
  } finally {
    for (const p of [x, y, dy, dx, g, b, rm, rv, sm, si, dg, db]) e.free(p);
  }
});
