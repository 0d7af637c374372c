// Stable LSD radix sort of u32 keys, 8-bit digits: one histogram pass for
// all four digits, then one stable scatter pass per digit, skipping a digit
// on which every key agrees. O(m), deterministic, no comparisons (gini.ts
// sorts magnitude keys with it).
// Over threads (radix_sort_u32, from RADIX_MIN_KEYS keys a thread): each
// thread histograms and scatters one contiguous chunk; a bin's slots go to
// the chunks in order, so each key lands where the one-thread sort puts it
// and the sorted array is the same for any thread count (keys alone are
// sorted, so it is unique anyway).
import { parallel, taskArgs, threadsFor, shareLo, ensureThreadBuffers, threadBuffer } from "../parallel";

/** Bytes of the 4 × 256-bin histograms one sort needs. */
export const RADIX_HIST_BYTES: usize = 4096;
const HIST4: usize = memory.data(<i32>RADIX_HIST_BYTES, 16);
// Keys a thread should get before the sort is split.
const RADIX_MIN_KEYS: i32 = 1 << 16;

// @ts-ignore: decorator
@inline function bump(hist: usize, bin: u32): void {
  const h = hist + (<usize>bin << 2);
  store<u32>(h, load<u32>(h) + 1);
}

// All four digits' counts of keys[lo, hi) into hist (cleared first).
function histAll(keys: usize, lo: i32, hi: i32, hist: usize): void {
  memory.fill(hist, 0, RADIX_HIST_BYTES);
  for (let i = <usize>lo; i < <usize>hi; i++) {
    const k = load<u32>(keys + (i << 2));
    bump(hist, k & 255);
    bump(hist + 1024, (k >>> 8) & 255);
    bump(hist + 2048, (k >>> 16) & 255);
    bump(hist + 3072, k >>> 24);
  }
}

// One digit's counts of keys[lo, hi) into h (256 bins, cleared first).
function histDigit(keys: usize, lo: i32, hi: i32, shift: u32, h: usize): void {
  memory.fill(h, 0, 1024);
  for (let i = <usize>lo; i < <usize>hi; i++) bump(h, (load<u32>(keys + (i << 2)) >>> shift) & 255);
}

// Stable scatter of src[lo, hi) by the digit at `shift` through h's running offsets.
function scatter(src: usize, dst: usize, lo: i32, hi: i32, shift: u32, h: usize): void {
  for (let i = <usize>lo; i < <usize>hi; i++) {
    const k = load<u32>(src + (i << 2));
    const slot = h + (<usize>((k >>> shift) & 255) << 2);
    const o = load<u32>(slot);
    store<u32>(dst + (<usize>o << 2), k);
    store<u32>(slot, o + 1);
  }
}

// Whether one bin of digit histogram h holds all m keys.
function oneBin(h: usize, m: i32): bool {
  for (let b: usize = 0; b < 256; b++) {
    const c = load<u32>(h + (b << 2));
    if (c == <u32>m) return true;
    if (c != 0) return false;
  }
  return false;
}

/** The one-thread sort with its own 4 KiB of histograms (a part of a parallel region may call it). */
export function radixSortWith(keys: usize, m: i32, tmp: usize, hist: usize): void {
  if (m <= 1) return;
  histAll(keys, 0, m, hist);
  let src = keys, dst = tmp;
  for (let digit: u32 = 0; digit < 4; digit++) {
    const h = hist + (<usize>digit << 10);
    if (oneBin(h, m)) continue;
    let run: u32 = 0;
    for (let b: usize = 0; b < 256; b++) {
      const c = load<u32>(h + (b << 2));
      store<u32>(h + (b << 2), run);
      run += c;
    }
    scatter(src, dst, 0, m, digit << 3, h);
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != keys) memory.copy(keys, src, <usize>m << 2);
}

/**
 * Sorts keys_u32[0, m) ascending in place (any u32 values) by a stable LSD
 * radix sort with 8-bit digits; tmp_u32 is a buffer of ≥ 4·m bytes that must
 * not overlap the keys (clobbered). O(m): one histogram pass plus at most four
 * scatter passes (digits on which every key agrees are skipped).
 */
export function radix_sort_u32(keys_u32: usize, m: i32, tmp_u32: usize): void {
  if (m <= 1) return;
  const nt = threadsFor(m, RADIX_MIN_KEYS);
  if (nt <= 1) return radixSortWith(keys_u32, m, tmp_u32, HIST4);
  ensureThreadBuffers(nt, RADIX_HIST_BYTES);
  const a = taskArgs();
  store<usize>(a + 4, keys_u32); store<i32>(a + 12, m);
  // Every digit's counts over the chunks at once: their sums show the digits to skip.
  store<i32>(a, 0);
  parallel(radix_task, a, nt);
  let src = keys_u32, dst = tmp_u32, first = true;
  for (let digit: u32 = 0; digit < 4; digit++) {
    const off = <usize>digit << 10;
    memory.fill(HIST4, 0, 1024);
    for (let t = 0; t < nt; t++) {
      const h = threadBuffer(t) + off;
      for (let b: usize = 0; b < 256; b++) store<u32>(HIST4 + (b << 2), load<u32>(HIST4 + (b << 2)) + load<u32>(h + (b << 2)));
    }
    if (oneBin(HIST4, m)) continue;
    store<usize>(a + 4, src); store<usize>(a + 8, dst); store<u32>(a + 16, digit);
    if (!first) {
      // The chunks hold other keys now: count this digit again.
      store<i32>(a, 1);
      parallel(radix_task, a, nt);
    }
    first = false;
    // Bin b's slots: chunk 0's keys first, then chunk 1's, … (the one-thread order).
    let run: u32 = 0;
    for (let b: usize = 0; b < 256; b++) {
      for (let t = 0; t < nt; t++) {
        const slot = threadBuffer(t) + off + (b << 2);
        const c = load<u32>(slot);
        store<u32>(slot, run);
        run += c;
      }
    }
    store<i32>(a, 2);
    parallel(radix_task, a, nt);
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != keys_u32) memory.copy(keys_u32, src, <usize>m << 2);
}

// Part tid of a sort step: 0 all digits' counts, 1 one digit's counts, 2 the scatter (a: step, src, dst, m, digit).
function radix_task(tid: i32, nt: i32, a: usize): void {
  const src = load<usize>(a + 4), m = load<i32>(a + 12), digit = load<u32>(a + 16);
  const lo = shareLo(m, tid, nt), hi = shareLo(m, tid + 1, nt), h = threadBuffer(tid);
  const step = load<i32>(a);
  if (step == 0) histAll(src, lo, hi, h);
  else if (step == 1) histDigit(src, lo, hi, digit << 3, h + (<usize>digit << 10));
  else scatter(src, load<usize>(a + 8), lo, hi, digit << 3, h + (<usize>digit << 10));
}
