// Winograd F(4×4, 3×3) tile transforms (Lavin & Gray 2016, "Fast Algorithms
// for Convolutional Neural Networks", §4.2, interpolation points 0, ±1, ±2, ∞):
// a 4×4 output tile of a 3×3 correlation is
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// with d the 6×6 input patch and
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// 36 products per tile for 16 outputs: 4× fewer multiplies than direct
// convolution, where F(2×2, 3×3) (16 for 4) saves 2.25×. Gradients:
// dM = A dY Aᵀ, dW = Gᵀ dU G. The input gradient is the forward correlation
// of dY with the filter rotated by 180° (winograd.ts): unlike F(2×2), G·J is
// no row permutation of G (the points ±2 map to ±½), so the rotated filters
// get their own transform (rot = 1).
//
// Data layout as F(2×2) (winograd_f2x3.ts): [36][channels][T], T = samples ·
// TP4, TP4 a plane's ⌈oh/4⌉·⌈ow/4⌉ tiles rounded up to 4; lanes past a plane's
// tiles hold 0. Every transform runs on 4 tiles at once, one tile per lane:
// four tiles of one plane, or on one-tile maps the tiles of four samples
// (winograd.ts then gives each sample one column).
// @ts-nocheck
import { tr0, tr1, lo2, hi2 } from "./winograd_f2x3";

/** Per-plane tile count (4×4 tiles), rounded up to a multiple of 4. */
@inline export function tilesPadded4(oh: i32, ow: i32): i32 {
  return (((oh + 3) >> 2) * ((ow + 3) >> 2) + 3) & ~3;
}

/** Row pitch (floats) of the zero-padded input plane: the last tile reads 8 floats from 4·tx. */
@inline export function padPitch4(w: i32): i32 { return (((w + 3) >> 2) << 2) + 4; }
/** Rows of the zero-padded input plane: the last tile row reads 6 rows from 4·ty. */
@inline export function padRows4(h: i32): i32 { return (((h + 3) >> 2) << 2) + 2; }
/** Bytes of per-thread scratch winogradInputPlane4 needs for an h × w plane (after the padded plane). */
@inline export function inputScratch4(h: i32, w: i32): usize {
  return (<usize>(((h + 3) >> 2) * 6 * padPitch4(w) + 8) << 2);
}


@inline function mul(a: v128, k: f32): v128 { return f32x4.mul(a, f32x4.splat(k)); }

// Bᵀ applied to six values d0…d5 (one per lane and tile); result j at dst + j·s.
@inline export function btStore(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, s: usize): void {
  const a = f32x4.sub(d4, mul(d2, 4)), b = f32x4.sub(d3, mul(d1, 4));
  const c = f32x4.sub(d4, d2), e = mul(f32x4.sub(d3, d1), 2);
  v128.store(dst, f32x4.add(f32x4.sub(mul(d0, 4), mul(d2, 5)), d4));
  v128.store(dst + s, f32x4.add(a, b));
  v128.store(dst + 2 * s, f32x4.sub(a, b));
  v128.store(dst + 3 * s, f32x4.add(c, e));
  v128.store(dst + 4 * s, f32x4.sub(c, e));
  v128.store(dst + 5 * s, f32x4.add(f32x4.sub(mul(d1, 4), mul(d3, 5)), d5));
}

// Aᵀ applied to six values; result a (0…3) at dst + a·s.
@inline export function atStore(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, s: usize): void {
  const p = f32x4.add(m1, m2), q = f32x4.sub(m1, m2), r = f32x4.add(m3, m4), t = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, p), r));
  v128.store(dst + s, f32x4.add(q, mul(t, 2)));
  v128.store(dst + 2 * s, f32x4.add(p, mul(r, 4)));
  v128.store(dst + 3 * s, f32x4.add(f32x4.add(q, mul(t, 8)), m5));
}

