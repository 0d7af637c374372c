// shrink prune: sparsify while training — soft-threshold methods (LATS paper)
// and the one-shot magnitude baseline — with per-epoch threshold, Theorem 1's
// μ and per-layer sparsity, and a per-layer table at the end.
import { parseArgs, helpText, type OptSpecs, type Parsed } from "../args.js";
import { engineFor } from "../threads-option.js";
import { TRAIN_OPTIONS, trainConfigFrom } from "./train-options.js";
import { loadDataset, dataLine } from "../index.js";
import { validateTrainConfig } from "../../train/config.js";
import { encodeModel } from "../../io/model-file.js";
import { writeFileAtomic } from "../atomic-write.js";
import { Progress } from "../progress.js";
import { JsonlLog } from "../jsonl-log.js";
import { summaryJson, printLayerTable, printFiringRates, firingNote } from "../report.js";
import { ShrinkError } from "../../engine/errors.js";
import { SCOPES } from "../../prune/scopes.js";
import { SOFT_THRESHOLD_METHODS } from "../../prune/soft-threshold.js";
import { ITERATIVE_METHODS } from "../../prune/iterative.js";
import { iterativeHeader, iterativeHooks, reportIterative } from "./prune-iterative.js";
import type { Engine } from "../../engine/engine.js";
import type { LoadedDataset } from "../load-dataset.js";
import type { RunSession, RunHooks } from "../../prune/run-session.js";
import { driveRun, resumedOutputs, type DriveArgs } from "../drive-run.js";
import { readResume, checkCheckpointOptions, type CliRun } from "../checkpointing.js";
import { checkOutputs, checkNotInput } from "../output-paths.js";
import { readArchitecture, readInit } from "../model-input.js";
import { dryRun } from "../../prune/dry-run.js";
import { runSeeds } from "../seeds.js";
import { applyRecipeFile, recipeOf } from "../recipe.js";
import { dryRunText } from "../dry-run-report.js";
import { PRUNE_METHODS, PRUNE_FIELDS, DEFAULT_PRUNE, CONV_DEFAULT_D, validatePruneConfig, checkMethodFields, methodFields, type PruneConfig } from "../../prune/config.js";
import type { PruneHooks, PruneRun } from "../../prune/run.js";
import { findDForSparsity, searchesD, type DSearch } from "../../prune/search.js";

