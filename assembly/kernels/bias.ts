// Bias add and bias gradient for row-major [rows, cols] f32 matrices.
// Rows start at arbitrary 4-byte offsets when cols % 4 != 0; v128 loads and
// stores do not require alignment, so each row runs a 4-lane body + tail.
import { parallelRange, taskArgs, threadsFor } from "../parallel";
import { ELEMENTWISE_MIN } from "./sgd";

/** y[r, c] += b[c] for r < rows, c < cols. Rows split over threads (elementwise). */
export function bias_add(y: usize, b: usize, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  const nt = threadsFor(rows, max(1, ELEMENTWISE_MIN / cols));
  if (nt <= 1) return biasAddRows(y, b, 0, rows, cols);
  const p = taskArgs();
  store<usize>(p, y); store<usize>(p + 4, b); store<i32>(p + 8, cols);
  parallelRange(bias_add_range, rows, 1, nt, p);
}

function bias_add_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  biasAddRows(load<usize>(p), load<usize>(p + 4), lo, hi, load<i32>(p + 8));
}

function biasAddRows(y: usize, b: usize, r0: i32, r1: i32, cols: i32): void {
  const c4 = <usize>(cols & ~3) << 2;
  const cb = <usize>cols << 2;
  for (let r = r0; r < r1; r++) {
    const row = y + <usize>r * cb;
    let o: usize = 0;
    for (; o < c4; o += 16) {
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(b + o)));
    }
    for (; o < cb; o += 4) store<f32>(row + o, load<f32>(row + o) + load<f32>(b + o));
  }
}

/**
 * db[c] = Σ_r dy[r, c] (overwrites db). Each column is an f32 sum starting at
 * +0 and adding rows in order r = 0..rows−1, so the result is fixed bit for
 * bit; columns split over threads in runs of 4 (a column's sum is one
 * thread's, in that order).
 */
export function bias_grad(dy: usize, db: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const nt = threadsFor((cols + 3) >> 2, max(1, (ELEMENTWISE_MIN / max(rows, 1) + 3) >> 2));
  if (nt <= 1) return biasGradCols(dy, db, rows, cols, 0, cols);
  const p = taskArgs();
  store<usize>(p, dy); store<usize>(p + 4, db); store<i32>(p + 8, rows); store<i32>(p + 12, cols);
  parallelRange(bias_grad_range, cols, 4, nt, p);
}

function bias_grad_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  biasGradCols(load<usize>(p), load<usize>(p + 4), load<i32>(p + 8), load<i32>(p + 12), lo, hi);
}

// Columns [c0, c1) of db (c0 a multiple of 4).
function biasGradCols(dy: usize, db: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  const o0 = <usize>c0 << 2, o4 = o0 + (<usize>((c1 - c0) & ~3) << 2), o1 = <usize>c1 << 2;
  const cb = <usize>cols << 2;
  memory.fill(db + o0, 0, o1 - o0);
  for (let r = 0; r < rows; r++) {
    const row = dy + <usize>r * cb;
    let o = o0;
    for (; o < o4; o += 16) {
      v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(row + o)));
    }
    for (; o < o1; o += 4) store<f32>(db + o, load<f32>(db + o) + load<f32>(row + o));
  }
}

/** Per-channel bias of an NCHW tensor: y[s, c, p] += b[c] for s < n, p < hw. */
export function channel_bias_add(y: usize, b: usize, n: i32, c: i32, hw: i32): void {
  let row = y;
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const v = load<f32>(b + (<usize>ch << 2));
      const vv = f32x4.splat(v);
      let i = 0;
      for (; i + 4 <= hw; i += 4) v128.store(row + (<usize>i << 2), f32x4.add(v128.load(row + (<usize>i << 2)), vv));
      for (; i < hw; i++) store<f32>(row + (<usize>i << 2), load<f32>(row + (<usize>i << 2)) + v);
      row += <usize>hw << 2;
    }
  }
}

/** db[c] = Σ_{s, p} dy[s, c, p] (overwritten; samples outer, pixels in order, f64 accumulation). */
export function channel_bias_grad(dy: usize, db: usize, n: i32, c: i32, hw: i32): void {
  for (let ch = 0; ch < c; ch++) {
    let acc: f64 = 0;
    for (let s = 0; s < n; s++) {
      const row = dy + (<usize>(s * c + ch) * <usize>hw << 2);
      for (let i = 0; i < hw; i++) acc += <f64>load<f32>(row + (<usize>i << 2));
    }
    store<f32>(db + (<usize>ch << 2), <f32>acc);
  }
}
