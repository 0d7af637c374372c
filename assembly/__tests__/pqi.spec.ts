import {
  pqi, pqi_rows, pqi_sums, pqi_from_sums, pqi_bound,
  remaining_count, remaining_count_rows, remaining_max_abs, compact_remaining,
} from "../kernels/pqi";
import { seedRnd, nextU32, rnd, at, put, allocF32, randMask } from "./util/buffers";
import { laneOrderSum } from "./util/reference";

seedRnd(0x5EED9C1);

const SIZES: i32[] = [1, 2, 3, 4, 5, 17, 64, 255, 1000];
// (p, q) pairs: the paper's two SAP settings, a general pair, and fast/general mixes.
const PS: f64[] = [0.5, 1.0, 0.3, 0.5, 0.7, 1.0, 0.25];
const QS: f64[] = [1.0, 2.0, 1.7, 2.0, 3.0, 1.5, 1.0];

// Random data: magnitudes over many binades, random signs, some exact ±0.
function makeData(n: i32): usize {
  const x = allocF32(n);
  for (let i = 0; i < n; i++) {
    const r = nextU32() % 16;
    let v = rnd() * <f32>Math.pow(2, <f64>(nextU32() % 16) - 8);
    if (r == 0) v = i & 1 ? 0 : -0.0;
    put(x, i, v);
  }
  return x;
}
function kept(mask: usize, i: i32): bool {
  return mask == 0 || load<u8>(mask + <usize>i) != 0;
}

// Independent reference: Eq. 1 verbatim, sequential f64 sums of |w|^p and
// |w|^q (no scaling), ‖·‖ = (Σ)^{1/e}, over the kept entries.
function naivePqi(x: usize, mask: usize, n: i32, p: f64, q: f64): f64 {
  let sp: f64 = 0, sq: f64 = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    if (!kept(mask, i)) continue;
    const a = Math.abs(<f64>at(x, i));
    sp += Math.pow(a, p);
    sq += Math.pow(a, q);
    d++;
  }
  if (d == 0 || sq == 0) return NaN;
  return 1.0 - Math.pow(<f64>d, 1.0 / q - 1.0 / p) * Math.pow(sp, 1.0 / p) / Math.pow(sq, 1.0 / q);
}

// The kernel's documented term and order for one exponent (scale s).
function orderedTerms(x: usize, mask: usize, n: i32, s: f64, e: f64): f64 {
  const t = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) {
    const a = kept(mask, i) ? <f64>Mathf.abs(at(x, i)) / s : 0.0;
    t[i] = e == 0.5 ? Math.sqrt(a) : e == 1.0 ? a : e == 2.0 ? a * a : Math.pow(a, e);
  }
  return laneOrderSum(t);
}

function upper(d: i32, p: f64, q: f64): f64 {
  return 1.0 - Math.pow(<f64>d, 1.0 / q - 1.0 / p);
}

const OUT = heap.alloc(64);

