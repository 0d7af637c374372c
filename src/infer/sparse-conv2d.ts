// A convolution run with its weight [O, C·kh·kw] in CSR (spconv_forward:
// per sample, the im2col matrix [C·kh·kw, OH·OW], or the input plane itself
// for a 1×1, stride-1, unpadded conv, then spmm with the pixels on the SIMD
// lanes and the bias added in the same pass; over threads by sample). Groups
// of 1 only (depthwise convs stay dense). Inference only.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param } from "../nn/layer.js";
import type { ConvPlan } from "../nn/plan.js";
import { Csr } from "./csr.js";

export class SparseConv2d implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly csr: Csr;
  private readonly e: Engine;
  private readonly bias: Tensor | null;
  private readonly out: Tensor;
  /** The conv geometry block spconv_forward reads (conv2d.ts's layout). */
  private readonly geom: Tensor;

  constructor(e: Engine, p: ConvPlan, weight: Tensor, bias: Tensor | null, maxRows: number) {
    if (p.groups !== 1) throw new Error("SparseConv2d: groups must be 1");
    this.e = e;
    this.name = p.name;
    const [c, h, w] = p.in, [o, oh, ow] = p.out, [kh, kw] = p.kernel;
    this.inFeatures = c * h * w;
    this.outFeatures = o * oh * ow;
    this.csr = new Csr(e, weight.ptr, o, c * kh * kw);
    this.bias = bias ? new Tensor(e, [o]).set(bias.toArray()) : null;
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.geom = new Tensor(e, [17], "i32").set([c, h, w, o, kh, kw, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], 1, oh, ow, 1, 0]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    const c = this.csr;
    this.e.k.spconv_forward(this.geom.ptr, x, rows, c.rowptr, c.colidx, c.values, this.bias ? this.bias.ptr : 0, this.out.ptr);
    return this.out.ptr;
  }

  backward(): number {
    throw new Error("SparseConv2d is inference-only");
  }

  free(): void {
    this.csr.free();
    for (const t of [this.bias, this.out, this.geom]) t?.free();
  }
}
