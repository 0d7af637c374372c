// shrink eval MODEL.safetensors: test loss and accuracy of a saved model.
import { readFile } from "node:fs/promises";
import { parseArgs, helpText, type OptSpecs } from "../args";
import { loadEngine, loadFashionMnist } from "../index";
import { decodeModel } from "../../io/model-file";
import { WasmDataset, Batcher } from "../../data/dataset";
import { evaluate } from "../../train/evaluate";
import { modelStats } from "../../nn/summary";
import { ShrinkError } from "../../io/errors";
import { Progress } from "../progress";
import { printLayerTable } from "../report";

const OPTIONS: OptSpecs = {
  "data-dir": { type: "string", arg: "DIR", help: "Fashion-MNIST IDX directory (as for shrink train)" },
  batch: { type: "int", arg: "N", default: 1000, help: "Evaluation batch size" },
  json: { type: "bool", help: "Print a JSON summary as the last line of stdout" },
  quiet: { type: "bool", help: "No progress output" },
};

export const EVAL_HELP = helpText("Usage: shrink eval MODEL.safetensors [options]", "Evaluate a saved model on the Fashion-MNIST test set.", OPTIONS);

export async function evalCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "eval");
  if (p.help) return void process.stdout.write(EVAL_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL.safetensors argument (see shrink eval --help)");
  const batch = p.opts.batch as number;
  if (batch < 1 || batch > 65536) throw new ShrinkError("E_ARG", `--batch: ${batch} is not allowed (an integer from 1 to 65536)`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new ShrinkError("E_FILE", `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const progress = new Progress(Boolean(p.opts.quiet));
  const data = await loadFashionMnist(p.opts.dataDir as string | undefined);
  const e = await loadEngine();
  const { model, spec } = decodeModel(e, bytes, file, batch);
  const ds = new WasmDataset(e, data.test.images, data.test.labels, data.test.height * data.test.width, data.test.numClasses);
  const b = new Batcher(e, ds, batch);
  const scratch = e.alloc(1, "i32");
  try {
    if (spec.inputs !== ds.rowLen) throw new ShrinkError("E_MODEL_FILE", `${file}: model takes ${spec.inputs} inputs but the data has ${ds.rowLen} pixels per image`);
    const r = evaluate(e, model, b, 0, scratch);
    const stats = modelStats(e, model);
    const out = { model: file, arch: spec.arch, testAccuracy: r.accuracy, testLoss: r.loss, samples: r.samples, params: stats.params, nonzero: stats.nonzero, sparsity: stats.sparsity, layers: stats.layers };
    if (p.opts.json) process.stdout.write(JSON.stringify(out) + "\n");
    else {
      printLayerTable(stats, progress);
      process.stdout.write(`test accuracy ${r.accuracy.toFixed(4)}  test loss ${r.loss.toFixed(4)}  (${r.samples} images)\n`);
    }
  } finally {
    e.free(scratch);
    b.free();
    ds.free();
    model.free();
  }
}
