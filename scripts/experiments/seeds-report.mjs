// Turns runs/seeds/*.json (from seeds-fashion-mnist.mjs) into docs/results.md's
// error-bar tables (between the SEEDS markers): mean ± sample standard
// deviation (n − 1) over the seeds of every run.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const DIR = process.argv[2] ?? "runs/seeds";
const SEEDS = (process.argv[3] ?? "0,1,2").split(",");
const D_SWEEP = [0.08193, 0.1619, 0.3323, 0.8];
const get = (n) => (existsSync(`${DIR}/${n}.json`) ? JSON.parse(readFileSync(`${DIR}/${n}.json`, "utf8")) : null);
const all = (name) => SEEDS.map((s) => get(`${name}-seed${s}`));
function ms(xs, scale = 100, d = 2) {
  if (xs.some((x) => x == null)) return "–";
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return `${(scale * m).toFixed(d)} ± ${(scale * sd).toFixed(d)}`;
}
const L = [];
L.push(`Seeds ${SEEDS.join(", ")}; each cell is the mean ± sample standard deviation over them (percent).`, "");
L.push("**S-LATS D sweep** (30 epochs; the magnitude baseline pruned to the sparsity each seed's S-LATS run reached):", "");
L.push("| D | S-LATS sparsity | S-LATS acc. | magnitude acc. | S-LATS − magnitude |", "| --- | --- | --- | --- | --- |");
for (const D of D_SWEEP) {
  const a = all(`slats-D${D}`), m = all(`magnitude-D${D}`);
  if (a.some((r) => !r)) continue;
  const diff = m.some((r) => !r) ? [null] : a.map((r, i) => r.testAccuracy - m[i].testAccuracy);
  L.push(`| ${D} | ${ms(a.map((r) => r.prunedSparsity))} | ${ms(a.map((r) => r.testAccuracy))} | ${ms(m.map((r) => r?.testAccuracy))} | ${ms(diff)} |`);
}
L.push("", "**SAP (p = 0.5, q = 1) against Lottery Ticket (P = 0.2)**, global scope, 8 iterations × 5 epochs: remaining weights and accuracy after each iteration's pruning:", "");
const sap = all("sap"), lt = all("lottery");
if (sap.every(Boolean) && lt.every(Boolean)) {
  L.push("| iteration | SAP remaining | SAP acc. | Lottery remaining | Lottery acc. |", "| --- | --- | --- | --- | --- |");
  const n = Math.min(sap[0].iterations.length, lt[0].iterations.length);
  for (let t = 0; t < n; t++) {
    const at = (runs, k) => runs.map((r) => r.iterations[t][k]);
    L.push(`| ${t + 1} | ${ms(at(sap, "remainingAfter"))} | ${ms(at(sap, "prunedAccuracy"))} | ${ms(at(lt, "remainingAfter"))} | ${ms(at(lt, "prunedAccuracy"))} |`);
  }
}
const block = L.join("\n");
const path = "docs/results.md";
const doc = readFileSync(path, "utf8");
const a = doc.indexOf("<!-- SEEDS:BEGIN -->"), b = doc.indexOf("<!-- SEEDS:END -->");
if (a < 0 || b < 0) throw new Error("docs/results.md has no SEEDS markers");
writeFileSync(path, doc.slice(0, a + 20) + "\n" + block + "\n" + doc.slice(b));
console.log(block);
