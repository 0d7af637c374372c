// absHistogram (src/nn/histogram.ts, assembly/kernels/histogram.ts) against a JS count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine, tensorFrom, lcg, uniformArray } from "./helpers/engine.ts";
import { absHistogram } from "../src/nn/histogram.ts";

test("abs_histogram: equal bins over [0, maxAbs], the overflow in the last bin, zeros apart, NaN nowhere", async () => {
  const e = await engine();
  const v = uniformArray(lcg(7), 1000, -2, 2);
  for (let i = 0; i < 1000; i += 7) v[i] = 0;
  v[3] = -0; v[5] = NaN; v[6] = 5; v[8] = -1.5;
  const a = tensorFrom(e, [1000], v), b = tensorFrom(e, [3], [0, 0.25, -1.75]);
  const h = absHistogram(e, [a, b], 8, 1.6);
  const want = new Array(8).fill(0);
  let zeros = 0;
  for (const x of [...v, 0, 0.25, -1.75]) {
    const m = Math.abs(x);
    if (m === 0) zeros++;
    else if (!Number.isNaN(m)) want[Math.min(7, Math.floor(Math.fround(m * Math.fround(8 / 1.6))))]++;
  }
  assert.deepEqual(h.counts, want);
  assert.equal(h.zeros, zeros);
  assert.equal(h.counts.reduce((s, c) => s + c, 0) + h.zeros, 1002, "every value but the NaN counted once");
  a.free(); b.free();
});
