// Sparsity indices (src/prune/measures/ → assembly/kernels/pqi.ts, gini.ts):
// the PQ Index (Eq. 1 of the PQI/SAP paper) and the Gini index (Hurley &
// Rickard) against independent f64 computations; the six properties of a
// sparsity measure (D1–D4, P1, P2) as randomised property tests; the PQI-bound
// (Theorem 2, Eq. 2) against the true r with η_r computed exactly; scopes
// (layer, neuron rows, global); undefined cases; domain errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine, tensorFrom } from "./helpers/engine.ts";
import type { Engine } from "../src/engine/engine.ts";
import type { Tensor } from "../src/engine/tensor.ts";
import { pqIndex, pqIndexRows, pqIndexGlobal, pqiBound } from "../src/prune/measures/pq-index.ts";
import { giniIndex, giniIndexRows, giniIndexGlobal } from "../src/prune/measures/gini-index.ts";
import { concatRemaining } from "../src/prune/measures/remaining.ts";
import { checkPQ, REASON_EMPTY, REASON_ZERO, REASON_NONFINITE, type IndexResult } from "../src/prune/measures/vector.ts";
import { exactR, etaR } from "./helpers/exact-r.ts";
import { ShrinkError } from "../src/engine/errors.ts";

const CASES = 200;

// ---------------------------------------------------------------- generator

/** Seeded generator for this file: mulberry32 (uniform [0, 1), 32-bit state). */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)); // [lo, hi]
  return { next, int, pick: <T>(a: readonly T[]): T => a[int(0, a.length - 1)] };
}
type Rng = ReturnType<typeof rng>;

/** The paper's SAP pairs, the general pair, and others inside the domain 0 < p ≤ 1 ≤ q, p < q. */
const PAIRS: readonly [number, number][] = [[0.5, 1], [1, 2], [0.3, 1.7], [0.5, 2], [0.8, 1], [1, 3], [0.2, 4.5]];
function randomPair(g: Rng): [number, number] {
  if (g.next() < 0.6) return g.pick(PAIRS);
  const p = 0.05 + 0.95 * g.next();
  const q = Math.max(1, p) + 0.01 + 3 * g.next();
  return [p, q];
}

// Property vectors live on a grid: w_i = k_i·2^e with integers k_i < 2^14, so
// every transfer, shift and clone below is exact in f32 (the properties are
// about exact operations on w, not about f32 rounding of them).
interface GridVec { k: number[]; unit: number }
function gridVec(g: Rng, d: number, zeros = true): GridVec {
  const unit = 2 ** g.int(-12, 4);
  const kind = g.int(0, 2);
  const k = Array.from({ length: d }, () => {
    if (zeros && g.next() < 0.15) return 0;
    if (kind === 0) return g.int(1, 16383); // uniform
    if (kind === 1) return Math.min(16383, Math.floor(Math.exp(9 * g.next()))); // heavy-tailed
    return g.int(1, 40); // many ties
  });
  return { k, unit };
}
const values = (v: GridVec) => Float32Array.from(v.k, (k) => k * v.unit);
const allSame = (k: number[]): boolean => k.every((x) => x === k[0]);
const allZero = (k: number[]): boolean => !k.some((x) => x !== 0);

// ---------------------------------------------------------------- references

/** Independent f64 PQ Index: Eq. 1 verbatim, sequential sums of |w|^p, |w|^q, no scaling. */
function refPqi(w: ArrayLike<number>, p: number, q: number, mask?: ArrayLike<number>): number | null {
  let sp = 0, sq = 0, d = 0;
  for (let i = 0; i < w.length; i++) {
    if (mask && mask[i] === 0) continue;
    const a = Math.abs(w[i]);
    sp += a ** p;
    sq += a ** q;
    d++;
  }
  if (d === 0 || sq === 0) return null;
  return 1 - d ** (1 / q - 1 / p) * sp ** (1 / p) / sq ** (1 / q);
}

/** Independent f64 Gini: Hurley & Rickard verbatim over |w| sorted ascending (comparison sort). */
function refGini(w: ArrayLike<number>, mask?: ArrayLike<number>): number | null {
  const c: number[] = [];
  for (let i = 0; i < w.length; i++) if (!mask || mask[i] !== 0) c.push(Math.abs(w[i]));
  c.sort((a, b) => a - b);
  const N = c.length;
  const s = c.reduce((a, b) => a + b, 0);
  if (N === 0 || s === 0) return null;
  let g = 0;
  for (let k = 1; k <= N; k++) g += (c[k - 1] / s) * ((N - k + 0.5) / N);
  return 1 - 2 * g;
}

// ---------------------------------------------------------------- engine calls

