// A residual block: y = relu(main(x) + shortcut(x)) (ResNet BasicBlock) or
// y = main(x) + shortcut(x) (relu off), the shortcut the identity or a
// projection. Backward hands the same gradient to
// both branches (neither overwrites it: only ReLU works in place and no branch
// ends in one) and sums their input gradients.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param, StateBuffer } from "./layer.js";
import type { Sequential } from "./sequential.js";

export class Residual implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly main: Sequential;
  readonly shortcut: Sequential | null;
  private readonly e: Engine;
  private readonly out: Tensor;
  private readonly g: Tensor;
  private readonly dx: Tensor;
  private readonly relu: boolean;

  constructor(e: Engine, name: string, main: Sequential, shortcut: Sequential | null, maxRows: number, relu = true) {
    this.e = e;
    this.relu = relu;
    this.name = name;
    this.main = main;
    this.shortcut = shortcut;
    this.inFeatures = main.inFeatures;
    this.outFeatures = main.outFeatures;
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.g = new Tensor(e, [maxRows, this.outFeatures]);
    this.dx = new Tensor(e, [maxRows, this.inFeatures]);
  }

  params(): Param[] {
    return [...this.main.params(), ...(this.shortcut?.params() ?? [])];
  }

  buffers(): StateBuffer[] {
    return [...this.main.buffers(), ...(this.shortcut?.buffers() ?? [])];
  }

  setTraining(on: boolean): void {
    this.main.setTraining(on);
    this.shortcut?.setTraining(on);
  }

  forward(x: number, rows: number): number {
    const k = this.e.k;
    const m = this.main.forward(x, rows);
    const s = this.shortcut ? this.shortcut.forward(x, rows) : x;
    const n = rows * this.outFeatures;
    k.add(m, s, this.out.ptr, n);
    if (this.relu) k.relu_forward(this.out.ptr, this.out.ptr, n);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    const k = this.e.k;
    // g is the block's own copy: a branch ending in a layer that works in place cannot reach the caller's dy.
    if (this.relu) k.relu_backward(dy, this.out.ptr, this.g.ptr, rows * this.outFeatures);
    else k.copy_f32(this.g.ptr, dy, rows * this.outFeatures);
    const ds = this.shortcut ? this.shortcut.backward(this.g.ptr, rows, needDx) : this.g.ptr;
    const dm = this.main.backward(this.g.ptr, rows, needDx);
    if (!needDx) return 0;
    k.add(dm, ds, this.dx.ptr, rows * this.inFeatures);
    return this.dx.ptr;
  }

  free(): void {
    this.main.free();
    this.shortcut?.free();
    for (const t of [this.out, this.g, this.dx]) t.free();
  }
}
