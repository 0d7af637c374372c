#!/usr/bin/env node
// node scripts/ort-eval.mjs MODEL.onnx [--data-dir DIR]: test accuracy of an
// ONNX file under onnxruntime-web (wasm, one thread), feeding the test set
// normalised as the file's metadata_props say (shrinkwasm.normalize). The
// external check of `shrink export --format onnx` (docs/onnx.md).
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { loadDataset } from "../dist/node.js";
import { decodeOnnxModel } from "../dist/index.js";

const [file, ...rest] = process.argv.slice(2);
if (!file) { console.error("usage: node scripts/ort-eval.mjs MODEL.onnx [--data-dir DIR]"); process.exit(2); }
const dataDir = rest[0] === "--data-dir" ? rest[1] : undefined;
ort.env.wasm.numThreads = 1;
const bytes = new Uint8Array(readFileSync(file));
const meta = decodeOnnxModel(bytes, file).metadata;
if (!meta["shrinkwasm.normalize"]) { console.error(`${file}: no shrinkwasm.normalize in metadata_props`); process.exit(2); }
const norm = JSON.parse(meta["shrinkwasm.normalize"]);
const data = await loadDataset({ dataset: meta["shrinkwasm.dataset"], dataDir });
const t = data.test;
const c = t.channels, hw = t.height * t.width;
const session = await ort.InferenceSession.create(bytes);
let correct = 0;
const batch = 500;
for (let i = 0; i < t.count; i += batch) {
  const n = Math.min(batch, t.count - i);
  const x = new Float32Array(n * c * hw);
  for (let j = 0; j < x.length; j++) {
    const ch = Math.floor(j / hw) % c;
    x[j] = (t.images[i * c * hw + j] * norm.scale - norm.mean[ch]) / norm.std[ch];
  }
  const out = (await session.run({ input: new ort.Tensor("float32", x, [n, c, t.height, t.width]) })).logits;
  const k = out.dims[1];
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (out.data[r * k + j] > out.data[r * k + best]) best = j;
    if (best === t.labels[i + r]) correct++;
  }
}
console.log(JSON.stringify({ model: file, runtime: `onnxruntime-web ${ort.env.versions.web}`, testAccuracy: correct / t.count, correct, samples: t.count }));
