import { gather_normalize_u8_chw, gather_augment_u8_chw, augment_draw } from "../kernels/augment";
import { gather_normalize_u8 } from "../kernels/gather";
import { rng_seed, rng_next_u32 } from "../prng";
import { seedRnd, nextU32 } from "./util/buffers";

seedRnd(0xA06);

// `rows` images of channels×h×w bytes with every byte value present.
function dataset(rows: i32, len: i32): usize {
  const n = rows * len;
  const p = heap.alloc(<usize>max(n, 16));
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>(i % 5 == 0 ? (i * 37) & 255 : nextU32() >>> 24));
  return p;
}
function indices(count: i32, rows: i32): usize {
  const p = heap.alloc(<usize>max(count, 4) << 2);
  for (let i = 0; i < count; i++) store<i32>(p + (<usize>i << 2), i == 0 ? rows - 1 : <i32>(nextU32() % <u32>rows));
  return p;
}
function f32s(vals: f32[]): usize {
  const p = heap.alloc(<usize>max(vals.length, 1) << 2);
  for (let i = 0; i < vals.length; i++) store<f32>(p + (<usize>i << 2), vals[i]);
  return p;
}
function newState(seed: u32): usize {
  const s = heap.alloc(16);
  rng_seed(s, seed);
  return s;
}
// CIFAR-like per-channel constants.
const SCALE: f32[] = [<f32>(1.0 / (255.0 * 0.2470)), <f32>(1.0 / (255.0 * 0.2435)), <f32>(1.0 / (255.0 * 0.2616)), 0.5];
const SHIFT: f32[] = [<f32>(-0.4914 / 0.2470), <f32>(-0.4822 / 0.2435), <f32>(-0.4465 / 0.2616), -0.0];

// Scalar reference of the augmented pixel (c, y, x) of image `row`.
function refPixel(src: usize, row: i32, channels: i32, h: i32, w: i32, pad: i32, dy: i32, dx: i32, flip: bool, c: i32, y: i32, x: i32): f32 {
  const yy = y + dy - pad;
  const xs = (flip ? w - 1 - x : x) + dx - pad;
  let u: u8 = 0;
  if (yy >= 0 && yy < h && xs >= 0 && xs < w) u = load<u8>(src + <usize>(((row * channels + c) * h + yy) * w + xs));
  const m: f32 = <f32>u * SCALE[c];
  return m + SHIFT[c];
}

describe("gather_normalize_u8_chw", () => {
  it("dst[i, c, p] = src[idx[i], c, p]·scale[c] + shift[c], bit-exact, any plane size", () => {
    const HS: i32[] = [1, 3, 4, 5, 32, 7];
    const WS: i32[] = [1, 5, 4, 3, 32, 9];
    const CS: i32[] = [1, 2, 3, 4, 3, 3];
    const scale = f32s(SCALE);
    const shift = f32s(SHIFT);
    for (let k = 0; k < HS.length; k++) {
      const h = HS[k], w = WS[k], ch = CS[k];
      const len = ch * h * w;
      const rows = 9, count = 5;
      const src = dataset(rows, len);
      const idx = indices(count, rows);
      const total = count * len;
      const dst = heap.alloc(<usize>(total + 1) << 2);
      store<f32>(dst + (<usize>total << 2), -1234.5);
      gather_normalize_u8_chw(src, idx, count, ch, h, w, scale, shift, dst);
      let bad = 0;
      for (let i = 0; i < count; i++) {
        const row = load<i32>(idx + (<usize>i << 2));
        for (let c = 0; c < ch; c++) {
          for (let p = 0; p < h * w; p++) {
            const u = load<u8>(src + <usize>(row * len + c * h * w + p));
            const m: f32 = <f32>u * SCALE[c];
            const want: f32 = m + SHIFT[c];
            const got = load<f32>(dst + (<usize>(i * len + c * h * w + p) << 2));
            if (reinterpret<u32>(got) != reinterpret<u32>(want)) bad++;
          }
        }
      }
      expect(bad).toBe(0);
      expect(load<f32>(dst + (<usize>total << 2))).toBe(-1234.5);
      heap.free(src);
      heap.free(idx);
      heap.free(dst);
    }
    heap.free(scale);
    heap.free(shift);
  });

  it("with one channel equals gather_normalize_u8 bit for bit", () => {
    const len = 784, rows = 6, count = 4;
    const src = dataset(rows, len);
    const idx = indices(count, rows);
    const s: f32 = <f32>(1.0 / (255.0 * 0.3530));
    const t: f32 = <f32>(-0.2860 / 0.3530);
    const scale = f32s([s]);
    const shift = f32s([t]);
    const a = heap.alloc(<usize>(count * len) << 2);
    const b = heap.alloc(<usize>(count * len) << 2);
    gather_normalize_u8(src, idx, count, len, s, t, a);
    gather_normalize_u8_chw(src, idx, count, 1, 28, 28, scale, shift, b);
    let bad = 0;
    for (let j = 0; j < count * len; j++) if (load<u32>(b + (<usize>j << 2)) != load<u32>(a + (<usize>j << 2))) bad++;
    expect(bad).toBe(0);
    heap.free(src); heap.free(idx); heap.free(scale); heap.free(shift); heap.free(a); heap.free(b);
  });
});

