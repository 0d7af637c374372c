// Elementwise f32 vector helpers (fill, copy, scale, axpy). Pointers are byte
// addresses of f32 arrays; any n ≥ 0 works (4-lane SIMD body + scalar tail).
// Lane and tail use the same f32 operations, so results do not depend on n % 4.

/** x[i] = v for i in [0, n). */
export function fill_f32(x: usize, n: i32, v: f32): void {
  if (n <= 0) return;
  const vv = f32x4.splat(v);
  const end = x + (<usize>n << 2);
  const end4 = x + (<usize>(n & ~3) << 2);
  let p = x;
  for (; p < end4; p += 16) v128.store(p, vv);
  for (; p < end; p += 4) store<f32>(p, v);
}

/** dst[i] = src[i] for i in [0, n) (memory.copy; overlapping ranges allowed). */
export function copy_f32(dst: usize, src: usize, n: i32): void {
  if (n > 0) memory.copy(dst, src, <usize>n << 2);
}

/** x[i] = a·x[i]. */
export function scale_f32(x: usize, n: i32, a: f32): void {
  if (n <= 0) return;
  const va = f32x4.splat(a);
  const end = x + (<usize>n << 2);
  const end4 = x + (<usize>(n & ~3) << 2);
  let p = x;
  for (; p < end4; p += 16) v128.store(p, f32x4.mul(v128.load(p), va));
  for (; p < end; p += 4) store<f32>(p, load<f32>(p) * a);
}

/** y[i] += a·x[i] (f32 multiply, then f32 add: two roundings, no FMA). */
export function axpy_f32(y: usize, x: usize, n: i32, a: f32): void {
  if (n <= 0) return;
  const va = f32x4.splat(a);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; o < nb; o += 4) store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
}
