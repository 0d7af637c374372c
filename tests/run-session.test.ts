// RunSession (src/prune/run-session.ts): a run advanced in slices, each slice
// in a fresh engine restored from the previous slice's snapshot (a Worker that
// trains a few seconds per request), ends with the same bits as the run never
// stopped: weights, metrics, epoch and iteration histories. Snapshots refuse
// other data and corrupt bytes; dispose() of a paused run frees everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine, freshEngine, syntheticImageSet } from "./helpers/engine.ts";
import { pruneConfig, TRAIN, TEST } from "./helpers/prune.ts";
import { RunSession, type RunConfig, type RunOutcome } from "../src/prune/run-session.ts";
import { decodeCheckpoint, encodeCheckpoint, stringifyExact, parseExact } from "../src/io/checkpoint.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import type { Sequential } from "../src/nn/sequential.ts";

const e0 = await engine();

function weights(m: Sequential): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const p of m.params()) out.set(p.name, new Uint8Array(p.value.toArray().buffer));
  for (const b of m.buffers()) out.set(b.name, b.value.engine.u8(b.value.ptr, b.value.size * 4).slice());
  return out;
}

/** What a finished run reports, without wall-clock fields. */
function report(o: RunOutcome): unknown {
  const strip = (x: unknown): unknown => JSON.parse(stringifyExact(x), (k, v) => (k === "seconds" || k === "samplesPerSecond" ? undefined : v));
  if (o.kind === "train") return strip(o.result.epochs);
  if (o.kind === "prune") return strip({ epochs: o.run.result.epochs, states: o.run.epochStates, sparsity: o.run.sparsity, threshold: o.run.threshold, stoppedAt: o.run.stoppedAt });
  return strip(o.run.iterations);
}

async function uninterrupted(rc: RunConfig, train = TRAIN, test = TEST) {
  const e = await freshEngine();
  const s = RunSession.start(e, rc, train, test);
  assert.equal(await s.advance(), true);
  const out = { weights: weights(s.model), report: report(s.outcome!), total: s.progress().totalSteps };
  await s.dispose();
  return out;
}

/** The run in `slices` slices: advance, snapshot, drop the engine, restore into a new one. */
async function sliced(rc: RunConfig, slices: number, train = TRAIN, test = TEST) {
  const ref = await uninterrupted(rc, train, test);
  const per = Math.ceil(ref.total / slices);
  let s = RunSession.start(await freshEngine(), rc, train, test);
  let n = 0;
  while (!(await s.advance({ steps: per }))) {
    const bytes = s.snapshot();
    await s.dispose();
    s = RunSession.restore(await freshEngine(), bytes, train, test);
    n++;
  }
  assert.equal(n, Math.floor(ref.total / per), "a pause after every `per` steps, the last step included");
  assert.deepEqual(report(s.outcome!), ref.report);
  const w = weights(s.model);
  for (const [name, bytes] of ref.weights) assert.deepEqual(w.get(name), bytes, `${name} differs after ${n} restores`);
  await s.dispose();
  return n;
}

const prune = (over: Parameters<typeof pruneConfig>[0]): RunConfig => ({ kind: "prune", config: pruneConfig(over) });

test("a spiking CNN (LIF, T = 3) pruned with sine in 4 slices, each restored into a fresh engine, equals the uninterrupted run bit for bit", async () => {
  const train = syntheticImageSet(120, 5, 16, 16), test = syntheticImageSet(40, 6, 16, 16);
  await sliced(prune({ model: "spiking-cnn", width: 0.0625, timesteps: 3, method: "sine", D: 0.05, epochs: 2, batch: 40 }), 4, train, test);
});

test("10 slices, each restored into a fresh engine, equal the uninterrupted run bit for bit: slats, pgh with early stop, str, gmp", async () => {
  await sliced(prune({ method: "slats", D: 0.05 }), 10);
  await sliced(prune({ method: "pgh", D: 0.05, beta: 0.1, stopPenalty: 0.5 }), 10);
  await sliced(prune({ method: "str", sInit: -4 }), 10);
  await sliced(prune({ method: "gmp", targetSparsity: 0.8, every: 3 }), 10);
});

test("10 slices equal the uninterrupted run: sap and lottery mid-iteration, one-shot, magnitude, gpo, dense training", async () => {
  await sliced(prune({ method: "sap", iterations: 3, epochs: 1 }), 10);
  await sliced(prune({ method: "lottery", iterations: 2, epochs: 2 }), 10);
  await sliced(prune({ method: "one-shot", iterations: 3, epochs: 2 }), 4);
  await sliced(prune({ method: "magnitude", targetSparsity: 0.7, pruneAt: 1 }), 10);
  await sliced(prune({ method: "gpo" }), 7);
  await sliced({ kind: "train", config: pruneConfig({ epochs: 2 }) }, 10);
});

