// 3×3, stride-1, padding-1 convolution (groups 1) by Winograd F(2×2, 3×3)
// (winograd_f2x3.ts), F(4×4, 3×3) (winograd_f4x3.ts) or, on 3×3 maps only,
// F(3×3, 3×3) (winograd_f3x3.ts), forward and backward; r (2, 3 or 4) is the
// output tile's side and X = (r + 2)² the products per tile.
// V over the whole batch, the products in chunks of S samples (so M stays in
// cache between its GEMMs and its output transform; dU sums the chunks in
// order):
//   U[ξ] = G g Gᵀ              [X][O][C]
//   V[ξ] = Bᵀ d B              [X][C][T]   T = n · TP4 tiles
//   M[ξ] = U[ξ] · V[ξ]         X GEMMs (O × T, depth C)
//   y    = Aᵀ M A              per tile
// Backward: dM = A dY Aᵀ; dU[ξ] = dM[ξ] · V[ξ]ᵀ (X GEMMs), dW = Gᵀ dU G;
// the input gradient is the same correlation run on dY with the filter
// rotated by 180° and its channels swapped. For F(2×2) that filter's
// transform is U with ξ's rows and columns 0 and 3 swapped (G·J = P·G, J the
// reversal and P that swap); for F(4×4) it is transformed on its own (Ur).
// So dX takes Bᵀ dY B, X GEMMs with U[π(ξ)]ᵀ (or Ur[ξ]ᵀ) and Aᵀ · A: so
// F(2×2), and F(4×4) on one-tile maps. F(3×3) and F(4×4) on planes of several
// tiles take the forward pass's adjoint instead: dV = Uᵀ dM (X GEMMs on the
// dM the weight gradient used), then B dV Bᵀ per tile, each 6×6 (5×5) patch
// added into the zero-padded plane in tile order, and the plane's interior.
// Each output element is computed by one thread in a fixed order: the
// transforms split over threads by channel, the GEMMs by output panel.
// @ts-nocheck
import { gemm_batch, batchTable, batchSlabs, BATCH_NN, BATCH_NT, BATCH_TN } from "../gemm_batch";
import { copy_floats } from "../copy";
import { parallelRange, threadsFor, ensureThreadBuffers, threadBuffer } from "../../parallel";
import { tilesPadded, winogradInputPlane, winogradOutputPlane, winogradGradPlane, winogradFilter, winogradFilterGrad } from "./winograd_f2x3";
import {
  LANES, setLane, clearLane, tilesPadded4, padPitch4, padRows4, inputScratch4, winogradInputColumns4, winogradInputGroup4, winogradInputPlane4,
  winogradOutputGroup4, winogradOutputPlane4, winogradGradGroup4, winogradGradPlane4, winogradFilters4, winogradFilterGrads4,
  inputGradScratch4, winogradInputGradPlane4,
} from "./winograd_f4x3";
import { mixedForward, mixedBackward } from "./winograd_mixed";
import { slab, XF_MIN, transformArgs } from "./winograd_layout";
import { SCRATCH3, winogradInputGroup3, winogradOutputGroup3, winogradInputGradGroup3, winogradGradGroup3, winogradFilters3, winogradFilterGrads3 } from "./winograd_f3x3";

/**
 * GEMM columns per sample for output tiles of side r: the plane's tiles
 * rounded up to 4, four consecutive tiles of a plane filling the four lanes;
 * except F(4×4) on maps of one tile (h, w ≤ 4) and F(3×3) (3×3 maps only),
 * whose column is the sample: four samples fill the lanes (columns rounded up
 * to 4 over the batch).
 */
@inline function tiles(r: i32, h: i32, w: i32): i32 { return bySample(r, h, w) ? 1 : r == 4 ? tilesPadded4(h, w) : tilesPadded(h, w); }
@inline function bySample(r: i32, h: i32, w: i32): bool { return r == 3 || (r == 4 && h <= 4 && w <= 4); }
@inline function cols(ns: i32, tp4: i32): i32 { return (ns * tp4 + 3) & ~3; }
/** Products per tile. */
@inline function products(r: i32): i32 { return (r + 2) * (r + 2); }

/**
 * y = conv3x3(x) for n samples [n, c, h, w] → [n, o, h, w] with output tiles
 * of side r (2 or 4), S samples per chunk of GEMM columns; u: X·(o·c + 16),
 * v: X·(c·n·TP4 + 16), m: X·(o·S·TP4 + 16) floats (columns rounded up to 4).
 */
