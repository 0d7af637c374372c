// Node-only helpers: the engine from the packaged .wasm, Fashion-MNIST from disk.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Engine } from "../engine/engine";
import { loadImageLabelPair, type ImageLabelSet } from "../data/idx";
import { findFashionMnist, readDatasetFiles, type DataSource } from "./data-dir";

export { writeFileAtomic } from "./atomic-write";
export { findFashionMnist, readDatasetFiles, embeddedDataDir, DEBIAN_DIR, type DataSource } from "./data-dir";

/** build/shrinkwasm.wasm next to the bundle (dist/ → ../build/). */
export function wasmPath(debug = false): string {
  return fileURLToPath(new URL(debug ? "../build/shrinkwasm.debug.wasm" : "../build/shrinkwasm.wasm", import.meta.url));
}

export async function loadEngine(debug = false): Promise<Engine> {
  const bytes = await readFile(wasmPath(debug));
  return Engine.create(bytes);
}

export interface FashionMnist {
  train: ImageLabelSet;
  test: ImageLabelSet;
  dir: string;
  source: DataSource;
}

/** Finds (flag > SHRINK_DATA_DIR > Debian package > embedded) and validates the four IDX files. */
export async function loadFashionMnist(dataDir?: string): Promise<FashionMnist> {
  const { dir, source } = findFashionMnist({ dataDir });
  const f = await readDatasetFiles(dir);
  const [train, test] = await Promise.all([
    loadImageLabelPair(f.trainImages.bytes, f.trainLabels.bytes, { images: f.trainImages.path, labels: f.trainLabels.path }),
    loadImageLabelPair(f.testImages.bytes, f.testLabels.bytes, { images: f.testImages.path, labels: f.testLabels.path }),
  ]);
  return { train, test, dir, source };
}
