// Finite-difference gradient checks of the backward passes against the wasm
// forward passes. Tensors are f32 (what the engine computes with); the scalar
// loss and the central difference (L(θ+h) − L(θ−h)) / (θ₊ − θ₋) are taken in f64,
// where θ₊, θ₋ are the f32 values actually stored after perturbing, so the step
// is exact and only the f32 rounding of the forward pass adds noise.
//
// Layer checks use L = Σ_ij G_ij·y_ij with a fixed random G, so dL/dy = G.
// Linear is linear in W, b and x, so central differences have no truncation
// error there: any disagreement beyond f32 noise is a wrong gradient.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Engine } from "../src/engine/engine.ts";
import { Rng } from "../src/engine/rng.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { Linear } from "../src/nn/linear.ts";
import { ReLU } from "../src/nn/relu.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import type { Sequential } from "../src/nn/sequential.ts";
import { gradCheck } from "./helpers/gradcheck.ts";
import { engine, tensorFrom, lcg, uniformArray, awayFromZero, dot, softmaxXentRef, assertAllClose } from "./helpers/engine.ts";

function checkLinear(e: Engine, rows: number, inF: number, outF: number, seed: number): void {
  const rand = lcg(seed);
  const rng = new Rng(e, seed);
  const layer = new Linear(e, "fc", inF, outF, rows, rng, true);
  rng.free();
  const x = tensorFrom(e, [rows, inF], uniformArray(rand, rows * inF, -1, 1));
  const G = uniformArray(rand, rows * outF, -1, 1);
  const dy = tensorFrom(e, [rows, outF], G);
  try {
    const loss = () => dot(G, e.f32(layer.forward(x.ptr, rows), rows * outF));
    loss();
    const dxPtr = layer.backward(dy.ptr, rows, true);
    assert.notEqual(dxPtr, 0, "backward with needDx returns a dL/dx buffer");
    const dW = layer.gradWeight.toArray();
    const db = layer.gradBias.toArray();
    const dx = e.f32(dxPtr, rows * inF).slice();
    // |y| ≲ Σ|x·w| + |b| ≤ in/√in + 1, rounded to f32 (2^-24 relative) in `in`
    // additions: the loss error is ~1e-6 at these sizes, 1e-4 after dividing by 2h.
    const eps = 1e-2, atol = 1e-4;
    const rW = gradCheck("dW", () => layer.weight.view(), dW, loss, eps, atol);
    const rb = gradCheck("db", () => layer.bias.view(), db, loss, eps, atol);
    const rx = gradCheck("dx", () => x.view(), dx, loss, eps, atol);
    assert.equal(rW.checked, inF * outF);
    assert.equal(rb.checked, outF);
    assert.equal(rx.checked, rows * inF);
    // The analytic values must not be trivially zero (a check that could not fail otherwise).
    assert.ok(dW.some((v) => Math.abs(v) > 0.1) && db.some((v) => Math.abs(v) > 0.1) && dx.some((v) => Math.abs(v) > 0.1));
    // And db is Σ_rows G exactly as a closed form, dx = G·W.
    const w = layer.weight.toArray();
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += G[r * outF + o];
      assert.ok(Math.abs(db[o] - s) <= 1e-6 * rows, `db[${o}] = ${db[o]}, Σ_r G = ${s}`);
    }
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < inF; i++) {
        let s = 0;
        for (let o = 0; o < outF; o++) s += G[r * outF + o] * w[o * inF + i];
        assert.ok(Math.abs(dx[r * inF + i] - s) <= 1e-5 * outF, `dx[${r},${i}] = ${dx[r * inF + i]}, (G·W) = ${s}`);
      }
    }
  } finally {
    layer.free();
    x.free();
    dy.free();
  }
}

test("Linear 3×5→4: dW, db and dx match central differences at every coordinate", async () => {
  checkLinear(await engine(), 3, 5, 4, 11);
});

test("Linear 3×17→9 (ragged SIMD tiles): dW, db and dx match central differences", async () => {
  checkLinear(await engine(), 3, 17, 9, 12);
});

