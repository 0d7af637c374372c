// The threaded engine: the same bits for any thread count (work split by
// output, reductions in one thread or over fixed partitions of integers),
// against the single-threaded build; its options and fallbacks; and the CLI's
// --threads. 3 threads on this 2-core machine too: the split must not depend
// on the count, however the threads are scheduled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../src/engine/engine.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { nodeSpawn } from "../src/node/threads.ts";
import { createSession } from "../src/train/session.ts";
import { runPrune } from "../src/prune/run.ts";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../src/train/config.ts";
import { DEFAULT_PRUNE } from "../src/prune/config.ts";
import { syntheticImageSet, lcg, repoRoot, uniformArray } from "./helpers/engine.ts";
import { shrink } from "./helpers/cli.ts";
import { Rng } from "../src/engine/rng.ts";
import { Conv2d, type WinogradTile } from "../src/nn/conv2d.ts";
import { Workspace } from "../src/nn/workspace.ts";
import type { ConvPlan } from "../src/nn/plan.ts";
import { convPlanOf } from "./helpers/conv-ref.ts";
import { writeFashionSubset } from "./helpers/fashion-subset.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import { InferenceSession } from "../src/infer/session.ts";
import { projectWeights } from "../src/prune/pattern.ts";

const ROOT = repoRoot();
const single = readFileSync(join(ROOT, "build/shrinkwasm.wasm"));
const threaded = readFileSync(join(ROOT, "build/shrinkwasm.threads.wasm"));
const withThreads = (threads: number) => Engine.create(single, { threads, threadsWasm: threaded, spawn: nodeSpawn, onNotice: (l) => assert.fail(l) });

/** Every engine the bits must agree across: the single-threaded build, and the threaded one on 1, 2 and 3 threads. */
async function engines(): Promise<[string, Engine][]> {
  const one = await Engine.create(single);
  const t1 = await withThreads(2);
  t1.k.par_set_threads(1); // the threaded build's own serial path
  return [["single build", one], ["threaded, 1", t1], ["threaded, 2", await withThreads(2)], ["threaded, 3", await withThreads(3)]];
}

const hex = (e: Engine, ptr: number, n: number) => Buffer.from(e.u8(ptr, n * 4).slice()).toString("base64");

test("GEMM (nn, nt, tn, accumulate or not) at edge shapes: the same bits on 1, 2 and 3 threads as the single-threaded build", async () => {
  const es = await engines();
  const rand = lcg(99);
  // Shapes around the tiles (4x8, 2x16, the dot path for n < 16) and the thread split.
  const shapes = [[250, 128, 784], [128, 784, 250], [10, 256, 250], [250, 10, 256], [33, 65, 129], [7, 300, 41], [300, 7, 300], [64, 64, 3], [513, 17, 96], [96, 1000, 27],
    // Rows 4 KiB apart with short k: B packed and C's row panels outer.
    [64, 1024, 9], [36, 1024, 27], [20, 2048, 64],
    // A conv's weight gradient with 27 columns: upright, not transposed (a fifth less padding needed).
    [64, 27, 1024], [64, 27, 200]];
  for (const [m, n, k] of shapes) {
    const a = Float32Array.from({ length: m * k + k * m }, () => rand() * 2 - 1);
    const b = Float32Array.from({ length: n * k + k * n }, () => rand() * 2 - 1);
    const c0 = Float32Array.from({ length: m * n }, () => rand() - 0.5);
    for (const [kind, acc] of [["nn", 0], ["nt", 1], ["tn", 0], ["nn", 1], ["nt", 0], ["tn", 1]] as const) {
      const outs = es.map(([, e]) => {
        const pa = e.alloc(a.length), pb = e.alloc(b.length), pc = e.alloc(m * n);
        e.f32(pa, a.length).set(a); e.f32(pb, b.length).set(b); e.f32(pc, m * n).set(c0);
        if (kind === "nn") e.k.gemm_nn(m, n, k, pa, k, pb, n, pc, n, acc);
        else if (kind === "nt") e.k.gemm_nt(m, n, k, pa, k, pb, k, pc, n, acc);
        else e.k.gemm_tn(m, n, k, pa, m, pb, n, pc, n, acc);
        const out = hex(e, pc, m * n);
        e.free(pa); e.free(pb); e.free(pc);
        return out;
      });
      for (let i = 1; i < es.length; i++) assert.equal(outs[i], outs[0], `gemm_${kind} ${m}×${n}×${k} acc ${acc}: ${es[i][0]} differs`);
      if ((kind === "nn" || kind === "nt") && !acc && (n % 1024 === 0 || n === 27) && k <= 256) {
        // The stated order, element by element (k within one 256-deep block): an f32 sum from +0 over ascending k, each product rounded.
        const got = new Float32Array(Uint8Array.from(Buffer.from(outs[0], "base64")).buffer);
        for (let i = 0; i < m; i += 7) {
          for (let j = 0; j < n; j += n === 27 ? 1 : 13) {
            let s = 0;
            for (let q = 0; q < k; q++) s = Math.fround(s + Math.fround(a[i * k + q] * (kind === "nn" ? b[q * n + j] : b[j * k + q])));
            assert.equal(got[i * n + j], s, `gemm_${kind} ${m}×${n}×${k}: C[${i}, ${j}] is not the ascending-k sum`);
          }
        }
      }
    }
  }
  for (const [, e] of es) e.dispose();
});

