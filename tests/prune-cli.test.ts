// `shrink prune` as a user runs it: `node bin/shrink.js prune ...` from the
// repository root on the embedded data (data/: 10,000 training images), with
// 1–2 epochs so every run takes about a second. bin/shrink.js loads
// dist/cli.js: run `npm run build` after changing src/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSafetensors } from "../src/io/safetensors.ts";
import { repoRoot } from "./helpers/engine.ts";
import { shrink, lines, once } from "./helpers/cli.ts";

const ROOT = repoRoot();
const TMP = mkdtempSync(join(tmpdir(), "shrink-prune-cli-test-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

test("prune --help exits 0 and lists the pruning options", () => {
  const r = shrink("prune", "--help");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^Usage: shrink prune \[options\]/);
  for (const opt of ["--method", "--D", "--beta", "--stop-penalty", "--target-sparsity", "--exclude", "--mu", "--grad", "--threshold"]) {
    assert.match(r.stdout, new RegExp(`^\\s+${opt}\\b`, "m"), `help lists ${opt}`);
  }
  assert.match(r.stdout, /--method slats\|lats\|pgh\|sine\|linear\|log2\|constant\|str\|gpo\|magnitude/, "help lists the methods");
  // The training options are shared with `shrink train`.
  for (const opt of ["--epochs", "--data-dir", "--out", "--json"]) assert.ok(r.stdout.includes(opt), `help lists ${opt}`);
});

// BUG (src/node/args.ts, helpText): the option column is capped at 40
// characters and padded with padEnd, which adds nothing to a longer column, so
// the description runs into the placeholder: "--method slats|…|magnitudePruning
// method …" (and "--lr-schedule constant|step|cosine|polyLearning-rate schedule",
// also in shrink train --help). A long column needs at least one separating space
// (or the description on the next line).
test("prune --help: every option's description is separated from its placeholder", () => {
  const r = shrink("prune", "--help");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /one-shot\s+Pruning method/);
  assert.match(r.stdout, /poly\s+Learning-rate schedule/);
});

// ---- the default run ----------------------------------------------------

const OUT = join(TMP, "p.safetensors");
const defaultRun = once(() => shrink("prune", "--data-dir", "data", "--epochs", "2", "--json", "--out", OUT));

interface LayerJson { name: string; shape: number[]; params: number; nonzero: number; sparsity: number }

test("default run: S-LATS, JSON summary with prunedSparsity > 0 and fc1.weight..fc3.bias; consistent counts", () => {
  const r = defaultRun();
  assert.equal(r.code, 0, `prune failed:\n${r.stderr}`);
  assert.ok(!r.stderr.includes("    at "));
  const s = JSON.parse(lines(r.stdout).at(-1)!);
  assert.equal(s.method, "slats");
  assert.equal(s.model, "mlp");
  assert.equal(s.epochs, 2);
  assert.equal(s.D, 0.1, "default D");
  assert.ok(Math.abs(s.threshold - 0.1) <= 1e-12, `final threshold ${s.threshold} = D`);
  assert.equal(s.stoppedAt, null);
  assert.ok(s.mu > 0);
  assert.ok(s.prunedSparsity > 0 && s.prunedSparsity < 1, `prunedSparsity ${s.prunedSparsity}`);
  assert.ok(s.testAccuracy > 0.5, `test accuracy ${s.testAccuracy}`);
  const layers = s.layers as LayerJson[];
  assert.deepEqual(layers.map((l) => l.name), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]);
  const weights = layers.filter((l) => l.name.endsWith(".weight"));
  for (const l of layers) {
    if (l.name.endsWith(".bias")) assert.equal(l.nonzero, l.params, `${l.name} dense`);
    else assert.ok(l.nonzero < l.params, `${l.name} pruned (first and last layer included)`);
    assert.equal(l.sparsity, 1 - l.nonzero / l.params);
  }
  const wNz = weights.reduce((n, l) => n + l.nonzero, 0), wParams = weights.reduce((n, l) => n + l.params, 0);
  assert.ok(Math.abs(s.prunedSparsity - (1 - wNz / wParams)) <= 1e-15, `prunedSparsity ${s.prunedSparsity} vs per-layer counts ${1 - wNz / wParams}`);
  assert.equal(s.nonzero, layers.reduce((n, l) => n + l.nonzero, 0));
  assert.equal(s.params, 136074);
});

