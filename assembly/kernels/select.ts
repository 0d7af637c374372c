// Exact selection by magnitude for magnitude pruning (no sort: radix select).
//
// Order. Every entry gets the key (|x| bit pattern, index): the 31-bit
// magnitude bits of an f32 order non-NaN magnitudes exactly (+0 and −0 are the
// same key 0; +Inf is 0x7F800000). Every NaN, whatever its sign or payload,
// gets the single key 0x7F800001: NaN is larger than every number, and NaNs
// tie with each other. Equal keys are ordered by index, so among equal |x|
// the lower index is "smaller" (pruned first).
//
// Algorithm. Keys of the candidates are copied to scratch while the
// histogram of their top byte is built; then, per byte from the top, the bin
// holding the wanted rank is found and the candidates are compacted in place
// to that bin while the next byte's histogram is built (4 passes of 256 bins,
// each over the survivors; O(n) total, heavy ties included). The result is
// the exact key K of the rank and L = #{keys < K}; a last pass in index order
// marks keys < K plus the first (rank + 1 − L) keys == K.
//
// Scratch contract (select_smallest_abs, kth_smallest_abs): `scratch` is a
// caller buffer of at least select_scratch_bytes(n) = 4·n bytes (one u32 key
// per candidate), 4-byte aligned (16 recommended); its contents are clobbered
// and need no init. The 256-bin histogram lives in a 1 KiB static segment of
// this module (no allocation; the kernels are not re-entrant, like all wasm
// calls on one instance).
//
// Masks are one byte per element: 0 = pruned / not a candidate, anything else
// = kept / candidate; written masks hold 0 or 1. A mask pointer of 0 means
// "every entry is a candidate". Histogram and marking passes are scalar by
// nature; gather_abs is SIMD.

// @ts-ignore: decorator
@inline const HIST_BYTES: usize = 1024;
const HIST: usize = memory.data(<i32>HIST_BYTES, 16);
// @ts-ignore: decorator
@inline const NAN_KEY: u32 = 0x7F800001;

// @ts-ignore: decorator
@inline function keyOf(v: f32): u32 {
  const b = reinterpret<u32>(v) & 0x7FFFFFFF;
  return b > 0x7F800000 ? NAN_KEY : b;
}

// @ts-ignore: decorator
@inline function isCandidate(mask: usize, i: i32): bool {
  return mask == 0 || load<u8>(mask + <usize>i) != 0;
}

// @ts-ignore: decorator
@inline function bump(hist: usize, bin: u32): void {
  const h = hist + (<usize>bin << 2);
  store<u32>(h, load<u32>(h) + 1);
}

/** Bytes of scratch select_smallest_abs / kth_smallest_abs need for n entries. */
export function select_scratch_bytes(n: i32): usize {
  return <usize>max<i32>(n, 0) << 2;
}

// Copies the candidates' keys to keys[0, m) in index order, with the histogram
// of their top byte in hist. Returns m.
function gatherKeys(x: usize, mask: usize, n: i32, keys: usize, hist: usize): i32 {
  memory.fill(hist, 0, HIST_BYTES);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (!isCandidate(mask, i)) continue;
    const k = keyOf(load<f32>(x + (<usize>i << 2)));
    store<u32>(keys + (<usize>m << 2), k);
    bump(hist, k >>> 24);
    m++;
  }
  return m;
}

// #{keys < K} from the last radixSelect.
let selBelow: i32 = 0;

