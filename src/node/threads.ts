// Node's worker threads for the threaded engine (Node 20 has no Web Worker):
// each worker instantiates the threaded build on the shared memory and sits in
// par_worker. Unref'd, so an engine left running does not keep a process alive.
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { DEFAULT_MAX_THREADS, type SpawnThread } from "../engine/threads.js";

const WORKER_SOURCE = `const { parentPort, workerData: { module, memory, tid } } = require("node:worker_threads");
const inst = new WebAssembly.Instance(module, { env: { memory } });
parentPort.postMessage("ready");
for (;;) {
  try { inst.exports.par_worker(tid); break; } catch { inst.exports.par_fail(); }
}`;

export const nodeSpawn: SpawnThread = (init) => {
  // execArgv []: the parent's flags (--input-type=module) would turn this CommonJS source into a module.
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: init, execArgv: [] });
  w.unref();
  const ready = new Promise<void>((resolve, reject) => {
    w.once("message", () => resolve());
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`the worker exited with code ${code} before it started`)));
  });
  return { ready, terminate: () => void w.terminate() };
};

/** The cores Node reports, at most DEFAULT_MAX_THREADS (defaultThreads in the core reads navigator, which Node 20 lacks). */
export function nodeDefaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), DEFAULT_MAX_THREADS));
}
