import { select_smallest_abs, kth_smallest_abs, gather_abs, select_scratch_bytes } from "../kernels/select";
import { seedRnd, nextU32, rnd, at, put, byteAt, allocF32, randMask } from "./util/buffers";

seedRnd(0x7F4A7C15);

// The documented order key: |x| bits, every NaN → 0x7F800001 (largest, all equal).
function key(v: f32): u32 {
  const b = reinterpret<u32>(v) & 0x7FFFFFFF;
  return b > 0x7F800000 ? 0x7F800001 : b;
}

// Data kinds: 0 random magnitudes (with ±0 and repeated values), 1 heavy ties
// from {0, −0, ±1, ±2}, 2 random with NaN / ±Inf sprinkled in.
function makeData(n: i32, kind: i32): usize {
  const x = allocF32(n);
  for (let i = 0; i < n; i++) {
    const r = nextU32() % 16;
    let v: f32;
    if (kind == 1) {
      const t = nextU32() % 6;
      v = t == 0 ? 0 : t == 1 ? -0.0 : t == 2 ? 1 : t == 3 ? -1 : t == 4 ? 2 : -2;
    } else {
      v = rnd() * <f32>Math.pow(2, <f64>(nextU32() % 12) - 6);
      if (r == 0) v = i & 1 ? 0 : -0.0;
      else if (r == 1 && i > 0) v = -at(x, i - 1); // same |x| as a neighbour
      else if (kind == 2 && r == 2) v = i & 1 ? NaN : -NaN;
      else if (kind == 2 && r == 3) v = i & 1 ? Infinity : -Infinity;
    }
    put(x, i, v);
  }
  return x;
}
// Mask modes: 0 = null pointer (all candidates), 1 = partial, bytes from {0, 1, 7, 255}
// (P(0) = 3/8).
function makeMask(n: i32, mode: i32): usize {
  return mode == 0 ? 0 : randMask(n, 8);
}
function isCand(mask: usize, i: i32): bool {
  return mask == 0 || byteAt(mask, i) != 0;
}

// Sort-based reference: candidates' (key, index) in ascending order.
function sortedCandidates(x: usize, mask: usize, n: i32): StaticArray<u64> {
  let m = 0;
  for (let i = 0; i < n; i++) m += i32(isCand(mask, i));
  const a = new StaticArray<u64>(m);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (isCand(mask, i)) a[j++] = (<u64>key(at(x, i)) << 32) | <u64>i;
  }
  a.sort((p: u64, q: u64): i32 => i32(p > q) - i32(p < q));
  return a;
}

const GUARD: u32 = 0xDEADBEEF;
function allocScratch(n: i32): usize {
  const bytes = select_scratch_bytes(n);
  const s = heap.alloc(bytes + 16);
  for (let o: usize = 0; o < bytes; o += 4) store<u32>(s + o, 0x55555555); // no init needed
  store<u32>(s + bytes, GUARD);
  return s;
}
function guardOk(s: usize, n: i32): bool {
  return load<u32>(s + select_scratch_bytes(n)) == GUARD;
}

// Runs select_smallest_abs and returns the number of mask bytes differing from the reference.
function checkSelect(x: usize, mask: usize, n: i32, c: i32, sorted: StaticArray<u64>, inPlace: bool): i32 {
  const m = sorted.length;
  const out = heap.alloc(<usize>n + 16);
  store<u8>(out + <usize>n, 0xAB);
  const want = heap.alloc(<usize>n + 16);
  memory.fill(want, 0, <usize>n);
  const cc = c < 0 ? 0 : c > m ? m : c;
  for (let j = cc; j < m; j++) store<u8>(want + <usize>(<u32>sorted[j]), 1);
  let maskIn = mask;
  if (inPlace) {
    for (let i = 0; i < n; i++) store<u8>(out + <usize>i, isCand(mask, i) ? 3 : 0);
    maskIn = out;
  }
  const scratch = allocScratch(n);
  const kept = select_smallest_abs(x, n, c, maskIn, out, scratch);
  expect(kept).toBe(m - cc);
  expect(guardOk(scratch, n)).toBe(true);
  expect(byteAt(out, n)).toBe(0xAB);
  let bad = 0;
  for (let i = 0; i < n; i++) bad += i32(byteAt(out, i) != byteAt(want, i));
  heap.free(out);
  heap.free(want);
  heap.free(scratch);
  return bad;
}

// Runs `check` on fresh data for every size, data kind and mask mode (full, then
// partial), with the sort-based reference of the candidates; frees the data after.
const CASE_SIZES: i32[] = [1, 2, 17, 1000, 100000];
function forEachCase(check: (x: usize, mask: usize, n: i32, sorted: StaticArray<u64>) => void): void {
  for (let s = 0; s < CASE_SIZES.length; s++) {
    const n = CASE_SIZES[s];
    for (let kind = 0; kind < 3; kind++) {
      for (let mm = 0; mm < 2; mm++) {
        const x = makeData(n, kind);
        const mask = makeMask(n, mm);
        check(x, mask, n, sortedCandidates(x, mask, n));
        heap.free(x);
        if (mask) heap.free(mask);
      }
    }
  }
}

