// examples/edge-worker under workerd (the Cloudflare Workers runtime, from
// npm), on 127.0.0.1, stopped by its PID: a sparse model file is a module of
// the Worker, and its predictions equal the same model run in Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { Rng } from "../src/engine/rng.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import { encodeModel } from "../src/io/model-file.ts";
import { InferenceSession } from "../src/infer/session.ts";
import { loadDataset } from "../src/node/index.ts";
import { engine, repoRoot } from "./helpers/engine.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-edge-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

test("the edge Worker serves a 90%-sparse MLP under workerd: its logits equal Node's InferenceSession bit for bit", async () => {
  const e = await engine();
  const root = repoRoot();
  // The example's layout under TMP, so config.capnp's relative embeds resolve.
  const ex = join(TMP, "examples", "edge-worker");
  mkdirSync(ex, { recursive: true });
  mkdirSync(join(TMP, "dist"));
  mkdirSync(join(TMP, "build"));
  for (const f of ["worker.js", "config.capnp"]) copyFileSync(join(root, "examples", "edge-worker", f), join(ex, f));
  copyFileSync(join(root, "dist", "index.js"), join(TMP, "dist", "index.js"));
  copyFileSync(join(root, "build", "shrinkwasm.wasm"), join(TMP, "build", "shrinkwasm.wasm"));
  const spec = modelSpec("mlp", [1, 28, 28], 10);
  const rng = new Rng(e, 4);
  const model = buildModel(e, spec, 1, rng, { inference: true });
  rng.free();
  for (const p of model.params()) {
    if (p.kind !== "weight") continue;
    const v = p.value.toArray();
    for (let i = 0; i < v.length; i++) if ((i * 7919) % 10 !== 0) v[i] = 0;
    p.value.set(v);
  }
  const bytes = encodeModel(model, spec, { training: { dataset: "fashion-mnist" } }, { sparse: {} });
  writeFileSync(join(ex, "model.safetensors"), bytes);
  const local = InferenceSession.fromBytes(e, bytes, "m", { maxBatch: 8 });
  model.free();
  const d = await loadDataset({ dataset: "fashion-mnist", dataDir: "data" });
  const images = Array.from({ length: 8 }, (_, r) => Array.from(d.test.images.subarray(r * 784, (r + 1) * 784)));
  const x = Float32Array.from(images.flat(), (v) => (v / 255 - 0.286) / 0.353);
  const want = local.predict(x, 8);
  local.free();

  const port = await freePort();
  // workerd's bin is the native binary, or a Node launcher that finds it (depending on its install script).
  const bin = createRequire(import.meta.url).resolve("workerd/bin/workerd");
  const isScript = readFileSync(bin).subarray(0, 2).toString() === "#!";
  const args = ["serve", join(ex, "config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`];
  const child = isScript ? spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] }) : spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  try {
    let res: Response | null = null;
    for (let i = 0; i < 100 && !res; i++) {
      try {
        res = await fetch(`http://127.0.0.1:${port}/predict`, { method: "POST", body: JSON.stringify({ pixels: images }) });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(res, `workerd did not answer: ${stderr}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { predictions: number[]; logits: number[][] };
    // The same wasm and the same inputs: the same bits (f32 logits survive JSON exactly).
    assert.deepEqual(body.logits.flat(), Array.from(want));
    assert.equal(body.predictions.length, 8);
    const bad = await fetch(`http://127.0.0.1:${port}/predict`, { method: "POST", body: JSON.stringify({ pixels: [[1, 2]] }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /^pixels: 1 to 1024 images of 784 values/);
  } finally {
    child.kill("SIGTERM");
  }
});
