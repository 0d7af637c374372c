// The spiking twin of the PQI CNN (cnn.ts): the same four conv → BN blocks
// with a LIF neuron in place of each ReLU, inside one multistep layer (direct
// encoding: the image repeated over T steps into the first conv; output the
// mean over T of the classifier's logits). Names as the ANN's, so a
// SpikingJelly rebuild (layer.Conv2d, layer.BatchNorm2d, neuron.LIFNode,
// layer.MaxPool2d in an nn.Sequential called features) lines up:
//   features.{4i} conv, features.{4i+1} bn, features.{4i+2} LIF, features.{4i+3} max pool; pool; classifier.
// Width multiplier w: 64w, 128w, 256w, 512w channels (at least 1).
import type { ArchLayer } from "../architecture.js";
import { CNN_WIDTHS } from "./cnn.js";
import { scaledWidth } from "./mobilenet.js";

/** The neurons of a built-in spiking model, as lif/if architecture fields (kind: which neuron; default lif). */
export interface NeuronOptions {
  kind?: "lif" | "if";
  tau?: number;
  v_threshold?: number;
  /** null: soft reset (subtract V_th). */
  v_reset?: number | null;
  detach_reset?: boolean;
  surrogate?: "atan" | "sigmoid";
  alpha?: number;
}

export function neuronLayer(name: string, o: NeuronOptions = {}): ArchLayer {
  const { kind = "lif", ...rest } = o;
  const l: Record<string, unknown> = { type: kind, name, ...rest };
  if (kind === "if") delete l.tau;
  for (const k of Object.keys(l)) if (l[k] === undefined) delete l[k];
  return l as ArchLayer;
}

export function spikingCnnLayers(classes: number, width = 1, timesteps = 4, neuron: NeuronOptions = {}): ArchLayer[] {
  const layers: ArchLayer[] = [];
  CNN_WIDTHS.forEach((w, i) => {
    const b = 4 * i;
    layers.push(
      { type: "conv2d", name: `features.${b}`, out_channels: scaledWidth(w, width), kernel: 3, padding: 1, bias: false },
      { type: "batchnorm2d", name: `features.${b + 1}` },
      neuronLayer(`features.${b + 2}`, neuron),
      { type: "maxpool2d", name: `features.${b + 3}`, kernel: 2 },
    );
  });
  layers.push({ type: "global_avgpool2d", name: "pool" }, { type: "linear", name: "classifier", out_features: classes });
  return [{ type: "multistep", name: "snn", timesteps, layers }];
}