// A applied to four values (the transpose of Aᵀ); result i (0…5) at dst + i·s.
@inline export function aStore(e0: v128, e1: v128, e2: v128, e3: v128, dst: usize, s: usize): void {
  const p = f32x4.add(e0, e2), q = f32x4.add(e1, e3);
  const p2 = f32x4.add(e0, mul(e2, 4)), q2 = f32x4.add(mul(e1, 2), mul(e3, 8));
  v128.store(dst, e0);
  v128.store(dst + s, f32x4.add(p, q));
  v128.store(dst + 2 * s, f32x4.sub(p, q));
  v128.store(dst + 3 * s, f32x4.add(p2, q2));
  v128.store(dst + 4 * s, f32x4.sub(p2, q2));
  v128.store(dst + 5 * s, e3);
}

// A lane table (LANES bytes) names the tile each of the four lanes holds: per
// lane its top-left address, its rows and columns inside the plane (0 rows: no
// tile, the lane holds 0) and the plane's row pitch in bytes. Tiles of one
// plane (consecutive tile indices) or of four samples' one-tile planes.
export const LANES: usize = 64;

/** Lane l holds tile (ty, tx) of the oh × ow plane at `plane`. */
@inline export function setLane(lanes: usize, l: i32, plane: usize, oh: i32, ow: i32, ty: i32, tx: i32): void {
  const q = lanes + (<usize>l << 4);
  store<usize>(q, plane + ((<usize>(4 * ty) * ow + 4 * tx) << 2));
  store<i32>(q, min(4, oh - 4 * ty), 4);
  store<i32>(q, min(4, ow - 4 * tx), 8);
  store<i32>(q, ow << 2, 12);
}

/** Lane l holds no tile. */
@inline export function clearLane(lanes: usize, l: i32): void {
  store<i32>(lanes + (<usize>l << 4), 0, 4);
}

// Row a of lane l's tile into its plane, clipped at the plane's edges.
@inline function storeRow(lanes: usize, l: i32, a: i32, v: v128): void {
  const q = lanes + (<usize>l << 4);
  if (a >= load<i32>(q, 4)) return;
  const p = load<usize>(q) + <usize>a * <usize>load<i32>(q, 12), n = load<i32>(q, 8);
  if (n >= 4) { v128.store(p, v); return; }
  // A lane store writes lane k at p itself: each goes to its own column.
  if (n == 1) { v128.store_lane<f32>(p, v, 0); return; }
  v128.store64_lane(p, v, 0);
  if (n > 2) v128.store_lane<f32>(p + 8, v, 2);
}

// Row a of lane l's tile (0 past the plane's edges or without a tile).
@inline function loadRow(lanes: usize, l: i32, a: i32): v128 {
  const q = lanes + (<usize>l << 4);
  if (a >= load<i32>(q, 4)) return f32x4.splat(0);
  const p = load<usize>(q) + <usize>a * <usize>load<i32>(q, 12), n = load<i32>(q, 8);
  if (n >= 4) return v128.load(p);
  if (n == 1) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  return n == 2 ? v : f32x4.replace_lane(v, 2, load<f32>(p, 8));
}

/**
 * Bᵀ down the columns of every tile row of one zero-padded plane: pp is the
 * plane with one zero row and column before the image and zeros after it
 * (padPitch4(ow) floats a row, padRows4(oh) rows); e[ty][i][x] (6 rows of the
 * same pitch per tile row, inputScratch4 bytes less 32).
 */
export function winogradInputColumns4(pp: usize, oh: i32, ow: i32, e: usize): void {
  const pitch = padPitch4(ow), th = (oh + 3) >> 2, pb = <usize>pitch << 2;
  for (let ty = 0; ty < th; ty++) {
    const src = pp + <usize>(4 * ty) * pb, dst = e + <usize>(6 * ty) * pb;
    for (let x = 0; x < pitch; x += 4) {
      const p = src + (<usize>x << 2);
      btStore(v128.load(p), v128.load(p + pb), v128.load(p + 2 * pb), v128.load(p + 3 * pb), v128.load(p + 4 * pb), v128.load(p + 5 * pb),
        dst + (<usize>x << 2), pb);
    }
  }
}

/**
 * · B along the six columns of four tiles of winogradInputColumns4's rows:
 * lane l's tile starts at b_l, its rows pb_l bytes apart (a zero lane: 8 zero
 * floats at b_l, pb_l = 0); writes v[ξ·vs] (4 lanes).
 */
