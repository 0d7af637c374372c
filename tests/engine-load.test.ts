// The engine loads the same .wasm from bytes, a compiled WebAssembly.Module
// (what Cloudflare Workers require), a fetch Response and a URL, using web
// APIs only; every instance computes the same bits; views survive memory growth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Engine } from "../src/engine/engine.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { Rng } from "../src/engine/rng.ts";
import { buildModel, modelSpec } from "../src/nn/models.ts";
import { wasmPath } from "../src/node/index.ts";
import { repoRoot } from "./helpers/engine.ts";

const bytes = readFileSync(wasmPath());

/** Initialise an MLP from seed 3 and run one forward pass on a fixed input: the logits' bytes. */
function fingerprint(e: Engine): Uint8Array {
  const rng = new Rng(e, 3);
  const model = buildModel(e, modelSpec("mlp", 784, 10), 4, rng);
  const x = new Tensor(e, [4, 784]);
  rng.fillNormal(x.ptr, x.size, 0, 1);
  const out = model.forward(x.ptr, 4);
  const res = new Uint8Array(e.memory.buffer, out, 40 * 4).slice();
  model.free();
  x.free();
  rng.free();
  return res;
}

test("Engine.create accepts bytes, a WebAssembly.Module, a Response and a URL, and all compute the same bits", async () => {
  const server = createServer((_, res) => {
    res.writeHead(200, { "content-type": "application/wasm" });
    res.end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shrinkwasm.wasm`;
  try {
    const engines = [
      await Engine.create(bytes),
      await Engine.create(new WebAssembly.Module(bytes)),
      await Engine.create(new Response(bytes, { headers: { "content-type": "application/wasm" } })),
      await Engine.create(new URL(url)),
      await Engine.create(url),
      await Engine.create(fetch(url)),
    ];
    const prints = engines.map(fingerprint);
    for (const p of prints.slice(1)) assert.deepEqual(p, prints[0]);
    assert.ok(prints[0].some((b) => b !== 0));
  } finally {
    server.close();
  }
});

test("a URL that fails to fetch is a clear error", async () => {
  const server = createServer((_, res) => { res.writeHead(404); res.end(); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/missing.wasm`;
  try {
    await assert.rejects(Engine.create(url), /missing\.wasm failed with HTTP 404/);
  } finally {
    server.close();
  }
});

test("views are made per use and survive memory growth; stale views are detached, not silently wrong", async () => {
  const e = await Engine.create(bytes);
  const t = new Tensor(e, [1000]).set(Array.from({ length: 1000 }, (_, i) => i * 0.5));
  const stale = t.view();
  const before = e.memory.buffer.byteLength;
  const big = e.alloc(16 << 20); // 64 MB: forces memory.grow
  assert.ok(e.memory.buffer.byteLength > before, "memory grew");
  assert.equal(stale.length, 0, "the old view is detached by growth");
  const v = t.view();
  assert.equal(v.length, 1000);
  assert.equal(v[999], 499.5);
  e.free(big);
  t.free();
  assert.equal(e.liveBuffers, 0);
  assert.equal(e.liveBytes, 0);
});

test("the core bundle is web-standard: no node: imports in dist/index.js", () => {
  const src = readFileSync(`${repoRoot()}dist/index.js`, "utf8");
  assert.doesNotMatch(src, /from\s*["']node:|require\(["']node:|import\(["']node:/);
  assert.ok(src.length > 10000);
});
