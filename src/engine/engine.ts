// Engine: one instantiated shrinkwasm module and its linear memory.
// Web-standard APIs only (WebAssembly, fetch, URL): runs in Node, browsers,
// Deno, Bun and Cloudflare Workers. Workers cannot compile from bytes, so a
// precompiled WebAssembly.Module is accepted as well.
import type { KernelExports } from "./exports.js";
import { ShrinkError } from "./errors.js";
import { MAX_THREADS, THREADS_MEMORY, threadsUnavailable, webSpawn, type SpawnThread, type ThreadHandle } from "./threads.js";

export type WasmSource = WebAssembly.Module | BufferSource | URL | string | Response | Promise<Response>;

const DTYPE_BYTES = { f32: 4, i32: 4, u8: 1 } as const;
export type DType = keyof typeof DTYPE_BYTES;

/** What the host lets live buffers total: wasm32's 4 GiB less room for the allocator and scratch. */
const MiB = 1048576;
const MAX_BYTES = 4096 * MiB - 128 * MiB;
const mb = (b: number) => `${(b / MiB).toFixed(0)} MB`;
/** How long worker threads may take to start before the engine falls back to one thread. */
const START_TIMEOUT_MS = 20_000;

export interface EngineOptions {
  /**
   * Threads to run the kernels on (default 1). More than one needs the
   * threaded build (`threadsWasm`), shared memory and workers; where the
   * runtime has none of these the engine runs on one thread and says why
   * once through `onNotice`. The results are the same bits for any count.
   */
  threads?: number;
  /** The threaded build (build/shrinkwasm.threads.wasm), as any WasmSource. Derived from a URL source ending in shrinkwasm.wasm when not given. */
  threadsWasm?: WasmSource;
  /** How to start a worker thread (default: a module Web Worker; shrinkwasm/node passes worker_threads). */
  spawn?: SpawnThread;
  /** Where the one-line notice of a fallback to one thread goes (default console.warn). */
  onNotice?: (line: string) => void;
}

export class Engine {
  readonly k: KernelExports;
  /** Bytes handed out by alloc and not yet freed (leak checks). */
  liveBytes = 0;
  liveBuffers = 0;
  private sizes = new Map<number, number>();
  private workers: ThreadHandle[];

  private constructor(exports: KernelExports, workers: ThreadHandle[] = []) {
    this.k = exports;
    this.workers = workers;
  }

  /** Threads the kernels run on (1, or the pool's size). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Stops the worker threads (the engine then runs on one thread); a no-op for a single-threaded engine. */
  dispose(): void {
    if (!this.workers.length) return;
    this.k.par_stop();
    for (const w of this.workers.splice(0)) w.terminate();
  }