describe("pqi vs an independent f64 computation of Eq. 1", () => {
  it("matches on random vectors for every (p, q), without and with masks, within Theorem 1's range", () => {
    let cases = 0;
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      for (let mm = 0; mm < 2; mm++) {
        const x = makeData(n);
        put(x, 0, 0.75); // at least one nonzero kept entry
        const mask: usize = mm == 0 ? 0 : randMask(n);
        if (mask) store<u8>(mask, 1);
        const d = remaining_count(mask, n);
        for (let j = 0; j < PS.length; j++) {
          const p = PS[j], q = QS[j];
          const got = pqi(x, mask, n, p, q);
          const want = naivePqi(x, mask, n, p, q);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12);
          expect(got).toBeGreaterThanOrEqual(0.0);
          expect(got).toBeLessThanOrEqual(upper(d, p, q));
          cases++;
        }
        heap.free(x);
        if (mask) heap.free(mask);
      }
    }
    expect(cases).toBe(SIZES.length * 2 * PS.length);
  });

  it("pqi_sums is the documented scaled, lane-ordered sum (bit-exact), fast paths and pow alike", () => {
    const E: f64[] = [0.5, 1.0, 2.0, 0.3, 1.7, 3.0];
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = makeData(n);
      const mask: usize = k & 1 ? randMask(n) : 0;
      const s = <f64>remaining_max_abs(x, mask, n) + 0.5; // any positive scale
      for (let a = 0; a < E.length; a++) {
        const b = (a + 1) % E.length;
        pqi_sums(x, mask, n, E[a], E[b], s, OUT);
        expect(load<f64>(OUT)).toBe(orderedTerms(x, mask, n, s, E[a]));
        expect(load<f64>(OUT, 8)).toBe(orderedTerms(x, mask, n, s, E[b]));
      }
      heap.free(x);
      if (mask) heap.free(mask);
    }
  });

  it("pqi = pqi_from_sums(d, pqi_sums(scale = max |w|)) bit-exactly", () => {
    const n = 77;
    const x = makeData(n);
    const mask = randMask(n);
    store<u8>(mask, 1);
    put(x, 0, -3.0);
    for (let j = 0; j < PS.length; j++) {
      pqi_sums(x, mask, n, PS[j], QS[j], <f64>remaining_max_abs(x, mask, n), OUT);
      const via = pqi_from_sums(<f64>remaining_count(mask, n), load<f64>(OUT), load<f64>(OUT, 8), PS[j], QS[j]);
      expect(pqi(x, mask, n, PS[j], QS[j])).toBe(via);
    }
    heap.free(x);
    heap.free(mask);
  });
});

describe("pqi: Remark 1 and scaling", () => {
  it("all-equal magnitudes (any signs) give exactly 0; one nonzero entry gives 1 − d^{1/q−1/p}", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = allocF32(n);
      for (let i = 0; i < n; i++) put(x, i, i % 3 == 0 ? -0.3 : 0.3);
      for (let j = 0; j < PS.length; j++) expect(pqi(x, 0, n, PS[j], QS[j])).toBe(0.0);
      for (let i = 0; i < n; i++) put(x, i, i == n / 2 ? -2.5e-30 : 0);
      for (let j = 0; j < PS.length; j++) {
        const got = pqi(x, 0, n, PS[j], QS[j]);
        expect(Math.abs(got - upper(n, PS[j], QS[j]))).toBeLessThanOrEqual(1e-15);
      }
      heap.free(x);
    }
  });

  it("is bit-identical under scaling by powers of two (D2) and near-identical under other scalings", () => {
    const n = 255;
    const x = makeData(n);
    const y = allocF32(n);
    const mask = randMask(n);
    const SC: f32[] = [1024, 0.0009765625, 1.52587890625e-5, 65536]; // powers of two
    for (let j = 0; j < PS.length; j++) {
      const base = pqi(x, mask, n, PS[j], QS[j]);
      for (let s = 0; s < SC.length; s++) {
        for (let i = 0; i < n; i++) put(y, i, at(x, i) * SC[s]);
        expect(pqi(y, mask, n, PS[j], QS[j])).toBe(base);
      }
      for (let i = 0; i < n; i++) put(y, i, at(x, i) * <f32>3.7);
      expect(Math.abs(pqi(y, mask, n, PS[j], QS[j]) - base)).toBeLessThanOrEqual(1e-6);
    }
    heap.free(x);
    heap.free(y);
    heap.free(mask);
  });

  it("stays accurate for subnormal and huge weights and large q (the max-scaling)", () => {
    const n = 33;
    const x = allocF32(n);
    const y = allocF32(n);
    for (let i = 0; i < n; i++) {
      put(y, i, <f32>(i % 5) + 1);
      put(x, i, <f32>(<f64>(1 + (i % 5)) * Math.pow(2, -140))); // exact subnormal f32
    }
    for (let j = 0; j < PS.length; j++) {
      expect(Math.abs(pqi(x, 0, n, PS[j], QS[j]) - naivePqi(y, 0, n, PS[j], QS[j]))).toBeLessThanOrEqual(1e-12);
    }
    for (let i = 0; i < n; i++) put(x, i, <f32>(<f64>(1 + (i % 5)) * Math.pow(2, 124)));
    const g = pqi(x, 0, n, 0.5, 40.0); // |w|^40 overflows f64 without the scaling
    expect(isFinite(g)).toBe(true);
    expect(Math.abs(g - naivePqi(y, 0, n, 0.5, 40.0))).toBeLessThanOrEqual(1e-12);
    heap.free(x);
    heap.free(y);
  });
});

