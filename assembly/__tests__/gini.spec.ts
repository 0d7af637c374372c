import {
  gini, gini_rows, gini_sorted_keys, gini_scratch_bytes, abs_keys, radix_sort_u32,
} from "../kernels/gini";
import { seedRnd, nextU32, rnd, at, put, allocF32, randMask } from "./util/buffers";

seedRnd(0x61A1C0DE);

const SIZES: i32[] = [1, 2, 3, 4, 17, 64, 255, 256, 257, 1000];

// The documented key: |x| bits, every NaN → 0x7F800001.
function key(v: f32): u32 {
  const b = reinterpret<u32>(v) & 0x7FFFFFFF;
  return b > 0x7F800000 ? 0x7F800001 : b;
}
function kept(mask: usize, i: i32): bool {
  return mask == 0 || load<u8>(mask + <usize>i) != 0;
}

// Data kinds: 0 random magnitudes over many binades with ±0 and repeated |x|;
// 1 heavy ties from {0, −0, ±1, ±2}; 2 like 0 with NaN / ±Inf sprinkled in.
function makeData(n: i32, kind: i32): usize {
  const x = allocF32(n);
  for (let i = 0; i < n; i++) {
    const r = nextU32() % 16;
    let v: f32;
    if (kind == 1) {
      const t = nextU32() % 6;
      v = t == 0 ? 0 : t == 1 ? -0.0 : t == 2 ? 1 : t == 3 ? -1 : t == 4 ? 2 : -2;
    } else {
      v = rnd() * <f32>Math.pow(2, <f64>(nextU32() % 20) - 10);
      if (r == 0) v = i & 1 ? 0 : -0.0;
      else if (r == 1 && i > 0) v = -at(x, i - 1);
      else if (kind == 2 && r == 2) v = i & 1 ? NaN : -NaN;
      else if (kind == 2 && r == 3) v = i & 1 ? Infinity : -Infinity;
    }
    put(x, i, v);
  }
  return x;
}

// Comparison sort of u32 (an independent reference for the radix sort).
function sortedRef(a: StaticArray<u32>): StaticArray<u32> {
  const b = StaticArray.slice<u32>(a);
  b.sort((p: u32, q: u32): i32 => i32(p > q) - i32(p < q));
  return b;
}

// Independent Gini: Hurley & Rickard's formula verbatim over |x| of the kept
// entries sorted ascending by a comparison sort (f64, no grouping).
function naiveGini(x: usize, mask: usize, n: i32): f64 {
  let m = 0;
  for (let i = 0; i < n; i++) m += i32(kept(mask, i));
  if (m == 0) return NaN;
  const c = new StaticArray<f64>(m);
  let j = 0;
  for (let i = 0; i < n; i++) if (kept(mask, i)) c[j++] = Math.abs(<f64>at(x, i));
  c.sort((p: f64, q: f64): i32 => i32(p > q) - i32(p < q));
  let s: f64 = 0;
  for (let k = 0; k < m; k++) s += c[k];
  if (s == 0 || !isFinite(s)) return NaN;
  const N = <f64>m;
  let g: f64 = 0;
  for (let k = 1; k <= m; k++) g += (c[k - 1] / s) * ((N - <f64>k + 0.5) / N);
  return 1.0 - 2.0 * g;
}

const GUARD: u32 = 0xDEADBEEF;
function allocScratch(n: i32): usize {
  const bytes = gini_scratch_bytes(n);
  const s = heap.alloc(bytes + 16);
  for (let o: usize = 0; o < bytes; o += 4) store<u32>(s + o, 0x55555555);
  store<u32>(s + bytes, GUARD);
  return s;
}
function guardOk(s: usize, n: i32): bool {
  return load<u32>(s + gini_scratch_bytes(n)) == GUARD;
}

