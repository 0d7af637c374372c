import {
  rng_seed, rng_next_u32, rng_uniform, rng_normal, rng_permutation, rng_uniform_f64,
} from "../prng";

// Golden values computed independently (Python big-int reimplementation of
// splitmix64 seeding + xoshiro128**).
const GOLD_SEED0: u32[] = [0xdec9045d, 0x9a089d75, 0xab77d362, 0xc3e16405];
const GOLD_SEED42: u32[] = [0x69e85a2a, 0xf843fad0, 0x0105185f, 0x8a1f1ea6];
const GOLD_PERM10_SEED123: i32[] = [9, 4, 6, 0, 7, 8, 2, 1, 5, 3];

function newState(seed: u32): usize {
  const s = heap.alloc(16);
  rng_seed(s, seed);
  return s;
}

function bufAlloc(n: i32): usize {
  return heap.alloc(<usize>max(n, 4) << 2);
}

describe("rng_seed / rng_next_u32", () => {
  it("matches golden values for seed 0 and seed 42", () => {
    const s0 = newState(0);
    for (let i = 0; i < 4; i++) expect(rng_next_u32(s0)).toBe(GOLD_SEED0[i]);
    const s42 = newState(42);
    for (let i = 0; i < 4; i++) expect(rng_next_u32(s42)).toBe(GOLD_SEED42[i]);
    heap.free(s0);
    heap.free(s42);
  });

  it("stores splitmix64(seed) folded into the state (low word first)", () => {
    const s = newState(0);
    // splitmix64 first output for counter 0 is 0xE220A8397B1DCDAF.
    expect(load<u32>(s, 0)).toBe(0x7b1dcdaf);
    expect(load<u32>(s, 4)).toBe(0xe220a839);
    heap.free(s);
  });

  it("is deterministic per seed, and streams are independent buffers", () => {
    const a = newState(1234);
    const b = newState(1234);
    const c = newState(1235);
    let same = true;
    let diff = 0;
    for (let i = 0; i < 1000; i++) {
      const x = rng_next_u32(a);
      if (x != rng_next_u32(b)) same = false;
      if (x != rng_next_u32(c)) diff++;
    }
    expect(same).toBe(true);
    expect(diff).toBeGreaterThan(990);
    heap.free(a);
    heap.free(b);
    heap.free(c);
  });

  it("keeps streams independent: interleaving draws changes nothing", () => {
    const x = newState(1);
    const y = newState(2);
    const xs = new StaticArray<u32>(8);
    const ys = new StaticArray<u32>(8);
    for (let i = 0; i < 8; i++) {
      xs[i] = rng_next_u32(x);
      ys[i] = rng_next_u32(y);
    }
    const x2 = newState(1);
    const y2 = newState(2);
    for (let i = 0; i < 8; i++) expect(rng_next_u32(x2)).toBe(xs[i]);
    for (let i = 0; i < 8; i++) expect(rng_next_u32(y2)).toBe(ys[i]);
    heap.free(x);
    heap.free(y);
    heap.free(x2);
    heap.free(y2);
  });
});

describe("rng_uniform_f64", () => {
  it("matches the golden first draw for seed 7 (53 bits from two u32)", () => {
    const s = newState(7);
    expect(rng_uniform_f64(s)).toBe(0.4193505224726699);
    heap.free(s);
  });

  it("stays in [0, 1) and has mean ≈ 0.5", () => {
    const s = newState(99);
    let acc: f64 = 0;
    let ok = true;
    for (let i = 0; i < 100000; i++) {
      const u = rng_uniform_f64(s);
      if (!(u >= 0 && u < 1)) ok = false;
      acc += u;
    }
    expect(ok).toBe(true);
    expect(Math.abs(acc / 100000 - 0.5)).toBeLessThan(0.005);
    heap.free(s);
  });
});

