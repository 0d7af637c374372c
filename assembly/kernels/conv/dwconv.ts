// Direct depthwise 2-D convolution (groups = channels, channel multiplier 1,
// no bias) over NCHW f32 tensors, forward and both backward passes. Depthwise
// layers are memory-bound with tiny filters, so no im2col/GEMM: each plane is
// convolved directly, 4 output columns per f32x4 in the interior (stride 1
// and 2; 3×3 undilated has dedicated micro-kernels), scalar at the borders.
//
// Every export takes the same geometry, in this order:
//   n, c, h, wd   input [n, c, h, wd]
//   kh, kw        filter size; weights [c, 1, kh, kw] (PyTorch layout)
//   sh, sw        stride (≥ 1)      ph, pw  zero padding (≥ 0)
//   dh, dw        dilation (≥ 1)    oh, ow  output size, computed by the host:
//                 oh = ⌊(h + 2ph − dh(kh − 1) − 1)/sh⌋ + 1 (likewise ow); trusted.
// Output [n, c, oh, ow]. Tap (ky, kx) of output (oy, ox) reads input
// (oy·sh − ph + ky·dh, ox·sw − pw + kx·dw); taps outside the input are skipped
// (zero padding). All sums are f32 from +0 in the order each export states
// (no FMA), identical between the SIMD and scalar paths. Outputs must not
// overlap inputs.
import { parallelRange, threadsFor, taskArgs, ensureThreadBuffers, threadBuffer } from "../../parallel";
import { gcd } from "../../math";
import { copy_floats, zero_floats } from "../copy";
import { lanesFit, LANES_BYTES, forwardLanes, dgradLanes, wgradLanes } from "./dwconv_lanes";
import { dgrad_4x4s2p1, forward_4x4s2p1 } from "./dwconv_4x4s2p1";
import { wgrad_small, wgradSmallFits } from "./dwconv_wgrad_small";

// Smallest o ≥ 0 with o·s + off ≥ 0.
// @ts-ignore: decorator
@inline function out_lo(off: i32, s: i32): i32 {
  return off >= 0 ? 0 : (s - 1 - off) / s;
}

// One past the largest o < lim with o·s + off ≤ size − 1 (0 if none).
// @ts-ignore: decorator
@inline function out_hi(off: i32, s: i32, size: i32, lim: i32): i32 {
  return off > size - 1 ? 0 : min(lim, (size - 1 - off) / s + 1);
}

// Even lanes of the 8 floats at p: p[0], p[2], p[4], p[6] (reads p[0..7]).
// @ts-ignore: decorator
@inline function load_even(p: usize): v128 {
  return i32x4.shuffle(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

// ---------------------------------------------------------------------------
// Plane correlation shared by the forward pass and the stride-1 input gradient:
//   out[oy, ox] = Σ_{a<kh} Σ_{b<kw} in[oy·sh − ph + a·dh, ox·sw − pw + b·dw] · k(a, b)
// over in-range taps, summed in (a, b) row-major order, with
// k(a, b) = wp[a·kw + b], or wp[(kh−1−a)·kw + (kw−1−b)] when flip (kernel
// rotated by 180°). ph, pw may be negative here.

// acc + a·k0 + b·k1 + c·k2, added in that order (one row of three taps).
// @ts-ignore: decorator
@inline function mac3(acc: v128, a: v128, b: v128, c: v128, k0: v128, k1: v128, k2: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.add(acc, f32x4.mul(a, k0)), f32x4.mul(b, k1)), f32x4.mul(c, k2));
}

// mac3 over the stride-1 taps of the row at r: r[0..3], r[1..4], r[2..5].
// @ts-ignore: decorator
@inline function mac3_s1(acc: v128, r: usize, k0: v128, k1: v128, k2: v128): v128 {
  return mac3(acc, v128.load(r), v128.load(r, 4), v128.load(r, 8), k0, k1, k2);
}

// mac3 over the stride-2 taps of the row at r: three loads, A = r[0..3],
// B = r[4..7], C = splat r[8]; taps 0, 1, 2 are lanes (0,2,4,6), (1,3,5,7) of
// A:B and (2,4,6,8) = tap 0 shifted.
// @ts-ignore: decorator
@inline function mac3_s2(acc: v128, r: usize, k0: v128, k1: v128, k2: v128): v128 {
  const a = v128.load(r), b = v128.load(r, 16), c = v128.load32_splat(r, 32);
  const t0 = i32x4.shuffle(a, b, 0, 2, 4, 6);
  return mac3(acc, t0, i32x4.shuffle(a, b, 1, 3, 5, 7), i32x4.shuffle(t0, c, 1, 2, 3, 4), k0, k1, k2);
}

// The nine taps of output group ox at r (its first input column in the top
// row; rows p bytes apart), stride s = 1 or 2, added in (a, b) order from +0.
// @ts-ignore: decorator
@inline function mac9(r: usize, p: usize, s: i32, k00: v128, k01: v128, k02: v128, k10: v128, k11: v128, k12: v128, k20: v128, k21: v128, k22: v128): v128 {
  const z = f32x4.splat(0);
  if (s == 1) return mac3_s1(mac3_s1(mac3_s1(z, r, k00, k01, k02), r + p, k10, k11, k12), r + 2 * p, k20, k21, k22);
  return mac3_s2(mac3_s2(mac3_s2(z, r, k00, k01, k02), r + p, k10, k11, k12), r + 2 * p, k20, k21, k22);
}

// 3×3 undilated, stride s (1 or 2), all three rows (r0, p bytes apart) in
// range: outputs ox..ox+3 for ox = ox, ox + 4, … ≤ oxv; returns the first ox
// not done. kab is tap k(a, b) splatted to 4 lanes, loaded once per plane by
// the caller.
// @ts-ignore: decorator
@inline function dwconv3x3_row(r0: usize, p: usize, s: i32, k00: v128, k01: v128, k02: v128, k10: v128, k11: v128, k12: v128, k20: v128, k21: v128, k22: v128, yr: usize, ox: i32, oxv: i32, pw: i32): i32 {
  for (; ox <= oxv; ox += 4) v128.store(yr + (<usize>ox << 2), mac9(r0 + (<usize>(s * ox - pw) << 2), p, s, k00, k01, k02, k10, k11, k12, k20, k21, k22));
  return ox;
}

