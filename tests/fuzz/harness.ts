// The fuzz harness: valid seed files of every format shrinkwasm reads,
// mutated (bit flips, truncation, extension, header length fields, the
// safetensors JSON header's dtypes, shapes, offsets, overlaps, duplicates and
// metadata, the model spec) and pure random bytes, fed to every parser. Each
// input must end in a result or a ShrinkError; anything else (a RangeError,
// a TypeError, a wasm trap) is an untyped exception and a bug. Inputs over
// 1 s and the peak memory are reported.
//   npm run fuzz -- --n 10000 --seed 1 [--parser safetensors]
import type { Engine } from "../../src/engine/engine.ts";
import { ShrinkError } from "../../src/engine/errors.ts";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { decodeModel } from "../../src/io/model-file.ts";
import { parseIdx, loadIdx, encodeIdx } from "../../src/data/idx.ts";
import { parseCifar, encodeCifar } from "../../src/data/cifar.ts";
import { parseArchitecture, type Architecture } from "../../src/nn/architecture.ts";
import { modelSpec, buildModel, specFromArchitecture } from "../../src/nn/models.ts";
import { importOnnx } from "../../src/io/onnx/import.ts";
import { exportOnnx } from "../../src/io/onnx/export.ts";
import { decodeOnnxModel, encodeOnnxModel, DT, type NodeOut, type TensorOut, type AttrOut } from "../../src/io/onnx/proto.ts";
import { modelFromTensors, encodeModel } from "../../src/io/model-file.ts";
import { Rng } from "../../src/engine/rng.ts";
import { RunSession } from "../../src/prune/run-session.ts";
import { DEFAULT_TRAIN_CONFIG } from "../../src/train/config.ts";
import { DEFAULT_PRUNE } from "../../src/prune/config.ts";
import type { ImageLabelSet } from "../../src/data/idx.ts";

/** xorshift32: the harness's own reproducible stream (nothing here reaches a weight). */
export class FuzzRng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 0x9e3779b9; }
  u32(): number { let x = this.s; x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; this.s = x >>> 0; return this.s; }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

export interface Parser {
  name: string;
  seeds: Uint8Array[];
  /** Extra structure-aware mutations for this format (on top of the byte-level ones). */
  mutate?: (r: FuzzRng, seed: Uint8Array) => Uint8Array;
  run: (bytes: Uint8Array) => unknown | Promise<unknown>;
}

const f32 = (n: number, r = 0.5) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + r));

