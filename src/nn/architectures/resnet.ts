// ResNet-18 in its CIFAR form (He et al. 2016; the PQI paper's ResNet set-up):
// a 3×3 stride-1 stem without max pooling, four stages of two BasicBlocks
// (64, 128, 256, 512 channels; stages 2-4 start with stride 2), projection
// shortcuts (1×1 conv + BN) where the shape changes, global average pooling
// and a linear classifier. Names follow torchvision's resnet18 state_dict:
// conv1, bn1, layer{1-4}.{0,1}.{conv1,bn1,conv2,bn2,downsample.0,downsample.1}, fc.
import type { ArchLayer } from "../architecture.js";

function basicBlock(name: string, inCh: number, out: number, stride: number): ArchLayer {
  const main: ArchLayer[] = [
    { type: "conv2d", name: `${name}.conv1`, out_channels: out, kernel: 3, stride, padding: 1, bias: false },
    { type: "batchnorm2d", name: `${name}.bn1` }, { type: "relu", name: `${name}.relu` },
    { type: "conv2d", name: `${name}.conv2`, out_channels: out, kernel: 3, padding: 1, bias: false },
    { type: "batchnorm2d", name: `${name}.bn2` },
  ];
  const shortcut: ArchLayer[] | null = stride !== 1 || inCh !== out
    ? [{ type: "conv2d", name: `${name}.downsample.0`, out_channels: out, kernel: 1, stride, bias: false }, { type: "batchnorm2d", name: `${name}.downsample.1` }]
    : null;
  return { type: "residual", name, main, shortcut, relu: true };
}

export function resnet18Layers(classes: number): ArchLayer[] {
  const layers: ArchLayer[] = [
    { type: "conv2d", name: "conv1", out_channels: 64, kernel: 3, padding: 1, bias: false },
    { type: "batchnorm2d", name: "bn1" }, { type: "relu", name: "relu" },
  ];
  let c = 64;
  [64, 128, 256, 512].forEach((w, i) => {
    for (let b = 0; b < 2; b++) {
      layers.push(basicBlock(`layer${i + 1}.${b}`, c, w, i > 0 && b === 0 ? 2 : 1));
      c = w;
    }
  });
  layers.push({ type: "global_avgpool2d", name: "avgpool" }, { type: "linear", name: "fc", out_features: classes });
  return layers;
}
