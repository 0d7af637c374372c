// Winograd F(3×3, 3×3) tile transforms for 3×3 maps (Lavin & Gray 2016,
// "Fast Algorithms for Convolutional Neural Networks", §4; interpolation points
// 0, 1, −1, 2, ∞; docs/conv.md): with padding 1 a 3×3 plane is one tile whose
// 5×5 patch d is the plane with a zero border, and
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// with
//   Bᵀ = [2 −1 −2 1 0; 0 −2 −1 1 0; 0 2 −3 1 0; 0 −1 0 1 0; 0 2 −1 −2 1],
//   G  = [½ 0 0; −½ −½ −½; −⅙ ⅙ −⅙; ⅙ ⅓ ⅔; 0 0 1],
//   Aᵀ = [1 1 1 1 0; 0 1 −1 2 0; 0 1 1 4 1].
// 25 products for the 9 outputs, where F(4×4, 3×3) spends 36 on the same
// plane (its tile overhangs by a row and a column) and direct convolution 49
// (the taps inside the plane). Gradients: dM = A dY Aᵀ, dW = Gᵀ dU G; the
// input gradient is the forward pass's adjoint: dV = Uᵀ dM, dX = the interior
// of B dV Bᵀ (one tile a plane, so no overlapping patches to add), which
// needs neither a rotated filter's transform nor a transform of dY of its own.
//
// Layout as F(4×4) on one-tile maps (winograd.ts): [25][channels][T], one
// column per sample, four samples in the four lanes of every transform.
// @ts-nocheck
import { tr0, tr1, lo2, hi2 } from "./winograd_f2x3";

/** Bytes of per-thread scratch the transforms below need. */
export const SCRATCH3: usize = 832;

@inline function mul(a: v128, k: f32): v128 { return f32x4.mul(a, f32x4.splat(k)); }

// Bᵀ applied to (0, u1, u2, u3, 0), the patch's zero border dropped; result i (0…4) at dst + i·s.
@inline function btStore(u1: v128, u2: v128, u3: v128, dst: usize, s: usize): void {
  const a = f32x4.sub(u3, u1);
  v128.store(dst, f32x4.sub(a, mul(u2, 2)));
  v128.store(dst + s, f32x4.sub(f32x4.sub(u3, mul(u1, 2)), u2));
  v128.store(dst + 2 * s, f32x4.add(f32x4.sub(u3, mul(u2, 3)), mul(u1, 2)));
  v128.store(dst + 3 * s, a);
  v128.store(dst + 4 * s, f32x4.sub(f32x4.sub(mul(u1, 2), u2), mul(u3, 2)));
}

// B's interior rows 1…3 (Bᵀ's columns 1…3, the adjoint of btStore) applied to
// five values; result a (0…2) at dst + a·s.
@inline function bStore(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, dst: usize, s: usize): void {
  const q = f32x4.add(v0, v3);
  v128.store(dst, f32x4.sub(mul(f32x4.sub(f32x4.add(v2, v4), v1), 2), q));
  v128.store(dst + s, f32x4.sub(f32x4.sub(f32x4.sub(mul(v0, -2), v1), mul(v2, 3)), v4));
  v128.store(dst + 2 * s, f32x4.sub(f32x4.add(f32x4.add(q, v1), v2), mul(v4, 2)));
}

// Aᵀ applied to five values; result a (0…2) at dst + a·s.
@inline export function atStore(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, dst: usize, s: usize): void {
  const p = f32x4.add(m1, m2);
  v128.store(dst, f32x4.add(f32x4.add(m0, p), m3));
  v128.store(dst + s, f32x4.add(f32x4.sub(m1, m2), mul(m3, 2)));
  v128.store(dst + 2 * s, f32x4.add(f32x4.add(p, mul(m3, 4)), m4));
}

