// The PQI paper's CNN (Table 2 / Appendix C): four blocks of 3×3 conv
// (64-128-256-512 channels, padding 1) → BN → ReLU → 2×2 max pool, then global
// average pooling and a linear classifier. PyTorch equivalent:
//   features = nn.Sequential(Conv2d(C,64,3,1,1,bias=False), BatchNorm2d(64), ReLU(), MaxPool2d(2),   # 0..3
//                            Conv2d(64,128,...), BatchNorm2d(128), ReLU(), MaxPool2d(2), ...)         # 4..15
//   forward: classifier(adaptive_avg_pool2d(features(x), 1).flatten(1)),  classifier = Linear(512, K)
// Convs carry no bias: the batch norm after each would cancel it.
import { conv, pool, planOut, type LayerPlan, type Shape } from "../plan";

export const CNN_WIDTHS = [64, 128, 256, 512];

export function cnnPlan(input: Shape, classes: number, widths = CNN_WIDTHS): LayerPlan[] {
  const plan: LayerPlan[] = [];
  let s: Shape = input;
  widths.forEach((w, i) => {
    const b = 4 * i;
    const c = conv(`features.${b}`, s, w, 3, { padding: 1 });
    s = planOut(c);
    plan.push(c, { op: "bn", name: `features.${b + 1}`, shape: s }, { op: "relu", name: `features.${b + 2}`, shape: s });
    const p = pool("maxpool", `features.${b + 3}`, s, 2);
    s = planOut(p);
    plan.push(p);
  });
  plan.push({ op: "gap", name: "pool", in: s }, { op: "linear", name: "classifier", in: s[0], out: classes });
  return plan;
}