export const OPTIONS: OptSpecs = {
  method: { type: "enum", values: PRUNE_METHODS, default: DEFAULT_PRUNE.method, help: "Pruning method (soft-threshold schedulers, str, gpo, or the magnitude baseline)" },
  D: { type: "number", arg: "X", help: `Final threshold D (default ${DEFAULT_PRUNE.D} for linear and mlp, ${CONV_DEFAULT_D} for the conv nets; scheduled methods)` },
  mu: { type: "number", arg: "X", help: "lats only: the L1 coefficient μ instead of D (D = μ·Σ η)" },
  beta: { type: "number", arg: "X", default: DEFAULT_PRUNE.beta, help: "pgh: decay β in (0, 1], → 0 prunes at initialisation" },
  grad: { type: "enum", values: ["ste", "subgradient"], default: DEFAULT_PRUNE.grad, help: "Gradient through S_d: straight-through (STDS) or subgradient (STR)" },
  threshold: { type: "enum", values: ["global", "layer"], default: DEFAULT_PRUNE.threshold, help: "str/gpo: one trainable threshold, or one per layer" },
  "stop-penalty": { type: "number", arg: "X", help: "Early pruning: stop where g′(t/T) < X and fix the mask" },
  exclude: { type: "string", arg: "GLOBS", help: "Comma-separated globs of parameter names not to prune (e.g. fc3.*)" },
  pattern: { type: "string", arg: "N:M", help: "N:M structured sparsity (2:4: at most 2 nonzeros in every 4 consecutive input weights): every mask keeps it; soft-threshold methods project the final weights" },
  "target-sparsity": { type: "number", arg: "S", help: "Find the D that lands within one point of S (pilot runs); required for magnitude" },
  "s-init": { type: "number", arg: "X", default: DEFAULT_PRUNE.sInit, help: "str/gpo: initial s of d = σ(s) (very negative freezes the threshold, Appendix C.1)" },
  "prune-at": { type: "number", arg: "EPOCHS", help: "magnitude: epoch at which to prune (default half of --epochs)" },
  scope: { type: "enum", values: SCOPES, default: DEFAULT_PRUNE.scope, help: "gmp/sap/lottery/one-shot: prune all weights as one vector, each layer, or each neuron (output row); gmp/lottery/one-shot: whole output channels by group norm, per layer (channel) or ranked across layers (channel-global), for shrink slim" },
  iterations: { type: "int", arg: "T", default: DEFAULT_PRUNE.iterations, help: "sap/lottery/one-shot: pruning iterations, each --epochs long" },
  p: { type: "number", arg: "X", default: DEFAULT_PRUNE.p, help: "sap: PQ Index p (0 < p ≤ 1)" },
  q: { type: "number", arg: "X", default: DEFAULT_PRUNE.q, help: "sap: PQ Index q (q ≥ 1, q > p)" },
  "eta-r": { type: "number", arg: "X", default: DEFAULT_PRUNE.etaR, help: "sap: compression hyper-parameter η_r ≥ 0" },
  gamma: { type: "number", arg: "X", default: DEFAULT_PRUNE.gamma, help: "sap: scaling factor γ > 0" },
  "max-ratio": { type: "number", arg: "X", default: DEFAULT_PRUNE.maxRatio, help: "sap: maximum pruning ratio per iteration (β in the PQI paper), in (0, 1]" },
  ratio: { type: "number", arg: "P", default: DEFAULT_PRUNE.ratio, help: "lottery/one-shot: fraction of the remaining weights pruned per iteration" },
  begin: { type: "number", arg: "X", default: DEFAULT_PRUNE.begin, help: "gmp: start of the sparsity ramp, as a fraction of the run" },
  end: { type: "number", arg: "X", default: DEFAULT_PRUNE.end, help: "gmp: end of the ramp (--target-sparsity is reached there)" },
  every: { type: "int", arg: "STEPS", default: DEFAULT_PRUNE.every, help: "gmp: steps between mask updates" },
  ...TRAIN_OPTIONS,
};

export const PRUNE_HELP = helpText(
  "Usage: shrink prune [options]",
  "Prune while training. Default: S-LATS (soft threshold, LATS paper Eq. 13) on the MLP, ending with a per-layer sparsity table.\n" +
    "Iterative methods (sap, lottery, one-shot) run --iterations rounds of --epochs each: train from the initial weights under the mask, measure, prune.",
  OPTIONS,
);

/** A prune command line's recipe, without the options of methods other than its own. */
export function pruneRecipe(p: Parsed) {
  const used = methodFields(p.opts.method as PruneConfig["method"]) as readonly string[];
  return recipeOf("prune", p, OPTIONS, (n) => !(PRUNE_FIELDS as readonly string[]).includes(n) || used.includes(n));
}