function withTensor<T>(e: Engine, data: ArrayLike<number>, fn: (t: Tensor) => T): T {
  const t = tensorFrom(e, [data.length], data);
  try {
    return fn(t);
  } finally {
    t.free();
  }
}
function pqiOf(e: Engine, w: ArrayLike<number>, p: number, q: number): number {
  const r = withTensor(e, w, (t) => pqIndex(e, t, { p, q }));
  assert.notEqual(r.value, null, `pqIndex undefined: ${r.reason}`);
  return r.value!;
}
function giniOf(e: Engine, w: ArrayLike<number>): number {
  const r = withTensor(e, w, (t) => giniIndex(e, t));
  assert.notEqual(r.value, null, `giniIndex undefined: ${r.reason}`);
  return r.value!;
}

const TOL = 1e-12;
function close(got: number | null, want: number | null, tol: number, what: string): void {
  if (want === null || got === null) {
    assert.equal(got, want, what);
    return;
  }
  if (!(Math.abs(got - want) <= tol)) assert.fail(`${what}: got ${got}, expected ${want} (|diff| ${Math.abs(got - want)} > ${tol})`);
}

/** The two indices under test, each with its reference; PQI with random (p, q) per case. */
interface Measure {
  name: string;
  /** PQI's exponents (undefined for Gini). */
  p?: number;
  q?: number;
  /** Engine value and reference value of w. */
  eval(e: Engine, w: ArrayLike<number>): { got: number; want: number };
}
function pqiMeasure(p: number, q: number): Measure {
  return {
    name: `PQI(p=${p}, q=${q})`,
    p,
    q,
    eval: (e, w) => ({ got: pqiOf(e, w, p, q), want: refPqi(w, p, q)! }),
  };
}
const giniMeasure: Measure = { name: "Gini", eval: (e, w) => ({ got: giniOf(e, w), want: refGini(w)! }) };

/** Runs `body` CASES times for PQI (random (p, q) each case) and, separately, for Gini. */
function forBoth(seed: number, body: (e: Engine, g: Rng, m: Measure, kind: "pqi" | "gini") => void) {
  return async () => {
    const e = await engine();
    const live = e.liveBuffers;
    for (const kind of ["pqi", "gini"] as const) {
      const g = rng(seed + (kind === "gini" ? 1 : 0));
      for (let c = 0; c < CASES; c++) {
        const m = kind === "gini" ? giniMeasure : pqiMeasure(...randomPair(g));
        body(e, g, m, kind);
      }
    }
    assert.equal(e.liveBuffers, live, "every wasm buffer freed");
  };
}

function evalChecked(e: Engine, m: Measure, w: ArrayLike<number>, what: string): number {
  const { got, want } = m.eval(e, w);
  close(got, want, TOL, `${m.name} ${what}`);
  return got;
}

// ---------------------------------------------------------------- properties

// (D1) Robin Hood. For any w_i > w_j and α ∈ (0, (w_i − w_j)/2), we have
// S([w_1, …, w_i − α, …, w_j + α, …, w_d]) < S(w).
// PQI satisfies it for 0 < p ≤ 1 ≤ q, p ≠ q (Theorem 1; the proof's f′(0) < 0).
test("D1 Robin Hood: moving mass from a larger to a smaller entry decreases sparsity (200 random cases each)", forBoth(0xD1, (e, g, m) => {
  let v: GridVec;
  let i = 0, j = 0;
  do {
    v = gridVec(g, g.int(2, 40));
    i = g.int(0, v.k.length - 1);
    j = g.int(0, v.k.length - 1);
    if (v.k[i] < v.k[j]) [i, j] = [j, i];
  } while (i === j || v.k[i] - v.k[j] < 3);
  const a = g.int(1, Math.ceil((v.k[i] - v.k[j]) / 2) - 1); // α = a·unit ∈ (0, (w_i − w_j)/2)
  const before = evalChecked(e, m, values(v), "w");
  const k2 = v.k.slice();
  k2[i] -= a;
  k2[j] += a;
  const after = evalChecked(e, m, values({ k: k2, unit: v.unit }), "Robin Hood w");
  assert.ok(after < before, `${m.name}: D1 violated: ${after} ≥ ${before} (d=${v.k.length}, w_i=${v.k[i]}, w_j=${v.k[j]}, α=${a})`);
}));

