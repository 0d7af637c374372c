// Plain-JS references run in the same process as the wasm kernels, so every
// figure in bench/ is also a ratio that does not depend on the machine's clock.

/** C[m×n] = op(A)·op(B), i-k-j loop order (the fastest simple JS form). */
export function jsGemm(mode: "nn" | "nt" | "tn", m: number, n: number, k: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  C.fill(0);
  if (mode === "nn") {
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      const bo = p * n, co = i * n;
      for (let j = 0; j < n; j++) C[co + j] += a * B[bo + j];
    }
  } else if (mode === "nt") {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      const ao = i * k, bo = j * k;
      for (let p = 0; p < k; p++) s += A[ao + p] * B[bo + p];
      C[i * n + j] = s;
    }
  } else {
    for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) {
      const a = A[p * m + i];
      const bo = p * n, co = i * n;
      for (let j = 0; j < n; j++) C[co + j] += a * B[bo + j];
    }
  }
}
