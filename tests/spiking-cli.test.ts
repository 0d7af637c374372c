// The spiking models through the CLI: prune a small spiking CNN on a Fashion-MNIST
// subset, firing rates in the summary, --json and every JSONL line; shrink eval
// on the saved model measures the same firing rate again; options that do not
// apply are refused (resuming a spiking run: tests/run-session.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shrink, lines, once } from "./helpers/cli.ts";
import { writeFashionSubset } from "./helpers/fashion-subset.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-snn-cli-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));
const dataDir = once(() => writeFashionSubset(join(TMP, "fashion"), 200, 100));

const SNN = ["--model", "spiking-cnn", "--width", "0.0625", "--timesteps", "3", "--batch", "50", "--epochs", "2", "--seed", "1"];

const pruned = once(async () => {
  const dir = await dataDir();
  const r = shrink("prune", ...SNN, "--method", "slats", "--D", "0.05", "--data-dir", dir, "--json", "--log", join(TMP, "run.jsonl"), "--out", join(TMP, "snn.safetensors"));
  assert.equal(r.code, 0, r.stderr);
  return { r, summary: JSON.parse(lines(r.stdout).pop()!) };
});

test("shrink prune --model spiking-cnn: firing rates per layer in --json and in every JSONL epoch line", async () => {
  const { summary } = await pruned();
  assert.equal(summary.config.timesteps, 3);
  assert.ok(summary.prunedSparsity > 0, `S-LATS prunes the spiking CNN (${summary.prunedSparsity})`);
  assert.deepEqual(summary.firingRates.map((l: { name: string }) => l.name), ["features.2", "features.6", "features.10", "features.14"]);
  assert.ok(summary.firingRate > 0 && summary.firingRate < 1, `overall firing rate ${summary.firingRate}`);
  // The overall rate weights each layer by its neurons: it lies between the layers' rates.
  const rates = summary.firingRates.map((l: { rate: number }) => l.rate);
  assert.ok(summary.firingRate >= Math.min(...rates) && summary.firingRate <= Math.max(...rates));
  const log = lines(readFileSync(join(TMP, "run.jsonl"), "utf8")).map((l) => JSON.parse(l));
  assert.equal(log.length, 2);
  for (const ev of log) assert.equal(ev.firingRates.length, 4, "each epoch logs its firing rates");
  assert.equal(log[1].firingRate, summary.firingRate);
  // BN never pruned; first and last layers pruned (LATS Table 9's setting).
  for (const l of summary.layers) if (/^features\.\d+\.(weight|bias)$/.test(l.name) && l.shape.length === 1) assert.equal(l.sparsity, 0, l.name);
});

test("shrink eval on the saved spiking model measures the same accuracy and firing rate; inspect shows the saved one", async () => {
  const { summary } = await pruned();
  const r = shrink("eval", join(TMP, "snn.safetensors"), "--data-dir", await dataDir(), "--json");
  assert.equal(r.code, 0, r.stderr);
  const ev = JSON.parse(lines(r.stdout).pop()!);
  assert.equal(ev.testAccuracy, summary.testAccuracy);
  assert.equal(ev.firingRate, summary.firingRate);
  const text = shrink("eval", join(TMP, "snn.safetensors"), "--data-dir", await dataDir());
  assert.match(text.stderr, /features\.10\s+\d\.\d{4}/);
  assert.match(text.stdout, /firing rate \d\.\d{4}/);
  const ins = shrink("inspect", join(TMP, "snn.safetensors"), "--json");
  assert.equal(ins.code, 0, ins.stderr);
  assert.equal(JSON.parse(lines(ins.stdout).pop()!).firing.rate, summary.firingRate);
});

test("ONNX export, slim and sparse inference refuse a spiking model with one line naming what is not supported", async () => {
  await pruned();
  const m = join(TMP, "snn.safetensors");
  for (const [args, what] of [[["export", m, "--format", "onnx", "--out", join(TMP, "x.onnx")], "ONNX export"], [["slim", m, "--out", join(TMP, "s.safetensors")], "slim"], [["infer", m, "--data-dir", join(TMP, "fashion")], "sparse inference"]] as const) {
    const r = shrink(...args);
    assert.notEqual(r.code, 0, args.join(" "));
    const errs = lines(r.stderr).filter((l) => !l.startsWith("data:"));
    assert.equal(errs.length, 1, r.stderr);
    assert.match(errs[0], new RegExp(`${what}: spiking models \\(multistep with lif/if neurons\\) are not supported here`));
  }
});

test("the mask methods prune a spiking CNN too: gmp to its target, sap and lottery per iteration, each with firing rates", async () => {
  const dir = await dataDir();
  const gmp = shrink("prune", ...SNN, "--method", "gmp", "--target-sparsity", "0.5", "--data-dir", dir, "--json", "--quiet");
  assert.equal(gmp.code, 0, gmp.stderr);
  const g = JSON.parse(lines(gmp.stdout).pop()!);
  assert.ok(Math.abs(g.prunedSparsity - 0.5) < 0.01, `gmp sparsity ${g.prunedSparsity}`);
  assert.equal(g.firingRates.length, 4);
  for (const m of ["sap", "lottery"]) {
    const r = shrink("prune", ...SNN, "--method", m, "--iterations", "2", "--epochs", "1", "--data-dir", dir, "--json", "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(lines(r.stdout).pop()!);
    assert.ok(s.remaining < 1, `${m} pruned (${s.remaining} remaining)`);
    assert.equal(s.iterations.length, 2);
    for (const it of s.iterations) assert.ok(it.firingRate > 0 && it.firingRates.length === 4, `${m}: each iteration reports firing rates`);
  }
});

test("spiking options are refused where they do not apply, naming the option", async () => {
  const dir = await dataDir();
  const cases: [string[], RegExp][] = [
    [["train", "--model", "cnn", "--timesteps", "4"], /timesteps: 4 applies to the spiking models/],
    [["train", "--model", "mlp", "--surrogate", "sigmoid"], /neuron options apply to the spiking models/],
    [["train", "--model", "spiking-cnn", "--timesteps", "0"], /timesteps: 0 is not allowed \(an integer 1\.\.64\)/],
    [["train", "--model", "spiking-cnn", "--tau", "0.5"], /--tau: must be a number in \(1, 1e6\], got 0\.5$/m],
    [["train", "--model", "sew-resnet18", "--width", "5"], /width: 5 is not allowed/],
  ];
  for (const [args, re] of cases) {
    const r = shrink(...args, "--epochs", "1", "--data-dir", dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, re, args.join(" "));
    assert.equal(lines(r.stderr).filter((l) => !l.startsWith("data:")).length, 1, `one line: ${r.stderr}`);
  }
});
