// SEW ResNet-18 (Fang et al. 2021, "Deep Residual Learning in Spiking Neural
// Networks"; the LATS paper's Table 9 setting) with the ADD connect function:
// each BasicBlock is out = SN(BN(conv2(SN(BN(conv1(x)))))) + identity, where
// identity is x or SN(BN(conv1×1(x))) (downsample, then downsample_sn), with
// no neuron after the add. CIFAR-style stem for small images: 3×3 stride-1
// conv → BN → SN, no max pooling (28×28 and 32×32 inputs alike). Four stages
// of two blocks (64w, 128w, 256w, 512w channels; stages 2-4 start with
// stride 2), global average pooling, fc, all inside one multistep layer
// (direct encoding, mean over T of the logits). Names follow SpikingJelly's
// sew_resnet: conv1, bn1, sn1, layer{1-4}.{0,1}.{conv1,bn1,sn1,conv2,bn2,sn2,
// downsample.0,downsample.1,downsample_sn}, fc.
import type { ArchLayer } from "../architecture.js";
import { scaledWidth } from "./mobilenet.js";
import { neuronLayer, type NeuronOptions } from "./spiking-cnn.js";

function sewBlock(name: string, inCh: number, out: number, stride: number, neuron: NeuronOptions): ArchLayer {
  const main: ArchLayer[] = [
    { type: "conv2d", name: `${name}.conv1`, out_channels: out, kernel: 3, stride, padding: 1, bias: false },
    { type: "batchnorm2d", name: `${name}.bn1` }, neuronLayer(`${name}.sn1`, neuron),
    { type: "conv2d", name: `${name}.conv2`, out_channels: out, kernel: 3, padding: 1, bias: false },
    { type: "batchnorm2d", name: `${name}.bn2` }, neuronLayer(`${name}.sn2`, neuron),
  ];
  const shortcut: ArchLayer[] | null = stride !== 1 || inCh !== out
    ? [
      { type: "conv2d", name: `${name}.downsample.0`, out_channels: out, kernel: 1, stride, bias: false },
      { type: "batchnorm2d", name: `${name}.downsample.1` }, neuronLayer(`${name}.downsample_sn`, neuron),
    ]
    : null;
  return { type: "residual", name, main, shortcut, relu: false };
}

export function sewResnet18Layers(classes: number, width = 1, timesteps = 4, neuron: NeuronOptions = {}): ArchLayer[] {
  let c = scaledWidth(64, width);
  const layers: ArchLayer[] = [
    { type: "conv2d", name: "conv1", out_channels: c, kernel: 3, padding: 1, bias: false },
    { type: "batchnorm2d", name: "bn1" }, neuronLayer("sn1", neuron),
  ];
  [64, 128, 256, 512].forEach((w0, i) => {
    const w = scaledWidth(w0, width);
    for (let b = 0; b < 2; b++) {
      layers.push(sewBlock(`layer${i + 1}.${b}`, c, w, i > 0 && b === 0 ? 2 : 1, neuron));
      c = w;
    }
  });
  layers.push({ type: "global_avgpool2d", name: "avgpool" }, { type: "linear", name: "fc", out_features: classes });
  return [{ type: "multistep", name: "snn", timesteps, layers }];
}
