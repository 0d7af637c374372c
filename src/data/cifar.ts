// CIFAR-10 / CIFAR-100 "binary version" reader (https://www.cs.toronto.edu/~kriz/cifar.html).
// A file is a sequence of fixed-size records, no header:
//   CIFAR-10:  1 label byte (0..9)                          + 3072 pixel bytes
//   CIFAR-100: 1 coarse label byte (0..19), 1 fine (0..99)  + 3072 pixel bytes
// The pixels are 1024 red, 1024 green, 1024 blue bytes, each a row-major 32×32
// plane: CHW, which is the ImageLabelSet layout. The standard files are
//   cifar-10-batches-bin/  data_batch_1.bin … data_batch_5.bin (10000 records each), test_batch.bin (10000)
//   cifar-100-binary/      train.bin (50000), test.bin (10000)
// but any whole number of records ≥ 1 is accepted. CIFAR-100 sets use the fine
// label (100 classes). Web-standard only: runs in browsers/Workers.
import { ShrinkError } from "../engine/errors.js";
import type { ImageLabelSet } from "./idx.js";

export type CifarKind = "cifar10" | "cifar100";

export const CIFAR_CHANNELS = 3;
export const CIFAR_HEIGHT = 32;
export const CIFAR_WIDTH = 32;
export const CIFAR_PIXELS = CIFAR_CHANNELS * CIFAR_HEIGHT * CIFAR_WIDTH; // 3072

/** Label bytes before the pixels of each record. */
const LABEL_BYTES: Record<CifarKind, number> = { cifar10: 1, cifar100: 2 };
/** Bytes per record: 3073 (CIFAR-10), 3074 (CIFAR-100). */
export const cifarRecordSize = (kind: CifarKind): number => LABEL_BYTES[kind] + CIFAR_PIXELS;
/** Classes of the label used: 10, or CIFAR-100's 100 fine classes. */
export const cifarClasses = (kind: CifarKind): number => (kind === "cifar10" ? 10 : 100);

/** The file names of the binary distributions and the directories they unpack to. */
export const CIFAR_FILES = {
  cifar10: {
    dir: "cifar-10-batches-bin",
    train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
    test: ["test_batch.bin"],
  },
  cifar100: { dir: "cifar-100-binary", train: ["train.bin"], test: ["test.bin"] },
} as const satisfies Record<CifarKind, { dir: string; train: readonly string[]; test: readonly string[] }>;

export interface NamedBytes {
  /** Used in error messages (a path, usually). */
  name: string;
  bytes: Uint8Array;
}

function recordCount(kind: CifarKind, f: NamedBytes): number {
  const rec = cifarRecordSize(kind);
  const size = f.bytes.length;
  if (size === 0) {
    throw new ShrinkError("E_CIFAR_EMPTY", `${f.name}: file is empty (a ${kind} file holds records of ${rec} bytes)`);
  }
  if (size % rec !== 0) {
    throw new ShrinkError(
      "E_CIFAR_SIZE",
      `${f.name}: file size ${size} is not a whole number of ${rec}-byte ${kind} records ` +
        `(${Math.floor(size / rec)} records and ${size % rec} bytes left over; truncated, or not a ${kind} binary file)`,
    );
  }
  return size / rec;
}

/**
 * Parses one or more CIFAR binary files of the same kind into one set, in file
 * order (the 5 CIFAR-10 training batches make one 50000-image set). Pixels are
 * copied out of the records into one contiguous CHW array.
 */
export function parseCifar(kind: CifarKind, files: NamedBytes[]): ImageLabelSet {
  if (kind !== "cifar10" && kind !== "cifar100") {
    throw new ShrinkError("E_CIFAR_KIND", `CIFAR kind ${String(kind)} is not known (allowed cifar10, cifar100)`);
  }
  if (files.length === 0) throw new ShrinkError("E_CIFAR_EMPTY", `${kind}: no files given`);
  const counts = files.map((f) => recordCount(kind, f));
  const count = counts.reduce((a, b) => a + b, 0);
  const rec = cifarRecordSize(kind);
  const lb = LABEL_BYTES[kind];
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  files.forEach((f, k) => {
    const b = f.bytes;
    for (let r = 0; r < counts[k]!; r++, n++) {
      const o = r * rec;
      if (kind === "cifar10") {
        const y = b[o]!;
        if (y >= 10) throw labelError(f.name, r, "label", y, 10);
        labels[n] = y;
      } else {
        const coarse = b[o]!;
        const fine = b[o + 1]!;
        if (coarse >= 20) throw labelError(f.name, r, "coarse label", coarse, 20);
        if (fine >= 100) throw labelError(f.name, r, "fine label", fine, 100);
        labels[n] = fine;
      }
      images.set(b.subarray(o + lb, o + rec), n * CIFAR_PIXELS);
    }
  });
  return {
    count, channels: CIFAR_CHANNELS, height: CIFAR_HEIGHT, width: CIFAR_WIDTH,
    images, labels, numClasses: cifarClasses(kind),
  };
}

const labelError = (name: string, record: number, what: string, v: number, classes: number) =>
  new ShrinkError("E_CIFAR_LABEL", `${name}: ${what} ${v} in record ${record} is out of range (allowed 0..${classes - 1})`);

/** One CIFAR-10 binary file (data_batch_N.bin or test_batch.bin). */
export const parseCifar10 = (bytes: Uint8Array, name: string): ImageLabelSet => parseCifar("cifar10", [{ name, bytes }]);
/** One CIFAR-100 binary file (train.bin or test.bin), fine labels. */
export const parseCifar100 = (bytes: Uint8Array, name: string): ImageLabelSet => parseCifar("cifar100", [{ name, bytes }]);

/** Writes a CIFAR binary file from CHW pixels and labels (fine labels; CIFAR-100 coarse labels default to 0). */
export function encodeCifar(kind: CifarKind, images: Uint8Array, labels: Uint8Array, coarse?: Uint8Array): Uint8Array {
  const n = labels.length;
  if (images.length !== n * CIFAR_PIXELS) {
    throw new ShrinkError("E_CIFAR_SIZE", `encodeCifar: ${images.length} pixel bytes for ${n} labels (need ${n * CIFAR_PIXELS}, ${CIFAR_PIXELS} per image)`);
  }
  const rec = cifarRecordSize(kind);
  const lb = LABEL_BYTES[kind];
  const out = new Uint8Array(n * rec);
  for (let i = 0; i < n; i++) {
    const o = i * rec;
    if (kind === "cifar10") out[o] = labels[i]!;
    else {
      out[o] = coarse ? coarse[i]! : 0;
      out[o + 1] = labels[i]!;
    }
    out.set(images.subarray(i * CIFAR_PIXELS, (i + 1) * CIFAR_PIXELS), o + lb);
  }
  return out;
}
