// safetensors encode/decode (https://github.com/huggingface/safetensors).
// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON header
// (space-padded to a multiple of 8), then the tensor byte buffer. The header maps
// name -> {dtype, shape, data_offsets: [begin, end]} (offsets relative to the
// buffer) plus optional "__metadata__": {string: string}. Web-standard only.
import { ShrinkError } from "../engine/errors.js";

export type Dtype = "F32" | "F64" | "I32" | "I64" | "U8" | "F16" | "BF16";

export interface TensorInput {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Element bytes in platform order; a typed array must match dtype, Uint8Array/DataView pass raw bytes. */
  data: ArrayBufferView;
}

export type DecodedTensor =
  | { dtype: "F32"; shape: number[]; data: Float32Array }
  | { dtype: "F64"; shape: number[]; data: Float64Array }
  | { dtype: "I32"; shape: number[]; data: Int32Array }
  | { dtype: "I64"; shape: number[]; data: BigInt64Array }
  | { dtype: "U8"; shape: number[]; data: Uint8Array }
  /** Half-precision tensors are widened to f32 on read (exactly: every f16/bf16 value is an f32). */
  | { dtype: "F16" | "BF16"; shape: number[]; data: Float32Array };

export interface DecodedSafetensors {
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

const ITEMSIZE: Record<Dtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, F16: 2, BF16: 2 };
const SUPPORTED = "only F32, F64, F16, BF16, I32, I64 and U8 are supported";
// Dtypes the format defines but we do not load; named so the error says "unsupported", not "unknown".
const OTHER_DTYPES = new Set(["BOOL", "I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"]);
// Same cap as the reference implementation: refuse to JSON.parse absurd headers.
const MAX_HEADER = 100_000_000;
const METADATA_KEY = "__metadata__";
// Typed arrays use platform byte order; the format is little-endian. Every
// current JS engine runs little-endian, but refuse rather than corrupt if not.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(s: unknown): s is Dtype {
  return typeof s === "string" && Object.hasOwn(ITEMSIZE, s);
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function matchesDtype(data: ArrayBufferView, dtype: Dtype): boolean {
  if (data instanceof Uint8Array || data instanceof DataView) return true; // raw bytes
  switch (dtype) {
    case "F32": return data instanceof Float32Array;
    case "F64": return data instanceof Float64Array;
    case "I32": return data instanceof Int32Array;
    case "I64": return data instanceof BigInt64Array;
    case "U8": return data instanceof Uint8ClampedArray;
    case "F16": case "BF16": return data instanceof Uint16Array;
  }
}

/**
 * Encodes tensors to safetensors bytes. Layout order follows the reference
 * implementation (larger itemsize first, then name) so every tensor is aligned
 * to its itemsize in the file and the output does not depend on input order.
 * Metadata keys are written sorted, for deterministic bytes.
 */
