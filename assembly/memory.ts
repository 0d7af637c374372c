// Tensor memory: the host allocates and frees raw buffers in linear memory.
// heap.alloc (TLSF, runtime "minimal") returns 16-byte aligned payloads, so
// every buffer can be read with v128.load. Growth is done by TLSF itself;
// the host re-creates its views whenever memory.buffer changes.

/** Allocates `bytes` bytes (16-byte aligned, zero-filled). Returns the pointer. */
export function alloc(bytes: usize): usize {
  const n: usize = bytes == 0 ? <usize>16 : (bytes + 15) & ~<usize>15;
  const p = heap.alloc(n);
  memory.fill(p, 0, n);
  return p;
}

/** Frees a pointer returned by `alloc`. */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** Current linear memory size in bytes (for leak checks and reports). */
export function memory_bytes(): usize {
  return <usize>memory.size() << 16;
}
