// What every Winograd operator (winograd.ts, winograd_mixed.ts) lays out the
// same way: the products' slabs, when a transform splits over threads, and
// the arguments a transform's threads read.
// @ts-nocheck
import { taskArgs } from "../../parallel";

/**
 * Floats from one product ξ's [rows][cols] slab to the next: one cache line
 * more than the slab, so that the X streams a transform reads or writes at
 * once do not fall into one cache set (slabs of 2^k floats did: a chunk of 512
 * columns × 128 channels ran at a third of the speed, depending on where the
 * buffers were).
 */
@inline export function slab(rows: i32, cols: i32): usize { return <usize>rows * cols + 16; }

/** Floats written per thread at least before a transform splits over threads. */
export const XF_MIN: i32 = 16384;

/** A transform's arguments in taskArgs(): a (+0), b…e (+4…+16), f (+20), g, h (+24, +28). */
export function transformArgs(a: usize, b: i32, c: i32, d: i32, e: i32, f: usize, g: i32, h: i32): usize {
  const p = taskArgs();
  store<usize>(p, a); store<i32>(p + 4, b); store<i32>(p + 8, c); store<i32>(p + 12, d); store<i32>(p + 16, e); store<usize>(p + 20, f);
  store<i32>(p + 24, g); store<i32>(p + 28, h);
  return p;
}