describe("radix_sort_u32", () => {
  it("sorts random u32 keys (full 32 bits, with ties) like a comparison sort", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      for (let kind = 0; kind < 4; kind++) {
        const a = new StaticArray<u32>(n);
        for (let i = 0; i < n; i++) {
          const r = nextU32();
          // 0: any u32; 1: 4 distinct values; 2: only the low byte varies; 3: only the top byte varies.
          a[i] = kind == 0 ? r : kind == 1 ? (r % 4) * 0x01010101 : kind == 2 ? 0x3F000000 | (r & 255) : (r & 0xFF000000) | 0x123456;
        }
        const want = sortedRef(a);
        const keys = heap.alloc(<usize>n << 2);
        const tmp = heap.alloc((<usize>n << 2) + 4);
        store<u32>(tmp + (<usize>n << 2), GUARD);
        for (let i = 0; i < n; i++) store<u32>(keys + (<usize>i << 2), a[i]);
        radix_sort_u32(keys, n, tmp);
        let bad = 0;
        for (let i = 0; i < n; i++) bad += i32(load<u32>(keys + (<usize>i << 2)) != want[i]);
        expect(bad).toBe(0);
        expect(load<u32>(tmp + (<usize>n << 2))).toBe(GUARD);
        heap.free(keys);
        heap.free(tmp);
      }
    }
  });

  it("abs_keys + sort order magnitudes: ±0 tie at 0, NaN largest, masked entries skipped", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      for (let kind = 0; kind < 3; kind++) {
        const x = makeData(n, kind);
        const mask: usize = kind == 1 ? randMask(n) : 0;
        let m = 0;
        for (let i = 0; i < n; i++) m += i32(kept(mask, i));
        const a = new StaticArray<u32>(m);
        let j = 0;
        for (let i = 0; i < n; i++) if (kept(mask, i)) a[j++] = key(at(x, i));
        const want = sortedRef(a);
        const s = allocScratch(n);
        expect(abs_keys(x, mask, n, s)).toBe(m);
        radix_sort_u32(s, m, s + (<usize>m << 2));
        let bad = 0;
        for (let i = 0; i < m; i++) bad += i32(load<u32>(s + (<usize>i << 2)) != want[i]);
        expect(bad).toBe(0);
        expect(guardOk(s, n)).toBe(true);
        heap.free(x);
        heap.free(s);
        if (mask) heap.free(mask);
      }
    }
  });

  it("maps −0 and +0 to key 0, ±Inf to 0x7F800000 and every NaN to 0x7F800001", () => {
    const x = allocF32(6);
    put(x, 0, -0.0);
    put(x, 1, 0.0);
    put(x, 2, -Infinity);
    put(x, 3, reinterpret<f32>(0xFFC00001)); // negative NaN with a payload
    put(x, 4, -1.5);
    put(x, 5, 1.0e-45);
    const s = allocScratch(6);
    expect(abs_keys(x, 0, 6, s)).toBe(6);
    radix_sort_u32(s, 6, s + 24);
    const WANT: u32[] = [0, 0, 1, 0x3FC00000, 0x7F800000, 0x7F800001];
    for (let i = 0; i < 6; i++) expect(load<u32>(s + (<usize>i << 2))).toBe(WANT[i]);
    heap.free(x);
    heap.free(s);
  });
});

