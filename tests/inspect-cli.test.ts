// `shrink inspect` as a user runs it (node bin/shrink.js from the repository
// root; bin/shrink.js loads dist/cli.js, so `npm run build` after changing
// src/): on a model saved by `shrink prune --method sap` and by `shrink train`
// (embedded data/, 1 epoch), and on safetensors files written here byte by
// byte (an F64 tensor to skip, an all-zero tensor, an empty tensor). Its
// counts must agree with the run's report, and its PQ Index / Gini with the
// library's pqIndex / giniIndex over the nonzero entries of the same data.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.ts";
import { pqIndex, pqIndexGlobal } from "../src/prune/measures/pq-index.ts";
import { giniIndex } from "../src/prune/measures/gini-index.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { engine, repoRoot } from "./helpers/engine.ts";
import { shrink, lines, once } from "./helpers/cli.ts";
import { relErr } from "./helpers/prune.ts";

const ROOT = repoRoot();
const TMP = mkdtempSync(join(tmpdir(), "shrink-inspect-cli-test-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

interface Row { name: string; shape: number[] | null; params: number; nonzero: number; sparsity: number; pqi: number | null; gini: number | null; remaining: { pqi: number | null; gini: number | null; r: number | null } }
interface Report { file: string; p: number; q: number; tensors: Row[]; overall: Row; skipped: string[]; metadata: Record<string, string> }

function inspectJson(file: string, ...extra: string[]): Report {
  const r = shrink("inspect", file, "--json", ...extra);
  assert.equal(r.code, 0, `inspect failed:\n${r.stderr}`);
  assert.equal(r.stderr, "");
  const out = lines(r.stdout);
  assert.equal(out.length, 1, "--json prints one line");
  return JSON.parse(out[0]);
}

/** A safetensors file written by hand: 8-byte LE header length, JSON header, raw little-endian data. */
function writeSafetensors(path: string, tensors: [name: string, dtype: string, shape: number[], data: ArrayBufferView][], metadata?: Record<string, string>) {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [name, dtype, shape, data] of tensors) {
    header[name] = { dtype, shape, data_offsets: [off, off + data.byteLength] };
    off += data.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  let h = JSON.stringify(header);
  h += " ".repeat((8 - (h.length % 8)) % 8);
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const [, , , data] of tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), o);
    o += data.byteLength;
  }
  writeFileSync(path, out);
}

/**
 * The library's indices over the nonzero entries of every F32 tensor of a
 * file (per tensor and all of them as one vector), for comparison.
 */
async function libraryIndices(file: string, p: number, q: number) {
  const e = await engine();
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)), file);
  const made: { name: string; t: Tensor; m: Tensor; nonzero: number }[] = [];
  try {
    for (const [name, d] of tensors) {
      if (d.dtype !== "F32") continue;
      const data = d.data as Float32Array;
      const t = new Tensor(e, [Math.max(1, data.length)]).set(data.length ? data : [0]);
      const mask = Uint8Array.from(data.length ? data : [0], (x) => (x !== 0 ? 1 : 0));
      const m = new Tensor(e, [mask.length], "u8").set(mask);
      made.push({ name, t, m, nonzero: mask.reduce((a, b) => a + b, 0) });
    }
    const per = new Map(made.map(({ name, t, m, nonzero }) => [name, {
      nonzero, pqi: pqIndex(e, t, { p, q, mask: m.ptr }).value, gini: giniIndex(e, t, { mask: m.ptr }).value,
    }]));
    const overall = pqIndexGlobal(e, made.map(({ t, m }) => ({ ptr: t.ptr, size: t.size, mask: m.ptr })), { p, q }).value;
    return { per, overall };
  } finally {
    for (const { t, m } of made) { t.free(); m.free(); }
  }
}

/** PQ Index of the nonzero entries in f64 (Eq. 1). */
function pqiRef(x: ArrayLike<number>, p: number, q: number): number {
  let sp = 0, sq = 0, d = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a === 0) continue;
    d++;
    sp += a ** p;
    sq += a ** q;
  }
  return 1 - d ** (1 / q - 1 / p) * sp ** (1 / p) / sq ** (1 / q);
}

