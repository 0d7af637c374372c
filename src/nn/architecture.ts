// Architecture files (docs/model-format.md): a model as JSON, a list of layers
// with PyTorch names and hyper-parameters, shapes inferred from the input.
// Every model goes through planFromArchitecture: the built-in ones
// (architectures/), files given with --arch, ONNX imports, and the copy stored
// in every saved model. Untrusted input: every field is checked, and an error
// names its JSON path (`layers[3].kernel: must be 1..15, got 0`).
import { ShrinkError } from "../engine/errors.js";
import { conv, pool, planOut, planTensors, subPlans, features, type LayerPlan, type Shape, type Pair } from "./plan.js";

export const ARCH_FORMAT = "shrinkwasm-arch/1";

export type IntOrPair = number | [number, number];

export type ArchLayer =
  | { type: "linear"; name?: string; out_features: number; bias?: boolean }
  | { type: "conv2d"; name?: string; out_channels: number; kernel: IntOrPair; stride?: IntOrPair; padding?: IntOrPair; dilation?: IntOrPair; groups?: number; bias?: boolean }
  | { type: "batchnorm2d"; name?: string; eps?: number; momentum?: number }
  | { type: "relu" | "relu6" | "flatten" | "global_avgpool2d"; name?: string }
  | { type: "maxpool2d" | "avgpool2d"; name?: string; kernel: IntOrPair; stride?: IntOrPair; padding?: IntOrPair }
  | { type: "residual"; name?: string; main: ArchLayer[]; shortcut?: ArchLayer[] | null; relu?: boolean }
  | { type: "lif" | "if"; name?: string; tau?: number; v_threshold?: number; v_reset?: number | null; detach_reset?: boolean; surrogate?: "atan" | "sigmoid"; alpha?: number }
  | { type: "multistep"; name?: string; timesteps: number; layers: ArchLayer[] };

export interface Architecture {
  format: typeof ARCH_FORMAT;
  /** A label for reports (e.g. "mlp", "my-resnet"). */
  name?: string;
  /** Per-sample input: [channels, height, width], or [features] for a flat vector. */
  input: number[];
  layers: ArchLayer[];
}

export const LAYER_TYPES = ["linear", "conv2d", "batchnorm2d", "relu", "relu6", "maxpool2d", "avgpool2d", "global_avgpool2d", "flatten", "residual", "lif", "if", "multistep"] as const;

/** Limits that keep a hostile file from sizing a huge model before anything is checked. */
export const ARCH_LIMITS = {
  layers: 4096, depth: 8, channels: 1 << 16, kernel: 15, poolKernel: 64, stride: 15, padding: 15, dilation: 15,
  side: 4096, inputs: 1 << 24, params: 1 << 28, activations: 1 << 26, timesteps: 64,
} as const;

const NAME_RE = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

const KEYS: Record<(typeof LAYER_TYPES)[number], readonly string[]> = {
  linear: ["out_features", "bias"],
  conv2d: ["out_channels", "kernel", "stride", "padding", "dilation", "groups", "bias"],
  batchnorm2d: ["eps", "momentum"],
  relu: [], relu6: [], flatten: [], global_avgpool2d: [],
  maxpool2d: ["kernel", "stride", "padding"], avgpool2d: ["kernel", "stride", "padding"],
  residual: ["main", "shortcut", "relu"],
  lif: ["tau", "v_threshold", "v_reset", "detach_reset", "surrogate", "alpha"],
  if: ["v_threshold", "v_reset", "detach_reset", "surrogate", "alpha"],
  multistep: ["timesteps", "layers"],
};

/** SpikingJelly's defaults: τ = 2, V_th = 1, V_reset = 0 (hard reset), ATan with α = 2 (sigmoid: α = 4). */
export const NEURON_DEFAULTS = { tau: 2, v_threshold: 1, v_reset: 0, detach_reset: false, surrogate: "atan", alpha: { atan: 2, sigmoid: 4 } } as const;

const fail = (path: string, msg: string) => new ShrinkError("E_ARCH", `${path}: ${msg}`, { param: path });
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

function int(v: unknown, path: string, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw fail(path, `must be ${lo}..${hi}, got ${show(v)}`);
  return v;
}

