// Conv2d against a naive direct convolution (forward, dW, dx) on awkward
// shapes covering every path of the wasm operator (im2col chunks of one and of
// many samples, the direct 1×1 GEMM, groups, the depthwise kernel, stride,
// padding, dilation, non-square kernels), and central-difference checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Engine } from "../src/engine/engine.ts";
import { Rng } from "../src/engine/rng.ts";
import { Conv2d, winogradTile, winogradThrees, winogradMixedProducts, type WinogradTile } from "../src/nn/conv2d.ts";
import { Workspace } from "../src/nn/workspace.ts";
import type { ConvPlan } from "../src/nn/plan.ts";
import { engine, tensorFrom, lcg, uniformArray, dot, assertAllClose } from "./helpers/engine.ts";
import { convRef, convGradRef, convPlanOf } from "./helpers/conv-ref.ts";
import { gradCheck } from "./helpers/gradcheck.ts";

interface Case { what: string; n: number; p: ConvPlan; winograd?: boolean; tile?: WinogradTile; chunkTiles?: number }

const CASES: Case[] = [
  { what: "3×3 s1 p1, odd sizes", n: 3, p: convPlanOf("c", [5, 7, 9], 6, [3, 3], { padding: [1, 1] }) },
  { what: "3×3 s2 p0", n: 2, p: convPlanOf("c", [4, 11, 6], 8, [3, 3], { stride: [2, 2] }) },
  { what: "3×3 s2 p1 (ResNet downsampling)", n: 2, p: convPlanOf("c", [3, 8, 8], 5, [3, 3], { stride: [2, 2], padding: [1, 1] }) },
  { what: "many samples per chunk (5×5 maps, 2 chunks)", n: 45, p: convPlanOf("c", [3, 5, 5], 4, [3, 3], { padding: [1, 1] }) },
  { what: "3×3 maps, cnn's last block", n: 7, p: convPlanOf("c", [6, 3, 3], 5, [3, 3], { padding: [1, 1] }) },
  { what: "1×1 s1 direct GEMM (one sample per chunk)", n: 2, p: convPlanOf("c", [7, 24, 25], 5, [1, 1]) },
  { what: "1×1 s1 on small maps (chunked)", n: 5, p: convPlanOf("c", [7, 4, 3], 9, [1, 1]) },
  { what: "1×1 s2 projection shortcut", n: 3, p: convPlanOf("c", [4, 9, 7], 6, [1, 1], { stride: [2, 2] }) },
  { what: "1×1 s2 on 16×16 outputs, 4 samples per chunk (each sample's output straight into y)", n: 6, p: convPlanOf("c", [5, 32, 32], 6, [1, 1], { stride: [2, 2] }) },
  { what: "3×3 s1 p1 on 13×13 outputs, 6 samples per chunk, groups 2 (sample by sample into y)", n: 7, p: convPlanOf("c", [4, 13, 13], 6, [3, 3], { padding: [1, 1], groups: 2 }) },
  { what: "groups 2", n: 2, p: convPlanOf("c", [6, 6, 5], 4, [3, 3], { padding: [1, 1], groups: 2 }) },
  { what: "depthwise 3×3 s1 p1", n: 3, p: convPlanOf("c", [5, 9, 7], 5, [3, 3], { padding: [1, 1], groups: 5 }) },
  { what: "depthwise 3×3 s2 p1", n: 2, p: convPlanOf("c", [4, 10, 9], 4, [3, 3], { stride: [2, 2], padding: [1, 1], groups: 4 }) },
  // Stride-2 input gradients on odd maps with padding 0 and 2: dy spread onto rows of either parity, rows wider than one 8-float spread.
  { what: "depthwise 3×3 s2 p0, odd sizes", n: 2, p: convPlanOf("c", [3, 11, 21], 3, [3, 3], { stride: [2, 2], groups: 3 }) },
  { what: "depthwise 3×3 s2 p2", n: 2, p: convPlanOf("c", [2, 9, 14], 2, [3, 3], { stride: [2, 2], padding: [2, 2], groups: 2 }) },
  // MobileNet's small maps (a plane is one or four 4-wide rows, the weight gradient's dy rows padded to 4), and a
  // stride (1, 2) that takes the row-partial weight gradient instead of the padded planes.
  { what: "depthwise 3×3 s1 p1, 2×2 maps", n: 5, p: convPlanOf("c", [6, 2, 2], 6, [3, 3], { padding: [1, 1], groups: 6 }) },
  { what: "depthwise 3×3 s1 p1, 4×4 maps", n: 3, p: convPlanOf("c", [5, 4, 4], 5, [3, 3], { padding: [1, 1], groups: 5 }) },
  { what: "depthwise 3×3 s2 p1, 4×4 maps", n: 3, p: convPlanOf("c", [4, 4, 4], 4, [3, 3], { stride: [2, 2], padding: [1, 1], groups: 4 }) },
  { what: "depthwise 3×3 s1 p1, 8×8 maps (row pairs)", n: 2, p: convPlanOf("c", [3, 8, 8], 3, [3, 3], { padding: [1, 1], groups: 3 }) },
  { what: "depthwise 3×3 s2 p1, 8×8 maps (row pairs)", n: 2, p: convPlanOf("c", [3, 8, 8], 3, [3, 3], { stride: [2, 2], padding: [1, 1], groups: 3 }) },
  { what: "depthwise 3×3 s2 p1, 14×16 maps (row pairs, an odd row count)", n: 2, p: convPlanOf("c", [2, 14, 16], 2, [3, 3], { stride: [2, 2], padding: [1, 1], groups: 2 }) },
  { what: "depthwise 3×3 stride (1, 2) p1", n: 2, p: convPlanOf("c", [3, 7, 10], 3, [3, 3], { stride: [1, 2], padding: [1, 1], groups: 3 }) },
  { what: "dilation 2, 5×3 kernel, asymmetric padding", n: 2, p: convPlanOf("c", [3, 12, 10], 4, [5, 3], { padding: [2, 1], dilation: [2, 2] }) },
  // One input channel, 3×3 stride 1, a multiple of 4 output columns: the direct kernels (conv3x3_c1.ts), no im2col;
  // many samples of a small map (the GEMM path's chunks), padding 2 with a bias; 9 columns take im2col.
  { what: "one input channel 3×3 p1, 20×12 maps: the direct kernels", n: 3, p: convPlanOf("c", [1, 20, 12], 5, [3, 3], { padding: [1, 1] }) },
  { what: "one input channel 3×3 p2, 5×6 input (7×8 maps), 11 samples, bias: the direct kernels", n: 11, p: convPlanOf("c", [1, 5, 6], 6, [3, 3], { padding: [2, 2], bias: true }) },
  { what: "one input channel 3×3 p1, 7×9 maps (im2col: columns no multiple of 4)", n: 3, p: convPlanOf("c", [1, 7, 9], 4, [3, 3], { padding: [1, 1] }) },
  { what: "with bias, stride (2, 1)", n: 2, p: convPlanOf("c", [2, 7, 6], 3, [3, 2], { stride: [2, 1], padding: [1, 0], bias: true }) },
  // Winograd F(2×2, 3×3): odd sizes (half tiles at the right and bottom),
  // planes whose tiles are not a multiple of 4, 1×1 and 1-row maps, and the
  // default choice (≥ 16 channels on a 14×14 map) with a bias.
  { what: "Winograd, odd sizes", n: 3, p: convPlanOf("c", [5, 7, 9], 6, [3, 3], { padding: [1, 1] }), winograd: true, tile: 2 },
  { what: "Winograd, 3×3 maps", n: 7, p: convPlanOf("c", [6, 3, 3], 5, [3, 3], { padding: [1, 1] }), winograd: true, tile: 2 },
  { what: "Winograd, 1×1 maps", n: 3, p: convPlanOf("c", [4, 1, 1], 3, [3, 3], { padding: [1, 1] }), winograd: true, tile: 2 },
  { what: "Winograd, one-row maps", n: 2, p: convPlanOf("c", [3, 1, 8], 2, [3, 3], { padding: [1, 1] }), winograd: true, tile: 2 },
  { what: "Winograd by default, 17 channels 14×14 with bias", n: 2, p: convPlanOf("c", [17, 14, 14], 20, [3, 3], { padding: [1, 1], bias: true }), tile: 43 },
  { what: "Winograd in 2 chunks (45 samples of 16 tiles, 32 a chunk)", n: 45, p: convPlanOf("c", [16, 8, 7], 5, [3, 3], { padding: [1, 1] }), tile: 2, winograd: true },
  // F(4×4, 3×3): partial tiles at the right and bottom (7×9: 1 and 3 columns
  // over), one tile per plane (3×3, 1×1), one-row maps, and 2 chunks.
  { what: "Winograd F(4×4), odd sizes", n: 3, p: convPlanOf("c", [5, 7, 9], 6, [3, 3], { padding: [1, 1] }), tile: 4 },
  { what: "Winograd F(4×4), 3×3 maps", n: 7, p: convPlanOf("c", [6, 3, 3], 5, [3, 3], { padding: [1, 1] }), tile: 4 },
  { what: "Winograd F(4×4), 1×1 maps", n: 3, p: convPlanOf("c", [4, 1, 1], 3, [3, 3], { padding: [1, 1] }), tile: 4 },
  { what: "Winograd F(4×4), one-row maps", n: 2, p: convPlanOf("c", [3, 1, 10], 2, [3, 3], { padding: [1, 1] }), tile: 4 },
  { what: "Winograd F(4×4) by default in 2 chunks (45 samples of 16 tiles, 32 a chunk)", n: 45, p: convPlanOf("c", [16, 16, 16], 5, [3, 3], { padding: [1, 1] }), tile: 4 },
  // One-tile maps: the lanes hold four samples.
  { what: "Winograd F(4×4), 2×3 maps (lanes over samples, 7 samples)", n: 7, p: convPlanOf("c", [16, 2, 3], 6, [3, 3], { padding: [1, 1] }), tile: 4 },
  { what: "Winograd F(4×4), 4×3 maps in 3 chunks of 4 samples", n: 10, p: convPlanOf("c", [5, 4, 3], 3, [3, 3], { padding: [1, 1] }), tile: 4, chunkTiles: 6 },
  // F(3×3, 3×3): 3×3 maps only, one tile a sample, lanes over samples.
  { what: "Winograd F(3×3) by default on 3×3 maps (7 samples: the last group of lanes part empty)", n: 7, p: convPlanOf("c", [16, 3, 3], 6, [3, 3], { padding: [1, 1] }), tile: 3 },
  { what: "Winograd F(3×3), 3×3 maps in 3 chunks of 4 samples, 7 filters a row (groups of 4 filters part full)", n: 10, p: convPlanOf("c", [7, 3, 3], 5, [3, 3], { padding: [1, 1] }), tile: 3, chunkTiles: 4 },
  // The 4/3 cut (tile 43): sides cut exactly into 4- and 3-wide tiles, four
  // classes of tiles, lanes over samples. 7 samples (a part-empty group of
  // lanes), chunks of 4 samples, sides without 4-wide tiles (6 = 3 + 3, 9 =
  // 3 + 3 + 3: classes with no tiles), 7·5 filters (a part-full group), and
  // maps large enough that a thread's padded planes come in blocks (of 12 samples).
  { what: "Winograd 4/3 cut by default on 7×7 maps (7 samples: the last group of lanes part empty)", n: 7, p: convPlanOf("c", [16, 7, 7], 6, [3, 3], { padding: [1, 1] }), tile: 43 },
  { what: "Winograd 4/3 cut, 14×11 maps in 3 chunks of 4 samples", n: 10, p: convPlanOf("c", [5, 14, 11], 7, [3, 3], { padding: [1, 1] }), tile: 43, chunkTiles: 48 },
  { what: "Winograd 4/3 cut, 6×3 maps (3-wide tiles only)", n: 5, p: convPlanOf("c", [3, 6, 3], 4, [3, 3], { padding: [1, 1] }), tile: 43 },
  { what: "Winograd 4/3 cut, 9×10 maps with bias", n: 3, p: convPlanOf("c", [4, 9, 10], 5, [3, 3], { padding: [1, 1], bias: true }), tile: 43 },
  { what: "Winograd 4/3 cut, 30×31 maps, 21 samples in one chunk (two blocks of 12 padded planes)", n: 21, p: convPlanOf("c", [2, 30, 31], 3, [3, 3], { padding: [1, 1] }), tile: 43, chunkTiles: 4096 },
];

