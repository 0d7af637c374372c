// Direct 3×3, stride-1 convolution of a one-channel input (the cnn's first
// layer on grey images), without im2col. As im2col + GEMM, each output pixel
// would be a k = 9 product: the forward GEMM is 64 × OHW × 9 and the weight
// gradient a dot-form product with n = 9 columns (gemm/dot.ts), which reads
// every 4 rows of dY from memory in one burst and then four times from L1.
// Here a sample's zero-padded plane, (oh + 2) × (ow + 2) floats, stays in L1
// and the four pixels of a lane group read their nine taps from it:
//   forward:        y[o, p]  = Σ_t w[o, t] · xpad[p + off_t], t ascending from 0;
//   weight grad:   dW[o, t] (+)= Σ_p dY[o, p] · xpad[p + off_t], lanes over p.
// dY and y stream through once, one channel row after another. Each element
// is the same sum, in the same order, as the GEMM path computes it (gemm
// ukernel_4x8: k ascending from 0; gemm_dot_4x2: lanes over p = y·ow + x with
// ow a multiple of 4, reduced (l0 + l1) + (l2 + l3), then added to dW sample
// by sample), so the two paths give the same bits where the GEMM path runs
// one sample per chunk. Over threads: forward by sample, weight gradient by
// output channel (every thread takes every sample, in order).
// @ts-nocheck
import { gi } from "./conv2d_samples";
import { parallel, par_threads, taskArgs, ensureThreadBuffers, threadBuffer, shareLo } from "../../parallel";

/** Whether conv2d_forward/backward take this path: C = 1, 3×3, stride 1, no dilation or groups, ow a multiple of 4. */
export function conv3x3_c1_fits(g: usize): bool {
  return gi(g, 0) == 1 && gi(g, 4) == 3 && gi(g, 5) == 3 && gi(g, 6) == 1 && gi(g, 7) == 1 && gi(g, 10) == 1 && gi(g, 11) == 1
    && gi(g, 12) == 1 && gi(g, 13) > 0 && gi(g, 14) > 0 && (gi(g, 14) & 3) == 0;
}

// Bytes of a padded plane: (oh + 2) rows of ow + 2 floats.
@inline function planeBytes(g: usize): usize {
  return <usize>((gi(g, 13) + 2) * (gi(g, 14) + 2)) << 2;
}

// Sample plane x (h × w) into buf with ph / pw zero rows and columns around it.
function pad(g: usize, x: usize, buf: usize): void {
  const h = gi(g, 1), w = gi(g, 2), ph = gi(g, 8), pw = gi(g, 9), rowB = <usize>(gi(g, 14) + 2) << 2;
  memory.fill(buf, 0, planeBytes(g));
  for (let r = 0; r < h; r++) memory.copy(buf + <usize>(r + ph) * rowB + (<usize>pw << 2), x + (<usize>(r * w) << 2), <usize>w << 2);
}

export function conv3x3_c1_forward(g: usize, x: usize, n: i32, wt: usize, y: usize): void {
  const nt = min(par_threads(), n);
  ensureThreadBuffers(nt, planeBytes(g));
  const p = taskArgs();
  store<usize>(p, g); store<usize>(p + 4, x); store<i32>(p + 8, n); store<usize>(p + 12, wt); store<usize>(p + 16, y);
  parallel(forward_task, p, nt);
}

function forward_task(tid: i32, nt: i32, p: usize): void {
  const g = load<usize>(p), x = load<usize>(p + 4), n = load<i32>(p + 8), wt = load<usize>(p + 12), y = load<usize>(p + 16);
  const o = gi(g, 3), oh = gi(g, 13), ow = gi(g, 14), rowB = <usize>(ow + 2) << 2, rowEnd = <usize>ow << 2;
  const xs = <usize>(gi(g, 1) * gi(g, 2)) << 2, ys = <usize>(o * oh * ow) << 2, buf = threadBuffer(tid);
  for (let s = shareLo(n, tid, nt); s < shareLo(n, tid + 1, nt); s++) {
    pad(g, x + <usize>s * xs, buf);
    let out = y + <usize>s * ys;
    for (let oc = 0; oc < o; oc++) {
      const wp = wt + (<usize>(oc * 9) << 2);
      const w0 = v128.load32_splat(wp, 0), w1 = v128.load32_splat(wp, 4), w2 = v128.load32_splat(wp, 8);
      const w3 = v128.load32_splat(wp, 12), w4 = v128.load32_splat(wp, 16), w5 = v128.load32_splat(wp, 20);
      const w6 = v128.load32_splat(wp, 24), w7 = v128.load32_splat(wp, 28), w8 = v128.load32_splat(wp, 32);
      for (let r = 0; r < oh; r++) {
        const row = buf + <usize>r * rowB;
        for (let xo: usize = 0; xo < rowEnd; xo += 16) {
          const q0 = row + xo, q1 = q0 + rowB, q2 = q1 + rowB;
          let acc = f32x4.splat(0);
          acc = f32x4.add(acc, f32x4.mul(w0, v128.load(q0, 0)));
          acc = f32x4.add(acc, f32x4.mul(w1, v128.load(q0, 4)));
          acc = f32x4.add(acc, f32x4.mul(w2, v128.load(q0, 8)));
          acc = f32x4.add(acc, f32x4.mul(w3, v128.load(q1, 0)));
          acc = f32x4.add(acc, f32x4.mul(w4, v128.load(q1, 4)));
          acc = f32x4.add(acc, f32x4.mul(w5, v128.load(q1, 8)));
          acc = f32x4.add(acc, f32x4.mul(w6, v128.load(q2, 0)));
          acc = f32x4.add(acc, f32x4.mul(w7, v128.load(q2, 4)));
          acc = f32x4.add(acc, f32x4.mul(w8, v128.load(q2, 8)));
          v128.store(out, acc);
          out += 16;
        }
      }
    }
  }
}