describe("select_smallest_abs vs sort-based reference", () => {
  it("matches on random, heavy-tie and NaN/Inf data, full and partial masks, every c", () => {
    forEachCase((x: usize, mask: usize, n: i32, sorted: StaticArray<u64>): void => {
      const m = sorted.length;
      const CS: i32[] = [0, 1, m / 2, m - 1, m, m + 3, -1];
      for (let ci = 0; ci < CS.length; ci++) {
        expect(checkSelect(x, mask, n, CS[ci], sorted, false)).toBe(0);
      }
      if (mask) expect(checkSelect(x, mask, n, m / 3, sorted, true)).toBe(0); // mask_in == mask_out
    });
  });

  it("ties: equal |x| prunes the lower index first, among candidates only", () => {
    const n = 10;
    const x = heap.alloc(64);
    const mask = heap.alloc(16);
    const out = heap.alloc(16);
    const scratch = allocScratch(n);
    for (let i = 0; i < n; i++) {
      put(x, i, i & 1 ? <f32>-1 : <f32>1);
      store<u8>(mask + <usize>i, <u8>(i != 1 && i != 4));
    }
    put(x, 7, 0.5); // strictly smallest
    // candidates: 0 2 3 5 6 7 8 9; prune 3: index 7 (smallest), then 0 and 2 (ties, lowest index)
    expect(select_smallest_abs(x, n, 3, mask, out, scratch)).toBe(5);
    const WANT: u8[] = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1];
    for (let i = 0; i < n; i++) expect(byteAt(out, i)).toBe(WANT[i]);
    expect(guardOk(scratch, n)).toBe(true);
    heap.free(x);
    heap.free(mask);
    heap.free(out);
    heap.free(scratch);
  });

  it("NaN is largest and −0 equals +0", () => {
    const n = 6;
    const x = heap.alloc(64);
    const out = heap.alloc(16);
    const scratch = allocScratch(n);
    put(x, 0, NaN);
    put(x, 1, Infinity);
    put(x, 2, -NaN);
    put(x, 3, 0);
    put(x, 4, -0.0);
    put(x, 5, -3);
    expect(select_smallest_abs(x, n, 4, 0, out, scratch)).toBe(2);
    const WANT: u8[] = [1, 0, 1, 0, 0, 0];
    for (let i = 0; i < n; i++) expect(byteAt(out, i)).toBe(WANT[i]);
    expect(kth_smallest_abs(x, 0, n, 1, scratch)).toBe(0);
    expect(reinterpret<u32>(kth_smallest_abs(x, 0, n, 2, scratch))).toBe(0); // +0
    expect(kth_smallest_abs(x, 0, n, 3, scratch)).toBe(3);
    expect(kth_smallest_abs(x, 0, n, 4, scratch)).toBe(Infinity);
    expect(isNaN(kth_smallest_abs(x, 0, n, 5, scratch))).toBe(true);
    // NaNs tie whatever their sign and payload: lower index pruned first
    put(x, 0, reinterpret<f32>(0xFFC00123));
    put(x, 2, reinterpret<f32>(0x7FC00000));
    put(x, 5, reinterpret<f32>(0x7F800001));
    expect(select_smallest_abs(x, n, 4, 0, out, scratch)).toBe(2);
    const WANT2: u8[] = [0, 0, 1, 0, 0, 1];
    for (let i = 0; i < n; i++) expect(byteAt(out, i)).toBe(WANT2[i]);
    heap.free(x);
    heap.free(out);
    heap.free(scratch);
  });
});

describe("kth_smallest_abs vs sorted reference", () => {
  it("returns the k-th smallest |x| among kept entries, NaN out of range", () => {
    forEachCase((x: usize, mask: usize, n: i32, sorted: StaticArray<u64>): void => {
      const m = sorted.length;
      const scratch = allocScratch(n);
      const KS: i32[] = [1, 2, m / 2, m - 1, m];
      for (let ki = 0; ki < KS.length; ki++) {
        const k = KS[ki];
        if (k < 1 || k > m) continue;
        const kk = <u32>(sorted[k - 1] >>> 32);
        const got = kth_smallest_abs(x, mask, n, k, scratch);
        if (kk > 0x7F800000) expect(isNaN(got)).toBe(true);
        else expect(reinterpret<u32>(got)).toBe(kk);
      }
      expect(isNaN(kth_smallest_abs(x, mask, n, 0, scratch))).toBe(true);
      expect(isNaN(kth_smallest_abs(x, mask, n, m + 1, scratch))).toBe(true);
      expect(guardOk(scratch, n)).toBe(true);
      heap.free(scratch);
    });
  });
});

describe("gather_abs", () => {
  it("writes |src| (sign cleared) at any offset, in place too", () => {
    const SZ: i32[] = [0, 1, 3, 4, 17, 257];
    for (let s = 0; s < SZ.length; s++) {
      const n = SZ[s];
      const src = makeData(n, 2);
      const dst = heap.alloc(<usize>(n + 8) << 2);
      put(dst, 0, 77);
      put(dst, n + 1, 77);
      gather_abs(dst + 4, src, n); // unaligned destination offset (one element)
      let bad = 0;
      for (let i = 0; i < n; i++) {
        bad += i32(reinterpret<u32>(at(dst, i + 1)) != (reinterpret<u32>(at(src, i)) & 0x7FFFFFFF));
      }
      expect(bad).toBe(0);
      expect(at(dst, 0)).toBe(77);
      expect(at(dst, n + 1)).toBe(77);
      gather_abs(src, src, n);
      bad = 0;
      for (let i = 0; i < n; i++) bad += i32(reinterpret<u32>(at(src, i)) >>> 31);
      expect(bad).toBe(0);
      heap.free(src);
      heap.free(dst);
    }
  });
});
