// A batch of GEMMs of one shape in one parallel region: Winograd's 16 or 36
// products per tile (one per transform point). Splitting each product over
// threads costs a region (a wake-up and a barrier) per product, 36 to 108 per
// conv layer and step, and leaves every product's small edge share idle on
// some thread; here the threads take whole products (or, where the product
// count does not divide by the thread count, equal runs of column or row
// panels across the products). Each product's panels are computed exactly as
// gemm_nn/nt/tn compute them on one thread (the same tile, orientation and
// k order), so the bits are those of X calls of those, for any thread count.
// @ts-nocheck
import { gemm_panels, gemm_nt, gemmShape, reservePacks, splitsCols, panelCount, SHAPE_TRANSPOSED, SHAPE_WIDE, PAR_MIN_MACS, DOT_MAX_N, KIND_NN, KIND_NT, KIND_TN } from "./gemm";
import { parallel, taskArgs, threadScratch, par_threads, shareLo } from "../parallel";
import { gcd } from "../math";

/** At most this many products in one batch. */
export const BATCH_MAX: i32 = 64;

/** The caller's table of product k's operand addresses: words 3k, 3k + 1, 3k + 2 = A, B, C. */
export function batchTable(): usize {
  return memory.data(BATCH_MAX * 12, 16);
}

/**
 * Fills batchTable() for X products whose operands are slabs in a row: A_k
 * at a + k·sa, B_k at b + k·sb, C_k at c + k·sc (sa, sb, sc in floats).
 */
export function batchSlabs(X: i32, a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize): void {
  const t = batchTable();
  for (let k = 0; k < X; k++) {
    const e = t + <usize>(k * 12), q = <usize>k << 2;
    store<usize>(e, a + sa * q); store<usize>(e, b + sb * q, 4); store<usize>(e, c + sc * q, 8);
  }
}

/** batchTable() for the host (tests fill it, then call gemm_batch). */
export function gemm_batch_table(): usize {
  return batchTable();
}

export const BATCH_NN: i32 = KIND_NN;
export const BATCH_NT: i32 = KIND_NT;
export const BATCH_TN: i32 = KIND_TN;

/**
 * For k < X (≤ BATCH_MAX): C_k (+)= op(A_k)·op(B_k) with the addresses in
 * batchTable(), op as in gemm_nn (kind BATCH_NN: A [m×k], B [k×n]), gemm_nt
 * (BATCH_NT: B stored [n×k]) or gemm_tn (BATCH_TN: A stored [k×m]), leading
 * dimensions lda, ldb, ldc shared by all X.
 */
export function gemm_batch(kind: i32, X: i32, m: i32, n: i32, k: i32, lda: i32, ldb: i32, ldc: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0 || X <= 0) return;
  if (X > BATCH_MAX) unreachable();
  const t = batchTable();
  if (kind == BATCH_NT && n < DOT_MAX_N && k >= 4) {
    // gemm_nt's dot form: its own split per product.
    for (let q = 0; q < X; q++) {
      const e = t + <usize>(q * 12);
      gemm_nt(m, n, k, load<usize>(e), lda, load<usize>(e, 4), ldb, load<usize>(e, 8), ldc, accumulate);
    }
    return;
  }
  // Element strides (rs, cs) of op(A) and op(B) as gemm_nn/nt/tn pass them.
  let rsa = lda, csa = 1, rsb = ldb, csb = 1;
  if (kind == BATCH_NT) { rsb = 1; csb = ldb; }
  if (kind == BATCH_TN) { rsa = 1; csa = lda; }
  const shape = gemmShape(m, n);
  const tr = (shape & SHAPE_TRANSPOSED) != 0, wide = (shape & SHAPE_WIDE) != 0;
  // In the chosen orientation (transposed: Cᵀ = op(B)ᵀ·op(A)ᵀ, A and B swap).
  const M = tr ? n : m, N = tr ? m : n;
  const p = taskArgs();
  store<i32>(p, X); store<i32>(p + 4, M); store<i32>(p + 8, N); store<i32>(p + 12, k);
  store<i32>(p + 16, tr ? csb : rsa); store<i32>(p + 20, tr ? rsb : csa);
  store<i32>(p + 24, tr ? csa : rsb); store<i32>(p + 28, tr ? rsa : csb);
  store<i32>(p + 32, tr ? 1 : ldc); store<i32>(p + 36, tr ? ldc : 1);
  store<i32>(p + 40, accumulate); store<i32>(p + 44, wide ? 1 : 0); store<i32>(p + 48, tr ? 1 : 0);
  // Split C's columns unless they are few (as gemm_split does).
  const byCols = splitsCols(M, N);
  const panels = panelCount(M, N, wide, byCols);
  store<i32>(p + 56, panels); store<i32>(p + 60, byCols ? 1 : 0);
  const threads = par_threads();
  if (threads <= 1 || <i64>X * M * N * max(k, 1) < PAR_MIN_MACS) {
    store<i32>(p + 52, 1);
    batch_task(0, 1, p);
    return;
  }
  // Parts per product: the fewest that make X·P units divide by the thread
  // count (1 whenever it divides X), at most the product's panels.
  const P = max(1, min(threads / gcd(X, threads), panels));
  const nt = min(threads, X * P);
  reservePacks(nt, N, k, wide);
  store<i32>(p + 52, P);
  parallel(batch_task, p, nt);
}

// Units u < X·P: product u / P, part u % P (a run of panels); a thread's
// consecutive parts of one product go to gemm_core as one block.
function batch_task(tid: i32, nt: i32, p: usize): void {
  const X = load<i32>(p), M = load<i32>(p + 4), N = load<i32>(p + 8), k = load<i32>(p + 12);
  const rsa = load<i32>(p + 16), csa = load<i32>(p + 20), rsb = load<i32>(p + 24), csb = load<i32>(p + 28);
  const rsc = load<i32>(p + 32), csc = load<i32>(p + 36), accumulate = load<i32>(p + 40);
  const wide = load<i32>(p + 44) != 0, tr = load<i32>(p + 48) != 0;
  const P = load<i32>(p + 52), panels = load<i32>(p + 56), byCols = load<i32>(p + 60) != 0;
  const units = X * P;
  const u1 = shareLo(units, tid + 1, nt);
  const scr = threadScratch(tid);
  const t = batchTable();
  let u = shareLo(units, tid, nt);
  while (u < u1) {
    const q = u / P, part0 = u % P;
    const part1 = min(P, part0 + (u1 - u));
    u += part1 - part0;
    const e = t + <usize>(q * 12);
    const ea = load<usize>(e), eb = load<usize>(e, 4), c = load<usize>(e, 8);
    const a = tr ? eb : ea, b = tr ? ea : eb;
    gemm_panels(M, N, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, wide, byCols, shareLo(panels, part0, P), shareLo(panels, part1, P), scr);
  }
}
