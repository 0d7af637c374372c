// Architecture files (src/nn/architecture.ts, docs/model-format.md): the
// built-in models go through the same path; errors name the JSON path; the
// layers that only architecture files and ONNX imports use (relu6, a residual
// without ReLU, a bias-free linear, rectangular and padded pooling, flatten)
// compute what they say (closed forms, central differences).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../src/engine/rng.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { parseArchitecture, planFromArchitecture, canonicalLayers, ARCH_LIMITS, type Architecture } from "../src/nn/architecture.ts";
import { buildModel, modelSpec, specFromArchitecture, modelPlan, MODEL_NAMES } from "../src/nn/models.ts";
import { planTensors } from "../src/nn/plan.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { gradCheck } from "./helpers/gradcheck.ts";
import { engine, repoRoot, tensorFrom, lcg, uniformArray } from "./helpers/engine.ts";

const fixture = (f: string) => join(repoRoot(), "tests", "fixtures", "torch", f);

test("the five built-in models are architecture documents: their plans give the same state_dict after a JSON round trip", () => {
  for (const name of MODEL_NAMES) {
    const spec = modelSpec(name, name === "resnet18" || name === "mobilenet-v1" ? [3, 32, 32] : [1, 28, 28], 10);
    const again = parseArchitecture(JSON.stringify(spec.architecture), name);
    assert.deepEqual(planTensors(again.plan), planTensors(modelPlan(spec)), name);
    assert.equal(again.classes, 10);
    assert.deepEqual(canonicalLayers(spec.architecture.layers), spec.architecture.layers, `${name}: stored in canonical form`);
  }
  // Known parameter counts (PyTorch's): MLP 784·128+128 + 128·256+256 + 256·10+10; ResNet-18 (CIFAR, 10 classes).
  const count = (s: ReturnType<typeof modelSpec>) => planTensors(modelPlan(s)).filter((t) => !t.buffer).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  assert.equal(count(modelSpec("mlp", [1, 28, 28])), 136074);
  assert.equal(count(modelSpec("resnet18", [3, 32, 32])), 11173962);
});

test("architecture errors name the JSON path, the value and what is allowed", () => {
  const base = (layers: unknown[], input: unknown = [1, 8, 8]) => JSON.stringify({ format: "shrinkwasm-arch/1", input, layers });
  const conv = { type: "conv2d", out_channels: 4, kernel: 3 };
  const cases: [string, RegExp][] = [
    [base([conv, conv, conv, { type: "conv2d", out_channels: 4, kernel: 0 }]), /^a\.json: layers\[3\]\.kernel: must be 1\.\.15, got 0$/],
    [base([{ ...conv, kernel: [3, 16] }]), /layers\[0\]\.kernel\[1\]: must be 1\.\.15, got 16/],
    [base([{ ...conv, groups: 3 }]), /layers\[0\]\.groups: 3 must divide both the 1 input and the 4 output channels/],
    [base([{ type: "conv2d", kernel: 3 }]), /layers\[0\]\.out_channels: must be 1\.\.65536, got undefined/],
    [base([{ type: "softmax" }]), /layers\[0\]\.type: must be one of linear, conv2d, .*got "softmax"/],
    [base([{ ...conv, stirde: 2 }]), /layers\[0\]\.stirde: is not a field of conv2d/],
    [base([{ type: "linear", out_features: 3 }]), /layers\[0\]: linear needs a flat input, got 1×8×8 \(put a flatten or global_avgpool2d before it\)/],
    [base([{ type: "flatten" }, conv]), /layers\[1\]: conv2d needs a \[channels, height, width\] input, got a flat vector of 64/],
    [base([{ ...conv, name: "a" }, { ...conv, name: "a" }, { type: "flatten" }, { type: "linear", out_features: 2 }]), /layers\[1\]\.name: "a" is already the name of layers\[0\]/],
    [base([{ ...conv, name: "bad name" }]), /layers\[0\]\.name: must be dot-separated words/],
    [base([{ type: "conv2d", out_channels: 4, kernel: 9 }]), /layers\[0\]: input 1×8×8 is too small for layer 0/],
    [base([conv, { type: "global_avgpool2d" }, { type: "linear", out_features: 1 }]), /layers: the model ends with 1 output; a classifier needs at least 2/],
    [base([conv]), /layers: the model ends with a 4×6×6 activation/],
    [base([{ type: "relu" }, { type: "flatten" }]), /the model ends with 64 output|nothing to train/],
    [base([{ type: "residual", main: [{ ...conv, padding: 1, out_channels: 2 }] }, { type: "flatten" }, { type: "linear", out_features: 2 }]), /layers\[0\]: main gives 2×8×8 but the identity shortcut gives 1×8×8/],
    [base([{ type: "residual", main: [{ ...conv, padding: 1, out_channels: 1 }, { type: "relu" }] }, { type: "flatten" }, { type: "linear", out_features: 2 }]), /layers\[0\]\.main: must not end in relu/],
    [base([{ type: "maxpool2d", kernel: 2, padding: 2 }]), /layers\[0\]\.padding: must be at most half the kernel/],
    [base([conv], [1, 8]), /input: must be \[channels, height, width\] or \[features\], got \[1,8\]/],
    [base([conv], [1, 5000, 5000]), /input\[1\]: must be 1\.\.4096, got 5000/],
    [base([{ type: "flatten" }, { type: "linear", out_features: 65536 }, { type: "linear", out_features: 65536 }]), /layers\[2\]: the model would hold more than 268435456 parameters/],
    ["{", /^a\.json: not valid JSON/],
    [JSON.stringify({ format: "onnx", input: [1], layers: [] }), /format: must be "shrinkwasm-arch\/1", got "onnx"/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseArchitecture(text, "a.json"), (err: unknown) => err instanceof ShrinkError && err.code === "E_ARCH" && re.test(err.message), `${text.slice(0, 120)} → ${re}`);
  }
  // Nesting depth is bounded (a hostile file cannot recurse without limit).
  let deep: unknown = { type: "conv2d", out_channels: 1, kernel: 1 };
  for (let i = 0; i < ARCH_LIMITS.depth + 1; i++) deep = { type: "residual", main: [deep] };
  assert.throws(() => planFromArchitecture({ input: [1, 4, 4], layers: [deep, { type: "flatten" }, { type: "linear", out_features: 2 }] }), /nest at most 8 deep/);
});

