// Sparse model files (docs/model-format.md, "Sparse files"): a model file in
// which each pruned weight is stored as its nonzero values plus their
// positions, as a bitmask or delta8 code, whichever is smaller
// (assembly/kernels/sparse/pack.ts), and the rest as usual:
//   NAME.values  F32 [k] (F16 with values: "f16", lossy)
//   NAME.bitmask U8 [⌈n/8⌉]   or   NAME.delta8  U8 [bytes]
//   NAME.negzero U8 [⌈zeros/8⌉], only where some zeros are −0: their signs
//   metadata "sparse": JSON {NAME: {shape, encoding: "bitmask"|"delta8", count, values: "F32"|"F16", negzero: bool}}
// expandSparseTensors turns such a file's tensors back into the dense
// state_dict, bit for bit with F32 values, before anything else reads them.
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";
import type { DecodedTensor, TensorInput } from "./safetensors.js";

export const SPARSE_FORMAT = "shrinkwasm-sparse/1";

export interface SparseEntry {
  shape: number[];
  encoding: "bitmask" | "delta8";
  count: number;
  values: "F32" | "F16";
  /** A NAME.negzero sign code is present. */
  negzero: boolean;
}

export interface SparseOptions {
  /** "f16" stores the nonzero values as half precision (lossy; marked in the metadata). */
  values?: "f32" | "f16";
}

/**
 * The tensors of a sparse file for one dense f32 tensor: encoded when that is
 * smaller than the dense bytes, else null (keep it dense).
 */
export function encodeSparseTensor(e: Engine, name: string, shape: number[], data: Float32Array, o: SparseOptions = {}): { tensors: TensorInput[]; entry: SparseEntry } | null {
  const n = data.length;
  const k = e.k;
  const src = e.alloc(n);
  try {
    e.f32(src, n).set(data);
    const count = k.sparse_count(src, n);
    const f16 = o.values === "f16";
    const valueBytes = count * (f16 ? 2 : 4);
    const maskBytes = (n + 7) >> 3;
    const deltaBytes = k.sparse_delta8_bytes(src, n);
    // delta8 only while its code spans the tensor (n ≤ 255·(bytes + 1)): a reader can then
    // bound the memory a file makes it allocate by the file's own size.
    const encoding = deltaBytes < maskBytes && n <= 255 * (deltaBytes + 1) ? "delta8" : "bitmask";
    const posBytes = encoding === "delta8" ? deltaBytes : maskBytes;
    const zeros = n - count;
    const neg = k.sparse_negzero_count(src, n) > 0;
    const signBytes = neg ? (zeros + 7) >> 3 : 0;
    if (valueBytes + posBytes + signBytes >= 4 * n && !f16) return null;
    const values = e.alloc(Math.max(1, count));
    const code = e.alloc(Math.max(1, posBytes), "u8");
    try {
      if (encoding === "delta8") k.sparse_pack_delta8(src, n, values, code);
      else k.sparse_pack_bitmask(src, n, values, code);
      let valueTensor: TensorInput;
      if (f16) {
        const half = e.alloc(Math.max(1, (count + 1) >> 1));
        k.f16_from_f32(values, count, half);
        valueTensor = { name: `${name}.values`, dtype: "F16", shape: [count], data: e.u8(half, 2 * count).slice() };
        e.free(half);
      } else {
        valueTensor = { name: `${name}.values`, dtype: "F32", shape: [count], data: e.f32(values, count).slice() };
      }
      const tensors: TensorInput[] = [valueTensor, { name: `${name}.${encoding}`, dtype: "U8", shape: [posBytes], data: e.u8(code, posBytes).slice() }];
      if (neg) {
        const sc = e.alloc(Math.max(1, signBytes), "u8");
        k.sparse_pack_negzero(src, n, sc, zeros);
        tensors.push({ name: `${name}.negzero`, dtype: "U8", shape: [signBytes], data: e.u8(sc, signBytes).slice() });
        e.free(sc);
      }
      return { tensors, entry: { shape: [...shape], encoding, count, values: f16 ? "F16" : "F32", negzero: neg } };
    } finally {
      e.free(values);
      e.free(code);
    }
  } finally {
    e.free(src);
  }
}

const bad = (source: string, msg: string) => new ShrinkError("E_SPARSE", `${source}: ${msg}`);

/**
 * Replaces the encoded tensors listed in metadata.sparse by dense F32 ones.
 * Every entry is checked (shape, counts, code length, positions in range)
 * before and while decoding; a file without "sparse" is returned as is.
 */
