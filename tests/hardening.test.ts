// Inputs that cannot hurt: each reproduction of a crash, hang or memory
// blow-up ends in exit 2 and one stderr line naming the input, within 2 s and
// 300 MB (peak RSS of the CLI process), and output-path problems are refused
// before any training.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, copyFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, createGzip } from "node:zlib";
import { encodeSafetensors } from "../src/io/safetensors.ts";
import { repoRoot } from "./helpers/engine.ts";
import { tempPathFor } from "../src/node/temp-files.ts";

const ENV: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
delete ENV.SHRINK_DATA_DIR;
const dir = mkdtempSync(join(tmpdir(), "shrink-hardening-"));
const data = join(repoRoot(), "data");

/** Runs the CLI and reports its exit code, stderr lines, wall time and peak RSS (MB). */
function shrinkMeasured(...args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e",
    `process.on("exit", () => process.stderr.write("\\nMAXRSS " + process.resourceUsage().maxRSS + "\\n")); await import(${JSON.stringify(join(repoRoot(), "bin/shrink.js"))});`,
    "shrink", ...args], { cwd: dir, env: { ...ENV }, encoding: "utf8", timeout: 60_000 });
  const seconds = (performance.now() - t0) / 1000;
  const all = r.stderr.split("\n").filter(Boolean);
  const rss = Number(all.find((l) => l.startsWith("MAXRSS "))?.slice(7)) / 1024;
  return { code: r.status, stdout: r.stdout, lines: all.filter((l) => !l.startsWith("MAXRSS ")), seconds, rssMB: rss };
}

function refusedQuickly(r: ReturnType<typeof shrinkMeasured>, what: RegExp, label: string): void {
  assert.equal(r.code, 2, `${label}: exit code; stderr ${r.lines.join(" | ")}`);
  assert.equal(r.lines.length, 1, `${label}: one line, got ${r.lines.join(" | ")}`);
  assert.match(r.lines[0], what, label);
  assert.doesNotMatch(r.lines[0], /\bat \w+ \(|RangeError|TypeError|wasm abort/, `${label}: no stack trace`);
  assert.ok(r.seconds < 2, `${label}: ${r.seconds.toFixed(2)} s`);
  assert.ok(r.rssMB < 300, `${label}: peak ${r.rssMB.toFixed(0)} MB`);
}

const modelFile = (name: string, spec: string, tensors = [{ name: "fc.weight", dtype: "F32" as const, shape: [10, 784], data: new Float32Array(7840) }, { name: "fc.bias", dtype: "F32" as const, shape: [10], data: new Float32Array(10) }]) => {
  const p = join(dir, name);
  writeFileSync(p, encodeSafetensors(tensors, { arch: "linear", spec }));
  return p;
};

test("model files with bad spec metadata: one line naming the file and the field, no allocation", () => {
  const cases: [string, string, RegExp][] = [
    ["neg.safetensors", '{"inputs":-3}', /spec\.inputs -3 is not allowed/],
    ["frac.safetensors", '{"inputs":3.5}', /spec\.inputs 3\.5 is not allowed/],
    ["short.safetensors", '{"input":[1,28]}', /spec\.input \[1,28\] is not allowed/],
    ["huge.safetensors", '{"inputs":50331648}', /spec\.inputs 50331648 is not allowed/],
    ["big-image.safetensors", '{"input":[1,5000,5000]}', /spec\.input \[1,5000,5000\] is not allowed/],
    ["big-ok-shape.safetensors", '{"input":[1,4000,4000]}', /size mismatch: fc\.weight is \[10, 784\], the model needs \[10, 16000000\]/],
    ["array.safetensors", "[1,2]", /"spec" must be a JSON object/],
  ];
  for (const [name, spec, want] of cases) {
    const r = shrinkMeasured("eval", modelFile(name, spec), "--data-dir", data);
    refusedQuickly(r, new RegExp(`^shrink eval: .*${name.replace(".", "\\.")}: .*${want.source}`), name);
  }
});

/** An IDX images file whose header declares 10×28×28 but whose gzip inflates to `mb` MiB. */
async function gzipBomb(path: string, mb: number): Promise<number> {
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28]);
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on("data", (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on("end", r));
  gz.write(header);
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once("drain", r));
  gz.end();
  await done;
  writeFileSync(path, Buffer.concat(out));
  return Buffer.concat(out).length;
}

