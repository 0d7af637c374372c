import {
  st_step, st_write, st_inverse_shift, st_threshold_grads, count_above,
} from "../kernels/soft_threshold";
import { seedRnd, rnd, rndU, at, bitsAt, put, randBuf, cloneBuf } from "./util/buffers";
import { laneOrderSum } from "./util/reference";

// randBuf puts the sentinel −1234.5 at index n: it must survive every kernel.
seedRnd(0x2468ACE1);
function ulpAbove(x: f32): f64 { // spacing of f32 just above |x|
  const a = Mathf.abs(x);
  return <f64>reinterpret<f32>(reinterpret<u32>(a) + 1) - <f64>a;
}

// S_d in f32: max(|θ| − d, 0), then the sign of θ (the kernels' documented order).
function refSoft(t: f32, d: f32): f32 {
  return copysign<f32>(max<f32>(Mathf.abs(t) - d, 0), t);
}

// Scalar reference of st_step on element i (same f32 operations, same order).
function refStStep(th: usize, g: usize, buf: usize, w: usize, i: i32, lr: f32, m: f32, damp: f32, wd: f32,
  nesterov: bool, first: bool, dc: f32, dn: f32, mode: i32, k: f32): void {
  const t = at(th, i);
  let d = at(g, i);
  if (mode == 1) d = Mathf.abs(t) > dc ? d : 0;
  else if (mode == 2) d = (Mathf.abs(t) > dc ? (<f32>1 - k) * d : 0) + k * d;
  if (wd != 0) d = d + wd * t;
  if (m != 0) {
    const b: f32 = first ? d : m * at(buf, i) + (<f32>1 - damp) * d;
    put(buf, i, b);
    d = nesterov ? d + m * b : b;
  }
  const tn = t - lr * d;
  put(th, i, tn);
  let v = refSoft(tn, dn);
  if (mode == 2 && k != 0) v = (<f32>1 - k) * v + k * tn;
  put(w, i, v);
}
// Number of positions in [0, n] (sentinel included) whose bits differ.
function bitDiffs(a: usize, b: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i <= n; i++) c += i32(bitsAt(a, i) != bitsAt(b, i));
  return c;
}
function refCount(w: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) c += i32(at(w, i) != 0);
  return c;
}

