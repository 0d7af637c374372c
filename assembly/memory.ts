// Tensor memory: the host allocates and frees raw buffers in linear memory.
// Buffers are aligned to 64 bytes, a cache line: a row that starts mid-line
// costs two lines per vector load, and the GEMM reads some operands in place
// (measured: the 10-row weight gradient ran 20–30% slower on misaligned rows).
// heap.alloc (TLSF, runtime "minimal") aligns to 16, so alloc over-allocates
// and keeps the raw pointer in the 4 bytes before the aligned one. Growth is
// done by TLSF itself; the host re-creates its views whenever memory grows.

// @ts-ignore: decorator
@inline const ALIGN: usize = 64;

/**
 * Memory at or above `highWater` has never been handed out: it is zero (as
 * memory.grow made it) except for TLSF's own words, which sit at block edges
 * (a block's header, a free block's list pointers after it, its back
 * reference before the next block), and, where memory grew, the old end's
 * tail block and back reference, now in the middle of a merged free block
 * (`growSpots`). Only those need clearing in a fresh region: filling it whole
 * would fault in every page (10 of the 10.6 s it took to build ResNet-18 at
 * batch 128, 2.4 GB, and the rest of a dry run's build once TLSF grows by
 * doubling: memory grown by an earlier allocation is still untouched).
 */
let highWater: usize = __heap_base;
// Old memory ends (one per growth: at most 32, wasm32 doubles to 4 GiB in fewer).
const MAX_SPOTS = 64;
const growSpots = new StaticArray<usize>(MAX_SPOTS);
let spotCount = 0;
// TLSF's words around a block edge: the header before it, list pointers after it (and slack for its 16-byte alignment).
// @ts-ignore: decorator
@inline const SLACK: usize = 128;

/**
 * Allocates `bytes` bytes (64-byte aligned, zero-filled). Returns the pointer.
 * Below the high-water mark the block is filled; above it only the edges, and
 * the spots where memory grew, are (see highWater).
 */
export function alloc(bytes: usize): usize {
  const n: usize = bytes == 0 ? <usize>16 : (bytes + 15) & ~<usize>15;
  const before = <usize>memory.size() << 16;
  const raw = heap.alloc(n + ALIGN);
  if (<usize>memory.size() << 16 != before && spotCount < MAX_SPOTS) growSpots[spotCount++] = before;
  const p = (raw + sizeof<usize>() + ALIGN - 1) & ~(ALIGN - 1);
  store<usize>(p - sizeof<usize>(), raw);
  const end = p + n;
  if (end <= highWater) memory.fill(p, 0, n);
  else {
    if (p < highWater) memory.fill(p, 0, highWater - p);
    const edge: usize = n < SLACK ? n : SLACK;
    memory.fill(p, 0, edge);
    memory.fill(end - edge, 0, edge);
    for (let i = 0; i < spotCount; i++) {
      const s = unchecked(growSpots[i]);
      // The spot's words lie within SLACK before and after the old end.
      const lo = s > p + SLACK ? s - SLACK : p;
      const hi = s + SLACK < end ? s + SLACK : end;
      if (lo < hi) memory.fill(lo, 0, hi - lo);
    }
    highWater = end + SLACK;
  }
  return p;
}

/** Frees a pointer returned by `alloc`. */
export function free(ptr: usize): void {
  heap.free(load<usize>(ptr - sizeof<usize>()));
}

/** Current linear memory size in bytes (for leak checks and reports). */
export function memory_bytes(): usize {
  return <usize>memory.size() << 16;
}
