// Node-only helpers: the engine from the packaged .wasm, datasets from disk.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Engine } from "../engine/engine.js";

export { writeFileAtomic } from "./atomic-write.js";
export { serveStatic, type StaticServer } from "./static-server.js";
export { findFashionMnist, readDatasetFiles, embeddedDataDir, DEBIAN_DIR, type DataSource } from "./data-dir.js";
export { loadDataset, findDataset, readCifar, dataLine, MNIST_DEBIAN_DIR, CIFAR_URL, type DatasetOptions, type FoundDataset, type LoadedDataset } from "./load-dataset.js";

/** The packaged build/shrinkwasm.wasm, next to the bundle (dist/ → ../build/). */
export function wasmPath(): string {
  return fileURLToPath(new URL("../build/shrinkwasm.wasm", import.meta.url));
}

/** The engine from the packaged .wasm (or `file`, e.g. a debug build that reports assertion messages). */
export async function loadEngine(file: string = wasmPath()): Promise<Engine> {
  return Engine.create(await readFile(file));
}