// A (the transpose of Aᵀ) applied to three values; result i (0…4) at dst + i·s.
@inline export function aStore(e0: v128, e1: v128, e2: v128, dst: usize, s: usize): void {
  const p = f32x4.add(e0, e2);
  v128.store(dst, e0);
  v128.store(dst + s, f32x4.add(p, e1));
  v128.store(dst + 2 * s, f32x4.sub(p, e1));
  v128.store(dst + 3 * s, f32x4.add(f32x4.add(e0, mul(e1, 2)), mul(e2, 4)));
  v128.store(dst + 4 * s, e2);
}

/**
 * The nine values of four 3×3 planes (lane l from the plane at p_l; a lane
 * without a sample points at 9 zero floats), transposed: value q of every
 * lane at t + q·16.
 */
@inline export function gather(p0: usize, p1: usize, p2: usize, p3: usize, t: usize): void {
  for (let o: usize = 0; o < 32; o += 16) {
    const a0 = v128.load(p0 + o), a1 = v128.load(p1 + o), a2 = v128.load(p2 + o), a3 = v128.load(p3 + o);
    const p = tr0(a0, a1), q = tr0(a2, a3), r = tr1(a0, a1), u = tr1(a2, a3);
    const d = t + (o << 2);
    v128.store(d, lo2(p, q)); v128.store(d, hi2(p, q), 16); v128.store(d, lo2(r, u), 32); v128.store(d, hi2(r, u), 48);
  }
  let v = f32x4.splat(load<f32>(p0, 32));
  v = f32x4.replace_lane(v, 1, load<f32>(p1, 32));
  v = f32x4.replace_lane(v, 2, load<f32>(p2, 32));
  v128.store(t, f32x4.replace_lane(v, 3, load<f32>(p3, 32)), 128);
}

/**
 * Bᵀ d B of four samples' 3×3 planes (p_l as in gather) → v[ξ·vs] (4 lanes),
 * ξ = 0…24. tmp: SCRATCH3 bytes.
 */
export function winogradInputGroup3(p0: usize, p1: usize, p2: usize, p3: usize, v: usize, vs: usize, tmp: usize): void {
  fromPlanes(0, p0, p1, p2, p3, v, vs, tmp);
}

// Kind 0: Bᵀ · B of the zero-bordered patch (the input); kind 1: A · Aᵀ (the
// output gradient). Both take a plane's 3×3 values to 5×5: down each of the
// plane's columns into f[i][b], then along each row i of f into t[ξ·ts].
@inline function fromPlanes(kind: i32, p0: usize, p1: usize, p2: usize, p3: usize, t: usize, ts: usize, tmp: usize): void {
  const x = tmp, f = tmp + 144, s = ts << 2;
  gather(p0, p1, p2, p3, x);
  for (let b: usize = 0; b < 3; b++) side(kind, v128.load(x + (b << 4)), v128.load(x + (b << 4), 48), v128.load(x + (b << 4), 96), f + (b << 4), 48);
  for (let i = 0; i < 5; i++) {
    const r = f + <usize>i * 48;
    side(kind, v128.load(r), v128.load(r, 16), v128.load(r, 32), t + <usize>(5 * i) * s, s);
  }
}

@inline function side(kind: i32, a: v128, b: v128, c: v128, dst: usize, s: usize): void {
  if (kind == 0) btStore(a, b, c, dst, s);
  else aStore(a, b, c, dst, s);
}

/**
 * Aᵀ m A of four samples: m[ξ·ms] (4 lanes) → the 3×3 planes at p_l (lane l;
 * p_l = 0: not stored). tmp: SCRATCH3 bytes.
 */
export function winogradOutputGroup3(m: usize, ms: usize, p0: usize, p1: usize, p2: usize, p3: usize, tmp: usize): void {
  toPlanes(0, m, ms, p0, p1, p2, p3, tmp);
}

