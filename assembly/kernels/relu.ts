// ReLU forward/backward over f32 arrays (any n; in place allowed).
// Elementwise, so split over threads by range (reluPar).
import { parallelRange, threadsFor, taskArgs } from "../parallel";
import { ELEMENTWISE_MIN } from "./sgd";

export function relu_forward(x: usize, y: usize, n: i32): void {
  reluPar(0, x, 0, y, n);
}
export function relu_backward(dy: usize, y: usize, dx: usize, n: i32): void {
  reluPar(1, dy, y, dx, n);
}
export function relu6_forward(x: usize, y: usize, n: i32): void {
  reluPar(2, x, 0, y, n);
}
export function relu6_backward(dy: usize, y: usize, dx: usize, n: i32): void {
  reluPar(3, dy, y, dx, n);
}

// kind: 0 relu forward (a = x, c = y), 1 backward (a = dy, b = y, c = dx), 2 relu6 forward, 3 relu6 backward.
function reluSerial(kind: i32, a: usize, b: usize, c: usize, n: i32): void {
  if (kind == 0) reluForward(a, c, n);
  else if (kind == 1) reluBackward(a, b, c, n);
  else if (kind == 2) relu6Forward(a, c, n);
  else relu6Backward(a, b, c, n);
}

function reluPar(kind: i32, a: usize, b: usize, c: usize, n: i32): void {
  const nt = threadsFor(n, ELEMENTWISE_MIN);
  if (nt <= 1) return reluSerial(kind, a, b, c, n);
  const p = taskArgs();
  store<i32>(p, kind); store<usize>(p + 4, a); store<usize>(p + 8, b); store<usize>(p + 12, c);
  parallelRange(relu_range, n, 64, nt, p);
}

function relu_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const o = <usize>lo << 2, b = load<usize>(p + 8);
  reluSerial(load<i32>(p), load<usize>(p + 4) + o, b ? b + o : 0, load<usize>(p + 12) + o, hi - lo);
}

/**
 * y = max(x, 0), elementwise (x == y allowed). Uses wasm f32 max semantics in
 * both the SIMD body and the tail: NaN propagates, −0 becomes +0.
 */
function reluForward(x: usize, y: usize, n: i32): void {
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
function reluBackward(dy: usize, y: usize, dx: usize, n: i32): void {
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
function relu6Forward(x: usize, y: usize, n: i32): void {
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
function relu6Backward(dy: usize, y: usize, dx: usize, n: i32): void {
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
