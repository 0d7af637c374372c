// The threaded engine's host side, web-standard: one shared WebAssembly.Memory,
// the threaded build instantiated on it once per thread, and the workers that
// sit in wasm (par_worker) waiting on Atomics for tasks the main instance
// posts. No postMessage per kernel: after start-up the host only sets the
// thread count. Node passes its own spawner (worker_threads, src/node/threads.ts).

/** What a worker thread is sent: the compiled threaded build, the shared memory, its thread id (1…n-1). */
export interface ThreadInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  tid: number;
}

export interface ThreadHandle {
  /** Resolves once the worker's instance exists (it then runs par_worker until the pool stops). */
  ready: Promise<void>;
  terminate(): void;
}

export type SpawnThread = (init: ThreadInit) => ThreadHandle;

/** Most threads the engine starts (the wasm side holds 64 scratch records). */
export const MAX_THREADS = 64;
/** The threaded build's declared memory, in 64 KiB pages (asconfig "initialMemory"; the maximum is wasm32's 4 GiB). */
export const THREADS_MEMORY = { initial: 64, maximum: 65536, shared: true } as const;

// The worker, inline so no file has to be found next to a bundle: instantiate,
// say ready, run tasks until par_stop (a trapped part is reported, not a hang).
const WORKER_SOURCE = `onmessage = async ({ data: { module, memory, tid } }) => {
  let inst;
  try { inst = await WebAssembly.instantiate(module, { env: { memory } }); }
  catch (err) { postMessage("error: " + (err && err.message || err)); return; }
  postMessage("ready");
  // A trap in a task's part: tell the main thread (it traps too) and wait for the next task.
  for (;;) {
    try { inst.exports.par_worker(tid); break; } catch { inst.exports.par_fail(); }
  }
  close();
};`;

let workerUrl: string | null = null;

/** Module Web Workers (browsers with cross-origin isolation, Deno, Bun). */
export const webSpawn: SpawnThread = (init) => {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const w = new Worker(workerUrl, { type: "module" });
  const ready = new Promise<void>((resolve, reject) => {
    w.onmessage = (e: MessageEvent) => (e.data === "ready" ? resolve() : reject(new Error(String(e.data))));
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault?.();
      reject(new Error(e.message || "the worker failed to start"));
    };
  });
  w.postMessage(init);
  return { ready, terminate: () => w.terminate() };
};

/** Why this runtime cannot run the threaded engine with `spawn` (or Web Workers), or null when it can. */
export function threadsUnavailable(spawn: SpawnThread | undefined): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; SharedArrayBuffer?: unknown };
  if (g.crossOriginIsolated === false || typeof g.SharedArrayBuffer === "undefined") {
    return "shared memory is not available here (a page needs Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
  }
  if (!spawn && typeof g.Worker !== "function") return "this runtime has no Web Workers";
  // A page's main thread may not block in Atomics.wait, which the main instance does while its workers finish.
  if (typeof (globalThis as { document?: unknown }).document !== "undefined") return "a page's main thread cannot wait on its workers (run the engine in a Web Worker)";
  return null;
}

/** The default thread count's cap: beyond it a training step's small products stop scaling. */
export const DEFAULT_MAX_THREADS = 8;

/** The cores the runtime reports (navigator.hardwareConcurrency), at most DEFAULT_MAX_THREADS. */
export function defaultThreads(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Number.isInteger(n) && n! > 0 ? Math.min(n!, DEFAULT_MAX_THREADS) : 1;
}