export function expandSparseTensors(e: Engine, tensors: Map<string, DecodedTensor>, metadata: Record<string, string>, source: string): Map<string, DecodedTensor> {
  if (metadata.sparse === undefined) return tensors;
  let entries: unknown;
  try {
    entries = JSON.parse(metadata.sparse);
  } catch {
    throw bad(source, `metadata "sparse" is not valid JSON`);
  }
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw bad(source, `metadata "sparse" must be an object`);
  const out = new Map(tensors);
  for (const [name, raw] of Object.entries(entries as Record<string, unknown>)) {
    const en = raw as Partial<SparseEntry>;
    const what = `sparse tensor "${name}"`;
    if (typeof en !== "object" || en === null) throw bad(source, `${what}: entry must be an object`);
    if (!Array.isArray(en.shape) || en.shape.length > 8 || !en.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff)) throw bad(source, `${what}: shape ${JSON.stringify(en.shape)} is not a list of sizes`);
    const n = en.shape.reduce((a: number, b: number) => a * b, 1);
    if (n > 0x10000000) throw bad(source, `${what}: ${n} elements (at most 2^28)`);
    if (en.encoding !== "bitmask" && en.encoding !== "delta8") throw bad(source, `${what}: encoding ${JSON.stringify(en.encoding)} (bitmask or delta8)`);
    if (!Number.isInteger(en.count) || (en.count as number) < 0 || (en.count as number) > n) throw bad(source, `${what}: count ${JSON.stringify(en.count)} (0..${n})`);
    const count = en.count as number;
    const values = tensors.get(`${name}.values`), code = tensors.get(`${name}.${en.encoding}`);
    if (!values || !code) throw bad(source, `${what}: needs tensors ${name}.values and ${name}.${en.encoding}`);
    if ((values.dtype !== "F32" && values.dtype !== "F16") || values.data.length !== count) throw bad(source, `${what}: ${name}.values must be ${count} F32 or F16 values`);
    if (code.dtype !== "U8") throw bad(source, `${what}: ${name}.${en.encoding} must be U8`);
    if (en.encoding === "bitmask" && code.data.length !== (n + 7) >> 3) throw bad(source, `${what}: the bitmask has ${code.data.length} bytes, ${(n + 7) >> 3} expected`);
    if (en.encoding === "delta8" && code.data.length > count + Math.ceil(n / 255)) throw bad(source, `${what}: the delta8 code has ${code.data.length} bytes, too many for ${count} values`);
    if (en.encoding === "delta8" && n > 255 * (code.data.length + 1)) throw bad(source, `${what}: shape [${en.shape.join(", ")}] is larger than its ${code.data.length}-byte delta8 code can span`);
    if (out.has(name)) throw bad(source, `${what}: the file also holds a dense tensor of that name`);
    const k = e.k;
    const vp = e.alloc(Math.max(1, count)), cp = e.alloc(Math.max(1, code.data.length), "u8"), dp = e.alloc(Math.max(1, n));
    try {
      e.f32(vp, count).set(values.data as Float32Array);
      e.u8(cp, code.data.length).set(code.data as Uint8Array);
      const got = en.encoding === "bitmask"
        ? k.sparse_unpack_bitmask(vp, count, cp, n, dp)
        : k.sparse_unpack_delta8(vp, count, cp, code.data.length, n, dp);
      if (got !== count) throw bad(source, `${what}: its positions do not match its ${count} values`);
      if (en.negzero === true) {
        const sign = tensors.get(`${name}.negzero`);
        const zeros = n - count;
        if (!sign || sign.dtype !== "U8" || sign.data.length !== (zeros + 7) >> 3) throw bad(source, `${what}: ${name}.negzero must be ${(zeros + 7) >> 3} U8 bytes`);
        const sp = e.alloc(Math.max(1, sign.data.length), "u8");
        e.u8(sp, sign.data.length).set(sign.data as Uint8Array);
        const z = k.sparse_unpack_negzero(dp, n, sp, zeros);
        e.free(sp);
        if (z !== zeros) throw bad(source, `${what}: its sign code does not match its ${zeros} zeros`);
        out.delete(`${name}.negzero`);
      } else if (en.negzero !== undefined && en.negzero !== false) throw bad(source, `${what}: negzero must be true or false`);
      out.set(name, { dtype: "F32", shape: en.shape as number[], data: e.f32(dp, n).slice() });
    } finally {
      e.free(vp);
      e.free(cp);
      e.free(dp);
    }
    out.delete(`${name}.values`);
    out.delete(`${name}.${en.encoding}`);
  }
  return out;
}
