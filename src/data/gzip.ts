// Gzip via the platform's DecompressionStream: present in browsers, Node >= 18,
// Deno, Bun and Workers, so the core bundle needs no zlib port. Decompression
// streams chunk by chunk and stops as soon as the output passes a limit, so
// a small file that inflates to gigabytes (a gzip bomb) costs no more memory
// than the limit.

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Thrown by gunzip when the output would pass its limit. */
export class GunzipLimitError extends Error {
  constructor(readonly limit: number) {
    super(`decompressed data exceeds ${limit} bytes`);
    this.name = "GunzipLimitError";
  }
}

export interface GunzipOptions {
  /**
   * The most bytes the output may have, fixed up front or decided from the
   * first bytes (e.g. a header that declares the size): called with the output
   * so far until it returns a number; undefined = no limit yet.
   */
  limit?: number | ((head: Uint8Array) => number | undefined);
}

/** Decompresses a gzip stream; rejects (with the platform's error) on corrupt or truncated input, or with GunzipLimitError past the limit. */
export async function gunzip(bytes: Uint8Array, o: GunzipOptions = {}): Promise<Uint8Array> {
  const input = new ReadableStream<BufferSource>({
    start(controller) {
      // The cast only narrows the type: IDX bytes come from fetch/fs, never a SharedArrayBuffer.
      controller.enqueue(bytes as Uint8Array<ArrayBuffer>);
      controller.close();
    },
  });
  const reader = input.pipeThrough(new DecompressionStream("gzip")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit = typeof o.limit === "number" ? o.limit : undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (limit === undefined && typeof o.limit === "function") {
        // Only the first few dozen bytes are needed to decide.
        limit = o.limit(concat(chunks, Math.min(total, 64)));
      }
      if (limit !== undefined && total > limit) throw new GunzipLimitError(limit);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    if (off >= n) break;
    const take = Math.min(c.length, n - off);
    out.set(take === c.length ? c : c.subarray(0, take), off);
    off += take;
  }
  return out;
}
