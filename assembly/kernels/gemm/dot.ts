// The "nt" product C (+)= A·Bᵀ by dot products, for outputs too narrow to fill
// the 4x8 tiles (the 10-class layer): rows of A and B are both contiguous in k,
// so nothing is packed. 4x2 tiles, then 1-row / 1-column edges; a k tail that
// is not a multiple of 4 is added in scalar code, in ascending k.
// @ts-nocheck
import { gemm_dot_4x2 } from "./gen/dot_4x2";
import { gemm_dot_1x2 } from "./gen/dot_1x2";
import { gemm_dot_4x1 } from "./gen/dot_4x1";
import { gemm_dot_1x1 } from "./gen/dot_1x1";

export function gemm_nt_dot(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  const k4 = k & ~3;
  const la = <usize>lda * 4, lb = <usize>ldb * 4, lc = <usize>ldc * 4;
  const m4 = m & ~3, n2 = n & ~1;
  // Rows of A outer: 4 rows of A (4·k floats) and all of B (n·k, narrow) stay in L1.
  for (let i = 0; i < m4; i += 4) {
    const ai = a + <usize>i * la, ci = c + <usize>i * lc;
    for (let j = 0; j < n2; j += 2) gemm_dot_4x2(k4, ai, la, b + <usize>j * lb, lb, ci + <usize>j * 4, lc, accumulate);
    if (n2 < n) gemm_dot_4x1(k4, ai, la, b + <usize>n2 * lb, lb, ci + <usize>n2 * 4, lc, accumulate);
  }
  for (let i = m4; i < m; i++) {
    const ai = a + <usize>i * la, ci = c + <usize>i * lc;
    for (let j = 0; j < n2; j += 2) gemm_dot_1x2(k4, ai, la, b + <usize>j * lb, lb, ci + <usize>j * 4, lc, accumulate);
    if (n2 < n) gemm_dot_1x1(k4, ai, la, b + <usize>n2 * lb, lb, ci + <usize>n2 * 4, lc, accumulate);
  }
  if (k4 < k) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s: f32 = 0;
        for (let p = k4; p < k; p++) s += load<f32>(a + <usize>i * la + <usize>p * 4) * load<f32>(b + <usize>j * lb + <usize>p * 4);
        const cp = c + <usize>i * lc + <usize>j * 4;
        store<f32>(cp, load<f32>(cp) + s);
      }
    }
  }
}
