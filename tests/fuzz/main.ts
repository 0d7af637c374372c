// npm run fuzz -- --n N --seed S [--parser NAME]: the fuzz harness from the command line.
import { loadEngine } from "../../src/node/index.ts";
import { parsers, fuzzParser } from "./harness.ts";

const arg = (name: string, d: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : d; };
const n = Number(arg("n", "10000")), seed = Number(arg("seed", "1")), only = arg("parser", "");
const e = await loadEngine();
let bad = 0;
for (const p of parsers(e)) {
  if (only && p.name !== only) continue;
  const t0 = performance.now();
  const r = await fuzzParser(e, p, n, seed);
  bad += r.untyped + r.slow;
  console.log(`${r.parser.padEnd(12)} ${r.inputs} inputs: ${r.ok} parsed, ${r.typed} typed errors, ${r.untyped} untyped exceptions, ${r.slow} over 1 s (max ${(r.maxSeconds * 1000).toFixed(1)} ms), peak RSS ${r.peakRssMB.toFixed(0)} MB, wasm memory ${r.wasmMB.toFixed(0)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const x of r.examples) console.log(`  ${x}`);
}
process.exit(bad ? 1 : 0);
