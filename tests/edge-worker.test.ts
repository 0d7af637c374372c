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
import { engine, freshEngine, repoRoot } from "./helpers/engine.ts";
import { spawnSync } from "node:child_process";
import { loadImageLabelPair } from "../src/data/idx.ts";
import { decodeSafetensors } from "../src/io/safetensors.ts";
import { RunSession } from "../src/prune/run-session.ts";
import { DEFAULT_TRAIN_CONFIG } from "../src/train/config.ts";
import { DEFAULT_PRUNE } from "../src/prune/config.ts";

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

/** workerd serving `dir`/config.capnp on a free port, and the answer to its first POST to `path`. */
async function serve(dir: string, path: string, body: BodyInit) {
  const port = await freePort();
  // workerd's bin is the native binary, or a Node launcher that finds it (depending on its install script).
  const bin = createRequire(import.meta.url).resolve("workerd/bin/workerd");
  const isScript = readFileSync(bin).subarray(0, 2).toString() === "#!";
  const args = ["serve", join(dir, "config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`];
  const child = isScript ? spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] }) : spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  let first: Response | null = null;
  for (let i = 0; i < 100 && !first; i++) {
    try {
      first = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body });
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { port, child, stderr: () => err, first };
}

/** The example's layout under TMP (so config.capnp's relative embeds resolve), with the built bundle and wasm. */
function layout(example: string): string {
  const root = repoRoot();
  const ex = join(TMP, "examples", example);
  mkdirSync(ex, { recursive: true });
  mkdirSync(join(TMP, "dist"), { recursive: true });
  mkdirSync(join(TMP, "build"), { recursive: true });
  for (const f of ["worker.js", "config.capnp"]) copyFileSync(join(root, "examples", example, f), join(ex, f));
  copyFileSync(join(root, "dist", "index.js"), join(TMP, "dist", "index.js"));
  copyFileSync(join(root, "build", "shrinkwasm.wasm"), join(TMP, "build", "shrinkwasm.wasm"));
  return ex;
}

test("the edge Worker serves a 90%-sparse MLP under workerd: its logits equal Node's InferenceSession bit for bit", async () => {
  const e = await engine();
  const ex = layout("edge-worker");
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

  const { port, child, stderr, first } = await serve(ex, "/predict", JSON.stringify({ pixels: images }));
  try {
    const res = first;
    assert.ok(res, `workerd did not answer: ${stderr()}`);
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

test("the training Worker prunes in slices of 2 steps, a fresh engine per request: its model equals the run done in one go in Node", async () => {
  const ex = layout("worker-training");
  const made = spawnSync(process.execPath, [join(repoRoot(), "examples", "worker-training", "make-data.mjs"), "300", "60", join(ex, "data")], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const read = (f: string) => new Uint8Array(readFileSync(join(ex, "data", f)));
  const train = await loadImageLabelPair(read("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte"), { images: "i", labels: "l" });
  const test = await loadImageLabelPair(read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte"), { images: "i", labels: "l" });
  // worker.js's CONFIG (the Worker module itself imports workerd-only modules).
  const config = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp" as const, method: "slats" as const, D: 0.05, epochs: 2, batch: 50, exclude: [], dataset: "fashion-mnist" as const };
  const local = RunSession.start(await freshEngine(), { kind: "prune", config }, train, test);
  assert.equal(await local.advance(), true);
  const want = new Map(local.model.params().map((p) => [p.name, p.value.toArray()]));
  await local.dispose();

  const { port, child, stderr, first } = await serve(ex, "/train?steps=2", new Uint8Array(0));
  try {
    assert.ok(first, `workerd did not answer: ${stderr()}`);
    let res = first, requests = 1;
    while (res.status === 200 && !res.headers.get("x-done")) {
      const snap = new Uint8Array(await res.arrayBuffer());
      res = await fetch(`http://127.0.0.1:${port}/train?steps=2`, { method: "POST", body: snap });
      requests++;
    }
    assert.equal(res.status, 200, await res.clone().text());
    // 300 images / 50 = 6 steps per epoch, 12 in all: a pause after every 2 (the last included), then one to finish.
    assert.equal(requests, 7);
    assert.equal(res.headers.get("x-progress"), "12/12");
    const got = decodeSafetensors(new Uint8Array(await res.arrayBuffer()), "worker model");
    for (const [name, w] of want) assert.deepEqual((got.tensors.get(name)!.data as Float32Array), w, name);
    const bad = await fetch(`http://127.0.0.1:${port}/train?steps=2`, { method: "POST", body: new Uint8Array([1, 2, 3]) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /^request body: file is 3 bytes, too short for a safetensors file/);
  } finally {
    child.kill("SIGTERM");
  }
});
