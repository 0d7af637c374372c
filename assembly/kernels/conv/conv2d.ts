// 2-D convolution operator (NCHW, weights [O, C/groups, kh, kw] as PyTorch):
// im2col + GEMM over chunks of S samples. A chunk's columns are unrolled side
// by side, col[C·kh·kw, S·OHW], so the GEMM's n is S·OHW even where the image
// is small (3×3 maps in the last cnn block); per group g
//   Y_g[O/g, S·OHW] = W_g[O/g, (C/g)·kh·kw] · col_g
// and Y is scattered back to NCHW (written in place when S = 1). A 1×1,
// stride-1, unpadded conv with S = 1 multiplies the input plane directly.
// Backward needs each chunk's col again: with keep = 1 the forward pass
// leaves every chunk's col in place (col then holds the whole batch,
// C·kh·kw·n·OHW floats) and backward reads it; with keep = 0 col holds one
// chunk and backward recomputes it. Then
//   dW_g (+)= dY_g · col_gᵀ,  dcol_g = W_gᵀ · dY_g,  dx = col2im(dcol).
// Summation order is fixed by the chunking, which the host derives from the
// shapes alone, so results are bit-identical run to run.
// Geometry is an i32[17] block: c h w o kh kw sh sw ph pw dh dw groups oh ow S keep.
// @ts-nocheck
import { gemm_nn, gemm_nt, gemm_tn } from "../gemm";
import { im2colRows, col2im } from "./im2col";
import { perSampleForward, perSampleBackward, perSampleInputGrad, perSampleFits, gi } from "./conv2d_samples";
import { conv3x3_c1_fits, conv3x3_c1_forward, conv3x3_c1_weight_grad } from "./conv3x3_c1";
import { parallelRange, threadsFor, taskArgs } from "../../parallel";

// im2col, col2im and the chunk scatter split over threads by channel (each
// channel's col rows and dx plane belong to one thread; for shallow inputs by
// channel and sample), with at least this
// many floats moved per thread.
const MOVE_MIN: i32 = 16384;

@inline function isDirect(g: usize): bool {
  return gi(g, 4) == 1 && gi(g, 5) == 1 && gi(g, 6) == 1 && gi(g, 7) == 1 && gi(g, 8) == 0 && gi(g, 9) == 0 && gi(g, 15) == 1;
}

/**
 * y[n, O, oh, ow] = conv(x[n, C, h, w], w). col: C·kh·kw·S·OHW floats (·n/S
 * with keep); ybuf: O·S·OHW floats (unused when S = 1).
 */
export function conv2d_forward(g: usize, x: usize, n: i32, wt: usize, col: usize, ybuf: usize, y: usize): void {
  const c = gi(g, 0), h = gi(g, 1), w = gi(g, 2), o = gi(g, 3), kh = gi(g, 4), kw = gi(g, 5);
  const groups = gi(g, 12), oh = gi(g, 13), ow = gi(g, 14), S = gi(g, 15);
  const ohw = oh * ow, cg = c / groups, og = o / groups, kg = cg * kh * kw;
  const xs = <usize>(c * h * w) << 2, ys = <usize>(o * ohw) << 2;
  if (conv3x3_c1_fits(g)) return conv3x3_c1_forward(g, x, n, wt, y);
  const direct = isDirect(g);
  if (perSampleFits(g, n, direct, false)) return perSampleForward(g, x, n, wt, col, y, direct);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0);
    const ncol = ns * ohw;
    const xc = x + <usize>s0 * xs;
    let b = xc;
    if (!direct) {
      b = chunkCol(g, col, s0, kh * kw * c * ohw);
      unroll(g, xc, ns, b, 0);
    }
    if (ns > 1 && ohw >= SAMPLE_OUT_MIN) {
      // Each sample's output straight into y (no scatter): the same products per element.
      for (let s = 0; s < ns; s++) {
        for (let gr = 0; gr < groups; gr++) {
          gemm_nn(og, ohw, kg, wt + (<usize>(gr * og * kg) << 2), kg, b + ((<usize>(gr * kg) * ncol + <usize>(s * ohw)) << 2), ncol,
            y + <usize>(s0 + s) * ys + (<usize>(gr * og * ohw) << 2), ohw, 0);
        }
      }
      continue;
    }
    const yc = ns == 1 ? y + <usize>s0 * ys : ybuf;
    for (let gr = 0; gr < groups; gr++) {
      gemm_nn(og, ncol, kg, wt + (<usize>(gr * og * kg) << 2), kg, b + (<usize>(gr * kg) * ncol << 2), ncol, yc + (<usize>(gr * og) * ncol << 2), ncol, 0);
    }
    if (ns > 1) scatter(ybuf, y + <usize>s0 * ys, o, ns, ohw, true);
  }
}

