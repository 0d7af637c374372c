// GEMM operator: C (+)= op(A)·op(B) for the three products training needs
// (A·B, A·Bᵀ, Aᵀ·B). BLIS loop order around one 4x8 SIMD128 micro-kernel:
//   for each KC block of k:  pack op(B)[KC × N] into 8-column panels
//     for each MC block of rows:  pack op(A)[MC × KC] into 4-row panels
//       for each 8-column panel (stays in L1), for each 4-row panel (L2): ukernel
// Edges are zero-padded in the packs; partial tiles go through a scratch tile.
// Two tile shapes share the loops: 4x8, and 2x16 for products with few rows
// (the 10-class layer's weight gradient). The shape and the orientation
// (C, or Cᵀ = op(B)ᵀ·op(A)ᵀ written transposed) are chosen to minimise the
// padded work; 4x8 upright wins ties, being the best-tuned path.
// Summation order over k is fixed (k ascending within and across KC blocks),
// so results are bit-identical for any run of the same shapes.
// @ts-nocheck
import { gemm_ukernel_4x8 } from "./gemm/gen/ukernel_4x8";
import { gemm_ukernel_2x16 } from "./gemm/gen/ukernel_2x16";
import { gemm_ukernel_4x8_rows } from "./gemm/gen/ukernel_4x8_rows";
import { pack_panels } from "./gemm/pack";
import { gemm_nt_dot } from "./gemm/dot";
import { parallel, threadScratch, taskArgs, par_threads, isWorker, shareLo } from "../parallel";

const KC: i32 = 256;
const MC: i32 = 128;

// Each thread's packs live in its scratch record (parallel.ts): words 0/1 the
// A pack and its capacity, 2/3 the B pack and its capacity, 4 the edge tile.
// The main instance sizes every thread's record before a parallel product, so
// a worker (which must not allocate) always finds room.
function ensure(scr: usize, slot: usize, need: usize): usize {
  const buf = load<usize>(scr + (slot << 2)), cap = load<usize>(scr + (slot << 2) + 4);
  if (cap >= need) return buf;
  if (isWorker) unreachable();
  if (buf) heap.free(buf);
  const fresh = heap.alloc(need);
  store<usize>(scr + (slot << 2), fresh);
  store<usize>(scr + (slot << 2) + 4, need);
  return fresh;
}

function ensureTile(scr: usize): usize {
  let t = load<usize>(scr + 16);
  if (!t) {
    if (isWorker) unreachable();
    t = heap.alloc(32 * 4);
    store<usize>(scr + 16, t);
  }
  return t;
}

// A product is split over threads when it has at least this many
// multiply-adds (a parallel region costs a few microseconds).
export const PAR_MIN_MACS: i64 = 1 << 17;

/**
 * gemm_core over threads: C (in the orientation chosen) split into whole
 * NR-column panels or MR-row panels, each thread's block computed exactly as
 * one thread would compute it (same tiles, same k order), so the bits do not
 * depend on the thread count.
 */
function gemm_split(
  m: i32, n: i32, k: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32, csb: i32,
  c: usize, rsc: i32, csc: i32,
  accumulate: i32,
  wide: bool,
): void {
  // Split C's columns unless they are few: each thread then packs only its
  // share of op(B), which in training is the weight (X·Wᵀ, dY·W) or the
  // weight gradient's column block, so a thread's weights stay in its cache
  // from the forward product through the backward one to the SGD step, which
  // splits the same rows (the MLP step: 1.61× with rows, 1.74× with columns).
  const byCols = splitsCols(m, n);
  const panels = panelCount(m, n, wide, byCols);
  const nt = min(par_threads(), panels);
  if (nt <= 1 || <i64>m * n * max(k, 1) < PAR_MIN_MACS) {
    gemm_core(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, wide, threadScratch(0));
    return;
  }
  reservePacks(nt, n, k, wide);
  const p = taskArgs();
  store<i32>(p, m); store<i32>(p + 4, n); store<i32>(p + 8, k);
  store<usize>(p + 12, a); store<i32>(p + 16, rsa); store<i32>(p + 20, csa);
  store<usize>(p + 24, b); store<i32>(p + 28, rsb); store<i32>(p + 32, csb);
  store<usize>(p + 36, c); store<i32>(p + 40, rsc); store<i32>(p + 44, csc);
  store<i32>(p + 48, accumulate); store<i32>(p + 52, wide ? 1 : 0); store<i32>(p + 56, byCols ? 1 : 0);
  parallel(gemm_task, p, nt);
}

