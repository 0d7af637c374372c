import {
  maxpool_forward, maxpool_backward, avgpool_forward, avgpool_backward, gap_forward, gap_backward,
} from "../kernels/pool";
import { seedRnd, rnd, rndU, at, bitsAt, put, allocF32, randBuf, SENTINEL } from "./util/buffers";
import { Checker, outSize } from "./util/nchw";

seedRnd(0x9001);

// (planes, h, w, kh, kw, sh, sw, ph, pw, ceil): ceil = 1 uses the ceil-mode
// output size (windows hanging over the bottom/right edge, clipped).
const CASES: i32[] = [
  3, 8, 8, 2, 2, 2, 2, 0, 0, 0, // 2×2/2 fast path, ow = 4
  2, 7, 9, 2, 2, 2, 2, 0, 0, 0, // fast path, odd sizes (last row/column dropped)
  2, 6, 22, 2, 2, 2, 2, 0, 0, 0, // fast path, ow = 11: SIMD body + a group ending at the row's end
  3, 14, 14, 2, 2, 2, 2, 0, 0, 0, // fast path, ow = 7 (the cnn's second block)
  2, 10, 11, 2, 2, 2, 2, 0, 0, 0, // fast path, ow = 5
  4, 7, 7, 2, 2, 2, 2, 0, 0, 0, // fast path, ow = 3: the scalar rule without branches
  5, 3, 3, 2, 2, 2, 2, 0, 0, 0, // fast path, ow = 1
  1, 5, 5, 2, 2, 2, 2, 0, 0, 1, // 2×2/2 in ceil mode: generic path, clipped windows
  5, 1, 1, 1, 1, 1, 1, 0, 0, 0, // 1×1 spatial
  2, 7, 7, 3, 3, 2, 2, 1, 1, 0, // ResNet stem style
  1, 5, 6, 3, 2, 1, 2, 1, 0, 0,
  3, 9, 5, 3, 3, 3, 3, 0, 1, 0,
  2, 2, 3, 2, 2, 2, 2, 1, 1, 0, // padded 2×2/2: generic path
  1, 11, 13, 4, 3, 3, 2, 2, 1, 1,
  2, 3, 3, 3, 3, 1, 1, 1, 1, 0,
];

function dims(k: i32, out: StaticArray<i32>): void {
  const h = CASES[k + 1], w = CASES[k + 2], kh = CASES[k + 3], kw = CASES[k + 4];
  const sh = CASES[k + 5], sw = CASES[k + 6], ph = CASES[k + 7], pw = CASES[k + 8];
  if (CASES[k + 9] != 0) {
    out[0] = (h + 2 * ph - kh + sh - 1) / sh + 1;
    out[1] = (w + 2 * pw - kw + sw - 1) / sw + 1;
  } else {
    out[0] = outSize(h, kh, sh, ph);
    out[1] = outSize(w, kw, sw, pw);
  }
}

// Values on a coarse grid (many exact ties), some −∞ and optionally NaN.
function tieBuf(n: i32, withNaN: bool): usize {
  const p = allocF32(n);
  for (let i = 0; i < n; i++) {
    let v = <f32>Mathf.floor(rnd(3)) * 0.5;
    const r = rndU(23);
    if (r == 0) v = -Infinity;
    else if (withNaN && r == 1) v = NaN;
    put(p, i, v);
  }
  put(p, n, SENTINEL);
  return p;
}

// PyTorch's CPU max pooling, naively: start at −∞ with the first in-range
// index, take v when v > max or v is NaN. Writes y and argmax for one output.
function refMax(
  x: usize, p: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oy: i32, ox: i32,
  res: StaticArray<f32>,
): i32 {
  let best: f32 = -Infinity;
  let bi = -1;
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    const iy = oy * sh - ph + ky, ix = ox * sw - pw + kx;
    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
    if (bi < 0) bi = iy * w + ix;
    const v = at(x, p * h * w + iy * w + ix);
    if (v > best || isNaN(v)) { best = v; bi = iy * w + ix; }
  }
  res[0] = best;
  return bi;
}

