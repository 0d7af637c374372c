// makeLrSchedule against the closed forms of src/optim/lr-schedules.ts, at every
// step t = 0..T−1, and its validation errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeLrSchedule, type LrScheduleSpec } from "../src/optim/lr-schedules.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { engine } from "./helpers/engine.ts";

// The rates come from wasm (assembly/optim/lr_schedule.ts); the closed forms here are host f64.
const e = await engine();

/** Asserts at(t) ≈ want(t) (relative 1e-12) for every step, and returns the values. */
function checkAll(spec: LrScheduleSpec, want: (t: number) => number): number[] {
  const s = makeLrSchedule(e, spec);
  const out: number[] = [];
  for (let t = 0; t < s.totalSteps; t++) {
    const got = s.at(t), w = want(t);
    if (!(Math.abs(got - w) <= 1e-12 * Math.abs(w) + 1e-300)) assert.fail(`${spec.kind} step ${t}: at(t) = ${got}, expected ${w}`);
    out.push(got);
  }
  return out;
}

const cosine = (lr: number, x: number) => (lr / 2) * (1 + Math.cos(Math.PI * x));

test("constant: η₀ at every step; totalSteps = epochs × stepsPerEpoch", () => {
  const s = makeLrSchedule(e, { kind: "constant", lr: 0.05, epochs: 4, stepsPerEpoch: 6 });
  assert.equal(s.totalSteps, 24);
  assert.equal(s.warmupSteps, 0);
  for (let t = 0; t < 24; t++) assert.equal(s.at(t), 0.05);
  assert.equal(s.shape(0.3), 1);
  assert.equal(s.spec.interval, "epoch", "default interval");
});

test("cosine, interval epoch: every step of epoch n gets η₀/2·(1 + cos(π·n/N))", () => {
  const lr = 0.1, N = 5, B = 7;
  const v = checkAll({ kind: "cosine", lr, epochs: N, stepsPerEpoch: B }, (t) => cosine(lr, Math.floor(t / B) / N));
  assert.equal(v.length, 35);
  assert.equal(v[0], lr, "starts at η₀");
  assert.equal(new Set(v.slice(7, 14)).size, 1, "constant within an epoch");
  assert.ok(v[34] > 0 && v[34] < 0.01, `last epoch ${v[34]} = η₀/2·(1 + cos(4π/5)) ≈ 0.0095`);
  assert.ok(Math.abs(v[34] - 0.009549150281252633) < 1e-15);
  for (let t = 1; t < v.length; t++) assert.ok(v[t] <= v[t - 1], "non-increasing");
});

test("cosine, interval step: η₀/2·(1 + cos(π·t/T)) at each step", () => {
  const lr = 0.2, N = 3, B = 10;
  const v = checkAll({ kind: "cosine", lr, epochs: N, stepsPerEpoch: B, interval: "step" }, (t) => cosine(lr, t / (N * B)));
  assert.equal(v[0], lr);
  assert.notEqual(v[1], v[0], "changes within the first epoch");
  assert.ok(Math.abs(v[15] - lr / 2) < 1e-15, "half-way is η₀/2");
});

test("linear warm-up η₀·(t+1)/W, then the schedule over the remaining epochs (both intervals)", () => {
  const lr = 0.4, N = 6, B = 5, warm = 2, W = warm * B, main = N - warm;
  const s = makeLrSchedule(e, { kind: "cosine", lr, epochs: N, stepsPerEpoch: B, warmupEpochs: warm });
  assert.equal(s.warmupSteps, W);
  assert.equal(s.totalSteps, N * B);
  const v = checkAll({ kind: "cosine", lr, epochs: N, stepsPerEpoch: B, warmupEpochs: warm },
    (t) => (t < W ? (lr * (t + 1)) / W : cosine(lr, Math.floor((t - W) / B) / main)));
  assert.equal(v[0], lr / W);
  assert.equal(v[W - 1], lr, "warm-up ends at η₀");
  assert.equal(v[W], lr, "the schedule starts at η₀");
  checkAll({ kind: "cosine", lr, epochs: N, stepsPerEpoch: B, warmupEpochs: warm, interval: "step" },
    (t) => (t < W ? (lr * (t + 1)) / W : cosine(lr, (t - W) / (N * B - W))));
  // Fractional warm-up epochs are fine when they are whole steps: 0.5 × 4 = 2 steps.
  const h = makeLrSchedule(e, { kind: "constant", lr: 1, epochs: 2, stepsPerEpoch: 4, warmupEpochs: 0.5 });
  assert.equal(h.warmupSteps, 2);
  assert.deepEqual([0, 1, 2, 3, 7].map((t) => h.at(t)), [0.5, 1, 1, 1, 1]);
});