// Key K of 0-based rank r (0 ≤ r < m) among keys[0, m) whose top-byte
// histogram is in hist; sets selBelow = #{keys < K}. Clobbers keys and hist.
function radixSelect(keys: usize, m: i32, r: i32, hist: usize): u32 {
  let prefix: u32 = 0; // the key bits above `shift`, chosen so far
  let below = 0;
  let rank = <u32>r;
  let active = m;
  for (let shift = 24; shift >= 0; shift -= 8) {
    if (shift < 24) {
      // Keep the keys whose bits above `shift + 8` equal prefix; histogram the next byte.
      memory.fill(hist, 0, HIST_BYTES);
      const hs = <u32>shift + 8;
      let j = 0;
      for (let t = 0; t < active; t++) {
        const k = load<u32>(keys + (<usize>t << 2));
        if ((k >>> hs) == prefix) {
          store<u32>(keys + (<usize>j << 2), k);
          bump(hist, (k >>> <u32>shift) & 255);
          j++;
        }
      }
      active = j;
    }
    let b: u32 = 0;
    for (;;) {
      const h = load<u32>(hist + (<usize>b << 2));
      if (rank < h) break;
      rank -= h;
      below += <i32>h;
      b++;
    }
    prefix = (prefix << 8) | b;
  }
  selBelow = below;
  return prefix;
}

/**
 * Magnitude pruning step. Candidates are the entries with mask_in[i] != 0
 * (all entries when mask_in == 0). mask_out[i] = 0 for the c candidates with
 * the smallest |x[i]| (ties: lower index first; NaN largest) and for every
 * non-candidate; mask_out[i] = 1 for the other candidates. c ≤ 0 prunes
 * nothing new; c ≥ #candidates prunes every candidate. mask_out may alias
 * mask_in (each byte is read before it is written). x is not modified.
 * scratch: ≥ select_scratch_bytes(n) bytes (see the contract above).
 * Returns the number of ones written (kept entries).
 */
export function select_smallest_abs(x: usize, n: i32, c: i32, mask_in: usize, mask_out: usize, scratch: usize): i32 {
  if (n <= 0) return 0;
  const hist = HIST;
  const keys = scratch;
  let kept = 0;
  if (c <= 0) {
    for (let i = 0; i < n; i++) {
      const cand = isCandidate(mask_in, i);
      store<u8>(mask_out + <usize>i, <u8>cand);
      kept += i32(cand);
    }
    return kept;
  }
  const m = gatherKeys(x, mask_in, n, keys, hist);
  if (c >= m) {
    memory.fill(mask_out, 0, <usize>n);
    return 0;
  }
  const K = radixSelect(keys, m, c - 1, hist);
  let ties = c - selBelow; // keys == K to prune, in index order (≥ 1)
  for (let i = 0; i < n; i++) {
    let keep: bool = false;
    if (isCandidate(mask_in, i)) {
      const k = keyOf(load<f32>(x + (<usize>i << 2)));
      if (k > K) keep = true;
      else if (k == K) {
        if (ties > 0) ties--;
        else keep = true;
      }
    }
    store<u8>(mask_out + <usize>i, <u8>keep);
    kept += i32(keep);
  }
  return kept;
}

/**
 * The k-th smallest |x[i]| (1-based) among entries with mask_u8[i] != 0 (all
 * entries when mask_u8 == 0), in the order above (so NaN when the rank falls
 * on a NaN; −0 is returned as +0). Returns NaN when k < 1 or k > #candidates.
 * scratch: ≥ select_scratch_bytes(n) bytes.
 */
export function kth_smallest_abs(x: usize, mask_u8: usize, n: i32, k: i32, scratch: usize): f32 {
  if (n <= 0 || k < 1) return NaN;
  const hist = HIST;
  const keys = scratch;
  const m = gatherKeys(x, mask_u8, n, keys, hist);
  if (k > m) return NaN;
  const K = radixSelect(keys, m, k - 1, hist);
  return K > 0x7F800000 ? NaN : reinterpret<f32>(K);
}

/**
 * dst[i] = |src[i]| (sign bit cleared, NaN stays NaN). dst may equal src; for
 * a global scope the host gathers several tensors into one buffer at element
 * offsets (unaligned v128 access is fine).
 */
export function gather_abs(dst: usize, src: usize, n: i32): void {
  if (n <= 0) return;
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(dst + o, f32x4.abs(v128.load(src + o)));
  for (; o < nb; o += 4) store<f32>(dst + o, Mathf.abs(load<f32>(src + o)));
}
