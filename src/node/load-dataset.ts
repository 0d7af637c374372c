// Node-only: which dataset to train on and where its files are.
//
//   fashion-mnist  --data-dir > SHRINK_DATA_DIR > /usr/share/datasets/fashion-mnist (Debian) > embedded data/
//   mnist          --data-dir > SHRINK_DATA_DIR > /usr/share/datasets/mnist if it exists (Debian ships no
//                  MNIST package today) > error
//   cifar10/100    --data-dir > SHRINK_DATA_DIR > error saying where to get the binary version
//
// A CIFAR directory may be the one holding the .bin files or its parent holding
// cifar-10-batches-bin/ or cifar-100-binary/. Without --dataset the dataset is
// inferred from the files in the directory: IDX files → fashion-mnist (MNIST
// must be named), data_batch_1.bin / test_batch.bin → cifar10, train.bin /
// test.bin → cifar100. A named dataset whose files are not there but another
// dataset's are is an error naming both.
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ShrinkError } from "../engine/errors.js";
import { loadImageLabelPair, type ImageLabelSet } from "../data/idx.js";
import { CIFAR_FILES, parseCifar, type CifarKind, type NamedBytes } from "../data/cifar.js";
import { DATASETS, DATASET_NAMES, resolveAugment, type AugmentKind, type AugmentSpec, type ChannelNorm, type DatasetName } from "../data/catalog.js";
import { findFashionMnist, readDatasetFiles, IDX_FILE_NAMES, type DataSource } from "./data-dir.js";

export const MNIST_DEBIAN_DIR = "/usr/share/datasets/mnist";
export const CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html";

export interface DatasetOptions {
  /** --dataset; inferred from the directory's files when absent. */
  dataset?: DatasetName;
  /** --data-dir. */
  dataDir?: string;
  /** Environment to read SHRINK_DATA_DIR from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Overrides for tests; default to the real locations. */
  debianDir?: string;
  mnistDebianDir?: string;
  embeddedDir?: string;
}

export interface FoundDataset {
  name: DatasetName;
  /** The directory holding the files themselves (for CIFAR, possibly a child of the one given). */
  dir: string;
  source: DataSource;
}

export interface LoadedDataset extends FoundDataset {
  train: ImageLabelSet;
  test: ImageLabelSet;
  /** Per-channel training-set mean/std. */
  norm: ChannelNorm;
  /** What --augment auto means for this dataset (undefined: none). */
  augment: AugmentSpec | undefined;
}

type Kind = "idx" | CifarKind;
const KIND_TEXT: Record<Kind, string> = {
  idx: "IDX files (fashion-mnist or mnist)",
  cifar10: `CIFAR-10 binary files (${CIFAR_FILES.cifar10.train[0]}, …)`,
  cifar100: "CIFAR-100 binary files (train.bin, test.bin)",
};
const kindOf = (name: DatasetName): Kind => (name === "cifar10" || name === "cifar100" ? name : "idx");

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();

/** Which dataset kinds `dir` holds directly, then in its standard CIFAR subdirectories. */
function detect(dir: string): Map<Kind, string> {
  const found = new Map<Kind, string>();
  const has = (d: string, names: readonly string[]) => names.some((n) => isFile(join(d, n)));
  if (has(dir, IDX_FILE_NAMES.flatMap((b) => [b, `${b}.gz`]))) found.set("idx", dir);
  if (has(dir, ["data_batch_1.bin", "test_batch.bin"])) found.set("cifar10", dir);
  if (has(dir, ["train.bin", "test.bin"])) found.set("cifar100", dir);
  for (const kind of ["cifar10", "cifar100"] as const) {
    const sub = join(dir, CIFAR_FILES[kind].dir);
    if (!found.has(kind) && isDir(sub)) found.set(kind, sub);
  }
  return found;
}

const cifarHint = (name: DatasetName) =>
  `download the "binary version" of ${name === "cifar10" ? "CIFAR-10" : "CIFAR-100"} from ${CIFAR_URL}, unpack it ` +
  `(tar xzf ${name === "cifar10" ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz"}) and pass --data-dir DIR (or set SHRINK_DATA_DIR), ` +
  `DIR being ${CIFAR_FILES[name as CifarKind].dir}/ or the directory holding it`;

