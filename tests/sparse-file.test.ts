// Sparse model files (src/io/sparse-file.ts, assembly/kernels/sparse/pack.ts):
// the round trip is bit-exact (−0 included), the smaller position code wins,
// f16 values round to nearest even, and bad files are refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/engine/rng.ts";
import { ShrinkError } from "../src/engine/errors.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import { encodeModel, decodeModel, decodeModelTensors } from "../src/io/model-file.ts";
import { decodeSafetensors, encodeSafetensors, f16ToF32 } from "../src/io/safetensors.ts";
import { engine } from "./helpers/engine.ts";

const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

/** Zeroes a fraction of each weight tensor, half of the zeros as −0 (as soft thresholding leaves them). */
function prune(model: ReturnType<typeof buildModel>, sparsity: number): void {
  for (const p of model.params()) {
    if (p.kind !== "weight") continue;
    const v = p.value.toArray();
    for (let i = 0; i < v.length; i++) if (((i * 2654435761) >>> 0) / 2 ** 32 < sparsity) v[i] = v[i] < 0 ? -0 : 0;
    p.value.set(v);
  }
}

for (const sparsity of [0.5, 0.9, 0.95, 0.99]) {
  test(`sparse file at ${sparsity * 100}% sparsity: every tensor comes back bit for bit (−0 too); size against the dense file`, async (t) => {
    const e = await engine();
    const spec = modelSpec("mlp", [1, 28, 28], 10);
    const rng = new Rng(e, 9);
    const model = buildModel(e, spec, 1, rng, { inference: true });
    rng.free();
    try {
      prune(model, sparsity);
      const dense = encodeModel(model, spec);
      const sparse = encodeModel(model, spec, {}, { sparse: {} });
      const ratio = sparse.length / dense.length;
      t.diagnostic(`sparse ${sparse.length} B = ${(100 * ratio).toFixed(1)}% of dense ${dense.length} B`);
      if (sparsity === 0.9) assert.ok(ratio <= 0.2, `90%: ${ratio}`);
      if (sparsity === 0.95) assert.ok(ratio <= 0.12, `95%: ${ratio}`);
      const back = decodeModel(e, sparse, "s.safetensors", 1, { inference: true });
      try {
        for (const [a, b] of model.params().map((p, i) => [p, back.model.params()[i]] as const)) {
          assert.equal(a.name, b.name);
          assert.deepEqual(bits(b.value.toArray()), bits(a.value.toArray()), a.name);
        }
      } finally {
        back.model.free();
      }
      const meta = decodeSafetensors(sparse, "s").metadata;
      const entries = JSON.parse(meta.sparse) as Record<string, { encoding: string; negzero: boolean }>;
      assert.deepEqual(Object.keys(entries), ["fc1.weight", "fc2.weight", "fc3.weight"]);
      // The position code is the smaller one: delta8 once gaps are mostly < 255 bytes' worth, the bitmask when dense.
      assert.equal(entries["fc1.weight"].encoding, sparsity >= 0.9 ? "delta8" : "bitmask");
      assert.ok(entries["fc1.weight"].negzero);
    } finally {
      model.free();
    }
  });
}

test("f16 values: every half-precision value survives f32 → f16 exactly; ties round to even; the file says it is lossy", async () => {
  const e = await engine();
  const n = 65536;
  const src = e.alloc(n), dst = e.alloc(n / 2);
  try {
    const all = Float32Array.from({ length: n }, (_, h) => f16ToF32(h));
    e.f32(src, n).set(all);
    e.k.f16_from_f32(src, n, dst);
    const h16 = new Uint16Array(e.u8(dst, 2 * n).slice().buffer);
    for (let h = 0; h < n; h++) {
      if (Number.isNaN(all[h])) assert.ok(Number.isNaN(f16ToF32(h16[h])));
      else assert.equal(h16[h], h, `f16 ${h.toString(16)}`);
    }
    // Midpoints between neighbours 1 and 1 + 2^-10, and just above: even, then up.
    const mids = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 65520, 2 ** -25, 2 ** -25 + 2 ** -35]);
    e.f32(src, mids.length).set(mids);
    e.k.f16_from_f32(src, mids.length, dst);
    assert.deepEqual([...new Uint16Array(e.u8(dst, 2 * mids.length).slice().buffer)], [0x3c00, 0x3c02, 0x3c01, 0x7c00, 0x0000, 0x0001]);
  } finally {
    e.free(src);
    e.free(dst);
  }
  const spec = modelSpec("linear", [1, 28, 28], 10);
  const rng = new Rng(e, 2);
  const model = buildModel(e, spec, 1, rng, { inference: true });
  rng.free();
  prune(model, 0.9);
  const f16 = encodeModel(model, spec, {}, { sparse: { values: "f16" } });
  const { tensors, metadata } = decodeModelTensors(e, f16, "h");
  assert.match(metadata.lossy, /F16/);
  const w = model.params()[0].value.toArray();
  const got = tensors.get("fc.weight")!.data as Float32Array;
  // Half an f16 ulp: 2^-11 relative for normals, 2^-25 absolute in the subnormal range.
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(got[i] - w[i]) <= Math.max(Math.abs(w[i]) * 2 ** -11, 2 ** -25), `${i}: ${w[i]} → ${got[i]}`);
  model.free();
});

test("inconsistent sparse files are refused with the tensor named", async () => {
  const e = await engine();
  const mk = (meta: unknown, tensors: Parameters<typeof encodeSafetensors>[0]) => encodeSafetensors(tensors, { sparse: JSON.stringify(meta) });
  const vals = { name: "w.values", dtype: "F32" as const, shape: [2], data: new Float32Array([1, 2]) };
  const cases: [Uint8Array, RegExp][] = [
    [mk({ w: { shape: [4], encoding: "bitmask", count: 2, values: "F32" } }, [vals, { name: "w.bitmask", dtype: "U8", shape: [1], data: new Uint8Array([0b0111]) }]), /sparse tensor "w": its positions do not match its 2 values/],
    [mk({ w: { shape: [4], encoding: "delta8", count: 2, values: "F32" } }, [vals, { name: "w.delta8", dtype: "U8", shape: [2], data: new Uint8Array([1, 9]) }]), /positions do not match/],
    [mk({ w: { shape: [4], encoding: "rle", count: 2, values: "F32" } }, [vals]), /encoding "rle" \(bitmask or delta8\)/],
    [mk({ w: { shape: [4], encoding: "bitmask", count: 3, values: "F32" } }, [vals, { name: "w.bitmask", dtype: "U8", shape: [1], data: new Uint8Array([3]) }]), /w\.values must be 3 F32 or F16 values/],
    [mk({ w: { shape: [4], encoding: "bitmask", count: 2, values: "F32", negzero: true } }, [vals, { name: "w.bitmask", dtype: "U8", shape: [1], data: new Uint8Array([3]) }]), /w\.negzero must be 1 U8 bytes/],
  ];
  for (const [b, re] of cases) assert.throws(() => decodeModelTensors(e, b, "bad.safetensors"), (err: unknown) => err instanceof ShrinkError && err.code === "E_SPARSE" && re.test(err.message), String(re));
  // A valid delta8 code decodes: positions 0 and 3.
  const ok = decodeModelTensors(e, mk({ w: { shape: [4], encoding: "delta8", count: 2, values: "F32" } }, [vals, { name: "w.delta8", dtype: "U8", shape: [2], data: new Uint8Array([1, 3]) }]), "ok");
  assert.deepEqual([...(ok.tensors.get("w")!.data as Float32Array)], [1, 0, 0, 2]);
});
