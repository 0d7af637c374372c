// IDX reader/writer (the MNIST / Fashion-MNIST container format).
// Layout: 0x00 0x00 <type> <ndims>, then ndims big-endian u32 dims, then the
// data in C order. Only type 0x08 (unsigned byte) is supported: that is what
// the image and label files use. Web-standard only: runs in browsers/Workers.
import { ShrinkError } from "../engine/errors.js";
import { gunzip, isGzip, GunzipLimitError } from "./gzip.js";

export interface IdxArray {
  dtype: "u8";
  dims: number[];
  /** A view into the input bytes (no copy). */
  data: Uint8Array;
}

export interface ImageLabelSet {
  count: number;
  /** Colour channels per image: 1 for IDX (grey), 3 for CIFAR (RGB). */
  channels: number;
  height: number;
  width: number;
  /** count × channels × height × width pixels, C order (each image CHW, as CIFAR stores it). */
  images: Uint8Array;
  /** count labels, each < numClasses. */
  labels: Uint8Array;
  numClasses: number;
}

const TYPE_U8 = 0x08;
// Every type code the IDX spec defines, so a float file gets "unsupported type" rather than "bad magic".
const IDX_TYPES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "short",
  0x0c: "int",
  0x0d: "float",
  0x0e: "double",
};
const MAX_NDIMS = 4;
// Keeps element counts well inside typed-array and 32-bit wasm index limits.
const MAX_ELEMENTS = 0x80000000; // 2^31

const hex = (v: number, digits: number): string => "0x" + v.toString(16).padStart(digits, "0");
const showDims = (dims: number[]): string => dims.join("×");

/** Parses an uncompressed IDX file of unsigned bytes; `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new ShrinkError("E_IDX_SHORT", `${name}: file is ${bytes.length} bytes, too short for an IDX header (needs at least 4)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(type in IDX_TYPES) || ndims === 0) {
    throw new ShrinkError(
      "E_IDX_MAGIC",
      `${name}: bad IDX magic ${hex(magic, 8)} (expected 0x00000801 for labels or 0x00000803 for images)`,
    );
  }
  if (type !== TYPE_U8) {
    throw new ShrinkError(
      "E_IDX_TYPE",
      `${name}: IDX element type ${hex(type, 2)} (${IDX_TYPES[type]}) is not supported (only 0x08, unsigned byte)`,
    );
  }
  if (ndims > MAX_NDIMS) {
    throw new ShrinkError("E_IDX_NDIMS", `${name}: IDX file has ${ndims} dimensions (allowed 1..${MAX_NDIMS})`);
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new ShrinkError(
      "E_IDX_HEADER",
      `${name}: truncated IDX header: ${ndims} dimensions need ${headerLen} header bytes but the file has ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) {
      throw new ShrinkError("E_IDX_DIM", `${name}: IDX dimension ${i} is 0 (dimensions must be at least 1)`);
    }
    dims.push(d);
    count *= d; // exact in float64 up to 2^53; we reject long before that
    if (count > MAX_ELEMENTS) {
      throw new ShrinkError(
        "E_IDX_SIZE",
        `${name}: IDX dimensions ${showDims(dims)}${i < ndims - 1 ? "×…" : ""} exceed ${MAX_ELEMENTS} elements (allowed at most 2^31)`,
      );
    }
  }
  const found = bytes.length - headerLen;
  if (found < count) {
    throw new ShrinkError(
      "E_IDX_TRUNCATED",
      `${name}: truncated: dimensions ${showDims(dims)} need ${count} data bytes but only ${found} are present`,
    );
  }
  if (found > count) {
    throw new ShrinkError(
      "E_IDX_TRAILING",
      `${name}: ${found - count} unexpected trailing bytes: dimensions ${showDims(dims)} need ${count} data bytes but ${found} are present`,
    );
  }
  return { dtype: "u8", dims, data: bytes.subarray(headerLen) };
}

/**
 * The total size an IDX file declares in its header (4 + 4·ndims + Π dims),
 * once enough of the header is in; the limit for streaming decompression.
 * A malformed header gets a small limit: parseIdx then names what is wrong.
 */
