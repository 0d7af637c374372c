// Winograd on maps cut exactly into 4- and 3-wide tiles (winograd_f43.ts):
// winograd.ts's tile code 43. Each of the four tile classes (rr, rc) ∈
// {4, 3}² has its own products: U_k[X_k][o][c], V_k[X_k][c][T_k], M_k, and
// its own batch of X_k GEMMs, in the order 4×4, 4×3, 3×4, 3×3. The lanes hold
// four samples at one tile position: class k's column of sample s, tile t is
// ((s >> 2)·tiles_k + t)·4 + (s & 3), so a chunk of samples (a multiple of 4)
// is one run of columns. The input gradient is the forward pass's adjoint
// (dV_k = U_kᵀ dM_k, then B dV Bᵀ per tile, each patch added into the
// zero-padded plane: classes in order, tiles in row order), and the filter
// gradient sums the classes' Gᵀ dU_k G in class order. Transforms split over
// threads by channel, GEMMs by output panel: the bits do not depend on the
// thread count.
// @ts-nocheck
import { gemm_batch, batchSlabs, BATCH_NN, BATCH_NT, BATCH_TN } from "../gemm_batch";
import { copy_floats } from "../copy";
import { parallelRange, threadsFor, ensureThreadBuffers, threadBuffer } from "../../parallel";
import { slab, XF_MIN, transformArgs } from "./winograd_layout";
import { SCRATCH43, FILTER_SCRATCH43, sideR, sideC, mixedInput, mixedOutput, mixedGrad, mixedInputGrad, mixedFilters, mixedFilterGrads } from "./winograd_f43";

/** 3-wide tiles along a side of s outputs (the rest 4-wide), or −1 when s has no exact cut. */
function threes(s: i32): i32 {
  const b = (4 - (s & 3)) & 3; // s ≡ 0, 3, 2, 1 (mod 4): 0, 1, 2, 3 tiles of 3
  return s >= 3 * b ? b : -1;
}
/** Tiles of side r (4 or 3) along a side of s outputs. */
@inline function count(r: i32, s: i32): i32 { const b = threes(s); return r == 3 ? b : (s - 3 * b) >> 2; }
/** Where tile i of side r starts along a side of s outputs: the 4-wide tiles first. */
@inline function start(r: i32, s: i32, i: i32): i32 { return r == 4 ? 4 * i : 4 * count(4, s) + 3 * i; }
@inline function prods(k: i32): i32 { return (sideR(k) + 2) * (sideC(k) + 2); }
/** Class k's tiles in an h × w plane. */
@inline function tilesK(k: i32, h: i32, w: i32): i32 { return count(sideR(k), h) * count(sideC(k), w); }
/** Columns of class k for n samples (rounded up to 4). */
@inline function colsK(k: i32, n: i32, h: i32, w: i32): i32 { return ((n + 3) & ~3) * tilesK(k, h, w); }

/** Floats before class k's X_k slabs of o × c (U, dU). */
function offsetU(k: i32, o: i32, c: i32): usize {
  let f: usize = 0;
  for (let q = 0; q < k; q++) f += <usize>prods(q) * slab(o, c);
  return f;
}
/** Floats before class k's X_k slabs of rows × its columns for n samples (V, M, M2). */
function offsetT(k: i32, rows: i32, n: i32, h: i32, w: i32): usize {
  let f: usize = 0;
  for (let q = 0; q < k; q++) f += <usize>prods(q) * slab(rows, colsK(q, n, h, w));
  return f;
}

// Padded plane: one zero row and column around the image.
@inline function pitchOf(w: i32): i32 { return w + 2; }
@inline function planeBytes(h: i32, w: i32): usize { return ((<usize>((h + 2) * pitchOf(w)) << 2) + 63) & ~63; }


export function mixedForward(x: usize, n: i32, c: i32, h: i32, w: i32, o: i32, S: i32, wt: usize, u: usize, v: usize, m: usize, y: usize): void {
  filters(wt, o, c, u, 0, h, w);
  inputs(x, n, c, h, w, v);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0);
    for (let k = 0; k < 4; k++) {
      const tk = tilesK(k, h, w);
      if (!tk) continue;
      const X = prods(k), T = colsK(k, n, h, w), Tc = colsK(k, ns, h, w);
      const uk = u + (offsetU(k, o, c) << 2), vk = v + (offsetT(k, c, n, h, w) << 2) + (<usize>(s0 * tk) << 2), mk = m + (offsetT(k, o, S, h, w) << 2);
      batchSlabs(X, uk, slab(o, c), vk, slab(c, T), mk, slab(o, Tc));
      gemm_batch(BATCH_NN, X, o, Tc, c, c, T, Tc, 0);
    }
    planes(0, m, ns, o, h, w, y + (<usize>s0 * o * h * w << 2), S);
  }
}

