// The conv models through the CLI on small data: cnn pruned by a soft-threshold
// method (slats) and by SAP with per-layer reports naming all five weight
// tensors; resnet18 and mobilenet-v1 trained one epoch on generated 32×32
// CIFAR-10 files, saved, reloaded by `shrink eval` and evaluated to the same
// loss bits, and the reloaded model's logits equal the trained model's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeModel } from "../src/io/model-file.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { engine } from "./helpers/engine.ts";
import { shrink, lines, once } from "./helpers/cli.ts";
import { writeFashionSubset } from "./helpers/fashion-subset.ts";
import { writeTinyCifar } from "./helpers/tiny-cifar.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-conv-cli-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

/** The first 300 training / 100 test images of the embedded Fashion-MNIST, as raw IDX files. */
const fashionDir = once(() => writeFashionSubset(join(TMP, "fashion"), 300, 100));

const cifarDir = once(() => writeTinyCifar(TMP));

const WEIGHTS = ["features.0.weight", "features.4.weight", "features.8.weight", "features.12.weight", "classifier.weight"];

for (const method of ["slats", "sap"]) {
  test(`shrink prune --model cnn --method ${method}: runs end to end and reports every conv and linear weight`, async () => {
    const dir = await fashionDir();
    const out = join(TMP, `cnn-${method}.safetensors`);
    const extra = method === "sap" ? ["--iterations", "2"] : ["--D", "0.3"];
    const r = shrink("prune", "--model", "cnn", "--method", method, "--data-dir", dir, "--epochs", "1", "--batch", "50", "--json", "--out", out, ...extra);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(lines(r.stdout).at(-1)!);
    const byName = new Map<string, { sparsity: number; nonzero: number; params: number }>(s.layers.map((l: { name: string }) => [l.name, l]));
    for (const w of WEIGHTS) {
      assert.ok(byName.has(w), `${w} in the report`);
      assert.match(r.stderr, new RegExp(`^${w.replace(/\./g, "\\.")}\\s`, "m"), `${w} in the printed table`);
    }
    // Pruning reached the conv weights; batch-norm parameters are never pruned.
    assert.ok(WEIGHTS.slice(0, 4).some((w) => byName.get(w)!.sparsity > 0.01), "some conv weights are pruned");
    for (const [name, l] of byName) if (/^features\.(1|5|9|13)\./.test(name)) assert.equal(l.nonzero, l.params, `${name} untouched`);
    // The saved model's running statistics are there and finite.
    const ev = shrink("eval", out, "--data-dir", dir, "--json");
    assert.equal(ev.code, 0, ev.stderr);
    const e = JSON.parse(lines(ev.stdout).at(-1)!);
    assert.ok(Number.isFinite(e.testLoss));
  });
}

for (const model of ["resnet18", "mobilenet-v1"]) {
  test(`${model}: one epoch on generated 32×32 CIFAR-10 data, save, reload, evaluate to identical outputs`, async () => {
    const dir = cifarDir();
    const out = join(TMP, `${model}.safetensors`);
    const width = model === "mobilenet-v1" ? ["--width", "0.5"] : [];
    const r = shrink("train", "--model", model, ...width, "--data-dir", dir, "--epochs", "1", "--batch", "16", "--json", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(lines(r.stdout).at(-1)!);
    assert.ok(Number.isFinite(s.trainLoss) && Number.isFinite(s.testLoss));
    const ev = shrink("eval", out, "--data-dir", dir, "--batch", "16", "--json");
    assert.equal(ev.code, 0, ev.stderr);
    const v = JSON.parse(lines(ev.stdout).at(-1)!);
    // Same model, same data, eval mode both times: the same loss, bit for bit.
    assert.equal(v.testLoss, s.testLoss);
    assert.equal(v.testAccuracy, s.testAccuracy);
    // Reloaded twice in one process: identical logits, and batch-norm statistics survived.
    const eng = await engine();
    const bytes = new Uint8Array(readFileSync(out));
    const a = decodeModel(eng, bytes, out, 4), b = decodeModel(eng, bytes, out, 4);
    const x = new Tensor(eng, [4, 3 * 32 * 32]);
    try {
      eng.f32(x.ptr, x.size).set(Float32Array.from({ length: x.size }, (_, i) => Math.sin(i)));
      for (const m of [a.model, b.model]) m.setTraining(false);
      const ya = eng.f32(a.model.forward(x.ptr, 4), 40).slice();
      const yb = eng.f32(b.model.forward(x.ptr, 4), 40).slice();
      assert.deepEqual(Array.from(ya), Array.from(yb));
      const rv = a.model.buffers().find((t) => t.name.endsWith("running_var"))!;
      assert.ok(rv.value.toArray().some((v) => v !== 1), "running_var was trained and saved");
    } finally {
      a.model.free();
      b.model.free();
      x.free();
    }
  });
}

test("a batch that does not fit wasm32's 4 GiB is one clear line and exit 2, not a trap", () => {
  const r = shrink("train", "--model", "resnet18", "--data-dir", cifarDir(), "--epochs", "1", "--batch", "1000");
  assert.equal(r.code, 2, r.stderr);
  assert.equal(lines(r.stderr).filter((l) => !l.startsWith("data:")).length, 1, r.stderr);
  assert.match(r.stderr, /out of WebAssembly memory: .* exceeds the 4 GiB .*use a smaller batch/);
});
