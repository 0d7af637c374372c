// --threads N, on every command that runs the engine: how many threads the
// kernels use (the results are the same bits for any N, so it is not part of
// a recipe and a resumed run may change it).
import { MAX_THREADS } from "../engine/threads.js";
import type { Engine } from "../engine/engine.js";
import type { OptSpecs, Parsed } from "./args.js";
import { loadEngine } from "./index.js";
import { nodeDefaultThreads } from "./threads.js";

export const THREADS_OPTION: OptSpecs = {
  threads: { type: "int", arg: "N", min: 1, max: MAX_THREADS, help: `Threads for the kernels (default: the cores, at most 8; 1 runs the single-threaded build). Any N gives the same bits` },
};

/** The engine on --threads N threads; a fallback to one thread is one line on stderr. */
export function engineFor(p: Parsed): Promise<Engine> {
  const given = p.opts.threads as number | undefined; // bounds checked by parseArgs
  return loadEngine(undefined, { threads: given ?? nodeDefaultThreads(), onNotice: (line) => process.stderr.write(line + "\n") });
}
