// Node-only: the temp files of atomic writes. A temp name is short whatever
// the target's length (a 255-byte target name must still fit), names its
// writer's pid, and is removed on every exit path this process controls; a
// process killed outright (kill -9) leaves one behind, which the next write of
// the same target removes once its pid is dead.
import { readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const live = new Set<string>();
let hooked = false;

/** FNV-1a of the target's base name: ties a temp file to its target in 8 hex digits. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** The prefix every temp file of `target` starts with (in the target's directory). */
const prefixOf = (target: string) => `.shrink-${hash(basename(target))}.`;

/** A fresh temp path beside `target`: .shrink-HASH.PID.RAND.tmp (at most 38 bytes). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `${prefixOf(target)}${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temp files of `target` left by processes that no longer run. Returns how many. */
export function removeStaleTemps(target: string): number {
  const prefix = prefixOf(target);
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return 0;
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(".tmp")) continue;
    const pid = Number(n.slice(prefix.length).split(".")[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(join(dirname(target), n));
      removed++;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Registers a temp file to remove if the process exits before it is renamed into place. */
export function trackTemp(path: string): void {
  live.add(path);
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const p of live) {
        try {
          unlinkSync(p);
        } catch {
          // already renamed or removed
        }
      }
    });
  }
}

export function untrackTemp(path: string): void {
  live.delete(path);
}
