// A convolution whose weight [O, C·kh·kw] is in CSR (sparse inference,
// groups of 1): per sample, the im2col matrix [C·kh·kw, OH·OW] (the input
// plane itself for a 1×1, stride-1, unpadded conv), then spmm with the pixels
// on the SIMD lanes and the bias added in the same pass.
// Over threads by sample, as conv2d_samples.ts does for the dense conv: a
// thread unrolls its samples into its own buffer and multiplies each whole,
// so one parallel region covers the batch (per sample, a region for im2col
// and one for spmm made the pruned cnn at batch 64 0.90× on 2 threads). One
// sample splits its product's rows instead (spmm). Every output element is
// summed as on one thread, so the bits do not depend on the thread count.
// @ts-nocheck
import { im2colRows } from "../conv/im2col";
import { gi } from "../conv/conv2d_samples";
import { spmm, spmmRows } from "./spmm";
import { parallel, par_threads, taskArgs, ensureThreadBuffers, threadBuffer, shareLo } from "../../parallel";

/**
 * y[s] = W ∗ x[s] + bias for s < n: g is a conv geometry block (conv2d.ts:
 * c h w o kh kw sh sw ph pw dh dw groups oh ow …; groups must be 1), W is
 * CSR (rowptr, colidx, values) over O rows and C·kh·kw columns, bias 0 for
 * none. Samples are c·h·w floats apart in x and o·oh·ow in y.
 */
export function spconv_forward(g: usize, x: usize, n: i32, rowptr: usize, colidx: usize, values: usize, bias: usize, y: usize): void {
  if (n <= 0) return;
  const ohw = gi(g, 13) * gi(g, 14);
  const direct = gi(g, 4) == 1 && gi(g, 5) == 1 && gi(g, 6) == 1 && gi(g, 7) == 1 && gi(g, 8) == 0 && gi(g, 9) == 0;
  const colBytes: usize = direct ? 0 : <usize>(gi(g, 0) * gi(g, 4) * gi(g, 5) * ohw) << 2;
  const nt = min(par_threads(), n);
  ensureThreadBuffers(nt, max<usize>(colBytes, 4));
  if (nt <= 1) {
    const o = gi(g, 3), xs = <usize>(gi(g, 0) * gi(g, 1) * gi(g, 2)) << 2, ys = <usize>(o * ohw) << 2;
    for (let s = 0; s < n; s++) {
      const b = unrollSample(g, x + <usize>s * xs, direct, threadBuffer(0));
      spmm(o, ohw, rowptr, colidx, values, b, ohw, y + <usize>s * ys, ohw, bias);
    }
    return;
  }
  const p = taskArgs();
  store<usize>(p, g); store<usize>(p + 4, x); store<i32>(p + 8, n); store<usize>(p + 12, rowptr); store<usize>(p + 16, colidx);
  store<usize>(p + 20, values); store<usize>(p + 24, bias); store<usize>(p + 28, y); store<i32>(p + 32, direct ? 1 : 0);
  parallel(spconv_task, p, nt);
}

function spconv_task(tid: i32, nt: i32, p: usize): void {
  const g = load<usize>(p), x = load<usize>(p + 4), n = load<i32>(p + 8), y = load<usize>(p + 28), direct = load<i32>(p + 32) != 0;
  const o = gi(g, 3), ohw = gi(g, 13) * gi(g, 14);
  const xs = <usize>(gi(g, 0) * gi(g, 1) * gi(g, 2)) << 2, ys = <usize>(o * ohw) << 2;
  for (let s = shareLo(n, tid, nt); s < shareLo(n, tid + 1, nt); s++) {
    const b = unrollSample(g, x + <usize>s * xs, direct, threadBuffer(tid));
    spmmRows(0, o, ohw, load<usize>(p + 12), load<usize>(p + 16), load<usize>(p + 20), b, ohw, y + <usize>s * ys, ohw, load<usize>(p + 24));
  }
}

// One sample's columns in buf (or the sample's own plane for a direct conv); returns where they are.
function unrollSample(g: usize, xs: usize, direct: bool, buf: usize): usize {
  if (direct) return xs;
  const c = gi(g, 0);
  im2colRows(xs, c, gi(g, 1), gi(g, 2), 0, c, gi(g, 4), gi(g, 5), gi(g, 6), gi(g, 7), gi(g, 8), gi(g, 9), gi(g, 10), gi(g, 11), gi(g, 13), gi(g, 14), 1, buf, gi(g, 13) * gi(g, 14));
  return buf;
}