describe("st_step vs scalar reference", () => {
  it("is bit-exact (θ, buf, w, count) for every mode, config and size over 3 steps", () => {
    const SIZES: i32[] = [1, 3, 4, 17, 255, 256, 257];
    // lr, momentum, dampening, weight_decay, nesterov
    const LR: f32[] = [0.1, 0.05, 0.1, 0.3, 0.2];
    const MOM: f32[] = [0.9, 0.9, 0, 0, 0.99];
    const DAMP: f32[] = [0, 0.1, 0, 0, 0];
    const WD: f32[] = [5e-4, 0.01, 0.01, 0, 0.1];
    const NEST: bool[] = [true, false, false, false, true];
    const MODES: i32[] = [0, 1, 2, 2];
    const KS: f32[] = [0, 0, 0.123, 1e-6 * 0.85];
    const D: f32[] = [0.1, 0.15, 0.2, 0.3]; // d(t) for t = 0..3
    let total = 0;
    for (let mi = 0; mi < MODES.length; mi++) {
      for (let c = 0; c < LR.length; c++) {
        for (let s = 0; s < SIZES.length; s++) {
          const n = SIZES[s];
          const th = randBuf(n, 1);
          for (let i = 0; i < n; i += 5) put(th, i, i & 1 ? D[0] : -D[0]); // on the threshold
          const rth = cloneBuf(th, n);
          const useBuf = MOM[c] != 0;
          const buf = useBuf ? randBuf(n, 1) : 0;
          const rbuf = useBuf ? cloneBuf(buf, n) : 0;
          const w = randBuf(n, 1);
          const rw = cloneBuf(w, n);
          for (let step = 0; step < 3; step++) {
            const g = randBuf(n, 2);
            const first = step == 0;
            const cnt = st_step(th, g, buf, w, n, LR[c], MOM[c], DAMP[c], WD[c], NEST[c] ? 1 : 0, first ? 1 : 0,
              D[step], D[step + 1], MODES[mi], KS[mi]);
            for (let i = 0; i < n; i++) {
              refStStep(rth, g, rbuf, rw, i, LR[c], MOM[c], DAMP[c], WD[c], NEST[c], first,
                D[step], D[step + 1], MODES[mi], KS[mi]);
            }
            expect(cnt).toBe(refCount(rw, n));
            total += cnt;
            heap.free(g);
          }
          expect(bitDiffs(th, rth, n)).toBe(0);
          expect(bitDiffs(w, rw, n)).toBe(0);
          if (useBuf) expect(bitDiffs(buf, rbuf, n)).toBe(0);
          heap.free(th);
          heap.free(rth);
          heap.free(w);
          heap.free(rw);
          if (useBuf) {
            heap.free(buf);
            heap.free(rbuf);
          }
        }
      }
    }
    expect(total).toBeGreaterThan(0);
  });

  it("modes differ where they should: STR zeroes, GPO scales by k, STE passes the gradient", () => {
    const n = 8;
    const th = heap.alloc(n << 2);
    const g = heap.alloc(n << 2);
    const w = heap.alloc(n << 2);
    const k: f32 = 0.25;
    for (let mode = 0; mode < 3; mode++) {
      for (let i = 0; i < n; i++) {
        put(th, i, i < 4 ? <f32>0.05 : <f32>0.5); // 4 pruned (d = 0.1), 4 alive
        put(g, i, 1);
      }
      st_step(th, g, 0, w, n, 0.1, 0, 0, 0, 0, 1, 0.1, 0.1, mode, k);
      const pruned: f32 = mode == 0 ? <f32>0.05 - <f32>0.1 : mode == 1 ? <f32>0.05 : <f32>0.05 - <f32>0.1 * k;
      const alive: f32 = mode == 2 ? <f32>0.5 - <f32>0.1 * ((<f32>1 - k) * <f32>1 + k * <f32>1) : <f32>0.5 - <f32>0.1;
      for (let i = 0; i < n; i++) expect(at(th, i)).toBe(i < 4 ? pruned : alive);
    }
    heap.free(th);
    heap.free(g);
    heap.free(w);
  });
});

describe("Lemma 1 (local update rule)", () => {
  it("plain SGD on θ then S_{d(t+1)} equals ISTA S_{d(t+1)−d(t)}(w − η·g) when signs hold", () => {
    const n = 257;
    const d0: f32 = 0.3, d1: f32 = 0.35, lr: f32 = 0.1;
    const w0 = heap.alloc(<usize>n << 2);
    const th = heap.alloc(<usize>n << 2);
    const g = heap.alloc(<usize>n << 2);
    const w = heap.alloc(<usize>n << 2);
    for (let i = 0; i < n; i++) {
      const sgn: f32 = rnd() < 0 ? -1 : 1;
      if (i % 3 == 0) {
        // small weight pushed toward 0 by the gradient: ISTA prunes it (|w − ηg| < d1 − d0)
        put(w0, i, sgn * <f32>0.02);
        put(g, i, sgn * <f32>0.1);
      } else {
        put(w0, i, sgn * (<f32>0.2 + <f32>0.8 * Mathf.abs(rnd())));
        put(g, i, rnd()); // |η·g| ≤ 0.1 < |w| keeps the sign
      }
    }
    st_inverse_shift(w0, th, n, d0); // θ(t) with S_{d(t)}(θ(t)) = w(t)
    const wt = heap.alloc(<usize>n << 2);
    expect(st_write(th, wt, n, d0, 0)).toBe(n); // every w(t) nonzero
    let pruned = 0;
    const cnt = st_step(th, g, 0, w, n, lr, 0, 0, 0, 0, 1, d0, d1, 0, 0);
    for (let i = 0; i < n; i++) {
      // Lemma 1's conditions: |θ(t+1)| > d(t) and no sign change.
      expect(Mathf.abs(at(th, i))).toBeGreaterThan(d0);
      expect(at(th, i) > 0).toBe(at(wt, i) > 0);
      // Eq. 9 / Eq. 19 in f64.
      const v = <f64>at(wt, i) - <f64>lr * <f64>at(g, i);
      const mag = Math.abs(v) - (<f64>d1 - <f64>d0);
      const ista = mag > 0 ? (v < 0 ? -mag : mag) : 0.0;
      if (ista == 0) pruned++;
      const tol = 4 * <f64>2.0 ** -24 * (Math.abs(<f64>at(th, i)) + <f64>d1);
      expect(Math.abs(<f64>at(w, i) - ista)).toBeLessThanOrEqual(tol);
      if (ista == 0) expect(at(w, i)).toBe(0);
    }
    expect(pruned).toBe((n + 2) / 3);
    expect(cnt).toBe(n - pruned);
    heap.free(w0);
    heap.free(th);
    heap.free(g);
    heap.free(w);
    heap.free(wt);
  });
});

