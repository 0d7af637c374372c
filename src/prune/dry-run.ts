// A dry run (--dry-run): everything a run would check, and its plan, without
// training. The session and the pruning method are built exactly as a run
// builds them (so every validation runs); then a few training steps are timed
// on a copy of the data order, and the model and optimizer are thrown away.
import type { Engine } from "../engine/engine.js";
import { Tensor } from "../engine/tensor.js";
import type { ImageLabelSet } from "../data/idx.js";
import type { LayerPlan } from "../nn/plan.js";
import { planOut, planTensors, layerMacs } from "../nn/plan.js";
import { modelPlan } from "../nn/models.js";
import { createSession, type InitWeights } from "../train/session.js";
import { validateTrainConfig, type TrainConfig } from "../train/config.js";
import { validatePruneConfig, type PruneConfig } from "./config.js";
import { prunableParams, globToRegExp } from "./prunable.js";
import { makeOptimizer } from "./method.js";
import { SoftThresholdOptimizer } from "./soft-threshold.js";
import { Gmp, gmpSparsity } from "./gmp.js";
import { ITERATIVE_METHODS } from "./iterative.js";

export interface DryLayer { name: string; op: string; out: number[]; params: number; macs: number }
export interface DryTensor { name: string; shape: number[]; params: number; pruned: boolean; why: string }
export interface DryRun {
  model: string;
  input: number[];
  classes: number;
  layers: DryLayer[];
  params: number;
  macsPerSample: number;
  tensors: DryTensor[];
  data: { train: number; test: number; shape: number[]; stepsPerEpoch: number };
  /** d(t) (soft-threshold methods) or the target sparsity (gmp) at t/T = 0, ¼, ½, ¾, 1; the iterations for sap, lottery, one-shot. */
  schedule: { x: number; step: number; value: number; what: string }[] | { iterations: number; epochsEach: number; rule: string } | null;
  /** Measured on `timedRows` rows (all of the batch where that is cheap) and scaled to the batch: milliseconds per training step (forward, backward, update), and the epoch estimate. */
  msPerStep: number;
  timedRows: number;
  secondsPerEpoch: number;
}

/** Multiply-accumulates one timed step may cost (about 0.05 s here): the dry run stays within seconds on any model. */
const TIMING_MACS = 1e9;

function layerRows(plan: LayerPlan[], out: DryLayer[] = []): DryLayer[] {
  for (const p of plan) {
    const shape = [...planOut(p)];
    if (p.op === "residual") {
      out.push({ name: p.name, op: `residual${p.relu ? "+relu" : ""}`, out: shape, params: 0, macs: 0 });
      layerRows(p.main, out);
      layerRows(p.shortcut ?? [], out);
    } else if (p.op === "multistep") {
      out.push({ name: p.name, op: `multistep (T=${p.timesteps})`, out: shape, params: 0, macs: 0 });
      layerRows(p.layers, out);
    } else {
      const params = planTensors([p]).filter((t) => !t.buffer).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
      out.push({ name: p.name, op: p.op, out: shape, params, macs: layerMacs(p) });
    }
  }
  return out;
}

