// Depthwise 3×3 (undilated, stride 1 or 2, padding ≤ 2) on maps of at most
// 4×4, four samples' planes of one channel in the four lanes. There a plane
// is one to four 4-wide rows and the row kernels of dwconv.ts spend more on
// the per-plane set-up (padding, splats, the last partial group) than on the
// arithmetic; with samples in the lanes every output pixel is one vector, no
// lane is wasted on a 2-wide row, and the weights are splatted once per
// channel. Planes go in and out through 4×4 transposes. Each lane computes
// exactly what dwconv.ts computes for its sample (the same taps in the same
// order, padding taps adding ±0 to sums begun at +0), so the bits are the
// same; a batch not a multiple of 4 fills the missing lanes with zeros and
// drops them.
import { tr0, tr1, lo2, hi2 } from "./winograd_f2x3";
import { promoteHigh } from "../widen";

/** Whether a padded 3×3 geometry (dwconv.ts padded3) takes this file: planes of at most 4×4, whole groups of 4 pixels. */
// @ts-ignore: decorator
@inline export function lanesFit(h: i32, wd: i32, oh: i32, ow: i32): bool {
  return h <= 4 && wd <= 4 && oh <= 4 && ow <= 4 && ((h * wd) & 3) == 0 && ((oh * ow) & 3) == 0 && oh > 0 && ow > 0;
}

/** Work buffer bytes per thread: two padded planes of up to 8×8 vectors, 16 output vectors, 9 f64 totals, a sink and two slot tables. */
export const LANES_BYTES: usize = 2 * 64 * 16 + 16 * 16 + 9 * 8 + 64 + 2 * 64;

// Slot offsets in the work buffer.
const Q_AT: usize = 0;
const D_AT: usize = 64 * 16;
const Y_AT: usize = 2 * 64 * 16;
const T_AT: usize = Y_AT + 16 * 16;
const SINK_AT: usize = T_AT + 9 * 8;
const TA_AT: usize = SINK_AT + 64;
const TB_AT: usize = TA_AT + 64;

// 16 zero floats: the planes of missing samples.
// @ts-ignore: decorator
@inline function zeros(): usize { return memory.data(64, 16); }

// Plane of sample s0 + l (l < cnt) of channel ch, or the zeros (loads) / the sink (stores).
// @ts-ignore: decorator
@inline function planeAt(base: usize, s0: i32, l: i32, cnt: i32, c: i32, ch: i32, planeB: usize, none: usize): usize {
  return l < cnt ? base + <usize>((s0 + l) * c + ch) * planeB : none;
}

// The slot table of gather: pixel j (row j / w, column j % w) goes to vector
// slot off + (j / w)·rs + (j % w)·cs, as a byte offset (no divisions per group).
function slots(tbl: usize, np: i32, w: i32, off: i32, rs: i32, cs: i32): void {
  for (let j = 0; j < np; j++) store<i32>(tbl + (<usize>j << 2), (off + (j / w) * rs + (j % w) * cs) << 4);
}

// Pixels 0..np−1 of four planes (np % 4 == 0) into the vector slots of V the table names.
function gather(p0: usize, p1: usize, p2: usize, p3: usize, np: i32, V: usize, tbl: usize): void {
  for (let j = 0; j < np; j += 4) {
    const o = <usize>j << 2;
    const r0 = v128.load(p0 + o), r1 = v128.load(p1 + o), r2 = v128.load(p2 + o), r3 = v128.load(p3 + o);
    const t0 = tr0(r0, r1), t1 = tr1(r0, r1), t2 = tr0(r2, r3), t3 = tr1(r2, r3);
    const t = tbl + o;
    v128.store(V + <usize>load<i32>(t), lo2(t0, t2));
    v128.store(V + <usize>load<i32>(t, 4), hi2(t0, t2));
    v128.store(V + <usize>load<i32>(t, 8), lo2(t1, t3));
    v128.store(V + <usize>load<i32>(t, 12), hi2(t1, t3));
  }
}

// Vector slots 0..np−1 (pixel j in slot j) back to four planes.
function scatter(Y: usize, np: i32, p0: usize, p1: usize, p2: usize, p3: usize): void {
  for (let j = 0; j < np; j += 4) {
    const y = Y + (<usize>j << 4);
    const r0 = v128.load(y), r1 = v128.load(y, 16), r2 = v128.load(y, 32), r3 = v128.load(y, 48);
    const t0 = tr0(r0, r1), t1 = tr1(r0, r1), t2 = tr0(r2, r3), t3 = tr1(r2, r3);
    const o = <usize>j << 2;
    v128.store(p0 + o, lo2(t0, t2));
    v128.store(p1 + o, hi2(t0, t2));
    v128.store(p2 + o, lo2(t1, t3));
    v128.store(p3 + o, hi2(t1, t3));
  }
}

// @ts-ignore: decorator
@inline function zeroVectors(V: usize, count: i32): void {
  const z = f32x4.splat(0);
  for (let i = 0; i < count; i++) v128.store(V + (<usize>i << 4), z);
}

