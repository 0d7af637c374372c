// Spiking neurons and models against the plain-PyTorch reference
// (tests/fixtures/spiking.json, made by scripts/fixtures/spiking.py from the
// equations in docs/spiking.md), the surrogates against their closed forms,
// BPTT on a hand-built two-step trace, and the memory bound of BPTT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../src/engine/rng.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { buildModel, modelSpec, specFromArchitecture } from "../src/nn/models.ts";
import { planFromArchitecture, type ArchLayer } from "../src/nn/architecture.ts";
import { planNeurons, planTimesteps } from "../src/nn/plan.ts";
import { Neuron } from "../src/nn/neuron.ts";
import { countSpikes, firingRates } from "../src/nn/firing.ts";
import type { NeuronPlan } from "../src/nn/plan.ts";
import { engine, freshEngine, repoRoot, tensorFrom } from "./helpers/engine.ts";
import { fixtureModel, relErr } from "./helpers/torch-fixture.ts";

interface NeuronCase {
  config: { type: "lif" | "if"; tau?: number; v_threshold?: number; v_reset?: number | null; detach_reset?: boolean; surrogate?: "atan" | "sigmoid"; alpha?: number };
  T: number; n: number; x: number[]; g: number[]; h: number[]; v: number[]; s: number[]; dx: number[];
}
interface ModelCase {
  model: string; in_ch: number; side: number; classes: number; width: number; T: number; batch: number;
  keys: [string, number[]][]; labels: number[]; train_logits: number[]; loss: number; firing_rates: [string, number][];
  grads: Record<string, number[]>; f64_discrepancy: { train_logits: number; loss: number; grads: Record<string, number> };
}
const fixture = JSON.parse(readFileSync(join(repoRoot(), "tests/fixtures/spiking.json"), "utf8")) as { neurons: NeuronCase[]; models: ModelCase[] };