describe("pqi: masks and undefined cases", () => {
  it("masked-out entries are not counted: equals pqi of the compacted remaining entries", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = makeData(n);
      put(x, 0, 1.5);
      const mask = randMask(n);
      store<u8>(mask, 7);
      // A NaN and an Inf under the mask must be ignored.
      for (let i = 1; i < n; i++) if (load<u8>(mask + <usize>i) == 0) { put(x, i, i & 1 ? NaN : -Infinity); }
      const c = allocF32(n);
      const m = compact_remaining(c, x, mask, n);
      expect(m).toBe(remaining_count(mask, n));
      for (let j = 0; j < PS.length; j++) {
        expect(Math.abs(pqi(x, mask, n, PS[j], QS[j]) - pqi(c, 0, m, PS[j], QS[j]))).toBeLessThanOrEqual(1e-13);
      }
      heap.free(x);
      heap.free(c);
      heap.free(mask);
    }
  });

  it("returns NaN when no entry remains, all remaining are ±0, a remaining entry is NaN/±Inf, or p, q are bad", () => {
    const n = 9;
    const x = makeData(n);
    put(x, 4, 2.0);
    const mask = heap.alloc(16);
    memory.fill(mask, 0, 16);
    expect(isNaN(pqi(x, 0, 0, 0.5, 1.0))).toBe(true);
    expect(isNaN(pqi(x, mask, n, 0.5, 1.0))).toBe(true); // d = 0
    const z = allocF32(n);
    for (let i = 0; i < n; i++) put(z, i, i & 1 ? -0.0 : 0.0);
    expect(isNaN(pqi(z, 0, n, 0.5, 1.0))).toBe(true);
    store<u8>(mask, 1, 4); // only x[4] = 2 remains: one entry → I = 1 − 1^{…} = 0
    expect(pqi(x, mask, n, 0.5, 1.0)).toBe(0.0);
    put(x, 7, NaN);
    expect(isNaN(pqi(x, 0, n, 0.5, 1.0))).toBe(true);
    expect(pqi(x, mask, n, 0.5, 1.0)).toBe(0.0); // the NaN is masked out
    put(x, 7, -Infinity);
    expect(isNaN(pqi(x, 0, n, 1.0, 2.0))).toBe(true);
    put(x, 7, 1.0);
    expect(isNaN(pqi(x, 0, n, 0.0, 1.0))).toBe(true);
    expect(isNaN(pqi(x, 0, n, 1.0, 1.0))).toBe(true);
    expect(isNaN(pqi(x, 0, n, 2.0, 1.0))).toBe(true);
    expect(isNaN(pqi(x, 0, n, 0.5, Infinity))).toBe(true);
    expect(isNaN(pqi(x, 0, n, NaN, 1.0))).toBe(true);
    // Outside the paper's domain but 0 < p < q: still evaluated (the host enforces the domain).
    expect(isFinite(pqi(x, 0, n, 1.5, 3.0))).toBe(true);
    expect(isNaN(pqi_from_sums(0, 1, 1, 0.5, 1.0))).toBe(true);
    expect(isNaN(pqi_from_sums(3, 0, 0, 0.5, 1.0))).toBe(true);
    heap.free(x);
    heap.free(z);
    heap.free(mask);
  });
});

