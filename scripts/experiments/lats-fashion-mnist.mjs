// The LATS paper's comparisons on the PQI paper's MLP and the full Fashion-MNIST
// (docs/results.md): dense; S-LATS at ~80/90/95/98% sparsity (--target-sparsity);
// the one-shot magnitude baseline at the sparsities S-LATS reached; at the D of
// ~90%: sine, linear, log2 (Table 5), PGH β = 0.1, 1e-5, 1e-10 with early
// stopping (Section 6.2) and exact LATS (Table 2).
//   node scripts/experiments/lats-fashion-mnist.mjs [--data-dir DIR] [--jobs 2] [--out runs/lats]
// Every run is `shrink ... --json`; results land in OUT/*.json (one file per
// run, skipped when present, so an interrupted sweep resumes).
import { spawn } from "node:child_process";
import { mkdirSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const OUT = opt("out", "runs/lats");
const JOBS = +opt("jobs", "2");
const DATA = opt("data-dir", undefined);
const EPOCHS = opt("epochs", "30");
mkdirSync(OUT, { recursive: true });

const COMMON = ["--epochs", EPOCHS, "--lr", "0.1", "--momentum", "0.9", "--nesterov", "--weight-decay", "5e-4", "--batch", "250", "--lr-schedule", "cosine", "--seed", "0", ...(DATA ? ["--data-dir", DATA] : [])];

function run(name, args) {
  const file = join(OUT, `${name}.json`);
  if (existsSync(file)) return Promise.resolve(JSON.parse(readFileSync(file, "utf8")));
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, ["bin/shrink.js", ...args, ...COMMON, "--json", "--quiet", "--log", join(OUT, `${name}.jsonl`)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${name}: exit ${code}`));
      const res = { name, args, ...JSON.parse(out.trim().split("\n").pop()) };
      writeFileSync(file, JSON.stringify(res));
      console.error(`${name}: sparsity ${(100 * (res.prunedSparsity ?? 0)).toFixed(2)}%  acc ${res.testAccuracy}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      resolve(res);
    });
  });
}

// A tiny job pool: at most JOBS runs at once (2 cores).
let active = 0;
const queue = [];
function pool(name, args) {
  return new Promise((resolve, reject) => {
    const go = () => { active++; run(name, args).then(resolve, reject).finally(() => { active--; queue.shift()?.(); }); };
    active < JOBS ? go() : queue.push(go);
  });
}

const TARGETS = [[0.8, 0.03], [0.9, 0.06], [0.95, 0.1], [0.98, 0.2]];
const dense = pool("dense", ["train", "--model", "mlp"]);
const slats = TARGETS.map(([s, d0]) => pool(`slats-${s}`, ["prune", "--method", "slats", "--target-sparsity", String(s), "--D", String(d0)]));
const magnitude = TARGETS.map(([s], i) => slats[i].then((r) => pool(`magnitude-${s}`, ["prune", "--method", "magnitude", "--target-sparsity", String(r.prunedSparsity.toFixed(4))])));
const atD = slats[1].then((r) => {
  const D = String(r.D);
  return Promise.all([
    ...["sine", "linear", "log2", "lats"].map((m) => pool(`${m}-D`, ["prune", "--method", m, "--D", D])),
    ...["0.1", "1e-5", "1e-10"].map((b) => pool(`pgh-${b}`, ["prune", "--method", "pgh", "--beta", b, "--stop-penalty", "0.1", "--D", D])),
  ]);
});
await Promise.all([dense, ...slats, ...magnitude, atD]);
console.error("all runs done");
