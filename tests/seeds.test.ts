// --seeds (src/node/seeds.ts): one run per seed, each the same as a --seed
// run, then mean ± sample sd of every metric; outputs named per seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shrink, lines } from "./helpers/cli.ts";

const last = (s: string) => JSON.parse(lines(s).at(-1)!);

test("prune --seeds 0,1: each run equals its --seed run; the mean and sd are of those; one model per seed", () => {
  const dir = mkdtempSync(join(tmpdir(), "shrink-seeds-"));
  try {
    const r = shrink("prune", "--seeds", "0,1", "--epochs", "1", "--json", "--out", join(dir, "m.safetensors"));
    assert.equal(r.code, 0, r.stderr);
    const j = last(r.stdout);
    assert.deepEqual(j.seeds, [0, 1]);
    const single = [0, 1].map((s) => last(shrink("prune", "--seed", String(s), "--epochs", "1", "--json", "--quiet").stdout));
    assert.deepEqual(j.runs.map((x: { testAccuracy: number }) => x.testAccuracy), single.map((x) => x.testAccuracy));
    const [a, b] = single.map((x) => x.testAccuracy);
    assert.equal(j.mean.testAccuracy, (a + b) / 2);
    assert.ok(Math.abs(j.sd.testAccuracy - Math.abs(a - b) / Math.SQRT2) < 1e-15);
    assert.ok(existsSync(join(dir, "m.seed0.safetensors")) && existsSync(join(dir, "m.seed1.safetensors")));
    assert.match(shrink("prune", "--seeds", "0,1", "--epochs", "1").stdout, /^2 seeds \(0, 1\): mean ± sd\n  testAccuracy    0\.\d{4} ± 0\.\d{4}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--seeds refuses one seed, repeats, and --seed alongside", () => {
  assert.deepEqual(lines(shrink("train", "--seeds", "3").stderr), ['shrink train: --seeds: "3" is not allowed (2 to 100 distinct integers from 0 to 4294967295, comma-separated)']);
  assert.match(lines(shrink("train", "--seeds", "1,1").stderr)[0], /--seeds: "1,1" is not allowed/);
  assert.deepEqual(lines(shrink("prune", "--seeds", "0,1", "--seed", "2").stderr), ["shrink prune: --seeds: give --seed or --seeds, not both"]);
});
