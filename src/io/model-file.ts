// Models as safetensors: tensors named as PyTorch's state_dict names them
// (fc1.weight, features.1.running_mean, ...), F32 in C order, batch-norm
// counters (num_batches_tracked) as I64 scalars like PyTorch, plus metadata:
//   format: "shrinkwasm/1", arch (a built-in name or "custom"),
//   architecture (the architecture document, docs/model-format.md), spec (JSON:
//   input [c, h, w], inputs, classes, hidden, width), and any JSON-encoded
//   entries the caller adds (training config, metrics).
// A PyTorch user loads it with safetensors.torch.load_file + load_state_dict.
import type { Engine } from "../engine/engine.js";
import { Rng } from "../engine/rng.js";
import { buildModel, modelSpec, modelPlan, specFromArchitecture, MODEL_NAMES, type ModelSpec, type ModelName } from "../nn/models.js";
import type { Sequential } from "../nn/sequential.js";
import { encodeSafetensors, decodeSafetensors, type DecodedTensor, type TensorInput } from "./safetensors.js";
import { checkStateDict, loadStateDict } from "./state-dict.js";
import { encodeSparseTensor, expandSparseTensors, SPARSE_FORMAT, type SparseEntry, type SparseOptions } from "./sparse-file.js";
import { ShrinkError } from "../engine/errors.js";

export const MODEL_FORMAT = "shrinkwasm/1";

/**
 * o.sparse: write each conv and linear weight sparsely where that is smaller
 * (a sparse file, readable by every command and decodeModel bit for bit;
 * values "f16" is lossy and marked so).
 */
export function encodeModel(model: Sequential, spec: ModelSpec, extra: Record<string, unknown> = {}, o: { sparse?: SparseOptions } = {}): Uint8Array {
  const sparse: Record<string, SparseEntry> = {};
  const tensors: TensorInput[] = [
    ...model.params().flatMap((p): TensorInput[] => {
      const data = p.value.toArray();
      const enc = o.sparse && p.kind === "weight" ? encodeSparseTensor(p.value.engine, p.name, [...p.value.shape], data, o.sparse) : null;
      if (enc) {
        sparse[p.name] = enc.entry;
        return enc.tensors;
      }
      return [{ name: p.name, dtype: "F32", shape: [...p.value.shape], data }];
    }),
    ...model.buffers().map((b) => b.value.dtype === "i32"
      ? { name: b.name, dtype: "I64" as const, shape: [...b.value.shape], data: BigInt64Array.from(b.value.engine.i32(b.value.ptr, b.value.size), (v) => BigInt(v)) }
      : { name: b.name, dtype: "F32" as const, shape: [...b.value.shape], data: b.value.toArray() }),
  ];
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    arch: spec.arch,
    architecture: JSON.stringify(spec.architecture),
    spec: JSON.stringify({ input: spec.input, inputs: spec.inputs, classes: spec.classes, hidden: spec.hidden, width: spec.width }),
  };
  if (o.sparse) {
    metadata.sparse_format = SPARSE_FORMAT;
    metadata.sparse = JSON.stringify(sparse);
    if (o.sparse.values === "f16") metadata.lossy = "sparse values stored as F16 (rounded to nearest even)";
  }
  for (const [k, v] of Object.entries(extra)) metadata[k] = typeof v === "string" ? v : JSON.stringify(v);
  return encodeSafetensors(tensors, metadata);
}

export interface LoadedModel {
  model: Sequential;
  spec: ModelSpec;
  metadata: Record<string, string>;
}

/**
 * Builds a spec's model and loads a state_dict into it, strictly (every
 * mismatch listed in one error, before anything is allocated).
 */
export function modelFromTensors(e: Engine, spec: ModelSpec, tensors: Map<string, DecodedTensor>, source: string, maxRows: number, o: { inference?: boolean } = {}): Sequential {
  checkStateDict(modelPlan(spec), tensors, source);
  const rng = new Rng(e, 0);
  const model = buildModel(e, spec, maxRows, rng, o);
  rng.free();
  try {
    loadStateDict(e, model, tensors, source);
  } catch (err) {
    model.free();
    throw err;
  }
  return model;
}

/** A model file's tensors and metadata, sparse tensors expanded to dense (exact). */
export function decodeModelTensors(e: Engine, bytes: Uint8Array, name: string): { tensors: Map<string, DecodedTensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  return { tensors: expandSparseTensors(e, tensors, metadata, name), metadata };
}

/**
 * Rebuilds a model from a safetensors file. Its architecture comes from the
 * metadata, or from `o.spec` for a plain PyTorch state_dict (--arch).
 * maxRows: the batch the model is built for, or a function of its spec (eval picks by architecture).
 */
