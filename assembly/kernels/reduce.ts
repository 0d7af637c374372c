// Reductions over f32 arrays, accumulated in f64 in a fixed order so the
// result is the same bits in every runtime (no reassociation by the engine).
//
// sum / sum_sq order: element i (in the 4-lane body) goes to f64 lane
// accumulator a[i % 4]; the scalar tail (n % 4 elements) goes, in order, to a
// separate f64 t. Result = ((a0 + a1) + (a2 + a3)) + t.

// Widen the high two f32 lanes of v to f64x2.
// @ts-ignore: decorator
@inline function promote_high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1));
}

/** Σ x[i] as f64 (fixed order, see above). */
export function sum(x: usize, n: i32): f64 {
  if (n <= 0) return 0;
  let lo = f64x2.splat(0); // lanes 0, 1
  let hi = f64x2.splat(0); // lanes 2, 3
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const v = v128.load(x + o);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, promote_high(v));
  }
  let t: f64 = 0;
  for (; o < nb; o += 4) t += <f64>load<f32>(x + o);
  return combine(lo, hi) + t;
}

/** Σ x[i]² as f64 (squares are exact in f64; fixed order, see above). */
export function sum_sq(x: usize, n: i32): f64 {
  if (n <= 0) return 0;
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const v = v128.load(x + o);
    const a = f64x2.promote_low_f32x4(v);
    const b = promote_high(v);
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  let t: f64 = 0;
  for (; o < nb; o += 4) {
    const v = <f64>load<f32>(x + o);
    t += v * v;
  }
  return combine(lo, hi) + t;
}

// ((a0 + a1) + (a2 + a3)) for lo = (a0, a1), hi = (a2, a3).
// @ts-ignore: decorator
@inline function combine(lo: v128, hi: v128): f64 {
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1)) +
    (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1));
}

/** Number of x[i] != 0: −0 counts as zero, NaN counts as nonzero. */
export function count_nonzero(x: usize, n: i32): i32 {
  if (n <= 0) return 0;
  const zero = f32x4.splat(0);
  let acc = i32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  // f32x4.ne yields −1 per nonzero lane, so subtracting the mask counts.
  for (; o < n4; o += 16) acc = i32x4.sub(acc, f32x4.ne(v128.load(x + o), zero));
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) +
    i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; o < nb; o += 4) c += i32(load<f32>(x + o) != 0);
  return c;
}

/**
 * Number of rows of logits [rows, classes] whose argmax (first maximum on
 * ties; NaN never wins a comparison) equals labels_i32[r]. Labels outside
 * [0, classes) never match and are never used as addresses.
 */
export function argmax_correct(logits: usize, labels_i32: usize, rows: i32, classes: i32): i32 {
  if (classes <= 0) return 0;
  let correct = 0;
  const rb = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rb;
    let best = load<f32>(row);
    let arg = 0;
    for (let c = 1; c < classes; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v > best) {
        best = v;
        arg = c;
      }
    }
    correct += i32(load<i32>(labels_i32 + (<usize>r << 2)) == arg);
  }
  return correct;
}

/** max |x[i]| (0 for n = 0; NaN if any element is NaN, as wasm f32.max). */
export function max_abs(x: usize, n: i32): f32 {
  if (n <= 0) return 0;
  let acc = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) acc = f32x4.max(acc, f32x4.abs(v128.load(x + o)));
  let m = max<f32>(
    max<f32>(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
    max<f32>(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3))
  );
  for (; o < nb; o += 4) m = max<f32>(m, abs<f32>(load<f32>(x + o)));
  return m;
}

/** 1 if any x[i] is NaN or ±Inf (exponent bits all ones), else 0. */
export function has_non_finite(x: usize, n: i32): i32 {
  if (n <= 0) return 0;
  const expMask = i32x4.splat(0x7F800000);
  let any = i32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const e = v128.and(v128.load(x + o), expMask);
    any = v128.or(any, i32x4.eq(e, expMask));
  }
  if (v128.any_true(any)) return 1;
  for (; o < nb; o += 4) {
    if ((load<u32>(x + o) & 0x7F800000) == 0x7F800000) return 1;
  }
  return 0;
}
