import { dwconv_forward, dwconv_backward_input, dwconv_backward_weight } from "../kernels/conv/dwconv";
import { seedRnd, at, bitsAt, put, allocF32, randBuf, cloneBuf, SENTINEL } from "./util/buffers";
import { Checker, outSize } from "./util/nchw";

seedRnd(0xD3C0);

// (n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw)
const CASES: i32[] = [
  2, 3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, // 3×3/1 pad 1: micro-kernel + borders
  1, 2, 13, 17, 3, 3, 2, 2, 1, 1, 1, 1, // 3×3/2 pad 1
  1, 2, 12, 21, 3, 3, 2, 2, 0, 0, 1, 1, // 3×3/2 no padding
  1, 1, 16, 40, 3, 3, 2, 2, 1, 1, 1, 1, // wide: many vector groups
  1, 1, 9, 38, 3, 3, 1, 1, 1, 1, 1, 1,
  3, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, // 1×1 spatial, 3×3 pad 1
  2, 2, 1, 1, 3, 3, 2, 2, 1, 1, 1, 1, // 1×1 spatial, stride 2
  1, 3, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1, // 1×1 kernel
  2, 2, 11, 23, 5, 5, 1, 1, 2, 2, 1, 1, // 5×5/1
  1, 2, 10, 27, 5, 5, 2, 2, 2, 2, 1, 1, // 5×5/2
  2, 1, 9, 14, 3, 3, 1, 1, 2, 2, 2, 2, // dilation 2
  2, 2, 20, 20, 3, 3, 2, 2, 2, 2, 2, 2, // stride 2, dilation 2
  1, 2, 10, 19, 3, 2, 3, 2, 1, 0, 1, 3, // stride 3 × 2, dilation 1 × 3
  1, 1, 8, 33, 7, 7, 1, 1, 3, 3, 1, 1, // 7×7
  1, 2, 6, 6, 3, 3, 1, 1, 3, 3, 1, 1, // padding beyond the kernel reach (all-padding outputs)
  1, 1, 9, 30, 4, 5, 2, 2, 1, 2, 1, 1, // even kernel
  1, 1, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1,
  1, 2, 7, 29, 3, 3, 3, 3, 1, 1, 1, 1, // stride 3 (scalar)
  1, 1, 14, 31, 3, 3, 1, 2, 0, 1, 1, 1, // mixed strides
  1, 1, 12, 25, 3, 3, 2, 1, 1, 0, 1, 2, // mixed strides, dilation
];

class Geo {
  n: i32; c: i32; h: i32; w: i32; kh: i32; kw: i32; sh: i32; sw: i32; ph: i32; pw: i32; dh: i32; dw: i32;
  oh: i32; ow: i32;
  constructor(k: i32) {
    this.n = CASES[k]; this.c = CASES[k + 1]; this.h = CASES[k + 2]; this.w = CASES[k + 3];
    this.kh = CASES[k + 4]; this.kw = CASES[k + 5]; this.sh = CASES[k + 6]; this.sw = CASES[k + 7];
    this.ph = CASES[k + 8]; this.pw = CASES[k + 9]; this.dh = CASES[k + 10]; this.dw = CASES[k + 11];
    this.oh = outSize(this.h, this.kh, this.sh, this.ph, this.dh);
    this.ow = outSize(this.w, this.kw, this.sw, this.pw, this.dw);
  }
  get nIn(): i32 { return this.n * this.c * this.h * this.w; }
  get nOut(): i32 { return this.n * this.c * this.oh * this.ow; }
  get nW(): i32 { return this.c * this.kh * this.kw; }
  // Input index of tap (ky, kx) of output (s, ch, oy, ox), or −1 if padding.
  tap(s: i32, ch: i32, oy: i32, ox: i32, ky: i32, kx: i32): i32 {
    const iy = oy * this.sh - this.ph + ky * this.dh;
    const ix = ox * this.sw - this.pw + kx * this.dw;
    if (iy < 0 || iy >= this.h || ix < 0 || ix >= this.w) return -1;
    return ((s * this.c + ch) * this.h + iy) * this.w + ix;
  }
  out(s: i32, ch: i32, oy: i32, ox: i32): i32 { return ((s * this.c + ch) * this.oh + oy) * this.ow + ox; }
  wi(ch: i32, ky: i32, kx: i32): i32 { return (ch * this.kh + ky) * this.kw + kx; }
}

// Tolerance: 1e-5 relative to max(|want|, 0.1·Σ|terms|) (f32 sums of many terms).
const TOL: f64 = 1e-5;