/** Validates a training or pruning config against the data and describes the run, timing `timedSteps` steps. */
export async function dryRun(e: Engine, c: TrainConfig | PruneConfig, train: ImageLabelSet, test: ImageLabelSet, o: { init?: InitWeights; timedSteps?: number } = {}): Promise<DryRun> {
  const isPrune = "method" in c;
  if (isPrune) validatePruneConfig(c as PruneConfig);
  else validateTrainConfig(c);
  const session = createSession(e, c, train, test, { init: o.init });
  const params = session.model.params();
  let opt: { step(lr: number, t: number): void; free(): void } = session.sgd;
  let own = false;
  let schedule: DryRun["schedule"] = null;
  let tensors: DryTensor[];
  try {
    const pc = c as PruneConfig;
    const prunable = new Set(isPrune ? prunableParams(params, pc.exclude) : []);
    const excluded = (pc.exclude ?? []).map(globToRegExp);
    tensors = params.map((p) => ({
      name: p.name, shape: [...p.value.shape], params: p.value.size, pruned: prunable.has(p),
      why: prunable.has(p) ? "conv/linear weight" : !isPrune ? "no pruning (train)" : p.kind === "bias" ? "bias: never pruned"
        : p.kind === "norm" ? "batch-norm scale: never pruned" : excluded.some((r) => r.test(p.name)) ? `excluded by --exclude ${pc.exclude.join(",")}` : "not prunable",
    }));
    const T = session.schedule.totalSteps;
    const xs = [0, 0.25, 0.5, 0.75, 1];
    if (isPrune && (ITERATIVE_METHODS as readonly string[]).includes(pc.method)) {
      schedule = {
        iterations: pc.iterations, epochsEach: pc.epochs,
        rule: pc.method === "sap" ? `prune c_t = ⌊d_t·min(γ(1 − r_t/d_t), β)⌋ per ${pc.scope} group (PQI p ${pc.p}, q ${pc.q}, η_r ${pc.etaR}, γ ${pc.gamma}, β ${pc.maxRatio})`
          : `prune ${pc.ratio} of the remaining ${pc.scope.startsWith("channel") ? "channels" : "weights"} per ${pc.scope} group each iteration`,
      };
    } else if (isPrune) {
      const m = makeOptimizer(e, pc, session, params, [...prunable]);
      opt = m.opt;
      own = true;
      if (m.opt instanceof SoftThresholdOptimizer) {
        const s = m.opt.schedule;
        if (s) schedule = xs.map((x) => { const step = Math.round(x * T); return { x, step, value: s.at(step), what: `d(t), ${pc.method}` }; });
      } else if (m.opt instanceof Gmp) {
        const g = m.opt.o;
        schedule = xs.map((x) => { const step = Math.min(T - 1, Math.round(x * T)); return { x, step, value: gmpSparsity(step, T, g), what: "gmp target sparsity" }; });
      }
    }
    // Time a few steps as train() runs them (forward, loss, backward, update) after one warm-up step,
    // on as many rows of the batch as about TIMING_MACS multiply-accumulates a step allow (forward and
    // backward ≈ 3× the forward's), scaled to the batch: the MLP's whole batch, one row of ResNet-18.
    const layers = layerRows(modelPlan(session.spec));
    const macs = layers.reduce((n, l) => n + l.macs, 0);
    const rowsTimed = Math.max(1, Math.min(session.trainData.batchSize, Math.floor(TIMING_MACS / (3 * Math.max(1, macs)))));
    const steps = Math.max(1, Math.min(o.timedSteps ?? 2, session.trainData.batches));
    const classes = session.model.outFeatures;
    const dl = new Tensor(e, [session.trainData.batchSize, classes]);
    const scratch = e.alloc(4, "i32");
    let ms = 0;
    try {
      for (let i = 0; i <= steps; i++) {
        const t0 = performance.now();
        const rows = Math.min(rowsTimed, session.trainData.load(i % session.trainData.batches));
        const logits = session.model.forward(session.trainData.x.ptr, rows);
        e.k.softmax_xent(logits, session.trainData.y.ptr, rows, classes, 0, dl.ptr, scratch);
        session.model.backward(dl.ptr, rows);
        opt.step(session.schedule.at(0), 0);
        if (i > 0) ms += performance.now() - t0;
      }
    } finally {
      dl.free();
      e.free(scratch);
    }
    const msPerStep = (ms / steps) * (session.trainData.batchSize / rowsTimed);
    return {
      model: session.spec.arch === "custom" ? `custom (${session.spec.architecture.name ?? "architecture file"})` : session.spec.arch,
      input: [...session.spec.input], classes: session.spec.classes, layers,
      params: tensors.reduce((s, t) => s + t.params, 0), macsPerSample: macs, tensors,
      data: { train: train.count, test: test.count, shape: [train.channels ?? 1, train.height, train.width], stepsPerEpoch: session.trainData.batches },
      schedule, msPerStep, timedRows: rowsTimed, secondsPerEpoch: (msPerStep * session.trainData.batches) / 1000,
    };
  } finally {
    if (own) opt.free();
    session.dispose();
  }
}
