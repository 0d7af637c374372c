// The README's library snippets are whole example files (each block starts with
// the file's path; the file adds only its leading comment), so running the
// examples runs the snippets. The Node example runs here, on the embedded data,
// and prints what runPrune gives in this process; scripts/test-runtimes.mjs
// runs the Deno, Bun and browser ones and checks they print the same line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { repoRoot, engine } from "./helpers/engine.ts";
import { loadDataset } from "../src/node/index.ts";
import { runPrune } from "../src/prune/run.ts";
import { DEFAULT_TRAIN_CONFIG } from "../src/train/config.ts";
import { DEFAULT_PRUNE } from "../src/prune/config.ts";

const ROOT = repoRoot();
const withoutHeader = (text: string) => text.split("\n").filter((_, i, a) => a.slice(0, i + 1).some((l) => !l.startsWith("//"))).join("\n").trim();

test("every README code block that names an example file is that file, less its leading comment", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```(?:js|ts)\n\/\/ (examples\/[^\n]+)\n([\s\S]*?)```/g)];
  assert.deepEqual(blocks.map((b) => b[1]), ["examples/node/prune.mjs", "examples/deno/prune.ts", "examples/bun/prune.ts", "examples/browser/worker.js"]);
  for (const [, file, code] of blocks) {
    assert.ok(existsSync(join(ROOT, file)), file);
    assert.equal(code.trim(), withoutHeader(readFileSync(join(ROOT, file), "utf8")), `${file} and its README snippet differ`);
  }
  assert.doesNotMatch(readme, /imagesBytes|labelsBytes/, "no snippet uses variables it never defines");
});

test("examples/node/prune.mjs runs as written and prints this process's runPrune result on the embedded data", async () => {
  const r = spawnSync(process.execPath, ["examples/node/prune.mjs"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, SHRINK_DATA_DIR: join(ROOT, "data") }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const e = await engine();
  const { train, test: testSet } = await loadDataset({ dataset: "fashion-mnist", dataDir: join(ROOT, "data") });
  const run = await runPrune(e, { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp", method: "slats", epochs: 3, exclude: [] }, train, testSet);
  assert.equal(r.stdout.trim(), `sparsity ${(100 * run.sparsity).toFixed(2)}%, test accuracy ${run.result.final.testAccuracy.toFixed(4)}`);
  run.dispose();
});
