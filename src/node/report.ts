// Run summaries: the --json object and the per-layer table.
import type { TrainConfig } from "../train/config.js";
import type { TrainResult, EpochEvent } from "../train/trainer.js";
import type { ModelStats } from "../nn/summary.js";
import type { Progress } from "./progress.js";

export function summaryJson(config: TrainConfig, r: TrainResult, stats: ModelStats, extra: Record<string, unknown> = {}) {
  return {
    model: config.model,
    testAccuracy: r.final.testAccuracy,
    testLoss: r.final.testLoss,
    trainLoss: r.final.trainLoss,
    trainAccuracy: r.final.trainAccuracy,
    epochs: r.epochs.length,
    seconds: r.seconds,
    params: stats.params,
    nonzero: stats.nonzero,
    sparsity: stats.sparsity,
    layers: stats.layers.map((l) => ({ name: l.name, shape: l.shape, params: l.params, nonzero: l.nonzero, sparsity: l.sparsity })),
    ...(r.final.firingRate === undefined ? {} : { firingRate: r.final.firingRate, firingRates: r.final.firingRates }),
    config,
    ...extra,
  };
}

export function printLayerTable(stats: ModelStats, out: Progress): void {
  const rows = [["layer", "shape", "params", "nonzero", "sparsity"]];
  for (const l of stats.layers) rows.push([l.name, l.shape.join("×"), String(l.params), String(l.nonzero), `${(100 * l.sparsity).toFixed(2)}%`]);
  rows.push(["total", "", String(stats.params), String(stats.nonzero), `${(100 * stats.sparsity).toFixed(2)}%`]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    out.line(r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  "));
    if (i === 0 || i === rows.length - 2) out.line(w.map((x) => "─".repeat(x)).join("  "));
  }
}

/** A spiking model's firing rates on the test set, per neuron layer (nothing for an ANN). */
export function printFiringRates(ev: Pick<EpochEvent, "firingRate" | "firingRates">, out: Progress): void {
  if (ev.firingRate === undefined || !ev.firingRates) return;
  const w = Math.max(12, ...ev.firingRates.map((l) => l.name.length));
  out.line(`${"neuron layer".padEnd(w)}  firing rate`);
  out.line(`${"─".repeat(w)}  ───────────`);
  for (const l of ev.firingRates) out.line(`${l.name.padEnd(w)}  ${l.rate.toFixed(4).padStart(11)}`);
  out.line(`${"─".repeat(w)}  ───────────`);
  out.line(`${"all".padEnd(w)}  ${ev.firingRate.toFixed(4).padStart(11)}`);
}

/** ", firing rate 0.1234" for a spiking model's summary line. */
export const firingNote = (ev: Pick<EpochEvent, "firingRate">): string => ev.firingRate === undefined ? "" : `  firing rate ${ev.firingRate.toFixed(4)}`;
