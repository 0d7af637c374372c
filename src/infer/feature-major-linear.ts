// What the sparse linear layers share: the batch goes through transposed to
// [in × rows] so the kernels' SIMD lanes run over the samples, and comes back
// as [rows × out]; between two such layers (ReLUs in between act elementwise)
// the session keeps the transposed order and skips both transposes. One
// sample needs no transpose at all. Inference only.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param } from "../nn/layer.js";

export abstract class FeatureMajorLinear implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The input arrives as [in × rows] (the previous such layer left it so). */
  inputTransposed = false;
  /** Leave the output as [out × rows] for the next such layer. */
  outputTransposed = false;
  protected readonly e: Engine;
  protected readonly bias: Tensor | null;
  private readonly out: Tensor;
  private readonly xt: Tensor;
  private readonly yt: Tensor;

  constructor(e: Engine, name: string, outFeatures: number, inFeatures: number, bias: Tensor | null, maxRows: number) {
    this.e = e;
    this.name = name;
    this.outFeatures = outFeatures;
    this.inFeatures = inFeatures;
    this.bias = bias ? new Tensor(e, [outFeatures]).set(bias.toArray()) : null;
    this.out = new Tensor(e, [maxRows, outFeatures]);
    this.xt = new Tensor(e, [inFeatures, maxRows]);
    this.yt = new Tensor(e, [outFeatures, maxRows]);
  }

  /** y[out × rows] = W·xt[in × rows] + bias. */
  protected abstract multiply(xt: number, rows: number, y: number): void;
  /** y[out] = W·x[in] + bias (one sample). */
  protected abstract multiplyOne(x: number, y: number): void;
  protected abstract freeWeights(): void;

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    if (rows === 1) {
      this.multiplyOne(x, this.out.ptr);
      return this.out.ptr;
    }
    const k = this.e.k;
    let xt = x;
    if (!this.inputTransposed) {
      k.transpose_f32(x, rows, this.inFeatures, this.xt.ptr);
      xt = this.xt.ptr;
    }
    const y = this.outputTransposed ? this.out.ptr : this.yt.ptr;
    this.multiply(xt, rows, y);
    if (!this.outputTransposed) k.transpose_f32(this.yt.ptr, this.outFeatures, rows, this.out.ptr);
    return this.out.ptr;
  }

  backward(): number {
    throw new Error(`${this.name}: sparse layers are inference-only`);
  }

  free(): void {
    this.freeWeights();
    for (const t of [this.bias, this.out, this.xt, this.yt]) t?.free();
  }
}
