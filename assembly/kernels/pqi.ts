// PQ Index (PQI) of the remaining entries of a vector, and the PQI-bound.
// Source: "Pruning Deep Neural Networks from a Sparsity Perspective" (ICLR
// 2023); equation numbers are the paper's. docs/pqi.md has the full story.
//
//   I_{p,q}(w) = 1 − d^{1/q − 1/p}·‖w‖_p / ‖w‖_q                       (Eq. 1)
//              = 1 − M_p / M_q,   M_e = (Σ_i (|w_i|/s)^e / d)^{1/e}
//
// over the d entries that remain (mask byte != 0; a mask pointer of 0 means
// every entry remains). M_e is the power mean of |w|/s; s = max |w| over the
// remaining entries (the index is scale-invariant, D2), so every term is in
// [0, 1], the largest is exactly 1, and no power of a tiny or huge weight can
// underflow or overflow whatever the exponent. Division by s is a correctly
// rounded f64 division, so all-equal magnitudes give exactly 1 per term and
// I = 0, and scaling w by a power of two gives bit-identical results.
//
// Exponents: p = 0.5 (sqrt), 1 (identity) and 2 (square) take SIMD fast
// paths; any other exponent uses Math.pow per element (scalar). The kernels
// evaluate Eq. 1 for any 0 < p < q (Hölder's range 0 ≤ I ≤ 1 − d^{1/q−1/p}
// holds for all of them); the paper's domain 0 < p ≤ 1 ≤ q, p < q (under
// which Theorem 1's six properties hold) is enforced by the TypeScript host.
//
// Summation order (fixed, so results are the same bits in every runtime and
// for any thread count): the vector is cut into blocks of PQI_BLOCK entries
// (the last one shorter), each block summed on its own; within a block,
// remaining entry i — or a masked-out entry, which contributes +0 — goes to
// f64 lane accumulator a[i % 4] over the 4-wide body, the scalar tail (the
// block's length % 4 entries) goes in order to t, and the block's sum is
// ((a0 + a1) + (a2 + a3)) + t, as in reduce.ts; the blocks' sums are added in
// block order. The general-exponent path uses the same order. Threads take
// whole blocks (a vector of up to PQI_BLOCK entries is one block, on one
// thread); the neuron scope takes whole rows.
//
// Undefined cases return NaN: n ≤ 0 or no entry remains (d = 0), every
// remaining entry is ±0, a remaining entry is NaN or ±Inf, or (p, q) is not
// 0 < p < q with both finite. The result is clamped to Theorem 1's range
// [0, 1 − d^{1/q − 1/p}]; the clamp only absorbs f64 rounding (a few ulps).

import { parallel, taskArgs, threadsFor, shareLo, ensureThreadBuffers, threadBuffer } from "../parallel";

/** Entries per block of the fixed partition the sums, counts and maxima are taken over (a multiple of 16). */
export const PQI_BLOCK: i32 = 1 << 16;

// @ts-ignore: decorator
@inline const MODE_POW: i32 = 0;
// @ts-ignore: decorator
@inline const MODE_SQRT: i32 = 1;
// @ts-ignore: decorator
@inline const MODE_ID: i32 = 2;
// @ts-ignore: decorator
@inline const MODE_SQ: i32 = 3;

// @ts-ignore: decorator
@inline function modeOf(e: f64): i32 {
  return e == 0.5 ? MODE_SQRT : e == 1.0 ? MODE_ID : e == 2.0 ? MODE_SQ : MODE_POW;
}

// |x[i..i+4)| with the lanes whose mask byte is 0 cleared to +0 (mask != 0).
// @ts-ignore: decorator
@inline function absLanes(x: usize, mask: usize, i: usize): v128 {
  let v = f32x4.abs(v128.load(x + (i << 2)));
  if (mask != 0) {
    const b = v128.load32_zero(mask + i);
    const m = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(b));
    v = v128.andnot(v, i32x4.eq(m, i32x4.splat(0)));
  }
  return v;
}

// |x[i]| for a remaining entry, +0 for a masked-out one.
// @ts-ignore: decorator
@inline function absAt(x: usize, mask: usize, i: usize): f64 {
  if (mask != 0 && load<u8>(mask + i) == 0) return 0;
  return <f64>Mathf.abs(load<f32>(x + (i << 2)));
}

