import { bn_forward_train, bn_forward_eval, bn_backward } from "../kernels/batchnorm";
import { seedRnd, rnd, at, bitsAt, put, allocF32, randBuf, cloneBuf, SENTINEL } from "./util/buffers";
import { Checker } from "./util/nchw";

seedRnd(0xB47C4);

// (n, c, hw): odd sizes, hw not a multiple of 4, 1×1 spatial, single sample.
const SHAPES: i32[] = [
  2, 3, 1,
  1, 1, 2,
  3, 5, 7,
  4, 2, 17,
  1, 3, 9,
  5, 1, 16,
  2, 4, 33,
  7, 3, 5,
  16, 2, 1,
];
const EPS: f32 = 1e-5;
const MOM: f32 = 0.1;

// Element (s, ch, i) of an [n, c, hw] tensor.
// @ts-ignore: decorator
@inline function idx(s: i32, ch: i32, i: i32, c: i32, hw: i32): i32 {
  return (s * c + ch) * hw + i;
}

// x with a per-channel offset 3·ch − 2 and spread 1 + ch/2 (means and
// variances differ between channels).
function input(n: i32, c: i32, hw: i32): usize {
  const x = allocF32(n * c * hw);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) {
    put(x, idx(s, ch, i, c, hw), <f32>(ch * 3 - 2) + rnd(1 + <f32>ch * 0.5));
  }
  put(x, n * c * hw, SENTINEL);
  return x;
}

function plusOne(c: i32, half: f32): usize {
  const p = allocF32(c);
  for (let i = 0; i < c; i++) put(p, i, 1 + rnd(half));
  put(p, c, SENTINEL);
  return p;
}

// Naive per-channel statistics in f64: mean, biased variance.
function refMean(x: usize, n: i32, c: i32, hw: i32, ch: i32): f64 {
  let s: f64 = 0;
  for (let t = 0; t < n; t++) for (let i = 0; i < hw; i++) s += <f64>at(x, idx(t, ch, i, c, hw));
  return s / <f64>(n * hw);
}
function refVar(x: usize, n: i32, c: i32, hw: i32, ch: i32, m: f64): f64 {
  let s: f64 = 0;
  for (let t = 0; t < n; t++) for (let i = 0; i < hw; i++) {
    const d = <f64>at(x, idx(t, ch, i, c, hw)) - m;
    s += d * d;
  }
  return s / <f64>(n * hw);
}

