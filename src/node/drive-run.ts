// The CLI's side of a run: a RunSession started fresh or restored from
// --resume, driven to its end with the checkpoint gate (./checkpointing.ts).
// The caller reports the outcome and disposes the session.
import type { Engine } from "../engine/engine.js";
import { RunSession, type RunConfig, type RunHooks } from "../prune/run-session.js";
import type { InitWeights } from "../train/session.js";
import type { LoadedDataset } from "./load-dataset.js";
import type { Progress } from "./progress.js";
import type { JsonlLog } from "./jsonl-log.js";
import { Checkpointer, parseEvery, type CliRun, type Resume } from "./checkpointing.js";

export interface DriveArgs {
  e: Engine;
  data: LoadedDataset;
  start: { run: RunConfig; init?: InitWeights } | { resume: Resume };
  cli: CliRun;
  hooks: Omit<RunHooks, "gate" | "signal" | "init">;
  log: JsonlLog | null;
  signal: AbortSignal;
  progress: Progress;
  /** Called with the session before it runs (hooks that read its model). */
  onStart?: (s: RunSession) => void;
}

export async function driveRun(a: DriveArgs): Promise<RunSession> {
  const ck = new Checkpointer(a.cli.checkpoint, parseEvery(a.cli.every), a.cli, () => a.log?.lines ?? [], a.signal, a.progress);
  const hooks: RunHooks = { ...a.hooks, signal: a.signal, gate: ck.gate };
  const session = "resume" in a.start
    ? RunSession.restore(a.e, a.start.resume.bytes, a.data.train, a.data.test, hooks, a.start.resume.file)
    : RunSession.start(a.e, a.start.run, a.data.train, a.data.test, { ...hooks, init: a.start.init });
  ck.session = session;
  a.onStart?.(session);
  if ("resume" in a.start) {
    const { step, totalSteps } = session.progress();
    a.progress.line(`resumed ${a.start.resume.file} at step ${step} of ${totalSteps}`);
  }
  try {
    await session.advance();
  } catch (err) {
    await session.dispose();
    throw err;
  }
  return session;
}

/** The --out/--log/--checkpoint of a resumed run: given again on the command line, else the checkpoint's. */
export function resumedOutputs(opts: Record<string, unknown>, given: Set<string>, r: Resume): Pick<CliRun, "out" | "log" | "checkpoint" | "every"> {
  const pick = <K extends "out" | "log" | "checkpointEvery">(flag: K, saved: string | undefined) => (given.has(flag) ? opts[flag] as string : saved);
  return {
    out: pick("out", r.cli.out), log: pick("log", r.cli.log), every: pick("checkpointEvery", r.cli.every),
    // A resumed run goes on checkpointing to the file it was resumed from, unless told otherwise.
    checkpoint: given.has("checkpoint") ? opts.checkpoint as string : r.file,
  };
}
