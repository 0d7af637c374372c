// Sparse × dense products for inference (the layout of XNNPACK's SpMM
// micro-kernels: the dense operand's inner dimension is the SIMD one).
//   C[o, 0..m) = Σ_{j ∈ row o} values[j] · B[colidx[j], 0..m)   (+ bias[o])
// A is CSR (csr.ts). For a conv, B is the im2col matrix [C·kh·kw, OH·OW] and
// m the pixels; for a linear layer, B is the batch transposed [in, rows].
// m is walked in tiles of 16 lanes (4 accumulators), outermost, so one tile's
// slice of B stays in L1 while every sparse row streams past it (at batch 64
// this took the MLP at 50% sparsity from 0.82× to 1.26× of the dense GEMM),
// then tiles of 4 and a scalar tail; every element sums its nonzeros in row
// order, so the result does not depend on the tiling or on m.
// @ts-nocheck

import { spmm_tile16 } from "./gen/spmm_16";
import { spmm_tile4 } from "./gen/spmm_4";
import { parallel, taskArgs, threadsFor } from "../../parallel";
import { PAR_MIN_MACS } from "../gemm";

// Parallel: output rows are independent, so threads take contiguous row
// ranges with about equal nonzeros each (rowShare); every element is then
// summed exactly as on one thread, whatever the thread count.

/**
 * C[o × m] (row stride ldc floats) = A[o × k] · B[k × m] (row stride ldb) + bias,
 * A in CSR; bias = 0 for none. Overwrites C.
 */
export function spmm(o: i32, m: i32, rowptr: usize, colidx: usize, values: usize, b: usize, ldb: i32, c: usize, ldc: i32, bias: usize): void {
  if (o <= 0 || m <= 0) return;
  const nt = sparseThreads(o, rowptr, m);
  if (nt <= 1) return spmmRows(0, o, m, rowptr, colidx, values, b, ldb, c, ldc, bias);
  const p = taskArgs();
  store<i32>(p, o); store<i32>(p + 4, m); store<usize>(p + 8, rowptr); store<usize>(p + 12, colidx); store<usize>(p + 16, values);
  store<usize>(p + 20, b); store<i32>(p + 24, ldb); store<usize>(p + 28, c); store<i32>(p + 32, ldc); store<usize>(p + 36, bias);
  parallel(spmm_task, p, nt);
}

function spmm_task(tid: i32, nt: i32, p: usize): void {
  const o = load<i32>(p), rowptr = load<usize>(p + 8);
  const r0 = rowShare(o, rowptr, tid, nt), r1 = rowShare(o, rowptr, tid + 1, nt);
  const m = load<i32>(p + 4), colidx = load<usize>(p + 12), values = load<usize>(p + 16), b = load<usize>(p + 20), ldb = load<i32>(p + 24);
  const c = load<usize>(p + 28), ldc = load<i32>(p + 32), bias = load<usize>(p + 36);
  if (m == 0) spmvRows(r0, r1, rowptr, colidx, values, b, c, bias);
  else spmmRows(r0, r1, m, rowptr, colidx, values, b, ldb, c, ldc, bias);
}

// Threads for a CSR product over `o` rows and `lanes` dense columns.
function sparseThreads(o: i32, rowptr: usize, lanes: i32): i32 {
  return sparseThreadsFor(o, <i64>load<i32>(rowptr + (<usize>o << 2)) * <i64>lanes);
}

/**
 * Threads for a sparse product of `macs` multiply-adds over `rows` output
 * rows: split once it has PAR_MIN_MACS (as GEMM), each thread getting at
 * least half that, never more threads than rows.
 */
export function sparseThreadsFor(rows: i32, macs: i64): i32 {
  if (rows <= 1 || macs < PAR_MIN_MACS) return 1;
  return min(rows, threadsFor(<i32>min<i64>(macs / (PAR_MIN_MACS >> 1), i32.MAX_VALUE), 1));
}

/**
 * First row of thread t's share of `o` CSR rows split into nt parts of about
 * equal cost, a row's cost being its nonzeros plus one (its stores): the
 * smallest r with rowptr[r] + r ≥ t·(nnz + o)/nt. Monotone in t, 0 at t = 0
 * and o at t = nt.
 */
