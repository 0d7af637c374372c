// shrink export MODEL --format onnx|safetensors|sparse --out FILE: a model in a
// standard format. ONNX (opset 13) for onnxruntime, PyTorch's onnx tooling and
// TF.js converters, with the input normalisation in metadata_props; or
// shrink's safetensors (e.g. from an ONNX file, to prune with shrink later).
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { ShrinkError } from "../../engine/errors.js";
import { DATASET_NAMES, DATASETS, type DatasetName } from "../../data/catalog.js";
import { modelFromTensors, encodeModel } from "../../io/model-file.js";
import { exportOnnx, normalisationProps } from "../../io/onnx/export.js";
import { writeFileAtomic } from "../atomic-write.js";
import { checkOutputs } from "../output-paths.js";
import { readModelInput } from "../model-input.js";
import { trainedOn } from "./infer.js";

export const OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  format: { type: "enum", values: ["onnx", "safetensors", "sparse"], default: "onnx", help: "Output format: ONNX, shrink's safetensors, or a sparse safetensors file (nonzero values + bitmask or delta-coded positions)" },
  values: { type: "enum", values: ["f32", "f16"], default: "f32", help: "sparse: the nonzero values as f32 (lossless) or f16 (lossy, half the value bytes)" },
  out: { type: "string", arg: "FILE", help: "Output file (required)" },
  "fold-bn": { type: "bool", help: "onnx: fold each batch norm that follows a conv into the conv (fewer nodes; floats differ in the last bits)" },
  arch: { type: "string", arg: "FILE", help: "The model's architecture (.json or .onnx), for a plain PyTorch state_dict" },
  dataset: { type: "enum", values: DATASET_NAMES, help: "Dataset whose input normalisation to record (default: the one the model was trained on)" },
  quiet: { type: "bool", help: "No progress output" },
};

export const EXPORT_HELP = helpText("Usage: shrink export MODEL.safetensors|MODEL.onnx --out FILE [options]",
  "Write a model as ONNX (opset 13; inputs normalised as recorded in its metadata_props) or as shrink's safetensors.", OPTIONS);

export async function exportCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "export");
  if (p.help) return void process.stdout.write(EXPORT_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL argument (see shrink export --help)");
  if (p.positional.length > 1) throw new ShrinkError("E_ARG", `unexpected argument "${p.positional[1]}" (see shrink export --help)`);
  const o = p.opts;
  const out = o.out as string | undefined;
  if (!out) throw new ShrinkError("E_ARG", "--out: missing (the file to write)");
  if (o.foldBn && o.format !== "onnx") throw new ShrinkError("E_ARG", "--fold-bn: applies to --format onnx only");
  if (p.given.has("values") && o.format !== "sparse") throw new ShrinkError("E_ARG", "--values: applies to --format sparse only");
  checkOutputs({ out });
  const e = await engineFor(p);
  const input = await readModelInput(e, file, o.arch as string | undefined);
  const model = modelFromTensors(e, input.spec, input.tensors, file, 1, { inference: true });
  try {
    const dataset = (o.dataset as DatasetName | undefined) ?? trainedOn(input.metadata);
    if (dataset && DATASETS[dataset]?.channels !== input.spec.input[0] && input.spec.architecture.input.length === 3) {
      throw new ShrinkError("E_ARG", `--dataset: ${dataset} images have ${DATASETS[dataset].channels} channels but the model takes ${input.spec.input[0]}`);
    }
    const bytes = o.format === "onnx"
      ? exportOnnx(e, model, input.spec, { foldBn: Boolean(o.foldBn), metadata: normalisationProps(dataset) })
      : encodeModel(model, input.spec, { ...(dataset ? { training: { dataset } } : {}), source: file },
        o.format === "sparse" ? { sparse: { values: o.values as "f32" | "f16" } } : {});
    await writeFileAtomic(out, bytes);
    if (!o.quiet) {
      const dense = o.format === "sparse" ? encodeModel(model, input.spec, { ...(dataset ? { training: { dataset } } : {}), source: file }).length : 0;
      process.stderr.write(`saved ${out} (${o.format}, ${bytes.length} bytes${dense ? `, ${(100 * bytes.length / dense).toFixed(1)}% of the dense file's ${dense}` : ""})\n`);
    }
  } finally {
    model.free();
  }
}
