// The README's "What you can do" block, run line by line in order, as written,
// in a scratch directory: its files (s.safetensors, p.safetensors, run.ck …)
// feed the lines after them, as they would for a reader. Only what makes a
// line short is added: small data (300 Fashion-MNIST training images through
// SHRINK_DATA_DIR and ./data, a 48-image CIFAR-10 in ~/cifar-10-batches-bin),
// and at the end of train/prune lines `--epochs 1` (SAP: `--iterations 2`);
// the studio gets `--port 0` and is stopped once it answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./helpers/engine.ts";
import { writeFashionSubset } from "./helpers/fashion-subset.ts";
import { writeTinyCifar } from "./helpers/tiny-cifar.ts";

const ROOT = repoRoot();

/** The block's commands: comments dropped, `a && b` split, one argv per command. */
export function readmeCommands(readme: string): { line: string; argv: string[] }[] {
  const at = readme.indexOf("## What you can do");
  const block = readme.slice(at).match(/```sh\n([\s\S]*?)```/)![1];
  return block.split("\n").filter((l) => l.trim()).flatMap((l) => {
    const code = l.replace(/\s#\s.*$/, "").trim();
    return code.split("&&").map((c) => ({ line: l.trim(), argv: c.trim().split(/\s+/) }));
  });
}

/** Only the additions that make a line short; a resumed or dry run is left as written. */
function shortened(argv: string[]): string[] {
  const [cmd, ...rest] = argv;
  if ((cmd === "train" || cmd === "prune") && !rest.includes("--resume") && !rest.includes("--dry-run")) {
    return [...argv, "--epochs", "1", ...(rest.includes("sap") ? ["--iterations", "2"] : [])];
  }
  if (cmd === "studio") return [...argv, "--port", "0"];
  return argv;
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, "bin/shrink.js"), ...argv], { cwd, env });
    let out = "", err = "";
    p.stdout.on("data", async (d) => {
      out += d;
      // The studio serves until stopped: fetch its page once it says where, then stop it.
      const url = argv[0] === "studio" && out.match(/studio: (http:\/\/\S+)/)?.[1];
      if (url) {
        p.stdout.removeAllListeners("data");
        const r = await fetch(url);
        out += `GET ${url}: ${r.status} ${r.headers.get("cross-origin-opener-policy")} ${(await r.text()).includes("<html") ? "html" : "?"}\n`;
        p.kill("SIGINT");
      }
    });
    p.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 240_000);
    p.on("close", (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

test("every line of the README's CLI block runs as written, in order, each exiting 0", async () => {
  const commands = readmeCommands(readFileSync(join(ROOT, "README.md"), "utf8"));
  assert.ok(commands.length >= 25, `the block has ${commands.length} commands`);
  const dir = mkdtempSync(join(tmpdir(), "readme-cli-"));
  try {
    await writeFashionSubset(join(dir, "data"), 300, 100);
    writeTinyCifar(dir); // ~ is the scratch directory
    symlinkSync(join(ROOT, "tests"), join(dir, "tests"));
    const env = { ...process.env, HOME: dir, SHRINK_DATA_DIR: join(dir, "data"), NO_COLOR: "1", FORCE_COLOR: "0" };
    const outs: { cmd: string; out: string }[] = [];
    const outOf = (re: RegExp) => outs.find((o) => re.test(o.cmd))!.out;
    for (const { line, argv } of commands) {
      assert.deepEqual(argv.slice(0, 2), ["npx", "shrink"], line);
      const args = shortened(argv.slice(2).map((a) => a.replace(/^~(?=\/)/, dir)));
      const t0 = performance.now();
      const r = await run(args, dir, env);
      if (process.env.README_CLI_TIMES) console.error(`${((performance.now() - t0) / 1000).toFixed(1)} s  shrink ${args.join(" ")}`);
      assert.equal(r.code, 0, `${line}\n→ shrink ${args.join(" ")}\n${r.err}`);
      outs.push({ cmd: args.join(" "), out: r.out });
    }
    // What the comments promise, where a small run can show it.
    for (const f of ["s.safetensors", "p.safetensors", "p.onnx", "s.sparse.safetensors", "c.safetensors", "slim.safetensors", "m.safetensors", "run.ck"]) assert.ok(existsSync(join(dir, f)), f);
    assert.match(outOf(/^inspect s\./), /PQ/);
    assert.match(outOf(/^rerun /), /identical, bit for bit/);
    assert.match(outOf(/^studio/), /GET http:\/\/127\.0\.0\.1:\d+\/: 200 same-origin html/);
    assert.match(outOf(/^--help/), /studio/);
    assert.match(outOf(/spiking-cnn/), /firing/i);
    assert.match(outOf(/sew-resnet18/), /firing/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
