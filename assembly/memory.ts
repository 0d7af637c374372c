// Tensor memory: the host allocates and frees raw buffers in linear memory.
// Buffers are aligned to 64 bytes, a cache line: a row that starts mid-line
// costs two lines per vector load, and the GEMM reads some operands in place
// (measured: the 10-row weight gradient ran 20–30% slower on misaligned rows).
// heap.alloc (TLSF, runtime "minimal") aligns to 16, so alloc over-allocates
// and keeps the raw pointer in the 4 bytes before the aligned one. Growth is
// done by TLSF itself; the host re-creates its views whenever memory grows.

// @ts-ignore: decorator
@inline const ALIGN: usize = 64;

/** Allocates `bytes` bytes (64-byte aligned, zero-filled). Returns the pointer. */
export function alloc(bytes: usize): usize {
  const n: usize = bytes == 0 ? <usize>16 : (bytes + 15) & ~<usize>15;
  const raw = heap.alloc(n + ALIGN);
  const p = (raw + sizeof<usize>() + ALIGN - 1) & ~(ALIGN - 1);
  store<usize>(p - sizeof<usize>(), raw);
  memory.fill(p, 0, n);
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
