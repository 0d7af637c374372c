// 2-D max / average pooling and global average pooling over NCHW f32 tensors,
// forward and backward, with PyTorch semantics (MaxPool2d, AvgPool2d with
// count_include_pad = true, AdaptiveAvgPool2d(1)). Tensors are viewed as
// `planes` = n·c independent h×w planes. Output sizes come from the host and
// are trusted; windows are clipped to the input, so ceil-mode sizes also work.
//
// Window of output (oy, ox): rows oy·sh − ph + [0, kh), columns ox·sw − pw +
// [0, kw); positions outside the input are padding (−∞ for max, 0 for avg).

import { sum } from "./reduce";
import { parallelRange, threadsFor, taskArgs } from "../parallel";

// Planes are independent: each exported kernel splits its planes over threads
// (the same serial code on a contiguous block of planes), at least this many
// floats per thread.
const POOL_MIN: i32 = 16384;

// kind: 0 maxpool forward, 1 maxpool backward, 2 avgpool forward, 3 avgpool backward, 4 gap forward, 5 gap backward.
// Arguments at p: 0 a (x or dy), 4 b (argmax), 8 out (y or dx), 12 planes, 16.. h w kh kw sh sw ph pw oh ow (i32).
function poolPar(kind: i32, a: usize, b: usize, out: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32): void {
  const nt = threadsFor(planes, (POOL_MIN + h * w - 1) / max(h * w, 1));
  const p = taskArgs();
  store<usize>(p, a); store<usize>(p + 4, b); store<usize>(p + 8, out); store<i32>(p + 12, kind);
  store<i32>(p + 16, h); store<i32>(p + 20, w); store<i32>(p + 24, kh); store<i32>(p + 28, kw); store<i32>(p + 32, sh);
  store<i32>(p + 36, sw); store<i32>(p + 40, ph); store<i32>(p + 44, pw); store<i32>(p + 48, oh); store<i32>(p + 52, ow);
  parallelRange(pool_range, planes, 1, nt, p);
}

function pool_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const kind = load<i32>(p + 12);
  const h = load<i32>(p + 16), w = load<i32>(p + 20), kh = load<i32>(p + 24), kw = load<i32>(p + 28), sh = load<i32>(p + 32);
  const sw = load<i32>(p + 36), ph = load<i32>(p + 40), pw = load<i32>(p + 44), oh = load<i32>(p + 48), ow = load<i32>(p + 52);
  const inB = <usize>lo * (<usize>(h * w) << 2), outB = <usize>lo * (<usize>(oh * ow) << 2);
  const a = load<usize>(p), b = load<usize>(p + 4), out = load<usize>(p + 8), n = hi - lo;
  if (kind == 0) maxpoolForward(a + inB, n, h, w, kh, kw, sh, sw, ph, pw, oh, ow, out + outB, b + outB);
  else if (kind == 1) maxpoolBackward(a + outB, b + outB, n, h * w, oh * ow, out + inB);
  else if (kind == 2) avgpoolForward(a + inB, n, h, w, kh, kw, sh, sw, ph, pw, oh, ow, out + outB);
  else if (kind == 3) avgpoolBackward(a + outB, n, h, w, kh, kw, sh, sw, ph, pw, oh, ow, out + inB);
  else if (kind == 4) gapForward(a + inB, n, h * w, out + (<usize>lo << 2));
  else gapBackward(a + (<usize>lo << 2), n, h * w, out + inB);
}

