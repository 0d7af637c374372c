// A labelled image set resident in wasm memory as u8 pixels (47 MB for the
// full Fashion-MNIST training set), and seeded mini-batches gathered and
// normalised in wasm (assembly/kernels/gather.ts).
import type { Engine } from "../engine/engine";
import type { Rng } from "../engine/rng";
import { Tensor } from "../engine/tensor";

/** Per-pixel normalisation (x/255 − mean)/std; Fashion-MNIST training-set statistics. */
export const FASHION_MNIST_NORM = { mean: 0.2860, std: 0.3530 } as const;

export class WasmDataset {
  readonly n: number;
  readonly rowLen: number;
  readonly classes: number;
  readonly images: number;
  readonly labels: number;
  private readonly e: Engine;

  constructor(e: Engine, images: Uint8Array, labels: Uint8Array, rowLen: number, classes = 10) {
    this.e = e;
    this.n = labels.length;
    this.rowLen = rowLen;
    this.classes = classes;
    if (images.length !== this.n * rowLen) throw new RangeError(`dataset: ${images.length} pixels for ${this.n} × ${rowLen}`);
    this.images = e.alloc(images.length, "u8");
    e.u8(this.images, images.length).set(images);
    this.labels = e.alloc(labels.length, "u8");
    e.u8(this.labels, labels.length).set(labels);
  }

  free(): void {
    this.e.free(this.images);
    this.e.free(this.labels);
  }
}

/** Batches of a dataset: shuffled with a wasm PRNG stream or in order. */
export class Batcher {
  readonly batchSize: number;
  readonly x: Tensor;
  readonly y: Tensor;
  private readonly e: Engine;
  private readonly ds: WasmDataset;
  private readonly order: Tensor;
  private readonly scale: number;
  private readonly shift: number;

  constructor(e: Engine, ds: WasmDataset, batchSize: number, norm: { mean: number; std: number } = FASHION_MNIST_NORM) {
    this.e = e;
    this.ds = ds;
    this.batchSize = batchSize;
    this.x = new Tensor(e, [batchSize, ds.rowLen]);
    this.y = new Tensor(e, [batchSize], "i32");
    this.order = new Tensor(e, [ds.n], "i32");
    this.scale = 1 / (255 * norm.std);
    this.shift = -norm.mean / norm.std;
    this.inOrder();
  }

  get batches(): number {
    return Math.ceil(this.ds.n / this.batchSize);
  }

  /** Visit the samples in a fresh random order. */
  shuffle(rng: Rng): void {
    rng.permutation(this.order.ptr, this.ds.n);
  }

  inOrder(): void {
    const o = this.e.i32(this.order.ptr, this.ds.n);
    for (let i = 0; i < o.length; i++) o[i] = i;
  }

  /** Gathers batch b into x, y; returns its row count (the last batch may be short). */
  load(b: number): number {
    const start = b * this.batchSize;
    const rows = Math.min(this.batchSize, this.ds.n - start);
    const idx = this.order.ptr + start * 4;
    this.e.k.gather_normalize_u8(this.ds.images, idx, rows, this.ds.rowLen, this.scale, this.shift, this.x.ptr);
    this.e.k.gather_labels_u8(this.ds.labels, idx, rows, this.y.ptr);
    return rows;
  }

  free(): void {
    this.x.free();
    this.y.free();
    this.order.free();
  }
}
