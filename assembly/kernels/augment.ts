// Batch assembly for image datasets with channels (CHW per image, u8 pixels
// resident in wasm memory): per-channel normalisation, and seeded training
// augmentation (random crop with zero padding, horizontal flip) drawn from a
// caller-owned xoshiro128** stream (../prng.ts). Indices are not
// bounds-checked: the host owns the dataset size and the index arrays.
//
// Normalisation of a pixel u of channel c is f32(u)·scale[c] + shift[c]
// (f32 multiply then f32 add, as in gather_normalize_u8); with
// scale = 1/(255·std) and shift = −mean/std that is (u/255 − mean)/std.
//
// Augmentation of one image (torchvision RandomCrop(size=(h, w), padding=pad)
// then RandomHorizontalFlip(p=0.5)):
//   1. pad every channel with `pad` zero pixels on each side,
//   2. crop the h×w window whose top-left corner is (dy, dx) in the padded
//      image, dy, dx ∈ [0, 2·pad],
//   3. if flip, mirror the window left-right.
// So out[c, y, x] = img[c, y + dy − pad, xs] with xs = x + dx − pad, or
// xs = (w − 1 − x) + dx − pad when flipped, and 0 (normalised: shift[c]
// computed as 0·scale[c] + shift[c]) where the source lies outside the image.
//
// Draw order (part of determinism): augment_draw visits rows 0..count−1 and
// for each row draws dy, then dx (each only if pad > 0, each an unbiased
// integer in [0, 2·pad] by Lemire's method, exactly as rng_permutation's
// bounded draws), then the flip bit (only if flip ≠ 0: the top bit of one
// rng_next_u32). Quantities not drawn are 0 and consume nothing.

import { rng_next_u32, rng_bounded } from "../prng";

/**
 * dst[i, c, p] = f32(src[idx[i], c, p])·scale[c] + shift[c] for i < count,
 * c < channels, p < h·w. Images are channels×h×w bytes, CHW.
 */
export function gather_normalize_u8_chw(
  src_u8: usize, idx_i32: usize, count: i32, channels: i32, h: i32, w: i32,
  scale_f32: usize, shift_f32: usize, dst_f32: usize
): void {
  if (count <= 0 || channels <= 0 || h <= 0 || w <= 0) return;
  const plane = <usize>h * <usize>w;
  const row = plane * <usize>channels;
  for (let i = 0; i < count; i++) {
    const s = src_u8 + <usize>load<i32>(idx_i32 + (<usize>i << 2)) * row;
    const d = dst_f32 + <usize>i * (row << 2);
    for (let c = 0; c < channels; c++) {
      const o = <usize>c * plane;
      const scale = load<f32>(scale_f32 + (<usize>c << 2));
      const shift = load<f32>(shift_f32 + (<usize>c << 2));
      norm_span(s + o, d + (o << 2), plane, scale, shift);
    }
  }
}

/**
 * Draws the augmentation of `count` rows from the stream at `state` into
 * params_i32 (3 i32 per row: dy, dx, flip), in the documented order.
 */
export function augment_draw(state: usize, params_i32: usize, count: i32, pad: i32, flip: i32): void {
  const range = <u32>(2 * pad + 1);
  for (let i = 0; i < count; i++) {
    let dy: u32 = 0, dx: u32 = 0, f: u32 = 0;
    if (pad > 0) {
      dy = rng_bounded(state, range);
      dx = rng_bounded(state, range);
    }
    if (flip != 0) f = rng_next_u32(state) >>> 31;
    const p = params_i32 + <usize>i * 12;
    store<i32>(p, <i32>dy, 0);
    store<i32>(p, <i32>dx, 4);
    store<i32>(p, <i32>f, 8);
  }
}

/**
 * Like gather_normalize_u8_chw, with each row i cropped and flipped by
 * params_i32[3i..3i+3) = (dy, dx, flip) from augment_draw (dy, dx ∈ [0, 2·pad]).
 */