// @ts-ignore: decorator
@inline function tf(v: v128, mode: i32): v128 {
  if (mode == MODE_SQRT) return f64x2.sqrt(v);
  if (mode == MODE_SQ) return f64x2.mul(v, v);
  return v;
}

// @ts-ignore: decorator
@inline function tf1(v: f64, mode: i32, e: f64): f64 {
  if (mode == MODE_SQRT) return Math.sqrt(v);
  if (mode == MODE_SQ) return v * v;
  if (mode == MODE_ID) return v;
  return Math.pow(v, e);
}

// Σ (|x_i|/s)^e over the remaining entries, in the documented order; `mode`
// is a compile-time constant at every call site (inlined per mode).
// @ts-ignore: decorator
@inline function sumPowMode(x: usize, mask: usize, n: i32, s: f64, e: f64, mode: i32): f64 {
  const n4 = <usize>(n & ~3);
  const nn = <usize>n;
  let i: usize = 0;
  let t: f64 = 0;
  if (mode == MODE_POW) {
    let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
    for (; i < n4; i += 4) {
      a0 += Math.pow(absAt(x, mask, i) / s, e);
      a1 += Math.pow(absAt(x, mask, i + 1) / s, e);
      a2 += Math.pow(absAt(x, mask, i + 2) / s, e);
      a3 += Math.pow(absAt(x, mask, i + 3) / s, e);
    }
    for (; i < nn; i++) t += Math.pow(absAt(x, mask, i) / s, e);
    return ((a0 + a1) + (a2 + a3)) + t;
  }
  const sv = f64x2.splat(s);
  let lo = f64x2.splat(0); // lanes 0, 1
  let hi = f64x2.splat(0); // lanes 2, 3
  for (; i < n4; i += 4) {
    const v = absLanes(x, mask, i);
    lo = f64x2.add(lo, tf(f64x2.div(f64x2.promote_low_f32x4(v), sv), mode));
    hi = f64x2.add(hi, tf(f64x2.div(f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1)), sv), mode));
  }
  for (; i < nn; i++) t += tf1(absAt(x, mask, i) / s, mode, e);
  return ((f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) +
    (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1))) + t;
}

// One block's Σ (|x_i|/s)^e.
function sumPowBlock(x: usize, mask: usize, n: i32, s: f64, e: f64): f64 {
  if (n <= 0) return 0;
  const mode = modeOf(e);
  if (mode == MODE_SQRT) return sumPowMode(x, mask, n, s, e, MODE_SQRT);
  if (mode == MODE_ID) return sumPowMode(x, mask, n, s, e, MODE_ID);
  if (mode == MODE_SQ) return sumPowMode(x, mask, n, s, e, MODE_SQ);
  return sumPowMode(x, mask, n, s, e, MODE_POW);
}

// Block b of [0, n): its first entry and length.
// @ts-ignore: decorator
@inline function blockLo(b: i32): usize {
  return <usize>b * <usize>PQI_BLOCK;
}
// @ts-ignore: decorator
@inline function blockLen(n: i32, b: i32): i32 {
  return min(PQI_BLOCK, n - b * PQI_BLOCK);
}
// @ts-ignore: decorator
@inline function blocksOf(n: i32): i32 {
  return n <= 0 ? 0 : (n - 1) / PQI_BLOCK + 1;
}
// @ts-ignore: decorator
@inline function maskAt(mask: usize, lo: usize): usize {
  return mask == 0 ? 0 : mask + lo;
}

// Σ (|x_i|/s)^e over [0, n) in the documented order, on this thread.
function sumPow(x: usize, mask: usize, n: i32, s: f64, e: f64): f64 {
  if (n <= PQI_BLOCK) return sumPowBlock(x, mask, n, s, e);
  let t = sumPowBlock(x, mask, PQI_BLOCK, s, e);
  for (let b = 1, nb = blocksOf(n); b < nb; b++) t += sumPowBlock(x + (blockLo(b) << 2), maskAt(mask, blockLo(b)), blockLen(n, b), s, e);
  return t;
}

// Per-block results over threads: kind BLOCK_COUNT_MAX stores each block's
// remaining count (i32) and max |x| (f32), BLOCK_SUMS its Σ^p and Σ^q at
// scale s (f64 each), 16 bytes a block in thread 0's buffer; the caller then
// combines them in block order. Only for vectors of two blocks or more.
const BLOCK_COUNT_MAX: i32 = 0;
const BLOCK_SUMS: i32 = 1;

