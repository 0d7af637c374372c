// Loading a state_dict into a built model, as torch's load_state_dict(strict=True):
// every parameter and buffer the model has must be in the file with its shape
// (num_batches_tracked may be absent), and nothing else may be; all mismatches
// are listed in one error. Floats may be F32, F16 or BF16 (widened exactly on
// read), counters I64 or I32. Shapes are checked against the plan before the
// model is built (checkStateDict) and the values after (finite only).
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";
import { planTensors, type LayerPlan } from "../nn/plan.js";
import type { Sequential } from "../nn/sequential.js";
import type { DecodedTensor } from "./safetensors.js";

const FLOAT = new Set(["F32", "F16", "BF16"]);
const INT = new Set(["I64", "I32"]);

/** Lists every missing, unexpected, mis-shaped or mis-typed tensor; throws E_STATE_DICT if any. */
export function checkStateDict(plan: LayerPlan[], tensors: Map<string, Pick<DecodedTensor, "dtype" | "shape">>, source: string): void {
  const want = planTensors(plan);
  const missing: string[] = [], shapes: string[] = [], dtypes: string[] = [];
  const known = new Set<string>();
  for (const w of want) {
    known.add(w.name);
    const t = tensors.get(w.name);
    if (!t) {
      if (!w.name.endsWith(".num_batches_tracked")) missing.push(w.name);
      continue;
    }
    if (t.shape.join(",") !== w.shape.join(",")) shapes.push(`${w.name} is [${t.shape.join(", ")}], the model needs [${w.shape.join(", ")}]`);
    const counter = w.name.endsWith(".num_batches_tracked");
    if (!(counter ? INT : FLOAT).has(t.dtype)) dtypes.push(`${w.name} is ${t.dtype}, the model needs ${counter ? "I64 or I32" : "F32, F16 or BF16"}`);
  }
  const unexpected = [...tensors.keys()].filter((k) => !known.has(k));
  if (!missing.length && !unexpected.length && !shapes.length && !dtypes.length) return;
  const parts: string[] = [];
  const list = (xs: string[]) => xs.length > 20 ? `${xs.slice(0, 20).join(", ")}, … (${xs.length} in all)` : xs.join(", ");
  if (missing.length) parts.push(`missing: ${list(missing)}`);
  if (unexpected.length) parts.push(`unexpected: ${list(unexpected)}`);
  if (shapes.length) parts.push(`size mismatch: ${list(shapes)}`);
  if (dtypes.length) parts.push(`dtype mismatch: ${list(dtypes)}`);
  throw new ShrinkError("E_STATE_DICT", `${source}: the tensors do not match the architecture (${parts.join("; ")})`);
}

/** Copies the (checked) tensors into the model's parameters and buffers; refuses NaN and Inf. */
export function loadStateDict(e: Engine, model: Sequential, tensors: Map<string, DecodedTensor>, source: string): void {
  for (const p of model.params()) {
    const t = tensors.get(p.name)!;
    p.value.set(t.data as Float32Array);
    if (e.k.has_non_finite(p.value.ptr, p.value.size)) throw new ShrinkError("E_STATE_DICT", `${source}: tensor "${p.name}" holds NaN or Inf`);
  }
  for (const b of model.buffers()) {
    const t = tensors.get(b.name);
    if (!t) continue; // a counter PyTorch files may lack
    if (b.value.dtype === "i32") {
      b.value.set(Array.from(t.data as ArrayLike<number | bigint>, (v) => Math.min(0x7fffffff, Math.max(0, Number(v)))));
    } else {
      b.value.set(t.data as Float32Array);
      if (e.k.has_non_finite(b.value.ptr, b.value.size)) throw new ShrinkError("E_STATE_DICT", `${source}: buffer "${b.name}" holds NaN or Inf`);
    }
  }
}
