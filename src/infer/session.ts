// Inference with sparse weights: a trained model prepared for prediction only.
// Each batch norm that follows a conv is folded into it (bn_fold, in wasm);
// then each conv (groups 1) and linear layer runs dense or sparse, chosen from
// its density against the break-even the bench measures (docs/performance.md,
// "Sparse inference"): sparse when the fraction of nonzero weights is at most
// SPARSE_BREAK_EVEN[op]; a denser linear layer that holds a 2:4 pattern runs
// the N:M kernel. Everything else (pooling, ReLU, depthwise convs,
// unfolded batch norms, residual adds) runs the training layers' forward passes.
import type { Engine } from "../engine/engine.js";
import { Rng } from "../engine/rng.js";
import { ShrinkError } from "../engine/errors.js";
import type { Layer } from "../nn/layer.js";
import { planConvs, type LayerPlan, type ConvPlan, type BatchNormPlan } from "../nn/plan.js";
import { buildPlan } from "../nn/build.js";
import { modelPlan, refuseSpiking, type ModelSpec } from "../nn/models.js";
import { Sequential } from "../nn/sequential.js";
import { Residual } from "../nn/residual.js";
import { Linear } from "../nn/linear.js";
import { Conv2d } from "../nn/conv2d.js";
import { ReLU } from "../nn/relu.js";
import { BN_EPS } from "../nn/batchnorm.js";
import { decodeModel } from "../io/model-file.js";
import { SparseLinear } from "./sparse-linear.js";
import { SparseConv2d } from "./sparse-conv2d.js";
import { NmLinear, type NmPattern } from "./nm-linear.js";
import { FeatureMajorLinear } from "./feature-major-linear.js";
import { BatchSwitch } from "./batch-switch.js";

/**
 * Largest density (nonzero fraction) at which the sparse kernel is used. The
 * bench puts the break-even between 50% and 70% sparsity for linear layers
 * (batch 1 and 64) and, for convs, at 70% sparsity or less for batches of up
 * to 4 rows: docs/performance.md, "Sparse inference".
 */
export const SPARSE_BREAK_EVEN = { linear: 0.4, conv: 0.35 } as const;

/**
 * Convs: the largest batch (rows) at which the sparse kernel beats the dense
 * conv, by density, measured on the cnn (dense / sparse time at 70%, 80%,
 * 85% and 90% sparsity, batches 1–64; magnitude pruning leaves a density a
 * little above the nominal one): [density at most, rows at most]. At most
 * the first density: sparse at any batch; denser than the last: dense.
 */
export const CONV_SPARSE_ROWS: readonly [number, number][] = [[0.16, Infinity], [0.21, 8], [SPARSE_BREAK_EVEN.conv, 4]];

export type InferenceMode = "auto" | "dense" | "sparse";

export interface LayerChoice {
  name: string;
  op: "linear" | "conv";
  params: number;
  nonzero: number;
  density: number;
  path: "dense" | "sparse" | "n:m";
  /** A conv on the sparse path for batches of up to this many rows and on the dense one above (absent: every batch on `path`). */
  sparseRows?: number;
  /** The batch norm folded into this conv, if any. */
  foldedBn: string | null;
}

export interface InferenceOptions {
  /** Largest batch predict() runs at once (larger inputs are split). Default 64. */
  maxBatch?: number;
  /** auto: per layer by density; dense / sparse: every eligible layer one way (for benchmarks). */
  mode?: InferenceMode;
  /**
   * In auto mode, a linear layer too dense for CSR that holds this N:M pattern
   * runs the N:M kernel (default 2:4; null: never).
   */
  nm?: NmPattern | null;
}