describe("bn_forward_train", () => {
  it("matches the naive reference: y, saved stats, running stats", () => {
    const chk = new Checker();
    for (let k = 0; k < SHAPES.length; k += 3) {
      const n = SHAPES[k], c = SHAPES[k + 1], hw = SHAPES[k + 2];
      const N = n * hw;
      const total = n * c * hw;
      const x = input(n, c, hw);
      const g = plusOne(c, 0.5);
      const b = randBuf(c);
      const rm = randBuf(c);
      const rv = plusOne(c, 0.5);
      const rm0 = cloneBuf(rm, c);
      const rv0 = cloneBuf(rv, c);
      const sm = randBuf(c);
      const si = randBuf(c);
      const y = randBuf(total);
      bn_forward_train(x, n, c, hw, g, b, EPS, MOM, rm, rv, sm, si, y);
      for (let ch = 0; ch < c; ch++) {
        const m = refMean(x, n, c, hw, ch);
        const v = refVar(x, n, c, hw, ch, m);
        const inv = 1 / Math.sqrt(v + <f64>EPS);
        chk.close("save_mean", ch, at(sm, ch), m, 1e-6, 1e-6);
        chk.close("save_invstd", ch, at(si, ch), inv, 1e-6, 0);
        chk.close("running_mean", ch, at(rm, ch), 0.9 * <f64>at(rm0, ch) + 0.1 * m, 1e-6, 1e-6);
        const unb = N > 1 ? v * <f64>N / <f64>(N - 1) : 0;
        if (N > 1) chk.close("running_var", ch, at(rv, ch), 0.9 * <f64>at(rv0, ch) + 0.1 * unb, 1e-6, 0);
        else chk.same("running_var kept", ch, bitsAt(rv, ch), bitsAt(rv0, ch));
        for (let s = 0; s < n; s++) for (let i = 0; i < hw; i++) {
          const j = idx(s, ch, i, c, hw);
          const want = (<f64>at(x, j) - m) * inv * <f64>at(g, ch) + <f64>at(b, ch);
          chk.close("y", j, at(y, j), want, 1e-5, 1);
        }
      }
      expect(at(y, total)).toBe(SENTINEL);
      expect(at(sm, c)).toBe(SENTINEL);
      expect(at(rv, c)).toBe(SENTINEL);
      // In place (y == x) gives the same bits.
      const x2 = cloneBuf(x, total);
      const rm2 = cloneBuf(rm0, c);
      const rv2 = cloneBuf(rv0, c);
      bn_forward_train(x2, n, c, hw, g, b, EPS, MOM, rm2, rv2, sm, si, x2);
      for (let j = 0; j < total; j++) chk.same("in place", j, bitsAt(x2, j), bitsAt(y, j));
      for (let ch = 0; ch < c; ch++) chk.same("running in place", ch, bitsAt(rv2, ch), bitsAt(rv, ch));
      heap.free(x); heap.free(g); heap.free(b); heap.free(rm); heap.free(rv); heap.free(rm0); heap.free(rv0);
      heap.free(sm); heap.free(si); heap.free(y); heap.free(x2); heap.free(rm2); heap.free(rv2);
    }
    expect(chk.bad).toBe(0);
  });

  it("closed forms: γ=1, β=0 gives mean 0 and variance var/(var+eps); momentum 1 and 0", () => {
    const chk = new Checker();
    for (let k = 0; k < SHAPES.length; k += 3) {
      const n = SHAPES[k], c = SHAPES[k + 1], hw = SHAPES[k + 2];
      const N = n * hw;
      if (N < 2) continue;
      const total = n * c * hw;
      const x = input(n, c, hw);
      const g = allocF32(c);
      const b = allocF32(c);
      for (let ch = 0; ch < c; ch++) { put(g, ch, 1); put(b, ch, 0); }
      const rm = randBuf(c);
      const rv = plusOne(c, 0.5);
      const sm = allocF32(c);
      const si = allocF32(c);
      const y = allocF32(total);
      bn_forward_train(x, n, c, hw, g, b, EPS, 1, rm, rv, sm, si, y);
      for (let ch = 0; ch < c; ch++) {
        const m = refMean(x, n, c, hw, ch);
        const v = refVar(x, n, c, hw, ch, m);
        const my = refMean(y, n, c, hw, ch);
        const vy = refVar(y, n, c, hw, ch, my);
        chk.close("mean(y)", ch, my, 0, 1e-5, 1);
        chk.close("var(y)", ch, vy, v / (v + <f64>EPS), 1e-5, 1);
        // momentum 1: running stats are the batch mean and unbiased variance.
        chk.close("rm = mean", ch, at(rm, ch), m, 1e-6, 1e-6);
        chk.close("rv = unbiased", ch, at(rv, ch), v * <f64>N / <f64>(N - 1), 1e-6, 0);
      }
      // momentum 0: running stats unchanged, bit for bit.
      const rm0 = cloneBuf(rm, c);
      const rv0 = cloneBuf(rv, c);
      bn_forward_train(x, n, c, hw, g, b, EPS, 0, rm, rv, sm, si, y);
      for (let ch = 0; ch < c; ch++) {
        chk.same("rm kept", ch, bitsAt(rm, ch), bitsAt(rm0, ch));
        chk.same("rv kept", ch, bitsAt(rv, ch), bitsAt(rv0, ch));
      }
      heap.free(x); heap.free(g); heap.free(b); heap.free(rm); heap.free(rv);
      heap.free(sm); heap.free(si); heap.free(y); heap.free(rm0); heap.free(rv0);
    }
    expect(chk.bad).toBe(0);
  });

  it("N = n·hw = 1: running_var unchanged, invstd = 1/√eps, y = β", () => {
    const x = allocF32(2);
    put(x, 0, 0.75); put(x, 1, -2.5); // n = 1, c = 2, hw = 1
    const g = allocF32(2); put(g, 0, 1.5); put(g, 1, -0.5);
    const b = allocF32(2); put(b, 0, 0.25); put(b, 1, 3);
    const rm = allocF32(2); put(rm, 0, 1); put(rm, 1, 2);
    const rv = allocF32(2); put(rv, 0, 4); put(rv, 1, 5);
    const sm = allocF32(2);
    const si = allocF32(2);
    const y = allocF32(2);
    bn_forward_train(x, 1, 2, 1, g, b, EPS, MOM, rm, rv, sm, si, y);
    expect(at(rv, 0)).toBe(4);
    expect(at(rv, 1)).toBe(5);
    expect(at(rm, 0)).toBe(<f32>((1 - <f64>MOM) * 1.0 + <f64>MOM * 0.75));
    expect(at(rm, 1)).toBe(<f32>((1 - <f64>MOM) * 2.0 + <f64>MOM * -2.5));
    expect(at(sm, 0)).toBe(0.75);
    expect(at(si, 1)).toBe(<f32>(1 / Math.sqrt(<f64>EPS)));
    expect(Math.abs(at(y, 0) - 0.25)).toBeLessThan(1e-4);
    expect(Math.abs(at(y, 1) - 3)).toBeLessThan(1e-4);
  });
});