/** Whether a product is split over threads by C's column panels (else by row panels). */
export function splitsCols(m: i32, n: i32): bool {
  return n * 4 >= m;
}

/** C's column panels (byCols) or row panels for the tile (wide: 2x16, else 4x8). */
export function panelCount(m: i32, n: i32, wide: bool, byCols: bool): i32 {
  return byCols ? (n + (wide ? 15 : 7)) / (wide ? 16 : 8) : (m + (wide ? 1 : 3)) / (wide ? 2 : 4);
}

/** Main thread: room in threads 0…nt−1's scratch for the largest packs gemm_core asks for on n columns (workers do not allocate). */
export function reservePacks(nt: i32, n: i32, k: i32, wide: bool): void {
  const kcMax = min(max(k, 1), KC);
  for (let t = 0; t < nt; t++) {
    const scr = threadScratch(t);
    ensure(scr, 0, <usize>(kcMax * MC) * 4);
    ensure(scr, 2, <usize>(kcMax * paddedTo(n, wide ? 16 : 8)) * 4);
    ensureTile(scr);
  }
}

function gemm_task(tid: i32, nt: i32, p: usize): void {
  const m = load<i32>(p), n = load<i32>(p + 4), k = load<i32>(p + 8);
  const wide = load<i32>(p + 52) != 0, byCols = load<i32>(p + 56) != 0;
  const panels = panelCount(m, n, wide, byCols);
  gemm_panels(m, n, k, load<usize>(p + 12), load<i32>(p + 16), load<i32>(p + 20), load<usize>(p + 24), load<i32>(p + 28), load<i32>(p + 32),
    load<usize>(p + 36), load<i32>(p + 40), load<i32>(p + 44), load<i32>(p + 48), wide, byCols, shareLo(panels, tid, nt), shareLo(panels, tid + 1, nt), threadScratch(tid));
}

/**
 * Panels [lo, hi) of C (column panels when byCols, else row panels) in the
 * orientation given, by gemm_core with scratch record scr. Whole panels are
 * computed as one thread computes them, so any split into panel runs gives
 * the bits of the whole product.
 */
export function gemm_panels(
  m: i32, n: i32, k: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32, csb: i32,
  c: usize, rsc: i32, csc: i32,
  accumulate: i32, wide: bool, byCols: bool, lo: i32, hi: i32, scr: usize,
): void {
  if (byCols) {
    const NR: i32 = wide ? 16 : 8;
    const c0 = lo * NR, c1 = min(n, hi * NR);
    if (c0 < c1) gemm_core(m, c1 - c0, k, a, rsa, csa, b + (<usize>(c0 * csb) << 2), rsb, csb, c + (<usize>(c0 * csc) << 2), rsc, csc, accumulate, wide, scr);
    return;
  }
  const MR: i32 = wide ? 2 : 4;
  const r0 = lo * MR, r1 = min(m, hi * MR);
  if (r0 < r1) gemm_core(r1 - r0, n, k, a + (<usize>(r0 * rsa) << 2), rsa, csa, b, rsb, csb, c + (<usize>(r0 * rsc) << 2), rsc, csc, accumulate, wide, scr);
}

// Products by the layout of their operands, as gemm_nn, gemm_nt and gemm_tn take them.
export const KIND_NN: i32 = 0;
export const KIND_NT: i32 = 1;
export const KIND_TN: i32 = 2;

/**
 * Part `part` of `parts` of gemm_nn / gemm_nt / gemm_tn (kind) on this thread
 * with scratch record scr, for a task of the caller's own parallel region that
 * takes several products at once (a conv's per-sample products): the tile,
 * orientation and panel split those functions use, so the parts together give
 * the bits of the product on one thread. The main thread reserves the packs
 * first (gemm_piece_reserve): a worker does not allocate.
 */
export function gemm_piece(kind: i32, part: i32, parts: i32, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, scr: usize): void {
  if (m <= 0 || n <= 0) return;
  if (kind == KIND_NT && n < DOT_MAX_N && k >= 4) {
    // gemm_nt's dot form, rows in blocks of 4 as dot_task splits them.
    const blocks = (m + 3) >> 2;
    const r0 = shareLo(blocks, part, parts) << 2, r1 = min(m, shareLo(blocks, part + 1, parts) << 2);
    if (r0 < r1) gemm_nt_dot(r1 - r0, n, k, a + (<usize>(r0 * lda) << 2), lda, b, ldb, c + (<usize>(r0 * ldc) << 2), ldc, accumulate);
    return;
  }
  const rsa = kind == KIND_TN ? 1 : lda, csa = kind == KIND_TN ? lda : 1;
  const rsb = kind == KIND_NT ? 1 : ldb, csb = kind == KIND_NT ? ldb : 1;
  const shape = gemmShape(m, n), wide = (shape & SHAPE_WIDE) != 0;
  if (shape & SHAPE_TRANSPOSED) piece(n, m, k, b, csb, rsb, a, csa, rsa, c, 1, ldc, accumulate, wide, part, parts, scr);
  else piece(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, 1, accumulate, wide, part, parts, scr);
}