function assertMatchesLibrary(rep: Report, lib: Awaited<ReturnType<typeof libraryIndices>>, what: string) {
  for (const row of rep.tensors) {
    const l = lib.per.get(row.name);
    assert.ok(l, `${what}: ${row.name} in the library's view`);
    assert.equal(row.nonzero, l.nonzero, `${what}: ${row.name} nonzero`);
    assert.equal(row.remaining.pqi, l.pqi, `${what}: ${row.name} PQI ${row.remaining.pqi} vs pqIndex ${l.pqi}`);
    if (l.gini === null) assert.equal(row.remaining.gini, null);
    else assert.ok(row.remaining.gini !== null && relErr(row.remaining.gini, l.gini) <= 1e-12, `${what}: ${row.name} Gini ${row.remaining.gini} vs giniIndex ${l.gini}`);
  }
  assert.equal(rep.overall.remaining.pqi, lib.overall, `${what}: overall PQI`);
}

// ---- a model pruned by SAP ---------------------------------------------------

const SAP = join(TMP, "sap.safetensors");
const sapRun = once(() => shrink("prune", "--method", "sap", "--data-dir", "data", "--epochs", "1", "--iterations", "2", "--out", SAP, "--json"));

test("inspect on a SAP model: per-tensor nonzero counts equal the run's report to the count; overall and remaining agree", () => {
  const r = sapRun();
  assert.equal(r.code, 0, `prune failed:\n${r.stderr}`);
  const s = JSON.parse(lines(r.stdout).at(-1)!);
  assert.equal(s.method, "sap");
  assert.equal(s.iterations.length, 2);
  const rep = inspectJson(SAP);
  assert.equal(rep.file, SAP);
  assert.equal(rep.p, 0.5);
  assert.equal(rep.q, 1);
  assert.deepEqual(rep.skipped, []);
  assert.deepEqual(rep.metadata, { arch: "mlp", format: "shrinkwasm/1" });
  const runLayers = new Map((s.layers as Row[]).map((l) => [l.name, l]));
  assert.deepEqual(rep.tensors.map((t) => t.name).sort(), [...runLayers.keys()].sort(), "the same tensors");
  for (const t of rep.tensors) {
    const l = runLayers.get(t.name)!;
    assert.equal(t.nonzero, l.nonzero, `${t.name}: inspect ${t.nonzero} vs run ${l.nonzero}`);
    assert.equal(t.params, l.params);
    assert.deepEqual(t.shape, l.shape);
    assert.equal(t.sparsity, 1 - t.nonzero / t.params);
    if (t.name.endsWith(".bias")) assert.equal(t.nonzero, t.params, `${t.name} dense`);
    else assert.ok(t.nonzero < t.params, `${t.name} pruned`);
    assert.ok(t.remaining.pqi !== null && t.remaining.pqi > 0 && t.remaining.pqi < 1 && t.remaining.gini !== null && t.remaining.gini > 0 && t.remaining.gini < 1);
  }
  assert.equal(rep.overall.name, "overall");
  assert.equal(rep.overall.shape, null);
  assert.equal(rep.overall.nonzero, s.nonzero);
  assert.equal(rep.overall.params, s.params);
  assert.equal(rep.overall.sparsity, 1 - s.nonzero / s.params);
  // The run's "remaining" is over the pruned weights only.
  const wNz = rep.tensors.filter((t) => t.name.endsWith(".weight")).reduce((n, t) => n + t.nonzero, 0);
  assert.equal(Math.round(s.remaining * 135680), wNz);
  assert.equal(s.iterations[1].remainingAfter, s.remaining);
});

test("inspect on a SAP model: PQI per tensor and overall equal the library's pqIndex on the nonzero entries (and an f64 reference); --p 1 --q 2 too", async () => {
  assert.equal(sapRun().code, 0);
  for (const [p, q] of [[0.5, 1], [1, 2]]) {
    const rep = p === 0.5 ? inspectJson(SAP) : inspectJson(SAP, "--p", String(p), "--q", String(q));
    assert.equal(rep.p, p);
    assert.equal(rep.q, q);
    assertMatchesLibrary(rep, await libraryIndices(SAP, p, q), `(${p}, ${q})`);
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(SAP)), SAP);
    for (const t of rep.tensors) {
      const ref = pqiRef(tensors.get(t.name)!.data as Float32Array, p, q);
      assert.ok(Math.abs(t.remaining.pqi! - ref) <= 1e-9, `${t.name}: PQI(${p}, ${q}) ${t.remaining.pqi} vs f64 ${ref}`);
    }
  }
});

