// A labelled image set resident in wasm memory as u8 pixels (47 MB for the
// full Fashion-MNIST training set, 154 MB for CIFAR-10), and seeded
// mini-batches gathered and normalised in wasm (assembly/kernels/gather.ts
// for one channel, assembly/kernels/augment.ts for channels and augmentation).
import type { Engine } from "../engine/engine.js";
import type { Rng } from "../engine/rng.js";
import { Tensor } from "../engine/tensor.js";
import { ShrinkError } from "../engine/errors.js";
import type { ChannelNorm } from "./catalog.js";
import type { RunState, Stateful } from "../engine/state.js";

/** Per-pixel normalisation (x/255 − mean)/std; Fashion-MNIST training-set statistics. */
export const FASHION_MNIST_NORM = { mean: 0.2860, std: 0.3530 } as const;

/** Image shape of a dataset row: channels × height × width, CHW. */
export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

export class WasmDataset {
  readonly n: number;
  /** channels · height · width. */
  readonly rowLen: number;
  readonly classes: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly images: number;
  readonly labels: number;
  private readonly e: Engine;

  /** `shape` defaults to one channel of 1 × rowLen (a flat row: no crop geometry). */
  constructor(e: Engine, images: Uint8Array, labels: Uint8Array, rowLen: number, classes = 10, shape?: ImageShape) {
    this.e = e;
    this.n = labels.length;
    this.rowLen = rowLen;
    this.classes = classes;
    const sh = shape ?? { channels: 1, height: 1, width: rowLen };
    if (sh.channels * sh.height * sh.width !== rowLen) {
      throw new RangeError(`dataset: shape ${sh.channels}×${sh.height}×${sh.width} does not match row length ${rowLen}`);
    }
    this.channels = sh.channels;
    this.height = sh.height;
    this.width = sh.width;
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

/** Training augmentation: random crop with `pad` zero pixels each side (0: none), horizontal flip (p = 0.5), drawn from `rng`. */
export interface BatcherAugment {
  pad: number;
  flip: boolean;
  rng: Rng;
}

export interface BatcherOptions {
  /** Per-channel mean/std (arrays of length channels) or one scalar pair for every channel. Default FASHION_MNIST_NORM. */
  norm?: ChannelNorm | { mean: number; std: number };
  /** Augment every load(b) (training batches only). */
  augment?: BatcherAugment;
}

/** Batches of a dataset: shuffled with a wasm PRNG stream or in order; x is [batch, channels·h·w] f32, NCHW. */
export class Batcher implements Stateful {
  readonly batchSize: number;
  readonly x: Tensor;
  readonly y: Tensor;
  private readonly e: Engine;
  private readonly ds: WasmDataset;
  private readonly order: Tensor;
  private readonly scale: number;
  private readonly shift: number;
  /** f32[channels] scale and shift in wasm (0 on the one-channel path without augmentation). */
  private readonly scales: number;
  private readonly shifts: number;
  private readonly augment?: { pad: number; flip: boolean; rng: Rng; params: number; start: Uint8Array };

  constructor(e: Engine, ds: WasmDataset, batchSize: number, o: BatcherOptions = {}) {
    const norm = o.norm ?? FASHION_MNIST_NORM;
    const c = ds.channels;
    const mean = typeof norm.mean === "number" ? new Array<number>(c).fill(norm.mean) : norm.mean;
    const std = typeof norm.std === "number" ? new Array<number>(c).fill(norm.std) : norm.std;
    if (mean.length !== c || std.length !== c) {
      throw new ShrinkError("E_ARG", `normalisation: ${mean.length} means and ${std.length} stds for ${c}-channel images (need one per channel)`);
    }
    for (let k = 0; k < c; k++) {
      if (!Number.isFinite(mean[k]) || !(std[k]! > 0) || !Number.isFinite(std[k])) {
        throw new ShrinkError("E_ARG", `normalisation: channel ${k} mean ${mean[k]} std ${std[k]} (need a finite mean and a finite std > 0)`);
      }
    }
    const a = o.augment;
    if (a) {
      const maxPad = Math.min(ds.height, ds.width);
      if (!Number.isInteger(a.pad) || a.pad < 0 || a.pad > maxPad) {
        throw new ShrinkError("E_ARG", `augment: crop padding ${a.pad} is not allowed (an integer from 0 to ${maxPad} for ${ds.height}×${ds.width} images)`);
      }
    }
    this.e = e;
    this.ds = ds;
    this.batchSize = batchSize;
    this.x = new Tensor(e, [batchSize, ds.rowLen]);
    this.y = new Tensor(e, [batchSize], "i32");
    this.order = new Tensor(e, [ds.n], "i32");
    // The one-channel path keeps the scalar kernel and its exact constants (bit-identical batches).
    this.scale = 1 / (255 * std[0]!);
    this.shift = -mean[0]! / std[0]!;
    if (c === 1 && !a) {
      this.scales = 0;
      this.shifts = 0;
    } else {
      this.scales = e.alloc(c, "f32");
      this.shifts = e.alloc(c, "f32");
      e.f32(this.scales, c).set(std.map((s) => 1 / (255 * s)));
      e.f32(this.shifts, c).set(mean.map((m, k) => -m / std[k]!));
    }
    if (a && (a.pad > 0 || a.flip)) {
      this.augment = { pad: a.pad, flip: a.flip, rng: a.rng, params: e.alloc(3 * batchSize, "i32"), start: a.rng.saveState() };
    }
    this.inOrder();
  }

  get batches(): number {
    return Math.ceil(this.ds.n / this.batchSize);
  }

  /** Whether load(b) augments. */
  get augments(): boolean {
    return this.augment !== undefined;
  }

  /** Visit the samples in a fresh random order. */
  shuffle(rng: Rng): void {
    rng.permutation(this.order.ptr, this.ds.n);
  }

  inOrder(): void {
    const o = this.e.i32(this.order.ptr, this.ds.n);
    for (let i = 0; i < o.length; i++) o[i] = i;
  }

  /** Rewinds the augmentation stream to where it was when this batcher was built (a new training run). */
  restartAugment(): void {
    if (this.augment) this.augment.rng.loadState(this.augment.start);
  }

  /**
   * Gathers batch b into x, y; returns its row count (the last batch may be short).
   * With augmentation, first draws (dy, dx, flip) for each of its rows in row
   * order from the augmentation stream (see assembly/kernels/augment.ts).
   */
  load(b: number): number {
    const start = b * this.batchSize;
    const rows = Math.min(this.batchSize, this.ds.n - start);
    const idx = this.order.ptr + start * 4;
    const d = this.ds;
    const a = this.augment;
    if (a) {
      a.rng.augmentParams(a.params, rows, a.pad, a.flip);
      this.e.k.gather_augment_u8_chw(d.images, idx, a.params, rows, d.channels, d.height, d.width, a.pad, this.scales, this.shifts, this.x.ptr);
    } else if (this.scales === 0) {
      this.e.k.gather_normalize_u8(d.images, idx, rows, d.rowLen, this.scale, this.shift, this.x.ptr);
    } else {
      this.e.k.gather_normalize_u8_chw(d.images, idx, rows, d.channels, d.height, d.width, this.scales, this.shifts, this.x.ptr);
    }
    this.e.k.gather_labels_u8(d.labels, idx, rows, this.y.ptr);
    return rows;
  }

  /** The visiting order of the current epoch and the augmentation stream. */
  saveTo(s: RunState, key: string): void {
    s.saveTensor(`${key}.order`, this.order);
    if (this.augment) s.saveBytes(`${key}.augment`, this.augment.rng.saveState());
  }

  loadFrom(s: RunState, key: string): void {
    s.loadTensor(`${key}.order`, this.order);
    if (this.augment) this.augment.rng.loadState(s.loadBytes(`${key}.augment`, 16));
  }

  free(): void {
    this.x.free();
    this.y.free();
    this.order.free();
    if (this.scales) this.e.free(this.scales);
    if (this.shifts) this.e.free(this.shifts);
    if (this.augment) this.e.free(this.augment.params);
  }
}
