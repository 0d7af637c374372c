// Node-only: where the Fashion-MNIST files live, and reading them.
// Precedence: --data-dir, then SHRINK_DATA_DIR, then the Debian package
// (dataset-fashion-mnist), then the 10k-train subset embedded in the repo's data/.
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ShrinkError } from "../engine/errors.js";

export type DataSource = "flag" | "env" | "debian" | "embedded";

export interface FindOptions {
  /** The --data-dir flag value. */
  dataDir?: string;
  /** Environment to read SHRINK_DATA_DIR from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Overrides for tests; default to the real locations. */
  debianDir?: string;
  embeddedDir?: string;
}

export const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * The repo's data/ directory. Resolved against this module's URL, which after
 * bundling is dist/*.js (or dist-tests/*.js), so "../data/" is <repo>/data/.
 * Running this file unbundled from src/node/ would resolve to src/data/ instead.
 */
export function embeddedDataDir(): string {
  return fileURLToPath(new URL("../data/", import.meta.url));
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

// `shown` is how the user gave the dir (flag or variable), so the message points at the culprit.
function requireDir(dir: string, shown: string): string {
  if (!isDir(dir)) {
    throw new ShrinkError("E_DATA_DIR", `${shown}: no such directory (it should hold the four Fashion-MNIST IDX files)`);
  }
  return dir;
}

export function findFashionMnist(opts: FindOptions = {}): { dir: string; source: DataSource } {
  if (opts.dataDir) return { dir: requireDir(opts.dataDir, `--data-dir ${opts.dataDir}`), source: "flag" };
  const fromEnv = (opts.env ?? process.env)["SHRINK_DATA_DIR"];
  // An empty variable counts as unset, as shells make "VAR=" easy to leave behind.
  if (fromEnv) return { dir: requireDir(fromEnv, `SHRINK_DATA_DIR=${fromEnv}`), source: "env" };
  const debian = opts.debianDir ?? DEBIAN_DIR;
  if (isDir(debian)) return { dir: debian, source: "debian" };
  return { dir: opts.embeddedDir ?? embeddedDataDir(), source: "embedded" };
}

export interface DatasetFile {
  /** File name as found (used in error messages by the IDX reader). */
  name: string;
  path: string;
  bytes: Uint8Array;
}

export interface DatasetFiles {
  trainImages: DatasetFile;
  trainLabels: DatasetFile;
  testImages: DatasetFile;
  testLabels: DatasetFile;
}

const BASES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The four IDX file names (each also accepted with .gz). */
export const IDX_FILE_NAMES: readonly string[] = Object.values(BASES);

// The .gz name first: that is how the files are distributed; raw copies also work.
const candidates = (base: string): string[] => [`${base}.gz`, base];

async function readOne(dir: string, base: string): Promise<DatasetFile | undefined> {
  for (const name of candidates(base)) {
    const path = join(dir, name);
    try {
      const buf = await readFile(path);
      return { name, path, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      throw new ShrinkError("E_DATA_READ", `${path}: cannot read dataset file (${code ?? String(err)})`, { cause: err });
    }
  }
  return undefined;
}

/** Reads the four IDX files from `dir`; one error lists every file that is missing. `dataset` only words that error. */
export async function readDatasetFiles(dir: string, dataset: "fashion-mnist" | "mnist" = "fashion-mnist"): Promise<DatasetFiles> {
  const keys = Object.keys(BASES) as (keyof typeof BASES)[];
  const found = await Promise.all(keys.map((k) => readOne(dir, BASES[k])));
  const missing = keys.filter((_, i) => !found[i]).map((k) => candidates(BASES[k]).join(" or "));
  if (missing.length > 0) {
    throw new ShrinkError(
      "E_DATA_MISSING",
      dataset === "mnist"
        ? `${dir}: missing MNIST file(s): tried ${missing.join("; ")} (point --data-dir / SHRINK_DATA_DIR at a directory holding the four MNIST IDX files)`
        : `${dir}: missing Fashion-MNIST file(s): tried ${missing.join("; ")} ` +
          `(install the full set with "apt-get install dataset-fashion-mnist", or point --data-dir / SHRINK_DATA_DIR at a directory holding them)`,
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = found as DatasetFile[];
  return { trainImages: trainImages!, trainLabels: trainLabels!, testImages: testImages!, testLabels: testLabels! };
}
