// Deno: the same run; the engine from the .wasm's file: URL, the data through shrinkwasm/node (Deno's node: modules).
//   deno run --allow-read --allow-env examples/deno/prune.ts      (in your project: import from "npm:shrinkwasm")
import { Engine, runPrune, DEFAULT_TRAIN_CONFIG, DEFAULT_PRUNE, type PruneConfig } from "shrinkwasm";
import { loadDataset } from "shrinkwasm/node";

const engine = await Engine.create(new URL(import.meta.resolve("shrinkwasm/wasm")));
const { train, test } = await loadDataset({ dataset: "fashion-mnist" });
const config: PruneConfig = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp", method: "slats", epochs: 3, exclude: [] };
const run = await runPrune(engine, config, train, test);
console.log(`sparsity ${(100 * run.sparsity).toFixed(2)}%, test accuracy ${run.result.final.testAccuracy.toFixed(4)}`);
run.dispose();