test("gemm_batch (nn, nt, tn; Winograd's 16 and 36 products) on 1, 2 and 3 threads: the same bits as one gemm call per product on the single-threaded build", async () => {
  const es = await engines();
  const rand = lcg(7);
  // Column and row splits, both orientations and tiles, the dot path (n < 16), and 3 threads over 16 products (parts per product).
  const cases = [[16, 60, 20, 17], [36, 128, 16, 64], [16, 8, 300, 33], [36, 7, 64, 50], [16, 250, 10, 40], [3, 33, 65, 129], [36, 5, 3, 9]];
  for (const [X, m, n, k] of cases) {
    const a = Float32Array.from({ length: X * m * k }, () => rand() * 2 - 1);
    const b = Float32Array.from({ length: X * n * k }, () => rand() * 2 - 1);
    const c0 = Float32Array.from({ length: X * m * n }, () => rand() - 0.5);
    for (const [kind, acc] of [[0, 0], [1, 1], [2, 0], [0, 1], [1, 0], [2, 1]] as const) {
      const outs = es.map(([, e], i) => {
        const pa = e.alloc(a.length), pb = e.alloc(b.length), pc = e.alloc(c0.length);
        e.f32(pa, a.length).set(a); e.f32(pb, b.length).set(b); e.f32(pc, c0.length).set(c0);
        // The reference: one call per product on the single build.
        const ldb = kind === 1 ? k : n, lda = kind === 2 ? m : k;
        if (i === 0) {
          for (let q = 0; q < X; q++) {
            const A = pa + q * m * k * 4, B = pb + q * n * k * 4, C = pc + q * m * n * 4;
            if (kind === 0) e.k.gemm_nn(m, n, k, A, lda, B, ldb, C, n, acc);
            else if (kind === 1) e.k.gemm_nt(m, n, k, A, lda, B, ldb, C, n, acc);
            else e.k.gemm_tn(m, n, k, A, lda, B, ldb, C, n, acc);
          }
        } else {
          const t = e.i32(e.k.gemm_batch_table(), 3 * X);
          for (let q = 0; q < X; q++) t.set([pa + q * m * k * 4, pb + q * n * k * 4, pc + q * m * n * 4], 3 * q);
          e.k.gemm_batch(kind, X, m, n, k, lda, ldb, n, acc);
        }
        const out = hex(e, pc, c0.length);
        e.free(pa); e.free(pb); e.free(pc);
        return out;
      });
      for (let i = 1; i < es.length; i++) assert.equal(outs[i], outs[0], `gemm_batch kind ${kind} X ${X} ${m}×${n}×${k} acc ${acc}: ${es[i][0]} differs`);
    }
  }
  for (const [, e] of es) e.dispose();
});

