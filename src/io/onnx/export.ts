// ONNX out: a model's plan as an opset-13 graph that onnxruntime, PyTorch's
// onnx tooling or TF.js converters run. Input "input" [batch, C, H, W] (or
// [batch, features] for a flat input), output "logits" [batch, classes].
// Initializers keep the PyTorch names ("features.0.weight") and the exact f32
// bits, so zeros stay zeros; node names are the layer names, so importing the
// file gives the same architecture back. With foldBn, a batch norm that
// directly follows a conv is folded into it (assembly/kernels/bn_fold.ts).
// Input normalisation goes into metadata_props (docs/onnx.md).
import type { Engine } from "../../engine/engine.js";
import { ShrinkError } from "../../engine/errors.js";
import { modelPlan, refuseSpiking, type ModelSpec } from "../../nn/models.js";
import type { LayerPlan } from "../../nn/plan.js";
import type { Sequential } from "../../nn/sequential.js";
import type { Tensor } from "../../engine/tensor.js";
import { encodeOnnxModel, DT, type NodeOut, type TensorOut, type AttrOut } from "./proto.js";
import { BN_EPS, BN_MOMENTUM } from "../../nn/batchnorm.js";
import { DATASETS, type DatasetName } from "../../data/catalog.js";

export const ONNX_OPSET = 13;

export interface OnnxExportOptions {
  /** Fold each batch norm that follows a conv into the conv's weights and bias. */
  foldBn?: boolean;
  /** Extra metadata_props (string values), e.g. the input normalisation. */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

const f32bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

class Exporter {
  readonly nodes: NodeOut[] = [];
  readonly inits: TensorOut[] = [];
  private readonly values = new Map<string, Tensor>();
  private readonly e: Engine;
  private readonly foldBn: boolean;
  private n = 0;

  constructor(e: Engine, model: Sequential, foldBn: boolean) {
    this.e = e;
    this.foldBn = foldBn;
    for (const p of model.params()) this.values.set(p.name, p.value);
    for (const b of model.buffers()) this.values.set(b.name, b.value);
  }

  private tensor(name: string): Float32Array {
    const t = this.values.get(name);
    if (!t) throw new ShrinkError("E_ONNX", `export: the model has no tensor ${name}`);
    return t.toArray();
  }

  private init(name: string, dims: number[], data: Float32Array): string {
    this.inits.push({ name, dims, dataType: DT.FLOAT, raw: f32bytes(data) });
    return name;
  }

  private param(name: string, dims: number[]): string {
    return this.init(name, dims, this.tensor(name));
  }

  private value(name: string): string {
    return `${name}:${this.n++}`;
  }

