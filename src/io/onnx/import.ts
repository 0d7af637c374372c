// ONNX in: a ModelProto whose graph is a chain of supported ops, with residual
// blocks where the chain forks and joins in an Add, becomes an architecture
// document (docs/model-format.md) and a state_dict of its initializers, named
// as the layers' PyTorch names where the file carries them ("features.0.weight"
// → layer "features.0"). Supported ops (opset 7 and later, default domain):
// Gemm, MatMul (+ Add of a constant bias), Conv, BatchNormalization, Relu,
// Clip (0, 6) as relu6, MaxPool, AveragePool, GlobalAveragePool, Flatten,
// Reshape to 2-D, Add (residual join), Identity, Dropout. Anything else is
// refused with the op's name and node. A zero Pad is dropped, and a constant-0
// Pad right before a Conv or an AveragePool (how torch.onnx exports AvgPool2d)
// becomes that layer's padding. docs/onnx.md lists the rules.
import { ShrinkError } from "../../engine/errors.js";
import { planFromArchitecture, canonicalLayers, ARCH_FORMAT, type ArchLayer, type Architecture } from "../../nn/architecture.js";
import { f16ToF32, bf16ToF32, type DecodedTensor } from "../safetensors.js";
import { decodeOnnxModel, DT, type OnnxNode, type OnnxTensor, type OnnxAttribute, type OnnxGraph } from "./proto.js";