export async function pruneCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "prune");
  if (p.help) return void process.stdout.write(PRUNE_HELP);
  if (p.positional.length) throw new ShrinkError("E_ARG", `unexpected argument "${p.positional[0]}" (see shrink prune --help)`);
  if (p.opts.resume !== undefined) return resumePrune(p, signal);
  if (p.opts.recipe) await applyRecipeFile(p, p.opts.recipe as string, "prune", OPTIONS);
  if (p.opts.seeds !== undefined) return runSeeds(p, argv, pruneCommand, signal, new Progress(Boolean(p.opts.quiet)));
  const recipe = pruneRecipe(p);
  const o = p.opts;
  const archIn = o.arch ? await readArchitecture(o.arch as string) : null;
  const train = validateTrainConfig(trainConfigFrom(p, archIn?.architecture));
  const cfg: PruneConfig = {
    ...train,
    method: o.method as PruneConfig["method"],
    D: o.D as number | undefined,
    mu: o.mu as number | undefined,
    beta: o.beta as number,
    maxRatio: o.maxRatio as number,
    scope: o.scope as PruneConfig["scope"],
    iterations: o.iterations as number,
    p: o.p as number,
    q: o.q as number,
    etaR: o.etaR as number,
    gamma: o.gamma as number,
    ratio: o.ratio as number,
    begin: o.begin as number,
    end: o.end as number,
    every: o.every as number,
    grad: o.grad as PruneConfig["grad"],
    threshold: o.threshold as PruneConfig["threshold"],
    stopPenalty: o.stopPenalty as number | undefined,
    exclude: o.exclude ? String(o.exclude).split(",").map((s) => s.trim()).filter(Boolean) : [],
    pattern: o.pattern as string | undefined,
    targetSparsity: o.targetSparsity as number | undefined,
    sInit: o.sInit as number,
    pruneAt: o.pruneAt as number | undefined,
  };
  checkMethodFields(cfg.method, p.given);
  validatePruneConfig(cfg); // before any output, so a bad option is the only line
  const search = searchesD(cfg);
  checkCheckpointOptions(p);
  if (o.checkpoint !== undefined && search) {
    throw new ShrinkError("E_ARG", "--checkpoint: a --target-sparsity search runs pilot runs before the run itself; give the D it finds with --D to checkpoint that run");
  }
  const outputs = { out: o.out as string | undefined, log: o.log as string | undefined, checkpoint: o.checkpoint as string | undefined };
  checkOutputs(outputs);
  const progress = new Progress(Boolean(o.quiet));
  const init = o.init ? await readInit(o.init as string) : archIn?.weights ?? undefined;
  const data = await loadDataset({ dataset: train.dataset, dataDir: o.dataDir as string | undefined });
  for (const k of ["out", "log", "checkpoint"] as const) checkNotInput(k, outputs[k], data.dir);
  train.dataset ??= data.name; // recorded in the summary and the model file
  cfg.dataset ??= data.name;
  progress.line(dataLine(data, train.augment));
  const e = await engineFor(p);
  if (o.dryRun) {
    const d = await dryRun(e, cfg, data.train, data.test, { init });
    return void process.stdout.write(o.json ? JSON.stringify(d) + "\n" : dryRunText(d));
  }
  const cli: CliRun = { command: "prune", recipe, training: train, ...outputs, every: o.checkpointEvery as string | undefined };
  if (search) return searchCommand(e, cfg, data, cli, progress, Boolean(o.json), signal, init);
  return runCommand(e, cfg, data, cli, { run: { kind: "prune", config: cfg }, init }, progress, Boolean(o.json), signal);
}

/** shrink prune --resume FILE: the checkpoint's run, on the data its recipe names (or --data-dir). */
async function resumePrune(p: Parsed, signal: AbortSignal): Promise<void> {
  const r = await readResume(p, "prune");
  if (r.run.kind !== "prune") throw new ShrinkError("E_CHECKPOINT", `${r.file}: not a pruning run`);
  const cfg = r.run.config;
  const cli: CliRun = { ...r.cli, ...resumedOutputs(p.opts, p.given, r) };
  checkCheckpointOptions({ opts: { ...p.opts, checkpoint: cli.checkpoint, checkpointEvery: cli.every }, given: p.given, positional: [], help: false });
  checkOutputs(cli);
  const progress = new Progress(Boolean(p.opts.quiet));
  const data = await loadDataset({ dataset: cfg.dataset, dataDir: (p.opts.dataDir ?? r.cli.recipe.options["data-dir"]) as string | undefined });
  for (const k of ["out", "log", "checkpoint"] as const) checkNotInput(k, cli[k], data.dir);
  progress.line(dataLine(data, cfg.augment));
  const e = await engineFor(p);
  return runCommand(e, cfg, data, cli, { resume: r }, progress, Boolean(p.opts.json), signal);
}

type Start = DriveArgs["start"];

/** One pruning run (fresh or resumed) to its end, then its report, model file and summary. */
async function runCommand(e: Engine, cfg: PruneConfig, data: LoadedDataset, cli: CliRun, start: Start, progress: Progress, json: boolean, signal: AbortSignal): Promise<void> {
  const iterative = (ITERATIVE_METHODS as readonly string[]).includes(cfg.method);
  const log = cli.log ? await JsonlLog.open(cli.log, "resume" in start ? start.resume.cli.logLines : []) : null;
  if (iterative) iterativeHeader(cfg, progress);
  let session: RunSession;
  try {
    session = await driveRun({ e, data, start, cli, log, signal, progress, hooks: iterative ? iterativeHooks(progress, log) : pruneHooks(cfg, progress, log) });
  } catch (err) {
    await log?.close();
    throw err;
  }
  try {
    const out = session.outcome!;
    await log?.close();
    if (out.kind === "iterative") await reportIterative(out.run, cfg, cli, data, progress, json);
    else if (out.kind === "prune") await reportPrune(out.run, cfg, cli, data, progress, json);
  } finally {
    await session.dispose();
  }
}