test("inspect's table agrees with --json (counts, sparsity, indices to 4 places) and has no note when every index is defined", () => {
  assert.equal(sapRun().code, 0);
  const rep = inspectJson(SAP);
  const r = shrink("inspect", SAP);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const out = lines(r.stdout);
  assert.match(out[0], /^tensor\s+shape\s+params\s+nonzero\s+sparsity\s+PQI\(0\.5,1\)\s+Gini\s+PQI rem\.\s+Gini rem\.\s+bound r\s+2:4$/);
  for (const t of [...rep.tensors, rep.overall]) {
    const row = out.find((l) => l.startsWith(`${t.name} `));
    assert.ok(row, `a row for ${t.name}`);
    const cells = row.trim().split(/\s+/);
    // Conv and linear weights end in the 2:4 column (yes/no); other rows have none.
    const pattern = t.pattern === null ? null : cells.pop();
    assert.equal(pattern, t.pattern === null ? null : t.pattern ? "yes" : "no", `${t.name}: pattern column`);
    const tail = cells.slice(-8);
    assert.deepEqual(tail, [String(t.params), String(t.nonzero), `${(100 * t.sparsity).toFixed(2)}%`, t.pqi!.toFixed(4), t.gini!.toFixed(4),
      t.remaining.pqi!.toFixed(4), t.remaining.gini!.toFixed(4), t.remaining.r!.toFixed(1)], `${t.name}: ${row}`);
    if (t.shape) assert.equal(cells[1], t.shape.join("×"));
  }
  assert.ok(!r.stdout.includes("n/a"), "no undefined index");
  assert.ok(!r.stdout.includes("skipped"));
});

// ---- a model saved by shrink train -------------------------------------------

const TRAINED = join(TMP, "train.safetensors");
const trainRun = once(() => shrink("train", "--data-dir", "data", "--epochs", "1", "--out", TRAINED, "--json"));

test("inspect on a model saved by shrink train: dense, counts equal the training report, indices equal the library's", async () => {
  const r = trainRun();
  assert.equal(r.code, 0, `train failed:\n${r.stderr}`);
  const s = JSON.parse(lines(r.stdout).at(-1)!);
  const rep = inspectJson(TRAINED);
  const runLayers = new Map((s.layers as Row[]).map((l) => [l.name, l]));
  assert.equal(rep.tensors.length, 6);
  for (const t of rep.tensors) {
    assert.equal(t.nonzero, runLayers.get(t.name)!.nonzero, t.name);
    assert.equal(t.params, runLayers.get(t.name)!.params, t.name);
  }
  assert.equal(rep.overall.nonzero, s.nonzero);
  assert.equal(rep.overall.params, 136074);
  assert.deepEqual(rep.metadata, { arch: "mlp", format: "shrinkwasm/1" });
  assertMatchesLibrary(rep, await libraryIndices(TRAINED, 0.5, 1), "train");
});

// ---- hand-written files --------------------------------------------------------

const HAND = join(TMP, "hand.safetensors");
const HAND_W = new Float32Array([0.5, 0, -0.25, 1, 0, 0.125]);
writeSafetensors(HAND, [
  ["layer.weight", "F32", [2, 3], HAND_W],
  ["zero.weight", "F32", [4], new Float32Array(4)],
  ["x.f64", "F64", [3], new Float64Array([1, 2, 3])],
  ["scalar", "F32", [], new Float32Array([-2])],
], { note: "written by hand" });