function makeConv(e: Engine, p: ConvPlan, n: number, seed: number, keep = true, winograd?: boolean, tile?: WinogradTile, chunkTiles?: number): { layer: Conv2d; ws: Workspace } {
  const rng = new Rng(e, seed);
  const ws = new Workspace(e, keep ? undefined : 0);
  // A tile is named only where the case forces Winograd; otherwise it is the expected default.
  const layer = new Conv2d(e, p, n, rng, ws, true, { winograd, winogradTile: winograd ? tile : undefined, winogradChunkColumns: chunkTiles });
  rng.free();
  return { layer, ws };
}

// A case that names a tile forces Winograd with it, unless it tests the default choice.
function winogradOf(what: string, winograd?: boolean, tile?: WinogradTile): boolean | undefined {
  return winograd ?? (tile && !what.includes("by default") ? true : undefined);
}

for (const [i, { what, n, p, winograd, tile, chunkTiles }] of CASES.entries()) for (const keep of [true, false]) {
  test(`Conv2d ${what}, columns ${keep ? "kept" : "recomputed"}: forward, dW, db and dx equal the naive convolution`, async () => {
    const e = await engine();
    const rand = lcg(100 + i);
    const { layer, ws } = makeConv(e, p, n, 7 + i, keep, winogradOf(what, winograd, tile), tile, chunkTiles);
    assert.equal(layer.winograd, what.startsWith("Winograd"), "strategy");
    if (layer.winograd) assert.equal(layer.winogradTile, tile ?? 2, "Winograd tile");
    const x = tensorFrom(e, [n, layer.inFeatures], uniformArray(rand, n * layer.inFeatures));
    const G = uniformArray(rand, n * layer.outFeatures);
    const dy = tensorFrom(e, [n, layer.outFeatures], G);
    try {
      const w = layer.weight.toArray();
      const xs = x.toArray();
      const b = layer.bias?.toArray();
      const y = e.f32(layer.forward(x.ptr, n), n * layer.outFeatures).slice();
      const fanIn = (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1];
      assertAllClose(y, convRef(p, n, xs, w, b), 1e-5, 1e-6 * fanIn, `${what}: y`);
      const dxPtr = layer.backward(dy.ptr, n, true);
      const ref = convGradRef(p, n, xs, w, G);
      const pixels = n * p.out[1] * p.out[2];
      assertAllClose(layer.gradWeight.toArray(), ref.dw, 1e-5, 1e-6 * pixels, `${what}: dW`);
      assertAllClose(e.f32(dxPtr, n * layer.inFeatures), ref.dx, 1e-5, 1e-6 * p.out[0] * p.kernel[0] * p.kernel[1], `${what}: dx`);
      if (layer.gradBias) {
        const db = layer.gradBias.toArray();
        for (let o = 0; o < p.out[0]; o++) {
          let s = 0;
          for (let j = 0; j < n; j++) for (let q = 0; q < p.out[1] * p.out[2]; q++) s += G[(j * p.out[0] + o) * p.out[1] * p.out[2] + q];
          assert.ok(Math.abs(db[o] - s) <= 1e-5 * pixels, `db[${o}] = ${db[o]}, Σ G = ${s}`);
        }
      }
      // Repeated calls give the same bits (no state leaks between calls or chunks).
      const y2 = e.f32(layer.forward(x.ptr, n), n * layer.outFeatures);
      assert.deepEqual(Array.from(y2), Array.from(y));
    } finally {
      layer.free();
      ws.free();
      x.free();
      dy.free();
    }
  });
}