describe("rng_uniform", () => {
  it("is next_u32 >> 8 scaled by 2^-24 for [0, 1)", () => {
    const sizes: i32[] = [1, 3, 4, 17, 255, 256, 257];
    for (let k = 0; k < sizes.length; k++) {
      const n = sizes[k];
      const out = bufAlloc(n + 1);
      store<f32>(out + (<usize>n << 2), 123.0); // sentinel past the end
      const s = newState(<u32>n);
      const r = newState(<u32>n);
      rng_uniform(s, out, n, 0, 1);
      for (let i = 0; i < n; i++) {
        const want = <f32>(rng_next_u32(r) >>> 8) * <f32>(1.0 / 16777216.0);
        expect(reinterpret<u32>(load<f32>(out + (<usize>i << 2)))).toBe(reinterpret<u32>(want));
      }
      expect(load<f32>(out + (<usize>n << 2))).toBe(123.0);
      // Both streams consumed exactly n words.
      expect(rng_next_u32(s)).toBe(rng_next_u32(r));
      heap.free(out);
      heap.free(s);
      heap.free(r);
    }
  });

  it("stays in [lo, hi) with mean ≈ (lo + hi)/2 over 100k", () => {
    const n = 100000;
    const out = bufAlloc(n);
    const s = newState(5);
    rng_uniform(s, out, n, -2, 3);
    let acc: f64 = 0;
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = load<f32>(out + (<usize>i << 2));
      if (!(v >= -2 && v < 3)) ok = false;
      acc += v;
    }
    expect(ok).toBe(true);
    expect(Math.abs(acc / n - 0.5)).toBeLessThan(0.03);
    heap.free(out);
    heap.free(s);
  });

  it("never returns hi even when lo + (hi − lo)·u rounds up to it", () => {
    const n = 1000;
    const out = bufAlloc(n);
    const s = newState(6);
    const hi = reinterpret<f32>(reinterpret<u32>(<f32>1) + 1); // next f32 after 1
    rng_uniform(s, out, n, 1, hi);
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = load<f32>(out + (<usize>i << 2));
      if (!(v >= 1 && v < hi)) ok = false;
    }
    expect(ok).toBe(true);
    heap.free(out);
    heap.free(s);
  });

  it("writes nothing for n = 0", () => {
    const out = bufAlloc(1);
    store<f32>(out, 7);
    const s = newState(1);
    rng_uniform(s, out, 0, 0, 1);
    expect(load<f32>(out)).toBe(7);
    heap.free(out);
    heap.free(s);
  });
});

describe("rng_normal", () => {
  it("has mean ≈ 0 and std ≈ 1 over 100k", () => {
    const n = 100000;
    const out = bufAlloc(n);
    const s = newState(2024);
    rng_normal(s, out, n, 0, 1);
    let m: f64 = 0;
    let q: f64 = 0;
    let ok = true;
    for (let i = 0; i < n; i++) {
      const v = <f64>load<f32>(out + (<usize>i << 2));
      if (!isFinite(v)) ok = false;
      m += v;
      q += v * v;
    }
    m /= n;
    const sd = Math.sqrt(q / n - m * m);
    expect(ok).toBe(true);
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(sd - 1)).toBeLessThan(0.01);
    heap.free(out);
    heap.free(s);
  });

  it("applies mean and std", () => {
    const n = 100000;
    const out = bufAlloc(n);
    const s = newState(77);
    rng_normal(s, out, n, 2, 0.5);
    let m: f64 = 0;
    let q: f64 = 0;
    for (let i = 0; i < n; i++) {
      const v = <f64>load<f32>(out + (<usize>i << 2));
      m += v;
      q += v * v;
    }
    m /= n;
    expect(Math.abs(m - 2)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(q / n - m * m) - 0.5)).toBeLessThan(0.01);
    heap.free(out);
    heap.free(s);
  });

  it("handles odd n deterministically: a prefix of n+1, same state advance", () => {
    const sizes: i32[] = [1, 3, 17, 255];
    for (let k = 0; k < sizes.length; k++) {
      const n = sizes[k];
      const a = bufAlloc(n + 1);
      const b = bufAlloc(n + 1);
      store<f32>(a + (<usize>n << 2), 99.0);
      const sa = newState(11);
      const sb = newState(11);
      rng_normal(sa, a, n, 0, 1);
      rng_normal(sb, b, n + 1, 0, 1);
      for (let i = 0; i < n; i++) {
        expect(reinterpret<u32>(load<f32>(a + (<usize>i << 2))))
          .toBe(reinterpret<u32>(load<f32>(b + (<usize>i << 2))));
      }
      expect(load<f32>(a + (<usize>n << 2))).toBe(99.0); // tail not overrun
      expect(rng_next_u32(sa)).toBe(rng_next_u32(sb));
      heap.free(a);
      heap.free(b);
      heap.free(sa);
      heap.free(sb);
    }
  });

  it("matches Box–Muller from rng_uniform_f64 draws", () => {
    const out = bufAlloc(4);
    const s = newState(3);
    const r = newState(3);
    rng_normal(s, out, 4, 0.25, 2);
    for (let i = 0; i < 4; i += 2) {
      const u1 = rng_uniform_f64(r);
      const u2 = rng_uniform_f64(r);
      const rad = Math.sqrt(-2.0 * Math.log(1.0 - u1));
      const z0 = <f32>(0.25 + 2.0 * (rad * Math.cos(2.0 * Math.PI * u2)));
      const z1 = <f32>(0.25 + 2.0 * (rad * Math.sin(2.0 * Math.PI * u2)));
      expect(load<f32>(out + (<usize>i << 2))).toBe(z0);
      expect(load<f32>(out + (<usize>(i + 1) << 2))).toBe(z1);
    }
    heap.free(out);
    heap.free(s);
    heap.free(r);
  });
});

