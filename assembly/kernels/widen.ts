// f32 lanes widened to f64, for kernels that sum f32 partials in f64.

/** The high two f32 lanes of v as f64x2 (f64x2.promote_low_f32x4 takes the low two). */
// @ts-ignore: decorator
@inline export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1));
}
