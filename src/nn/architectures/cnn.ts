// The PQI paper's CNN (Table 2 / Appendix C): four blocks of 3×3 conv
// (64-128-256-512 channels, padding 1) → BN → ReLU → 2×2 max pool, then global
// average pooling and a linear classifier. PyTorch equivalent:
//   features = nn.Sequential(Conv2d(C,64,3,1,1,bias=False), BatchNorm2d(64), ReLU(), MaxPool2d(2),   # 0..3
//                            Conv2d(64,128,...), BatchNorm2d(128), ReLU(), MaxPool2d(2), ...)         # 4..15
//   forward: classifier(adaptive_avg_pool2d(features(x), 1).flatten(1)),  classifier = Linear(512, K)
// Convs carry no bias: the batch norm after each would cancel it.
import type { ArchLayer } from "../architecture.js";

export const CNN_WIDTHS = [64, 128, 256, 512];

export function cnnLayers(classes: number, widths = CNN_WIDTHS): ArchLayer[] {
  const layers: ArchLayer[] = [];
  widths.forEach((w, i) => {
    const b = 4 * i;
    layers.push(
      { type: "conv2d", name: `features.${b}`, out_channels: w, kernel: 3, padding: 1, bias: false },
      { type: "batchnorm2d", name: `features.${b + 1}` },
      { type: "relu", name: `features.${b + 2}` },
      { type: "maxpool2d", name: `features.${b + 3}`, kernel: 2 },
    );
  });
  layers.push({ type: "global_avgpool2d", name: "pool" }, { type: "linear", name: "classifier", out_features: classes });
  return layers;
}
