import { gemm_nn, gemm_nt, gemm_tn, gemm_strided, gemm_set_policy } from "../kernels/gemm";
import { seedRnd, randBuf, at, bitsAt } from "./util/buffers";

// Deterministic fill in [-1, 1) (xorshift32) so failures reproduce.
seedRnd(0x2545F491);

// Naive f64 reference of C = op(A)·op(B) (+ C0 when accumulating), with
// op(A)(i,k) = A[i*rsa + k*csa] and op(B)(k,j) = B[k*rsb + j*csb].
function maxRelErr(m: i32, n: i32, k: i32, a: usize, rsa: i32, csa: i32, b: usize, rsb: i32, csb: i32,
  c: usize, c0: usize, acc: bool): f64 {
  let worst: f64 = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f64 = acc ? <f64>at(c0, i * n + j) : 0;
      let mag: f64 = acc ? Math.abs(<f64>at(c0, i * n + j)) : 0;
      for (let p = 0; p < k; p++) {
        const t = <f64>at(a, i * rsa + p * csa) * <f64>at(b, p * rsb + j * csb);
        s += t;
        mag += Math.abs(t);
      }
      // f32 accumulation error is bounded by ~k·eps·Σ|terms|
      const err = Math.abs(<f64>at(c, i * n + j) - s) / (mag + 1e-30);
      if (err > worst) worst = err;
    }
  }
  return worst;
}

const TOL: f64 = 2e-6; // relative to Σ|a·b|: far below any indexing bug (O(1))

function check(mode: i32, m: i32, n: i32, k: i32, acc: bool): f64 {
  const a = randBuf(m * k), b = randBuf(k * n), c = randBuf(m * n);
  const c0 = heap.alloc(<usize>max(m * n, 1) << 2);
  memory.copy(c0, c, <usize>(m * n) << 2);
  const f = acc ? 1 : 0;
  let err: f64 = 0;
  if (mode == 0) { gemm_nn(m, n, k, a, k, b, n, c, n, f); err = maxRelErr(m, n, k, a, k, 1, b, n, 1, c, c0, acc); }
  else if (mode == 1) { gemm_nt(m, n, k, a, k, b, k, c, n, f); err = maxRelErr(m, n, k, a, k, 1, b, 1, k, c, c0, acc); }
  else { gemm_tn(m, n, k, a, m, b, n, c, n, f); err = maxRelErr(m, n, k, a, 1, m, b, n, 1, c, c0, acc); }
  heap.free(a); heap.free(b); heap.free(c); heap.free(c0);
  return err;
}

const DIMS: i32[] = [1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 17, 33];
const BIG: i32[] = [1, 3, 17, 255, 256, 257];