// Y[oy·ow + ox] = Σ_{a,b} V[(oy·s + a)·wq + ox·s + b] · k(a, b), from +0 in
// (a, b) order; k(a, b) = w0 + (3a + b)·wstep.
function corr(V: usize, wq: i32, s: i32, w0: usize, wstep: usize, Y: usize, oh: i32, ow: i32): void {
  const k00 = v128.load32_splat(w0), k01 = v128.load32_splat(w0 + wstep), k02 = v128.load32_splat(w0 + 2 * wstep);
  const k10 = v128.load32_splat(w0 + 3 * wstep), k11 = v128.load32_splat(w0 + 4 * wstep), k12 = v128.load32_splat(w0 + 5 * wstep);
  const k20 = v128.load32_splat(w0 + 6 * wstep), k21 = v128.load32_splat(w0 + 7 * wstep), k22 = v128.load32_splat(w0 + 8 * wstep);
  const row = <usize>wq << 4;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const r = V + (<usize>(oy * s * wq + ox * s) << 4);
      let acc = f32x4.splat(0);
      acc = f32x4.add(acc, f32x4.mul(v128.load(r), k00));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r, 16), k01));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r, 32), k02));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r + row), k10));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r + row, 16), k11));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r + row, 32), k12));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r + 2 * row), k20));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r + 2 * row, 16), k21));
      acc = f32x4.add(acc, f32x4.mul(v128.load(r + 2 * row, 32), k22));
      v128.store(Y + (<usize>(oy * ow + ox) << 4), acc);
    }
  }
}

// The padded input plane's width and height in vectors (as dwconv.ts pads: the image with its padding, and every tap).
// @ts-ignore: decorator
@inline function padW(w: i32, p: i32, o: i32, s: i32): i32 { return max(w + 2 * p, (o - 1) * s + 3); }

/** Forward of samples 0..n−1 (all channels) of a lanesFit geometry; buf: LANES_BYTES. */
export function forwardLanes(x: usize, w: usize, n: i32, c: i32, h: i32, wd: i32, s: i32, ph: i32, pw: i32, oh: i32, ow: i32, y: usize, buf: usize): void {
  const hq = padW(h, ph, oh, s), wq = padW(wd, pw, ow, s);
  const Q = buf + Q_AT, Y = buf + Y_AT, sink = buf + SINK_AT;
  const inB = <usize>(h * wd) << 2, outB = <usize>(oh * ow) << 2;
  zeroVectors(Q, hq * wq);
  slots(buf + TA_AT, h * wd, wd, ph * wq + pw, wq, 1);
  for (let ch = 0; ch < c; ch++) {
    for (let s0 = 0; s0 < n; s0 += 4) {
      const cnt = min(4, n - s0);
      gather(planeAt(x, s0, 0, cnt, c, ch, inB, zeros()), planeAt(x, s0, 1, cnt, c, ch, inB, zeros()),
        planeAt(x, s0, 2, cnt, c, ch, inB, zeros()), planeAt(x, s0, 3, cnt, c, ch, inB, zeros()), h * wd, Q, buf + TA_AT);
      corr(Q, wq, s, w + <usize>ch * 36, 4, Y, oh, ow);
      scatter(Y, oh * ow, planeAt(y, s0, 0, cnt, c, ch, outB, sink), planeAt(y, s0, 1, cnt, c, ch, outB, sink),
        planeAt(y, s0, 2, cnt, c, ch, outB, sink), planeAt(y, s0, 3, cnt, c, ch, outB, sink));
    }
  }
}

/**
 * Input gradient of samples 0..n−1: as dwconv.ts dgrad_padded, the stride-1
 * correlation, with the rotated kernel, of dy placed at (s·oy + 2 − ph,
 * s·ox + 2 − pw) in a zero plane of (h + 2) × (wd + 2).
 */
export function dgradLanes(dy: usize, w: usize, n: i32, c: i32, h: i32, wd: i32, s: i32, ph: i32, pw: i32, oh: i32, ow: i32, dx: usize, buf: usize): void {
  const hq = h + 2, wq = wd + 2;
  const Q = buf + Q_AT, Y = buf + Y_AT, sink = buf + SINK_AT;
  const inB = <usize>(h * wd) << 2, outB = <usize>(oh * ow) << 2;
  zeroVectors(Q, hq * wq);
  slots(buf + TA_AT, oh * ow, ow, (2 - ph) * wq + 2 - pw, s * wq, s);
  for (let ch = 0; ch < c; ch++) {
    for (let s0 = 0; s0 < n; s0 += 4) {
      const cnt = min(4, n - s0);
      gather(planeAt(dy, s0, 0, cnt, c, ch, outB, zeros()), planeAt(dy, s0, 1, cnt, c, ch, outB, zeros()),
        planeAt(dy, s0, 2, cnt, c, ch, outB, zeros()), planeAt(dy, s0, 3, cnt, c, ch, outB, zeros()), oh * ow, Q, buf + TA_AT);
      corr(Q, wq, 1, w + <usize>ch * 36 + 32, <usize>-4, Y, h, wd);
      scatter(Y, h * wd, planeAt(dx, s0, 0, cnt, c, ch, inB, sink), planeAt(dx, s0, 1, cnt, c, ch, inB, sink),
        planeAt(dx, s0, 2, cnt, c, ch, inB, sink), planeAt(dx, s0, 3, cnt, c, ch, inB, sink));
    }
  }
}