function rowShare(o: i32, rowptr: usize, t: i32, nt: i32): i32 {
  if (t <= 0) return 0;
  if (t >= nt) return o;
  const total = <i64>load<i32>(rowptr + (<usize>o << 2)) + <i64>o;
  const goal = total * <i64>t / <i64>nt;
  let lo = 0, hi = o;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (<i64>load<i32>(rowptr + (<usize>mid << 2)) + <i64>mid >= goal) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function spmmRows(r0: i32, r1: i32, m: i32, rowptr: usize, colidx: usize, values: usize, b: usize, ldb: i32, c: usize, ldc: i32, bias: usize): void {
  const ldbB = <usize>ldb << 2;
  // Lane tiles outermost: one tile's slice of B (k × 16 floats) stays in L1 while every row of A streams past it.
  let x = 0;
  for (; x + 16 <= m; x += 16) {
    for (let r = r0; r < r1; r++) {
      const j0 = load<i32>(rowptr + (<usize>r << 2)), j1 = load<i32>(rowptr + (<usize>(r + 1) << 2));
      const bv: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
      spmm_tile16(values, colidx, j0, j1, b + (<usize>x << 2), ldbB, c + ((<usize>r * <usize>ldc + <usize>x) << 2), bv);
    }
  }
  for (let r = r0; r < r1; r++) {
    const j0 = load<i32>(rowptr + (<usize>r << 2)), j1 = load<i32>(rowptr + (<usize>(r + 1) << 2));
    const bv: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
    const crow = c + (<usize>r * <usize>ldc << 2);
    let xx = x;
    for (; xx + 4 <= m; xx += 4) spmm_tile4(values, colidx, j0, j1, b + (<usize>xx << 2), ldbB, crow + (<usize>xx << 2), bv);
    for (; xx < m; xx++) {
      let s: f32 = bv;
      for (let j = j0; j < j1; j++) {
        s += load<f32>(values + (<usize>j << 2)) * load<f32>(b + <usize>load<i32>(colidx + (<usize>j << 2)) * ldbB + (<usize>xx << 2));
      }
      store<f32>(crow + (<usize>xx << 2), s);
    }
  }
}

/** y[o] = Σ_{j ∈ row o} values[j]·x[colidx[j]] (+ bias[o]): one sample through a sparse linear layer. */
export function spmv(o: i32, rowptr: usize, colidx: usize, values: usize, x: usize, y: usize, bias: usize): void {
  if (o <= 0) return;
  const nt = sparseThreads(o, rowptr, 1);
  if (nt <= 1) return spmvRows(0, o, rowptr, colidx, values, x, y, bias);
  const p = taskArgs();
  // m = 0 marks the one-sample form for spmm_task.
  store<i32>(p, o); store<i32>(p + 4, 0); store<usize>(p + 8, rowptr); store<usize>(p + 12, colidx); store<usize>(p + 16, values);
  store<usize>(p + 20, x); store<usize>(p + 28, y); store<usize>(p + 36, bias);
  parallel(spmm_task, p, nt);
}

function spmvRows(r0: i32, r1: i32, rowptr: usize, colidx: usize, values: usize, x: usize, y: usize, bias: usize): void {
  for (let r = r0; r < r1; r++) {
    const j0 = load<i32>(rowptr + (<usize>r << 2)), j1 = load<i32>(rowptr + (<usize>(r + 1) << 2));
    // Four partial sums over j mod 4, combined in a fixed order, to break the add chain.
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const vp = values + (<usize>j << 2), cp = colidx + (<usize>j << 2);
      s0 += load<f32>(vp) * load<f32>(x + (<usize>load<i32>(cp) << 2));
      s1 += load<f32>(vp, 4) * load<f32>(x + (<usize>load<i32>(cp, 4) << 2));
      s2 += load<f32>(vp, 8) * load<f32>(x + (<usize>load<i32>(cp, 8) << 2));
      s3 += load<f32>(vp, 12) * load<f32>(x + (<usize>load<i32>(cp, 12) << 2));
    }
    for (; j < j1; j++) s0 += load<f32>(values + (<usize>j << 2)) * load<f32>(x + (<usize>load<i32>(colidx + (<usize>j << 2)) << 2));
    store<f32>(y + (<usize>r << 2), ((s0 + s1) + (s2 + s3)) + (bias ? load<f32>(bias + (<usize>r << 2)) : 0));
  }
}

/**
 * dst[cols × rows] = srcᵀ for src[rows × cols] (batch ↔ feature order for the
 * sparse linear path): 4×4 blocks through SIMD shuffles, edges element by element.
 */
export function transpose_f32(src: usize, rows: i32, cols: i32, dst: usize): void {
  const rs = <usize>cols << 2, ds = <usize>rows << 2;
  const r4 = rows & ~3, c4 = cols & ~3;
  for (let r = 0; r < r4; r += 4) {
    const s0 = src + <usize>r * rs;
    for (let c = 0; c < c4; c += 4) {
      const p = s0 + (<usize>c << 2);
      const a = v128.load(p), b = v128.load(p + rs), cc = v128.load(p + 2 * rs), d = v128.load(p + 3 * rs);
      const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const cd0 = v128.shuffle<f32>(cc, d, 0, 4, 1, 5), cd1 = v128.shuffle<f32>(cc, d, 2, 6, 3, 7);
      const q = dst + <usize>c * ds + (<usize>r << 2);
      v128.store(q, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
      v128.store(q + ds, v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7));
      v128.store(q + 2 * ds, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5));
      v128.store(q + 3 * ds, v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7));
    }
    for (let c = c4; c < cols; c++) for (let i = r; i < r + 4; i++) store<f32>(dst + ((<usize>c * <usize>rows + <usize>i) << 2), load<f32>(src + ((<usize>i * <usize>cols + <usize>c) << 2)));
  }
  for (let r = r4; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + ((<usize>c * <usize>rows + <usize>r) << 2), load<f32>(src + ((<usize>r * <usize>cols + <usize>c) << 2)));
  }
}
