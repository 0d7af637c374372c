// Tile transforms for maps that F(4×4, 3×3) tiles cover only with overhang
// (14×14, 7×7: docs/conv.md): each side is cut exactly into 4-wide and
// 3-wide tiles (14 = 4 + 4 + 3 + 3, 7 = 4 + 3), and a tile of rr × rc outputs
// takes F(rr, 3) down its columns and F(rc, 3) along its rows:
//   Y = Aᵀ_rr [ (G_rr g G_rcᵀ) ⊙ (Bᵀ_rr d B_rc) ] A_rc,   X = (rr + 2)(rc + 2)
// with F(4, 3)'s matrices (winograd_f4x3.ts) and F(3, 3)'s (winograd_f3x3.ts,
// here with Bᵀ in full, the patch being no plane's zero border):
//   Bᵀ_3 = [2 −1 −2 1 0; 0 −2 −1 1 0; 0 2 −3 1 0; 0 −1 0 1 0; 0 2 −1 −2 1].
// A 14×14 plane costs 22² = 484 products where F(4×4)'s 16 tiles cost 576; a
// 7×7 plane 11² = 121 against 144. Every transform takes one tile position of
// four samples at once (one sample a lane) or, for the filters, four filters.
// The tile transforms' scratch: two 6 × 6 grids of lane vectors, element
// (i, j) at i·96 + j·16; the filter transforms' (blocks of filters): below.
// @ts-nocheck
import { tr0, tr1, lo2, hi2 } from "./winograd_f2x3";
import { btStore as bt4, atStore as at4, aStore as a4, bStore as b4, gStore4 as g4, gtStore4 as gt4 } from "./winograd_f4x3";
import { atStore as at3, aStore as a3, gStore as g3, gtStore as gt3, gather } from "./winograd_f3x3";

/** Bytes of scratch each tile transform below needs. */
export const SCRATCH43: usize = 1152;
const ROW: usize = 96;

@inline function mul(a: v128, k: f32): v128 { return f32x4.mul(a, f32x4.splat(k)); }
@inline function ld(p: usize, i: i32, s: usize): v128 { return v128.load(p + <usize>i * s); }

// Bᵀ_3 applied to five values; result i (0…4) at dst + i·s.
@inline function bt3(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, dst: usize, s: usize): void {
  const a = f32x4.sub(d3, d1);
  v128.store(dst, f32x4.add(f32x4.sub(mul(d0, 2), mul(d2, 2)), a));
  v128.store(dst + s, f32x4.sub(f32x4.sub(d3, mul(d1, 2)), d2));
  v128.store(dst + 2 * s, f32x4.add(f32x4.sub(d3, mul(d2, 3)), mul(d1, 2)));
  v128.store(dst + 3 * s, a);
  v128.store(dst + 4 * s, f32x4.add(f32x4.sub(f32x4.sub(mul(d1, 2), d2), mul(d3, 2)), d4));
}

// B_3 (the transpose of Bᵀ_3, the adjoint of bt3) applied to five values; result j (0…4) at dst + j·s.
@inline function b3(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, dst: usize, s: usize): void {
  const q = f32x4.add(v0, v3);
  v128.store(dst, mul(v0, 2));
  v128.store(dst + s, f32x4.sub(mul(f32x4.sub(f32x4.add(v2, v4), v1), 2), q));
  v128.store(dst + 2 * s, f32x4.sub(f32x4.sub(f32x4.sub(mul(v0, -2), v1), mul(v2, 3)), v4));
  v128.store(dst + 3 * s, f32x4.sub(f32x4.add(f32x4.add(q, v1), v2), mul(v4, 2)));
  v128.store(dst + 4 * s, v4);
}

