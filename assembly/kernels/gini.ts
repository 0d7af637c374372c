// Gini index of the remaining entries of a vector, in Hurley & Rickard's
// (2009) form, which the PQI paper compares against (ICLR 2023, Sec. 4):
// with c_(1) ≤ … ≤ c_(N) the magnitudes sorted ascending and ‖c‖₁ = Σ c,
//
//   G(c) = 1 − 2·Σ_k (c_(k)/‖c‖₁)·((N − k + ½)/N)
//        = Σ_k c_(k)·(2k − N − 1) / (N·‖c‖₁)            (the same, rearranged)
//
// The rearranged form is evaluated (no cancellation against 1 near G = 0).
// Equal magnitudes are summed as one group: a run of equal keys at 1-based
// ranks k+1..j contributes c·(j − k)·(k + j − N) with the integer weight exact
// in i64, so all-equal magnitudes give exactly 0 and a one-hot vector exactly
// (N − 1)/N (correctly rounded), and the order of tied entries cannot matter.
// Accumulation: f64, groups in ascending order of magnitude, over a fixed
// partition: the sorted keys are cut into blocks of GINI_BLOCK, a group
// belongs to the block its first key is in (so it stays one term), each
// block's two sums start at 0, and the blocks' sums are added in block order
// (up to GINI_BLOCK keys: one block, the plain sums). Threads take whole
// blocks, so the bits do not depend on the thread count.
//
// Sorting: each remaining entry gets the 31-bit key |x| bit pattern (+0 and
// −0 are both 0; +Inf is 0x7F800000; every NaN is 0x7F800001, largest), the
// same keys as select.ts. The keys are sorted by an LSD radix sort
// (radix_sort.ts): O(n), deterministic, no comparisons. Keys alone are
// sorted, so tie order is immaterial to the result.
//
// Scratch contract (gini, gini_rows): `scratch` is a caller buffer of at least
// gini_scratch_bytes(n) = 8·n bytes (n = the vector length, cols for
// gini_rows), 4-byte aligned; keys go to the first 4·n bytes, the radix
// sort's ping-pong buffer follows. Contents are clobbered and need no init.
// radix_sort_u32 needs a separate tmp of 4·m bytes. gini_rows on threads
// gives each thread its own keys and histograms (the engine's thread buffers).
//
// Undefined cases return NaN: no entry remains (N = 0), every remaining entry
// is ±0, or a remaining entry is NaN or ±Inf. The result is clamped to
// [0, 1 − 1/N] (Gini's range; the clamp only absorbs f64 rounding).

import { radix_sort_u32, radixSortWith, RADIX_HIST_BYTES } from "./radix_sort";
import { parallel, taskArgs, threadsFor, shareLo, ensureThreadBuffers, threadBuffer } from "../parallel";

export { radix_sort_u32 };
// @ts-ignore: decorator
@inline const NAN_KEY: u32 = 0x7F800001;
// @ts-ignore: decorator
@inline const INF_KEY: u32 = 0x7F800000;

// @ts-ignore: decorator
@inline function keyOf(v: u32): u32 {
  const b = v & 0x7FFFFFFF;
  return b > INF_KEY ? NAN_KEY : b;
}

/** Bytes of scratch gini / gini_rows need for vectors of n entries (8·n). */
export function gini_scratch_bytes(n: i32): usize {
  return <usize>max<i32>(n, 0) << 3;
}

/**
 * Writes the magnitude key of every remaining x[i] (mask_u8[i] != 0, or all
 * when mask_u8 == 0), in index order, to keys_u32 and returns the count.
 * Keys: |x| bits (±0 → 0, +Inf → 0x7F800000), any NaN → 0x7F800001. Append
 * several tensors by advancing keys_u32 by 4·(returned count) (global scope).
 */