test("inspect on a hand-written file: the F64 tensor is listed as skipped, the all-zero tensor has PQI/Gini null with the note", async () => {
  const rep = inspectJson(HAND);
  assert.deepEqual(rep.skipped, ["x.f64 (F64)"]);
  assert.deepEqual(rep.metadata, {}, "no arch/format in a foreign file");
  const byName = new Map(rep.tensors.map((t) => [t.name, t]));
  assert.deepEqual([...byName.keys()].sort(), ["layer.weight", "scalar", "zero.weight"]);
  const w = byName.get("layer.weight")!;
  assert.deepEqual(w.shape, [2, 3]);
  assert.equal(w.params, 6);
  assert.equal(w.nonzero, 4);
  assert.equal(w.sparsity, 1 - 4 / 6);
  assert.ok(Math.abs(w.remaining.pqi! - pqiRef(HAND_W, 0.5, 1)) <= 1e-12, `PQI ${w.remaining.pqi} vs ${pqiRef(HAND_W, 0.5, 1)}`);
  const z = byName.get("zero.weight")!;
  assert.deepEqual(z.shape, [4]);
  assert.equal(z.nonzero, 0);
  assert.equal(z.sparsity, 1);
  assert.equal(z.remaining.pqi, null);
  assert.equal(z.remaining.gini, null);
  const sc = byName.get("scalar")!;
  assert.equal(sc.params, 1);
  assert.equal(sc.nonzero, 1);
  assert.equal(sc.remaining.pqi, 0, "one entry: PQI 0");
  assert.equal(rep.overall.params, 11);
  assert.equal(rep.overall.nonzero, 5);
  // Overall = the nonzero entries of every F32 tensor as one vector.
  assert.ok(Math.abs(rep.overall.remaining.pqi! - pqiRef([...HAND_W, -2], 0.5, 1)) <= 1e-12);
  assertMatchesLibrary(rep, await libraryIndices(HAND, 0.5, 1), "hand");

  const t = shrink("inspect", HAND);
  assert.equal(t.code, 0, t.stderr);
  const out = lines(t.stdout);
  assert.match(out.find((l) => l.startsWith("zero.weight "))!, /\s4\s+4\s+0\s+100\.00%(\s+n\/a){5}$/);
  assert.ok(out.includes("skipped (not F32/F16/BF16): x.f64 (F64)"), t.stdout);
  assert.ok(out.includes("n/a: the index is undefined where no nonzero entry remains"), t.stdout);
  assert.ok(!t.stdout.includes("NaN"));
});

test("inspect on a file with no F32 tensor: one-line error naming what it found, exit 2", () => {
  const f = join(TMP, "f64only.safetensors");
  writeSafetensors(f, [["a", "F64", [2], new Float64Array([1, 2])], ["b", "I32", [1], new Int32Array([3])]]);
  const r = shrink("inspect", f);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /^shrink inspect: .*no F32 tensors to inspect \(found a \(F64\), b \(I32\)\)\n$/);
});

// BUG (src/node/commands/inspect.ts:60): a tensor with no elements (shape [0, 3],
// legal in safetensors) gets sparsity 1 − 0/0 = NaN, printed as "NaN%" in the
// table (and null in --json, where JSON.stringify hides the NaN).
test("inspect on a file with an empty tensor prints no NaN", () => {
  const f = join(TMP, "empty.safetensors");
  writeSafetensors(f, [["e.weight", "F32", [0, 3], new Float32Array(0)], ["w", "F32", [2], new Float32Array([1, 2])]]);
  const r = shrink("inspect", f);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes("NaN"), r.stdout);
});

// ---- usage ----------------------------------------------------------------------

test("inspect --json shape: file, p, q, tensors[], overall, skipped, metadata; every row has the same keys", () => {
  const rep = inspectJson(HAND, "--p", "0.3", "--q", "1.7");
  assert.deepEqual(Object.keys(rep), ["file", "p", "q", "pattern", "tensors", "overall", "skipped", "metadata", "definitions"]);
  assert.equal(rep.p, 0.3);
  assert.equal(rep.q, 1.7);
  for (const row of [...rep.tensors, rep.overall]) {
    assert.deepEqual(Object.keys(row), ["name", "shape", "params", "nonzero", "sparsity", "pqi", "gini", "remaining", "pattern"]);
    assert.ok(Number.isInteger(row.params) && Number.isInteger(row.nonzero) && typeof row.sparsity === "number");
    assert.ok(row.remaining.pqi === null || (row.remaining.pqi >= 0 && row.remaining.pqi <= 1));
    assert.ok(row.remaining.gini === null || (row.remaining.gini >= 0 && row.remaining.gini <= 1));
  }
  assert.ok(Math.abs(rep.tensors.find((t) => t.name === "layer.weight")!.remaining.pqi! - pqiRef(HAND_W, 0.3, 1.7)) <= 1e-12);
});

