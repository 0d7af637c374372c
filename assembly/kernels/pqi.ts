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
// Summation order (fixed, so results are the same bits in every runtime):
// remaining entry i — or a masked-out entry, which contributes +0 — goes to
// f64 lane accumulator a[i % 4] over the 4-wide body; the scalar tail (n % 4
// entries) goes in order to t; the sum is ((a0 + a1) + (a2 + a3)) + t, as in
// reduce.ts. The general-exponent path uses the same order.
//
// Undefined cases return NaN: n ≤ 0 or no entry remains (d = 0), every
// remaining entry is ±0, a remaining entry is NaN or ±Inf, or (p, q) is not
// 0 < p < q with both finite. The result is clamped to Theorem 1's range
// [0, 1 − d^{1/q − 1/p}]; the clamp only absorbs f64 rounding (a few ulps).

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

function sumPow(x: usize, mask: usize, n: i32, s: f64, e: f64): f64 {
  if (n <= 0) return 0;
  const mode = modeOf(e);
  if (mode == MODE_SQRT) return sumPowMode(x, mask, n, s, e, MODE_SQRT);
  if (mode == MODE_ID) return sumPowMode(x, mask, n, s, e, MODE_ID);
  if (mode == MODE_SQ) return sumPowMode(x, mask, n, s, e, MODE_SQ);
  return sumPowMode(x, mask, n, s, e, MODE_POW);
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
  store<f64>(out_f64, sumPow(x, mask_u8, n, scale, p));
  store<f64>(out_f64, sumPow(x, mask_u8, n, scale, q), 8);
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

// pqi of one contiguous vector (shared by pqi and pqi_rows).
function pqiOne(x: usize, mask: usize, n: i32, p: f64, q: f64): f64 {
  if (n <= 0 || !pqOk(p, q)) return NaN;
  const d = remaining_count(mask, n);
  if (d == 0) return NaN;
  const m = <f64>remaining_max_abs(x, mask, n);
  if (!(m > 0) || m == Infinity) return NaN;
  return pqi_from_sums(<f64>d, sumPow(x, mask, n, m, p), sumPow(x, mask, n, m, q), p, q);
}

/**
 * PQ Index I_{p,q} (Eq. 1) of the remaining entries of x[0, n): scale
 * s = remaining_max_abs, sums = pqi_sums(·, s), then pqi_from_sums. NaN when
 * undefined (no entry remains, all remaining are zero, a remaining entry is
 * NaN/±Inf, or not 0 < p < q < ∞).
 */
export function pqi(x: usize, mask_u8: usize, n: i32, p: f64, q: f64): f64 {
  return pqiOne(x, mask_u8, n, p, q);
}

/**
 * Neuron scope: out_f64[r] = pqi(row r) for each of `rows` rows of length
 * `cols` of a row-major rows × cols matrix (row r starts at x + 4·r·cols, its
 * mask at mask_u8 + r·cols; mask 0 = all remain). Bit-identical to calling
 * pqi on each row.
 */
export function pqi_rows(x: usize, mask_u8: usize, rows: i32, cols: i32, p: f64, q: f64, out_f64: usize): void {
  const c = <usize>max<i32>(cols, 0);
  for (let r = 0; r < rows; r++) {
    const m: usize = mask_u8 == 0 ? 0 : mask_u8 + <usize>r * c;
    store<f64>(out_f64 + (<usize>r << 3), pqiOne(x + ((<usize>r * c) << 2), m, cols, p, q));
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