// Two output rows at once (the second's window starts s rows lower; yr2 its
// output row): the same sums as two dwconv3x3_row calls, with two independent
// chains of nine adds per step instead of one (one 4-wide group per row on
// 4×4 maps left the adds waiting on each other).
// @ts-ignore: decorator
@inline function dwconv3x3_row2(r0: usize, p: usize, s: i32, k00: v128, k01: v128, k02: v128, k10: v128, k11: v128, k12: v128, k20: v128, k21: v128, k22: v128, yr: usize, yr2: usize, oxv: i32): void {
  const r1 = r0 + <usize>s * p;
  for (let ox = 0; ox <= oxv; ox += 4) {
    const o = <usize>(s * ox) << 2;
    const acc = mac9(r0 + o, p, s, k00, k01, k02, k10, k11, k12, k20, k21, k22);
    const acd = mac9(r1 + o, p, s, k00, k01, k02, k10, k11, k12, k20, k21, k22);
    v128.store(yr + (<usize>ox << 2), acc);
    v128.store(yr2 + (<usize>ox << 2), acd);
  }
}

// The same sums when rows are known to be all zeros (dy spread for a
// stride-2 input gradient fills every other row): the zero rows' terms are
// left out. acc starts at +0 and is never −0, so adding a ±0 product leaves
// it unchanged: the bits equal dwconv3x3_row's for finite taps.
// @ts-ignore: decorator
@inline function dwconv3x3_s1_rows02(
  r0: usize, r2: usize, k00: v128, k01: v128, k02: v128, k20: v128, k21: v128, k22: v128, yr: usize, oxv: i32,
): void {
  for (let ox = 0; ox <= oxv; ox += 4) {
    const o = <usize>ox << 2;
    v128.store(yr + o, mac3_s1(mac3_s1(f32x4.splat(0), r0 + o, k00, k01, k02), r2 + o, k20, k21, k22));
  }
}

// @ts-ignore: decorator
@inline function dwconv3x3_s1_rows1(r1: usize, k10: v128, k11: v128, k12: v128, yr: usize, oxv: i32): void {
  for (let ox = 0; ox <= oxv; ox += 4) {
    const o = <usize>ox << 2;
    v128.store(yr + o, mac3_s1(f32x4.splat(0), r1 + o, k10, k11, k12));
  }
}

// A stride-2 input gradient's row pair (see corr3_padded): one output row from
// rows a0, a2 of its window (taps k0*, k2*), the other from row b1 (taps k1*);
// the same sums as dwconv3x3_s1_rows02 and dwconv3x3_s1_rows1, interleaved.
// @ts-ignore: decorator
@inline function dwconv3x3_s1_rows02_1(
  a0: usize, a2: usize, b1: usize, k00: v128, k01: v128, k02: v128, k10: v128, k11: v128, k12: v128, k20: v128, k21: v128, k22: v128,
  ya: usize, yb: usize, oxv: i32,
): void {
  for (let ox = 0; ox <= oxv; ox += 4) {
    const o = <usize>ox << 2;
    const z = f32x4.splat(0);
    v128.store(ya + o, mac3_s1(mac3_s1(z, a0 + o, k00, k01, k02), a2 + o, k20, k21, k22));
    v128.store(yb + o, mac3_s1(z, b1 + o, k10, k11, k12));
  }
}

// One plane of the correlation (see above). w0 = address of k(0, 0),
// wstep = ±4 bytes per (a·kw + b) (−4 as a wrapped usize).
function corr_plane(
  ip: usize, w0: usize, wstep: usize, op: usize, h: i32, wd: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  const rowB = <usize>wd << 2;
  // Vector groups ox..ox+3 need every tap column ≥ 0 (ox ≥ oxLo) and the last
  // byte read ≤ wd − 1 (ox ≤ oxV); stride-2 loads read one column further.
  const oxLo = min(out_lo(-pw, sw), ow);
  let oxV = -1;
  if (sw <= 2) {
    const lim = wd - 1 - (sw - 1) - (kw - 1) * dw + pw; // (ox + 3)·sw ≤ lim
    if (lim >= 3 * sw) oxV = min(lim / sw - 3, ow - 4);
  }
  const is3 = kh == 3 && kw == 3 && dh == 1 && dw == 1;
  // The 3×3 taps splatted once per plane; another kernel has fewer than nine
  // taps, so its (unused) splats read a static zero instead of past its weights.
  const t0 = is3 ? w0 : memory.data(4), ts: usize = is3 ? wstep : 0;
  const k00 = v128.load32_splat(t0), k01 = v128.load32_splat(t0 + ts), k02 = v128.load32_splat(t0 + 2 * ts);
  const k10 = v128.load32_splat(t0 + 3 * ts), k11 = v128.load32_splat(t0 + 4 * ts);
  const k12 = v128.load32_splat(t0 + 5 * ts), k20 = v128.load32_splat(t0 + 6 * ts);
  const k21 = v128.load32_splat(t0 + 7 * ts), k22 = v128.load32_splat(t0 + 8 * ts);
  for (let oy = 0; oy < oh; oy++) {
    const iy0 = oy * sh - ph;
    const a0 = out_lo(iy0, dh);
    const a1 = out_hi(iy0, dh, h, kh);
    const yr = op + (<usize>(oy * ow) << 2);
    let ox = 0;
    for (; ox < oxLo; ox++) store<f32>(yr + (<usize>ox << 2), corr_point(ip, w0, wstep, wd, kw, iy0, a0, a1, dh, ox * sw - pw, dw));
    if (ox <= oxV) {
      if (is3 && a0 == 0 && a1 == 3) {
        const r0 = ip + <usize>iy0 * rowB;
        ox = dwconv3x3_row(r0, rowB, sw, k00, k01, k02, k10, k11, k12, k20, k21, k22, yr, ox, oxV, pw);
      } else if (sw == 1) {
        for (; ox <= oxV; ox += 4) {
          let acc = f32x4.splat(0);
          for (let a = a0; a < a1; a++) {
            const row = ip + <usize>(iy0 + a * dh) * rowB + (<usize>(ox - pw) << 2);
            const wa = w0 + <usize>(a * kw) * wstep;
            for (let b = 0; b < kw; b++) {
              acc = f32x4.add(acc, f32x4.mul(v128.load(row + (<usize>(b * dw) << 2)), v128.load32_splat(wa + <usize>b * wstep)));
            }
          }
          v128.store(yr + (<usize>ox << 2), acc);
        }
      } else {
        for (; ox <= oxV; ox += 4) {
          let acc = f32x4.splat(0);
          for (let a = a0; a < a1; a++) {
            const row = ip + <usize>(iy0 + a * dh) * rowB + (<usize>(2 * ox - pw) << 2);
            const wa = w0 + <usize>(a * kw) * wstep;
            for (let b = 0; b < kw; b++) {
              acc = f32x4.add(acc, f32x4.mul(load_even(row + (<usize>(b * dw) << 2)), v128.load32_splat(wa + <usize>b * wstep)));
            }
          }
          v128.store(yr + (<usize>ox << 2), acc);
        }
      }
    }
    for (; ox < ow; ox++) store<f32>(yr + (<usize>ox << 2), corr_point(ip, w0, wstep, wd, kw, iy0, a0, a1, dh, ox * sw - pw, dw));
  }
}