describe("gradient modes on pruned latents", () => {
  it("subgradient (STR): |θ| ≤ d gets no loss gradient, only weight decay moves it", () => {
    const n = 19;
    const d: f32 = 0.4, lr: f32 = 0.1, wd: f32 = 0.01;
    const th = randBuf(n, 0.4); // all |θ| ≤ 0.4 = d
    put(th, 0, d);
    put(th, 1, -d);
    put(th, 2, -0.0);
    const th0 = cloneBuf(th, n);
    const g = randBuf(n, 100);
    put(g, 3, Infinity);
    put(g, 17, -Infinity);
    const w = heap.alloc(<usize>(n + 4) << 2);
    const cnt = st_step(th, g, 0, w, n, lr, 0, 0, wd, 0, 1, d, d, 1, 0);
    expect(cnt).toBe(0);
    for (let i = 0; i < n; i++) {
      const t = at(th0, i);
      const want = t - lr * (<f32>0 + wd * t);
      expect(bitsAt(th, i)).toBe(reinterpret<u32>(want));
      expect(bitsAt(w, i) & 0x7FFFFFFF).toBe(0);
    }
    // without weight decay nothing moves at all
    memory.copy(th, th0, <usize>n << 2);
    st_step(th, g, 0, w, n, lr, 0, 0, 0, 0, 1, d, d, 1, 0);
    for (let i = 0; i < n; i++) expect(bitsAt(th, i)).toBe(bitsAt(th0, i));
    heap.free(th);
    heap.free(th0);
    heap.free(g);
    heap.free(w);
  });

  it("STE (STDS) lets a pruned latent regrow; STR does not", () => {
    const n = 5;
    const d: f32 = 0.1;
    const th = heap.alloc(<usize>n << 2);
    const g = heap.alloc(<usize>n << 2);
    const w = heap.alloc(<usize>n << 2);
    for (let mode = 0; mode < 2; mode++) {
      for (let i = 0; i < n; i++) {
        put(th, i, i == 2 ? <f32>0.05 : <f32>-0.08); // all pruned
        put(g, i, i == 2 ? <f32>-10 : <f32>0);
      }
      expect(st_write(th, w, n, d, 0)).toBe(0);
      const cnt = st_step(th, g, 0, w, n, 0.1, 0, 0, 0, 0, 1, d, d, mode, 0);
      if (mode == 0) {
        expect(cnt).toBe(1);
        expect(at(th, 2)).toBe(<f32>0.05 - <f32>0.1 * <f32>-10);
        expect(at(w, 2)).toBe((<f32>0.05 - <f32>0.1 * <f32>-10) - d);
        expect(at(w, 2)).toBeGreaterThan(0.9);
      } else {
        expect(cnt).toBe(0);
        expect(at(th, 2)).toBe(<f32>0.05);
        expect(at(w, 2)).toBe(0);
      }
    }
    heap.free(th);
    heap.free(g);
    heap.free(w);
  });
});

