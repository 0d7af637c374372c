// Models as safetensors: tensors named as PyTorch's state_dict names them
// (fc1.weight, features.1.running_mean, ...), F32 in C order, batch-norm
// counters (num_batches_tracked) as I64 scalars like PyTorch, plus metadata:
//   format: "shrinkwasm/1", arch, spec (JSON: input [c, h, w], inputs, classes, hidden, width),
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
  const tensors = [
    ...model.params().map((p) => ({ name: p.name, dtype: "F32" as const, shape: [...p.value.shape], data: p.value.toArray() })),
    ...model.buffers().map((b) => b.value.dtype === "i32"
      ? { name: b.name, dtype: "I64" as const, shape: [...b.value.shape], data: BigInt64Array.from(b.value.engine.i32(b.value.ptr, b.value.size), (v) => BigInt(v)) }
      : { name: b.name, dtype: "F32" as const, shape: [...b.value.shape], data: b.value.toArray() }),
  ];
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    arch: spec.arch,
    spec: JSON.stringify({ input: spec.input, inputs: spec.inputs, classes: spec.classes, hidden: spec.hidden, width: spec.width }),
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
/** maxRows: the batch the model is built for, or a function of its spec (eval picks by architecture). */
export function decodeModel(e: Engine, bytes: Uint8Array, name: string, maxRows: number | ((spec: ModelSpec) => number), o: { inference?: boolean } = {}): LoadedModel {
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  const arch = metadata.arch;
  if (!arch) throw new ShrinkError("E_MODEL_FILE", `${name}: no "arch" in the safetensors metadata (not a model saved by shrink)`);
  let dims: { input?: [number, number, number]; inputs?: number; classes?: number; width?: number } = {};
  if (metadata.spec) {
    try {
      dims = JSON.parse(metadata.spec);
    } catch {
      throw new ShrinkError("E_MODEL_FILE", `${name}: metadata "spec" is not valid JSON`);
    }
  }
  let spec: ModelSpec;
  try {
    spec = modelSpec(arch, dims.input ?? dims.inputs ?? 784, dims.classes ?? 10, { width: dims.width });
  } catch (err) {
    if (!(MODEL_NAMES as readonly string[]).includes(arch)) {
      throw new ShrinkError("E_MODEL_FILE", `${name}: unknown architecture "${arch}" in the metadata (this version reads: ${MODEL_NAMES.join(", ")})`);
    }
    throw new ShrinkError("E_MODEL_FILE", `${name}: bad model spec in the metadata (${(err as Error).message})`);
  }
  const rng = new Rng(e, 0);
  const model = buildModel(e, spec, typeof maxRows === "number" ? maxRows : maxRows(spec), rng, o);
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
    for (const b of model.buffers()) {
      const t = tensors.get(b.name);
      // Counters are optional (PyTorch files saved without them still load); statistics are not.
      if (!t) {
        if (b.value.dtype === "i32") continue;
        throw new ShrinkError("E_MODEL_FILE", `${name}: buffer "${b.name}" is missing`);
      }
      if (t.shape.join(",") !== b.value.shape.join(",")) {
        throw new ShrinkError("E_MODEL_FILE", `${name}: buffer "${b.name}" has shape [${t.shape.join(", ")}], expected [${b.value.shape.join(", ")}]`);
      }
      if (b.value.dtype === "i32") {
        if (t.dtype !== "I64" && t.dtype !== "I32") throw new ShrinkError("E_MODEL_FILE", `${name}: buffer "${b.name}" is ${t.dtype}, expected I64`);
        b.value.set(Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)));
      } else {
        if (t.dtype !== "F32") throw new ShrinkError("E_MODEL_FILE", `${name}: buffer "${b.name}" is ${t.dtype}, expected F32`);
        b.value.set(t.data as Float32Array);
        if (e.k.has_non_finite(b.value.ptr, b.value.size)) throw new ShrinkError("E_MODEL_FILE", `${name}: buffer "${b.name}" holds NaN or Inf`);
      }
    }
  } catch (err) {
    model.free();
    throw err;
  }
  return { model, spec, metadata };
}