describe("augment_draw", () => {
  it("draws dy, dx (Lemire, in [0, 2·pad]) then the flip bit (top bit), row by row", () => {
    const PADS: i32[] = [0, 1, 4, 3];
    const FLIPS: i32[] = [1, 0, 1, 1];
    for (let k = 0; k < PADS.length; k++) {
      const pad = PADS[k], flip = FLIPS[k];
      const count = 50;
      const a = newState(99 + k);
      const ref = newState(99 + k);
      const out = heap.alloc(<usize>(count * 3 + 1) << 2);
      store<i32>(out + (<usize>(count * 3) << 2), -7);
      augment_draw(a, out, count, pad, flip);
      const range = <u32>(2 * pad + 1);
      let flips = 0;
      for (let i = 0; i < count; i++) {
        let dy: u32 = 0, dx: u32 = 0, f: u32 = 0;
        if (pad > 0) {
          dy = refBounded(ref, range);
          dx = refBounded(ref, range);
        }
        if (flip) f = rng_next_u32(ref) >>> 31;
        expect(load<i32>(out + (<usize>(3 * i) << 2))).toBe(<i32>dy);
        expect(load<i32>(out + (<usize>(3 * i + 1) << 2))).toBe(<i32>dx);
        expect(load<i32>(out + (<usize>(3 * i + 2) << 2))).toBe(<i32>f);
        expect(dy <= <u32>(2 * pad)).toBe(true);
        flips += <i32>f;
      }
      if (flip) {
        expect(flips > 10).toBe(true);
        expect(flips < 40).toBe(true);
      }
      // The streams advanced identically.
      expect(rng_next_u32(a)).toBe(rng_next_u32(ref));
      expect(load<i32>(out + (<usize>(count * 3) << 2))).toBe(-7);
      heap.free(a); heap.free(ref); heap.free(out);
    }
  });

  it("with pad 0 and no flip consumes nothing", () => {
    const a = newState(5);
    const b = newState(5);
    const out = heap.alloc(64);
    augment_draw(a, out, 4, 0, 0);
    expect(rng_next_u32(a)).toBe(rng_next_u32(b));
    for (let j = 0; j < 12; j++) expect(load<i32>(out + (<usize>j << 2))).toBe(0);
    heap.free(a); heap.free(b); heap.free(out);
  });

  it("covers every offset of [0, 2·pad] (pad 4)", () => {
    const s = newState(77);
    const count = 400;
    const out = heap.alloc(<usize>(count * 3) << 2);
    augment_draw(s, out, count, 4, 1);
    const seen = new StaticArray<i32>(9);
    for (let i = 0; i < count; i++) seen[load<i32>(out + (<usize>(3 * i) << 2))]++;
    for (let v = 0; v < 9; v++) expect(seen[v] > 0).toBe(true);
    heap.free(s); heap.free(out);
  });
});

// Lemire's bounded draw, written out independently of the kernel.
function refBounded(state: usize, range: u32): u32 {
  const threshold: u32 = (<u32>0 - range) % range;
  while (true) {
    const x = rng_next_u32(state);
    const m = <u64>x * <u64>range;
    if (<u32>m >= threshold) return <u32>(m >>> 32);
  }
  return 0;
}