export function winogradInputGroup4(b0: usize, b1: usize, b2: usize, b3: usize, pb0: usize, pb1: usize, pb2: usize, pb3: usize, v: usize, vs: usize): void {
  const s = vs << 2;
  for (let i = 0; i < 6; i++) {
    const a0 = v128.load(b0), a1 = v128.load(b1), a2 = v128.load(b2), a3 = v128.load(b3);
    const c0 = v128.load(b0, 16), c1 = v128.load(b1, 16), c2 = v128.load(b2, 16), c3 = v128.load(b3, 16);
    const p = tr0(a0, a1), q = tr0(a2, a3), r = tr1(a0, a1), t = tr1(a2, a3);
    const u = tr0(c0, c1), w = tr0(c2, c3);
    btStore(lo2(p, q), hi2(p, q), lo2(r, t), hi2(r, t), lo2(u, w), hi2(u, w), v + (<usize>(6 * i) * s), s);
    b0 += pb0; b1 += pb1; b2 += pb2; b3 += pb3;
  }
}

/**
 * Bᵀ d B of every tile of one zero-padded plane (as winogradInputColumns4);
 * writes v[ξ·vs + t] for the plane's TP4 tiles t. scratch: inputScratch4(oh,
 * ow) bytes, its first 8 floats 0 (left so).
 */
export function winogradInputPlane4(pp: usize, oh: i32, ow: i32, v: usize, vs: usize, scratch: usize): void {
  const pitch = padPitch4(ow), tw = (ow + 3) >> 2, tp = ((oh + 3) >> 2) * tw, tp4 = (tp + 3) & ~3;
  const pb = <usize>pitch << 2;
  const zero = scratch, e = scratch + 32;
  winogradInputColumns4(pp, oh, ow, e);
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp4; k0 += 4) {
    let b0 = zero, b1 = zero, b2 = zero, b3 = zero;
    let s0: usize = 0, s1: usize = 0, s2: usize = 0, s3: usize = 0;
    if (k0 < tp) { b0 = e + <usize>(6 * ty) * pb + (<usize>(4 * tx) << 2); s0 = pb; if (++tx == tw) { tx = 0; ty++; } }
    if (k0 + 1 < tp) { b1 = e + <usize>(6 * ty) * pb + (<usize>(4 * tx) << 2); s1 = pb; if (++tx == tw) { tx = 0; ty++; } }
    if (k0 + 2 < tp) { b2 = e + <usize>(6 * ty) * pb + (<usize>(4 * tx) << 2); s2 = pb; if (++tx == tw) { tx = 0; ty++; } }
    if (k0 + 3 < tp) { b3 = e + <usize>(6 * ty) * pb + (<usize>(4 * tx) << 2); s3 = pb; if (++tx == tw) { tx = 0; ty++; } }
    winogradInputGroup4(b0, b1, b2, b3, s0, s1, s2, s3, v + (<usize>k0 << 2), vs);
  }
}

// Aᵀ (kind 0: the output transform) or B (kind 1: the input transform's
// adjoint) down each column j of a tile set t[ξ·s] (ξ = 6i + j, lanes over
// tiles): result row a at r + a·96 + j·16.
@inline function down6(kind: i32, t: usize, s: usize, r: usize): void {
  for (let j = 0; j < 6; j++) {
    const c = t + <usize>j * s, d = r + (<usize>j << 4);
    const v0 = v128.load(c), v1 = v128.load(c + 6 * s), v2 = v128.load(c + 12 * s), v3 = v128.load(c + 18 * s), v4 = v128.load(c + 24 * s), v5 = v128.load(c + 30 * s);
    if (kind == 0) atStore(v0, v1, v2, v3, v4, v5, d, 96);
    else bStore(v0, v1, v2, v3, v4, v5, d, 96);
  }
}

/**
 * Aᵀ m A of four tiles: m[ξ·ms] (4 lanes) → the tiles the lane table names.
 * tmp: 448 bytes.
 */
