// Packing for the 4x8 GEMM micro-kernel (BLIS style): copies a block of op(A)
// or op(B) into k-major panels so the micro-kernel reads both sequentially.
// Operands are described by element strides (rs, cs) so one routine serves
// A, Aᵀ, B and Bᵀ. Rows/columns past the matrix edge are zero-padded, which
// lets the micro-kernel always compute a full tile.
// @ts-nocheck

// 4x4 transpose of rows r0..r3 (each 4 consecutive k) into 4 k-major vectors.
@inline function transpose_store4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + step, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * step, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs rows [i0, i0+mc) × k [k0, k0+kc) of X (element (i,k) at X[i*rs + k*cs])
 * into ceil(mc/W) panels of W rows, each panel kc·W floats, k-major.
 * W is the micro-kernel's MR for A, or its NR for B (packed through the same
 * routine with its column index as the panel row).
 */
export function pack_panels(x: usize, rs: i32, cs: i32, i0: i32, mc: i32, k0: i32, kc: i32, w: i32, dst: usize): void {
  for (let p = 0; p < mc; p += w) {
    const rows = min(w, mc - p);
    const base = dst + <usize>(p * kc) * 4;
    if (rows == w && cs == 1 && (w & 3) == 0) {
      // Rows contiguous in k: 4x4 register transposes, then a scalar k tail.
      const kc4 = kc & ~3;
      for (let g = 0; g < w; g += 4) {
        const s0 = x + <usize>((i0 + p + g) * rs + k0) * 4;
        const rsb = <usize>rs * 4;
        const step = <usize>w * 4;
        let d = base + <usize>g * 4;
        for (let k = 0; k < kc4; k += 4) {
          const s = s0 + <usize>k * 4;
          transpose_store4(v128.load(s), v128.load(s + rsb), v128.load(s + 2 * rsb), v128.load(s + 3 * rsb), d, step);
          d += 4 * step;
        }
      }
      if (kc4 < kc && kc >= 4) {
        // k tail: one more transpose of the last 4 k (overlapping the body,
        // which it rewrites with the same values) instead of scalar copies.
        const kt = kc - 4;
        const rsb = <usize>rs * 4;
        const step = <usize>w * 4;
        for (let g = 0; g < w; g += 4) {
          const src = x + <usize>((i0 + p + g) * rs + k0 + kt) * 4;
          transpose_store4(v128.load(src), v128.load(src + rsb), v128.load(src + 2 * rsb), v128.load(src + 3 * rsb), base + <usize>g * 4 + <usize>kt * step, step);
        }
      } else pack_scalar(x, rs, cs, i0 + p, rows, k0, kc4, kc, w, base);
    } else if (rows == w && rs == 1 && (w & 3) == 0) {
      // Rows adjacent in memory for each k: straight vector copies.
      for (let k = 0; k < kc; k++) {
        const s = x + <usize>((i0 + p) + (k0 + k) * cs) * 4;
        const d = base + <usize>(k * w) * 4;
        for (let g = 0; g < w; g += 4) v128.store(d + <usize>g * 4, v128.load(s + <usize>g * 4));
      }
    } else {
      pack_scalar(x, rs, cs, i0 + p, rows, k0, 0, kc, w, base);
    }
  }
}

// One panel, k in [ka, kb): element by element, zero-padding rows past `rows`.
function pack_scalar(x: usize, rs: i32, cs: i32, i: i32, rows: i32, k0: i32, ka: i32, kb: i32, w: i32, base: usize): void {
  for (let k = ka; k < kb; k++) {
    const d = base + <usize>(k * w) * 4;
    for (let r = 0; r < w; r++) {
      store<f32>(d + <usize>r * 4, r < rows ? load<f32>(x + <usize>((i + r) * rs + (k0 + k) * cs) * 4) : 0);
    }
  }
}
