// 3×3, stride-1, padding-1 convolution (groups 1) by Winograd F(2×2, 3×3)
// (winograd_f2x3.ts), forward and backward; V over the whole batch, the
// products in chunks of S samples (so M stays in cache between its GEMMs and
// its output transform; dU sums the chunks in order):
//   U[ξ] = G g Gᵀ              [16][O][C]
//   V[ξ] = Bᵀ d B              [16][C][T]   T = n · TP4 tiles
//   M[ξ] = U[ξ] · V[ξ]         16 GEMMs (O × T, depth C)
//   y    = Aᵀ M A              per tile
// Backward: dM = A dY Aᵀ; dU[ξ] = dM[ξ] · V[ξ]ᵀ (16 GEMMs), dW = Gᵀ dU G;
// the input gradient is the same correlation run on dY with the filter
// rotated by 180° and its channels swapped, whose transform is U with ξ's
// rows and columns 0 and 3 swapped (G·J = P·G, J the reversal and P that
// swap), so dX takes Bᵀ dY B, 16 GEMMs with U[π(ξ)]ᵀ and Aᵀ · A.
// Each output element is computed by one thread in a fixed order: the
// transforms split over threads by channel, the GEMMs by output panel.
// @ts-nocheck
import { gemm_nn, gemm_nt, gemm_tn } from "../gemm";
import { parallelRange, threadsFor, taskArgs, ensureThreadBuffers, threadBuffer } from "../../parallel";
import { tilesPadded, winogradInputPlane, winogradOutputPlane, winogradGradPlane, winogradFilter, winogradFilterGrad } from "./winograd_f2x3";

// Floats written per thread at least before a transform splits over threads.
const XF_MIN: i32 = 16384;

/**
 * y = conv3x3(x) for n samples [n, c, h, w] → [n, o, h, w], S samples per
 * chunk of GEMM columns; u: 16·o·c, v: 16·c·n·TP4, m: 16·o·S·TP4 floats.
 */
export function winograd_forward(x: usize, n: i32, c: i32, h: i32, w: i32, o: i32, S: i32, wt: usize, u: usize, v: usize, m: usize, y: usize): void {
  if (n <= 0) return;
  const tp4 = tilesPadded(h, w), T = n * tp4;
  filters(wt, o, c, u, 0);
  inputs(x, n, c, h, w, v, T);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0), Tc = ns * tp4, vc = v + (<usize>(s0 * tp4) << 2);
    for (let k = 0; k < 16; k++) {
      gemm_nn(o, Tc, c, u + (<usize>k * o * c << 2), c, vc + (<usize>k * c * T << 2), T, m + (<usize>k * o * Tc << 2), Tc, 0);
    }
    outputs(m, ns, o, h, w, y + (<usize>s0 * o * h * w << 2), Tc);
  }
}

/**
 * dw (overwritten) and dx (overwritten; skipped when 0) from dy, with u and v
 * as the forward pass left them (v recomputed from x when fresh = 1), in the
 * forward pass's chunks. m: 16·o·S·TP4, m2: 16·c·S·TP4, du: 16·o·c floats of
 * scratch.
 */
export function winograd_backward(x: usize, n: i32, c: i32, h: i32, w: i32, o: i32, S: i32, u: usize, v: usize, fresh: i32,
  dy: usize, m: usize, m2: usize, du: usize, dw: usize, dx: usize): void {
  if (n <= 0) return;
  const tp4 = tilesPadded(h, w), T = n * tp4;
  if (fresh) inputs(x, n, c, h, w, v, T);
  for (let s0 = 0; s0 < n; s0 += S) {
    const ns = min(S, n - s0), Tc = ns * tp4, vc = v + (<usize>(s0 * tp4) << 2);
    const dyc = dy + (<usize>s0 * o * h * w << 2);
    grads(dyc, ns, o, h, w, m, Tc);
    for (let k = 0; k < 16; k++) {
      gemm_nt(o, c, Tc, m + (<usize>k * o * Tc << 2), Tc, vc + (<usize>k * c * T << 2), T, du + (<usize>k * o * c << 2), c, s0 > 0 ? 1 : 0);
    }
    if (dx == 0) continue;
    inputs(dyc, ns, o, h, w, m, Tc); // Bᵀ dY B; this chunk's dM is no longer needed
    for (let k = 0; k < 16; k++) {
      const i = k >> 2, j = k & 3;
      const pk = (i == 0 ? 3 : i == 3 ? 0 : i) * 4 + (j == 0 ? 3 : j == 3 ? 0 : j);
      gemm_tn(c, Tc, o, u + (<usize>pk * o * c << 2), c, m + (<usize>k * o * Tc << 2), Tc, m2 + (<usize>k * c * Tc << 2), Tc, 0);
    }
    outputs(m2, ns, c, h, w, dx + (<usize>s0 * c * h * w << 2), Tc);
  }
  filters(dw, o, c, du, 1);
}

// ---------------------------------------------------------------------------
// The transforms over threads.

function args6(a: usize, b: i32, c: i32, d: i32, e: i32, f: usize): usize {
  const p = taskArgs();
  store<usize>(p, a); store<i32>(p + 4, b); store<i32>(p + 8, c); store<i32>(p + 12, d); store<i32>(p + 16, e); store<usize>(p + 20, f);
  return p;
}

