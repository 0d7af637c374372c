// The first images of the embedded Fashion-MNIST (data/) as raw IDX files in a
// directory of their own: small data for CLI runs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeIdx } from "../../src/data/idx.ts";
import { loadDataset } from "../../src/node/index.ts";

export async function writeFashionSubset(dir: string, nTrain: number, nTest: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const d = await loadDataset({ dataset: "fashion-mnist", dataDir: "data" });
  const write = (name: string, dims: number[], data: Uint8Array) => writeFileSync(join(dir, name), encodeIdx(dims, data));
  const px = 28 * 28;
  write("train-images-idx3-ubyte", [nTrain, 28, 28], d.train.images.subarray(0, nTrain * px));
  write("train-labels-idx1-ubyte", [nTrain], d.train.labels.subarray(0, nTrain));
  write("t10k-images-idx3-ubyte", [nTest, 28, 28], d.test.images.subarray(0, nTest * px));
  write("t10k-labels-idx1-ubyte", [nTest], d.test.labels.subarray(0, nTest));
  return dir;
}