// (D2) Scaling. S(αw) = S(w) for any α > 0.
// PQI: ℓ_q norms are homogeneous, for any p, q. The kernels scale by max |w|,
// so a power-of-two α gives bit-identical results; another α changes the f32
// inputs by rounding only (checked to 1e-6 and against the reference).
test("D2 Scaling: S(αw) = S(w) for α > 0 (200 random cases each)", forBoth(0xD2, (e, g, m) => {
  const v = gridVec(g, g.int(1, 60));
  if (allZero(v.k)) v.k[0] = 1;
  const w = values(v);
  const base = evalChecked(e, m, w, "w");
  const pow2 = 2 ** g.int(-20, 20);
  const w2 = w.map((x) => x * pow2);
  assert.equal(m.eval(e, w2).got, base, `${m.name}: D2 with α = ${pow2} not bit-identical`);
  const alpha = 10 ** (6 * g.next() - 3);
  const w3 = Float32Array.from(w, (x) => x * alpha);
  const got = evalChecked(e, m, w3, "αw");
  close(got, base, 1e-6, `${m.name}: D2 with α = ${alpha}`);
}));

// (D3) Rising Tide. S(w + α) < S(w) for any α > 0 and w_i not all the same.
// PQI: proved for any 0 < p < q (h(t) = Σw^{t−1}/Σw^t is decreasing).
test("D3 Rising tide: adding α > 0 to every entry decreases sparsity (200 random cases each)", forBoth(0xD3, (e, g, m) => {
  let v: GridVec;
  do v = gridVec(g, g.int(2, 40)); while (allSame(v.k));
  const a = g.int(1, 16383);
  const before = evalChecked(e, m, values(v), "w");
  const after = evalChecked(e, m, values({ k: v.k.map((k) => k + a), unit: v.unit }), "w + α");
  assert.ok(after < before, `${m.name}: D3 violated: ${after} ≥ ${before} (α = ${a} units)`);
}));

// (D4) Cloning. S(w) = S([w, w]).
// PQI: the factor d^{1/q − 1/p} makes I independent of the vector length
// (Remark 2). Not bit-exact: the f64 sums run over twice the entries.
test("D4 Cloning: S([w, w]) = S(w) (200 random cases each)", forBoth(0xD4, (e, g, m) => {
  const v = gridVec(g, g.int(1, 60));
  if (allZero(v.k)) v.k[0] = 3;
  const w = values(v);
  const base = evalChecked(e, m, w, "w");
  const ww = new Float32Array(2 * w.length);
  ww.set(w);
  ww.set(w, w.length);
  close(evalChecked(e, m, ww, "[w, w]"), base, 1e-13, `${m.name}: D4`);
}));

// (P1) Bill Gates. For any i = 1, …, d, there exists β_i > 0 such that for any
// α > 0 we have S([w_1, …, w_i + β_i + α, …, w_d]) > S([w_1, …, w_i + β_i, …, w_d]).
// Hurley & Rickard show (D1)–(D4) imply it. The test constructs β_i: for PQI,
// ∂/∂w_i log(‖w‖_q/‖w‖_p) > 0 iff w_i^{q−p} > A_q/A_p with A_r = Σ_{j≠i} w_j^r,
// so any w_i + β_i > t* = (A_q/A_p)^{1/(q−p)} works (needs some other w_j > 0);
// for Gini, making w_i the strict maximum works. A margin of a quarter of the
// largest entry is added (the property only asks that some β_i exist).
test("P1 Bill Gates: past some β_i, growing one entry increases sparsity (200 random cases each)", forBoth(0x71, (e, g, m, kind) => {
  let v: GridVec;
  do v = gridVec(g, g.int(2, 40)); while (v.k.filter((k) => k > 0).length < 2);
  const i = g.int(0, v.k.length - 1);
  const kmax = Math.max(...v.k);
  let t: number; // threshold on k_i (grid units)
  if (kind === "gini") {
    t = kmax + 1;
  } else {
    const p = m.p!, q = m.q!;
    let Ap = 0, Aq = 0;
    v.k.forEach((k, j) => {
      if (j !== i) {
        Ap += k ** p;
        Aq += k ** q;
      }
    });
    t = (Aq / Ap) ** (1 / (q - p));
  }
  const beta = Math.max(0, Math.ceil(t - v.k[i])) + Math.ceil(kmax / 4) + 1;
  const alpha = g.int(1, 4 * kmax);
  const k1 = v.k.slice();
  k1[i] += beta;
  const k2 = k1.slice();
  k2[i] += alpha;
  const s1 = evalChecked(e, m, values({ k: k1, unit: v.unit }), "w + β_i");
  const s2 = evalChecked(e, m, values({ k: k2, unit: v.unit }), "w + β_i + α");
  assert.ok(s2 > s1, `${m.name}: P1 violated: ${s2} ≤ ${s1} (i=${i}, β=${beta}, α=${alpha})`);
}));

