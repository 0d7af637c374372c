// ReLU and ReLU6 with their own output buffer; the backward pass masks dy in
// place (ReLU6: the gradient passes where 0 < y < 6, as PyTorch's hardtanh).
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param } from "./layer.js";

export class ReLU implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly inPlaceGrad = true;
  private readonly e: Engine;
  private readonly out: Tensor;
  private readonly six: boolean;

  constructor(e: Engine, name: string, features: number, maxRows: number, six = false) {
    this.e = e;
    this.six = six;
    this.name = name;
    this.inFeatures = this.outFeatures = features;
    this.out = new Tensor(e, [maxRows, features]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    if (this.six) this.e.k.relu6_forward(x, this.out.ptr, rows * this.outFeatures);
    else this.e.k.relu_forward(x, this.out.ptr, rows * this.outFeatures);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    if (this.six) this.e.k.relu6_backward(dy, this.out.ptr, dy, rows * this.outFeatures);
    else this.e.k.relu_backward(dy, this.out.ptr, dy, rows * this.outFeatures);
    return dy;
  }

  free(): void {
    this.out.free();
  }
}
