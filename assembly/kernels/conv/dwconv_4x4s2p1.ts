// Depthwise 3×3, stride 2, padding 1, on 4×4 maps (MobileNet-V1's last
// downsampling layer at 32×32 input): the forward pass and the input
// gradient, one plane at a time, without the lanes' transposes (the lanes
// path spent more on them and on per-pixel set-up than on arithmetic here;
// its weight gradient is in dwconv_wgrad_small.ts).
//
// Forward: y's 2×2 plane is one vector [y00, y01, y10, y11]. Output row oy
// reads input row 2·oy − 1 + ky, so tap row ky pairs row t (oy = 0: the
// padding, x0, x1) with row b (oy = 1: x1, x2, x3), and tap column kx takes
// input columns (−1, 1), (0, 2) or (1, 3) for ox = 0, 1:
//   kx = 1: [t0, t2, b0, b2]   kx = 2: [t1, t3, b1, b3]   kx = 0: [0, t1, 0, b1]
// Each is multiplied by its tap and added from +0 in (ky, kx) row-major
// order, the padding's products included: they add ±0 to sums that are never
// −0, so the bits are those of dwconv.ts's stated order.
//
// Input gradient: dy's 2×2 plane is one vector; dx's
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

// @ts-ignore: decorator
@inline function tapRow(acc: v128, t: v128, b: v128, k0: v128, k1: v128, k2: v128, zero: v128): v128 {
  const even = i32x4.shuffle(t, b, 0, 2, 4, 6), odd = i32x4.shuffle(t, b, 1, 3, 5, 7);
  acc = f32x4.add(acc, f32x4.mul(i32x4.shuffle(odd, zero, 4, 0, 4, 2), k0));
  acc = f32x4.add(acc, f32x4.mul(even, k1));
  return f32x4.add(acc, f32x4.mul(odd, k2));
}

/** y (n × c planes of 2×2, overwritten) from x (n × c planes of 4×4) and w (c × 3×3). */
export function forward_4x4s2p1(x: usize, w: usize, n: i32, c: i32, y: usize): void {
  const zero = f32x4.splat(0);
  for (let ch = 0; ch < c; ch++) {
    const wr = w + <usize>ch * 36;
    const k00 = v128.load32_splat(wr), k01 = v128.load32_splat(wr + 4), k02 = v128.load32_splat(wr + 8);
    const k10 = v128.load32_splat(wr + 12), k11 = v128.load32_splat(wr + 16), k12 = v128.load32_splat(wr + 20);
    const k20 = v128.load32_splat(wr + 24), k21 = v128.load32_splat(wr + 28), k22 = v128.load32_splat(wr + 32);
    for (let s = 0; s < n; s++) {
      const p = <usize>(s * c + ch);
      const i = x + (p << 6);
      const r0 = v128.load(i), r1 = v128.load(i, 16), r2 = v128.load(i, 32), r3 = v128.load(i, 48);
      let acc = tapRow(zero, zero, r1, k00, k01, k02, zero);
      acc = tapRow(acc, r0, r2, k10, k11, k12, zero);
      v128.store(y + (p << 4), tapRow(acc, r1, r3, k20, k21, k22, zero));
    }
  }
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
