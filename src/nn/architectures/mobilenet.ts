// MobileNet-V1 (Howard et al. 2017; the LATS paper's depthwise model) in its
// CIFAR form: a 3×3 stride-1 stem, then 13 depthwise-separable blocks
// (3×3 depthwise conv → BN → ReLU → 1×1 pointwise conv → BN → ReLU) with the
// paper's widths and strides, global average pooling, linear classifier.
// Width multiplier α scales every width: c(n) = max(1, ⌊α·n⌋).
// Names: conv1, bn1, layers.{i}.{conv1 (depthwise), bn1, conv2 (pointwise), bn2}, fc.
import type { ArchLayer } from "../architecture.js";

/** (output width, stride) of each depthwise-separable block. */
export const MOBILENET_CFG: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export const scaledWidth = (n: number, alpha: number) => Math.max(1, Math.floor(n * alpha));

export function mobilenetLayers(classes: number, alpha = 1): ArchLayer[] {
  let c = scaledWidth(32, alpha);
  const layers: ArchLayer[] = [
    { type: "conv2d", name: "conv1", out_channels: c, kernel: 3, padding: 1, bias: false },
    { type: "batchnorm2d", name: "bn1" }, { type: "relu", name: "relu" },
  ];
  MOBILENET_CFG.forEach(([w, stride], i) => {
    const n = `layers.${i}`;
    const out = scaledWidth(w, alpha);
    layers.push(
      { type: "conv2d", name: `${n}.conv1`, out_channels: c, kernel: 3, stride, padding: 1, groups: c, bias: false },
      { type: "batchnorm2d", name: `${n}.bn1` }, { type: "relu", name: `${n}.relu1` },
      { type: "conv2d", name: `${n}.conv2`, out_channels: out, kernel: 1, bias: false },
      { type: "batchnorm2d", name: `${n}.bn2` }, { type: "relu", name: `${n}.relu2` },
    );
    c = out;
  });
  layers.push({ type: "global_avgpool2d", name: "avgpool" }, { type: "linear", name: "fc", out_features: classes });
  return layers;
}