export function winograd_forward(x: usize, n: i32, c: i32, h: i32, w: i32, o: i32, r: i32, S: i32, wt: usize, u: usize, v: usize, m: usize, y: usize): void {
  if (n <= 0) return;
  if (r == 43) return mixedForward(x, n, c, h, w, o, S, wt, u, v, m, y);
  const tp4 = tiles(r, h, w), T = cols(n, tp4), X = products(r);
  filters(r, wt, o, c, u, 0);
  inputs(r, x, n, c, h, w, v, T);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0), Tc = cols(ns, tp4), vc = v + (<usize>(s0 * tp4) << 2);
    batchSlabs(X, u, slab(o, c), vc, slab(c, T), m, slab(o, Tc));
    gemm_batch(BATCH_NN, X, o, Tc, c, c, T, Tc, 0);
    outputs(r, m, ns, o, h, w, y + (<usize>s0 * o * h * w << 2), Tc);
  }
}

/**
 * dw (overwritten) and dx (overwritten; skipped when 0) from dy, with u and v
 * as the forward pass left them (v recomputed from x when fresh = 1), in the
 * forward pass's chunks. m: X·(o·S·TP4 + 16), m2: X·(c·S·TP4 + 16),
 * du: X·(o·c + 16) floats of scratch; for r = 4 and dx, ur: X·(o·c + 16)
 * floats of scratch for the rotated filters' transform of wt.
 */
export function winograd_backward(x: usize, n: i32, c: i32, h: i32, w: i32, o: i32, r: i32, S: i32, wt: usize, u: usize, ur: usize, v: usize, fresh: i32,
  dy: usize, m: usize, m2: usize, du: usize, dw: usize, dx: usize): void {
  if (n <= 0) return;
  if (r == 43) return mixedBackward(x, n, c, h, w, o, S, wt, u, v, fresh, dy, m, m2, du, dw, dx);
  const tp4 = tiles(r, h, w), T = cols(n, tp4), X = products(r);
  if (fresh) inputs(r, x, n, c, h, w, v, T);
  const adjoint = r == 3 || (r == 4 && !bySample(r, h, w));
  if (dx != 0 && r == 4 && !adjoint) filters(r, wt, o, c, ur, 2);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0), Tc = cols(ns, tp4), vc = v + (<usize>(s0 * tp4) << 2);
    const dyc = dy + (<usize>s0 * o * h * w << 2);
    grads(r, dyc, ns, o, h, w, m, Tc);
    batchSlabs(X, m, slab(o, Tc), vc, slab(c, T), du, slab(o, c));
    gemm_batch(BATCH_NT, X, o, c, Tc, Tc, T, c, s0 > 0 ? 1 : 0);
    if (dx == 0) continue;
    const dxc = dx + (<usize>s0 * c * h * w << 2);
    if (adjoint) {
      // The adjoint of the forward pass: dV = Uᵀ dM (dM still in m), then B dV Bᵀ.
      batchSlabs(X, u, slab(o, c), m, slab(o, Tc), m2, slab(c, Tc));
      gemm_batch(BATCH_TN, X, c, Tc, o, c, Tc, Tc, 0);
      planes(r, 2, m2, ns, c, h, w, dxc, Tc, ns * h * w);
      continue;
    }
    inputs(r, dyc, ns, o, h, w, m, Tc); // Bᵀ dY B; this chunk's dM is no longer needed
    const t = batchTable();
    for (let k = 0; k < X; k++) {
      let uk = ur + (slab(o, c) * k << 2);
      if (r == 2) {
        const i = k >> 2, j = k & 3;
        const pk = (i == 0 ? 3 : i == 3 ? 0 : i) * 4 + (j == 0 ? 3 : j == 3 ? 0 : j);
        uk = u + (slab(o, c) * pk << 2);
      }
      const e = t + <usize>(k * 12);
      store<usize>(e, uk); store<usize>(e, m + (slab(o, Tc) * k << 2), 4); store<usize>(e, m2 + (slab(c, Tc) * k << 2), 8);
    }
    gemm_batch(BATCH_TN, X, c, Tc, o, c, Tc, Tc, 0);
    outputs(r, m2, ns, c, h, w, dxc, Tc);
  }
  filters(r, dw, o, c, du, 1);
}

// ---------------------------------------------------------------------------
// The transforms over threads.

