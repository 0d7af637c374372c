import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.ts";
import type { TensorInput } from "../src/io/safetensors.ts";
import { ShrinkError } from "../src/engine/errors.ts";

const shrinkError = (code: string, re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ShrinkError, `expected ShrinkError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.match(err.message, re);
  return true;
};

/** Builds a file by hand from a header object (or raw header text) and a data buffer, bypassing the encoder. */
function craft(header: unknown, buffer: Uint8Array = new Uint8Array(0), headerLenOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, headerLenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): { len: number; text: string } {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { len, text: new TextDecoder().decode(bytes.subarray(8, 8 + len)) };
}

const sample = (): TensorInput[] => [
  { name: "fc1.weight", dtype: "F32", shape: [2, 3], data: Float32Array.of(0.5, -1, 2.25, 1e-7, -3e30, 0) },
  { name: "labels", dtype: "U8", shape: [5], data: Uint8Array.of(0, 9, 255, 3, 1) },
  { name: "fc1.bias", dtype: "F64", shape: [2], data: Float64Array.of(Math.PI, -0) },
  { name: "idx", dtype: "I32", shape: [3], data: Int32Array.of(-1, 2147483647, -2147483648) },
  { name: "step", dtype: "I64", shape: [], data: BigInt64Array.of(-(2n ** 62n)) },
  { name: "empty", dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
];

test("round trip keeps dtype, shape, values and metadata", () => {
  const meta = { format: "shrinkwasm", config: JSON.stringify({ layers: [784, 100, 10] }) };
  const out = decodeSafetensors(encodeSafetensors(sample(), meta), "m.safetensors");
  assert.deepEqual(out.metadata, meta);
  assert.deepEqual(JSON.parse(out.metadata["config"]!), { layers: [784, 100, 10] });
  assert.equal(out.tensors.size, 6);
  for (const t of sample()) {
    const got = out.tensors.get(t.name);
    assert.ok(got, t.name);
    assert.equal(got.dtype, t.dtype);
    assert.deepEqual(got.shape, t.shape);
    assert.equal(got.data.constructor, t.data.constructor, t.name);
    assert.deepEqual([...(got.data as Iterable<number | bigint>)], [...(t.data as unknown as Iterable<number | bigint>)], t.name);
  }
  const w = out.tensors.get("fc1.weight")!;
  assert.equal(w.dtype, "F32");
  assert.equal(w.data[4], Math.fround(-3e30));
  assert.ok(Object.is(out.tensors.get("fc1.bias")!.data[1], -0));
});

test("layout: 8-byte padded header, contiguous offsets, widest dtype first then name, independent of input order", () => {
  const bytes = encodeSafetensors(sample(), { b: "2", a: "1" });
  const { len, text } = headerOf(bytes);
  assert.equal(len % 8, 0);
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text);
  assert.deepEqual(Object.keys(header), ["__metadata__", "fc1.bias", "step", "empty", "fc1.weight", "idx", "labels"]);
  assert.deepEqual(Object.keys(header.__metadata__), ["a", "b"]);
  assert.deepEqual(header["fc1.bias"], { dtype: "F64", shape: [2], data_offsets: [0, 16] });
  assert.deepEqual(header.step.data_offsets, [16, 24]);
  assert.deepEqual(header.empty.data_offsets, [24, 24]);
  assert.deepEqual(header["fc1.weight"].data_offsets, [24, 48]);
  assert.deepEqual(header.idx.data_offsets, [48, 60]);
  assert.deepEqual(header.labels.data_offsets, [60, 65]);
  assert.equal(bytes.length, 8 + len + 65);
  // Little-endian tensor bytes: F64 pi starts with 0x18 0x2d 0x44 0x54.
  assert.deepEqual([...bytes.subarray(8 + len, 8 + len + 4)], [0x18, 0x2d, 0x44, 0x54]);
  assert.deepEqual(encodeSafetensors(sample().reverse(), { a: "1", b: "2" }), bytes);
});

test("no tensors and no metadata is a valid 16-byte file", () => {
  const bytes = encodeSafetensors([]);
  assert.equal(bytes.length, 16);
  assert.equal(headerOf(bytes).text, "{}      ");
  const out = decodeSafetensors(bytes, "e");
  assert.equal(out.tensors.size, 0);
  assert.deepEqual(out.metadata, {});
});

// Written once by Python's safetensors 0.8.0 (safetensors.numpy.save_file; torch was not
// installed, and both front ends share the same Rust serializer):
//   {"fc.weight": np.array([[-1.5, 0, 0.25], [2, 3.75, -100]], float32),
//    "fc.steps": np.array([1, -2, 2**40, -(2**33)], int64)},
//   metadata={"format": "np", "config": '{"layers":[784,10],"act":"relu"}'}
const FIXTURE = new URL("../tests/fixtures/safetensors-py-small.safetensors", import.meta.url);

test("reads a file written by Python's safetensors", () => {
  const out = decodeSafetensors(new Uint8Array(readFileSync(FIXTURE)), "py-small.safetensors");
  assert.deepEqual(out.metadata, { format: "np", config: '{"layers":[784,10],"act":"relu"}' });
  assert.deepEqual([...out.tensors.keys()].sort(), ["fc.steps", "fc.weight"]);
  const w = out.tensors.get("fc.weight")!;
  assert.equal(w.dtype, "F32");
  assert.deepEqual(w.shape, [2, 3]);
  assert.deepEqual([...w.data], [-1.5, 0, 0.25, 2, 3.75, -100]);
  const s = out.tensors.get("fc.steps")!;
  assert.equal(s.dtype, "I64");
  assert.deepEqual(s.shape, [4]);
  assert.deepEqual([...s.data], [1n, -2n, 2n ** 40n, -(2n ** 33n)]);
});

test("encoding the fixture's tensors reproduces Python's bytes exactly", () => {
  const ours = encodeSafetensors(
    [
      { name: "fc.weight", dtype: "F32", shape: [2, 3], data: Float32Array.of(-1.5, 0, 0.25, 2, 3.75, -100) },
      { name: "fc.steps", dtype: "I64", shape: [4], data: BigInt64Array.of(1n, -2n, 2n ** 40n, -(2n ** 33n)) },
    ],
    { format: "np", config: '{"layers":[784,10],"act":"relu"}' },
  );
  assert.deepEqual(ours, new Uint8Array(readFileSync(FIXTURE)));
});

test("unaligned data offsets are copied into aligned arrays", () => {
  const buf = new Uint8Array(11);
  buf.set([7, 8, 9], 0);
  new DataView(buf.buffer).setFloat32(3, 1.5, true);
  new DataView(buf.buffer).setFloat32(7, -2, true);
  // craft() does not pad the header, so the F32 data starts at an odd file offset.
  const file = craft(
    {
      b: { dtype: "U8", shape: [3], data_offsets: [0, 3] },
      a: { dtype: "F32", shape: [2], data_offsets: [3, 11] },
    },
    buf,
  );
  assert.notEqual((headerOf(file).len + 8 + 3) % 4, 0);
  const out = decodeSafetensors(file, "u");
  assert.deepEqual([...out.tensors.get("a")!.data], [1.5, -2]);
  assert.deepEqual([...out.tensors.get("b")!.data], [7, 8, 9]);
  assert.equal(out.tensors.get("a")!.data.byteOffset, 0);
});

test("corrupt files: size and header problems", () => {
  assert.throws(() => decodeSafetensors(new Uint8Array(5), "m.st"), shrinkError("E_ST_SHORT", /^m\.st: file is 5 bytes/));
  assert.throws(
    () => decodeSafetensors(craft({}, new Uint8Array(0), 200_000_000n), "m.st"),
    shrinkError("E_ST_HEADER_SIZE", /^m\.st: header length 200000000 exceeds the 100000000-byte limit$/),
  );
  assert.throws(
    () => decodeSafetensors(craft({}, new Uint8Array(0), 2n ** 64n - 1n), "m.st"),
    shrinkError("E_ST_HEADER_SIZE", /header length 18446744073709551615 exceeds/),
  );
  assert.throws(
    () => decodeSafetensors(craft({}, new Uint8Array(0), 50n), "m.st"),
    shrinkError("E_ST_HEADER_SIZE", /header length 50 does not fit in the 10-byte file/),
  );
  const good = encodeSafetensors(sample());
  assert.throws(() => decodeSafetensors(good.subarray(0, 40), "cut.st"), shrinkError("E_ST_HEADER_SIZE", /^cut\.st: header length \d+ does not fit/));
  assert.throws(
    () => decodeSafetensors(good.subarray(0, good.length - 1), "cut.st"),
    shrinkError("E_ST_OFFSETS", /^cut\.st: tensor "labels" data_offsets \[60, 65\] run past the 64-byte data buffer/),
  );
  assert.throws(() => decodeSafetensors(craft('{"a": '), "j.st"), shrinkError("E_ST_HEADER_JSON", /^j\.st: header is not valid JSON/));
  assert.throws(() => decodeSafetensors(craft("[1,2]"), "j.st"), shrinkError("E_ST_HEADER_JSON", /must be a JSON object, found an array/));
  const badUtf8 = craft('{"x":1}');
  badUtf8[10] = 0xff;
  assert.throws(() => decodeSafetensors(badUtf8, "u.st"), shrinkError("E_ST_HEADER_UTF8", /not valid UTF-8/));
});

test("corrupt files: tensor entries", () => {
  const f32 = (shape: number[], offs: number[]) => ({ "fc1.weight": { dtype: "F32", shape, data_offsets: offs } });
  assert.throws(
    () => decodeSafetensors(craft(f32([10, 784], [0, 100]), new Uint8Array(100)), "model.safetensors"),
    shrinkError(
      "E_ST_SIZE",
      /^model\.safetensors: tensor "fc1\.weight" data_offsets \[0, 100\] hold 100 bytes but shape \[10, 784\] F32 needs 31360$/,
    ),
  );
  assert.throws(
    () => decodeSafetensors(craft({ w: { dtype: "Q4", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), "m"),
    shrinkError("E_ST_DTYPE", /^m: tensor "w": dtype "Q4" is unknown \(only F32, F64, F16, BF16, I32, I64 and U8 are supported\)$/),
  );
  assert.throws(
    () => decodeSafetensors(craft({ w: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), "m"),
    shrinkError("E_ST_DTYPE", /dtype "F8_E4M3" is not supported \(only F32, F64, F16, BF16, I32, I64 and U8/),
  );
  assert.throws(
    () => decodeSafetensors(craft(f32([-1, 2], [0, 8]), new Uint8Array(8)), "m"),
    shrinkError("E_ST_SHAPE", /tensor "fc1\.weight": shape \[-1,2\] must be an array of non-negative integers/),
  );
  assert.throws(
    () => decodeSafetensors(craft(f32([1.5], [0, 8]), new Uint8Array(8)), "m"),
    shrinkError("E_ST_SHAPE", /shape \[1\.5\]/),
  );
  assert.throws(
    () => decodeSafetensors(craft(f32([2], [8, 0]), new Uint8Array(8)), "m"),
    shrinkError("E_ST_OFFSETS", /data_offsets \[8,0\] must be \[begin, end\] with 0 <= begin <= end/),
  );
  assert.throws(
    () => decodeSafetensors(craft({ w: [1, 2] }), "m"),
    shrinkError("E_ST_ENTRY", /tensor "w": entry must be an object/),
  );
});

test("corrupt files: overlapping, gapped and trailing data", () => {
  const two = (a: number[], b: number[], len: number) =>
    craft({ a: { dtype: "U8", shape: [a[1]! - a[0]!], data_offsets: a }, b: { dtype: "U8", shape: [b[1]! - b[0]!], data_offsets: b } }, new Uint8Array(len));
  assert.doesNotThrow(() => decodeSafetensors(two([0, 4], [4, 6], 6), "ok"));
  assert.throws(() => decodeSafetensors(two([0, 4], [2, 6], 6), "m"), shrinkError("E_ST_OFFSETS", /tensor "b" data_offsets \[2, 6\] overlap the previous tensor/));
  assert.throws(() => decodeSafetensors(two([0, 4], [5, 6], 6), "m"), shrinkError("E_ST_OFFSETS", /tensor "b" data_offsets \[5, 6\] leave a gap after byte 4/));
  assert.throws(() => decodeSafetensors(two([0, 4], [4, 6], 9), "m"), shrinkError("E_ST_OFFSETS", /^m: tensors cover 6 bytes but the data buffer holds 9/));
});

test("corrupt files: metadata values must be strings", () => {
  assert.throws(
    () => decodeSafetensors(craft({ __metadata__: { epochs: 3 } }), "m.st"),
    shrinkError("E_ST_METADATA", /^m\.st: metadata "epochs" is 3, not a string/),
  );
  assert.throws(() => decodeSafetensors(craft({ __metadata__: ["x"] }), "m.st"), shrinkError("E_ST_METADATA", /must be an object of strings/));
  assert.throws(
    () => encodeSafetensors([], { epochs: 3 as unknown as string }),
    shrinkError("E_ST_METADATA", /metadata "epochs" is a number \(values must be strings\)/),
  );
});

test("encoder rejects inconsistent input", () => {
  assert.throws(
    () => encodeSafetensors([{ name: "w", dtype: "F32", shape: [2, 2], data: new Float32Array(3) }]),
    shrinkError("E_ST_SIZE", /tensor "w": data has 12 bytes but shape \[2, 2\] F32 needs 16/),
  );
  assert.throws(
    () => encodeSafetensors([{ name: "w", dtype: "I32", shape: [2], data: new Float32Array(2) }]),
    shrinkError("E_ST_DTYPE", /data is a Float32Array, which does not match dtype I32/),
  );
  const t = { name: "w", dtype: "U8" as const, shape: [1], data: new Uint8Array(1) };
  assert.throws(() => encodeSafetensors([t, t]), shrinkError("E_ST_NAME", /tensor "w": name is used twice/));
  assert.throws(() => encodeSafetensors([{ ...t, name: "__metadata__" }]), shrinkError("E_ST_NAME", /name is reserved/));
  // Raw bytes are accepted for any dtype.
  const raw = new Uint8Array(Float32Array.of(1.25).buffer);
  assert.deepEqual([...decodeSafetensors(encodeSafetensors([{ name: "x", dtype: "F32", shape: [1], data: raw }]), "r").tensors.get("x")!.data], [1.25]);
});
