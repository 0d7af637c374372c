// The text form of a dry run (shrink train|prune --dry-run): the layers with
// parameters and multiply-accumulates, the tensors pruning touches or leaves
// (and why), the schedule at a few points, the data, and the time estimate.
import type { DryRun } from "../prune/dry-run.js";

function table(rows: string[][], right: Set<number>): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, j) => (right.has(j) ? c.padStart(w[j]) : c.padEnd(w[j]))).join("  ").trimEnd()).join("\n") + "\n";
}

export function dryRunText(d: DryRun): string {
  let s = `model ${d.model}: input ${d.input.join("×")}, ${d.classes} classes, ${d.params} parameters, ${(d.macsPerSample / 1e6).toFixed(2)} M multiply-accumulates per sample\n\n`;
  s += table([["layer", "op", "output", "params", "MACs"], ...d.layers.map((l) => [l.name, l.op, l.out.join("×"), String(l.params), String(l.macs)])], new Set([3, 4]));
  s += "\n" + table([["tensor", "shape", "params", "pruned", "why"], ...d.tensors.map((t) => [t.name, t.shape.join("×"), String(t.params), t.pruned ? "yes" : "no", t.why])], new Set([2]));
  if (Array.isArray(d.schedule)) {
    s += "\n" + d.schedule.map((p) => `  t/T = ${p.x.toFixed(2)} (step ${p.step}): ${p.what} ${p.value.toPrecision(5)}`).join("\n") + "\n";
  } else if (d.schedule) {
    s += `\n  ${d.schedule.iterations} iterations of ${d.schedule.epochsEach} epochs; ${d.schedule.rule}\n`;
  }
  s += `\ndata: ${d.data.train} training and ${d.data.test} test images (${d.data.shape.join("×")}), ${d.data.stepsPerEpoch} steps per epoch\n`;
  s += `time: ${d.msPerStep.toFixed(1)} ms per step (measured on ${d.timedRows} row${d.timedRows === 1 ? "" : "s"}, scaled to the batch), about ${d.secondsPerEpoch.toFixed(1)} s per epoch\n`;
  return s;
}
