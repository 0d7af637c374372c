// --checkpoint FILE, --checkpoint-every N[steps|epochs], --resume FILE for
// shrink train and prune: the run's state (src/prune/run-session.ts) written
// atomically every N epochs or steps and when Ctrl-C or SIGTERM arrives;
// --resume continues it with the recipe, outputs, data and log lines the
// checkpoint holds, and ends with the same bits as a run never stopped.
import { readFile } from "node:fs/promises";
import { ShrinkError } from "../engine/errors.js";
import type { GatePoint, Gate } from "../train/cursor.js";
import type { RunSession, RunConfig } from "../prune/run-session.js";
import type { TrainConfig } from "../train/config.js";
import { decodeCheckpoint } from "../io/checkpoint.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { OptSpecs, Parsed } from "./args.js";
import type { Recipe } from "./recipe.js";
import type { Progress } from "./progress.js";

export const CHECKPOINT_OPTIONS: OptSpecs = {
  checkpoint: { type: "string", arg: "FILE", help: "Write the run's whole state to FILE (atomically) every --checkpoint-every and on Ctrl-C/SIGTERM; go on with --resume FILE" },
  "checkpoint-every": { type: "string", arg: "N[steps]", help: "Checkpoint every N epochs (default 1), or every N optimizer steps with a steps suffix (500steps)" },
  resume: { type: "string", arg: "FILE", help: "Continue the run of a checkpoint: its recipe, data and outputs (only --data-dir, --out, --log, --checkpoint, --checkpoint-every, --threads, --json, --quiet may be given)" },
};

/** Options a resumed run may set: where data and outputs are, and how it reports. */
const RESUME_MAY_SET = new Set(["resume", "dataDir", "out", "log", "checkpoint", "checkpointEvery", "json", "quiet", "threads"]);

export interface Every {
  n: number;
  unit: "epochs" | "steps";
}

export function parseEvery(v: string | undefined): Every {
  if (v === undefined) return { n: 1, unit: "epochs" };
  const m = /^\s*(\d+)\s*(steps?|epochs?)?\s*$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 1) {
    throw new ShrinkError("E_ARG", `--checkpoint-every: "${v}" is not allowed (a positive whole number of epochs, e.g. 2, or of steps, e.g. 500steps)`);
  }
  return { n, unit: m[2]?.startsWith("step") ? "steps" : "epochs" };
}

/** What the CLI keeps in a checkpoint besides the run: how to go on and report. */
export interface CliRun {
  command: "train" | "prune";
  recipe: Recipe;
  /** The training config the summary and the model file record. */
  training: TrainConfig;
  out?: string;
  log?: string;
  checkpoint?: string;
  every?: string;
  /** The log's lines so far, rewritten first on resume (so no record is lost or repeated). */
  logLines?: string[];
}

const due = (at: GatePoint, every: Every): boolean =>
  every.unit === "steps" ? at.kind === "step" && at.runStep % every.n === 0
    : at.kind === "iteration" || (at.kind === "epoch" && at.epoch % every.n === 0);

/** The gate that writes checkpoints, and one more on an interrupt before stopping the run. */
export class Checkpointer {
  session: RunSession | null = null;
  private lastWritten = "";

  constructor(
    private readonly file: string | undefined,
    private readonly every: Every,
    private readonly cli: CliRun,
    private readonly logLines: () => string[],
    private readonly signal: AbortSignal,
    private readonly progress: Progress,
  ) {}

  readonly gate: Gate = async (at) => {
    if (!this.file) return;
    if (due(at, this.every)) await this.write(at);
    if (this.signal.aborted) {
      await this.write(at);
      const { step, totalSteps } = this.session!.progress();
      throw new ShrinkError("E_ABORT", `interrupted at step ${step} of ${totalSteps}: the run is saved in ${this.file} (go on with: shrink ${this.cli.command} --resume ${this.file})`);
    }
  };

  private async write(at: GatePoint): Promise<void> {
    const key = `${at.kind}:${at.runStep}:${at.epoch}`;
    if (key === this.lastWritten) return;
    const bytes = this.session!.snapshot({ cli: { ...this.cli, logLines: this.logLines() } });
    await writeFileAtomic(this.file!, bytes);
    this.lastWritten = key;
    if (at.kind !== "step") this.progress.line(`checkpoint ${this.file} (step ${this.session!.progress().step})`);
  }
}

export interface Resume {
  file: string;
  bytes: Uint8Array;
  cli: CliRun;
  run: RunConfig;
}

/** --checkpoint-every is valid and comes with --checkpoint. */
export function checkCheckpointOptions(p: Parsed): void {
  const every = p.opts.checkpointEvery as string | undefined;
  parseEvery(every);
  if (every !== undefined && p.opts.checkpoint === undefined) throw new ShrinkError("E_ARG", "--checkpoint-every: needs --checkpoint FILE (where to write)");
}

/** --resume FILE: the checkpoint's bytes and CLI record; refuses options that would change the run. */
export async function readResume(p: Parsed, command: CliRun["command"]): Promise<Resume> {
  const file = String(p.opts.resume);
  for (const name of p.given) {
    if (!RESUME_MAY_SET.has(name)) {
      const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new ShrinkError("E_ARG", `--${flag}: a resumed run keeps the recipe it started with (only --data-dir, --out, --log, --checkpoint, --checkpoint-every, --threads, --json and --quiet may be given with --resume)`);
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new ShrinkError("E_FILE", `--resume ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const { meta } = decodeCheckpoint(bytes, file);
  const cli = meta.cli as CliRun | undefined;
  if (typeof cli !== "object" || cli === null || typeof cli.recipe !== "object" || cli.recipe === null) {
    throw new ShrinkError("E_CHECKPOINT", `${file}: holds no command line (a library snapshot: restore it with RunSession.restore)`);
  }
  if (cli.command !== command) throw new ShrinkError("E_CHECKPOINT", `${file}: a checkpoint of shrink ${cli.command}, not of shrink ${command}`);
  if (typeof cli.training !== "object" || cli.training === null) throw new ShrinkError("E_CHECKPOINT", `${file}: metadata cli.training must be the run's training config`);
  const run = meta.run as RunConfig;
  if (typeof run !== "object" || run === null || typeof run.config !== "object" || run.config === null) throw new ShrinkError("E_CHECKPOINT", `${file}: metadata "run" must hold the run's kind and config`);
  return { file, bytes, cli, run };
}
