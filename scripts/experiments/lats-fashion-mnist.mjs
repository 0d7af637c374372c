// The LATS paper's comparisons on the PQI paper's MLP and the full Fashion-MNIST
// (docs/results.md): dense; S-LATS at ~80/90/95/98% sparsity (--target-sparsity);
// the one-shot magnitude baseline at the sparsities S-LATS reached; at the D of
// ~90%: sine, linear, log2 (Table 5), PGH β = 0.1, 1e-5, 1e-10 with early
// stopping (Section 6.2) and exact LATS (Table 2).
//   node scripts/experiments/lats-fashion-mnist.mjs [--data-dir DIR] [--jobs 2] [--out runs/lats] [--epochs 30]
import { cliOptions, makeRunner } from "./runner.mjs";

const opt = cliOptions();
const DATA = opt("data-dir", undefined);
const COMMON = ["--epochs", opt("epochs", "30"), "--lr", "0.1", "--momentum", "0.9", "--nesterov", "--weight-decay", "5e-4", "--batch", "250",
  "--lr-schedule", "cosine", "--seed", "0", ...(DATA ? ["--data-dir", DATA] : [])];
const pool = makeRunner(opt("out", "runs/lats"), +opt("jobs", "2"));
const run = (name, args) => pool(name, [...args, ...COMMON], (r) => `sparsity ${(100 * (r.prunedSparsity ?? 0)).toFixed(2)}%  acc ${r.testAccuracy}`);

const TARGETS = [[0.8, 0.03], [0.9, 0.06], [0.95, 0.1], [0.98, 0.2]];
const dense = run("dense", ["train", "--model", "mlp"]);
const slats = TARGETS.map(([s, d0]) => run(`slats-${s}`, ["prune", "--method", "slats", "--target-sparsity", String(s), "--D", String(d0)]));
const magnitude = TARGETS.map(([s], i) => slats[i].then((r) => run(`magnitude-${s}`, ["prune", "--method", "magnitude", "--target-sparsity", String(r.prunedSparsity.toFixed(4))])));
const atD = slats[1].then((r) => Promise.all([
  ...["sine", "linear", "log2", "lats"].map((m) => run(`${m}-D`, ["prune", "--method", m, "--D", String(r.D)])),
  ...["0.1", "1e-5", "1e-10"].map((b) => run(`pgh-${b}`, ["prune", "--method", "pgh", "--beta", b, "--stop-penalty", "0.1", "--D", String(r.D)])),
]));
await Promise.all([dense, ...slats, ...magnitude, atD]);
console.error("all runs done");
