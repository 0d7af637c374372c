// Depthwise 3×3, stride 2, padding 1, on 4×4 maps (MobileNet-V1's last
// downsampling layer at 32×32 input): both gradients, one plane at a time,
// without the lanes' transposes (the lanes path spent more on them and on
// per-pixel set-up than on arithmetic here). dy's 2×2 plane is one vector; dx's
// 4×4 plane is four, and dx row iy takes tap row ky = 1 (iy even, oy = iy/2)
// or ky = 2 then 0 (iy odd: oy = (iy − 1)/2, then one more), so with
// dy row r = [a, b] and tap row t = [t0, t1, t2]
//   [a, a, b, b]·[t1, t2, t1, t2] + [b, b, b, b]·[0, t0, 0, 0]
// is that row's part: column 1 alone sees two taps of a row (kx = 2 at
// ox = 0, then kx = 0 at ox = 1), column 3 none past ox = 1. Each column gets
// its taps in dwconv.ts's order (ky, then kx, descending); the other lanes
// of the [0, t0, 0, 0] product add ±0 to sums begun at +0 (never −0), which
// leaves them unchanged: the bits of the general kernels.

// @ts-ignore: decorator
@inline function rowPart(acc: v128, a: v128, b: v128, t: v128, t0: v128): v128 {
  return f32x4.add(f32x4.add(acc, f32x4.mul(a, t)), f32x4.mul(b, t0));
}

/** dx (n × c planes of 4×4, overwritten) from dy (n × c planes of 2×2) and w (c × 3×3). */
export function dgrad_4x4s2p1(dy: usize, w: usize, n: i32, c: i32, dx: usize): void {
  const zero = f32x4.splat(0);
  for (let ch = 0; ch < c; ch++) {
    const wr = w + <usize>ch * 36;
    // [t1, t2, t1, t2] and [0, t0, 0, 0] for tap rows 0, 1, 2.
    const r0 = v128.load64_splat(wr + 4), r1 = v128.load64_splat(wr + 16), r2 = v128.load64_splat(wr + 28);
    const z0 = i32x4.shuffle(v128.load32_zero(wr), zero, 4, 0, 4, 4);
    const z1 = i32x4.shuffle(v128.load32_zero(wr + 12), zero, 4, 0, 4, 4);
    const z2 = i32x4.shuffle(v128.load32_zero(wr + 24), zero, 4, 0, 4, 4);
    for (let s = 0; s < n; s++) {
      const p = <usize>(s * c + ch);
      const g = v128.load(dy + (p << 4)); // [a0, b0, a1, b1]: dy rows 0 and 1
      const A0 = i32x4.shuffle(g, g, 0, 0, 1, 1), B0 = i32x4.shuffle(g, g, 1, 1, 1, 1);
      const A1 = i32x4.shuffle(g, g, 2, 2, 3, 3), B1 = i32x4.shuffle(g, g, 3, 3, 3, 3);
      const o = dx + (p << 6);
      v128.store(o, rowPart(zero, A0, B0, r1, z1)); // iy 0: ky 1, oy 0
      v128.store(o, rowPart(rowPart(zero, A0, B0, r2, z2), A1, B1, r0, z0), 16); // iy 1: ky 2 (oy 0), ky 0 (oy 1)
      v128.store(o, rowPart(zero, A1, B1, r1, z1), 32); // iy 2: ky 1, oy 1
      v128.store(o, rowPart(zero, A1, B1, r2, z2), 48); // iy 3: ky 2, oy 1 (ky 0 would be oy 2)
    }
  }
}

// [0, r0, r1, ·] and [r1, r2, r3, ·] of an x row: the taps kx = 0, 1, 2 of
// output columns 0 (input columns −1, 0, 1) and 1 (input columns 1, 2, 3).
// @ts-ignore: decorator
@inline function cols0(r: v128, zero: v128): v128 { return i32x4.shuffle(r, zero, 4, 0, 1, 4); }
// @ts-ignore: decorator
@inline function cols1(r: v128): v128 { return i32x4.shuffle(r, r, 1, 2, 3, 3); }

