import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeIdx, loadIdx, loadImageLabelPair, parseIdx } from "../src/data/idx.ts";
import { gunzip, isGzip } from "../src/data/gzip.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { embeddedDataDir, readDatasetFiles } from "../src/node/data-dir.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** assert.rejects/throws matcher: a ShrinkError with this code and a message matching `re`. */
const shrinkError = (code: string, re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ShrinkError, `expected ShrinkError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, re);
  return true;
};

const images = (n: number, h: number, w: number) => Uint8Array.from({ length: n * h * w }, (_, i) => (i * 7) % 256);

test("encodeIdx writes the documented header and parseIdx reads it back", () => {
  const data = images(2, 3, 4);
  const bytes = encodeIdx([2, 3, 4], data);
  assert.deepEqual([...bytes.subarray(0, 16)], [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
  const parsed = parseIdx(bytes, "x.idx");
  assert.equal(parsed.dtype, "u8");
  assert.deepEqual(parsed.dims, [2, 3, 4]);
  assert.deepEqual([...parsed.data], [...data]);
  // A view, not a copy.
  assert.equal(parsed.data.buffer, bytes.buffer);
  assert.equal(parsed.data.byteOffset, 16);
});

test("parseIdx reads big-endian dims above 255 and 1-D and 4-D files", () => {
  const labels = parseIdx(encodeIdx([300], new Uint8Array(300).fill(3)), "l");
  assert.deepEqual(labels.dims, [300]);
  const four = parseIdx(encodeIdx([1, 2, 1, 2], Uint8Array.of(1, 2, 3, 4)), "four");
  assert.deepEqual(four.dims, [1, 2, 1, 2]);
  assert.deepEqual([...four.data], [1, 2, 3, 4]);
});

test("gzip round trip through loadIdx", async () => {
  const raw = encodeIdx([5, 2, 2], images(5, 2, 2));
  const gz = await gzip(raw);
  assert.ok(isGzip(gz));
  assert.ok(!isGzip(raw));
  assert.deepEqual(await gunzip(gz), raw);
  const parsed = await loadIdx(gz, "a.gz");
  assert.deepEqual(parsed.dims, [5, 2, 2]);
  assert.deepEqual([...parsed.data], [...images(5, 2, 2)]);
  // Uncompressed input goes straight to the parser.
  assert.deepEqual((await loadIdx(raw, "a")).dims, [5, 2, 2]);
});

test("truncated gzip is a ShrinkError naming the file", async () => {
  const gz = await gzip(encodeIdx([100], new Uint8Array(100)));
  await assert.rejects(loadIdx(gz.subarray(0, gz.length - 12), "labels.gz"), shrinkError("E_GZIP", /^labels\.gz: gzip data is corrupt or truncated/));
});

test("bad magic is reported with the value found and what is allowed", () => {
  const bytes = encodeIdx([4], new Uint8Array(4));
  bytes.set([0, 0, 0, 0], 0);
  assert.throws(
    () => parseIdx(bytes, "t10k-images-idx3-ubyte.gz"),
    shrinkError(
      "E_IDX_MAGIC",
      /^t10k-images-idx3-ubyte\.gz: bad IDX magic 0x00000000 \(expected 0x00000801 for labels or 0x00000803 for images\)$/,
    ),
  );
  bytes.set([0x50, 0x4b, 3, 4], 0); // a zip file
  assert.throws(() => parseIdx(bytes, "f"), shrinkError("E_IDX_MAGIC", /bad IDX magic 0x504b0304/));
});

test("non-byte element types, too many dims and zero dims are rejected", () => {
  const float = encodeIdx([4], new Uint8Array(4));
  float[2] = 0x0d;
  assert.throws(() => parseIdx(float, "f"), shrinkError("E_IDX_TYPE", /type 0x0d \(float\) is not supported \(only 0x08/));
  const five = new Uint8Array(64);
  five.set([0, 0, 8, 5]);
  assert.throws(() => parseIdx(five, "f"), shrinkError("E_IDX_NDIMS", /5 dimensions \(allowed 1\.\.4\)/));
  const zero = Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 0);
  assert.throws(() => parseIdx(zero, "f"), shrinkError("E_IDX_DIM", /dimension 0 is 0/));
});

test("absurd dimension products are rejected before any allocation", () => {
  const huge = Uint8Array.of(0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0); // 65536^3
  assert.throws(() => parseIdx(huge, "huge"), shrinkError("E_IDX_SIZE", /exceed 2147483648 elements/));
});

test("short files, truncated headers, truncated data and trailing bytes", () => {
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8), "s"), shrinkError("E_IDX_SHORT", /^s: file is 3 bytes/));
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), "h"), shrinkError("E_IDX_HEADER", /need 16 header bytes but the file has 8/));
  const full = encodeIdx([10, 28, 28], new Uint8Array(7840));
  assert.throws(
    () => parseIdx(full.subarray(0, full.length - 40), "img"),
    shrinkError("E_IDX_TRUNCATED", /^img: truncated: dimensions 10×28×28 need 7840 data bytes but only 7800 are present$/),
  );
  const longer = new Uint8Array(full.length + 3);
  longer.set(full);
  assert.throws(() => parseIdx(longer, "img"), shrinkError("E_IDX_TRAILING", /3 unexpected trailing bytes.*need 7840 data bytes but 7843/));
});

test("encodeIdx refuses data that does not match the dims", () => {
  assert.throws(() => encodeIdx([2, 2], new Uint8Array(3)), shrinkError("E_IDX_SIZE", /need 4 bytes but data has 3/));
  assert.throws(() => encodeIdx([], new Uint8Array(0)), shrinkError("E_IDX_NDIMS", /0 dimensions/));
});

test("loadImageLabelPair checks counts, shapes and label range", async () => {
  const names = { images: "imgs", labels: "labs" };
  const img = encodeIdx([3, 2, 2], images(3, 2, 2));
  const set = await loadImageLabelPair(img, encodeIdx([3], Uint8Array.of(0, 9, 4)), names);
  assert.deepEqual([set.count, set.height, set.width, set.numClasses], [3, 2, 2, 10]);
  assert.deepEqual([...set.labels], [0, 9, 4]);
  assert.equal(set.images.length, 12);

  await assert.rejects(
    loadImageLabelPair(img, encodeIdx([4], Uint8Array.of(0, 1, 2, 3)), names),
    shrinkError("E_IDX_COUNT", /^imgs has 3 images but labs has 4 labels/),
  );
  await assert.rejects(
    loadImageLabelPair(img, encodeIdx([3], Uint8Array.of(0, 12, 4)), names),
    shrinkError("E_IDX_LABEL", /^labs: label 12 at index 1 is out of range \(allowed 0\.\.9 for 10 classes\)$/),
  );
  await assert.rejects(
    loadImageLabelPair(img, encodeIdx([3], Uint8Array.of(0, 2, 3)), names, 3),
    shrinkError("E_IDX_LABEL", /label 3 at index 2 .*allowed 0\.\.2 for 3 classes/),
  );
  await assert.rejects(
    loadImageLabelPair(encodeIdx([12], images(3, 2, 2)), encodeIdx([3], new Uint8Array(3)), names),
    shrinkError("E_IDX_SHAPE", /^imgs: images must be 3-D .* 1-D \(12\)/),
  );
  await assert.rejects(
    loadImageLabelPair(img, encodeIdx([3, 1], new Uint8Array(3)), names),
    shrinkError("E_IDX_SHAPE", /^labs: labels must be 1-D/),
  );
});

test("embedded data/: full test set and the first 10,000 training images", async () => {
  const files = await readDatasetFiles(embeddedDataDir());
  const test10k = await loadImageLabelPair(files.testImages.bytes, files.testLabels.bytes, {
    images: files.testImages.name,
    labels: files.testLabels.name,
  });
  const train = await loadImageLabelPair(files.trainImages.bytes, files.trainLabels.bytes, {
    images: files.trainImages.name,
    labels: files.trainLabels.name,
  });
  for (const set of [test10k, train]) {
    assert.deepEqual([set.count, set.height, set.width], [10000, 28, 28]);
    assert.equal(set.images.length, 10000 * 28 * 28);
    assert.equal(Math.max(...set.labels), 9);
    // Fashion-MNIST is balanced: every class present about 1,000 times.
    const counts = new Array(10).fill(0);
    for (const l of set.labels) counts[l]++;
    assert.ok(counts.every((c) => c > 900 && c < 1100), `class counts ${counts}`);
  }
  assert.deepEqual([...test10k.labels.subarray(0, 10)], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  assert.deepEqual([...train.labels.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  // Pixels are real images, not zeros: mean intensity of Fashion-MNIST is about 73.
  const mean = train.images.reduce((a, b) => a + b, 0) / train.images.length;
  assert.ok(mean > 60 && mean < 85, `mean pixel ${mean}`);
});

const DEBIAN = "/usr/share/datasets/fashion-mnist";
test(
  "embedded data/ matches the Debian package byte for byte",
  { skip: !existsSync(DEBIAN) && "dataset-fashion-mnist not installed" },
  async () => {
    const here = embeddedDataDir();
    for (const f of ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]) {
      assert.deepEqual(readFileSync(join(here, f)), readFileSync(join(DEBIAN, f)), f);
    }
    for (const [base, itemBytes] of [["train-images-idx3-ubyte", 784], ["train-labels-idx1-ubyte", 1]] as const) {
      const full = await loadIdx(readFileSync(join(DEBIAN, `${base}.gz`)), base);
      const sub = await loadIdx(readFileSync(join(here, `${base}.gz`)), base);
      assert.equal(full.dims[0], 60000);
      assert.deepEqual(sub.dims, [10000, ...full.dims.slice(1)]);
      assert.ok(Buffer.from(sub.data).equals(Buffer.from(full.data.subarray(0, 10000 * itemBytes))), base);
    }
  },
);