// One output of the correlation: rows a0..a1−1 are in range; columns clipped here.
// @ts-ignore: decorator
@inline function corr_point(
  ip: usize, w0: usize, wstep: usize, wd: i32, kw: i32, iy0: i32, a0: i32, a1: i32, dh: i32, ix0: i32, dw: i32,
): f32 {
  const b0 = out_lo(ix0, dw);
  const b1 = out_hi(ix0, dw, wd, kw);
  let acc: f32 = 0;
  for (let a = a0; a < a1; a++) {
    const row = ip + (<usize>((iy0 + a * dh) * wd + ix0) << 2);
    const wa = w0 + <usize>(a * kw) * wstep;
    for (let b = b0; b < b1; b++) acc += load<f32>(row + (<usize>(b * dw) << 2)) * load<f32>(wa + <usize>b * wstep);
  }
  return acc;
}

// ---------------------------------------------------------------------------
// 3×3 undilated planes through a zero-padded copy (small maps). On 2×2 to 8×8
// maps most outputs touch the border, where the kernels above fall back to
// scalar code; copying the plane into a zero-filled buffer with the padding
// (and room for the last 4-wide group) lets every output take the 4-wide row
// kernels. A tap in the padding adds 0·w, which is +0 or −0 and leaves the
// sum unchanged (a sum started at +0 is never −0), so the bits are those of
// skipping it; only an infinite or NaN weight could tell, as in PyTorch,
// which multiplies the padding too.

/** Maps at most this wide go through the padded copy (wider: the kernels above, without the copy buffer). */
const PAD_MAX_WIDTH: i32 = 512;

@inline function padded3(kh: i32, kw: i32, dh: i32, dw: i32, sh: i32, sw: i32, ph: i32, pw: i32, wd: i32): bool {
  return kh == 3 && kw == 3 && dh == 1 && dw == 1 && sh == sw && sh <= 2 && ph >= 0 && pw >= 0 && ph <= 2 && pw <= 2 && wd <= PAD_MAX_WIDTH;
}

// Row pitch of a padded plane: the image with its padding, and every column
// the row kernels read for the last 4-wide output group.
@inline function padPitch(iw: i32, pw: i32, ow: i32, s: i32): i32 {
  const ow4 = (ow + 3) & ~3;
  return max(iw + 2 * pw, s == 1 ? ow4 + 2 : 2 * ow4 + 1);
}

/** Bytes of work buffer a padded plane needs: the padded input and one 4-wide output row. */
export function dwPadBytes(ih: i32, iw: i32, ph: i32, pw: i32, oh: i32, ow: i32, s: i32): usize {
  const hp = max(ih + 2 * ph, (oh - 1) * s + 3);
  return (<usize>(hp * padPitch(iw, pw, ow, s)) + <usize>((ow + 3) & ~3)) << 2;
}

// out (oh × ow) = the 3×3 correlation, stride s, of the padded plane P (pitch
// wp floats), taps k(a, b) = w0 + (3a + b)·wstep, through the row kernels
// above; an output row whose last 4-wide group runs past ow goes through the
// scratch row `row`. q ≥ 0 (stride 1 only): rows of P whose parity is not q
// are all zeros (dy spread for a stride-2 input gradient), so each output row
// takes rows 0 and 2 of its window or row 1 alone; the same bits.
function corr3_padded(P: usize, wp: i32, s: i32, w0: usize, wstep: usize, op: usize, oh: i32, ow: i32, row: usize, q: i32): void {
  const pitch = <usize>wp << 2;
  const owB = <usize>ow << 2;
  const last = ((ow + 3) & ~3) - 4;
  const k00 = v128.load32_splat(w0), k01 = v128.load32_splat(w0 + wstep), k02 = v128.load32_splat(w0 + 2 * wstep);
  const k10 = v128.load32_splat(w0 + 3 * wstep), k11 = v128.load32_splat(w0 + 4 * wstep);
  const k12 = v128.load32_splat(w0 + 5 * wstep), k20 = v128.load32_splat(w0 + 6 * wstep);
  const k21 = v128.load32_splat(w0 + 7 * wstep), k22 = v128.load32_splat(w0 + 8 * wstep);
  const direct = (ow & 3) == 0;
  // Row pairs first where the output rows are stored in place.
  let oy = 0;
  if (direct) {
    for (; oy + 2 <= oh; oy += 2) {
      const r0 = P + <usize>(oy * s) * pitch, y0 = op + <usize>oy * owB, y1 = y0 + owB;
      if (q >= 0) {
        if ((oy & 1) == q) dwconv3x3_s1_rows02_1(r0, r0 + 2 * pitch, r0 + 2 * pitch, k00, k01, k02, k10, k11, k12, k20, k21, k22, y0, y1, last);
        else dwconv3x3_s1_rows02_1(r0 + pitch, r0 + 3 * pitch, r0 + pitch, k00, k01, k02, k10, k11, k12, k20, k21, k22, y1, y0, last);
      } else {
        dwconv3x3_row2(r0, pitch, s, k00, k01, k02, k10, k11, k12, k20, k21, k22, y0, y1, last);
      }
    }
  }
  for (; oy < oh; oy++) {
    const r0 = P + <usize>(oy * s) * pitch;
    const yr = direct ? op + <usize>oy * owB : row;
    if (q >= 0) {
      if ((oy & 1) == q) dwconv3x3_s1_rows02(r0, r0 + 2 * pitch, k00, k01, k02, k20, k21, k22, yr, last);
      else dwconv3x3_s1_rows1(r0 + pitch, k10, k11, k12, yr, last);
    } else dwconv3x3_row(r0, pitch, s, k00, k01, k02, k10, k11, k12, k20, k21, k22, yr, 0, last, 0);
    if (!direct) copy_floats(op + <usize>oy * owB, row, ow);
  }
}

// The plane ip (ih × iw) into the buffer P at row offset ph, column offset pw;
// the rest of P zero-filled when fresh (else still zero from the last plane of
// this geometry, which wrote the same positions).
function pad_plane(ip: usize, ih: i32, iw: i32, ph: i32, pw: i32, P: usize, hp: i32, wp: i32, fresh: bool): void {
  if (fresh) zero_floats(P, hp * wp);
  for (let iy = 0; iy < ih; iy++) copy_floats(P + (<usize>((iy + ph) * wp + pw) << 2), ip + (<usize>(iy * iw) << 2), iw);
}

