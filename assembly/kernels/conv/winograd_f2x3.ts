// Winograd F(2×2, 3×3) tile transforms (Lavin & Gray 2016, "Fast Algorithms
// for Convolutional Neural Networks", §4.1): a 2×2 output tile of a 3×3
// correlation is
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// with d the 4×4 input patch and
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
//   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
// The 16 products ξ = 4i + j are summed over input channels by 16 GEMMs
// (winograd.ts). Gradients: with dY the 2×2 output gradient, the gradient of
// the transformed product is A dY Aᵀ, and of the 3×3 filter Gᵀ dU G.
//
// Data layout: a transformed tensor is [16][channels][T] with T = samples ·
// TP4 tiles, TP4 the tiles of a plane rounded up to 4 so that 4 consecutive
// tiles of one plane fill the four lanes; the lanes past the plane's tiles
// hold 0 (their GEMM columns are 0 and are never read back).
// @ts-nocheck

/** Per-plane tile count, rounded up to a multiple of 4. */
@inline export function tilesPadded(oh: i32, ow: i32): i32 {
  return (((oh + 1) >> 1) * ((ow + 1) >> 1) + 3) & ~3;
}

// 4×4 transpose of rows r0..r3 (also winograd_f4x3.ts's).
@inline export function tr0(r0: v128, r1: v128): v128 { return i32x4.shuffle(r0, r1, 0, 4, 1, 5); }
@inline export function tr1(r0: v128, r1: v128): v128 { return i32x4.shuffle(r0, r1, 2, 6, 3, 7); }
@inline export function lo2(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 0, 1, 4, 5); }
@inline export function hi2(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 2, 3, 6, 7); }

// Row of Bᵀ d B: [a b c d] ↦ [a − c, b + c, c − b, b − d] (a sign flip and an add per lane).
@inline function btRow(w: v128): v128 {
  const p = i32x4.shuffle(w, w, 0, 1, 2, 1);
  const q = i32x4.shuffle(w, w, 2, 2, 1, 3);
  return f32x4.add(p, v128.xor(q, f32x4(-0.0, 0.0, -0.0, -0.0)));
}

// Bᵀ d B of the patch whose rows start at p (pitch bytes apart): the four
// result rows, row i holding ξ = 4i…4i+3.
@inline function inputTile(p: usize, pitch: usize, out: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + pitch), d2 = v128.load(p + 2 * pitch), d3 = v128.load(p + 3 * pitch);
  v128.store(out, btRow(f32x4.sub(d0, d2)));
  v128.store(out, btRow(f32x4.add(d1, d2)), 16);
  v128.store(out, btRow(f32x4.sub(d2, d1)), 32);
  v128.store(out, btRow(f32x4.sub(d1, d3)), 48);
}

/**
 * Bᵀ d B of every tile of one zero-padded plane: pp is the plane with one
 * zero row and column before the image and zeros after it (pitch floats a
 * row), at least 4 zero rows from `zero` on for the lanes past the tiles;
 * writes v[ξ·vs + t] for the plane's TP4 tiles t. tmp: 64 floats.
 */
export function winogradInputPlane(pp: usize, pitch: i32, zero: usize, oh: i32, ow: i32, v: usize, vs: usize, tmp: usize): void {
  const tw = (ow + 1) >> 1, tp = ((oh + 1) >> 1) * tw, tp4 = (tp + 3) & ~3;
  const pb = <usize>pitch << 2;
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp4; k0 += 4) {
    for (let l = 0; l < 4; l++) {
      const src = k0 + l < tp ? pp + ((<usize>(2 * ty) * pitch + 2 * tx) << 2) : zero;
      inputTile(src, pb, tmp + (<usize>l << 6));
      if (++tx == tw) { tx = 0; ty++; }
    }
    // tmp[l][i][j] → v[4i + j][k0 + l]: one transpose per row i.
    for (let i = 0; i < 4; i++) {
      const o = <usize>i << 4;
      const r0 = v128.load(tmp + o), r1 = v128.load(tmp + o, 64), r2 = v128.load(tmp + o, 128), r3 = v128.load(tmp + o, 192);
      const a = tr0(r0, r1), b = tr0(r2, r3), c = tr1(r0, r1), d = tr1(r2, r3);
      const dst = v + (<usize>(4 * i) * vs + k0 << 2);
      const s = vs << 2;
      v128.store(dst, lo2(a, b));
      v128.store(dst + s, hi2(a, b));
      v128.store(dst + 2 * s, lo2(c, d));
      v128.store(dst + 3 * s, hi2(c, d));
    }
  }
}