describe("exact zeros", () => {
  it("|θ| ≤ d gives w bits 0 / 0x80000000 (sign of θ), counts exclude them", () => {
    const SIZES: i32[] = [1, 3, 4, 17, 255, 256, 257];
    const d: f32 = 0.5;
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const th = randBuf(n, 1);
      for (let i = 0; i < n; i += 7) put(th, i, (i & 8) ? d : -d);
      if (n > 2) {
        put(th, 1, -0.0);
        put(th, 2, 1.0e-45);
      }
      const w = randBuf(n, 1);
      const cnt = st_write(th, w, n, d, 0);
      let want = 0;
      for (let i = 0; i < n; i++) {
        const t = at(th, i);
        if (Mathf.abs(t) <= d) {
          expect(bitsAt(w, i)).toBe(reinterpret<u32>(t) & 0x80000000);
        } else {
          want++;
          expect(at(w, i)).toBe(refSoft(t, d));
          expect(at(w, i) != 0).toBe(true);
        }
      }
      expect(cnt).toBe(want);
      expect(count_above(th, n, d)).toBe(want);
      expect(at(w, n)).toBe(-1234.5);
      // the same zeros come out of st_step (d_next = d)
      const g = randBuf(n, 0.001);
      const buf = randBuf(n, 1);
      const c2 = st_step(th, g, buf, w, n, 0.1, 0.9, 0, 0, 1, 1, d, d, 1, 0);
      let want2 = 0;
      for (let i = 0; i < n; i++) {
        const t = at(th, i);
        if (Mathf.abs(t) <= d) expect(bitsAt(w, i)).toBe(reinterpret<u32>(t) & 0x80000000);
        else want2++;
      }
      expect(c2).toBe(want2);
      heap.free(th);
      heap.free(w);
      heap.free(g);
      heap.free(buf);
    }
  });

  it("st_write with GPO mix (k != 0) matches (1−k)·S_d(θ) + k·θ and its nonzero count", () => {
    const n = 257;
    const k: f32 = 0.125;
    const th = randBuf(n, 1);
    put(th, 0, 0);
    put(th, 5, -0.0);
    const w = randBuf(n, 1);
    const cnt = st_write(th, w, n, 0.3, k);
    let want = 0;
    for (let i = 0; i < n; i++) {
      const t = at(th, i);
      const v = (<f32>1 - k) * refSoft(t, 0.3) + k * t;
      expect(bitsAt(w, i)).toBe(reinterpret<u32>(v));
      want += i32(v != 0);
    }
    expect(cnt).toBe(want);
    expect(cnt).toBe(n - 2);
    heap.free(th);
    heap.free(w);
  });

  it("count_above counts |θ| > d (NaN never, boundary never)", () => {
    const n = 23;
    const th = randBuf(n, 1);
    put(th, 0, NaN);
    put(th, 21, 0.25);
    put(th, 22, -0.25);
    let want = 0;
    for (let i = 0; i < n; i++) want += i32(Mathf.abs(at(th, i)) > 0.25);
    expect(count_above(th, n, 0.25)).toBe(want);
    expect(count_above(th, 0, 0.25)).toBe(0);
    heap.free(th);
  });
});

