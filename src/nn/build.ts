// Instantiates a plan: one layer object per description, all conv layers
// sharing one workspace, parameters initialised in plan order from `rng`.
import type { Engine } from "../engine/engine.js";
import type { Rng } from "../engine/rng.js";
import type { Layer } from "./layer.js";
import type { LayerPlan } from "./plan.js";
import { Linear } from "./linear.js";
import { ReLU } from "./relu.js";
import { Conv2d } from "./conv2d.js";
import { BatchNorm2d } from "./batchnorm.js";
import { Pool2d, GlobalAvgPool } from "./pool.js";
import { Residual } from "./residual.js";
import { Sequential } from "./sequential.js";
import { Workspace } from "./workspace.js";
import { Neuron } from "./neuron.js";
import { Multistep } from "./multistep.js";

/** Layers whose backward pass reads neither their output nor needs it kept: a neuron after one may store its membrane there. */
const OUTPUT_FREE_AFTER_FORWARD = new Set(["conv", "bn", "linear", "maxpool", "avgpool", "gap"]);

/** T: timesteps of the enclosing multistep (1 outside one); prev: the plan of the layer before, in the same list. */
function buildLayer(e: Engine, p: LayerPlan, maxRows: number, rng: Rng, ws: Workspace, dx: boolean, T: number, prev: LayerPlan | undefined): Layer | null {
  switch (p.op) {
    case "conv": return new Conv2d(e, p, maxRows, rng, ws, dx);
    case "bn": return new BatchNorm2d(e, p.name, p.shape, maxRows, { eps: p.eps, momentum: p.momentum });
    case "relu": case "relu6": return new ReLU(e, p.name, p.shape[0] * p.shape[1] * p.shape[2], maxRows, p.op === "relu6");
    case "maxpool": case "avgpool": return new Pool2d(e, p, maxRows);
    case "gap": return new GlobalAvgPool(e, p.name, p.in, maxRows);
    case "flatten": return null; // rows are already C-order vectors
    case "linear": return new Linear(e, p.name, p.in, p.out, maxRows, rng, dx, p.bias);
    case "residual": {
      const main = new Sequential(buildLayers(e, p.main, maxRows, rng, ws, true, T), `${p.name}.main`);
      const sc = p.shortcut?.length ? new Sequential(buildLayers(e, p.shortcut, maxRows, rng, ws, true, T), `${p.name}.shortcut`) : null;
      return new Residual(e, p.name, main, sc, maxRows, p.relu);
    }
    case "lif": case "if": return new Neuron(e, p, T, maxRows, prev !== undefined && OUTPUT_FREE_AFTER_FORWARD.has(prev.op));
    case "multistep": {
      const body = new Sequential(buildLayers(e, p.layers, maxRows * p.timesteps, rng, ws, dx, p.timesteps), `${p.name}.body`);
      return new Multistep(e, p.name, body, p.timesteps, maxRows, dx);
    }
  }
}

function buildLayers(e: Engine, plan: LayerPlan[], maxRows: number, rng: Rng, ws: Workspace, firstNeedsDx: boolean, T = 1): Layer[] {
  const layers: Layer[] = [];
  for (const [i, p] of plan.entries()) {
    const l = buildLayer(e, p, maxRows, rng, ws, layers.length > 0 || firstNeedsDx, T, plan[i - 1]);
    if (l) layers.push(l);
  }
  return layers;
}

/** inference: no im2col columns kept for a backward pass (evaluation-only models). */
export function buildPlan(e: Engine, plan: LayerPlan[], maxRows: number, rng: Rng, o: { inference?: boolean } = {}): Sequential {
  const ws = new Workspace(e, o.inference ? 0 : undefined);
  return new Sequential(buildLayers(e, plan, maxRows, rng, ws, false), "", ws);
}