function stHeader(bytes: Uint8Array): { json: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}
function stBytes(json: unknown, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const WEIRD_NUMBERS = [-1, 0, 1, 3.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e308, -0, 50331648, 5000, NaN];
const WEIRD_VALUES: unknown[] = [...WEIRD_NUMBERS, null, "x", [], {}, [1, 28], [1, 5000, 5000], [3, 0, 4], true, "F32", "BF16", "F8_E4M3"];

/** Mutates the safetensors JSON header: dtypes, shapes, offsets, overlaps, duplicate-like names, metadata and spec fields. */
function mutateSafetensorsJson(r: FuzzRng, seed: Uint8Array): Uint8Array {
  const { json, data } = stHeader(seed);
  const names = Object.keys(json).filter((k) => k !== "__metadata__");
  const t = json[r.pick(names)] as Record<string, unknown>;
  switch (r.int(9)) {
    case 0: t.dtype = r.pick(["F32", "F64", "I64", "U8", "F16", "BF16", "BOOL", "Q4", 7, null]); break;
    case 1: t.shape = r.pick([[], [0], [-1], [2 ** 40], [1.5], [r.int(100), r.int(100)], "3", [1, 2, 3, 4, 5, 6, 7, 8, 9]]); break;
    case 2: t.data_offsets = [r.pick(WEIRD_NUMBERS), r.pick(WEIRD_NUMBERS)]; break;
    case 3: { const o = t.data_offsets as number[]; t.data_offsets = [Math.max(0, o[0] - 4), o[1] - 4]; break; } // overlap / gap
    case 4: json[`${r.pick(names)}\u0000`] = { ...t }; break; // a near-duplicate name pointing at the same bytes
    case 5: json.__metadata__ = r.pick([null, 3, [], { a: 1 }, { arch: "mlp" }, { arch: "linear", spec: "{" }, { arch: "nope" }]); break;
    case 6: {
      const spec: Record<string, unknown> = { input: [1, 2, 2], classes: 2 };
      spec[r.pick(["input", "inputs", "classes", "width", "hidden"])] = r.pick(WEIRD_VALUES);
      json.__metadata__ = { ...(json.__metadata__ as object), spec: JSON.stringify(spec) };
      break;
    }
    case 7: delete json[r.pick(names)]; break;
    default: json[r.pick(names)] = r.pick(WEIRD_VALUES);
  }
  return stBytes(json, data);
}

/** Mutates a checkpoint's JSON metadata: the run's config, the state values (positions, counters, histories), the data and progress. */
function mutateCheckpointJson(r: FuzzRng, seed: Uint8Array): Uint8Array {
  const { json, data } = stHeader(seed);
  const md = json.__metadata__ as Record<string, string>;
  const key = r.pick(["run", "state", "state", "data"]);
  md[key] = new TextDecoder().decode(mutateJson(r, new TextEncoder().encode(md[key])));
  return stBytes(json, data);
}

/** Byte-level mutations every format gets. */
export function mutateBytes(r: FuzzRng, seed: Uint8Array): Uint8Array {
  const b = seed.slice();
  switch (r.int(6)) {
    case 0: { const k = 1 + r.int(8); for (let i = 0; i < k && b.length; i++) b[r.int(b.length)] ^= 1 << r.int(8); return b; }
    case 1: return b.subarray(0, r.int(b.length + 1));
    case 2: { const extra = new Uint8Array(1 + r.int(64)).map(() => r.int(256)); const out = new Uint8Array(b.length + extra.length); out.set(b); out.set(extra, b.length); return out; }
    case 3: { // a length field: the safetensors u64 or an IDX dimension
      if (b.length >= 8) {
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const off = r.pick([0, 4, Math.max(0, Math.min(b.length - 4, 4 * (1 + r.int(3))))]);
        dv.setUint32(off, r.pick([0, 1, 0xffffffff, 0x7fffffff, r.u32(), b.length, b.length + 1, 100_000_001]), r.int(2) === 0);
      }
      return b;
    }
    case 4: return new Uint8Array(r.int(256)).map(() => r.int(256));
    default: { const at = r.int(b.length + 1); const v = r.int(256); for (let i = at; i < Math.min(b.length, at + 1 + r.int(16)); i++) b[i] = v; return b; }
  }
}

/** A small architecture with every layer type: the seed of the architecture and ONNX parsers. */
export const FUZZ_ARCH: Architecture = {
  format: "shrinkwasm-arch/1", name: "fuzz", input: [1, 8, 8],
  layers: [
    { type: "conv2d", name: "c1", out_channels: 4, kernel: 3, padding: 1 },
    { type: "batchnorm2d", name: "bn1" }, { type: "relu6", name: "a1" },
    { type: "residual", name: "res", main: [
      { type: "conv2d", name: "dw", out_channels: 4, kernel: 3, stride: 2, padding: 1, groups: 4, bias: false }, { type: "batchnorm2d", name: "dwbn" }],
    shortcut: [{ type: "conv2d", name: "proj", out_channels: 4, kernel: 1, stride: 2, bias: false }] },
    { type: "maxpool2d", name: "mp", kernel: 2 }, { type: "avgpool2d", name: "ap", kernel: [1, 2], stride: 1, padding: [0, 1] },
    { type: "flatten", name: "fl" }, { type: "linear", name: "fc1", out_features: 6, bias: false }, { type: "relu", name: "a2" },
    { type: "linear", name: "fc2", out_features: 3 },
  ],
};
const FUZZ_GAP: Architecture = {
  format: "shrinkwasm-arch/1", input: [2, 6, 6],
  layers: [{ type: "conv2d", out_channels: 3, kernel: [3, 1], dilation: 2 }, { type: "global_avgpool2d" }, { type: "linear", out_features: 2 }],
};

/** A small spiking network: multistep, LIF and IF with their options, a SEW-style residual. */
const FUZZ_SNN: Architecture = {
  format: "shrinkwasm-arch/1", input: [1, 6, 6],
  layers: [{ type: "multistep", name: "snn", timesteps: 3, layers: [
    { type: "conv2d", name: "c1", out_channels: 2, kernel: 3, padding: 1, bias: false }, { type: "batchnorm2d", name: "bn1" },
    { type: "lif", name: "sn1", tau: 3, v_reset: null, surrogate: "sigmoid", alpha: 2.5 },
    { type: "residual", name: "b", relu: false, main: [{ type: "conv2d", name: "b.c", out_channels: 2, kernel: 1 }, { type: "if", name: "b.sn", v_threshold: 0.5, v_reset: -0.1, detach_reset: true }] },
    { type: "global_avgpool2d", name: "gap" }, { type: "linear", name: "fc", out_features: 2 },
  ] }],
};

/** Mutates a JSON document: one value deep in the tree replaced, removed, duplicated or retyped. */
function mutateJson(r: FuzzRng, seed: Uint8Array): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(seed)) as unknown;
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => { nodes.push({ parent: v, key: i }); walk(x); });
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { nodes.push({ parent: v as Record<string, unknown>, key: k }); walk(x); }
  };
  walk(doc);
  const n = r.pick(nodes);
  const p = n.parent as Record<string | number, unknown>;
  switch (r.int(6)) {
    case 0: delete p[n.key]; break;
    case 1: p[n.key] = r.pick([...WEIRD_VALUES, "conv2d", "residual", "linear", "fc1", "res.main.0", { type: "relu" }, [{ type: "flatten" }], 16, 15, 0, 65537]); break;
    case 2: if (Array.isArray(n.parent)) n.parent.push(structuredClone(n.parent[Number(n.key)])); else p[`x${r.int(9)}`] = 1; break;
    case 3: { let deep: unknown = { type: "relu" }; for (let i = 0; i < 1 + r.int(40); i++) deep = { type: "residual", main: [deep] }; p[n.key] = deep; break; }
    case 4: p[n.key] = r.pick([2 ** 20, 2 ** 31, -(2 ** 31), 1e9, 0.5, 4096, 4097]); break;
    default: p[n.key] = structuredClone(p[r.pick(Object.keys(p))]);
  }
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** Mutates an ONNX model at the message level: op types, inputs, attributes, initializer dims and data. */
function mutateOnnx(r: FuzzRng, seed: Uint8Array): Uint8Array {
  const m = decodeOnnxModel(seed, "seed");
  const g = m.graph!;
  const nodes: NodeOut[] = g.nodes.map((n) => ({
    name: n.name, opType: n.opType, inputs: [...n.inputs], outputs: [...n.outputs],
    attributes: n.attributes.map((a): AttrOut => (a.ints.length ? { name: a.name, ints: [...a.ints] } : a.type === 1 ? { name: a.name, f: a.f } : a.type === 3 ? { name: a.name, s: a.s } : { name: a.name, i: a.i })),
  }));
  const inits: TensorOut[] = g.initializers.map((t) => ({ name: t.name, dims: [...t.dims], dataType: t.dataType, raw: t.raw ?? new Uint8Array(0) }));
  const values = [...new Set([...nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...inits.map((t) => t.name)])];
  const n = r.pick(nodes), t = r.pick(inits);
  switch (r.int(10)) {
    case 0: n.opType = r.pick(["Relu", "Conv", "Add", "Gemm", "MatMul", "Clip", "Flatten", "Reshape", "Pad", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Identity", "Dropout", "Sigmoid", "Loop", "Constant"]); break;
    case 1: n.inputs[r.int(n.inputs.length + 1)] = r.pick(values); break;
    case 2: n.outputs[0] = r.pick(values); break;
    case 3: { const a = n.attributes?.length ? r.pick(n.attributes) : undefined; if (a) { if (a.ints) a.ints = a.ints.map(() => r.pick([-1, 0, 1, 2, 3, 7, 2 ** 31, 1e6])); else a.i = r.pick([-1, 0, 1, 2, 2 ** 40]); } break; }
    case 4: t.dims = t.dims.map(() => r.pick([0, 1, 2, 3, 4, 16, 2 ** 20, -1])); break;
    case 5: t.dataType = r.pick([DT.FLOAT, DT.FLOAT16, DT.BFLOAT16, DT.DOUBLE, DT.INT64, DT.INT32, 0, 99]); break;
    case 6: t.raw = t.raw.subarray(0, r.int(t.raw.length + 1)); break;
    case 7: nodes.splice(r.int(nodes.length), 1); break;
    case 8: nodes.splice(r.int(nodes.length), 0, { ...n, name: `${n.name}_dup` }); break;
    default: (n.attributes ??= []).push({ name: r.pick(["pads", "strides", "group", "auto_pad", "ceil_mode", "axis", "transB", "kernel_shape", "epsilon", "mode"]), ints: [r.int(5), r.int(5), r.int(5), r.int(5)] });
  }
  const shape = (v: { shape: (number | string | null)[] | null }) => (v.shape ?? []).map((d) => d ?? "n");
  return encodeOnnxModel({
    opset: m.opsets[0]?.version ?? 13, producerName: "fuzz", producerVersion: "", graphName: g.name, nodes, initializers: inits,
    inputs: g.inputs.map((v) => ({ name: v.name, elemType: v.elemType, shape: r.int(8) ? shape(v) : ["n", r.int(3), 5000, 5000] })),
    outputs: g.outputs.map((v) => ({ name: v.name, elemType: v.elemType, shape: shape(v) })), metadata: m.metadata,
  });
}

/** Eight 4×4 one-channel images in two classes: the data of the checkpoint seeds. */
const TINY: ImageLabelSet = { count: 8, channels: 1, height: 4, width: 4, numClasses: 2, images: Uint8Array.from({ length: 128 }, (_, i) => (i * 37) & 255), labels: Uint8Array.from({ length: 8 }, (_, i) => i & 1) };

/** A checkpoint of a fresh run of the linear model (slats or sap): every state tensor and value a restore reads. */
function checkpointSeed(e: Engine, method: "slats" | "sap"): Uint8Array {
  const config = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "linear" as const, epochs: 2, batch: 2, method, iterations: 2, exclude: [], D: 0.1 };
  const s = RunSession.start(e, { kind: "prune", config }, TINY, TINY);
  const bytes = s.snapshot({ cli: { note: "seed" } });
  void s.dispose();
  return bytes;
}

export function parsers(e: Engine): Parser[] {
  const linear = encodeSafetensors([
    { name: "fc.weight", dtype: "F32", shape: [2, 4], data: f32(8) },
    { name: "fc.bias", dtype: "F32", shape: [2], data: f32(2, 1) },
  ], { format: "shrinkwasm/1", arch: "linear", spec: JSON.stringify({ input: [1, 2, 2], classes: 2 }) });
  const mlpish = encodeSafetensors([
    { name: "a", dtype: "F64", shape: [3], data: new Float64Array([1, 2, 3]) },
    { name: "b", dtype: "I64", shape: [], data: new BigInt64Array([7n]) },
    { name: "c", dtype: "U8", shape: [2, 2], data: new Uint8Array([1, 2, 3, 4]) },
    { name: "d", dtype: "F16", shape: [2], data: new Uint16Array([0x3c00, 0x7c00]) },
  ], { note: "x" });
  const idxImages = encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
  const idxLabels = encodeIdx([3], new Uint8Array([0, 1, 2]));
  const cifar = encodeCifar("cifar10", new Uint8Array(2 * 3072).map((_, i) => i % 251), new Uint8Array([3, 9]));
  const gzipped = (b: Uint8Array) => gzipSync(b);
  return [
    { name: "safetensors", seeds: [linear, mlpish], mutate: mutateSafetensorsJson, run: (b) => decodeSafetensors(b, "fuzz.safetensors") },
    {
      name: "model", seeds: [linear], mutate: mutateSafetensorsJson,
      run: (b) => { const m = decodeModel(e, b, "fuzz.safetensors", 4, { inference: true }); m.model.free(); },
    },
    { name: "idx", seeds: [idxImages, idxLabels], run: (b) => parseIdx(b, "fuzz-idx") },
    {
      name: "idx-gzip", seeds: [gzipped(idxImages), gzipped(idxLabels)],
      // Mutate the inflated bytes too, so the gzip layer carries bad IDX headers (oversized dims: the bomb case).
      mutate: (r, s) => gzipped(mutateBytes(r, r.int(2) ? idxImages : idxLabels)),
      run: (b) => loadIdx(b, "fuzz-idx.gz"),
    },
    { name: "cifar", seeds: [cifar], run: (b) => parseCifar("cifar10", [{ name: "fuzz.bin", bytes: b }]) },
    {
      name: "sparse-file", seeds: [sparseSeed(e, 0.9), sparseSeed(e, 0.5)], mutate: mutateSparseJson,
      run: (b) => { const m = decodeModel(e, b, "fuzz.sparse.safetensors", 2, { inference: true }); m.model.free(); },
    },
    {
      // A checkpoint (--resume, RunSession.restore): decoded, checked against the data, its run rebuilt and its state loaded.
      name: "checkpoint", seeds: [checkpointSeed(e, "slats"), checkpointSeed(e, "sap")],
      mutate: (r, seed) => (r.int(2) ? mutateSafetensorsJson(r, seed) : mutateCheckpointJson(r, seed)),
      // Restored and run to its end: a state value out of range must be refused, never read past a buffer.
      run: async (b) => { const s = RunSession.restore(e, b, TINY, TINY, {}, "fuzz.ck"); try { await s.advance(); } finally { await s.dispose(); } },
    },
    {
      name: "arch-json", seeds: [FUZZ_ARCH, FUZZ_GAP, FUZZ_SNN, modelSpec("mlp", [1, 28, 28]).architecture].map((a) => new TextEncoder().encode(JSON.stringify(a))),
      mutate: mutateJson, run: (b) => parseArchitecture(new TextDecoder().decode(b), "fuzz.json"),
    },
    {
      name: "onnx", seeds: [onnxSeed(e, FUZZ_ARCH), onnxSeed(e, FUZZ_GAP)], mutate: mutateOnnx,
      // Import, then build the imported model and load its weights (what --arch model.onnx does).
      run: (b) => { const m = importOnnx(b, "fuzz.onnx"); modelFromTensors(e, specFromArchitecture(m.architecture), m.tensors, "fuzz.onnx", 2, { inference: true }).free(); },
    },
  ];
}

/** A small model written as a sparse file, a share of its weights zero (half of those −0). */
function sparseSeed(e: Engine, sparsity: number): Uint8Array {
  const spec = specFromArchitecture(FUZZ_GAP);
  const rng = new Rng(e, 5);
  const model = buildModel(e, spec, 1, rng, { inference: true });
  rng.free();
  for (const p of model.params()) {
    const v = p.value.toArray();
    for (let i = 0; i < v.length; i++) if ((i * 37) % 100 < sparsity * 100) v[i] = i % 2 ? -0 : 0;
    p.value.set(v);
  }
  const bytes = encodeModel(model, spec, {}, { sparse: {} });
  model.free();
  return bytes;
}

/** Mutates a sparse file's "sparse" metadata entries: counts, shapes, encodings, the sign flag. */
function mutateSparseJson(r: FuzzRng, seed: Uint8Array): Uint8Array {
  if (r.int(2)) return mutateSafetensorsJson(r, seed);
  const { json, data } = stHeader(seed);
  const meta = json.__metadata__ as Record<string, string>;
  const sparse = JSON.parse(meta.sparse) as Record<string, Record<string, unknown>>;
  const en = sparse[r.pick(Object.keys(sparse))];
  en[r.pick(["shape", "encoding", "count", "values", "negzero"])] = r.pick([...WEIRD_VALUES, "delta8", "bitmask", [2 ** 20, 2 ** 20], [3, 2, 3, 3]]);
  meta.sparse = JSON.stringify(sparse);
  return stBytes(json, data);
}

function onnxSeed(e: Engine, a: Architecture): Uint8Array {
  const spec = specFromArchitecture(a);
  const rng = new Rng(e, 3);
  const model = buildModel(e, spec, 1, rng, { inference: true });
  rng.free();
  const bytes = exportOnnx(e, model, spec);
  model.free();
  return bytes;
}

/** A tiny synchronous gzip for the seeds (stored blocks: valid gzip without a compressor). */
export function gzipSync(data: Uint8Array): Uint8Array {
  const blocks: number[] = [];
  for (let off = 0; off < data.length || off === 0; off += 65535) {
    const n = Math.min(65535, data.length - off);
    const last = off + n >= data.length ? 1 : 0;
    blocks.push(last, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff, ...data.subarray(off, off + n));
    if (last) break;
  }
  let crc = 0xffffffff;
  for (const byte of data) { crc ^= byte; for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1)); }
  crc = (crc ^ 0xffffffff) >>> 0;
  const n = data.length >>> 0;
  return Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, ...blocks,
    crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
}

