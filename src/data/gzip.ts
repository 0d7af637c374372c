// Gzip via the platform's DecompressionStream: present in browsers, Node >= 18,
// Deno, Bun and Workers, so the core bundle needs no zlib port.

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses a gzip stream; rejects (with the platform's error) on corrupt or truncated input. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const input = new ReadableStream<BufferSource>({
    start(controller) {
      // The cast only narrows the type: IDX bytes come from fetch/fs, never a SharedArrayBuffer.
      controller.enqueue(bytes as Uint8Array<ArrayBuffer>);
      controller.close();
    },
  });
  const output = input.pipeThrough(new DecompressionStream("gzip"));
  // Response concatenates the chunks for us; it exists wherever DecompressionStream does.
  return new Uint8Array(await new Response(output).arrayBuffer());
}