describe("st_inverse_shift", () => {
  it("round trip: S_d(θ) = w within 1 ulp of max(|w|, d), zeros and signs kept, best f32 θ", () => {
    const DS: f32[] = [0, 1e-3, 0.1, 0.5, 1, 3.7, 1e-30];
    const n = 1031;
    for (let di = 0; di < DS.length; di++) {
      const d = DS[di];
      const w = heap.alloc(<usize>(n + 4) << 2);
      for (let i = 0; i < n; i++) {
        const e = <i32>rndU(40) - 32;
        put(w, i, rnd() * <f32>Math.pow(2, e));
      }
      const ud = <f32>ulpAbove(d);
      put(w, 0, 0);
      put(w, 1, -0.0);
      put(w, 2, 1.0e-45);
      put(w, 3, -ud / 3);
      put(w, 4, ud / 2);
      put(w, 5, -ud);
      put(w, 6, d);
      put(w, 7, -d);
      put(w, 8, 1);
      put(w, 9, <f32>1 + <f32>1.1920929e-7);
      put(w, n, -1234.5);
      const th = heap.alloc(<usize>(n + 4) << 2);
      put(th, n, -1234.5);
      st_inverse_shift(w, th, n, d);
      expect(at(th, n)).toBe(-1234.5);
      const back = heap.alloc(<usize>(n + 4) << 2);
      const cnt = st_write(th, back, n, d, 0);
      let nz = 0;
      let exact = 0;
      let badZero = 0, badSign = 0, badAlive = 0, badUlp = 0, badBest = 0;
      for (let i = 0; i < n; i++) {
        const wv = at(w, i);
        const t = at(th, i);
        if (wv == 0) {
          badZero += i32(bitsAt(th, i) != 0); // +0
          continue;
        }
        nz++;
        const r = at(back, i);
        badSign += i32(r == 0 || (r > 0) != (wv > 0)); // never pruned, sign kept
        badAlive += i32(!(Mathf.abs(t) > d));
        const a = <f64>Mathf.abs(wv);
        const err = Math.abs(<f64>Mathf.abs(r) - a);
        badUlp += i32(!(err <= ulpAbove(max<f32>(Mathf.abs(wv), d))));
        if (err == 0) exact++;
        // no f32 θ nearby gives a strictly closer nonzero S_d(θ)
        const tb = reinterpret<i32>(Mathf.abs(t));
        for (let dd = -3; dd <= 3; dd++) {
          if (dd == 0) continue;
          const r2 = reinterpret<f32>(tb + dd) - d;
          if (r2 > 0) badBest += i32(Math.abs(<f64>r2 - a) < err);
        }
      }
      expect(badZero).toBe(0);
      expect(badSign).toBe(0);
      expect(badAlive).toBe(0);
      expect(badUlp).toBe(0);
      expect(badBest).toBe(0);
      expect(cnt).toBe(nz);
      if (d == 0) expect(exact).toBe(nz);
      else expect(exact).toBeGreaterThan(0);
      heap.free(w);
      heap.free(th);
      heap.free(back);
    }
  });

  it("is exact where the sum is representable", () => {
    const w = heap.alloc(32);
    const th = heap.alloc(32);
    put(w, 0, 0.25);
    put(w, 1, -1.5);
    put(w, 2, 3);
    put(w, 3, -0.0);
    put(w, 4, 0.125);
    st_inverse_shift(w, th, 5, 0.5);
    expect(at(th, 0)).toBe(0.75);
    expect(at(th, 1)).toBe(-2);
    expect(at(th, 2)).toBe(3.5);
    expect(bitsAt(th, 3)).toBe(0);
    expect(at(th, 4)).toBe(0.625);
    heap.free(w);
    heap.free(th);
  });
});

// L(d, k) = Σ c·((1 − k)·S_d(θ) + k·θ) in f64 (exact S_d), a linear loss in w.
function linLoss(th: usize, c: usize, n: i32, dd: f64, kk: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const t = <f64>at(th, i);
    const m = Math.abs(t) - dd;
    const sd = m > 0 ? (t < 0 ? -m : m) : 0.0;
    s += <f64>at(c, i) * ((1 - kk) * sd + kk * t);
  }
  return s;
}

// out[which] summed in the kernels' documented order (see laneOrderSum).
function ordered(th: usize, g: usize, n: i32, d: f32, which: i32): f64 {
  const terms = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) {
    const tv = at(th, i);
    const gv = <f64>at(g, i);
    if (which == 0) terms[i] = Mathf.abs(tv) > d ? (tv < 0 ? -gv : gv) : 0;
    else terms[i] = gv * (<f64>tv - <f64>refSoft(tv, d));
  }
  return laneOrderSum(terms);
}