function intOrPair(v: unknown, path: string, lo: number, hi: number): Pair {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw fail(path, `must be an integer ${lo}..${hi} or a pair [height, width] of them, got ${show(v)}`);
    return [int(v[0], `${path}[0]`, lo, hi), int(v[1], `${path}[1]`, lo, hi)];
  }
  const n = int(v, path, lo, hi);
  return [n, n];
}

function bool(v: unknown, path: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw fail(path, `must be true or false, got ${show(v)}`);
  return v;
}

function num(v: unknown, path: string, dflt: number, ok: (x: number) => boolean, allowed: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) throw fail(path, `must be ${allowed}, got ${show(v)}`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Shape state of the inference: a 4-D activation [C, H, W] or a flat vector; T the timesteps inside a multistep (0 outside). */
interface Cursor { shape: Shape; flat: boolean; T?: number }

class Inference {
  readonly names = new Map<string, string>(); // layer name → its path, for duplicates
  params = 0;
  activations = 0;

  layers(list: unknown, path: string, input: Cursor, prefix: string, depth: number): { plan: LayerPlan[]; out: Cursor } {
    if (!Array.isArray(list)) throw fail(path, `must be a list of layers, got ${show(list)}`);
    if (list.length === 0) throw fail(path, "must hold at least one layer");
    if (list.length > ARCH_LIMITS.layers) throw fail(path, `has ${list.length} layers (at most ${ARCH_LIMITS.layers})`);
    let cur = input;
    const plan: LayerPlan[] = [];
    list.forEach((l, i) => {
      const r = this.layer(l, `${path}[${i}]`, cur, `${prefix}${i}`, depth);
      plan.push(r.plan);
      cur = { ...r.out, T: input.T };
      this.activations += features(cur.shape);
      if (this.activations > ARCH_LIMITS.activations) throw fail(`${path}[${i}]`, `the model holds more than ${ARCH_LIMITS.activations} activations per sample`);
    });
    return { plan, out: cur };
  }

  private name(l: Record<string, unknown>, path: string, dflt: string): string {
    const n = l.name ?? dflt;
    if (typeof n !== "string" || n.length > 200 || !NAME_RE.test(n)) {
      throw fail(`${path}.name`, `must be dot-separated words of letters, digits and _ (a PyTorch module path), got ${show(n)}`);
    }
    const prev = this.names.get(n);
    if (prev !== undefined) throw fail(`${path}.name`, `"${n}" is already the name of ${prev}`);
    this.names.set(n, path);
    return n;
  }

  private layer(l: unknown, path: string, cur: Cursor, dflt: string, depth: number): { plan: LayerPlan; out: Cursor } {
    if (!isObject(l)) throw fail(path, `must be an object with a "type", got ${show(l)}`);
    const type = l.type;
    if (typeof type !== "string" || !(LAYER_TYPES as readonly string[]).includes(type)) {
      throw fail(`${path}.type`, `must be one of ${LAYER_TYPES.join(", ")}, got ${show(type)}`);
    }
    const t = type as (typeof LAYER_TYPES)[number];
    for (const k of Object.keys(l)) {
      if (k !== "type" && k !== "name" && !KEYS[t].includes(k)) throw fail(`${path}.${k}`, `is not a field of ${t} (its fields: ${["name", ...KEYS[t]].join(", ")})`);
    }
    const name = this.name(l, path, dflt);
    const spatial = (what: string) => {
      if (cur.flat) throw fail(path, `${what} needs a [channels, height, width] input, got a flat vector of ${features(cur.shape)}`);
    };
    const wrap = (fn: () => LayerPlan): LayerPlan => {
      try {
        return fn();
      } catch (err) {
        if (err instanceof ShrinkError && err.code !== "E_ARCH") throw fail(path, err.message.replace(`${name}: `, ""));
        throw err;
      }
    };
    switch (t) {
      case "linear": {
        if (!cur.flat) throw fail(path, `linear needs a flat input, got ${cur.shape.join("×")} (put a flatten or global_avgpool2d before it)`);
        const out = int(l.out_features, `${path}.out_features`, 1, ARCH_LIMITS.channels);
        const bias = bool(l.bias, `${path}.bias`, true);
        const inF = features(cur.shape);
        this.addParams(path, out * inF + (bias ? out : 0));
        return { plan: { op: "linear", name, in: inF, out, bias }, out: { shape: [out, 1, 1], flat: true } };
      }
      case "conv2d": {
        spatial("conv2d");
        const out = int(l.out_channels, `${path}.out_channels`, 1, ARCH_LIMITS.channels);
        const kernel = intOrPair(l.kernel, `${path}.kernel`, 1, ARCH_LIMITS.kernel);
        const stride = intOrPair(l.stride ?? 1, `${path}.stride`, 1, ARCH_LIMITS.stride);
        const padding = intOrPair(l.padding ?? 0, `${path}.padding`, 0, ARCH_LIMITS.padding);
        const dilation = intOrPair(l.dilation ?? 1, `${path}.dilation`, 1, ARCH_LIMITS.dilation);
        const groups = int(l.groups ?? 1, `${path}.groups`, 1, ARCH_LIMITS.channels);
        if (cur.shape[0] % groups !== 0 || out % groups !== 0) {
          throw fail(`${path}.groups`, `${groups} must divide both the ${cur.shape[0]} input and the ${out} output channels`);
        }
        const bias = bool(l.bias, `${path}.bias`, true);
        this.addParams(path, out * (cur.shape[0] / groups) * kernel[0] * kernel[1] + (bias ? out : 0));
        const p = wrap(() => conv(name, cur.shape, out, kernel, { stride, padding, dilation, groups, bias }));
        return { plan: p, out: { shape: planOut(p), flat: false } };
      }
      case "batchnorm2d": {
        spatial("batchnorm2d");
        const eps = num(l.eps, `${path}.eps`, 1e-5, (x) => x > 0 && x < 1, "a number in (0, 1)");
        const momentum = num(l.momentum, `${path}.momentum`, 0.1, (x) => x >= 0 && x <= 1, "a number in [0, 1]");
        this.addParams(path, 4 * cur.shape[0]);
        const p: LayerPlan = { op: "bn", name, shape: cur.shape };
        if (eps !== 1e-5) p.eps = eps;
        if (momentum !== 0.1) p.momentum = momentum;
        return { plan: p, out: cur };
      }
      case "relu": case "relu6":
        return { plan: { op: t, name, shape: cur.shape }, out: cur };
      case "maxpool2d": case "avgpool2d": {
        spatial(t);
        const kernel = intOrPair(l.kernel, `${path}.kernel`, 1, ARCH_LIMITS.poolKernel);
        const stride = intOrPair(l.stride ?? kernel, `${path}.stride`, 1, ARCH_LIMITS.poolKernel);
        const padding = intOrPair(l.padding ?? 0, `${path}.padding`, 0, ARCH_LIMITS.padding);
        if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) throw fail(`${path}.padding`, `must be at most half the kernel (PyTorch's rule), got ${show(l.padding)} for kernel ${show(l.kernel)}`);
        const p = wrap(() => pool(t === "maxpool2d" ? "maxpool" : "avgpool", name, cur.shape, kernel, stride, padding));
        return { plan: p, out: { shape: planOut(p), flat: false } };
      }
      case "global_avgpool2d":
        spatial("global_avgpool2d");
        return { plan: { op: "gap", name, in: cur.shape }, out: { shape: [cur.shape[0], 1, 1], flat: true } };
      case "flatten":
        if (depth > 0) throw fail(path, "flatten is not allowed inside a residual branch (flatten before or after the block)");
        return { plan: { op: "flatten", name, in: cur.shape }, out: { shape: [features(cur.shape), 1, 1], flat: true } };
      case "lif": case "if": {
        if (!cur.T) throw fail(path, `${t} is a spiking neuron: it runs only inside a multistep layer (which sets the timesteps)`);
        const vth = num(l.v_threshold, `${path}.v_threshold`, NEURON_DEFAULTS.v_threshold, (x) => x > 0 && x <= 1e6, "a number in (0, 1e6]");
        let vReset: number | null = NEURON_DEFAULTS.v_reset;
        if (l.v_reset === null) vReset = null;
        else vReset = num(l.v_reset, `${path}.v_reset`, NEURON_DEFAULTS.v_reset, (x) => x < vth && x >= -1e6, `a number below v_threshold (${vth}), or null for a soft reset`);
        const tau = t === "lif" ? num(l.tau, `${path}.tau`, NEURON_DEFAULTS.tau, (x) => x > 1 && x <= 1e6, "a number in (1, 1e6]") : 1;
        const surrogate = l.surrogate ?? NEURON_DEFAULTS.surrogate;
        if (surrogate !== "atan" && surrogate !== "sigmoid") throw fail(`${path}.surrogate`, `must be "atan" or "sigmoid", got ${show(surrogate)}`);
        const alpha = num(l.alpha, `${path}.alpha`, NEURON_DEFAULTS.alpha[surrogate], (x) => x > 0 && x <= 1e3, "a number in (0, 1000]");
        const detachReset = bool(l.detach_reset, `${path}.detach_reset`, NEURON_DEFAULTS.detach_reset);
        return { plan: { op: t, name, shape: cur.shape, tau, vThreshold: vth, vReset, detachReset, surrogate, alpha }, out: cur };
      }
      case "multistep": {
        if (cur.T) throw fail(path, "multistep layers do not nest");
        const T = int(l.timesteps, `${path}.timesteps`, 1, ARCH_LIMITS.timesteps);
        const body = this.layers(l.layers, `${path}.layers`, { ...cur, T }, `${name}.`, depth);
        this.activations += (T - 1) * this.bodyActivations(body.plan);
        if (this.activations > ARCH_LIMITS.activations) throw fail(path, `the model holds more than ${ARCH_LIMITS.activations} activations per sample over its ${T} timesteps`);
        return { plan: { op: "multistep", name, timesteps: T, layers: body.plan, in: cur.shape, out: body.out.shape }, out: { shape: body.out.shape, flat: body.out.flat } };
      }
      case "residual": {
        if (depth >= ARCH_LIMITS.depth) throw fail(path, `residual blocks nest at most ${ARCH_LIMITS.depth} deep`);
        const main = this.layers(l.main, `${path}.main`, cur, `${name}.main.`, depth + 1);
        let shortcut: { plan: LayerPlan[]; out: Cursor } | null = null;
        if (l.shortcut !== undefined && l.shortcut !== null) shortcut = this.layers(l.shortcut, `${path}.shortcut`, cur, `${name}.shortcut.`, depth + 1);
        const sc = shortcut ? shortcut.out : cur;
        if (main.out.shape.join() !== sc.shape.join() || main.out.flat !== sc.flat) {
          throw fail(path, `main gives ${main.out.shape.join("×")} but the ${shortcut ? "shortcut" : "identity shortcut"} gives ${sc.shape.join("×")} (a shortcut must match; add a projection)`);
        }
        for (const [branch, b] of [["main", main], ["shortcut", shortcut]] as const) {
          const last = b?.plan[b.plan.length - 1];
          if (last && (last.op === "relu" || last.op === "relu6")) {
            throw fail(`${path}.${branch}`, `must not end in ${last.op} (the block adds the branches first; set "relu": true for a ReLU after the add)`);
          }
        }
        const relu = bool(l.relu, `${path}.relu`, true);
        return { plan: { op: "residual", name, main: main.plan, shortcut: shortcut?.plan ?? null, in: cur.shape, out: main.out.shape, relu }, out: main.out };
      }
    }
  }

  private bodyActivations(plan: LayerPlan[]): number {
    return plan.reduce((a, p) => a + features(planOut(p)) + subPlans(p).reduce((b, l) => b + this.bodyActivations(l), 0), 0);
  }

  private addParams(path: string, n: number): void {
    this.params += n;
    if (this.params > ARCH_LIMITS.params) throw fail(path, `the model would hold more than ${ARCH_LIMITS.params} parameters`);
  }
}