test("sparse products (CSR spmm and spmv, N:M 2:4 and 3:8 spmm and spmv): rows split by nonzeros, the same bits on 1, 2 and 3 threads as the single-threaded build", async () => {
  const es = await engines();
  const rand = lcg(123);
  // Row densities from empty to full, in runs, so an even split by rows would be far from one by nonzeros.
  const sparseW = (rows: number, cols: number) => Float32Array.from({ length: rows * cols }, (_, i) => {
    const r = Math.floor(i / cols), density = r % 7 === 3 ? 0 : r < rows / 3 ? 0.9 : 0.15;
    return rand() < density ? rand() * 2 - 1 : 0;
  });
  // o, k, m (m = 1: spmv), with ldb/ldc padded past m.
  for (const [o, k, m] of [[300, 500, 40], [257, 333, 17], [700, 900, 1], [5, 64, 3], [64, 2048, 16]]) {
    const w = sparseW(o, k);
    const bias = Float32Array.from({ length: o }, () => rand() - 0.5);
    const ld = m === 1 ? 1 : m + 3;
    const b = Float32Array.from({ length: k * ld }, () => rand() * 2 - 1);
    const outs = es.map(([, e]) => {
      const pw = e.alloc(o * k), prp = e.alloc(o + 1, "i32");
      e.f32(pw, o * k).set(w);
      const nnz = e.k.csr_nnz(pw, o * k);
      const pci = e.alloc(Math.max(nnz, 1), "i32"), pv = e.alloc(Math.max(nnz, 1));
      e.k.csr_from_dense(pw, o, k, prp, pci, pv);
      const pb = e.alloc(k * ld), pbias = e.alloc(o), pc = e.alloc(o * ld);
      e.f32(pb, k * ld).set(b); e.f32(pbias, o).set(bias); e.f32(pc, o * ld).fill(7);
      if (m === 1) e.k.spmv(o, prp, pci, pv, pb, pc, pbias);
      else e.k.spmm(o, m, prp, pci, pv, pb, ld, pc, ld, o % 2 ? pbias : 0);
      const out = hex(e, pc, o * ld);
      for (const q of [pw, prp, pci, pv, pb, pbias, pc]) e.free(q);
      return out;
    });
    for (let i = 1; i < es.length; i++) assert.equal(outs[i], outs[0], `CSR ${o}×${k}, m ${m}: ${es[i][0]} differs`);
  }
  for (const [rows, cols, n, mm, mm2] of [[300, 512, 2, 4, 40], [129, 480, 3, 8, 23], [800, 1024, 2, 4, 1], [600, 960, 3, 8, 1]]) {
    // N:M: every group of mm2 columns keeps its n largest |w|.
    const w = Float32Array.from({ length: rows * cols }, () => rand() * 2 - 1);
    for (let g = 0; g < w.length; g += mm) {
      const keep = [...Array(mm).keys()].sort((x, y) => Math.abs(w[g + y]) - Math.abs(w[g + x])).slice(0, n);
      for (let j = 0; j < mm; j++) if (!keep.includes(j)) w[g + j] = 0;
    }
    const ld = mm2 === 1 ? 1 : mm2 + 5;
    const b = Float32Array.from({ length: cols * ld }, () => rand() * 2 - 1);
    const bias = Float32Array.from({ length: rows }, () => rand() - 0.5);
    const outs = es.map(([, e]) => {
      const slots = rows * cols / mm * n;
      const pw = e.alloc(rows * cols), pv = e.alloc(slots), pi = e.alloc(slots, "u8");
      e.f32(pw, rows * cols).set(w);
      assert.equal(e.k.nm_pack(pw, rows, cols, n, mm, pv, pi), 0);
      const pb = e.alloc(cols * ld), pbias = e.alloc(rows), pc = e.alloc(rows * ld);
      e.f32(pb, cols * ld).set(b); e.f32(pbias, rows).set(bias); e.f32(pc, rows * ld).fill(7);
      e.k.nm_spmm(rows, cols, n, mm, pv, pi, pb, ld, mm2, pc, ld, pbias);
      const out = hex(e, pc, rows * ld);
      for (const q of [pw, pv, pi, pb, pbias, pc]) e.free(q);
      return out;
    });
    for (let i = 1; i < es.length; i++) assert.equal(outs[i], outs[0], `${n}:${mm} ${rows}×${cols}, ${mm2} columns: ${es[i][0]} differs`);
  }
  for (const [, e] of es) e.dispose();
});

