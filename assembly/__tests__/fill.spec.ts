import { fill_f32, copy_f32, scale_f32, axpy_f32 } from "../kernels/fill";
import { seedRnd, randBuf, at, bitsAt } from "./util/buffers";

const SIZES: i32[] = [0, 1, 3, 4, 17, 255, 256, 257];
const SENTINEL: f32 = -12345.5;

seedRnd(0x1234567);
// n floats in [-2, 2) (2·rnd() is exact) plus one sentinel slot after them.
function buf(n: i32): usize {
  return randBuf(n, 2, SENTINEL);
}

describe("fill_f32", () => {
  it("sets every element and nothing past n", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      fill_f32(x, n, -0.0);
      for (let i = 0; i < n; i++) expect(bitsAt(x, i)).toBe(0x80000000);
      expect(at(x, n)).toBe(SENTINEL);
      fill_f32(x, n, 3.25);
      for (let i = 0; i < n; i++) expect(at(x, i)).toBe(3.25);
      heap.free(x);
    }
  });
});

describe("copy_f32", () => {
  it("copies bit patterns exactly", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const src = buf(n);
      const dst = buf(n);
      if (n > 2) store<u32>(src, 0x7fc01234, 4); // a NaN payload survives
      copy_f32(dst, src, n);
      for (let i = 0; i < n; i++) expect(bitsAt(dst, i)).toBe(bitsAt(src, i));
      expect(at(dst, n)).toBe(SENTINEL);
      heap.free(src);
      heap.free(dst);
    }
  });

  it("handles overlapping ranges like memmove", () => {
    const x = buf(20);
    const ref = new StaticArray<u32>(20);
    for (let i = 0; i < 20; i++) ref[i] = bitsAt(x, i);
    copy_f32(x + 4, x, 17); // shift right by one element
    for (let i = 0; i < 17; i++) expect(bitsAt(x, i + 1)).toBe(ref[i]);
    heap.free(x);
  });
});

describe("scale_f32", () => {
  it("equals x·a in f32 for every size", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      const ref = new StaticArray<f32>(max(n, 1));
      const a: f32 = 0.7310586;
      for (let i = 0; i < n; i++) ref[i] = at(x, i) * a;
      scale_f32(x, n, a);
      for (let i = 0; i < n; i++) expect(reinterpret<u32>(at(x, i))).toBe(reinterpret<u32>(ref[i]));
      expect(at(x, n)).toBe(SENTINEL);
      heap.free(x);
    }
  });
});

describe("axpy_f32", () => {
  it("equals y + a·x in f32 (multiply, then add) for every size", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = buf(n);
      const y = buf(n);
      const a: f32 = -1.3333334;
      const ref = new StaticArray<f32>(max(n, 1));
      for (let i = 0; i < n; i++) {
        const ax: f32 = a * at(x, i);
        ref[i] = at(y, i) + ax;
      }
      axpy_f32(y, x, n, a);
      for (let i = 0; i < n; i++) expect(reinterpret<u32>(at(y, i))).toBe(reinterpret<u32>(ref[i]));
      expect(at(y, n)).toBe(SENTINEL);
      heap.free(x);
      heap.free(y);
    }
  });
});