test("a gzip IDX file that inflates far past its header's size stops at that size: exit 2, one line, bounded memory", async () => {
  const d = join(dir, "bomb");
  mkdirSync(d);
  for (const f of readdirSync(data)) if (f.endsWith(".gz")) copyFileSync(join(data, f), join(d, f));
  const bytes = await gzipBomb(join(d, "train-images-idx3-ubyte.gz"), 256);
  assert.ok(bytes < 1 << 20, `the bomb is small: ${bytes} bytes`);
  const r = shrinkMeasured("train", "--model", "linear", "--epochs", "1", "--data-dir", d);
  refusedQuickly(r, /train-images-idx3-ubyte\.gz: gzip data inflates past the 7856 bytes its IDX header declares/, "gzip bomb");
  assert.equal(readFileSync(join(d, "train-images-idx3-ubyte.gz")).length, bytes);
  // The same bytes as a valid file inflate fine (the limit is the header's size, not a guess).
  const ok = gzipSync(Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 3]), Buffer.from([1, 2, 3])]));
  assert.ok(ok.length > 0);
});

test("output paths are refused before any work: missing directory, a directory, empty, --out = --log, a data file", () => {
  const cases: [string[], RegExp][] = [
    [["--out", join(dir, "nope", "m.safetensors")], /--out: .* is in a directory that does not exist/],
    [["--log", join(dir, "nope", "m.jsonl")], /--log: .* is in a directory that does not exist/],
    [["--out", dir], /--out: .* is a directory/],
    [["--out", ""], /--out: "" is empty/],
    [["--out", join(dir, "same"), "--log", join(dir, "same")], /--out and --log: both name/],
    [["--out", join(data, "t10k-labels-idx1-ubyte.gz")], /--out: .* would replace a file of the data directory/],
    [["--out", join(dir, "x".repeat(256))], /--out: .* has a 256-byte file name \(at most 255\)/],
  ];
  for (const [args, want] of cases) {
    const r = shrinkMeasured("train", "--model", "linear", "--epochs", "1", "--data-dir", data, ...args);
    const label = args.join(" ").slice(0, 80);
    assert.equal(r.code, 2, `${label}: ${r.lines.join(" | ")}`);
    assert.match(r.lines[r.lines.length - 1], want, label);
    assert.ok(!r.lines.some((l) => /^epoch /.test(l)), `${label}: no training before the refusal`);
    assert.ok(r.seconds < 2, `${label}: ${r.seconds.toFixed(2)} s`);
  }
  assert.ok(existsSync(join(data, "t10k-labels-idx1-ubyte.gz")));
  assert.ok(!existsSync(join(dir, "nope")));
});

test("a 240-character --out name is written (temp names stay short), and stale temp files of dead processes are removed", () => {
  const out = join(dir, "m".repeat(228) + ".safetensors");
  const stale = join(dir, ".shrink-00000000.999999.zzz.tmp"); // another target's
  const staleOwn = tempPathFor(out).replace(`.${process.pid}.`, ".999999."); // this target's, from a dead pid 999999
  writeFileSync(stale, "x");
  writeFileSync(staleOwn, "x");
  const r = spawnSync(process.execPath, ["bin/shrink.js", "train", "--model", "linear", "--epochs", "1", "--data-dir", data, "--out", out, "--quiet"],
    { cwd: repoRoot(), env: ENV, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).length > 31000);
  // The temp file of the same target whose writer (pid 999999) is gone: the write removed it.
  assert.ok(!existsSync(staleOwn), "stale temp file of the target removed");
  const before = readdirSync(dir).filter((n) => n.startsWith(".shrink-"));
  assert.deepEqual(before, [".shrink-00000000.999999.zzz.tmp"], "no temp file of ours is left; the unrelated one stays");
  rmSync(stale);
});

test("stderr closing mid-run (EPIPE) does not kill the run: the model is saved", () => {
  const out = join(dir, "epipe.safetensors");
  const cmd = `"${process.execPath}" bin/shrink.js train --model linear --epochs 2 --data-dir data --out "${out}" 2>&1 >/dev/null | head -c 10 >/dev/null`;
  const r = spawnSync("sh", ["-c", cmd], { cwd: repoRoot(), env: ENV, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  // The pipe closed after 10 bytes; the run went on and wrote its model.
  for (let i = 0; i < 100 && !existsSync(out); i++) spawnSync("sleep", ["0.1"]);
  assert.ok(existsSync(out), "model saved");
});

test("SIGTERM mid-run ends like Ctrl-C: no temp file is left, the log holds the finished epochs", async () => {
  const log = join(dir, "term.jsonl");
  const child = spawn(process.execPath, ["bin/shrink.js", "train", "--model", "mlp", "--epochs", "50", "--data-dir", "data", "--log", log, "--quiet"], { cwd: repoRoot(), env: ENV });
  const code = await new Promise<number | null>((resolve) => {
    setTimeout(() => child.kill("SIGTERM"), 1500);
    child.on("exit", (c) => resolve(c));
  });
  assert.equal(code, 130, "interrupted");
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(".shrink-") || n.endsWith(".tmp")), []);
  assert.ok(existsSync(log), "the log is in place");
});