test("sparse inference sessions (the cnn at 90% with CSR convs, by sample or by rows for one sample; the MLP at 2:4): the same logits on 1, 2 and 3 threads", async () => {
  const es = await engines();
  for (const [name, batch] of [["cnn", 5], ["cnn", 1], ["mlp", 33]] as const) {
    const outs = es.map(([, e]) => {
      const spec = modelSpec(name, [1, 28, 28], 10);
      const rng = new Rng(e, 11);
      const model = buildModel(e, spec, batch, rng, { inference: true });
      rng.free();
      const weights = model.params().filter((p) => p.kind === "weight");
      if (name === "mlp") projectWeights(e, weights, { n: 2, m: 4 });
      for (const p of name === "cnn" ? weights : []) {
        // Every other weight zeroed in runs (90% of each tensor), so rows differ in their nonzeros.
        const v = p.value.toArray();
        for (let i = 0; i < v.length; i++) if ((i * 7919) % 10 !== 0) v[i] = 0;
        p.value.set(v);
      }
      const session = InferenceSession.create(e, model, spec, { maxBatch: batch, mode: name === "cnn" ? "sparse" : undefined });
      assert.ok(session.layers.some((l) => l.path === (name === "cnn" ? "sparse" : "n:m")), `${name}: paths ${session.layers.map((l) => l.path)}`);
      const x = Float32Array.from({ length: batch * spec.inputs }, (_, i) => Math.sin(0.37 * i));
      const y = session.predict(x, batch);
      session.free();
      model.free();
      return Buffer.from(y.buffer).toString("base64");
    });
    for (let i = 1; i < es.length; i++) assert.equal(outs[i], outs[0], `${name} batch ${batch}: ${es[i][0]} differs`);
  }
  for (const [, e] of es) e.dispose();
});

test("softmax_xent (rows split over threads, the rows' losses added in row order): the same loss, count and gradient bits on 1, 2 and 3 threads, with ties, smoothing and an invalid label", async () => {
  const es = await engines();
  const rand = lcg(5);
  for (const [rows, classes, smoothing, badRow] of [[250, 10, 0, -1], [997, 7, 0.1, -1], [300, 10, 0, 123], [5, 1000, 0.05, -1]]) {
    // Logits rounded to quarters so rows have tied maxima.
    const logits = Float32Array.from({ length: rows * classes }, () => Math.round(rand() * 24 - 12) / 4);
    const labels = Int32Array.from({ length: rows }, (_, r) => (r === badRow ? classes : r % classes));
    const outs = es.map(([, e]) => {
      const pl = e.alloc(rows * classes), py = e.alloc(rows, "i32"), pd = e.alloc(rows * classes), pc = e.alloc(1, "i32");
      e.f32(pl, rows * classes).set(logits); e.i32(py, rows).set(labels);
      const loss = e.k.softmax_xent(pl, py, rows, classes, smoothing, pd, pc);
      const out = `${loss} ${e.i32(pc, 1)[0]} ${hex(e, pd, rows * classes)}`;
      for (const q of [pl, py, pd, pc]) e.free(q);
      return out;
    });
    assert.equal(outs[0].split(" ")[0] === "NaN", badRow >= 0, `rows ${rows}: an invalid label gives NaN`);
    for (let i = 1; i < es.length; i++) assert.equal(outs[i], outs[0], `softmax_xent ${rows}×${classes}: ${es[i][0]} differs`);
  }
  for (const [, e] of es) e.dispose();
});