// One tile's [y00 y01 y10 y11] into the plane y (ow wide, oh high) at its tile position.
@inline function storeTile(y: usize, oh: i32, ow: i32, ty: i32, tx: i32, v: v128): void {
  const oy = 2 * ty, ox = 2 * tx;
  const p = y + ((<usize>oy * ow + ox) << 2);
  const wide = ox + 1 < ow, tall = oy + 1 < oh;
  if (wide) v128.store64_lane(p, v, 0); else v128.store_lane<f32>(p, v, 0);
  if (tall) {
    const q = p + (<usize>ow << 2);
    if (wide) v128.store64_lane(q, v, 1); else v128.store_lane<f32>(q, v, 2);
  }
}

/**
 * Aᵀ m A of every tile of one output plane: m[ξ·ms + t] for the plane's
 * tiles → y (oh × ow), overwritten.
 */
export function winogradOutputPlane(m: usize, ms: usize, oh: i32, ow: i32, y: usize): void {
  const tw = (ow + 1) >> 1, tp = ((oh + 1) >> 1) * tw;
  const s = ms << 2;
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp; k0 += 4) {
    const b = m + (<usize>k0 << 2);
    // Aᵀ m: r0j = m0j + m1j + m2j, r1j = m1j − m2j − m3j, lanes over 4 tiles.
    let r00 = f32x4.splat(0), r01 = r00, r02 = r00, r03 = r00, r10 = r00, r11 = r00, r12 = r00, r13 = r00;
    {
      const m0 = v128.load(b), m1 = v128.load(b + 4 * s), m2 = v128.load(b + 8 * s), m3 = v128.load(b + 12 * s);
      r00 = f32x4.add(f32x4.add(m0, m1), m2); r10 = f32x4.sub(f32x4.sub(m1, m2), m3);
    }
    {
      const m0 = v128.load(b + s), m1 = v128.load(b + 5 * s), m2 = v128.load(b + 9 * s), m3 = v128.load(b + 13 * s);
      r01 = f32x4.add(f32x4.add(m0, m1), m2); r11 = f32x4.sub(f32x4.sub(m1, m2), m3);
    }
    {
      const m0 = v128.load(b + 2 * s), m1 = v128.load(b + 6 * s), m2 = v128.load(b + 10 * s), m3 = v128.load(b + 14 * s);
      r02 = f32x4.add(f32x4.add(m0, m1), m2); r12 = f32x4.sub(f32x4.sub(m1, m2), m3);
    }
    {
      const m0 = v128.load(b + 3 * s), m1 = v128.load(b + 7 * s), m2 = v128.load(b + 11 * s), m3 = v128.load(b + 15 * s);
      r03 = f32x4.add(f32x4.add(m0, m1), m2); r13 = f32x4.sub(f32x4.sub(m1, m2), m3);
    }
    // · A: y·0 = r·0 + r·1 + r·2, y·1 = r·1 − r·2 − r·3.
    const y00 = f32x4.add(f32x4.add(r00, r01), r02), y01 = f32x4.sub(f32x4.sub(r01, r02), r03);
    const y10 = f32x4.add(f32x4.add(r10, r11), r12), y11 = f32x4.sub(f32x4.sub(r11, r12), r13);
    // Per tile [y00 y01 y10 y11].
    const a = tr0(y00, y01), c = tr0(y10, y11), e = tr1(y00, y01), f = tr1(y10, y11);
    const n = min(4, tp - k0);
    storeTile(y, oh, ow, ty, tx, lo2(a, c));
    if (++tx == tw) { tx = 0; ty++; }
    if (n > 1) { storeTile(y, oh, ow, ty, tx, hi2(a, c)); if (++tx == tw) { tx = 0; ty++; } }
    if (n > 2) { storeTile(y, oh, ow, ty, tx, lo2(e, f)); if (++tx == tw) { tx = 0; ty++; } }
    if (n > 3) { storeTile(y, oh, ow, ty, tx, hi2(e, f)); if (++tx == tw) { tx = 0; ty++; } }
  }
}

