// ReLU forward/backward over f32 arrays (any n; in place allowed).

/**
 * y = max(x, 0), elementwise (x == y allowed). Uses wasm f32 max semantics in
 * both the SIMD body and the tail: NaN propagates, −0 becomes +0.
 */
export function relu_forward(x: usize, y: usize, n: i32): void {
  if (n <= 0) return;
  const zero = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  for (; o < nb; o += 4) store<f32>(y + o, max<f32>(load<f32>(x + o), 0));
}

/**
 * dx = y > 0 ? dy : 0, where y is the ReLU output (dx == dy allowed).
 * Masking keeps dy's bits exactly where the unit was active.
 */
export function relu_backward(dy: usize, y: usize, dx: usize, n: i32): void {
  if (n <= 0) return;
  const zero = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const mask = f32x4.gt(v128.load(y + o), zero);
    v128.store(dx + o, v128.and(v128.load(dy + o), mask));
  }
  for (; o < nb; o += 4) store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
}

/** y = min(max(x, 0), 6), elementwise (torch.nn.ReLU6; x == y allowed). */
export function relu6_forward(x: usize, y: usize, n: i32): void {
  if (n <= 0) return;
  const zero = f32x4.splat(0), six = f32x4.splat(6);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), zero), six));
  for (; o < nb; o += 4) store<f32>(y + o, min<f32>(max<f32>(load<f32>(x + o), 0), 6));
}

/**
 * dx = 0 < y < 6 ? dy : 0, y the ReLU6 output (dx == dy allowed): the
 * gradient of hardtanh(0, 6) as PyTorch defines it (zero at both corners).
 */
export function relu6_backward(dy: usize, y: usize, dx: usize, n: i32): void {
  if (n <= 0) return;
  const zero = f32x4.splat(0), six = f32x4.splat(6);
  const n4 = <usize>(n & ~3) << 2;
  const nb = <usize>n << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) {
    const v = v128.load(y + o);
    const mask = v128.and(f32x4.gt(v, zero), f32x4.lt(v, six));
    v128.store(dx + o, v128.and(v128.load(dy + o), mask));
  }
  for (; o < nb; o += 4) {
    const v = load<f32>(y + o);
    store<f32>(dx + o, v > 0 && v < 6 ? load<f32>(dy + o) : 0);
  }
}