describe("gather_augment_u8_chw", () => {
  it("crops with zero padding and flips, bit-exact against a scalar reference (all offsets)", () => {
    const HS: i32[] = [32, 5, 1, 17, 28];
    const WS: i32[] = [32, 7, 19, 33, 28];
    const CS: i32[] = [3, 2, 1, 3, 1];
    const PS: i32[] = [4, 2, 3, 4, 3];
    const scale = f32s(SCALE);
    const shift = f32s(SHIFT);
    for (let k = 0; k < HS.length; k++) {
      const h = HS[k], w = WS[k], ch = CS[k], pad = PS[k];
      const len = ch * h * w;
      const rows = 5;
      const src = dataset(rows, len);
      // Every (dy, dx, flip) combination once, cycling through the images.
      const n = 2 * pad + 1;
      const count = n * n * 2;
      const idx = heap.alloc(<usize>count << 2);
      const prm = heap.alloc(<usize>(count * 3) << 2);
      for (let i = 0; i < count; i++) {
        store<i32>(idx + (<usize>i << 2), i % rows);
        store<i32>(prm + (<usize>(3 * i) << 2), (i >> 1) / n);
        store<i32>(prm + (<usize>(3 * i + 1) << 2), (i >> 1) % n);
        store<i32>(prm + (<usize>(3 * i + 2) << 2), i & 1);
      }
      const total = count * len;
      const dst = heap.alloc(<usize>(total + 1) << 2);
      store<f32>(dst + (<usize>total << 2), -1234.5);
      gather_augment_u8_chw(src, idx, prm, count, ch, h, w, pad, scale, shift, dst);
      let bad = 0;
      for (let i = 0; i < count; i++) {
        const dy = load<i32>(prm + (<usize>(3 * i) << 2));
        const dx = load<i32>(prm + (<usize>(3 * i + 1) << 2));
        const f = load<i32>(prm + (<usize>(3 * i + 2) << 2)) != 0;
        for (let c = 0; c < ch; c++) {
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const want = refPixel(src, i % rows, ch, h, w, pad, dy, dx, f, c, y, x);
              const got = load<f32>(dst + (<usize>(i * len + (c * h + y) * w + x) << 2));
              if (reinterpret<u32>(got) != reinterpret<u32>(want)) bad++;
            }
          }
        }
      }
      expect(bad).toBe(0);
      expect(load<f32>(dst + (<usize>total << 2))).toBe(-1234.5);
      heap.free(src); heap.free(idx); heap.free(prm); heap.free(dst);
    }
    heap.free(scale);
    heap.free(shift);
  });

  it("with dy = dx = pad and no flip equals gather_normalize_u8_chw", () => {
    const h = 32, w = 32, ch = 3, pad = 4, count = 3, rows = 4;
    const len = ch * h * w;
    const src = dataset(rows, len);
    const idx = indices(count, rows);
    const prm = heap.alloc(<usize>(count * 3) << 2);
    for (let i = 0; i < count; i++) {
      store<i32>(prm + (<usize>(3 * i) << 2), pad);
      store<i32>(prm + (<usize>(3 * i + 1) << 2), pad);
      store<i32>(prm + (<usize>(3 * i + 2) << 2), 0);
    }
    const scale = f32s(SCALE);
    const shift = f32s(SHIFT);
    const a = heap.alloc(<usize>(count * len) << 2);
    const b = heap.alloc(<usize>(count * len) << 2);
    gather_normalize_u8_chw(src, idx, count, ch, h, w, scale, shift, a);
    gather_augment_u8_chw(src, idx, prm, count, ch, h, w, pad, scale, shift, b);
    let bad = 0;
    for (let j = 0; j < count * len; j++) if (load<u32>(b + (<usize>j << 2)) != load<u32>(a + (<usize>j << 2))) bad++;
    expect(bad).toBe(0);
    heap.free(src); heap.free(idx); heap.free(prm); heap.free(scale); heap.free(shift); heap.free(a); heap.free(b);
  });

  it("padding normalises to 0·scale + shift, so +0 (not −0) when shift is −0", () => {
    const scale = f32s([SCALE[3]]);
    const shift = f32s([SHIFT[3]]);
    const src = heap.alloc(16);
    for (let j = 0; j < 16; j++) store<u8>(src + <usize>j, 200);
    const idx = heap.alloc(4);
    store<i32>(idx, 0);
    const prm = heap.alloc(12);
    store<i32>(prm, 0); // dy = 0: first row is padding
    store<i32>(prm, 0, 4);
    store<i32>(prm, 0, 8);
    const dst = heap.alloc(16 * 4);
    gather_augment_u8_chw(src, idx, prm, 1, 1, 4, 4, 1, scale, shift, dst);
    expect(load<u32>(dst)).toBe(0); // +0
    expect(load<f32>(dst + (5 << 2))).toBe(100);
    heap.free(scale); heap.free(shift); heap.free(src); heap.free(idx); heap.free(prm); heap.free(dst);
  });
});
