// --checkpoint, --checkpoint-every and --resume through the CLI (the short
// version of scripts/test-resume.mjs): a run killed with SIGKILL after a
// checkpoint, or stopped by SIGINT/SIGTERM (which write one), resumes to the
// tensors and log records of a run never stopped, bit for bit. The cnn on 200
// images keeps a step long enough (~0.3 s) to stop a run between two of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSafetensors } from "../src/io/safetensors.ts";
import { decodeCheckpoint } from "../src/io/checkpoint.ts";
import { repoRoot } from "./helpers/engine.ts";
import { shrink, lines, once } from "./helpers/cli.ts";
import { writeFashionSubset } from "./helpers/fashion-subset.ts";

const TMP = mkdtempSync(join(tmpdir(), "shrink-ck-cli-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const dataDir = once(() => writeFashionSubset(join(TMP, "fashion"), 200, 50));

/** Starts shrink; once `ready()` holds (polled every 10 ms), sends `signal`. */
function runAndStop(args: string[], ready: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["bin/shrink.js", ...args], { cwd: repoRoot(), stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    p.stderr.on("data", (d) => (stderr += d));
    const poll = setInterval(() => { if (ready()) { clearInterval(poll); p.kill(signal); } }, 10);
    p.on("close", (code, sig) => { clearInterval(poll); resolve({ code, signal: sig, stderr }); });
  });
}

const checkpointStep = (file: string): number => {
  try {
    return (decodeCheckpoint(readFileSync(file), file).meta.progress as { step: number }).step;
  } catch {
    return -1; // not there yet
  }
};

function tensorsOf(file: string): Map<string, Uint8Array> {
  const st = decodeSafetensors(readFileSync(file), file);
  return new Map([...st.tensors].map(([k, t]) => [k, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

const records = (file: string) => readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l, (k, v) => (k === "seconds" || k === "samplesPerSecond" ? undefined : v)));

async function interruptedEqualsUninterrupted(name: string, command: string, args: string[], signal: NodeJS.Signals, afterStep: number) {
  const dir = await dataDir();
  const base = [command, "--data-dir", dir, "--model", "cnn", "--batch", "50", "--quiet", ...args];
  const ref = join(TMP, `${name}.ref.safetensors`), out = join(TMP, `${name}.safetensors`), ck = join(TMP, `${name}.ck`);
  const r0 = shrink(...base, "--out", ref, "--log", `${ref}.jsonl`);
  assert.equal(r0.code, 0, r0.stderr);
  const r1 = await runAndStop([...base, "--out", out, "--log", `${out}.jsonl`, "--checkpoint", ck, "--checkpoint-every", "2steps"], () => checkpointStep(ck) >= afterStep, signal);
  if (signal === "SIGKILL") assert.equal(r1.signal, "SIGKILL");
  else {
    assert.equal(r1.code, 130, r1.stderr);
    assert.match(lines(r1.stderr).at(-1)!, new RegExp(`^shrink ${command}: interrupted at step \\d+ of \\d+: the run is saved in .*${name}\\.ck \\(go on with: shrink ${command} --resume .*${name}\\.ck\\)$`));
  }
  assert.ok(!existsSync(out), "no model file from the stopped run");
  const stoppedAt = checkpointStep(ck);
  const r2 = shrink(command, "--resume", ck);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, new RegExp(`resumed .*${name}\\.ck at step ${stoppedAt} of \\d+`));
  const a = tensorsOf(ref), b = tensorsOf(out);
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, v] of a) assert.deepEqual(b.get(k), v, `${name}: ${k}`);
  assert.deepEqual(records(`${out}.jsonl`), records(`${ref}.jsonl`));
  return stoppedAt;
}

test("prune slats killed with SIGKILL after a checkpoint, then --resume: the uninterrupted run's tensors and log", async () => {
  assert.ok(await interruptedEqualsUninterrupted("slats-kill", "prune", ["--method", "slats", "--D", "0.02", "--epochs", "2"], "SIGKILL", 2) >= 2);
});

test("prune sap stopped by SIGINT mid-iteration writes a checkpoint and exits 130; --resume ends the same", async () => {
  await interruptedEqualsUninterrupted("sap-int", "prune", ["--method", "sap", "--iterations", "2", "--epochs", "1"], "SIGINT", 2);
});

test("train stopped by SIGTERM: the same through --resume", async () => {
  await interruptedEqualsUninterrupted("train-term", "train", ["--epochs", "2"], "SIGTERM", 2);
});

test("checkpoint options are checked before any work, and a resumed run keeps its recipe", async () => {
  const err = (...a: string[]) => { const r = shrink(...a); assert.equal(r.code, 2, r.stderr); return lines(r.stderr).at(-1); };
  assert.equal(err("prune", "--checkpoint-every", "5"), "shrink prune: --checkpoint-every: needs --checkpoint FILE (where to write)");
  assert.equal(err("train", "--checkpoint", join(TMP, "x.ck"), "--checkpoint-every", "0steps"),
    'shrink train: --checkpoint-every: "0steps" is not allowed (a positive whole number of epochs, e.g. 2, or of steps, e.g. 500steps)');
  assert.equal(err("prune", "--checkpoint", join(TMP, "x.ck"), "--target-sparsity", "0.9"),
    "shrink prune: --checkpoint: a --target-sparsity search runs pilot runs before the run itself; give the D it finds with --D to checkpoint that run");
  assert.equal(err("prune", "--out", join(TMP, "same"), "--checkpoint", join(TMP, "same")),
    `shrink prune: --out and --checkpoint: both name ${JSON.stringify(join(TMP, "same"))}; one would replace the other (give two files)`);
  assert.equal(err("prune", "--resume", join(TMP, "missing.ck")), `shrink prune: --resume ${join(TMP, "missing.ck")}: cannot read (ENOENT)`);
  const model = join(TMP, "model.safetensors");
  writeFileSync(model, readFileSync(join(TMP, "slats-kill.ref.safetensors")));
  assert.equal(err("prune", "--resume", model), `shrink prune: ${model}: not a shrinkwasm checkpoint (metadata format is "shrinkwasm/1", expected "shrinkwasm-checkpoint/1")`);
  const ck = join(TMP, "slats-kill.ck");
  assert.equal(err("prune", "--resume", ck, "--lr", "0.5"),
    "shrink prune: --lr: a resumed run keeps the recipe it started with (only --data-dir, --out, --log, --checkpoint, --checkpoint-every, --threads, --json and --quiet may be given with --resume)");
  assert.equal(err("train", "--resume", ck), `shrink train: ${ck}: a checkpoint of shrink prune, not of shrink train`);
  assert.match(err("prune", "--resume", ck, "--data-dir", "data")!, /^shrink prune: .*slats-kill\.ck: the run trained on 200 training and 50 test images of 1×28×28 in 10 classes, but this data is 10000 training and 10000 test images/);
});
