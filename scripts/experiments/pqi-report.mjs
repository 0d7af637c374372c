// runs/pqi/*.json → the SAP tables of docs/results.md (between the PQI markers)
// and docs/img/pqi-remaining.svg.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { linePlot } from "./svg-plot.mjs";

const DIR = process.argv[2] ?? "runs/pqi";
const get = (n) => (existsSync(`${DIR}/${n}.json`) ? JSON.parse(readFileSync(`${DIR}/${n}.json`, "utf8")) : null);
const pct = (x) => (x == null ? "n/a" : (100 * x).toFixed(2));
const f4 = (x) => (x == null ? "n/a" : x.toFixed(4));
const NAMES = [["sap-0.5-1", "SAP (p = 0.5, q = 1)"], ["sap-1-2", "SAP (p = 1, q = 2)"], ["lottery", "Lottery Ticket"], ["one-shot", "One Shot"]];
const L = [];
for (const scope of ["global", "neuron"]) {
  L.push(`### ${scope === "global" ? "Global" : "Neuron-wise"} pruning`, "");
  for (const [n, label] of NAMES) {
    const r = get(`${n}-${scope}`);
    if (!r) continue;
    L.push(`**${label}** (${r.seconds.toFixed(0)} s):`, "");
    L.push("| iteration | remaining (d_t) | retrained acc. | PQI | Gini | r_t | c_t | remaining after | pruned acc. | fc1 / fc2 / fc3 remaining (at d_t) |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const it of r.iterations) {
      L.push(`| ${it.iteration} | ${pct(it.remainingBefore)}% (${it.d}) | ${pct(it.retrainedAccuracy)}% | ${f4(it.pqi)} | ${f4(it.gini)} | ${it.r == null ? "–" : it.r.toFixed(1)} | ${it.c} | ${pct(it.remainingAfter)}% | ${pct(it.prunedAccuracy)}% | ${it.layers.map((l) => pct(l.remaining)).join(" / ")} |`);
    }
    L.push("");
  }
}
const path = "docs/results.md";
const doc = readFileSync(path, "utf8");
const a = doc.indexOf("<!-- PQI:BEGIN -->"), b = doc.indexOf("<!-- PQI:END -->");
writeFileSync(path, doc.slice(0, a + 18) + "\n" + L.join("\n") + "\n" + doc.slice(b));
mkdirSync("docs/img", { recursive: true });
for (const scope of ["global", "neuron"]) {
  const series = NAMES.map(([n, label]) => ({ name: label.replace(/ \(p = (.*), q = (.*)\)/, " $1,$2"), points: (get(`${n}-${scope}`)?.iterations ?? []).flatMap((it) => [[it.iteration - 1, 100 * it.remainingBefore], [it.iteration, 100 * it.remainingAfter]]).filter((p, i, arr) => i === 0 || p[0] !== arr[i - 1][0]) })).filter((s) => s.points.length);
  writeFileSync(`docs/img/pqi-remaining-${scope}.svg`, linePlot({ title: `Remaining weights per iteration (${scope} scope, MLP)`, xLabel: "pruning iteration", yLabel: "remaining (%)", series, yMin: 0, yMax: 100 }));
}
console.log(L.join("\n"));