// The 1-D transforms by tile side r: r + 2 values (or 3, or r) from src (ss
// bytes apart) to dst (ds bytes apart).
@inline function bt(r: i32, src: usize, ss: usize, dst: usize, ds: usize): void {
  if (r == 4) bt4(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), ld(src, 5, ss), dst, ds);
  else bt3(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), dst, ds);
}
@inline function bb(r: i32, src: usize, ss: usize, dst: usize, ds: usize): void {
  if (r == 4) b4(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), ld(src, 5, ss), dst, ds);
  else b3(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), dst, ds);
}
@inline function at(r: i32, src: usize, ss: usize, dst: usize, ds: usize): void {
  if (r == 4) at4(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), ld(src, 5, ss), dst, ds);
  else at3(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), dst, ds);
}
@inline function aa(r: i32, src: usize, ss: usize, dst: usize, ds: usize): void {
  if (r == 4) a4(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), dst, ds);
  else a3(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), dst, ds);
}
@inline function gg(r: i32, src: usize, ss: usize, dst: usize, ds: usize): void {
  if (r == 4) g4(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), dst, ds);
  else g3(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), dst, ds);
}
@inline function ggt(r: i32, src: usize, ss: usize, dst: usize, ds: usize): void {
  if (r == 4) gt4(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), ld(src, 5, ss), dst, ds);
  else gt3(ld(src, 0, ss), ld(src, 1, ss), ld(src, 2, ss), ld(src, 3, ss), ld(src, 4, ss), dst, ds);
}

