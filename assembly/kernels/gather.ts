// Batch assembly from a u8 dataset resident in wasm memory. Indices are not
// bounds-checked: the host owns the dataset size and the index arrays.

/**
 * dst[i, j] = f32(src[idx[i], j])·scale + shift for i < count, j < row_len
 * (f32 multiply then f32 add, same in SIMD body and tail). With
 * scale = 1/(255·std) and shift = −mean/std this is (x/255 − mean)/std.
 */
export function gather_normalize_u8(
  src_u8: usize, idx_i32: usize, count: i32, row_len: i32,
  scale: f32, shift: f32, dst_f32: usize
): void {
  if (count <= 0 || row_len <= 0) return;
  const vs = f32x4.splat(scale);
  const vt = f32x4.splat(shift);
  const len = <usize>row_len;
  const len16 = <usize>(row_len & ~15);
  for (let i = 0; i < count; i++) {
    const s = src_u8 + <usize>load<i32>(idx_i32 + (<usize>i << 2)) * len;
    const d = dst_f32 + <usize>i * (len << 2);
    let j: usize = 0;
    // 16 bytes → four f32x4 (u8 → u16 → u32 → f32, all exact).
    for (; j < len16; j += 16) {
      const b = v128.load(s + j);
      const w0 = i16x8.extend_low_i8x16_u(b);
      const w1 = i16x8.extend_high_i8x16_u(b);
      const p = d + (j << 2);
      v128.store(p, norm(i32x4.extend_low_i16x8_u(w0), vs, vt), 0);
      v128.store(p, norm(i32x4.extend_high_i16x8_u(w0), vs, vt), 16);
      v128.store(p, norm(i32x4.extend_low_i16x8_u(w1), vs, vt), 32);
      v128.store(p, norm(i32x4.extend_high_i16x8_u(w1), vs, vt), 48);
    }
    for (; j < len; j++) store<f32>(d + (j << 2), <f32>load<u8>(s + j) * scale + shift);
  }
}

// @ts-ignore: decorator
@inline function norm(u32x4: v128, vs: v128, vt: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(u32x4), vs), vt);
}

/** dst_i32[i] = src_u8[idx_i32[i]] for i < count. */
export function gather_labels_u8(src_u8: usize, idx_i32: usize, count: i32, dst_i32: usize): void {
  for (let i = 0; i < count; i++) {
    const k = <usize>load<i32>(idx_i32 + (<usize>i << 2));
    store<i32>(dst_i32 + (<usize>i << 2), <i32>load<u8>(src_u8 + k));
  }
}