// Central differences for the shapes the issue names: strides 1 and 2, padding
// 0 and 1, groups 1 and depthwise, odd sizes, 1×1. Conv is linear in w and x,
// so the differences carry no truncation error, only f32 rounding.
const FD = [CASES[0], CASES[1], CASES[2], CASES[5], CASES[7], CASES[9], CASES[10], CASES[13], CASES[15], CASES[21], CASES[24], CASES[30], CASES[CASES.length - 4]];
for (const { what, n, p, winograd, tile, chunkTiles } of FD) {
  test(`Conv2d ${what}: dW and dx match central differences`, async () => {
    const e = await engine();
    const rand = lcg(7);
    const { layer, ws } = makeConv(e, p, n, 3, true, winogradOf(what, winograd, tile), tile, chunkTiles);
    assert.equal(layer.winograd, what.startsWith("Winograd"), "strategy");
    const x = tensorFrom(e, [n, layer.inFeatures], uniformArray(rand, n * layer.inFeatures));
    const G = uniformArray(rand, n * layer.outFeatures);
    const dy = tensorFrom(e, [n, layer.outFeatures], G);
    try {
      const loss = () => dot(G, e.f32(layer.forward(x.ptr, n), n * layer.outFeatures));
      loss();
      const dx = e.f32(layer.backward(dy.ptr, n, true), n * layer.inFeatures).slice();
      const dW = layer.gradWeight.toArray();
      const every = (len: number, k: number) => Array.from({ length: Math.min(k, len) }, (_, j) => Math.floor((j * len) / Math.min(k, len)));
      const rW = gradCheck("dW", () => layer.weight.view(), dW, loss, 1e-2, 2e-3, every(dW.length, 60));
      const rx = gradCheck("dx", () => x.view(), dx, loss, 1e-2, 2e-3, every(dx.length, 60));
      assert.ok(rW.checked >= Math.min(60, dW.length) && rx.checked >= Math.min(60, dx.length));
      assert.ok(dW.some((v) => Math.abs(v) > 0.1) && dx.some((v) => Math.abs(v) > 0.05), "gradients are not trivially zero");
    } finally {
      layer.free();
      ws.free();
      x.free();
      dy.free();
    }
  });
}

