import { bias_add, bias_grad } from "../kernels/bias";
import { seedRnd, randBuf, at } from "./util/buffers";

// rows × cols shapes covering 1×1, tails (cols % 4 != 0) and wide rows.
const ROWS: i32[] = [1, 3, 250, 4, 2, 1, 5, 0];
const COLS: i32[] = [1, 17, 10, 4, 257, 3, 256, 7];
const SENTINEL: f32 = -12345.5;

seedRnd(0xC0FFEE);
// n values in [-1, 1), then SENTINEL.
function buf(n: i32): usize {
  return randBuf(n, 1, SENTINEL);
}

describe("bias_add", () => {
  it("y[r, c] += b[c] exactly", () => {
    for (let k = 0; k < ROWS.length; k++) {
      const rows = ROWS[k];
      const cols = COLS[k];
      const n = rows * cols;
      const y = buf(n);
      const b = buf(cols);
      const ref = new StaticArray<f32>(max(n, 1));
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) ref[r * cols + c] = at(y, r * cols + c) + at(b, c);
      }
      bias_add(y, b, rows, cols);
      for (let i = 0; i < n; i++) expect(reinterpret<u32>(at(y, i))).toBe(reinterpret<u32>(ref[i]));
      expect(at(y, n)).toBe(SENTINEL);
      heap.free(y);
      heap.free(b);
    }
  });
});

describe("bias_grad", () => {
  it("db[c] = Σ_r dy[r, c] in f32, rows in order, overwriting db", () => {
    for (let k = 0; k < ROWS.length; k++) {
      const rows = ROWS[k];
      const cols = COLS[k];
      const dy = buf(rows * cols);
      const db = buf(cols); // garbage that must be overwritten
      bias_grad(dy, db, rows, cols);
      for (let c = 0; c < cols; c++) {
        let s: f32 = 0;
        for (let r = 0; r < rows; r++) s += at(dy, r * cols + c);
        expect(reinterpret<u32>(at(db, c))).toBe(reinterpret<u32>(s));
      }
      expect(at(db, cols)).toBe(SENTINEL);
      heap.free(dy);
      heap.free(db);
    }
  });

  it("is close to the f64 column sums", () => {
    const rows = 250;
    const cols = 10;
    const dy = buf(rows * cols);
    const db = buf(cols);
    bias_grad(dy, db, rows, cols);
    for (let c = 0; c < cols; c++) {
      let s: f64 = 0;
      for (let r = 0; r < rows; r++) s += at(dy, r * cols + c);
      expect(Math.abs(<f64>at(db, c) - s)).toBeLessThan(1e-4);
    }
    heap.free(dy);
    heap.free(db);
  });
});
