// A residual block: y = relu(main(x) + shortcut(x)) (ResNet BasicBlock) or
// y = main(x) + shortcut(x) (relu off: an inverted residual, or SEW ResNet's
// ADD connect function), the shortcut the identity or a projection. Backward
// hands the same gradient to both branches and sums their input gradients; a
// branch that ends in a layer working in place on dy (a spiking neuron) runs
// last, and when both would, the shortcut (or identity) gets its own copy.
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
  private readonly g2: Tensor | null;

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
    this.g2 = main.inPlaceGrad && (shortcut === null || shortcut.inPlaceGrad) ? new Tensor(e, [maxRows, this.outFeatures]) : null;
  }

  sublayers(): Layer[] {
    return this.shortcut ? [this.main, this.shortcut] : [this.main];
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
    let gs = this.g.ptr;
    if (this.g2) {
      k.copy_f32(this.g2.ptr, this.g.ptr, rows * this.outFeatures);
      gs = this.g2.ptr;
    }
    // The main branch first when only the shortcut works in place; otherwise the shortcut first (as before).
    let ds = 0, dm = 0;
    if (!this.g2 && this.shortcut?.inPlaceGrad) {
      dm = this.main.backward(this.g.ptr, rows, needDx);
      ds = this.shortcut.backward(gs, rows, needDx);
    } else {
      ds = this.shortcut ? this.shortcut.backward(gs, rows, needDx) : gs;
      dm = this.main.backward(this.g.ptr, rows, needDx);
    }
    if (!needDx) return 0;
    k.add(dm, ds, this.dx.ptr, rows * this.inFeatures);
    return this.dx.ptr;
  }

  free(): void {
    this.main.free();
    this.shortcut?.free();
    for (const t of [this.out, this.g, this.dx]) t.free();
    this.g2?.free();
  }
}
