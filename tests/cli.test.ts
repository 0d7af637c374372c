// The `shrink` command as a user runs it: `node bin/shrink.js ...` from the
// repository root (bin/shrink.js loads dist/cli.js, so `npm run build` first).
// Usage errors must exit 2 with exactly one line on stderr naming the problem,
// never a stack trace.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./helpers/engine.ts";
import { shrink, lines } from "./helpers/cli.ts";

const ROOT = repoRoot();
const TMP = mkdtempSync(join(tmpdir(), "shrink-cli-test-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

test("--help prints usage and exits 0: top level, train, eval", () => {
  const top = shrink("--help");
  assert.equal(top.code, 0);
  assert.match(top.stdout, /^Usage: shrink <command> \[options\]/);
  assert.match(top.stdout, /\btrain\b.*\n.*\beval\b/);
  assert.equal(top.stderr, "");
  const train = shrink("train", "--help");
  assert.equal(train.code, 0);
  assert.match(train.stdout, /^Usage: shrink train \[options\]/);
  for (const opt of ["--model", "--epochs", "--batch", "--lr", "--data-dir", "--out", "--json"]) assert.ok(train.stdout.includes(opt), `train help lists ${opt}`);
  assert.equal(train.stderr, "");
  const ev = shrink("eval", "--help");
  assert.equal(ev.code, 0);
  assert.match(ev.stdout, /^Usage: shrink eval MODEL\.safetensors\|MODEL\.onnx \[options\]/);
  assert.ok(ev.stdout.includes("--data-dir"));
  assert.equal(ev.stderr, "");
});

test("no command prints usage and exits 2; an unknown command is one line, exit 2", () => {
  const none = shrink();
  assert.equal(none.code, 2);
  assert.match(none.stdout, /^Usage: shrink/);
  const bad = shrink("frobnicate");
  assert.equal(bad.code, 2);
  assert.deepEqual(lines(bad.stderr), ['shrink: unknown command "frobnicate" (commands: prune, train, eval, inspect, export, infer, bench, slim, recipe, rerun, studio)']);
});

/** A corrupt dataset dir: train images with a bad IDX magic, the other three files intact. */
function corruptDataDir(): string {
  const dir = join(TMP, "corrupt-data");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ["train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]) copyFileSync(join(ROOT, "data", f), join(dir, f));
  const bytes = new Uint8Array(16 + 28 * 28);
  bytes.set([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]);
  writeFileSync(join(dir, "train-images-idx3-ubyte"), bytes);
  return dir;
}

function garbageFile(): string {
  const p = join(TMP, "garbage.safetensors");
  writeFileSync(p, "this is not a safetensors file, just some text of some length\n".repeat(4));
  return p;
}

const BAD: [name: string, args: () => string[], mustMatch: RegExp[]][] = [
  ["train --lr -1", () => ["train", "--lr", "-1"], [/^shrink train: /, /--lr/, /-1/]],
  ["train --batch 0", () => ["train", "--batch", "0"], [/^shrink train: /, /--batch/, /\b0\b/]],
  ["train --model nope", () => ["train", "--model", "nope"], [/^shrink train: /, /--model/, /"nope"/, /linear, mlp/]],
  ["train --epochs abc", () => ["train", "--epochs", "abc"], [/^shrink train: /, /--epochs/, /"abc"/, /not an integer/]],
  ["train --bogus", () => ["train", "--bogus"], [/^shrink train: /, /unknown option --bogus/]],
  ["train --data-dir /nonexistent", () => ["train", "--data-dir", "/nonexistent"], [/^shrink train: /, /--data-dir \/nonexistent/, /no such directory/]],
  ["train --data-dir <corrupt train images>", () => ["train", "--data-dir", corruptDataDir()], [/^shrink train: /, /train-images-idx3-ubyte/, /bad IDX magic 0x12345678/]],
  ["eval /nonexistent.safetensors", () => ["eval", "/nonexistent.safetensors"], [/^shrink eval: /, /\/nonexistent\.safetensors/, /cannot read \(ENOENT\)/]],
  ["eval <garbage file>", () => ["eval", garbageFile(), "--data-dir", "data"], [/^shrink eval: /, /garbage\.safetensors/, /header length \d+ exceeds/]],
];

for (const [name, args, mustMatch] of BAD) {
  test(`${name}: exit 2, exactly one line on stderr naming the problem, no stack trace`, () => {
    const r = shrink(...args());
    assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
    assert.ok(!r.stderr.includes("    at "), `stack trace on stderr:\n${r.stderr}`);
    const ls = lines(r.stderr);
    assert.equal(ls.length, 1, `stderr should be one line, got:\n${r.stderr}`);
    assert.ok(r.stderr.endsWith("\n"));
    for (const re of mustMatch) assert.match(ls[0], re);
    assert.equal(r.stdout, "", "nothing on stdout");
  });
}

test("error lines carry the command prefix once (train --bogus, train <stray argument>, eval without a file)", () => {
  for (const args of [["train", "--bogus"], ["train", "stray"], ["eval"]]) {
    const r = shrink(...args);
    assert.equal(r.code, 2);
    assert.equal(lines(r.stderr).length, 1);
    assert.match(r.stderr, /^shrink (train|eval): /);
    assert.ok(!/^shrink \w+: shrink \w+: /.test(r.stderr), `duplicated prefix: ${r.stderr.trim()}`);
  }
  assert.match(shrink("train", "stray").stderr, /unexpected argument "stray"/);
  assert.match(shrink("eval").stderr, /missing MODEL\.safetensors argument/);
});

test("eval of a model file with an unknown arch names the file, not a --model option eval does not have", () => {
  const p = join(TMP, "vit.safetensors");
  // A minimal valid safetensors file whose metadata claims an architecture shrink does not have.
  const header = JSON.stringify({ __metadata__: { format: "shrinkwasm/1", arch: "vit" }, x: { dtype: "F32", shape: [1], data_offsets: [0, 4] } });
  const buf = Buffer.alloc(8 + header.length + 4);
  buf.writeBigUInt64LE(BigInt(header.length), 0);
  buf.write(header, 8, "utf8");
  writeFileSync(p, buf);
  const r = shrink("eval", p, "--data-dir", "data");
  assert.equal(r.code, 2);
  assert.equal(lines(r.stderr).length, 1);
  assert.match(r.stderr, /vit\.safetensors/);
  assert.doesNotMatch(r.stderr, /--model/);
});

test("happy path: train linear 1 epoch → JSON summary and a model file; eval of that file reports the same accuracy", () => {
  const out = join(TMP, "m.safetensors");
  const t = shrink("train", "--model", "linear", "--epochs", "1", "--data-dir", "data", "--json", "--out", out);
  assert.equal(t.code, 0, `train failed:\n${t.stderr}`);
  assert.ok(!t.stderr.includes("    at "));
  assert.match(t.stderr, /data: flag \(data\): 10000 train, 10000 test images/);
  assert.ok(existsSync(out), "model file written");
  const s = JSON.parse(lines(t.stdout).at(-1)!);
  assert.equal(s.model, "linear");
  assert.equal(s.epochs, 1);
  assert.ok(s.testAccuracy > 0.7, `test accuracy ${s.testAccuracy}`);
  assert.equal(s.params, 7850);
  assert.equal(s.nonzero, 7850);
  assert.deepEqual(s.layers.map((l: { name: string }) => l.name), ["fc.weight", "fc.bias"]);
  assert.deepEqual(s.layers.map((l: { shape: number[] }) => l.shape), [[10, 784], [10]]);
  assert.equal(s.config.seed, 0);

  const ev = shrink("eval", out, "--data-dir", "data", "--json");
  assert.equal(ev.code, 0, `eval failed:\n${ev.stderr}`);
  const e = JSON.parse(lines(ev.stdout).at(-1)!);
  assert.equal(e.arch, "linear");
  assert.equal(e.samples, 10000);
  assert.equal(e.params, 7850);
  assert.equal(e.testAccuracy, s.testAccuracy, "eval reproduces the training run's test accuracy");
});