// The direct one-channel 3×3 kernels' stated order, bit for bit (the GEMM
// path's, conv3x3_c1.ts): y in f32 from +0 over the nine taps row-major, the
// padding's ±0 products included; dW[o, t] in four lanes over the pixels p
// (p mod 4, ascending), reduced (l0 + l1) + (l2 + l3), then added to the sum
// so far sample by sample. On 1, 2 and 3 threads where the build has them.
test("one-channel 3×3 direct kernels: y and dW the same bits as the stated order", async () => {
  const f = Math.fround;
  for (const [n, h, w, pad, o] of [[3, 8, 8, 1, 5], [4, 6, 10, 2, 3], [2, 12, 6, 0, 6]]) {
    const e = await engine();
    const rand = lcg(17 + h);
    const p = convPlanOf("c", [1, h, w], o, [3, 3], { padding: [pad, pad] });
    const [, oh, ow] = p.out, ohw = oh * ow;
    const X = uniformArray(rand, n * h * w), G = uniformArray(rand, n * o * ohw);
    const ws = new Workspace(e);
    const rng = new Rng(e, 2);
    const layer = new Conv2d(e, p, n, rng, ws, false);
    const W = layer.weight.toArray();
    const x = tensorFrom(e, [n, h * w], X), dy = tensorFrom(e, [n, o * ohw], G);
    // Tap t of output pixel q of sample s, 0 in the padding.
    const tap = (s: number, q: number, t: number) => {
      const iy = Math.floor(q / ow) + Math.floor(t / 3) - pad, ix = (q % ow) + (t % 3) - pad;
      return iy >= 0 && iy < h && ix >= 0 && ix < w ? X[s * h * w + iy * w + ix] : 0;
    };
    try {
      for (const threads of [1, 2, 3].filter((t) => t <= e.threads)) {
        e.k.par_set_threads(threads);
        const y = e.f32(layer.forward(x.ptr, n), n * o * ohw);
        for (let s = 0; s < n; s++) for (let oc = 0; oc < o; oc++) for (let q = 0; q < ohw; q++) {
          let acc = 0;
          for (let t = 0; t < 9; t++) acc = f(acc + f(W[oc * 9 + t] * tap(s, q, t)));
          const v = y[(s * o + oc) * ohw + q];
          if (!Object.is(v, acc)) assert.fail(`${h}×${w} p${pad}, ${threads} threads: y[${s}, ${oc}, ${q}] = ${v}, stated order gives ${acc}`);
        }
        layer.backward(dy.ptr, n, false);
        const dW = layer.gradWeight.toArray();
        for (let oc = 0; oc < o; oc++) for (let t = 0; t < 9; t++) {
          let sum = 0;
          for (let s = 0; s < n; s++) {
            const l = [0, 0, 0, 0];
            for (let q = 0; q < ohw; q++) l[q & 3] = f(l[q & 3] + f(G[(s * o + oc) * ohw + q] * tap(s, q, t)));
            const v = f(f(l[0] + l[1]) + f(l[2] + l[3]));
            sum = s === 0 ? v : f(v + sum);
          }
          if (!Object.is(dW[oc * 9 + t], sum)) assert.fail(`${h}×${w} p${pad}, ${threads} threads: dW[${oc}, ${t}] = ${dW[oc * 9 + t]}, stated order gives ${sum}`);
        }
      }
    } finally {
      e.k.par_set_threads(e.threads);
      layer.free(); ws.free(); rng.free(); x.free(); dy.free();
    }
  }
});

