// shrink inspect MODEL.safetensors: per tensor and overall — shape, parameters,
// nonzeros, sparsity, and the sparsity indices two ways (docs/pqi.md):
//   "as is"      the PQ Index and Gini of the tensor as it is, zeros included
//                (Eq. 1 on the whole vector, d = its size: the paper's definition
//                of a vector's sparsity);
//   "remaining"  over the nonzero entries only (what SAP measures on the
//                weights that remain after pruning), with the PQI-bound r of
//                Eq. 4 (η_r = 0) on those d remaining entries.
// Works on any safetensors file of F32, F16 or BF16 tensors (F16/BF16 read as
// f32) and on ONNX files (their initializers, under the layers' names); with
// --arch, the tensors are first checked against the architecture.
import { parseArgs, helpText, type OptSpecs } from "../args.js";
import { THREADS_OPTION, engineFor } from "../threads-option.js";
import { decodeModelTensors } from "../../io/model-file.js";
import { checkStateDict } from "../../io/state-dict.js";
import { modelPlan } from "../../nn/models.js";
import { readBytes, readModelInput, isOnnx } from "../model-input.js";
import { ShrinkError } from "../../engine/errors.js";
import { Tensor } from "../../engine/tensor.js";
import type { Param } from "../../nn/layer.js";
import { groupPqi, groupGini } from "../../prune/measures/group.js";
import { pqiBound } from "../../prune/measures/pq-index.js";
import { scopeGroups, nonzeroMasks } from "../../prune/scopes.js";
import { checkPQ } from "../../prune/measures/vector.js";
import { parsePattern, satisfiesPattern } from "../../prune/pattern.js";

export const OPTIONS: OptSpecs = {
  ...THREADS_OPTION,
  arch: { type: "string", arg: "FILE", help: "Check the tensors against this architecture (.json or .onnx) first" },
  p: { type: "number", arg: "X", default: 0.5, help: "PQ Index p (0 < p ≤ 1)" },
  q: { type: "number", arg: "X", default: 1, help: "PQ Index q (q ≥ 1, q > p)" },
  pattern: { type: "string", arg: "N:M", default: "2:4", help: "Report whether each weight satisfies this N:M pattern (groups along the input dimension)" },
  json: { type: "bool", help: "Print a JSON object instead of the table" },
};

export const INSPECT_HELP = helpText("Usage: shrink inspect MODEL.safetensors|MODEL.onnx [options]",
  "Sparsity report of every F32/F16/BF16 tensor: parameters, nonzeros, sparsity; PQ Index and Gini of the tensor as it is\n" +
  "(zeros included) and over the remaining (nonzero) entries, with the PQI-bound r (Eq. 4, η_r = 0) on those.", OPTIONS);

const fmt = (x: number | null) => (x === null ? "n/a" : x.toFixed(4));