// Lane l's float at p_l + o, one per lane.
@inline function lanes4(p0: usize, p1: usize, p2: usize, p3: usize, o: usize): v128 {
  let v = f32x4.splat(load<f32>(p0 + o));
  v = f32x4.replace_lane(v, 1, load<f32>(p1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(p2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(p3 + o));
}

// Row vectors a_l (4 floats of lane l) transposed into value columns 0…3 at g + j·16.
@inline function transposeInto(a0: v128, a1: v128, a2: v128, a3: v128, g: usize): void {
  const p = tr0(a0, a1), q = tr0(a2, a3), r = tr1(a0, a1), t = tr1(a2, a3);
  v128.store(g, lo2(p, q)); v128.store(g, hi2(p, q), 16); v128.store(g, lo2(r, t), 32); v128.store(g, hi2(r, t), 48);
}

/**
 * Bᵀ_rr d B_rc of one tile position of four samples: lane l's (rr + 2) ×
 * (rc + 2) patch starts at p_l in a zero-padded plane whose rows are pb bytes
 * apart (a lane without a sample points into a zero plane); writes v[ξ·vs]
 * (4 lanes), ξ = i·(rc + 2) + j.
 */
export function mixedInput(rr: i32, rc: i32, p0: usize, p1: usize, p2: usize, p3: usize, pb: usize, v: usize, vs: usize, tmp: usize): void {
  const P = rr + 2, Q = rc + 2, s = vs << 2, A = tmp, B = tmp + 576;
  for (let i = 0; i < P; i++) {
    const o = <usize>i * pb, g = A + <usize>i * ROW;
    transposeInto(v128.load(p0 + o), v128.load(p1 + o), v128.load(p2 + o), v128.load(p3 + o), g);
    v128.store(g, lanes4(p0, p1, p2, p3, o + 16), 64);
    if (Q == 6) v128.store(g, lanes4(p0, p1, p2, p3, o + 20), 80);
  }
  for (let j = 0; j < Q; j++) bt(rr, A + (<usize>j << 4), ROW, B + (<usize>j << 4), ROW);
  for (let i = 0; i < P; i++) bt(rc, B + <usize>i * ROW, 16, v + <usize>(i * Q) * s, s);
}

/**
 * Aᵀ_rr m A_rc of one tile position of four samples: m[ξ·ms] (4 lanes) → lane
 * l's rr × rc outputs at y_l (rows rowB bytes apart; y_l = 0: no sample).
 */
export function mixedOutput(rr: i32, rc: i32, m: usize, ms: usize, y0: usize, y1: usize, y2: usize, y3: usize, rowB: usize, tmp: usize): void {
  const Q = rc + 2, s = ms << 2, A = tmp, B = tmp + 576;
  for (let j = 0; j < Q; j++) at(rr, m + <usize>j * s, <usize>Q * s, A + (<usize>j << 4), ROW);
  for (let a = 0; a < rr; a++) {
    const g = B + <usize>a * ROW;
    at(rc, A + <usize>a * ROW, 16, g, 16);
    const c0 = v128.load(g), c1 = v128.load(g, 16), c2 = v128.load(g, 32), c3 = rc == 4 ? v128.load(g, 48) : f32x4.splat(0);
    const p = tr0(c0, c1), q = tr0(c2, c3), r = tr1(c0, c1), t = tr1(c2, c3), o = <usize>a * rowB;
    storeRow(rc, y0, o, lo2(p, q)); storeRow(rc, y1, o, hi2(p, q)); storeRow(rc, y2, o, lo2(r, t)); storeRow(rc, y3, o, hi2(r, t));
  }
}

// rc outputs of one lane's row at y + o (y = 0: none).
@inline function storeRow(rc: i32, y: usize, o: usize, v: v128): void {
  if (!y) return;
  if (rc == 4) { v128.store(y + o, v); return; }
  v128.store64_lane(y + o, v, 0);
  v128.store_lane<f32>(y + o + 8, v, 2);
}

// rc floats of one lane's row at p (the rest of the vector 0).
@inline function loadRow(rc: i32, p: usize): v128 {
  if (rc == 4) return v128.load(p);
  return f32x4.replace_lane(v128.load64_zero(p), 2, load<f32>(p, 8));
}

/**
 * A_rr e Aᵀ_rc (the gradient of the transformed product) of one tile position
 * of four samples: lane l's rr × rc output gradients at e_l (rows rowB bytes
 * apart; a lane without a sample points at zeros with rowB = 0 as zb) →
 * dm[ξ·ms] (4 lanes).
 */
export function mixedGrad(rr: i32, rc: i32, e0: usize, e1: usize, e2: usize, e3: usize, rowB: usize, zb: usize, dm: usize, ms: usize, tmp: usize): void {
  const P = rr + 2, Q = rc + 2, s = ms << 2, A = tmp, B = tmp + 576;
  for (let a = 0; a < rr; a++) {
    const o = <usize>a * rowB;
    transposeInto(loadRow(rc, e0 + o), loadRow(rc, e1 == zb ? e1 : e1 + o), loadRow(rc, e2 == zb ? e2 : e2 + o), loadRow(rc, e3 == zb ? e3 : e3 + o), A + <usize>a * ROW);
  }
  for (let b = 0; b < rc; b++) aa(rr, A + (<usize>b << 4), ROW, B + (<usize>b << 4), ROW);
  for (let i = 0; i < P; i++) aa(rc, B + <usize>i * ROW, 16, dm + <usize>(i * Q) * s, s);
}

/**
 * The input gradient's share of one tile position of four samples, the
 * adjoint of mixedInput: B_rr dv Bᵀ_rc from dv[ξ·ms] (4 lanes), lane l's
 * (rr + 2) × (rc + 2) patch added into the zero-padded plane at q_l (rows pb
 * bytes apart; q_l = 0: no sample).
 */
export function mixedInputGrad(rr: i32, rc: i32, dv: usize, ms: usize, q0: usize, q1: usize, q2: usize, q3: usize, pb: usize, tmp: usize): void {
  const P = rr + 2, Q = rc + 2, s = ms << 2, A = tmp, B = tmp + 576;
  for (let j = 0; j < Q; j++) bb(rr, dv + <usize>j * s, <usize>Q * s, A + (<usize>j << 4), ROW);
  for (let i = 0; i < P; i++) {
    const g = B + <usize>i * ROW, o = <usize>i * pb;
    bb(rc, A + <usize>i * ROW, 16, g, 16);
    const c0 = v128.load(g), c1 = v128.load(g, 16), c2 = v128.load(g, 32), c3 = v128.load(g, 48);
    const p = tr0(c0, c1), q = tr0(c2, c3), r = tr1(c0, c1), t = tr1(c2, c3);
    addRow(Q, q0, o, lo2(p, q), g, 0); addRow(Q, q1, o, hi2(p, q), g, 1); addRow(Q, q2, o, lo2(r, t), g, 2); addRow(Q, q3, o, hi2(r, t), g, 3);
  }
}

// Lane l's patch row: values 0…3 (v) and 4…Q − 1 (lane l of g's vectors 4, 5) added at q + o.
@inline function addRow(Q: i32, q: usize, o: usize, v: v128, g: usize, l: usize): void {
  if (!q) return;
  const p = q + o;
  v128.store(p, f32x4.add(v128.load(p), v));
  store<f32>(p, load<f32>(p, 16) + load<f32>(g + 64 + (l << 2)), 16);
  if (Q == 6) store<f32>(p, load<f32>(p, 20) + load<f32>(g + 80 + (l << 2)), 20);
}

// The filter transforms take blocks of GROUPS groups of four filters: each
// of a class's X_k slabs then gets GROUPS consecutive vectors at a time. One
// group at a time wrote (or read) 121 slabs, each on its own page, for every
// four filters, which overran the TLB (the 7×7 block's filter gradient: 256 ×
// 128 filters, slabs 128 KiB apart).
const GROUPS: i32 = 16;
/** Bytes of scratch mixedFilters and mixedFilterGrads need. */
export const FILTER_SCRATCH43: usize = 144 + <usize>GROUPS * 528 + 96 + 48;

/**
 * U_k = G_rr g G_rcᵀ of `count` consecutive 3×3 filters from g (9 floats
 * each) for the four classes k (rr, rc) = (4, 4), (4, 3), (3, 4), (3, 3) →
 * u_k[ξ·us + j] for filter j (u_k = 0: a class without tiles), four filters a
 * lane group: their taps gathered once, G_4 and G_3 down the columns once,
 * then each class's G_rc along the rows. tmp: FILTER_SCRATCH43 bytes.
 */
export function mixedFilters(g: usize, u0: usize, u1: usize, u2: usize, u3: usize, us: usize, count: i32, tmp: usize): void {
  const s = us << 2, x = tmp, cols = tmp + 144, B = cols + <usize>GROUPS * 528, z = B + 96;
  memory.fill(z, 0, 48);
  for (let j0 = 0; j0 < count; j0 += 4 * GROUPS) {
    const groups = min(GROUPS, (count - j0 + 3) >> 2);
    for (let q = 0; q < groups; q++) {
      const j = j0 + 4 * q, m = count - j, gj = g + <usize>j * 36;
      // Tap 3k + c of each lane's filter at x + (3k + c)·16.
      gather(gj, m > 1 ? gj + 36 : z, m > 2 ? gj + 72 : z, m > 3 ? gj + 108 : z, x);
      // G_4 and G_3 down each column c: group q's A_4[i][c] at i·48 + c·16, then A_3.
      const A4 = cols + <usize>q * 528, A3 = A4 + 288;
      for (let c: usize = 0; c < 3; c++) {
        gg(4, x + (c << 4), 48, A4 + (c << 4), 48);
        gg(3, x + (c << 4), 48, A3 + (c << 4), 48);
      }
    }
    rowsG(4, 4, cols, u0, j0, count, groups, s, B); rowsG(4, 3, cols, u1, j0, count, groups, s, B);
    rowsG(3, 4, cols + 288, u2, j0, count, groups, s, B); rowsG(3, 3, cols + 288, u3, j0, count, groups, s, B);
  }
}

// G_rc along each row i of each group's A (group q's at A + q·528, row i at
// i·48) into u[ξ·s] from filter j0 on: straight for whole groups, through B
// for a last, part-full one.
@inline function rowsG(rr: i32, rc: i32, A: usize, u: usize, j0: i32, count: i32, groups: i32, s: usize, B: usize): void {
  if (!u) return;
  const P = rr + 2, Q = rc + 2;
  for (let i = 0; i < P; i++) {
    const ui = u + <usize>(i * Q) * s;
    for (let q = 0; q < groups; q++) {
      const j = j0 + 4 * q, m = count - j, src = A + <usize>q * 528 + <usize>i * 48;
      if (m >= 4) { gg(rc, src, 16, ui + (<usize>j << 2), s); continue; }
      gg(rc, src, 16, B, 16);
      for (let c = 0; c < Q; c++) {
        const d = ui + <usize>c * s + (<usize>j << 2);
        for (let l = 0; l < m; l++) store<f32>(d + (<usize>l << 2), load<f32>(B + (<usize>c << 4) + (<usize>l << 2)));
      }
    }
  }
}

/**
 * The filter gradient of `count` consecutive 3×3 filters, overwritten at g
 * (9 floats each): Σ_k G_rrᵀ dU_k G_rc over the classes with tiles (du_k ≠
 * 0; du_k[ξ·us + j] for filter j), summed in class order, four filters a lane
 * group (lanes past count read the slab's next floats and are not stored).
 * tmp: FILTER_SCRATCH43 bytes.
 */
export function mixedFilterGrads(du0: usize, du1: usize, du2: usize, du3: usize, us: usize, g: usize, count: i32, tmp: usize): void {
  const s = us << 2, A = tmp, acc = tmp + <usize>GROUPS * 288, one = acc + <usize>GROUPS * 144;
  for (let j0 = 0; j0 < count; j0 += 4 * GROUPS) {
    const groups = min(GROUPS, (count - j0 + 3) >> 2);
    let first = true;
    for (let k = 0; k < 4; k++) {
      const du = k == 0 ? du0 : k == 1 ? du1 : k == 2 ? du2 : du3;
      if (!du) continue;
      const rr = sideR(k), rc = sideC(k), P = rr + 2, Q = rc + 2;
      // · G_rc along each row i, slab by slab across the groups: group q's A[i][c] at A + q·288 + i·48 + c·16.
      for (let i = 0; i < P; i++) {
        const di = du + <usize>(i * Q) * s;
        for (let q = 0; q < groups; q++) ggt(rc, di + (<usize>(j0 + 4 * q) << 2), s, A + <usize>q * 288 + <usize>i * 48, 16);
      }
      // G_rrᵀ down each column c: tap 3r + c at w + (3r + c)·16; the classes added in order.
      for (let q = 0; q < groups; q++) {
        const Aq = A + <usize>q * 288, w = first ? acc + <usize>q * 144 : one;
        for (let c = 0; c < 3; c++) ggt(rr, Aq + (<usize>c << 4), 48, w + (<usize>c << 4), 48);
        if (first) continue;
        const aq = acc + <usize>q * 144;
        for (let t: usize = 0; t < 9; t++) v128.store(aq + (t << 4), f32x4.add(v128.load(aq + (t << 4)), v128.load(one + (t << 4))));
      }
      first = false;
    }
    for (let q = 0; q < groups; q++) {
      const j = j0 + 4 * q, m = min(4, count - j), gj = g + <usize>j * 36, aq = acc + <usize>q * 144;
      for (let l = 0; l < m; l++) {
        const gl = gj + <usize>l * 36;
        for (let t = 0; t < 9; t++) store<f32>(gl + (<usize>t << 2), load<f32>(aq + (<usize>t << 4) + (<usize>l << 2)));
      }
    }
  }
}

/** Class k's tile rows (rr) and columns (rc): (4, 4), (4, 3), (3, 4), (3, 3). */
@inline export function sideR(k: i32): i32 { return k < 2 ? 4 : 3; }
@inline export function sideC(k: i32): i32 { return (k & 1) ? 3 : 4; }