export function mixedBackward(x: usize, n: i32, c: i32, h: i32, w: i32, o: i32, S: i32, wt: usize, u: usize, v: usize, fresh: i32,
  dy: usize, m: usize, m2: usize, du: usize, dw: usize, dx: usize): void {
  if (fresh) inputs(x, n, c, h, w, v);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0);
    planes(1, m, ns, o, h, w, dy + (<usize>s0 * o * h * w << 2), S);
    for (let k = 0; k < 4; k++) {
      const tk = tilesK(k, h, w);
      if (!tk) continue;
      const X = prods(k), T = colsK(k, n, h, w), Tc = colsK(k, ns, h, w);
      const vk = v + (offsetT(k, c, n, h, w) << 2) + (<usize>(s0 * tk) << 2), mk = m + (offsetT(k, o, S, h, w) << 2), duk = du + (offsetU(k, o, c) << 2);
      batchSlabs(X, mk, slab(o, Tc), vk, slab(c, T), duk, slab(o, c));
      gemm_batch(BATCH_NT, X, o, c, Tc, Tc, T, c, s0 > 0 ? 1 : 0);
      if (dx == 0) continue;
      // dV_k = U_kᵀ dM_k.
      const uk = u + (offsetU(k, o, c) << 2), m2k = m2 + (offsetT(k, c, S, h, w) << 2);
      batchSlabs(X, uk, slab(o, c), mk, slab(o, Tc), m2k, slab(c, Tc));
      gemm_batch(BATCH_TN, X, c, Tc, o, c, Tc, Tc, 0);
    }
    if (dx != 0) planes(2, m2, ns, c, h, w, dx + (<usize>s0 * c * h * w << 2), S);
  }
  filters(dw, o, c, du, 1, h, w);
}

// ---------------------------------------------------------------------------
// Transforms over threads.

/**
 * dir 0: U_k of every filter of w [o][c][3][3]; dir 1: w = Σ_k G_kᵀ dU_k G_k
 * (classes with tiles in an h × wd plane only). Over threads by output channel.
 */
function filters(w: usize, o: i32, c: i32, u: usize, dir: i32, h: i32, wd: i32): void {
  const nt = threadsFor(o, (XF_MIN + 121 * c - 1) / (121 * c));
  ensureThreadBuffers(nt, FILTER_SCRATCH43);
  parallelRange(filters_range, o, 1, nt, transformArgs(w, o, c, dir, h, u, wd, 0));
}

// Filter i0's place in class k's U slabs (0: a class without tiles).
@inline function classBase(k: i32, u: usize, o: i32, c: i32, h: i32, w: i32, i0: usize): usize {
  return tilesK(k, h, w) ? u + (offsetU(k, o, c) << 2) + (i0 << 2) : 0;
}

function filters_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const w = load<usize>(p), o = load<i32>(p + 4), c = load<i32>(p + 8), dir = load<i32>(p + 12), h = load<i32>(p + 16), u = load<usize>(p + 20);
  const wd = load<i32>(p + 24);
  const tmp = threadBuffer(tid), i0 = <usize>lo * c, cnt = (hi - lo) * c, us = slab(o, c);
  if (dir == 0) {
    mixedFilters(w + i0 * 36, classBase(0, u, o, c, h, wd, i0), classBase(1, u, o, c, h, wd, i0), classBase(2, u, o, c, h, wd, i0), classBase(3, u, o, c, h, wd, i0),
      us, cnt, tmp);
    return;
  }
  mixedFilterGrads(classBase(0, u, o, c, h, wd, i0), classBase(1, u, o, c, h, wd, i0), classBase(2, u, o, c, h, wd, i0), classBase(3, u, o, c, h, wd, i0),
    us, w + i0 * 36, cnt, tmp);
}