  /**
   * Instantiates the module from a compiled Module, bytes, a URL (http(s):,
   * file: in Node, Deno and Bun, a path-like string fetch can read), or a fetch
   * Response. A source that cannot be loaded is one ShrinkError saying what to
   * pass instead. The release .wasm imports nothing; a debug build imports
   * env.abort, which turns its assertion messages into errors.
   */
  static async create(source: WasmSource, options: EngineOptions = {}): Promise<Engine> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new ShrinkError("E_ARG", `threads: ${threads} is not allowed (an integer from 1 to ${MAX_THREADS})`);
    }
    if (threads > 1) {
      const threadsWasm = options.threadsWasm ?? siblingThreadsBuild(source);
      let why = threadsUnavailable(options.spawn) ?? (threadsWasm === undefined ? "no threaded build was given (threadsWasm: build/shrinkwasm.threads.wasm)" : null);
      if (!why) {
        try {
          return await Engine.createThreaded(threadsWasm!, threads, options.spawn ?? webSpawn);
        } catch (err) {
          why = (err as Error).message;
        }
      }
      (options.onNotice ?? console.warn)(`threads: ${threads} requested, running on 1 (${why})`);
    }
    const module = await compile(source);
    const imports: WebAssembly.Imports = WebAssembly.Module.imports(module).some((i) => i.module === "env" && i.name === "abort")
      ? { env: { abort: abortHandler(() => engine) } } : {};
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, imports);
    } catch (err) {
      throw new ShrinkError("E_WASM_LOAD", `wasm: ${describe(source)} is not the shrinkwasm engine (${(err as Error).message}); pass shrinkwasm's own build/shrinkwasm.wasm`, { cause: err });
    }
    const engine: Engine = new Engine(instance.exports as unknown as KernelExports);
    return engine;
  }

  /**
   * The threaded build on one shared memory: the main instance here, one
   * instance per worker, all instantiated before the main one's start
   * function runs (instantiating copies the module's data segments into the
   * shared memory, which must not happen once the program has written there).
   */
  private static async createThreaded(source: WasmSource, threads: number, spawn: SpawnThread): Promise<Engine> {
    const module = await compile(source);
    if (!WebAssembly.Module.imports(module).some((i) => i.module === "env" && i.name === "memory" && i.kind === "memory")) {
      throw new ShrinkError("E_WASM_LOAD", `wasm: ${describe(source)} is not shrinkwasm's threaded build (it imports no shared memory); pass build/shrinkwasm.threads.wasm`);
    }
    const memory = new WebAssembly.Memory(THREADS_MEMORY);
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, { env: { memory } });
    } catch (err) {
      throw new ShrinkError("E_WASM_LOAD", `wasm: ${describe(source)} is not shrinkwasm's threaded build (${(err as Error).message}); pass build/shrinkwasm.threads.wasm`, { cause: err });
    }
    const workers: ThreadHandle[] = [];
    try {
      for (let tid = 1; tid < threads; tid++) workers.push(spawn({ module, memory, tid }));
      // A runtime whose workers never answer must not hang the caller: give up after START_TIMEOUT_MS.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.all(workers.map((w) => w.ready)), late]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      for (const w of workers) w.terminate();
      throw new ShrinkError("E_THREADS", `a worker thread did not start: ${(err as Error).message}`, { cause: err });
    }
    (instance.exports._start as () => void)();
    const k = instance.exports as unknown as KernelExports;
    k.par_set_threads(threads);
    return new Engine(k, workers);
  }

  get memory(): WebAssembly.Memory {
    return this.k.memory;
  }

  /** Allocates n elements (zeroed, 64-byte aligned). */
  alloc(n: number, dtype: DType = "f32"): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`alloc: element count ${n} must be a non-negative integer`);
    const bytes = n * DTYPE_BYTES[dtype];
    // wasm32 addresses 4 GiB; running out traps in the allocator, which the
    // user should see as "use a smaller batch", not as "unreachable".
    const oom = () => new ShrinkError("E_MEMORY",
      `out of WebAssembly memory: ${mb(bytes)} more with ${mb(this.liveBytes)} in use exceeds the 4 GiB a wasm32 module can address (use a smaller batch)`);
    if (this.liveBytes + bytes > MAX_BYTES) throw oom();
    let ptr: number;
    try {
      // Pointers past 2 GiB come back from wasm as negative i32: read them unsigned.
      ptr = this.k.alloc(bytes) >>> 0;
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) throw oom();
      throw err;
    }
    this.sizes.set(ptr, bytes);
    this.liveBytes += bytes;
    this.liveBuffers++;
    return ptr;
  }

  free(ptr: number): void {
    const bytes = this.sizes.get(ptr);
    if (bytes === undefined) throw new Error(`free: ${ptr} is not a live allocation`);
    this.sizes.delete(ptr);
    this.liveBytes -= bytes;
    this.liveBuffers--;
    this.k.free(ptr);
  }

  // Views are created per call: memory.grow detaches the old ArrayBuffer, so a
  // cached view would silently read zeros. Creating a view is cheap.
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, n);
  }
  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, n);
  }
  u8(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.k.memory.buffer, ptr, n);
  }
}

