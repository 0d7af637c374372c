// Datasets with channels: the CIFAR-10/100 binary reader, dataset and
// directory resolution (--dataset / --data-dir / SHRINK_DATA_DIR), per-channel
// normalisation, seeded crop/flip augmentation against a JS reference, and the
// Fashion-MNIST path staying bit-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync, copyFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ShrinkError } from "../src/engine/errors.ts";
import { encodeCifar, parseCifar, parseCifar10, parseCifar100, CIFAR_FILES, type CifarKind } from "../src/data/cifar.ts";
import { DATASETS, resolveAugment, type ChannelNorm } from "../src/data/catalog.ts";
import { WasmDataset, Batcher, FASHION_MNIST_NORM } from "../src/data/batcher.ts";
import { Rng } from "../src/engine/rng.ts";
import type { Engine } from "../src/engine/engine.ts";
import type { ImageLabelSet } from "../src/data/idx.ts";
import { createSession, augmentSeed } from "../src/train/session.ts";
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig, type TrainConfig } from "../src/train/config.ts";
import { findDataset, loadDataset } from "../src/node/load-dataset.ts";
import { embeddedDataDir } from "../src/node/data-dir.ts";
import { engine, bits, syntheticImageSet } from "./helpers/engine.ts";
import { shrink, lines } from "./helpers/cli.ts";

