// A chain of layers: forward in order, backward in reverse. The first layer's
// input gradient is never computed (the data needs none).
import type { Layer, Param } from "./layer";

export class Sequential {
  readonly layers: Layer[];
  constructor(layers: Layer[]) {
    this.layers = layers;
  }
  get inFeatures(): number {
    return this.layers[0].inFeatures;
  }
  get outFeatures(): number {
    return this.layers[this.layers.length - 1].outFeatures;
  }
  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }
  forward(x: number, rows: number): number {
    let h = x;
    for (const l of this.layers) h = l.forward(h, rows);
    return h;
  }
  backward(dy: number, rows: number): void {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g, rows, i > 0);
  }
  free(): void {
    for (const l of this.layers) l.free();
  }
}