test("Linear 13×33→10 (several 4×8 tiles, the transposed GEMM path): gradients match", async () => {
  checkLinear(await engine(), 13, 33, 10, 13);
});

test("ReLU: dx = G where x > 0 and 0 elsewhere, matching central differences away from the kink", async () => {
  const e = await engine();
  const rows = 3, feat = 11;
  const rand = lcg(21);
  const relu = new ReLU(e, "relu", feat, rows);
  // |x| ≥ 0.1 and h = 0.01: no perturbation crosses 0.
  const xs = awayFromZero(rand, rows * feat, 0.1, 1);
  const x = tensorFrom(e, [rows, feat], xs);
  const G = uniformArray(rand, rows * feat, -1, 1);
  const dy = tensorFrom(e, [rows, feat], G);
  try {
    const loss = () => dot(G, e.f32(relu.forward(x.ptr, rows), rows * feat));
    loss();
    assert.equal(relu.backward(dy.ptr, rows, false), 0, "needDx false returns 0");
    assert.deepEqual(dy.toArray(), G, "needDx false leaves dy alone");
    const dxPtr = relu.backward(dy.ptr, rows, true);
    assert.equal(dxPtr, dy.ptr, "the backward pass masks dy in place");
    const dx = e.f32(dxPtr, rows * feat).slice();
    const r = gradCheck("relu dx", () => x.view(), dx, loss, 1e-2, 1e-6);
    assert.equal(r.checked, rows * feat);
    let pos = 0;
    for (let i = 0; i < xs.length; i++) {
      assert.equal(dx[i], xs[i] > 0 ? G[i] : 0, `dx[${i}] for x = ${xs[i]}`);
      if (xs[i] > 0) pos++;
    }
    assert.ok(pos > 5 && pos < xs.length - 5, "both signs are exercised");
  } finally {
    relu.free();
    x.free();
    dy.free();
  }
});

for (const smoothing of [0, 0.1]) {
  test(`softmax_xent (label smoothing ${smoothing}): mean loss matches the f64 reference and dlogits matches central differences`, async () => {
    const e = await engine();
    const rows = 5, classes = 7;
    const rand = lcg(31 + smoothing * 10);
    const xs = uniformArray(rand, rows * classes, -3, 3);
    const ys = Int32Array.from({ length: rows }, () => Math.floor(rand() * classes));
    const logits = tensorFrom(e, [rows, classes], xs);
    const labels = tensorFrom(e, [rows], ys, "i32");
    const dl = new Tensor(e, [rows, classes]);
    const scratch = e.alloc(1, "i32");
    try {
      const loss = () => e.k.softmax_xent(logits.ptr, labels.ptr, rows, classes, smoothing, 0, 0);
      const L = e.k.softmax_xent(logits.ptr, labels.ptr, rows, classes, smoothing, dl.ptr, scratch);
      // The kernel takes ε as f32, so the reference uses the same ε.
      const ref = softmaxXentRef(xs, ys, rows, classes, Math.fround(smoothing));
      assert.ok(Math.abs(L - ref) <= 1e-12 * Math.abs(ref), `loss ${L}, f64 reference ${ref}`);
      assert.equal(loss(), L, "eval mode (no dlogits) returns the same loss");
      let correct = 0;
      for (let r = 0; r < rows; r++) {
        const row = Array.from(xs.subarray(r * classes, (r + 1) * classes));
        if (row.indexOf(Math.max(...row)) === ys[r]) correct++;
      }
      assert.equal(e.i32(scratch, 1)[0], correct, "correct count");
      const g = dl.toArray();
      // The loss is f64 throughout and smooth: with h = 1e-3 the truncation error
      // (h²/6·L‴ ≲ 1e-7) and cancellation (1e-16·L/h) are far below the f32
      // rounding of dlogits, so this comparison can afford a 1e-4 tolerance.
      const r = gradCheck("dlogits", () => logits.view(), g, loss, 1e-3, 1e-7);
      assert.equal(r.checked, rows * classes);
      assert.ok(r.maxRelErr < 1e-4, `max relative error ${r.maxRelErr}`);
      // Rows of dlogits sum to 0 (Σ p = Σ q = 1), and the label entry is negative.
      for (let rr = 0; rr < rows; rr++) {
        let s = 0;
        for (let c = 0; c < classes; c++) s += g[rr * classes + c];
        assert.ok(Math.abs(s) < 1e-7, `row ${rr} of dlogits sums to ${s}`);
        assert.ok(g[rr * classes + ys[rr]] < 0);
      }
    } finally {
      logits.free();
      labels.free();
      dl.free();
      e.free(scratch);
    }
  });
}

