// Depthwise 3×3 weight gradient, one plane at a time, on MobileNet-V1's two
// smallest maps at 32×32 input: 4×4 at stride 2 padding 1 (its last
// downsampling layer) and 2×2 at stride 1 padding 1 (its last block). There
// the lanes path (dwconv_lanes.ts) spent more on transposes and per-pixel
// set-up than on arithmetic. Output maps are 2×2 in both: lanes hold kx, and
// for tap row ky the column partials are
//   a[0] = d(0,0)·top0 + d(1,0)·bot0,  a[1] = d(0,1)·top1 + d(1,1)·bot1,
// where top and bot are the x rows output rows 0 and 1 read for that tap row
// (none in the padding), "0" taking input columns −1, 0, 1 of the row
// ([0, r0, r1]) and "1" the columns output column 1 reads ([r1, r2, r3] at
// stride 2, [x0, x1, 0] at stride 1). Order as dwconv.ts's wgrad_padded: per
// tap, an f64 total from +0 adds sample by sample a0 + a1 in f64 (ow = 2:
// lanes a2, a3 are +0). Padding rows are zero vectors; their ±0 products and
// a dropped leading +0 change only the sign of a zero, which a total begun at
// +0 cannot see.

import { promoteHigh } from "../widen";

// t + (f64(a0) + f64(a1)) lane by lane: kx = 0, 1 in the low totals, kx = 2 in lane 0 of the high ones.
// @ts-ignore: decorator
@inline function addLow(t: v128, a0: v128, a1: v128): v128 {
  return f64x2.add(t, f64x2.add(f64x2.promote_low_f32x4(a0), f64x2.promote_low_f32x4(a1)));
}
// @ts-ignore: decorator
@inline function addHigh(t: v128, a0: v128, a1: v128): v128 {
  return f64x2.add(t, f64x2.add(promoteHigh(a0), promoteHigh(a1)));
}

/** Whether dwBackwardWeight's padded-plane geometry (3×3, undilated) takes wgrad_small. */
// @ts-ignore: decorator
@inline export function wgradSmallFits(h: i32, wd: i32, s: i32, ph: i32, pw: i32): bool {
  return ph == 1 && pw == 1 && ((s == 2 && h == 4 && wd == 4) || (s == 1 && h == 2 && wd == 2));
}

/** dw (c × 3×3, channels lo..hi−1 overwritten) from dy (n × c planes of 2×2) and x (4×4 planes at stride 2, else 2×2 at stride 1). */
export function wgrad_small(dy: usize, x: usize, n: i32, c: i32, s: i32, gw: usize, lo: i32, hi: i32): void {
  const zero = f32x4.splat(0);
  const planeB: usize = s == 2 ? 64 : 16;
  for (let ch = lo; ch < hi; ch++) {
    let t0l = f64x2.splat(0), t0h = t0l, t1l = t0l, t1h = t0l, t2l = t0l, t2h = t0l;
    for (let sm = 0; sm < n; sm++) {
      const p = <usize>(sm * c + ch);
      const g = v128.load(dy + (p << 4)); // d(0,0), d(0,1), d(1,0), d(1,1)
      const d00 = i32x4.shuffle(g, g, 0, 0, 0, 0), d01 = i32x4.shuffle(g, g, 1, 1, 1, 1);
      const d10 = i32x4.shuffle(g, g, 2, 2, 2, 2), d11 = i32x4.shuffle(g, g, 3, 3, 3, 3);
      const xp = x + p * planeB;
      // Rows read per tap row: ky 0 (bottom only), ky 1 (top, bottom), ky 2 (top, bottom).
      let a0b: v128, b0b: v128, a1t: v128, b1t: v128, a1b: v128, b1b: v128, a2t: v128, b2t: v128, a2b: v128, b2b: v128;
      if (s == 2) {
        // x rows 2·oy − 1 + ky: ky 0 → (−1, 1), ky 1 → (0, 2), ky 2 → (1, 3).
        const R0 = v128.load(xp), R1 = v128.load(xp, 16), R2 = v128.load(xp, 32), R3 = v128.load(xp, 48);
        a0b = i32x4.shuffle(R1, zero, 4, 0, 1, 4); b0b = i32x4.shuffle(R1, R1, 1, 2, 3, 3);
        a1t = i32x4.shuffle(R0, zero, 4, 0, 1, 4); b1t = i32x4.shuffle(R0, R0, 1, 2, 3, 3);
        a1b = i32x4.shuffle(R2, zero, 4, 0, 1, 4); b1b = i32x4.shuffle(R2, R2, 1, 2, 3, 3);
        a2t = a0b; b2t = b0b;
        a2b = i32x4.shuffle(R3, zero, 4, 0, 1, 4); b2b = i32x4.shuffle(R3, R3, 1, 2, 3, 3);
      } else {
        // x rows oy − 1 + ky: ky 0 → (−1, 0), ky 1 → (0, 1), ky 2 → (1, 2 = padding).
        const X = v128.load(xp); // x(0,0), x(0,1), x(1,0), x(1,1)
        a0b = i32x4.shuffle(X, zero, 4, 0, 1, 4); b0b = i32x4.shuffle(X, zero, 0, 1, 4, 4);
        a1t = a0b; b1t = b0b;
        a1b = i32x4.shuffle(X, zero, 4, 2, 3, 4); b1b = i32x4.shuffle(X, zero, 2, 3, 4, 4);
        a2t = a1b; b2t = b1b;
        a2b = zero; b2b = zero;
      }
      let a0 = f32x4.mul(d10, a0b), a1 = f32x4.mul(d11, b0b);
      t0l = addLow(t0l, a0, a1); t0h = addHigh(t0h, a0, a1);
      a0 = f32x4.add(f32x4.mul(d00, a1t), f32x4.mul(d10, a1b));
      a1 = f32x4.add(f32x4.mul(d01, b1t), f32x4.mul(d11, b1b));
      t1l = addLow(t1l, a0, a1); t1h = addHigh(t1h, a0, a1);
      a0 = f32x4.add(f32x4.mul(d00, a2t), f32x4.mul(d10, a2b));
      a1 = f32x4.add(f32x4.mul(d01, b2t), f32x4.mul(d11, b2b));
      t2l = addLow(t2l, a0, a1); t2h = addHigh(t2h, a0, a1);
    }
    const o = gw + (<usize>(ch * 9) << 2);
    store<f32>(o, <f32>f64x2.extract_lane(t0l, 0)); store<f32>(o, <f32>f64x2.extract_lane(t0l, 1), 4); store<f32>(o, <f32>f64x2.extract_lane(t0h, 0), 8);
    store<f32>(o, <f32>f64x2.extract_lane(t1l, 0), 12); store<f32>(o, <f32>f64x2.extract_lane(t1l, 1), 16); store<f32>(o, <f32>f64x2.extract_lane(t1h, 0), 20);
    store<f32>(o, <f32>f64x2.extract_lane(t2l, 0), 24); store<f32>(o, <f32>f64x2.extract_lane(t2l, 1), 28); store<f32>(o, <f32>f64x2.extract_lane(t2h, 0), 32);
  }
}
