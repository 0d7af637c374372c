// The layer contract: activations are preallocated for up to `maxRows` rows at
// build time, so a training step allocates nothing. Pointers are wasm byte offsets.
import type { Tensor } from "../engine/tensor";

export interface Param {
  /** PyTorch state_dict name, e.g. "fc1.weight". */
  name: string;
  value: Tensor;
  grad: Tensor;
  kind: "weight" | "bias";
}

export interface Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  params(): Param[];
  /** Output pointer (owned by the layer) for `rows` rows of input at x. */
  forward(x: number, rows: number): number;
  /** Given dL/dy at dy, fills parameter grads; returns dL/dx (or 0 when !needDx). */
  backward(dy: number, rows: number, needDx: boolean): number;
  free(): void;
}
