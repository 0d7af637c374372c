// The papers' fully connected models (PQI paper, Appendix C / Table 1):
//   linear: in → K (one layer "fc");  mlp: in → 128 → 256 → K, ReLU between (fc1..fc3).
// PyTorch equivalent (state_dicts interchange):
//   class MLP(nn.Module):
//     def __init__(s): super().__init__(); s.fc1 = nn.Linear(784,128); s.fc2 = nn.Linear(128,256); s.fc3 = nn.Linear(256,10)
//     def forward(s, x): return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x.flatten(1))))))
import type { LayerPlan, Shape } from "../plan";

export function fcPlan(input: Shape, hidden: number[], classes: number): LayerPlan[] {
  const widths = [input[0] * input[1] * input[2], ...hidden, classes];
  const n = widths.length - 1;
  const plan: LayerPlan[] = [];
  for (let i = 0; i < n; i++) {
    const name = n === 1 ? "fc" : `fc${i + 1}`;
    plan.push({ op: "linear", name, in: widths[i], out: widths[i + 1] });
    if (i < n - 1) plan.push({ op: "relu", name: `relu${i + 1}`, shape: [widths[i + 1], 1, 1] });
  }
  return plan;
}