test("step: η₀·γ^⌊e/stepSize⌋ per epoch e, identical for interval epoch and step; default stepSize ⌈(N − warm-up)/3⌉", () => {
  const lr = 0.3, N = 7, B = 4, gamma = 0.5, stepSize = 2;
  const want = (t: number) => lr * gamma ** Math.floor(Math.floor(t / B) / stepSize);
  const a = checkAll({ kind: "step", lr, epochs: N, stepsPerEpoch: B, gamma, stepSize }, want);
  // interval "step" evaluates at x = t/T; the decay still lands on epoch boundaries.
  const b = checkAll({ kind: "step", lr, epochs: N, stepsPerEpoch: B, gamma, stepSize, interval: "step" }, want);
  assert.deepEqual(a, b);
  assert.deepEqual([0, 7, 8, 15, 16, 27].map((t) => a[t]), [0.3, 0.3, 0.15, 0.15, 0.075, 0.0375]);
  assert.equal(makeLrSchedule(e, { kind: "step", lr, epochs: 9, stepsPerEpoch: 1 }).spec.stepSize, 3);
  assert.equal(makeLrSchedule(e, { kind: "step", lr, epochs: 10, stepsPerEpoch: 1 }).spec.stepSize, 4);
  assert.equal(makeLrSchedule(e, { kind: "step", lr, epochs: 10, stepsPerEpoch: 1, warmupEpochs: 4 }).spec.stepSize, 2);
  assert.equal(makeLrSchedule(e, { kind: "step", lr, epochs: 2, stepsPerEpoch: 1 }).spec.stepSize, 1);
  // Default γ = 0.1 with the default stepSize 1 for 3 epochs: 1, 0.1, 0.01 (× η₀).
  checkAll({ kind: "step", lr: 1, epochs: 3, stepsPerEpoch: 2 }, (t) => 0.1 ** Math.floor(t / 2));
});

test("step after warm-up counts epochs from the end of warm-up", () => {
  const lr = 1, N = 5, B = 3, warm = 1;
  checkAll({ kind: "step", lr, epochs: N, stepsPerEpoch: B, warmupEpochs: warm, gamma: 0.1, stepSize: 2 },
    (t) => (t < B ? (t + 1) / B : 0.1 ** Math.floor(Math.floor((t - B) / B) / 2)));
});

test("poly: η₀·(1 − n/N)^κ per epoch (κ = 0.9 default, and κ = 2), per step with interval step", () => {
  const lr = 0.1, N = 4, B = 3;
  const v = checkAll({ kind: "poly", lr, epochs: N, stepsPerEpoch: B }, (t) => lr * (1 - Math.floor(t / B) / N) ** 0.9);
  assert.equal(makeLrSchedule(e, { kind: "poly", lr, epochs: N, stepsPerEpoch: B }).spec.power, 0.9);
  assert.ok(Math.abs(v[11] - lr * 0.25 ** 0.9) < 1e-16);
  checkAll({ kind: "poly", lr, epochs: N, stepsPerEpoch: B, power: 2 }, (t) => lr * (1 - Math.floor(t / B) / N) ** 2);
  checkAll({ kind: "poly", lr, epochs: N, stepsPerEpoch: B, power: 2, interval: "step" }, (t) => lr * (1 - t / (N * B)) ** 2);
});