test("PQI and Gini (layer scope by blocks, neuron scope by rows, counts, maxima, the radix sort): the same bits on 1, 2 and 3 threads", async () => {
  const es = await engines();
  const rand = lcg(77);
  const n = 4 * 65536 + 13, rows = 250, cols = 1000; // rows × cols ≤ n
  // Magnitudes on a grid, so sorted runs of equal keys cross block and chunk boundaries; a mask keeps about 60%.
  const x = Float32Array.from({ length: n }, () => (Math.floor(rand() * 200) - 100) * 0.013);
  const mask = Uint8Array.from({ length: n }, () => (rand() < 0.6 ? 1 : 0));
  const keys = Uint32Array.from({ length: n }, () => Math.floor(rand() * 2 ** 32) >>> (rand() < 0.5 ? 0 : 9));
  const f64 = (e: Engine, ptr: number, k: number) => Buffer.from(e.u8(ptr, k * 8).slice()).toString("base64");
  const outs = es.map(([, e]) => {
    const px = e.alloc(n), pm = e.alloc(n, "u8"), out = e.alloc(2 * rows), scratch = e.alloc(2 * n), pk = e.alloc(2 * n, "i32");
    e.f32(px, n).set(x); e.u8(pm, n).set(mask); e.u8(pk, 4 * n).set(new Uint8Array(keys.buffer));
    const r: string[] = [];
    for (const m of [0, pm]) {
      r.push(`${e.k.remaining_count(m, n)} ${e.k.remaining_max_abs(px, m, n)} ${e.k.pqi(px, m, n, 0.5, 1)} ${e.k.pqi(px, m, n, 1, 2)} ${e.k.gini(px, m, n, scratch)}`);
      e.k.pqi_sums(px, m, n, 0.5, 2, 1.3, out);
      r.push(f64(e, out, 2));
      e.k.pqi_rows(px, m, rows, cols, 0.5, 1, out);
      r.push(f64(e, out, rows));
      // Repeated: threads racing on shared scratch would show in some runs only (a shared block-sum slot did, 8 runs in 300).
      const first = (e.k.gini_rows(px, m, rows, cols, scratch, out), f64(e, out, rows));
      for (let rep = 0; rep < 15; rep++) {
        e.k.gini_rows(px, m, rows, cols, scratch, out);
        assert.equal(f64(e, out, rows), first, `gini_rows, repeat ${rep}`);
      }
      r.push(first);
    }
    e.k.radix_sort_u32(pk, n, pk + 4 * n);
    r.push(hex(e, pk, n), String(e.k.gini_sorted_keys(pk, n)));
    for (const q of [px, pm, out, scratch, pk]) e.free(q);
    return r;
  });
  const sorted = Array.from(keys).sort((a, b) => a - b);
  assert.equal(outs[0][outs[0].length - 2], Buffer.from(new Uint8Array(Uint32Array.from(sorted).buffer)).toString("base64"), "radix_sort_u32 sorts");
  for (let i = 1; i < es.length; i++) outs[i].forEach((v, j) => assert.equal(v, outs[0][j], `result ${j}: ${es[i][0]} differs`));
  for (const [, e] of es) e.dispose();
});

test("Conv2d forward, dW and dx with 1, 3 and 9 input channels (im2col and col2im split by channel and sample below 8; the direct one-channel 3×3 kernels by sample and by dW's channels), one-sample chunks (by sample and by dW's panels: kept columns or not, groups, 1×1 direct, dot-form dW), and Winograd F(2×2), F(4×4), F(3×3) and the 4/3 cut with 17: the same bits on 1, 2 and 3 threads", async () => {
  const es = await engines();
  const rand = lcg(71);
  // The Winograd cases have 60 output channels, enough for the filter
  // transforms to split over threads, at 17 filters per output channel: a
  // thread's share starts inside the groups of four filters. The
  // one-sample-chunk cases (chunkColumns 1) take conv2d_samples.ts; keep 0 gives
  // no budget for kept columns, so backward recomputes them chunk by chunk.
  const cases: [ConvPlan, number, { winogradTile?: WinogradTile; chunkColumns?: number; keep?: number }?][] = [
    [convPlanOf("c", [3, 20, 18], 32, [3, 3], { padding: [1, 1] }), 7, { chunkColumns: 1 }],
    [convPlanOf("c", [1, 28, 28], 12, [3, 3], { padding: [1, 1] }), 5, { chunkColumns: 1 }],
    [convPlanOf("c", [3, 21, 19], 10, [3, 3], { stride: [2, 2], padding: [1, 1] }), 6, { chunkColumns: 1, keep: 0 }],
    [convPlanOf("c", [6, 11, 12], 9, [3, 3], { padding: [1, 1], groups: 3 }), 5, { chunkColumns: 1 }],
    [convPlanOf("c", [12, 9, 10], 20, [1, 1]), 5, { chunkColumns: 1 }],
    [convPlanOf("c", [1, 28, 28], 16, [3, 3], { padding: [1, 1] }), 13],
    // The direct one-channel kernels (conv3x3_c1.ts) with an odd channel count: a thread's share of dW ends in a lone channel.
    [convPlanOf("c", [1, 6, 8], 7, [3, 3], { padding: [1, 1] }), 9],
    [convPlanOf("c", [3, 40, 36], 8, [3, 3], { stride: [2, 2], padding: [1, 1] }), 7],
    [convPlanOf("c", [3, 32, 32], 4, [5, 5], { padding: [2, 2] }), 5],
    [convPlanOf("c", [9, 12, 12], 6, [3, 3], { padding: [1, 1] }), 6],
    [convPlanOf("c", [17, 14, 13], 60, [3, 3], { padding: [1, 1] }), 8, { winogradTile: 4 }],
    [convPlanOf("c", [17, 3, 3], 60, [3, 3], { padding: [1, 1] }), 7, { winogradTile: 4 }],
    [convPlanOf("c", [17, 3, 3], 60, [3, 3], { padding: [1, 1] }), 7, { winogradTile: 3 }],
    [convPlanOf("c", [17, 7, 6], 60, [3, 3], { padding: [1, 1] }), 8, { winogradTile: 2 }],
    [convPlanOf("c", [17, 14, 7], 60, [3, 3], { padding: [1, 1] }), 7, { winogradTile: 43 }],
  ];
  for (const [p, n, wino] of cases) {
    const xs = uniformArray(rand, n * p.in[0] * p.in[1] * p.in[2]);
    const outs = es.map(([, e]) => {
      const rng = new Rng(e, 3);
      const ws = wino?.keep === 0 ? new Workspace(e, 0) : new Workspace(e);
      const layer = new Conv2d(e, p, n, rng, ws, true, { chunkColumns: wino?.chunkColumns ?? 8000, winogradTile: wino?.winogradTile });
      assert.equal(layer.winogradTile, wino?.winogradTile ?? 0);
      const x = e.alloc(xs.length);
      e.f32(x, xs.length).set(xs);
      const y = layer.forward(x, n);
      const dy = e.alloc(n * layer.outFeatures);
      e.f32(dy, n * layer.outFeatures).set(e.f32(y, n * layer.outFeatures).map((v) => v * 0.5 - 0.1));
      const dx = layer.backward(dy, n, true);
      const out = [hex(e, y, n * layer.outFeatures), hex(e, layer.gradWeight.ptr, layer.gradWeight.size), hex(e, dx, xs.length)].join("|");
      layer.free(); ws.free(); rng.free(); e.free(x); e.free(dy);
      return out;
    });
    for (let i = 1; i < es.length; i++) assert.ok(outs[i] === outs[0], `${JSON.stringify(p.in)} k${p.kernel[0]} s${p.stride[0]}: ${es[i][0]} differs`);
  }
  for (const [, e] of es) e.dispose();
});