describe("bn_forward_eval", () => {
  it("y = (x − running_mean)/√(running_var + eps)·γ + β, out of place and in place", () => {
    const chk = new Checker();
    for (let k = 0; k < SHAPES.length; k += 3) {
      const n = SHAPES[k], c = SHAPES[k + 1], hw = SHAPES[k + 2];
      const total = n * c * hw;
      const x = input(n, c, hw);
      const g = plusOne(c, 0.5);
      const b = randBuf(c);
      const rm = randBuf(c, 3);
      const rv = plusOne(c, 0.9);
      const rm0 = cloneBuf(rm, c);
      const rv0 = cloneBuf(rv, c);
      const y = randBuf(total);
      bn_forward_eval(x, n, c, hw, g, b, rm, rv, EPS, y);
      for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) {
        const j = idx(s, ch, i, c, hw);
        const want = (<f64>at(x, j) - <f64>at(rm, ch)) / Math.sqrt(<f64>at(rv, ch) + <f64>EPS) * <f64>at(g, ch) + <f64>at(b, ch);
        chk.close("y", j, at(y, j), want, 1e-5, 1);
      }
      expect(at(y, total)).toBe(SENTINEL);
      for (let ch = 0; ch < c; ch++) {
        chk.same("rm", ch, bitsAt(rm, ch), bitsAt(rm0, ch));
        chk.same("rv", ch, bitsAt(rv, ch), bitsAt(rv0, ch));
      }
      bn_forward_eval(x, n, c, hw, g, b, rm, rv, EPS, x);
      for (let j = 0; j < total; j++) chk.same("in place", j, bitsAt(x, j), bitsAt(y, j));
      heap.free(x); heap.free(g); heap.free(b); heap.free(rm); heap.free(rv); heap.free(rm0); heap.free(rv0); heap.free(y);
    }
    expect(chk.bad).toBe(0);
  });
});