export function winogradOutputGroup4(m: usize, ms: usize, lanes: usize, tmp: usize): void {
  const s = ms << 2, r = tmp, yy = tmp + 384;
  down6(0, m, s, r);
  // · A along each row a: yy[a][b], lanes over tiles; then one row per tile.
  for (let a = 0; a < 4; a++) {
    const ra = r + <usize>a * 96;
    atStore(v128.load(ra), v128.load(ra, 16), v128.load(ra, 32), v128.load(ra, 48), v128.load(ra, 64), v128.load(ra, 80), yy, 16);
    const y0 = v128.load(yy), y1 = v128.load(yy, 16), y2 = v128.load(yy, 32), y3 = v128.load(yy, 48);
    const p = tr0(y0, y1), q = tr0(y2, y3), u = tr1(y0, y1), w = tr1(y2, y3);
    storeRow(lanes, 0, a, lo2(p, q));
    storeRow(lanes, 1, a, hi2(p, q));
    storeRow(lanes, 2, a, lo2(u, w));
    storeRow(lanes, 3, a, hi2(u, w));
  }
}

/**
 * Aᵀ m A of every tile of one output plane: m[ξ·ms + t] for the plane's
 * tiles → y (oh × ow), overwritten. tmp: 448 + LANES bytes.
 */
export function winogradOutputPlane4(m: usize, ms: usize, oh: i32, ow: i32, y: usize, tmp: usize): void {
  const tw = (ow + 3) >> 2, tp = ((oh + 3) >> 2) * tw, lanes = tmp + 448;
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp; k0 += 4) {
    for (let l = 0; l < 4; l++) {
      if (k0 + l < tp) { setLane(lanes, l, y, oh, ow, ty, tx); if (++tx == tw) { tx = 0; ty++; } }
      else clearLane(lanes, l);
    }
    winogradOutputGroup4(m + (<usize>k0 << 2), ms, lanes, tmp);
  }
}

/**
 * A e Aᵀ (the gradient of the transformed product) of the four tiles the lane
 * table names → dm[ξ·ms] (4 lanes; 0 where a lane holds no tile). tmp: 640 bytes.
 */
export function winogradGradGroup4(lanes: usize, dm: usize, ms: usize, tmp: usize): void {
  const s = ms << 2, ee = tmp, f = tmp + 256;
  // ee[a][b], lanes over tiles.
  for (let a = 0; a < 4; a++) {
    const t0 = loadRow(lanes, 0, a), t1 = loadRow(lanes, 1, a), t2 = loadRow(lanes, 2, a), t3 = loadRow(lanes, 3, a);
    const p = tr0(t0, t1), q = tr0(t2, t3), u = tr1(t0, t1), w = tr1(t2, t3);
    const d = ee + (<usize>a << 6);
    v128.store(d, lo2(p, q)); v128.store(d, hi2(p, q), 16); v128.store(d, lo2(u, w), 32); v128.store(d, hi2(u, w), 48);
  }
  // A down each column b: f[i][b]; then A along each row i into dm.
  for (let b = 0; b < 4; b++) {
    const c = ee + (<usize>b << 4);
    aStore(v128.load(c), v128.load(c, 64), v128.load(c, 128), v128.load(c, 192), f + (<usize>b << 4), 64);
  }
  for (let i = 0; i < 6; i++) {
    const fi = f + (<usize>i << 6);
    aStore(v128.load(fi), v128.load(fi, 16), v128.load(fi, 32), v128.load(fi, 48), dm + <usize>(6 * i) * s, s);
  }
}

/**
 * A e Aᵀ of every tile of one output-gradient plane dy (oh × ow) → dm[ξ·ms +
 * t] for the plane's TP4 tiles. tmp: 640 + LANES bytes.
 */
export function winogradGradPlane4(dy: usize, oh: i32, ow: i32, dm: usize, ms: usize, tmp: usize): void {
  const tw = (ow + 3) >> 2, tp = ((oh + 3) >> 2) * tw, tp4 = (tp + 3) & ~3, lanes = tmp + 640;
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp4; k0 += 4) {
    for (let l = 0; l < 4; l++) {
      if (k0 + l < tp) { setLane(lanes, l, dy, oh, ow, ty, tx); if (++tx == tw) { tx = 0; ty++; } }
      else clearLane(lanes, l);
    }
    winogradGradGroup4(lanes, dm + (<usize>k0 << 2), ms, tmp);
  }
}

