// A multi-step network: direct encoding repeats the input over T timesteps,
// the body runs on T·N rows laid out [T, N] (batch norm sees all T·N, as
// SpikingJelly's multi-step layers), and the output is the mean over T of the
// body's output (the classifier's logits). Backward: dL/dy / T to every step;
// the input gradient, when asked for, sums over T.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param, StateBuffer } from "./layer.js";
import type { Sequential } from "./sequential.js";

export class Multistep implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly body: Sequential;
  readonly timesteps: number;
  private readonly e: Engine;
  private readonly rep: Tensor;
  private readonly out: Tensor;
  private readonly g: Tensor;
  private readonly dx: Tensor | null;

  constructor(e: Engine, name: string, body: Sequential, timesteps: number, maxRows: number, inputGrad: boolean) {
    this.e = e;
    this.name = name;
    this.body = body;
    this.timesteps = timesteps;
    this.inFeatures = body.inFeatures;
    this.outFeatures = body.outFeatures;
    this.rep = new Tensor(e, [maxRows * timesteps, this.inFeatures]);
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.g = new Tensor(e, [maxRows * timesteps, this.outFeatures]);
    this.dx = inputGrad ? new Tensor(e, [maxRows, this.inFeatures]) : null;
  }

  params(): Param[] {
    return this.body.params();
  }
  buffers(): StateBuffer[] {
    return this.body.buffers();
  }
  setTraining(on: boolean): void {
    this.body.setTraining(on);
  }
  sublayers(): Layer[] {
    return [this.body];
  }

  forward(x: number, rows: number): number {
    const k = this.e.k, T = this.timesteps;
    k.time_repeat(x, this.rep.ptr, rows * this.inFeatures, T);
    const y = this.body.forward(this.rep.ptr, rows * T);
    k.time_mean(y, this.out.ptr, rows * this.outFeatures, T);
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    const k = this.e.k, T = this.timesteps;
    k.time_mean_backward(dy, this.g.ptr, rows * this.outFeatures, T);
    const d = this.body.backward(this.g.ptr, rows * T, needDx && this.dx !== null);
    if (!needDx || !this.dx) return 0;
    k.time_sum(d, this.dx.ptr, rows * this.inFeatures, T);
    return this.dx.ptr;
  }

  free(): void {
    this.body.free();
    for (const t of [this.rep, this.out, this.g]) t.free();
    this.dx?.free();
  }
}
