// A linear layer whose weight holds an N:M pattern along its inputs (2:4
// from --pattern), run by the N:M kernel (assembly/kernels/sparse/nm_spmm.ts):
// n slots per group of m, no row pointers, one byte per index; the batch
// transposed as for every FeatureMajorLinear.
import type { Engine } from "../engine/engine.js";
import type { Tensor } from "../engine/tensor.js";
import { FeatureMajorLinear } from "./feature-major-linear.js";

/** n nonzeros at most in every m consecutive inputs. */
export interface NmPattern { n: number; m: number }

export class NmLinear extends FeatureMajorLinear {
  readonly pattern: NmPattern;
  private readonly values: number;
  private readonly idx: number;

  /** Packs weight [out × in]; null when it does not hold the pattern (or in is not a multiple of m). */
  static tryCreate(e: Engine, name: string, weight: Tensor, bias: Tensor | null, maxRows: number, pattern: NmPattern): NmLinear | null {
    const [o, i] = weight.shape as [number, number];
    if (i % pattern.m !== 0) return null;
    const slots = (o * i / pattern.m) * pattern.n;
    const values = e.alloc(slots), idx = e.alloc(slots, "u8");
    if (e.k.nm_pack(weight.ptr, o, i, pattern.n, pattern.m, values, idx) !== 0) {
      e.free(values);
      e.free(idx);
      return null;
    }
    return new NmLinear(e, name, o, i, values, idx, bias, maxRows, pattern);
  }

  private constructor(e: Engine, name: string, out: number, inF: number, values: number, idx: number, bias: Tensor | null, maxRows: number, pattern: NmPattern) {
    super(e, name, out, inF, bias, maxRows);
    this.values = values;
    this.idx = idx;
    this.pattern = pattern;
  }

  protected multiply(xt: number, rows: number, y: number): void {
    const { n, m } = this.pattern;
    this.e.k.nm_spmm(this.outFeatures, this.inFeatures, n, m, this.values, this.idx, xt, rows, rows, y, rows, this.bias ? this.bias.ptr : 0);
  }

  protected multiplyOne(x: number, y: number): void {
    const { n, m } = this.pattern;
    this.e.k.nm_spmm(this.outFeatures, this.inFeatures, n, m, this.values, this.idx, x, 1, 1, y, 1, this.bias ? this.bias.ptr : 0);
  }

  protected freeWeights(): void {
    this.e.free(this.values);
    this.e.free(this.idx);
  }
}
