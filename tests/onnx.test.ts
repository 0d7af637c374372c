// ONNX in and out (src/io/onnx/, docs/onnx.md). The oracle is onnxruntime-web
// (its own wasm, in this process, one thread) for what shrink exports, and
// PyTorch (logits committed by scripts/fixtures/torch-models.py) for what
// torch.onnx.export wrote. Logits agree when |Δ| ≤ tol·max|logit| element-wise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-web";
import type { Engine } from "../src/engine/engine.ts";
import { Rng } from "../src/engine/rng.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { buildModel, modelSpec, specFromArchitecture, MODEL_NAMES, SPIKING_MODELS, type ModelSpec } from "../src/nn/models.ts";
import { parseArchitecture, canonicalLayers } from "../src/nn/architecture.ts";
import type { Sequential } from "../src/nn/sequential.ts";
import { importOnnx } from "../src/io/onnx/import.ts";
import { exportOnnx, normalisationProps } from "../src/io/onnx/export.ts";
import { decodeOnnxModel } from "../src/io/onnx/proto.ts";
import { modelFromTensors } from "../src/io/model-file.ts";
import { engine, repoRoot } from "./helpers/engine.ts";

ort.env.wasm.numThreads = 1;
const fixture = (f: string) => join(repoRoot(), "tests", "fixtures", "torch", f);
const expected = JSON.parse(readFileSync(fixture("expected.json"), "utf8")) as { onnx: Record<string, { input: number[]; logits: number[] }> };

/** The fixtures' probe input: element i = f32(1.5·sin(0.37·i + 0.5)), C order. */
const probe = (n: number) => Float32Array.from({ length: n }, (_, i) => 1.5 * Math.sin(0.37 * i + 0.5));

function forward(e: Engine, model: Sequential, x: Float32Array, rows: number, classes: number): Float32Array {
  model.setTraining(false);
  const p = e.alloc(x.length);
  try {
    e.f32(p, x.length).set(x);
    return e.f32(model.forward(p, rows), rows * classes).slice();
  } finally {
    e.free(p);
  }
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let scale = 0, d = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / scale;
}

/** Non-trivial batch-norm statistics, so evaluation-mode BN (and its folding) is exercised. */
function randomiseBuffers(model: Sequential): void {
  for (const b of model.buffers()) {
    if (b.value.dtype !== "f32") continue;
    const n = b.value.size;
    b.value.set(Float32Array.from({ length: n }, (_, i) => (b.name.endsWith("running_var") ? 0.5 + ((i * 7) % 11) / 11 : (((i * 5) % 9) - 4) / 20)));
  }
}

async function ortLogits(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run({ input: new ort.Tensor("float32", x, shape) });
    return r.logits.data as Float32Array;
  } finally {
    await s.release();
  }
}

const BUILTIN_INPUT: Record<string, [number, number, number]> = { linear: [1, 28, 28], mlp: [1, 28, 28], cnn: [1, 28, 28], resnet18: [3, 32, 32], "mobilenet-v1": [3, 32, 32] };

async function checkUnderOrt(e: Engine, spec: ModelSpec, what: string): Promise<void> {
  const rows = 3;
  const rng = new Rng(e, 11);
  const model = buildModel(e, spec, rows, rng, { inference: true });
  rng.free();
  try {
    randomiseBuffers(model);
    const x = probe(rows * spec.inputs);
    const y = forward(e, model, x, rows, spec.classes);
    for (const foldBn of [false, true]) {
      const bytes = exportOnnx(e, model, spec, { foldBn });
      const z = await ortLogits(bytes, x, [rows, ...spec.architecture.input]);
      const d = maxRelDiff(z, y);
      assert.ok(d <= 1e-5, `${what}${foldBn ? " (folded BN)" : ""}: onnxruntime-web logits differ from shrink's by ${d.toExponential(2)} of max|logit|`);
    }
    // import(export(model)) is the same architecture and bit-identical tensors.
    const back = importOnnx(exportOnnx(e, model, spec), what);
    assert.deepEqual(back.architecture.layers, canonicalLayers(spec.architecture.layers), `${what}: architecture round trip`);
    assert.deepEqual(back.architecture.input, spec.architecture.input);
    const values = new Map([...model.params(), ...model.buffers().filter((b) => b.value.dtype === "f32")].map((p) => [p.name, p.value.toArray()]));
    assert.deepEqual([...back.tensors.keys()].sort(), [...values.keys()].sort(), `${what}: tensor names`);
    for (const [k, v] of values) assert.deepEqual(new Uint32Array(back.tensors.get(k)!.data.buffer as ArrayBuffer), new Uint32Array(v.buffer), `${what}: ${k} bits`);
  } finally {
    model.free();
  }
}

for (const name of MODEL_NAMES.filter((n) => !SPIKING_MODELS.includes(n))) {
  test(`exported ${name}: onnxruntime-web's logits within 1e-5 of shrink's (BN folded or not), and import(export) gives it back bit for bit`, async () => {
    const e = await engine();
    await checkUnderOrt(e, modelSpec(name, BUILTIN_INPUT[name], 10), name);
  });
}

for (const name of SPIKING_MODELS) {
  test(`exporting ${name} is refused with one line (ONNX has no spiking neuron)`, async () => {
    const e = await engine();
    const spec = modelSpec(name, [1, 28, 28], 10, { width: 0.0625 });
    const rng = new Rng(e, 0);
    const model = buildModel(e, spec, 1, rng);
    rng.free();
    try {
      assert.throws(() => exportOnnx(e, model, spec), /^ShrinkError: ONNX export: spiking models \(multistep with lif\/if neurons\) are not supported here/);
    } finally {
      model.free();
    }
  });
}