test("inspect usage errors: --p 0, --q 0.5, --p 1 --q 1, a missing file, no file, not a safetensors file: one line, exit 2; --help exits 0", () => {
  const notSt = join(TMP, "junk.safetensors");
  writeFileSync(notSt, "this is not a safetensors file");
  const cases: [string[], RegExp][] = [
    [[HAND, "--p", "0"], /--p: 0 must be in \(0, 1\]/],
    [[HAND, "--q", "0.5"], /--q: 0\.5/],
    [[HAND, "--p", "1", "--q", "1"], /--p\/--q/],
    [[join(TMP, "missing.safetensors")], /missing\.safetensors: cannot read \(ENOENT\)/],
    [[], /missing MODEL\.safetensors argument/],
    [[notSt], /junk\.safetensors/],
  ];
  for (const [args, re] of cases) {
    const r = shrink("inspect", ...args);
    assert.equal(r.code, 2, `inspect ${args.join(" ")}: exit (stderr ${r.stderr})`);
    assert.equal(r.stdout, "");
    const l = lines(r.stderr);
    assert.equal(l.length, 1, `inspect ${args.join(" ")}: one line, got:\n${r.stderr}`);
    assert.match(l[0], /^shrink inspect: /);
    assert.match(l[0], re);
    assert.ok(!r.stderr.includes("    at "));
  }
  const h = shrink("inspect", "--help");
  assert.equal(h.code, 0);
  assert.equal(h.stderr, "");
  assert.match(h.stdout, /^Usage: shrink inspect MODEL\.safetensors\|MODEL\.onnx \[options\]/);
  for (const opt of ["--p", "--q", "--json"]) assert.match(h.stdout, new RegExp(`^\\s+${opt}\\b`, "m"));
});

test("inspect reports the indices as is and over the remaining entries, the bound r, and reads F16/BF16", () => {
  const dir = mkdtempSync(join(tmpdir(), "shrink-inspect-both-"));
  const file = join(dir, "v.safetensors");
  writeFileSync(file, encodeSafetensors([
    { name: "w.weight", dtype: "F32", shape: [8], data: new Float32Array([3, -1, 2, 0.5, 0, 0, -4, 0.001]) },
    { name: "h.weight", dtype: "F16", shape: [4], data: new Uint16Array([0x3c00, 0xc000, 0x0000, 0x0001]) }, // 1, −2, 0, 2^-24
    { name: "b.weight", dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xc040]) }, // 1, −3
  ]));
  const r = shrink("inspect", file, "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const w = j.tensors.find((t: { name: string }) => t.name === "w.weight");
  // Eq. 1 on the vector as it is, d = 8: 1 − 8^{1/1 − 1/0.5}·‖w‖_0.5/‖w‖_1 (host f64 reference).
  const v = [3, 1, 2, 0.5, 0, 0, 4, Math.fround(0.001)];
  const l1 = v.reduce((s, x) => s + x, 0), lh = v.reduce((s, x) => s + Math.sqrt(x), 0) ** 2;
  assert.ok(Math.abs(w.pqi - (1 - 8 ** -1 * lh / l1)) < 1e-6, `as is ${w.pqi}`);
  assert.ok(Math.abs(w.pqi - 0.4357) < 5e-5);
  assert.ok(Math.abs(w.remaining.pqi - 0.2476) < 5e-5, `remaining ${w.remaining.pqi}`);
  // Eq. 4 with p 0.5, q 1, η_r 0: r = d·(1 − I), d = 6 remaining.
  assert.ok(Math.abs(w.remaining.r - 6 * (1 - w.remaining.pqi)) < 1e-9);
  const h = j.tensors.find((t: { name: string }) => t.name === "h.weight");
  assert.equal(h.nonzero, 3, "the f16 subnormal 2^-24 is read exactly, not flushed");
  const b = j.tensors.find((t: { name: string }) => t.name === "b.weight");
  assert.equal(b.nonzero, 2);
  assert.ok(Math.abs(b.gini - (1 - 2 * ((1 / 4) * (1.5 / 2) + (3 / 4) * (0.5 / 2)))) < 1e-9, `bf16 gini ${b.gini}`);
  assert.deepEqual(j.skipped, []);
});