describe("pqi_rows (neuron scope)", () => {
  it("equals pqi on each row, bit-exactly, with and without a mask (incl. undefined rows)", () => {
    const R: i32[] = [1, 5, 13];
    const C: i32[] = [1, 7, 33];
    for (let a = 0; a < R.length; a++) {
      const rows = R[a], cols = C[a], n = rows * cols;
      const x = makeData(n);
      const mask = randMask(n);
      for (let c = 0; c < cols; c++) store<u8>(mask + <usize>c, 0); // row 0: nothing remains
      if (rows > 1) for (let c = 0; c < cols; c++) put(x, cols + c, 0); // row 1: all zero
      const out = heap.alloc(<usize>rows << 3);
      const cnt = heap.alloc(<usize>rows << 2);
      for (let j = 0; j < PS.length; j++) {
        for (let mm = 0; mm < 2; mm++) {
          const mk: usize = mm == 0 ? 0 : mask;
          pqi_rows(x, mk, rows, cols, PS[j], QS[j], out);
          remaining_count_rows(mk, rows, cols, cnt);
          for (let r = 0; r < rows; r++) {
            const want = pqi(x + (<usize>(r * cols) << 2), mk == 0 ? <usize>0 : mk + <usize>(r * cols), cols, PS[j], QS[j]);
            const got = load<f64>(out + (<usize>r << 3));
            if (isNaN(want)) expect(isNaN(got)).toBe(true);
            else expect(got).toBe(want);
            expect(load<i32>(cnt + (<usize>r << 2))).toBe(remaining_count(mk == 0 ? <usize>0 : mk + <usize>(r * cols), cols));
          }
          if (mm == 1) expect(isNaN(load<f64>(out))).toBe(true); // row 0: nothing remains
          if (rows > 1) expect(isNaN(load<f64>(out + 8))).toBe(true); // row 1: all zero
        }
      }
      heap.free(x);
      heap.free(mask);
      heap.free(out);
      heap.free(cnt);
    }
  });
});

describe("global scope from partial sums", () => {
  it("summing pqi_sums over chunks with the global max as scale matches pqi of the whole", () => {
    const n = 1000;
    const x = makeData(n);
    const mask = randMask(n);
    const CUT: i32[] = [0, 130, 131, 517, 1000];
    let gmax: f32 = 0;
    let d = 0;
    for (let c = 0; c + 1 < CUT.length; c++) {
      const o = CUT[c], len = CUT[c + 1] - o;
      gmax = max<f32>(gmax, remaining_max_abs(x + (<usize>o << 2), mask + <usize>o, len));
      d += remaining_count(mask + <usize>o, len);
    }
    expect(gmax).toBe(remaining_max_abs(x, mask, n));
    for (let j = 0; j < PS.length; j++) {
      let sp: f64 = 0, sq: f64 = 0;
      for (let c = 0; c + 1 < CUT.length; c++) {
        const o = CUT[c], len = CUT[c + 1] - o;
        pqi_sums(x + (<usize>o << 2), mask + <usize>o, len, PS[j], QS[j], <f64>gmax, OUT);
        sp += load<f64>(OUT);
        sq += load<f64>(OUT, 8);
      }
      const g = pqi_from_sums(<f64>d, sp, sq, PS[j], QS[j]);
      expect(Math.abs(g - pqi(x, mask, n, PS[j], QS[j]))).toBeLessThanOrEqual(1e-13);
    }
    heap.free(x);
    heap.free(mask);
  });
});

