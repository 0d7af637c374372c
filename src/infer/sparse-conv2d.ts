// A convolution run with its weight [O, C·kh·kw] in CSR: per sample, the
// im2col matrix [C·kh·kw, OH·OW] (the input plane itself for a 1×1, stride-1,
// unpadded conv), then spmm with the pixels on the SIMD lanes, the bias added
// in the same pass. Groups of 1 only (depthwise convs stay dense). Inference only.
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
  private readonly p: ConvPlan;
  private readonly bias: Tensor | null;
  private readonly out: Tensor;
  private readonly col: Tensor | null;
  private readonly direct: boolean;

  constructor(e: Engine, p: ConvPlan, weight: Tensor, bias: Tensor | null, maxRows: number) {
    if (p.groups !== 1) throw new Error("SparseConv2d: groups must be 1");
    this.e = e;
    this.p = p;
    this.name = p.name;
    const [c, h, w] = p.in, [o, oh, ow] = p.out, [kh, kw] = p.kernel;
    this.inFeatures = c * h * w;
    this.outFeatures = o * oh * ow;
    this.csr = new Csr(e, weight.ptr, o, c * kh * kw);
    this.bias = bias ? new Tensor(e, [o]).set(bias.toArray()) : null;
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.direct = kh === 1 && kw === 1 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 0 && p.padding[1] === 0;
    this.col = this.direct ? null : new Tensor(e, [c * kh * kw, oh * ow]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    const k = this.e.k, p = this.p, c = this.csr;
    const [ch, h, w] = p.in, [o, oh, ow] = p.out;
    const ohw = oh * ow;
    for (let s = 0; s < rows; s++) {
      const xs = x + 4 * s * this.inFeatures;
      let b = xs;
      if (this.col) {
        k.im2col(xs, ch, h, w, 0, ch, p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], oh, ow, 1, this.col.ptr);
        b = this.col.ptr;
      }
      k.spmm(o, ohw, c.rowptr, c.colidx, c.values, b, ohw, this.out.ptr + 4 * s * this.outFeatures, ohw, this.bias ? this.bias.ptr : 0);
    }
    return this.out.ptr;
  }

  backward(): number {
    throw new Error("SparseConv2d is inference-only");
  }

  free(): void {
    this.csr.free();
    for (const t of [this.bias, this.out, this.col]) t?.free();
  }
}