// [n, c, h, w, stride, padding] of 3×3 depthwise convs, one per path of the
// operator: the 3×3 s2 p1 kernels for 4×4 maps, the lanes (2×2, 4×4 stride 1),
// the padded planes (8×8, stride 1 and 2) and the row kernels (20×20).
const DW_PATH_GEOMETRIES = [[6, 5, 4, 4, 2, 1], [33, 2, 4, 4, 2, 1], [5, 3, 4, 4, 1, 1], [6, 4, 2, 2, 1, 1], [3, 2, 8, 8, 2, 1], [3, 2, 8, 8, 1, 1], [2, 2, 20, 20, 2, 1]];
const dwOut = (size: number, s: number, p: number) => Math.floor((size + 2 * p - 3) / s) + 1;

// The depthwise forward pass's stated order, bit for bit, on the paths its
// geometries take: the 3×3 s2 p1 kernel for 4×4 maps, the lanes (2×2, 4×4
// stride 1), the padded planes (8×8, stride 1 and 2) and the row kernels
// (20×20). The reference sums in f32 from +0 over the in-range taps in (ky, kx)
// row-major order; the kernels add the padding's ±0 products too, which must
// not show.
test("depthwise forward: the same bits as the stated order (f32 from +0, taps row-major) on every path", async () => {
  const e = await engine();
  const rand = lcg(43);
  const f = Math.fround;
  for (const [n, c, h, w, s, p] of DW_PATH_GEOMETRIES) {
    const oh = dwOut(h, s, p), ow = dwOut(w, s, p);
    const X = uniformArray(rand, n * c * h * w), W = uniformArray(rand, c * 9);
    const x = e.alloc(X.length), wt = e.alloc(c * 9), y = e.alloc(n * c * oh * ow);
    e.f32(x, X.length).set(X);
    e.f32(wt, W.length).set(W);
    e.k.dwconv_forward(x, wt, n, c, h, w, 3, 3, s, s, p, p, 1, 1, oh, ow, y);
    const got = e.f32(y, n * c * oh * ow);
    for (let pl = 0; pl < n * c; pl++) {
      const ch = pl % c;
      for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
        let acc = 0;
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
          const iy = oy * s - p + ky, ix = ox * s - p + kx;
          if (iy >= 0 && iy < h && ix >= 0 && ix < w) acc = f(acc + f(X[(pl * h + iy) * w + ix] * W[ch * 9 + ky * 3 + kx]));
        }
        const v = got[(pl * oh + oy) * ow + ox];
        if (!Object.is(v, acc)) assert.fail(`${n}×${c}×${h}×${w} stride ${s}: y[${pl}, ${oy}, ${ox}] = ${v}, stated order gives ${acc}`);
      }
    }
    for (const q of [x, wt, y]) e.free(q);
  }
});