function isPermutation(p: usize, n: i32): bool {
  const seen = heap.alloc(<usize>max(n, 1));
  memory.fill(seen, 0, <usize>max(n, 1));
  let ok = true;
  for (let i = 0; i < n; i++) {
    const v = load<i32>(p + (<usize>i << 2));
    if (v < 0 || v >= n || load<u8>(seen + <usize>v) != 0) {
      ok = false;
      break;
    }
    store<u8>(seen + <usize>v, 1);
  }
  heap.free(seen);
  return ok;
}

describe("rng_permutation", () => {
  it("is a permutation of 0..n−1 for n = 1, 2, 1000", () => {
    const sizes: i32[] = [1, 2, 1000];
    for (let k = 0; k < sizes.length; k++) {
      const n = sizes[k];
      const p = bufAlloc(n);
      const s = newState(<u32>(17 + n));
      rng_permutation(s, p, n);
      expect(isPermutation(p, n)).toBe(true);
      heap.free(p);
      heap.free(s);
    }
  });

  it("matches the golden permutation of 10 for seed 123", () => {
    const p = bufAlloc(10);
    const s = newState(123);
    rng_permutation(s, p, 10);
    for (let i = 0; i < 10; i++) expect(load<i32>(p + (<usize>i << 2))).toBe(GOLD_PERM10_SEED123[i]);
    heap.free(p);
    heap.free(s);
  });

  it("draws all 6 orders of 3 about equally often (unbiased)", () => {
    const p = bufAlloc(3);
    const s = newState(8);
    const counts = new StaticArray<i32>(6);
    const trials = 60000;
    for (let t = 0; t < trials; t++) {
      rng_permutation(s, p, 3);
      const a = load<i32>(p);
      const b = load<i32>(p, 4);
      counts[a * 2 + i32(b > (a == 0 ? 1 : 0))]++;
    }
    // Expected 10000 each; σ ≈ 91, allow 5σ.
    for (let i = 0; i < 6; i++) expect(Math.abs(<f64>counts[i] - 10000)).toBeLessThan(460);
    heap.free(p);
    heap.free(s);
  });

  it("writes nothing for n = 0", () => {
    const p = bufAlloc(1);
    store<i32>(p, -5);
    const s = newState(1);
    rng_permutation(s, p, 0);
    expect(load<i32>(p)).toBe(-5);
    heap.free(p);
    heap.free(s);
  });
});
