// Loss and accuracy of a model over a whole dataset, in order, no gradients.
import type { Engine } from "../engine/engine.js";
import type { Sequential } from "../nn/sequential.js";
import type { Batcher } from "../data/batcher.js";
import { ShrinkError } from "../engine/errors.js";
import { countSpikes, firingRates, neuronLayers, type FiringRates } from "../nn/firing.js";

export interface EvalResult {
  loss: number;
  accuracy: number;
  samples: number;
  /** A spiking model's firing rates over this data (absent for an ANN). */
  firing?: FiringRates;
}

export function evaluate(e: Engine, model: Sequential, data: Batcher, labelSmoothing = 0, scratch: number): EvalResult {
  data.inOrder();
  // Batch norm uses its running statistics here; the caller's mode is restored.
  const wasTraining = model.isTraining;
  model.setTraining(false);
  const spiking = neuronLayers(model).length > 0;
  if (spiking) countSpikes(model, true);
  try {
    const r = evaluateBatches(e, model, data, labelSmoothing, scratch);
    const firing = spiking ? firingRates(model) : null;
    return firing ? { ...r, firing } : r;
  } finally {
    if (spiking) countSpikes(model, false);
    model.setTraining(wasTraining);
  }
}

function evaluateBatches(e: Engine, model: Sequential, data: Batcher, labelSmoothing: number, scratch: number): EvalResult {
  let lossSum = 0;
  let correct = 0;
  let samples = 0;
  for (let b = 0; b < data.batches; b++) {
    const rows = data.load(b);
    const logits = model.forward(data.x.ptr, rows);
    const loss = e.k.softmax_xent(logits, data.y.ptr, rows, model.outFeatures, labelSmoothing, 0, scratch);
    if (!Number.isFinite(loss)) throw new ShrinkError("E_NONFINITE", `evaluation: loss is ${loss} at batch ${b} (a label outside 0..${model.outFeatures - 1}, or diverged weights)`);
    lossSum += loss * rows;
    correct += e.i32(scratch, 1)[0];
    samples += rows;
  }
  return { loss: lossSum / samples, accuracy: correct / samples, samples };
}
