// The papers' fully connected models (PQI paper, Appendix C / Table 1):
//   linear: in → K (one layer "fc");  mlp: in → 128 → 256 → K, ReLU between (fc1..fc3).
// PyTorch equivalent (state_dicts interchange):
//   class MLP(nn.Module):
//     def __init__(s): super().__init__(); s.fc1 = nn.Linear(784,128); s.fc2 = nn.Linear(128,256); s.fc3 = nn.Linear(256,10)
//     def forward(s, x): return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x.flatten(1))))))
import type { ArchLayer } from "../architecture.js";

export function fcLayers(hidden: number[], classes: number): ArchLayer[] {
  const widths = [...hidden, classes];
  const n = widths.length;
  const layers: ArchLayer[] = [{ type: "flatten", name: "flatten" }];
  widths.forEach((w, i) => {
    layers.push({ type: "linear", name: n === 1 ? "fc" : `fc${i + 1}`, out_features: w });
    if (i < n - 1) layers.push({ type: "relu", name: `relu${i + 1}` });
  });
  return layers;
}