/** Parameters and buffers of a run, as one string of bytes. */
async function trained(e: Engine, config: TrainConfig, n: number): Promise<string> {
  const s = createSession(e, config, syntheticImageSet(n, 5, config.model === "mobilenet-v1" ? 32 : 28, config.model === "mobilenet-v1" ? 32 : 28), syntheticImageSet(40, 6, config.model === "mobilenet-v1" ? 32 : 28, config.model === "mobilenet-v1" ? 32 : 28));
  try {
    const r = await s.run();
    const parts = [...s.model.params(), ...s.model.buffers()].map((p) => hex(e, p.value.ptr, p.value.size));
    return [...parts, r.final.testLoss, r.final.trainLoss].join("|");
  } finally {
    s.dispose();
  }
}

test("training the cnn (conv, BN, max pool), MobileNet-V1 (depthwise, 1×1 convs) and the resnet18 blocks: the same bits for any thread count", async () => {
  const es = await engines();
  const base = { ...DEFAULT_TRAIN_CONFIG, epochs: 1, seed: 4, warmup: 0 };
  const cases: [TrainConfig, number][] = [
    [{ ...base, model: "cnn", batch: 20 }, 40],
    [{ ...base, model: "mobilenet-v1", width: 0.25, batch: 16, augment: "none" }, 32],
    [{ ...base, model: "resnet18", batch: 8 }, 8],
  ];
  for (const [config, n] of cases) {
    const outs: string[] = [];
    for (const [, e] of es) outs.push(await trained(e, config, n));
    for (let i = 1; i < es.length; i++) assert.ok(outs[i] === outs[0], `${config.model}: ${es[i][0]} differs from the single-threaded build`);
  }
  for (const [, e] of es) e.dispose();
});

test("S-LATS on the MLP (soft-threshold step, its nonzero count summed over threads): the same weights and sparsity on 1, 2 and 3 threads", async () => {
  const es = await engines();
  const config = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp" as const, method: "slats" as const, D: 0.05, epochs: 2, batch: 50, exclude: [] };
  const outs = [];
  for (const [, e] of es) {
    const run = await runPrune(e, config, syntheticImageSet(400, 7), syntheticImageSet(100, 8));
    outs.push({ bytes: run.model.params().map((p) => hex(e, p.value.ptr, p.value.size)).join("|"), sparsity: run.sparsity, counts: run.stats.layers.map((l) => l.nonzero) });
    run.dispose();
  }
  assert.ok(outs[0].sparsity > 0.3, `sparsity ${outs[0].sparsity}`);
  for (let i = 1; i < es.length; i++) assert.deepEqual(outs[i], outs[0], es[i][0]);
  for (const [, e] of es) e.dispose();
});