// Padded planes a thread keeps at once (inputs, input gradient): a block of
// samples, a multiple of 4, within about 64 KiB, so that class by class each
// of its X_k slabs gets the block's groups in a row rather than one group of
// four samples visiting all 121 slabs (pages) in turn.
@inline function blockOf(h: i32, w: i32): i32 { return <i32>min<usize>(32, max<usize>(4, (65536 / planeBytes(h, w)) & ~3)); }

/** V_k = Bᵀ d B of every tile of every plane of x [n, c, h, w], over threads by channel. */
function inputs(x: usize, n: i32, c: i32, h: i32, w: i32, v: usize): void {
  const per = n * 121 * 4;
  const nt = threadsFor(c, (XF_MIN + per - 1) / per);
  ensureThreadBuffers(nt, <usize>(blockOf(h, w) + 1) * planeBytes(h, w) + SCRATCH43);
  parallelRange(inputs_range, c, 1, nt, transformArgs(x, n, c, h, w, v, 0, 0));
}

function inputs_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const x = load<usize>(p), n = load<i32>(p + 4), c = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), v = load<usize>(p + 20);
  const SB = blockOf(h, w), PB = planeBytes(h, w), buf = threadBuffer(tid), zero = buf + <usize>SB * PB, tmp = zero + PB;
  const pb = <usize>pitchOf(w) << 2, rowB = <usize>w << 2;
  // Only the planes' interiors are written below: the borders (and the zero plane after them) stay 0.
  memory.fill(buf, 0, <usize>(SB + 1) * PB);
  for (let ch = lo; ch < hi; ch++) {
    for (let b0 = 0; b0 < n; b0 += SB) {
      const nb = min(SB, n - b0);
      for (let l = 0; l < nb; l++) {
        const src = x + ((<usize>((b0 + l) * c + ch) * h * w) << 2), pp = buf + <usize>l * PB;
        for (let r = 0; r < h; r++) copy_floats(pp + <usize>(r + 1) * pb + 4, src + <usize>r * rowB, w);
      }
      for (let k = 0; k < 4; k++) {
        const rr = sideR(k), rc = sideC(k), nr = count(rr, h), nc = count(rc, w), tk = nr * nc;
        if (!tk) continue;
        const T = colsK(k, n, h, w), vs = slab(c, T);
        for (let s0 = b0; s0 < b0 + nb; s0 += 4) {
          const m = n - s0, q = buf + <usize>(s0 - b0) * PB;
          const p1 = m > 1 ? q + PB : zero, p2 = m > 2 ? q + 2 * PB : zero, p3 = m > 3 ? q + 3 * PB : zero;
          const vk = v + (offsetT(k, c, n, h, w) << 2) + ((<usize>ch * T + <usize>(s0 * tk)) << 2);
          for (let ty = 0; ty < nr; ty++) {
            for (let tx = 0; tx < nc; tx++) {
              const off = <usize>start(rr, h, ty) * pb + (<usize>start(rc, w, tx) << 2);
              mixedInput(rr, rc, q + off, p1 + off, p2 + off, p3 + off, pb, vk + (<usize>((ty * nc + tx) * 4) << 2), vs, tmp);
            }
          }
        }
      }
    }
  }
}

// Per (channel, sample) plane between the classes' transformed layouts t_k
// [X_k][o][cols] (a chunk of n samples, slabs for S samples) and an NCHW
// tensor img: kind 0 writes img from t (Aᵀ · A), kind 1 t from img (A · Aᵀ),
// kind 2 img from t (B · Bᵀ added up in a zero-padded plane, the input
// gradient). Over threads by channel.
function planes(kind: i32, t: usize, n: i32, o: i32, h: i32, w: i32, img: usize, S: i32): void {
  const per = n * h * w * 4;
  const nt = threadsFor(o, (XF_MIN + per - 1) / per);
  ensureThreadBuffers(nt, (kind == 2 ? <usize>blockOf(h, w) * planeBytes(h, w) : 64) + SCRATCH43);
  parallelRange(planes_range, o, 1, nt, transformArgs(t, n, o, h, w, img, kind, S));
}