export async function inspectCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, OPTIONS, "inspect");
  if (a.help) return void process.stdout.write(INSPECT_HELP);
  const file = a.positional[0];
  if (!file) throw new ShrinkError("E_ARG", "missing MODEL.safetensors argument (see shrink inspect --help)");
  const p = a.opts.p as number, q = a.opts.q as number;
  checkPQ(p, q);
  const pat = parsePattern(a.opts.pattern as string);
  const arch = a.opts.arch as string | undefined;
  const e = await engineFor(a);
  // An ONNX file or an --arch is read as a model (and checked against it); anything else as raw tensors.
  const readModel = async () => {
    const m = await readModelInput(e, file, arch);
    checkStateDict(modelPlan(m.spec), m.tensors, file);
    return m;
  };
  const { tensors, metadata } = isOnnx(file) || arch ? await readModel() : decodeModelTensors(e, await readBytes(file), file);
  const params: Param[] = [];
  const skipped: string[] = [];
  for (const [name, t] of tensors) {
    if (t.dtype !== "F32" && t.dtype !== "F16" && t.dtype !== "BF16") { skipped.push(`${name} (${t.dtype})`); continue; }
    // Batch-norm statistics are state, not parameters.
    if (/\.running_(mean|var)$/.test(name)) continue;
    const value = new Tensor(e, t.shape.length ? t.shape : [1]).set(t.data);
    // Conv and linear weights have ≥ 2 dimensions; a 1-D ".weight" is a batch-norm scale.
    const kind = !name.endsWith(".weight") ? "bias" : t.shape.length >= 2 ? "weight" : "norm";
    params.push({ name, value, grad: value, kind });
  }
  if (params.length === 0) throw new ShrinkError("E_MODEL_FILE", `${file}: no F32 tensors to inspect${skipped.length ? ` (found ${skipped.join(", ")})` : ""}`);
  const masks = nonzeroMasks(e, params);
  try {
    const row = (g: ReturnType<typeof scopeGroups>[number], shape: number[] | null) => {
      const nonzero = g.segments.reduce((s, seg) => s + e.k.mask_count(masks.get(seg.param)! + seg.offset, seg.length), 0);
      const pqiRemaining = groupPqi(e, g, masks, p, q);
      return {
        name: g.name, shape, params: g.size, nonzero, sparsity: g.size === 0 ? 0 : 1 - nonzero / g.size,
        pqi: groupPqi(e, g, null, p, q), gini: groupGini(e, g, null),
        remaining: { pqi: pqiRemaining, gini: groupGini(e, g, masks), r: pqiRemaining === null ? null : pqiBound(e, nonzero, pqiRemaining, p, q, 0) },
      };
    };
    const patternName = `${pat.n}:${pat.m}`;
    // Only conv and linear weights carry a pattern; null where the pattern cannot tile the tensor.
    const rows = scopeGroups(params, "layer").map((g, i) => ({ ...row(g, params[i].value.shape.slice()),
      pattern: params[i].kind === "weight" ? satisfiesPattern(e, params[i], pat) : null }));
    const overall = { ...row(scopeGroups(params, "global")[0], null), name: "overall", pattern: null as boolean | null };
    const firing = savedFiring(metadata);
    if (a.opts.json) {
      process.stdout.write(JSON.stringify({ file, p, q, pattern: patternName, tensors: rows, overall, skipped, metadata: { arch: metadata.arch, format: metadata.format }, ...(firing ? { firing } : {}),
        definitions: { pqi: "PQ Index of the tensor as it is (zeros included, d = params)", gini: "Gini index as it is", remaining: "over the nonzero entries (d = nonzero): pqi, gini, and the PQI-bound r of Eq. 4 with eta_r = 0" } }) + "\n");
      return;
    }
    const table = [["tensor", "shape", "params", "nonzero", "sparsity", `PQI(${p},${q})`, "Gini", "PQI rem.", "Gini rem.", "bound r", patternName],
      ...[...rows, overall].map((r) => [r.name, r.shape ? r.shape.join("×") : "", String(r.params), String(r.nonzero), `${(100 * r.sparsity).toFixed(2)}%`,
        fmt(r.pqi), fmt(r.gini), fmt(r.remaining.pqi), fmt(r.remaining.gini), r.remaining.r === null ? "n/a" : r.remaining.r.toFixed(1),
        r.pattern === null ? "" : r.pattern ? "yes" : "no"])];
    const w = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ").trimEnd();
    const out = [line(table[0]), w.map((x) => "─".repeat(x)).join("  "), ...table.slice(1, -1).map(line), w.map((x) => "─".repeat(x)).join("  "), line(table[table.length - 1])];
    out.push(`PQI, Gini: the tensor as it is (zeros included); rem.: over the nonzero entries; bound r: Eq. 4 (η_r = 0) on those; ${patternName}: at most ${pat.n} nonzeros in every ${pat.m} consecutive input weights`);
    if (skipped.length) out.push(`skipped (not F32/F16/BF16): ${skipped.join(", ")}`);
    if (firing) out.push(`firing rate on the test set when saved: ${firing.rate.toFixed(4)} (${firing.layers.map((l) => `${l.name} ${l.rate.toFixed(4)}`).join(", ")}); shrink eval measures it again`);
    if (rows.some((r) => r.remaining.pqi === null)) out.push("n/a: the index is undefined where no nonzero entry remains");
    process.stdout.write(out.join("\n") + "\n");
  } finally {
    for (const m of masks.values()) e.free(m);
    for (const prm of params) prm.value.free();
  }
}

/** A spiking model's firing rates as its file's metrics recorded them (test set, at save time), or null. */
function savedFiring(metadata: Record<string, string>): { rate: number; layers: { name: string; rate: number }[] } | null {
  try {
    const m = JSON.parse(metadata.metrics ?? "null") as { firingRate?: unknown; firingRates?: unknown } | null;
    if (!m || typeof m.firingRate !== "number" || !Array.isArray(m.firingRates)) return null;
    const layers = m.firingRates.filter((l): l is { name: string; rate: number } => typeof l?.name === "string" && typeof l?.rate === "number");
    return { rate: m.firingRate, layers };
  } catch {
    return null; // metrics are informative only; a file without them is still a model
  }
}
