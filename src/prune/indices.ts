// Sparsity indices of weight tensors over the entries that remain (mask byte
// != 0): the PQ Index (PQI, Eq. 1 of "Pruning Deep Neural Networks from a
// Sparsity Perspective", ICLR 2023), its PQI-bound on the number of retained
// parameters (Theorem 2, Eq. 2) and the Gini index in Hurley & Rickard's form.
// The numerics live in wasm (assembly/kernels/pqi.ts, gini.ts, all f64
// accumulation); this module validates parameters, builds the scopes the SAP
// algorithm uses (global / layer / neuron), and turns the kernels' NaN for an
// undefined index into `value: null` with a reason. docs/pqi.md has the math.
//
//   I_{p,q}(w) = 1 − d^{1/q − 1/p}·‖w‖_p/‖w‖_q,   0 < p ≤ 1 ≤ q, p < q      (Eq. 1)
//   r ≥ d·(1 + η_r)^{−q/(q−p)}·(1 − I(w))^{qp/(q−p)}                      (Eq. 2)
//   G(c) = 1 − 2·Σ_k (c_(k)/‖c‖₁)·((N − k + ½)/N),  c_(1) ≤ … ≤ c_(N) = |w| sorted
//
// Scopes: layer = one tensor (pqIndex, giniIndex); neuron = one output row
// of a [out, in] weight (pqIndexRows, giniIndexRows); global = every
// tensor's remaining entries as one vector (pqIndexGlobal combines per-tensor
// partial sums without copying; giniIndexGlobal appends sort keys into one
// buffer; concatRemaining materialises the vector when a caller needs it).
import type { Engine } from "../engine/engine";
import { ShrinkError } from "../io/errors";

export const REASON_EMPTY = "no entries remain";
export const REASON_ZERO = "all remaining entries are zero";
export const REASON_NONFINITE = "remaining entries include NaN or ±Inf";

/** A vector in wasm memory: a Tensor (f32) or any {ptr, size} of f32 elements. */
export interface VectorRef {
  readonly ptr: number;
  readonly size: number;
  readonly shape?: readonly number[];
  readonly dtype?: string;
}

/** A u8 mask (1 byte per element, 0 = pruned): a pointer, a u8 Tensor / {ptr}, or 0 / null / undefined = every entry remains. */
export type MaskRef = number | { readonly ptr: number; readonly size?: number } | null | undefined;

/** An index value, or null with the reason it is undefined; d = number of remaining entries. */
export interface IndexResult {
  value: number | null;
  reason?: string;
  d: number;
}

export interface PqOptions {
  /** 0 < p ≤ 1 (the paper's SAP uses 0.5 or 1). */
  p: number;
  /** q ≥ 1 and q > p (the paper's SAP uses 1 or 2). */
  q: number;
  mask?: MaskRef;
}

export interface RowShape {
  /** Number of rows (neurons); defaults to shape[0] of a Tensor. */
  rows?: number;
  /** Row length; defaults to size / rows. */
  cols?: number;
}

/** One tensor of a global scope. */
export interface ScopeTensor {
  readonly ptr: number;
  readonly size: number;
  readonly mask?: MaskRef;
}

const argErr = (msg: string) => new ShrinkError("E_ARG", msg);

/**
 * The PQ Index domain, 0 < p ≤ 1 ≤ q with p < q (see docs/pqi.md: Definition 1
 * states 0 < p ≤ 1 < q, but the paper's own D1 proof covers q = 1 and its SAP
 * experiments use (p, q) = (0.5, 1); p = q = 1 is excluded since I ≡ 0).
 * Throws a ShrinkError naming --p / --q, the value and the allowed range.
 */
