// The conv operator (conv2d.ts) on one-sample chunks (S = 1: maps of 1024
// pixels or more, the first layers), over threads. Chunk by chunk, each
// per-sample product would be split over threads on its own: a parallel
// region (a wake-up and a barrier) per product, three a sample with backward,
// and with 1–3 input channels the products are too short (k = C·kh·kw = 9 or
// 27) for a region to pay: MobileNet-V1's first conv ran 0.89× on 2 threads.
// Here one region covers the batch:
//   forward: by sample, a thread unrolls its samples and multiplies each whole;
//   weight gradient: by dW's panels, each thread running every sample in order;
//   input gradient: by sample, as the forward pass.
// Every product is computed as gemm_nn/nt/tn compute it on one thread
// (gemm_piece), and each output element by one thread in the chunked path's
// order, so the bits are the chunked path's for any thread count.
// @ts-nocheck
import { gemm_piece, gemm_piece_reserve, KIND_NN, KIND_NT, KIND_TN } from "../gemm";
import { im2colRows, col2im } from "./im2col";
import { parallel, par_threads, taskArgs, threadScratch, ensureThreadBuffers, threadBuffer, shareLo } from "../../parallel";

/** Word i of a conv geometry block (conv2d.ts: c h w o kh kw sh sw ph pw dh dw groups oh ow S keep). */
@inline export function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/**
 * Whether conv2d_forward / conv2d_backward (backward) take this file's path:
 * one-sample chunks, more than one thread and sample, and for backward the
 * columns kept from the forward pass (or none needed: direct), since every
 * thread reads every sample's columns for the weight gradient.
 */
export function perSampleFits(g: usize, n: i32, direct: bool, backward: bool): bool {
  return gi(g, 15) == 1 && n > 1 && par_threads() > 1 && (!backward || direct || gi(g, 16) != 0);
}

// Per-sample column bytes and where sample s's columns go: its slice of the
// kept columns, else the thread's buffer.
@inline function colBytes(g: usize): usize {
  return <usize>(gi(g, 0) * gi(g, 4) * gi(g, 5) * gi(g, 13) * gi(g, 14)) << 2;
}

export function perSampleForward(g: usize, x: usize, n: i32, wt: usize, col: usize, y: usize, direct: bool): void {
  const nt = min(par_threads(), n);
  const o = gi(g, 3), groups = gi(g, 12), ohw = gi(g, 13) * gi(g, 14);
  const kg = gi(g, 0) / groups * gi(g, 4) * gi(g, 5);
  gemm_piece_reserve(KIND_NN, nt, o / groups, ohw, kg);
  if (!direct && !gi(g, 16)) ensureThreadBuffers(nt, colBytes(g));
  const p = taskArgs();
  store<usize>(p, g); store<usize>(p + 4, x); store<i32>(p + 8, n); store<usize>(p + 12, wt); store<usize>(p + 16, col); store<usize>(p + 20, y); store<i32>(p + 24, direct ? 1 : 0);
  parallel(forward_task, p, nt);
}

function forward_task(tid: i32, nt: i32, p: usize): void {
  const g = load<usize>(p), x = load<usize>(p + 4), n = load<i32>(p + 8), wt = load<usize>(p + 12), col = load<usize>(p + 16), y = load<usize>(p + 20);
  const direct = load<i32>(p + 24) != 0;
  const c = gi(g, 0), h = gi(g, 1), w = gi(g, 2), o = gi(g, 3), kh = gi(g, 4), kw = gi(g, 5), groups = gi(g, 12), oh = gi(g, 13), ow = gi(g, 14);
  const ohw = oh * ow, og = o / groups, kg = c / groups * kh * kw;
  const xs = <usize>(c * h * w) << 2, ys = <usize>(o * ohw) << 2, cb = colBytes(g), scr = threadScratch(tid);
  for (let s = shareLo(n, tid, nt); s < shareLo(n, tid + 1, nt); s++) {
    const xc = x + <usize>s * xs;
    let b = xc;
    if (!direct) {
      b = gi(g, 16) ? col + <usize>s * cb : threadBuffer(tid);
      im2colRows(xc, c, h, w, 0, c, kh, kw, gi(g, 6), gi(g, 7), gi(g, 8), gi(g, 9), gi(g, 10), gi(g, 11), oh, ow, 1, b, ohw);
    }
    for (let gr = 0; gr < groups; gr++) {
      gemm_piece(KIND_NN, 0, 1, og, ohw, kg, wt + (<usize>(gr * og * kg) << 2), kg, b + (<usize>(gr * kg) * ohw << 2), ohw,
        y + <usize>s * ys + (<usize>(gr * og) * ohw << 2), ohw, 0, scr);
    }
  }
}

