// Forward passes of Linear and the mlp against a naive float64 JS reference
// (y = x·Wᵀ + b, ReLU), and the PyTorch-default initialisation statistics.
//
// Tolerance: an f32 dot product of length k has error ≤ ~k·2^-24·Σ|x_i·w_i|,
// and typically ~√k·2^-24·Σ|x_i·w_i|; so each output is compared relative to
// its own scale Σ_i |x_i·w_i| + |b| (plain |y| can be ≈ 0 by cancellation).
// 1e-5 of that scale is 170 ulps: the SIMD GEMM must agree that closely.
// Measured: ≤ 2e-7 of the scale for every shape below (65×128→256 the worst),
// and the mlp's logits within 1.8e-7 of the reference (|logit| ≤ 0.34).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/engine/rng.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { Linear } from "../src/nn/linear.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import { engine, tensorFrom, lcg, uniformArray, linearRef, linearAbsScale, reluRef, bits } from "./helpers/engine.ts";

const REL = 1e-5;

function assertNear(actual: Float32Array, ref: Float64Array, scale: Float64Array, what: string): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(actual[i] - ref[i]);
    const tol = REL * scale[i] + 1e-30;
    if (!(err <= tol)) assert.fail(`${what}[${i}]: got ${actual[i]}, f64 reference ${ref[i]} (|diff| ${err} > ${tol})`);
    worst = Math.max(worst, err / scale[i]);
  }
  return worst;
}

// Shapes around the 4×8 micro-kernel, the 256-deep KC block, packing thresholds
// (64) and the transposed orientation for narrow outputs (…→10).
const SHAPES: [rows: number, inF: number, outF: number][] = [
  [1, 1, 1], [3, 5, 4], [3, 17, 9], [4, 8, 8], [7, 33, 10], [5, 300, 13],
  [65, 128, 256], [250, 256, 10], [100, 784, 128], [2, 784, 10],
];

for (const [rows, inF, outF] of SHAPES) {
  test(`Linear ${rows}×${inF}→${outF}: forward equals x·Wᵀ + b (f64 reference) to 1e-5 of Σ|x·w|`, async () => {
    const e = await engine();
    const rand = lcg(rows * 1000003 + inF * 1009 + outF);
    const rng = new Rng(e, 7);
    // maxRows above rows: a short batch must only touch its own rows.
    const layer = new Linear(e, "fc", inF, outF, rows + 3, rng);
    rng.free();
    const xa = uniformArray(rand, rows * inF, -2, 2);
    const x = tensorFrom(e, [rows, inF], xa);
    try {
      // Pre-fill the output buffer with garbage: forward must overwrite, not accumulate.
      const y0 = layer.forward(x.ptr, rows);
      e.f32(y0, (rows + 3) * outF).fill(1e6);
      const y = e.f32(layer.forward(x.ptr, rows), (rows + 3) * outF);
      const w = layer.weight.toArray(), b = layer.bias.toArray();
      const got = y.slice(0, rows * outF);
      assertNear(got, linearRef(xa, rows, w, b, inF, outF), linearAbsScale(xa, rows, w, b, inF, outF), "y");
      assert.ok(y.subarray(rows * outF).every((v) => v === 1e6), "rows beyond the batch are left alone");
      // Same inputs, same bits (fixed summation order).
      const again = e.f32(layer.forward(x.ptr, rows), rows * outF).slice();
      assert.deepEqual(bits(again), bits(got));
    } finally {
      layer.free();
      x.free();
    }
  });
}

test("mlp 784→128→256→10 forward equals the f64 reference (Linear, ReLU, Linear, ReLU, Linear) to 1e-5", async () => {
  const e = await engine();
  const rows = 37;
  const rand = lcg(99);
  const rng = new Rng(e, 3);
  const model = buildModel(e, modelSpec("mlp"), 64, rng);
  rng.free();
  const xa = uniformArray(rand, rows * 784, -0.8, 2.8); // the range of normalised Fashion-MNIST pixels
  const x = tensorFrom(e, [rows, 784], xa);
  try {
    assert.deepEqual(model.layers.map((l) => l.name), ["fc1", "relu1", "fc2", "relu2", "fc3"]);
    assert.deepEqual(
      model.params().map((p) => `${p.name}:${p.value.shape.join("x")}`),
      ["fc1.weight:128x784", "fc1.bias:128", "fc2.weight:256x128", "fc2.bias:256", "fc3.weight:10x256", "fc3.bias:10"],
    );
    const logits = e.f32(model.forward(x.ptr, rows), rows * 10).slice();
    const ps = model.params().map((p) => p.value.toArray());
    // Reference in f64 from the f32 parameters; the error scale is propagated
    // through the layers (Σ|a·w| + |b| of the absolute activations).
    let h: ArrayLike<number> = xa, s: ArrayLike<number> = Float64Array.from(xa, Math.abs);
    const widths = [784, 128, 256, 10];
    for (let l = 0; l < 3; l++) {
      const [w, b] = [ps[2 * l], ps[2 * l + 1]];
      const z = linearRef(h, rows, w, b, widths[l], widths[l + 1]);
      const sc = linearRef(s, rows, Float64Array.from(w, Math.abs), Float64Array.from(b, Math.abs), widths[l], widths[l + 1]);
      if (l < 2) {
        h = reluRef(z);
        s = sc;
      } else {
        assertNear(logits, z, sc, "logits");
        // Tighter, and what a user sees: every logit within 1e-5 of the largest |logit|.
        const zmax = z.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assertNear(logits, z, new Float64Array(z.length).fill(zmax), "logits");
      }
    }
    assert.ok(logits.some((v) => Math.abs(v) > 0.05), "logits are not trivially zero");
  } finally {
    model.free();
    x.free();
  }
});

