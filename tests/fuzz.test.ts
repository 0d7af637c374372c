// A fixed-seed slice of the fuzz harness (tests/fuzz/harness.ts): 2,000 inputs
// per parser, every one ending in a result or a ShrinkError, none over 1 s.
import test from "node:test";
import assert from "node:assert/strict";
import { engine } from "./helpers/engine.ts";
import { parsers, fuzzParser, gzipSync } from "./fuzz/harness.ts";
import { gunzip } from "../src/data/gzip.ts";

test("the harness's own gzip writer is valid gzip (the platform inflates it back)", async () => {
  const data = Uint8Array.from({ length: 70000 }, (_, i) => (i * 7) & 255);
  assert.deepEqual(await gunzip(gzipSync(data)), data);
});

const e = await engine();
for (const p of parsers(e)) {
  test(`fuzz ${p.name}: 2000 mutated inputs, zero untyped exceptions, none over 1 s`, async (t) => {
    const r = await fuzzParser(e, p, 2000, 12345);
    t.diagnostic(`${r.ok} parsed, ${r.typed} typed errors, max ${(r.maxSeconds * 1000).toFixed(1)} ms, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
    assert.deepEqual(r.examples, []);
    assert.equal(r.untyped, 0);
    assert.equal(r.slow, 0);
    assert.equal(r.inputs, 2000);
    assert.ok(r.typed > 200, `the mutations reach the validators: ${r.typed} typed errors`);
  });
}