// Padded plane geometry: one zero row and column before the image; rows and
// columns up to the last tile's patch after it; then 4 zero rows for lanes
// past the tiles.
@inline function padPitch(w: i32): i32 { return (((w + 1) >> 1) << 1) + 2; }
@inline function padRows(h: i32): i32 { return (((h + 1) >> 1) << 1) + 2; }

/** Bᵀ d B of n samples of c planes (h × w) → v[X][c][ld] (columns 0…n·TP4), over threads by channel. */
function inputs(r: i32, x: usize, n: i32, c: i32, h: i32, w: i32, v: usize, ld: i32): void {
  const per = n * products(r) * tiles(r, h, w);
  const nt = threadsFor(c, (XF_MIN + per - 1) / per);
  const p = transformArgs(x, n, c, h, w, v, ld, 0);
  if (r == 3) {
    ensureThreadBuffers(nt, SCRATCH3 + 48);
    parallelRange(inputs3_range, c, 1, nt, p);
    return;
  }
  if (r == 4) {
    const plane = (<usize>(padRows4(h) * padPitch4(w)) << 2) + inputScratch4(h, w);
    ensureThreadBuffers(nt, bySample(r, h, w) ? 4 * plane : plane);
    parallelRange(bySample(r, h, w) ? inputs4s_range : inputs4_range, c, 1, nt, p);
    return;
  }
  ensureThreadBuffers(nt, (<usize>((padRows(h) + 4) * padPitch(w)) << 2) + 256);
  parallelRange(inputs_range, c, 1, nt, p);
}

function inputs4_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const x = load<usize>(p), n = load<i32>(p + 4), c = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), v = load<usize>(p + 20);
  const pitch = padPitch4(w), pp = threadBuffer(tid);
  const scratch = pp + (<usize>(padRows4(h) * pitch) << 2);
  // Only the image's interior is written below, so the padding (and the
  // scratch's zero lanes) stay 0.
  memory.fill(pp, 0, (<usize>(padRows4(h) * pitch) << 2) + 32);
  const tp4 = tilesPadded4(h, w), T = <usize>load<i32>(p + 24), vs = slab(c, <i32>T);
  const rowB = <usize>w << 2;
  for (let ch = lo; ch < hi; ch++) {
    for (let s = 0; s < n; s++) {
      const src = x + ((<usize>(s * c + ch) * h * w) << 2);
      for (let r = 0; r < h; r++) copy_floats(pp + ((<usize>((r + 1) * pitch + 1)) << 2), src + <usize>r * rowB, w);
      winogradInputPlane4(pp, h, w, v + ((<usize>ch * T + <usize>s * tp4) << 2), vs, scratch);
    }
  }
}

// F(4×4) on one-tile planes: four samples' planes at a time, one per lane.
function inputs4s_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const x = load<usize>(p), n = load<i32>(p + 4), c = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), v = load<usize>(p + 20);
  const pitch = padPitch4(w), pb = <usize>pitch << 2, planeB = <usize>(padRows4(h) * pitch) << 2;
  const one = planeB + inputScratch4(h, w), buf = threadBuffer(tid);
  // Per lane l: its padded plane at buf + l·one, then 8 zero floats, then its
  // columns. Only the image's interior is written below.
  memory.fill(buf, 0, 4 * one);
  const T = <usize>load<i32>(p + 24), vs = slab(c, <i32>T);
  const rowB = <usize>w << 2;
  for (let ch = lo; ch < hi; ch++) {
    for (let s0 = 0; s0 < n; s0 += 4) {
      for (let l = 0; l < 4 && s0 + l < n; l++) {
        const src = x + ((<usize>((s0 + l) * c + ch) * h * w) << 2), pp = buf + <usize>l * one;
        for (let r = 0; r < h; r++) copy_floats(pp + ((<usize>((r + 1) * pitch + 1)) << 2), src + <usize>r * rowB, w);
        winogradInputColumns4(pp, h, w, pp + planeB + 32);
      }
      const m = n - s0, z = buf + planeB; // lane 0's zero floats
      winogradInputGroup4(buf + planeB + 32, m > 1 ? buf + one + planeB + 32 : z, m > 2 ? buf + 2 * one + planeB + 32 : z, m > 3 ? buf + 3 * one + planeB + 32 : z,
        pb, m > 1 ? pb : 0, m > 2 ? pb : 0, m > 3 ? pb : 0, v + ((<usize>ch * T + s0) << 2), vs);
    }
  }
}

