// Node-only: every output path of a run (--out, --log, --checkpoint) is checked before any
// work starts, so a typo never costs a finished training run: one line naming
// the flag, the path and what is wrong.
import { statSync, realpathSync, openSync, closeSync, unlinkSync, existsSync } from "node:fs";
import { basename, dirname, resolve, relative, isAbsolute } from "node:path";
import { ShrinkError } from "../engine/errors.js";
import { tempPathFor } from "./temp-files.js";

/** Bytes a file name may have on the file systems we target (ext4, APFS, NTFS). */
const NAME_MAX = 255;

const argErr = (flag: string, path: string, why: string) => new ShrinkError("E_OUTPUT", `--${flag}: ${JSON.stringify(path)} ${why}`);

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** One output path: a non-empty file name in an existing, writable directory, not a directory itself. */
export function checkOutputPath(flag: string, path: string): void {
  if (path.trim() === "") throw argErr(flag, path, "is empty: give a file name");
  const name = basename(path);
  if (new TextEncoder().encode(name).length > NAME_MAX) throw argErr(flag, path, `has a ${new TextEncoder().encode(name).length}-byte file name (at most ${NAME_MAX})`);
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw argErr(flag, path, "is a directory: give a file name");
  const dir = dirname(path);
  let dst;
  try {
    dst = statSync(dir);
  } catch {
    throw argErr(flag, path, `is in a directory that does not exist (${dir})`);
  }
  if (!dst.isDirectory()) throw argErr(flag, path, `is under ${dir}, which is not a directory`);
  // The only reliable writability test is a write: create and remove a temp file as the real write will.
  const probe = tempPathFor(path);
  try {
    closeSync(openSync(probe, "wx"));
    unlinkSync(probe);
  } catch (err) {
    throw argErr(flag, path, `cannot be written in ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** --out, --log and --checkpoint: each valid, and no two the same file. */
export function checkOutputs(o: { out?: string; log?: string; checkpoint?: string }): void {
  const given = (["out", "log", "checkpoint"] as const).filter((k) => o[k] !== undefined);
  for (const k of given) checkOutputPath(k, o[k]!);
  for (let i = 0; i < given.length; i++) {
    for (let j = i + 1; j < given.length; j++) {
      const [a, b] = [given[i], given[j]];
      if (real(o[a]!) === real(o[b]!)) throw new ShrinkError("E_OUTPUT", `--${a} and --${b}: both name ${JSON.stringify(o[a])}; one would replace the other (give two files)`);
    }
  }
}

/** An output must not replace an input: refuses an existing file inside the data directory. */
export function checkNotInput(flag: string, path: string | undefined, dataDir: string): void {
  if (path === undefined || !existsSync(path)) return;
  const rel = relative(real(dataDir), real(path));
  if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) {
    throw argErr(flag, path, `would replace a file of the data directory ${dataDir}; choose another path`);
  }
}
