// The conv models against PyTorch (tests/fixtures/conv-models.json, made by
// scripts/fixtures/conv-models.py; docs/pytorch-crosscheck.md). Parameters and
// input come from a closed formula both sides evaluate, so the fixture holds
// only outputs. Checked: state_dict names and shapes, eval-mode logits (running
// statistics), train-mode logits (batch statistics), the first batch norm's
// running statistics after one training forward, the loss and the gradients
// PyTorch recorded. Errors are relative to the largest |value| of each
// quantity; the tolerance is 1e-4, or ten times PyTorch's own float32-vs-float64
// error where that is larger (ResNet-18 in training mode amplifies rounding:
// docs/pytorch-crosscheck.md), and quantities whose float32 reference is off by
// more than 1e-2 from float64 are not compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { modelSpec } from "../src/nn/models.ts";
import { engine, repoRoot } from "./helpers/engine.ts";
import { fixtureModel, relErr } from "./helpers/torch-fixture.ts";

interface Disc { max_rel: number }
interface B64 { values: { b64: string; length: number } }
interface Case {
  model: string; in_ch: number; height: number; width: number; classes: number; alpha: number | null; batch: number;
  labels: number[]; first_bn: string; keys: [string, number[]][]; buffers_int: [string, number[]][];
  eval_logits: number[]; train_logits: number[]; bn_running_mean: number[]; bn_running_var: number[]; loss: number;
  grads: Record<string, B64>; f64_discrepancy: Record<string, Disc> & { grads: Record<string, Disc> };
}

const fixture = JSON.parse(readFileSync(join(repoRoot(), "tests/fixtures/conv-models.json"), "utf8")) as { cases: Case[] };

const ARCH: Record<string, string> = { cnn: "cnn", resnet18: "resnet18", mobilenet_v1: "mobilenet-v1" };

function decode(t: B64): Float32Array {
  const b = Buffer.from(t.values.b64, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

const tol = (d: Disc) => Math.max(1e-4, 10 * d.max_rel);

for (const c of fixture.cases) {
  const label = `${c.model}${c.alpha ? ` α=${c.alpha}` : ""} ${c.in_ch}×${c.height}×${c.width}, K=${c.classes}`;
  test(`PyTorch cross-check ${label}: names, eval and train logits, BN statistics, loss and gradients`, async (t) => {
    const e = await engine();
    const spec = modelSpec(ARCH[c.model], [c.in_ch, c.height, c.width], c.classes, { width: c.alpha ?? 1 });
    const N = c.batch, K = c.classes;
    const { model, tensors, x, y, dl, scratch, free } = fixtureModel(e, spec, N, c.labels, c.keys, c.buffers_int.map(([n]) => n));
    try {
      model.setTraining(false);
      const evalLogits = e.f32(model.forward(x.ptr, N), N * K).slice();
      const rEval = relErr(evalLogits, c.eval_logits);
      assert.ok(rEval <= 1e-4, `eval logits: relative error ${rEval} > 1e-4`);

      model.setTraining(true);
      const trainLogits = e.f32(model.forward(x.ptr, N), N * K).slice();
      const d = c.f64_discrepancy;
      const rTrain = relErr(trainLogits, c.train_logits);
      assert.ok(rTrain <= tol(d.train_logits), `train logits: relative error ${rTrain} > ${tol(d.train_logits)}`);
      assert.ok(relErr(tensors.get(`${c.first_bn}.running_mean`)!.toArray(), c.bn_running_mean) <= 1e-5, "running_mean after one step");
      assert.ok(relErr(tensors.get(`${c.first_bn}.running_var`)!.toArray(), c.bn_running_var) <= 1e-5, "running_var after one step (unbiased)");
      assert.equal(e.i32(tensors.get(`${c.first_bn}.num_batches_tracked`)!.ptr, 1)[0], 1);

      const loss = e.k.softmax_xent(model.forward(x.ptr, N), y.ptr, N, K, 0, dl.ptr, scratch);
      assert.ok(Math.abs(loss - c.loss) <= tol(d.loss) * Math.abs(c.loss), `loss ${loss} vs PyTorch ${c.loss}`);
      model.backward(dl.ptr, N);
      const grads = new Map(model.params().map((p) => [p.name, p.grad] as const));
      let compared = 0;
      const gradErrs: string[] = [];
      for (const [name, g] of Object.entries(c.grads)) {
        const disc = d.grads[name];
        if (disc.max_rel > 1e-2) continue;
        const r = relErr(grads.get(name)!.toArray(), decode(g));
        assert.ok(r <= tol(disc), `grad ${name}: relative error ${r} > ${tol(disc)}`);
        gradErrs.push(`${name} ${r.toExponential(1)}`);
        compared++;
      }
      assert.ok(compared >= 2, `at least the classifier's gradients are compared (${compared})`);
      t.diagnostic(`relative errors: eval logits ${rEval.toExponential(2)}, train logits ${rTrain.toExponential(2)}, loss ${(Math.abs(loss - c.loss) / Math.abs(c.loss)).toExponential(2)}, gradients ${gradErrs.join(", ")}`);
    } finally {
      free();
    }
  });
}
