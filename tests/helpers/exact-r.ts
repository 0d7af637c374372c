// Theorem 2's quantities computed exactly on the host (sorted magnitudes,
// f64 sums): an independent reference for the PQI-bound tests, kept out of
// src/ so no host Math.pow reaches a pruning decision.
import { REASON_EMPTY, REASON_ZERO, REASON_NONFINITE, argErr } from "../../src/prune/measures/vector.ts";

function checkEta(eta: number, what: string): void {
  if (typeof eta !== "number" || !Number.isFinite(eta) || !(eta >= 0)) {
    throw argErr(`${what}: ${String(eta)} must be a finite number ≥ 0 (η_r of Theorem 2)`);
  }
}

export interface ExactRResult {
  /** The smallest r with η_r ≤ eta, or null if undefined (reason). */
  r: number | null;
  /** η_r at that r (exact, from the sorted magnitudes), or null. */
  etaR: number | null;
  d: number;
  reason?: string;
}

/** |v|^p of the remaining entries sorted descending, as f64 (throws on non-finite entries). */
function sortedPowers(values: Float32Array | Float64Array, p: number, mask: Uint8Array | undefined, what: string): Float64Array {
  if (mask && mask.length < values.length) throw new RangeError(`${what}: mask has ${mask.length} bytes for ${values.length} entries`);
  const a: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const v = Math.abs(values[i]);
    if (!Number.isFinite(v)) throw new RangeError(`${what}: entry ${i} is ${values[i]} (${REASON_NONFINITE})`);
    a.push(v);
  }
  const s = Float64Array.from(a).sort().reverse();
  return s.map((v) => Math.pow(v, p));
}

/**
 * Theorem 2's quantities computed exactly for a vector (host side, for tests
 * and reports): with M_r the r largest magnitudes among the d remaining
 * entries, η_r = Σ_{i∉M_r}|w_i|^p / Σ_{i∈M_r}|w_i|^p (the smallest η with the
 * theorem's inequality). Returns the smallest r (1 ≤ r ≤ d) with η_r ≤ eta —
 * the fewest largest entries holding at least 1/(1 + eta) of Σ|w|^p — and its
 * η_r. eta = 0 gives r = the number of nonzero remaining entries. Sums are
 * f64; the tail sum is accumulated from the small end (no cancellation).
 */
export function exactR(values: Float32Array | Float64Array, o: { p: number; eta?: number; mask?: Uint8Array }): ExactRResult {
  const eta = o.eta ?? 0;
  checkEta(eta, "etaR");
  if (typeof o.p !== "number" || !Number.isFinite(o.p) || !(o.p > 0 && o.p <= 1)) {
    throw argErr(`p: ${String(o.p)} must be in (0, 1] (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
  }
  const a = sortedPowers(values, o.p, o.mask, "exactR");
  const d = a.length;
  if (d === 0) return { r: null, etaR: null, d, reason: REASON_EMPTY };
  if (a[0] === 0) return { r: null, etaR: null, d, reason: REASON_ZERO };
  const tail = new Float64Array(d + 1); // tail[r] = Σ_{i ≥ r} a[i]
  for (let i = d - 1; i >= 0; i--) tail[i] = tail[i + 1] + a[i];
  let head = 0;
  for (let r = 1; r <= d; r++) {
    head += a[r - 1];
    const er = tail[r] / head;
    if (er <= eta) return { r, etaR: er, d };
  }
  return { r: d, etaR: 0, d }; // not reached: η_d = 0
}

/**
 * η_r of Theorem 2 for a given r (1 ≤ r ≤ d): Σ_{i∉M_r}|w_i|^p / Σ_{i∈M_r}|w_i|^p
 * over the remaining entries, M_r = the r largest magnitudes. null if no
 * entry remains or all remaining entries are zero.
 */
export function etaR(values: Float32Array | Float64Array, r: number, o: { p: number; mask?: Uint8Array }): number | null {
  if (typeof o.p !== "number" || !Number.isFinite(o.p) || !(o.p > 0 && o.p <= 1)) {
    throw argErr(`p: ${String(o.p)} must be in (0, 1] (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
  }
  const a = sortedPowers(values, o.p, o.mask, "etaR");
  const d = a.length;
  if (!Number.isInteger(r) || r < 1 || r > Math.max(d, 1)) throw new RangeError(`etaR: r = ${r} must be an integer in [1, ${d}]`);
  if (d === 0 || a[0] === 0) return null;
  let tail = 0;
  for (let i = d - 1; i >= r; i--) tail += a[i];
  let head = 0;
  for (let i = 0; i < r; i++) head += a[i];
  return tail / head;
}