test("default run: non-TTY stderr has one line per epoch with d, μ and sparsity", () => {
  const r = defaultRun();
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes("\r") && !r.stderr.includes("\x1b["), "no progress bar or escape codes on a pipe");
  const epochLines = lines(r.stderr).filter((l) => /^epoch\s+\d+\/2\b/.test(l));
  assert.equal(epochLines.length, 2, `epoch lines:\n${r.stderr}`);
  for (const [i, l] of epochLines.entries()) {
    assert.match(l, new RegExp(`^epoch ${i + 1}/2 `));
    assert.match(l, /\bd \d/, `"d " in: ${l}`);
    assert.match(l, /μ \d/, `"μ " in: ${l}`);
    assert.match(l, /sparsity \d+\.\d\d%/, `"sparsity" in: ${l}`);
  }
  // The last epoch line shows d = D and the final sparsity of the summary.
  const s = JSON.parse(lines(r.stdout).at(-1)!);
  assert.match(epochLines[1], /\bd 0\.1000\b/);
  assert.ok(epochLines[1].includes(`sparsity ${(100 * s.prunedSparsity).toFixed(2)}%`), `${epochLines[1]} vs ${s.prunedSparsity}`);
  // And the per-layer table follows, then the saved file.
  assert.ok(lines(r.stderr).some((l) => /^fc3\.weight\s+10×256\s+2560\s+\d+\s+\d+\.\d\d%$/.test(l)), r.stderr);
  assert.match(lines(r.stderr).at(-1)!, /^saved .*p\.safetensors$/);
});

test("default run: the saved file's \"pruning\" metadata matches the run; shrink eval reproduces accuracy and nonzero counts", () => {
  const r = defaultRun();
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(lines(r.stdout).at(-1)!);
  const file = decodeSafetensors(new Uint8Array(readFileSync(OUT)), OUT);
  assert.equal(file.metadata.format, "shrinkwasm/1");
  assert.equal(file.metadata.arch, "mlp");
  assert.ok("pruning" in file.metadata, `metadata keys: ${Object.keys(file.metadata).join(", ")}`);
  const pruning = JSON.parse(file.metadata.pruning);
  assert.equal(pruning.method, "slats");
  assert.equal(pruning.D, s.D);
  assert.equal(pruning.threshold, s.threshold);
  assert.equal(pruning.grad, "ste");
  assert.deepEqual(pruning.layers, (s.layers as LayerJson[]).map((l) => ({ name: l.name, sparsity: l.sparsity })));
  // The tensors themselves carry the zeros the run reported.
  for (const l of s.layers as LayerJson[]) {
    const t = file.tensors.get(l.name);
    assert.ok(t, `tensor ${l.name} saved`);
    let nz = 0;
    for (const v of t.data as Float32Array) if (v !== 0) nz++;
    assert.equal(nz, l.nonzero, `${l.name}: nonzeros in the file`);
  }

  const ev = shrink("eval", OUT, "--data-dir", "data", "--json");
  assert.equal(ev.code, 0, `eval failed:\n${ev.stderr}`);
  const e = JSON.parse(lines(ev.stdout).at(-1)!);
  assert.equal(e.arch, "mlp");
  assert.equal(e.samples, 10000);
  assert.equal(e.testAccuracy, s.testAccuracy, "eval reproduces the run's test accuracy");
  assert.deepEqual((e.layers as LayerJson[]).map((l) => [l.name, l.nonzero]), (s.layers as LayerJson[]).map((l) => [l.name, l.nonzero]));
  assert.equal(e.nonzero, s.nonzero);
});

// ---- usage errors -------------------------------------------------------

