// Node-only helpers: the engine from the packaged .wasm, datasets from disk.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Engine, type EngineOptions } from "../engine/engine.js";
import { nodeSpawn, nodeDefaultThreads } from "./threads.js";

export { writeFileAtomic } from "./atomic-write.js";
export { serveStatic, type StaticServer } from "./static-server.js";
export { findFashionMnist, readDatasetFiles, embeddedDataDir, DEBIAN_DIR, type DataSource } from "./data-dir.js";
export { loadDataset, findDataset, readCifar, dataLine, MNIST_DEBIAN_DIR, CIFAR_URL, type DatasetOptions, type FoundDataset, type LoadedDataset } from "./load-dataset.js";

/** The packaged build/shrinkwasm.wasm, next to the bundle (dist/ → ../build/). */
export function wasmPath(): string {
  return fileURLToPath(new URL("../build/shrinkwasm.wasm", import.meta.url));
}

/** The packaged threaded build, build/shrinkwasm.threads.wasm. */
export function threadsWasmPath(): string {
  return fileURLToPath(new URL("../build/shrinkwasm.threads.wasm", import.meta.url));
}

export { nodeSpawn, nodeDefaultThreads };

/**
 * The engine from the packaged .wasm (or `file`, e.g. a debug build that
 * reports assertion messages) on `threads` threads (default: the cores, at
 * most 8; a `file` of your own runs on one unless you give threads and
 * threadsWasm). Results are the same bits for any thread count.
 */
export async function loadEngine(file?: string, options: EngineOptions = {}): Promise<Engine> {
  const threads = options.threads ?? (file === undefined ? nodeDefaultThreads() : 1);
  const threadsWasm = options.threadsWasm ?? (threads > 1 && file === undefined ? await readFile(threadsWasmPath()) : undefined);
  return Engine.create(await readFile(file ?? wasmPath()), { spawn: nodeSpawn, ...options, threads, threadsWasm });
}
