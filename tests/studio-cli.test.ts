// shrink studio: serves dist/studio on 127.0.0.1, cross-origin isolated, wasm
// as application/wasm, nothing outside its folder; a taken port is one clear line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { repoRoot } from "./helpers/engine.ts";
import { shrink, lines } from "./helpers/cli.ts";

test("shrink studio --port 0 serves the app with COOP/COEP and stops on SIGINT", async () => {
  const p = spawn(process.execPath, ["bin/shrink.js", "studio", "--port", "0"], { cwd: repoRoot(), stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    p.stdout.on("data", (d) => { out += d; const m = /studio: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out); if (m) ok(m[1]); });
    p.on("close", (c) => fail(new Error(`exited ${c}`)));
  });
  try {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(page.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.match(await page.text(), /<title>shrinkwasm studio<\/title>/);
    const wasm = await fetch(new URL("shrinkwasm.wasm", url));
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())));
    assert.equal((await fetch(new URL("data/t10k-labels-idx1-ubyte.gz", url))).status, 200);
    assert.equal((await fetch(new URL("/%2e%2e/package.json", url))).status, 404, "nothing outside dist/studio");
  } finally {
    const closed = new Promise((r) => p.on("close", r));
    p.kill("SIGINT");
    await closed;
  }
  assert.deepEqual(lines(shrink("studio", "--port", "70000").stderr), ["shrink studio: --port: 70000 is not allowed (0 to 65535)"]);
});
