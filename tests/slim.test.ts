// Channel pruning (--scope channel | channel-global) and slimming: whole
// output channels go (with their bias and the batch norm's γ and β), and
// `slim` removes them and the next layer's inputs, leaving a smaller model
// whose outputs equal the unslimmed one's to 1e-5 of the largest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../src/engine/engine.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import type { Sequential } from "../src/nn/sequential.ts";
import type { ModelSpec } from "../src/nn/models.ts";
import type { DecodedTensor } from "../src/io/safetensors.ts";
import { modelFromTensors } from "../src/io/model-file.ts";
import { InferenceSession } from "../src/infer/session.ts";
import { slimModel } from "../src/infer/slim.ts";
import { runPrune } from "../src/prune/run.ts";
import { runIterativePrune } from "../src/prune/run-iterative.ts";
import { engine, repoRoot } from "./helpers/engine.ts";
import { TRAIN, TEST, pruneConfig } from "./helpers/prune.ts";
import { shrink, lines } from "./helpers/cli.ts";

const e = await engine();
const arch = (f: string) => JSON.parse(readFileSync(join(repoRoot(), "tests", "fixtures", "torch", f), "utf8"));

function stateDict(model: Sequential): Map<string, DecodedTensor> {
  return new Map([...model.params(), ...model.buffers().filter((b) => b.value.dtype === "f32")].map((p) => [p.name, { dtype: "F32" as const, shape: [...p.value.shape], data: p.value.toArray() }]));
}

function maxRelDiff(e: Engine, a: { spec: ModelSpec; tensors: Map<string, DecodedTensor> }, b: { spec: ModelSpec; tensors: Map<string, DecodedTensor> }): number {
  const ma = modelFromTensors(e, a.spec, a.tensors, "a", 16, { inference: true }), mb = modelFromTensors(e, b.spec, b.tensors, "b", 16, { inference: true });
  const sa = InferenceSession.create(e, ma, a.spec, { maxBatch: 16, mode: "dense" }), sb = InferenceSession.create(e, mb, b.spec, { maxBatch: 16, mode: "dense" });
  const x = Float32Array.from({ length: 16 * a.spec.inputs }, (_, i) => 2 * Math.sin(0.37 * i));
  const ya = sa.predict(x, 16), yb = sb.predict(x, 16);
  for (const t of [sa, sb, ma, mb]) t.free();
  let d = 0, s = 0;
  for (let i = 0; i < ya.length; i++) { d = Math.max(d, Math.abs(ya[i] - yb[i])); s = Math.max(s, Math.abs(ya[i])); }
  return d / s;
}

test("gmp --scope channel on the PQI CNN (widths 8–64): half of every conv's channels go with their BN γ and β; slim removes them, outputs equal to 1e-5", async () => {
  const run = await runPrune(e, pruneConfig({ model: "custom", architecture: arch("cnn-w8.json"), method: "gmp", targetSparsity: 0.5, scope: "channel", epochs: 2, warmup: 0 }), TRAIN, TEST);
  try {
    const params = new Map(run.model.params().map((p) => [p.name, p.value.toArray()]));
    for (const [conv, bn, rows] of [["features.0", "features.1", 8], ["features.4", "features.5", 16], ["features.8", "features.9", 32], ["features.12", "features.13", 64]] as const) {
      const w = params.get(`${conv}.weight`)!, per = w.length / rows;
      const dead = Array.from({ length: rows }, (_, c) => w.subarray(c * per, (c + 1) * per).every((v) => v === 0));
      assert.equal(dead.filter(Boolean).length, rows / 2, `${conv}: half the channels pruned`);
      dead.forEach((d, c) => {
        if (d) assert.ok(params.get(`${bn}.weight`)![c] === 0 && params.get(`${bn}.bias`)![c] === 0, `${bn}[${c}]: γ and β pruned with the channel`);
      });
    }
    const before = { spec: run.spec, tensors: stateDict(run.model) };
    const slim = slimModel(e, run.spec, before.tensors);
    assert.deepEqual(slim.layers.map((l) => [l.layer, l.channels, l.removed]), [["features.0", 8, 4], ["features.4", 16, 8], ["features.8", 32, 16], ["features.12", 64, 32], ["classifier", 10, 0]]);
    assert.equal(slim.paramsBefore, 25154);
    assert.ok(slim.paramsAfter < slim.paramsBefore * 0.3, `${slim.paramsAfter}`);
    assert.ok(maxRelDiff(e, before, slim) <= 1e-5);
  } finally {
    run.dispose();
  }
});

