// Test accuracy per epoch of cnn training runs, from their --log JSONL files:
//   node scripts/experiments/cnn-curves.mjs OUT.svg "label=run1.jsonl" "label=run2.jsonl" ...
import { readFileSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { linePlot } from "./svg-plot.mjs";

const [out, ...runs] = process.argv.slice(2);
if (!out || runs.length === 0) {
  console.error('usage: node scripts/experiments/cnn-curves.mjs OUT.svg "label=run.jsonl" ...');
  process.exit(2);
}
const series = runs.map((arg) => {
  const i = arg.indexOf("=");
  const [name, file] = [arg.slice(0, i), arg.slice(i + 1)];
  const points = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).map((r) => [r.epoch, r.testAccuracy]);
  return { name, points };
});
writeFileSync(out, linePlot({ title: "cnn on Fashion-MNIST: test accuracy per epoch", xLabel: "epoch", yLabel: "test accuracy", series, yMin: 0.8, yMax: 0.95 }));
console.log(`wrote ${out}`);