// Forward of one plane through the padded copy (buffer `buf`, dwPadBytes).
function forward_padded(ip: usize, w0: usize, op: usize, h: i32, wd: i32, s: i32, ph: i32, pw: i32, oh: i32, ow: i32, buf: usize, fresh: bool): void {
  const hp = max(h + 2 * ph, (oh - 1) * s + 3), wp = padPitch(wd, pw, ow, s);
  pad_plane(ip, h, wd, ph, pw, buf, hp, wp, fresh);
  corr3_padded(buf, wp, s, w0, <usize>4, op, oh, ow, buf + (<usize>(hp * wp) << 2), -1);
}

// Input gradient of one plane through a padded copy of dy: for stride 1 the
// correlation of dy padded by 2 − p with the rotated kernel; for stride 2 the
// same of dy spread onto the even positions (zeros between), which puts the
// taps in the stated order (oy, ox increasing = ky, kx decreasing).
function dgrad_padded(gp: usize, w0: usize, dp: usize, h: i32, wd: i32, s: i32, ph: i32, pw: i32, oh: i32, ow: i32, buf: usize, fresh: bool): void {
  const hp = h + 2, wp = padPitch(wd + 2, 0, wd, 1);
  if (s == 1) {
    pad_plane(gp, oh, ow, 2 - ph, 2 - pw, buf, hp, wp, fresh);
    corr3_padded(buf, wp, 1, w0 + 32, <usize>-4, dp, h, wd, buf + (<usize>(hp * wp) << 2), -1);
  } else {
    if (fresh) zero_floats(buf, hp * wp);
    for (let oy = 0; oy < oh; oy++) {
      const u = 2 * oy + 2 - ph;
      if (u < 0 || u >= hp) continue;
      const dst = buf + (<usize>(u * wp) << 2), src = gp + (<usize>(oy * ow) << 2);
      let ox = 0;
      // Four dy values to [a 0 b 0 c 0 d 0] where all eight positions lie in the row.
      if (2 - pw >= 0) {
        const zero = f32x4.splat(0);
        for (; ox + 4 <= ow && 2 * ox + 9 - pw < wp; ox += 4) {
          const a = v128.load(src + (<usize>ox << 2));
          const d = dst + (<usize>(2 * ox + 2 - pw) << 2);
          v128.store(d, i8x16.shuffle(a, zero, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 16, 17, 18, 19));
          v128.store(d, i8x16.shuffle(a, zero, 8, 9, 10, 11, 16, 17, 18, 19, 12, 13, 14, 15, 16, 17, 18, 19), 16);
        }
      }
      for (; ox < ow; ox++) {
        const v = 2 * ox + 2 - pw;
        if (v >= 0 && v < wp) store<f32>(dst + (<usize>v << 2), load<f32>(src + (<usize>ox << 2)));
      }
    }
    // dy lands on rows u ≡ 2 − ph (mod 2); the others stay zero.
    corr3_padded(buf, wp, 1, w0 + 32, <usize>-4, dp, h, wd, buf + (<usize>(hp * wp) << 2), (2 - ph) & 1);
  }
}

/**
 * Forward: y[s, ch, oy, ox] = Σ_{ky<kh} Σ_{kx<kw} x[s, ch, oy·sh − ph + ky·dh,
 * ox·sw − pw + kx·dw] · w[ch, 0, ky, kx] over in-range taps, f32 from +0 in
 * (ky, kx) row-major order. y overwritten.
 */
function dwForward(
  x: usize, w: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, y: usize, buf: usize,
): void {
  if (n <= 0 || c <= 0 || oh <= 0 || ow <= 0) return;
  const inB = <usize>(h * wd) << 2;
  const outB = <usize>(oh * ow) << 2;
  const kB = <usize>(kh * kw) << 2;
  const pad = buf != 0 && padded3(kh, kw, dh, dw, sh, sw, ph, pw, wd);
  if (pad && sh == 2 && ph == 1 && pw == 1 && h == 4 && wd == 4) return forward_4x4s2p1(x, w, n, c, y);
  if (pad && lanesFit(h, wd, oh, ow)) return forwardLanes(x, w, n, c, h, wd, sh, ph, pw, oh, ow, y, buf);
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const p = <usize>(s * c + ch);
      if (pad) {
        forward_padded(x + p * inB, w + <usize>ch * kB, y + p * outB, h, wd, sh, ph, pw, oh, ow, buf, s == 0 && ch == 0);
        continue;
      }
      corr_plane(x + p * inB, w + <usize>ch * kB, <usize>4, y + p * outB, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    }
  }
}

// ---------------------------------------------------------------------------
// Input gradient

// Valid taps of the input gradient, per axis: k with t − k·d = o·s for some
// integer o (t = i + p). They are spaced by s/g (g = gcd(d, s)) and o rises by
// d/g per step down in k, so one search for the largest k and then stepping
// visits exactly the taps with no division in the loops.

// Largest k ≤ K − 1 with (t − k·d) divisible by s (step = s/g candidates
// suffice), or −1.
// @ts-ignore: decorator
@inline function top_tap(t: i32, K: i32, d: i32, s: i32, step: i32): i32 {
  const lo = max(0, K - step);
  for (let k = K - 1; k >= lo; k--) if ((t - k * d) % s == 0) return k;
  return -1;
}

// dx at input (iy, ix) of one plane: taps (ky, kx) with iy + ph − ky·dh =
// oy·sh, ix + pw − kx·dw = ox·sw, 0 ≤ oy < oh, 0 ≤ ox < ow; ky descending,
// then kx descending. sky/soy, skx/sox: the tap and output steps above.
function dgrad_point(
  gp: usize, wp: usize, iy: i32, ix: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, sky: i32, soy: i32, skx: i32, sox: i32,
): f32 {
  const ty = iy + ph;
  const tx = ix + pw;
  const kyTop = top_tap(ty, kh, dh, sh, sky);
  const kxTop = top_tap(tx, kw, dw, sw, skx);
  if (kyTop < 0 || kxTop < 0) return 0;
  const oxTop = (tx - kxTop * dw) / sw;
  let acc: f32 = 0;
  let oy = (ty - kyTop * dh) / sh;
  for (let ky = kyTop; ky >= 0 && oy < oh; ky -= sky, oy += soy) {
    if (oy < 0) continue;
    const row = gp + (<usize>(oy * ow) << 2);
    const wr = wp + (<usize>(ky * kw) << 2);
    let ox = oxTop;
    for (let kx = kxTop; kx >= 0 && ox < ow; kx -= skx, ox += sox) {
      if (ox >= 0) acc += load<f32>(row + (<usize>ox << 2)) * load<f32>(wr + (<usize>kx << 2));
    }
  }
  return acc;
}

