// shrink slim MODEL --out FILE: removes dead output channels (zero weights,
// zero bias, exact zero after batch norm and activation) with their batch-norm
// entries and the next layer's input channels, giving a smaller dense model
// with the same outputs; reports channels, parameters, latency and the largest
// output difference on a probe batch.
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { ShrinkError } from "../../engine/errors.js";
import { modelFromTensors, encodeModel } from "../../io/model-file.js";
import { InferenceSession } from "../../infer/session.js";
import { slimModel } from "../../infer/slim.js";
import { writeFileAtomic } from "../atomic-write.js";
import { checkOutputs } from "../output-paths.js";
import { readModelInput } from "../model-input.js";
import { bestSeconds } from "../timing.js";

export const OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  out: { type: "string", arg: "FILE", help: "Where to write the slimmed model (.safetensors; required)" },
  arch: { type: "string", arg: "FILE", help: "The model's architecture (.json or .onnx), for a plain PyTorch state_dict" },
  json: { type: "bool", help: "Print a JSON object instead of the table" },
};

export const SLIM_HELP = helpText("Usage: shrink slim MODEL --out FILE [options]",
  "Remove dead output channels (after channel pruning: --scope channel) with their batch-norm entries and the next layer's inputs: a smaller dense model with the same outputs.", OPTIONS);

export async function slimCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, OPTIONS, "slim");
  if (p.help) return void process.stdout.write(SLIM_HELP);
  const file = p.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL argument (see shrink slim --help)");
  const out = p.opts.out as string | undefined;
  if (!out) throw new ShrinkError("E_ARG", "--out: missing (the file to write)");
  checkOutputs({ out });
  const e = await engineFor(p);
  const input = await readModelInput(e, file, p.opts.arch as string | undefined);
  const slim = slimModel(e, input.spec, input.tensors);
  const before = modelFromTensors(e, input.spec, input.tensors, file, 64, { inference: true });
  const after = modelFromTensors(e, slim.spec, slim.tensors, "slimmed", 64, { inference: true });
  const sb = InferenceSession.create(e, before, input.spec, { maxBatch: 64, mode: "dense" });
  const sa = InferenceSession.create(e, after, slim.spec, { maxBatch: 64, mode: "dense" });
  try {
    const rows = 64;
    const x = Float32Array.from({ length: rows * input.spec.inputs }, (_, i) => Math.sin(0.37 * i));
    const yb = sb.predict(x, rows), ya = sa.predict(x, rows);
    let d = 0, scale = 0;
    for (let i = 0; i < yb.length; i++) { d = Math.max(d, Math.abs(yb[i] - ya[i])); scale = Math.max(scale, Math.abs(yb[i])); }
    const latency = [1, 64].map((n) => {
      e.f32(sb.inputPtr, n * input.spec.inputs).set(x.subarray(0, n * input.spec.inputs));
      e.f32(sa.inputPtr, n * input.spec.inputs).set(x.subarray(0, n * input.spec.inputs));
      return { batch: n, beforeMs: bestSeconds(() => sb.run(n), 0.02, 7) * 1e3, afterMs: bestSeconds(() => sa.run(n), 0.02, 7) * 1e3 };
    });
    const bytes = encodeModel(after, slim.spec, {
      ...(input.metadata.training ? { training: input.metadata.training } : {}),
      slimmed: { from: file, layers: slim.layers, paramsBefore: slim.paramsBefore, paramsAfter: slim.paramsAfter },
    });
    await writeFileAtomic(out, bytes);
    const result = { model: file, out, layers: slim.layers, paramsBefore: slim.paramsBefore, paramsAfter: slim.paramsAfter, maxRelDiff: d / scale, latency };
    if (p.opts.json) return void process.stdout.write(JSON.stringify(result) + "\n");
    const w = Math.max(5, ...slim.layers.map((l) => l.layer.length));
    process.stdout.write(`${"layer".padEnd(w)}  channels\n`);
    for (const l of slim.layers) process.stdout.write(`${`${l.layer.padEnd(w)}  ${String(l.channels).padStart(4)} → ${String(l.channels - l.removed).padEnd(4)}${l.kept ? `  (${l.kept})` : ""}`.trimEnd()}\n`);
    process.stdout.write(`parameters ${slim.paramsBefore} → ${slim.paramsAfter} (${(100 * (1 - slim.paramsAfter / slim.paramsBefore)).toFixed(1)}% fewer); outputs agree to ${(d / scale).toExponential(1)} of the largest\n`);
    for (const l of latency) process.stdout.write(`batch ${l.batch}: ${l.beforeMs.toFixed(4)} ms → ${l.afterMs.toFixed(4)} ms (${(l.beforeMs / l.afterMs).toFixed(2)}×)\n`);
    process.stdout.write(`saved ${out}\n`);
  } finally {
    sb.free();
    sa.free();
    before.free();
    after.free();
  }
}