// B (the transpose of Bᵀ, the adjoint of btStore) applied to six values;
// result a (0…5) at dst + a·s.
@inline export function bStore(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, dst: usize, s: usize): void {
  const p = f32x4.sub(v2, v1), q = f32x4.sub(v4, v3), w = f32x4.add(v1, v2), z = f32x4.add(v3, v4);
  v128.store(dst, mul(v0, 4));
  v128.store(dst + s, f32x4.add(mul(f32x4.add(p, v5), 4), mul(q, 2)));
  v128.store(dst + 2 * s, f32x4.sub(f32x4.sub(mul(v0, -5), mul(w, 4)), z));
  v128.store(dst + 3 * s, f32x4.sub(f32x4.sub(mul(f32x4.sub(v3, v4), 2), p), mul(v5, 5)));
  v128.store(dst + 4 * s, f32x4.add(f32x4.add(v0, w), z));
  v128.store(dst + 5 * s, v5);
}

/** Bytes of per-thread scratch winogradInputGradPlane4 needs for an oh × ow plane. */
@inline export function inputGradScratch4(oh: i32, ow: i32): usize {
  return 576 + (<usize>(padRows4(oh) * padPitch4(ow)) << 2);
}

/**
 * The input gradient of one plane (oh × ow, overwritten) from dV = Uᵀ dM,
 * the adjoint of winogradInputPlane4: B dv Bᵀ of each of the plane's tiles
 * (dv[ξ·ms + t]), its 6×6 patch added into the zero-padded plane at the
 * tile's place (tiles in order; neighbours' patches overlap by two rows or
 * columns), then the plane's interior. tmp: inputGradScratch4(oh, ow) bytes.
 */
export function winogradInputGradPlane4(dv: usize, ms: usize, oh: i32, ow: i32, dx: usize, tmp: usize): void {
  const tw = (ow + 3) >> 2, tp = ((oh + 3) >> 2) * tw, s = ms << 2;
  const r = tmp, pp = tmp + 576, pitch = padPitch4(ow), pb = <usize>pitch << 2;
  memory.fill(pp, 0, <usize>padRows4(oh) * pb);
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp; k0 += 4) {
    down6(1, dv + (<usize>k0 << 2), s, r);
    // · Bᵀ along each row a (in place: a row is read whole first), then each
    // tile's row a into the plane.
    for (let a = 0; a < 6; a++) {
      const ra = r + <usize>a * 96;
      bStore(v128.load(ra), v128.load(ra, 16), v128.load(ra, 32), v128.load(ra, 48), v128.load(ra, 64), v128.load(ra, 80), ra, 16);
    }
    for (let l = 0; l < 4 && k0 + l < tp; l++) {
      const base = pp + <usize>(4 * ty) * pb + (<usize>(4 * tx) << 2), lo = <usize>l << 2;
      for (let a = 0; a < 6; a++) {
        const ra = r + <usize>a * 96, q = base + <usize>a * pb;
        // Lane l of the row's six vectors: floats 0…3 as one vector, then 4 and 5.
        let v = f32x4.splat(load<f32>(ra + lo));
        v = f32x4.replace_lane(v, 1, load<f32>(ra + 16 + lo));
        v = f32x4.replace_lane(v, 2, load<f32>(ra + 32 + lo));
        v = f32x4.replace_lane(v, 3, load<f32>(ra + 48 + lo));
        v128.store(q, f32x4.add(v128.load(q), v));
        store<f32>(q, load<f32>(q, 16) + load<f32>(ra + 64 + lo), 16);
        store<f32>(q, load<f32>(q, 20) + load<f32>(ra + 80 + lo), 20);
      }
      if (++tx == tw) { tx = 0; ty++; }
    }
  }
  const rowB = <usize>ow << 2;
  for (let y = 0; y < oh; y++) memory.copy(dx + <usize>y * rowB, pp + <usize>(y + 1) * pb + 4, rowB);
}