export interface FuzzReport {
  parser: string;
  inputs: number;
  ok: number;
  typed: number;
  untyped: number;
  slow: number;
  maxSeconds: number;
  peakRssMB: number;
  wasmMB: number;
  examples: string[];
}

/** Runs n inputs through one parser: a quarter pure structure-aware mutations (where the format has them), the rest byte-level, 1 in 16 random bytes. */
export async function fuzzParser(e: Engine, p: Parser, n: number, seed: number): Promise<FuzzReport> {
  const r = new FuzzRng(seed ^ [...p.name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));
  const rep: FuzzReport = { parser: p.name, inputs: 0, ok: 0, typed: 0, untyped: 0, slow: 0, maxSeconds: 0, peakRssMB: 0, wasmMB: 0, examples: [] };
  for (let i = 0; i < n; i++) {
    const s = r.pick(p.seeds);
    let input: Uint8Array;
    const how = r.int(16);
    if (how === 0) input = new Uint8Array(r.int(512)).map(() => r.int(256));
    else if (p.mutate && how < 6) input = p.mutate(r, s);
    else input = mutateBytes(r, s);
    if (r.int(4) === 0) input = mutateBytes(r, input); // stack a second mutation now and then
    const t0 = performance.now();
    try {
      await p.run(input);
      rep.ok++;
    } catch (err) {
      if (err instanceof ShrinkError) rep.typed++;
      else {
        rep.untyped++;
        if (rep.examples.length < 5) rep.examples.push(`#${i}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      }
    }
    const sec = (performance.now() - t0) / 1000;
    rep.maxSeconds = Math.max(rep.maxSeconds, sec);
    if (sec > 1) rep.slow++;
    rep.inputs++;
    if ((i & 63) === 0) rep.peakRssMB = Math.max(rep.peakRssMB, process.memoryUsage().rss / 2 ** 20);
  }
  rep.peakRssMB = Math.max(rep.peakRssMB, process.memoryUsage().rss / 2 ** 20);
  rep.wasmMB = e.memory.buffer.byteLength / 2 ** 20;
  return rep;
}
