// Depthwise 3×3, stride 1, padding 1, on 2×2 maps (MobileNet-V1's last
// block at 32×32 input): the weight gradient, one plane at a time. Both
// planes are one vector each; lanes hold kx. For tap row ky, output row oy
// reads x row oy − 1 + ky (rows −1 and 2 are padding), output column 0
// reads x columns −1, 0, 1 and column 1 reads 0, 1, 2, so with x row
// [x0, x1] the two column partials of a tap row are products of splatted dy
// with [0, x0, x1] and [x0, x1, 0]. Order as dwconv.ts's wgrad_padded: per
// tap, an f64 total from +0 adds sample by sample a0 + a1 in f64 (ow = 2:
// lanes a2, a3 are +0, and a zero's sign cannot reach the total).

// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1));
}

// t + (f64(a0) + f64(a1)) lane by lane: kx = 0, 1 in the low totals, kx = 2 in lane 0 of the high ones.
// @ts-ignore: decorator
@inline function addLow(t: v128, a0: v128, a1: v128): v128 {
  return f64x2.add(t, f64x2.add(f64x2.promote_low_f32x4(a0), f64x2.promote_low_f32x4(a1)));
}
// @ts-ignore: decorator
@inline function addHigh(t: v128, a0: v128, a1: v128): v128 {
  return f64x2.add(t, f64x2.add(promoteHigh(a0), promoteHigh(a1)));
}

/** dw (c × 3×3, channels lo..hi−1 overwritten) from dy and x (n × c planes of 2×2). */
export function wgrad_2x2s1p1(dy: usize, x: usize, n: i32, c: i32, gw: usize, lo: i32, hi: i32): void {
  const zero = f32x4.splat(0);
  for (let ch = lo; ch < hi; ch++) {
    let t0l = f64x2.splat(0), t0h = t0l, t1l = t0l, t1h = t0l, t2l = t0l, t2h = t0l;
    for (let s = 0; s < n; s++) {
      const p = <usize>(s * c + ch);
      const g = v128.load(dy + (p << 4)); // d(0,0), d(0,1), d(1,0), d(1,1)
      const d00 = i32x4.shuffle(g, g, 0, 0, 0, 0), d01 = i32x4.shuffle(g, g, 1, 1, 1, 1);
      const d10 = i32x4.shuffle(g, g, 2, 2, 2, 2), d11 = i32x4.shuffle(g, g, 3, 3, 3, 3);
      const X = v128.load(x + (p << 4)); // x(0,0), x(0,1), x(1,0), x(1,1)
      const A0 = i32x4.shuffle(X, zero, 4, 0, 1, 4), B0 = i32x4.shuffle(X, zero, 0, 1, 4, 4); // row 0: [0, x0, x1], [x0, x1, 0]
      const A1 = i32x4.shuffle(X, zero, 4, 2, 3, 4), B1 = i32x4.shuffle(X, zero, 2, 3, 4, 4); // row 1
      // ky = 0: output row 1 reads x row 0 (row 0 reads the padding).
      let a0 = f32x4.mul(d10, A0), a1 = f32x4.mul(d11, B0);
      t0l = addLow(t0l, a0, a1); t0h = addHigh(t0h, a0, a1);
      // ky = 1: rows 0 and 1.
      a0 = f32x4.add(f32x4.mul(d00, A0), f32x4.mul(d10, A1));
      a1 = f32x4.add(f32x4.mul(d01, B0), f32x4.mul(d11, B1));
      t1l = addLow(t1l, a0, a1); t1h = addHigh(t1h, a0, a1);
      // ky = 2: output row 0 reads x row 1 (row 1 reads the padding).
      a0 = f32x4.mul(d00, A1); a1 = f32x4.mul(d01, B1);
      t2l = addLow(t2l, a0, a1); t2h = addHigh(t2h, a0, a1);
    }
    const o = gw + (<usize>(ch * 9) << 2);
    store<f32>(o, <f32>f64x2.extract_lane(t0l, 0)); store<f32>(o, <f32>f64x2.extract_lane(t0l, 1), 4); store<f32>(o, <f32>f64x2.extract_lane(t0h, 0), 8);
    store<f32>(o, <f32>f64x2.extract_lane(t1l, 0), 12); store<f32>(o, <f32>f64x2.extract_lane(t1l, 1), 16); store<f32>(o, <f32>f64x2.extract_lane(t1h, 0), 20);
    store<f32>(o, <f32>f64x2.extract_lane(t2l, 0), 24); store<f32>(o, <f32>f64x2.extract_lane(t2l, 1), 28); store<f32>(o, <f32>f64x2.extract_lane(t2h, 0), 32);
  }
}
