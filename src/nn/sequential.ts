// A chain of layers: forward in order, backward in reverse. At top level the
// first layer's input gradient is never computed (the data needs none); inside
// a residual block it is (needDx).
import type { Layer, Param, StateBuffer } from "./layer.js";
import type { Workspace } from "./workspace.js";

export class Sequential implements Layer {
  readonly name: string;
  readonly layers: Layer[];
  /** Scratch shared by the layers (top-level models own it and free it). */
  readonly workspace: Workspace | null;
  private training = true;

  constructor(layers: Layer[], name = "", workspace: Workspace | null = null) {
    this.layers = layers;
    this.name = name;
    this.workspace = workspace;
  }
  get inFeatures(): number {
    return this.layers[0].inFeatures;
  }
  get outFeatures(): number {
    return this.layers[this.layers.length - 1].outFeatures;
  }
  get inPlaceGrad(): boolean {
    return this.layers[this.layers.length - 1].inPlaceGrad ?? false;
  }
  sublayers(): Layer[] {
    return this.layers;
  }
  get isTraining(): boolean {
    return this.training;
  }
  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }
  buffers(): StateBuffer[] {
    return this.layers.flatMap((l) => l.buffers?.() ?? []);
  }
  setTraining(on: boolean): void {
    this.training = on;
    for (const l of this.layers) l.setTraining?.(on);
  }
  forward(x: number, rows: number): number {
    let h = x;
    for (const l of this.layers) h = l.forward(h, rows);
    return h;
  }
  backward(dy: number, rows: number, needDx = false): number {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g, rows, i > 0 || needDx);
    return g;
  }
  free(): void {
    for (const l of this.layers) l.free();
    this.workspace?.free();
  }
}