// (P2) Babies. S([w_1, …, w_d, 0]) > S(w) for any non-zero w.
// Also the scope rule: a zero that is masked out (pruned) is not an entry, so it
// leaves the index unchanged, while a remaining zero counts (d + 1).
test("P2 Babies: appending a zero increases sparsity; a pruned zero does not count (200 random cases each)", forBoth(0x72, (e, g, m, kind) => {
  const v = gridVec(g, g.int(1, 40));
  if (allZero(v.k)) v.k[g.int(0, v.k.length - 1)] = g.int(1, 100);
  const w = values(v);
  const base = evalChecked(e, m, w, "w");
  const w0 = new Float32Array(w.length + 1);
  w0.set(w);
  const grown = evalChecked(e, m, w0, "[w, 0]");
  assert.ok(grown > base, `${m.name}: P2 violated: ${grown} ≤ ${base}`);
  // Pruned zero (and a pruned huge value): not counted.
  w0[w.length] = g.next() < 0.5 ? 0 : 1e30;
  const mask = new Uint8Array(w0.length).fill(1);
  mask[w.length] = 0;
  const mk = tensorFrom(e, [mask.length], mask, "u8");
  const x = tensorFrom(e, [w0.length], w0);
  try {
    const r = kind === "pqi" ? pqIndex(e, x, { p: m.p!, q: m.q!, mask: mk }) : giniIndex(e, x, { mask: mk });
    assert.equal(r.d, w.length);
    close(r.value, base, 1e-13, `${m.name}: masked-out entry changed the index`);
  } finally {
    mk.free();
    x.free();
  }
}));

// Why the domain: the paper proves (D1) can fail when 0 < p < q < 1 or
// 1 < p < q. The raw kernel evaluates Eq. 1 for any 0 < p < q, so it can show
// a counterexample; the host API rejects these pairs.
test("outside 0 < p ≤ 1 ≤ q, D1 can fail (raw kernel), and the host rejects such p, q", async () => {
  const e = await engine();
  for (const [p, q, w, w2] of [
    [0.3, 0.6, [2, 1, ...Array(50).fill(0.01)], [1.9, 1.1, ...Array(50).fill(0.01)]],
    [1.5, 3, [2, 1, 10], [1.9, 1.1, 10]],
  ] as [number, number, number[], number[]][]) {
    const a = withTensor(e, w, (t) => e.k.pqi(t.ptr, 0, t.size, p, q));
    const b = withTensor(e, w2, (t) => e.k.pqi(t.ptr, 0, t.size, p, q));
    close(a, refPqi(Float32Array.from(w), p, q), TOL, "raw pqi");
    assert.ok(b > a, `expected a D1 counterexample for (${p}, ${q}): ${b} ≤ ${a}`);
    assert.throws(() => withTensor(e, w, (t) => pqIndex(e, t, { p, q })), ShrinkError);
  }
});

// ---------------------------------------------------------------- values

test("pqIndex and giniIndex match independent f64 computations on random signed vectors with masks", async () => {
  const e = await engine();
  const g = rng(0xA11);
  const live = e.liveBuffers;
  for (let c = 0; c < CASES; c++) {
    const n = g.int(1, 300);
    const scale = 2 ** g.int(-30, 30);
    const w = Float32Array.from({ length: n }, () => (g.next() < 0.1 ? 0 : (g.next() - 0.5) * scale * Math.exp(4 * g.next())));
    const useMask = g.next() < 0.5;
    const mask = useMask ? Uint8Array.from({ length: n }, () => (g.next() < 0.4 ? 0 : g.pick([1, 7, 255]))) : undefined;
    const x = tensorFrom(e, [n], w);
    const mk = mask ? tensorFrom(e, [n], mask, "u8") : undefined;
    try {
      const [p, q] = randomPair(g);
      const r = pqIndex(e, x, { p, q, mask: mk });
      const want = refPqi(w, p, q, mask);
      const d = mask ? mask.filter((b) => b !== 0).length : n;
      assert.equal(r.d, d);
      close(r.value, want, TOL, `pqIndex(p=${p}, q=${q}, n=${n})`);
      if (r.value !== null) {
        assert.ok(r.value >= 0 && r.value <= 1 - d ** (1 / q - 1 / p), "Theorem 1 range");
      } else assert.equal(r.reason, d === 0 ? REASON_EMPTY : REASON_ZERO);
      const gi = giniIndex(e, x, { mask: mk });
      assert.equal(gi.d, d);
      close(gi.value, refGini(w, mask), TOL, `giniIndex(n=${n})`);
      if (gi.value !== null) assert.ok(gi.value >= 0 && gi.value <= 1 - 1 / d, "Gini range");
    } finally {
      x.free();
      mk?.free();
    }
  }
  assert.equal(e.liveBuffers, live);
});

