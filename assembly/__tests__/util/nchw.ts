// Helpers for the NCHW layer specs (batchnorm, pool, dwconv): PyTorch's
// floor-mode output size and a tolerance checker that reports the first few
// mismatches with trace() and counts them.

/** ⌊(size + 2·pad − dil·(k − 1) − 1) / stride⌋ + 1 (PyTorch, floor mode). */
export function outSize(size: i32, k: i32, stride: i32, pad: i32, dil: i32 = 1): i32 {
  return (size + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

/** |got − want| ≤ tol · max(|want|, scale). */
export function isClose(got: f64, want: f64, tol: f64, scale: f64): bool {
  return Math.abs(got - want) <= tol * Math.max(Math.abs(want), scale);
}

/** Counts isClose failures; traces the first five (label, index, got, want). */
export class Checker {
  bad: i32 = 0;

  close(label: string, i: i32, got: f64, want: f64, tol: f64, scale: f64): void {
    if (isClose(got, want, tol, scale)) return;
    if (this.bad < 5) trace(label, 3, <f64>i, got, want);
    this.bad++;
  }

  same(label: string, i: i32, got: u32, want: u32): void {
    if (got == want) return;
    if (this.bad < 5) trace(label, 3, <f64>i, <f64>got, <f64>want);
    this.bad++;
  }
}