describe("maxpool_forward / maxpool_backward", () => {
  it("y and argmax match PyTorch's rule exactly (ties: first max; NaN wins)", () => {
    const chk = new Checker();
    const o = new StaticArray<i32>(2);
    const res = new StaticArray<f32>(1);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < CASES.length; k += 10) {
        const planes = CASES[k], h = CASES[k + 1], w = CASES[k + 2], kh = CASES[k + 3], kw = CASES[k + 4];
        const sh = CASES[k + 5], sw = CASES[k + 6], ph = CASES[k + 7], pw = CASES[k + 8];
        dims(k, o);
        const oh = o[0], ow = o[1];
        const nOut = planes * oh * ow;
        const x = tieBuf(planes * h * w, pass == 1);
        const y = randBuf(nOut);
        const am = randBuf(nOut);
        maxpool_forward(x, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, y, am);
        for (let p = 0; p < planes; p++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          const j = (p * oh + oy) * ow + ox;
          const bi = refMax(x, p, h, w, kh, kw, sh, sw, ph, pw, oy, ox, res);
          chk.same("argmax", j, load<i32>(am + (<usize>j << 2)), bi);
          chk.same("y", j, bitsAt(y, j), reinterpret<u32>(res[0]));
          // y is the input element argmax points at.
          chk.same("y = x[argmax]", j, bitsAt(y, j), bitsAt(x, p * h * w + bi));
        }
        expect(at(y, nOut)).toBe(SENTINEL);
        expect(at(am, nOut)).toBe(SENTINEL);

        // Backward: dx zeroed, then dx[argmax] += dy in output order (f32).
        const nIn = planes * h * w;
        const dy = randBuf(nOut);
        const dx = randBuf(nIn, 50);
        const want = allocF32(nIn);
        memory.fill(want, 0, <usize>nIn << 2);
        for (let p = 0; p < planes; p++) for (let q = 0; q < oh * ow; q++) {
          const i = p * h * w + load<i32>(am + (<usize>(p * oh * ow + q) << 2));
          put(want, i, at(want, i) + at(dy, p * oh * ow + q));
        }
        maxpool_backward(dy, am, planes, h * w, oh * ow, dx);
        for (let i = 0; i < nIn; i++) chk.same("dx", i, bitsAt(dx, i), bitsAt(want, i));
        expect(at(dx, nIn)).toBe(SENTINEL);
        heap.free(x); heap.free(y); heap.free(am); heap.free(dy); heap.free(dx); heap.free(want);
      }
    }
    expect(chk.bad).toBe(0);
  });

  it("continuous data: the max is unique, backward routes each dy to one input", () => {
    // 2×2/2 on a 4×4 plane, known values.
    const x = allocF32(16);
    for (let i = 0; i < 16; i++) put(x, i, <f32>((i * 7) % 16));
    const y = allocF32(4);
    const am = allocF32(4);
    maxpool_forward(x, 1, 4, 4, 2, 2, 2, 2, 0, 0, 2, 2, y, am);
    // plane values (i·7 mod 16): row0 0 7 14 5 / row1 12 3 10 1 / row2 8 15 6 13 / row3 4 11 2 9
    expect(at(y, 0)).toBe(12);
    expect(at(y, 1)).toBe(14);
    expect(at(y, 2)).toBe(15);
    expect(at(y, 3)).toBe(13);
    expect(load<i32>(am)).toBe(4);
    expect(load<i32>(am, 4)).toBe(2);
    expect(load<i32>(am, 8)).toBe(9);
    expect(load<i32>(am, 12)).toBe(11);
  });
});

// count_include_pad divisor, PyTorch: window clipped to the padded input.
function divisor(hs: i32, ws: i32, h: i32, w: i32, kh: i32, kw: i32, ph: i32, pw: i32): f64 {
  return <f64>((min(hs + kh, h + ph) - hs) * (min(ws + kw, w + pw) - ws));
}