// F(3×3) on 3×3 planes: four samples at a time, one per lane.
function inputs3_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const x = load<usize>(p), n = load<i32>(p + 4), c = load<i32>(p + 8), v = load<usize>(p + 20);
  const T = <usize>load<i32>(p + 24), vs = slab(c, <i32>T), tmp = threadBuffer(tid), z = tmp + SCRATCH3;
  memory.fill(z, 0, 48);
  for (let ch = lo; ch < hi; ch++) {
    for (let s0 = 0; s0 < n; s0 += 4) {
      winogradInputGroup3(plane3(x, s0, n, c, ch, z), plane3(x, s0 + 1, n, c, ch, z), plane3(x, s0 + 2, n, c, ch, z), plane3(x, s0 + 3, n, c, ch, z),
        v + ((<usize>ch * T + s0) << 2), vs, tmp);
    }
  }
}

/** Sample s's 3×3 plane of channel ch in [n, c, 3, 3] at x; none (s ≥ n): `none`. */
@inline function plane3(x: usize, s: i32, n: i32, c: i32, ch: i32, none: usize): usize {
  return s < n ? x + (<usize>(s * c + ch) * 36) : none;
}

function inputs_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const x = load<usize>(p), n = load<i32>(p + 4), c = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), v = load<usize>(p + 20);
  const pitch = padPitch(w), rows = padRows(h);
  const tmp = threadBuffer(tid), pp = tmp + 256;
  const zero = pp + (<usize>(rows * pitch) << 2);
  // Only the image's interior is written below, so the padding stays 0.
  memory.fill(pp, 0, <usize>((rows + 4) * pitch) << 2);
  const tp4 = tilesPadded(h, w), T = <usize>load<i32>(p + 24), vs = slab(c, <i32>T);
  const rowB = <usize>w << 2;
  for (let ch = lo; ch < hi; ch++) {
    for (let s = 0; s < n; s++) {
      const src = x + ((<usize>(s * c + ch) * h * w) << 2);
      for (let r = 0; r < h; r++) copy_floats(pp + ((<usize>((r + 1) * pitch + 1)) << 2), src + <usize>r * rowB, w);
      winogradInputPlane(pp, pitch, zero, h, w, v + ((<usize>ch * T + <usize>s * tp4) << 2), vs, tmp);
    }
  }
}

/** Aᵀ M A (m[X][o][ld]) → y [n, o, h, w], over threads by output channel. */
function outputs(r: i32, m: usize, n: i32, o: i32, h: i32, w: i32, y: usize, ld: i32): void {
  planes(r, 0, m, n, o, h, w, y, ld, n * h * w);
}

/** A dY Aᵀ → dm[X][o][ld], over threads by output channel. */
function grads(r: i32, dy: usize, n: i32, o: i32, h: i32, w: i32, dm: usize, ld: i32): void {
  planes(r, 1, dm, n, o, h, w, dy, ld, n * products(r) * tiles(r, h, w));
}

// Per (channel, sample) plane between the transformed layout t[X][o][T] and
// an NCHW tensor img: kind 0 writes img from t (Aᵀ · A), kind 1 t from img
// (A · Aᵀ), kind 2 img from t (B · Bᵀ, the input transform's adjoint; F(3×3)
// and F(4×4) on planes of several tiles, whose patches it adds up).
function planes(r: i32, kind: i32, t: usize, n: i32, o: i32, h: i32, w: i32, img: usize, ld: i32, per: i32): void {
  const p = transformArgs(t, n, o, h, w, img, kind | (r << 8), ld);
  const nt = threadsFor(o, (XF_MIN + per - 1) / per);
  if (r == 4) ensureThreadBuffers(nt, kind == 2 ? inputGradScratch4(h, w) : 640 + LANES);
  if (r == 3) ensureThreadBuffers(nt, SCRATCH3 + 48);
  parallelRange(planes_range, o, 1, nt, p);
}