// Stride 2 horizontally: the columns ix = 2j + r of residue r see the taps kx
// with r + pw − kx·dw even, at ox = j + (r + pw − kx·dw)/2, contiguous in j.
// Eight columns 2j..2j+7 per step: four of each residue, then interleaved.
function dgrad_plane_sw2(
  gp: usize, wp: usize, dp: usize, h: i32, wd: i32, kh: i32, kw: i32, sh: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  const gy = gcd(dh, sh);
  const sky = sh / gy, soy = dh / gy;
  // q = (r + pw − kx·dw) >> 1 over the parity-valid (r, kx); vector groups need
  // 0 ≤ j + q and j + 3 + q ≤ ow − 1 for all of them, and 2j + 7 ≤ wd − 1.
  let qmin = i32.MAX_VALUE;
  let qmax = i32.MIN_VALUE;
  for (let kx = 0; kx < kw; kx++) {
    const u = pw - kx * dw;
    const q = (u & 1) == 0 ? u >> 1 : (u + 1) >> 1;
    qmin = min(qmin, q);
    qmax = max(qmax, q);
  }
  const jLo = max(0, -qmin);
  const jV = min(ow - 4 - qmax, (wd - 8) >> 1);
  for (let iy = 0; iy < h; iy++) {
    const dr = dp + (<usize>(iy * wd) << 2);
    const ty = iy + ph;
    const kyTop = top_tap(ty, kh, dh, sh, sky);
    const oyTop = kyTop < 0 ? oh : (ty - kyTop * dh) / sh;
    let ix = 0;
    if (jLo <= jV) {
      for (; ix < 2 * jLo; ix++) store<f32>(dr + (<usize>ix << 2), dgrad_sw2_point(gp, wp, ix, kw, pw, dw, ow, kyTop, oyTop, sky, soy, oh));
      let j = jLo;
      for (; j <= jV; j += 4) {
        let e = f32x4.splat(0);
        let o = f32x4.splat(0);
        let oy = oyTop;
        for (let ky = kyTop; ky >= 0 && oy < oh; ky -= sky, oy += soy) {
          if (oy < 0) continue;
          const row = gp + (<usize>(oy * ow + j) << 2);
          const wr = wp + (<usize>(ky * kw) << 2);
          for (let kx = kw - 1; kx >= 0; kx--) {
            const u = pw - kx * dw;
            const wv = v128.load32_splat(wr + (<usize>kx << 2));
            if ((u & 1) == 0) e = f32x4.add(e, f32x4.mul(v128.load(row + (<usize>(u >> 1) << 2)), wv));
            else o = f32x4.add(o, f32x4.mul(v128.load(row + (<usize>((u + 1) >> 1) << 2)), wv));
          }
        }
        const q = dr + (<usize>(2 * j) << 2);
        v128.store(q, i32x4.shuffle(e, o, 0, 4, 1, 5));
        v128.store(q, i32x4.shuffle(e, o, 2, 6, 3, 7), 16);
      }
      ix = 2 * j;
    }
    for (; ix < wd; ix++) store<f32>(dr + (<usize>ix << 2), dgrad_sw2_point(gp, wp, ix, kw, pw, dw, ow, kyTop, oyTop, sky, soy, oh));
  }
}

// One column of dgrad_plane_sw2 (same taps and order, scalar): ix = 2j + r
// sees kx with r + pw − kx·dw even at ox = j + (r + pw − kx·dw)/2.
// @ts-ignore: decorator
@inline function dgrad_sw2_point(
  gp: usize, wp: usize, ix: i32, kw: i32, pw: i32, dw: i32, ow: i32,
  kyTop: i32, oyTop: i32, sky: i32, soy: i32, oh: i32,
): f32 {
  const j = ix >> 1;
  const r = ix & 1;
  let acc: f32 = 0;
  let oy = oyTop;
  for (let ky = kyTop; ky >= 0 && oy < oh; ky -= sky, oy += soy) {
    if (oy < 0) continue;
    const row = gp + (<usize>(oy * ow) << 2);
    const wr = wp + (<usize>(ky * kw) << 2);
    for (let kx = kw - 1; kx >= 0; kx--) {
      const u = r + pw - kx * dw;
      if ((u & 1) != 0) continue;
      const ox = j + (u >> 1);
      if (ox >= 0 && ox < ow) acc += load<f32>(row + (<usize>ox << 2)) * load<f32>(wr + (<usize>kx << 2));
    }
  }
  return acc;
}

/**
 * Input gradient: dx[s, ch, iy, ix] = Σ dy[s, ch, oy, ox] · w[ch, 0, ky, kx]
 * over the taps with iy = oy·sh − ph + ky·dh, ix = ox·sw − pw + kx·dw,
 * 0 ≤ oy < oh, 0 ≤ ox < ow; f32 from +0 in increasing (oy, ox) order, i.e. ky
 * descending, then kx descending. dx overwritten (every element written).
 * Stride 1 is the forward correlation of dy with the 180°-rotated filter and
 * padding (k − 1)·d − p; stride 2 in width is vectorised per column parity.
 */
function dwBackwardInput(
  dy: usize, w: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, dx: usize, buf: usize,
): void {
  if (n <= 0 || c <= 0 || h <= 0 || wd <= 0) return;
  const inB = <usize>(h * wd) << 2;
  const outB = <usize>(oh * ow) << 2;
  const kB = <usize>(kh * kw) << 2;
  const empty = oh <= 0 || ow <= 0;
  const gy = gcd(dh, sh), gx = gcd(dw, sw);
  const sky = sh / gy, soy = dh / gy, skx = sw / gx, sox = dw / gx;
  const pad = buf != 0 && padded3(kh, kw, dh, dw, sh, sw, ph, pw, wd);
  if (pad && sh == 2 && ph == 1 && pw == 1 && h == 4 && wd == 4) return dgrad_4x4s2p1(dy, w, n, c, dx);
  if (pad && !empty && lanesFit(h, wd, oh, ow)) return dgradLanes(dy, w, n, c, h, wd, sh, ph, pw, oh, ow, dx, buf);
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const p = <usize>(s * c + ch);
      const gp = dy + p * outB;
      const wp = w + <usize>ch * kB;
      const dp = dx + p * inB;
      if (empty) {
        memory.fill(dp, 0, inB);
      } else if (pad) {
        dgrad_padded(gp, wp, dp, h, wd, sh, ph, pw, oh, ow, buf, s == 0 && ch == 0);
      } else if (sh == 1 && sw == 1) {
        corr_plane(gp, wp + kB - 4, <usize>-4, dp, oh, ow, kh, kw, 1, 1,
          (kh - 1) * dh - ph, (kw - 1) * dw - pw, dh, dw, h, wd);
      } else if (sw == 2) {
        dgrad_plane_sw2(gp, wp, dp, h, wd, kh, kw, sh, ph, pw, dh, dw, oh, ow);
      } else {
        for (let iy = 0; iy < h; iy++) {
          for (let ix = 0; ix < wd; ix++) {
            store<f32>(dp + (<usize>(iy * wd + ix) << 2), dgrad_point(gp, wp, iy, ix, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, sky, soy, skx, sox));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Weight gradient

// The 3×3 undilated weight gradient with its nine f64 totals in locals: for
// each channel, samples and output rows outermost, every tap's row partial
// computed where its rows and columns are in range. Each tap still adds its
// partials in (s, oy) order, each partial formed exactly as in
// dwBackwardWeight below (same vector groups, same lanes, same tail), so the
// bits are the same; a row of dy and of x is loaded once for nine taps.

// One tap's row partial (see dwBackwardWeight): lanes over ox0…vEnd−1, scalar tail to ox1.
// @ts-ignore: decorator
@inline function wrow(gr: usize, xr: usize, ox0: i32, vEnd: i32, ox1: i32, offX: i32, sw: i32): f64 {
  let acc = f32x4.splat(0);
  let ox = ox0;
  if (sw == 1) {
    for (; ox < vEnd; ox += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(gr + (<usize>ox << 2)), v128.load(xr + (<usize>(ox + offX) << 2))));
  } else {
    for (; ox < vEnd; ox += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(gr + (<usize>ox << 2)), load_even(xr + (<usize>(2 * ox + offX) << 2))));
  }
  let t: f32 = 0;
  for (; ox < ox1; ox++) t += load<f32>(gr + (<usize>ox << 2)) * load<f32>(xr + (<usize>(ox * sw + offX) << 2));
  return ((<f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1)) +
    (<f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3))) + <f64>t;
}

