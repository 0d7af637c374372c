// ResNet-18 in its CIFAR form (He et al. 2016; the PQI paper's ResNet set-up):
// a 3×3 stride-1 stem without max pooling, four stages of two BasicBlocks
// (64, 128, 256, 512 channels; stages 2-4 start with stride 2), projection
// shortcuts (1×1 conv + BN) where the shape changes, global average pooling
// and a linear classifier. Names follow torchvision's resnet18 state_dict:
// conv1, bn1, layer{1-4}.{0,1}.{conv1,bn1,conv2,bn2,downsample.0,downsample.1}, fc.
import { conv, planOut, type LayerPlan, type Shape } from "../plan";

function basicBlock(name: string, input: Shape, out: number, stride: number): LayerPlan {
  const c1 = conv(`${name}.conv1`, input, out, 3, { stride, padding: 1 });
  const s1 = planOut(c1);
  const c2 = conv(`${name}.conv2`, s1, out, 3, { padding: 1 });
  const s2 = planOut(c2);
  const main: LayerPlan[] = [
    c1, { op: "bn", name: `${name}.bn1`, shape: s1 }, { op: "relu", name: `${name}.relu`, shape: s1 },
    c2, { op: "bn", name: `${name}.bn2`, shape: s2 },
  ];
  const shortcut: LayerPlan[] | null = stride !== 1 || input[0] !== out
    ? [conv(`${name}.downsample.0`, input, out, 1, { stride }), { op: "bn", name: `${name}.downsample.1`, shape: s2 }]
    : null;
  return { op: "residual", name, main, shortcut, in: input, out: s2 };
}

export function resnet18Plan(input: Shape, classes: number): LayerPlan[] {
  const stem = conv("conv1", input, 64, 3, { padding: 1 });
  let s = planOut(stem);
  const plan: LayerPlan[] = [stem, { op: "bn", name: "bn1", shape: s }, { op: "relu", name: "relu", shape: s }];
  [64, 128, 256, 512].forEach((w, i) => {
    for (let b = 0; b < 2; b++) {
      const blk = basicBlock(`layer${i + 1}.${b}`, s, w, i > 0 && b === 0 ? 2 : 1);
      s = planOut(blk);
      plan.push(blk);
    }
  });
  plan.push({ op: "gap", name: "avgpool", in: s }, { op: "linear", name: "fc", in: s[0], out: classes });
  return plan;
}