test("Engine.create: threads outside 1–64 is one error; no threaded build or no workers falls back to one thread with one notice; dispose stops the pool", async () => {
  await assert.rejects(Engine.create(single, { threads: 0 }), (err: unknown) => err instanceof ShrinkError && err.message === "threads: 0 is not allowed (an integer from 1 to 64)");
  await assert.rejects(Engine.create(single, { threads: 1.5 }), /threads: 1\.5 is not allowed/);
  const notices: string[] = [];
  const e1 = await Engine.create(single, { threads: 2, spawn: nodeSpawn, onNotice: (l) => notices.push(l) });
  assert.equal(e1.threads, 1);
  assert.deepEqual(notices, ["threads: 2 requested, running on 1 (no threaded build was given (threadsWasm: build/shrinkwasm.threads.wasm))"]);
  // Node 20 has no Web Worker: without a spawner there is no way to start one.
  const e2 = await Engine.create(single, { threads: 2, threadsWasm: threaded, onNotice: (l) => notices.push(l) });
  assert.equal(e2.threads, typeof (globalThis as { Worker?: unknown }).Worker === "function" ? 2 : 1);
  if (e2.threads === 1) assert.equal(notices[1], "threads: 2 requested, running on 1 (this runtime has no Web Workers)");
  // Bytes that are not the threaded build: a notice, and the single build runs.
  const e3 = await Engine.create(single, { threads: 2, threadsWasm: single, spawn: nodeSpawn, onNotice: (l) => notices.push(l) });
  assert.equal(e3.threads, 1);
  assert.equal(notices.at(-1), "threads: 2 requested, running on 1 (wasm: the bytes is not shrinkwasm's threaded build (it imports no shared memory); pass build/shrinkwasm.threads.wasm)");
  // A spawner whose worker never answers: the engine falls back (after the start timeout), it does not hang.
  // (Here the worker fails at once, the path a dead worker takes too.)
  const dead = await Engine.create(single, { threads: 2, threadsWasm: threaded, spawn: () => ({ ready: Promise.reject(new Error("worker died")), terminate: () => {} }), onNotice: (l) => notices.push(l) });
  assert.equal(dead.threads, 1);
  assert.equal(notices.at(-1), "threads: 2 requested, running on 1 (a worker thread did not start: worker died)");
  const e4 = await withThreads(2);
  assert.equal(e4.threads, 2);
  assert.equal(e4.k.par_threads(), 2);
  e4.dispose();
  assert.equal(e4.threads, 1);
  assert.equal(e4.k.par_threads(), 1);
  // Still usable on one thread after the pool has stopped.
  const p = e4.alloc(64 * 64);
  e4.k.gemm_nn(64, 64, 64, p, 64, p, 64, p, 64, 0);
  for (const e of [e1, e2, e3]) e.dispose();
});

test("a trap in a worker's part (its rows of C past the end of memory) traps the main thread too, then the pool works on: never a hang", async () => {
  const e = await withThreads(2);
  const m = 1024, n = 8, k = 64; // few columns: the rows are split, the worker takes rows 512…1023
  const a = e.alloc(m * k), b = e.alloc(k * n);
  const end = e.memory.buffer.byteLength;
  const c = end - 512 * n * 4; // rows 0…511 fit, the worker's rows fall past the end
  assert.throws(() => e.k.gemm_nn(m, n, k, a, k, b, n, c, n, 0), WebAssembly.RuntimeError);
  const ok = e.alloc(m * n);
  e.k.gemm_nn(m, n, k, a, k, b, n, ok, n, 0);
  // A trap in the main thread's own part: C's rows run downwards (ldc = -n) from past the end of
  // memory, so rows 0…511 (this thread's) fall outside and the worker's rows 512…1023 inside.
  // The next product still waits for the worker's part of this one.
  const top = e.alloc(m * n);
  const end2 = e.memory.buffer.byteLength;
  assert.throws(() => e.k.gemm_nn(m, n, k, a, k, b, n, end2 + 511 * n * 4, -n, 0), WebAssembly.RuntimeError);
  e.k.gemm_nn(m, n, k, a, k, b, n, top, n, 0);
  // (The worker's rows may have landed on a or b: compare with one thread on whatever they hold now.)
  e.k.par_set_threads(1);
  e.k.gemm_nn(m, n, k, a, k, b, n, ok, n, 0);
  e.k.par_set_threads(2);
  assert.deepEqual(e.f32(top, m * n), e.f32(ok, m * n));
  assert.equal(e.threads, 2);
  e.dispose();
});