// Where tap column kx's vector groups end (as dwBackwardWeight computes it).
// @ts-ignore: decorator
@inline function wVecEnd(ox0: i32, ox1: i32, offX: i32, sw: i32, wd: i32): i32 {
  if (sw == 1) return ox0 + ((max(ox1 - ox0, 0)) & ~3);
  const m = max(ox1 - ox0, 0);
  let g = m >> 2;
  if (g > 0 && 2 * (ox0 + 4 * g - 1) + offX + 1 > wd - 1) g--;
  return ox0 + 4 * g;
}

function dwWgrad3x3(
  dy: usize, x: usize, n: i32, c: i32, h: i32, wd: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, gw: usize, lo: i32, hi: i32,
): void {
  const inB = <usize>(h * wd) << 2, outB = <usize>(oh * ow) << 2, rowB = <usize>wd << 2;
  const oa0 = out_lo(-ph, sh), oa1 = out_hi(-ph, sh, h, oh);
  const ob0 = out_lo(1 - ph, sh), ob1 = out_hi(1 - ph, sh, h, oh);
  const oc0 = out_lo(2 - ph, sh), oc1 = out_hi(2 - ph, sh, h, oh);
  const x00 = out_lo(-pw, sw), x01 = out_hi(-pw, sw, wd, ow), v0 = wVecEnd(x00, x01, -pw, sw, wd);
  const x10 = out_lo(1 - pw, sw), x11 = out_hi(1 - pw, sw, wd, ow), v1 = wVecEnd(x10, x11, 1 - pw, sw, wd);
  const x20 = out_lo(2 - pw, sw), x21 = out_hi(2 - pw, sw, wd, ow), v2 = wVecEnd(x20, x21, 2 - pw, sw, wd);
  for (let ch = lo; ch < hi; ch++) {
    let t00: f64 = 0, t01: f64 = 0, t02: f64 = 0, t10: f64 = 0, t11: f64 = 0, t12: f64 = 0, t20: f64 = 0, t21: f64 = 0, t22: f64 = 0;
    for (let s = 0; s < n; s++) {
      const p = <usize>(s * c + ch);
      const xp = x + p * inB, gp = dy + p * outB;
      for (let oy = 0; oy < oh; oy++) {
        const gr = gp + (<usize>(oy * ow) << 2);
        if (oy >= oa0 && oy < oa1) {
          const xr = xp + <usize>(oy * sh - ph) * rowB;
          t00 += wrow(gr, xr, x00, v0, x01, -pw, sw);
          t01 += wrow(gr, xr, x10, v1, x11, 1 - pw, sw);
          t02 += wrow(gr, xr, x20, v2, x21, 2 - pw, sw);
        }
        if (oy >= ob0 && oy < ob1) {
          const xr = xp + <usize>(oy * sh + 1 - ph) * rowB;
          t10 += wrow(gr, xr, x00, v0, x01, -pw, sw);
          t11 += wrow(gr, xr, x10, v1, x11, 1 - pw, sw);
          t12 += wrow(gr, xr, x20, v2, x21, 2 - pw, sw);
        }
        if (oy >= oc0 && oy < oc1) {
          const xr = xp + <usize>(oy * sh + 2 - ph) * rowB;
          t20 += wrow(gr, xr, x00, v0, x01, -pw, sw);
          t21 += wrow(gr, xr, x10, v1, x11, 1 - pw, sw);
          t22 += wrow(gr, xr, x20, v2, x21, 2 - pw, sw);
        }
      }
    }
    const o = gw + (<usize>(ch * 9) << 2);
    store<f32>(o, <f32>t00); store<f32>(o, <f32>t01, 4); store<f32>(o, <f32>t02, 8);
    store<f32>(o, <f32>t10, 12); store<f32>(o, <f32>t11, 16); store<f32>(o, <f32>t12, 20);
    store<f32>(o, <f32>t20, 24); store<f32>(o, <f32>t21, 28); store<f32>(o, <f32>t22, 32);
  }
}

// The 3×3 weight gradient through padded copies (the geometries padded3
// takes): per channel and sample, x's plane padded as for the forward pass and
// dy's plane with its rows padded to whole 4-wide groups (zeros), then nine
// f32x4 accumulators over the whole plane, a dy group loaded once for nine
// taps. Taps in the padding add dy·0 = ±0 and dy's zero lanes add 0·x = ±0 to
// sums begun at +0, which leaves them unchanged, so the sum is over the
// in-range taps only. Order, per (ch, ky, kx): f64 total from +0 adding, for
// s ascending, the plane partial ((a0 + a1) + (a2 + a3)) in f64, lane a[i]
// (f32 from +0) taking the products at ox ≡ i (mod 4) in (oy, ox) order. The
// row-partial order below (dwWgrad3x3) reduced every row to f64 and 1 to 3
// GFLOP/s on MobileNet's maps; this one keeps the reduction per plane.

// Rows of the padded x plane and of the padded dy plane (4-wide groups) for wgrad_padded.
@inline function dyPitch(ow: i32): i32 { return (ow + 3) & ~3; }

/** Bytes of work buffer wgrad_padded needs: the padded x plane and dy's plane in 4-wide rows. */
export function dwWgradPadBytes(ih: i32, iw: i32, ph: i32, pw: i32, oh: i32, ow: i32, s: i32): usize {
  return dwPadBytes(ih, iw, ph, pw, oh, ow, s) + (<usize>(oh * dyPitch(ow)) << 2);
}

