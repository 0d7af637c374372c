// A model's part of a run's state: every parameter and every buffer (batch-norm
// running statistics), by its PyTorch name. Gradients are not state: each step
// recomputes them before they are read.
import type { RunState } from "../engine/state.js";
import type { Sequential } from "./sequential.js";

export function saveModelState(s: RunState, key: string, model: Sequential): void {
  for (const p of model.params()) s.saveTensor(`${key}.${p.name}`, p.value);
  for (const b of model.buffers()) s.saveTensor(`${key}.${b.name}`, b.value);
}

export function loadModelState(s: RunState, key: string, model: Sequential): void {
  for (const p of model.params()) s.loadTensor(`${key}.${p.name}`, p.value);
  for (const b of model.buffers()) s.loadTensor(`${key}.${b.name}`, b.value);
}
