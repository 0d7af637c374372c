// Linear layer y = x·Wᵀ + b with W stored [out, in] as PyTorch does, so a
// state_dict round-trips. Initialised like torch.nn.Linear: kaiming_uniform
// with a = √5 gives W ~ U(−1/√in, 1/√in), and b ~ U(−1/√in, 1/√in). The bias
// is optional (nn.Linear(bias=False)).
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Rng } from "../engine/rng.js";
import type { Layer, Param } from "./layer.js";

export class Linear implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly gradWeight: Tensor;
  readonly gradBias: Tensor | null;
  private readonly e: Engine;
  private readonly out: Tensor;
  private readonly dx: Tensor | null;
  private input = 0;

  constructor(e: Engine, name: string, inFeatures: number, outFeatures: number, maxRows: number, rng: Rng, inputGrad = true, hasBias = true) {
    this.e = e;
    this.name = name;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Tensor(e, [outFeatures, inFeatures]);
    this.bias = hasBias ? new Tensor(e, [outFeatures]) : null;
    this.gradWeight = new Tensor(e, [outFeatures, inFeatures]);
    this.gradBias = hasBias ? new Tensor(e, [outFeatures]) : null;
    this.out = new Tensor(e, [maxRows, outFeatures]);
    // The first layer never needs dL/dx: skip its buffer.
    this.dx = inputGrad ? new Tensor(e, [maxRows, inFeatures]) : null;
    const bound = 1 / e.k.sqrt_f64(inFeatures);
    rng.fillUniform(this.weight.ptr, this.weight.size, -bound, bound);
    if (this.bias) rng.fillUniform(this.bias.ptr, this.bias.size, -bound, bound);
  }

  // The same Param objects on every call: optimizers and masks key maps by them.
  private paramList: Param[] | null = null;

  params(): Param[] {
    this.paramList ??= [
      { name: `${this.name}.weight`, value: this.weight, grad: this.gradWeight, kind: "weight" },
      ...(this.bias && this.gradBias ? [{ name: `${this.name}.bias`, value: this.bias, grad: this.gradBias, kind: "bias" as const }] : []),
    ];
    return this.paramList;
  }

  forward(x: number, rows: number): number {
    const k = this.e.k;
    this.input = x;
    k.gemm_nt(rows, this.outFeatures, this.inFeatures, x, this.inFeatures, this.weight.ptr, this.inFeatures, this.out.ptr, this.outFeatures, 0);
    if (this.bias) k.bias_add(this.out.ptr, this.bias.ptr, rows, this.outFeatures);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    const k = this.e.k;
    const I = this.inFeatures, O = this.outFeatures;
    // dW = dYᵀ·X, db = Σ_rows dY, dX = dY·W
    k.gemm_tn(O, I, rows, dy, O, this.input, I, this.gradWeight.ptr, I, 0);
    if (this.gradBias) k.bias_grad(dy, this.gradBias.ptr, rows, O);
    if (!needDx || !this.dx) return 0;
    k.gemm_nn(rows, I, O, dy, O, this.weight.ptr, I, this.dx.ptr, I, 0);
    return this.dx.ptr;
  }

  free(): void {
    for (const t of [this.weight, this.bias, this.gradWeight, this.gradBias, this.out, this.dx]) t?.free();
  }
}