/**
 * The input gradient of four samples from dV = Uᵀ dM: the interior 3×3 of
 * B dV Bᵀ (the adjoint of winogradInputGroup3, whose patch border is
 * padding) from dv[ξ·ms] (4 lanes) → the 3×3 planes at p_l (as
 * winogradOutputGroup3). tmp: SCRATCH3 bytes.
 */
export function winogradInputGradGroup3(dv: usize, ms: usize, p0: usize, p1: usize, p2: usize, p3: usize, tmp: usize): void {
  toPlanes(1, dv, ms, p0, p1, p2, p3, tmp);
}

// Kind 0: Aᵀ · A; kind 1: B · Bᵀ on the interior rows and columns. Both take
// 5×5 to a plane's 3×3: down each column j into r[a][j], along each row a of
// r into y[3a + b], then from lanes to planes.
@inline function toPlanes(kind: i32, m: usize, ms: usize, p0: usize, p1: usize, p2: usize, p3: usize, tmp: usize): void {
  const s = ms << 2, r = tmp, y = tmp + 240;
  for (let j = 0; j < 5; j++) {
    const c = m + <usize>j * s;
    down(kind, v128.load(c), v128.load(c + 5 * s), v128.load(c + 10 * s), v128.load(c + 15 * s), v128.load(c + 20 * s), r + (<usize>j << 4), 80);
  }
  for (let a = 0; a < 3; a++) {
    const ra = r + <usize>a * 80;
    down(kind, v128.load(ra), v128.load(ra, 16), v128.load(ra, 32), v128.load(ra, 48), v128.load(ra, 64), y + <usize>a * 48, 16);
  }
  // Values 0…3 and 4…7 by transposes, value 8 a lane each.
  for (let o: usize = 0; o < 32; o += 16) {
    const d = y + (o << 2);
    const y0 = v128.load(d), y1 = v128.load(d, 16), y2 = v128.load(d, 32), y3 = v128.load(d, 48);
    const p = tr0(y0, y1), q = tr0(y2, y3), u = tr1(y0, y1), w = tr1(y2, y3);
    if (p0) v128.store(p0 + o, lo2(p, q));
    if (p1) v128.store(p1 + o, hi2(p, q));
    if (p2) v128.store(p2 + o, lo2(u, w));
    if (p3) v128.store(p3 + o, hi2(u, w));
  }
  const y8 = v128.load(y, 128);
  if (p0) v128.store32_lane(p0, y8, 0, 32);
  if (p1) v128.store32_lane(p1, y8, 1, 32);
  if (p2) v128.store32_lane(p2, y8, 2, 32);
  if (p3) v128.store32_lane(p3, y8, 3, 32);
}

@inline function down(kind: i32, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, dst: usize, s: usize): void {
  if (kind == 0) atStore(m0, m1, m2, m3, m4, dst, s);
  else bStore(m0, m1, m2, m3, m4, dst, s);
}

/**
 * A e Aᵀ of four samples' 3×3 output-gradient planes (p_l as in gather) →
 * dm[ξ·ms] (4 lanes). tmp: SCRATCH3 bytes.
 */
export function winogradGradGroup3(p0: usize, p1: usize, p2: usize, p3: usize, dm: usize, ms: usize, tmp: usize): void {
  fromPlanes(1, p0, p1, p2, p3, dm, ms, tmp);
}

// G applied to three values (one filter a lane); result i (0…4) at dst + i·s.
@inline export function gStore(a: v128, b: v128, c: v128, dst: usize, s: usize): void {
  const ac = f32x4.add(a, c);
  v128.store(dst, mul(a, 0.5));
  v128.store(dst + s, mul(f32x4.add(ac, b), -0.5));
  v128.store(dst + 2 * s, mul(f32x4.sub(b, ac), <f32>(1.0 / 6.0)));
  v128.store(dst + 3 * s, mul(f32x4.add(f32x4.add(a, mul(b, 2)), mul(c, 4)), <f32>(1.0 / 6.0)));
  v128.store(dst + 4 * s, c);
}

