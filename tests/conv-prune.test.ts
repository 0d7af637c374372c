// Pruning applies to conv nets with no special cases: the prunable set is every
// conv (depthwise included) and linear weight and nothing else; the neuron
// scope makes each output filter a neuron; S-LATS, Lottery Ticket, One Shot
// and SAP each prune every weight tensor of a small MobileNet-V1 (depthwise
// and pointwise convs) while batch-norm parameters and statistics stay dense.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/engine/rng.ts";
import { buildModel, modelSpec, weightNames, paramNames, MODEL_NAMES } from "../src/nn/models.ts";
import { prunableParams } from "../src/prune/prunable.ts";
import { scopeGroups } from "../src/prune/scopes.ts";
import { runPrune } from "../src/prune/run.ts";
import { runIterativePrune } from "../src/prune/run-iterative.ts";
import { DEFAULT_PRUNE, type PruneConfig } from "../src/prune/config.ts";
import { DEFAULT_TRAIN_CONFIG } from "../src/train/config.ts";
import { engine, syntheticImageSet } from "./helpers/engine.ts";

test("prunable parameters of every model: exactly the conv and linear weights (depthwise included), never batch norm or biases", async () => {
  const e = await engine();
  for (const arch of MODEL_NAMES) {
    const spec = modelSpec(arch, arch === "linear" || arch === "mlp" ? 784 : [3, 16, 16], 10, { width: arch === "mobilenet-v1" ? 0.25 : 1 });
    const rng = new Rng(e, 1);
    const model = buildModel(e, spec, 2, rng);
    rng.free();
    try {
      const pr = prunableParams(model.params()).map((p) => p.name);
      assert.deepEqual(pr, weightNames(spec), arch);
      assert.deepEqual(model.params().map((p) => p.name), paramNames(spec), `${arch}: plan names = built names`);
      for (const p of model.params()) {
        const isWeight = p.value.shape.length >= 2;
        assert.equal(pr.includes(p.name), isWeight, `${arch}: ${p.name} (${p.kind}, [${p.value.shape}])`);
      }
      if (arch === "mobilenet-v1") assert.ok(pr.includes("layers.0.conv1.weight") && !pr.includes("layers.0.bn1.weight"));
      if (arch === "resnet18") assert.ok(pr.includes("layer2.0.downsample.0.weight") && !pr.includes("layer2.0.downsample.1.weight"));
      // Neuron scope: one group per output filter, its fan-in (C/groups)·kh·kw.
      for (const p of prunableParams(model.params())) {
        const groups = scopeGroups([p], "neuron");
        assert.equal(groups.length, p.value.shape[0]);
        assert.ok(groups.every((g) => g.size === p.value.size / p.value.shape[0]));
      }
    } finally {
      model.free();
    }
  }
});

const train = syntheticImageSet(64, 1, 16, 16);
const test_ = syntheticImageSet(32, 2, 16, 16);
const base: PruneConfig = {
  ...DEFAULT_TRAIN_CONFIG, model: "mobilenet-v1", width: 0.25, epochs: 1, batch: 32, lr: 0.05,
  method: "slats", beta: DEFAULT_PRUNE.beta, grad: DEFAULT_PRUNE.grad, threshold: DEFAULT_PRUNE.threshold, scope: "layer", iterations: 2, p: 0.5, q: 1, etaR: 0, gamma: 1, maxRatio: 0.9, ratio: 0.3, sInit: -5,
} as PruneConfig;

for (const method of ["slats", "lottery", "one-shot", "sap"] as const) {
  test(`${method} on mobilenet-v1 (α = 0.25): every depthwise, pointwise and linear weight is pruned; batch norm stays dense`, async () => {
    const e = await engine();
    const c: PruneConfig = { ...base, method, ...(method === "slats" ? { D: 0.3 } : {}) };
    const run = method === "slats" ? await runPrune(e, c, train, test_) : await runIterativePrune(e, c, train, test_);
    try {
      const byName = new Map(run.stats.layers.map((l) => [l.name, l]));
      for (const name of weightNames(run.spec)) {
        const l = byName.get(name)!;
        assert.ok(l.nonzero < l.params, `${method}: ${name} has zeros (${l.nonzero}/${l.params})`);
      }
      for (const b of run.model.buffers()) {
        if (b.value.dtype === "f32") assert.ok(b.value.toArray().every((v) => Number.isFinite(v)), b.name);
      }
      for (const p of run.model.params()) {
        if (p.kind !== "weight") assert.equal(e.k.count_nonzero(p.value.ptr, p.value.size) > 0, true, p.name);
        if (p.kind === "norm") assert.equal(e.k.count_nonzero(p.value.ptr, p.value.size), p.value.size, `${p.name} dense`);
      }
    } finally {
      run.dispose();
    }
  });
}