function planes_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const t = load<usize>(p), n = load<i32>(p + 4), o = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), img = load<usize>(p + 20);
  const kind = load<i32>(p + 24), S = load<i32>(p + 28);
  const PB = planeBytes(h, w), buf = threadBuffer(tid), pb = <usize>pitchOf(w) << 2, rowB = <usize>w << 2, plane = <usize>(h * w) << 2;
  const tmp = buf + (kind == 2 ? <usize>blockOf(h, w) * PB : 64);
  if (kind != 2) {
    memory.fill(buf, 0, 64); // zeros for lanes without a sample
    // Class by class, so that one class's X_k slabs are all a pass touches
    // (all four classes' 121 pages at once overran the TLB).
    for (let oc = lo; oc < hi; oc++) {
      for (let k = 0; k < 4; k++) {
        for (let s0 = 0; s0 < n; s0 += 4) classTiles(kind, k, t, oc, s0, n, o, h, w, img, S, buf, tmp);
      }
    }
    return;
  }
  // The input gradient: a block of samples' zero-padded planes take every
  // class's patches (classes in order, each class over the block's groups
  // of four), then their interiors are copied out.
  const SB = blockOf(h, w);
  for (let oc = lo; oc < hi; oc++) {
    for (let b0 = 0; b0 < n; b0 += SB) {
      const nb = min(SB, n - b0);
      memory.fill(buf, 0, <usize>nb * PB);
      for (let k = 0; k < 4; k++) {
        for (let s0 = b0; s0 < b0 + nb; s0 += 4) classTiles(2, k, t, oc, s0, n, o, h, w, img, S, buf + <usize>(s0 - b0) * PB, tmp);
      }
      for (let l = 0; l < nb; l++) {
        const dst = img + (<usize>((b0 + l) * o + oc) * plane), pp = buf + <usize>l * PB;
        for (let r = 0; r < h; r++) memory.copy(dst + <usize>r * rowB, pp + <usize>(r + 1) * pb + 4, rowB);
      }
    }
  }
}

// planes_range's work on class k's tiles of samples s0…s0 + 3 of channel oc:
// buf holds 64 zero bytes (kinds 0, 1) or those samples' padded planes (kind 2).
@inline function classTiles(kind: i32, k: i32, t: usize, oc: i32, s0: i32, n: i32, o: i32, h: i32, w: i32, img: usize, S: i32, buf: usize, tmp: usize): void {
  const rr = sideR(k), rc = sideC(k), nr = count(rr, h), nc = count(rc, w), tk = nr * nc;
  if (!tk) return;
  const m = n - s0, PB = planeBytes(h, w), pb = <usize>pitchOf(w) << 2, rowB = <usize>w << 2, plane = <usize>(h * w) << 2;
  const i0 = img + (<usize>(s0 * o + oc) * plane), step = <usize>o * plane, zero = buf;
  const Tc = colsK(k, n, h, w), ts = slab(o, Tc);
  const tt = t + (offsetT(k, o, S, h, w) << 2) + ((<usize>oc * Tc + <usize>(s0 * tk)) << 2);
  for (let ty = 0; ty < nr; ty++) {
    for (let tx = 0; tx < nc; tx++) {
      const col = tt + (<usize>((ty * nc + tx) * 4) << 2), y0 = start(rr, h, ty), x0 = start(rc, w, tx);
      if (kind == 2) {
        const off = <usize>y0 * pb + (<usize>x0 << 2);
        mixedInputGrad(rr, rc, col, ts, buf + off, m > 1 ? buf + PB + off : 0, m > 2 ? buf + 2 * PB + off : 0, m > 3 ? buf + 3 * PB + off : 0, pb, tmp);
        continue;
      }
      const off = <usize>y0 * rowB + (<usize>x0 << 2);
      if (kind == 0) mixedOutput(rr, rc, col, ts, i0 + off, m > 1 ? i0 + step + off : 0, m > 2 ? i0 + 2 * step + off : 0, m > 3 ? i0 + 3 * step + off : 0, rowB, tmp);
      else mixedGrad(rr, rc, i0 + off, m > 1 ? i0 + step + off : zero, m > 2 ? i0 + 2 * step + off : zero, m > 3 ? i0 + 3 * step + off : zero, rowB, zero, col, ts, tmp);
    }
  }
}

/** Floats of the buffers for n samples in chunks of S: which 0 U (and dU), 1 V, 2 M, 3 M2. */
export function winograd_mixed_floats(which: i32, n: i32, S: i32, c: i32, h: i32, w: i32, o: i32): usize {
  if (which == 0) return offsetU(4, o, c);
  if (which == 1) return offsetT(4, c, n, h, w);
  if (which == 2) return offsetT(4, o, S, h, w);
  return offsetT(4, c, S, h, w);
}
