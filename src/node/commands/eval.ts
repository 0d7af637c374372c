// shrink eval MODEL: test loss and accuracy of a saved model (shrink's
// .safetensors, a PyTorch state_dict with --arch, or an .onnx file).
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { loadDataset } from "../index.js";
import { DATASET_NAMES, type DatasetName } from "../../data/catalog.js";
import { modelFromTensors } from "../../io/model-file.js";
import { readModelInput } from "../model-input.js";
import { defaultEvalBatch } from "../../nn/models.js";
import { WasmDataset, Batcher } from "../../data/batcher.js";
import { evaluate } from "../../train/evaluate.js";
import { modelStats } from "../../nn/summary.js";
import { ShrinkError } from "../../engine/errors.js";
import { Progress } from "../progress.js";
import { printLayerTable, printFiringRates, firingNote } from "../report.js";

export const OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  arch: { type: "string", arg: "FILE", help: "The model's architecture (.json or .onnx), for a plain PyTorch state_dict without shrink's metadata" },
  dataset: { type: "enum", values: DATASET_NAMES, help: "Dataset (as for shrink train: inferred from --data-dir, else fashion-mnist)" },
  "data-dir": { type: "string", arg: "DIR", help: "Dataset directory (as for shrink train)" },
  batch: { type: "int", arg: "N", help: "Evaluation batch size (default 1000 for linear and mlp, 500 for cnn, 100 for resnet18 and mobilenet-v1, about 256 MB of activations for other models)" },
  json: { type: "bool", help: "Print a JSON summary as the last line of stdout" },
  quiet: { type: "bool", help: "No progress output" },
};

export const EVAL_HELP = helpText("Usage: shrink eval MODEL.safetensors|MODEL.onnx [options]", "Evaluate a saved model on a dataset's test set (Fashion-MNIST by default).", OPTIONS);

export async function evalCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "eval");
  if (p.help) return void process.stdout.write(EVAL_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL.safetensors argument (see shrink eval --help)");
  const given = p.opts.batch as number | undefined;
  if (given !== undefined && (given < 1 || given > 65536)) throw new ShrinkError("E_ARG", `--batch: ${given} is not allowed (an integer from 1 to 65536)`);
  const e = await engineFor(p);
  const input = await readModelInput(e, file, p.opts.arch as string | undefined);
  const progress = new Progress(Boolean(p.opts.quiet));
  const data = await loadDataset({ dataset: p.opts.dataset as DatasetName | undefined, dataDir: p.opts.dataDir as string | undefined });
  const spec = input.spec;
  const batch = given ?? defaultEvalBatch(spec);
  const model = modelFromTensors(e, spec, input.tensors, file, batch, { inference: true });
  progress.line(`data: ${data.source} (${data.dir}): ${data.test.count} test images (${data.name}, ${data.test.channels}×${data.test.height}×${data.test.width})`);
  const t = data.test;
  const ds = new WasmDataset(e, t.images, t.labels, t.channels * t.height * t.width, t.numClasses, { channels: t.channels, height: t.height, width: t.width });
  const b = new Batcher(e, ds, batch, { norm: data.norm });
  const scratch = e.alloc(1, "i32");
  try {
    if (spec.inputs !== ds.rowLen) throw new ShrinkError("E_MODEL_FILE", `${file}: model takes ${spec.inputs} inputs but the data has ${ds.rowLen} pixels per image`);
    if (spec.classes !== t.numClasses) throw new ShrinkError("E_MODEL_FILE", `${file}: model gives ${spec.classes} class scores but the data has ${t.numClasses} classes`);
    const r = evaluate(e, model, b, 0, scratch);
    const stats = modelStats(e, model);
    const out = { model: file, arch: spec.arch, testAccuracy: r.accuracy, testLoss: r.loss, samples: r.samples, params: stats.params, nonzero: stats.nonzero, sparsity: stats.sparsity, layers: stats.layers,
      ...(r.firing ? { firingRate: r.firing.rate, firingRates: r.firing.layers } : {}) };
    if (p.opts.json) process.stdout.write(JSON.stringify(out) + "\n");
    else {
      printLayerTable(stats, progress);
      const fr = r.firing ? { firingRate: r.firing.rate, firingRates: r.firing.layers } : {};
      printFiringRates(fr, progress);
      process.stdout.write(`test accuracy ${r.accuracy.toFixed(4)}  test loss ${r.loss.toFixed(4)}${firingNote(fr)}  (${r.samples} images)\n`);
    }
  } finally {
    e.free(scratch);
    b.free();
    ds.free();
    model.free();
  }
}
