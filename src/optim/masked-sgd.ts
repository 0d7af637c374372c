// SGD under fixed masks: masked tensors step with masked_sgd_step (a pruned
// weight, its gradient and its momentum stay exactly zero; weight decay cannot
// move it), every other parameter with plain SGD. Masks are u8 buffers owned
// by the caller (1 = kept).
import type { Engine } from "../engine/engine.js";
import type { Param } from "../nn/layer.js";
import type { Optimizer } from "./optimizer.js";
import { Sgd, type SgdOptions } from "./sgd.js";
import type { RunState, Stateful } from "../engine/state.js";

export class MaskedSgd implements Optimizer, Stateful {
  private readonly e: Engine;
  private readonly o: SgdOptions;
  private readonly masked: { p: Param; mask: number; buf: number }[];
  private readonly rest: Sgd;
  private first = true;

  constructor(e: Engine, params: Param[], masks: Map<Param, number>, o: SgdOptions) {
    this.e = e;
    this.o = o;
    this.masked = [...masks].map(([p, mask]) => ({ p, mask, buf: o.momentum !== 0 ? e.alloc(p.value.size) : 0 }));
    this.rest = new Sgd(e, params.filter((p) => !masks.has(p)), o);
  }

  step(lr: number, t: number): void {
    const o = this.o;
    this.rest.step(lr, t);
    for (const m of this.masked) {
      this.e.k.masked_sgd_step(m.p.value.ptr, m.p.grad.ptr, m.buf, m.mask, m.p.value.size, lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, this.first ? 1 : 0);
    }
    this.first = false;
  }

  /** Momentum and the first-step flag (the masks belong to the caller, who saves them). */
  saveTo(s: RunState, key: string): void {
    this.rest.saveTo(s, `${key}.rest`);
    s.set(`${key}.first`, this.first);
    for (const m of this.masked) if (m.buf) s.saveWasm(this.e, `${key}.buf.${m.p.name}`, m.buf, m.p.value.size, "F32");
  }

  loadFrom(s: RunState, key: string): void {
    this.rest.loadFrom(s, `${key}.rest`);
    this.first = s.bool(`${key}.first`);
    for (const m of this.masked) if (m.buf) s.loadWasm(this.e, `${key}.buf.${m.p.name}`, m.buf, m.p.value.size, "F32");
  }

  free(): void {
    this.rest.free();
    for (const m of this.masked) if (m.buf) this.e.free(m.buf);
    this.masked.length = 0;
  }
}
