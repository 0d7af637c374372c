// A spiking neuron layer (LIF or IF) over T timesteps: rows arrive as T·N,
// laid out [T, N]. Forward runs the membrane (assembly/kernels/spiking/neuron.ts,
// LATS Eq. 44), backward is BPTT with a surrogate gradient. Memory as ReLU's:
// the spikes are its one output buffer, the membrane H is written over its
// input when the layer before it no longer needs that (conv, bn, linear,
// pooling), and the backward pass works in place on dy.
// It also counts spikes while `counting`, for firing rates (./firing.ts).
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { Layer, Param } from "./layer.js";
import type { NeuronPlan } from "./plan.js";

const FLAG_LIF = 1, FLAG_HARD = 2, FLAG_DETACH = 4;

export class Neuron implements Layer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly inPlaceGrad = true;
  readonly plan: NeuronPlan;
  readonly timesteps: number;
  /** Spikes and neuron-steps seen since the last reset (only while counting). */
  spikes = 0;
  slots = 0;
  counting = false;
  private readonly e: Engine;
  private readonly out: Tensor;
  private readonly ownH: Tensor | null;
  private h = 0;
  private readonly flags: number;

  /** overwriteInput: the membrane may be stored over the input (the previous layer's backward does not read it). */
  constructor(e: Engine, p: NeuronPlan, timesteps: number, maxRows: number, overwriteInput: boolean) {
    this.e = e;
    this.plan = p;
    this.name = p.name;
    this.timesteps = timesteps;
    this.inFeatures = this.outFeatures = p.shape[0] * p.shape[1] * p.shape[2];
    this.out = new Tensor(e, [maxRows, this.outFeatures]);
    this.ownH = overwriteInput ? null : new Tensor(e, [maxRows, this.outFeatures]);
    this.flags = (p.op === "lif" ? FLAG_LIF : 0) | (p.vReset !== null ? FLAG_HARD : 0) | (p.detachReset ? FLAG_DETACH : 0);
  }

  params(): Param[] {
    return [];
  }

  /** rows = T·N. */
  forward(x: number, rows: number): number {
    const n = (rows / this.timesteps) * this.outFeatures;
    const p = this.plan;
    this.h = this.ownH ? this.ownH.ptr : x;
    this.e.k.neuron_forward(x, this.h, this.out.ptr, n, this.timesteps, this.flags, p.tau, p.vThreshold, p.vReset ?? 0);
    if (this.counting) {
      this.spikes += this.e.k.sum(this.out.ptr, rows * this.outFeatures);
      this.slots += rows * this.outFeatures;
    }
    return this.out.ptr;
  }

  backward(dy: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    const n = (rows / this.timesteps) * this.outFeatures;
    const p = this.plan;
    this.e.k.neuron_backward(this.h, dy, dy, n, this.timesteps, this.flags, p.tau, p.vThreshold, p.vReset ?? 0, p.surrogate === "sigmoid" ? 1 : 0, p.alpha);
    return dy;
  }

  free(): void {
    this.out.free();
    this.ownH?.free();
  }
}
