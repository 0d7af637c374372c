// The papers' fully connected models (PQI paper, Appendix C / Table 1):
//   linear: 784 → 10
//   mlp:    784 → 128 → 256 → 10, ReLU between
// Parameter names match this PyTorch module, so state_dicts interchange:
//   class MLP(nn.Module):   # fc1..fc3 (linear: fc)
//     def __init__(s): super().__init__(); s.fc1 = nn.Linear(784,128); s.fc2 = nn.Linear(128,256); s.fc3 = nn.Linear(256,10)
//     def forward(s, x): return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x.flatten(1))))))
import type { Engine } from "../engine/engine";
import type { Rng } from "../engine/rng";
import { ShrinkError } from "../io/errors";
import { Linear } from "./linear";
import { ReLU } from "./relu";
import { Sequential } from "./sequential";

export const MODEL_NAMES = ["linear", "mlp"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelSpec {
  arch: ModelName;
  inputs: number;
  classes: number;
  hidden: number[];
}

export function modelSpec(arch: string, inputs = 784, classes = 10): ModelSpec {
  if (arch === "linear") return { arch, inputs, classes, hidden: [] };
  if (arch === "mlp") return { arch, inputs, classes, hidden: [128, 256] };
  throw new ShrinkError("E_MODEL", `--model: unknown model "${arch}" (allowed: ${MODEL_NAMES.join(", ")})`);
}

/** The parameter names of a model, in state_dict order, without building it. */
export function paramNames(spec: ModelSpec): string[] {
  const nLinear = spec.hidden.length + 1;
  const names: string[] = [];
  for (let i = 0; i < nLinear; i++) {
    const name = nLinear === 1 ? "fc" : `fc${i + 1}`;
    names.push(`${name}.weight`, `${name}.bias`);
  }
  return names;
}

/** Builds the model with PyTorch-default initialisation drawn from `rng`. */
export function buildModel(e: Engine, spec: ModelSpec, maxRows: number, rng: Rng): Sequential {
  const widths = [spec.inputs, ...spec.hidden, spec.classes];
  const layers = [];
  const nLinear = widths.length - 1;
  for (let i = 0; i < nLinear; i++) {
    const name = nLinear === 1 ? "fc" : `fc${i + 1}`;
    layers.push(new Linear(e, name, widths[i], widths[i + 1], maxRows, rng, i > 0));
    if (i < nLinear - 1) layers.push(new ReLU(e, `relu${i + 1}`, widths[i + 1], maxRows));
  }
  return new Sequential(layers);
}
