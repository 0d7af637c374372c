// shrink infer MODEL: predictions through the inference session (BN folded,
// each conv and linear layer dense or sparse by its density): the test set's
// accuracy and latency, or the class of every image of an IDX file (--input).
import { readFile } from "node:fs/promises";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { loadDataset } from "../index.js";
import { ShrinkError } from "../../engine/errors.js";
import { DATASET_NAMES, DATASETS, type DatasetName } from "../../data/catalog.js";
import { loadIdx } from "../../data/idx.js";
import { modelFromTensors } from "../../io/model-file.js";
import { InferenceSession, type InferenceMode, type LayerChoice } from "../../infer/session.js";
import { readModelInput } from "../model-input.js";

export const OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  input: { type: "string", arg: "FILE", help: "An IDX images file (N×H×W, raw or .gz): print each image's class instead of scoring the test set" },
  arch: { type: "string", arg: "FILE", help: "The model's architecture (.json or .onnx), for a plain PyTorch state_dict" },
  mode: { type: "enum", values: ["auto", "dense", "sparse"], default: "auto", help: "Per layer by density (auto), or every conv/linear layer dense or sparse" },
  batch: { type: "int", arg: "N", default: 64, help: "Images per forward pass" },
  dataset: { type: "enum", values: DATASET_NAMES, help: "Whose normalisation and test set (default: the one the model was trained on, else fashion-mnist)" },
  "data-dir": { type: "string", arg: "DIR", help: "Dataset directory (as for shrink train)" },
  json: { type: "bool", help: "Print a JSON object instead of text" },
};

export const INFER_HELP = helpText("Usage: shrink infer MODEL [options]",
  "Run a model (dense or sparse safetensors, or ONNX) through the inference session: test accuracy and latency, or --input's predictions.", OPTIONS);

export function trainedOn(metadata: Record<string, string>): DatasetName | undefined {
  try {
    const d = (JSON.parse(metadata.training ?? "{}") as { dataset?: unknown }).dataset ?? metadata["shrinkwasm.dataset"];
    return typeof d === "string" && (DATASET_NAMES as readonly string[]).includes(d) ? d as DatasetName : undefined;
  } catch {
    return undefined;
  }
}

export function choiceTable(layers: LayerChoice[]): string {
  const rows = [["layer", "op", "params", "nonzero", "density", "path", "folded BN"],
    ...layers.map((l) => [l.name, l.op, String(l.params), String(l.nonzero), `${(100 * l.density).toFixed(1)}%`, l.sparseRows ? `sparse ≤ ${l.sparseRows} rows, dense above` : l.path, l.foldedBn ?? ""])];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 || j === 1 || j >= 5 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ").trimEnd()).join("\n") + "\n";
}

export async function inferCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "infer");
  if (p.help) return void process.stdout.write(INFER_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL argument (see shrink infer --help)");
  const o = p.opts;
  const batch = o.batch as number;
  if (batch < 1 || batch > 4096) throw new ShrinkError("E_ARG", `--batch: ${batch} is not allowed (an integer from 1 to 4096)`);
  const e = await engineFor(p);
  const input = await readModelInput(e, file, o.arch as string | undefined);
  const dataset = (o.dataset as DatasetName | undefined) ?? trainedOn(input.metadata) ?? "fashion-mnist";
  const norm = DATASETS[dataset].norm;
  const model = modelFromTensors(e, input.spec, input.tensors, file, 1, { inference: true });
  let session: InferenceSession;
  try {
    session = InferenceSession.create(e, model, input.spec, { maxBatch: batch, mode: o.mode as InferenceMode });
  } finally {
    model.free();
  }
  try {
    const spec = session.spec;
    let images: Uint8Array, count: number, labels: Uint8Array | null = null, shape: number[];
    if (o.input) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(o.input as string));
      } catch (err) {
        throw new ShrinkError("E_FILE", `--input ${o.input}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const idx = await loadIdx(bytes, o.input as string);
      if (idx.dims.length !== 3 || !(idx.data instanceof Uint8Array)) throw new ShrinkError("E_IDX_SHAPE", `--input ${o.input}: must be unsigned-byte images N×H×W, got ${idx.dims.join("×")}`);
      images = idx.data;
      count = idx.dims[0];
      shape = [1, idx.dims[1], idx.dims[2]];
    } else {
      const d = await loadDataset({ dataset, dataDir: o.dataDir as string | undefined });
      images = d.test.images;
      labels = d.test.labels;
      count = d.test.count;
      shape = [d.test.channels, d.test.height, d.test.width];
    }
    const perImage = shape[0] * shape[1] * shape[2];
    if (perImage !== spec.inputs) throw new ShrinkError("E_DATA_SHAPE", `${file}: the model takes ${spec.input.join("×")} inputs but the images are ${shape.join("×")}`);
    const hw = shape[1] * shape[2];
    const x = Float32Array.from(images.subarray(0, count * perImage), (v, i) => {
      const c = Math.floor(i / hw) % shape[0];
      return (v / 255 - norm.mean[c]) / norm.std[c];
    });
    const t0 = performance.now();
    const logits = session.predict(x, count);
    const seconds = (performance.now() - t0) / 1000;
    const k = spec.classes;
    const predictions = Array.from({ length: count }, (_, i) => {
      const row = logits.subarray(i * k, i * k + k);
      return row.indexOf(Math.max(...row));
    });
    const correct = labels ? predictions.filter((c, i) => c === labels![i]).length : null;
    const out = {
      model: file, images: count, batch, mode: o.mode, seconds, msPerImage: (1000 * seconds) / count,
      testAccuracy: correct === null ? undefined : correct / count, layers: session.layers,
      predictions: o.input ? predictions : undefined,
    };
    if (o.json) return void process.stdout.write(JSON.stringify(out) + "\n");
    process.stderr.write(choiceTable(session.layers));
    if (o.input) process.stdout.write(predictions.map((c, i) => `${i} ${c}`).join("\n") + "\n");
    else process.stdout.write(`test accuracy ${(correct! / count).toFixed(4)}  (${count} images, ${out.msPerImage.toFixed(4)} ms/image at batch ${batch})\n`);
  } finally {
    session.free();
  }
}
