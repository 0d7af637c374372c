// npm run test:runtimes — one deterministic scenario (scripts/runtimes/scenario.mjs)
// in Node (ESM and CommonJS), Deno, Bun, workerd, a Chromium page and a Chromium
// module Web Worker; prints runtime × SHA-256 of the final weights and fails
// unless every runtime gives the same hash.
// Deno, Bun and playwright-core are installed from npm into .cache/runtimes the
// first time (not devDependencies: over 200 MB); workerd is a devDependency;
// Chromium is Debian's (apt-get install -y chromium), never a browser download.
//   node scripts/test-runtimes.mjs [--only node-esm,deno]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, bin, ensureTools, inChromium } from "./runtimes/tools.mjs";

const only = (() => { const i = process.argv.indexOf("--only"); return i > 0 ? process.argv[i + 1].split(",") : null; })();

/** Runs a command; resolves with its last stdout line parsed as JSON. */
async function jsonOf(cmd, args, env = {}) {
  const line = await lastLine(cmd, args, env);
  try { return JSON.parse(line); } catch { throw new Error(`${cmd}: no JSON result (${line.slice(0, 200)})`); }
}

async function freePort() {
  const s = await new Promise((r) => { const x = createServer(); x.listen(0, "127.0.0.1", () => r(x)); });
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

async function workerd() {
  const bin = createRequire(import.meta.url).resolve("workerd/bin/workerd");
  const isScript = readFileSync(bin).subarray(0, 2).toString() === "#!";
  const port = await freePort();
  const args = ["serve", join(ROOT, "scripts", "runtimes", "workerd.capnp"), "--socket-addr", `http=127.0.0.1:${port}`];
  const child = isScript ? spawn(process.execPath, [bin, ...args], { stdio: "ignore" }) : spawn(bin, args, { stdio: "ignore" });
  try {
    for (let i = 0; i < 200; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        const body = await res.json();
        if (body.error) throw new Error(body.error);
        return body;
      } catch (err) {
        if (String(err).includes("Error:") && !String(err).includes("fetch failed")) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error("workerd did not answer");
  } finally {
    child.kill("SIGTERM"); // stopped by its PID
  }
}

/** A Chromium page at `path` of the repository, served by shrink's static server (COOP/COEP). */
async function repoPage(path, fn) {
  const { serveStatic } = await import(pathToFileURL(join(ROOT, "dist", "node.js")).href);
  const server = await serveStatic(ROOT);
  try {
    return await inChromium(new URL(path.slice(1), server.url).href, fn);
  } finally {
    await server.close();
  }
}

/** The scenario in a page and in a module Web Worker. */
const chromium = () => repoPage("/scripts/runtimes/page.html", async (page) => {
  const r = await page.evaluate(() => window.result);
  if (r.error) throw new Error(r.error);
  return r;
});

/** Runs a command; resolves with its stdout's last line. */
function lastLine(cmd, args, env = {}) {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...env } });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", rej);
    p.on("close", (code) => (code === 0 ? res(out.trim().split("\n").pop()) : rej(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`))));
  });
}

/** examples/browser in Chromium: click, wait for the worker's last report. */
const browserExample = () => repoPage("/examples/browser/", async (page) => {
  await page.click("#go");
  await page.waitForSelector("body[data-done]", { timeout: 120_000 });
  return (await page.textContent("#log")).trim().split("\n").pop();
});

ensureTools();
const RUNTIMES = [
  ["node-esm", () => jsonOf(process.execPath, ["scripts/runtimes/node.mjs"])],
  ["node-cjs", () => jsonOf(process.execPath, ["scripts/runtimes/node.cjs"])],
  ["deno", () => jsonOf(bin("deno"), ["run", "--quiet", "--allow-read", "scripts/runtimes/deno.mjs"], { DENO_NO_UPDATE_CHECK: "1" })],
  ["bun", () => jsonOf(bin("bun"), ["scripts/runtimes/bun.mjs"])],
  ["workerd", workerd],
  ["chromium", chromium], // page and module worker: two rows
].filter(([name]) => !only || only.includes(name));

const rows = [];
for (const [name, go] of RUNTIMES) {
  const t0 = performance.now();
  try {
    const r = await go();
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (name === "chromium") { rows.push(["chromium-page", r.page, s]); rows.push(["chromium-worker", r.worker, s]); }
    else rows.push([name, r, s]);
  } catch (err) {
    rows.push([name, { error: String(err.message ?? err) }, "–"]);
  }
}
console.log("| runtime | SHA-256 of the final weights, 1 thread | threads | SHA-256 with them | sparsity | seconds |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const [name, r, s] of rows) {
  console.log(`| ${name} | ${r.error ? `FAILED: ${r.error}` : r.sha256} | ${r.threads ?? "–"}${r.notice ? ` (${r.notice})` : ""} | ${r.sha256Threads ?? "–"} | ${r.sparsity ?? "–"} | ${s} |`);
}
const hashes = new Set(rows.flatMap(([, r]) => [r.sha256 ?? "error", r.sha256Threads ?? "error"]));
// Threads where the runtime has them: everywhere but workerd (no Workers) and a page's main thread (may not block).
const THREADED = ["node-esm", "node-cjs", "deno", "bun", "chromium-worker"];
const threadsOk = rows.every(([name, r]) => r.error || (THREADED.includes(name) ? r.threads === 2 : r.threads === 1 && Boolean(r.notice)));
const ok = hashes.size === 1 && !hashes.has("error") && threadsOk && rows.length === (only ? rows.length : 7);
console.log(ok ? `all ${rows.length} runtimes: one SHA-256` : "runtimes disagree or failed");

// The examples, as written (the README shows them), on the embedded data: each prints the same line.
const EMBEDDED = { SHRINK_DATA_DIR: join(ROOT, "data") };
const EXAMPLES = [
  ["examples/node/prune.mjs", () => lastLine(process.execPath, ["examples/node/prune.mjs"], EMBEDDED)],
  ["examples/deno/prune.ts", () => lastLine(bin("deno"), ["run", "--quiet", "--allow-read", "--allow-env", "examples/deno/prune.ts"], { ...EMBEDDED, DENO_NO_UPDATE_CHECK: "1" })],
  ["examples/bun/prune.ts", () => lastLine(bin("bun"), ["examples/bun/prune.ts"], EMBEDDED)],
  ["examples/browser (Chromium, module worker)", browserExample],
].filter(([name]) => !only || only.some((o) => name.includes(o)));
const outs = [];
for (const [name, go] of EXAMPLES) {
  try { outs.push([name, await go()]); } catch (err) { outs.push([name, `FAILED: ${err.message ?? err}`]); }
}
if (outs.length) {
  console.log("\n| example | prints |\n| --- | --- |");
  for (const [name, line] of outs) console.log(`| ${name} | ${line} |`);
}
const examplesOk = new Set(outs.map(([, l]) => l)).size <= 1 && !outs.some(([, l]) => l.startsWith("FAILED"));
if (outs.length) console.log(examplesOk ? `all ${outs.length} examples print the same line` : "examples disagree or failed");
process.exit(ok && examplesOk ? 0 : 1);