function planes_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const t = load<usize>(p), n = load<i32>(p + 4), o = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), img = load<usize>(p + 20);
  const kind = load<i32>(p + 24) & 255, r = load<i32>(p + 24) >> 8;
  const tp4 = tiles(r, h, w), T = <usize>load<i32>(p + 28), ts = slab(o, <i32>T);
  const tmp = r != 2 ? threadBuffer(tid) : 0;
  if (r == 3) {
    const z = tmp + SCRATCH3;
    memory.fill(z, 0, 48);
    for (let oc = lo; oc < hi; oc++) {
      for (let s0 = 0; s0 < n; s0 += 4) {
        const tt = t + ((<usize>oc * T + s0) << 2);
        if (kind == 0) winogradOutputGroup3(tt, ts, plane3(img, s0, n, o, oc, 0), plane3(img, s0 + 1, n, o, oc, 0), plane3(img, s0 + 2, n, o, oc, 0), plane3(img, s0 + 3, n, o, oc, 0), tmp);
        else if (kind == 2) winogradInputGradGroup3(tt, ts, plane3(img, s0, n, o, oc, 0), plane3(img, s0 + 1, n, o, oc, 0), plane3(img, s0 + 2, n, o, oc, 0), plane3(img, s0 + 3, n, o, oc, 0), tmp);
        else winogradGradGroup3(plane3(img, s0, n, o, oc, z), plane3(img, s0 + 1, n, o, oc, z), plane3(img, s0 + 2, n, o, oc, z), plane3(img, s0 + 3, n, o, oc, z), tt, ts, tmp);
      }
    }
    return;
  }
  if (bySample(r, h, w)) {
    const lanes = tmp + 640;
    for (let oc = lo; oc < hi; oc++) {
      for (let s0 = 0; s0 < n; s0 += 4) {
        for (let l = 0; l < 4; l++) {
          if (s0 + l < n) setLane(lanes, l, img + ((<usize>((s0 + l) * o + oc) * h * w) << 2), h, w, 0, 0);
          else clearLane(lanes, l);
        }
        const tt = t + ((<usize>oc * T + s0) << 2);
        if (kind == 0) winogradOutputGroup4(tt, ts, lanes, tmp);
        else winogradGradGroup4(lanes, tt, ts, tmp);
      }
    }
    return;
  }
  for (let oc = lo; oc < hi; oc++) {
    for (let s = 0; s < n; s++) {
      const tt = t + ((<usize>oc * T + <usize>s * tp4) << 2), plane = img + ((<usize>(s * o + oc) * h * w) << 2);
      if (r == 4) {
        if (kind == 0) winogradOutputPlane4(tt, ts, h, w, plane, tmp);
        else if (kind == 2) winogradInputGradPlane4(tt, ts, h, w, plane, tmp);
        else winogradGradPlane4(plane, h, w, tt, ts, tmp);
      } else if (kind == 0) winogradOutputPlane(tt, ts, h, w, plane);
      else winogradGradPlane(plane, h, w, tt, ts);
    }
  }
}

/**
 * dir 0: U = G g Gᵀ of every filter of w [o][c][3][3]; dir 1: w = Gᵀ dU G;
 * dir 2 (r = 4): U of every filter rotated by 180°. Over threads by output channel.
 */
function filters(r: i32, w: usize, o: i32, c: i32, u: usize, dir: i32): void {
  const X = products(r), nt = threadsFor(o, (XF_MIN + X * c - 1) / (X * c));
  if (r == 4) ensureThreadBuffers(nt, 512);
  if (r == 3) ensureThreadBuffers(nt, SCRATCH3);
  parallelRange(filters_range, o, 1, nt, transformArgs(w, o, c, dir, r, u, 0, 0));
}

function filters_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const w = load<usize>(p), o = load<i32>(p + 4), c = load<i32>(p + 8), dir = load<i32>(p + 12), r = load<i32>(p + 16), u = load<usize>(p + 20);
  const us = slab(o, c);
  if (r == 3) {
    const i = <usize>lo * c, count = (hi - lo) * c;
    if (dir == 1) winogradFilterGrads3(u + (i << 2), us, w + i * 36, count, threadBuffer(tid));
    else winogradFilters3(w + i * 36, u + (i << 2), us, count, threadBuffer(tid));
    return;
  }
  if (r == 4) {
    // Filters lo·c … hi·c, four at a time.
    const tmp = threadBuffer(tid), i = <usize>lo * c, count = (hi - lo) * c;
    if (dir == 1) winogradFilterGrads4(u + (i << 2), us, w + i * 36, count, tmp);
    else winogradFilters4(w + i * 36, u + (i << 2), us, count, dir == 2 ? 1 : 0, tmp);
    return;
  }
  for (let oc = lo; oc < hi; oc++) {
    for (let ch = 0; ch < c; ch++) {
      const i = <usize>oc * c + ch;
      if (dir == 0) winogradFilter(w + i * 36, u + (i << 2), us);
      else winogradFilterGrad(u + (i << 2), us, w + i * 36);
    }
  }
}