// The worker says ready, then is descheduled before it enters par_worker,
// while the main thread posts its first region. The worker must still take
// that region (it once read the then-current generation as already seen, and
// the main thread waited forever). Run in a child process with a time limit,
// since a main thread blocked in Atomics.wait cannot be interrupted.
test("a worker that enters its loop after the first region was posted still runs its part: no hang, the same bits as one thread", () => {
  const code = `
    import { readFileSync } from "node:fs";
    import { Worker } from "node:worker_threads";
    const module = new WebAssembly.Module(readFileSync(${JSON.stringify(join(ROOT, "build/shrinkwasm.threads.wasm"))}));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    const SRC = \`const { parentPort, workerData: { module, memory, tid } } = require("node:worker_threads");
      const inst = new WebAssembly.Instance(module, { env: { memory } });
      parentPort.postMessage("ready");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      inst.exports.par_worker(tid);\`;
    const w = new Worker(SRC, { eval: true, workerData: { module, memory, tid: 1 }, execArgv: [] });
    w.unref();
    await new Promise((r) => w.once("message", r));
    inst.exports._start();
    const k = inst.exports, S = 256, bytes = S * S * 4;
    // Three matrices in fresh pages past the heap.
    const base = memory.grow(Math.ceil((3 * bytes) / 65536)) * 65536;
    const f = new Float32Array(memory.buffer, base, 3 * S * S);
    for (let i = 0; i < 2 * S * S; i++) f[i] = ((i * 7919) % 1000) / 500 - 1;
    const run = (n) => { k.par_set_threads(n); k.gemm_nn(S, S, S, base, S, base + bytes, S, base + 2 * bytes, S, 0); return Buffer.from(new Uint8Array(memory.buffer, base + 2 * bytes, bytes)).toString("base64"); };
    const two = run(2), one = run(1);
    console.log(two === one ? "same" : "differs");
    process.exit(0);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { timeout: 30_000, encoding: "utf8" });
  assert.equal(r.signal, null, `the main thread hung (killed by ${r.signal}): the worker missed the first region`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "same");
});

test("the threaded build: the same exports as the single-threaded one plus _start, and one import, a shared memory", () => {
  const mod = new WebAssembly.Module(threaded), one = new WebAssembly.Module(single);
  const names = (m: WebAssembly.Module) => WebAssembly.Module.exports(m).map((d) => d.name).sort();
  assert.deepEqual(names(mod), [...names(one), "_start"].sort());
  assert.deepEqual(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`), ["env.memory:memory"]);
  assert.deepEqual(WebAssembly.Module.imports(one), []);
});

test("shrink train/prune --threads 1 and --threads 2: bit-identical model files after 3 epochs (mlp S-LATS and the cnn)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "threads-cli-"));
  try {
    const data = await writeFashionSubset(join(dir, "data"), 150, 50);
    for (const args of [["prune", "--model", "mlp", "--method", "slats", "--D", "0.05"], ["train", "--model", "cnn", "--batch", "50"]]) {
      const files = [1, 2].map((t) => {
        const out = join(dir, `${args[2]}-${t}.safetensors`);
        const r = shrink(...args, "--epochs", "3", "--data-dir", data, "--threads", String(t), "--out", out, "--quiet");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, "", "no fallback notice");
        return readFileSync(out);
      });
      // The files hold the recipe (no --threads: it does not change the run) and the metrics, timings aside.
      const meta = (b: Buffer) => JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString()).__metadata__;
      const body = (b: Buffer) => b.subarray(8 + Number(b.readBigUInt64LE(0)));
      assert.ok(body(files[0]).equals(body(files[1])), `${args[2]}: the tensors differ between 1 and 2 threads`);
      assert.equal(meta(files[0]).recipe, meta(files[1]).recipe);
      assert.doesNotMatch(meta(files[0]).recipe, /"threads"/);
    }
    const bad = shrink("train", "--threads", "0");
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), "shrink train: --threads: 0 is not allowed (an integer from 1 to 64)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