// The depthwise input gradient's stated order, bit for bit, on the paths its
// geometries take: the 3×3 s2 p1 kernel for 4×4 maps, the lanes (2×2, 4×4),
// the padded planes (8×8, stride 1 and 2) and the row kernels (20×20). The
// reference sums in f32 from +0 over the valid taps in increasing (oy, ox)
// order; the kernels add the gaps' ±0 products too, which must not show.
test("depthwise input gradient: the same bits as the stated order (f32 from +0, increasing oy, ox) on every path", async () => {
  const e = await engine();
  const rand = lcg(41);
  const f = Math.fround;
  for (const [n, c, h, w, s, p] of DW_PATH_GEOMETRIES) {
    const oh = dwOut(h, s, p), ow = dwOut(w, s, p);
    const G = uniformArray(rand, n * c * oh * ow), W = uniformArray(rand, c * 9);
    const dy = e.alloc(n * c * oh * ow), wt = e.alloc(c * 9), dx = e.alloc(n * c * h * w);
    e.f32(dy, G.length).set(G);
    e.f32(wt, W.length).set(W);
    e.k.dwconv_backward_input(dy, wt, n, c, h, w, 3, 3, s, s, p, p, 1, 1, oh, ow, dx);
    const got = e.f32(dx, n * c * h * w);
    let nonzero = 0;
    for (let pl = 0; pl < n * c; pl++) {
      const ch = pl % c;
      for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++) {
        let acc = 0;
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          const ky = iy + p - s * oy, kx = ix + p - s * ox;
          if (ky >= 0 && ky < 3 && kx >= 0 && kx < 3) acc = f(acc + f(G[(pl * oh + oy) * ow + ox] * W[ch * 9 + ky * 3 + kx]));
        }
        const v = got[(pl * h + iy) * w + ix];
        if (!Object.is(v, acc)) assert.fail(`${n}×${c}×${h}×${w} stride ${s}: dx[${pl}, ${iy}, ${ix}] = ${v}, stated order gives ${acc}`);
        if (acc !== 0) nonzero++;
      }
    }
    assert.ok(nonzero > (n * c * h * w) / 2, "most of dx is nonzero");
    for (const q of [dy, wt, dx]) e.free(q);
  }
});

