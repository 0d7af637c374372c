// Models as safetensors: tensors named as PyTorch's state_dict names them
// (fc1.weight, fc1.bias, ...), F32, C order, plus string metadata:
//   format: "shrinkwasm/1", arch, spec (JSON: inputs, classes, hidden),
//   and any JSON-encoded entries the caller adds (training config, metrics).
// A PyTorch user loads it with safetensors.torch.load_file + load_state_dict.
import type { Engine } from "../engine/engine";
import { Rng } from "../engine/rng";
import { buildModel, modelSpec, MODEL_NAMES, type ModelSpec } from "../nn/models";
import type { Sequential } from "../nn/sequential";
import { encodeSafetensors, decodeSafetensors } from "./safetensors";
import { ShrinkError } from "./errors";

export const MODEL_FORMAT = "shrinkwasm/1";

export function encodeModel(model: Sequential, spec: ModelSpec, extra: Record<string, unknown> = {}): Uint8Array {
  const tensors = model.params().map((p) => ({
    name: p.name,
    dtype: "F32" as const,
    shape: [...p.value.shape],
    data: p.value.toArray(),
  }));
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    arch: spec.arch,
    spec: JSON.stringify({ inputs: spec.inputs, classes: spec.classes, hidden: spec.hidden }),
  };
  for (const [k, v] of Object.entries(extra)) metadata[k] = typeof v === "string" ? v : JSON.stringify(v);
  return encodeSafetensors(tensors, metadata);
}

export interface LoadedModel {
  model: Sequential;
  spec: ModelSpec;
  metadata: Record<string, string>;
}

/** Rebuilds a model from a safetensors file; every parameter must be present with its shape. */
export function decodeModel(e: Engine, bytes: Uint8Array, name: string, maxRows: number): LoadedModel {
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  const arch = metadata.arch;
  if (!arch) throw new ShrinkError("E_MODEL_FILE", `${name}: no "arch" in the safetensors metadata (not a model saved by shrink)`);
  let dims: { inputs?: number; classes?: number } = {};
  if (metadata.spec) {
    try {
      dims = JSON.parse(metadata.spec);
    } catch {
      throw new ShrinkError("E_MODEL_FILE", `${name}: metadata "spec" is not valid JSON`);
    }
  }
  let spec: ModelSpec;
  try {
    spec = modelSpec(arch, dims.inputs ?? 784, dims.classes ?? 10);
  } catch {
    throw new ShrinkError("E_MODEL_FILE", `${name}: unknown architecture "${arch}" in the metadata (this version reads: ${MODEL_NAMES.join(", ")})`);
  }
  const rng = new Rng(e, 0);
  const model = buildModel(e, spec, maxRows, rng);
  rng.free();
  try {
    for (const p of model.params()) {
      const t = tensors.get(p.name);
      if (!t) throw new ShrinkError("E_MODEL_FILE", `${name}: tensor "${p.name}" is missing (model ${arch} needs ${model.params().map((q) => q.name).join(", ")})`);
      if (t.dtype !== "F32") throw new ShrinkError("E_MODEL_FILE", `${name}: tensor "${p.name}" is ${t.dtype}, expected F32`);
      if (t.shape.join(",") !== p.value.shape.join(",")) {
        throw new ShrinkError("E_MODEL_FILE", `${name}: tensor "${p.name}" has shape [${t.shape.join(", ")}], expected [${p.value.shape.join(", ")}]`);
      }
      p.value.set(t.data);
      if (e.k.has_non_finite(p.value.ptr, p.value.size)) throw new ShrinkError("E_MODEL_FILE", `${name}: tensor "${p.name}" holds NaN or Inf`);
    }
  } catch (err) {
    model.free();
    throw err;
  }
  return { model, spec, metadata };
}
