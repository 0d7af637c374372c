// --seeds 0,1,2: the same run once per seed (the papers report means of 3 and
// 4 trials), then the mean ± sample standard deviation of every numeric
// metric of the --json summaries. Outputs get the seed in their name
// (m.safetensors → m.seed1.safetensors).
import { ShrinkError } from "../engine/errors.js";
import type { Parsed } from "./args.js";
import { captureStdout } from "./capture.js";
import type { Progress } from "./progress.js";

export function parseSeeds(v: string): number[] {
  const seeds = v.split(",").map((s) => Number(s.trim()));
  if (seeds.length < 2 || seeds.length > 100 || !seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff) || new Set(seeds).size !== seeds.length) {
    throw new ShrinkError("E_ARG", `--seeds: "${v}" is not allowed (2 to 100 distinct integers from 0 to 4294967295, comma-separated)`);
  }
  return seeds;
}

const withSeed = (file: string, seed: number) => {
  const dot = file.lastIndexOf(".");
  return dot > file.lastIndexOf("/") ? `${file.slice(0, dot)}.seed${seed}${file.slice(dot)}` : `${file}.seed${seed}`;
};

/** The mean and sample standard deviation (n − 1) of each numeric field all runs report. */
export function meanSd(runs: Record<string, unknown>[]): Record<string, { mean: number; sd: number }> {
  const out: Record<string, { mean: number; sd: number }> = {};
  for (const k of Object.keys(runs[0])) {
    const xs = runs.map((r) => r[k]);
    if (!xs.every((x): x is number => typeof x === "number" && Number.isFinite(x))) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (xs.length - 1));
    out[k] = { mean, sd };
  }
  return out;
}

/** Runs `command(argv)` once per seed and prints the aggregate. */
export async function runSeeds(p: Parsed, argv: string[], command: (argv: string[], signal: AbortSignal) => Promise<void>, signal: AbortSignal, progress: Progress): Promise<void> {
  const seeds = parseSeeds(String(p.opts.seeds));
  if (p.given.has("seed")) throw new ShrinkError("E_ARG", "--seeds: give --seed or --seeds, not both");
  if (p.opts.dryRun) throw new ShrinkError("E_ARG", "--seeds: a dry run has nothing to repeat (drop --dry-run)");
  // The run's own argv without --seeds, --json and the outputs (re-added per seed).
  const base: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith("--") ? a.slice(2).split("=")[0] : "";
    if (["seeds", "out", "log"].includes(name)) { if (!a.includes("=")) i++; continue; }
    if (name === "json" || name === "quiet") continue;
    base.push(a);
  }
  const runs: Record<string, unknown>[] = [];
  for (const seed of seeds) {
    signal.throwIfAborted();
    progress.line(`seed ${seed} (${runs.length + 1} of ${seeds.length})`);
    const extra = ["--seed", String(seed), "--json", "--quiet"];
    if (p.opts.out) extra.push("--out", withSeed(String(p.opts.out), seed));
    if (p.opts.log) extra.push("--log", withSeed(String(p.opts.log), seed));
    const text = await captureStdout(() => command([...base, ...extra], signal));
    const lines = text.trim().split("\n");
    runs.push({ seed, ...(JSON.parse(lines[lines.length - 1]) as Record<string, unknown>) });
  }
  const stats = meanSd(runs.map(({ seed: _s, ...r }) => r));
  if (p.opts.json) return void process.stdout.write(JSON.stringify({ seeds, mean: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, v.mean])), sd: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, v.sd])), runs }) + "\n");
  const show = ["testAccuracy", "testLoss", "prunedSparsity", "sparsity", "trainLoss", "seconds", "remaining", "prunedAccuracy"].filter((k) => stats[k]);
  process.stdout.write(`${seeds.length} seeds (${seeds.join(", ")}): mean ± sd\n`);
  for (const k of show) process.stdout.write(`  ${k.padEnd(15)} ${stats[k].mean.toFixed(4)} ± ${stats[k].sd.toFixed(4)}\n`);
}