export function abs_keys(x: usize, mask_u8: usize, n: i32, keys_u32: usize): i32 {
  if (n <= 0) return 0;
  let j: usize = 0;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (mask_u8 != 0 && load<u8>(mask_u8 + i) == 0) continue;
    store<u32>(keys_u32 + (j << 2), keyOf(load<u32>(x + (i << 2))));
    j++;
  }
  return <i32>j;
}

/** Sorted keys per block of the fixed partition the Gini sums are taken over. */
export const GINI_BLOCK: i32 = 1 << 16;

/**
 * Gini index (Hurley & Rickard) of N = m magnitudes given as ascending keys
 * (abs_keys + radix_sort_u32). NaN when m < 1, the largest key is 0 (all
 * zero), or it is +Inf / NaN. Clamped to [0, 1 − 1/N]. Blocks over threads.
 */
export function gini_sorted_keys(keys_u32: usize, m: i32): f64 {
  return giniSorted(keys_u32, m, true, SUMS);
}

// par: blocks over threads (main thread only); else on this thread, a block's
// two sums going to sums (16 bytes of the caller's own: a part of gini_rows'
// region passes its thread's).
function giniSorted(keys: usize, m: i32, par: bool, sums: usize): f64 {
  if (m <= 0) return NaN;
  const top = load<u32>(keys + (<usize>(m - 1) << 2));
  if (top == 0 || top >= INF_KEY) return NaN;
  const nb = (m - 1) / GINI_BLOCK + 1;
  let S: f64 = 0, T: f64 = 0; // ‖c‖₁ and Σ_k c_(k)·(2k − N − 1)
  const nt = par ? threadsFor(nb, 1) : 1;
  if (nt <= 1) {
    for (let b = 0; b < nb; b++) {
      giniBlock(keys, m, b, sums);
      S = b == 0 ? load<f64>(sums) : S + load<f64>(sums);
      T = b == 0 ? load<f64>(sums + 8) : T + load<f64>(sums + 8);
    }
  } else {
    ensureThreadBuffers(1, <usize>nb << 4);
    const a = taskArgs();
    store<usize>(a, keys); store<i32>(a + 4, m);
    parallel(gini_block_task, a, nt);
    const r = threadBuffer(0);
    S = load<f64>(r);
    T = load<f64>(r + 8);
    for (let b = 1; b < nb; b++) {
      S += load<f64>(r + (<usize>b << 4));
      T += load<f64>(r + (<usize>b << 4) + 8);
    }
  }
  const G = T / (<f64>m * S);
  const hi = <f64>(m - 1) / <f64>m;
  return G < 0 ? 0 : G > hi ? hi : G;
}

// A block's two sums on the main thread (gini, gini_sorted_keys).
const SUMS: usize = memory.data(16, 16);

function gini_block_task(tid: i32, nt: i32, a: usize): void {
  const keys = load<usize>(a), m = load<i32>(a + 4), nb = (m - 1) / GINI_BLOCK + 1, r = threadBuffer(0);
  for (let b = shareLo(nb, tid, nt); b < shareLo(nb, tid + 1, nt); b++) giniBlock(keys, m, b, r + (<usize>b << 4));
}

// S and T (f64, at out and out + 8) over the groups whose first key is in block b.
function giniBlock(keys: usize, m: i32, b: i32, out: usize): void {
  const N = <i64>m;
  const end = min(m, (b + 1) * GINI_BLOCK);
  let k = b * GINI_BLOCK;
  // A group begun in the block before is that block's.
  if (k > 0) {
    const prev = load<u32>(keys + (<usize>(k - 1) << 2));
    while (k < end && load<u32>(keys + (<usize>k << 2)) == prev) k++;
  }
  let S: f64 = 0;
  let T: f64 = 0;
  while (k < end) {
    const K = load<u32>(keys + (<usize>k << 2));
    let j = k + 1;
    while (j < m && load<u32>(keys + (<usize>j << 2)) == K) j++;
    if (K != 0) {
      const c = <f64>reinterpret<f32>(K);
      const cnt = <i64>(j - k);
      S += c * <f64>cnt;
      T += c * <f64>(cnt * (<i64>k + <i64>j - N)); // Σ_{rank=k+1}^{j} (2·rank − N − 1)
    }
    k = j;
  }
  store<f64>(out, S);
  store<f64>(out + 8, T);
}

