// Firing rates of a spiking model: spikes / (neurons × T × samples), per
// neuron layer and over all of them (LATS Appendix G's measure). Counting is
// switched on around an evaluation; the sums are computed in wasm (sum kernel).
import type { Layer } from "./layer.js";
import { Neuron } from "./neuron.js";

export interface FiringRates {
  /** All spikes over all neuron-steps of the model. */
  rate: number;
  layers: { name: string; rate: number; neurons: number }[];
}

/** The neuron layers of a model, in forward order. */
export function neuronLayers(l: Layer): Neuron[] {
  if (l instanceof Neuron) return [l];
  return (l.sublayers?.() ?? []).flatMap(neuronLayers);
}

/** Starts counting spikes from zero (true) or stops (false). */
export function countSpikes(model: Layer, on: boolean): void {
  for (const n of neuronLayers(model)) {
    if (on) n.spikes = n.slots = 0;
    n.counting = on;
  }
}

/** The rates counted since countSpikes(model, true); null for a model without neurons or before any sample. */
export function firingRates(model: Layer): FiringRates | null {
  const ns = neuronLayers(model);
  const slots = ns.reduce((a, n) => a + n.slots, 0);
  if (ns.length === 0 || slots === 0) return null;
  return {
    rate: ns.reduce((a, n) => a + n.spikes, 0) / slots,
    layers: ns.map((n) => ({ name: n.name, rate: n.slots ? n.spikes / n.slots : 0, neurons: n.outFeatures })),
  };
}
