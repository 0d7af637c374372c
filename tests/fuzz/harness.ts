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
  ];
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