/**
 * Weight gradient of channels lo..hi−1 over all n samples, in dwconv.ts
 * wgrad_padded's order: per tap, lane a[i] of a sample's plane partial is
 * output column i's products in row order (ow ≤ 4: one column per lane),
 * the partial ((a0 + a1) + (a2 + a3)) in f64, added to the tap's f64 total
 * sample by sample.
 */
export function wgradLanes(dy: usize, x: usize, n: i32, c: i32, h: i32, wd: i32, s: i32, ph: i32, pw: i32, oh: i32, ow: i32, gw: usize, lo: i32, hi: i32, buf: usize): void {
  const hq = padW(h, ph, oh, s), wq = padW(wd, pw, ow, s);
  const Q = buf + Q_AT, D = buf + D_AT, T = buf + T_AT;
  const inB = <usize>(h * wd) << 2, outB = <usize>(oh * ow) << 2;
  // All of Q and D zero: the columns past ow read Q past the plane (within its
  // 64 slots: ((oh − 1)·s + 2)·wq + 3s + 2 < 64) times dy's zero columns.
  zeroVectors(Q, 64);
  zeroVectors(D, 16);
  slots(buf + TA_AT, h * wd, wd, ph * wq + pw, wq, 1);
  slots(buf + TB_AT, oh * ow, ow, 0, 4, 1);
  for (let ch = lo; ch < hi; ch++) {
    for (let t = 0; t < 9; t++) store<f64>(T + (<usize>t << 3), 0);
    for (let s0 = 0; s0 < n; s0 += 4) {
      const cnt = min(4, n - s0);
      gather(planeAt(x, s0, 0, cnt, c, ch, inB, zeros()), planeAt(x, s0, 1, cnt, c, ch, inB, zeros()),
        planeAt(x, s0, 2, cnt, c, ch, inB, zeros()), planeAt(x, s0, 3, cnt, c, ch, inB, zeros()), h * wd, Q, buf + TA_AT);
      gather(planeAt(dy, s0, 0, cnt, c, ch, outB, zeros()), planeAt(dy, s0, 1, cnt, c, ch, outB, zeros()),
        planeAt(dy, s0, 2, cnt, c, ch, outB, zeros()), planeAt(dy, s0, 3, cnt, c, ch, outB, zeros()), oh * ow, D, buf + TB_AT);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          // Column partials a[i] over the rows, lanes = samples; columns past ow add 0·x and stay +0.
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          const qs = <usize>s << 4, qrow = <usize>(s * wq) << 4;
          let q = Q + (<usize>(a * wq + b) << 4), d = D;
          if (ow > 2) {
            for (let oy = 0; oy < oh; oy++, q += qrow, d += 64) {
              a0 = f32x4.add(a0, f32x4.mul(v128.load(d), v128.load(q)));
              a1 = f32x4.add(a1, f32x4.mul(v128.load(d, 16), v128.load(q + qs)));
              a2 = f32x4.add(a2, f32x4.mul(v128.load(d, 32), v128.load(q + 2 * qs)));
              a3 = f32x4.add(a3, f32x4.mul(v128.load(d, 48), v128.load(q + 3 * qs)));
            }
          } else {
            for (let oy = 0; oy < oh; oy++, q += qrow, d += 64) {
              a0 = f32x4.add(a0, f32x4.mul(v128.load(d), v128.load(q)));
              a1 = f32x4.add(a1, f32x4.mul(v128.load(d, 16), v128.load(q + qs)));
            }
          }
          // ((a0 + a1) + (a2 + a3)) in f64 for samples (0, 1) and (2, 3). With
          // ow ≤ 2, a2 and a3 are +0 and the sum is a0 + a1 up to the sign of
          // a zero, which the total (begun at +0, so never −0) cannot see.
          let pl = f64x2.add(f64x2.promote_low_f32x4(a0), f64x2.promote_low_f32x4(a1));
          let ph2 = f64x2.add(promoteHigh(a0), promoteHigh(a1));
          if (ow > 2) {
            pl = f64x2.add(pl, f64x2.add(f64x2.promote_low_f32x4(a2), f64x2.promote_low_f32x4(a3)));
            ph2 = f64x2.add(ph2, f64x2.add(promoteHigh(a2), promoteHigh(a3)));
          }
          const tp = T + (<usize>(a * 3 + b) << 3);
          let tot = load<f64>(tp);
          tot += f64x2.extract_lane(pl, 0);
          if (cnt > 1) tot += f64x2.extract_lane(pl, 1);
          if (cnt > 2) tot += f64x2.extract_lane(ph2, 0);
          if (cnt > 3) tot += f64x2.extract_lane(ph2, 1);
          store<f64>(tp, tot);
        }
      }
    }
    for (let t = 0; t < 9; t++) store<f32>(gw + (<usize>(ch * 9 + t) << 2), <f32>load<f64>(T + (<usize>t << 3)));
  }
}