export function checkPQ(p: number, q: number): void {
  if (typeof p !== "number" || !Number.isFinite(p) || !(p > 0 && p <= 1)) {
    throw argErr(`--p: ${String(p)} must be in (0, 1] (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
  }
  if (typeof q !== "number" || !Number.isFinite(q) || !(q >= 1)) {
    throw argErr(`--q: ${String(q)} must be a finite number ≥ 1 (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
  }
  if (!(p < q)) {
    throw argErr(`--p/--q: p = ${p} must be less than q = ${q} (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q; p = q = 1 gives I ≡ 0)`);
  }
}

function maskPtr(mask: MaskRef, n: number, what: string): number {
  if (mask === undefined || mask === null || mask === 0) return 0;
  if (typeof mask === "number") {
    if (!Number.isInteger(mask) || mask < 0) throw new RangeError(`${what}: mask pointer ${mask} is not a valid address`);
    return mask;
  }
  if (mask.size !== undefined && mask.size < n) throw new RangeError(`${what}: mask has ${mask.size} bytes for ${n} entries`);
  return mask.ptr;
}

function checkVector(x: VectorRef, what: string): void {
  if (x.dtype !== undefined && x.dtype !== "f32") throw new TypeError(`${what}: dtype is ${x.dtype}, not f32`);
  if (!Number.isInteger(x.size) || x.size < 0) throw new RangeError(`${what}: size ${x.size} must be a non-negative integer`);
}

function f64View(e: Engine, ptr: number, n: number): Float64Array {
  return new Float64Array(e.memory.buffer, ptr, n);
}

/**
 * The reason an index over (x, mask, n) with d remaining entries came back
 * NaN from wasm: nothing remains, or (p, q having been validated) the largest
 * remaining |x| is 0 (all zero) or NaN / +Inf.
 */
function reasonOf(e: Engine, x: number, mask: number, n: number, d: number): string {
  if (d === 0) return REASON_EMPTY;
  return e.k.remaining_max_abs(x, mask, n) === 0 ? REASON_ZERO : REASON_NONFINITE;
}

function result(value: number, d: number, reason: () => string): IndexResult {
  return Number.isNaN(value) ? { value: null, reason: reason(), d } : { value, d };
}

function rowShape(x: VectorRef, o: RowShape, what: string): { rows: number; cols: number } {
  let rows = o.rows;
  let cols = o.cols;
  if (rows === undefined && cols === undefined) {
    if (!x.shape || x.shape.length < 2) throw new RangeError(`${what}: give rows or cols for a vector without a 2-D+ shape`);
    rows = x.shape[0];
  }
  if (rows === undefined) rows = cols! > 0 ? x.size / cols! : 0;
  if (cols === undefined) cols = rows > 0 ? x.size / rows : 0;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows * cols !== x.size) {
    throw new RangeError(`${what}: rows ${rows} × cols ${cols} does not match size ${x.size}`);
  }
  return { rows, cols };
}

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
  const out = e.alloc(2 * rows); // rows f64
  const cnt = e.alloc(rows, "i32");
  try {
    e.k.pqi_rows(x.ptr, mask, rows, cols, o.p, o.q, out);
    e.k.remaining_count_rows(mask, rows, cols, cnt);
    const vals = f64View(e, out, rows).slice();
    const ds = e.i32(cnt, rows).slice();
    return Array.from(vals, (v, r) => result(v, ds[r], () => {
      const off = r * cols;
      return reasonOf(e, x.ptr + 4 * off, mask === 0 ? 0 : mask + off, cols, ds[r]);
    }));
  } finally {
    e.free(out);
    e.free(cnt);
  }
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

/** Layer scope: the Gini index (Hurley & Rickard) of the remaining |x|. */
export function giniIndex(e: Engine, x: VectorRef, o: { mask?: MaskRef } = {}): IndexResult {
  checkVector(x, "giniIndex");
  const n = x.size;
  const mask = maskPtr(o.mask, n, "giniIndex");
  const d = e.k.remaining_count(mask, n);
  if (d === 0) return { value: null, reason: REASON_EMPTY, d };
  const scratch = e.alloc(2 * n, "i32"); // gini_scratch_bytes(n) = 8n
  try {
    const v = e.k.gini(x.ptr, mask, n, scratch);
    return result(v, d, () => reasonOf(e, x.ptr, mask, n, d));
  } finally {
    e.free(scratch);
  }
}

/** Neuron scope: the Gini index of each row of a row-major [rows, cols] weight. */
export function giniIndexRows(e: Engine, x: VectorRef, o: { mask?: MaskRef } & RowShape = {}): IndexResult[] {
  checkVector(x, "giniIndexRows");
  const { rows, cols } = rowShape(x, o, "giniIndexRows");
  const mask = maskPtr(o.mask, x.size, "giniIndexRows");
  const out = e.alloc(2 * rows);
  const cnt = e.alloc(rows, "i32");
  const scratch = e.alloc(2 * cols, "i32");
  try {
    e.k.gini_rows(x.ptr, mask, rows, cols, scratch, out);
    e.k.remaining_count_rows(mask, rows, cols, cnt);
    const vals = f64View(e, out, rows).slice();
    const ds = e.i32(cnt, rows).slice();
    return Array.from(vals, (v, r) => result(v, ds[r], () => {
      const off = r * cols;
      return reasonOf(e, x.ptr + 4 * off, mask === 0 ? 0 : mask + off, cols, ds[r]);
    }));
  } finally {
    e.free(out);
    e.free(cnt);
    e.free(scratch);
  }
}

/**
 * Global scope: the Gini index of every tensor's remaining entries as one
 * vector. The sort needs them together: each tensor appends its magnitude keys
 * (abs_keys) to one buffer, which is radix-sorted once (no f32 copy).
 */
export function giniIndexGlobal(e: Engine, tensors: readonly ScopeTensor[]): IndexResult {
  const masks = tensors.map((t, i) => {
    checkVector(t, `giniIndexGlobal[${i}]`);
    return maskPtr(t.mask, t.size, `giniIndexGlobal[${i}]`);
  });
  const d = tensors.reduce((s, t, i) => s + e.k.remaining_count(masks[i], t.size), 0);
  if (d === 0) return { value: null, reason: REASON_EMPTY, d };
  const keys = e.alloc(2 * d, "i32"); // d keys + the sort's ping-pong buffer
  try {
    let m = 0;
    tensors.forEach((t, i) => {
      m += e.k.abs_keys(t.ptr, masks[i], t.size, keys + 4 * m);
    });
    e.k.radix_sort_u32(keys, m, keys + 4 * m);
    const v = e.k.gini_sorted_keys(keys, m);
    return result(v, d, () => (e.i32(keys + 4 * (m - 1), 1)[0] === 0 ? REASON_ZERO : REASON_NONFINITE));
  } finally {
    e.free(keys);
  }
}

/**
 * Global scope as a vector: the remaining entries of every tensor (signs kept,
 * tensor order, then index order) copied into one new f32 buffer allocated with
 * e.alloc. The caller owns it: release with e.free(ptr). size = Σ d.
 */
export function concatRemaining(e: Engine, tensors: readonly ScopeTensor[]): { ptr: number; size: number } {
  const masks = tensors.map((t, i) => {
    checkVector(t, `concatRemaining[${i}]`);
    return maskPtr(t.mask, t.size, `concatRemaining[${i}]`);
  });
  const size = tensors.reduce((s, t, i) => s + e.k.remaining_count(masks[i], t.size), 0);
  const ptr = e.alloc(size);
  let off = 0;
  tensors.forEach((t, i) => {
    off += e.k.compact_remaining(ptr + 4 * off, t.ptr, masks[i], t.size);
  });
  return { ptr, size };
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
export function pqiBound(d: number, I: number, p: number, q: number, etaR: number): number {
  checkPQ(p, q);
  if (!Number.isInteger(d) || d < 0) throw argErr(`pqiBound: d = ${d} must be a non-negative integer (number of remaining entries)`);
  if (typeof I !== "number" || !(I >= 0 && I <= 1)) throw argErr(`pqiBound: I = ${I} must be a PQ Index in [0, 1]`);
  checkEta(etaR, "--eta-r");
  const k = q - p;
  return d * Math.pow(1 + etaR, -q / k) * Math.pow(1 - I, (q * p) / k);
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
  checkEta(eta, "--eta-r");
  if (typeof o.p !== "number" || !Number.isFinite(o.p) || !(o.p > 0 && o.p <= 1)) {
    throw argErr(`--p: ${String(o.p)} must be in (0, 1] (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
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
    throw argErr(`--p: ${String(o.p)} must be in (0, 1] (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
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
