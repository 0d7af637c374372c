import { relu_forward, relu_backward } from "../kernels/relu";
import { seedRnd, rnd, at, put, allocF32 } from "./util/buffers";

const SIZES: i32[] = [0, 1, 3, 4, 17, 255, 256, 257];
const SENTINEL: f32 = -12345.5;

seedRnd(0xBADC0DE);

// n values in [-1, 1) with special cases sprinkled over SIMD body and tail positions.
function data(n: i32): usize {
  const p = allocF32(n);
  for (let i = 0; i < n; i++) {
    let v = rnd();
    const m = i % 7;
    if (m == 1) v = -0.0;
    else if (m == 2) v = 0.0;
    else if (m == 4 && i % 3 == 0) v = Infinity;
    else if (m == 5 && i % 3 == 0) v = -Infinity;
    else if (m == 6 && i % 5 == 0) v = 1.0e-45; // smallest subnormal
    put(p, i, v);
  }
  put(p, n, SENTINEL);
  return p;
}

describe("relu_forward", () => {
  it("y = max(x, 0) out of place, −0 → +0", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = data(n);
      const y = data(n);
      relu_forward(x, y, n);
      for (let i = 0; i < n; i++) {
        const v = at(x, i);
        const want: f32 = v > 0 ? v : 0;
        expect(reinterpret<u32>(at(y, i))).toBe(reinterpret<u32>(want));
      }
      expect(at(y, n)).toBe(SENTINEL);
      heap.free(x);
      heap.free(y);
    }
  });

  it("works in place (x == y) and propagates NaN", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = data(n);
      if (n > 2) store<f32>(x + 8, NaN);
      const ref = new StaticArray<f32>(max(n, 1));
      for (let i = 0; i < n; i++) ref[i] = at(x, i);
      relu_forward(x, x, n);
      for (let i = 0; i < n; i++) {
        const v = ref[i];
        if (isNaN(v)) {
          expect(isNaN(at(x, i))).toBe(true);
        } else {
          const want: f32 = v > 0 ? v : 0;
          expect(reinterpret<u32>(at(x, i))).toBe(reinterpret<u32>(want));
        }
      }
      expect(at(x, n)).toBe(SENTINEL);
      heap.free(x);
    }
  });
});

describe("relu_backward", () => {
  it("dx = dy where y > 0 else 0, out of place and in place", () => {
    for (let k = 0; k < SIZES.length; k++) {
      const n = SIZES[k];
      const x = data(n);
      const y = data(n);
      relu_forward(x, y, n);
      const dy = data(n);
      const dx = data(n);
      relu_backward(dy, y, dx, n);
      for (let i = 0; i < n; i++) {
        const want: f32 = at(y, i) > 0 ? at(dy, i) : 0;
        expect(reinterpret<u32>(at(dx, i))).toBe(reinterpret<u32>(want));
      }
      expect(at(dx, n)).toBe(SENTINEL);
      // In place: dx == dy.
      relu_backward(dy, y, dy, n);
      for (let i = 0; i < n; i++) {
        expect(reinterpret<u32>(at(dy, i))).toBe(reinterpret<u32>(at(dx, i)));
      }
      expect(at(dy, n)).toBe(SENTINEL);
      heap.free(x);
      heap.free(y);
      heap.free(dy);
      heap.free(dx);
    }
  });
});