test("Remark 1: all-equal magnitudes give 0, one nonzero gives 1 − d^{1/q−1/p}; Gini 0 and 1 − 1/N", async () => {
  const e = await engine();
  for (const d of [1, 2, 3, 7, 64, 1000]) {
    const eq = Float32Array.from({ length: d }, (_, i) => (i % 2 ? -0.37 : 0.37));
    const hot = new Float32Array(d);
    hot[d >> 1] = -5e-20;
    for (const [p, q] of PAIRS) {
      assert.equal(pqiOf(e, eq, p, q), 0);
      close(pqiOf(e, hot, p, q), 1 - d ** (1 / q - 1 / p), 1e-15, `one-hot d=${d}`);
    }
    assert.equal(giniOf(e, eq), 0);
    close(giniOf(e, hot), 1 - 1 / d, 1e-15, `Gini one-hot N=${d}`);
  }
});

// ---------------------------------------------------------------- scopes

test("neuron scope: pqIndexRows / giniIndexRows give one value per output row, with undefined rows as null", async () => {
  const e = await engine();
  const g = rng(0xB0B);
  const live = e.liveBuffers;
  for (let c = 0; c < 30; c++) {
    const rows = g.int(1, 12), cols = g.int(1, 40);
    const w = Float32Array.from({ length: rows * cols }, () => g.next() - 0.5);
    const mask = Uint8Array.from({ length: rows * cols }, () => (g.next() < 0.3 ? 0 : 1));
    if (rows > 1) mask.fill(0, 0, cols); // row 0: nothing remains
    if (rows > 2) w.fill(0, cols, 2 * cols); // row 1: all zero
    if (rows > 3) {
      w[3 * cols] = NaN; // row 3: NaN (remaining)
      mask[3 * cols] = 1;
    }
    const x = tensorFrom(e, [rows, cols], w);
    const mk = tensorFrom(e, [rows, cols], mask, "u8");
    try {
      const [p, q] = randomPair(g);
      const pr = pqIndexRows(e, x, { p, q, mask: mk });
      const gr = giniIndexRows(e, x, { mask: mk });
      assert.equal(pr.length, rows);
      assert.equal(gr.length, rows);
      for (let r = 0; r < rows; r++) {
        const wr = w.subarray(r * cols, (r + 1) * cols), mr = mask.subarray(r * cols, (r + 1) * cols);
        const d = mr.filter((b) => b !== 0).length;
        const why = d === 0 ? REASON_EMPTY : wr.some((v, i) => mr[i] !== 0 && Number.isNaN(v)) ? REASON_NONFINITE : REASON_ZERO;
        for (const [res, want] of [[pr[r], refPqi(wr, p, q, mr)], [gr[r], refGini(wr, mr)]] as [IndexResult, number | null][]) {
          assert.equal(res.d, d);
          if (why === REASON_NONFINITE || want === null) {
            assert.equal(res.value, null, `row ${r}`);
            assert.equal(res.reason, why, `row ${r}`);
          } else close(res.value, want, TOL, `row ${r}`);
        }
      }
      // Same as the layer-scope call on each row.
      const row2 = { ptr: x.ptr + 4 * cols * Math.min(rows - 1, 4), size: cols };
      const m2 = mk.ptr + cols * Math.min(rows - 1, 4);
      assert.deepEqual(pr[Math.min(rows - 1, 4)], pqIndex(e, row2, { p, q, mask: m2 }));
      assert.deepEqual(gr[Math.min(rows - 1, 4)], giniIndex(e, row2, { mask: m2 }));
    } finally {
      x.free();
      mk.free();
    }
  }
  assert.equal(e.liveBuffers, live);
});

