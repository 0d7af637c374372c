// Per-tensor parameter and nonzero counts (exact zeros, counted in wasm).
import type { Engine } from "../engine/engine.js";
import type { Sequential } from "./sequential.js";

export interface TensorStats {
  name: string;
  shape: number[];
  params: number;
  nonzero: number;
  sparsity: number;
}

export interface ModelStats {
  params: number;
  nonzero: number;
  sparsity: number;
  layers: TensorStats[];
}

export function modelStats(e: Engine, model: Sequential): ModelStats {
  const layers = model.params().map((p) => {
    const nonzero = e.k.count_nonzero(p.value.ptr, p.value.size);
    return { name: p.name, shape: [...p.value.shape], params: p.value.size, nonzero, sparsity: 1 - nonzero / p.value.size };
  });
  const params = layers.reduce((s, l) => s + l.params, 0);
  const nonzero = layers.reduce((s, l) => s + l.nonzero, 0);
  return { params, nonzero, sparsity: 1 - nonzero / params, layers };
}