export const SUPPORTED_OPS = ["Gemm", "MatMul", "Conv", "BatchNormalization", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Add", "Identity", "Dropout", "Pad", "Constant"] as const;

export interface ImportedOnnx {
  architecture: Architecture;
  /** The initializers as a state_dict, under the layers' names (F32). */
  tensors: Map<string, DecodedTensor>;
  /** The model's metadata_props (shrinkwasm writes its normalisation there). */
  metadata: Record<string, string>;
}

/** Largest initializer, in elements, and most nodes the importer accepts. */
const MAX_ELEMENTS = 1 << 28;
const MAX_NODES = 100_000;

class Importer {
  private readonly source: string;
  private readonly g: OnnxGraph;
  private readonly consts = new Map<string, OnnxTensor>();
  private readonly consumers = new Map<string, OnnxNode[]>();
  private readonly alias = new Map<string, string>();
  private readonly names = new Set<string>();
  readonly tensors = new Map<string, DecodedTensor>();
  /** Reshapes with an explicit feature count, checked against the inferred plan. */
  readonly reshapes: { layer: string; features: number; node: string }[] = [];
  private used = new Set<OnnxNode>();
  /** Zero padding of a Pad node, for the Conv or AveragePool right after it. */
  private pendingPad: { pad: [number, number]; node: string } | null = null;
  private counter = 0;

  constructor(g: OnnxGraph, source: string) {
    this.g = g;
    this.source = source;
  }

  fail(msg: string): ShrinkError {
    return new ShrinkError("E_ONNX", `${this.source}: ${msg}`);
  }

  private where(n: OnnxNode): string {
    return `node ${JSON.stringify(n.name || n.outputs[0] || "?")} (${n.opType})`;
  }

  run(): { layers: ArchLayer[]; input: number[] } {
    const g = this.g;
    if (g.nodes.length > MAX_NODES) throw this.fail(`${g.nodes.length} nodes (at most ${MAX_NODES})`);
    if (g.hasSparseInitializers) throw this.fail("sparse initializers are not supported");
    for (const t of g.initializers) this.consts.set(t.name, t);
    for (const n of g.nodes) {
      if (n.domain !== "" && n.domain !== "ai.onnx") throw this.fail(`${this.where(n)}: domain ${JSON.stringify(n.domain)} is not supported (only the default ONNX domain)`);
      if (!(SUPPORTED_OPS as readonly string[]).includes(n.opType)) {
        throw this.fail(`${this.where(n)}: op ${n.opType} is not supported (supported: ${SUPPORTED_OPS.filter((o) => o !== "Constant").join(", ")})`);
      }
      if (n.opType === "Constant") {
        const v = n.attributes.find((a) => a.name === "value");
        if (!v?.t || n.outputs.length !== 1) throw this.fail(`${this.where(n)}: only a Constant with a tensor "value" is supported`);
        this.consts.set(n.outputs[0], v.t);
        continue;
      }
    }
    // Identity and Dropout (inference) pass their input through.
    for (const n of g.nodes) {
      if (n.opType !== "Identity" && n.opType !== "Dropout") continue;
      if (n.outputs.slice(1).some((o) => o !== "" && this.isUsed(o))) throw this.fail(`${this.where(n)}: its mask output is used`);
      const src = this.resolve(n.inputs[0] ?? "");
      if (this.consts.has(src)) this.consts.set(n.outputs[0], this.consts.get(src)!);
      else this.alias.set(n.outputs[0], src);
    }
    for (const n of g.nodes) {
      if (n.opType === "Constant" || n.opType === "Identity" || n.opType === "Dropout") continue;
      for (const i of n.inputs) {
        const r = this.resolve(i);
        if (i === "" || this.consts.has(r)) continue;
        const list = this.consumers.get(r) ?? [];
        list.push(n);
        this.consumers.set(r, list);
      }
    }
    const inputs = g.inputs.filter((v) => !this.consts.has(v.name));
    if (inputs.length !== 1) throw this.fail(`the graph has ${inputs.length} inputs besides its initializers (shrinkwasm models take one image batch)`);
    if (g.outputs.length !== 1) throw this.fail(`the graph has ${g.outputs.length} outputs (shrinkwasm models give one logits tensor)`);
    const inp = inputs[0];
    if (inp.elemType !== DT.FLOAT) throw this.fail(`input ${JSON.stringify(inp.name)} has element type ${inp.elemType}, expected FLOAT (1)`);
    const shape = inp.shape;
    if (!shape || (shape.length !== 4 && shape.length !== 2) || !shape.slice(1).every((d) => typeof d === "number" && d > 0)) {
      throw this.fail(`input ${JSON.stringify(inp.name)} must be [batch, C, H, W] or [batch, features] with fixed sizes after the batch, got ${JSON.stringify(shape)}`);
    }
    const output = this.resolve(g.outputs[0].name);
    const { layers, end } = this.chain(inp.name, null, shape.length === 2, 0);
    if (end !== output) throw this.fail(`the chain of supported ops ends at ${JSON.stringify(end)}, not at the graph output ${JSON.stringify(output)}`);
    const unused = g.nodes.find((n) => !this.used.has(n) && !["Constant", "Identity", "Dropout"].includes(n.opType));
    if (unused) throw this.fail(`${this.where(unused)} does not lie on the path from the input to the output`);
    return { layers, input: shape.slice(1) as number[] };
  }

  private isUsed(v: string): boolean {
    return this.g.nodes.some((n) => n.inputs.includes(v)) || this.g.outputs.some((o) => o.name === v);
  }

  private resolve(v: string): string {
    let x = v;
    for (let i = 0; i < 1000 && this.alias.has(x); i++) x = this.alias.get(x)!;
    return x;
  }

  private next(v: string): OnnxNode[] {
    return this.consumers.get(this.resolve(v)) ?? [];
  }

  /**
   * Layers from value `v` until the value `stop` (exclusive), or until the
   * graph output or a residual join. flat: the activation is a vector.
   */
  private chain(v: string, stop: string | null, flat: boolean, depth: number): { layers: ArchLayer[]; end: string; flat: boolean } {
    const layers: ArchLayer[] = [];
    let cur = this.resolve(v);
    for (let guard = 0; guard <= this.g.nodes.length; guard++) {
      const cons = this.next(cur);
      if ((stop !== null && cur === stop) || cons.length === 0 || (cons.length === 1 && cons[0].opType === "Add" && this.isJoin(cons[0]))) {
        if (this.pendingPad) throw this.fail(`${this.pendingPad.node}: zero padding at the end of a chain is not supported`);
        return { layers, end: cur, flat };
      }
      if (cons.length === 1) {
        const r = this.node(cons[0], flat);
        if (r.layer) layers.push(r.layer);
        cur = r.out;
        flat = r.flat;
        continue;
      }
      if (cons.length !== 2) throw this.fail(`value ${JSON.stringify(cur)} feeds ${cons.length} nodes; only a two-way residual fork is supported`);
      if (depth >= 8) throw this.fail("residual blocks nest too deep");
      if (this.pendingPad) throw this.fail(`${this.pendingPad.node}: zero padding before a residual fork is not supported`);
      const r = this.residual(cur, cons, flat, depth);
      layers.push(r.layer);
      cur = r.out;
    }
    throw this.fail("the graph has a cycle");
  }

  /** An Add whose two inputs are both activations (not a bias). */
  private isJoin(n: OnnxNode): boolean {
    return n.inputs.length === 2 && n.inputs.every((i) => !this.consts.has(this.resolve(i)));
  }

  private residual(fork: string, cons: OnnxNode[], flat: boolean, depth: number): { layer: ArchLayer; out: string } {
    // Each branch runs from the fork to the join Add; an identity branch is the Add itself.
    const ends: { join: OnnxNode; last: string; direct: boolean }[] = cons.map((c) => {
      if (c.opType === "Add" && this.isJoin(c)) return { join: c, last: fork, direct: true };
      let n = c;
      for (let i = 0; i <= this.g.nodes.length; i++) {
        const outs = this.next(n.outputs[0]);
        if (outs.length !== 1) throw this.fail(`${this.where(n)}: a residual branch forks again (nested forks inside a branch are not supported)`);
        if (outs[0].opType === "Add" && this.isJoin(outs[0])) return { join: outs[0], last: this.resolve(n.outputs[0]), direct: false };
        n = outs[0];
      }
      throw this.fail("the graph has a cycle");
    });
    const join = ends[0].join;
    if (ends[1].join !== join) throw this.fail(`the branches from ${JSON.stringify(fork)} do not meet in one Add (${this.where(ends[0].join)} and ${this.where(ends[1].join)})`);
    this.used.add(join);
    const name = this.layerName(join, "residual");
    const branches = ends.map((e, i) => e.direct ? null : this.branch(fork, cons[i], e.last, flat, depth));
    // The longer branch is the main one; the other is the shortcut (identity when null).
    const [a, b] = branches;
    const aLen = a?.length ?? 0, bLen = b?.length ?? 0;
    const main = aLen >= bLen ? a : b, shortcut = aLen >= bLen ? b : a;
    if (!main) throw this.fail(`${this.where(join)}: adds a value to itself`);
    let out = this.resolve(join.outputs[0]);
    let relu = false;
    const after = this.next(out);
    if (after.length === 1 && after[0].opType === "Relu") {
      this.used.add(after[0]);
      relu = true;
      out = this.resolve(after[0].outputs[0]);
    }
    return { layer: { type: "residual", name, main, shortcut, relu }, out };
  }

  private branch(fork: string, first: OnnxNode, last: string, flat: boolean, depth: number): ArchLayer[] {
    const layers: ArchLayer[] = [];
    const r = this.node(first, flat);
    if (r.layer) layers.push(r.layer);
    const rest = this.chain(r.out, last, r.flat, depth + 1);
    if (rest.end !== last) throw this.fail(`the branch from ${JSON.stringify(fork)} does not reach its join`);
    return [...layers, ...rest.layers];
  }

  private afterGap(n: OnnxNode): boolean {
    const x = this.resolve(n.inputs[0] ?? "");
    return this.g.nodes.some((m) => m.opType === "GlobalAveragePool" && this.resolve(m.outputs[0] ?? "") === x);
  }

  private attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
    return n.attributes.find((a) => a.name === name);
  }

  private ints(n: OnnxNode, name: string, dflt: number[]): number[] {
    const a = this.attr(n, name);
    return a ? a.ints : dflt;
  }

  private int(n: OnnxNode, name: string, dflt: number): number {
    const a = this.attr(n, name);
    return a ? a.i : dflt;
  }

  private only(n: OnnxNode, allowed: string[]): void {
    for (const a of n.attributes) {
      if (!allowed.includes(a.name)) throw this.fail(`${this.where(n)}: attribute ${a.name} is not supported`);
    }
  }

  /** A layer name: the weight's PyTorch module path when it has one, else the node's name, made unique. */
  private layerName(n: OnnxNode, kind: string, weight?: string): string {
    let base = weight && /\.weight$/.test(weight) ? weight.slice(0, -".weight".length) : n.name;
    base = base.replace(/[^A-Za-z0-9_.]/g, "_").replace(/\.{2,}/g, ".").replace(/^\.+|\.+$/g, "");
    if (!base || base.length > 180) base = `${kind}_${this.counter++}`;
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  private constant(n: OnnxNode, index: number, what: string): OnnxTensor {
    const v = n.inputs[index];
    const t = v ? this.consts.get(this.resolve(v)) : undefined;
    if (!t) throw this.fail(`${this.where(n)}: its ${what} (input ${index}) must be an initializer or a Constant`);
    return t;
  }

  private activation(n: OnnxNode): string {
    const x = this.resolve(n.inputs[0] ?? "");
    if (!x || this.consts.has(x)) throw this.fail(`${this.where(n)}: its first input must be the activation`);
    return x;
  }

  private put(name: string, t: OnnxTensor, shape: number[], node: OnnxNode, transpose = false): void {
    let data = this.floats(t, node);
    if (data.length !== shape.reduce((a, b) => a * b, 1)) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has ${data.length} values, expected shape [${shape.join(", ")}]`);
    if (transpose) {
      const [rows, cols] = shape; // stored [cols, rows]
      const tr = new Float32Array(data.length);
      for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) tr[j * cols + i] = data[i * rows + j];
      data = tr;
    }
    this.tensors.set(name, { dtype: "F32", shape, data });
  }

  /** An initializer's values as f32 (FLOAT, FLOAT16, BFLOAT16 or DOUBLE). */
  floats(t: OnnxTensor, node: OnnxNode): Float32Array {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.dims.some((d) => !Number.isInteger(d) || d < 0) || n > MAX_ELEMENTS) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has dims [${t.dims.join(", ")}]`);
    if (t.external) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} keeps its data in an external file (save the model with its weights inside)`);
    const raw = t.raw;
    const size = (bytes: number) => {
      if (raw && raw.length !== n * bytes) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has ${raw.length} bytes of data for ${n} values`);
    };
    const out = new Float32Array(n);
    const dv = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
    const src = (list: number[]) => {
      if (list.length !== n) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has ${list.length} values for dims [${t.dims.join(", ")}]`);
    };
    switch (t.dataType) {
      case DT.FLOAT:
        size(4);
        if (dv) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
        else { src(t.floatData); out.set(t.floatData); }
        break;
      case DT.FLOAT16: case DT.BFLOAT16: {
        size(2);
        const half = t.dataType === DT.FLOAT16 ? f16ToF32 : bf16ToF32;
        if (dv) for (let i = 0; i < n; i++) out[i] = half(dv.getUint16(2 * i, true));
        else { src(t.int32Data); for (let i = 0; i < n; i++) out[i] = half(t.int32Data[i] & 0xffff); }
        break;
      }
      case DT.DOUBLE:
        size(8);
        if (dv) for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
        else { src(t.doubleData); out.set(t.doubleData); }
        break;
      default:
        throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has data type ${t.dataType} (FLOAT, FLOAT16, BFLOAT16 or DOUBLE expected)`);
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} holds NaN or Inf`);
    return out;
  }

  /** An integer initializer (INT64 or INT32), e.g. a Reshape's shape. */
  private integers(t: OnnxTensor, node: OnnxNode): number[] {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n > 16) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} is too long for a shape`);
    const raw = t.raw;
    if (t.dataType === DT.INT64) {
      if (!raw) return t.int64Data.slice(0, n);
      if (raw.length !== 8 * n) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has ${raw.length} bytes for ${n} INT64 values`);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: n }, (_, i) => Number(dv.getBigInt64(8 * i, true)));
    }
    if (t.dataType === DT.INT32) {
      if (!raw) return t.int32Data.slice(0, n);
      if (raw.length !== 4 * n) throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has ${raw.length} bytes for ${n} INT32 values`);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
    }
    throw this.fail(`${this.where(node)}: tensor ${JSON.stringify(t.name)} has data type ${t.dataType} (INT64 expected)`);
  }

  private pads2(n: OnnxNode): [number, number] {
    const autoPad = this.attr(n, "auto_pad")?.s ?? "NOTSET";
    if (autoPad !== "NOTSET" && autoPad !== "VALID") throw this.fail(`${this.where(n)}: auto_pad ${autoPad} is not supported (give explicit pads)`);
    const p = this.ints(n, "pads", [0, 0, 0, 0]);
    if (p.length !== 4) throw this.fail(`${this.where(n)}: pads [${p.join(", ")}] must have 4 values for a 2-D op`);
    if (p[0] !== p[2] || p[1] !== p[3]) throw this.fail(`${this.where(n)}: asymmetric pads [${p.join(", ")}] are not supported`);
    return [p[0], p[1]];
  }

  private pair(v: number[], n: OnnxNode, what: string): [number, number] {
    if (v.length !== 2) throw this.fail(`${this.where(n)}: ${what} [${v.join(", ")}] must have 2 values (2-D ops only)`);
    return [v[0], v[1]];
  }

  /** One node → at most one layer; returns the value it produces. */
  private node(n: OnnxNode, flat: boolean): { layer: ArchLayer | null; out: string; flat: boolean } {
    this.used.add(n);
    const out = this.resolve(n.outputs[0] ?? "");
    if (!out) throw this.fail(`${this.where(n)}: has no output`);
    this.activation(n);
    const compact = (p: [number, number]) => (p[0] === p[1] ? p[0] : p);
    const pending = this.pendingPad;
    this.pendingPad = null;
    if (pending && n.opType !== "Conv" && n.opType !== "AveragePool") {
      throw this.fail(`${pending.node}: zero padding before ${this.where(n)} is not supported (only before a Conv or an AveragePool)`);
    }
    const withPad = (own: [number, number]): [number, number] => {
      if (!pending) return own;
      if (own[0] || own[1]) throw this.fail(`${this.where(n)}: has its own pads after ${pending.node}`);
      return pending.pad;
    };
    switch (n.opType) {
      case "Relu":
        return { layer: { type: "relu", name: this.layerName(n, "relu") }, out, flat };
      case "Clip": {
        let lo: number | undefined, hi: number | undefined;
        if (this.attr(n, "min") || this.attr(n, "max")) {
          lo = this.attr(n, "min")?.f;
          hi = this.attr(n, "max")?.f;
        } else {
          lo = n.inputs[1] ? this.floats(this.constant(n, 1, "min"), n)[0] : undefined;
          hi = n.inputs[2] ? this.floats(this.constant(n, 2, "max"), n)[0] : undefined;
        }
        if (lo === 0 && hi === 6) return { layer: { type: "relu6", name: this.layerName(n, "relu6") }, out, flat };
        if (lo === 0 && hi === undefined) return { layer: { type: "relu", name: this.layerName(n, "relu") }, out, flat };
        throw this.fail(`${this.where(n)}: Clip(${lo}, ${hi}) is not supported (only Clip(0, 6) as relu6 and Clip(0) as relu)`);
      }
      case "Conv": {
        this.only(n, ["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"]);
        const w = this.constant(n, 1, "weight");
        if (w.dims.length !== 4) throw this.fail(`${this.where(n)}: weight ${JSON.stringify(w.name)} has ${w.dims.length} dimensions (2-D convolutions only)`);
        const [o, ci, kh, kw] = w.dims;
        const ks = this.ints(n, "kernel_shape", [kh, kw]);
        if (ks[0] !== kh || ks[1] !== kw) throw this.fail(`${this.where(n)}: kernel_shape [${ks.join(", ")}] disagrees with the weight's [${kh}, ${kw}]`);
        const group = this.int(n, "group", 1);
        const name = this.layerName(n, "conv", w.name);
        const bias = n.inputs[2] ? this.constant(n, 2, "bias") : null;
        this.put(`${name}.weight`, w, [o, ci, kh, kw], n);
        if (bias) this.put(`${name}.bias`, bias, [o], n);
        const layer: ArchLayer = {
          type: "conv2d", name, out_channels: o, kernel: compact([kh, kw]),
          stride: compact(this.pair(this.ints(n, "strides", [1, 1]), n, "strides")),
          padding: compact(withPad(this.pads2(n))),
          dilation: compact(this.pair(this.ints(n, "dilations", [1, 1]), n, "dilations")),
          groups: group, bias: bias !== null,
        };
        return { layer, out, flat: false };
      }
      case "BatchNormalization": {
        this.only(n, ["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"]);
        if (this.int(n, "training_mode", 0) !== 0) throw this.fail(`${this.where(n)}: training_mode 1 is not supported (export the model in eval mode)`);
        if (n.outputs.slice(1).some((v) => v && this.isUsed(v))) throw this.fail(`${this.where(n)}: its running-statistics outputs are used`);
        const scale = this.constant(n, 1, "scale");
        const c = scale.dims.reduce((a, b) => a * b, 1);
        const name = this.layerName(n, "bn", scale.name);
        this.put(`${name}.weight`, scale, [c], n);
        this.put(`${name}.bias`, this.constant(n, 2, "bias"), [c], n);
        this.put(`${name}.running_mean`, this.constant(n, 3, "mean"), [c], n);
        this.put(`${name}.running_var`, this.constant(n, 4, "var"), [c], n);
        // Attributes are f32 (1e-5 arrives as 9.99999974e-6): read back as the 7-digit decimals they were written from.
        const eps = Number((this.attr(n, "epsilon")?.f ?? 1e-5).toPrecision(7));
        const mom = Number((1 - (this.attr(n, "momentum")?.f ?? 0.9)).toPrecision(7));
        const layer: ArchLayer = { type: "batchnorm2d", name, eps, momentum: mom };
        return { layer, out, flat };
      }
      case "MaxPool": case "AveragePool": {
        this.only(n, ["kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "count_include_pad", "dilations", "storage_order"]);
        if (this.int(n, "ceil_mode", 0) !== 0) throw this.fail(`${this.where(n)}: ceil_mode 1 is not supported`);
        if (this.ints(n, "dilations", [1, 1]).some((d) => d !== 1)) throw this.fail(`${this.where(n)}: dilated pooling is not supported`);
        if (n.outputs[1] && this.isUsed(n.outputs[1])) throw this.fail(`${this.where(n)}: its Indices output is used`);
        const kernel = this.pair(this.ints(n, "kernel_shape", []), n, "kernel_shape");
        const padding = withPad(this.pads2(n));
        if (n.opType === "AveragePool" && !pending && (padding[0] || padding[1]) && this.int(n, "count_include_pad", 0) !== 1) {
          throw this.fail(`${this.where(n)}: average pooling with padding must count the padding (count_include_pad 1, PyTorch's default)`);
        }
        const layer: ArchLayer = {
          type: n.opType === "MaxPool" ? "maxpool2d" : "avgpool2d", name: this.layerName(n, "pool"),
          kernel: compact(kernel), stride: compact(this.pair(this.ints(n, "strides", [1, 1]), n, "strides")), padding: compact(padding),
        };
        return { layer, out, flat: false };
      }
      case "Pad": {
        this.only(n, ["mode", "pads", "value"]);
        const mode = this.attr(n, "mode")?.s ?? "constant";
        if (mode !== "constant") throw this.fail(`${this.where(n)}: mode ${mode} is not supported (constant zero padding only)`);
        const value = n.inputs[2] ? this.floats(this.constant(n, 2, "constant_value"), n)[0] : this.attr(n, "value")?.f ?? 0;
        if (value !== 0) throw this.fail(`${this.where(n)}: padding with ${value} is not supported (zeros only)`);
        const pads = this.attr(n, "pads") ? this.attr(n, "pads")!.ints : this.integers(this.constant(n, 1, "pads"), n);
        if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads[2] !== pads[6] || pads[3] !== pads[7] || pads.some((v) => v < 0)) {
          throw this.fail(`${this.where(n)}: pads [${pads.join(", ")}] are not supported (symmetric, height and width only)`);
        }
        if (pads[2] || pads[3]) this.pendingPad = { pad: [pads[2], pads[3]], node: this.where(n) };
        return { layer: null, out, flat };
      }
      case "GlobalAveragePool":
        return { layer: { type: "global_avgpool2d", name: this.layerName(n, "pool") }, out, flat: true };
      case "Flatten": {
        if (this.int(n, "axis", 1) !== 1) throw this.fail(`${this.where(n)}: only Flatten with axis 1 is supported`);
        // global_avgpool2d flattens already; ONNX needs the Flatten after GlobalAveragePool, the plan does not.
        return { layer: this.afterGap(n) ? null : { type: "flatten", name: this.layerName(n, "flatten") }, out, flat: true };
      }
      case "Reshape": {
        const shape = this.integers(this.constant(n, 1, "shape"), n);
        if (shape.length !== 2 || !(shape[1] === -1 || shape[1] > 0) || !(shape[0] === -1 || shape[0] >= 0)) {
          throw this.fail(`${this.where(n)}: only a Reshape to 2-D [batch, features] is supported, got [${shape.join(", ")}]`);
        }
        if (this.afterGap(n)) return { layer: null, out, flat: true };
        const name = this.layerName(n, "flatten");
        if (shape[1] > 0) this.reshapes.push({ layer: name, features: shape[1], node: this.where(n) });
        return { layer: { type: "flatten", name }, out, flat: true };
      }
      case "Gemm": {
        this.only(n, ["alpha", "beta", "transA", "transB"]);
        if ((this.attr(n, "alpha")?.f ?? 1) !== 1 || this.int(n, "transA", 0) !== 0) throw this.fail(`${this.where(n)}: only alpha 1 and transA 0 are supported`);
        if (!flat) throw this.fail(`${this.where(n)}: Gemm on a 4-D activation (flatten it first)`);
        const w = this.constant(n, 1, "weight");
        if (w.dims.length !== 2) throw this.fail(`${this.where(n)}: weight ${JSON.stringify(w.name)} must be 2-D`);
        const transB = this.int(n, "transB", 0) === 1;
        const [outF, inF] = transB ? w.dims : [w.dims[1], w.dims[0]];
        const name = this.layerName(n, "linear", w.name);
        this.put(`${name}.weight`, w, [outF, inF], n, !transB);
        const c = n.inputs[2] ? this.constant(n, 2, "bias") : null;
        if (c) {
          if ((this.attr(n, "beta")?.f ?? 1) !== 1) throw this.fail(`${this.where(n)}: only beta 1 is supported`);
          if (c.dims.reduce((a, b) => a * b, 1) !== outF) throw this.fail(`${this.where(n)}: bias ${JSON.stringify(c.name)} has dims [${c.dims.join(", ")}], expected [${outF}]`);
          this.put(`${name}.bias`, c, [outF], n);
        }
        return { layer: { type: "linear", name, out_features: outF, bias: c !== null }, out, flat: true };
      }
      case "MatMul": {
        if (!flat) throw this.fail(`${this.where(n)}: MatMul on a 4-D activation (flatten it first)`);
        const w = this.constant(n, 1, "weight");
        if (w.dims.length !== 2) throw this.fail(`${this.where(n)}: weight ${JSON.stringify(w.name)} must be 2-D`);
        const [inF, outF] = w.dims;
        const name = this.layerName(n, "linear", w.name);
        this.put(`${name}.weight`, w, [outF, inF], n, true);
        // A following Add of a constant [outF] is the bias.
        const after = this.next(out);
        let end = out, bias = false;
        if (after.length === 1 && after[0].opType === "Add" && !this.isJoin(after[0])) {
          const add = after[0];
          const ci = add.inputs.findIndex((i) => this.consts.has(this.resolve(i)));
          const b = this.consts.get(this.resolve(add.inputs[ci]))!;
          if (b.dims.reduce((x, y) => x * y, 1) !== outF) throw this.fail(`${this.where(add)}: bias ${JSON.stringify(b.name)} has dims [${b.dims.join(", ")}], expected [${outF}]`);
          this.put(`${name}.bias`, b, [outF], add);
          this.used.add(add);
          end = this.resolve(add.outputs[0]);
          bias = true;
        }
        return { layer: { type: "linear", name, out_features: outF, bias }, out: end, flat: true };
      }
      case "Add":
        throw this.fail(`${this.where(n)}: an Add that is neither a residual join nor a MatMul's bias is not supported`);
      default:
        throw this.fail(`${this.where(n)}: op ${n.opType} is not supported`);
    }
  }
}