function planOf(c: NeuronCase["config"], n: number): NeuronPlan {
  const surrogate = c.surrogate ?? "atan";
  return {
    op: c.type, name: "sn", shape: [n, 1, 1], tau: c.type === "lif" ? c.tau ?? 2 : 1, vThreshold: c.v_threshold ?? 1,
    vReset: c.v_reset === undefined ? 0 : c.v_reset, detachReset: c.detach_reset ?? false, surrogate, alpha: c.alpha ?? (surrogate === "atan" ? 2 : 4),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const [ci, c] of fixture.neurons.entries()) {
  for (const inPlace of [false, true]) {
    test(`neuron ${ci} ${JSON.stringify(c.config)}${inPlace ? ", membrane over its input" : ""}: H and V to 1e-6, spikes exactly, BPTT dL/dX to 1e-6 against PyTorch`, async () => {
      const e = await engine();
      const p = planOf(c.config, c.n);
      // rows = T (one sample per step), features n.
      const layer = new Neuron(e, p, c.T, c.T, inPlace);
      const x = tensorFrom(e, [c.T, c.n], c.x);
      const g = tensorFrom(e, [c.T, c.n], c.g);
      try {
        const s = e.f32(layer.forward(x.ptr, c.T), c.T * c.n).slice();
        assert.deepEqual([...s], c.s, "spikes");
        // H: where the layer keeps it (over x when in place).
        const h = inPlace ? x.toArray() : e.f32((layer as unknown as { h: number }).h, c.T * c.n).slice();
        assert.ok(maxAbsDiff(h, c.h) <= 1e-6, `H: max |diff| ${maxAbsDiff(h, c.h)}`);
        const v = Array.from(h, (hv, i) => p.vReset === null ? Math.fround(hv - Math.fround(s[i] * p.vThreshold)) : Math.fround(Math.fround((1 - s[i]) * hv) + Math.fround(s[i] * p.vReset)));
        assert.ok(maxAbsDiff(v, c.v) <= 1e-6, `V: max |diff| ${maxAbsDiff(v, c.v)}`);
        const dx = e.f32(layer.backward(g.ptr, c.T, true), c.T * c.n).slice();
        const scale = Math.max(...c.dx.map(Math.abs));
        assert.ok(maxAbsDiff(dx, c.dx) <= 1e-6 * Math.max(1, scale), `dX: max |diff| ${maxAbsDiff(dx, c.dx)} (scale ${scale})`);
      } finally {
        layer.free();
        x.free();
        g.free();
      }
    });
  }
}

test("surrogate gradients equal their closed forms: ATan α/2 / (1 + (π/2·α·x)²), sigmoid α·σ(αx)(1 − σ(αx))", async () => {
  const e = await engine();
  const xs = Array.from({ length: 241 }, (_, i) => Math.fround(-3 + i * 0.025));
  const x = tensorFrom(e, [xs.length], xs);
  const y = new Tensor(e, [xs.length]);
  try {
    for (const [kind, alpha, f] of [
      [0, 2, (v: number, a: number) => (a / 2) / (1 + (Math.PI / 2 * a * v) ** 2)],
      [0, 5, (v: number, a: number) => (a / 2) / (1 + (Math.PI / 2 * a * v) ** 2)],
      [1, 4, (v: number, a: number) => { const s = 1 / (1 + Math.exp(-a * v)); return a * s * (1 - s); }],
      [1, 1.5, (v: number, a: number) => { const s = 1 / (1 + Math.exp(-a * v)); return a * s * (1 - s); }],
    ] as const) {
      e.k.surrogate_grad(x.ptr, y.ptr, xs.length, kind, alpha);
      const got = y.toArray();
      xs.forEach((v, i) => assert.ok(Math.abs(got[i] - f(v, alpha)) <= 2e-6 * f(0, alpha), `kind ${kind} α ${alpha} at x = ${v}: ${got[i]} vs ${f(v, alpha)}`));
      // The peak is at x = 0: α/2 (ATan), α/4 (sigmoid).
      assert.equal(got[120], kind === 0 ? alpha / 2 : alpha / 4);
    }
  } finally {
    x.free();
    y.free();
  }
});

test("BPTT on a hand-built two-step IF trace equals the chain rule written out (reset term through the surrogate)", async () => {
  const e = await engine();
  // IF, hard reset to 0, V_th = 1, ATan α = 2; L = S0 + S1.
  //   H0 = x0, S0 = Θ(H0 − 1), V0 = (1 − S0)·H0, H1 = V0 + x1, S1 = Θ(H1 − 1)
  //   dL/dx1 = σ'(H1 − 1);  dL/dx0 = σ'(H0 − 1) + σ'(H1 − 1)·((1 − S0) − H0·σ'(H0 − 1))
  const sg = (v: number) => 1 / (1 + (Math.PI * v) ** 2);
  for (const [x0, x1] of [[1.25, 0.5], [0.75, 0.5], [0.5, 0.25], [2, -0.5]]) {
    for (const detach of [false, true]) {
      const p: NeuronPlan = { op: "if", name: "sn", shape: [1, 1, 1], tau: 1, vThreshold: 1, vReset: 0, detachReset: detach, surrogate: "atan", alpha: 2 };
      const layer = new Neuron(e, p, 2, 2, false);
      const x = tensorFrom(e, [2, 1], [x0, x1]);
      const g = tensorFrom(e, [2, 1], [1, 1]);
      try {
        const s = e.f32(layer.forward(x.ptr, 2), 2).slice();
        const H0 = x0, S0 = H0 >= 1 ? 1 : 0, H1 = (1 - S0) * H0 + x1;
        assert.deepEqual([...s], [S0, H1 >= 1 ? 1 : 0]);
        const dx = e.f32(layer.backward(g.ptr, 2, true), 2).slice();
        const want1 = sg(H1 - 1);
        const want0 = sg(H0 - 1) + want1 * ((1 - S0) - (detach ? 0 : H0 * sg(H0 - 1)));
        assert.ok(Math.abs(dx[1] - want1) <= 1e-6 && Math.abs(dx[0] - want0) <= 1e-6, `x = (${x0}, ${x1}) detach ${detach}: dx ${[...dx]} vs ${[want0, want1]}`);
      } finally {
        layer.free();
        x.free();
        g.free();
      }
    }
  }
});

const tol = (d: number) => Math.max(1e-4, 10 * d);

for (const c of fixture.models) {
  test(`${c.model} w=${c.width} T=${c.T} against PyTorch: names, train logits (mean over T), loss, every gradient, firing rates`, async (t) => {
    const e = await engine();
    const spec = modelSpec(c.model, [c.in_ch, c.side, c.side], c.classes, { width: c.width, timesteps: c.T });
    const { model, x, y, dl, scratch, free } = fixtureModel(e, spec, c.batch, c.labels, c.keys);
    const N = c.batch, K = c.classes;
    try {
      model.setTraining(true);
      countSpikes(model, true);
      const logits = model.forward(x.ptr, N);
      const rates = firingRates(model)!;
      countSpikes(model, false);
      const rLogits = relErr(e.f32(logits, N * K), c.train_logits);
      assert.ok(rLogits <= tol(c.f64_discrepancy.train_logits), `train logits: relative error ${rLogits}`);
      assert.deepEqual(rates.layers.map((l) => l.name), c.firing_rates.map(([n]) => n));
      // Spikes equal PyTorch's exactly: the rates agree to float rounding of the count.
      rates.layers.forEach((l, i) => assert.ok(Math.abs(l.rate - c.firing_rates[i][1]) <= 1e-6, `${l.name}: firing rate ${l.rate} vs ${c.firing_rates[i][1]}`));
      const loss = e.k.softmax_xent(logits, y.ptr, N, K, 0, dl.ptr, scratch);
      assert.ok(Math.abs(loss - c.loss) <= tol(c.f64_discrepancy.loss) * Math.abs(c.loss), `loss ${loss} vs PyTorch ${c.loss}`);
      model.backward(dl.ptr, N);
      const grads = new Map(model.params().map((p) => [p.name, p.grad] as const));
      const errs: string[] = [];
      let worst = 0;
      for (const [name, want] of Object.entries(c.grads)) {
        const r = relErr(grads.get(name)!.toArray(), want);
        worst = Math.max(worst, r / tol(c.f64_discrepancy.grads[name]));
        assert.ok(r <= tol(c.f64_discrepancy.grads[name]), `grad ${name}: relative error ${r} > ${tol(c.f64_discrepancy.grads[name])}`);
        errs.push(`${name} ${r.toExponential(1)}`);
      }
      assert.equal(errs.length, model.params().length, "every parameter's gradient compared");
      t.diagnostic(`logits ${rLogits.toExponential(2)}, loss ${(Math.abs(loss - c.loss) / c.loss).toExponential(2)}, overall firing rate ${rates.rate.toFixed(4)}, worst gradient at ${(100 * worst).toFixed(0)}% of its tolerance`);
    } finally {
      free();
    }
  });
}

test("memory: a spiking CNN training step at T = 4 holds at most T× the activation memory of its ANN twin (ReLU for LIF), plus parameters", async (t) => {
  const e = await freshEngine();
  const N = 32, T = 4;
  const snnSpec = modelSpec("spiking-cnn", [1, 28, 28], 10, { width: 0.25, timesteps: T });
  const body = (snnSpec.architecture.layers[0] as { layers: ArchLayer[] }).layers;
  const annSpec = specFromArchitecture({ ...snnSpec.architecture, name: "ann-twin", layers: body.map((l) => l.type === "lif" ? { type: "relu", name: l.name } : l) });
  const measure = (spec: typeof snnSpec) => {
    const before = e.liveBytes;
    const rng = new Rng(e, 0);
    const model = buildModel(e, spec, N, rng);
    rng.free();
    const x = tensorFrom(e, [N, spec.inputs], Array.from({ length: N * spec.inputs }, (_, i) => Math.sin(0.37 * i)));
    const y = new Tensor(e, [N], "i32").set(Array.from({ length: N }, (_, i) => i % 10));
    const dl = new Tensor(e, [N, 10]);
    const scratch = e.alloc(4, "i32");
    const io = e.liveBytes;
    e.k.softmax_xent(model.forward(x.ptr, N), y.ptr, N, 10, 0, dl.ptr, scratch);
    model.backward(dl.ptr, N);
    assert.equal(e.liveBytes, io, "a step allocates nothing: every buffer exists from the build");
    const stateBytes = 4 * (model.params().reduce((a, p) => a + 2 * p.value.size, 0) + model.buffers().reduce((a, b) => a + b.value.size, 0));
    const total = io - before - (x.size + y.size + dl.size + 4) * 4;
    model.free();
    for (const v of [x, y, dl]) v.free();
    e.free(scratch);
    return { total, activations: total - stateBytes, stateBytes };
  };
  const ann = measure(annSpec), snn = measure(snnSpec);
  const ratio = snn.activations / ann.activations;
  t.diagnostic(`batch ${N}: ANN twin ${(ann.activations / 2 ** 20).toFixed(2)} MiB of activations, spiking CNN (T = ${T}) ${(snn.activations / 2 ** 20).toFixed(2)} MiB: ${ratio.toFixed(3)}× (parameters, gradients and BN buffers ${(snn.stateBytes / 2 ** 10).toFixed(1)} KiB, the same in both)`);
  assert.equal(snn.stateBytes, ann.stateBytes);
  assert.ok(ratio <= T, `spiking activations ${ratio.toFixed(3)}× the ANN's (at most ${T}×)`);
  assert.ok(ratio >= T - 1, `BPTT keeps every step: about T× (${ratio.toFixed(3)})`);
});

test("architecture files: multistep, lif and if with their fields build; misplaced neurons and bad fields get one line naming the JSON path", () => {
  const body = (extra: ArchLayer[]): unknown => ({
    format: "shrinkwasm-arch/1", input: [1, 6, 6],
    layers: [{ type: "multistep", name: "snn", timesteps: 3, layers: [
      { type: "conv2d", name: "c1", out_channels: 2, kernel: 3, padding: 1, bias: false }, { type: "batchnorm2d", name: "bn1" }, ...extra,
      { type: "global_avgpool2d", name: "gap" }, { type: "linear", name: "fc", out_features: 2 }] }],
  });
  const ok = planFromArchitecture(body([
    { type: "lif", name: "sn1", tau: 3, v_reset: null, surrogate: "sigmoid", alpha: 2.5 },
    { type: "residual", name: "b", relu: false, main: [{ type: "conv2d", name: "b.c", out_channels: 2, kernel: 1 }, { type: "if", name: "b.sn", v_threshold: 0.5, v_reset: -0.1, detach_reset: true }] },
  ]));
  assert.deepEqual(planNeurons(ok.plan).map((n) => [n.name, n.op, n.tau, n.vThreshold, n.vReset, n.detachReset, n.surrogate, n.alpha]),
    [["sn1", "lif", 3, 1, null, false, "sigmoid", 2.5], ["b.sn", "if", 1, 0.5, -0.1, true, "atan", 2]]);
  assert.equal(planTimesteps(ok.plan), 3);
  const bad: [unknown, RegExp][] = [
    [{ format: "shrinkwasm-arch/1", input: [4], layers: [{ type: "linear", out_features: 3 }, { type: "lif" }, { type: "linear", out_features: 2 }] }, /^layers\[1\]: lif is a spiking neuron: it runs only inside a multistep layer/],
    [body([{ type: "multistep", timesteps: 2, layers: [{ type: "lif" }] } as unknown as ArchLayer]), /^layers\[0\]\.layers\[2\]: multistep layers do not nest$/],
    [body([{ type: "lif", surrogate: "relu" } as unknown as ArchLayer]), /^layers\[0\]\.layers\[2\]\.surrogate: must be "atan" or "sigmoid", got "relu"$/],
    [body([{ type: "lif", v_reset: 1 }]), /^layers\[0\]\.layers\[2\]\.v_reset: must be a number below v_threshold \(1\), or null for a soft reset, got 1$/],
    [body([{ type: "if", tau: 2 } as unknown as ArchLayer]), /^layers\[0\]\.layers\[2\]\.tau: is not a field of if/],
    [{ ...(body([]) as object), layers: [...(body([]) as { layers: unknown[] }).layers, { type: "linear", out_features: 2 }] }, /^layers: a spiking model is one multistep layer/],
    [{ format: "shrinkwasm-arch/1", input: [4], layers: [{ type: "multistep", timesteps: 65, layers: [{ type: "linear", out_features: 2 }] }] }, /^layers\[0\]\.timesteps: must be 1\.\.64, got 65$/],
  ];
  for (const [doc, re] of bad) assert.throws(() => planFromArchitecture(doc), (err: Error) => re.test(err.message), String(re));
});