/**
 * Gradients of conv2d_forward: dw (overwritten) = dL/dW, and dx (overwritten,
 * skipped when dx = 0) = dL/dx, given dy = dL/dy. Scratch as in the forward
 * pass, plus dcol (same size as col).
 */
export function conv2d_backward(g: usize, x: usize, n: i32, wt: usize, dy: usize, col: usize, ybuf: usize, dcol: usize, dw: usize, dx: usize): void {
  const c = gi(g, 0), h = gi(g, 1), w = gi(g, 2), o = gi(g, 3), kh = gi(g, 4), kw = gi(g, 5);
  const sh = gi(g, 6), sw = gi(g, 7), ph = gi(g, 8), pw = gi(g, 9), dh = gi(g, 10), dwl = gi(g, 11);
  const groups = gi(g, 12), oh = gi(g, 13), ow = gi(g, 14), S = gi(g, 15);
  const ohw = oh * ow, cg = c / groups, og = o / groups, kg = cg * kh * kw;
  const xs = <usize>(c * h * w) << 2, ys = <usize>(o * ohw) << 2;
  if (conv3x3_c1_fits(g)) {
    conv3x3_c1_weight_grad(g, x, n, dy, dw);
    if (dx != 0) perSampleInputGrad(g, n, wt, dy, dx, false);
    return;
  }
  const direct = isDirect(g);
  if (perSampleFits(g, n, direct, true)) return perSampleBackward(g, x, n, wt, dy, col, dw, dx, direct);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0);
    const ncol = ns * ohw;
    const xc = x + <usize>s0 * xs;
    let b = xc;
    if (!direct) {
      b = chunkCol(g, col, s0, kh * kw * c * ohw);
      if (!gi(g, 16)) unroll(g, xc, ns, b, 0);
    }
    let d = dy + <usize>s0 * ys;
    if (ns > 1) {
      scatter(ybuf, d, o, ns, ohw, false);
      d = ybuf;
    }
    const acc = s0 > 0 ? 1 : 0;
    for (let gr = 0; gr < groups; gr++) {
      gemm_nt(og, kg, ncol, d + (<usize>(gr * og) * ncol << 2), ncol, b + (<usize>(gr * kg) * ncol << 2), ncol, dw + (<usize>(gr * og * kg) << 2), kg, acc);
    }
    if (dx == 0) continue;
    const dxc = dx + <usize>s0 * xs;
    const dc = direct ? dxc : dcol;
    for (let gr = 0; gr < groups; gr++) {
      gemm_tn(kg, ncol, og, wt + (<usize>(gr * og * kg) << 2), kg, d + (<usize>(gr * og) * ncol << 2), ncol, dc + (<usize>(gr * kg) * ncol << 2), ncol, 0);
    }
    if (!direct) unroll(g, dxc, ns, dcol, 1); // zeroes dx, then adds the columns back
  }
}

// Where chunk s0's col lives: its own slice of the batch's col with keep, else
// the one chunk buffer. perSample = C·kh·kw·OHW floats.
@inline function chunkCol(g: usize, col: usize, s0: i32, perSample: i32): usize {
  return gi(g, 16) ? col + (<usize>s0 * <usize>perSample << 2) : col;
}

/**
 * im2col (dir 0: x → col) or col2im (dir 1: col → x, x zeroed first) of ns
 * samples, over threads by channel; with fewer channels than SHALLOW_C (the
 * first layer's 1 or 3) by (channel, sample) so both threads get work. Each
 * (channel, sample) plane is moved or summed in the same order either way.
 */
