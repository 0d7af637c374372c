// Bun: the same run; the engine from the .wasm's bytes (Bun.file).
//   bun examples/bun/prune.ts
import { Engine, runPrune, DEFAULT_TRAIN_CONFIG, DEFAULT_PRUNE, type PruneConfig } from "shrinkwasm";
import { loadDataset } from "shrinkwasm/node";

const engine = await Engine.create(await Bun.file(Bun.resolveSync("shrinkwasm/wasm", import.meta.dir)).arrayBuffer());
const { train, test } = await loadDataset({ dataset: "fashion-mnist" });
const config: PruneConfig = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp", method: "slats", epochs: 3, exclude: [] };
const run = await runPrune(engine, config, train, test);
console.log(`sparsity ${(100 * run.sparsity).toFixed(2)}%, test accuracy ${run.result.final.testAccuracy.toFixed(4)}`);
run.dispose();