export function decodeModel(e: Engine, bytes: Uint8Array, name: string, maxRows: number | ((spec: ModelSpec) => number), o: { inference?: boolean; spec?: ModelSpec } = {}): LoadedModel {
  const { tensors, metadata } = decodeModelTensors(e, bytes, name);
  const spec = o.spec ?? specFromMetadata(metadata, name);
  const model = modelFromTensors(e, spec, tensors, name, typeof maxRows === "number" ? maxRows : maxRows(spec), o);
  return { model, spec, metadata };
}

/** Largest input side and element count a model file may declare (a 4096×4096 RGB image; 2^24 features). */
export const MAX_INPUT_SIDE = 4096;
export const MAX_INPUTS = 1 << 24;
export const MAX_CLASSES = 1 << 16;

const badMeta = (name: string, what: string) => new ShrinkError("E_MODEL_FILE", `${name}: metadata ${what}`);

function metaJson(metadata: Record<string, string>, key: string, name: string): unknown {
  try {
    return JSON.parse(metadata[key]);
  } catch {
    throw badMeta(name, `"${key}" is not valid JSON`);
  }
}
const isPosInt = (v: unknown, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max;

/**
 * The model spec a file's metadata declares, every field checked (type,
 * integrality, range) before it sizes anything: arch one of MODEL_NAMES;
 * spec JSON with input [c, h, w] (positive integers, sides ≤ MAX_INPUT_SIDE,
 * c·h·w ≤ MAX_INPUTS) or inputs (a positive integer ≤ MAX_INPUTS), classes
 * (an integer 2..MAX_CLASSES), width (a number in (0, 4]).
 */
export function specFromMetadata(metadata: Record<string, string>, name: string): ModelSpec {
  const arch = metadata.arch;
  if (metadata.architecture !== undefined) {
    const doc = metaJson(metadata, "architecture", name);
    const builtin = (MODEL_NAMES as readonly string[]).includes(arch ?? "") ? arch as ModelName : "custom";
    try {
      return specFromArchitecture(doc, builtin);
    } catch (err) {
      if (err instanceof ShrinkError) throw new ShrinkError("E_MODEL_FILE", `${name}: metadata architecture ${err.message}`);
      throw err;
    }
  }
  if (!arch) throw new ShrinkError("E_MODEL_FILE", `${name}: no "architecture" or "arch" in the safetensors metadata (a plain state_dict: give its architecture with --arch FILE)`);
  if (!(MODEL_NAMES as readonly string[]).includes(arch)) {
    throw new ShrinkError("E_MODEL_FILE", `${name}: unknown architecture ${JSON.stringify(arch)} in the metadata (this version reads: ${MODEL_NAMES.join(", ")})`);
  }
  let dims: Record<string, unknown> = {};
  if (metadata.spec !== undefined) {
    const parsed = metaJson(metadata, "spec", name);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badMeta(name, `"spec" must be a JSON object, found ${JSON.stringify(parsed)}`);
    dims = parsed as Record<string, unknown>;
  }
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  let input: [number, number, number] | number = 784;
  if (dims.input !== undefined) {
    const v = dims.input;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((d) => isPosInt(d, MAX_INPUT_SIDE))) {
      throw badMeta(name, `spec.input ${show(v)} is not allowed ([channels, height, width]: three integers from 1 to ${MAX_INPUT_SIDE})`);
    }
    if (v[0] * v[1] * v[2] > MAX_INPUTS) throw badMeta(name, `spec.input ${show(v)} has ${v[0] * v[1] * v[2]} values per sample (at most ${MAX_INPUTS})`);
    input = v as [number, number, number];
  } else if (dims.inputs !== undefined) {
    if (!isPosInt(dims.inputs, MAX_INPUTS)) throw badMeta(name, `spec.inputs ${show(dims.inputs)} is not allowed (an integer from 1 to ${MAX_INPUTS})`);
    input = dims.inputs;
  }
  const classes = dims.classes ?? 10;
  if (!isPosInt(classes, MAX_CLASSES) || classes < 2) throw badMeta(name, `spec.classes ${show(classes)} is not allowed (an integer from 2 to ${MAX_CLASSES})`);
  const width = dims.width ?? 1;
  if (typeof width !== "number" || !(width > 0 && width <= 4)) throw badMeta(name, `spec.width ${show(width)} is not allowed (a number in (0, 4])`);
  try {
    return modelSpec(arch, input, classes, { width });
  } catch (err) {
    throw new ShrinkError("E_MODEL_FILE", `${name}: bad model spec in the metadata (${(err as Error).message})`);
  }
}
