// Bringing your own model through the CLI: an architecture file trains and
// prunes, its saved model exports to ONNX, and onnxruntime-web scores the
// exported file as `shrink eval` scores the saved one; PyTorch state_dicts load
// with --arch (F32, F16, BF16) to PyTorch's own test accuracy; ONNX files are
// architectures with weights; mismatches are one line listing everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-web";
import { encodeIdx, loadImageLabelPair } from "../src/data/idx.ts";
import { loadDataset } from "../src/node/index.ts";
import { decodeOnnxModel } from "../src/io/onnx/proto.ts";
import { repoRoot } from "./helpers/engine.ts";
import { shrink, lines, once } from "./helpers/cli.ts";
import { writeTinyCifar } from "./helpers/tiny-cifar.ts";

ort.env.wasm.numThreads = 1;
const TMP = mkdtempSync(join(tmpdir(), "shrink-models-cli-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const fixture = (f: string) => join(repoRoot(), "tests", "fixtures", "torch", f);
const expected = JSON.parse(readFileSync(fixture("expected.json"), "utf8")) as { "cnn-w8": Record<string, { test_accuracy: number; test_images: number }> };

/** The first 400 training and 200 test images of the embedded Fashion-MNIST. */
const smallDir = once(async () => {
  const dir = join(TMP, "fashion");
  mkdirSync(dir);
  const d = await loadDataset({ dataset: "fashion-mnist", dataDir: "data" });
  const px = 28 * 28;
  const write = (name: string, dims: number[], data: Uint8Array) => writeFileSync(join(dir, name), encodeIdx(dims, data));
  write("train-images-idx3-ubyte", [400, 28, 28], d.train.images.subarray(0, 400 * px));
  write("train-labels-idx1-ubyte", [400], d.train.labels.subarray(0, 400));
  write("t10k-images-idx3-ubyte", [200, 28, 28], d.test.images.subarray(0, 200 * px));
  write("t10k-labels-idx1-ubyte", [200], d.test.labels.subarray(0, 200));
  return dir;
});

const json = (stdout: string) => JSON.parse(lines(stdout).at(-1)!) as Record<string, unknown>;

test("an architecture file (not built in) prunes from the CLI; its ONNX export scores the same under onnxruntime-web as `shrink eval`", async () => {
  const dir = await smallDir();
  const out = join(TMP, "resdw.safetensors"), onnx = join(TMP, "resdw.onnx");
  const r = shrink("prune", "--arch", fixture("resdw.json"), "--method", "slats", "--epochs", "2", "--batch", "50", "--data-dir", dir, "--out", out, "--json", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const s = json(r.stdout);
  assert.equal(s.model, "custom");
  assert.ok((s.prunedSparsity as number) > 0.05, `some weights pruned: ${s.prunedSparsity}`);
  const ex = shrink("export", out, "--format", "onnx", "--out", onnx, "--quiet");
  assert.equal(ex.code, 0, ex.stderr);
  const ev = json(shrink("eval", out, "--data-dir", dir, "--json", "--quiet").stdout);
  const evOnnx = json(shrink("eval", onnx, "--data-dir", dir, "--json", "--quiet").stdout);
  assert.equal(evOnnx.testAccuracy, ev.testAccuracy, "shrink reads its own ONNX export back to the same accuracy");
  // onnxruntime-web on the same 200 test images, normalised as the file's metadata_props say.
  const bytes = new Uint8Array(readFileSync(onnx));
  const norm = JSON.parse(decodeOnnxModel(bytes, "resdw.onnx").metadata["shrinkwasm.normalize"]) as { scale: number; mean: number[]; std: number[] };
  const test = await loadImageLabelPair(new Uint8Array(readFileSync(join(dir, "t10k-images-idx3-ubyte"))), new Uint8Array(readFileSync(join(dir, "t10k-labels-idx1-ubyte"))), { images: "images", labels: "labels" });
  const x = Float32Array.from(test.images, (p) => (p * norm.scale - norm.mean[0]) / norm.std[0]);
  const session = await ort.InferenceSession.create(bytes);
  const logits = (await session.run({ input: new ort.Tensor("float32", x, [test.count, 1, 28, 28]) })).logits.data as Float32Array;
  await session.release();
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === test.labels[i]) correct++;
  }
  assert.ok(Math.abs(correct - (ev.testAccuracy as number) * test.count) <= 1, `onnxruntime ${correct}/${test.count}, shrink ${ev.testAccuracy}`);
  const ins = json(shrink("inspect", onnx, "--json").stdout) as { tensors: { name: string }[] };
  assert.ok(ins.tensors.some((t) => t.name === "dw.weight"));
});

test("PyTorch state_dicts (F32, F16, BF16) load with --arch: `shrink eval` gives PyTorch's test accuracy on the 10,000 test images", () => {
  for (const [suffix, key] of [["", "float32"], ["-f16", "float16"], ["-bf16", "bfloat16"]]) {
    const r = shrink("eval", fixture(`cnn-w8${suffix}.safetensors`), "--arch", fixture("cnn-w8.json"), "--data-dir", "data", "--json", "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const s = json(r.stdout);
    const want = expected["cnn-w8"][key];
    assert.equal(s.samples, want.test_images);
    assert.ok(Math.abs((s.testAccuracy as number) - want.test_accuracy) * want.test_images <= 1, `${key}: shrink ${s.testAccuracy}, PyTorch ${want.test_accuracy}`);
  }
  // The ONNX export of the same model is an architecture with its weights.
  const o = json(shrink("eval", fixture("cnn-w8-bn.onnx"), "--data-dir", "data", "--json", "--quiet").stdout);
  assert.ok(Math.abs((o.testAccuracy as number) - expected["cnn-w8"].float32.test_accuracy) * 10000 <= 1);
});

test("--init and --arch model.onnx start training from those weights; mismatches list every tensor in one line", async () => {
  const dir = await smallDir();
  const base = ["--epochs", "1", "--batch", "50", "--data-dir", dir, "--json", "--quiet", "--lr", "1e-9", "--momentum", "0", "--no-nesterov", "--weight-decay", "0"];
  // With a learning rate of 1e-9 the trained model is the loaded one: PyTorch's accuracy on these 200 images.
  const fromInit = json(shrink("train", "--arch", fixture("cnn-w8.json"), "--init", fixture("cnn-w8.safetensors"), ...base).stdout);
  const fromOnnx = json(shrink("train", "--arch", fixture("cnn-w8-bn.onnx"), ...base).stdout);
  const fresh = json(shrink("train", "--arch", fixture("cnn-w8.json"), ...base).stdout);
  assert.ok((fromInit.testAccuracy as number) > 0.6, `started from the trained weights: ${fromInit.testAccuracy}`);
  assert.equal(fromOnnx.testAccuracy, fromInit.testAccuracy);
  assert.ok((fresh.testAccuracy as number) < 0.4, `the seeded initialisation is untrained: ${fresh.testAccuracy}`);
  const bad = shrink("train", "--arch", fixture("resdw.json"), "--init", fixture("cnn-w8.safetensors"), ...base);
  assert.equal(bad.code, 2);
  const msg = lines(bad.stderr);
  assert.equal(msg.length, 1, bad.stderr);
  assert.match(msg[0], /^shrink train: .*cnn-w8\.safetensors: the tensors do not match the architecture \(missing: stem\.weight, stem\.bias, .*; unexpected: .*features\.0\.weight/);
  const both = shrink("train", "--arch", fixture("resdw.json"), "--model", "mlp", ...base);
  assert.deepEqual(lines(both.stderr), ["shrink train: --arch: give --model or --arch, not both"]);
  const badArch = join(TMP, "bad.json");
  writeFileSync(badArch, JSON.stringify({ input: [1, 28, 28], layers: [{ type: "conv2d", out_channels: 4, kernel: 0 }] }));
  assert.deepEqual(lines(shrink("train", "--arch", badArch, ...base).stderr), [`shrink train: ${badArch}: layers[0].kernel: must be 1..15, got 0`]);
  const wrongShape = shrink("train", "--arch", fixture("resnet18-w8.onnx"), ...base);
  assert.deepEqual(lines(wrongShape.stderr), ["shrink train: architecture: its input is 3×32×32 but the data's images are 1×28×28"]);
});

test("torch.onnx.export's ResNet-18 and MobileNet-V1 (CIFAR) import, train and prune from their weights on CIFAR-10 files", () => {
  const dir = writeTinyCifar(mkdtempSync(join(TMP, "cifar-")));
  for (const f of ["resnet18-w8.onnx", "mobilenet-a025.onnx"]) {
    const out = join(TMP, f.replace(".onnx", ".safetensors"));
    const r = shrink("prune", "--arch", fixture(f), "--method", "slats", "--D", "0.05", "--epochs", "2", "--batch", "16", "--data-dir", dir, "--out", out, "--json", "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const s = json(r.stdout);
    assert.ok((s.prunedSparsity as number) > 0.3, `${f}: ${s.prunedSparsity}`);
    assert.ok(Number.isFinite(s.testLoss as number));
    // The saved model is self-describing: eval needs no --arch. The run scores
    // the 20 test images in batches of 16 + 4 and eval in one of 20, so the
    // mean loss (batch means times rows, added up) may differ in the last bits.
    const ev = json(shrink("eval", out, "--data-dir", dir, "--json", "--quiet").stdout);
    assert.equal(ev.testAccuracy, s.testAccuracy, f);
    assert.ok(Math.abs((ev.testLoss as number) - (s.testLoss as number)) <= 1e-12 * Math.abs(s.testLoss as number), `${f}: eval loss ${ev.testLoss} vs the run's ${s.testLoss}`);
  }
});