test("relu6: y = min(max(x, 0), 6) and dx = dy where 0 < y < 6, element by element, SIMD body and tail", async () => {
  const e = await engine();
  const xs = [-1, -0, 0, 0.5, 5.999, 6, 6.5, 100, -100, 3, 1e-30, 7];
  const x = tensorFrom(e, [xs.length], Float32Array.from(xs));
  const y = new Tensor(e, [xs.length]);
  const dy = tensorFrom(e, [xs.length], Float32Array.from(xs, (_, i) => i + 1));
  try {
    e.k.relu6_forward(x.ptr, y.ptr, xs.length);
    assert.deepEqual([...y.toArray()], xs.map((v) => Math.fround(Math.min(Math.max(v, 0), 6))).map((v) => (Object.is(v, -0) ? 0 : v)));
    e.k.relu6_backward(dy.ptr, y.ptr, dy.ptr, xs.length);
    assert.deepEqual([...dy.toArray()], xs.map((v, i) => (v > 0 && v < 6 ? i + 1 : 0)));
  } finally {
    x.free(); y.free(); dy.free();
  }
});

test("an architecture without kinks (conv, batch norm, residual without ReLU, padded rectangular average pooling, bias-free linear): every parameter's gradient matches central differences", async () => {
  const e = await engine();
  const arch: Architecture = {
    format: "shrinkwasm-arch/1", input: [2, 6, 6],
    layers: [
      { type: "conv2d", name: "c", out_channels: 3, kernel: [3, 2], padding: [1, 0], dilation: [1, 2] },
      { type: "batchnorm2d", name: "bn" },
      { type: "residual", name: "r", relu: false, main: [{ type: "conv2d", name: "m", out_channels: 3, kernel: 1 }, { type: "batchnorm2d", name: "mb", eps: 1e-3 }] },
      { type: "avgpool2d", name: "p", kernel: [2, 3], stride: [2, 1], padding: [1, 1] },
      { type: "flatten", name: "f" },
      { type: "linear", name: "fc", out_features: 4, bias: false },
    ],
  };
  const spec = specFromArchitecture(arch);
  const rows = 5;
  const rng = new Rng(e, 7);
  const model = buildModel(e, spec, rows, rng);
  rng.free();
  assert.deepEqual(model.params().map((p) => p.name), ["c.weight", "c.bias", "bn.weight", "bn.bias", "m.weight", "m.bias", "mb.weight", "mb.bias", "fc.weight"]);
  const rand = lcg(3);
  const x = tensorFrom(e, [rows, spec.inputs], uniformArray(rand, rows * spec.inputs, -1, 1));
  const G = uniformArray(rand, rows * 4, -1, 1);
  const dy = tensorFrom(e, [rows, 4], G);
  try {
    const loss = () => G.reduce((s, g, i) => s + g * e.f32(model.forward(x.ptr, rows), rows * 4)[i], 0);
    loss();
    model.backward(dy.ptr, rows);
    for (const p of model.params()) {
      const g = p.grad.toArray();
      const maxG = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      // A conv bias right before a training-mode batch norm cancels out: its gradient is 0 in closed form.
      if (p.name === "c.bias" || p.name === "m.bias") { assert.ok(maxG < 1e-5, `${p.name}: ${maxG}`); continue; }
      assert.ok(maxG > 1e-3, `${p.name}: gradient not trivially zero`);
      const r = gradCheck(p.name, () => p.value.view(), g, loss, 1e-2, Math.max(3e-4, 2e-3 * maxG));
      assert.equal(r.checked, p.value.size);
    }
  } finally {
    model.free(); x.free(); dy.free();
  }
});

test("the committed architecture fixtures (written with their PyTorch twins by scripts/fixtures/torch-models.py) parse", () => {
  for (const f of ["cnn-w8.json", "resdw.json", "dilated.json"]) {
    const a = parseArchitecture(readFileSync(fixture(f), "utf8"), f);
    assert.equal(a.classes, 10, f);
  }
});

test("a built-in model and the same layers given as an architecture file build the same initial weights, bit for bit", async () => {
  const e = await engine();
  const builtin = modelSpec("cnn", [1, 28, 28], 10);
  const custom = specFromArchitecture(JSON.parse(JSON.stringify(builtin.architecture)));
  assert.equal(custom.arch, "custom");
  const weights = (s: typeof builtin) => {
    const rng = new Rng(e, 42);
    const m = buildModel(e, s, 1, rng, { inference: true });
    rng.free();
    const out = m.params().map((p) => [p.name, [...new Uint32Array(p.value.toArray().buffer)]] as const);
    m.free();
    return out;
  };
  assert.deepEqual(weights(custom), weights(builtin));
});