const shrinkError = (code: string, re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ShrinkError, `expected ShrinkError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, re);
  return true;
};

const PIX = 3072;
/** Known pixels: image n, channel c, pixel p → (n·7 + c·50 + p·3) mod 256. */
const pixel = (n: number, c: number, p: number) => (n * 7 + c * 50 + p * 3) % 256;
function images(n0: number, count: number): Uint8Array {
  const a = new Uint8Array(count * PIX);
  for (let n = 0; n < count; n++) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) a[n * PIX + c * 1024 + p] = pixel(n0 + n, c, p);
  return a;
}
const labelsOf = (n0: number, count: number, classes: number) => Uint8Array.from({ length: count }, (_, i) => (n0 + i) * 7 % classes);

/** A CIFAR directory of small files: `per` records per training file, `test` test records. */
function writeCifarDir(dir: string, kind: CifarKind, per = 4, testCount = 6): void {
  mkdirSync(dir, { recursive: true });
  const f = CIFAR_FILES[kind];
  const classes = kind === "cifar10" ? 10 : 100;
  let n0 = 0;
  for (const name of f.train) {
    writeFileSync(join(dir, name), encodeCifar(kind, images(n0, per), labelsOf(n0, per, classes), labelsOf(n0, per, 20)));
    n0 += per;
  }
  writeFileSync(join(dir, f.test[0]), encodeCifar(kind, images(1000, testCount), labelsOf(1000, testCount, classes), labelsOf(1000, testCount, 20)));
}

function tmp(t: { after: (f: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), "shrink-ds-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// ---------------------------------------------------------------- the reader

test("parseCifar10: records of 1 label + 3072 CHW pixels, any record count", () => {
  const bytes = encodeCifar("cifar10", images(0, 20), labelsOf(0, 20, 10));
  assert.equal(bytes.length, 20 * 3073);
  assert.equal(bytes[3073], 7); // record 1's label byte comes first
  assert.equal(bytes[3073 + 1 + 1024 + 5], pixel(1, 1, 5)); // then R, G, B planes
  const s = parseCifar10(bytes, "x.bin");
  assert.equal(s.count, 20);
  assert.equal(s.channels, 3);
  assert.equal(s.height, 32);
  assert.equal(s.width, 32);
  assert.equal(s.numClasses, 10);
  assert.deepEqual([...s.labels], [...labelsOf(0, 20, 10)]);
  for (const [n, c, p] of [[0, 0, 0], [3, 2, 1023], [19, 1, 517], [7, 0, 32]] as const) assert.equal(s.images[n * PIX + c * 1024 + p], pixel(n, c, p));
  assert.deepEqual(s.images, images(0, 20));
});

test("parseCifar100: 2 label bytes (coarse, fine), the fine label is used; several files concatenate in order", () => {
  const fine = labelsOf(0, 5, 100), coarse = Uint8Array.from([19, 0, 3, 4, 5]);
  const a = encodeCifar("cifar100", images(0, 5), fine, coarse);
  assert.equal(a.length, 5 * 3074);
  assert.deepEqual([a[0], a[1]], [19, fine[0]]);
  const s = parseCifar100(a, "train.bin");
  assert.equal(s.numClasses, 100);
  assert.deepEqual([...s.labels], [...fine]);
  assert.deepEqual(s.images, images(0, 5));
  const b = encodeCifar("cifar100", images(5, 3), labelsOf(5, 3, 100));
  const both = parseCifar("cifar100", [{ name: "a", bytes: a }, { name: "b", bytes: b }]);
  assert.equal(both.count, 8);
  assert.deepEqual(both.images, images(0, 8));
  assert.deepEqual([...both.labels], [...labelsOf(0, 8, 100)]);
});

test("CIFAR validation: empty, truncated, labels out of range — each names the file, the value and what is allowed", () => {
  assert.throws(() => parseCifar10(new Uint8Array(0), "empty.bin"), shrinkError("E_CIFAR_EMPTY", /^empty\.bin: file is empty .*3073 bytes/));
  const good = encodeCifar("cifar10", images(0, 3), labelsOf(0, 3, 10));
  assert.throws(
    () => parseCifar10(good.subarray(0, good.length - 10), "data_batch_1.bin"),
    shrinkError("E_CIFAR_SIZE", /^data_batch_1\.bin: file size 9209 is not a whole number of 3073-byte cifar10 records \(2 records and 3063 bytes left over/),
  );
  const bad = good.slice();
  bad[2 * 3073] = 10;
  assert.throws(() => parseCifar10(bad, "test_batch.bin"), shrinkError("E_CIFAR_LABEL", /^test_batch\.bin: label 10 in record 2 is out of range \(allowed 0\.\.9\)/));
  const c100 = encodeCifar("cifar100", images(0, 2), Uint8Array.from([1, 2]), Uint8Array.from([3, 4]));
  const badFine = c100.slice();
  badFine[3074 + 1] = 100;
  assert.throws(() => parseCifar100(badFine, "train.bin"), shrinkError("E_CIFAR_LABEL", /^train\.bin: fine label 100 in record 1 is out of range \(allowed 0\.\.99\)/));
  const badCoarse = c100.slice();
  badCoarse[0] = 20;
  assert.throws(() => parseCifar100(badCoarse, "train.bin"), shrinkError("E_CIFAR_LABEL", /coarse label 20 in record 0 is out of range \(allowed 0\.\.19\)/));
  // A CIFAR-10 file read as CIFAR-100 is (almost always) the wrong size.
  assert.throws(() => parseCifar100(good, "data_batch_1.bin"), shrinkError("E_CIFAR_SIZE", /3074-byte cifar100 records/));
});

// ---------------------------------------------------------------- finding the files

test("findDataset: inference from --data-dir, parent directories, SHRINK_DATA_DIR, defaults", (t) => {
  const root = tmp(t);
  const c10 = join(root, "p10", "cifar-10-batches-bin");
  const c100 = join(root, "p100", "cifar-100-binary");
  writeCifarDir(c10, "cifar10");
  writeCifarDir(c100, "cifar100");
  const none = { env: {}, debianDir: join(root, "no-debian"), embeddedDir: embeddedDataDir() };
  assert.deepEqual(findDataset({ ...none, dataDir: c10 }), { name: "cifar10", dir: c10, source: "flag" });
  assert.deepEqual(findDataset({ ...none, dataDir: join(root, "p10") }), { name: "cifar10", dir: c10, source: "flag" });
  assert.deepEqual(findDataset({ ...none, dataDir: c100 }), { name: "cifar100", dir: c100, source: "flag" });
  assert.deepEqual(findDataset({ ...none, dataDir: join(root, "p100"), dataset: "cifar100" }), { name: "cifar100", dir: c100, source: "flag" });
  assert.deepEqual(findDataset({ ...none, env: { SHRINK_DATA_DIR: join(root, "p100") } }), { name: "cifar100", dir: c100, source: "env" });
  // IDX files: fashion-mnist unless told mnist.
  const data = embeddedDataDir();
  assert.deepEqual(findDataset({ ...none, dataDir: data }), { name: "fashion-mnist", dir: data, source: "flag" });
  assert.deepEqual(findDataset({ ...none, dataDir: data, dataset: "mnist" }), { name: "mnist", dir: data, source: "flag" });
  // No directory: fashion-mnist falls back to the embedded subset; mnist to its Debian dir when present.
  assert.deepEqual(findDataset(none), { name: "fashion-mnist", dir: embeddedDataDir(), source: "embedded" });
  mkdirSync(join(root, "mnist-debian"));
  assert.deepEqual(findDataset({ ...none, dataset: "mnist", mnistDebianDir: join(root, "mnist-debian") }), { name: "mnist", dir: join(root, "mnist-debian"), source: "debian" });
});

test("findDataset errors: contradicting --dataset, ambiguous directories, no directory for CIFAR or MNIST", (t) => {
  const root = tmp(t);
  const c10 = join(root, "cifar-10-batches-bin");
  writeCifarDir(c10, "cifar10");
  const none = { env: {}, debianDir: join(root, "no-debian"), mnistDebianDir: join(root, "no-mnist") };
  assert.throws(() => findDataset({ ...none, dataDir: c10, dataset: "cifar100" }),
    shrinkError("E_DATA_MISMATCH", new RegExp(`^--dataset cifar100 contradicts --data-dir ${c10}, which holds CIFAR-10 binary files .*not CIFAR-100`)));
  assert.throws(() => findDataset({ ...none, dataDir: c10, dataset: "fashion-mnist" }), shrinkError("E_DATA_MISMATCH", /--dataset fashion-mnist contradicts .*CIFAR-10/));
  assert.throws(() => findDataset({ ...none, dataDir: embeddedDataDir(), dataset: "cifar10" }), shrinkError("E_DATA_MISMATCH", /--dataset cifar10 contradicts .*IDX files/));
  assert.throws(() => findDataset({ ...none, env: { SHRINK_DATA_DIR: c10 }, dataset: "mnist" }), shrinkError("E_DATA_MISMATCH", /contradicts SHRINK_DATA_DIR=/));
  // A parent holding both CIFAR directories needs --dataset.
  writeCifarDir(join(root, "cifar-100-binary"), "cifar100");
  assert.throws(() => findDataset({ ...none, dataDir: root }), shrinkError("E_DATA_MISMATCH", /holds CIFAR-10 .* and CIFAR-100 .*: choose one with --dataset/));
  assert.equal(findDataset({ ...none, dataDir: root, dataset: "cifar100" }).dir, join(root, "cifar-100-binary"));
  assert.throws(() => findDataset({ ...none, dataset: "cifar10" }),
    shrinkError("E_DATA_DIR", /^--dataset cifar10: no data directory given: download the "binary version" of CIFAR-10 from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html.*--data-dir/));
  assert.throws(() => findDataset({ ...none, dataset: "mnist" }), shrinkError("E_DATA_DIR", /^--dataset mnist: no MNIST directory .*--data-dir/));
  assert.throws(() => findDataset({ ...none, dataDir: join(root, "nope"), dataset: "cifar10" }), shrinkError("E_DATA_DIR", /--data-dir .*nope: no such directory/));
});

test("loadDataset: CIFAR-10 and -100 sets, norm and default augmentation; a missing or truncated file is named", async (t) => {
  const root = tmp(t);
  writeCifarDir(join(root, "cifar-10-batches-bin"), "cifar10", 4, 6);
  const d = await loadDataset({ dataDir: root, env: {} });
  assert.equal(d.name, "cifar10");
  assert.equal(d.train.count, 20);
  assert.equal(d.test.count, 6);
  assert.deepEqual(d.train.images, images(0, 20));
  assert.deepEqual(d.test.images, images(1000, 6));
  assert.deepEqual(d.norm, { mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616] });
  assert.deepEqual(d.augment, { pad: 4, flip: true });
  const c100 = join(root, "c100");
  writeCifarDir(c100, "cifar100", 20, 4);
  const e = await loadDataset({ dataDir: c100, env: {} });
  assert.equal(e.name, "cifar100");
  assert.equal(e.train.numClasses, 100);
  assert.deepEqual(e.norm, { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] });
  const f = await loadDataset({ dataDir: embeddedDataDir(), env: {} });
  assert.equal(f.name, "fashion-mnist");
  assert.equal(f.train.channels, 1);
  assert.equal(f.augment, undefined);
  assert.deepEqual((await loadDataset({ dataDir: embeddedDataDir(), env: {}, dataset: "mnist" })).norm, { mean: [0.1307], std: [0.3081] });

  const broken = join(root, "broken");
  mkdirSync(broken);
  for (const n of readdirSync(join(root, "cifar-10-batches-bin"))) copyFileSync(join(root, "cifar-10-batches-bin", n), join(broken, n));
  unlinkSync(join(broken, "data_batch_3.bin"));
  await assert.rejects(loadDataset({ dataDir: broken, env: {} }), shrinkError("E_DATA_MISSING", /missing CIFAR-10 file\(s\): data_batch_3\.bin \(download the "binary version"/));
  writeFileSync(join(broken, "data_batch_3.bin"), new Uint8Array(3073 * 2 + 1));
  await assert.rejects(loadDataset({ dataDir: broken, env: {} }), shrinkError("E_CIFAR_SIZE", /data_batch_3\.bin: file size 6147 is not a whole number of 3073-byte/));
});

// ---------------------------------------------------------------- normalisation and augmentation

const f32 = Math.fround;
/** The kernel's arithmetic in JS: f32(u)·scale + shift with scale, shift, product and sum rounded to f32. */
const normRef = (norm: ChannelNorm) => {
  const s = norm.std.map((sd) => f32(1 / (255 * sd)));
  const h = norm.mean.map((m, c) => f32(-m / norm.std[c]!));
  return (u: number, c: number) => f32(f32(u * s[c]!) + h[c]!);
};

/** Lemire's bounded draw on the Rng's u32 stream (independent of the kernel). */
function bounded(r: Rng, range: number): number {
  const threshold = (4294967296 - range) % range;
  for (;;) {
    const m = r.nextU32() * range; // < 2^53: exact
    if (m % 4294967296 >= threshold) return Math.floor(m / 4294967296);
  }
}

/** JS reference of one augmented batch, with the documented draw order. */
function augmentRef(set: ImageLabelSet, order: number[], pad: number, flip: boolean, r: Rng, norm: ChannelNorm): Float32Array {
  const { channels: C, height: H, width: W } = set;
  const out = new Float32Array(order.length * C * H * W);
  const nr = normRef(norm);
  order.forEach((img, i) => {
    const dy = pad > 0 ? bounded(r, 2 * pad + 1) : 0;
    const dx = pad > 0 ? bounded(r, 2 * pad + 1) : 0;
    const f = flip ? r.nextU32() >>> 31 : 0;
    for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const yy = y + dy - pad;
      const xs = (f ? W - 1 - x : x) + dx - pad;
      const u = yy >= 0 && yy < H && xs >= 0 && xs < W ? set.images[((img * C + c) * H + yy) * W + xs]! : 0;
      out[((i * C + c) * H + y) * W + x] = nr(u, c);
    }
  });
  return out;
}

const cifarSet = (count: number, n0 = 0): ImageLabelSet => ({
  count, channels: 3, height: 32, width: 32, images: images(n0, count), labels: labelsOf(n0, count, 10), numClasses: 10,
});
const shapeOf = (s: ImageLabelSet) => ({ channels: s.channels, height: s.height, width: s.width });
const wasmSet = (e: Engine, s: ImageLabelSet) => new WasmDataset(e, s.images, s.labels, s.channels * s.height * s.width, s.numClasses, shapeOf(s));

test("Batcher: per-channel normalisation (x/255 − mean[c])/std[c] in f32, NCHW rows; labels follow", async () => {
  const e = await engine();
  const set = cifarSet(7);
  const ds = wasmSet(e, set);
  const norm = DATASETS.cifar10.norm;
  const b = new Batcher(e, ds, 4, { norm });
  try {
    assert.equal(b.augments, false);
    assert.deepEqual(b.x.shape, [4, 3072]);
    const nr = normRef(norm);
    for (const batch of [0, 1]) {
      const rows = b.load(batch);
      assert.equal(rows, batch === 0 ? 4 : 3);
      const x = e.f32(b.x.ptr, rows * PIX);
      const want = new Float32Array(rows * PIX);
      for (let i = 0; i < rows; i++) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) want[i * PIX + c * 1024 + p] = nr(pixel(batch * 4 + i, c, p), c);
      assert.deepEqual(bits(x), bits(want));
      assert.deepEqual([...e.i32(b.y.ptr, rows)], [...set.labels.subarray(batch * 4, batch * 4 + rows)]);
    }
    // Spot values: pixel 0 of image 0 is 0 in every channel... (0·7 + c·50) → 0, 50, 100.
    b.load(0);
    const x = e.f32(b.x.ptr, PIX);
    assert.ok(Math.abs(x[0]! - (0 - 0.4914) / 0.2470) < 1e-6);
    assert.ok(Math.abs(x[1024]! - (50 / 255 - 0.4822) / 0.2435) < 1e-6);
    assert.ok(Math.abs(x[2048]! - (100 / 255 - 0.4465) / 0.2616) < 1e-6);
    assert.throws(() => new Batcher(e, ds, 4, { norm: DATASETS.mnist.norm }), shrinkError("E_ARG", /1 means and 1 stds for 3-channel images/));
  } finally {
    b.free();
    ds.free();
  }
});

test("Batcher augmentation: crop (zero padding) and flip match a JS reference with the documented draw order", async () => {
  const e = await engine();
  const set = cifarSet(10);
  const ds = wasmSet(e, set);
  const norm = DATASETS.cifar10.norm;
  for (const [pad, flip] of [[4, true], [4, false], [0, true], [2, true]] as const) {
    const rng = new Rng(e, 1234);
    const ref = new Rng(e, 1234);
    const b = new Batcher(e, ds, 6, { norm, augment: { pad, flip, rng } });
    try {
      assert.equal(b.augments, true);
      for (const batch of [0, 1, 0]) {
        const rows = b.load(batch);
        const order = Array.from({ length: rows }, (_, i) => batch * 6 + i);
        const want = augmentRef(set, order, pad, flip, ref, norm);
        assert.deepEqual(bits(e.f32(b.x.ptr, rows * PIX)), bits(want), `pad ${pad} flip ${flip} batch ${batch}`);
      }
      // Both streams advanced identically.
      assert.equal(rng.nextU32(), ref.nextU32());
    } finally {
      b.free();
      rng.free();
      ref.free();
    }
  }
  ds.free();
});

test("augmentation is deterministic: same seed → same bits, another seed → other bits; restartAugment replays; test batches never augment", async () => {
  const e = await engine();
  const set = cifarSet(16);
  const ds = wasmSet(e, set);
  const norm = DATASETS.cifar10.norm;
  const run = (seed: number) => {
    const rng = new Rng(e, seed);
    const b = new Batcher(e, ds, 8, { norm, augment: { pad: 4, flip: true, rng } });
    const out: Uint32Array[] = [];
    for (const batch of [0, 1]) out.push(bits(e.f32(b.x.ptr, b.load(batch) * PIX).slice()));
    b.restartAugment();
    const again = bits(e.f32(b.x.ptr, b.load(0) * PIX).slice());
    b.free();
    rng.free();
    return { out, again };
  };
  const a = run(7), a2 = run(7), c = run(8);
  assert.deepEqual(a.out, a2.out);
  assert.deepEqual(a.again, a.out[0]);
  assert.notDeepEqual(a.out[0], c.out[0]);
  // A session augments its training batches only (auto on CIFAR), with its own stream.
  const cfg: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, model: "mlp", epochs: 1, batch: 8, seed: 3 };
  const s = createSession(e, cfg, set, cifarSet(5, 100));
  try {
    assert.equal(s.trainData.augments, true);
    assert.equal(s.testData.augments, false);
    s.trainData.inOrder();
    const rows = s.trainData.load(0);
    const ref = new Rng(e, augmentSeed(3));
    const want = augmentRef(set, Array.from({ length: rows }, (_, i) => i), 4, true, ref, norm);
    ref.free();
    assert.deepEqual(bits(e.f32(s.trainData.x.ptr, rows * PIX)), bits(want));
  } finally {
    s.dispose();
  }
  const none = createSession(e, { ...cfg, augment: "none" }, set, cifarSet(5, 100));
  assert.equal(none.trainData.augments, false);
  none.dispose();
  const flipOnly = createSession(e, { ...cfg, augment: "flip" }, set, cifarSet(5, 100));
  assert.equal(flipOnly.trainData.augments, true);
  flipOnly.dispose();
  ds.free();
});

test("Fashion-MNIST batches are bit-identical to the scalar one-channel kernel; auto means no augmentation there", async () => {
  const e = await engine();
  const set = syntheticImageSet(50, 99);
  const ds = new WasmDataset(e, set.images, set.labels, 784, 10); // the former constructor
  const ds2 = wasmSet(e, set);
  const legacy = new Batcher(e, ds, 16, { norm: FASHION_MNIST_NORM });
  const dflt = new Batcher(e, ds2, 16);
  const named = new Batcher(e, ds2, 16, { norm: DATASETS["fashion-mnist"].norm });
  const direct = e.alloc(16 * 784, "f32");
  try {
    const scale = 1 / (255 * 0.3530), shift = -0.2860 / 0.3530;
    for (let batch = 0; batch < 4; batch++) {
      const rows = legacy.load(batch);
      dflt.load(batch);
      named.load(batch);
      e.k.gather_normalize_u8(ds.images, legacy["order"].ptr + batch * 16 * 4, rows, 784, scale, shift, direct);
      const want = bits(e.f32(direct, rows * 784).slice());
      assert.deepEqual(bits(e.f32(legacy.x.ptr, rows * 784)), want);
      assert.deepEqual(bits(e.f32(dflt.x.ptr, rows * 784)), want);
      assert.deepEqual(bits(e.f32(named.x.ptr, rows * 784)), want);
      const nr = normRef({ mean: [0.2860], std: [0.3530] });
      const ref = Float32Array.from(set.images.subarray(batch * 16 * 784, (batch * 16 + rows) * 784), (u) => nr(u, 0));
      assert.deepEqual(want, bits(ref));
    }
    assert.equal(resolveAugment("auto", "fashion-mnist", 28, 28), undefined);
    assert.equal(resolveAugment("auto", "mnist", 28, 28), undefined);
    assert.deepEqual(resolveAugment("auto", "cifar100", 32, 32), { pad: 4, flip: true });
    assert.deepEqual(resolveAugment("crop", "fashion-mnist", 28, 28), { pad: 3, flip: false });
    const s = createSession(e, { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batch: 16 }, set, set);
    assert.equal(s.trainData.augments, false);
    s.dispose();
  } finally {
    e.free(direct);
    legacy.free();
    dflt.free();
    named.free();
    ds.free();
    ds2.free();
  }
});

test("config: --augment and --dataset are validated; a dataset that contradicts the data's channels is refused", async () => {
  const c = { ...DEFAULT_TRAIN_CONFIG };
  assert.equal(c.augment, "auto");
  assert.throws(() => validateTrainConfig({ ...c, augment: "rotate" as TrainConfig["augment"] }),
    shrinkError("E_ARG", /^augment: rotate is not allowed \(one of none, flip, crop, crop\+flip, auto\)/));
  assert.throws(() => validateTrainConfig({ ...c, dataset: "svhn" as TrainConfig["dataset"] }),
    shrinkError("E_ARG", /^dataset: svhn is not allowed \(one of fashion-mnist, mnist, cifar10, cifar100\)/));
  const e = await engine();
  const before = e.liveBuffers;
  assert.throws(() => createSession(e, { ...c, dataset: "cifar10" }, syntheticImageSet(10, 1), syntheticImageSet(10, 2)),
    shrinkError("E_DATA_SHAPE", /dataset cifar10: its images have 3 channels but the data has 1/));
  assert.equal(e.liveBuffers, before, "nothing allocated before the check");
});

// ---------------------------------------------------------------- CLI

test("CLI: shrink train --model mlp on a generated CIFAR-10 directory; --dataset contradicting the files is one line, exit 2", (t) => {
  const root = tmp(t);
  writeCifarDir(join(root, "cifar-10-batches-bin"), "cifar10", 8, 10);
  const r = shrink("train", "--model", "mlp", "--data-dir", root, "--epochs", "1", "--batch", "8", "--json");
  assert.equal(r.code, 0, `train failed:\n${r.stderr}`);
  assert.match(r.stderr, /data: flag \(.*cifar-10-batches-bin\): 40 train, 10 test images \(cifar10, 3×32×32, augment crop \(pad 4\) \+ flip\)/);
  const s = JSON.parse(lines(r.stdout).at(-1)!);
  assert.equal(s.config.dataset, "cifar10");
  assert.equal(s.config.augment, "auto");
  assert.deepEqual(s.layers[0].shape, [128, 3072]);
  const bad = shrink("train", "--dataset", "cifar100", "--data-dir", root, "--epochs", "1");
  assert.equal(bad.code, 2);
  assert.equal(lines(bad.stderr).length, 1);
  assert.match(bad.stderr, /^shrink train: --dataset cifar100 contradicts --data-dir .*CIFAR-10 binary files/);
  const noDir = shrink("train", "--dataset", "cifar10", "--epochs", "1");
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /cs\.toronto\.edu\/~kriz\/cifar\.html/);
});