describe("st_threshold_grads", () => {
  it("matches naive f64 sums (tight) and the documented order (bit-exact)", () => {
    const SIZES: i32[] = [0, 1, 3, 4, 17, 255, 256, 257, 1000];
    const d: f32 = 0.3;
    const out = heap.alloc(16);
    let orderSensitive = 0; // the data must make summation order observable
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const th = randBuf(n, 1);
      const g = randBuf(n, 3);
      for (let i = 0; i < n; i++) {
        if (i % 6 == 5 || i == n - 1) put(th, i, i & 1 ? d : -d); // on the threshold (tail too)
        put(g, i, at(g, i) * <f32>Math.pow(2, <f64>rndU(60) - 30)); // wide range: order matters
      }
      store<f64>(out, 7);
      store<f64>(out, 7, 8);
      st_threshold_grads(th, g, n, d, out);
      let s0: f64 = 0, s1: f64 = 0, m0: f64 = 0, m1: f64 = 0;
      for (let i = 0; i < n; i++) {
        const tv = at(th, i);
        const gv = <f64>at(g, i);
        const sg: f64 = tv > 0 ? 1 : tv < 0 ? -1 : 0;
        const v0 = Mathf.abs(tv) > d ? gv * sg : 0;
        const v1 = gv * (<f64>tv - <f64>refSoft(tv, d));
        s0 += v0;
        s1 += v1;
        m0 += Math.abs(v0);
        m1 += Math.abs(v1);
      }
      const o0 = load<f64>(out), o1 = load<f64>(out, 8);
      const tol = 2 * <f64>(n + 4) * 1.12e-16; // both summation orders' error bounds, relative to Σ|term|
      expect(Math.abs(o0 - s0)).toBeLessThanOrEqual(tol * m0);
      expect(Math.abs(o1 - s1)).toBeLessThanOrEqual(tol * m1);
      expect(reinterpret<u64>(o0)).toBe(reinterpret<u64>(ordered(th, g, n, d, 0)));
      expect(reinterpret<u64>(o1)).toBe(reinterpret<u64>(ordered(th, g, n, d, 1)));
      orderSensitive += i32(o0 != s0) + i32(o1 != s1);
      heap.free(th);
      heap.free(g);
    }
    expect(orderSensitive).toBeGreaterThan(0);
    heap.free(out);
  });

  it("gives ∂L/∂d = −(1−k)·out[0] and ∂L/∂k = out[1] (finite differences, L = Σ c·w)", () => {
    const n = 301;
    const d: f32 = 0.3, k: f32 = 0.2;
    const h: f64 = 1e-4;
    const th = heap.alloc(<usize>n << 2);
    const c = randBuf(n, 1); // ∂L/∂w for the linear loss
    for (let i = 0; i < n; i++) {
      let v = rnd();
      while (Math.abs(Math.abs(<f64>v) - <f64>d) < 4 * h) v = rnd(); // no kink inside ±h
      put(th, i, v);
    }
    const out = heap.alloc(16);
    st_threshold_grads(th, c, n, d, out);
    const dLdd = (linLoss(th, c, n, <f64>d + h, <f64>k) - linLoss(th, c, n, <f64>d - h, <f64>k)) / (2 * h);
    const dLdk = (linLoss(th, c, n, <f64>d, <f64>k + h) - linLoss(th, c, n, <f64>d, <f64>k - h)) / (2 * h);
    const o0 = load<f64>(out), o1 = load<f64>(out, 8);
    expect(Math.abs(o0)).toBeGreaterThan(0.5);
    expect(Math.abs(dLdd - (-(1 - <f64>k) * o0))).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(dLdd)));
    // out[1] uses the f32 S_d(θ); the f64 L uses exact S_d: agree to f32 rounding.
    expect(Math.abs(dLdk - o1)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(dLdk)));
    heap.free(th);
    heap.free(c);
    heap.free(out);
  });
});