export function perSampleBackward(g: usize, x: usize, n: i32, wt: usize, dy: usize, col: usize, dw: usize, dx: usize, direct: bool): void {
  const threads = par_threads();
  const o = gi(g, 3), groups = gi(g, 12), ohw = gi(g, 13) * gi(g, 14);
  const og = o / groups, kg = gi(g, 0) / groups * gi(g, 4) * gi(g, 5);
  const p = taskArgs();
  store<usize>(p, g); store<usize>(p + 4, x); store<i32>(p + 8, n); store<usize>(p + 12, wt); store<usize>(p + 16, dy); store<usize>(p + 20, col);
  store<usize>(p + 24, dw); store<usize>(p + 28, dx); store<i32>(p + 32, direct ? 1 : 0);
  gemm_piece_reserve(KIND_NT, threads, og, kg, ohw);
  parallel(weight_task, p, threads);
  if (dx != 0) perSampleInputGrad(g, n, wt, dy, dx, direct);
}

/** dx (overwritten) = dL/dx sample by sample over threads: dcol = Wᵀ·dY_s, then col2im (direct: straight into dx). */
export function perSampleInputGrad(g: usize, n: i32, wt: usize, dy: usize, dx: usize, direct: bool): void {
  const nt = min(par_threads(), n);
  const og = gi(g, 3) / gi(g, 12), kg = gi(g, 0) / gi(g, 12) * gi(g, 4) * gi(g, 5);
  gemm_piece_reserve(KIND_TN, nt, kg, gi(g, 13) * gi(g, 14), og);
  if (!direct) ensureThreadBuffers(nt, colBytes(g));
  const p = taskArgs();
  store<usize>(p, g); store<i32>(p + 8, n); store<usize>(p + 12, wt); store<usize>(p + 16, dy); store<usize>(p + 28, dx); store<i32>(p + 32, direct ? 1 : 0);
  parallel(input_task, p, nt);
}

// dW (overwritten) = Σ_s dY_s·col_sᵀ, samples in order; thread tid's part of dW's panels.
function weight_task(tid: i32, nt: i32, p: usize): void {
  const g = load<usize>(p), x = load<usize>(p + 4), n = load<i32>(p + 8), dy = load<usize>(p + 16), col = load<usize>(p + 20), dw = load<usize>(p + 24);
  const direct = load<i32>(p + 32) != 0;
  const c = gi(g, 0), o = gi(g, 3), groups = gi(g, 12), ohw = gi(g, 13) * gi(g, 14);
  const og = o / groups, kg = c / groups * gi(g, 4) * gi(g, 5);
  const xs = <usize>(c * gi(g, 1) * gi(g, 2)) << 2, ys = <usize>(o * ohw) << 2, cb = colBytes(g), scr = threadScratch(tid);
  for (let s = 0; s < n; s++) {
    const b = direct ? x + <usize>s * xs : col + <usize>s * cb, d = dy + <usize>s * ys;
    for (let gr = 0; gr < groups; gr++) {
      gemm_piece(KIND_NT, tid, nt, og, kg, ohw, d + (<usize>(gr * og) * ohw << 2), ohw, b + (<usize>(gr * kg) * ohw << 2), ohw,
        dw + (<usize>(gr * og * kg) << 2), kg, s > 0 ? 1 : 0, scr);
    }
  }
}

// dx (overwritten) for thread tid's samples: dcol = Wᵀ·dY_s, then col2im.
function input_task(tid: i32, nt: i32, p: usize): void {
  const g = load<usize>(p), n = load<i32>(p + 8), wt = load<usize>(p + 12), dy = load<usize>(p + 16), dx = load<usize>(p + 28);
  const direct = load<i32>(p + 32) != 0;
  const c = gi(g, 0), h = gi(g, 1), w = gi(g, 2), o = gi(g, 3), kh = gi(g, 4), kw = gi(g, 5), groups = gi(g, 12), oh = gi(g, 13), ow = gi(g, 14);
  const ohw = oh * ow, og = o / groups, kg = c / groups * kh * kw;
  const xs = <usize>(c * h * w) << 2, ys = <usize>(o * ohw) << 2, scr = threadScratch(tid);
  for (let s = shareLo(n, tid, nt); s < shareLo(n, tid + 1, nt); s++) {
    const dxc = dx + <usize>s * xs, d = dy + <usize>s * ys;
    const dc = direct ? dxc : threadBuffer(tid);
    for (let gr = 0; gr < groups; gr++) {
      gemm_piece(KIND_TN, 0, 1, kg, ohw, og, wt + (<usize>(gr * og * kg) << 2), kg, d + (<usize>(gr * og) * ohw << 2), ohw,
        dc + (<usize>(gr * kg) * ohw << 2), ohw, 0, scr);
    }
    if (direct) continue;
    memory.fill(dxc, 0, xs);
    col2im(dc, c, h, w, 0, c, kh, kw, gi(g, 6), gi(g, 7), gi(g, 8), gi(g, 9), gi(g, 10), gi(g, 11), oh, ow, 1, dxc, ohw);
  }
}