// G applied to three values; result i (0…5) at dst + i·s.
@inline function gStore(a: f32, b: f32, c: f32, dst: usize, s: usize): void {
  const ac = a + c;
  store<f32>(dst, a * <f32>0.25);
  store<f32>(dst + s, (ac + b) * <f32>(-1.0 / 6.0));
  store<f32>(dst + 2 * s, (ac - b) * <f32>(-1.0 / 6.0));
  const h = a * <f32>(1.0 / 24.0) + c * <f32>(1.0 / 6.0), k = b * <f32>(1.0 / 12.0);
  store<f32>(dst + 3 * s, h + k);
  store<f32>(dst + 4 * s, h - k);
  store<f32>(dst + 5 * s, c);
}

/**
 * G g Gᵀ of one 3×3 filter g (row-major) → u[ξ·us], ξ = 0…35; of the filter
 * rotated by 180° when rot = 1. tmp: 72 bytes.
 */
export function winogradFilter4(g: usize, u: usize, us: usize, rot: i32, tmp: usize): void {
  // G down each column k: tmp[i][k].
  for (let k = 0; k < 3; k++) {
    const i0 = rot ? 8 - k : k, i1 = rot ? 5 - k : 3 + k, i2 = rot ? 2 - k : 6 + k;
    gStore(load<f32>(g + (<usize>i0 << 2)), load<f32>(g + (<usize>i1 << 2)), load<f32>(g + (<usize>i2 << 2)), tmp + (<usize>k << 2), 12);
  }
  const s = us << 2;
  for (let i = 0; i < 6; i++) {
    const t = tmp + <usize>i * 12;
    gStore(load<f32>(t), load<f32>(t, 4), load<f32>(t, 8), u + <usize>(6 * i) * s, s);
  }
}

// Gᵀ applied to six values; result k (0…2) at dst + k·s.
@inline function gtStore(u0: f32, u1: f32, u2: f32, u3: f32, u4: f32, u5: f32, dst: usize, s: usize): void {
  const p = u1 + u2, q = u3 + u4;
  store<f32>(dst, u0 * <f32>0.25 - p * <f32>(1.0 / 6.0) + q * <f32>(1.0 / 24.0));
  store<f32>(dst + s, (u2 - u1) * <f32>(1.0 / 6.0) + (u3 - u4) * <f32>(1.0 / 12.0));
  store<f32>(dst + 2 * s, (q - p) * <f32>(1.0 / 6.0) + u5);
}

/** Gᵀ du G: the 3×3 filter gradient (row-major, overwritten) from du[ξ·us]. tmp: 72 bytes. */
export function winogradFilterGrad4(du: usize, us: usize, g: usize, tmp: usize): void {
  const s = us << 2;
  // · G along each row i: tmp[i][k].
  for (let i = 0; i < 6; i++) {
    const p = du + <usize>(6 * i) * s;
    gtStore(load<f32>(p), load<f32>(p + s), load<f32>(p + 2 * s), load<f32>(p + 3 * s), load<f32>(p + 4 * s), load<f32>(p + 5 * s), tmp + <usize>i * 12, 4);
  }
  // Gᵀ down each column k.
  for (let k = 0; k < 3; k++) {
    const t = tmp + (<usize>k << 2);
    gtStore(load<f32>(t), load<f32>(t, 12), load<f32>(t, 24), load<f32>(t, 36), load<f32>(t, 48), load<f32>(t, 60), g + (<usize>k << 2), 12);
  }
}

// The same transforms on four consecutive filters at once, one per lane, in
// the same order of operations as the scalar ones above (so the same bits).

@inline export function gStore4(a: v128, b: v128, c: v128, dst: usize, s: usize): void {
  const ac = f32x4.add(a, c), m6 = f32x4.splat(<f32>(-1.0 / 6.0));
  v128.store(dst, f32x4.mul(a, f32x4.splat(<f32>0.25)));
  v128.store(dst + s, f32x4.mul(f32x4.add(ac, b), m6));
  v128.store(dst + 2 * s, f32x4.mul(f32x4.sub(ac, b), m6));
  const h = f32x4.add(f32x4.mul(a, f32x4.splat(<f32>(1.0 / 24.0))), f32x4.mul(c, f32x4.splat(<f32>(1.0 / 6.0)))), k = f32x4.mul(b, f32x4.splat(<f32>(1.0 / 12.0)));
  v128.store(dst + 3 * s, f32x4.add(h, k));
  v128.store(dst + 4 * s, f32x4.sub(h, k));
  v128.store(dst + 5 * s, c);
}

