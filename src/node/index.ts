// Node-only helpers: the engine from the packaged .wasm, datasets from disk.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Engine } from "../engine/engine";

export { writeFileAtomic } from "./atomic-write";
export { findFashionMnist, readDatasetFiles, embeddedDataDir, DEBIAN_DIR, type DataSource } from "./data-dir";
export { loadDataset, findDataset, readCifar, dataLine, MNIST_DEBIAN_DIR, CIFAR_URL, type DatasetOptions, type FoundDataset, type LoadedDataset } from "./load-dataset";

/** build/shrinkwasm.wasm next to the bundle (dist/ → ../build/). */
export function wasmPath(debug = false): string {
  return fileURLToPath(new URL(debug ? "../build/shrinkwasm.debug.wasm" : "../build/shrinkwasm.wasm", import.meta.url));
}

export async function loadEngine(debug = false): Promise<Engine> {
  const bytes = await readFile(wasmPath(debug));
  return Engine.create(bytes);
}
