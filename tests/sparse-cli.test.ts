// Sparse deployment through the CLI: export --format sparse is smaller and
// evaluates identically; shrink infer scores the test set like shrink eval and
// classifies an IDX file; shrink bench reports sizes and per-layer latency.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeIdx } from "../src/data/idx.ts";
import { loadDataset } from "../src/node/index.ts";
import { shrink, lines } from "./helpers/cli.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-sparse-cli-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!) as Record<string, any>;

test("prune to 90%, export sparse: a fifth of the file, the same test accuracy from eval and infer; infer --input classifies an IDX file; bench --json", async () => {
  const dense = join(TMP, "m.safetensors"), sparse = join(TMP, "m.sparse.safetensors");
  const r = shrink("prune", "--method", "magnitude", "--target-sparsity", "0.9", "--epochs", "2", "--out", dense, "--quiet", "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(shrink("export", dense, "--format", "sparse", "--out", sparse, "--quiet").code, 0);
  const ratio = statSync(sparse).size / statSync(dense).size;
  assert.ok(ratio <= 0.2, `sparse file ${(100 * ratio).toFixed(1)}% of the dense one`);
  const ev = json(shrink("eval", dense, "--json", "--quiet").stdout);
  const evSparse = json(shrink("eval", sparse, "--json", "--quiet").stdout);
  assert.equal(evSparse.testLoss, ev.testLoss, "the sparse file is the same model, bit for bit");
  const inf = json(shrink("infer", sparse, "--json").stdout);
  assert.ok(Math.abs(inf.testAccuracy - ev.testAccuracy) * 10000 <= 1, `infer ${inf.testAccuracy}, eval ${ev.testAccuracy}`);
  assert.ok(inf.layers.some((l: { path: string }) => l.path === "sparse"));
  const d = await loadDataset({ dataset: "fashion-mnist", dataDir: "data" });
  const idx = join(TMP, "five-idx3-ubyte");
  writeFileSync(idx, encodeIdx([5, 28, 28], d.test.images.subarray(0, 5 * 784)));
  const pr = json(shrink("infer", sparse, "--input", idx, "--json").stdout);
  assert.equal(pr.predictions.length, 5);
  assert.ok(pr.predictions.every((c: number) => Number.isInteger(c) && c >= 0 && c < 10));
  const b = json(shrink("bench", sparse, "--batch", "1,8", "--json").stdout);
  assert.ok(b.sizes.sparse < b.sizes.dense / 5 && b.sizes.sparseF16 < b.sizes.sparse);
  assert.deepEqual(b.results.map((x: { batch: number }) => x.batch), [1, 8]);
  assert.deepEqual(b.results[0].layers.map((l: { name: string }) => l.name), ["fc1", "relu1", "fc2", "relu2", "fc3"]);
  assert.deepEqual(lines(shrink("bench", sparse, "--batch", "0").stderr), ["shrink bench: --batch: 0 is not allowed (comma-separated integers from 1 to 4096)"]);
});
