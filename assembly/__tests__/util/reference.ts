// Naive references shared by more than one spec.
import { at } from "./buffers";

/** Index of the first maximum of row r of a rows × classes f32 matrix. */
export function firstArgmax(l: usize, r: i32, classes: i32): i32 {
  let best = 0;
  for (let j = 1; j < classes; j++) if (at(l, r * classes + j) > at(l, r * classes + best)) best = j;
  return best;
}

/** Rows whose i32 label in y equals the row's first-max argmax. */
export function countCorrect(l: usize, y: usize, rows: i32, classes: i32): i32 {
  let c = 0;
  for (let r = 0; r < rows; r++) if (load<i32>(y + (<usize>r << 2)) == firstArgmax(l, r, classes)) c++;
  return c;
}

/**
 * The kernels' documented summation order: lane accumulators a[i % 4] over the
 * 4-wide body, t over the tail, result ((a0 + a1) + (a2 + a3)) + t.
 */
export function laneOrderSum(terms: StaticArray<f64>): f64 {
  const n = terms.length;
  const n4 = n & ~3;
  const a = new StaticArray<f64>(4);
  for (let i = 0; i < n4; i++) a[i & 3] += terms[i];
  let t: f64 = 0;
  for (let i = n4; i < n; i++) t += terms[i];
  return ((a[0] + a[1]) + (a[2] + a[3])) + t;
}