// The depthwise weight gradient's stated order on the geometries that take the
// padded planes (3×3, stride 1 or 2, padding ≤ 2): per tap an f64 total from
// +0 adds, sample by sample, ((a0 + a1) + (a2 + a3)) in f64, lane a[i] an f32
// sum from +0 of the products at ox ≡ i (mod 4) in (oy, ox) order. Paths: the
// 4×4 stride-2 kernel, the lanes (2×2, 4×4 stride 1), the padded planes (8×8,
// 20×20).
test("depthwise weight gradient: the same bits as the stated order on every padded-plane path", async () => {
  const e = await engine();
  const rand = lcg(43);
  const f = Math.fround;
  for (const [n, c, h, w, s, p] of [[6, 5, 4, 4, 2, 1], [33, 2, 4, 4, 2, 1], [5, 3, 4, 4, 1, 1], [6, 4, 2, 2, 1, 1], [3, 2, 8, 8, 2, 1], [3, 2, 8, 8, 1, 1], [2, 2, 20, 20, 2, 1], [3, 2, 7, 9, 1, 2]]) {
    const oh = Math.floor((h + 2 * p - 3) / s) + 1, ow = Math.floor((w + 2 * p - 3) / s) + 1;
    const G = uniformArray(rand, n * c * oh * ow), X = uniformArray(rand, n * c * h * w);
    const dy = e.alloc(G.length), x = e.alloc(X.length), dw = e.alloc(c * 9);
    e.f32(dy, G.length).set(G);
    e.f32(x, X.length).set(X);
    e.k.dwconv_backward_weight(dy, x, n, c, h, w, 3, 3, s, s, p, p, 1, 1, oh, ow, dw);
    const got = e.f32(dw, c * 9);
    for (let ch = 0; ch < c; ch++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      let tot = 0;
      for (let sm = 0; sm < n; sm++) {
        const pl = sm * c + ch, a = [0, 0, 0, 0];
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          const iy = oy * s - p + ky, ix = ox * s - p + kx;
          if (iy >= 0 && iy < h && ix >= 0 && ix < w) a[ox % 4] = f(a[ox % 4] + f(G[(pl * oh + oy) * ow + ox] * X[(pl * h + iy) * w + ix]));
        }
        tot += (a[0] + a[1]) + (a[2] + a[3]);
      }
      const v = got[ch * 9 + ky * 3 + kx];
      if (!Object.is(v, f(tot))) assert.fail(`${n}×${c}×${h}×${w} stride ${s} pad ${p}: dw[${ch}, ${ky}, ${kx}] = ${v}, stated order gives ${f(tot)}`);
    }
    assert.ok(Array.from(got).every((v) => v !== 0), "every tap has a gradient");
    for (const q of [dy, x, dw]) e.free(q);
  }
});