describe("bn_backward", () => {
  it("matches the reference formula; dγ, dβ overwritten; in place on dy and on x", () => {
    const chk = new Checker();
    for (let k = 0; k < SHAPES.length; k += 3) {
      const n = SHAPES[k], c = SHAPES[k + 1], hw = SHAPES[k + 2];
      const N = n * hw;
      if (N < 2) continue;
      const total = n * c * hw;
      const x = input(n, c, hw);
      const g = plusOne(c, 0.5);
      const b = randBuf(c);
      const rm = allocF32(c);
      const rv = allocF32(c);
      const sm = allocF32(c);
      const si = allocF32(c);
      const y = allocF32(total);
      bn_forward_train(x, n, c, hw, g, b, EPS, MOM, rm, rv, sm, si, y);
      const dy = randBuf(total);
      const dg = randBuf(c, 100); // garbage: must be overwritten
      const db = randBuf(c, 100);
      const dx = randBuf(total);
      bn_backward(dy, x, n, c, hw, g, sm, si, dg, db, dx);
      for (let ch = 0; ch < c; ch++) {
        const m = <f64>at(sm, ch);
        const r = <f64>at(si, ch);
        let sdy: f64 = 0, sdyh: f64 = 0, adyh: f64 = 0, ady: f64 = 0;
        for (let s = 0; s < n; s++) for (let i = 0; i < hw; i++) {
          const j = idx(s, ch, i, c, hw);
          const h = (<f64>at(x, j) - m) * r;
          sdy += <f64>at(dy, j);
          ady += Math.abs(<f64>at(dy, j));
          sdyh += <f64>at(dy, j) * h;
          adyh += Math.abs(<f64>at(dy, j) * h);
        }
        chk.close("dbeta", ch, at(db, ch), sdy, 1e-5, 1e-4 * ady);
        chk.close("dgamma", ch, at(dg, ch), sdyh, 1e-5, 1e-4 * adyh);
        const gr = <f64>at(g, ch) * r;
        // Closed forms: Σ dx = 0 and Σ dx·x̂ = γ·r·Σdy·x̂·(1 − Σx̂²/N) (= 0 up to the eps
        // term), within the rounding of the terms that cancel in dx.
        let sdx: f64 = 0, sdxh: f64 = 0, shh: f64 = 0, terms: f64 = 0, hmax: f64 = 0;
        for (let s = 0; s < n; s++) for (let i = 0; i < hw; i++) {
          const j = idx(s, ch, i, c, hw);
          const h = (<f64>at(x, j) - m) * r;
          const want = gr / <f64>N * (<f64>N * <f64>at(dy, j) - sdy - h * sdyh);
          chk.close("dx", j, at(dx, j), want, 1e-5, Math.abs(gr));
          sdx += <f64>at(dx, j);
          sdxh += <f64>at(dx, j) * h;
          shh += h * h;
          hmax = Math.max(hmax, Math.abs(h));
          terms += Math.abs(gr) / <f64>N * (<f64>N * Math.abs(<f64>at(dy, j)) + Math.abs(sdy) + Math.abs(h * sdyh));
        }
        chk.close("Σdx", ch, sdx, 0, 1e-5, terms);
        chk.close("Σdx·x̂", ch, sdxh, gr * sdyh * (1 - shh / <f64>N), 1e-5, terms * hmax);
      }
      expect(at(dx, total)).toBe(SENTINEL);
      expect(at(dg, c)).toBe(SENTINEL);
      expect(at(db, c)).toBe(SENTINEL);
      // In place on dy, then on x: same bits.
      const dy2 = cloneBuf(dy, total);
      bn_backward(dy2, x, n, c, hw, g, sm, si, dg, db, dy2);
      for (let j = 0; j < total; j++) chk.same("dx == dy", j, bitsAt(dy2, j), bitsAt(dx, j));
      const x2 = cloneBuf(x, total);
      bn_backward(dy, x2, n, c, hw, g, sm, si, dg, db, x2);
      for (let j = 0; j < total; j++) chk.same("dx == x", j, bitsAt(x2, j), bitsAt(dx, j));
      heap.free(x); heap.free(g); heap.free(b); heap.free(rm); heap.free(rv); heap.free(sm); heap.free(si);
      heap.free(y); heap.free(dy); heap.free(dg); heap.free(db); heap.free(dx); heap.free(dy2); heap.free(x2);
    }
    expect(chk.bad).toBe(0);
  });

  it("constant dy gives dx ≈ 0 and dβ = N·dy, dγ ≈ 0", () => {
    const chk = new Checker();
    const n = 3, c = 2, hw = 11, N = 33, total = 66;
    const x = input(n, c, hw);
    const g = plusOne(c, 0.5);
    const b = randBuf(c);
    const rm = allocF32(c), rv = allocF32(c), sm = allocF32(c), si = allocF32(c), y = allocF32(total);
    bn_forward_train(x, n, c, hw, g, b, EPS, MOM, rm, rv, sm, si, y);
    const dy = allocF32(total);
    for (let j = 0; j < total; j++) put(dy, j, 0.375);
    const dg = allocF32(c), db = allocF32(c), dx = allocF32(total);
    bn_backward(dy, x, n, c, hw, g, sm, si, dg, db, dx);
    for (let ch = 0; ch < c; ch++) {
      expect(at(db, ch)).toBe(<f32>(0.375 * <f64>N));
      chk.close("dgamma", ch, at(dg, ch), 0, 1e-5, 1);
    }
    for (let j = 0; j < total; j++) chk.close("dx", j, at(dx, j), 0, 1e-5, 1);
    expect(chk.bad).toBe(0);
  });
});