/** Reads an ONNX model into an architecture and its weights (web-standard: bytes in). */
export function importOnnx(bytes: Uint8Array, source = "model.onnx"): ImportedOnnx {
  const m = decodeOnnxModel(bytes, source);
  const fail = (msg: string) => new ShrinkError("E_ONNX", `${source}: ${msg}`);
  if (!m.graph) throw fail("no graph (not an ONNX model?)");
  if (m.hasFunctions) throw fail("model-local functions are not supported");
  const opset = m.opsets.find((o) => o.domain === "" || o.domain === "ai.onnx");
  if (!opset || opset.version < 7) throw fail(`default-domain opset ${opset?.version ?? "missing"} is not supported (7 or later)`);
  const imp = new Importer(m.graph, source);
  const { layers, input } = imp.run();
  const gname = m.graph.name.length > 0 && m.graph.name.length <= 200 ? m.graph.name : "onnx";
  const architecture: Architecture = { format: ARCH_FORMAT, name: gname, input, layers: canonicalLayers(layers) };
  let plan;
  try {
    plan = planFromArchitecture(architecture);
  } catch (err) {
    if (err instanceof ShrinkError) throw fail(`the imported architecture is not valid: ${err.message}`);
    throw err;
  }
  for (const r of imp.reshapes) {
    const p = findPlan(plan.plan, r.layer);
    const f = p && p.op === "flatten" ? p.in[0] * p.in[1] * p.in[2] : -1;
    if (f !== r.features) throw fail(`${r.node}: reshapes to ${r.features} features but its input has ${f}`);
  }
  return { architecture, tensors: imp.tensors, metadata: m.metadata };
}

function findPlan(plan: ReturnType<typeof planFromArchitecture>["plan"], name: string): (typeof plan)[number] | undefined {
  for (const p of plan) {
    if (p.name === name) return p;
    if (p.op === "residual") {
      const q = findPlan(p.main, name) ?? findPlan(p.shortcut ?? [], name);
      if (q) return q;
    }
  }
  return undefined;
}
