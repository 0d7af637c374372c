// Sparse file encodings (docs/model-format.md, "Sparse files"): a tensor as
// its nonzero values in C order plus their positions, either
//   bitmask: one bit per element, LSB first within each byte (1 = stored), or
//   delta8:  one byte per stored value, the gap g (1..255) since the previous
//            stored position (the first counts from −1); a byte 0 means
//            "255 further, no value", repeated while the gap exceeds 255.
// The writer picks the smaller per tensor; both decode to the same bits.
// Values equal to zero are not stored; where some of them are −0 (soft
// thresholding writes −0 for pruned negative weights), a third code keeps
// their signs, one bit per zero in C order (1 = −0), so the round trip is
// bit-exact.

@inline function isStored(v: f32): bool {
  return v != 0;
}

/** Stored values of src[n]. */
export function sparse_count(src: usize, n: i32): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) if (isStored(load<f32>(src + (<usize>i << 2)))) k++;
  return k;
}

/** Bytes of the delta8 position code of src[n]. */
export function sparse_delta8_bytes(src: usize, n: i32): i32 {
  let bytes = 0, last = -1;
  for (let i = 0; i < n; i++) {
    if (!isStored(load<f32>(src + (<usize>i << 2)))) continue;
    bytes += (i - last - 1) / 255 + 1;
    last = i;
  }
  return bytes;
}

/** values[k] and the bitmask (⌈n/8⌉ bytes, zeroed here) of src[n]; returns k. */
export function sparse_pack_bitmask(src: usize, n: i32, values: usize, mask: usize): i32 {
  memory.fill(mask, 0, <usize>((n + 7) >> 3));
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    if (!isStored(v)) continue;
    store<f32>(values + (<usize>k << 2), v);
    const mp = mask + <usize>(i >> 3);
    store<u8>(mp, <u8>(<i32>load<u8>(mp) | (1 << (i & 7))));
    k++;
  }
  return k;
}

/** dst[n] from values and a bitmask; returns the values read (−1 if the mask claims more than `count`). */
export function sparse_unpack_bitmask(values: usize, count: i32, mask: usize, n: i32, dst: usize): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (load<u8>(mask + <usize>(i >> 3)) & (1 << (i & 7))) {
      if (k >= count) return -1;
      store<f32>(dst + (<usize>i << 2), load<f32>(values + (<usize>k << 2)));
      k++;
    } else store<f32>(dst + (<usize>i << 2), 0);
  }
  return k;
}

/** values[k] and the delta8 code (sparse_delta8_bytes bytes) of src[n]; returns k. */
export function sparse_pack_delta8(src: usize, n: i32, values: usize, code: usize): i32 {
  let k = 0, last = -1, p: usize = code;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    if (!isStored(v)) continue;
    let gap = i - last;
    while (gap > 255) {
      store<u8>(p++, 0);
      gap -= 255;
    }
    store<u8>(p++, <u8>gap);
    store<f32>(values + (<usize>k << 2), v);
    k++;
    last = i;
  }
  return k;
}

/**
 * dst[n] from values[count] and a delta8 code of `bytes` bytes. Returns count,
 * or −1 when the code is inconsistent (a position past n, or a count mismatch).
 */
export function sparse_unpack_delta8(values: usize, count: i32, code: usize, bytes: i32, n: i32, dst: usize): i32 {
  memory.fill(dst, 0, <usize>n << 2);
  let pos: i64 = -1;
  let k = 0;
  for (let b = 0; b < bytes; b++) {
    const g = <i64>load<u8>(code + <usize>b);
    if (g == 0) {
      pos += 255;
      continue;
    }
    pos += g;
    if (pos >= <i64>n || k >= count) return -1;
    store<f32>(dst + (<usize>pos << 2), load<f32>(values + (<usize>k << 2)));
    k++;
  }
  return k == count ? k : -1;
}

/**
 * dst[n] (u16) = IEEE half-precision bits of src[n], rounded to nearest even
 * (overflow → ±Inf, NaN stays NaN): the lossy `--values f16` of sparse files.
 */
export function f16_from_f32(src: usize, n: i32, dst: usize): void {
  for (let i = 0; i < n; i++) {
    const x = reinterpret<u32>(load<f32>(src + (<usize>i << 2)));
    const sign = (x >> 16) & 0x8000;
    const e = <i32>((x >> 23) & 0xff);
    let m = x & 0x7fffff;
    let h: u32;
    if (e == 0xff) h = sign | 0x7c00 | (m ? 0x200 : 0);
    else {
      const he = e - 127 + 15;
      if (he >= 31) h = sign | 0x7c00;
      else if (he <= 0) {
        if (he < -10) h = sign;
        else {
          m |= 0x800000;
          const shift = <u32>(14 - he);
          let hm = m >> shift;
          const rem = m & ((1 << shift) - 1), half = <u32>1 << (shift - 1);
          if (rem > half || (rem == half && (hm & 1))) hm++;
          h = sign | hm;
        }
      } else {
        let hm = m >> 13;
        const rem = m & 0x1fff;
        let hv = (<u32>he << 10) | hm;
        if (rem > 0x1000 || (rem == 0x1000 && (hm & 1))) hv++; // may carry into the exponent: still correct
        h = sign | hv;
      }
    }
    store<u16>(dst + (<usize>i << 1), <u16>h);
  }
}

/** Zeros of src[n] that are −0 (0: the tensor needs no sign code). */
export function sparse_negzero_count(src: usize, n: i32): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) if (reinterpret<u32>(load<f32>(src + (<usize>i << 2))) == 0x80000000) k++;
  return k;
}

/** The sign code of src[n]'s zeros: ⌈zeros/8⌉ bytes (zeroed here), bit z set when the z-th zero is −0. */
export function sparse_pack_negzero(src: usize, n: i32, code: usize, zeros: i32): void {
  memory.fill(code, 0, <usize>((zeros + 7) >> 3));
  let z = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    if (v != 0) continue;
    if (reinterpret<u32>(v) == 0x80000000) {
      const p = code + <usize>(z >> 3);
      store<u8>(p, <u8>(<i32>load<u8>(p) | (1 << (z & 7))));
    }
    z++;
  }
}

/** Applies a sign code to dst[n]'s zeros (after an unpack); returns the zeros seen. */
export function sparse_unpack_negzero(dst: usize, n: i32, code: usize, zeros: i32): i32 {
  let z = 0;
  for (let i = 0; i < n; i++) {
    const p = dst + (<usize>i << 2);
    if (load<f32>(p) != 0) continue;
    if (z >= zeros) return -1;
    if (<i32>load<u8>(code + <usize>(z >> 3)) & (1 << (z & 7))) store<u32>(p, 0x80000000);
    z++;
  }
  return z;
}