describe("helpers", () => {
  it("remaining_count, remaining_max_abs and compact_remaining match naive loops", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = makeData(n);
      const mask = randMask(n);
      let c = 0;
      let m: f32 = 0;
      for (let i = 0; i < n; i++) {
        if (load<u8>(mask + <usize>i) != 0) {
          c++;
          m = max<f32>(m, Mathf.abs(at(x, i)));
        }
      }
      expect(remaining_count(mask, n)).toBe(c);
      expect(remaining_count(0, n)).toBe(n);
      expect(remaining_max_abs(x, mask, n)).toBe(m);
      const dst = allocF32(n);
      put(dst, c, 77);
      expect(compact_remaining(dst, x, mask, n)).toBe(c);
      let j = 0;
      for (let i = 0; i < n; i++) {
        if (load<u8>(mask + <usize>i) != 0) {
          expect(reinterpret<u32>(at(dst, j))).toBe(reinterpret<u32>(at(x, i)));
          j++;
        }
      }
      expect(at(dst, c)).toBe(77);
      expect(compact_remaining(dst, x, 0, n)).toBe(n);
      heap.free(x);
      heap.free(mask);
      heap.free(dst);
    }
    expect(remaining_count(0, 0)).toBe(0);
    expect(remaining_max_abs(0, 0, 0)).toBe(0);
  });
});

describe("pqi_bound (Theorem 2, Eq. 2)", () => {
  it("evaluates d·(1 + η)^{−q/(q−p)}·(1 − I)^{qp/(q−p)} and rejects bad arguments with NaN", () => {
    for (let j = 0; j < PS.length; j++) {
      const p = PS[j], q = QS[j];
      const d: f64 = 1000, I: f64 = 0.3, eta: f64 = 0.1;
      const want = d * Math.pow(1.1, -q / (q - p)) * Math.pow(0.7, q * p / (q - p));
      expect(Math.abs(pqi_bound(d, I, p, q, eta) - want)).toBeLessThanOrEqual(1e-12 * want);
      expect(pqi_bound(d, 0, p, q, 0)).toBe(d); // dense, η = 0: every entry needed
      expect(pqi_bound(d, 1, p, q, 0)).toBe(0.0);
    }
    expect(isNaN(pqi_bound(10, -0.1, 0.5, 1, 0))).toBe(true);
    expect(isNaN(pqi_bound(10, 1.1, 0.5, 1, 0))).toBe(true);
    expect(isNaN(pqi_bound(10, 0.5, 0.5, 1, -1))).toBe(true);
    expect(isNaN(pqi_bound(-1, 0.5, 0.5, 1, 0))).toBe(true);
    expect(isNaN(pqi_bound(10, 0.5, 1, 1, 0))).toBe(true);
    expect(isNaN(pqi_bound(10, NaN, 0.5, 1, 0))).toBe(true);
  });

  it("holds for every r on random vectors with η_r computed exactly (top-r by magnitude)", () => {
    for (let t = 0; t < 40; t++) {
      const n = 1 + <i32>(nextU32() % 60);
      const x = makeData(n);
      put(x, 0, 0.9);
      // Magnitudes sorted descending (insertion sort: the reference is independent of the radix sort).
      const a = new StaticArray<f64>(n);
      for (let i = 0; i < n; i++) a[i] = Math.abs(<f64>at(x, i));
      for (let i = 1; i < n; i++) {
        const v = a[i];
        let k = i - 1;
        while (k >= 0 && a[k] < v) { a[k + 1] = a[k]; k--; }
        a[k + 1] = v;
      }
      for (let j = 0; j < PS.length; j++) {
        const p = PS[j], q = QS[j];
        const I = pqi(x, 0, n, p, q);
        for (let r = 1; r <= n; r++) {
          let top: f64 = 0, rest: f64 = 0;
          for (let i = 0; i < n; i++) {
            if (i < r) top += Math.pow(a[i], p);
            else rest += Math.pow(a[i], p);
          }
          const bound = pqi_bound(<f64>n, I, p, q, rest / top);
          expect(<f64>r).toBeGreaterThanOrEqual(bound * (1 - 1e-12));
        }
      }
      heap.free(x);
    }
  });
});
