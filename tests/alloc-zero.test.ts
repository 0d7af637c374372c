// Engine.alloc's zero-fill (assembly/memory.ts): buffers come back all zero
// whether the block is reused (dirty), freshly grown, or a dirty free block
// merged with grown memory; only the grown part is trusted to be zero already.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshEngine } from "./helpers/engine.ts";

const allZero = (b: Uint8Array) => b.every((v) => v === 0);

test("alloc zero-fills reused, grown and merged blocks", async () => {
  const e = await freshEngine();
  // Dirty a block, free it, take it again.
  const a = e.alloc(1 << 18, "u8");
  e.u8(a, 1 << 18).fill(0xab);
  e.free(a);
  const b = e.alloc(1 << 18, "u8");
  assert.ok(allZero(e.u8(b, 1 << 18)), "a reused dirty block");
  // A block larger than anything free: the memory grows.
  const before = e.memory.buffer.byteLength;
  const c = e.alloc(48 << 20, "u8");
  assert.ok(e.memory.buffer.byteLength > before, "the memory grew");
  assert.ok(allZero(e.u8(c, 48 << 20)), "a grown block");
  // Dirty everything, free it all, then grow again so free dirty memory merges with new pages.
  e.u8(b, 1 << 18).fill(0xcd);
  e.u8(c, 48 << 20).fill(0xef);
  e.free(b);
  e.free(c);
  const d = e.alloc(96 << 20, "u8");
  assert.ok(allZero(e.u8(d, 96 << 20)), "dirty free memory merged with grown memory");
  // Many small blocks across the grow boundary.
  const ptrs = Array.from({ length: 200 }, (_, i) => e.alloc(1000 + 37 * i, "u8"));
  ptrs.forEach((p, i) => assert.ok(allZero(e.u8(p, 1000 + 37 * i)), `small block ${i}`));
  for (const p of [d, ...ptrs]) e.free(p);
});

test("alloc: 2500 random allocations and frees (1 B to 12 MB, memory growing to ~256 MB), each dirtied: every new buffer is all zero", async () => {
  const e = await freshEngine();
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const live: { p: number; n: number }[] = [];
  let liveBytes = 0, grew = 0;
  for (let i = 0; i < 2500; i++) {
    if (live.length && (rand() < 0.45 || liveBytes > 200 << 20)) {
      const k = Math.floor(rand() * live.length);
      const { p, n } = live.splice(k, 1)[0];
      e.free(p);
      liveBytes -= n;
      continue;
    }
    // Log-uniform sizes, so small blocks land between big ones and on grow boundaries.
    const n = Math.max(1, Math.floor(2 ** (rand() * 23.5)));
    const size = e.memory.buffer.byteLength;
    const p = e.alloc(n, "u8");
    if (e.memory.buffer.byteLength > size) grew++;
    const v = e.u8(p, n);
    const bad = v.findIndex((x) => x !== 0);
    assert.equal(bad, -1, `allocation ${i} (${n} bytes at ${p}): byte ${bad} is ${v[bad]}`);
    v.fill(0xff);
    live.push({ p, n });
    liveBytes += n;
  }
  assert.ok(grew >= 5, `memory grew ${grew} times`);
  for (const { p } of live) e.free(p);
});