// Padded plane geometry: one zero row and column before the image; rows and
// columns up to the last tile's patch after it; then 4 zero rows for lanes
// past the tiles.
@inline function padPitch(w: i32): i32 { return (((w + 1) >> 1) << 1) + 2; }
@inline function padRows(h: i32): i32 { return (((h + 1) >> 1) << 1) + 2; }

/** Bᵀ d B of n samples of c planes (h × w) → v[16][c][ld] (columns 0…n·TP4), over threads by channel. */
function inputs(x: usize, n: i32, c: i32, h: i32, w: i32, v: usize, ld: i32): void {
  const per = n * 16 * tilesPadded(h, w);
  const nt = threadsFor(c, (XF_MIN + per - 1) / per);
  ensureThreadBuffers(nt, (<usize>((padRows(h) + 4) * padPitch(w)) << 2) + 256);
  const p = args6(x, n, c, h, w, v);
  store<i32>(p + 24, ld);
  parallelRange(inputs_range, c, 1, nt, p);
}

function inputs_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const x = load<usize>(p), n = load<i32>(p + 4), c = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), v = load<usize>(p + 20);
  const pitch = padPitch(w), rows = padRows(h);
  const tmp = threadBuffer(tid), pp = tmp + 256;
  const zero = pp + (<usize>(rows * pitch) << 2);
  // Only the image's interior is written below, so the padding stays 0.
  memory.fill(pp, 0, <usize>((rows + 4) * pitch) << 2);
  const tp4 = tilesPadded(h, w), T = <usize>load<i32>(p + 24), vs = <usize>c * T;
  const rowB = <usize>w << 2;
  for (let ch = lo; ch < hi; ch++) {
    for (let s = 0; s < n; s++) {
      const src = x + ((<usize>(s * c + ch) * h * w) << 2);
      for (let r = 0; r < h; r++) memory.copy(pp + ((<usize>((r + 1) * pitch + 1)) << 2), src + <usize>r * rowB, rowB);
      winogradInputPlane(pp, pitch, zero, h, w, v + ((<usize>ch * T + <usize>s * tp4) << 2), vs, tmp);
    }
  }
}

/** Aᵀ M A (m[16][o][ld]) → y [n, o, h, w], over threads by output channel. */
function outputs(m: usize, n: i32, o: i32, h: i32, w: i32, y: usize, ld: i32): void {
  planes(0, m, n, o, h, w, y, ld, n * h * w);
}

/** A dY Aᵀ → dm[16][o][ld], over threads by output channel. */
function grads(dy: usize, n: i32, o: i32, h: i32, w: i32, dm: usize, ld: i32): void {
  planes(1, dm, n, o, h, w, dy, ld, n * 16 * tilesPadded(h, w));
}

// Per (channel, sample) plane between the transformed layout t[16][o][T] and
// an NCHW tensor img: kind 0 writes img from t (Aᵀ · A), kind 1 t from img (A · Aᵀ).
function planes(kind: i32, t: usize, n: i32, o: i32, h: i32, w: i32, img: usize, ld: i32, per: i32): void {
  const p = args6(t, n, o, h, w, img);
  store<i32>(p + 24, kind);
  store<i32>(p + 28, ld);
  parallelRange(planes_range, o, 1, threadsFor(o, (XF_MIN + per - 1) / per), p);
}

function planes_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const t = load<usize>(p), n = load<i32>(p + 4), o = load<i32>(p + 8), h = load<i32>(p + 12), w = load<i32>(p + 16), img = load<usize>(p + 20);
  const kind = load<i32>(p + 24);
  const tp4 = tilesPadded(h, w), T = <usize>load<i32>(p + 28), ts = <usize>o * T;
  for (let oc = lo; oc < hi; oc++) {
    for (let s = 0; s < n; s++) {
      const tt = t + ((<usize>oc * T + <usize>s * tp4) << 2), plane = img + ((<usize>(s * o + oc) * h * w) << 2);
      if (kind == 0) winogradOutputPlane(tt, ts, h, w, plane);
      else winogradGradPlane(plane, h, w, tt, ts);
    }
  }
}

/** dir 0: U = G g Gᵀ of every filter of w [o][c][3][3]; dir 1: w = Gᵀ dU G. Over threads by output channel. */
function filters(w: usize, o: i32, c: i32, u: usize, dir: i32): void {
  parallelRange(filters_range, o, 1, threadsFor(o, (XF_MIN + 16 * c - 1) / (16 * c)), args6(w, o, c, dir, 0, u));
}

function filters_range(lo: i32, hi: i32, p: usize, tid: i32): void {
  const w = load<usize>(p), o = load<i32>(p + 4), c = load<i32>(p + 8), dir = load<i32>(p + 12), u = load<usize>(p + 20);
  const us = <usize>o * c;
  for (let oc = lo; oc < hi; oc++) {
    for (let ch = 0; ch < c; ch++) {
      const i = <usize>oc * c + ch;
      if (dir == 0) winogradFilter(w + i * 36, u + (i << 2), us);
      else winogradFilterGrad(u + (i << 2), us, w + i * 36);
    }
  }
}
