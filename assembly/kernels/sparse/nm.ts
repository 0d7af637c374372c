// N:M structured sparsity (at most N nonzeros in every M consecutive weights
// along the input dimension, as sparse tensor cores and TFMOT define it).
// A weight tensor is viewed as [outer, groupdim, inner]: groups run along
// groupdim (the input features of a linear layer; the input channels of a
// conv at each kernel tap), M elements apart by `inner`.

/**
 * Clears mask bytes so that each group keeps at most n of its kept entries:
 * the n of largest |w| (ties to the lower index). Returns how many it cleared.
 * groupdim must be a multiple of m (the host checks).
 */
export function nm_project_mask(w: usize, mask: usize, outer: i32, groupdim: i32, inner: i32, n: i32, m: i32): i32 {
  let cleared = 0;
  const stride = <usize>inner;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      for (let g = 0; g < groupdim; g += m) {
        const base = <usize>o * <usize>groupdim * stride + <usize>g * stride + <usize>k;
        // Keep the n largest kept entries: pick them one by one (m ≤ 32).
        let keepBits: u32 = 0;
        for (let r = 0; r < n; r++) {
          let best = -1;
          let bestAbs: f32 = -1;
          for (let j = 0; j < m; j++) {
            const idx = base + <usize>j * stride;
            if (load<u8>(mask + idx) == 0 || (keepBits & (<u32>1 << j))) continue;
            const a = abs<f32>(load<f32>(w + (idx << 2)));
            if (a > bestAbs) { bestAbs = a; best = j; }
          }
          if (best < 0) break;
          keepBits |= <u32>1 << best;
        }
        for (let j = 0; j < m; j++) {
          const idx = base + <usize>j * stride;
          if (load<u8>(mask + idx) != 0 && !(keepBits & (<u32>1 << j))) {
            store<u8>(mask + idx, 0);
            cleared++;
          }
        }
      }
    }
  }
  return cleared;
}

/** Groups of w with more than n nonzeros (0: the tensor satisfies N:M). */
export function nm_violations(w: usize, outer: i32, groupdim: i32, inner: i32, n: i32, m: i32): i32 {
  let bad = 0;
  const stride = <usize>inner;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      for (let g = 0; g < groupdim; g += m) {
        const base = <usize>o * <usize>groupdim * stride + <usize>g * stride + <usize>k;
        let nz = 0;
        for (let j = 0; j < m; j++) if (load<f32>(w + ((base + <usize>j * stride) << 2)) != 0) nz++;
        if (nz > n) bad++;
      }
    }
  }
  return bad;
}
