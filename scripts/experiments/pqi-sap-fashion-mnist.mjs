// The PQI paper's comparison on its MLP and the full Fashion-MNIST
// (docs/results.md): SAP (p = 0.5, q = 1), SAP (p = 1, q = 2), Lottery Ticket
// and One Shot, 8 iterations × 5 epochs, global scope; then the same four
// with the neuron scope.
//   node scripts/experiments/pqi-sap-fashion-mnist.mjs [--data-dir DIR] [--jobs 2] [--out runs/pqi]
import { spawn } from "node:child_process";
import { mkdirSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const OUT = opt("out", "runs/pqi");
const JOBS = +opt("jobs", "2");
const DATA = opt("data-dir", undefined);
mkdirSync(OUT, { recursive: true });
const COMMON = ["--iterations", opt("iterations", "8"), "--epochs", opt("epochs", "5"), "--lr", "0.1", "--momentum", "0.9", "--nesterov",
  "--weight-decay", "5e-4", "--batch", "250", "--lr-schedule", "cosine", "--seed", "0", ...(DATA ? ["--data-dir", DATA] : [])];

function run(name, args) {
  const file = join(OUT, `${name}.json`);
  if (existsSync(file)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, ["bin/shrink.js", "prune", ...args, ...COMMON, "--json", "--quiet", "--out", join(OUT, `${name}.safetensors`)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${name}: exit ${code}`));
      const res = { name, args, ...JSON.parse(out.trim().split("\n").pop()) };
      writeFileSync(file, JSON.stringify(res));
      console.error(`${name}: remaining ${(100 * res.remaining).toFixed(2)}%  acc ${res.testAccuracy}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      resolve();
    });
  });
}

const METHODS = [["sap-0.5-1", ["--method", "sap", "--p", "0.5", "--q", "1"]], ["sap-1-2", ["--method", "sap", "--p", "1", "--q", "2"]],
  ["lottery", ["--method", "lottery"]], ["one-shot", ["--method", "one-shot"]]];
const jobs = [];
for (const scope of ["global", "neuron"]) for (const [n, a] of METHODS) jobs.push([`${n}-${scope}`, [...a, "--scope", scope]]);
let next = 0;
await Promise.all(Array.from({ length: JOBS }, async () => { while (next < jobs.length) { const [n, a] = jobs[next++]; await run(n, a); } }));
console.error("all runs done");
