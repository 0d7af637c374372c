import {
  sum, sum_sq, count_nonzero, argmax_correct, max_abs, has_non_finite,
} from "../kernels/reduce";
import { seedRnd, rnd, at, put, allocF32 } from "./util/buffers";
import { firstArgmax, countCorrect, laneOrderSum } from "./util/reference";

const SIZES: i32[] = [0, 1, 3, 4, 17, 255, 256, 257, 1000];

seedRnd(0xFACE);
// n values in [-3, 3), drawn as rnd(3) (not 3·rnd(), which rounds differently).
function buf(n: i32): usize {
  const p = allocF32(n);
  for (let i = 0; i < n; i++) put(p, i, rnd(3));
  return p;
}
function relErr(got: f64, want: f64): f64 {
  return Math.abs(got - want) / max(Math.abs(want), 1e-300);
}

// Σ x (or Σ x²) in f64 in the kernels' documented order (see laneOrderSum).
function orderedSum(x: usize, n: i32, square: bool): f64 {
  const terms = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) {
    const v = <f64>at(x, i);
    terms[i] = square ? v * v : v;
  }
  return laneOrderSum(terms);
}

describe("sum / sum_sq", () => {
  it("match naive f64 sums (tight) and the documented order (bit-exact)", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      let s: f64 = 0;
      let q: f64 = 0;
      for (let i = 0; i < n; i++) {
        const v = <f64>at(x, i);
        s += v;
        q += v * v;
      }
      const gs = sum(x, n);
      const gq = sum_sq(x, n);
      expect(Math.abs(gs - s)).toBeLessThanOrEqual(1e-12 * max(<f64>n, 1));
      expect(relErr(gq, q) <= 1e-13 || q == 0).toBe(true);
      expect(gs).toBe(orderedSum(x, n, false));
      expect(gq).toBe(orderedSum(x, n, true));
      heap.free(x);
    }
  });

  it("accumulate in f64 (no f32 cancellation)", () => {
    const x = buf(5);
    put(x, 0, 16777216); // 2^24
    put(x, 1, 1);
    put(x, 2, 1);
    put(x, 3, -16777216);
    put(x, 4, 1);
    expect(sum(x, 5)).toBe(3);
    expect(sum_sq(x, 5)).toBe(2.0 * 281474976710656.0 + 3.0);
    heap.free(x);
  });
});

describe("count_nonzero", () => {
  it("counts x != 0 (−0 is zero, NaN and ±Inf are nonzero)", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      for (let i = 0; i < n; i++) {
        const m = i % 6;
        if (m == 0) put(x, i, 0.0);
        else if (m == 1) put(x, i, -0.0);
        else if (m == 2 && i % 4 == 2) put(x, i, NaN);
        else if (m == 3 && i % 5 == 3) put(x, i, -Infinity);
        else if (m == 4 && i % 7 == 4) put(x, i, 1.0e-45);
      }
      let want = 0;
      for (let i = 0; i < n; i++) {
        const v = at(x, i);
        if (v != 0) want++;
      }
      expect(count_nonzero(x, n)).toBe(want);
      heap.free(x);
    }
  });

  it("handles all-zero, all-NaN and a lone −0", () => {
    const x = buf(17);
    for (let i = 0; i < 17; i++) put(x, i, 0);
    expect(count_nonzero(x, 17)).toBe(0);
    put(x, 16, -0.0);
    expect(count_nonzero(x, 17)).toBe(0);
    for (let i = 0; i < 17; i++) put(x, i, NaN);
    expect(count_nonzero(x, 17)).toBe(17);
    heap.free(x);
  });
});

describe("argmax_correct", () => {
  it("matches a naive first-max argmax on random logits", () => {
    const R: i32[] = [1, 3, 250, 7];
    const C: i32[] = [1, 17, 10, 3];
    for (let k = 0; k < R.length; k++) {
      const rows = R[k];
      const classes = C[k];
      const l = buf(rows * classes);
      const y = heap.alloc(<usize>rows << 2);
      for (let r = 0; r < rows; r++) {
        // Label = true argmax for about half of the rows.
        const best = firstArgmax(l, r, classes);
        store<i32>(y + (<usize>r << 2), r % 2 == 0 ? best : (best + 1) % classes);
      }
      expect(argmax_correct(l, y, rows, classes)).toBe(countCorrect(l, y, rows, classes));
      heap.free(l);
      heap.free(y);
    }
  });

  it("breaks ties toward the first maximum and never matches bad labels", () => {
    const l = buf(12);
    const y = heap.alloc(16);
    // Row 0: [1, 3, 3, 0] argmax 1; row 1: all equal → 0; row 2: [0, 0, 0, 5] → 3.
    const vals: f32[] = [1, 3, 3, 0, 2, 2, 2, 2, 0, 0, 0, 5];
    for (let i = 0; i < 12; i++) put(l, i, vals[i]);
    store<i32>(y, 1);
    store<i32>(y, 0, 4);
    store<i32>(y, 3, 8);
    expect(argmax_correct(l, y, 3, 4)).toBe(3);
    store<i32>(y, 2); // second of the tied maxima: not the argmax
    expect(argmax_correct(l, y, 3, 4)).toBe(2);
    store<i32>(y, -1, 4);
    store<i32>(y, 4, 8);
    expect(argmax_correct(l, y, 3, 4)).toBe(0);
    heap.free(l);
    heap.free(y);
  });
});

describe("max_abs", () => {
  it("equals the naive max |x| for every size", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      if (n > 0) put(x, n - 1, -7.5); // largest magnitude, negative, in the tail
      let want: f32 = 0;
      for (let i = 0; i < n; i++) want = max<f32>(want, Mathf.abs(at(x, i)));
      expect(max_abs(x, n)).toBe(want);
      heap.free(x);
    }
  });

  it("returns NaN when any element is NaN, Inf for ±Inf", () => {
    const x = buf(17);
    put(x, 2, -Infinity);
    expect(max_abs(x, 17)).toBe(Infinity);
    put(x, 16, NaN);
    expect(isNaN(max_abs(x, 17))).toBe(true);
    heap.free(x);
  });
});

describe("has_non_finite", () => {
  it("is 0 for finite data, including ±max and subnormals", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      if (n > 1) {
        put(x, 0, 3.4028234663852886e38);
        put(x, n - 1, -3.4028234663852886e38);
      }
      if (n > 2) put(x, 1, -1.0e-45);
      expect(has_non_finite(x, n)).toBe(0);
      heap.free(x);
    }
  });

  it("is 1 for a NaN, +Inf or −Inf at any position (body or tail)", () => {
    const n = 17;
    const x = buf(n);
    const bad: f32[] = [NaN, Infinity, -Infinity];
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < n; i++) {
        const keep = at(x, i);
        put(x, i, bad[b]);
        expect(has_non_finite(x, n)).toBe(1);
        put(x, i, keep);
      }
    }
    expect(has_non_finite(x, n)).toBe(0);
    heap.free(x);
  });
});
