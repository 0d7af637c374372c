// A conv kept both ways for inference: the sparse layer for batches of up to
// `sparseRows` rows, the dense one above. The dense convs (Winograd, GEMM)
// gain far more from a batch than the sparse kernel does, so where sparse
// wins depends on the batch as well as the density (docs/performance.md,
// "Sparse inference": the cnn at 70% sparsity 3.75× at batch 1, 0.60× at 32).
import type { Layer, Param } from "../nn/layer.js";

export class BatchSwitch implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(readonly dense: Layer, readonly sparse: Layer, readonly sparseRows: number) {
    this.name = dense.name;
    this.inFeatures = dense.inFeatures;
    this.outFeatures = dense.outFeatures;
  }

  params(): Param[] {
    return [];
  }

  forward(x: number, rows: number): number {
    return rows <= this.sparseRows ? this.sparse.forward(x, rows) : this.dense.forward(x, rows);
  }

  backward(): number {
    throw new Error("BatchSwitch is inference-only");
  }

  free(): void {
    this.dense.free();
    this.sparse.free();
  }
}