describe("gemm", () => {
  it("matches the f64 reference for nn, nt, tn on every small shape, overwrite and accumulate", () => {
    for (let mode = 0; mode < 3; mode++)
      for (let x = 0; x < DIMS.length; x++)
        for (let y = 0; y < DIMS.length; y++)
          for (let z = 0; z < DIMS.length; z += 3) {
            expect<f64>(check(mode, DIMS[x], DIMS[y], DIMS[z], false)).toBeLessThan(TOL);
            expect<f64>(check(mode, DIMS[x], DIMS[y], DIMS[z] + 1, true)).toBeLessThan(TOL);
          }
  });

  it("matches on awkward large shapes (k crosses the 256 blocking)", () => {
    for (let mode = 0; mode < 3; mode++)
      for (let x = 0; x < BIG.length; x++)
        for (let y = 0; y < BIG.length; y += 2) {
          expect<f64>(check(mode, BIG[x], BIG[(x + y) % BIG.length], 257, false)).toBeLessThan(TOL);
          expect<f64>(check(mode, BIG[(x + 3) % BIG.length], BIG[x], BIG[y], true)).toBeLessThan(TOL);
        }
  });

  it("matches on the MLP's training shapes (batch 250)", () => {
    expect<f64>(check(1, 250, 128, 784, false)).toBeLessThan(TOL);
    expect<f64>(check(1, 250, 256, 128, false)).toBeLessThan(TOL);
    expect<f64>(check(1, 250, 10, 256, false)).toBeLessThan(TOL);
    expect<f64>(check(2, 128, 784, 250, false)).toBeLessThan(TOL);
    expect<f64>(check(2, 256, 128, 250, false)).toBeLessThan(TOL);
    expect<f64>(check(2, 10, 256, 250, false)).toBeLessThan(TOL);
    expect<f64>(check(0, 250, 128, 256, false)).toBeLessThan(TOL);
    expect<f64>(check(0, 250, 256, 10, false)).toBeLessThan(TOL);
  });

  it("gives the same answer with every packing policy", () => {
    for (let pa = -1; pa <= 1; pa++)
      for (let pb = -1; pb <= 1; pb++) {
        gemm_set_policy(pa, pb);
        for (let mode = 0; mode < 3; mode++) {
          expect<f64>(check(mode, 67, 45, 300, false)).toBeLessThan(TOL);
          expect<f64>(check(mode, 9, 130, 31, true)).toBeLessThan(TOL);
        }
      }
    gemm_set_policy(-1, -1);
  });

  it("k = 0 writes zeros (or leaves C when accumulating); empty m or n is a no-op", () => {
    const c = randBuf(12);
    const keep = at(c, 5);
    gemm_nn(3, 4, 0, 0, 0, 0, 4, c, 4, 1);
    expect<f32>(at(c, 5)).toBe(keep);
    gemm_nn(3, 4, 0, 0, 0, 0, 4, c, 4, 0);
    for (let i = 0; i < 12; i++) expect<f32>(at(c, i)).toBe(0);
    store<f32>(c, 7);
    gemm_nn(0, 4, 5, 0, 5, 0, 4, c, 4, 0);
    gemm_nn(3, 0, 5, 0, 5, 0, 0, c, 0, 0);
    expect<f32>(at(c, 0)).toBe(7);
    heap.free(c);
  });

  it("respects leading dimensions larger than the row (sub-matrices) and general strides", () => {
    // C[5×6] = A[5×7 inside lda 11]·B[7×6 inside ldb 9], C inside ldc 8.
    const a = randBuf(5 * 11), b = randBuf(7 * 9), c = randBuf(5 * 8);
    const sentinel = at(c, 6);
    gemm_nn(5, 6, 7, a, 11, b, 9, c, 8, 0);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 6; j++) {
        let s: f64 = 0;
        for (let p = 0; p < 7; p++) s += <f64>at(a, i * 11 + p) * <f64>at(b, p * 9 + j);
        expect<f64>(Math.abs(<f64>at(c, i * 8 + j) - s)).toBeLessThan(1e-5);
      }
    expect<f32>(at(c, 6)).toBe(sentinel); // columns past n are untouched
    // Transposed output through the general strided entry: Cᵀ stored column-major.
    const ct = randBuf(6 * 5);
    gemm_strided(5, 6, 7, a, 11, 1, b, 9, 1, ct, 1, 5, 0);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) expect<f32>(at(ct, j * 5 + i)).toBe(at(c, i * 8 + j));
    heap.free(a); heap.free(b); heap.free(c); heap.free(ct);
  });

  it("reads a row-major A in place (k > 32) with the bits of packing it, edge tiles included", () => {
    // Policy 1 packs A always; auto (-1) reads these A's rows in place.
    const shapes: i32[] = [67, 45, 300, 250, 128, 784, 37, 21, 33, 21, 13, 100]; // all take the upright 4x8 tile
    for (let q = 0; q < shapes.length; q += 3) {
      const m = shapes[q], n = shapes[q + 1], k = shapes[q + 2];
      const a = randBuf(m * k), b = randBuf(k * n), c0 = randBuf(m * n), c1 = randBuf(m * n), c2 = randBuf(m * n);
      for (let acc = 0; acc < 2; acc++) {
        memory.copy(c1, c0, <usize>(m * n) << 2);
        memory.copy(c2, c0, <usize>(m * n) << 2);
        gemm_set_policy(1, -1);
        gemm_nn(m, n, k, a, k, b, n, c1, n, acc);
        gemm_set_policy(-1, -1);
        gemm_nn(m, n, k, a, k, b, n, c2, n, acc);
        for (let i = 0; i < m * n; i++) expect<u32>(bitsAt(c2, i)).toBe(bitsAt(c1, i));
      }
      heap.free(a); heap.free(b); heap.free(c0); heap.free(c1); heap.free(c2);
    }
  });

  it("is deterministic: the same inputs give the same bits", () => {
    const a = randBuf(250 * 256), b = randBuf(256 * 10), c1 = randBuf(2500), c2 = randBuf(2500);
    gemm_nt(250, 10, 256, a, 256, b, 256, c1, 10, 0);
    gemm_nt(250, 10, 256, a, 256, b, 256, c2, 10, 0);
    for (let i = 0; i < 2500; i++) expect<u32>(bitsAt(c1, i)).toBe(bitsAt(c2, i));
    heap.free(a); heap.free(b); heap.free(c1); heap.free(c2);
  });
});
