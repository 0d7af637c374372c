// Output-channel (row) helpers for channel pruning: the group-norm criterion
// and the row masks it produces. Rows are output channels of a weight
// viewed as [rows × cols] (a conv's filter, a linear layer's neuron).

/** out[r] = Σ_c (w[r, c]·[mask[r, c] ≠ 0])², summed in f64, rounded once. */
export function row_sumsq(w: usize, mask: usize, rows: i32, cols: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    let s: f64 = 0;
    const base = <usize>r * <usize>cols;
    for (let c = 0; c < cols; c++) {
      if (load<u8>(mask + base + <usize>c) == 0) continue;
      const v = <f64>load<f32>(w + ((base + <usize>c) << 2));
      s += v * v;
    }
    store<f32>(out + (<usize>r << 2), <f32>s);
  }
}

/** Clears whole rows of mask[rows × cols] where rowmask[r] == 0. */
export function mask_rows(mask: usize, rows: i32, cols: i32, rowmask: usize): void {
  for (let r = 0; r < rows; r++) {
    if (load<u8>(rowmask + <usize>r) != 0) continue;
    memory.fill(mask + <usize>r * <usize>cols, 0, <usize>cols);
  }
}

/** rowmask[r] = 1 where row r of mask[rows × cols] keeps any entry, else 0. */
export function rows_alive(mask: usize, rows: i32, cols: i32, rowmask: usize): void {
  for (let r = 0; r < rows; r++) {
    let alive: u8 = 0;
    const base = mask + <usize>r * <usize>cols;
    for (let c = 0; c < cols; c++) if (load<u8>(base + <usize>c) != 0) { alive = 1; break; }
    store<u8>(rowmask + <usize>r, alive);
  }
}

/** dst[n] = src[n] (byte masks). */
export function copy_u8(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n);
}
