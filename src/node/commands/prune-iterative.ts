// shrink prune --method sap|lottery|one-shot: the per-iteration table on
// stderr, one JSONL record per iteration, and the --json summary.
import type { LoadedDataset } from "../load-dataset.js";
import type { PruneConfig } from "../../prune/config.js";
import type { IterativeRun } from "../../prune/run-iterative.js";
import type { IterationReport } from "../../prune/iterative.js";
import type { RunHooks } from "../../prune/run-session.js";
import type { CliRun } from "../checkpointing.js";
import { encodeModel } from "../../io/model-file.js";
import { writeFileAtomic } from "../atomic-write.js";
import type { Progress } from "../progress.js";
import { JsonlLog } from "../jsonl-log.js";
import { printLayerTable, printFiringRates, firingNote } from "../report.js";

const f = (x: number | null, d = 4) => (x === null ? "n/a" : x.toFixed(d));

function header(progress: Progress): void {
  progress.line("iter  remaining   retrained acc   PQI     Gini    r_t        c_t       → remaining  pruned acc");
}

function row(r: IterationReport): string {
  return `${String(r.iteration).padStart(4)}  ${(100 * r.remainingBefore).toFixed(2).padStart(8)}%  ${f(r.retrainedAccuracy).padStart(13)}   ${f(r.pqi)}  ${f(r.gini)}  ${(r.r === null ? "–" : r.r.toFixed(1)).padStart(9)}  ${String(r.c).padStart(8)}  ${(100 * r.remainingAfter).toFixed(2).padStart(9)}%  ${f(r.prunedAccuracy).padStart(10)}`;
}

export function iterativeHeader(cfg: PruneConfig, progress: Progress): void {
  progress.line(`${cfg.method}: ${cfg.iterations} iterations × ${cfg.epochs} epochs, ${cfg.scope} scope${cfg.method === "sap" ? `, p ${cfg.p}, q ${cfg.q}, η_r ${cfg.etaR}, γ ${cfg.gamma}, β ${cfg.maxRatio}` : `, ratio ${cfg.ratio}`}`);
}

/** Progress per batch; a table row and a log record per iteration. */
export function iterativeHooks(progress: Progress, log: JsonlLog | null): Pick<RunHooks, "onBatch" | "onIteration"> {
  let printedHeader = false;
  return {
    onBatch: (ev) => progress.batch(ev),
    onIteration: async (r) => {
      if (!printedHeader) { header(progress); printedHeader = true; }
      progress.line(row(r));
      await log?.write(r);
    },
  };
}

export async function reportIterative(run: IterativeRun, cfg: PruneConfig, cli: CliRun, data: LoadedDataset, progress: Progress, json: boolean): Promise<void> {
  const last = run.iterations[run.iterations.length - 1];
  const lastLayers = Object.fromEntries(last.layers.map((l) => [l.name, l]));
  progress.line("per layer after the last iteration (remaining before its pruning, PQI, Gini):");
  for (const l of last.layers) progress.line(`  ${l.name.padEnd(12)} ${String(l.params).padStart(7)}  remaining ${(100 * l.remaining).toFixed(2).padStart(6)}%  PQI ${f(l.pqi)}  Gini ${f(l.gini)}`);
  printLayerTable(run.stats, progress);
  printFiringRates(last, progress);
  const fr = last.firingRate === undefined ? {} : { firingRate: last.firingRate, firingRates: last.firingRates };
  const summary = {
    method: cfg.method, scope: cfg.scope, iterations: run.iterations, params: run.stats.params, nonzero: run.stats.nonzero,
    sparsity: run.stats.sparsity, layers: run.stats.layers, remaining: last.remainingAfter, testAccuracy: last.prunedAccuracy,
    retrainedAccuracy: last.retrainedAccuracy, seconds: run.iterations.reduce((t, r) => t + r.seconds, 0), config: cfg, dataSource: data.source, lastLayers, ...fr,
  };
  if (cli.out !== undefined) {
    await writeFileAtomic(cli.out, encodeModel(run.model, run.spec, {
      training: cli.training, recipe: cli.recipe, pruning: { method: cfg.method, scope: cfg.scope, iterations: cfg.iterations, p: cfg.p, q: cfg.q, layers: run.stats.layers.map((l) => ({ name: l.name, sparsity: l.sparsity })) },
      metrics: { remaining: last.remainingAfter, testAccuracy: last.prunedAccuracy, ...fr },
    }));
    progress.line(`saved ${cli.out}`);
  }
  if (json) process.stdout.write(JSON.stringify(summary) + "\n");
  else process.stdout.write(`remaining ${(100 * last.remainingAfter).toFixed(2)}% after ${run.iterations.length} iterations  test accuracy ${last.prunedAccuracy.toFixed(4)} (pruned model; retrained before pruning ${last.retrainedAccuracy.toFixed(4)})${firingNote(last)}\n`);
}