/** Forward through the layers one by one, recording which hidden units are active. */
function forwardWithMasks(e: Engine, model: Sequential, x: number, rows: number): { logits: number; mask: Uint8Array } {
  const parts: Uint8Array[] = [];
  let h = x;
  for (const l of model.layers) {
    h = l.forward(h, rows);
    if (l instanceof ReLU) {
      const n = rows * l.outFeatures;
      const v = e.f32(h, n);
      parts.push(Uint8Array.from(v, (a) => (a > 0 ? 1 : 0)));
    }
  }
  const mask = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { mask.set(p, o); o += p.length; }
  return { logits: h, mask };
}

const sameMask = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test("MLP 6→128→256→3 with softmax cross-entropy: 30 sampled coordinates of every parameter match central differences", async () => {
  const e = await engine();
  const rows = 8, inputs = 6, classes = 3;
  const rand = lcg(41);
  const rng = new Rng(e, 41);
  const model = buildModel(e, modelSpec("mlp", inputs, classes), rows, rng);
  rng.free();
  const x = tensorFrom(e, [rows, inputs], uniformArray(rand, rows * inputs, -2, 2));
  const labels = tensorFrom(e, [rows], Int32Array.from({ length: rows }, (_, i) => i % classes), "i32");
  const dl = new Tensor(e, [rows, classes]);
  try {
    const base = forwardWithMasks(e, model, x.ptr, rows);
    e.k.softmax_xent(base.logits, labels.ptr, rows, classes, 0, dl.ptr, 0);
    model.backward(dl.ptr, rows);
    let lastMask = base.mask;
    const loss = () => {
      const f = forwardWithMasks(e, model, x.ptr, rows);
      lastMask = f.mask;
      return e.k.softmax_xent(f.logits, labels.ptr, rows, classes, 0, 0, 0);
    };
    // A coordinate whose ± perturbation flips any hidden unit is dropped: the
    // loss is not differentiable across the kink.
    const crossedKink = () => !sameMask(lastMask, base.mask);
    let skipped = 0;
    for (const p of model.params()) {
      const analytic = p.grad.toArray();
      const maxG = analytic.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(maxG > 1e-3, `${p.name}: gradient is not trivially zero (max |g| ${maxG})`);
      const want = Math.min(30, p.value.size);
      const coords = new Set<number>();
      while (coords.size < Math.min(p.value.size, want + 30)) coords.add(Math.floor(rand() * p.value.size));
      // h = 3e-3: with 8 rows × 384 hidden units, h = 1e-2 flips some unit for
      // about half of the fc1 coordinates; 3e-3 flips ~1 in 7 and keeps the
      // noise low. Measured: the f32 forward pass makes the difference quotient
      // wrong by ≤ 2e-6 at h = 3e-3 (8e-6 at 1e-3, so it is noise ∝ 1/h); the
      // floor is 1e-3 of the tensor's largest gradient, never below 2e-5.
      const atol = Math.max(2e-5, 1e-3 * maxG);
      const r = gradCheck(p.name, () => p.value.view(), analytic, loss, 3e-3, atol, coords, crossedKink, want);
      skipped += r.skipped;
      assert.equal(r.checked, want, `${p.name}: ${r.checked} of ${want} coordinates checked`);
    }
    assert.ok(skipped < 30, `${skipped} coordinates skipped for crossing a ReLU kink`);
  } finally {
    model.free();
    x.free();
    labels.free();
    dl.free();
  }
});
