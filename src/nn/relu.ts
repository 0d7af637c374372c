// ReLU with its own output buffer; the backward pass masks dy in place.
import type { Engine } from "../engine/engine";
import { Tensor } from "../engine/tensor";
import type { Layer, Param } from "./layer";

export class ReLU implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  private readonly e: Engine;
  private readonly out: Tensor;

  constructor(e: Engine, name: string, features: number, maxRows: number) {
    this.e = e;
    this.name = name;
    this.inFeatures = this.outFeatures = features;
    this.out = new Tensor(e, [maxRows, features]);
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    this.e.k.relu_forward(x, this.out.ptr, rows * this.outFeatures);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.e.k.relu_backward(dy, this.out.ptr, dy, rows * this.outFeatures);
    return dy;
  }

  free(): void {
    this.out.free();
  }
}