test("shape(x) is h(x)/η₀ on [0, 1] for every kind", () => {
  const base = { lr: 0.7, epochs: 6, stepsPerEpoch: 2 };
  const cos = makeLrSchedule(e, { ...base, kind: "cosine" });
  assert.equal(cos.shape(0), 1);
  assert.ok(Math.abs(cos.shape(0.5) - 0.5) < 1e-15);
  assert.ok(Math.abs(cos.shape(1)) < 1e-15);
  const poly = makeLrSchedule(e, { ...base, kind: "poly", power: 3 });
  assert.ok(Math.abs(poly.shape(0.5) - 0.125) < 1e-15);
  assert.equal(poly.shape(1), 0);
  const step = makeLrSchedule(e, { ...base, kind: "step", gamma: 0.5, stepSize: 2 });
  assert.deepEqual([0, 0.2, 1 / 3, 0.5, 2 / 3, 0.99].map((x) => step.shape(x)), [1, 1, 0.5, 0.5, 0.25, 0.25]);
});

/** A ShrinkError (code E_ARG) whose message names `option`. */
const namesOption = (option: string) => (err: unknown) => {
  assert.ok(err instanceof ShrinkError, `expected a ShrinkError, got ${String(err)}`);
  assert.equal(err.code, "E_ARG");
  assert.ok(err.message.includes(option), `message "${err.message}" should name ${option}`);
  return true;
};

test("invalid schedules throw a ShrinkError naming the option", () => {
  const ok: LrScheduleSpec = { kind: "cosine", lr: 0.1, epochs: 5, stepsPerEpoch: 10 };
  assert.doesNotThrow(() => makeLrSchedule(e, ok));
  const cases: [Partial<LrScheduleSpec> & Record<string, unknown>, string][] = [
    [{ lr: 0 }, "lr"],
    [{ lr: -1 }, "lr"],
    [{ lr: NaN }, "lr"],
    [{ lr: Infinity }, "lr"],
    [{ epochs: 0 }, "epochs"],
    [{ epochs: 2.5 }, "epochs"],
    [{ warmupEpochs: 5 }, "warmup"],
    [{ warmupEpochs: 7 }, "warmup"],
    [{ warmupEpochs: -1 }, "warmup"],
    [{ warmupEpochs: 0.05 }, "warmup"], // half a step
    [{ kind: "nope" as LrScheduleSpec["kind"] }, "lrSchedule"],
    [{ kind: "step", gamma: 0 }, "lrGamma"],
    [{ kind: "step", gamma: 1.5 }, "lrGamma"],
    [{ kind: "step", stepSize: 0 }, "lrStepSize"],
    [{ kind: "step", stepSize: 1.5 }, "lrStepSize"],
    [{ kind: "poly", power: 0 }, "lrPower"],
    [{ kind: "poly", power: -1 }, "lrPower"],
  ];
  for (const [change, option] of cases) {
    assert.throws(() => makeLrSchedule(e, { ...ok, ...change }), namesOption(option), `${JSON.stringify(change)} should be rejected`);
  }
  assert.throws(() => makeLrSchedule(e, { ...ok, kind: "nope" as LrScheduleSpec["kind"] }), /unknown schedule "nope" \(allowed: constant, step, cosine, poly\)/);
  assert.throws(() => makeLrSchedule(e, { ...ok, warmupEpochs: 5 }), /warmup: 5 epochs must be ≥ 0, fewer than epochs 5/);
  assert.throws(() => makeLrSchedule(e, { ...ok, lr: -1 }), /lr: -1 must be a positive finite number/);
});

test("a warm-up of whole steps is accepted even when epochs × stepsPerEpoch is inexact in floating point", () => {
  for (const [warm, B, steps] of [[1.1, 50, 55], [2.3, 100, 230], [1.5, 50, 75]]) {
    const s = makeLrSchedule(e, { kind: "cosine", lr: 0.1, epochs: 10, stepsPerEpoch: B, warmupEpochs: warm });
    assert.equal(s.warmupSteps, steps);
    assert.equal(s.at(steps - 1), 0.1);
  }
});
