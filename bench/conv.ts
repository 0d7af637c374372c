// Conv layer rates at the layer shapes of `cnn` (28×28 input, batch 250) and of
// ResNet-18's blocks (32×32 input), forward and backward, as GFLOP/s and as a
// share of the 512² GEMM rate measured in the same process; and `cnn` training
// images/s at batch 250 (forward, loss, backward, SGD).
import type { Engine } from "../src/engine/engine";
import { Rng } from "../src/engine/rng";
import { Tensor } from "../src/engine/tensor";
import { Conv2d, type WinogradTile } from "../src/nn/conv2d";
import { Workspace } from "../src/nn/workspace";
import { planConvs, type ConvPlan } from "../src/nn/plan";
import { buildModel, modelPlan, modelSpec } from "../src/nn/models";
import { Sgd } from "../src/optim/sgd";
import { Sequential } from "../src/nn/sequential";
import { Residual } from "../src/nn/residual";
import { bestSeconds } from "./timing";

// A conv layer call at these batches takes 10 ms to 1 s: one timed call per
// round (after a warm-up call before the rounds) is the trial.
function once(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

export interface ConvRate {
  model: string;
  layer: string;
  shape: string;
  batch: number;
  forwardGflops: number;
  backwardGflops: number;
  /** (forward + backward FLOPs) / (forward + backward time). */
  gflops: number;
  flops: number;
  seconds: number;
  /** The same layer on the threaded build at 2 threads (forward + backward GFLOP/s), timed in the same rounds; when a second engine was given. */
  gflops2?: number;
}

/** Distinct conv shapes of a plan (the first layer of each distinct geometry). */
function distinct(convs: ConvPlan[]): ConvPlan[] {
  const seen = new Set<string>();
  return convs.filter((p) => {
    const key = JSON.stringify([p.in, p.out, p.kernel, p.stride, p.groups]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Every conv (or those named in `only`) timed forward and backward in
 * interleaved rounds, each keeping its best trial, with the 512² GEMM timed in
 * the same rounds as the reference.
 */
export function convRates(e: Engine, rng: Rng, rounds: number, two?: Engine, only?: string[]): { layers: ConvRate[]; gemm512: number } {
  const S = 512;
  const ga = e.alloc(S * S), gb = e.alloc(S * S), gc = e.alloc(S * S);
  rng.fillUniform(ga, S * S, -1, 1);
  rng.fillUniform(gb, S * S, -1, 1);
  const gemm = () => e.k.gemm_nn(S, S, S, ga, S, gb, S, gc, S, 0);
  let gemmBest = Infinity;
  const sets: [string, ConvPlan[], number][] = [
    ["cnn", planConvs(modelPlan(modelSpec("cnn", [1, 28, 28], 10))), 250],
    ["resnet18", distinct(planConvs(modelPlan(modelSpec("resnet18", [3, 32, 32], 10)))), 64],
  ];
  // One copy of every layer per engine (the 2-thread engine's seeded alike), each case's engines timed back to back.
  const make = (en: Engine, r: Rng, model: string, p: ConvPlan, i: number, batch: number) => {
    const ws = new Workspace(en);
    const needDx = !(model === "cnn" && i === 0) && p.name !== "conv1";
    const layer = new Conv2d(en, p, batch, r, ws, needDx);
    const x = new Tensor(en, [batch, layer.inFeatures]);
    const dy = new Tensor(en, [batch, layer.outFeatures]);
    r.fillUniform(x.ptr, x.size, -1, 1);
    r.fillUniform(dy.ptr, dy.size, -1, 1);
    return {
      layer, ws, x, dy, needDx, fwd: Infinity, bwd: Infinity,
      forward: () => layer.forward(x.ptr, batch),
      backward: () => layer.backward(dy.ptr, batch, needDx),
    };
  };
  const rng2 = two ? new Rng(two, 1) : null;
  const cases = sets.flatMap(([model, convs, batch]) => convs.map((p, i) => ({ p, i })).filter(({ p }) => !only || only.includes(p.name)).map(({ p, i }) => {
    const macs = batch * p.out[0] * p.out[1] * p.out[2] * (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1];
    const runs = [make(e, rng, model, p, i, batch), ...(two ? [make(two, rng2!, model, p, i, batch)] : [])];
    return { model, p, batch, macs, needDx: runs[0].needDx, runs };
  }));
  for (const c of cases) for (const u of c.runs) { u.forward(); u.backward(); }
  for (let r = 0; r < rounds; r++) {
    gemmBest = Math.min(gemmBest, bestSeconds(gemm, 0.02, 1));
    for (const c of cases) {
      for (const u of c.runs) {
        u.fwd = Math.min(u.fwd, once(u.forward));
        u.bwd = Math.min(u.bwd, once(u.backward));
      }
    }
  }
  rng2?.free();
  e.free(ga); e.free(gb); e.free(gc);
  const layers = cases.map((c) => {
    const f = 2 * c.macs, b = (c.needDx ? 4 : 2) * c.macs;
    const { p } = c, [u, u2] = c.runs;
    for (const w of c.runs) { w.layer.free(); w.ws.free(); w.x.free(); w.dy.free(); }
    return {
      model: c.model, layer: p.name, batch: c.batch,
      shape: `${p.in.join("×")}→${p.out.join("×")} k${p.kernel[0]} s${p.stride[0]}${p.groups > 1 ? ` g${p.groups}` : ""}`,
      forwardGflops: f / u.fwd / 1e9, backwardGflops: b / u.bwd / 1e9, gflops: (f + b) / (u.fwd + u.bwd) / 1e9,
      flops: f + b, seconds: u.fwd + u.bwd,
      ...(u2 ? { gflops2: (f + b) / (u2.fwd + u2.bwd) / 1e9 } : {}),
    };
  });
  return { layers, gemm512: (2 * S ** 3) / gemmBest / 1e9 };
}

/** `cnn` training images/s (28×28×1, 10 classes) at the given batch. */
export function cnnImagesPerSecond(e: Engine, rng: Rng, batch: number, trials: number): { imagesPerSecond: number; msPerStep: number } {
  const spec = modelSpec("cnn", [1, 28, 28], 10);
  const model = buildModel(e, spec, batch, rng);
  const sgd = new Sgd(e, model.params(), { momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true });
  const x = new Tensor(e, [batch, 784]);
  rng.fillNormal(x.ptr, x.size, 0, 1);
  const y = new Tensor(e, [batch], "i32").set(Array.from({ length: batch }, (_, i) => i % 10));
  const dl = new Tensor(e, [batch, 10]);
  const correct = e.alloc(1, "i32");
  const step = () => {
    const logits = model.forward(x.ptr, batch);
    e.k.softmax_xent(logits, y.ptr, batch, 10, 0, dl.ptr, correct);
    model.backward(dl.ptr, batch);
    sgd.step(0.01);
  };
  step();
  let s = Infinity;
  for (let t = 0; t < trials; t++) s = Math.min(s, once(step));
  sgd.free(); model.free(); x.free(); y.free(); dl.free(); e.free(correct);
  return { imagesPerSecond: batch / s, msPerStep: s * 1e3 };
}

/**
 * Swaps every Winograd conv of `model` (a Sequential, with residual blocks
 * inside) for one with output tiles of side 2, the same weights: the F(4×4)
 * and F(3×3) layers' baseline in the same process.
 */
function withF2x2(e: Engine, model: Sequential, maxRows: number, rng: Rng): void {
  const walk = (seq: Sequential) => seq.layers.forEach((l, i) => {
    if (l instanceof Conv2d && l.winogradTile > 2) {
      const f2 = new Conv2d(e, l.plan, maxRows, rng, model.workspace!, true, { winogradTile: 2 });
      e.f32(f2.weight.ptr, f2.weight.size).set(e.f32(l.weight.ptr, l.weight.size));
      l.free();
      seq.layers[i] = f2;
    } else if (l instanceof Sequential) walk(l);
    else if (l instanceof Residual) { walk(l.main); if (l.shortcut) walk(l.shortcut); }
  });
  walk(model);
}

export interface WinogradStep { model: string; batch: number; f2: number; shipped: number }

/**
 * Training steps (forward, loss, backward, SGD; images/s) of cnn (28×28, batch
 * 64) and ResNet-18 (32×32, batch 32) as shipped (F(4×4, 3×3) where Conv2d
 * picks it, the 4/3 cut where its tiles overhang, F(3×3, 3×3) on 3×3 maps) against the same models with every Winograd conv on F(2×2, 3×3),
 * interleaved rounds, best trial.
 */
export function winogradSteps(e: Engine, rng: Rng, rounds: number): WinogradStep[] {
  const cases = [{ name: "cnn", shape: [1, 28, 28], batch: 64 }, { name: "resnet18", shape: [3, 32, 32], batch: 32 }] as const;
  return cases.map((c) => {
    const runs = [true, false].map((f2) => {
      const model = buildModel(e, modelSpec(c.name, [...c.shape], 10), c.batch, rng);
      if (f2) withF2x2(e, model, c.batch, rng);
      const sgd = new Sgd(e, model.params(), { momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true });
      const per = c.shape[0] * c.shape[1] * c.shape[2];
      const x = new Tensor(e, [c.batch, per]);
      rng.fillNormal(x.ptr, x.size, 0, 1);
      const y = new Tensor(e, [c.batch], "i32").set(Array.from({ length: c.batch }, (_, i) => i % 10));
      const dl = new Tensor(e, [c.batch, 10]);
      const correct = e.alloc(1, "i32");
      const step = () => {
        e.k.softmax_xent(model.forward(x.ptr, c.batch), y.ptr, c.batch, 10, 0, dl.ptr, correct);
        model.backward(dl.ptr, c.batch);
        sgd.step(0.01);
      };
      const free = () => { sgd.free(); model.free(); x.free(); y.free(); dl.free(); e.free(correct); };
      return { step, free, best: Infinity };
    });
    for (const r of runs) r.step();
    for (let k = 0; k < rounds; k++) for (const r of runs) r.best = Math.min(r.best, once(r.step));
    for (const r of runs) r.free();
    return { model: c.name, batch: c.batch, f2: c.batch / runs[0].best, shipped: c.batch / runs[1].best };
  });
}

export interface StrategyRate {
  layer: string;
  shape: string;
  variant: string;
  gflops: number;
}

/**
 * The measurements behind the conv operator's choices (docs/conv.md): im2col
 * chunk width, keeping columns versus recomputing them, Winograd F(2×2, 3×3)
 * and F(4×4, 3×3) versus im2col on cnn's and ResNet-18's 3×3 convs, the
 * direct depthwise kernel versus grouped GEMM, the direct 1×1 product versus
 * im2col. Forward + backward (with dx), best of interleaved rounds; only: the
 * layers to time (default all).
 */
export function convStrategies(e: Engine, rng: Rng, rounds: number, only?: string[]): StrategyRate[] {
  const cnn = planConvs(modelPlan(modelSpec("cnn", [1, 28, 28], 10)));
  const mob = planConvs(modelPlan(modelSpec("mobilenet-v1", [3, 32, 32], 10)));
  const find = (ps: ConvPlan[], name: string) => ps.find((p) => p.name === name)!;
  const res = planConvs(modelPlan(modelSpec("resnet18", [3, 32, 32], 10)));
  type V = { p: ConvPlan; batch: number; variant: string; keep: boolean; chunkColumns?: number; depthwiseKernel?: boolean; winograd?: boolean; winogradTile?: WinogradTile; winogradChunkColumns?: number };
  const variants: V[] = [];
  for (const name of ["features.4", "features.8", "features.12"]) {
    for (const cc of [512, 1024, 2048, 4096]) variants.push({ p: find(cnn, name), batch: 250, variant: `chunk ${cc} columns, kept`, keep: true, chunkColumns: cc, winograd: false });
    variants.push({ p: find(cnn, name), batch: 250, variant: "chunk 2048 columns, recomputed", keep: false, chunkColumns: 2048, winograd: false });
    for (const tile of name === "features.12" ? [2, 3, 4] as const : [2, 4, 43] as const) {
      const f = tile === 43 ? "4/3 cut" : `F(${tile}×${tile})`;
      for (const wc of [256, 512, 1024, 1 << 20]) variants.push({ p: find(cnn, name), batch: 250, variant: `Winograd ${f}, chunk ${wc < 1 << 20 ? `${wc} tiles` : "whole batch"}, V kept`, keep: true, winogradTile: tile, winogradChunkColumns: wc });
      variants.push({ p: find(cnn, name), batch: 250, variant: `Winograd ${f}, V recomputed`, keep: false, winogradTile: tile });
    }
  }
  for (const name of ["layer1.0.conv1", "layer2.0.conv2", "layer3.0.conv2", "layer4.0.conv2"]) {
    variants.push({ p: find(res, name), batch: 64, variant: "im2col + GEMM, kept", keep: true, winograd: false });
    for (const tile of [2, 4] as const) {
      for (const wc of [256, 512, 1024, 1 << 20]) variants.push({ p: find(res, name), batch: 64, variant: `Winograd F(${tile}×${tile}), chunk ${wc < 1 << 20 ? `${wc} tiles` : "whole batch"}, V kept`, keep: true, winogradTile: tile, winogradChunkColumns: wc });
    }
  }
  for (const name of ["layers.1.conv1", "layers.2.conv1"]) {
    variants.push({ p: find(mob, name), batch: 64, variant: "direct depthwise kernel", keep: true, depthwiseKernel: true });
    variants.push({ p: find(mob, name), batch: 64, variant: "grouped im2col + GEMM", keep: true, depthwiseKernel: false });
  }
  variants.push({ p: find(mob, "layers.0.conv2"), batch: 64, variant: "1×1 direct GEMM (1 sample per chunk)", keep: true, chunkColumns: 1024 });
  variants.push({ p: find(mob, "layers.0.conv2"), batch: 64, variant: "1×1 via im2col (2 samples per chunk)", keep: true, chunkColumns: 2048 });
  // One layer's variants at a time (all of them at once would not fit in
  // 4 GiB), interleaved among themselves.
  const out: StrategyRate[] = [];
  for (const layerName of [...new Set(variants.map((v) => v.p.name))].filter((n) => !only || only.includes(n))) {
    const cases = variants.filter((v) => v.p.name === layerName).map((v) => {
      const ws = new Workspace(e, v.keep ? undefined : 0);
      const layer = new Conv2d(e, v.p, v.batch, rng, ws, true, { chunkColumns: v.chunkColumns, depthwiseKernel: v.depthwiseKernel, winograd: v.winograd, winogradTile: v.winogradTile, winogradChunkColumns: v.winogradChunkColumns });
      const x = new Tensor(e, [v.batch, layer.inFeatures]);
      const dy = new Tensor(e, [v.batch, layer.outFeatures]);
      rng.fillUniform(x.ptr, x.size, -1, 1);
      rng.fillUniform(dy.ptr, dy.size, -1, 1);
      const p = v.p;
      const macs = v.batch * p.out[0] * p.out[1] * p.out[2] * (p.in[0] / p.groups) * p.kernel[0] * p.kernel[1];
      const step = () => { layer.forward(x.ptr, v.batch); layer.backward(dy.ptr, v.batch, true); };
      return { v, layer, ws, x, dy, macs, step, best: Infinity };
    });
    for (const c of cases) c.step();
    for (let r = 0; r < rounds; r++) for (const c of cases) c.best = Math.min(c.best, once(c.step));
    for (const c of cases) {
      c.layer.free(); c.ws.free(); c.x.free(); c.dy.free();
      const p = c.v.p;
      out.push({
        layer: p.name, variant: c.v.variant, gflops: (6 * c.macs) / c.best / 1e9,
        shape: `${p.in.join("×")}→${p.out.join("×")} k${p.kernel[0]} s${p.stride[0]}${p.groups > 1 ? ` g${p.groups}` : ""}`,
      });
    }
  }
  return out;
}
