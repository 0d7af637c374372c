// Deterministic PRNG: xoshiro128** (Blackman & Vigna, 2018), 32-bit words so
// every step is native i32 arithmetic in wasm. The state is four u32 words in
// a caller-allocated 16-byte buffer, so the host can keep independent streams
// (weight init, shuffling, ...) without any global state in the module.
//
// Seeding: splitmix64 (Steele, Lea & Flood) from the u32 seed, two outputs,
// each folded into two state words (low half first):
//   s0 = lo(z1), s1 = hi(z1), s2 = lo(z2), s3 = hi(z2)
// splitmix64 is a bijection of its counter, so z1 and z2 are never both zero
// and the all-zero state (a fixed point of xoshiro) cannot occur.
//
// Everything below uses only integer ops and AssemblyScript's own Math
// (compiled to wasm), so the same seed gives the same bits in every runtime.

// @ts-ignore: decorator
@inline const TWO_PI: f64 = 6.283185307179586;

/** Seeds the 16-byte state at `state` from `seed` (splitmix64, folded). */
export function rng_seed(state: usize, seed: u32): void {
  let x: u64 = <u64>seed;
  x += 0x9E3779B97F4A7C15;
  const z1 = splitmix64_mix(x);
  x += 0x9E3779B97F4A7C15;
  const z2 = splitmix64_mix(x);
  store<u32>(state, <u32>z1, 0);
  store<u32>(state, <u32>(z1 >>> 32), 4);
  store<u32>(state, <u32>z2, 8);
  store<u32>(state, <u32>(z2 >>> 32), 12);
}

// splitmix64 output function (the variant used to seed the xoshiro family).
// @ts-ignore: decorator
@inline function splitmix64_mix(x: u64): u64 {
  let z = x;
  z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >>> 27)) * 0x94D049BB133111EB;
  return z ^ (z >>> 31);
}

/** Next 32 random bits: xoshiro128** step. */
export function rng_next_u32(state: usize): u32 {
  let s0 = load<u32>(state, 0);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  store<u32>(state, s0, 0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** One f64 in [0, 1) with 53 random bits: (a>>5)·2^26 + (b>>6), scaled by 2^-53. */
export function rng_uniform_f64(state: usize): f64 {
  const a = rng_next_u32(state) >>> 5; // 27 bits
  const b = rng_next_u32(state) >>> 6; // 26 bits
  return (<f64>a * 67108864.0 + <f64>b) * (1.0 / 9007199254740992.0);
}

/**
 * Fills out[0..n) with f32 uniform in [lo, hi) (requires lo < hi).
 * u = (next >> 8)·2^-24 is exact in f32; x = lo + (hi − lo)·u in f32. If that
 * rounds up to hi it is replaced by the largest f32 below hi, keeping [lo, hi).
 */
export function rng_uniform(state: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const width = hi - lo;
  const below = f32_prev(hi);
  for (let i = 0; i < n; i++) {
    const u = <f32>(rng_next_u32(state) >>> 8) * (<f32>1.0 / <f32>16777216.0);
    let x = lo + width * u;
    if (x >= hi && lo < hi) x = max<f32>(below, lo);
    store<f32>(out + (<usize>i << 2), x);
  }
}

// Largest f32 strictly below a finite v.
// @ts-ignore: decorator
@inline function f32_prev(v: f32): f32 {
  if (v == 0) return -1.401298464324817e-45; // -min subnormal
  const b = reinterpret<u32>(v);
  return reinterpret<f32>(v > 0 ? b - 1 : b + 1);
}

/**
 * Fills out[0..n) with f32 normal(mean, std) by Box–Muller in f64:
 *   r = sqrt(−2·ln(1 − u1)), z0 = r·cos(2π·u2), z1 = r·sin(2π·u2)
 * (1 − u1 is in (0, 1], so ln never sees 0). Each pair consumes two
 * rng_uniform_f64 draws (4 u32) and fills out[i], out[i+1]; for odd n the last
 * pair is drawn in full and its sine output dropped, so the state always
 * advances by 4·ceil(n/2) words. Each value is mean + std·z rounded once to f32.
 */
export function rng_normal(state: usize, out: usize, n: i32, mean: f32, std: f32): void {
  const m = <f64>mean;
  const s = <f64>std;
  for (let i = 0; i < n; i += 2) {
    const u1 = rng_uniform_f64(state);
    const u2 = rng_uniform_f64(state);
    const r = Math.sqrt(-2.0 * Math.log(1.0 - u1));
    const a = TWO_PI * u2;
    const p = out + (<usize>i << 2);
    store<f32>(p, <f32>(m + s * (r * Math.cos(a))));
    if (i + 1 < n) store<f32>(p, <f32>(m + s * (r * Math.sin(a))), 4);
  }
}

/**
 * Unbiased integer in [0, range), range ≥ 1: Lemire's multiply-shift with
 * rejection ("Fast Random Integer Generation in an Interval", 2019).
 */
// @ts-ignore: decorator
@inline export function rng_bounded(state: usize, range: u32): u32 {
  let m = <u64>rng_next_u32(state) * <u64>range;
  let l = <u32>m;
  if (l < range) {
    const t: u32 = (<u32>0 - range) % range; // 2^32 mod range
    while (l < t) {
      m = <u64>rng_next_u32(state) * <u64>range;
      l = <u32>m;
    }
  }
  return <u32>(m >>> 32);
}

/**
 * Writes a uniformly random permutation of 0..n−1 to out_i32 (i32 array):
 * identity, then Fisher–Yates from the top: for i = n−1 down to 1, swap
 * out[i] with out[j], j = bounded(i + 1).
 */
export function rng_permutation(state: usize, out_i32: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(out_i32 + (<usize>i << 2), i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng_bounded(state, <u32>(i + 1));
    const pi = out_i32 + (<usize>i << 2);
    const pj = out_i32 + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}