/** dw (overwritten) = Σ_s dY_s ⋆ xpad_s, samples in order. */
export function conv3x3_c1_weight_grad(g: usize, x: usize, n: i32, dy: usize, dw: usize): void {
  const nt = min(par_threads(), gi(g, 3));
  ensureThreadBuffers(nt, planeBytes(g));
  const p = taskArgs();
  store<usize>(p, g); store<usize>(p + 4, x); store<i32>(p + 8, n); store<usize>(p + 12, dy); store<usize>(p + 16, dw);
  parallel(weight_task, p, nt);
}

@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function put(c: usize, v: v128, acc: bool): void {
  store<f32>(c, acc ? lanes(v) + load<f32>(c) : lanes(v));
}

function weight_task(tid: i32, nt: i32, p: usize): void {
  const g = load<usize>(p), x = load<usize>(p + 4), n = load<i32>(p + 8), dy = load<usize>(p + 12), dw = load<usize>(p + 16);
  const o = gi(g, 3), oh = gi(g, 13), ow = gi(g, 14), rowB = <usize>(ow + 2) << 2, rowEnd = <usize>ow << 2;
  const xs = <usize>(gi(g, 1) * gi(g, 2)) << 2, plane = <usize>(oh * ow) << 2, buf = threadBuffer(tid);
  const o0 = shareLo(o, tid, nt), o1 = shareLo(o, tid + 1, nt);
  for (let s = 0; s < n; s++) {
    pad(g, x + <usize>s * xs, buf);
    const d = dy + (<usize>s * <usize>o + <usize>o0) * plane, acc = s > 0;
    // Channels in pairs, one kernel row a pass (the 2nd and 3rd read the pair's
    // dY rows from L1): 6 accumulators. All nine taps of one channel at once
    // spilled (18 GFLOP/s in L1), taps 0–4 then 5–8 ran 31–35, pairs 45–47.
    for (let oc = o0; oc < o1; oc += 2) {
      const dp = d + <usize>(oc - o0) * plane, c = dw + (<usize>(oc * 9) << 2);
      if (oc + 1 < o1) kernelRows(dp, plane, buf, rowB, rowEnd, c, acc, true);
      else kernelRows(dp, plane, buf, rowB, rowEnd, c, acc, false);
    }
  }
}

// The three kernel rows of channel plane d (with pair, and of the next channel's), one pass each.
@inline function kernelRows(d: usize, plane: usize, buf: usize, rowB: usize, rowEnd: usize, c: usize, acc: bool, pair: bool): void {
  for (let ky = 0; ky < 3; ky++) kernelRow(d, plane, buf + <usize>ky * rowB, rowB, rowEnd, c + (<usize>(ky * 3) << 2), acc, pair);
}

// Taps (ky, 0..2) of channel plane d (and, with pair, of the next channel's at
// d + plane, into c + 36): q walks the padded plane from kernel row ky,
// stepping over the 2 padding columns at each row's end.
@inline function kernelRow(d: usize, plane: usize, q: usize, rowB: usize, rowEnd: usize, c: usize, acc: bool, pair: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0);
  let rowStop = q + rowEnd;
  for (const dEnd = d + plane; d < dEnd; d += 16) {
    const x0 = v128.load(q, 0), x1 = v128.load(q, 4), x2 = v128.load(q, 8);
    const da = v128.load(d);
    a0 = f32x4.add(a0, f32x4.mul(da, x0));
    a1 = f32x4.add(a1, f32x4.mul(da, x1));
    a2 = f32x4.add(a2, f32x4.mul(da, x2));
    if (pair) {
      const db = v128.load(d + plane);
      b0 = f32x4.add(b0, f32x4.mul(db, x0));
      b1 = f32x4.add(b1, f32x4.mul(db, x1));
      b2 = f32x4.add(b2, f32x4.mul(db, x2));
    }
    q += 16;
    if (q == rowStop) {
      q += 8;
      rowStop += rowB;
    }
  }
  put(c, a0, acc); put(c + 4, a1, acc); put(c + 8, a2, acc);
  if (pair) {
    put(c + 36, b0, acc); put(c + 40, b1, acc); put(c + 44, b2, acc);
  }
}