function piece(m: i32, n: i32, k: i32, a: usize, rsa: i32, csa: i32, b: usize, rsb: i32, csb: i32, c: usize, rsc: i32, csc: i32,
  accumulate: i32, wide: bool, part: i32, parts: i32, scr: usize): void {
  const byCols = splitsCols(m, n);
  const panels = panelCount(m, n, wide, byCols);
  gemm_panels(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, wide, byCols, shareLo(panels, part, parts), shareLo(panels, part + 1, parts), scr);
}

/** Main thread: room in threads 0…nt−1's scratch for gemm_piece(kind, ·, ·, m, n, k). */
export function gemm_piece_reserve(kind: i32, nt: i32, m: i32, n: i32, k: i32): void {
  if (m <= 0 || n <= 0 || (kind == KIND_NT && n < DOT_MAX_N && k >= 4)) return;
  const shape = gemmShape(m, n);
  reservePacks(nt, shape & SHAPE_TRANSPOSED ? m : n, k, (shape & SHAPE_WIDE) != 0);
}

@inline function paddedTo(x: i32, m: i32): i32 {
  return (x + m - 1) / m * m;
}

/**
 * General strided form: op(A)(i,k) = A[i*rsa + k*csa], op(B)(k,j) = B[k*rsb + j*csb],
 * C(i,j) = C[i*rsc + j*csc]. accumulate = 0 overwrites C, 1 adds to it.
 */
export function gemm_strided(
  m: i32, n: i32, k: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32, csb: i32,
  c: usize, rsc: i32, csc: i32,
  accumulate: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const shape = gemmShape(m, n);
  if (shape & SHAPE_TRANSPOSED) gemm_split(n, m, k, b, csb, rsb, a, csa, rsa, c, csc, rsc, accumulate, (shape & SHAPE_WIDE) != 0);
  else gemm_split(m, n, k, a, rsa, csa, b, rsb, csb, c, rsc, csc, accumulate, (shape & SHAPE_WIDE) != 0);
}

export const SHAPE_WIDE: i32 = 1;
export const SHAPE_TRANSPOSED: i32 = 2;

/**
 * The tile (SHAPE_WIDE: 2x16, else 4x8) and orientation (SHAPE_TRANSPOSED: Cᵀ
 * = op(B)ᵀ·op(A)ᵀ) with the least padded work for an m×n product; 4x8 upright
 * unless another saves at least 10%.
 */
export function gemmShape(m: i32, n: i32): i32 {
  const w48 = <i64>paddedTo(m, 4) * paddedTo(n, 8);
  const w48t = <i64>paddedTo(n, 4) * paddedTo(m, 8);
  const w216 = <i64>paddedTo(m, 2) * paddedTo(n, 16);
  const w216t = <i64>paddedTo(n, 2) * paddedTo(m, 16);
  const best = min(min(w48t, w216), w216t);
  if (best * 10 >= w48 * 9) return 0;
  if (best == w216) return SHAPE_WIDE;
  // Transposing swaps which operand is packed whole per call and which is read
  // in place; it pays only for a fifth less padding: a conv's weight gradient
  // with 27 columns (64×27×1024, nt) ran 33 GFLOP/s transposed, 39 upright.
  if (best * 10 >= w48 * 8) return w216 * 10 < w48 * 9 ? SHAPE_WIDE : 0;
  return best == w216t ? SHAPE_TRANSPOSED | SHAPE_WIDE : SHAPE_TRANSPOSED;
}

// Packing pays when a panel is reused many times; a narrow product (few row
// panels) or an operand already laid out k-major is read in place instead.
// policy: -1 auto, 0 never pack, 1 always pack (bench and tests only).
let policyA: i32 = -1;
let policyB: i32 = -1;
const DIRECT_B_MAX_M: i32 = 64;
// Rows of A from which a B whose row stride is a multiple of 1 KiB is packed.
const ALIASED_B_MIN_M: i32 = 16;
const DIRECT_A_MAX_N: i32 = 64;
export const DOT_MAX_N: i32 = 16;

