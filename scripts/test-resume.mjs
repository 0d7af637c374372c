// npm run test:resume — runs killed with SIGKILL at random points and resumed
// from their last checkpoint end with the weights of a run never stopped.
// For slats, pgh with early stop, str, gmp and sap on the MLP and slats on the
// cnn (small Fashion-MNIST subsets from the embedded data): an uninterrupted
// reference run, then the same run with --checkpoint every few steps, killed
// at uniform random times and resumed each time (started afresh when no
// checkpoint exists yet), --kills times per configuration (default 20); every
// tensor of the final model and every log record (less its timings) must be
// the reference's, bit for bit. Kills are counted over as many runs as it takes
// (a run that finishes before its kill time is checked and another begins).
//   node scripts/test-resume.mjs [--kills 20] [--seed 1] [--only slats,cnn-slats]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : dflt; };
const KILLS = Number(arg("kills", "20"));
let seed = Number(arg("seed", "1")) >>> 0;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const TMP = mkdtempSync(join(tmpdir(), "shrink-resume-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

/** The first n train / m test images of the embedded Fashion-MNIST as raw IDX files (examples/worker-training/make-data.mjs). */
function subset(name, n, m) {
  const dir = join(TMP, name);
  const r = spawnSync(process.execPath, ["examples/worker-training/make-data.mjs", String(n), String(m), dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`make-data: ${r.stderr}`);
  return dir;
}

const MLP = subset("mlp", 10000, 1000);
const CNN = subset("cnn", 400, 100);
const common = (dir) => ["--data-dir", dir, "--batch", "100", "--quiet"];
const CONFIGS = [
  ["slats", [...common(MLP), "--method", "slats", "--epochs", "6"], 25],
  ["pgh-early-stop", [...common(MLP), "--method", "pgh", "--beta", "0.1", "--stop-penalty", "0.5", "--epochs", "6"], 25],
  ["str", [...common(MLP), "--method", "str", "--s-init", "-4", "--epochs", "6"], 25],
  ["gmp", [...common(MLP), "--method", "gmp", "--target-sparsity", "0.9", "--every", "20", "--epochs", "6"], 25],
  ["sap", [...common(MLP), "--method", "sap", "--iterations", "6", "--epochs", "1"], 25],
  ["cnn-slats", ["--data-dir", CNN, "--batch", "50", "--quiet", "--model", "cnn", "--method", "slats", "--D", "0.02", "--epochs", "2"], 2],
].filter(([name]) => !arg("only") || arg("only").split(",").includes(name));

function run(args, killAfter) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ["bin/shrink.js", "prune", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    const timer = killAfter === undefined ? null : setTimeout(() => p.kill("SIGKILL"), killAfter * 1000);
    p.on("close", (code, signal) => { if (timer) clearTimeout(timer); resolve({ code, signal, err, seconds: (performance.now() - t0) / 1000 }); });
  });
}

/** Tensor name → bytes of a safetensors file (metadata left out: it holds timings). */
function tensors(file) {
  const b = readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString("utf8"));
  const out = new Map();
  for (const [k, v] of Object.entries(header)) if (k !== "__metadata__") out.set(k, b.subarray(8 + n + v.data_offsets[0], 8 + n + v.data_offsets[1]));
  return out;
}

const records = (file) => readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.stringify(JSON.parse(l, (k, v) => (k === "seconds" || k === "samplesPerSecond" ? undefined : v))));

let failures = 0;
const t0 = performance.now();
for (const [name, args, every] of CONFIGS) {
  const ref = join(TMP, `${name}.ref.safetensors`);
  const r0 = await run([...args, "--out", ref, "--log", `${ref}.jsonl`]);
  if (r0.code !== 0) throw new Error(`${name}: reference run failed: ${r0.err}`);
  const want = tensors(ref), wantLog = JSON.stringify(records(`${ref}.jsonl`));
  // Chains of segments, each killed at a uniform random time or left to finish; every chain's result is checked.
  let kills = 0, early = 0, chains = 0, bad = 0;
  while (kills < KILLS) {
    const c = chains++;
    const out = join(TMP, `${name}.${c}.safetensors`), ck = join(TMP, `${name}.${c}.ck`);
    const fresh = [...args, "--out", out, "--log", `${out}.jsonl`, "--checkpoint", ck, "--checkpoint-every", `${every}steps`];
    for (let segments = 0; ; segments++) {
      if (segments > 200) throw new Error(`${name}: no end after ${segments} segments`);
      const resume = existsSync(ck);
      // Past the ~0.3 s start-up (loading the data and the engine) most of the time, into training.
      const r = await run(resume ? ["--resume", ck] : fresh, kills < KILLS ? 0.25 + rand() * (r0.seconds - 0.2) : undefined);
      if (r.signal === "SIGKILL") { kills++; if (!resume) early++; continue; }
      if (r.code !== 0) throw new Error(`${name}: run failed (exit ${r.code}): ${r.err}`);
      break;
    }
    const got = tensors(out);
    const differ = [...want.keys()].filter((k) => !got.has(k) || Buffer.compare(want.get(k), got.get(k)) !== 0);
    if (differ.length || got.size !== want.size || JSON.stringify(records(`${out}.jsonl`)) !== wantLog) {
      bad++;
      console.log(`  ${name} chain ${c + 1}: ${differ.length ? `tensors differ: ${differ.join(", ")}` : "log differs"}`);
    }
  }
  if (bad) failures++;
  console.log(`${bad ? "FAIL" : "ok  "} ${name.padEnd(15)} ${kills} kills in ${chains} runs (${early} before a first checkpoint): ${bad ? `${bad} runs differ` : `every run's ${want.size} tensors and log records identical to the uninterrupted run's`}  (uninterrupted ${r0.seconds.toFixed(1)} s)`);
}
console.log(`${CONFIGS.length - failures} of ${CONFIGS.length} configurations bit-identical after ${KILLS} kills each (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(failures ? 1 : 0);