  /** Emits the layers from value x; returns the last value and whether it is flat. */
  layers(plan: LayerPlan[], x: string, flat: boolean): { out: string; flat: boolean } {
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i];
      const next = plan[i + 1];
      if (p.op === "conv" && this.foldBn && next?.op === "bn") {
        x = this.foldedConv(p, next, x);
        i++;
        continue;
      }
      ({ out: x, flat } = this.layer(p, x, flat));
    }
    return { out: x, flat };
  }

  private layer(p: LayerPlan, x: string, flat: boolean): { out: string; flat: boolean } {
    const y = this.value(p.name);
    switch (p.op) {
      case "conv": {
        const inputs = [x, this.param(`${p.name}.weight`, [p.out[0], p.in[0] / p.groups, p.kernel[0], p.kernel[1]])];
        if (p.bias) inputs.push(this.param(`${p.name}.bias`, [p.out[0]]));
        this.conv(p, inputs, y);
        return { out: y, flat: false };
      }
      case "bn": {
        const c = p.shape[0];
        const eps = p.eps ?? BN_EPS, mom = p.momentum ?? BN_MOMENTUM;
        this.nodes.push({
          name: p.name, opType: "BatchNormalization", outputs: [y],
          inputs: [x, ...["weight", "bias", "running_mean", "running_var"].map((k) => this.param(`${p.name}.${k}`, [c]))],
          attributes: [{ name: "epsilon", f: eps }, { name: "momentum", f: 1 - mom }],
        });
        return { out: y, flat };
      }
      case "relu":
        this.nodes.push({ name: p.name, opType: "Relu", inputs: [x], outputs: [y] });
        return { out: y, flat };
      case "relu6": {
        const lo = this.init(`${p.name}.min`, [], new Float32Array([0])), hi = this.init(`${p.name}.max`, [], new Float32Array([6]));
        this.nodes.push({ name: p.name, opType: "Clip", inputs: [x, lo, hi], outputs: [y] });
        return { out: y, flat };
      }
      case "maxpool": case "avgpool": {
        const attributes: AttrOut[] = [
          { name: "kernel_shape", ints: [...p.kernel] }, { name: "strides", ints: [...p.stride] },
          { name: "pads", ints: [p.padding[0], p.padding[1], p.padding[0], p.padding[1]] },
        ];
        if (p.op === "avgpool") attributes.push({ name: "count_include_pad", i: 1 });
        this.nodes.push({ name: p.name, opType: p.op === "maxpool" ? "MaxPool" : "AveragePool", inputs: [x], outputs: [y], attributes });
        return { out: y, flat: false };
      }
      case "gap": {
        const g = this.value(`${p.name}.pool`);
        this.nodes.push({ name: p.name, opType: "GlobalAveragePool", inputs: [x], outputs: [g] });
        this.nodes.push({ name: `${p.name}/flatten`, opType: "Flatten", inputs: [g], outputs: [y], attributes: [{ name: "axis", i: 1 }] });
        return { out: y, flat: true };
      }
      case "flatten":
        this.nodes.push({ name: p.name, opType: "Flatten", inputs: [x], outputs: [y], attributes: [{ name: "axis", i: 1 }] });
        return { out: y, flat: true };
      case "linear": {
        const inputs = [x, this.param(`${p.name}.weight`, [p.out, p.in])];
        if (p.bias) inputs.push(this.param(`${p.name}.bias`, [p.out]));
        this.nodes.push({ name: p.name, opType: "Gemm", inputs, outputs: [y], attributes: [{ name: "transB", i: 1 }] });
        return { out: y, flat: true };
      }
      case "residual": {
        const m = this.layers(p.main, x, flat);
        const s = p.shortcut ? this.layers(p.shortcut, x, flat) : { out: x, flat };
        const sum = p.relu ? this.value(`${p.name}.add`) : y;
        this.nodes.push({ name: p.name, opType: "Add", inputs: [m.out, s.out], outputs: [sum] });
        if (p.relu) this.nodes.push({ name: `${p.name}/relu`, opType: "Relu", inputs: [sum], outputs: [y] });
        return { out: y, flat: m.flat };
      }
      default: throw new ShrinkError("E_MODEL", `ONNX export: layer ${p.name} (${p.op}) has no ONNX form`);
    }
  }

  private conv(p: Extract<LayerPlan, { op: "conv" }>, inputs: string[], y: string): void {
    this.nodes.push({
      name: p.name, opType: "Conv", inputs, outputs: [y],
      attributes: [
        { name: "kernel_shape", ints: [...p.kernel] }, { name: "strides", ints: [...p.stride] },
        { name: "pads", ints: [p.padding[0], p.padding[1], p.padding[0], p.padding[1]] },
        { name: "dilations", ints: [...p.dilation] }, { name: "group", i: p.groups },
      ],
    });
  }

  /** Conv followed by batch norm, as one Conv with the BN folded in (weights computed in wasm). */
  private foldedConv(p: Extract<LayerPlan, { op: "conv" }>, bn: Extract<LayerPlan, { op: "bn" }>, x: string): string {
    const k = this.e.k;
    const o = p.out[0], per = (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1];
    const w = this.values.get(`${p.name}.weight`)!, b = p.bias ? this.values.get(`${p.name}.bias`)! : null;
    const g = (s: string) => this.values.get(`${bn.name}.${s}`)!.ptr;
    const w2 = this.e.alloc(o * per), b2 = this.e.alloc(o);
    try {
      k.bn_fold(w.ptr, b ? b.ptr : 0, g("weight"), g("bias"), g("running_mean"), g("running_var"), bn.eps ?? BN_EPS, o, per, w2, b2);
      const y = this.value(bn.name);
      this.conv(p, [x, this.init(`${p.name}.weight`, [o, p.in[0] / p.groups, p.kernel[0], p.kernel[1]], this.e.f32(w2, o * per).slice()),
        this.init(`${p.name}.bias`, [o], this.e.f32(b2, o).slice())], y);
      return y;
    } finally {
      this.e.free(w2);
      this.e.free(b2);
    }
  }
}

/** Writes a model as ONNX bytes (web-standard: bytes out). */
export function exportOnnx(e: Engine, model: Sequential, spec: ModelSpec, o: OnnxExportOptions = {}): Uint8Array {
  refuseSpiking(spec, "ONNX export");
  const plan = modelPlan(spec);
  const ex = new Exporter(e, model, o.foldBn ?? false);
  const a = spec.architecture;
  const flatInput = a.input.length === 1;
  const { out, flat } = ex.layers(plan, "input", flatInput);
  if (!flat) throw new ShrinkError("E_ONNX", "export: the model does not end in a vector of class scores");
  // The graph output gets its fixed name through an Identity-free rename of the last node's output.
  const last = ex.nodes[ex.nodes.length - 1];
  last.outputs[0] = "logits";
  for (const n of ex.nodes) n.inputs = n.inputs.map((i) => (i === out ? "logits" : i));
  return encodeOnnxModel({
    opset: ONNX_OPSET,
    producerName: "shrinkwasm",
    producerVersion: o.producerVersion ?? "",
    graphName: a.name ?? spec.arch,
    nodes: ex.nodes,
    initializers: ex.inits,
    inputs: [{ name: "input", elemType: DT.FLOAT, shape: ["batch", ...a.input] }],
    outputs: [{ name: "logits", elemType: DT.FLOAT, shape: ["batch", spec.classes] }],
    metadata: { "shrinkwasm.architecture": JSON.stringify(a), ...(o.metadata ?? {}) },
  });
}

/** The metadata_props that say how to feed a model trained on `dataset`: pixel/255, then (x − mean[c]) / std[c]. */
export function normalisationProps(dataset: DatasetName | undefined): Record<string, string> {
  if (!dataset) return {};
  const n = DATASETS[dataset].norm;
  return {
    "shrinkwasm.dataset": dataset,
    "shrinkwasm.input": "NCHW float32: pixel/255, then (x - mean[c]) / std[c]",
    "shrinkwasm.normalize": JSON.stringify({ scale: 1 / 255, mean: n.mean, std: n.std }),
  };
}