// Tap k of the four filters at g (9 floats each), one per lane.
@inline function taps(g: usize, k: i32): v128 {
  let v = f32x4.splat(load<f32>(g + (<usize>k << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(g + (<usize>(9 + k) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(g + (<usize>(18 + k) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(g + (<usize>(27 + k) << 2)));
}

/**
 * G g Gᵀ of `count` consecutive 3×3 filters from g (9 floats each) → u[ξ·us +
 * j] for filter j; of the filters rotated by 180° when rot = 1. tmp: 288 bytes.
 */
export function winogradFilters4(g: usize, u: usize, us: usize, count: i32, rot: i32, tmp: usize): void {
  const s = us << 2;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const gj = g + <usize>j * 36;
    for (let k = 0; k < 3; k++) {
      const i0 = rot ? 8 - k : k, i1 = rot ? 5 - k : 3 + k, i2 = rot ? 2 - k : 6 + k;
      gStore4(taps(gj, i0), taps(gj, i1), taps(gj, i2), tmp + (<usize>k << 4), 48);
    }
    const uj = u + (<usize>j << 2);
    for (let i = 0; i < 6; i++) {
      const t = tmp + <usize>i * 48;
      gStore4(v128.load(t), v128.load(t, 16), v128.load(t, 32), uj + <usize>(6 * i) * s, s);
    }
  }
  for (; j < count; j++) winogradFilter4(g + <usize>j * 36, u + (<usize>j << 2), us, rot, tmp);
}

@inline export function gtStore4(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, dst: usize, s: usize): void {
  const p = f32x4.add(u1, u2), q = f32x4.add(u3, u4);
  const s6 = f32x4.splat(<f32>(1.0 / 6.0));
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(u0, f32x4.splat(<f32>0.25)), f32x4.mul(p, s6)), f32x4.mul(q, f32x4.splat(<f32>(1.0 / 24.0)))));
  v128.store(dst + s, f32x4.add(f32x4.mul(f32x4.sub(u2, u1), s6), f32x4.mul(f32x4.sub(u3, u4), f32x4.splat(<f32>(1.0 / 12.0)))));
  v128.store(dst + 2 * s, f32x4.add(f32x4.mul(f32x4.sub(q, p), s6), u5));
}

/** Gᵀ du G of `count` consecutive filters: du[ξ·us + j] → g (9 floats each, overwritten). tmp: 432 bytes. */
export function winogradFilterGrads4(du: usize, us: usize, g: usize, count: i32, tmp: usize): void {
  const s = us << 2;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const dj = du + (<usize>j << 2);
    for (let i = 0; i < 6; i++) {
      const p = dj + <usize>(6 * i) * s;
      gtStore4(v128.load(p), v128.load(p + s), v128.load(p + 2 * s), v128.load(p + 3 * s), v128.load(p + 4 * s), v128.load(p + 5 * s), tmp + <usize>i * 48, 16);
    }
    // Gᵀ down each column k: tap (r, k) of each lane's filter.
    const o = tmp + 288;
    for (let k = 0; k < 3; k++) {
      const t = tmp + (<usize>k << 4);
      gtStore4(v128.load(t), v128.load(t, 48), v128.load(t, 96), v128.load(t, 144), v128.load(t, 192), v128.load(t, 240), o + (<usize>k << 4), 48);
    }
    const gj = g + <usize>j * 36;
    for (let q = 0; q < 9; q++) {
      const v = v128.load(o + (<usize>q << 4)); // tap q = 3r + k at o + (3r + k)·16
      store<f32>(gj + (<usize>q << 2), f32x4.extract_lane(v, 0));
      store<f32>(gj + (<usize>(9 + q) << 2), f32x4.extract_lane(v, 1));
      store<f32>(gj + (<usize>(18 + q) << 2), f32x4.extract_lane(v, 2));
      store<f32>(gj + (<usize>(27 + q) << 2), f32x4.extract_lane(v, 3));
    }
  }
  for (; j < count; j++) winogradFilterGrad4(du + (<usize>j << 2), us, g + <usize>j * 36, tmp);
}