test("lottery --scope channel-global on the MLP: channels ranked across layers; slim shrinks fc1 and fc2 and the next layers' inputs", async () => {
  const run = await runIterativePrune(e, pruneConfig({ method: "lottery", scope: "channel-global", iterations: 2, epochs: 1, ratio: 0.3 }), TRAIN, TEST);
  try {
    const before = { spec: run.spec, tensors: stateDict(run.model) };
    const slim = slimModel(e, run.spec, before.tensors);
    const removed = Object.fromEntries(slim.layers.map((l) => [l.layer, l.removed]));
    assert.equal(removed.fc3, 0, "the classifier's outputs are the classes");
    assert.equal(removed.fc1 + removed.fc2, Math.floor(0.3 * 384) + Math.floor(0.3 * (384 - Math.floor(0.3 * 384))), "the ratio of all remaining channels, twice");
    assert.ok(removed.fc1 > 0 && removed.fc2 > 0, JSON.stringify(removed));
    assert.equal(slim.tensors.get("fc2.weight")!.shape[1], 128 - removed.fc1);
    assert.ok(maxRelDiff(e, before, slim) <= 1e-5);
  } finally {
    run.dispose();
  }
});

test("slim keeps channels it cannot remove exactly and says why; sap refuses channel scopes", async () => {
  const run = await runPrune(e, pruneConfig({ model: "custom", architecture: arch("resdw.json"), method: "gmp", targetSparsity: 0.5, scope: "channel", epochs: 1, warmup: 0 }), TRAIN, TEST);
  try {
    const slim = slimModel(e, run.spec, stateDict(run.model));
    const stem = slim.layers.find((l) => l.layer === "stem")!;
    assert.equal(stem.removed, 0);
    assert.match(stem.kept!, /dead channels kept: it feeds residual block/);
    const pw = slim.layers.find((l) => l.layer === "pw")!;
    assert.match(pw.kept!, /reaches a residual add/);
    assert.ok(slim.layers.find((l) => l.layer === "fc1")!.removed > 0, "fc1 → relu → fc2 is a chain");
  } finally {
    run.dispose();
  }
  await assert.rejects(runIterativePrune(e, pruneConfig({ method: "sap", scope: "channel" }), TRAIN, TEST),
    (err: unknown) => err instanceof ShrinkError && /^scope: channel is not allowed \(sap measures weights/.test(err.message));
});

test("shrink slim on a channel-pruned model: one table, fewer parameters, the same test accuracy from eval", () => {
  const dir = mkdtempSync(join(tmpdir(), "shrink-slim-"));
  try {
    const m = join(dir, "m.safetensors"), s = join(dir, "s.safetensors");
    const r = shrink("prune", "--method", "gmp", "--target-sparsity", "0.5", "--scope", "channel", "--epochs", "1", "--out", m, "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const sl = shrink("slim", m, "--out", s, "--json");
    assert.equal(sl.code, 0, sl.stderr);
    const j = JSON.parse(lines(sl.stdout).at(-1)!);
    assert.ok(j.paramsAfter < j.paramsBefore && j.maxRelDiff <= 1e-5);
    const a = JSON.parse(lines(shrink("eval", m, "--json", "--quiet").stdout).at(-1)!), b = JSON.parse(lines(shrink("eval", s, "--json", "--quiet").stdout).at(-1)!);
    assert.ok(Math.abs(a.testAccuracy - b.testAccuracy) * 10000 <= 1, `${a.testAccuracy} vs ${b.testAccuracy}`);
    assert.equal(b.params, j.paramsAfter);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