export interface ArchitecturePlan {
  plan: LayerPlan[];
  input: Shape;
  /** Output features of the last layer: the number of classes. */
  classes: number;
}

/** Validates an architecture (parsed JSON or an object) and infers its plan. */
export function planFromArchitecture(a: unknown): ArchitecturePlan {
  if (!isObject(a)) throw fail("architecture", `must be a JSON object, got ${show(a)}`);
  if (a.format !== undefined && a.format !== ARCH_FORMAT) throw fail("format", `must be "${ARCH_FORMAT}", got ${show(a.format)}`);
  for (const k of Object.keys(a)) if (!["format", "name", "input", "layers"].includes(k)) throw fail(k, "is not a field of an architecture (its fields: format, name, input, layers)");
  if (a.name !== undefined && (typeof a.name !== "string" || a.name.length > 200)) throw fail("name", `must be a string of at most 200 characters, got ${show(a.name)}`);
  const inp = a.input;
  if (!Array.isArray(inp) || (inp.length !== 1 && inp.length !== 3)) throw fail("input", `must be [channels, height, width] or [features], got ${show(inp)}`);
  const dims = inp.map((d, i) => int(d, `input[${i}]`, 1, inp.length === 1 ? ARCH_LIMITS.inputs : i === 0 ? ARCH_LIMITS.channels : ARCH_LIMITS.side));
  const shape: Shape = dims.length === 1 ? [dims[0], 1, 1] : [dims[0], dims[1], dims[2]];
  if (features(shape) > ARCH_LIMITS.inputs) throw fail("input", `has ${features(shape)} values per sample (at most ${ARCH_LIMITS.inputs})`);
  const inf = new Inference();
  const { plan, out } = inf.layers(a.layers, "layers", { shape, flat: dims.length === 1 }, "", 0);
  if (!out.flat) throw fail("layers", `the model ends with a ${out.shape.join("×")} activation; it must end in a vector of class scores (flatten or global_avgpool2d, then linear)`);
  if (out.shape[0] < 2) throw fail("layers", `the model ends with ${out.shape[0]} output; a classifier needs at least 2`);
  if (!planTensors(plan).some((t) => !t.buffer)) throw fail("layers", "the model has no conv2d or linear layer (nothing to train)");
  if (plan.some((p) => p.op === "multistep") && plan.length > 1) throw fail("layers", "a spiking model is one multistep layer holding the whole network (its output is the mean over time of the class scores)");
  return { plan, input: shape, classes: out.shape[0] };
}

