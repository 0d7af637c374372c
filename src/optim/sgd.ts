// SGD with momentum, dampening, Nesterov and weight decay, with the semantics of
// torch.optim.SGD (the update itself is assembly/kernels/sgd.ts). Momentum
// buffers are created on the first step, as PyTorch does (buf = d on step 1).
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import { ShrinkError } from "../engine/errors.js";
import type { RunState, Stateful } from "../engine/state.js";

export interface SgdOptions {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export function checkSgdOptions(o: SgdOptions): void {
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new ShrinkError("E_ARG", `momentum: ${o.momentum} must be in [0, 1)`);
  if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay)) throw new ShrinkError("E_ARG", `weightDecay: ${o.weightDecay} must be ≥ 0`);
  if (!(o.dampening >= 0 && o.dampening <= 1)) throw new ShrinkError("E_ARG", `dampening: ${o.dampening} must be in [0, 1]`);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new ShrinkError("E_ARG", `nesterov needs momentum > 0 and dampening 0 (got momentum ${o.momentum}, dampening ${o.dampening})`);
  }
}

export class Sgd implements Stateful {
  readonly opts: SgdOptions;
  private readonly e: Engine;
  private readonly params: Param[];
  private readonly bufs: number[];
  private first = true;

  constructor(e: Engine, params: Param[], opts: SgdOptions) {
    checkSgdOptions(opts);
    this.e = e;
    this.params = params;
    this.opts = opts;
    this.bufs = params.map((p) => (opts.momentum !== 0 ? e.alloc(p.value.size) : 0));
  }

  /** One update of every parameter at learning rate lr. */
  step(lr: number, _t = 0): void {
    const o = this.opts;
    const k = this.e.k;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      k.sgd_step(p.value.ptr, p.grad.ptr, this.bufs[i], p.value.size, lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, this.first ? 1 : 0);
    }
    this.first = false;
  }

  /** Momentum buffers (by parameter name) and whether the next step is the first. */
  saveTo(s: RunState, key: string): void {
    s.set(`${key}.first`, this.first);
    this.params.forEach((p, i) => this.bufs[i] && s.saveWasm(this.e, `${key}.buf.${p.name}`, this.bufs[i], p.value.size, "F32"));
  }

  loadFrom(s: RunState, key: string): void {
    this.first = s.bool(`${key}.first`);
    this.params.forEach((p, i) => this.bufs[i] && s.loadWasm(this.e, `${key}.buf.${p.name}`, this.bufs[i], p.value.size, "F32"));
  }

  free(): void {
    for (const b of this.bufs) if (b) this.e.free(b);
    this.bufs.fill(0);
  }
}