test("Linear init is PyTorch's default: W, b ~ U[−1/√in, 1/√in) with mean 0 and variance (1/√in)²/3", async () => {
  const e = await engine();
  for (const [inF, outF, seed] of [[784, 128, 0], [128, 256, 1], [17, 9000, 2]]) {
    const rng = new Rng(e, seed);
    const layer = new Linear(e, "fc", inF, outF, 1, rng);
    rng.free();
    const w = layer.weight.toArray(), b = layer.bias.toArray();
    layer.free();
    const bound = 1 / Math.sqrt(inF);
    const hi = Math.fround(bound);
    for (const [name, v] of [["weight", w], ["bias", b]] as const) {
      for (let i = 0; i < v.length; i++) {
        if (!(v[i] >= -hi && v[i] < hi)) assert.fail(`in ${inF}: ${name}[${i}] = ${v[i]} outside [−${hi}, ${hi})`);
      }
    }
    const n = w.length;
    let mean = 0;
    for (const v of w) mean += v;
    mean /= n;
    let vari = 0;
    for (const v of w) vari += (v - mean) ** 2;
    vari /= n;
    // Sampling standard errors of U(−a, a): mean a/√(3n); variance a²·√(4/45)/√n.
    const seMean = bound / Math.sqrt(3 * n);
    const seVar = bound * bound * Math.sqrt(4 / 45) / Math.sqrt(n);
    assert.ok(Math.abs(mean) < 5 * seMean, `in ${inF}: mean ${mean} (5σ = ${5 * seMean})`);
    assert.ok(Math.abs(vari - bound * bound / 3) < 5 * seVar, `in ${inF}: variance ${vari}, expected ${bound * bound / 3} ± ${5 * seVar}`);
    // The whole interval is used (not e.g. [0, a) or a narrower range).
    const lo = w.reduce((m, v) => Math.min(m, v), Infinity), top = w.reduce((m, v) => Math.max(m, v), -Infinity);
    assert.ok(lo < -0.99 * bound && top > 0.99 * bound, `in ${inF}: range [${lo}, ${top}]`);
    // Uniform shape: 10 equal bins, χ² with 9 degrees of freedom below its 99.9% point 27.88.
    const bins = new Array(10).fill(0);
    for (const v of w) bins[Math.min(9, Math.floor(((v + bound) / (2 * bound)) * 10))]++;
    const chi2 = bins.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi2 < 27.88, `in ${inF}: χ² = ${chi2} for bins ${bins.join(",")}`);
  }
});

test("initialisation is a function of the seed: same seed same bytes, other seed other bytes; bias is drawn after the weight", async () => {
  const e = await engine();
  const make = (seed: number) => {
    const rng = new Rng(e, seed);
    const l = new Linear(e, "fc", 20, 6, 1, rng);
    rng.free();
    const out = { w: l.weight.toArray(), b: l.bias.toArray() };
    l.free();
    return out;
  };
  const a = make(5), b = make(5), c = make(6);
  assert.deepEqual(bits(a.w), bits(b.w));
  assert.deepEqual(bits(a.b), bits(b.b));
  assert.notDeepEqual(bits(a.w), bits(c.w));
  // One stream: 120 weights then 6 biases, each from rng_uniform on the same state.
  const rng = new Rng(e, 5);
  const t = new Tensor(e, [126]);
  rng.fillUniform(t.ptr, 126, -1 / Math.sqrt(20), 1 / Math.sqrt(20));
  const all = t.toArray();
  t.free();
  rng.free();
  assert.deepEqual(bits(all.slice(0, 120)), bits(a.w));
  assert.deepEqual(bits(all.slice(120)), bits(a.b));
});