function blocksPar(kind: i32, x: usize, mask: usize, n: i32, s: f64, p: f64, q: f64): usize {
  const nb = blocksOf(n);
  ensureThreadBuffers(1, <usize>nb << 4);
  const a = taskArgs();
  store<i32>(a, kind); store<usize>(a + 4, x); store<usize>(a + 8, mask); store<i32>(a + 12, n);
  store<f64>(a + 16, s); store<f64>(a + 24, p); store<f64>(a + 32, q);
  parallel(block_task, a, threadsFor(nb, 1));
  return threadBuffer(0);
}

function block_task(tid: i32, nt: i32, a: usize): void {
  const kind = load<i32>(a), x = load<usize>(a + 4), mask = load<usize>(a + 8), n = load<i32>(a + 12);
  const nb = blocksOf(n), out = threadBuffer(0);
  for (let b = shareLo(nb, tid, nt); b < shareLo(nb, tid + 1, nt); b++) {
    const lo = blockLo(b), len = blockLen(n, b), xb = x + (lo << 2), mb = maskAt(mask, lo), o = out + (<usize>b << 4);
    if (kind == BLOCK_COUNT_MAX) {
      store<i32>(o, countBlock(mb, len));
      // remaining_count passes no values (x = 0): nothing to read there.
      if (x != 0) store<f32>(o + 4, maxAbsBlock(xb, mb, len));
    } else {
      const s = load<f64>(a + 16);
      store<f64>(o, sumPowBlock(xb, mb, len, s, load<f64>(a + 24)));
      store<f64>(o + 8, sumPowBlock(xb, mb, len, s, load<f64>(a + 32)));
    }
  }
}

// Σ^p and Σ^q over [0, n) at scale s, in the documented order, over threads where it has two blocks or more.
function sumPowPair(x: usize, mask: usize, n: i32, s: f64, p: f64, q: f64, out_f64: usize): void {
  if (n <= PQI_BLOCK || threadsFor(blocksOf(n), 1) <= 1) {
    store<f64>(out_f64, sumPow(x, mask, n, s, p));
    store<f64>(out_f64 + 8, sumPow(x, mask, n, s, q));
    return;
  }
  const r = blocksPar(BLOCK_SUMS, x, mask, n, s, p, q);
  let sp = load<f64>(r), sq = load<f64>(r + 8);
  for (let b = 1, nb = blocksOf(n); b < nb; b++) {
    sp += load<f64>(r + (<usize>b << 4));
    sq += load<f64>(r + (<usize>b << 4) + 8);
  }
  store<f64>(out_f64, sp);
  store<f64>(out_f64 + 8, sq);
}

// M_e = (S/d)^{1/e} with the fast paths.
// @ts-ignore: decorator
@inline function powerMean(S: f64, d: f64, e: f64): f64 {
  const m = S / d;
  if (e == 1.0) return m;
  if (e == 0.5) return m * m;
  if (e == 2.0) return Math.sqrt(m);
  return Math.pow(m, 1.0 / e);
}

// @ts-ignore: decorator
@inline function pqOk(p: f64, q: f64): bool {
  return p > 0 && p < q && q < Infinity;
}

/**
 * Number of remaining entries: #{i < n : mask_u8[i] != 0}, or max(n, 0)
 * when mask_u8 == 0.
 */
export function remaining_count(mask_u8: usize, n: i32): i32 {
  if (n <= 0) return 0;
  if (mask_u8 == 0) return n;
  if (n <= PQI_BLOCK || threadsFor(blocksOf(n), 1) <= 1) return countBlock(mask_u8, n);
  // Blocks over threads: an integer sum, exact in any order.
  const r = blocksPar(BLOCK_COUNT_MAX, 0, mask_u8, n, 0, 0, 0);
  let c = 0;
  for (let b = 0, nb = blocksOf(n); b < nb; b++) c += load<i32>(r + (<usize>b << 4));
  return c;
}

// #{i < n : mask[i] != 0} on this thread (mask 0: n).
function countBlock(mask_u8: usize, n: i32): i32 {
  if (mask_u8 == 0) return max(n, 0);
  const zero = i8x16.splat(0);
  let c = 0;
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    c += <i32>popcnt<u32>(<u32>i8x16.bitmask(i8x16.ne(v128.load(mask_u8 + <usize>i), zero)));
  }
  for (; i < n; i++) c += i32(load<u8>(mask_u8 + <usize>i) != 0);
  return c;
}