test("Conv2d refuses F(3×3) on any map but 3×3, and the 4/3 cut on a side of 1, 2 or 5, naming the layer and the map", async () => {
  const e = await engine();
  const ws = new Workspace(e);
  const rng = new Rng(e, 1);
  const refused: [WinogradTile, number, number, string][] = [
    ...[[4, 4], [3, 2], [7, 7]].map(([h, w]) => [3, h, w, "needs a 3×3 output map"] as [WinogradTile, number, number, string]),
    ...[[5, 5], [14, 2], [1, 7]].map(([h, w]) => [43, h, w, "needs sides cut exactly into 4s and 3s \\(not 1, 2 or 5\\)"] as [WinogradTile, number, number, string]),
  ];
  try {
    for (const [tile, h, w, why] of refused) {
      const p = convPlanOf("c", [16, h, w], 8, [3, 3], { padding: [1, 1] });
      assert.throws(() => new Conv2d(e, p, 2, rng, ws, true, { winogradTile: tile }), new RegExp(`conv c: winogradTile ${tile} ${why}, got ${h}×${w}`));
    }
    const ok = new Conv2d(e, convPlanOf("c", [16, 3, 3], 8, [3, 3], { padding: [1, 1] }), 2, rng, ws, true, { winogradTile: 3 });
    assert.equal(ok.winogradTile, 3);
    ok.free();
  } finally {
    rng.free();
    ws.free();
  }
});

test("The 4/3 cut: its tile counts and products; the default takes it only where F(4×4)'s tiles overhang", () => {
  // Sides: 14 = 4 + 4 + 3 + 3, 7 = 4 + 3, 13 = 4 + 3 + 3 + 3, 6 = 3 + 3; 1, 2 and 5 have no exact cut.
  assert.deepEqual([14, 7, 13, 6, 8, 3, 1, 2, 5].map(winogradThrees), [2, 1, 3, 2, 0, 1, -1, -1, -1]);
  assert.equal(winogradMixedProducts(14, 14), 22 * 22);
  assert.equal(winogradMixedProducts(7, 7), 11 * 11);
  assert.equal(winogradMixedProducts(5, 7), Infinity);
  // 10×10: F(4×4) would save too little over F(2×2) (432 against 448), the cut enough (256).
  assert.deepEqual([[14, 14], [7, 7], [28, 28], [16, 16], [16, 13], [8, 8], [3, 3], [10, 10], [5, 5]].map(([h, w]) => winogradTile(h, w)), [43, 43, 4, 4, 43, 4, 3, 43, 4]);
  // The cut's U (121 slabs of O × C) within WINOGRAD_CUT_MAX_BYTES: the cnn's 256×128 7×7 conv (15.9 MB) takes it, a 512×512 one (127 MB) keeps F(4×4).
  assert.equal(winogradTile(7, 7, 256 * 128), 43);
  assert.equal(winogradTile(7, 7, 512 * 512), 4);
  assert.equal(winogradTile(10, 10, 512 * 512), 2);
});