describe("gini vs a naive sort-based reference", () => {
  it("matches Hurley & Rickard's formula on random and heavy-tie data, with and without masks", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      for (let kind = 0; kind < 2; kind++) {
        for (let mm = 0; mm < 2; mm++) {
          const x = makeData(n, kind);
          put(x, 0, -0.625);
          const mask: usize = mm == 0 ? 0 : randMask(n);
          if (mask) store<u8>(mask, 255);
          const s = allocScratch(n);
          const got = gini(x, mask, n, s);
          const want = naiveGini(x, mask, n);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12);
          let m = 0;
          for (let i = 0; i < n; i++) m += i32(kept(mask, i));
          expect(got).toBeGreaterThanOrEqual(0.0);
          expect(got).toBeLessThanOrEqual(1.0 - 1.0 / <f64>m);
          expect(guardOk(s, n)).toBe(true);
          heap.free(x);
          heap.free(s);
          if (mask) heap.free(mask);
        }
      }
    }
  });

  it("all-equal magnitudes give exactly 0; one-hot gives (N − 1)/N = 1 − 1/N", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = allocF32(n);
      const s = allocScratch(n);
      for (let i = 0; i < n; i++) put(x, i, i & 1 ? -0.1 : 0.1);
      expect(gini(x, 0, n, s)).toBe(0.0);
      for (let i = 0; i < n; i++) put(x, i, i == n - 1 - n / 3 ? -7.0 : i & 1 ? 0.0 : -0.0);
      const g = gini(x, 0, n, s);
      expect(g).toBe(<f64>(n - 1) / <f64>n);
      expect(Math.abs(g - (1.0 - 1.0 / <f64>n))).toBeLessThanOrEqual(1e-15);
      heap.free(x);
      heap.free(s);
    }
  });

  it("is bit-identical under power-of-two scaling and sign flips; cloning [w, w] keeps it", () => {
    const n = 257;
    const x = makeData(n, 0);
    const y = allocF32(2 * n);
    const s = allocScratch(2 * n);
    const base = gini(x, 0, n, s);
    for (let i = 0; i < n; i++) put(y, i, -at(x, i) * 0.0078125);
    expect(gini(y, 0, n, s)).toBe(base);
    for (let i = 0; i < n; i++) {
      put(y, i, at(x, i));
      put(y, n + i, at(x, i));
    }
    expect(Math.abs(gini(y, 0, 2 * n, s) - base)).toBeLessThanOrEqual(1e-14);
    heap.free(x);
    heap.free(y);
    heap.free(s);
  });

  it("returns NaN when nothing remains, all remaining are ±0, or a remaining entry is NaN/±Inf", () => {
    const n = 10;
    const x = makeData(n, 0);
    put(x, 3, 0.5);
    const s = allocScratch(n);
    const mask = heap.alloc(16);
    memory.fill(mask, 0, 16);
    expect(isNaN(gini(x, 0, 0, s))).toBe(true);
    expect(isNaN(gini(x, mask, n, s))).toBe(true);
    expect(isNaN(gini_sorted_keys(s, 0))).toBe(true);
    const z = allocF32(n);
    for (let i = 0; i < n; i++) put(z, i, i & 1 ? -0.0 : 0.0);
    expect(isNaN(gini(z, 0, n, s))).toBe(true);
    store<u8>(mask, 1, 3); // one remaining entry: G = 0
    expect(gini(x, mask, n, s)).toBe(0.0);
    put(x, 8, NaN);
    expect(isNaN(gini(x, 0, n, s))).toBe(true);
    expect(gini(x, mask, n, s)).toBe(0.0); // the NaN is masked out
    put(x, 8, -Infinity);
    expect(isNaN(gini(x, 0, n, s))).toBe(true);
    heap.free(x);
    heap.free(z);
    heap.free(s);
    heap.free(mask);
  });
});

describe("gini_rows (neuron scope)", () => {
  it("equals gini on each row bit-exactly, scratch of gini_scratch_bytes(cols) only", () => {
    const R: i32[] = [1, 4, 9];
    const C: i32[] = [1, 13, 100];
    for (let a = 0; a < R.length; a++) {
      const rows = R[a], cols = C[a], n = rows * cols;
      const x = makeData(n, a & 1);
      const mask = randMask(n);
      for (let c = 0; c < cols; c++) store<u8>(mask + <usize>c, 0); // row 0: nothing remains
      const s = allocScratch(cols);
      const s2 = allocScratch(cols);
      const out = heap.alloc(<usize>rows << 3);
      for (let mm = 0; mm < 2; mm++) {
        const mk: usize = mm == 0 ? 0 : mask;
        gini_rows(x, mk, rows, cols, s, out);
        expect(guardOk(s, cols)).toBe(true);
        for (let r = 0; r < rows; r++) {
          const want = gini(x + (<usize>(r * cols) << 2), mk == 0 ? <usize>0 : mk + <usize>(r * cols), cols, s2);
          const got = load<f64>(out + (<usize>r << 3));
          if (isNaN(want)) expect(isNaN(got)).toBe(true);
          else expect(got).toBe(want);
        }
        if (mm == 1) expect(isNaN(load<f64>(out))).toBe(true);
      }
      heap.free(x);
      heap.free(mask);
      heap.free(s);
      heap.free(s2);
      heap.free(out);
    }
  });
});

describe("global scope by appending keys", () => {
  it("abs_keys appended over chunks, one sort, gini_sorted_keys = gini of the whole", () => {
    const n = 1000;
    const x = makeData(n, 0);
    const mask = randMask(n);
    const CUT: i32[] = [0, 1, 333, 334, 1000];
    const s = allocScratch(n);
    let m = 0;
    for (let c = 0; c + 1 < CUT.length; c++) {
      const o = CUT[c];
      m += abs_keys(x + (<usize>o << 2), mask + <usize>o, CUT[c + 1] - o, s + (<usize>m << 2));
    }
    radix_sort_u32(s, m, s + (<usize>m << 2));
    const g = gini_sorted_keys(s, m);
    const s2 = allocScratch(n);
    expect(g).toBe(gini(x, mask, n, s2));
    heap.free(x);
    heap.free(mask);
    heap.free(s);
    heap.free(s2);
  });
});