test("global scope: partial sums / appended keys equal the index of the concatenated remaining entries", async () => {
  const e = await engine();
  const g = rng(0x61081);
  const live = e.liveBuffers;
  for (let c = 0; c < 40; c++) {
    const count = g.int(1, 4);
    const data: Float32Array[] = [], masks: (Uint8Array | undefined)[] = [];
    const ts: Tensor[] = [];
    const scope: { ptr: number; size: number; mask?: number }[] = [];
    for (let t = 0; t < count; t++) {
      const n = g.int(0, 200);
      const s = 2 ** g.int(-8, 8); // tensors on different scales
      const w = Float32Array.from({ length: n }, () => (g.next() - 0.5) * s);
      const m = g.next() < 0.6 ? Uint8Array.from({ length: n }, () => (g.next() < 0.5 ? 0 : 1)) : undefined;
      data.push(w);
      masks.push(m);
      const x = tensorFrom(e, [n], w);
      ts.push(x);
      let mp: number | undefined;
      if (m) {
        const mt = tensorFrom(e, [n], m, "u8");
        ts.push(mt);
        mp = mt.ptr;
      }
      scope.push({ ptr: x.ptr, size: n, mask: mp });
    }
    try {
      const all: number[] = [];
      data.forEach((w, t) => w.forEach((v, i) => { if (!masks[t] || masks[t]![i]) all.push(v); }));
      const [p, q] = randomPair(g);
      const pg = pqIndexGlobal(e, scope, { p, q });
      const gg = giniIndexGlobal(e, scope);
      assert.equal(pg.d, all.length);
      assert.equal(gg.d, all.length);
      close(pg.value, refPqi(all, p, q), TOL, "pqIndexGlobal");
      close(gg.value, refGini(all), TOL, "giniIndexGlobal");
      if (all.length === 0) assert.equal(pg.reason, REASON_EMPTY);
      const cat = concatRemaining(e, scope);
      try {
        assert.equal(cat.size, all.length);
        assert.deepEqual(Array.from(e.f32(cat.ptr, cat.size)), Array.from(Float32Array.from(all)));
        close(pqIndex(e, cat, { p, q }).value, pg.value, 1e-13, "pqIndex(concat) vs global");
        assert.equal(giniIndex(e, cat).value, gg.value, "Gini: same keys → same bits");
      } finally {
        e.free(cat.ptr);
      }
      // One tensor: the global path is the layer path, bit for bit.
      assert.deepEqual(pqIndexGlobal(e, [scope[0]], { p, q }), pqIndex(e, scope[0], { p, q, mask: scope[0].mask }));
      assert.deepEqual(giniIndexGlobal(e, [scope[0]]), giniIndex(e, scope[0], { mask: scope[0].mask }));
    } finally {
      for (const t of ts) t.free();
    }
  }
  assert.equal(e.liveBuffers, live);
});

// ---------------------------------------------------------------- Theorem 2

// Theorem 2 (PQI-bound on pruning). Let M_r denote the set of r indices of w
// with the largest magnitudes, and η_r be the smallest value such that
// Σ_{i∉M_r}|w_i|^p ≤ η_r·Σ_{i∈M_r}|w_i|^p. Then r ≥ d(1 + η_r)^{−q/(q−p)}[1 − I(w)]^{qp/(q−p)}.
test("PQI-bound (Eq. 2) holds for every r with η_r computed exactly, and for exactR's r at any η (200 random vectors)", async () => {
  const e = await engine();
  const g = rng(0x7E02);
  for (let c = 0; c < CASES; c++) {
    const d = g.int(1, 120);
    const kind = g.int(0, 2);
    const w = Float32Array.from({ length: d }, () => {
      if (g.next() < 0.2) return 0;
      const u = g.next() - 0.5;
      return kind === 0 ? u : kind === 1 ? u * Math.exp(10 * g.next()) : Math.sign(u) * 2; // ties
    });
    if (w.every((v) => v === 0)) w[0] = 1;
    const [p, q] = randomPair(g);
    const I = pqiOf(e, w, p, q);
    // Exact η_r for every r from the sorted |w|^p (independent of exactR / etaR).
    const a = Array.from(w, (v) => Math.abs(v) ** p).sort((x, y) => y - x);
    for (let r = 1; r <= d; r++) {
      let top = 0, rest = 0;
      for (let i = 0; i < d; i++) (i < r ? (top += a[i]) : (rest += a[i]));
      const er = rest / top;
      close(etaR(w, r, { p }), er, 1e-12 * (1 + er), `etaR(r=${r})`);
      const b = pqiBound(e, d, I, p, q, er);
      assert.ok(r >= b * (1 - 1e-12), `bound violated: r = ${r} < ${b} (d=${d}, I=${I}, p=${p}, q=${q}, η_r=${er})`);
    }
    // exactR: the smallest r with η_r ≤ η; the bound at η is below it (the bound decreases in η).
    const eta = g.next() < 0.3 ? 0 : 2 ** (6 * g.next() - 5);
    const ex = exactR(w, { p, eta });
    assert.ok(ex.r !== null && ex.etaR !== null);
    assert.ok(ex.etaR! <= eta);
    if (ex.r! > 1) assert.ok(etaR(w, ex.r! - 1, { p })! > eta, "exactR is minimal");
    if (eta === 0) assert.equal(ex.r, w.filter((v) => v !== 0).length, "η = 0: r = number of nonzeros");
    assert.ok(ex.r! >= pqiBound(e, d, I, p, q, eta) * (1 - 1e-12));
    // TS bound = wasm bound.
    close(pqiBound(e, d, I, p, q, eta), e.k.pqi_bound(d, I, p, q, eta), 1e-12 * d, "pqiBound vs pqi_bound");
  }
  // Attained: all-equal magnitudes (I = 0) with r = d and η_d = 0 give exactly d.
  for (const [p, q] of PAIRS) assert.equal(pqiBound(e, 17, pqiOf(e, new Float32Array(17).fill(-0.4), p, q), p, q, 0), 17);
});