/** Tuning hook for the kernel specs: force (1) or forbid (0) packing, -1 = auto (not a wasm export). */
export function gemm_set_policy(packAPolicy: i32, packBPolicy: i32): void {
  policyA = packAPolicy;
  policyB = packBPolicy;
}

export function gemm_core(
  m: i32, n: i32, k: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32, csb: i32,
  c: usize, rsc: i32, csc: i32,
  accumulate: i32,
  wide: bool,
  scr: usize,
): void {
  const MR: i32 = wide ? 2 : 4;
  const NR: i32 = wide ? 16 : 8;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) store<f32>(c + <usize>(i * rsc + j * csc) * 4, 0);
    return;
  }
  // A panel can be read in place when MR consecutive rows are adjacent (rs = 1);
  // a B panel when NR consecutive columns are (cs = 1).
  // A stored by rows (k contiguous: X in X·Wᵀ, a conv's weights) is read in
  // place too, one pointer per row of the 4x8 tile, when k is over 32: on a
  // column split every thread would otherwise pack all of it. One thread,
  // GFLOP/s against packing: 512² 1.03–1.05×, the MLP's 250×128×784 1.06×,
  // 128×1152×1024 (nt) 1.04×; 2 threads 1.05–1.11×; with k = 32 (64×1024×32)
  // 0.97×, so short k still packs.
  const rowsA = !wide && csa == 1 && rsa != 1 && k > 32 && policyA < 0;
  const doPackA = !rowsA && (rsa != 1 || (policyA < 0 ? n > DIRECT_A_MAX_N : policyA == 1));
  // B is read in place for short k (≤ 32 rows of B per panel) or few rows of
  // A, unless its rows are a multiple of 1 KiB apart: then a panel's rows
  // (and the C tile's, when C has the same stride) fall in a few L1 sets and
  // evict each other. 64×1024×27 (a 3-channel first conv on 32×32 maps) ran
  // at 28 GFLOP/s in place, 64×1000×27 at 46.
  const doPackB = csb != 1 || (policyB < 0 ? (m > DIRECT_B_MAX_M && k > 32) || (m >= ALIASED_B_MIN_M && (rsb & 255) == 0 && k > 4) : policyB == 1);
  const np = paddedTo(n, NR);
  const kcMax = min(k, KC);
  const packB = ensure(scr, 2, <usize>(kcMax * (doPackB ? np : NR)) * 4);
  const packA = ensure(scr, 0, <usize>(kcMax * (doPackA ? MC : MR)) * 4);
  const tile = ensureTile(scr);
  const direct = csc == 1;
  const nFull = n - n % NR;
  const mcMax = doPackA ? MC : m;

  for (let p = 0; p < k; p += KC) {
    const kc = min(KC, k - p);
    const acc = p > 0 ? 1 : accumulate;
    // op(B) block, packed with its column index j as the panel row; in place,
    // only a ragged last panel is packed (zero-padded to NR columns).
    if (doPackB) pack_panels(b, csb, rsb, 0, n, p, kc, NR, packB);
    else if (nFull < n) pack_panels(b, csb, rsb, nFull, n - nFull, p, kc, NR, packB);
    for (let ic = 0; ic < m; ic += mcMax) {
      const mc = min(mcMax, m - ic);
      const mFull = mc - mc % MR;
      if (doPackA) pack_panels(a, rsa, csa, ic, mc, p, kc, MR, packA);
      else if (mFull < mc) pack_panels(a, rsa, csa, ic + mFull, mc - mFull, p, kc, MR, packA);
      const mPanels = (mc - mc % MR) / MR, nPanels = (n - n % NR) / NR;
      if (direct && mPanels > 0 && nPanels > 0) {
        // The bulk: full tiles in a tight loop of its own (the edge logic below
        // costs a quarter of the time of a short-k product when interleaved).
        const aBase = doPackA ? packA : a + <usize>(ic + p * csa) * 4;
        const aPanel: usize = doPackA ? <usize>(kc * MR) * 4 : <usize>MR * 4;
        const astep: usize = doPackA ? <usize>MR * 4 : <usize>csa * 4;
        const bBase = doPackB ? packB : b + <usize>(p * rsb) * 4;
        const bPanel: usize = doPackB ? <usize>(kc * NR) * 4 : <usize>NR * 4;
        const bstep: usize = doPackB ? <usize>NR * 4 : <usize>rsb * 4;
        const cBase = c + <usize>(ic * rsc) * 4;
        if (wide) tiles_2x16(kc, aBase, aPanel, astep, mPanels, bBase, bPanel, bstep, nPanels, cBase, <usize>rsc, acc);
        else if (rowsA) tiles_4x8<u8>(kc, a + <usize>(ic * rsa + p) * 4, <usize>(MR * rsa) * 4, <usize>rsa * 4, mPanels, bBase, bPanel, bstep, nPanels, cBase, <usize>rsc, acc);
        else tiles_4x8<u32>(kc, aBase, aPanel, astep, mPanels, bBase, bPanel, bstep, nPanels, cBase, <usize>rsc, acc);
      }
      for (let jr = 0; jr < n; jr += NR) {
        const nr = min(NR, n - jr);
        let bp: usize, bstep: usize;
        if (doPackB) { bp = packB + <usize>(jr * kc) * 4; bstep = <usize>NR * 4; }
        else if (nr < NR) { bp = packB; bstep = <usize>NR * 4; }
        else { bp = b + <usize>(p * rsb + jr) * 4; bstep = <usize>rsb * 4; }
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = min(MR, mc - ir);
          const i = ic + ir;
          let ap: usize, astep: usize;
          if (doPackA) { ap = packA + <usize>(ir * kc) * 4; astep = <usize>MR * 4; }
          else if (mr < MR) { ap = packA; astep = <usize>MR * 4; }
          else if (rowsA) { ap = a + <usize>(i * rsa + p) * 4; astep = 0; }
          else { ap = a + <usize>(i + p * csa) * 4; astep = <usize>csa * 4; }
          if (direct && mr == MR && nr == NR) {
            continue; // done by tiles_*
          } else {
            if (wide) gemm_ukernel_2x16(kc, ap, astep, bp, bstep, tile, <usize>NR, 0);
            else if (astep == 0) gemm_ukernel_4x8_rows(kc, ap, <usize>rsa * 4, bp, bstep, tile, <usize>NR, 0);
            else gemm_ukernel_4x8(kc, ap, astep, bp, bstep, tile, <usize>NR, 0);
            for (let r = 0; r < mr; r++) {
              for (let q = 0; q < nr; q++) {
                const cp = c + <usize>((i + r) * rsc + (jr + q) * csc) * 4;
                const v = load<f32>(tile + <usize>(r * NR + q) * 4);
                store<f32>(cp, acc ? load<f32>(cp) + v : v);
              }
            }
          }
        }
      }
    }
  }
}