test("slats on the cnn with augmentation, 10 slices: the same bits", async () => {
  const train = syntheticImageSet(120, 5), test = syntheticImageSet(40, 6);
  await sliced(prune({ model: "cnn", method: "slats", D: 0.02, epochs: 2, batch: 20, augment: "crop+flip" }), 10, train, test);
});

test("a snapshot holds the config, the data's shape and the progress; restore refuses other data, other models and corrupt bytes", async () => {
  const rc = prune({ method: "slats", D: 0.05, epochs: 1 });
  const s = RunSession.start(e0, rc, TRAIN, TEST);
  assert.equal(await s.advance({ steps: 5 }), false);
  assert.deepEqual(s.position, { kind: "step", step: 5, epoch: 0, runStep: 5 });
  const bytes = s.snapshot({ note: "mine" });
  const { meta } = decodeCheckpoint(bytes, "ck");
  assert.deepEqual(meta.progress, { step: 5, totalSteps: 16 });
  assert.equal(meta.note, "mine");
  assert.deepEqual(meta.data, { train: 800, test: 200, shape: [1, 28, 28], classes: 10 });
  assert.throws(() => RunSession.restore(e0, bytes, syntheticImageSet(400, 1), TEST, {}, "ck.safetensors"),
    (err: unknown) => err instanceof ShrinkError && err.code === "E_CHECKPOINT" && /^ck\.safetensors: the run trained on 800 training and 200 test images of 1×28×28 in 10 classes, but this data is 400 training/.test(err.message));
  assert.throws(() => RunSession.restore(e0, bytes.slice(0, 100), TRAIN, TEST, {}, "ck"), (err: unknown) => err instanceof ShrinkError && /^ck: /.test(err.message));
  // A tensor of another model (the MLP on 14×14 images) in this run's state: it is named, nothing is loaded.
  const forged = RunSession.start(e0, rc, syntheticImageSet(800, 11, 14, 14), syntheticImageSet(200, 22, 14, 14));
  const otherBytes = forged.snapshot();
  await forged.dispose();
  const { state } = decodeCheckpoint(otherBytes, "x");
  assert.ok(state.tensors.has("model.fc1.weight"));
  const mix = decodeCheckpoint(bytes, "ck").state;
  mix.tensors.set("model.fc1.weight", state.tensors.get("model.fc1.weight")!);
  assert.throws(() => RunSession.restore(e0, reencode(mix, bytes), TRAIN, TEST, {}, "ck"), /^ShrinkError: ck: state tensor "model\.fc1\.weight" is 25088 × F32 but this run has 100352 × F32/);
  await assert.rejects(Promise.all([s.advance({ steps: 1 }), s.advance({ steps: 1 })]), /advance: the run is already advancing/);
  await s.dispose();
});

/** `state` with the metadata of the checkpoint `like` (its run, data and progress). */
function reencode(state: ReturnType<typeof decodeCheckpoint>["state"], like: Uint8Array): Uint8Array {
  return encodeCheckpoint(state, decodeCheckpoint(like, "like").meta);
}

test("dispose() of a paused run frees every buffer it and its loop held; snapshot refuses a running or finished run", async () => {
  const e = await freshEngine();
  const start = { bytes: e.liveBytes, buffers: e.liveBuffers };
  for (const rc of [prune({ method: "slats", D: 0.05 }), prune({ method: "sap", iterations: 2, epochs: 1 })]) {
    const s = RunSession.start(e, rc, TRAIN, TEST);
    await s.advance({ steps: 7 });
    await s.dispose();
    assert.deepEqual({ bytes: e.liveBytes, buffers: e.liveBuffers }, start, rc.config.method);
  }
  // Mid-way through an epoch's end (its report out, its count not yet advanced) is no point to snapshot.
  let refused = 0;
  const s: RunSession = RunSession.start(e, prune({ method: "slats", D: 0.05, epochs: 1 }), TRAIN, TEST, {
    onEpoch: () => { assert.throws(() => s.snapshot(), /^ShrinkError: snapshot: the run is advancing; take a snapshot once advance\(\) has returned$/); refused++; },
  });
  assert.equal(await s.advance({ steps: 3 }), false);
  assert.equal(await s.advance(), true);
  assert.equal(refused, 1);
  assert.throws(() => s.snapshot(), /snapshot: the run has finished/);
  await s.dispose();
  assert.deepEqual({ bytes: e.liveBytes, buffers: e.liveBuffers }, start);
});

test("checkpoint JSON keeps NaN, ±Infinity and −0 exactly", () => {
  const v = { a: [NaN, Infinity, -Infinity, -0, 0, 0.1 + 0.2, 5e-324] };
  const back = parseExact(stringifyExact(v)) as typeof v;
  assert.ok(Number.isNaN(back.a[0]));
  assert.deepEqual(back.a.slice(1).map((x) => Object.is(x, -0) ? "-0" : x), [Infinity, -Infinity, "-0", 0, 0.1 + 0.2, 5e-324]);
});
