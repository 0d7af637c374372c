// A module Web Worker: the engine from the .wasm's URL, the embedded Fashion-MNIST
// fetched as gzip IDX files, S-LATS on the MLP. (Module workers do not see the
// page's import map: in your bundle, import from "shrinkwasm".)
import { Engine, runPrune, loadImageLabelPair, DEFAULT_TRAIN_CONFIG, DEFAULT_PRUNE } from "../../dist/index.js";

const file = async (name) => new Uint8Array(await (await fetch(new URL(`../../data/${name}.gz`, import.meta.url))).arrayBuffer());

onmessage = async ({ data: { epochs } }) => {
  const engine = await Engine.create(new URL("../../build/shrinkwasm.wasm", import.meta.url));
  const train = await loadImageLabelPair(await file("train-images-idx3-ubyte"), await file("train-labels-idx1-ubyte"), { images: "train-images", labels: "train-labels" });
  const test = await loadImageLabelPair(await file("t10k-images-idx3-ubyte"), await file("t10k-labels-idx1-ubyte"), { images: "t10k-images", labels: "t10k-labels" });
  const config = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp", method: "slats", epochs, exclude: [] };
  const run = await runPrune(engine, config, train, test, {
    onEpoch: (ev, st) => postMessage({ epoch: ev.epoch, testAccuracy: ev.testAccuracy, sparsity: st.sparsity }),
  });
  postMessage({ done: true, sparsity: run.sparsity, testAccuracy: run.result.final.testAccuracy });
  run.dispose();
};
