// Which parameters a pruning method touches: every weight tensor (first and
// last layer included), never biases, minus any excluded by glob on the
// PyTorch-style name ("fc3.*", "fc?.weight").
import type { Param } from "../nn/layer";
import { ShrinkError } from "../io/errors";

export function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

/** Checks exclusion globs against parameter names; returns the names left to prune. */
export function prunableNames(names: string[], exclude: string[] = []): string[] {
  const res = exclude.map(globToRegExp);
  for (const [i, g] of exclude.entries()) {
    if (!names.some((n) => res[i].test(n))) {
      throw new ShrinkError("E_ARG", `--exclude: "${g}" matches no parameter (names: ${names.join(", ")})`);
    }
  }
  const chosen = names.filter((n) => n.endsWith(".weight") && !res.some((r) => r.test(n)));
  if (chosen.length === 0) throw new ShrinkError("E_ARG", `--exclude: ${exclude.join(", ")} leaves no weight tensor to prune`);
  return chosen;
}

export function prunableParams(params: Param[], exclude: string[] = []): Param[] {
  const keep = new Set(prunableNames(params.filter((p) => p.kind === "weight").map((p) => p.name).concat(params.filter((p) => p.kind !== "weight").map((p) => p.name)), exclude));
  return params.filter((p) => p.kind === "weight" && keep.has(p.name));
}
