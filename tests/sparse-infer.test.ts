// Sparse inference (src/infer/): the sparse path predicts what the dense path
// predicts: the same class for every one of the 10,000 test images, logits
// within 1e-4 of the largest, for a trained MLP and a trained CNN pruned to
// 90%; BN is folded into the convs; sparse files feed it directly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../src/engine/engine.ts";
import { InferenceSession } from "../src/infer/session.ts";
import { decodeModel, encodeModel } from "../src/io/model-file.ts";
import { createSession } from "../src/train/session.ts";
import { DEFAULT_TRAIN_CONFIG } from "../src/train/config.ts";
import { datasetNorm } from "../src/data/catalog.ts";
import type { Sequential } from "../src/nn/sequential.ts";
import { specFromArchitecture, modelSpec, buildModel, type ModelSpec } from "../src/nn/models.ts";
import { Rng } from "../src/engine/rng.ts";
import { projectWeights } from "../src/prune/pattern.ts";
import { loadDataset } from "../src/node/index.ts";
import { engine, repoRoot } from "./helpers/engine.ts";

/** Zeroes the smallest 90% of every conv and linear weight. */
function prune90(model: Sequential): void {
  for (const p of model.params()) {
    if (p.kind !== "weight") continue;
    const v = p.value.toArray();
    const t = Float32Array.from(v, Math.abs).sort()[Math.floor(0.9 * v.length)];
    for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) < t) v[i] = 0;
    p.value.set(v);
  }
}

async function testImages() {
  const d = await loadDataset({ dataset: "fashion-mnist", dataDir: "data" });
  const n = datasetNorm("fashion-mnist", d.test);
  return { x: Float32Array.from(d.test.images, (p) => (p / 255 - n.mean[0]) / n.std[0]), labels: d.test.labels, count: d.test.count };
}

function compare(e: Engine, model: Sequential, spec: ModelSpec, x: Float32Array, count: number, what: string) {
  const dense = InferenceSession.create(e, model, spec, { maxBatch: 100, mode: "dense" });
  const auto = InferenceSession.create(e, model, spec, { maxBatch: 100 });
  try {
    assert.ok(auto.layers.every((l) => l.density < 0.11 ? l.path === "sparse" : true), `${what}: 90%-sparse layers run sparse`);
    assert.ok(auto.layers.some((l) => l.path === "sparse"));
    const yd = dense.predict(x, count), ys = auto.predict(x, count);
    let scale = 0, d = 0, same = 0;
    for (let i = 0; i < yd.length; i++) { scale = Math.max(scale, Math.abs(yd[i])); d = Math.max(d, Math.abs(yd[i] - ys[i])); }
    for (let r = 0; r < count; r++) {
      const a = yd.subarray(10 * r, 10 * r + 10), b = ys.subarray(10 * r, 10 * r + 10);
      if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) same++;
    }
    assert.ok(d / scale <= 1e-4, `${what}: logits differ by ${(d / scale).toExponential(2)} of max`);
    assert.equal(same, count, `${what}: same class for every test image`);
  } finally {
    dense.free();
    auto.free();
  }
}

test("MLP trained one epoch, pruned to 90%: sparse and dense inference agree on all 10,000 test images", async () => {
  const e = await engine();
  const d = await loadDataset({ dataset: "fashion-mnist", dataDir: "data" });
  const s = createSession(e, { ...DEFAULT_TRAIN_CONFIG, epochs: 1 }, d.train, d.test);
  try {
    await s.run();
    prune90(s.model);
    const { x, count } = await testImages();
    compare(e, s.model, s.spec, x, count, "mlp");
    // The same model from a sparse file.
    const fromFile = InferenceSession.fromBytes(e, encodeModel(s.model, s.spec, {}, { sparse: {} }), "m.safetensors", { maxBatch: 100 });
    const direct = InferenceSession.create(e, s.model, s.spec, { maxBatch: 100 });
    assert.deepEqual(fromFile.predict(x.subarray(0, 784 * 200), 200), direct.predict(x.subarray(0, 784 * 200), 200));
    fromFile.free();
    direct.free();
  } finally {
    s.dispose();
  }
});

test("PQI CNN (PyTorch-trained fixture, BN folded into the convs), pruned to 90%: sparse and dense agree on all 10,000 test images", async () => {
  const e = await engine();
  const dir = join(repoRoot(), "tests", "fixtures", "torch");
  const arch = JSON.parse(readFileSync(join(dir, "cnn-w8.json"), "utf8"));
  const m = decodeModel(e, new Uint8Array(readFileSync(join(dir, "cnn-w8.safetensors"))), "cnn-w8", 100, { inference: true, spec: specFromArchitecture(arch) });
  try {
    prune90(m.model);
    const { x, count } = await testImages();
    const dense = InferenceSession.create(e, m.model, m.spec, { maxBatch: 100, mode: "dense" });
    assert.deepEqual(dense.layers.filter((l) => l.foldedBn).map((l) => `${l.name}+${l.foldedBn}`), ["features.0+features.1", "features.4+features.5", "features.8+features.9", "features.12+features.13"]);
    dense.free();
    compare(e, m.model, m.spec, x, count, "cnn-w8");
  } finally {
    m.model.free();
  }
});