/** Parses an architecture file's text (JSON), then validates it. */
export function parseArchitecture(text: string, source = "architecture"): { architecture: Architecture } & ArchitecturePlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ShrinkError("E_ARCH", `${source}: not valid JSON (${(err as Error).message})`);
  }
  try {
    const p = planFromArchitecture(json);
    return { architecture: json as Architecture, ...p };
  } catch (err) {
    if (err instanceof ShrinkError) throw new ShrinkError("E_ARCH", `${source}: ${err.message}`, { param: err.param });
    throw err;
  }
}

const DEFAULTS: Record<string, Record<string, unknown>> = {
  linear: { bias: true },
  conv2d: { stride: 1, padding: 0, dilation: 1, groups: 1, bias: true },
  batchnorm2d: { eps: 1e-5, momentum: 0.1 },
  maxpool2d: { padding: 0 }, avgpool2d: { padding: 0 },
  residual: { shortcut: null, relu: true },
  lif: { tau: 2, v_threshold: 1, v_reset: 0, detach_reset: false, surrogate: "atan" },
  if: { v_threshold: 1, v_reset: 0, detach_reset: false, surrogate: "atan" },
};

const samePair = (a: unknown, b: unknown) => JSON.stringify(typeof a === "number" ? [a, a] : a) === JSON.stringify(typeof b === "number" ? [b, b] : b);

