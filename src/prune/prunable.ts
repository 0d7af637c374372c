// Which parameters a pruning method touches: every weight tensor (first and
// last layer included), never biases, minus any excluded by glob on the
// PyTorch-style name ("fc3.*", "fc?.weight").
import type { Param } from "../nn/layer";
import { ShrinkError } from "../io/errors";

export function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

export function prunableParams(params: Param[], exclude: string[] = []): Param[] {
  const res = exclude.map(globToRegExp);
  for (const [i, g] of exclude.entries()) {
    if (!params.some((p) => res[i].test(p.name))) {
      throw new ShrinkError("E_ARG", `--exclude: "${g}" matches no parameter (names: ${params.map((p) => p.name).join(", ")})`);
    }
  }
  const chosen = params.filter((p) => p.kind === "weight" && !res.some((r) => r.test(p.name)));
  if (chosen.length === 0) throw new ShrinkError("E_ARG", `--exclude: ${exclude.join(", ")} leaves no weight tensor to prune`);
  return chosen;
}
