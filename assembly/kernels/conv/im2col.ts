// im2col / col2im for 2-D convolution in the column-batched layout the conv
// operator multiplies: col[r, s·OHW + p] for kernel row r = (ci·kh + ki)·kw + kj
// (ci a channel of the group block being unrolled) and output pixel p = oy·OW + ox
// of sample s. Padding reads as 0. Stride-1 rows are contiguous runs of the
// input row (copy_floats / SIMD add); stride-2 rows take the even lanes of
// 4-wide loads (col2im: adds onto them) while those stay inside the row;
// other strides and the row ends go element by element.
// @ts-nocheck
import { copy_floats, zero_floats } from "../copy";

/**
 * col[r, s·OHW + oy·OW + ox] = x[s, c0 + ci, oy·sh − ph + ki·dh, ox·sw − pw + kj·dw]
 * (0 outside the image) for ci < cn, every kernel tap and s < samples.
 * x points at sample 0 channel 0; samples are c·h·w floats apart.
 */
export function im2col(
  x: usize, c: i32, h: i32, w: i32, c0: i32, cn: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, samples: i32, col: usize,
): void {
  im2colRows(x, c, h, w, c0, cn, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, samples, col, samples * oh * ow);
}

/** im2col of `samples` samples into rows `rowFloats` floats apart (a slice of a wider chunk's columns). */
export function im2colRows(
  x: usize, c: i32, h: i32, w: i32, c0: i32, cn: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, samples: i32, col: usize, rowFloats: i32,
): void {
  const ohw = oh * ow;
  const ncol = <usize>rowFloats;
  const plane = <usize>(h * w) << 2;
  const sampleBytes = <usize>c * plane;
  let row = col;
  for (let ci = 0; ci < cn; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        // Output columns whose input column is inside the image: ox in [lo, hi).
        const off = kj * dw - pw;
        let lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        let hi = w - off <= 0 ? 0 : (w - off + sw - 1) / sw;
        if (hi > ow) hi = ow;
        if (lo > hi) lo = hi;
        for (let s = 0; s < samples; s++) {
          const src = x + <usize>s * sampleBytes + <usize>(c0 + ci) * plane;
          let dst = row + (<usize>(s * ohw) << 2);
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + ki * dh;
            if (iy < 0 || iy >= h) {
              zero_floats(dst, ow);
            } else {
              const srow = src + (<usize>(iy * w) << 2);
              if (lo > 0) zero_floats(dst, lo);
              if (sw == 1) {
                copy_floats(dst + (<usize>lo << 2), srow + (<usize>(lo + off) << 2), hi - lo);
              } else {
                let ox = lo;
                if (sw == 2) {
                  // Stride 2: two 4-wide loads, their even lanes. A scalar row copy
                  // left a 1×1 stride-2 conv's gather bound by memory latency
                  // (ResNet-18's 16×16 downsample: 4.7 ms of a 10.7 ms forward
                  // pass); this one keeps 4 times as many lines in flight.
                  for (; stride2Group(ox, hi, off, w); ox += 4) {
                    const sp = srow + (<usize>((ox << 1) + off) << 2);
                    v128.store(dst + (<usize>ox << 2), v128.shuffle<i32>(v128.load(sp), v128.load(sp, 16), 0, 2, 4, 6));
                  }
                }
                for (; ox < hi; ox++) {
                  store<f32>(dst + (<usize>ox << 2), load<f32>(srow + (<usize>(ox * sw + off) << 2)));
                }
              }
              if (hi < ow) zero_floats(dst + (<usize>hi << 2), ow - hi);
            }
            dst += <usize>ow << 2;
          }
        }
        row += ncol << 2;
      }
    }
  }
}

/**
 * The adjoint of im2col: dx[s, c0 + ci, iy, ix] += Σ col entries that im2col
 * read from there, for the same geometry. dx must be zeroed by the caller for
 * the channels it covers; summation runs over rows r ascending (fixed order).
 * Rows are `rowFloats` floats apart (samples·OHW for a whole chunk).
 */
export function col2im(
  col: usize, c: i32, h: i32, w: i32, c0: i32, cn: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh: i32, ow: i32, samples: i32, dx: usize, rowFloats: i32,
): void {
  const ohw = oh * ow;
  const ncol = <usize>rowFloats;
  const plane = <usize>(h * w) << 2;
  const sampleBytes = <usize>c * plane;
  let row = col;
  for (let ci = 0; ci < cn; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const off = kj * dw - pw;
        let lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        let hi = w - off <= 0 ? 0 : (w - off + sw - 1) / sw;
        if (hi > ow) hi = ow;
        if (lo > hi) lo = hi;
        for (let s = 0; s < samples; s++) {
          const dstPlane = dx + <usize>s * sampleBytes + <usize>(c0 + ci) * plane;
          let src = row + (<usize>(s * ohw) << 2);
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + ki * dh;
            if (iy >= 0 && iy < h) {
              const drow = dstPlane + (<usize>(iy * w) << 2);
              if (sw == 1) {
                addRow(drow + (<usize>(lo + off) << 2), src + (<usize>lo << 2), hi - lo);
              } else {
                let ox = lo;
                if (sw == 2) {
                  // Stride 2, as im2col's gather: 4 columns spread onto the even lanes of 8
                  // floats. The odd lanes add +0, which leaves every value as it was:
                  // dx starts at +0, and a sum from +0 is never −0.
                  const z = f32x4.splat(0);
                  for (; stride2Group(ox, hi, off, w); ox += 4) {
                    const d = drow + (<usize>((ox << 1) + off) << 2), v = v128.load(src + (<usize>ox << 2));
                    v128.store(d, f32x4.add(v128.load(d), v128.shuffle<i32>(v, z, 0, 4, 1, 4)));
                    v128.store(d, f32x4.add(v128.load(d, 16), v128.shuffle<i32>(v, z, 2, 4, 3, 4)), 16);
                  }
                }
                for (; ox < hi; ox++) {
                  const d = drow + (<usize>(ox * sw + off) << 2);
                  store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
                }
              }
            }
            src += <usize>ow << 2;
          }
        }
        row += ncol << 2;
      }
    }
  }
}

// Whether stride-2 columns ox … ox + 3 (of those below hi) go as one group of
// 4: their 8 floats from input column 2·ox + off stay inside the row of w.
@inline function stride2Group(ox: i32, hi: i32, off: i32, w: i32): bool {
  return ox + 3 < hi && (ox << 1) + off + 7 < w;
}

// dst[i] += src[i], i < n (SIMD body, scalar tail; same f32 adds either way).
@inline function addRow(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
