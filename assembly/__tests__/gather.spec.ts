import { gather_normalize_u8, gather_labels_u8 } from "../kernels/gather";
import { seedRnd, nextU32 } from "./util/buffers";

seedRnd(0x5EED);

// A u8 dataset of `rows` rows × row_len bytes, with all byte values present.
function dataset(rows: i32, rowLen: i32): usize {
  const n = rows * rowLen;
  const p = heap.alloc(<usize>max(n, 16));
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>(i % 7 == 0 ? (i * 31) & 255 : nextU32() >>> 24));
  return p;
}
function indices(count: i32, rows: i32): usize {
  const p = heap.alloc(<usize>max(count, 4) << 2);
  for (let i = 0; i < count; i++) {
    // Includes repeats and the last row (so the last bytes of src are read).
    const v = i == 0 ? rows - 1 : <i32>(nextU32() % <u32>rows);
    store<i32>(p + (<usize>i << 2), v);
  }
  return p;
}

describe("gather_normalize_u8", () => {
  it("dst[i, j] = src[idx[i], j]·scale + shift in f32, any row length", () => {
    const LENS: i32[] = [1, 3, 4, 15, 16, 17, 255, 256, 257, 784];
    const COUNTS: i32[] = [1, 3, 17, 5, 2, 4, 3, 2, 3, 2];
    const rows = 50;
    // MNIST-like normalisation: (x/255 − 0.1307)/0.3081.
    const scale = <f32>(1.0 / (255.0 * 0.3081));
    const shift = <f32>(-0.1307 / 0.3081);
    for (let k = 0; k < LENS.length; k++) {
      const len = LENS[k];
      const count = COUNTS[k];
      const src = dataset(rows, len);
      const idx = indices(count, rows);
      const total = count * len;
      const dst = heap.alloc(<usize>(total + 4) << 2);
      store<f32>(dst + (<usize>total << 2), -1234.5);
      gather_normalize_u8(src, idx, count, len, scale, shift, dst);
      for (let i = 0; i < count; i++) {
        const row = load<i32>(idx + (<usize>i << 2));
        for (let j = 0; j < len; j++) {
          const u = load<u8>(src + <usize>(row * len + j));
          const m: f32 = <f32>u * scale;
          const want: f32 = m + shift;
          const got = load<f32>(dst + (<usize>(i * len + j) << 2));
          expect(reinterpret<u32>(got)).toBe(reinterpret<u32>(want));
        }
      }
      expect(load<f32>(dst + (<usize>total << 2))).toBe(-1234.5);
      heap.free(src);
      heap.free(idx);
      heap.free(dst);
    }
  });

  it("maps 0 and 255 to shift and 255·scale + shift", () => {
    const src = heap.alloc(32);
    for (let j = 0; j < 32; j++) store<u8>(src + <usize>j, j % 2 == 0 ? 0 : 255);
    const idx = heap.alloc(16);
    store<i32>(idx, 0);
    const dst = heap.alloc(32 * 4);
    gather_normalize_u8(src, idx, 1, 32, 2, -1, dst);
    for (let j = 0; j < 32; j++) expect(load<f32>(dst + (<usize>j << 2))).toBe(j % 2 == 0 ? -1 : 509);
    heap.free(src);
    heap.free(idx);
    heap.free(dst);
  });

  it("writes nothing for count = 0", () => {
    const src = dataset(2, 8);
    const idx = indices(1, 2);
    const dst = heap.alloc(64);
    store<f32>(dst, 42);
    gather_normalize_u8(src, idx, 0, 8, 1, 0, dst);
    expect(load<f32>(dst)).toBe(42);
    heap.free(src);
    heap.free(idx);
    heap.free(dst);
  });
});

describe("gather_labels_u8", () => {
  it("dst[i] = src[idx[i]] as i32", () => {
    const COUNTS: i32[] = [0, 1, 3, 17, 256, 257];
    const n = 300;
    const src = dataset(1, n);
    for (let k = 0; k < COUNTS.length; k++) {
      const count = COUNTS[k];
      const idx = indices(count, n);
      const dst = heap.alloc(<usize>(count + 1) << 2);
      store<i32>(dst + (<usize>count << 2), -7);
      gather_labels_u8(src, idx, count, dst);
      for (let i = 0; i < count; i++) {
        const want = <i32>load<u8>(src + <usize>load<i32>(idx + (<usize>i << 2)));
        expect(load<i32>(dst + (<usize>i << 2))).toBe(want);
      }
      expect(load<i32>(dst + (<usize>count << 2))).toBe(-7);
      heap.free(idx);
      heap.free(dst);
    }
    heap.free(src);
  });
});
