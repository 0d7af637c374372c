// Node: prune the MLP with S-LATS for three epochs on Fashion-MNIST (the embedded subset, or the full set where installed).
//   node examples/node/prune.mjs
import { runPrune, DEFAULT_TRAIN_CONFIG, DEFAULT_PRUNE } from "shrinkwasm";
import { loadEngine, loadDataset } from "shrinkwasm/node";

const engine = await loadEngine();
const { train, test } = await loadDataset({ dataset: "fashion-mnist" });
const config = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp", method: "slats", epochs: 3, exclude: [] };
const run = await runPrune(engine, config, train, test);
console.log(`sparsity ${(100 * run.sparsity).toFixed(2)}%, test accuracy ${run.result.final.testAccuracy.toFixed(4)}`);
run.dispose();