/** A randomly initialised model of a built-in architecture on 28×28×1 inputs, for inference. */
function randomModel(e: Engine, name: "mlp" | "cnn", batch: number, seed: number): { spec: ModelSpec; model: Sequential } {
  const spec = modelSpec(name, [1, 28, 28], 10);
  const rng = new Rng(e, seed);
  const model = buildModel(e, spec, batch, rng, { inference: true });
  rng.free();
  return { spec, model };
}

test("a 2:4 MLP runs the N:M kernel in every layer, batch 1 and 64, with the dense path's logits; a weight without the pattern stays dense", async () => {
  const e = await engine();
  const { spec, model } = randomModel(e, "mlp", 64, 8);
  const dense0 = InferenceSession.create(e, model, spec, { maxBatch: 64 });
  assert.ok(dense0.layers.every((l) => l.path === "dense"), "no pattern: dense");
  dense0.free();
  projectWeights(e, model.params().filter((p) => p.kind === "weight"), { n: 2, m: 4 });
  const nm = InferenceSession.create(e, model, spec, { maxBatch: 64 });
  const dense = InferenceSession.create(e, model, spec, { maxBatch: 64, mode: "dense" });
  try {
    assert.deepEqual(nm.layers.map((l) => l.path), ["n:m", "n:m", "n:m"]);
    for (const rows of [1, 3, 64]) {
      const x = Float32Array.from({ length: rows * 784 }, (_, i) => Math.sin(0.11 * i));
      const a = dense.predict(x, rows), b = nm.predict(x, rows);
      let d = 0, s = 0;
      for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(a[i])); }
      assert.ok(d <= 1e-5 * s, `rows ${rows}: ${d / s}`);
    }
  } finally {
    nm.free();
    dense.free();
    model.free();
  }
});

test("auto mode: a conv at 70% sparsity runs sparse for batches of up to 4 rows and dense above (CONV_SPARSE_ROWS); one at 90% sparse at every batch", async () => {
  const e = await engine();
  const { spec, model } = randomModel(e, "cnn", 32, 21);
  for (const b of model.buffers()) if (b.value.dtype === "f32" && b.name.endsWith("running_var")) b.value.set(new Float32Array(b.value.size).fill(1.3));
  const weights = model.params().filter((p) => p.kind === "weight");
  weights.forEach((p, i) => {
    // Every conv 70% sparse but the last, 90%, and the linear layer 90% (sparse in both sessions, so their convs alone differ).
    const v = p.value.toArray(), keep = i >= weights.length - 2 ? 0.1 : 0.3;
    for (let j = 0; j < v.length; j++) if ((j * 0.6180339887) % 1 >= keep) v[j] = 0;
    p.value.set(v);
  });
  const sessions = (["auto", "sparse", "dense"] as const).map((mode) => InferenceSession.create(e, model, spec, { maxBatch: 32, mode }));
  const [auto, sparse, dense] = sessions;
  try {
    const conv = auto.layers.filter((l) => l.op === "conv");
    assert.deepEqual(conv.map((l) => l.sparseRows), [4, 4, 4, undefined], conv.map((l) => `${l.name} ${l.density.toFixed(3)}`).join(", "));
    assert.ok(conv.every((l) => l.path === "sparse"));
    for (const rows of [1, 4, 5, 20]) {
      const x = Float32Array.from({ length: rows * spec.inputs }, (_, i) => Math.cos(0.11 * i));
      const [ya, ys, yd] = sessions.map((s) => s.predict(x, rows));
      const same = ya.every((v, i) => Object.is(v, ys[i]));
      assert.equal(same, rows <= 4, `batch ${rows}: ${rows <= 4 ? "the sparse path's logits bit for bit" : "not the sparse path's"}`);
      let d = 0, scale = 0;
      for (let i = 0; i < yd.length; i++) { d = Math.max(d, Math.abs(ya[i] - yd[i])); scale = Math.max(scale, Math.abs(yd[i])); }
      assert.ok(d / scale <= 1e-5, `batch ${rows}: auto within ${(d / scale).toExponential(1)} of dense`);
    }
  } finally {
    for (const s of sessions) s.free();
    model.free();
  }
});