function unroll(g: usize, x: usize, ns: i32, col: usize, dir: i32): void {
  const c = gi(g, 0), per = gi(g, 4) * gi(g, 5) * gi(g, 13) * gi(g, 14);
  const bySample = c < SHALLOW_C;
  const units = bySample ? c * ns : c, perUnit = bySample ? per : per * ns;
  const nt = threadsFor(units, (MOVE_MIN + perUnit - 1) / perUnit);
  const p = taskArgs();
  store<usize>(p, g); store<usize>(p + 4, x); store<i32>(p + 8, ns); store<usize>(p + 12, col); store<i32>(p + 16, dir); store<i32>(p + 20, bySample ? ns : 1);
  parallelRange(unroll_range, units, 1, nt, p);
}

// Output pixels from which a chunk's forward product runs sample by sample
// into y instead of through ybuf and the scatter.
const SAMPLE_OUT_MIN: i32 = 128;

// Channels below which unroll splits by (channel, sample) instead of channel.
const SHALLOW_C = 8;

function unroll_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const g = load<usize>(p), x = load<usize>(p + 4), ns = load<i32>(p + 8), dir = load<i32>(p + 16), per = load<i32>(p + 20);
  const c = gi(g, 0), h = gi(g, 1), w = gi(g, 2), kh = gi(g, 4), kw = gi(g, 5), oh = gi(g, 13), ow = gi(g, 14);
  const ohw = oh * ow, ncol = ns * ohw, plane = <usize>(h * w) << 2, sampleBytes = <usize>c * plane;
  // Units are channel·per + sample-block: per = ns (one sample each) or 1 (whole chunk).
  for (let ci = lo / per; ci * per < hi; ci++) {
    const s0 = per == 1 ? 0 : max(lo - ci * per, 0), s1 = per == 1 ? ns : min(hi - ci * per, ns);
    const xs = x + <usize>s0 * sampleBytes;
    const cs = load<usize>(p + 12) + (<usize>ci * <usize>(kh * kw * ncol) + <usize>(s0 * ohw) << 2);
    if (dir == 0) im2colRows(xs, c, h, w, ci, 1, kh, kw, gi(g, 6), gi(g, 7), gi(g, 8), gi(g, 9), gi(g, 10), gi(g, 11), oh, ow, s1 - s0, cs, ncol);
    else {
      for (let s = s0; s < s1; s++) memory.fill(x + <usize>s * sampleBytes + <usize>ci * plane, 0, plane);
      col2im(cs, c, h, w, ci, 1, kh, kw, gi(g, 6), gi(g, 7), gi(g, 8), gi(g, 9), gi(g, 10), gi(g, 11), oh, ow, s1 - s0, xs, ncol);
    }
  }
}

/**
 * Moves a chunk between the column-batched layout Y[o, s·OHW + p] and NCHW
 * t[s, o, p]: toNchw copies Y → t, otherwise t → Y. Over threads by channel.
 */
function scatter(yb: usize, t: usize, o: i32, ns: i32, ohw: i32, toNchw: bool): void {
  const nt = threadsFor(o, (MOVE_MIN + ns * ohw - 1) / (ns * ohw));
  const p = taskArgs();
  store<usize>(p, yb); store<usize>(p + 4, t); store<i32>(p + 8, o); store<i32>(p + 12, ns); store<i32>(p + 16, ohw); store<i32>(p + 20, toNchw ? 1 : 0);
  parallelRange(scatter_range, o, 1, nt, p);
}

function scatter_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  scatter_chunk(load<usize>(p), load<usize>(p + 4), load<i32>(p + 8), load<i32>(p + 12), load<i32>(p + 16), load<i32>(p + 20) != 0, lo, hi);
}

function scatter_chunk(yb: usize, t: usize, o: i32, ns: i32, ohw: i32, toNchw: bool, lo: i32, hi: i32): void {
  const run = <usize>ohw << 2;
  const ld = <usize>(ns * ohw) << 2;
  for (let s = 0; s < ns; s++) {
    for (let oc = lo; oc < hi; oc++) {
      const yp = yb + <usize>oc * ld + <usize>s * run;
      const tp = t + (<usize>(s * o + oc)) * run;
      if (toNchw) memory.copy(tp, yp, run);
      else memory.copy(yp, tp, run);
    }
  }
}
