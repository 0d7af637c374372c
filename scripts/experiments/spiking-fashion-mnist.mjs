// docs/spiking.md's results: the spiking CNN (width 0.25, T = 4) on the full
// Fashion-MNIST — dense, S-LATS and sine (STDS) at the same D, and S-LATS at
// two more D for firing rate against sparsity (LATS Appendix G) — and SEW
// ResNet-18 (width 0.125) pruned with S-LATS on the embedded data.
//   node scripts/experiments/spiking-fashion-mnist.mjs [--data-dir DIR] [--jobs 2] [--out runs/spiking] [--epochs 4]
// Then: node scripts/experiments/spiking-report.mjs [--out runs/spiking]
import { cliOptions, makeRunner } from "./runner.mjs";

const opt = cliOptions();
const DATA = opt("data-dir", undefined);
const EPOCHS = opt("epochs", "4");
const OUT = opt("out", "runs/spiking");
const pool = makeRunner(OUT, +opt("jobs", "2"));
const SNN = ["--model", "spiking-cnn", "--width", "0.25", "--timesteps", "4", "--batch", "100", "--epochs", EPOCHS, "--seed", "0", ...(DATA ? ["--data-dir", DATA] : [])];
const SPIKING_D = [0.01, 0.02, 0.04];
const show = (r) => `sparsity ${(100 * (r.prunedSparsity ?? 0)).toFixed(2)}%  acc ${r.testAccuracy}  firing rate ${r.firingRate?.toFixed(4)}`;
const runs = [
  pool("dense", ["train", ...SNN], show),
  ...SPIKING_D.map((D) => pool(`slats-D${D}`, ["prune", "--method", "slats", "--D", String(D), ...SNN], show)),
  pool("sine-D0.02", ["prune", "--method", "sine", "--D", "0.02", ...SNN], show),
  pool("sew-resnet18-slats", ["prune", "--model", "sew-resnet18", "--width", "0.125", "--timesteps", "4", "--method", "slats", "--D", "0.02",
    "--epochs", "6", "--batch", "100", "--seed", "0", "--data-dir", "data", "--out", `${OUT}/sew-resnet18-slats.safetensors`], show),
];
await Promise.all(runs);
console.error("all runs done");