export function encodeSafetensors(tensors: TensorInput[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  for (const t of tensors) {
    const what = `encodeSafetensors: tensor ${JSON.stringify(t.name)}`;
    if (t.name === METADATA_KEY || seen.has(t.name)) {
      throw new ShrinkError("E_ST_NAME", `${what}: name is ${t.name === METADATA_KEY ? "reserved" : "used twice"}`);
    }
    seen.add(t.name);
    if (!isDtype(t.dtype)) throw new ShrinkError("E_ST_DTYPE", `${what}: dtype ${JSON.stringify(t.dtype)} is unknown (${SUPPORTED})`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ShrinkError("E_ST_SHAPE", `${what}: shape [${t.shape.join(", ")}] must hold non-negative integers`);
    }
    const need = product(t.shape) * ITEMSIZE[t.dtype];
    if (t.data.byteLength !== need) {
      throw new ShrinkError(
        "E_ST_SIZE",
        `${what}: data has ${t.data.byteLength} bytes but shape [${t.shape.join(", ")}] ${t.dtype} needs ${need}`,
      );
    }
    if (!matchesDtype(t.data, t.dtype)) {
      throw new ShrinkError("E_ST_DTYPE", `${what}: data is a ${t.data.constructor.name}, which does not match dtype ${t.dtype}`);
    }
    if (!LITTLE_ENDIAN && ITEMSIZE[t.dtype] > 1) {
      throw new ShrinkError("E_ST_ENDIAN", `${what}: big-endian hosts are not supported`);
    }
  }

  const ordered = [...tensors].sort(
    (a, b) => ITEMSIZE[b.dtype] - ITEMSIZE[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    const meta: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) {
      const value = metadata[key];
      if (typeof value !== "string") {
        throw new ShrinkError("E_ST_METADATA", `encodeSafetensors: metadata ${JSON.stringify(key)} is a ${typeof value} (values must be strings)`);
      }
      Object.defineProperty(meta, key, { value, enumerable: true, writable: true, configurable: true });
    }
    header[METADATA_KEY] = meta;
  }
  let offset = 0;
  for (const t of ordered) {
    const end = offset + t.data.byteLength;
    // defineProperty: a tensor named "__proto__" must become a key, not a prototype.
    Object.defineProperty(header, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset = end;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen); // space padding, as the spec asks
  let pos = 8 + headerLen;
  for (const t of ordered) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

function fail(code: string, message: string): never {
  throw new ShrinkError(code, message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Decodes and fully validates safetensors bytes; `name` is used in error messages. Tensor data is copied into aligned typed arrays. */
export function decodeSafetensors(bytes: Uint8Array, name: string): DecodedSafetensors {
  if (bytes.length < 8) {
    fail("E_ST_SHORT", `${name}: file is ${bytes.length} bytes, too short for a safetensors file (needs at least the 8-byte header length)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) {
    fail("E_ST_HEADER_SIZE", `${name}: header length ${n64} exceeds the ${MAX_HEADER}-byte limit`);
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    fail("E_ST_HEADER_SIZE", `${name}: header length ${n} does not fit in the ${bytes.length}-byte file (at most ${bytes.length - 8})`);
  }

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail("E_ST_HEADER_UTF8", `${name}: header is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail("E_ST_HEADER_JSON", `${name}: header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(header)) {
    fail("E_ST_HEADER_JSON", `${name}: header must be a JSON object, found ${Array.isArray(header) ? "an array" : JSON.stringify(header)}`);
  }

  const metadata: Record<string, string> = {};
  const rawMeta = header[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (!isObject(rawMeta)) fail("E_ST_METADATA", `${name}: "__metadata__" must be an object of strings`);
    for (const [key, value] of Object.entries(rawMeta)) {
      if (typeof value !== "string") {
        fail("E_ST_METADATA", `${name}: metadata ${JSON.stringify(key)} is ${JSON.stringify(value)}, not a string (metadata values must be strings)`);
      }
      Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }

  const bufStart = 8 + n;
  const bufLen = bytes.length - bufStart;
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [tname, info] of Object.entries(header)) {
    if (tname === METADATA_KEY) continue;
    const what = `${name}: tensor ${JSON.stringify(tname)}`;
    if (!isObject(info)) fail("E_ST_ENTRY", `${what}: entry must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offs } = info;
    if (!isDtype(dtype)) {
      const kind = typeof dtype === "string" && OTHER_DTYPES.has(dtype) ? "is not supported" : "is unknown";
      fail("E_ST_DTYPE", `${what}: dtype ${JSON.stringify(dtype)} ${kind} (${SUPPORTED})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail("E_ST_SHAPE", `${what}: shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
      fail("E_ST_OFFSETS", `${what}: data_offsets ${JSON.stringify(offs)} must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offs as [number, number];
    if (end > bufLen) {
      fail("E_ST_OFFSETS", `${what} data_offsets [${begin}, ${end}] run past the ${bufLen}-byte data buffer`);
    }
    const need = product(shape) * ITEMSIZE[dtype];
    if (end - begin !== need) {
      fail(
        "E_ST_SIZE",
        `${what} data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(", ")}] ${dtype} needs ${need}`,
      );
    }
    if (!LITTLE_ENDIAN && ITEMSIZE[dtype] > 1) fail("E_ST_ENDIAN", `${what}: big-endian hosts are not supported`);
    entries.push({ name: tname, dtype, shape: shape as number[], begin, end });
  }

  // The spec requires the tensors to tile the buffer exactly: no overlap, no gaps, no trailing bytes.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of byOffset) {
    if (e.begin !== expected) {
      const problem = e.begin < expected ? "overlap the previous tensor" : `leave a gap after byte ${expected}`;
      fail("E_ST_OFFSETS", `${name}: tensor ${JSON.stringify(e.name)} data_offsets [${e.begin}, ${e.end}] ${problem} (tensors must cover the buffer contiguously)`);
    }
    expected = e.end;
  }
  if (expected !== bufLen) {
    fail("E_ST_OFFSETS", `${name}: tensors cover ${expected} bytes but the data buffer holds ${bufLen} (tensors must cover the buffer contiguously)`);
  }

  const tensors = new Map<string, DecodedTensor>();
  for (const e of entries) {
    // Copy: offsets inside the file need not be aligned for a typed-array view.
    const src = bytes.subarray(bufStart + e.begin, bufStart + e.end);
    const buf = new ArrayBuffer(src.length);
    new Uint8Array(buf).set(src);
    tensors.set(e.name, makeTensor(e.dtype, e.shape, buf));
  }
  return { tensors, metadata };
}

function makeTensor(dtype: Dtype, shape: number[], buf: ArrayBuffer): DecodedTensor {
  switch (dtype) {
    case "F32": return { dtype, shape, data: new Float32Array(buf) };
    case "F64": return { dtype, shape, data: new Float64Array(buf) };
    case "I32": return { dtype, shape, data: new Int32Array(buf) };
    case "I64": return { dtype, shape, data: new BigInt64Array(buf) };
    case "U8": return { dtype, shape, data: new Uint8Array(buf) };
    case "F16": return { dtype, shape, data: Float32Array.from(new Uint16Array(buf), f16ToF32) };
    case "BF16": return { dtype, shape, data: Float32Array.from(new Uint16Array(buf), (h) => bf16ToF32(h)) };
  }
}

const bits = new DataView(new ArrayBuffer(4));
/** bfloat16 is the top half of an f32. */
export function bf16ToF32(h: number): number {
  bits.setUint32(0, h << 16);
  return bits.getFloat32(0);
}
/** IEEE binary16 → f32, exactly (subnormals, ±Inf and NaN included), by bits. */
export function f16ToF32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  let out: number;
  if (exp === 0x1f) out = sign | 0x7f800000 | (mant << 13);
  else if (exp !== 0) out = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant === 0) out = sign;
  else {
    // Subnormal: normalise the mantissa.
    let e = 113;
    while ((mant & 0x400) === 0) { mant <<= 1; e--; }
    out = sign | (e << 23) | ((mant & 0x3ff) << 13);
  }
  bits.setUint32(0, out >>> 0);
  return bits.getFloat32(0);
}
