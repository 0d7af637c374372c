// Compressed sparse rows from a dense row-major matrix: rowptr[rows + 1]
// (i32 offsets into the nonzero list), colidx[nnz] (i32 column of each
// nonzero, ascending within a row), values[nnz] (f32). A value is stored when
// it is not +0 or −0, so the sparse product sums exactly the dense product's
// nonzero terms. The inference kernels (spmm.ts, spmv.ts) read this layout.

/** Nonzeros of w[rows × cols]. */
export function csr_nnz(w: usize, n: i32): i32 {
  let nnz = 0;
  for (let i = 0; i < n; i++) if (load<f32>(w + (<usize>i << 2)) != 0) nnz++;
  return nnz;
}

/** Fills rowptr, colidx and values (sized by csr_nnz) from w[rows × cols]. */
export function csr_from_dense(w: usize, rows: i32, cols: i32, rowptr: usize, colidx: usize, values: usize): void {
  let k = 0;
  for (let r = 0; r < rows; r++) {
    store<i32>(rowptr + (<usize>r << 2), k);
    const row = w + (<usize>r * <usize>cols << 2);
    for (let c = 0; c < cols; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v != 0) {
        store<i32>(colidx + (<usize>k << 2), c);
        store<f32>(values + (<usize>k << 2), v);
        k++;
      }
    }
  }
  store<i32>(rowptr + (<usize>rows << 2), k);
}