function idxSizeFromHeader(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  const ndims = head[3]!;
  if (head[0] !== 0 || head[1] !== 0 || ndims === 0 || ndims > MAX_NDIMS) return 64;
  const headerLen = 4 + 4 * ndims;
  if (head.length < headerLen) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    count *= view.getUint32(4 + 4 * i, false);
    if (count > MAX_ELEMENTS) return headerLen; // parseIdx names the oversized dimensions
  }
  return headerLen + count;
}

/** Like parseIdx, but first gunzips when the bytes carry the gzip magic. */
export async function loadIdx(bytes: Uint8Array, name: string): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, name);
  let raw: Uint8Array;
  try {
    raw = await gunzip(bytes, { limit: idxSizeFromHeader });
  } catch (err) {
    if (err instanceof GunzipLimitError) {
      throw new ShrinkError("E_IDX_TRAILING", `${name}: gzip data inflates past the ${err.limit} bytes its IDX header declares (header plus data); refusing the rest`, { cause: err });
    }
    const why = err instanceof Error ? err.message : String(err);
    throw new ShrinkError("E_GZIP", `${name}: gzip data is corrupt or truncated (${why})`, { cause: err });
  }
  return parseIdx(raw, name);
}

/** Loads an images file (N×H×W) and its labels file (N), checking they belong together. */
export async function loadImageLabelPair(
  imagesBytes: Uint8Array,
  labelsBytes: Uint8Array,
  names: { images: string; labels: string },
  numClasses = 10,
): Promise<ImageLabelSet> {
  const [images, labels] = await Promise.all([loadIdx(imagesBytes, names.images), loadIdx(labelsBytes, names.labels)]);
  return checkImageLabelPair(images, labels, names, numClasses);
}

/** The validation half of loadImageLabelPair, for already-parsed arrays. */
export function checkImageLabelPair(
  images: IdxArray,
  labels: IdxArray,
  names: { images: string; labels: string },
  numClasses = 10,
): ImageLabelSet {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new ShrinkError("E_IDX_CLASSES", `numClasses ${numClasses} is invalid (allowed an integer 1..256)`);
  }
  if (images.dims.length !== 3) {
    throw new ShrinkError(
      "E_IDX_SHAPE",
      `${names.images}: images must be 3-D (count×height×width) but the file is ${images.dims.length}-D (${showDims(images.dims)})`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new ShrinkError(
      "E_IDX_SHAPE",
      `${names.labels}: labels must be 1-D (count) but the file is ${labels.dims.length}-D (${showDims(labels.dims)})`,
    );
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new ShrinkError(
      "E_IDX_COUNT",
      `${names.images} has ${count} images but ${names.labels} has ${labels.dims[0]} labels (they must match)`,
    );
  }
  const data = labels.data;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= numClasses) {
      throw new ShrinkError(
        "E_IDX_LABEL",
        `${names.labels}: label ${data[i]} at index ${i} is out of range (allowed 0..${numClasses - 1} for ${numClasses} classes)`,
      );
    }
  }
  return { count, channels: 1, height, width, images: images.data, labels: data, numClasses };
}

/** Writes an unsigned-byte IDX file (uncompressed). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > MAX_NDIMS) {
    throw new ShrinkError("E_IDX_NDIMS", `encodeIdx: ${dims.length} dimensions (allowed 1..${MAX_NDIMS})`);
  }
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1 || d > 0xffffffff) {
      throw new ShrinkError("E_IDX_DIM", `encodeIdx: dimension ${d} in [${dims.join(", ")}] is invalid (allowed integers 1..2^32-1)`);
    }
    count *= d;
  }
  if (count !== data.length) {
    throw new ShrinkError(
      "E_IDX_SIZE",
      `encodeIdx: dimensions ${showDims(dims)} need ${count} bytes but data has ${data.length}`,
    );
  }
  const headerLen = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLen + count);
  const view = new DataView(out.buffer);
  out[2] = TYPE_U8;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, headerLen);
  return out;
}
