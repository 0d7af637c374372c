// Which parameters a pruning method touches: every conv and linear weight
// (first and last layer and depthwise convs included), never biases or
// batch-norm parameters and statistics, minus any excluded by glob on the
// PyTorch-style name ("fc3.*", "layer4.*", "features.?.weight").
import type { Param } from "../nn/layer.js";
import { ShrinkError } from "../engine/errors.js";

export function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

/**
 * Checks exclusion globs against parameter names; returns the weight names
 * (conv and linear weights, `weights`) left to prune.
 */
export function prunableNames(names: string[], weights: string[], exclude: string[] = []): string[] {
  const res = exclude.map(globToRegExp);
  for (const [i, g] of exclude.entries()) {
    if (!names.some((n) => res[i].test(n))) {
      throw new ShrinkError("E_ARG", `exclude: "${g}" matches no parameter (names: ${names.join(", ")})`);
    }
  }
  const chosen = weights.filter((n) => !res.some((r) => r.test(n)));
  if (chosen.length === 0) throw new ShrinkError("E_ARG", `exclude: ${exclude.join(", ")} leaves no weight tensor to prune`);
  return chosen;
}

export function prunableParams(params: Param[], exclude: string[] = []): Param[] {
  const keep = new Set(prunableNames(params.map((p) => p.name), params.filter((p) => p.kind === "weight").map((p) => p.name), exclude));
  return params.filter((p) => p.kind === "weight" && keep.has(p.name));
}
