// Slimming (`shrink slim`): a model whose conv or linear layers have dead
// output channels becomes a smaller dense model that computes the same
// outputs. A channel is dead when its weights and bias are zero and what
// follows turns it into exact zeros: no batch norm, or one whose output for a
// zero input, k = β − γ·μ/√(var + eps), is 0, or ≤ 0 before a ReLU/ReLU6
// (channel pruning zeroes γ and β with the channel, so k = 0). A dead channel
// is removed with its batch-norm entries and the next layer's input channel
// (columns after flatten or global pooling). Along a chain only: a channel
// that reaches a residual add, a depthwise or grouped conv, or the model's
// output stays, and the report says why.
import type { Engine } from "../engine/engine.js";
import { ShrinkError } from "../engine/errors.js";
import type { LayerPlan } from "../nn/plan.js";
import { modelPlan, specFromArchitecture, refuseSpiking, type ModelSpec } from "../nn/models.js";
import { canonicalLayers, type Architecture, type ArchLayer } from "../nn/architecture.js";
import { BN_EPS } from "../nn/batchnorm.js";
import { checkStateDict } from "../io/state-dict.js";
import type { DecodedTensor } from "../io/safetensors.js";

export interface SlimLayer {
  layer: string;
  channels: number;
  removed: number;
  /** Why dead channels of this layer were kept, if they were. */
  kept?: string;
}

export interface SlimResult {
  spec: ModelSpec;
  tensors: Map<string, DecodedTensor>;
  layers: SlimLayer[];
  paramsBefore: number;
  paramsAfter: number;
}

/** Gives every layer of an architecture its (default) name explicitly, as the plan names it. */
function named(layers: readonly ArchLayer[], prefix: string): ArchLayer[] {
  return layers.map((l, i) => {
    const name = l.name ?? `${prefix}${i}`;
    if (l.type === "residual") {
      return { ...l, name, main: named(l.main, `${name}.main.`), shortcut: l.shortcut ? named(l.shortcut, `${name}.shortcut.`) : l.shortcut };
    }
    return { ...l, name };
  });
}

function findLayer(layers: ArchLayer[], name: string): ArchLayer | undefined {
  for (const l of layers) {
    if (l.name === name) return l;
    if (l.type === "residual") {
      const f = findLayer(l.main, name) ?? findLayer(l.shortcut ?? [], name);
      if (f) return f;
    }
  }
  return undefined;
}

const f32 = (t: DecodedTensor) => t.data as Float32Array;
/** Trainable parameters (batch-norm statistics and counters left out). */
const countParams = (tensors: Map<string, DecodedTensor>) => [...tensors.entries()]
  .filter(([n]) => !/\.(running_mean|running_var|num_batches_tracked)$/.test(n)).reduce((s, [, t]) => s + t.data.length, 0);

/**
 * Keeps the entries of `axis` (0 or 1) of a tensor [d0, d1, ...rest] where
 * keep[i]; on axis 1 each kept index stands for `block` consecutive entries
 * (a channel's columns after flatten). Either way kept data is contiguous runs.
 */
function slice(t: DecodedTensor, axis: 0 | 1, keep: boolean[], block = 1): DecodedTensor {
  const shape = t.shape.length ? t.shape : [1];
  const src = f32(t);
  const outer = axis === 0 ? 1 : shape[0];
  const run = src.length / outer / keep.length;
  const kept = keep.filter(Boolean).length;
  const out = new Float32Array(outer * kept * run);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    keep.forEach((k, c) => {
      if (!k) return;
      const at = (i * keep.length + c) * run;
      out.set(src.subarray(at, at + run), o);
      o += run;
    });
  }
  const newShape = [...shape];
  if (axis === 0) newShape[0] = kept;
  else newShape[1] = kept * block;
  return { dtype: "F32", shape: t.shape.length ? newShape : [], data: out };
}

/** Which rows of w [rows × …] hold a nonzero (the channel-pruning kernels, in wasm). */
function rowsAlive(e: Engine, w: Float32Array, rows: number): Uint8Array {
  const n = w.length;
  const wp = e.alloc(n), m = e.alloc(n, "u8"), rm = e.alloc(rows, "u8");
  try {
    e.f32(wp, n).set(w);
    e.k.mask_from_nonzero(wp, m, n);
    e.k.rows_alive(m, rows, n / rows, rm);
    return e.u8(rm, rows).slice();
  } finally {
    e.free(wp);
    e.free(m);
    e.free(rm);
  }
}

