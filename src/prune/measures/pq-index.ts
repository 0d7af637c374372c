// The PQ Index of weight tensors over the entries that remain (mask byte
// != 0), Eq. 1 of "Pruning Deep Neural Networks from a Sparsity Perspective"
// (ICLR 2023), and its PQI-bound on the number of retained parameters
// (Theorem 2, Eq. 2 / Eq. 4). The numerics live in wasm (assembly/kernels/pqi.ts,
// f64 accumulation); this module validates, picks the scope (layer: pqIndex;
// neuron: pqIndexRows, one output row each; global: pqIndexGlobal, per-tensor
// partial sums combined without copying) and turns the kernels' NaN for an
// undefined index into `value: null` with a reason. The Gini index is
// ./gini-index.ts; docs/pqi.md has the math.
//
//   I_{p,q}(w) = 1 − d^{1/q − 1/p}·‖w‖_p/‖w‖_q,   0 < p ≤ 1 ≤ q, p < q      (Eq. 1)
//   r ≥ d·(1 + η_r)^{−q/(q−p)}·(1 − I(w))^{qp/(q−p)}                      (Eq. 2)
import type { Engine } from "../../engine/engine.js";
import { REASON_EMPTY, REASON_ZERO, REASON_NONFINITE, argErr, checkPQ, maskPtr, checkVector, f64View, reasonOf, result, rowShape, rowResults, type VectorRef, type IndexResult, type PqOptions, type RowShape, type ScopeTensor } from "./vector.js";

/** Layer scope: the PQ Index I_{p,q} (Eq. 1) of the remaining entries of x. */
export function pqIndex(e: Engine, x: VectorRef, o: PqOptions): IndexResult {
  checkPQ(o.p, o.q);
  checkVector(x, "pqIndex");
  const n = x.size;
  const mask = maskPtr(o.mask, n, "pqIndex");
  const d = e.k.remaining_count(mask, n);
  const v = e.k.pqi(x.ptr, mask, n, o.p, o.q);
  return result(v, d, () => reasonOf(e, x.ptr, mask, n, d));
}

/**
 * Neuron scope: the PQ Index of each row of a row-major [rows, cols] weight
 * (one output neuron per row; a [out, in] Tensor gives rows = out by default).
 * The mask, if any, has the same layout.
 */
export function pqIndexRows(e: Engine, x: VectorRef, o: PqOptions & RowShape): IndexResult[] {
  checkPQ(o.p, o.q);
  checkVector(x, "pqIndexRows");
  const { rows, cols } = rowShape(x, o, "pqIndexRows");
  const mask = maskPtr(o.mask, x.size, "pqIndexRows");
  return rowResults(e, x.ptr, mask, rows, cols, (out) => e.k.pqi_rows(x.ptr, mask, rows, cols, o.p, o.q, out));
}

/**
 * Global scope: the PQ Index of the concatenation of every tensor's remaining
 * entries, without copying: the largest remaining |w| over all tensors is the
 * common scale, each tensor contributes Σ(|w|/scale)^p and Σ(|w|/scale)^q
 * (pqi_sums), the partial sums are added in tensor order in f64, and
 * pqi_from_sums evaluates Eq. 1. For one tensor this is bit-identical to pqIndex.
 */
export function pqIndexGlobal(e: Engine, tensors: readonly ScopeTensor[], o: { p: number; q: number }): IndexResult {
  checkPQ(o.p, o.q);
  const masks = tensors.map((t, i) => {
    checkVector(t, `pqIndexGlobal[${i}]`);
    return maskPtr(t.mask, t.size, `pqIndexGlobal[${i}]`);
  });
  let d = 0;
  let scale = 0;
  let nonFinite = false;
  tensors.forEach((t, i) => {
    d += e.k.remaining_count(masks[i], t.size);
    const m = e.k.remaining_max_abs(t.ptr, masks[i], t.size);
    if (Number.isNaN(m) || m === Infinity) nonFinite = true;
    else if (m > scale) scale = m;
  });
  if (d === 0) return { value: null, reason: REASON_EMPTY, d };
  if (nonFinite) return { value: null, reason: REASON_NONFINITE, d };
  if (scale === 0) return { value: null, reason: REASON_ZERO, d };
  const out = e.alloc(4); // two f64
  let sp = 0;
  let sq = 0;
  try {
    tensors.forEach((t, i) => {
      e.k.pqi_sums(t.ptr, masks[i], t.size, o.p, o.q, scale, out);
      const s = f64View(e, out, 2);
      sp += s[0];
      sq += s[1];
    });
  } finally {
    e.free(out);
  }
  const v = e.k.pqi_from_sums(d, sp, sq, o.p, o.q);
  return result(v, d, () => REASON_ZERO);
}

function checkEta(eta: number, what: string): void {
  if (typeof eta !== "number" || !Number.isFinite(eta) || !(eta >= 0)) {
    throw argErr(`${what}: ${String(eta)} must be a finite number ≥ 0 (η_r of Theorem 2)`);
  }
}

/**
 * Theorem 2 (Eq. 2), the PQI-bound: the right-hand side of
 * r ≥ d·(1 + η_r)^{−q/(q−p)}·(1 − I)^{qp/(q−p)}, a lower bound on the number
 * r of largest-magnitude entries whose complement holds at most η_r times
 * their ℓ_p mass (Σ_{i∉M_r}|w_i|^p ≤ η_r·Σ_{i∈M_r}|w_i|^p). Pure f64; SAP
 * (Algorithm 1) treats η_r as a hyper-parameter (η_r = 0 in the paper).
 */
export function pqiBound(e: Engine, d: number, I: number, p: number, q: number, etaR: number): number {
  checkPQ(p, q);
  if (!Number.isInteger(d) || d < 0) throw argErr(`pqiBound: d = ${d} must be a non-negative integer (number of remaining entries)`);
  if (typeof I !== "number" || !(I >= 0 && I <= 1)) throw argErr(`pqiBound: I = ${I} must be a PQ Index in [0, 1]`);
  checkEta(etaR, "etaR");
  return e.k.pqi_bound(d, I, p, q, etaR);
}