/** Resolves the dataset name and its directory without reading the files. */
export function findDataset(opts: DatasetOptions = {}): FoundDataset {
  const named = opts.dataset;
  if (named !== undefined && !(DATASET_NAMES as readonly string[]).includes(named)) {
    throw new ShrinkError("E_ARG", `--dataset: ${String(named)} is not allowed (one of ${DATASET_NAMES.join(", ")})`);
  }
  const fromEnv = (opts.env ?? process.env)["SHRINK_DATA_DIR"];
  // An empty variable counts as unset, as shells make "VAR=" easy to leave behind.
  const given = opts.dataDir ? { dir: opts.dataDir, shown: `--data-dir ${opts.dataDir}`, source: "flag" as const }
    : fromEnv ? { dir: fromEnv, shown: `SHRINK_DATA_DIR=${fromEnv}`, source: "env" as const }
    : undefined;
  if (!given) {
    if (named === undefined || named === "fashion-mnist") {
      return { name: "fashion-mnist", ...findFashionMnist({ env: {}, debianDir: opts.debianDir, embeddedDir: opts.embeddedDir }) };
    }
    if (named === "mnist") {
      const debian = opts.mnistDebianDir ?? MNIST_DEBIAN_DIR;
      if (isDir(debian)) return { name: named, dir: debian, source: "debian" };
      throw new ShrinkError(
        "E_DATA_DIR",
        `--dataset mnist: no MNIST directory (${debian} does not exist; Debian ships no MNIST package): ` +
          `pass --data-dir DIR (or set SHRINK_DATA_DIR) naming a directory holding the four MNIST IDX files (train-images-idx3-ubyte.gz, …)`,
      );
    }
    throw new ShrinkError("E_DATA_DIR", `--dataset ${named}: no data directory given: ${cifarHint(named)}`);
  }
  if (!isDir(given.dir)) {
    const what = named === undefined ? "dataset files" : kindOf(named) === "idx" ? `the four ${named} IDX files` : `the ${named} binary files`;
    throw new ShrinkError("E_DATA_DIR", `${given.shown}: no such directory (it should hold ${what})`);
  }
  const found = detect(given.dir);
  if (named !== undefined) {
    const kind = kindOf(named);
    const at = found.get(kind);
    if (at) return { name: named, dir: at, source: given.source };
    if (found.size > 0) {
      const other = [...found.keys()].map((k) => KIND_TEXT[k]).join(" and ");
      throw new ShrinkError("E_DATA_MISMATCH", `--dataset ${named} contradicts ${given.shown}, which holds ${other}, not ${KIND_TEXT[kind]}`);
    }
    // Nothing recognisable: the reader names every missing file.
    return { name: named, dir: given.dir, source: given.source };
  }
  if (found.size > 1) {
    throw new ShrinkError(
      "E_DATA_MISMATCH",
      `${given.shown} holds ${[...found.keys()].map((k) => KIND_TEXT[k]).join(" and ")}: choose one with --dataset (${DATASET_NAMES.join(", ")})`,
    );
  }
  const [kind, dir] = found.size === 1 ? [...found.entries()][0]! : (["idx", given.dir] as const);
  return { name: kind === "idx" ? "fashion-mnist" : kind, dir, source: given.source };
}

async function readNamed(path: string): Promise<NamedBytes | undefined> {
  try {
    const buf = await readFile(path);
    return { name: path, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new ShrinkError("E_DATA_READ", `${path}: cannot read dataset file (${code ?? String(err)})`, { cause: err });
  }
}

/** Reads and validates a CIFAR directory's training and test files; one error lists every missing file. */
export async function readCifar(kind: CifarKind, dir: string): Promise<{ train: ImageLabelSet; test: ImageLabelSet }> {
  const f = CIFAR_FILES[kind];
  const names = [...f.train, ...f.test];
  const read = await Promise.all(names.map((n) => readNamed(join(dir, n))));
  const missing = names.filter((_, i) => !read[i]);
  if (missing.length > 0) {
    throw new ShrinkError(
      "E_DATA_MISSING",
      `${dir}: missing ${kind === "cifar10" ? "CIFAR-10" : "CIFAR-100"} file(s): ${missing.join(", ")} (${cifarHint(kind)})`,
    );
  }
  const files = read as NamedBytes[];
  return {
    train: parseCifar(kind, files.slice(0, f.train.length)),
    test: parseCifar(kind, files.slice(f.train.length)),
  };
}

/** Finds (see findDataset), reads and validates a dataset. */
export async function loadDataset(opts: DatasetOptions = {}): Promise<LoadedDataset> {
  const found = findDataset(opts);
  const { name, dir } = found;
  let sets: { train: ImageLabelSet; test: ImageLabelSet };
  if (name === "cifar10" || name === "cifar100") sets = await readCifar(name, dir);
  else {
    const f = await readDatasetFiles(dir, name);
    const [train, test] = await Promise.all([
      loadImageLabelPair(f.trainImages.bytes, f.trainLabels.bytes, { images: f.trainImages.path, labels: f.trainLabels.path }),
      loadImageLabelPair(f.testImages.bytes, f.testLabels.bytes, { images: f.testImages.path, labels: f.testLabels.path }),
    ]);
    sets = { train, test };
  }
  const info = DATASETS[name];
  const { train } = sets;
  if (train.height !== sets.test.height || train.width !== sets.test.width || train.channels !== sets.test.channels) {
    throw new ShrinkError(
      "E_DATA_SHAPE",
      `${dir}: training images are ${train.channels}×${train.height}×${train.width} but test images are ${sets.test.channels}×${sets.test.height}×${sets.test.width}`,
    );
  }
  if (train.channels !== info.channels) {
    throw new ShrinkError("E_DATA_SHAPE", `${dir}: ${name} images have ${info.channels} channel(s) but these have ${train.channels}`);
  }
  return { ...found, ...sets, norm: info.norm, augment: resolveAugment("auto", name, train.height, train.width) };
}

/** The CLI's "data:" line: source (dir): counts, then dataset, image shape and the augmentation in force. */
export function dataLine(data: LoadedDataset, augment?: AugmentKind): string {
  const t = data.train;
  let aug = "";
  if (augment !== undefined) {
    const a = resolveAugment(augment, data.name, t.height, t.width);
    aug = `, augment ${a ? [a.pad > 0 ? `crop (pad ${a.pad})` : "", a.flip ? "flip" : ""].filter(Boolean).join(" + ") : "none"}`;
  }
  return `data: ${data.source} (${data.dir}): ${t.count} train, ${data.test.count} test images (${data.name}, ${t.channels}×${t.height}×${t.width}${aug})`;
}