// Gᵀ applied to five values; result k (0…2) at dst + k·s.
@inline export function gtStore(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, dst: usize, s: usize): void {
  const h = mul(u1, 0.5), six = <f32>(1.0 / 6.0);
  v128.store(dst, f32x4.add(mul(f32x4.sub(u0, u1), 0.5), mul(f32x4.sub(u3, u2), six)));
  v128.store(dst + s, f32x4.sub(mul(f32x4.add(u2, mul(u3, 2)), six), h));
  v128.store(dst + 2 * s, f32x4.add(f32x4.sub(mul(f32x4.sub(mul(u3, 4), u2), six), h), u4));
}

/**
 * G g Gᵀ of `count` consecutive 3×3 filters from g (9 floats each) → u[ξ·us +
 * j] for filter j, four filters a step. tmp: SCRATCH3 bytes.
 */
export function winogradFilters3(g: usize, u: usize, us: usize, count: i32, tmp: usize): void {
  const s = us << 2, x = tmp, e = tmp + 144, z = tmp + 384, one = tmp + 432;
  memory.fill(z, 0, 48);
  for (let j = 0; j < count; j += 4) {
    // The filters' taps, one filter a lane; past count, a lane reads zeros.
    const gj = g + <usize>j * 36, m = count - j;
    gather(gj, m > 1 ? gj + 36 : z, m > 2 ? gj + 72 : z, m > 3 ? gj + 108 : z, x);
    // G down each column k: e[i][k].
    for (let k: usize = 0; k < 3; k++) gStore(v128.load(x + (k << 4)), v128.load(x + (k << 4), 48), v128.load(x + (k << 4), 96), e + (k << 4), 48);
    // · Gᵀ along each row i: straight into u for a whole group, through one
    // group's scratch for the last, partial one.
    const full = m >= 4, dst = full ? u + (<usize>j << 2) : one, ds = full ? s : 16;
    for (let i = 0; i < 5; i++) {
      const r = e + <usize>i * 48;
      gStore(v128.load(r), v128.load(r, 16), v128.load(r, 32), dst + <usize>(5 * i) * ds, ds);
    }
    if (!full) {
      for (let q = 0; q < 25; q++) {
        const src = one + (<usize>q << 4), d = u + <usize>q * s + (<usize>j << 2);
        for (let l = 0; l < m; l++) store<f32>(d + (<usize>l << 2), load<f32>(src + (<usize>l << 2)));
      }
    }
  }
}

/** Gᵀ du G of `count` consecutive filters: du[ξ·us + j] → g (9 floats each, overwritten). tmp: SCRATCH3 bytes. */
export function winogradFilterGrads3(du: usize, us: usize, g: usize, count: i32, tmp: usize): void {
  const s = us << 2, e = tmp, o = tmp + 240;
  for (let j = 0; j < count; j += 4) {
    // Lanes past count read the next filters' (or the slab's padding) and are not stored.
    const dj = du + (<usize>j << 2);
    for (let i = 0; i < 5; i++) {
      const p = dj + <usize>(5 * i) * s;
      gtStore(v128.load(p), v128.load(p + s), v128.load(p + 2 * s), v128.load(p + 3 * s), v128.load(p + 4 * s), e + <usize>i * 48, 16);
    }
    // Gᵀ down each column k: tap 3r + k of each lane's filter at o + (3r + k)·16.
    for (let k = 0; k < 3; k++) {
      const t = e + (<usize>k << 4);
      gtStore(v128.load(t), v128.load(t, 48), v128.load(t, 96), v128.load(t, 144), v128.load(t, 192), o + (<usize>k << 4), 48);
    }
    const gj = g + <usize>j * 36, m = min(4, count - j);
    for (let l = 0; l < m; l++) {
      const gl = gj + <usize>l * 36;
      for (let q = 0; q < 9; q++) store<f32>(gl + (<usize>q << 2), load<f32>(o + (<usize>q << 4) + (<usize>l << 2)));
    }
  }
}