// Gini of one contiguous vector: the sort and sums over threads (gini), or
// on this thread with its own histograms and, after them, 16 bytes for the
// block sums (a row of gini_rows: ROW_SCRATCH_BYTES).
function giniOne(x: usize, mask: usize, n: i32, scratch: usize, hist: usize): f64 {
  const m = abs_keys(x, mask, n, scratch);
  if (m == 0) return NaN;
  if (hist == 0) radix_sort_u32(scratch, m, scratch + (<usize>m << 2));
  else radixSortWith(scratch, m, scratch + (<usize>m << 2), hist);
  return hist == 0 ? giniSorted(scratch, m, true, SUMS) : giniSorted(scratch, m, false, hist + RADIX_HIST_BYTES);
}

// A gini_rows thread's own scratch past its keys: the sort's histograms and the block sums.
const ROW_SCRATCH_BYTES: usize = RADIX_HIST_BYTES + 16;

/**
 * Gini index of the remaining entries of x[0, n) (mask 0 = all remain).
 * scratch: ≥ gini_scratch_bytes(n) bytes (see the contract above). NaN when
 * undefined (none remains, all remaining are zero, a remaining NaN/±Inf).
 */
export function gini(x: usize, mask_u8: usize, n: i32, scratch: usize): f64 {
  return giniOne(x, mask_u8, n, scratch, 0);
}

// Entries a thread should get before gini_rows splits its rows.
const ROWS_MIN_ENTRIES: i32 = 16384;

/**
 * Neuron scope: out_f64[r] = gini(row r) for each of `rows` rows of length
 * `cols` (row r at x + 4·r·cols, its mask at mask_u8 + r·cols; mask 0 = all
 * remain). scratch: ≥ gini_scratch_bytes(cols) bytes, reused for every row
 * on one thread; rows over threads, each row whole on one thread with its
 * own keys and histograms.
 */
export function gini_rows(x: usize, mask_u8: usize, rows: i32, cols: i32, scratch: usize, out_f64: usize): void {
  const nt = threadsFor(rows, max(1, ROWS_MIN_ENTRIES / max(cols, 1)));
  if (nt <= 1) {
    ensureThreadBuffers(1, ROW_SCRATCH_BYTES);
    giniRows(x, mask_u8, 0, rows, cols, scratch, threadBuffer(0), out_f64);
    return;
  }
  ensureThreadBuffers(nt, gini_scratch_bytes(cols) + ROW_SCRATCH_BYTES);
  const a = taskArgs();
  store<usize>(a, x); store<usize>(a + 4, mask_u8); store<i32>(a + 8, rows); store<i32>(a + 12, cols); store<usize>(a + 16, out_f64);
  parallel(gini_rows_task, a, nt);
}

function gini_rows_task(tid: i32, nt: i32, a: usize): void {
  const rows = load<i32>(a + 8), cols = load<i32>(a + 12), buf = threadBuffer(tid);
  giniRows(load<usize>(a), load<usize>(a + 4), shareLo(rows, tid, nt), shareLo(rows, tid + 1, nt), cols, buf, buf + gini_scratch_bytes(cols), load<usize>(a + 16));
}

function giniRows(x: usize, mask_u8: usize, r0: i32, r1: i32, cols: i32, scratch: usize, hist: usize, out_f64: usize): void {
  const c = <usize>max<i32>(cols, 0);
  for (let r = r0; r < r1; r++) {
    const m: usize = mask_u8 == 0 ? 0 : mask_u8 + <usize>r * c;
    store<f64>(out_f64 + (<usize>r << 3), giniOne(x + ((<usize>r * c) << 2), m, cols, scratch, hist));
  }
}