export function gather_augment_u8_chw(
  src_u8: usize, idx_i32: usize, params_i32: usize, count: i32, channels: i32, h: i32, w: i32, pad: i32,
  scale_f32: usize, shift_f32: usize, dst_f32: usize
): void {
  if (count <= 0 || channels <= 0 || h <= 0 || w <= 0) return;
  const plane = <usize>h * <usize>w;
  const row = plane * <usize>channels;
  for (let i = 0; i < count; i++) {
    const s = src_u8 + <usize>load<i32>(idx_i32 + (<usize>i << 2)) * row;
    const d = dst_f32 + <usize>i * (row << 2);
    const p = params_i32 + <usize>i * 12;
    const sy = load<i32>(p, 0) - pad;
    const sx = load<i32>(p, 4) - pad;
    const flip = load<i32>(p, 8) != 0;
    // Valid output columns [x0, x1): source column inside 0..w−1.
    let x0: i32, x1: i32;
    if (flip) {
      x0 = max<i32>(0, sx);
      x1 = min<i32>(w, w + sx);
    } else {
      x0 = max<i32>(0, -sx);
      x1 = min<i32>(w, w - sx);
    }
    if (x1 < x0) x1 = x0;
    for (let c = 0; c < channels; c++) {
      const scale = load<f32>(scale_f32 + (<usize>c << 2));
      const shift = load<f32>(shift_f32 + (<usize>c << 2));
      const zero: f32 = <f32>0 * scale + shift;
      const sc = s + <usize>c * plane;
      const dc = d + ((<usize>c * plane) << 2);
      for (let y = 0; y < h; y++) {
        const dr = dc + ((<usize>y * <usize>w) << 2);
        const yy = y + sy;
        if (yy < 0 || yy >= h || x1 == x0) {
          fill_span(dr, <usize>w, zero);
          continue;
        }
        const sr = sc + <usize>yy * <usize>w;
        fill_span(dr, <usize>x0, zero);
        if (flip) {
          // out x ← source column (w − 1 − x) + sx, descending from x0.
          norm_span_rev(sr + <usize>(w - 1 - x0 + sx), dr + (<usize>x0 << 2), <usize>(x1 - x0), scale, shift);
        } else {
          norm_span(sr + <usize>(x0 + sx), dr + (<usize>x0 << 2), <usize>(x1 - x0), scale, shift);
        }
        fill_span(dr + (<usize>x1 << 2), <usize>(w - x1), zero);
      }
    }
  }
}

// d[k] = f32(s[k])·scale + shift for k < n (16 bytes → four f32x4, then a scalar tail).
// @ts-ignore: decorator
@inline function norm_span(s: usize, d: usize, n: usize, scale: f32, shift: f32): void {
  const vs = f32x4.splat(scale);
  const vt = f32x4.splat(shift);
  const n16 = n & ~(<usize>15);
  let j: usize = 0;
  for (; j < n16; j += 16) store16(d + (j << 2), v128.load(s + j), vs, vt);
  for (; j < n; j++) store<f32>(d + (j << 2), <f32>load<u8>(s + j) * scale + shift);
}

// d[k] = f32(s_last[−k])·scale + shift for k < n: a mirrored span (16 bytes
// loaded below s_last − k and byte-reversed, then a scalar tail).
// @ts-ignore: decorator
@inline function norm_span_rev(s_last: usize, d: usize, n: usize, scale: f32, shift: f32): void {
  const vs = f32x4.splat(scale);
  const vt = f32x4.splat(shift);
  const n16 = n & ~(<usize>15);
  let j: usize = 0;
  for (; j < n16; j += 16) {
    const b = v128.load(s_last - j - 15);
    const r = i8x16.shuffle(b, b, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    store16(d + (j << 2), r, vs, vt);
  }
  for (; j < n; j++) store<f32>(d + (j << 2), <f32>load<u8>(s_last - j) * scale + shift);
}

// 16 u8 lanes → four normalised f32x4 at p (u8 → u16 → u32 → f32, all exact).
// @ts-ignore: decorator
@inline function store16(p: usize, b: v128, vs: v128, vt: v128): void {
  const w0 = i16x8.extend_low_i8x16_u(b);
  const w1 = i16x8.extend_high_i8x16_u(b);
  v128.store(p, norm4(i32x4.extend_low_i16x8_u(w0), vs, vt), 0);
  v128.store(p, norm4(i32x4.extend_high_i16x8_u(w0), vs, vt), 16);
  v128.store(p, norm4(i32x4.extend_low_i16x8_u(w1), vs, vt), 32);
  v128.store(p, norm4(i32x4.extend_high_i16x8_u(w1), vs, vt), 48);
}

// @ts-ignore: decorator
@inline function norm4(u32x4: v128, vs: v128, vt: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(u32x4), vs), vt);
}

// d[k] = v for k < n.
// @ts-ignore: decorator
@inline function fill_span(d: usize, n: usize, v: f32): void {
  const vv = f32x4.splat(v);
  const n4 = n & ~(<usize>3);
  let j: usize = 0;
  for (; j < n4; j += 4) v128.store(d + (j << 2), vv);
  for (; j < n; j++) store<f32>(d + (j << 2), v);
}