/** remaining_count of each row of a rows × cols mask: out_i32[r] (mask 0 = all: cols each). */
export function remaining_count_rows(mask_u8: usize, rows: i32, cols: i32, out_i32: usize): void {
  for (let r = 0; r < rows; r++) {
    const m: usize = mask_u8 == 0 ? 0 : mask_u8 + <usize>r * <usize>max<i32>(cols, 0);
    store<i32>(out_i32 + (<usize>r << 2), mask_u8 == 0 ? max<i32>(cols, 0) : remaining_count(m, cols));
  }
}

/**
 * max |x[i]| over the remaining entries: 0 when none remains, NaN if a
 * remaining entry is NaN, +Inf for a remaining ±Inf (wasm f32.max
 * semantics). Masked-out entries are never read as values (NaN there is ignored).
 */
export function remaining_max_abs(x: usize, mask_u8: usize, n: i32): f32 {
  if (n <= 0) return 0;
  if (n <= PQI_BLOCK || threadsFor(blocksOf(n), 1) <= 1) return maxAbsBlock(x, mask_u8, n);
  // Blocks over threads: max is exact in any order (a NaN anywhere gives NaN).
  const r = blocksPar(BLOCK_COUNT_MAX, x, mask_u8, n, 0, 0, 0);
  let m = load<f32>(r + 4);
  for (let b = 1, nb = blocksOf(n); b < nb; b++) m = max<f32>(m, load<f32>(r + (<usize>b << 4) + 4));
  return m;
}

// max |x| over the remaining entries of [0, n) on this thread.
function maxAbsBlock(x: usize, mask_u8: usize, n: i32): f32 {
  if (n <= 0) return 0;
  let acc = f32x4.splat(0);
  const n4 = <usize>(n & ~3);
  const nn = <usize>n;
  let i: usize = 0;
  for (; i < n4; i += 4) acc = f32x4.max(acc, absLanes(x, mask_u8, i));
  let m = max<f32>(
    max<f32>(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
    max<f32>(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3))
  );
  for (; i < nn; i++) {
    if (mask_u8 == 0 || load<u8>(mask_u8 + i) != 0) m = max<f32>(m, Mathf.abs(load<f32>(x + (i << 2))));
  }
  return m;
}

/**
 * Partial sums for combining scopes: out_f64[0] = Σ (|x_i|/scale)^p and
 * out_f64[1] = Σ (|x_i|/scale)^q over the remaining entries, in the
 * documented order (masked-out entries contribute +0). scale must be > 0;
 * for a global index pass the largest remaining |x| over all tensors, so
 * every term is ≤ 1. Exponents 0.5, 1, 2 take the SIMD fast paths.
 */
export function pqi_sums(x: usize, mask_u8: usize, n: i32, p: f64, q: f64, scale: f64, out_f64: usize): void {
  sumPowPair(x, mask_u8, n, scale, p, q, out_f64);
}

/**
 * Eq. 1 from the sums of pqi_sums (any common scale): with d remaining
 * entries, I = 1 − (Sp/d)^{1/p} / (Sq/d)^{1/q}, clamped to
 * [0, 1 − d^{1/q − 1/p}]. NaN when d < 1, Sq ≤ 0 (every entry zero), a sum is
 * not finite, or (p, q) is not 0 < p < q < ∞.
 */
export function pqi_from_sums(d: f64, sp: f64, sq: f64, p: f64, q: f64): f64 {
  if (!pqOk(p, q) || !(d >= 1) || !(sq > 0) || !(sp > 0) || sp == Infinity || sq == Infinity) return NaN;
  const ratio = powerMean(sp, d, p) / powerMean(sq, d, q);
  const hi = 1.0 - Math.pow(d, 1.0 / q - 1.0 / p);
  const I = 1.0 - ratio;
  return I < 0 ? 0 : I > hi ? hi : I;
}

// pqi of one contiguous vector: over threads by blocks (pqi), or on this thread (a row of pqi_rows).
function pqiOne(x: usize, mask: usize, n: i32, p: f64, q: f64, par: bool): f64 {
  if (n <= 0 || !pqOk(p, q)) return NaN;
  // A row on its own thread counts and takes its max in one pass (the same integer and max as block by block).
  const d = par ? remaining_count(mask, n) : countBlock(mask, n);
  if (d == 0) return NaN;
  const m = <f64>(par ? remaining_max_abs(x, mask, n) : maxAbsBlock(x, mask, n));
  if (!(m > 0) || m == Infinity) return NaN;
  if (par) {
    const sums = SUMS;
    sumPowPair(x, mask, n, m, p, q, sums);
    return pqi_from_sums(<f64>d, load<f64>(sums), load<f64>(sums + 8), p, q);
  }
  return pqi_from_sums(<f64>d, sumPow(x, mask, n, m, p), sumPow(x, mask, n, m, q), p, q);
}

