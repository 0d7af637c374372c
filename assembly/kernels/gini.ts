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
// Accumulation: f64, groups in ascending order of magnitude.
//
// Sorting: each remaining entry gets the 31-bit key |x| bit pattern (+0 and
// −0 are both 0; +Inf is 0x7F800000; every NaN is 0x7F800001, largest), the
// same keys as select.ts. The keys are sorted by an LSD radix sort (8-bit
// digits, one histogram pass for all four digits, then one stable scatter
// pass per digit, skipping a digit on which every key agrees): O(n),
// deterministic, no comparisons. Keys alone are sorted, so tie order is
// immaterial to the result (the sort is stable: equal keys keep index order).
//
// Scratch contract (gini, gini_rows): `scratch` is a caller buffer of at least
// gini_scratch_bytes(n) = 8·n bytes (n = the vector length, cols for
// gini_rows), 4-byte aligned; keys go to the first 4·n bytes, the radix
// sort's ping-pong buffer follows. Contents are clobbered and need no init.
// The 4 × 256-bin histograms live in a 4 KiB static segment of this module (no
// allocation; kernels are not re-entrant, like every wasm call on one
// instance). radix_sort_u32 needs a separate tmp of 4·m bytes.
//
// Undefined cases return NaN: no entry remains (N = 0), every remaining entry
// is ±0, or a remaining entry is NaN or ±Inf. The result is clamped to
// [0, 1 − 1/N] (Gini's range; the clamp only absorbs f64 rounding).

// @ts-ignore: decorator
@inline const HIST_BYTES: usize = 4096;
const HIST4: usize = memory.data(<i32>HIST_BYTES, 16);
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

/**
 * Sorts keys_u32[0, m) ascending in place (any u32 values) by a stable LSD
 * radix sort with 8-bit digits; tmp_u32 is a buffer of ≥ 4·m bytes that must
 * not overlap the keys (clobbered). O(m): one histogram pass plus at most four
 * scatter passes (digits on which every key agrees are skipped).
 */
export function radix_sort_u32(keys_u32: usize, m: i32, tmp_u32: usize): void {
  if (m <= 1) return;
  const hist = HIST4;
  memory.fill(hist, 0, HIST_BYTES);
  const mm = <usize>m;
  for (let i: usize = 0; i < mm; i++) {
    const k = load<u32>(keys_u32 + (i << 2));
    bump(hist, k & 255);
    bump(hist + 1024, (k >>> 8) & 255);
    bump(hist + 2048, (k >>> 16) & 255);
    bump(hist + 3072, k >>> 24);
  }
  let src = keys_u32;
  let dst = tmp_u32;
  for (let digit: u32 = 0; digit < 4; digit++) {
    const h = hist + (<usize>digit << 10);
    const shift = digit << 3;
    // Skip the digit when one bin holds every key; else turn counts into offsets.
    let skip = false;
    let run: u32 = 0;
    for (let b: usize = 0; b < 256; b++) {
      const c = load<u32>(h + (b << 2));
      if (c == <u32>m) {
        skip = true;
        break;
      }
      store<u32>(h + (b << 2), run);
      run += c;
    }
    if (skip) continue;
    for (let i: usize = 0; i < mm; i++) {
      const k = load<u32>(src + (i << 2));
      const slot = h + (<usize>((k >>> shift) & 255) << 2);
      const o = load<u32>(slot);
      store<u32>(dst + (<usize>o << 2), k);
      store<u32>(slot, o + 1);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != keys_u32) memory.copy(keys_u32, src, mm << 2);
}

// @ts-ignore: decorator
@inline function bump(hist: usize, bin: u32): void {
  const h = hist + (<usize>bin << 2);
  store<u32>(h, load<u32>(h) + 1);
}

/**
 * Gini index (Hurley & Rickard) of N = m magnitudes given as ascending keys
 * (abs_keys + radix_sort_u32). NaN when m < 1, the largest key is 0 (all
 * zero), or it is +Inf / NaN. Clamped to [0, 1 − 1/N].
 */
export function gini_sorted_keys(keys_u32: usize, m: i32): f64 {
  if (m <= 0) return NaN;
  const top = load<u32>(keys_u32 + (<usize>(m - 1) << 2));
  if (top == 0 || top >= INF_KEY) return NaN;
  const N = <i64>m;
  let S: f64 = 0; // ‖c‖₁
  let T: f64 = 0; // Σ_k c_(k)·(2k − N − 1)
  let k = 0;
  while (k < m) {
    const K = load<u32>(keys_u32 + (<usize>k << 2));
    let j = k + 1;
    while (j < m && load<u32>(keys_u32 + (<usize>j << 2)) == K) j++;
    if (K != 0) {
      const c = <f64>reinterpret<f32>(K);
      const cnt = <i64>(j - k);
      S += c * <f64>cnt;
      T += c * <f64>(cnt * (<i64>k + <i64>j - N)); // Σ_{rank=k+1}^{j} (2·rank − N − 1)
    }
    k = j;
  }
  const G = T / (<f64>m * S);
  const hi = <f64>(m - 1) / <f64>m;
  return G < 0 ? 0 : G > hi ? hi : G;
}

// Gini of one contiguous vector (shared by gini and gini_rows).
function giniOne(x: usize, mask: usize, n: i32, scratch: usize): f64 {
  const m = abs_keys(x, mask, n, scratch);
  if (m == 0) return NaN;
  radix_sort_u32(scratch, m, scratch + (<usize>m << 2));
  return gini_sorted_keys(scratch, m);
}

/**
 * Gini index of the remaining entries of x[0, n) (mask 0 = all remain).
 * scratch: ≥ gini_scratch_bytes(n) bytes (see the contract above). NaN when
 * undefined (none remains, all remaining are zero, a remaining NaN/±Inf).
 */
export function gini(x: usize, mask_u8: usize, n: i32, scratch: usize): f64 {
  return giniOne(x, mask_u8, n, scratch);
}

/**
 * Neuron scope: out_f64[r] = gini(row r) for each of `rows` rows of length
 * `cols` (row r at x + 4·r·cols, its mask at mask_u8 + r·cols; mask 0 = all
 * remain). scratch: ≥ gini_scratch_bytes(cols) bytes, reused for every row.
 */
export function gini_rows(x: usize, mask_u8: usize, rows: i32, cols: i32, scratch: usize, out_f64: usize): void {
  const c = <usize>max<i32>(cols, 0);
  for (let r = 0; r < rows; r++) {
    const m: usize = mask_u8 == 0 ? 0 : mask_u8 + <usize>r * c;
    store<f64>(out_f64 + (<usize>r << 3), giniOne(x + ((<usize>r * c) << 2), m, cols, scratch));
  }
}
