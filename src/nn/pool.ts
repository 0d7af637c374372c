// Max and average pooling (NCHW; floor mode; max pooling pads with −∞,
// average pooling counts padding, as PyTorch's defaults), and global average
// pooling, which also flattens [N, C, H, W] to [N, C].
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param } from "./layer.js";
import type { PoolPlan, Shape } from "./plan.js";

export class Pool2d implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  private readonly e: Engine;
  private readonly p: PoolPlan;
  private readonly out: Tensor;
  private readonly argmax: Tensor | null;
  private readonly dx: Tensor;

  constructor(e: Engine, p: PoolPlan, maxRows: number) {
    this.e = e;
    this.p = p;
    this.name = p.name;
    this.inFeatures = p.in[0] * p.in[1] * p.in[2];
    this.outFeatures = p.out[0] * p.out[1] * p.out[2];
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.argmax = p.op === "maxpool" ? new Tensor(e, [maxRows, this.outFeatures], "i32") : null;
    this.dx = new Tensor(e, [maxRows, this.inFeatures]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    const { in: [c, h, w], out: [, oh, ow], kernel: [kh, kw], stride: [sh, sw], padding: [ph, pw] } = this.p;
    if (this.argmax) this.e.k.maxpool_forward(x, rows * c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, this.out.ptr, this.argmax.ptr);
    else this.e.k.avgpool_forward(x, rows * c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, this.out.ptr);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    const { in: [c, h, w], out: [, oh, ow], kernel: [kh, kw], stride: [sh, sw], padding: [ph, pw] } = this.p;
    if (this.argmax) this.e.k.maxpool_backward(dy, this.argmax.ptr, rows * c, h * w, oh * ow, this.dx.ptr);
    else this.e.k.avgpool_backward(dy, rows * c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, this.dx.ptr);
    return this.dx.ptr;
  }

  free(): void {
    for (const t of [this.out, this.argmax, this.dx]) t?.free();
  }
}

export class GlobalAvgPool implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  private readonly e: Engine;
  private readonly c: number;
  private readonly hw: number;
  private readonly out: Tensor;
  private readonly dx: Tensor;

  constructor(e: Engine, name: string, input: Shape, maxRows: number) {
    this.e = e;
    this.name = name;
    this.c = input[0];
    this.hw = input[1] * input[2];
    this.inFeatures = this.c * this.hw;
    this.outFeatures = this.c;
    this.out = new Tensor(e, [maxRows, this.c]);
    this.dx = new Tensor(e, [maxRows, this.inFeatures]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    this.e.k.gap_forward(x, rows * this.c, this.hw, this.out.ptr);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.e.k.gap_backward(dy, rows * this.c, this.hw, this.dx.ptr);
    return this.dx.ptr;
  }

  free(): void {
    this.out.free();
    this.dx.free();
  }
}
