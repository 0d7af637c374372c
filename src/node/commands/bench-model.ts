// shrink bench MODEL: a model's inference latency dense against as-chosen
// (sparse where its density is below the break-even), per layer and in total,
// at each --batch, and its file sizes dense, sparse and sparse with f16 values.
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { ShrinkError } from "../../engine/errors.js";
import { modelFromTensors, encodeModel } from "../../io/model-file.js";
import { InferenceSession } from "../../infer/session.js";
import { readModelInput } from "../model-input.js";
import { choiceTable } from "./infer.js";
import { bestSeconds } from "../timing.js";

export const OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  batch: { type: "string", arg: "LIST", default: "1,64", help: "Comma-separated batch sizes" },
  arch: { type: "string", arg: "FILE", help: "The model's architecture (.json or .onnx), for a plain PyTorch state_dict" },
  json: { type: "bool", help: "Print a JSON object instead of tables" },
};

export const BENCH_HELP = helpText("Usage: shrink bench MODEL [options]",
  "Latency of the model dense and as the inference session runs it (sparse layers where they pay), per layer and in total, and its file sizes.", OPTIONS);

/** Per top-level layer: seconds of its forward pass on the activations the model actually feeds it. */
function perLayer(s: InferenceSession, rows: number): { name: string; seconds: number }[] {
  let x = s.inputPtr;
  return s.net.layers.map((l) => {
    const input = x;
    x = l.forward(input, rows);
    return { name: l.name || "(layer)", seconds: bestSeconds(() => l.forward(input, rows), 0.02, 5) };
  });
}

export async function benchCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "bench");
  if (p.help) return void process.stdout.write(BENCH_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL argument (see shrink bench --help)");
  const batches = String(p.opts.batch).split(",").map((s) => Number(s.trim()));
  if (!batches.every((b) => Number.isInteger(b) && b >= 1 && b <= 4096)) throw new ShrinkError("E_ARG", `--batch: ${p.opts.batch} is not allowed (comma-separated integers from 1 to 4096)`);
  const e = await engineFor(p);
  const input = await readModelInput(e, file, p.opts.arch as string | undefined);
  const model = modelFromTensors(e, input.spec, input.tensors, file, 1, { inference: true });
  const sizes = {
    dense: encodeModel(model, input.spec).length,
    sparse: encodeModel(model, input.spec, {}, { sparse: {} }).length,
    sparseF16: encodeModel(model, input.spec, {}, { sparse: { values: "f16" } }).length,
  };
  const maxBatch = Math.max(...batches);
  const dense = InferenceSession.create(e, model, input.spec, { maxBatch, mode: "dense" });
  const chosen = InferenceSession.create(e, model, input.spec, { maxBatch });
  model.free();
  try {
    const results = batches.map((rows) => {
      const x = Float32Array.from({ length: rows * input.spec.inputs }, (_, i) => Math.sin(0.37 * i));
      e.f32(dense.inputPtr, x.length).set(x);
      e.f32(chosen.inputPtr, x.length).set(x);
      const denseS = bestSeconds(() => dense.run(rows), 0.02, 7), chosenS = bestSeconds(() => chosen.run(rows), 0.02, 7);
      const dl = perLayer(dense, rows), cl = perLayer(chosen, rows);
      return {
        batch: rows, denseMs: denseS * 1e3, chosenMs: chosenS * 1e3, speedup: denseS / chosenS,
        layers: dl.map((d, i) => ({ name: d.name, denseMs: d.seconds * 1e3, chosenMs: cl[i].seconds * 1e3 })),
      };
    });
    const out = { model: file, sizes, choices: chosen.layers, results };
    if (p.opts.json) return void process.stdout.write(JSON.stringify(out) + "\n");
    process.stdout.write(choiceTable(chosen.layers));
    process.stdout.write(`file sizes: dense ${sizes.dense} B, sparse ${sizes.sparse} B (${(100 * sizes.sparse / sizes.dense).toFixed(1)}%), sparse f16 ${sizes.sparseF16} B (${(100 * sizes.sparseF16 / sizes.dense).toFixed(1)}%)\n`);
    for (const r of results) {
      process.stdout.write(`\nbatch ${r.batch}: dense ${r.denseMs.toFixed(4)} ms, as chosen ${r.chosenMs.toFixed(4)} ms (${r.speedup.toFixed(2)}×)\n`);
      const w = Math.max(5, ...r.layers.map((l) => l.name.length));
      process.stdout.write(`  ${"layer".padEnd(w)}  dense ms  chosen ms\n`);
      for (const l of r.layers) process.stdout.write(`  ${l.name.padEnd(w)}  ${l.denseMs.toFixed(4).padStart(8)}  ${l.chosenMs.toFixed(4).padStart(9)}\n`);
    }
  } finally {
    dense.free();
    chosen.free();
  }
}
