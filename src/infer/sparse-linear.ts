// A linear layer run with its weight in CSR (assembly/kernels/sparse/): one
// sample through spmv (gathers of the input at the nonzeros' columns), a
// batch through spmm with the samples on the SIMD lanes (FeatureMajorLinear).
import type { Engine } from "../engine/engine.js";
import type { Tensor } from "../engine/tensor.js";
import { Csr } from "./csr.js";
import { FeatureMajorLinear } from "./feature-major-linear.js";

export class SparseLinear extends FeatureMajorLinear {
  readonly csr: Csr;

  /** weight [out × in] (dense, read once), bias [out] or null. */
  constructor(e: Engine, name: string, weight: Tensor, bias: Tensor | null, maxRows: number) {
    const [o, i] = weight.shape as [number, number];
    super(e, name, o, i, bias, maxRows);
    this.csr = new Csr(e, weight.ptr, o, i);
  }

  protected multiply(xt: number, rows: number, y: number): void {
    const c = this.csr;
    this.e.k.spmm(this.outFeatures, rows, c.rowptr, c.colidx, c.values, xt, rows, y, rows, this.bias ? this.bias.ptr : 0);
  }

  protected multiplyOne(x: number, y: number): void {
    const c = this.csr;
    this.e.k.spmv(this.outFeatures, c.rowptr, c.colidx, c.values, x, y, this.bias ? this.bias.ptr : 0);
  }

  protected freeWeights(): void {
    this.csr.free();
  }
}
