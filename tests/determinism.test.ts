// Reproducibility: a training session is a pure function of (config, data,
// seed), bit for bit, across engine instances and heap layouts; the PRNG
// streams behind it are deterministic and match an independent JS
// implementation of splitmix64-seeded xoshiro128**.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Engine } from "../src/engine/engine.ts";
import { Rng } from "../src/engine/rng.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { createSession, initSeed, shuffleSeed } from "../src/train/session.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../src/train/config.ts";
import { engine, freshEngine, syntheticImageSet } from "./helpers/engine.ts";

const TRAIN = syntheticImageSet(600, 1234);
const TEST = syntheticImageSet(200, 5678);

interface RunOutcome {
  trainLoss: number;
  testAccuracy: number;
  epochLosses: number[];
  batchLosses: number[];
  initBytes: Uint8Array;
  weightBytes: Uint8Array;
}

const paramBytes = (e: Engine, s: ReturnType<typeof createSession>) => {
  const parts = s.model.params().map((p) => e.u8(p.value.ptr, p.value.size * 4).slice());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

async function run(e: Engine, seed: number, overrides: Partial<TrainConfig> = {}): Promise<RunOutcome> {
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, model: "mlp", epochs: 2, batch: 64, seed, ...overrides };
  const s = createSession(e, config, TRAIN, TEST);
  try {
    const initBytes = paramBytes(e, s);
    const batchLosses: number[] = [];
    const r = await s.run({ onBatch: (ev) => batchLosses.push(ev.loss) });
    return {
      trainLoss: r.final.trainLoss,
      testAccuracy: r.final.testAccuracy,
      epochLosses: r.epochs.map((ev) => ev.trainLoss),
      batchLosses,
      initBytes,
      weightBytes: paramBytes(e, s),
    };
  } finally {
    s.dispose();
  }
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test("createSession: same seed → bit-identical losses and weights, across engines and heap layouts; another seed → other bytes", async () => {
  const e1 = await freshEngine();
  const e2 = await freshEngine();
  const a = await run(e1, 7);
  const b = await run(e2, 7);
  // The run did something: 10 batches per epoch, loss falling, weights moved.
  assert.equal(a.batchLosses.length, 2 * Math.ceil(600 / 64));
  assert.ok(a.epochLosses[1] < a.epochLosses[0], `train loss ${a.epochLosses.join(" → ")} should fall`);
  assert.ok(!equalBytes(a.initBytes, a.weightBytes), "training changed the weights");
  assert.equal(a.weightBytes.length, (784 * 128 + 128 + 128 * 256 + 256 + 256 * 10 + 10) * 4);

  assert.ok(Object.is(a.trainLoss, b.trainLoss), `trainLoss ${a.trainLoss} vs ${b.trainLoss}`);
  assert.ok(Object.is(a.testAccuracy, b.testAccuracy));
  assert.deepEqual(a.batchLosses, b.batchLosses);
  assert.ok(equalBytes(a.initBytes, b.initBytes), "same initial weights");
  assert.ok(equalBytes(a.weightBytes, b.weightBytes), "same final weights");

  // Same engine again, with the heap shifted by a live odd-sized allocation:
  // buffers land at other addresses, the bits must not change.
  const junk = e1.alloc(12345, "u8");
  const c = await run(e1, 7);
  e1.free(junk);
  assert.ok(Object.is(a.trainLoss, c.trainLoss));
  assert.ok(equalBytes(a.weightBytes, c.weightBytes), "weights independent of buffer addresses");

  const d = await run(e2, 8);
  assert.ok(!equalBytes(a.initBytes, d.initBytes), "another seed initialises differently");
  assert.ok(!equalBytes(a.weightBytes, d.weightBytes), "another seed trains to other weights");
  assert.notEqual(a.trainLoss, d.trainLoss);
});

test("initial weights depend only on the seed (its own stream): batch size and epochs do not shift them", async () => {
  const e = await engine();
  const a = await run(e, 3, { batch: 600, epochs: 1 });
  const b = await run(e, 3, { batch: 32, epochs: 1, lr: 0.01 });
  assert.ok(equalBytes(a.initBytes, b.initBytes), "same init for the same seed");
  assert.ok(!equalBytes(a.weightBytes, b.weightBytes), "different training");
  // And they are what buildModel draws from Rng(initSeed(seed)).
  const rng = new Rng(e, initSeed(3));
  const model = buildModel(e, modelSpec("mlp", 784, 10), 1, rng);
  rng.free();
  const bytes = new Uint8Array(a.initBytes.length);
  let o = 0;
  for (const p of model.params()) { bytes.set(e.u8(p.value.ptr, p.value.size * 4), o); o += p.value.size * 4; }
  model.free();
  assert.ok(equalBytes(bytes, a.initBytes));
  assert.notEqual(shuffleSeed(3), initSeed(3), "shuffling uses another stream");
});

// ---- Rng ----------------------------------------------------------------

/** Independent JS reference: splitmix64 seeding (two outputs folded low word first) + xoshiro128**. */
function refXoshiro(seed: number): () => number {
  const M = (1n << 64n) - 1n;
  let x = BigInt(seed >>> 0);
  const mix = () => {
    x = (x + 0x9e3779b97f4a7c15n) & M;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  const z1 = mix(), z2 = mix();
  const s = [Number(z1 & 0xffffffffn), Number(z1 >> 32n), Number(z2 & 0xffffffffn), Number(z2 >> 32n)];
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

test("Rng: the same seed gives the same u32 sequence, equal to a JS splitmix64 + xoshiro128** reference", async () => {
  const e = await engine();
  for (const seed of [0, 1, 42, 0x9e3779b9, 0xffffffff]) {
    const r1 = new Rng(e, seed), r2 = new Rng(e, seed);
    const ref = refXoshiro(seed);
    for (let i = 0; i < 1000; i++) {
      const v = r1.nextU32();
      assert.equal(r2.nextU32(), v);
      const w = ref();
      if (v !== w) assert.fail(`seed ${seed}, draw ${i}: wasm ${v}, reference ${w}`);
    }
    r1.free();
    r2.free();
  }
  const a = new Rng(e, 1), b = new Rng(e, 2);
  const sa = Array.from({ length: 16 }, () => a.nextU32()), sb = Array.from({ length: 16 }, () => b.nextU32());
  assert.notDeepEqual(sa, sb, "different seeds, different streams");
  assert.ok(new Set(sa).size === 16);
  a.free();
  b.free();
});

test("Rng: saveState/loadState replays the stream; uniform01 is in [0, 1); bad seeds are rejected", async () => {
  const e = await engine();
  const r = new Rng(e, 99);
  r.nextU32();
  const saved = r.saveState();
  const first = Array.from({ length: 8 }, () => r.nextU32());
  r.loadState(saved);
  assert.deepEqual(Array.from({ length: 8 }, () => r.nextU32()), first);
  let sum = 0;
  for (let i = 0; i < 10000; i++) {
    const u = r.uniform01();
    assert.ok(u >= 0 && u < 1);
    sum += u;
  }
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02, `mean of uniform01 ${sum / 10000}`);
  r.free();
  for (const bad of [-1, 1.5, 2 ** 32, NaN]) assert.throws(() => new Rng(e, bad), RangeError);
});

test("Rng.permutation writes a permutation of 0..n−1 that depends on the seed", async () => {
  const e = await engine();
  const perm = (seed: number, n: number) => {
    const r = new Rng(e, seed);
    const t = new Tensor(e, [n + 1], "i32");
    e.i32(t.ptr, n + 1)[n] = -7; // sentinel: nothing written past n
    r.permutation(t.ptr, n);
    const out = Array.from(e.i32(t.ptr, n + 1));
    t.free();
    r.free();
    assert.equal(out[n], -7, "no write past the end");
    return out.slice(0, n);
  };
  for (const n of [1, 2, 3, 10, 1000, 4097]) {
    const p = perm(5, n);
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i), `n = ${n}: a permutation`);
    assert.deepEqual(perm(5, n), p, `n = ${n}: same seed, same permutation`);
  }
  const p = perm(5, 1000), q = perm(6, 1000);
  assert.notDeepEqual(p, q);
  const fixed = p.filter((v, i) => v === i).length;
  assert.ok(fixed < 10, `${fixed} fixed points in a random permutation of 1000 (expected ~1)`);
  assert.deepEqual(perm(1, 0), []);
});
