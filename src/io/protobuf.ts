// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/),
// just what ONNX's messages need: varints (int32/int64/enum/bool), 32- and
// 64-bit fixed values, length-delimited fields (strings, bytes, messages,
// packed repeated scalars). Readers refuse what is malformed with a
// ShrinkError instead of reading past the end; 64-bit integers beyond 2^53
// are refused rather than rounded. Web-standard only.
import { ShrinkError } from "../engine/errors.js";

export const WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5;

export interface PbField {
  field: number;
  wire: number;
  /** WIRE_VARINT: the value (a safe integer; negative int64 as a negative number). */
  int: number;
  /** WIRE_LEN: the payload's [start, end) in the reader's bytes. WIRE_I32 / WIRE_I64: the value's bytes. */
  start: number;
  end: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const enc = new TextEncoder();

export class PbReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly source: string;

  constructor(bytes: Uint8Array, source: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.source = source;
  }

  /** A reader over a nested message's bytes, naming the same source in errors. */
  child(bytes: Uint8Array): PbReader {
    return new PbReader(bytes, this.source);
  }

  fail(what: string): ShrinkError {
    return new ShrinkError("E_ONNX", `${this.source}: ${what}`);
  }

  /** Reads a varint at pos; returns [value, next position]. int64 values outside ±2^53 are refused. */
  varint(pos: number, end: number): [number, number] {
    let v = 0, mul = 1, p = pos;
    for (let i = 0; i < 7; i++) {
      if (p >= end) throw this.fail(`truncated varint at byte ${pos}`);
      const b = this.bytes[p++];
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return [v, p];
      mul *= 128;
    }
    // Eight bytes or more (49+ bits, or a negative int64): exactly, with BigInt.
    let u = 0n;
    p = pos;
    for (let i = 0; ; i++) {
      if (i === 10) throw this.fail(`varint longer than 10 bytes at byte ${pos}`);
      if (p >= end) throw this.fail(`truncated varint at byte ${pos}`);
      const b = this.bytes[p++];
      u |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (!(b & 0x80)) break;
    }
    u &= (1n << 64n) - 1n;
    const sv = u >= 1n << 63n ? u - (1n << 64n) : u;
    if (sv > BigInt(Number.MAX_SAFE_INTEGER) || sv < BigInt(Number.MIN_SAFE_INTEGER)) throw this.fail(`integer outside ±2^53 at byte ${pos}`);
    return [Number(sv), p];
  }

  /** Every field of the message in [start, end), in order. */
  fields(start = 0, end = this.bytes.length): PbField[] {
    const out: PbField[] = [];
    let p = start;
    while (p < end) {
      const [key, q] = this.varint(p, end);
      const field = Math.floor(key / 8), wire = key % 8;
      if (field < 1) throw this.fail(`field number 0 at byte ${p}`);
      p = q;
      switch (wire) {
        case WIRE_VARINT: {
          const [v, r] = this.varint(p, end);
          out.push({ field, wire, int: v, start: p, end: r });
          p = r;
          break;
        }
        case WIRE_I64: case WIRE_I32: {
          const n = wire === WIRE_I64 ? 8 : 4;
          if (p + n > end) throw this.fail(`truncated fixed-width field ${field} at byte ${p}`);
          out.push({ field, wire, int: 0, start: p, end: p + n });
          p += n;
          break;
        }
        case WIRE_LEN: {
          const [len, r] = this.varint(p, end);
          if (len < 0 || r + len > end) throw this.fail(`field ${field} at byte ${p} claims ${len} bytes, past the end of its message`);
          out.push({ field, wire, int: len, start: r, end: r + len });
          p = r + len;
          break;
        }
        default:
          throw this.fail(`unsupported wire type ${wire} (field ${field}) at byte ${p}`);
      }
    }
    return out;
  }

  string(f: PbField): string {
    this.expect(f, WIRE_LEN, "a string");
    try {
      return utf8.decode(this.bytes.subarray(f.start, f.end));
    } catch {
      throw this.fail(`field ${f.field} is not valid UTF-8`);
    }
  }

  sub(f: PbField): Uint8Array {
    this.expect(f, WIRE_LEN, "bytes");
    return this.bytes.subarray(f.start, f.end);
  }

  int(f: PbField): number {
    this.expect(f, WIRE_VARINT, "an integer");
    return f.int;
  }

  float32(f: PbField): number {
    this.expect(f, WIRE_I32, "a float");
    return this.view.getFloat32(f.start, true);
  }

  /** A repeated varint field, packed (one LEN field) or not (one VARINT per value); appends to out. */
  ints(f: PbField, out: number[]): void {
    if (f.wire === WIRE_VARINT) { out.push(f.int); return; }
    this.expect(f, WIRE_LEN, "integers");
    for (let p = f.start; p < f.end;) {
      const [v, q] = this.varint(p, f.end);
      out.push(v);
      p = q;
    }
  }

  /** A repeated float field, packed or not; appends to out. */
  floats(f: PbField, out: number[]): void {
    if (f.wire === WIRE_I32) { out.push(this.view.getFloat32(f.start, true)); return; }
    this.expect(f, WIRE_LEN, "floats");
    if ((f.end - f.start) % 4) throw this.fail(`packed floats of field ${f.field} are not a multiple of 4 bytes`);
    for (let p = f.start; p < f.end; p += 4) out.push(this.view.getFloat32(p, true));
  }

  private expect(f: PbField, wire: number, what: string): void {
    if (f.wire !== wire) throw this.fail(`field ${f.field} should be ${what} (wire type ${wire}), found wire type ${f.wire}`);
  }
}

/** Builds a message; nested messages are written as length-delimited fields. */
export class PbWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varintBytes(v: number): Uint8Array {
    if (!Number.isSafeInteger(v)) throw new ShrinkError("E_ONNX", `protobuf: ${v} is not a safe integer`);
    const out: number[] = [];
    let u = v < 0 ? BigInt(v) + (1n << 64n) : BigInt(v); // int64 two's complement: ten bytes
    while (u >= 0x80n) {
      out.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    out.push(Number(u));
    return Uint8Array.from(out);
  }

  private key(field: number, wire: number): void {
    this.push(this.varintBytes(field * 8 + wire));
  }

  int(field: number, v: number): this {
    this.key(field, WIRE_VARINT);
    this.push(this.varintBytes(v));
    return this;
  }

  float32(field: number, v: number): this {
    this.key(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.push(this.varintBytes(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }

  message(field: number, m: PbWriter): this {
    return this.bytes(field, m.finish());
  }

  packedInts(field: number, vs: readonly number[]): this {
    const w = new PbWriter();
    for (const v of vs) w.push(w.varintBytes(v));
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}