/**
 * The canonical form of a layer list: fields in a fixed order, defaults left
 * out, square pairs written as one number. Two architectures describe the same
 * model when their canonical forms are equal (the ONNX round trip checks this).
 */
export function canonicalLayers(layers: readonly ArchLayer[]): ArchLayer[] {
  return layers.map((l) => {
    const src = l as Record<string, unknown>;
    const out: Record<string, unknown> = { type: l.type };
    if (src.name !== undefined) out.name = src.name;
    const t = l.type as (typeof LAYER_TYPES)[number];
    for (const k of KEYS[t] ?? []) {
      let v = src[k];
      if (v === undefined) continue;
      if (Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && v[0] === v[1]) v = v[0];
      if (k === "main" || (k === "layers" && t === "multistep") || (k === "shortcut" && v !== null)) v = canonicalLayers(v as ArchLayer[]);
      if (k === "alpha" && (t === "lif" || t === "if") && v === NEURON_DEFAULTS.alpha[(src.surrogate ?? "atan") as "atan" | "sigmoid"]) continue;
      const d = DEFAULTS[t]?.[k];
      if (d !== undefined && JSON.stringify(v) === JSON.stringify(d)) continue;
      if (k === "stride" && (t === "maxpool2d" || t === "avgpool2d") && samePair(v, src.kernel)) continue;
      out[k] = v;
    }
    return out as ArchLayer;
  });
}
