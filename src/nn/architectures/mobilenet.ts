// MobileNet-V1 (Howard et al. 2017; the LATS paper's depthwise model) in its
// CIFAR form: a 3×3 stride-1 stem, then 13 depthwise-separable blocks
// (3×3 depthwise conv → BN → ReLU → 1×1 pointwise conv → BN → ReLU) with the
// paper's widths and strides, global average pooling, linear classifier.
// Width multiplier α scales every width: c(n) = max(1, ⌊α·n⌋).
// Names: conv1, bn1, layers.{i}.{conv1 (depthwise), bn1, conv2 (pointwise), bn2}, fc.
import { conv, planOut, type LayerPlan, type Shape } from "../plan";

/** (output width, stride) of each depthwise-separable block. */
export const MOBILENET_CFG: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export const scaledWidth = (n: number, alpha: number) => Math.max(1, Math.floor(n * alpha));

export function mobilenetPlan(input: Shape, classes: number, alpha = 1): LayerPlan[] {
  const stem = conv("conv1", input, scaledWidth(32, alpha), 3, { padding: 1 });
  let s = planOut(stem);
  const plan: LayerPlan[] = [stem, { op: "bn", name: "bn1", shape: s }, { op: "relu", name: "relu", shape: s }];
  MOBILENET_CFG.forEach(([w, stride], i) => {
    const n = `layers.${i}`;
    const dw = conv(`${n}.conv1`, s, s[0], 3, { stride, padding: 1, groups: s[0] });
    const sd = planOut(dw);
    const pw = conv(`${n}.conv2`, sd, scaledWidth(w, alpha), 1);
    s = planOut(pw);
    plan.push(
      dw, { op: "bn", name: `${n}.bn1`, shape: sd }, { op: "relu", name: `${n}.relu1`, shape: sd },
      pw, { op: "bn", name: `${n}.bn2`, shape: s }, { op: "relu", name: `${n}.relu2`, shape: s },
    );
  });
  plan.push({ op: "gap", name: "avgpool", in: s }, { op: "linear", name: "fc", in: s[0], out: classes });
  return plan;
}