// One tile's output gradient [e00 e01 e10 e11] (0 past the plane's edge).
@inline function loadTile(dy: usize, oh: i32, ow: i32, ty: i32, tx: i32): v128 {
  const oy = 2 * ty, ox = 2 * tx;
  const p = dy + ((<usize>oy * ow + ox) << 2);
  const wide = ox + 1 < ow;
  const top = wide ? v128.load64_zero(p) : v128.load32_zero(p);
  if (oy + 1 >= oh) return top;
  const q = p + (<usize>ow << 2);
  return i32x4.shuffle(top, wide ? v128.load64_zero(q) : v128.load32_zero(q), 0, 1, 4, 5);
}

/**
 * A e Aᵀ (the gradient of the transformed product) of every tile of one
 * output-gradient plane dy (oh × ow) → dm[ξ·ms + t] for the plane's TP4 tiles.
 */
export function winogradGradPlane(dy: usize, oh: i32, ow: i32, dm: usize, ms: usize): void {
  const tw = (ow + 1) >> 1, tp = ((oh + 1) >> 1) * tw, tp4 = (tp + 3) & ~3;
  const s = ms << 2;
  let ty = 0, tx = 0;
  for (let k0 = 0; k0 < tp4; k0 += 4) {
    let t0 = f32x4.splat(0), t1 = t0, t2 = t0, t3 = t0;
    if (k0 < tp) { t0 = loadTile(dy, oh, ow, ty, tx); if (++tx == tw) { tx = 0; ty++; } }
    if (k0 + 1 < tp) { t1 = loadTile(dy, oh, ow, ty, tx); if (++tx == tw) { tx = 0; ty++; } }
    if (k0 + 2 < tp) { t2 = loadTile(dy, oh, ow, ty, tx); if (++tx == tw) { tx = 0; ty++; } }
    if (k0 + 3 < tp) { t3 = loadTile(dy, oh, ow, ty, tx); if (++tx == tw) { tx = 0; ty++; } }
    // Lanes over tiles: e00, e01, e10, e11.
    const a = tr0(t0, t1), b = tr0(t2, t3), c = tr1(t0, t1), d = tr1(t2, t3);
    const e00 = lo2(a, b), e01 = hi2(a, b), e10 = lo2(c, d), e11 = hi2(c, d);
    // A e: rows f0 = e0, f1 = e0 + e1, f2 = e0 − e1, f3 = −e1 (per column j).
    const dst = dm + (<usize>k0 << 2);
    gradRow(dst, s, 0, e00, e01);
    gradRow(dst, s, 1, f32x4.add(e00, e10), f32x4.add(e01, e11));
    gradRow(dst, s, 2, f32x4.sub(e00, e10), f32x4.sub(e01, e11));
    gradRow(dst, s, 3, f32x4.neg(e10), f32x4.neg(e11));
  }
}