for (const f of ["resdw.json", "dilated.json"]) {
  test(`exported ${f} (not built in: ${f === "resdw.json" ? "depthwise conv, residual projection, relu6, average pooling, bias-free linear" : "dilated conv, padded max pool, grouped conv, residual without ReLU"}) agrees with onnxruntime-web`, async () => {
    const e = await engine();
    await checkUnderOrt(e, specFromArchitecture(parseArchitecture(readFileSync(fixture(f), "utf8"), f).architecture), f);
  });
}

for (const name of ["cnn-w8", "cnn-w8-bn", "resnet18-w8", "mobilenet-a025", "resdw", "dilated"]) {
  test(`torch.onnx.export's ${name}.onnx imports; its logits match PyTorch's to 1e-5, and re-export → import is identical`, async () => {
    const e = await engine();
    const m = importOnnx(new Uint8Array(readFileSync(fixture(`${name}.onnx`))), `${name}.onnx`);
    const spec = specFromArchitecture(m.architecture);
    const ref = expected.onnx[name];
    assert.deepEqual(m.architecture.input, ref.input);
    const rows = ref.logits.length / spec.classes;
    const model = modelFromTensors(e, spec, m.tensors, name, rows, { inference: true });
    try {
      const y = forward(e, model, probe(rows * spec.inputs), rows, spec.classes);
      const d = maxRelDiff(y, ref.logits);
      assert.ok(d <= 1e-5, `${name}: shrink's logits differ from PyTorch's by ${d.toExponential(2)} of max|logit|`);
      const again = importOnnx(exportOnnx(e, model, spec), name);
      assert.deepEqual(again.architecture.layers, m.architecture.layers);
      for (const [k, t] of m.tensors) assert.deepEqual(again.tensors.get(k)?.data, t.data, `${name}: ${k}`);
    } finally {
      model.free();
    }
  });
}

test("PyTorch names survive the import: the BN-preserving CNN keeps features.N, the folded one gets a bias per conv", () => {
  const bn = importOnnx(new Uint8Array(readFileSync(fixture("cnn-w8-bn.onnx"))), "cnn-w8-bn.onnx");
  assert.deepEqual([...bn.tensors.keys()].filter((k) => k.startsWith("features.0.") || k.startsWith("features.1.")).sort(),
    ["features.0.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var", "features.1.weight"]);
  assert.ok(bn.tensors.has("classifier.weight") && bn.tensors.has("classifier.bias"));
  const folded = importOnnx(new Uint8Array(readFileSync(fixture("cnn-w8.onnx"))), "cnn-w8.onnx");
  const convs = folded.architecture.layers.filter((l) => l.type === "conv2d");
  assert.equal(convs.length, 4);
  assert.ok(convs.every((l) => l.type === "conv2d" && l.bias !== false), "each conv carries the folded BN as its bias");
  assert.ok(!folded.architecture.layers.some((l) => l.type === "batchnorm2d"));
});

test("unsupported ops are refused by name and node; malformed files get one ShrinkError", () => {
  assert.throws(() => importOnnx(new Uint8Array(readFileSync(fixture("unsupported.onnx"))), "u.onnx"),
    (err: unknown) => err instanceof ShrinkError && /^u\.onnx: node "[^"]*Sigmoid[^"]*" \(Sigmoid\): op Sigmoid is not supported \(supported: Gemm, MatMul, Conv/.test(err.message));
  for (const [bytes, re] of [[new Uint8Array([0x0a]), /truncated varint|past the end/], [new Uint8Array([0x08, 0x07]), /no graph/], [new Uint8Array(0), /no graph/]] as const) {
    assert.throws(() => importOnnx(bytes, "bad.onnx"), (err: unknown) => err instanceof ShrinkError && err.code === "E_ONNX" && re.test(err.message), String(re));
  }
});

test("exported files: opset 13, input normalisation and the architecture in metadata_props, zeros stay exact zeros", async () => {
  const e = await engine();
  const spec = modelSpec("mlp", [1, 28, 28], 10);
  const rng = new Rng(e, 5);
  const model = buildModel(e, spec, 1, rng, { inference: true });
  rng.free();
  try {
    const w = model.params()[0].value;
    const v = w.toArray();
    for (let i = 0; i < v.length; i += 2) v[i] = 0;
    w.set(v);
    const bytes = exportOnnx(e, model, spec, { metadata: normalisationProps("fashion-mnist") });
    const m = decodeOnnxModel(bytes, "mlp.onnx");
    assert.deepEqual(m.opsets, [{ domain: "", version: 13 }]);
    assert.deepEqual(JSON.parse(m.metadata["shrinkwasm.normalize"]), { scale: 1 / 255, mean: [0.286], std: [0.353] });
    assert.equal(m.metadata["shrinkwasm.dataset"], "fashion-mnist");
    assert.deepEqual(JSON.parse(m.metadata["shrinkwasm.architecture"]), spec.architecture);
    const init = m.graph!.initializers.find((t) => t.name === "fc1.weight")!;
    const f = new Float32Array(init.raw!.slice().buffer);
    let zeros = 0;
    for (let i = 0; i < f.length; i++) if (Object.is(f[i], 0)) zeros++;
    assert.equal(zeros, Math.ceil(v.length / 2));
  } finally {
    model.free();
  }
});
