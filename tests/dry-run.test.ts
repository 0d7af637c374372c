// --dry-run (src/prune/dry-run.ts): every built-in model and an architecture
// file are checked and described without training; the plan lists every
// tensor pruning would touch (exactly the conv and linear weights, minus
// --exclude) with the reason for the others, the schedule, and a time estimate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelSpec, weightNames, MODEL_NAMES } from "../src/nn/models.ts";
import { repoRoot } from "./helpers/engine.ts";
import { shrink, lines } from "./helpers/cli.ts";
import { writeTinyCifar } from "./helpers/tiny-cifar.ts";
import { defaultBatch } from "../src/train/config.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-dry-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const cifar = writeTinyCifar(TMP);

for (const model of MODEL_NAMES) {
  test(`prune --dry-run --model ${model}: every conv/linear weight listed as pruned, the rest with a reason, d(t) at five points`, (t) => {
    const cifarModel = model === "resnet18" || model === "mobilenet-v1";
    const t0 = performance.now();
    const r = shrink("prune", "--dry-run", "--json", "--model", model, ...(cifarModel ? ["--data-dir", cifar] : []), "--quiet");
    t.diagnostic(`${((performance.now() - t0) / 1000).toFixed(2)} s`);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(lines(r.stdout).at(-1)!);
    const spec = modelSpec(model, cifarModel ? [3, 32, 32] : [1, 28, 28], 10);
    assert.deepEqual(d.tensors.filter((x: { pruned: boolean }) => x.pruned).map((x: { name: string }) => x.name), weightNames(spec));
    assert.ok(d.tensors.every((x: { pruned: boolean; why: string }) => x.pruned || /never pruned/.test(x.why)));
    assert.equal(d.schedule.length, 5);
    assert.equal(d.schedule[0].value, 0);
    assert.ok(d.schedule[4].value > 0 && d.msPerStep > 0 && d.secondsPerEpoch > 0);
    // Timed on as many rows of the batch as about 1e9 multiply-accumulates a step allow: one for resnet18.
    assert.equal(d.timedRows, Math.max(1, Math.min(defaultBatch(model), Math.floor(1e9 / (3 * d.macsPerSample)))));
    assert.equal(d.params, d.tensors.reduce((s: number, x: { params: number }) => s + x.params, 0));
  });
}

test("dry runs of an architecture file with --exclude, gmp and sap say what each would do; a bad option fails as the run would", () => {
  const arch = join(repoRoot(), "tests", "fixtures", "torch", "resdw.json");
  const d = JSON.parse(lines(shrink("prune", "--dry-run", "--json", "--arch", arch, "--exclude", "fc2.*", "--quiet").stdout).at(-1)!);
  assert.equal(d.model, "custom (resdw)");
  assert.deepEqual(d.tensors.filter((x: { pruned: boolean }) => x.pruned).map((x: { name: string }) => x.name), ["stem.weight", "dw.weight", "pw.weight", "proj.weight", "fc1.weight"]);
  assert.match(d.tensors.find((x: { name: string }) => x.name === "fc2.weight").why, /^excluded by --exclude fc2\.\*/);
  const gmp = JSON.parse(lines(shrink("prune", "--dry-run", "--json", "--method", "gmp", "--target-sparsity", "0.8", "--quiet").stdout).at(-1)!);
  assert.deepEqual(gmp.schedule.map((p: { value: number }) => p.value).slice(-1), [0.8]);
  const sap = JSON.parse(lines(shrink("prune", "--dry-run", "--json", "--method", "sap", "--iterations", "4", "--quiet").stdout).at(-1)!);
  assert.equal(sap.schedule.iterations, 4);
  assert.match(sap.schedule.rule, /PQI p 0\.5, q 1/);
  const text = shrink("prune", "--dry-run", "--quiet").stdout;
  assert.match(text, /^model mlp: input 1×28×28, 10 classes, 136074 parameters/);
  assert.match(text, /time: [\d.]+ ms per step \(measured on 250 rows, scaled to the batch\), about [\d.]+ s per epoch/);
  assert.deepEqual(lines(shrink("prune", "--dry-run", "--lr", "-1").stderr), ["shrink prune: --lr: -1 is not allowed (a finite number > 0)"]);
});