describe("avgpool_forward / avgpool_backward", () => {
  it("match naive f64 references (count_include_pad = true) and are adjoint", () => {
    const chk = new Checker();
    const o = new StaticArray<i32>(2);
    for (let k = 0; k < CASES.length; k += 10) {
      const planes = CASES[k], h = CASES[k + 1], w = CASES[k + 2], kh = CASES[k + 3], kw = CASES[k + 4];
      const sh = CASES[k + 5], sw = CASES[k + 6], ph = CASES[k + 7], pw = CASES[k + 8];
      dims(k, o);
      const oh = o[0], ow = o[1];
      const nIn = planes * h * w, nOut = planes * oh * ow;
      const x = randBuf(nIn, 2);
      const y = randBuf(nOut);
      avgpool_forward(x, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, y);
      const dy = randBuf(nOut);
      const dx = randBuf(nIn, 50);
      avgpool_backward(dy, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, dx);
      const want = new StaticArray<f64>(nIn);
      let yDy: f64 = 0, xDx: f64 = 0, mag: f64 = 0;
      for (let p = 0; p < planes; p++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
        const hs = oy * sh - ph, ws = ox * sw - pw;
        const d = divisor(hs, ws, h, w, kh, kw, ph, pw);
        const j = (p * oh + oy) * ow + ox;
        let s: f64 = 0;
        for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
          const iy = hs + ky, ix = ws + kx;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          s += <f64>at(x, p * h * w + iy * w + ix);
          want[p * h * w + iy * w + ix] += <f64>at(dy, j) / d;
        }
        chk.close("y", j, at(y, j), s / d, 1e-5, 1);
        yDy += <f64>at(y, j) * <f64>at(dy, j);
        mag += Math.abs(<f64>at(y, j) * <f64>at(dy, j));
      }
      for (let i = 0; i < nIn; i++) {
        chk.close("dx", i, at(dx, i), want[i], 1e-5, 1);
        xDx += <f64>at(x, i) * <f64>at(dx, i);
      }
      // Adjoint: <avgpool(x), dy> = <x, avgpool_backward(dy)>.
      chk.close("adjoint", k, xDx, yDy, 1e-5, mag);
      expect(at(y, nOut)).toBe(SENTINEL);
      expect(at(dx, nIn)).toBe(SENTINEL);
      heap.free(x); heap.free(y); heap.free(dy); heap.free(dx);
    }
    expect(chk.bad).toBe(0);
  });

  it("a constant input stays constant away from padding (2×2/2, 3×3/1 pad 1 corners = 4/9)", () => {
    const x = allocF32(36);
    for (let i = 0; i < 36; i++) put(x, i, 1.5);
    const y = allocF32(36);
    avgpool_forward(x, 1, 6, 6, 2, 2, 2, 2, 0, 0, 3, 3, y);
    for (let i = 0; i < 9; i++) expect(at(y, i)).toBe(1.5);
    avgpool_forward(x, 1, 6, 6, 3, 3, 1, 1, 1, 1, 6, 6, y);
    expect(at(y, 0)).toBe(<f32>(1.5 * 4) / 9);
    expect(at(y, 7)).toBe(<f32>(1.5 * 9) / 9);
    expect(at(y, 1)).toBe(<f32>(1.5 * 6) / 9);
  });
});

describe("gap_forward / gap_backward", () => {
  it("y = mean over hw (f64 sum), dx = dy/hw", () => {
    const HW: i32[] = [1, 3, 4, 5, 16, 49, 50];
    const chk = new Checker();
    for (let k = 0; k < HW.length; k++) {
      const hw = HW[k];
      const planes = 3 + k;
      const x = randBuf(planes * hw, 2);
      const y = randBuf(planes);
      gap_forward(x, planes, hw, y);
      for (let p = 0; p < planes; p++) {
        let s: f64 = 0;
        for (let i = 0; i < hw; i++) s += <f64>at(x, p * hw + i);
        chk.close("y", p, at(y, p), s / <f64>hw, 1e-6, 1e-6);
      }
      expect(at(y, planes)).toBe(SENTINEL);
      const dy = randBuf(planes);
      const dx = randBuf(planes * hw);
      gap_backward(dy, planes, hw, dx);
      for (let p = 0; p < planes; p++) for (let i = 0; i < hw; i++) {
        chk.same("dx", p * hw + i, bitsAt(dx, p * hw + i), reinterpret<u32>(<f32>(<f64>at(dy, p) / <f64>hw)));
      }
      expect(at(dx, planes * hw)).toBe(SENTINEL);
      // Constant plane: exact mean.
      for (let i = 0; i < planes * hw; i++) put(x, i, 0.625);
      gap_forward(x, planes, hw, y);
      for (let p = 0; p < planes; p++) expect(at(y, p)).toBe(0.625);
      heap.free(x); heap.free(y); heap.free(dy); heap.free(dx);
    }
    expect(chk.bad).toBe(0);
  });
});
