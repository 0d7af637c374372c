// The PQI paper's comparison on its MLP and the full Fashion-MNIST
// (docs/results.md): SAP (p = 0.5, q = 1), SAP (p = 1, q = 2), Lottery Ticket
// and One Shot, 8 iterations × 5 epochs, global scope; then the same four
// with the neuron scope.
//   node scripts/experiments/pqi-sap-fashion-mnist.mjs [--data-dir DIR] [--jobs 2] [--out runs/pqi]
import { join } from "node:path";
import { cliOptions, makeRunner } from "./runner.mjs";

const opt = cliOptions();
const OUT = opt("out", "runs/pqi");
const DATA = opt("data-dir", undefined);
const COMMON = ["--iterations", opt("iterations", "8"), "--epochs", opt("epochs", "5"), "--lr", "0.1", "--momentum", "0.9", "--nesterov",
  "--weight-decay", "5e-4", "--batch", "250", "--lr-schedule", "cosine", "--seed", "0", ...(DATA ? ["--data-dir", DATA] : [])];
const pool = makeRunner(OUT, +opt("jobs", "2"));
const METHODS = [["sap-0.5-1", ["--method", "sap", "--p", "0.5", "--q", "1"]], ["sap-1-2", ["--method", "sap", "--p", "1", "--q", "2"]],
  ["lottery", ["--method", "lottery"]], ["one-shot", ["--method", "one-shot"]]];
const runs = [];
for (const scope of ["global", "neuron"]) {
  for (const [n, a] of METHODS) {
    const name = `${n}-${scope}`;
    runs.push(pool(name, ["prune", ...a, "--scope", scope, ...COMMON, "--out", join(OUT, `${name}.safetensors`)],
      (r) => `remaining ${(100 * r.remaining).toFixed(2)}%  acc ${r.testAccuracy}`));
  }
}
await Promise.all(runs);
console.error("all runs done");