// Row i of (A e) Aᵀ from the row's two columns: [f0, f0 + f1, f0 − f1, −f1].
@inline function gradRow(dst: usize, s: usize, i: i32, f0: v128, f1: v128): void {
  const p = dst + <usize>(4 * i) * s;
  v128.store(p, f0);
  v128.store(p + s, f32x4.add(f0, f1));
  v128.store(p + 2 * s, f32x4.sub(f0, f1));
  v128.store(p + 3 * s, f32x4.neg(f1));
}

/** G g Gᵀ of one 3×3 filter g (row-major) → u[ξ·us], ξ = 0…15. */
export function winogradFilter(g: usize, u: usize, us: usize): void {
  const s = us << 2;
  for (let i = 0; i < 4; i++) {
    // Row i of G g: G's row i against g's columns.
    let a: f32, b: f32, c: f32;
    const c0 = load<f32>(g), c1 = load<f32>(g, 4), c2 = load<f32>(g, 8);
    const d0 = load<f32>(g, 12), d1 = load<f32>(g, 16), d2 = load<f32>(g, 20);
    const e0 = load<f32>(g, 24), e1 = load<f32>(g, 28), e2 = load<f32>(g, 32);
    if (i == 0) { a = c0; b = c1; c = c2; }
    else if (i == 1) { a = <f32>0.5 * (c0 + d0 + e0); b = <f32>0.5 * (c1 + d1 + e1); c = <f32>0.5 * (c2 + d2 + e2); }
    else if (i == 2) { a = <f32>0.5 * (c0 - d0 + e0); b = <f32>0.5 * (c1 - d1 + e1); c = <f32>0.5 * (c2 - d2 + e2); }
    else { a = e0; b = e1; c = e2; }
    const p = u + <usize>(4 * i) * s;
    store<f32>(p, a);
    store<f32>(p + s, <f32>0.5 * (a + b + c));
    store<f32>(p + 2 * s, <f32>0.5 * (a - b + c));
    store<f32>(p + 3 * s, c);
  }
}

/** Gᵀ du G: the 3×3 filter gradient (row-major, overwritten) from du[ξ·us]. */
export function winogradFilterGrad(du: usize, us: usize, g: usize): void {
  const s = us << 2;
  // Rows of du · G: [u0 + ½(u1 + u2), ½(u1 − u2), ½(u1 + u2) + u3].
  let r00: f32 = 0, r01: f32 = 0, r02: f32 = 0, r10: f32 = 0, r11: f32 = 0, r12: f32 = 0;
  let r20: f32 = 0, r21: f32 = 0, r22: f32 = 0, r30: f32 = 0, r31: f32 = 0, r32: f32 = 0;
  for (let i = 0; i < 4; i++) {
    const p = du + <usize>(4 * i) * s;
    const u0 = load<f32>(p), u1 = load<f32>(p + s), u2 = load<f32>(p + 2 * s), u3 = load<f32>(p + 3 * s);
    const h = <f32>0.5 * (u1 + u2);
    const a = u0 + h, b = <f32>0.5 * (u1 - u2), c = h + u3;
    if (i == 0) { r00 = a; r01 = b; r02 = c; }
    else if (i == 1) { r10 = a; r11 = b; r12 = c; }
    else if (i == 2) { r20 = a; r21 = b; r22 = c; }
    else { r30 = a; r31 = b; r32 = c; }
  }
  // Gᵀ · rows: same combination down the columns.
  store<f32>(g, r00 + <f32>0.5 * (r10 + r20)); store<f32>(g, r01 + <f32>0.5 * (r11 + r21), 4); store<f32>(g, r02 + <f32>0.5 * (r12 + r22), 8);
  store<f32>(g, <f32>0.5 * (r10 - r20), 12); store<f32>(g, <f32>0.5 * (r11 - r21), 16); store<f32>(g, <f32>0.5 * (r12 - r22), 20);
  store<f32>(g, <f32>0.5 * (r10 + r20) + r30, 24); store<f32>(g, <f32>0.5 * (r11 + r21) + r31, 28); store<f32>(g, <f32>0.5 * (r12 + r22) + r32, 32);
}
