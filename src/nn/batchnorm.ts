// Batch normalisation over N·H·W per channel, as torch.nn.BatchNorm2d
// (eps 1e-5, momentum 0.1): training normalises with the batch's biased
// variance and moves the running statistics toward the batch's mean and
// unbiased variance; evaluation uses the running statistics. γ = 1, β = 0,
// running mean 0, running variance 1 at construction, as PyTorch.
// Parameters: weight (γ, kind "norm": never pruned) and bias (β); buffers:
// running_mean, running_var, num_batches_tracked.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import { ShrinkError } from "../engine/errors.js";
import type { Layer, Param, StateBuffer } from "./layer.js";
import type { Shape } from "./plan.js";

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export class BatchNorm2d implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  private readonly gradWeight: Tensor;
  private readonly gradBias: Tensor;
  private readonly saveMean: Tensor;
  private readonly saveInvstd: Tensor;
  private readonly e: Engine;
  private readonly c: number;
  private readonly hw: number;
  private readonly out: Tensor;
  private readonly dx: Tensor;
  private input = 0;
  private training = true;
  private paramList: Param[] | null = null;

  private readonly eps: number;
  private readonly momentum: number;

  constructor(e: Engine, name: string, shape: Shape, maxRows: number, o: { eps?: number; momentum?: number } = {}) {
    this.e = e;
    this.eps = o.eps ?? BN_EPS;
    this.momentum = o.momentum ?? BN_MOMENTUM;
    this.name = name;
    this.c = shape[0];
    this.hw = shape[1] * shape[2];
    this.inFeatures = this.outFeatures = this.c * this.hw;
    const t = () => new Tensor(e, [this.c]);
    this.weight = t().set(new Float32Array(this.c).fill(1));
    this.bias = t().set(new Float32Array(this.c));
    this.gradWeight = t();
    this.gradBias = t();
    this.runningMean = t().set(new Float32Array(this.c));
    this.runningVar = t().set(new Float32Array(this.c).fill(1));
    this.numBatchesTracked = new Tensor(e, [], "i32").set([0]);
    this.saveMean = t();
    this.saveInvstd = t();
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.dx = new Tensor(e, [maxRows, this.outFeatures]);
  }

  params(): Param[] {
    this.paramList ??= [
      { name: `${this.name}.weight`, value: this.weight, grad: this.gradWeight, kind: "norm" },
      { name: `${this.name}.bias`, value: this.bias, grad: this.gradBias, kind: "bias" },
    ];
    return this.paramList;
  }

  buffers(): StateBuffer[] {
    return [
      { name: `${this.name}.running_mean`, value: this.runningMean },
      { name: `${this.name}.running_var`, value: this.runningVar },
      { name: `${this.name}.num_batches_tracked`, value: this.numBatchesTracked },
    ];
  }

  setTraining(on: boolean): void {
    this.training = on;
  }

  forward(x: number, rows: number): number {
    const k = this.e.k;
    this.input = x;
    if (this.training) {
      if (rows * this.hw < 2) {
        throw new ShrinkError("E_BATCH", `${this.name}: batch norm in training needs more than one value per channel (got a batch of ${rows} with ${this.hw} pixel(s) per map; use a larger batch)`);
      }
      k.bn_forward_train(x, rows, this.c, this.hw, this.weight.ptr, this.bias.ptr, this.eps, this.momentum,
        this.runningMean.ptr, this.runningVar.ptr, this.saveMean.ptr, this.saveInvstd.ptr, this.out.ptr);
      const n = this.e.i32(this.numBatchesTracked.ptr, 1);
      n[0] = n[0] + 1;
    } else {
      k.bn_forward_eval(x, rows, this.c, this.hw, this.weight.ptr, this.bias.ptr, this.runningMean.ptr, this.runningVar.ptr, this.eps, this.out.ptr);
    }
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    // γ and β always need gradients, so dx is computed alongside (one fused kernel).
    // In evaluation mode the layer is affine in x (running statistics): its own gradient.
    if (this.training) {
      this.e.k.bn_backward(dy, this.input, rows, this.c, this.hw, this.weight.ptr, this.saveMean.ptr, this.saveInvstd.ptr,
        this.gradWeight.ptr, this.gradBias.ptr, this.dx.ptr);
    } else {
      this.e.k.bn_backward_eval(dy, this.input, rows, this.c, this.hw, this.weight.ptr, this.runningMean.ptr, this.runningVar.ptr, this.eps,
        this.gradWeight.ptr, this.gradBias.ptr, this.dx.ptr);
    }
    return needDx ? this.dx.ptr : 0;
  }

  free(): void {
    for (const t of [this.weight, this.bias, this.gradWeight, this.gradBias, this.runningMean, this.runningVar, this.numBatchesTracked, this.saveMean, this.saveInvstd, this.out, this.dx]) t.free();
  }
}