/**
 * Weight gradient of channels lo..hi−1 over n samples, in the order of
 * dwconv.ts's wgrad_padded: per tap, the f64 total from +0 adds sample by
 * sample the plane partial a0 + a1 in f64, where a[ox] (f32) takes the
 * products of output column ox in oy order (with ow = 2 the lanes a2, a3 are
 * +0, and a zero's sign cannot reach a total begun at +0). Lanes hold kx:
 * a[ox] for tap row ky is d(0, ox)·(x row 2·0 − 1 + ky) + d(1, ox)·(x row
 * 2·1 − 1 + ky), the row −1 (ky = 0, oy = 0) being padding.
 */
export function wgrad_4x4s2p1(dy: usize, x: usize, n: i32, c: i32, gw: usize, lo: i32, hi: i32): void {
  const zero = f32x4.splat(0);
  for (let ch = lo; ch < hi; ch++) {
    // Per tap row: f64 totals of kx = 0, 1 (lo) and kx = 2 (hi, lane 0).
    let t0l = f64x2.splat(0), t0h = t0l, t1l = t0l, t1h = t0l, t2l = t0l, t2h = t0l;
    for (let s = 0; s < n; s++) {
      const p = <usize>(s * c + ch);
      const g = v128.load(dy + (p << 4)); // d(0,0), d(0,1), d(1,0), d(1,1)
      const d00 = i32x4.shuffle(g, g, 0, 0, 0, 0), d01 = i32x4.shuffle(g, g, 1, 1, 1, 1);
      const d10 = i32x4.shuffle(g, g, 2, 2, 2, 2), d11 = i32x4.shuffle(g, g, 3, 3, 3, 3);
      const xp = x + (p << 6);
      const R0 = v128.load(xp), R1 = v128.load(xp, 16), R2 = v128.load(xp, 32), R3 = v128.load(xp, 48);
      const A0 = cols0(R0, zero), A1 = cols0(R1, zero), A2 = cols0(R2, zero), A3 = cols0(R3, zero);
      const B0 = cols1(R0), B1 = cols1(R1), B2 = cols1(R2), B3 = cols1(R3);
      // ky = 0: oy 0 reads row −1 (padding), oy 1 reads row 1.
      let a0 = f32x4.mul(d10, A1), a1 = f32x4.mul(d11, B1);
      t0l = f64x2.add(t0l, f64x2.add(f64x2.promote_low_f32x4(a0), f64x2.promote_low_f32x4(a1)));
      t0h = f64x2.add(t0h, f64x2.add(promoteHigh(a0), promoteHigh(a1)));
      // ky = 1: rows 0 and 2.
      a0 = f32x4.add(f32x4.mul(d00, A0), f32x4.mul(d10, A2));
      a1 = f32x4.add(f32x4.mul(d01, B0), f32x4.mul(d11, B2));
      t1l = f64x2.add(t1l, f64x2.add(f64x2.promote_low_f32x4(a0), f64x2.promote_low_f32x4(a1)));
      t1h = f64x2.add(t1h, f64x2.add(promoteHigh(a0), promoteHigh(a1)));
      // ky = 2: rows 1 and 3.
      a0 = f32x4.add(f32x4.mul(d00, A1), f32x4.mul(d10, A3));
      a1 = f32x4.add(f32x4.mul(d01, B1), f32x4.mul(d11, B3));
      t2l = f64x2.add(t2l, f64x2.add(f64x2.promote_low_f32x4(a0), f64x2.promote_low_f32x4(a1)));
      t2h = f64x2.add(t2h, f64x2.add(promoteHigh(a0), promoteHigh(a1)));
    }
    const o = gw + (<usize>(ch * 9) << 2);
    store<f32>(o, <f32>f64x2.extract_lane(t0l, 0)); store<f32>(o, <f32>f64x2.extract_lane(t0l, 1), 4); store<f32>(o, <f32>f64x2.extract_lane(t0h, 0), 8);
    store<f32>(o, <f32>f64x2.extract_lane(t1l, 0), 12); store<f32>(o, <f32>f64x2.extract_lane(t1l, 1), 16); store<f32>(o, <f32>f64x2.extract_lane(t1h, 0), 20);
    store<f32>(o, <f32>f64x2.extract_lane(t2l, 0), 24); store<f32>(o, <f32>f64x2.extract_lane(t2l, 1), 28); store<f32>(o, <f32>f64x2.extract_lane(t2h, 0), 32);
  }
}

// The high two f32 lanes of v as f64x2.
// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1));
}
