// Helpers for the iterative-pruning suites (src/prune/iterative.ts): options
// for runIterative, a session instrumented so a test can look at the weights
// at the start of every training run (before its first step), a model whose
// backward pass yields zero gradients (so hand-set weights reach the pruning
// step unchanged), parameter snapshots and bit comparisons.
import type { Engine } from "../../src/engine/engine.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import type { Param } from "../../src/nn/layer.ts";
import type { Sequential } from "../../src/nn/sequential.ts";
import type { Session } from "../../src/train/session.ts";
import type { IterativeOptions } from "../../src/prune/iterative.ts";
import { DEFAULT_PRUNE } from "../../src/prune/config.ts";

/** runIterative options from DEFAULT_PRUNE (p 0.5, q 1, η_r 0, γ 1, β 0.9, P 0.2), 1 epoch, 2 iterations. */
export function iterOpts(over: Partial<IterativeOptions> = {}): IterativeOptions {
  return {
    method: "sap", iterations: 2, epochs: 1, scope: DEFAULT_PRUNE.scope, p: DEFAULT_PRUNE.p, q: DEFAULT_PRUNE.q,
    etaR: DEFAULT_PRUNE.etaR, gamma: DEFAULT_PRUNE.gamma, maxRatio: DEFAULT_PRUNE.maxRatio, ratio: DEFAULT_PRUNE.ratio, seed: 0,
    ...over,
  };
}

/** Forwards every property of `target` (methods bound to it) except those in `over`. */
function forward<T extends object>(target: T, over: Record<string | symbol, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(over, prop)) return over[prop];
      const v = Reflect.get(t, prop, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

/**
 * The session with its training batcher wrapped: `onShuffle` runs when the
 * trainer shuffles at the start of each epoch — after runIterative's rewind
 * and before the epoch's first forward pass and optimizer step.
 */
export function withShuffleHook(s: Session, onShuffle: () => void): Session {
  const trainData = forward(s.trainData, {
    shuffle: (...args: unknown[]) => {
      onShuffle();
      return (s.trainData.shuffle as (...a: unknown[]) => unknown).apply(s.trainData, args);
    },
  });
  return { ...s, trainData };
}

/**
 * The session with a model whose backward pass writes zero gradients. With
 * weight decay 0, (masked) SGD then leaves every weight bit-identical, so the
 * weights set by hand before runIterative are what it measures and prunes.
 */
export function withFrozenTraining(s: Session): Session {
  const params = s.model.params();
  const model = forward(s.model, {
    backward: () => { for (const p of params) s.engine.f32(p.grad.ptr, p.grad.size).fill(0); },
  }) as Sequential;
  return { ...s, model };
}

/** Copies of every parameter's values. */
export function snapshot(params: Param[]): Float32Array[] {
  return params.map((p) => p.value.toArray());
}

/** The bit pattern of an f32. */
export function f32bits(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0];
}

/** u8 mask of the nonzero entries of a (copied) tensor: 1 = nonzero. */
export function nonzeroMask(v: Float32Array): Uint8Array {
  return Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0));
}

export const count = (m: Uint8Array) => m.reduce((n, b) => n + b, 0);

/** A standalone parameter (value and grad tensors) for optimizer and scope tests; free with freeParam. */
export function makeParam(e: Engine, name: string, shape: number[], data: ArrayLike<number>, kind: "weight" | "bias" = "weight"): Param {
  const value = new Tensor(e, shape).set(data);
  const grad = new Tensor(e, shape);
  return { name, value, grad, kind };
}

export function freeParam(p: Param): void {
  p.value.free();
  p.grad.free();
}

/** u8 masks (all ones) in wasm for the given params. */
export { onesMasks } from "../../src/prune/mask-state.ts";

export function freeMasks(e: Engine, masks: Map<Param, number>): void {
  for (const ptr of masks.values()) e.free(ptr);
}

/** Every number in a JSON-able value (walks objects and arrays) with its path. */
export function numbersIn(v: unknown, path = "$", out: [string, number][] = []): [string, number][] {
  if (typeof v === "number") out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => numbersIn(x, `${path}[${i}]`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) numbersIn(x, `${path}.${k}`, out);
  return out;
}