// Full tiles over nPanels column panels (outer: one B panel stays in L1 while
// the A panels stream, BLIS order) and mPanels row panels, C row stride ldc
// elements. Each loop comes in two copies so the inlined kernel's accumulate
// branch folds away (+8% on the short-k product). With short k and C's rows a
// multiple of 4 KiB apart, a column of tiles would put every C row in one L1
// set: row panels go outer then (64×1024×9: 19 → 35–39 GFLOP/s), each tile
// computed as before. K picks the micro-kernel at compile time (ukernel4x8):
// u32, A packed or strided (astep: bytes from one k to the next); u8, A's rows
// read in place (astep: bytes from one row to the next).
function tiles_4x8<K>(kc: i32, aBase: usize, aPanel: usize, astep: usize, mPanels: i32,
  bBase: usize, bPanel: usize, bstep: usize, nPanels: i32, c: usize, ldc: usize, acc: i32): void {
  const cRow = ldc << 4; // 4 rows of C, in bytes
  if (rowsOuter(kc, ldc)) {
    for (let i = 0; i < mPanels; i++) {
      const ap = aBase + <usize>i * aPanel, ci = c + <usize>i * cRow;
      if (acc) for (let j = 0; j < nPanels; j++) ukernel4x8<K>(kc, ap, astep, bBase + <usize>j * bPanel, bstep, ci + (<usize>j << 5), ldc, 1);
      else for (let j = 0; j < nPanels; j++) ukernel4x8<K>(kc, ap, astep, bBase + <usize>j * bPanel, bstep, ci + (<usize>j << 5), ldc, 0);
    }
    return;
  }
  for (let j = 0; j < nPanels; j++) {
    const bp = bBase + <usize>j * bPanel, cj = c + (<usize>j << 5);
    if (acc) for (let i = 0; i < mPanels; i++) ukernel4x8<K>(kc, aBase + <usize>i * aPanel, astep, bp, bstep, cj + <usize>i * cRow, ldc, 1);
    else for (let i = 0; i < mPanels; i++) ukernel4x8<K>(kc, aBase + <usize>i * aPanel, astep, bp, bstep, cj + <usize>i * cRow, ldc, 0);
  }
}