function wgrad_padded(
  dy: usize, x: usize, n: i32, c: i32, h: i32, wd: i32, s: i32, ph: i32, pw: i32, oh: i32, ow: i32, gw: usize, lo: i32, hi: i32, buf: usize,
): void {
  const inB = <usize>(h * wd) << 2, outB = <usize>(oh * ow) << 2;
  const hp = max(h + 2 * ph, (oh - 1) * s + 3), wp = padPitch(wd, pw, ow, s);
  const pitch = <usize>wp << 2;
  const dq = dyPitch(ow), dB = <usize>dq << 2;
  const D = buf + (<usize>(hp * wp) << 2) + (<usize>dq << 2); // after the plane and forward_padded's output row
  const direct = (ow & 3) == 0;
  const rowStep: usize = <usize>s * pitch;
  for (let ch = lo; ch < hi; ch++) {
    let t00: f64 = 0, t01: f64 = 0, t02: f64 = 0, t10: f64 = 0, t11: f64 = 0, t12: f64 = 0, t20: f64 = 0, t21: f64 = 0, t22: f64 = 0;
    for (let sm = 0; sm < n; sm++) {
      const p = <usize>(sm * c + ch);
      const fresh = sm == 0 && ch == lo;
      pad_plane(x + p * inB, h, wd, ph, pw, buf, hp, wp, fresh);
      let G = dy + p * outB, gB: usize = <usize>ow << 2;
      if (!direct) {
        if (fresh) zero_floats(D, oh * dq);
        for (let oy = 0; oy < oh; oy++) copy_floats(D + <usize>oy * dB, G + <usize>oy * gB, ow);
        G = D;
        gB = dB;
      }
      let a00 = f32x4.splat(0), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00, a20 = a00, a21 = a00, a22 = a00;
      let r0 = buf;
      for (let oy = 0; oy < oh; oy++, r0 += rowStep) {
        const g = G + <usize>oy * gB;
        const r1 = r0 + pitch, r2 = r1 + pitch;
        if (s == 1) {
          for (let o: usize = 0; o < dB; o += 16) {
            const d = v128.load(g + o);
            a00 = f32x4.add(a00, f32x4.mul(d, v128.load(r0 + o)));
            a01 = f32x4.add(a01, f32x4.mul(d, v128.load(r0 + o, 4)));
            a02 = f32x4.add(a02, f32x4.mul(d, v128.load(r0 + o, 8)));
            a10 = f32x4.add(a10, f32x4.mul(d, v128.load(r1 + o)));
            a11 = f32x4.add(a11, f32x4.mul(d, v128.load(r1 + o, 4)));
            a12 = f32x4.add(a12, f32x4.mul(d, v128.load(r1 + o, 8)));
            a20 = f32x4.add(a20, f32x4.mul(d, v128.load(r2 + o)));
            a21 = f32x4.add(a21, f32x4.mul(d, v128.load(r2 + o, 4)));
            a22 = f32x4.add(a22, f32x4.mul(d, v128.load(r2 + o, 8)));
          }
        } else {
          for (let o: usize = 0; o < dB; o += 16) {
            const d = v128.load(g + o);
            const q = o << 1;
            let A = v128.load(r0 + q), B = v128.load(r0 + q, 16), C = v128.load32_splat(r0 + q, 32);
            let e = i32x4.shuffle(A, B, 0, 2, 4, 6);
            a00 = f32x4.add(a00, f32x4.mul(d, e));
            a01 = f32x4.add(a01, f32x4.mul(d, i32x4.shuffle(A, B, 1, 3, 5, 7)));
            a02 = f32x4.add(a02, f32x4.mul(d, i32x4.shuffle(e, C, 1, 2, 3, 4)));
            A = v128.load(r1 + q); B = v128.load(r1 + q, 16); C = v128.load32_splat(r1 + q, 32);
            e = i32x4.shuffle(A, B, 0, 2, 4, 6);
            a10 = f32x4.add(a10, f32x4.mul(d, e));
            a11 = f32x4.add(a11, f32x4.mul(d, i32x4.shuffle(A, B, 1, 3, 5, 7)));
            a12 = f32x4.add(a12, f32x4.mul(d, i32x4.shuffle(e, C, 1, 2, 3, 4)));
            A = v128.load(r2 + q); B = v128.load(r2 + q, 16); C = v128.load32_splat(r2 + q, 32);
            e = i32x4.shuffle(A, B, 0, 2, 4, 6);
            a20 = f32x4.add(a20, f32x4.mul(d, e));
            a21 = f32x4.add(a21, f32x4.mul(d, i32x4.shuffle(A, B, 1, 3, 5, 7)));
            a22 = f32x4.add(a22, f32x4.mul(d, i32x4.shuffle(e, C, 1, 2, 3, 4)));
          }
        }
      }
      t00 += lanes4(a00); t01 += lanes4(a01); t02 += lanes4(a02);
      t10 += lanes4(a10); t11 += lanes4(a11); t12 += lanes4(a12);
      t20 += lanes4(a20); t21 += lanes4(a21); t22 += lanes4(a22);
    }
    const o = gw + (<usize>(ch * 9) << 2);
    store<f32>(o, <f32>t00); store<f32>(o, <f32>t01, 4); store<f32>(o, <f32>t02, 8);
    store<f32>(o, <f32>t10, 12); store<f32>(o, <f32>t11, 16); store<f32>(o, <f32>t12, 20);
    store<f32>(o, <f32>t20, 24); store<f32>(o, <f32>t21, 28); store<f32>(o, <f32>t22, 32);
  }
}

// ((a0 + a1) + (a2 + a3)) in f64.
// @ts-ignore: decorator
@inline function lanes4(a: v128): f64 {
  return (<f64>f32x4.extract_lane(a, 0) + <f64>f32x4.extract_lane(a, 1)) + (<f64>f32x4.extract_lane(a, 2) + <f64>f32x4.extract_lane(a, 3));
}

/**
 * Weight gradient: dw[ch, 0, ky, kx] = Σ_s Σ_{oy,ox} dy[s, ch, oy, ox] ·
 * x[s, ch, oy·sh − ph + ky·dh, ox·sw − pw + kx·dw] over in-range taps.
 * dw is OVERWRITTEN with the sum over the batch (not accumulated).
 * The geometries padded3 takes (3×3 undilated, equal strides 1 or 2, padding
 * ≤ 2, maps ≤ 512 wide) sum in wgrad_padded's plane order; all others:
 * Order, per (ch, ky, kx): f64 total from +0 adding, for s ascending and oy
 * ascending, each row's partial. A row's m valid columns (ox ascending) put
 * the first 4g products into f32 lanes a[i % 4] and the rest into f32 t (both
 * from +0); the row partial is ((a0 + a1) + (a2 + a3)) + t in f64. g = ⌊m/4⌋
 * for stride 1; for stride 2 one less when the last group's 8-float load
 * would read past the input row; g = 0 for other strides. g depends only on
 * the geometry and the tap, so the result is fixed bit for bit.
 */
