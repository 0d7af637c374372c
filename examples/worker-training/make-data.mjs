// Writes the Worker's data: the first N training and M test images of the
// repository's embedded Fashion-MNIST subset, as raw IDX files in ./data.
//   node examples/worker-training/make-data.mjs [N=1000] [M=200] [DIR]
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [n = 1000, m = 200] = process.argv.slice(2, 4).map(Number);
const out = process.argv[4] ?? join(here, "data");
mkdirSync(out, { recursive: true });
for (const [file, count, row] of [["train-images-idx3-ubyte", n, 784], ["train-labels-idx1-ubyte", n, 1], ["t10k-images-idx3-ubyte", m, 784], ["t10k-labels-idx1-ubyte", m, 1]]) {
  const raw = gunzipSync(readFileSync(join(here, "..", "..", "data", `${file}.gz`)));
  const head = 4 + 4 * raw[3];
  const bytes = Buffer.from(raw.subarray(0, head + count * row));
  bytes.writeUInt32BE(count, 4); // the first dimension: the image count
  writeFileSync(join(out, file), bytes);
}
console.log(`wrote ${n} training and ${m} test images to ${out}`);