// @ts-ignore: decorator
@inline function ukernel4x8<K>(kc: i32, ap: usize, astep: usize, bp: usize, bstep: usize, c: usize, ldc: usize, acc: i32): void {
  if (sizeof<K>() == 1) gemm_ukernel_4x8_rows(kc, ap, astep, bp, bstep, c, ldc, acc);
  else gemm_ukernel_4x8(kc, ap, astep, bp, bstep, c, ldc, acc);
}

// Row panels outer (see tiles_4x8): short k, and C's row stride a multiple of 4 KiB (1024 floats).
// @ts-ignore: decorator
@inline function rowsOuter(kc: i32, ldc: usize): bool {
  return kc <= ROWS_OUTER_MAX_K && (ldc & 1023) == 0;
}
const ROWS_OUTER_MAX_K: i32 = 64;

function tiles_2x16(kc: i32, aBase: usize, aPanel: usize, astep: usize, mPanels: i32,
  bBase: usize, bPanel: usize, bstep: usize, nPanels: i32, c: usize, ldc: usize, acc: i32): void {
  const cRow = ldc << 3; // 2 rows of C, in bytes
  for (let j = 0; j < nPanels; j++) {
    const bp = bBase + <usize>j * bPanel, cj = c + (<usize>j << 6);
    if (acc) for (let i = 0; i < mPanels; i++) gemm_ukernel_2x16(kc, aBase + <usize>i * aPanel, astep, bp, bstep, cj + <usize>i * cRow, ldc, 1);
    else for (let i = 0; i < mPanels; i++) gemm_ukernel_2x16(kc, aBase + <usize>i * aPanel, astep, bp, bstep, cj + <usize>i * cRow, ldc, 0);
  }
}

/** C[m×n] (+)= A[m×k]·B[k×n], row-major with leading dimensions (elements). */
export function gemm_nn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  gemm_strided(m, n, k, a, lda, 1, b, ldb, 1, c, ldc, 1, accumulate);
}

/** C[m×n] (+)= A[m×k]·Bᵀ with B stored [n×k] (a Linear layer's forward pass). */
export function gemm_nt(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  // Narrow outputs: dot products need no packing and no padded tile columns.
  if (n < DOT_MAX_N && k >= 4) return gemm_nt_dot_split(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  gemm_strided(m, n, k, a, lda, 1, b, 1, ldb, c, ldc, 1, accumulate);
}

// The dot form over threads: rows of C in blocks of 4 (its row tile).
function gemm_nt_dot_split(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  const nt = min(par_threads(), (m + 3) >> 2);
  if (nt <= 1 || <i64>m * n * k < PAR_MIN_MACS) return gemm_nt_dot(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  const p = taskArgs();
  store<i32>(p, m); store<i32>(p + 4, n); store<i32>(p + 8, k);
  store<usize>(p + 12, a); store<i32>(p + 16, lda); store<usize>(p + 20, b); store<i32>(p + 24, ldb);
  store<usize>(p + 28, c); store<i32>(p + 32, ldc); store<i32>(p + 36, accumulate);
  parallel(dot_task, p, nt);
}

function dot_task(tid: i32, nt: i32, p: usize): void {
  const m = load<i32>(p), n = load<i32>(p + 4), k = load<i32>(p + 8);
  const a = load<usize>(p + 12), lda = load<i32>(p + 16), b = load<usize>(p + 20), ldb = load<i32>(p + 24);
  const c = load<usize>(p + 28), ldc = load<i32>(p + 32), accumulate = load<i32>(p + 36);
  const blocks = (m + 3) >> 2;
  const r0 = shareLo(blocks, tid, nt) << 2, r1 = min(m, shareLo(blocks, tid + 1, nt) << 2);
  if (r0 < r1) gemm_nt_dot(r1 - r0, n, k, a + (<usize>(r0 * lda) << 2), lda, b, ldb, c + (<usize>(r0 * ldc) << 2), ldc, accumulate);
}

/** C[m×n] (+)= Aᵀ·B with A stored [k×m] and B stored [k×n] (a weight gradient). */
export function gemm_tn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  gemm_strided(m, n, k, a, 1, lda, b, ldb, 1, c, ldc, 1, accumulate);
}