// pqi's two sums (main thread only).
const SUMS: usize = memory.data(16, 16);

/**
 * PQ Index I_{p,q} (Eq. 1) of the remaining entries of x[0, n): scale
 * s = remaining_max_abs, sums = pqi_sums(·, s), then pqi_from_sums. NaN when
 * undefined (no entry remains, all remaining are zero, a remaining entry is
 * NaN/±Inf, or not 0 < p < q < ∞).
 */
export function pqi(x: usize, mask_u8: usize, n: i32, p: f64, q: f64): f64 {
  return pqiOne(x, mask_u8, n, p, q, true);
}

/**
 * Neuron scope: out_f64[r] = pqi(row r) for each of `rows` rows of length
 * `cols` of a row-major rows × cols matrix (row r starts at x + 4·r·cols, its
 * mask at mask_u8 + r·cols; mask 0 = all remain). Bit-identical to calling
 * pqi on each row.
 */
export function pqi_rows(x: usize, mask_u8: usize, rows: i32, cols: i32, p: f64, q: f64, out_f64: usize): void {
  // Rows over threads, each row whole on one thread.
  const nt = threadsFor(rows, max(1, ROWS_MIN_ENTRIES / max(cols, 1)));
  const a = taskArgs();
  store<usize>(a, x); store<usize>(a + 4, mask_u8); store<i32>(a + 8, rows); store<i32>(a + 12, cols);
  store<f64>(a + 16, p); store<f64>(a + 24, q); store<usize>(a + 32, out_f64);
  parallel(pqi_rows_task, a, nt);
}

// Entries a thread should get before a neuron-scope index splits its rows.
export const ROWS_MIN_ENTRIES: i32 = 16384;

function pqi_rows_task(tid: i32, nt: i32, a: usize): void {
  const x = load<usize>(a), mask_u8 = load<usize>(a + 4), rows = load<i32>(a + 8), cols = load<i32>(a + 12);
  const p = load<f64>(a + 16), q = load<f64>(a + 24), out_f64 = load<usize>(a + 32);
  const c = <usize>max<i32>(cols, 0);
  for (let r = shareLo(rows, tid, nt); r < shareLo(rows, tid + 1, nt); r++) {
    const m: usize = mask_u8 == 0 ? 0 : mask_u8 + <usize>r * c;
    store<f64>(out_f64 + (<usize>r << 3), pqiOne(x + ((<usize>r * c) << 2), m, cols, p, q, false));
  }
}

/**
 * Theorem 2 (Eq. 2), the PQI-bound: r ≥ d·(1 + η_r)^{−q/(q−p)}·(1 − I)^{qp/(q−p)}.
 * Pure f64; returns the right-hand side. NaN if (p, q) is not 0 < p < q < ∞,
 * d < 0, I is outside [0, 1], η_r < 0, or any argument is NaN.
 */
export function pqi_bound(d: f64, I: f64, p: f64, q: f64, eta: f64): f64 {
  if (!pqOk(p, q) || !(d >= 0) || !(I >= 0 && I <= 1) || !(eta >= 0)) return NaN;
  const k = q - p;
  return d * Math.pow(1.0 + eta, -q / k) * Math.pow(1.0 - I, (q * p) / k);
}

/**
 * Global-scope helper: copies the remaining x[i] (sign kept, index order) to
 * dst and returns how many were copied (dst needs room for
 * remaining_count(mask_u8, n) floats; dst may equal x — the copy runs
 * forward — but must not otherwise overlap it).
 */
export function compact_remaining(dst: usize, x: usize, mask_u8: usize, n: i32): i32 {
  if (n <= 0) return 0;
  if (mask_u8 == 0) {
    if (dst != x) memory.copy(dst, x, <usize>n << 2);
    return n;
  }
  let j: usize = 0;
  for (let i: usize = 0; i < <usize>n; i++) {
    if (load<u8>(mask_u8 + i) != 0) {
      store<u32>(dst + (j << 2), load<u32>(x + (i << 2)));
      j++;
    }
  }
  return <i32>j;
}