export function slimModel(e: Engine, spec: ModelSpec, tensorsIn: Map<string, DecodedTensor>): SlimResult {
  refuseSpiking(spec, "slim");
  const plan = modelPlan(spec);
  checkStateDict(plan, tensorsIn, "slim");
  const tensors = new Map(tensorsIn);
  const arch: Architecture = { ...spec.architecture, layers: named(spec.architecture.layers, "") };
  const layers: SlimLayer[] = [];
  const get = (n: string) => tensors.get(n);

  const walk = (list: LayerPlan[], inResidual: boolean) => {
    list.forEach((p, i) => {
      if (p.op === "residual") {
        walk(p.main, true);
        if (p.shortcut) walk(p.shortcut, true);
        return;
      }
      if (!(p.op === "linear" || (p.op === "conv" && p.groups === 1))) return;
      const rows = p.op === "conv" ? p.out[0] : p.out;
      const alive = rowsAlive(e, f32(get(`${p.name}.weight`)!), rows);
      const bias = get(`${p.name}.bias`);
      let j = i + 1;
      const bn = list[j]?.op === "bn" ? list[j++] as Extract<LayerPlan, { op: "bn" }> : null;
      const act = list[j]?.op === "relu" || list[j]?.op === "relu6";
      if (act) j++;
      while (list[j]?.op === "maxpool" || list[j]?.op === "avgpool") j++;
      let block = 1;
      let gap = false;
      if (list[j]?.op === "gap") { gap = true; j++; }
      if (list[j]?.op === "flatten") {
        const f = list[j] as Extract<LayerPlan, { op: "flatten" }>;
        block = f.in[1] * f.in[2];
        j++;
      }
      const next = list[j];
      // Dead channels: zero weights and bias, and an exact zero after the batch norm and activation.
      const dead: boolean[] = [];
      for (let c = 0; c < rows; c++) {
        let zero = alive[c] === 0;
        if (zero && bias && f32(bias)[c] !== 0) zero = false;
        if (zero && bn) {
          const g = f32(get(`${bn.name}.weight`)!)[c], b = f32(get(`${bn.name}.bias`)!)[c];
          const mu = f32(get(`${bn.name}.running_mean`)!)[c], v = f32(get(`${bn.name}.running_var`)!)[c];
          const k = b - g * mu / e.k.sqrt_f64(v + (bn.eps ?? BN_EPS));
          zero = k === 0 || (act && k <= 0);
        }
        dead.push(zero);
      }
      const n = dead.filter(Boolean).length;
      const report: SlimLayer = { layer: p.name, channels: rows, removed: 0 };
      layers.push(report);
      if (n === 0) return;
      const why = !next ? (inResidual ? "its output reaches a residual add" : "its outputs are the model's outputs")
        : next.op === "conv" && next.groups !== 1 ? `the next layer ${next.name} is a grouped or depthwise conv`
        : next.op === "conv" && (gap || block > 1) ? `the next layer ${next.name} reads a flattened input`
        : next.op !== "conv" && next.op !== "linear" ? `it feeds ${next.op} ${next.name}, not a conv or linear layer`
        : n === rows ? "every channel is dead (the layer would vanish)" : null;
      if (why) {
        report.kept = `${n} dead channels kept: ${why}`;
        return;
      }
      const keep = dead.map((d) => !d);
      for (const suffix of ["weight", "bias"]) {
        const t = get(`${p.name}.${suffix}`);
        if (t) tensors.set(`${p.name}.${suffix}`, slice(t, 0, keep));
      }
      if (bn) {
        for (const suffix of ["weight", "bias", "running_mean", "running_var"]) tensors.set(`${bn.name}.${suffix}`, slice(get(`${bn.name}.${suffix}`)!, 0, keep));
      }
      const nx = next as Extract<LayerPlan, { op: "conv" | "linear" }>;
      tensors.set(`${nx.name}.weight`, slice(get(`${nx.name}.weight`)!, 1, keep, block));
      const al = findLayer(arch.layers, p.name)!;
      if (al.type === "conv2d") al.out_channels = rows - n;
      else if (al.type === "linear") al.out_features = rows - n;
      report.removed = n;
    });
  };
  walk(plan, false);
  const out = { ...arch, layers: canonicalLayers(arch.layers) };
  let newSpec: ModelSpec;
  try {
    newSpec = specFromArchitecture(out);
    checkStateDict(modelPlan(newSpec), tensors, "slim");
  } catch (err) {
    throw new ShrinkError("E_SLIM", `slim: the slimmed model is inconsistent (${(err as Error).message})`);
  }
  return { spec: newSpec, tensors, layers, paramsBefore: countParams(tensorsIn), paramsAfter: countParams(tensors) };
}