export function maxpool_forward(x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, y: usize, argmax_i32: usize): void {
  if (planes <= 0 || oh <= 0 || ow <= 0) return;
  poolPar(0, x, argmax_i32, y, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
}

/** hw_in, hw_out: the plane sizes (h·w, oh·ow). */
export function maxpool_backward(dy: usize, argmax_i32: usize, planes: i32, hw_in: i32, hw_out: i32, dx: usize): void {
  if (planes <= 0 || hw_in <= 0) return;
  poolPar(1, dy, argmax_i32, dx, planes, hw_in, 1, 0, 0, 0, 0, 0, 0, hw_out, 1);
}

export function avgpool_forward(x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, y: usize): void {
  if (planes <= 0 || oh <= 0 || ow <= 0) return;
  poolPar(2, x, 0, y, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
}

export function avgpool_backward(dy: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, dx: usize): void {
  if (planes <= 0 || h <= 0 || w <= 0) return;
  poolPar(3, dy, 0, dx, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
}

export function gap_forward(x: usize, planes: i32, hw: i32, y: usize): void {
  if (planes <= 0 || hw <= 0) return;
  poolPar(4, x, 0, y, planes, hw, 1, 0, 0, 0, 0, 0, 0, 1, 1);
}

export function gap_backward(dy: usize, planes: i32, hw: i32, dx: usize): void {
  if (planes <= 0 || hw <= 0) return;
  poolPar(5, dy, 0, dx, planes, hw, 1, 0, 0, 0, 0, 0, 0, 1, 1);
}

// ---------------------------------------------------------------------------
// Max pooling

// Generic window scan over one plane, PyTorch's rule: start at −∞ with the
// index of the window's first in-range element, then in row-major order take
// v when v > max or v is NaN (so ties keep the first max, a NaN wins).
function maxpool_plane(
  xp: usize, yp: usize, ap: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32,
): void {
  for (let oy = 0; oy < oh; oy++) {
    const hs = oy * sh - ph;
    const y0 = max(hs, 0);
    const y1 = min(hs + kh, h);
    for (let ox = 0; ox < ow; ox++) {
      const ws = ox * sw - pw;
      const x0 = max(ws, 0);
      const x1 = min(ws + kw, w);
      let best: f32 = -Infinity;
      let bi: i32 = -1;
      if (y0 < y1 && x0 < x1) {
        bi = y0 * w + x0;
        for (let iy = y0; iy < y1; iy++) {
          const row = xp + (<usize>(iy * w) << 2);
          for (let ix = x0; ix < x1; ix++) {
            const v = load<f32>(row + (<usize>ix << 2));
            if (v > best || v != v) {
              best = v;
              bi = iy * w + ix;
            }
          }
        }
      }
      const o = <usize>(oy * ow + ox) << 2;
      store<f32>(yp + o, best);
      store<i32>(ap + o, bi);
    }
  }
}

// The 2×2 stride-2 unpadded case (needs 2·oh ≤ h, 2·ow ≤ w): four outputs per
// step; the candidates (0,0), (0,1), (1,0), (1,1) of each window are
// de-interleaved from two 8-float loads per input row and merged in that
// order with the same rule as maxpool_plane (identical results). Measured
// about 7× faster than the generic scan (256 planes of 32×32, node 20).
function maxpool2x2_s2_plane(xp: usize, yp: usize, ap: usize, w: i32, oh: i32, ow: i32): void {
  const rb = <usize>w << 2;
  const offB = i32x4.splat(1);
  const offC = i32x4.splat(w);
  const offD = i32x4.splat(w + 1);
  for (let oy = 0; oy < oh; oy++) {
    const r0 = xp + <usize>(2 * oy) * rb;
    const r1 = r0 + rb;
    const rowIdx = 2 * oy * w;
    const yr = yp + (<usize>(oy * ow) << 2);
    const ar = ap + (<usize>(oy * ow) << 2);
    let ox = 0;
    for (; ox + 4 <= ow; ox += 4) max4(r0, r1, yr, ar, ox, rowIdx, offB, offC, offD);
    if (ox == ow) continue;
    // A ragged row of 4 or more: one more group ending at the row's end (it
    // recomputes up to 3 outputs, with the same values). Narrower rows (7×7,
    // 3×3 planes) take one group on the lanes they have. Not scalar code: its
    // compares are coin flips a branch predictor loses, and V8 turns an f32
    // select into a branch too (7×7 planes: 17 ns an output, against 1 for
    // a group's).
    if (ow >= 4) max4(r0, r1, yr, ar, ow - 4, rowIdx, offB, offC, offD);
    else maxNarrow(r0, r1, yr, ar, ow, rowIdx, offB, offC, offD);
  }
}

// Outputs ox … ox + 3 of one output row (input rows r0, r1; rowIdx the flat
// index of r0's first element).
// @ts-ignore: decorator
@inline function max4(r0: usize, r1: usize, yr: usize, ar: usize, ox: i32, rowIdx: i32, offB: v128, offC: v128, offD: v128): void {
  const p0 = r0 + (<usize>ox << 3);
  const p1 = r1 + (<usize>ox << 3);
  const ia = i32x4.add(i32x4.splat(rowIdx + 2 * ox), i32x4(0, 2, 4, 6));
  const y = yr + (<usize>ox << 2), a = ar + (<usize>ox << 2);
  merge4(v128.load(p0), v128.load(p0, 16), v128.load(p1), v128.load(p1, 16), ia, offB, offC, offD, y, a, 4);
}

// A whole row of ow < 4 outputs: loads only its 2·ow floats of each input
// row, stores only its ow outputs.
function maxNarrow(r0: usize, r1: usize, yr: usize, ar: usize, ow: i32, rowIdx: i32, offB: v128, offC: v128, offD: v128): void {
  const ia = i32x4.add(i32x4.splat(rowIdx), i32x4(0, 2, 4, 6));
  let u0 = v128.load64_zero(r0), l0 = v128.load64_zero(r1), u1 = f32x4.splat(0), l1 = u1;
  if (ow > 1) { u0 = v128.load(r0); l0 = v128.load(r1); }
  if (ow > 2) { u1 = v128.load64_zero(r0, 16); l1 = v128.load64_zero(r1, 16); }
  merge4(u0, u1, l0, l1, ia, offB, offC, offD, yr, ar, ow);
}

// The window rule on four windows, de-interleaved from their rows' floats
// (u0 u1: upper row, l0 l1: lower); ia: the flat index of each window's
// first element. Stores the first n (1…4) outputs at y and a.
// @ts-ignore: decorator
@inline function merge4(u0: v128, u1: v128, l0: v128, l1: v128, ia: v128, offB: v128, offC: v128, offD: v128, y: usize, a: usize, n: i32): void {
  let m = i32x4.shuffle(u0, u1, 0, 2, 4, 6);
  const b = i32x4.shuffle(u0, u1, 1, 3, 5, 7);
  const c = i32x4.shuffle(l0, l1, 0, 2, 4, 6);
  const d = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  let im = ia;
  let u = v128.or(f32x4.gt(b, m), f32x4.ne(b, b));
  m = v128.bitselect(b, m, u);
  im = v128.bitselect(i32x4.add(ia, offB), im, u);
  u = v128.or(f32x4.gt(c, m), f32x4.ne(c, c));
  m = v128.bitselect(c, m, u);
  im = v128.bitselect(i32x4.add(ia, offC), im, u);
  u = v128.or(f32x4.gt(d, m), f32x4.ne(d, d));
  m = v128.bitselect(d, m, u);
  im = v128.bitselect(i32x4.add(ia, offD), im, u);
  if (n == 4) { v128.store(y, m); v128.store(a, im); return; }
  if (n == 1) { v128.store32_lane(y, m, 0); v128.store32_lane(a, im, 0); return; }
  v128.store64_lane(y, m, 0); v128.store64_lane(a, im, 0);
  if (n == 3) { v128.store32_lane(y, m, 2, 8); v128.store32_lane(a, im, 2, 8); }
}

/**
 * Max pooling forward, padding = −∞. x is [planes, h, w], y and argmax_i32 are
 * [planes, oh, ow] (both overwritten). y = max over the window; argmax = flat
 * index iy·w + ix within the input plane of the element taken, scanning the
 * window row-major and taking v when v > max or v is NaN (first max wins on
 * ties, NaN propagates; PyTorch's CPU rule). A window with no in-range element
 * (only possible with untrusted sizes) gives y = −∞, argmax = −1. The 2×2
 * stride-2 unpadded case runs a SIMD path with identical results.
 */
function maxpoolForward(
  x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, y: usize, argmax_i32: usize,
): void {
  if (planes <= 0 || oh <= 0 || ow <= 0) return;
  const inB = <usize>(h * w) << 2;
  const outB = <usize>(oh * ow) << 2;
  const fast = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && 2 * oh <= h && 2 * ow <= w;
  for (let p = 0; p < planes; p++) {
    const xp = x + <usize>p * inB;
    const yp = y + <usize>p * outB;
    const ap = argmax_i32 + <usize>p * outB;
    if (fast) maxpool2x2_s2_plane(xp, yp, ap, w, oh, ow);
    else maxpool_plane(xp, yp, ap, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
  }
}

/**
 * Max pooling backward: dx (planes·hw_in values) is OVERWRITTEN with zeros,
 * then dx[p, argmax[p, o]] += dy[p, o] for o = 0..hw_out−1 in order (f32;
 * entries with argmax < 0 are skipped). dx must not alias dy or argmax.
 */
function maxpoolBackward(
  dy: usize, argmax_i32: usize, planes: i32, hw_in: i32, hw_out: i32, dx: usize,
): void {
  if (planes <= 0 || hw_in <= 0) return;
  memory.fill(dx, 0, <usize>planes * (<usize>hw_in << 2));
  if (hw_out <= 0) return;
  const inB = <usize>hw_in << 2;
  const outB = <usize>hw_out << 2;
  for (let p = 0; p < planes; p++) {
    const dp = dx + <usize>p * inB;
    const gp = dy + <usize>p * outB;
    const ap = argmax_i32 + <usize>p * outB;
    for (let o: usize = 0; o < outB; o += 4) {
      const i = load<i32>(ap + o);
      if (i >= 0) {
        const q = dp + (<usize>i << 2);
        store<f32>(q, load<f32>(q) + load<f32>(gp + o));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Average pooling (count_include_pad = true)

// PyTorch's divisor with count_include_pad: the window clipped to the padded
// input, (min(hs + kh, h + ph) − hs)·(min(ws + kw, w + pw) − ws); kh·kw
// whenever the output size was computed in floor mode.
// @ts-ignore: decorator
@inline function avg_divisor(hs: i32, ws: i32, h: i32, w: i32, kh: i32, kw: i32, ph: i32, pw: i32): i32 {
  return (min(hs + kh, h + ph) - hs) * (min(ws + kw, w + pw) - ws);
}

/**
 * Average pooling forward, count_include_pad = true: y[p, oy, ox] = (Σ of the
 * in-range window elements, f32, row-major order from +0) / d with d the
 * divisor above (padding counts as 0 but is included in d). y overwritten.
 */
function avgpoolForward(
  x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, y: usize,
): void {
  if (planes <= 0 || oh <= 0 || ow <= 0) return;
  const inB = <usize>(h * w) << 2;
  const outB = <usize>(oh * ow) << 2;
  for (let p = 0; p < planes; p++) {
    const xp = x + <usize>p * inB;
    const yp = y + <usize>p * outB;
    for (let oy = 0; oy < oh; oy++) {
      const hs = oy * sh - ph;
      const y0 = max(hs, 0);
      const y1 = min(hs + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ws = ox * sw - pw;
        const x0 = max(ws, 0);
        const x1 = min(ws + kw, w);
        let s: f32 = 0;
        for (let iy = y0; iy < y1; iy++) {
          const row = xp + (<usize>(iy * w) << 2);
          for (let ix = x0; ix < x1; ix++) s += load<f32>(row + (<usize>ix << 2));
        }
        store<f32>(yp + (<usize>(oy * ow + ox) << 2), s / <f32>avg_divisor(hs, ws, h, w, kh, kw, ph, pw));
      }
    }
  }
}

/**
 * Average pooling backward: dx OVERWRITTEN with zeros, then for each output in
 * row-major order g = dy[p, oy, ox] / d (f32) is added to every in-range
 * element of its window (row-major). dx must not alias dy.
 */
function avgpoolBackward(
  dy: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, dx: usize,
): void {
  if (planes <= 0 || h <= 0 || w <= 0) return;
  const inB = <usize>(h * w) << 2;
  const outB = <usize>(oh * ow) << 2;
  memory.fill(dx, 0, <usize>planes * inB);
  if (oh <= 0 || ow <= 0) return;
  for (let p = 0; p < planes; p++) {
    const dp = dx + <usize>p * inB;
    const gp = dy + <usize>p * outB;
    for (let oy = 0; oy < oh; oy++) {
      const hs = oy * sh - ph;
      const y0 = max(hs, 0);
      const y1 = min(hs + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ws = ox * sw - pw;
        const x0 = max(ws, 0);
        const x1 = min(ws + kw, w);
        const g = load<f32>(gp + (<usize>(oy * ow + ox) << 2)) / <f32>avg_divisor(hs, ws, h, w, kh, kw, ph, pw);
        for (let iy = y0; iy < y1; iy++) {
          const row = dp + (<usize>(iy * w) << 2);
          for (let ix = x0; ix < x1; ix++) {
            const q = row + (<usize>ix << 2);
            store<f32>(q, load<f32>(q) + g);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Global average pooling

/**
 * y[p] = f32(Σ x[p, :] / hw) for p < planes, the sum in f64 in reduce.ts `sum`
 * order. y overwritten (y must not overlap x).
 */
function gapForward(x: usize, planes: i32, hw: i32, y: usize): void {
  if (planes <= 0 || hw <= 0) return;
  const inB = <usize>hw << 2;
  for (let p = 0; p < planes; p++) {
    store<f32>(y + (<usize>p << 2), <f32>(sum(x + <usize>p * inB, hw) / <f64>hw));
  }
}

/** dx[p, i] = f32(dy[p] / hw) for i < hw (dx overwritten; must not overlap dy). */
function gapBackward(dy: usize, planes: i32, hw: i32, dx: usize): void {
  if (planes <= 0 || hw <= 0) return;
  const inB = <usize>hw << 2;
  const n4 = <usize>(hw & ~3) << 2;
  for (let p = 0; p < planes; p++) {
    const g = <f32>(<f64>load<f32>(dy + (<usize>p << 2)) / <f64>hw);
    const gv = f32x4.splat(g);
    const dp = dx + <usize>p * inB;
    let o: usize = 0;
    for (; o < n4; o += 16) v128.store(dp + o, gv);
    for (; o < inB; o += 4) store<f32>(dp + o, g);
  }
}