function dwBackwardWeight(
  dy: usize, x: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, gw: usize, lo: i32, hi: i32, buf: usize,
): void {
  if (c <= 0 || kh <= 0 || kw <= 0) return;
  if (buf != 0 && n > 0 && oh > 0 && ow > 0 && padded3(kh, kw, dh, dw, sh, sw, ph, pw, wd)) {
    if (wgradSmallFits(h, wd, sh, ph, pw)) return wgrad_small(dy, x, n, c, sh, gw, lo, hi);
    if (lanesFit(h, wd, oh, ow)) return wgradLanes(dy, x, n, c, h, wd, sh, ph, pw, oh, ow, gw, lo, hi, buf);
    return wgrad_padded(dy, x, n, c, h, wd, sh, ph, pw, oh, ow, gw, lo, hi, buf);
  }
  if (kh == 3 && kw == 3 && dh == 1 && dw == 1 && sw <= 2) return dwWgrad3x3(dy, x, n, c, h, wd, sh, sw, ph, pw, oh, ow, gw, lo, hi);
  const inB = <usize>(h * wd) << 2;
  const outB = <usize>(oh * ow) << 2;
  const rowB = <usize>wd << 2;
  for (let ch = lo; ch < hi; ch++) {
    for (let ky = 0; ky < kh; ky++) {
      const offY = ky * dh - ph; // iy = oy·sh + offY
      const oy0 = out_lo(offY, sh);
      const oy1 = out_hi(offY, sh, h, oh);
      for (let kx = 0; kx < kw; kx++) {
        const offX = kx * dw - pw; // ix = ox·sw + offX
        const ox0 = out_lo(offX, sw);
        const ox1 = out_hi(offX, sw, wd, ow);
        // Vector groups ox..ox+3 with ox + 3 < ox1 (stride 2 also reads ix + 1); other strides scalar.
        const vEnd = sw <= 2 ? wVecEnd(ox0, ox1, offX, sw, wd) : ox0;
        let total: f64 = 0;
        for (let s = 0; s < n; s++) {
          const p = <usize>(s * c + ch);
          const xp = x + p * inB;
          const gp = dy + p * outB;
          for (let oy = oy0; oy < oy1; oy++) {
            total += wrow(gp + (<usize>(oy * ow) << 2), xp + <usize>(oy * sh + offY) * rowB, ox0, vEnd, ox1, offX, sw);
          }
        }
        store<f32>(gw + (<usize>((ch * kh + ky) * kw + kx) << 2), <f32>total);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Over threads: forward and input gradient by sample (a sample's planes are
// independent), the weight gradient by channel (each channel's sum over the
// batch stays in one thread, in the order above).

const DW_MIN: i32 = 16384; // floats of output per thread at least

// kind 0 forward (a = x, out = y), 1 input gradient (a = dy, out = dx), 2 weight gradient (a = dy, b = x, out = gw).
function dwPar(kind: i32, a: usize, b: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  const units = kind == 2 ? c : n;
  const per = kind == 2 ? n * oh * ow : c * max(oh * ow, h * wd);
  const nt = threadsFor(units, (DW_MIN + per - 1) / max(per, 1));
  // Small maps take the padded copy: a work buffer per thread, sized here (workers do not allocate).
  if (padded3(kh, kw, dh, dw, sh, sw, ph, pw, wd) && n > 0 && oh > 0 && ow > 0) {
    const bytes = kind == 0 ? dwPadBytes(h, wd, ph, pw, oh, ow, sh)
      : kind == 1 ? dwPadBytes(h, wd + 2, 0, 0, h, wd, 1) : dwWgradPadBytes(h, wd, ph, pw, oh, ow, sh);
    ensureThreadBuffers(nt, lanesFit(h, wd, oh, ow) ? max(bytes, LANES_BYTES) : bytes);
  }
  const p = taskArgs();
  store<i32>(p, kind); store<usize>(p + 4, a); store<usize>(p + 8, b); store<i32>(p + 12, n); store<i32>(p + 16, c);
  store<i32>(p + 20, h); store<i32>(p + 24, wd); store<i32>(p + 28, kh); store<i32>(p + 32, kw); store<i32>(p + 36, sh);
  store<i32>(p + 40, sw); store<i32>(p + 44, ph); store<i32>(p + 48, pw); store<i32>(p + 52, dh); store<i32>(p + 56, dw);
  store<i32>(p + 60, oh); store<i32>(p + 64, ow); store<usize>(p + 68, out);
  parallelRange(dw_range, units, 1, nt, p);
}

function dw_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const kind = load<i32>(p), a = load<usize>(p + 4), b = load<usize>(p + 8), n = load<i32>(p + 12), c = load<i32>(p + 16);
  const h = load<i32>(p + 20), wd = load<i32>(p + 24), kh = load<i32>(p + 28), kw = load<i32>(p + 32), sh = load<i32>(p + 36);
  const sw = load<i32>(p + 40), ph = load<i32>(p + 44), pw = load<i32>(p + 48), dh = load<i32>(p + 52), dw = load<i32>(p + 56);
  const oh = load<i32>(p + 60), ow = load<i32>(p + 64), out = load<usize>(p + 68);
  const buf = padded3(kh, kw, dh, dw, sh, sw, ph, pw, wd) ? threadBuffer(tid) : 0;
  if (kind == 2) return dwBackwardWeight(a, b, n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out, lo, hi, buf);
  const inB = <usize>lo * <usize>c * (<usize>(h * wd) << 2), outB = <usize>lo * <usize>c * (<usize>(oh * ow) << 2);
  if (kind == 0) dwForward(a + inB, b, hi - lo, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out + outB, buf);
  else dwBackwardInput(a + outB, b, hi - lo, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out + inB, buf);
}

export function dwconv_forward(
  x: usize, w: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, y: usize,
): void {
  if (n <= 0 || c <= 0 || oh <= 0 || ow <= 0) return;
  dwPar(0, x, w, n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, y);
}

export function dwconv_backward_input(
  dy: usize, w: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, dx: usize,
): void {
  if (n <= 0 || c <= 0 || h <= 0 || wd <= 0) return;
  dwPar(1, dy, w, n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx);
}

export function dwconv_backward_weight(
  dy: usize, x: usize, n: i32, c: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, gw: usize,
): void {
  if (c <= 0 || kh <= 0 || kw <= 0) return;
  dwPar(2, dy, x, n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, gw);
}