/** build/shrinkwasm.threads.wasm beside a build/shrinkwasm.wasm given by URL. */
function siblingThreadsBuild(source: WasmSource): URL | undefined {
  if (!(source instanceof URL) && typeof source !== "string") return undefined;
  const url = new URL(String(source), (globalThis as { location?: { href: string } }).location?.href ?? "file:///");
  return /\/shrinkwasm\.wasm$/.test(url.pathname) ? new URL("shrinkwasm.threads.wasm", url) : undefined;
}

const WHAT_TO_PASS = "pass the .wasm's bytes (Uint8Array, ArrayBuffer), its URL, a fetch Response, or a compiled WebAssembly.Module (Cloudflare Workers cannot compile bytes: import the .wasm as a module)";

function describe(source: WasmSource): string {
  if (source instanceof WebAssembly.Module) return "the WebAssembly.Module";
  if (typeof source === "string" || source instanceof URL) return String(source);
  if (source instanceof Response || source instanceof Promise) return "the Response";
  return "the bytes";
}

/** The compiled module of any WasmSource; every failure is a ShrinkError naming the source. */
async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  let bytes: BufferSource;
  try {
    if (typeof source === "string" || source instanceof URL) bytes = await fetchBytes(source);
    else if (source instanceof Response || source instanceof Promise) {
      const res = await source;
      if (!res.ok) throw new ShrinkError("E_WASM_FETCH", `wasm: the Response has HTTP status ${res.status}`);
      bytes = await res.arrayBuffer();
    } else if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) bytes = source;
    else throw new ShrinkError("E_WASM_LOAD", `wasm: ${Object.prototype.toString.call(source)} is not a source the engine loads; ${WHAT_TO_PASS}`);
  } catch (err) {
    if (err instanceof ShrinkError) throw err;
    throw new ShrinkError("E_WASM_LOAD", `wasm: cannot read ${describe(source)} (${(err as Error).message}); ${WHAT_TO_PASS}`, { cause: err });
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (err) {
    // Workers refuse to compile bytes at run time ("Wasm code generation disallowed by embedder").
    throw new ShrinkError("E_WASM_LOAD", `wasm: cannot compile ${describe(source)} (${(err as Error).message}); ${WHAT_TO_PASS}`, { cause: err });
  }
}

async function fetchBytes(source: string | URL): Promise<ArrayBuffer> {
  const url = source instanceof URL ? source : new URL(source, (globalThis as { location?: { href: string } }).location?.href ?? "file:///");
  if (url.protocol === "file:") {
    try {
      const res = await fetch(url); // Deno, Bun and browsers' file pages read file: URLs
      if (res.ok) return await res.arrayBuffer();
    } catch {
      // Node's fetch does not read file: URLs; its fs does (loaded only here, by a name bundlers leave alone).
    }
    const fs = "node:fs/promises";
    const { readFile } = (await import(/* @vite-ignore */ fs)) as { readFile(u: URL): Promise<Uint8Array> };
    const b = await readFile(url);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  const res = await fetch(url);
  if (!res.ok) throw new ShrinkError("E_WASM_FETCH", `wasm: fetching ${url} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

// AssemblyScript's abort(msg, file, line, col): strings are UTF-16 with the
// byte length stored 4 bytes before the pointer.
function abortHandler(get: () => Engine) {
  return (msg: number, file: number, line: number, col: number): never => {
    const e = get();
    const str = (p: number) => {
      if (!p) return "";
      const buf = e.memory.buffer;
      const len = new Uint32Array(buf, p - 4, 1)[0] >>> 1;
      return String.fromCharCode(...new Uint16Array(buf, p, len));
    };
    throw new Error(`wasm abort: ${str(msg)} at ${str(file)}:${line}:${col}`);
  };
}
