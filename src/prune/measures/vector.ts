// What the sparsity measures read: f32 vectors and u8 masks in wasm memory,
// the undefined-index reasons, and the checks every measure shares.
import type { Engine } from "../../engine/engine.js";
import { ShrinkError } from "../../engine/errors.js";

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

export const argErr = (msg: string) => new ShrinkError("E_ARG", msg);

/**
 * The PQ Index domain, 0 < p ≤ 1 ≤ q with p < q (see docs/pqi.md: Definition 1
 * states 0 < p ≤ 1 < q, but the paper's own D1 proof covers q = 1 and its SAP
 * experiments use (p, q) = (0.5, 1); p = q = 1 is excluded since I ≡ 0).
 * Throws a ShrinkError naming --p / --q, the value and the allowed range.
 */
export function checkPQ(p: number, q: number): void {
  if (typeof p !== "number" || !Number.isFinite(p) || !(p > 0 && p <= 1)) {
    throw argErr(`p: ${String(p)} must be in (0, 1] (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
  }
  if (typeof q !== "number" || !Number.isFinite(q) || !(q >= 1)) {
    throw argErr(`q: ${String(q)} must be a finite number ≥ 1 (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q)`);
  }
  if (!(p < q)) {
    throw argErr(`p/q: p = ${p} must be less than q = ${q} (PQ Index domain: 0 < p ≤ 1 ≤ q, p < q; p = q = 1 gives I ≡ 0)`);
  }
}

export function maskPtr(mask: MaskRef, n: number, what: string): number {
  if (mask === undefined || mask === null || mask === 0) return 0;
  if (typeof mask === "number") {
    if (!Number.isInteger(mask) || mask < 0) throw new RangeError(`${what}: mask pointer ${mask} is not a valid address`);
    return mask;
  }
  if (mask.size !== undefined && mask.size < n) throw new RangeError(`${what}: mask has ${mask.size} bytes for ${n} entries`);
  return mask.ptr;
}

export function checkVector(x: VectorRef, what: string): void {
  if (x.dtype !== undefined && x.dtype !== "f32") throw new TypeError(`${what}: dtype is ${x.dtype}, not f32`);
  if (!Number.isInteger(x.size) || x.size < 0) throw new RangeError(`${what}: size ${x.size} must be a non-negative integer`);
}

export function f64View(e: Engine, ptr: number, n: number): Float64Array {
  return new Float64Array(e.memory.buffer, ptr, n);
}

/**
 * The reason an index over (x, mask, n) with d remaining entries came back
 * NaN from wasm: nothing remains, or (p, q having been validated) the largest
 * remaining |x| is 0 (all zero) or NaN / +Inf.
 */
export function reasonOf(e: Engine, x: number, mask: number, n: number, d: number): string {
  if (d === 0) return REASON_EMPTY;
  return e.k.remaining_max_abs(x, mask, n) === 0 ? REASON_ZERO : REASON_NONFINITE;
}

export function result(value: number, d: number, reason: () => string): IndexResult {
  return Number.isNaN(value) ? { value: null, reason: reason(), d } : { value, d };
}

export function rowShape(x: VectorRef, o: RowShape, what: string): { rows: number; cols: number } {
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


/**
 * Neuron scope: one index per row of a row-major [rows, cols] vector. `fill`
 * writes the rows' f64 values to `out` (a wasm *_rows kernel); each becomes an
 * IndexResult with its row's remaining count, or null and the reason.
 */
export function rowResults(e: Engine, x: number, mask: number, rows: number, cols: number, fill: (out: number) => void): IndexResult[] {
  const out = e.alloc(2 * rows); // rows f64
  const cnt = e.alloc(rows, "i32");
  try {
    fill(out);
    e.k.remaining_count_rows(mask, rows, cols, cnt);
    const vals = f64View(e, out, rows).slice();
    const ds = e.i32(cnt, rows).slice();
    return Array.from(vals, (v, r) => result(v, ds[r], () => {
      const off = r * cols;
      return reasonOf(e, x + 4 * off, mask === 0 ? 0 : mask + off, cols, ds[r]);
    }));
  } finally {
    e.free(out);
    e.free(cnt);
  }
}