// Each case: the arguments after `prune --data-dir data --epochs 1`, and what the error line must say.
const BAD: [name: string, args: string[], mustMatch: RegExp[]][] = [
  ["--method nope", ["--method", "nope"], [/--method/, /"nope"/, /slats/, /magnitude/]],
  ["--D -1", ["--D", "-1"], [/--D/, /-1/, /> 0/]],
  ["--beta 0", ["--method", "pgh", "--beta", "0"], [/--beta/, /\b0\b/, /\(0, 1\]/]],
  ["--beta 2", ["--method", "pgh", "--beta", "2"], [/--beta/, /\b2\b/, /\(0, 1\]/]],
  ["--beta with slats (unused)", ["--beta", "0.5"], [/--beta/, /slats does not use it/, /pgh/]],
  ["--p 2 --q 1 with slats (unused)", ["--p", "2", "--q", "1"], [/--p/, /slats does not use it/, /sap/]],
  ["--max-ratio 1.5 (sap)", ["--method", "sap", "--max-ratio", "1.5"], [/--max-ratio/, /1\.5/, /\(0, 1\]/]],
  ["--mu 1 --method slats", ["--mu", "1", "--method", "slats"], [/--mu/, /lats/, /slats/]],
  ["--mu 1 --D 1 --method lats", ["--mu", "1", "--D", "1", "--method", "lats"], [/--mu/, /\bD\b/, /not both/]],
  ["--stop-penalty -1", ["--stop-penalty", "-1"], [/--stop-penalty/, /-1/]],
  // The linear model and --batch 5000 keep the (buggy) ten pilot runs of this case short.
  ["--target-sparsity 1.5", ["--target-sparsity", "1.5", "--model", "linear", "--batch", "5000"], [/--target-sparsity/, /1\.5/]],
  ["--method magnitude (no target)", ["--method", "magnitude"], [/magnitude/, /--target-sparsity/]],
  ["--threshold layer with slats", ["--threshold", "layer"], [/--threshold/, /str, gpo/, /slats/]],
  ["--exclude nomatch*", ["--exclude", "nomatch*"], [/--exclude/, /"nomatch\*"/, /matches no parameter/, /fc1\.weight/]],
];

const badRuns = new Map(BAD.map(([name, args]) => [name, once(() => shrink("prune", "--data-dir", "data", "--epochs", "1", ...args))]));

for (const [name, , mustMatch] of BAD) {
  test(`prune ${name}: exit 2, the last stderr line names the problem, no stack trace, nothing on stdout`, () => {
    const r = badRuns.get(name)!();
    assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
    assert.ok(!r.stderr.includes("    at "), `stack trace on stderr:\n${r.stderr}`);
    assert.ok(r.stderr.endsWith("\n"));
    const last = lines(r.stderr).at(-1)!;
    assert.match(last, /^shrink prune: /);
    assert.ok(!/^shrink prune: shrink prune: /.test(last), "prefix once");
    for (const re of mustMatch) assert.match(last, re);
    assert.equal(r.stdout, "", "nothing on stdout");
  });
}

// BUG (src/node/commands/prune.ts, pruneCommand): the pruning options are only
// validated inside runPrune (src/prune/run.ts validate(), prunableParams(), the
// SoftThresholdOptimizer constructor), i.e. after the data set and the engine
// have been loaded and the "data: flag (data): 10000 train, 10000 test images"
// progress line has been written. So every usage error except a bad enum value
// prints two stderr lines, not the one line the CLI promises (tests/cli.test.ts,
// src/node/cli.ts). Only --method nope (rejected by the argument parser) passes.
const ONE_LINE_OK = new Set(["--method nope"]);
for (const [name] of BAD) {
  if (name === "--target-sparsity 1.5") continue; // its own test below
  test(`prune ${name}: exactly one line on stderr`, () => {
    const r = badRuns.get(name)!();
    assert.equal(r.code, 2);
    assert.equal(lines(r.stderr).length, 1, `stderr should be one line, got:\n${r.stderr}`);
  });
}

// BUG (src/prune/run.ts findDForSparsity, called from src/node/commands/prune.ts):
// --target-sparsity is never range-checked on the search path (validate() runs
// in runPrune, which the pilots call with targetSparsity undefined), so 1.5 runs
// 10 full pilot runs and ends with "no D within one point after 10 pilot runs"
// instead of failing at once with "--target-sparsity: 1.5 must be in (0, 1)".
test("prune --target-sparsity 1.5: rejected at once, one line, saying the value must be in (0, 1)", () => {
  const r = badRuns.get("--target-sparsity 1.5")!();
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, /pilot/, "no pilot runs for an invalid target");
  assert.equal(lines(r.stderr).length, 1, `stderr should be one line, got:\n${r.stderr}`);
  assert.match(r.stderr, /--target-sparsity: 1\.5 must be in \(0, 1\)/);
});
