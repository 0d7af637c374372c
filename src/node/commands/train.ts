// shrink train: dense training of a built-in model or your own (--arch, --init)
// on Fashion-MNIST, MNIST or CIFAR.
import { parseArgs, helpText, type Parsed } from "../args.js";
import { engineFor } from "../threads-option.js";
import type { Engine } from "../../engine/engine.js";
import type { LoadedDataset } from "../load-dataset.js";
import type { RunSession } from "../../prune/run-session.js";
import { modelStats } from "../../nn/summary.js";
import { driveRun, resumedOutputs, type DriveArgs } from "../drive-run.js";
import { readResume, checkCheckpointOptions, type CliRun } from "../checkpointing.js";
import { TRAIN_OPTIONS, trainConfigFrom } from "./train-options.js";
import { loadDataset, dataLine } from "../index.js";
import { validateTrainConfig } from "../../train/config.js";
import { encodeModel } from "../../io/model-file.js";
import { writeFileAtomic } from "../atomic-write.js";
import { Progress } from "../progress.js";
import { ShrinkError } from "../../engine/errors.js";
import { JsonlLog } from "../jsonl-log.js";
import { summaryJson, printLayerTable, printFiringRates, firingNote } from "../report.js";
import { checkOutputs, checkNotInput } from "../output-paths.js";
import { readArchitecture, readInit } from "../model-input.js";
import { dryRun } from "../../prune/dry-run.js";
import { runSeeds } from "../seeds.js";
import { applyRecipeFile, recipeOf } from "../recipe.js";
import { dryRunText } from "../dry-run-report.js";

export const TRAIN_HELP = helpText(
  "Usage: shrink train [options]",
  "Train a model densely with SGD on Fashion-MNIST (default), MNIST, CIFAR-10 or CIFAR-100 and report test accuracy.",
  TRAIN_OPTIONS,
);

export async function trainCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const p = parseArgs(argv, TRAIN_OPTIONS, "train");
  if (p.help) return void process.stdout.write(TRAIN_HELP);
  if (p.positional.length) throw new ShrinkError("E_ARG", `unexpected argument "${p.positional[0]}" (see shrink train --help)`);
  if (p.opts.resume !== undefined) return resumeTrain(p, signal);
  if (p.opts.recipe) await applyRecipeFile(p, p.opts.recipe as string, "train", TRAIN_OPTIONS);
  if (p.opts.seeds !== undefined) return runSeeds(p, argv, trainCommand, signal, new Progress(Boolean(p.opts.quiet)));
  const recipe = recipeOf("train", p, TRAIN_OPTIONS);
  const o = p.opts;
  const archIn = o.arch ? await readArchitecture(o.arch as string) : null;
  const config = validateTrainConfig(trainConfigFrom(p, archIn?.architecture));
  checkCheckpointOptions(p);
  const outputs = { out: o.out as string | undefined, log: o.log as string | undefined, checkpoint: o.checkpoint as string | undefined };
  checkOutputs(outputs); // before any work: a bad path must not cost a finished run
  const progress = new Progress(Boolean(o.quiet));
  const init = o.init ? await readInit(o.init as string) : archIn?.weights ?? undefined;
  const data = await loadDataset({ dataset: config.dataset, dataDir: o.dataDir as string | undefined });
  for (const k of ["out", "log", "checkpoint"] as const) checkNotInput(k, outputs[k], data.dir);
  config.dataset ??= data.name; // recorded in the summary and the model file
  progress.line(dataLine(data, config.augment));
  const e = await engineFor(p);
  if (o.dryRun) {
    const d = await dryRun(e, config, data.train, data.test, { init });
    return void process.stdout.write(o.json ? JSON.stringify(d) + "\n" : dryRunText(d));
  }
  const cli: CliRun = { command: "train", recipe, training: config, ...outputs, every: o.checkpointEvery as string | undefined };
  return runTrain(e, data, cli, { run: { kind: "train", config }, init }, progress, Boolean(o.json), signal);
}

/** shrink train --resume FILE: the checkpoint's run, on the data its recipe names (or --data-dir). */
async function resumeTrain(p: Parsed, signal: AbortSignal): Promise<void> {
  const r = await readResume(p, "train");
  const cli: CliRun = { ...r.cli, ...resumedOutputs(p.opts, p.given, r) };
  checkCheckpointOptions({ opts: { ...p.opts, checkpoint: cli.checkpoint, checkpointEvery: cli.every }, given: p.given, positional: [], help: false });
  checkOutputs(cli);
  const progress = new Progress(Boolean(p.opts.quiet));
  const data = await loadDataset({ dataset: r.run.config.dataset, dataDir: (p.opts.dataDir ?? r.cli.recipe.options["data-dir"]) as string | undefined });
  for (const k of ["out", "log", "checkpoint"] as const) checkNotInput(k, cli[k], data.dir);
  progress.line(dataLine(data, r.run.config.augment));
  return runTrain(await engineFor(p), data, cli, { resume: r }, progress, Boolean(p.opts.json), signal);
}

async function runTrain(e: Engine, data: LoadedDataset, cli: CliRun, start: DriveArgs["start"], progress: Progress, json: boolean, signal: AbortSignal): Promise<void> {
  const log = cli.log ? await JsonlLog.open(cli.log, "resume" in start ? start.resume.cli.logLines : []) : null;
  let session: RunSession | undefined;
  const stats = () => modelStats(e, session!.model);
  try {
    session = await driveRun({
      e, data, start, cli, log, signal, progress, onStart: (s) => (session = s),
      hooks: {
        onBatch: (ev) => progress.batch(ev),
        onEpoch: async (ev) => {
          progress.epoch(ev);
          await log?.write({ ...ev, ...stats() });
        },
      },
    });
  } catch (err) {
    await log?.close();
    throw err;
  }
  try {
    await log?.close();
    const out = session.outcome!;
    if (out.kind !== "train") return;
    const st = stats();
    if (!json) {
      printLayerTable(st, progress);
      printFiringRates(out.result.final, progress);
    }
    const summary = summaryJson(cli.training, out.result, st, { dataSource: data.source, trainSamples: data.train.count });
    if (cli.out !== undefined) {
      await writeFileAtomic(cli.out, encodeModel(session.model, session.spec, { training: cli.training, metrics: summary, recipe: cli.recipe }));
      progress.line(`saved ${cli.out}`);
    }
    if (json) process.stdout.write(JSON.stringify(summary) + "\n");
    else process.stdout.write(`test accuracy ${summary.testAccuracy.toFixed(4)}  test loss ${summary.testLoss.toFixed(4)}${firingNote(out.result.final)}  (${summary.seconds.toFixed(1)} s)\n`);
  } finally {
    await session.dispose();
  }
}
