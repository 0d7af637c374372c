import { add, add_to } from "../kernels/add";
import { seedRnd, at, bitsAt, randBuf, cloneBuf, SENTINEL } from "./util/buffers";

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 256, 257];

seedRnd(0xADD5);

describe("add", () => {
  it("y = a + b out of place, bit-exact, sentinel untouched", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const a = randBuf(n, 3);
      const b = randBuf(n, 3);
      const y = randBuf(n);
      add(a, b, y, n);
      for (let i = 0; i < n; i++) expect(bitsAt(y, i)).toBe(reinterpret<u32>(at(a, i) + at(b, i)));
      expect(at(y, n)).toBe(SENTINEL);
      heap.free(a); heap.free(b); heap.free(y);
    }
  });

  it("y may alias a, b or both", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const a = randBuf(n, 3);
      const b = randBuf(n, 3);
      const want = randBuf(n);
      add(a, b, want, n);
      const a1 = cloneBuf(a, n);
      add(a1, b, a1, n); // y == a
      const b1 = cloneBuf(b, n);
      add(a, b1, b1, n); // y == b
      const a2 = cloneBuf(a, n);
      add(a2, a2, a2, n); // a == b == y
      for (let i = 0; i < n; i++) {
        expect(bitsAt(a1, i)).toBe(bitsAt(want, i));
        expect(bitsAt(b1, i)).toBe(bitsAt(want, i));
        expect(bitsAt(a2, i)).toBe(reinterpret<u32>(at(a, i) + at(a, i)));
      }
      expect(at(a1, n)).toBe(SENTINEL);
      expect(at(b1, n)).toBe(SENTINEL);
      heap.free(a); heap.free(b); heap.free(want); heap.free(a1); heap.free(b1); heap.free(a2);
    }
  });
});

describe("add_to", () => {
  it("dst += src, bit-exact; src == dst doubles", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const d = randBuf(n, 2);
      const s = randBuf(n, 2);
      const d0 = cloneBuf(d, n);
      add_to(d, s, n);
      for (let i = 0; i < n; i++) expect(bitsAt(d, i)).toBe(reinterpret<u32>(at(d0, i) + at(s, i)));
      expect(at(d, n)).toBe(SENTINEL);
      const s0 = cloneBuf(s, n);
      add_to(s, s, n);
      for (let i = 0; i < n; i++) expect(at(s, i)).toBe(at(s0, i) * 2);
      expect(at(s, n)).toBe(SENTINEL);
      heap.free(d); heap.free(s); heap.free(d0); heap.free(s0);
    }
  });
});
