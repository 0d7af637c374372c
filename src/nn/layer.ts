// The layer contract: activations are preallocated for up to `maxRows` rows at
// build time, so a training step allocates nothing. Pointers are wasm byte offsets.
import type { Tensor } from "../engine/tensor.js";

export interface Param {
  /** PyTorch state_dict name, e.g. "fc1.weight". */
  name: string;
  value: Tensor;
  grad: Tensor;
  /** "weight": a conv or linear weight (what pruning touches); "norm": a batch-norm scale (never pruned). */
  kind: "weight" | "bias" | "norm";
}

/** A state tensor that is saved but not trained (batch-norm running statistics). */
export interface StateBuffer {
  /** PyTorch state_dict name, e.g. "bn1.running_mean". */
  name: string;
  /** f32, or i32 for counters (num_batches_tracked, saved as I64 like PyTorch). */
  value: Tensor;
}

export interface Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  params(): Param[];
  /** Output pointer (owned by the layer) for `rows` rows of input at x. */
  forward(x: number, rows: number): number;
  /**
   * Given dL/dy at dy, fills parameter grads; returns dL/dx (or 0 when !needDx).
   * Only layers marked inPlaceGrad may overwrite dy (Residual copies dy for
   * a branch that ends in one).
   */
  backward(dy: number, rows: number, needDx: boolean): number;
  free(): void;
  /** Training (batch statistics) or evaluation mode; layers without a mode ignore it. */
  setTraining?(on: boolean): void;
  buffers?(): StateBuffer[];
  /** True when backward writes dL/dx over dy (ReLU, neurons): a residual block then hands each branch its own copy. */
  readonly inPlaceGrad?: boolean;
  /** The layers inside a container (sequential, residual, multistep), for walks such as firing-rate counts. */
  sublayers?(): Layer[];
}