// ---------------------------------------------------------------- undefined cases and errors

test("undefined indices are null with a reason, never NaN or 0", async () => {
  const e = await engine();
  const live = e.liveBuffers;
  const cases: [string, number[], number[] | undefined, string][] = [
    ["empty vector", [], undefined, REASON_EMPTY],
    ["everything pruned", [1, 2, 3], [0, 0, 0], REASON_EMPTY],
    ["all zero", [0, -0, 0, 0, -0], undefined, REASON_ZERO],
    ["all remaining zero", [0, 5, -0], [1, 0, 1], REASON_ZERO],
    ["remaining NaN", [1, NaN, 2], undefined, REASON_NONFINITE],
    ["remaining −Inf", [1, -Infinity, 2], [1, 1, 0], REASON_NONFINITE],
  ];
  for (const [what, w, m, why] of cases) {
    const x = tensorFrom(e, [w.length], w);
    const mk = m ? tensorFrom(e, [m.length], m, "u8") : undefined;
    try {
      const d = m ? m.filter((b) => b).length : w.length;
      for (const r of [
        pqIndex(e, x, { p: 0.5, q: 1, mask: mk }),
        pqIndex(e, x, { p: 0.3, q: 1.7, mask: mk }),
        giniIndex(e, x, { mask: mk }),
        pqIndexGlobal(e, [{ ptr: x.ptr, size: x.size, mask: mk?.ptr }], { p: 1, q: 2 }),
        giniIndexGlobal(e, [{ ptr: x.ptr, size: x.size, mask: mk?.ptr }]),
      ]) assert.deepEqual(r, { value: null, reason: why, d }, what);
      if (w.length > 0) {
        const rows = pqIndexRows(e, x, { p: 0.5, q: 1, mask: mk, rows: 1 });
        assert.deepEqual(rows, [{ value: null, reason: why, d }], what);
        assert.deepEqual(giniIndexRows(e, x, { mask: mk, cols: w.length }), [{ value: null, reason: why, d }], what);
      }
    } finally {
      x.free();
      mk?.free();
    }
  }
  // A NaN under the mask is ignored.
  const x = tensorFrom(e, [3], [1, NaN, 2]);
  const mk = tensorFrom(e, [3], [1, 0, 1], "u8");
  assert.equal(pqIndex(e, x, { p: 1, q: 2, mask: mk }).value, pqiOf(e, [1, 2], 1, 2));
  x.free();
  mk.free();
  assert.deepEqual(exactR(new Float32Array(0), { p: 0.5 }), { r: null, etaR: null, d: 0, reason: REASON_EMPTY });
  assert.deepEqual(exactR(Float64Array.of(0, 0, 5), { p: 0.5, mask: Uint8Array.of(1, 1, 0) }), { r: null, etaR: null, d: 2, reason: REASON_ZERO });
  assert.equal(etaR(new Float64Array(3), 1, { p: 1 }), null);
  assert.equal(e.liveBuffers, live);
});

test("parameters outside the domain are rejected with a ShrinkError naming p / q, the value and the range", async () => {
  const e = await engine();
  const x = tensorFrom(e, [4], [1, 2, 3, 4]);
  const bad: [number, number, RegExp][] = [
    [0, 1, /p: 0 must be in \(0, 1\]/],
    [-0.5, 2, /p: -0.5 must be in \(0, 1\]/],
    [1.5, 3, /p: 1.5 must be in \(0, 1\]/],
    [NaN, 2, /p: NaN/],
    [0.5, 0.9, /q: 0.9 must be a finite number ≥ 1/],
    [0.5, Infinity, /q: Infinity/],
    [1, 1, /p\/q: p = 1 must be less than q = 1/],
  ];
  try {
    for (const [p, q, re] of bad) {
      for (const call of [
        () => pqIndex(e, x, { p, q }),
        () => pqIndexRows(e, x, { p, q, rows: 2 }),
        () => pqIndexGlobal(e, [x], { p, q }),
        () => pqiBound(e, 4, 0.5, p, q, 0),
        () => checkPQ(p, q),
      ]) {
        assert.throws(call, (err: unknown) => err instanceof ShrinkError && err.code === "E_ARG" && re.test(err.message) && /0 < p ≤ 1 ≤ q, p < q/.test(err.message));
      }
    }
    for (const [p, q] of [[0.5, 1], [1, 2], [1, 1.0001], [1e-3, 1], [0.999, 1]]) assert.doesNotThrow(() => checkPQ(p, q));
    assert.throws(() => pqiBound(e, 4, 0.5, 0.5, 1, -0.1), (err: unknown) => err instanceof ShrinkError && /etaR: -0.1 must be a finite number ≥ 0/.test(err.message));
    assert.throws(() => exactR(Float32Array.of(1), { p: 0.5, eta: NaN }), /etaR: NaN/);
    assert.throws(() => exactR(Float32Array.of(1), { p: 2 }), /p: 2 must be in \(0, 1\]/);
    assert.throws(() => pqiBound(e, 4, 1.5, 0.5, 1, 0), ShrinkError);
    assert.throws(() => pqiBound(e, 2.5, 0.5, 0.5, 1, 0), ShrinkError);
    assert.throws(() => pqIndexRows(e, x, { p: 0.5, q: 1, rows: 3 }), RangeError);
  } finally {
    x.free();
  }
});

