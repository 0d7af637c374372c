// shrink train: dense training of a built-in model or your own (--arch, --init)
// on Fashion-MNIST, MNIST or CIFAR.
import { parseArgs, helpText } from "../args";
import { TRAIN_OPTIONS, trainConfigFrom } from "./train-options";
import { loadEngine, loadDataset, dataLine } from "../index";
import { createSession } from "../../train/session";
import { validateTrainConfig } from "../../train/config";
import { encodeModel } from "../../io/model-file";
import { writeFileAtomic } from "../atomic-write";
import { Progress } from "../progress";
import { ShrinkError } from "../../engine/errors";
import { JsonlLog } from "../jsonl-log";
import { summaryJson, printLayerTable } from "../report";
import { checkOutputs, checkNotInput } from "../output-paths";
import { readArchitecture, readInit } from "../model-input";
import { dryRun } from "../../prune/dry-run";
import { runSeeds } from "../seeds";
import { applyRecipeFile, recipeOf } from "../recipe";
import { dryRunText } from "../dry-run-report";

export const TRAIN_HELP = helpText(
  "Usage: shrink train [options]",
  "Train a model densely with SGD on Fashion-MNIST (default), MNIST, CIFAR-10 or CIFAR-100 and report test accuracy.",
  TRAIN_OPTIONS,
);

export async function trainCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const p = parseArgs(argv, TRAIN_OPTIONS, "train");
  if (p.help) return void process.stdout.write(TRAIN_HELP);
  if (p.positional.length) throw new ShrinkError("E_ARG", `unexpected argument "${p.positional[0]}" (see shrink train --help)`);
  if (p.opts.recipe) await applyRecipeFile(p, p.opts.recipe as string, "train", TRAIN_OPTIONS);
  if (p.opts.seeds !== undefined) return runSeeds(p, argv, trainCommand, signal, new Progress(Boolean(p.opts.quiet)));
  const recipe = recipeOf("train", p, TRAIN_OPTIONS);
  const o = p.opts;
  const archIn = o.arch ? await readArchitecture(o.arch as string) : null;
  const config = validateTrainConfig(trainConfigFrom(p, archIn?.architecture));
  const outputs = { out: o.out as string | undefined, log: o.log as string | undefined };
  checkOutputs(outputs); // before any work: a bad path must not cost a finished run
  const progress = new Progress(Boolean(o.quiet));
  const init = o.init ? await readInit(o.init as string) : archIn?.weights ?? undefined;
  const data = await loadDataset({ dataset: config.dataset, dataDir: o.dataDir as string | undefined });
  checkNotInput("out", outputs.out, data.dir);
  checkNotInput("log", outputs.log, data.dir);
  config.dataset ??= data.name; // recorded in the summary and the model file
  progress.line(dataLine(data, config.augment));
  const e = await loadEngine();
  if (o.dryRun) {
    const d = await dryRun(e, config, data.train, data.test, { init });
    return void process.stdout.write(o.json ? JSON.stringify(d) + "\n" : dryRunText(d));
  }
  const s = createSession(e, config, data.train, data.test, { init });
  const log = o.log ? await JsonlLog.open(o.log as string) : null;
  try {
    const result = await s.run({
      signal,
      onBatch: (ev) => progress.batch(ev),
      onEpoch: async (ev) => {
        progress.epoch(ev);
        await log?.write({ ...ev, ...s.stats() });
      },
    });
    const stats = s.stats();
    if (!o.json) printLayerTable(stats, progress);
    const summary = summaryJson(config, result, stats, { dataSource: data.source, trainSamples: data.train.count });
    if (o.out !== undefined) {
      await writeFileAtomic(o.out as string, encodeModel(s.model, s.spec, { training: config, metrics: summary, recipe }));
      progress.line(`saved ${o.out}`);
    }
    if (o.json) process.stdout.write(JSON.stringify(summary) + "\n");
    else process.stdout.write(`test accuracy ${summary.testAccuracy.toFixed(4)}  test loss ${summary.testLoss.toFixed(4)}  (${summary.seconds.toFixed(1)} s)\n`);
  } finally {
    await log?.close();
    s.dispose();
  }
}
