// Elementwise f32 addition for residual connections (forward sum, and the
// gradient that flows into both branches). Any n; f32x4 body + scalar tail.

/**
 * y[i] = a[i] + b[i] for i < n. y may alias a and/or b (each element is read
 * before it is written); partial overlaps at other offsets are not allowed.
 */
export function add(a: usize, b: usize, y: usize, n: i32): void {
  if (n <= 0) return;
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  for (; o < nb; o += 4) store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
}

/** dst[i] += src[i] for i < n (accumulates; src == dst doubles dst). */
export function add_to(dst: usize, src: usize, n: i32): void {
  add(dst, src, dst, n);
}
