// Turns runs/lats/*.json(l) (from lats-fashion-mnist.mjs) into the tables of
// docs/results.md (between the LATS markers) and the plot docs/img/lats-sparsity.svg.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { linePlot } from "./svg-plot.mjs";

const DIR = process.argv[2] ?? "runs/lats";
const get = (n) => (existsSync(`${DIR}/${n}.json`) ? JSON.parse(readFileSync(`${DIR}/${n}.json`, "utf8")) : null);
const epochs = (n) => existsSync(`${DIR}/${n}.jsonl`) ? readFileSync(`${DIR}/${n}.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
const pct = (x, d = 2) => (x == null ? "–" : (100 * x).toFixed(d));
const dense = get("dense");
const L = [];
L.push(`Dense MLP: test accuracy **${pct(dense?.testAccuracy)}%** (30 epochs, ${dense?.seconds.toFixed(0)} s).`, "");
L.push("| target | S-LATS D | S-LATS sparsity | S-LATS acc. | Δ vs dense | magnitude sparsity | magnitude acc. | S-LATS − magnitude | pilots |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const s of [0.8, 0.9, 0.95, 0.98]) {
  const a = get(`slats-${s}`), m = get(`magnitude-${s}`);
  if (!a) continue;
  L.push(`| ${pct(s, 0)}% | ${a.D.toPrecision(4)} | ${pct(a.prunedSparsity)}% | ${pct(a.testAccuracy)}% | ${((a.testAccuracy - dense.testAccuracy) * 100).toFixed(2)} | ${pct(m?.prunedSparsity)}% | ${pct(m?.testAccuracy)}% | ${m ? ((a.testAccuracy - m.testAccuracy) * 100).toFixed(2) : "–"} | ${a.search?.pilots.length ?? "–"} |`);
}
const ref = get("slats-0.9");
L.push("", `At the D of the ~90% S-LATS run (D = ${ref?.D.toPrecision(4)}):`, "");
L.push("| scheduler | sparsity | test acc. | stopped at step (of 7200) |", "| --- | --- | --- | --- |");
for (const [n, label] of [["slats-0.9", "S-LATS (Eq. 13)"], ["lats-D", "LATS, exact (Corollary 1)"], ["sine-D", "sine (STDS)"], ["linear-D", "linear"], ["log2-D", "log2"], ["pgh-0.1", "PGH β = 0.1, stop g′ < 0.1"], ["pgh-1e-5", "PGH β = 1e-5, stop g′ < 0.1"], ["pgh-1e-10", "PGH β = 1e-10, stop g′ < 0.1"]]) {
  const r = get(n);
  if (r) L.push(`| ${label} | ${pct(r.prunedSparsity)}% | ${pct(r.testAccuracy)}% | ${r.stoppedAt ?? "–"} |`);
}
const block = L.join("\n");
const path = "docs/results.md";
const doc = readFileSync(path, "utf8");
const a = doc.indexOf("<!-- LATS:BEGIN -->"), b = doc.indexOf("<!-- LATS:END -->");
writeFileSync(path, doc.slice(0, a + 19) + "\n" + block + "\n" + doc.slice(b));
// Sparsity during training per scheduler (the paper's Fig. 3, left).
const curve = (n) => { const rows = epochs(n); const last = Math.max(0, ...rows.map((r) => r.pilot ?? 0)); return rows.filter((r) => (r.pilot ?? 0) === last).map((r) => [r.epoch, 100 * r.sparsity]); };
const series = [["slats-0.9", "S-LATS"], ["lats-D", "LATS"], ["sine-D", "sine"], ["linear-D", "linear"], ["log2-D", "log2"], ["pgh-0.1", "PGH 0.1"], ["pgh-1e-5", "PGH 1e-5"], ["pgh-1e-10", "PGH 1e-10"]]
  .map(([n, name]) => ({ name, points: curve(n) })).filter((s) => s.points.length);
mkdirSync("docs/img", { recursive: true });
writeFileSync("docs/img/lats-sparsity.svg", linePlot({ title: "Sparsity of the MLP's weights while training (same final threshold D)", xLabel: "epoch", yLabel: "sparsity (%)", series, yMin: 0, yMax: 100 }));
console.log(block);