// ---------------------------------------------------------------- fixed partitions

/** Σ (|x_i|/s)^e (e = 0.5, 1 or 2) in the stated order: blocks of `block` entries, each with lanes i % 4 and a tail, added in block order. */
function blockedSum(x: Float32Array, mask: Uint8Array | null, s: number, e: number, block: number): number {
  const tf = (v: number) => (e === 0.5 ? Math.sqrt(v) : e === 2 ? v * v : v);
  let total = 0;
  for (let lo = 0; lo < x.length; lo += block) {
    const n = Math.min(block, x.length - lo), n4 = n & ~3;
    const a = [0, 0, 0, 0];
    let t = 0;
    const term = (i: number) => tf((mask && !mask[lo + i] ? 0 : Math.abs(x[lo + i])) / s);
    for (let i = 0; i < n4; i++) a[i & 3] += term(i);
    for (let i = n4; i < n; i++) t += term(i);
    const sum = ((a[0] + a[1]) + (a[2] + a[3])) + t;
    total = lo === 0 ? sum : total + sum;
  }
  return total;
}

/** Gini in the stated order: groups of equal sorted magnitudes, each in the block of its first key, blocks' S and T added in order. */
function blockedGini(x: Float32Array, block: number): number {
  const c = Float64Array.from(x, Math.abs).sort();
  const N = c.length;
  let S = 0, T = 0;
  for (let b = 0; b * block < N; b++) {
    let k = b * block;
    const end = Math.min(N, k + block);
    if (k > 0) while (k < end && c[k] === c[b * block - 1]) k++;
    let s = 0, t = 0;
    while (k < end) {
      let j = k + 1;
      while (j < N && c[j] === c[k]) j++;
      if (c[k] !== 0) { s += c[k] * (j - k); t += c[k] * ((j - k) * (k + j - N)); }
      k = j;
    }
    S = b === 0 ? s : S + s;
    T = b === 0 ? t : T + t;
  }
  return Math.min(Math.max(T / (N * S), 0), (N - 1) / N);
}

test("fixed partitions: past 65536 entries the PQI sums and the Gini sums go block by block in the stated order (bit for bit against a model of it), and all-equal magnitudes still give exactly 0", async () => {
  const e = await engine();
  const BLOCK = 65536, g = rng(0xB10C);
  for (const n of [BLOCK, BLOCK + 1, 3 * BLOCK + 7]) {
    // Magnitudes on a grid of 64 values, so equal keys run across block boundaries once sorted.
    const x = Float32Array.from({ length: n }, () => (g.int(0, 63) / 8 - 4) * 0.37);
    const mask = Uint8Array.from({ length: n }, () => (g.next() < 0.7 ? 1 : 0));
    const px = e.alloc(n), pm = e.alloc(n, "u8"), out = e.alloc(4), scratch = e.alloc(2 * n);
    e.f32(px, n).set(x); e.u8(pm, n).set(mask);
    for (const [p, q] of [[0.5, 1], [1, 2]]) {
      e.k.pqi_sums(px, pm, n, p, q, 1.5, out);
      const got = new Float64Array(e.memory.buffer, out, 2).slice();
      assert.equal(got[0], blockedSum(x, mask, 1.5, p, BLOCK), `Σ^${p}, n ${n}`);
      assert.equal(got[1], blockedSum(x, mask, 1.5, q, BLOCK), `Σ^${q}, n ${n}`);
    }
    assert.equal(e.k.gini(px, 0, n, scratch), blockedGini(x, BLOCK), `Gini, n ${n}`);
    const eq = Float32Array.from({ length: n }, (_, i) => (i % 3 ? 0.37 : -0.37));
    e.f32(px, n).set(eq);
    assert.equal(e.k.gini(px, 0, n, scratch), 0, `Gini of equal magnitudes, n ${n}`);
    assert.equal(e.k.pqi(px, 0, n, 0.5, 1), 0, `PQI of equal magnitudes, n ${n}`);
    for (const q of [px, pm, out, scratch]) e.free(q);
  }
});
