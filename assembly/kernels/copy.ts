// Short copies and fills of f32 runs. memory.copy/memory.fill are calls into
// the runtime in V8, and on the rows of small maps (a few to a few dozen floats)
// the call costs more than the data: there a 4-wide loop does it. Long runs
// still take the bulk-memory instructions.

/** Runs at least this many floats go to memory.copy/fill. */
const BULK_MIN: i32 = 64;

/** dst[i] = src[i] for i < n (f32; the ranges do not overlap). */
// @ts-ignore: decorator
@inline export function copy_floats(dst: usize, src: usize, n: i32): void {
  if (n >= BULK_MIN) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  const nb = <usize>max(n, 0) << 2, n4 = <usize>(max(n, 0) & ~3) << 2;
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < nb; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

/** dst[i] = +0 for i < n. */
// @ts-ignore: decorator
@inline export function zero_floats(dst: usize, n: i32): void {
  if (n >= BULK_MIN) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const nb = <usize>max(n, 0) << 2, n4 = <usize>(max(n, 0) & ~3) << 2;
  const z = f32x4.splat(0);
  let o: usize = 0;
  for (; o < n4; o += 16) v128.store(dst + o, z);
  for (; o < nb; o += 4) store<f32>(dst + o, 0);
}
