// A linear layer run with its weight in CSR (assembly/kernels/sparse/): one
// sample through spmv (gathers of the input at the nonzeros' columns); a
// batch transposed to [in × rows] so spmm's SIMD lanes run over the samples,
// then transposed back. Between two sparse linear layers (ReLUs in between
// do not care) the session keeps the transposed order: inputTransposed /
// outputTransposed skip the two transposes. Inference only.
import type { Engine } from "../engine/engine";
import { Tensor } from "../engine/tensor";
import type { Layer, Param } from "../nn/layer";
import { Csr } from "./csr";

export class SparseLinear implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly csr: Csr;
  private readonly e: Engine;
  private readonly bias: Tensor | null;
  private readonly out: Tensor;
  private readonly xt: Tensor;
  private readonly yt: Tensor;
  /** The input arrives as [in × rows] (the previous sparse linear left it so). */
  inputTransposed = false;
  /** Leave the output as [out × rows] for the next sparse linear. */
  outputTransposed = false;

  /** weight [out × in] (dense, read once), bias [out] or null. */
  constructor(e: Engine, name: string, weight: Tensor, bias: Tensor | null, maxRows: number) {
    this.e = e;
    this.name = name;
    [this.outFeatures, this.inFeatures] = weight.shape as [number, number];
    this.csr = new Csr(e, weight.ptr, this.outFeatures, this.inFeatures);
    this.bias = bias ? new Tensor(e, [this.outFeatures]).set(bias.toArray()) : null;
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.xt = new Tensor(e, [this.inFeatures, maxRows]);
    this.yt = new Tensor(e, [this.outFeatures, maxRows]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    const k = this.e.k, c = this.csr, b = this.bias ? this.bias.ptr : 0;
    if (rows === 1) {
      k.spmv(this.outFeatures, c.rowptr, c.colidx, c.values, x, this.out.ptr, b);
      return this.out.ptr;
    }
    let xt = x;
    if (!this.inputTransposed) {
      k.transpose_f32(x, rows, this.inFeatures, this.xt.ptr);
      xt = this.xt.ptr;
    }
    const y = this.outputTransposed ? this.out.ptr : this.yt.ptr;
    k.spmm(this.outFeatures, rows, c.rowptr, c.colidx, c.values, xt, rows, y, rows, b);
    if (!this.outputTransposed) k.transpose_f32(this.yt.ptr, this.outFeatures, rows, this.out.ptr);
    return this.out.ptr;
  }

  backward(): number {
    throw new Error("SparseLinear is inference-only");
  }

  free(): void {
    this.csr.free();
    for (const t of [this.bias, this.out, this.xt, this.yt]) t?.free();
  }
}
