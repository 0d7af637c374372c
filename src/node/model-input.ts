// Reading the models a user brings: architecture files (--arch FILE.json or
// FILE.onnx), PyTorch state_dicts (--init FILE.safetensors), and models to
// evaluate, inspect or export (shrink's .safetensors, a plain state_dict with
// --arch, or an .onnx file). Errors name the file.
import { readFile } from "node:fs/promises";
import { ShrinkError } from "../engine/errors.js";
import { parseArchitecture, type Architecture } from "../nn/architecture.js";
import { importOnnx } from "../io/onnx/import.js";
import { decodeSafetensors, type DecodedTensor } from "../io/safetensors.js";
import { specFromArchitecture, type ModelSpec } from "../nn/models.js";
import { specFromMetadata, decodeModelTensors } from "../io/model-file.js";
import type { Engine } from "../engine/engine.js";
import type { InitWeights } from "../train/session.js";

export async function readBytes(file: string, flag?: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new ShrinkError("E_FILE", `${flag ? `--${flag} ` : ""}${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export const isOnnx = (file: string) => /\.onnx$/i.test(file);

export interface ArchitectureInput {
  architecture: Architecture;
  /** An ONNX file's initializers (the weights it carries). */
  weights: InitWeights | null;
  metadata: Record<string, string>;
}

/** --arch FILE: an architecture JSON file, or an ONNX model (architecture and weights). */
export async function readArchitecture(file: string): Promise<ArchitectureInput> {
  const bytes = await readBytes(file, "arch");
  if (isOnnx(file)) {
    const m = importOnnx(bytes, file);
    return { architecture: m.architecture, weights: { tensors: m.tensors, source: file }, metadata: m.metadata };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ShrinkError("E_ARCH", `${file}: not UTF-8 text (an architecture file is JSON; ONNX files end in .onnx)`);
  }
  return { architecture: parseArchitecture(text, file).architecture, weights: null, metadata: {} };
}

/** --init FILE: a state_dict in safetensors (F32, F16 or BF16). */
export async function readInit(file: string): Promise<InitWeights> {
  const { tensors } = decodeSafetensors(await readBytes(file, "init"), file);
  return { tensors, source: file };
}

export interface ModelInput {
  spec: ModelSpec;
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

/**
 * A model to evaluate, inspect or export: an .onnx file, or a safetensors
 * file whose architecture is in its metadata or given with --arch.
 */
export async function readModelInput(e: Engine, file: string, archFile?: string): Promise<ModelInput> {
  const arch = archFile ? await readArchitecture(archFile) : null;
  if (isOnnx(file)) {
    const m = importOnnx(await readBytes(file), file);
    const spec = specFromArchitecture(arch?.architecture ?? m.architecture);
    return { spec, tensors: m.tensors, metadata: m.metadata };
  }
  const { tensors, metadata } = decodeModelTensors(e, await readBytes(file), file);
  const spec = arch ? specFromArchitecture(arch.architecture) : specFromMetadata(metadata, file);
  return { spec, tensors, metadata };
}