describe("dwconv", () => {
  it("forward, input gradient and weight gradient match naive f64 references", () => {
    const chk = new Checker();
    for (let k = 0; k < CASES.length; k += 12) {
      const g = new Geo(k);
      const bad0 = chk.bad;
      expect(g.oh).toBeGreaterThan(0);
      expect(g.ow).toBeGreaterThan(0);
      const x = randBuf(g.nIn, 2);
      const w = randBuf(g.nW);
      const y = randBuf(g.nOut, 50);
      const dy = randBuf(g.nOut);
      const dx = randBuf(g.nIn, 50);
      const gw = randBuf(g.nW, 50); // garbage: must be overwritten
      dwconv_forward(x, w, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, y);
      dwconv_backward_input(dy, w, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, dx);
      dwconv_backward_weight(dy, x, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, gw);
      const rdx = new StaticArray<f64>(g.nIn);
      const adx = new StaticArray<f64>(g.nIn);
      const rgw = new StaticArray<f64>(g.nW);
      const agw = new StaticArray<f64>(g.nW);
      for (let s = 0; s < g.n; s++) for (let ch = 0; ch < g.c; ch++) {
        for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
          const o = g.out(s, ch, oy, ox);
          let acc: f64 = 0, mag: f64 = 0;
          for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
            const i = g.tap(s, ch, oy, ox, ky, kx);
            if (i < 0) continue;
            const wv = <f64>at(w, g.wi(ch, ky, kx));
            const t = <f64>at(x, i) * wv;
            acc += t;
            mag += Math.abs(t);
            rdx[i] += <f64>at(dy, o) * wv;
            adx[i] += Math.abs(<f64>at(dy, o) * wv);
            rgw[g.wi(ch, ky, kx)] += <f64>at(dy, o) * <f64>at(x, i);
            agw[g.wi(ch, ky, kx)] += Math.abs(<f64>at(dy, o) * <f64>at(x, i));
          }
          chk.close("y", o, at(y, o), acc, TOL, 0.1 * mag);
        }
      }
      for (let i = 0; i < g.nIn; i++) chk.close("dx", i, at(dx, i), rdx[i], TOL, 0.1 * adx[i]);
      for (let i = 0; i < g.nW; i++) chk.close("dw", i, at(gw, i), rgw[i], TOL, 0.1 * agw[i]);
      if (chk.bad > bad0) trace("case", 1, <f64>(k / 12));
      expect(at(y, g.nOut)).toBe(SENTINEL);
      expect(at(dx, g.nIn)).toBe(SENTINEL);
      expect(at(gw, g.nW)).toBe(SENTINEL);

      // Adjoint identities: <conv(x), dy> = <x, dconv/dx(dy)> = <w, dconv/dw(dy, x)>.
      let a: f64 = 0, b: f64 = 0, cc: f64 = 0, m: f64 = 0;
      for (let i = 0; i < g.nOut; i++) { a += <f64>at(y, i) * <f64>at(dy, i); m += Math.abs(<f64>at(y, i) * <f64>at(dy, i)); }
      for (let i = 0; i < g.nIn; i++) b += <f64>at(x, i) * <f64>at(dx, i);
      for (let i = 0; i < g.nW; i++) cc += <f64>at(w, i) * <f64>at(gw, i);
      chk.close("adjoint x", k, b, a, TOL, m);
      chk.close("adjoint w", k, cc, a, TOL, m);

      // Deterministic: a second call gives the same bits (dx, dw overwritten, not accumulated).
      const dx2 = cloneBuf(dx, g.nIn);
      const gw2 = cloneBuf(gw, g.nW);
      dwconv_backward_input(dy, w, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, dx2);
      dwconv_backward_weight(dy, x, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, gw2);
      for (let i = 0; i < g.nIn; i++) chk.same("dx again", i, bitsAt(dx2, i), bitsAt(dx, i));
      for (let i = 0; i < g.nW; i++) chk.same("dw again", i, bitsAt(gw2, i), bitsAt(gw, i));
      heap.free(x); heap.free(w); heap.free(y); heap.free(dy); heap.free(dx); heap.free(gw); heap.free(dx2); heap.free(gw2);
    }
    expect(chk.bad).toBe(0);
  });

  it("closed forms: 1×1 unit filter is the identity; a centred 3×3 delta filter copies x", () => {
    const n = 2, c = 3, h = 5, w = 11;
    const total = n * c * h * w;
    const x = randBuf(total, 2);
    const y = randBuf(total);
    const one = allocF32(c);
    for (let ch = 0; ch < c; ch++) put(one, ch, 1);
    dwconv_forward(x, one, n, c, h, w, 1, 1, 1, 1, 0, 0, 1, 1, h, w, y);
    for (let i = 0; i < total; i++) expect(bitsAt(y, i)).toBe(bitsAt(x, i));
    // 3×3 filter with 1 in the centre, pad 1: forward and input gradient copy.
    const d = allocF32(9 * c);
    memory.fill(d, 0, <usize>(9 * c) << 2);
    for (let ch = 0; ch < c; ch++) put(d, ch * 9 + 4, 1);
    dwconv_forward(x, d, n, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, h, w, y);
    for (let i = 0; i < total; i++) expect(bitsAt(y, i)).toBe(bitsAt(x, i));
    const dx = randBuf(total);
    dwconv_backward_input(x, d, n, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, h, w, dx);
    for (let i = 0; i < total; i++) expect(bitsAt(dx, i)).toBe(bitsAt(x, i));
    // Weight gradient of the identity layer with dy = x: Σ x² at the centre tap.
    const gw = randBuf(9 * c);
    dwconv_backward_weight(x, x, n, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, h, w, gw);
    for (let ch = 0; ch < c; ch++) {
      let s: f64 = 0;
      for (let t = 0; t < n; t++) for (let i = 0; i < h * w; i++) {
        const v = <f64>at(x, (t * c + ch) * h * w + i);
        s += v * v;
      }
      expect(Math.abs(<f64>at(gw, ch * 9 + 4) - s)).toBeLessThan(1e-5 * s);
    }
    heap.free(x); heap.free(y); heap.free(one); heap.free(d); heap.free(dx); heap.free(gw);
  });
});