/** conv → bn pairs become one conv with a bias; returns the new plan and the pairs. */
function foldPlan(plan: LayerPlan[], pairs: Map<string, BatchNormPlan>): LayerPlan[] {
  const out: LayerPlan[] = [];
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i], next = plan[i + 1];
    if (p.op === "conv" && next?.op === "bn") {
      pairs.set(p.name, next);
      out.push({ ...p, bias: true });
      i++;
    } else if (p.op === "residual") {
      out.push({ ...p, main: foldPlan(p.main, pairs), shortcut: p.shortcut ? foldPlan(p.shortcut, pairs) : null });
    } else out.push(p);
  }
  return out;
}


export class InferenceSession {
  readonly spec: ModelSpec;
  readonly layers: LayerChoice[] = [];
  readonly maxBatch: number;
  private readonly e: Engine;
  /** The prepared network (folded, with sparse layers swapped in): for per-layer timing. */
  readonly net: Sequential;
  private readonly input: number;

  private constructor(e: Engine, spec: ModelSpec, net: Sequential, maxBatch: number) {
    this.e = e;
    this.spec = spec;
    this.net = net;
    this.maxBatch = maxBatch;
    this.input = e.alloc(maxBatch * spec.inputs);
  }

  /** Prepares a trained model (left untouched; free it yourself) for prediction. */
  static create(e: Engine, model: Sequential, spec: ModelSpec, o: InferenceOptions = {}): InferenceSession {
    refuseSpiking(spec, "sparse inference");
    const maxBatch = o.maxBatch ?? 64;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 65536) throw new ShrinkError("E_ARG", `maxBatch: ${maxBatch} is not allowed (an integer from 1 to 65536)`);
    const mode = o.mode ?? "auto";
    const pairs = new Map<string, BatchNormPlan>();
    const plan = foldPlan(modelPlan(spec), pairs);
    const rng = new Rng(e, 0);
    const net = buildPlan(e, plan, maxBatch, rng, { inference: true });
    rng.free();
    net.setTraining(false);
    const src = new Map([...model.params(), ...model.buffers()].map((t) => [t.name, t.value]));
    const dst = new Map([...net.params(), ...net.buffers()].map((t) => [t.name, t.value]));
    for (const [name, t] of dst) {
      const conv = name.endsWith(".weight") || name.endsWith(".bias") ? name.slice(0, name.lastIndexOf(".")) : "";
      const bn = pairs.get(conv);
      if (bn) continue; // folded below
      const s = src.get(name);
      if (!s) throw new ShrinkError("E_MODEL", `inference: the model has no ${name}`);
      e.k.copy_f32(t.ptr, s.ptr, t.size);
    }
    const plans = new Map(planConvs(plan).map((p) => [p.name, p]));
    for (const [conv, bn] of pairs) {
      const p = plans.get(conv)!;
      const w = src.get(`${conv}.weight`)!, b = src.get(`${conv}.bias`);
      const g = (k: string) => src.get(`${bn.name}.${k}`)!.ptr;
      e.k.bn_fold(w.ptr, b ? b.ptr : 0, g("weight"), g("bias"), g("running_mean"), g("running_var"), bn.eps ?? BN_EPS,
        p.out[0], (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1], dst.get(`${conv}.weight`)!.ptr, dst.get(`${conv}.bias`)!.ptr);
    }
    const s = new InferenceSession(e, spec, net, maxBatch);
    s.choose(net, mode, pairs, plans, o.nm === undefined ? { n: 2, m: 4 } : o.nm);
    InferenceSession.chainTransposes(net);
    return s;
  }

  /** Reads a model file (dense or sparse) and prepares it; the decoded training model is freed. */
  static fromBytes(e: Engine, bytes: Uint8Array, name: string, o: InferenceOptions = {}): InferenceSession {
    const { model, spec } = decodeModel(e, bytes, name, 1, { inference: true });
    try {
      return InferenceSession.create(e, model, spec, o);
    } finally {
      model.free();
    }
  }

  private choose(seq: Sequential, mode: InferenceMode, pairs: Map<string, BatchNormPlan>, plans: Map<string, ConvPlan>, nmPattern: NmPattern | null): void {
    const layers = seq.layers as Layer[];
    layers.forEach((l, i) => {
      if (l instanceof Residual) {
        this.choose(l.main, mode, pairs, plans, nmPattern);
        if (l.shortcut) this.choose(l.shortcut, mode, pairs, plans, nmPattern);
        return;
      }
      const isLinear = l instanceof Linear, isConv = l instanceof Conv2d && l.plan.groups === 1;
      if (!isLinear && !isConv) return;
      const weight = (l as Linear | Conv2d).weight, bias = (l as Linear | Conv2d).bias;
      const nonzero = this.e.k.count_nonzero(weight.ptr, weight.size);
      const density = nonzero / weight.size;
      const op = isLinear ? "linear" : "conv";
      const sparse = mode === "sparse" || (mode === "auto" && density <= SPARSE_BREAK_EVEN[op]);
      // An auto conv sparse only for small batches keeps its dense layer for the larger ones.
      const rows = mode === "auto" && sparse && !isLinear ? CONV_SPARSE_ROWS.find(([d]) => density <= d)![1] : Infinity;
      const switched = rows < this.maxBatch;
      const nm = !sparse && mode === "auto" && isLinear && nmPattern ? NmLinear.tryCreate(this.e, l.name, weight, bias, this.maxBatch, nmPattern) : null;
      this.layers.push({
        name: l.name, op, params: weight.size, nonzero, density, path: nm ? "n:m" : sparse ? "sparse" : "dense",
        ...(switched ? { sparseRows: rows } : {}), foldedBn: pairs.get(l.name)?.name ?? null,
      });
      if (nm) {
        layers[i] = nm;
        l.free();
        return;
      }
      if (!sparse) return;
      if (isLinear) layers[i] = new SparseLinear(this.e, l.name, weight, bias, this.maxBatch);
      else {
        const sc = new SparseConv2d(this.e, plans.get(l.name)!, weight, bias, switched ? rows : this.maxBatch);
        layers[i] = switched ? new BatchSwitch(l, sc, rows) : sc;
      }
      if (!switched) l.free();
    });
  }

  /** Sparse linear → (ReLU →)* sparse linear in one chain: the batch stays feature-major in between. */
  private static chainTransposes(seq: Sequential): void {
    const layers = seq.layers;
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      if (l instanceof Residual) {
        InferenceSession.chainTransposes(l.main);
        if (l.shortcut) InferenceSession.chainTransposes(l.shortcut);
        continue;
      }
      if (!(l instanceof FeatureMajorLinear)) continue;
      let j = i + 1;
      while (j < layers.length && layers[j] instanceof ReLU) j++;
      const next = layers[j];
      if (next instanceof FeatureMajorLinear) {
        l.outputTransposed = true;
        next.inputTransposed = true;
      }
    }
  }

  /** Logits [rows × classes] of normalised inputs x [rows × inputs] (C order, as the model's input). */
  predict(x: Float32Array, rows: number): Float32Array {
    const { inputs, classes } = this.spec;
    if (!Number.isInteger(rows) || rows < 1 || x.length !== rows * inputs) {
      throw new ShrinkError("E_ARG", `predict: ${x.length} values for ${rows} rows of ${inputs} inputs`);
    }
    const out = new Float32Array(rows * classes);
    for (let r0 = 0; r0 < rows; r0 += this.maxBatch) {
      const n = Math.min(this.maxBatch, rows - r0);
      this.e.f32(this.input, n * inputs).set(x.subarray(r0 * inputs, (r0 + n) * inputs));
      out.set(this.e.f32(this.run(n), n * classes), r0 * classes);
    }
    return out;
  }

  /** Runs n ≤ maxBatch rows already at inputPtr; returns the logits' pointer (valid until the next call). */
  run(n: number): number {
    return this.net.forward(this.input, n);
  }

  /** Where run() reads its rows. */
  get inputPtr(): number {
    return this.input;
  }

  free(): void {
    this.net.free();
    this.e.free(this.input);
  }
}
