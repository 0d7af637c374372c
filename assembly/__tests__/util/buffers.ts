// Shared helpers for the specs: a seeded xorshift32 generator and f32 / u32 /
// u8 buffer access, allocation and cloning. Every spec is compiled into its own
// module, so each has its own generator state: call seedRnd() at the top of the
// spec with that spec's seed before drawing any number.

let state: u32 = 1;

/** Restarts the xorshift32 stream at `s` (must be nonzero). */
export function seedRnd(s: u32): void {
  state = s;
}

/** The current generator state (the last value nextU32 returned, or the seed). */
export function rngState(): u32 {
  return state;
}

/** xorshift32: the next raw 32-bit value. */
export function nextU32(): u32 {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

/** Uniform in [-half, half): the top 24 bits of nextU32 scaled by 2·half/2^24, minus half. */
export function rnd(half: f32 = 1): f32 {
  return <f32>(nextU32() >>> 8) * (half * <f32>(2.0 / 16777216.0)) - half;
}

/** nextU32() % n: an integer in [0, n). */
export function rndU(n: u32): u32 {
  return nextU32() % n;
}

/** Element i of an f32 buffer. */
// @ts-ignore: decorator
@inline export function at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** Bit pattern of element i of an f32 buffer. */
// @ts-ignore: decorator
@inline export function bitsAt(p: usize, i: i32): u32 {
  return load<u32>(p + (<usize>i << 2));
}

/** Stores v as element i of an f32 buffer. */
// @ts-ignore: decorator
@inline export function put(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/** Byte i of a u8 buffer. */
// @ts-ignore: decorator
@inline export function byteAt(p: usize, i: i32): u8 {
  return load<u8>(p + <usize>i);
}

/** Default sentinel written just past the data by randBuf. */
export const SENTINEL: f32 = -1234.5;

/** Room for n f32 values plus four spare slots (a sentinel, reads past the end). */
export function allocF32(n: i32): usize {
  return heap.alloc(<usize>(n + 4) << 2);
}

/** n values rnd()·scale followed by `sentinel` at index n. */
export function randBuf(n: i32, scale: f32 = 1, sentinel: f32 = SENTINEL): usize {
  const q = allocF32(n);
  for (let i = 0; i < n; i++) put(q, i, rnd() * scale);
  put(q, n, sentinel);
  return q;
}

/** A copy of the n values and the sentinel slot of `src`. */
export function cloneBuf(src: usize, n: i32): usize {
  const q = allocF32(n);
  memory.copy(q, src, <usize>(n + 1) << 2);
  return q;
}

/**
 * Random u8 mask: byte = r < 3 ? 0 : r == 3 ? 1 : r == 4 ? 7 : 255 with
 * r = nextU32() % mod (mod 6: about half kept), then 0xAB at index n.
 */
export function randMask(n: i32, mod: u32 = 6): usize {
  const m = heap.alloc(<usize>n + 16);
  for (let i = 0; i < n; i++) {
    const r = nextU32() % mod;
    store<u8>(m + <usize>i, r < 3 ? 0 : r == 3 ? 1 : r == 4 ? 7 : 255);
  }
  store<u8>(m + <usize>n, 0xAB);
  return m;
}