function pruneHooks(cfg: PruneConfig, progress: Progress, log: JsonlLog | null, pilot?: number): Pick<RunHooks, "onBatch" | "onEpoch"> {
  return {
    onBatch: (ev) => progress.batch(ev),
    onEpoch: async (ev, st) => {
      if (!st) return;
      const stop = st.stoppedAt !== null ? `  stopped@${st.stoppedAt}` : "";
      const soft = (SOFT_THRESHOLD_METHODS as readonly string[]).includes(cfg.method);
      progress.epoch(ev, `${soft ? `  d ${st.threshold.toPrecision(4)}  μ ${st.mu.toPrecision(3)}` : ""}  sparsity ${(100 * st.sparsity).toFixed(2)}%${stop}`);
      await log?.write({ ...(pilot ? { pilot } : {}), ...ev, ...st });
    },
  };
}

/** --target-sparsity on a soft-threshold method: pilot runs find D, the last one is the run. */
async function searchCommand(e: Engine, cfg: PruneConfig, data: LoadedDataset, cli: CliRun, progress: Progress, json: boolean, signal: AbortSignal, init: PruneHooks["init"]): Promise<void> {
  const log = cli.log ? await JsonlLog.open(cli.log) : null;
  let found: DSearch;
  try {
    found = await findDForSparsity(e, cfg, data.train, data.test, { hooks: (i) => ({ signal, init, ...pruneHooks(cfg, progress, log, i) }), log: (s) => progress.line(s) });
  } catch (err) {
    await log?.close();
    throw err;
  }
  const { run, ...search } = found;
  cfg.D = found.D;
  progress.line(`target-sparsity: D ${found.D.toPrecision(5)} after ${found.pilots.length} pilot runs (${found.seconds.toFixed(0)} s)`);
  try {
    await log?.close();
    await reportPrune(run, cfg, cli, data, progress, json, search);
  } finally {
    run.dispose();
  }
}

async function reportPrune(run: PruneRun, cfg: PruneConfig, cli: CliRun, data: LoadedDataset, progress: Progress, json: boolean, search?: Omit<DSearch, "run">): Promise<void> {
  const stats = run.stats;
  printLayerTable(stats, progress);
  printFiringRates(run.result.final, progress);
  if (run.projection) progress.line(`pattern ${run.projection.pattern}: the final weights projected (${run.projection.cleared} more zeros), test accuracy ${run.projection.accuracyBefore.toFixed(4)} → ${run.projection.accuracyAfter.toFixed(4)}`);
  const summary = {
    ...summaryJson(cli.training, run.result, stats, { dataSource: data.source, trainSamples: data.train.count }),
    prunedSparsity: run.sparsity,
    method: cfg.method, D: run.D, mu: run.mu, beta: cfg.method === "pgh" ? cfg.beta : undefined,
    threshold: run.threshold, stoppedAt: run.stoppedAt, projection: run.projection ?? undefined, pruneConfig: cfg, search,
  };
  if (cli.out !== undefined) {
    await writeFileAtomic(cli.out, encodeModel(run.model, run.spec, {
      training: cli.training, recipe: cli.recipe, pruning: { method: cfg.method, D: run.D, mu: run.mu, beta: cfg.beta, grad: cfg.grad, threshold: run.threshold, stoppedAt: run.stoppedAt, layers: stats.layers.map((l) => ({ name: l.name, sparsity: l.sparsity })) }, metrics: summary,
    }));
    progress.line(`saved ${cli.out}`);
  }
  if (json) process.stdout.write(JSON.stringify(summary) + "\n");
  else process.stdout.write(`sparsity ${(100 * run.sparsity).toFixed(2)}% of prunable weights  test accuracy ${summary.testAccuracy.toFixed(4)}${firingNote(run.result.final)}  (${summary.seconds.toFixed(1)} s)\n`);
}
