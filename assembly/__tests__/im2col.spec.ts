import { im2col, col2im } from "../kernels/conv/im2col";
import { seedRnd, rnd, bitsAt, put, at, allocF32, randBuf, SENTINEL } from "./util/buffers";
import { outSize } from "./util/nchw";

seedRnd(0x1C01);

// (samples, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw): stride 2 at widths where
// the 4-wide gather stops short of the row's end or reaches it, padding 0–2
// (column offsets −2 … +2), 1×1 and 3×3, dilation with stride 2; stride 1 and
// stride 3 beside them.
const CASES: i32[] = [
  2, 3, 32, 32, 1, 1, 2, 2, 0, 0, 1, 1, // ResNet-18's 1×1 stride-2 downsample
  1, 2, 11, 37, 3, 3, 2, 2, 1, 1, 1, 1,
  2, 1, 9, 33, 3, 3, 2, 2, 0, 0, 1, 1,
  1, 2, 8, 30, 3, 3, 2, 2, 2, 2, 1, 1,
  1, 1, 10, 40, 3, 3, 2, 2, 2, 2, 2, 2,
  1, 2, 7, 17, 1, 1, 2, 2, 0, 0, 1, 1,
  3, 1, 12, 16, 3, 3, 2, 2, 1, 1, 1, 1,
  1, 2, 9, 19, 3, 3, 1, 1, 1, 1, 1, 1,
  1, 1, 10, 29, 3, 3, 3, 3, 1, 1, 1, 1,
];

// Input index of tap (kj, ki) of output (oy, ox) of channel ci, sample s, or −1 in the padding.
function tap(k: i32, s: i32, ci: i32, ki: i32, kj: i32, oy: i32, ox: i32): i32 {
  const c = CASES[k + 1], h = CASES[k + 2], w = CASES[k + 3];
  const iy = oy * CASES[k + 6] - CASES[k + 8] + ki * CASES[k + 10];
  const ix = ox * CASES[k + 7] - CASES[k + 9] + kj * CASES[k + 11];
  if (iy < 0 || iy >= h || ix < 0 || ix >= w) return -1;
  return ((s * c + ci) * h + iy) * w + ix;
}

describe("im2col / col2im", () => {
  it("im2col copies every tap (0 in the padding) and col2im adds them back in row order: the same bits as element by element", () => {
    for (let k = 0; k < CASES.length; k += 12) {
      const n = CASES[k], c = CASES[k + 1], h = CASES[k + 2], w = CASES[k + 3], kh = CASES[k + 4], kw = CASES[k + 5];
      const sh = CASES[k + 6], sw = CASES[k + 7], ph = CASES[k + 8], pw = CASES[k + 9], dh = CASES[k + 10], dw = CASES[k + 11];
      const oh = outSize(h, kh, sh, ph, dh), ow = outSize(w, kw, sw, pw, dw), ohw = oh * ow, ncol = n * ohw;
      const rows = c * kh * kw, nx = n * c * h * w;
      const x = randBuf(nx);
      const col = randBuf(rows * ncol, 50);
      im2col(x, c, h, w, 0, c, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, n, col);
      let bad = 0;
      for (let ci = 0; ci < c; ci++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
        const r = (ci * kh + ki) * kw + kj;
        for (let s = 0; s < n; s++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          const t = tap(k, s, ci, ki, kj, oy, ox);
          const want: u32 = t < 0 ? 0 : bitsAt(x, t);
          if (bitsAt(col, r * ncol + s * ohw + oy * ow + ox) != want) bad++;
        }
      }
      expect(bad).toBe(0);
      expect(at(col, rows * ncol)).toBe(SENTINEL);

      // col2im of columns with signed zeros and exact cancellations: the
      // vector path adds +0 to the positions between stride-2 taps, which must
      // leave them as the element-by-element sums from +0 leave them.
      for (let i = 0; i < rows * ncol; i++) {
        const u = rnd();
        if (u < -0.8) put(col, i, -0.0);
        else if (u < -0.6 && i > 0) put(col, i, -at(col, i - 1));
      }
      const dx = randBuf(nx, 50), ref = allocF32(nx);
      memory.fill(dx, 0, <usize>nx << 2);
      memory.fill(ref, 0, <usize>nx << 2);
      col2im(col, c, h, w, 0, c, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, n, dx, ncol);
      for (let ci = 0; ci < c; ci++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
        const r = (ci * kh + ki) * kw + kj;
        for (let s = 0; s < n; s++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          const t = tap(k, s, ci, ki, kj, oy, ox);
          if (t >= 0) put(ref, t, at(ref, t) + at(col, r * ncol + s * ohw + oy * ow + ox));
        }
      }
      bad = 0;
      for (let i = 0; i < nx; i++) if (bitsAt(dx, i) != bitsAt(ref, i)) bad++;
      expect(bad).toBe(0);
      expect(at(dx, nx)).toBe(SENTINEL);
      heap.free(x); heap.free(col); heap.free(dx); heap.free(ref);
    }
  });
});
