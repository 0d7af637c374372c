// Node-only: replace a file so readers see either the old or the new content,
// never a torn write (e.g. a checkpoint interrupted by Ctrl-C or a crash).
import { open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { tempPathFor, removeStaleTemps, trackTemp, untrackTemp } from "./temp-files.js";

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  removeStaleTemps(path);
  // Same directory, so rename() stays on one filesystem and is atomic.
  const tmp = tempPathFor(path);
  let handle: FileHandle | undefined;
  trackTemp(tmp);
  try {
    handle = await open(tmp, "wx"); // exclusive: never clobber someone else's temp file
    await handle.writeFile(data);
    await handle.sync(); // data on disk before the rename makes it visible
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  } finally {
    untrackTemp(tmp);
  }
  await syncDir(dir);
}

// Persists the rename itself. Best effort: some platforms (Windows) cannot open directories.
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // ignore: the file content is already durable and in place
  } finally {
    await handle?.close().catch(() => {});
  }
}
