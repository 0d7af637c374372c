// docs/results.md's error bars: the S-LATS D sweep (the D each ~80/90/95/98%
// run of lats-fashion-mnist.mjs found, fixed) and the one-shot magnitude baseline
// at the sparsity each S-LATS run reached; SAP (p = 0.5, q = 1) against Lottery
// Ticket (global, 8 iterations × 5 epochs); each for seeds 0, 1, 2.
//   node scripts/experiments/seeds-fashion-mnist.mjs [--data-dir DIR] [--jobs 1] [--out runs/seeds] [--seeds 0,1,2]
import { cliOptions, makeRunner } from "./runner.mjs";

const opt = cliOptions();
const DATA = opt("data-dir", undefined);
const SEEDS = opt("seeds", "0,1,2").split(",");
const TRAIN = ["--lr", "0.1", "--momentum", "0.9", "--nesterov", "--weight-decay", "5e-4", "--batch", "250", "--lr-schedule", "cosine", ...(DATA ? ["--data-dir", DATA] : [])];
const pool = makeRunner(opt("out", "runs/seeds"), +opt("jobs", "1"));
export const D_SWEEP = [0.08193, 0.1619, 0.3323, 0.8];
const runs = [];
for (const seed of SEEDS) {
  const common = [...TRAIN, "--seed", seed];
  for (const D of D_SWEEP) {
    const slats = pool(`slats-D${D}-seed${seed}`, ["prune", "--method", "slats", "--D", String(D), "--epochs", "30", ...common],
      (r) => `sparsity ${(100 * r.prunedSparsity).toFixed(2)}%  acc ${r.testAccuracy}`);
    runs.push(slats.then((r) => pool(`magnitude-D${D}-seed${seed}`, ["prune", "--method", "magnitude", "--target-sparsity", r.prunedSparsity.toFixed(4), "--epochs", "30", ...common],
      (m) => `sparsity ${(100 * m.prunedSparsity).toFixed(2)}%  acc ${m.testAccuracy}`)));
  }
  for (const [n, a] of [["sap", ["--method", "sap", "--p", "0.5", "--q", "1"]], ["lottery", ["--method", "lottery"]]]) {
    runs.push(pool(`${n}-seed${seed}`, ["prune", ...a, "--scope", "global", "--iterations", "8", "--epochs", "5", ...common],
      (r) => `remaining ${(100 * r.remaining).toFixed(2)}%  acc ${r.testAccuracy}`));
  }
}
await Promise.all(runs);
console.error("all runs done");
