// npm run bench [-- --json] [-- --quick] [-- --sparse-only] [-- --threads-only] [-- --threads 1,2,4] [-- --conv-only] [-- --conv-layers-only [--layers a,b]] [-- --depthwise-only] [-- --placement-only]
// GEMM GFLOP/s at the MLP's training shapes and at 256/512/1024 square, beside a
// plain-JS GEMM in the same process; MLP training steps/s at batch 250; the
// sections on one thread (the single-threaded build), GEMM, the conv layers and
// depthwise also on the threaded build at 2 threads in the same rounds; then
// the threads section: whole steps and sparse inference on the single build
// and the threaded build at 1 and 2 (or the --threads list) threads,
// interleaved. Figures are recorded in docs/performance.md.
import { loadEngine } from "../src/node/index";
import type { Engine } from "../src/engine/engine";
import { Rng } from "../src/engine/rng";
import { buildModel, modelSpec } from "../src/nn/models";
import { Sgd } from "../src/optim/sgd";
import { Tensor } from "../src/engine/tensor";
import { jsGemm } from "./js-baseline";
import { bestSeconds } from "./timing";
import { makeLrSchedule } from "../src/optim/lr-schedules";
import { SoftThresholdOptimizer } from "../src/prune/soft-threshold";
import { prunableParams } from "../src/prune/prunable";
import { convRates, convStrategies, cnnImagesPerSecond, winogradSteps, type ConvRate } from "./conv";
import { sparseInference } from "./sparse";
import { threadCases } from "./threads";
import { depthwiseRates } from "./dwconv";
import { sgdPlacement, PLACEMENT_AFTER } from "./placement";

const argv = process.argv.slice(2);
const args = new Set(argv);
const asJson = args.has("--json");
const quick = args.has("--quick");
const log = (s: string) => { if (!asJson) console.log(s); };

const e = await loadEngine(undefined, { threads: 1 }); // the single-threaded build
const rng = new Rng(e, 1);

async function threadsSection() {
  const ti = argv.indexOf("--threads");
  const counts = ti >= 0 ? argv[ti + 1].split(",").map(Number) : [1, 2];
  const engines = [e];
  for (const n of counts) {
    const t = await loadEngine(undefined, { threads: Math.max(n, 2), onNotice: (l) => { throw new Error(l); } });
    if (n === 1) t.k.par_set_threads(1); // the threaded build's own one-thread path
    engines.push(t);
  }
  const cases = threadCases(engines, quick ? 2 : 6);
  const head = ["single build", ...counts.map((n) => `threads ${n}`)];
  log(`\nThreads (interleaved rounds, best of each; the same weights on every engine checked)`);
  log(`  ${"case".padEnd(38)} ${head.map((h) => h.padStart(13)).join("")}  ${counts.slice(1).map((n) => `${n} vs 1`.padStart(8)).join("")}  same bits`);
  for (const c of cases) {
    const one = c.rates[1];
    log(`  ${(c.name + ` (${c.unit})`).padEnd(38)} ${c.rates.map((r) => r.toFixed(1).padStart(13)).join("")}  ${c.rates.slice(2).map((r) => `${(r / one).toFixed(2)}×`.padStart(8)).join("")}  ${c.sameBits ? "yes" : "NO"}`);
  }
  for (const t of engines.slice(1)) t.dispose();
  return { counts, cases };
}

// Depthwise 3×3 on the single build and on the threaded build at 2 threads, interleaved.
async function depthwiseSection(rounds: number) {
  const t = await loadEngine(undefined, { threads: 2, onNotice: (l) => { throw new Error(l); } });
  const [one, two] = depthwiseRates([e, t], [rng, new Rng(t, 1)], rounds);
  t.dispose();
  log("\nDepthwise 3×3 (MobileNet-V1's layers, batch 32; GFLOP/s, 2·9 per output; 1 thread, then 2 threads)");
  log("  shape                        forward  input grad  weight grad    all   2 threads: all   2 vs 1");
  one.forEach((r, i) => log(`  ${r.shape.padEnd(28)} ${r.forward.toFixed(1).padStart(7)} ${r.inputGrad.toFixed(1).padStart(11)} ${r.weightGrad.toFixed(1).padStart(12)} ${r.all.toFixed(1).padStart(6)} ${two[i].all.toFixed(1).padStart(16)} ${(two[i].all / r.all).toFixed(2).padStart(7)}×`));
  return { oneThread: one, twoThreads: two };
}

if (args.has("--depthwise-only")) {
  await depthwiseSection(quick ? 2 : 6);
  process.exit(0);
}

// SGD on the MLP's weights at 2 threads after each operation of a step (bench/placement.ts).
if (args.has("--placement-only")) {
  const t = await loadEngine(undefined, { threads: 2, onNotice: (l) => { throw new Error(l); } });
  const rows = sgdPlacement(t, quick ? 100 : 300);
  t.dispose();
  log("\nSGD step at 2 threads (µs, first quartile) right after the operation named");
  log(`  ${"weight".padEnd(13)} ${PLACEMENT_AFTER.map((a) => a.padStart(27)).join("")}`);
  for (const r of rows) log(`  ${r.weight.padEnd(13)} ${PLACEMENT_AFTER.map((a) => r.after[a].toFixed(1).padStart(27)).join("")}`);
  if (asJson) console.log(JSON.stringify({ placement: rows }));
  process.exit(0);
}

if (args.has("--winograd-only")) {
  log("\nWinograd as shipped (F(4×4, 3×3); the 4/3 cut where F(4×4)'s tiles overhang; F(3×3, 3×3) on 3×3 maps) against F(2×2, 3×3) everywhere: training steps (images/s, one thread, interleaved rounds)");
  for (const s of winogradSteps(e, rng, quick ? 3 : 8)) log(`  ${s.model.padEnd(9)} batch ${String(s.batch).padStart(3)}: F(2×2) ${s.f2.toFixed(1).padStart(7)}   shipped ${s.shipped.toFixed(1).padStart(7)}   ${(s.shipped / s.f2).toFixed(2)}×`);
  process.exit(0);
}

if (args.has("--conv-only")) {
  const li = argv.indexOf("--layers");
  for (const s of convStrategies(e, rng, quick ? 2 : 4, li >= 0 ? argv[li + 1].split(",") : undefined)) log(`  ${s.layer.padEnd(16)} ${s.shape.padEnd(34)} ${s.variant.padEnd(38)} ${s.gflops.toFixed(1).padStart(6)}`);
  process.exit(0);
}

function logConvLayers(conv: ConvRate[], ref: number) {
  log("  model     layer                  shape                               fwd GFLOP/s  bwd GFLOP/s  total   of GEMM  2 threads  2 vs 1");
  for (const r of conv) {
    log(`  ${r.model.padEnd(9)} ${r.layer.padEnd(22)} ${r.shape.padEnd(36)} ${r.forwardGflops.toFixed(1).padStart(10)} ${r.backwardGflops.toFixed(1).padStart(12)} ${r.gflops.toFixed(1).padStart(7)} ${((100 * r.gflops) / ref).toFixed(0).padStart(7)}% ${r.gflops2!.toFixed(1).padStart(10)} ${(r.gflops2! / r.gflops).toFixed(2).padStart(6)}×`);
  }
}

// The conv-layer table alone (--layers a,b: only those), its GEMM reference the 512² rate in the same rounds.
if (args.has("--conv-layers-only")) {
  const li = argv.indexOf("--layers");
  const t = await loadEngine(undefined, { threads: 2, onNotice: (l) => { throw new Error(l); } });
  const { layers, gemm512 } = convRates(e, rng, quick ? 2 : 6, t, li >= 0 ? argv[li + 1].split(",") : undefined);
  log(`\nConv layers (forward + backward; % of the 512² GEMM rate ${gemm512.toFixed(1)} GFLOP/s in the same rounds)`);
  logConvLayers(layers, gemm512);
  t.dispose();
  process.exit(0);
}

if (args.has("--threads-only")) {
  const th = await threadsSection();
  if (asJson) console.log(JSON.stringify({ threads: th }));
  process.exit(0);
}

async function sparseSection() {
  const sp = await sparseInference(e, quick);
  log("\nSparse inference (InferenceSession, BN folded; magnitude-pruned per tensor; best of interleaved rounds)");
  log("  model  batch  sparsity   dense ms   sparse ms   speed-up   max |Δlogit|/max|logit|");
  for (const r of sp.rows) log(`  ${r.model.padEnd(5)} ${String(r.batch).padStart(6)} ${(100 * r.sparsity).toFixed(0).padStart(8)}% ${r.denseMs.toFixed(4).padStart(10)} ${r.sparseMs.toFixed(4).padStart(11)} ${r.speedup.toFixed(2).padStart(9)}×   ${r.maxRelDiff.toExponential(1)}`);
  log("  break-even sparsity: " + Object.entries(sp.breakEven).map(([k, v]) => `${k} ${v}`).join("; "));
  log("  onnxruntime-web 1.31 (wasm SIMD, 1 thread) running the same model dense vs shrink sparse at 90%:");
  for (const r of sp.ort) log(`    ${r.model.padEnd(5)} batch ${String(r.batch).padStart(3)}: onnxruntime ${r.ortDenseMs.toFixed(4)} ms, shrink sparse ${r.shrinkSparse90Ms.toFixed(4)} ms: ${r.speedup.toFixed(1)}× faster`);
  log("  MLP pruned to exactly 2:4 (50%): dense vs CSR vs the N:M kernel");
  for (const r of sp.nm) log(`    batch ${String(r.batch).padStart(3)}: dense ${r.denseMs.toFixed(4)} ms, CSR ${r.csrMs.toFixed(4)} ms (${r.csrSpeedup.toFixed(2)}×), 2:4 kernel ${r.nmMs.toFixed(4)} ms (${r.nmSpeedup.toFixed(2)}×)`);
  return sp;
}

if (args.has("--sparse-only")) {
  const sp = await sparseSection();
  if (asJson) console.log(JSON.stringify({ sparse: sp }));
  process.exit(0);
}

type Mode = "nn" | "nt" | "tn";
interface Shape { label: string; mode: Mode; m: number; n: number; k: number }

// The MLP at batch 250: forward y = x·Wᵀ (nt), weight gradients dW = dYᵀ·X (tn),
// input gradients dX = dY·W (nn; none for the first layer).
const MLP_SHAPES: Shape[] = [
  { label: "fc1 forward", mode: "nt", m: 250, n: 128, k: 784 },
  { label: "fc2 forward", mode: "nt", m: 250, n: 256, k: 128 },
  { label: "fc3 forward", mode: "nt", m: 250, n: 10, k: 256 },
  { label: "fc1 dW", mode: "tn", m: 128, n: 784, k: 250 },
  { label: "fc2 dW", mode: "tn", m: 256, n: 128, k: 250 },
  { label: "fc3 dW", mode: "tn", m: 10, n: 256, k: 250 },
  { label: "fc2 dX", mode: "nn", m: 250, n: 128, k: 256 },
  { label: "fc3 dX", mode: "nn", m: 250, n: 256, k: 10 },
];
const SQUARE: Shape[] = [256, 512, 1024].map((s) => ({ label: `${s}²`, mode: "nn", m: s, n: s, k: s }));

// Every case is timed in interleaved rounds (each round one short trial of every
// case, on the single build and then on the threaded build at 2 threads) and
// keeps its best trial, so a slow spell of the VM hits all cases alike.
function gemmCases(shapes: Shape[], rounds: number, two: Engine) {
  const r2 = new Rng(two, 1);
  const make = (en: Engine, r: Rng, s: Shape) => {
    const a = en.alloc(s.m * s.k), b = en.alloc(s.k * s.n), c = en.alloc(s.m * s.n);
    r.fillUniform(a, s.m * s.k, -1, 1);
    r.fillUniform(b, s.k * s.n, -1, 1);
    const { m, n, k } = s;
    const run = s.mode === "nn" ? () => en.k.gemm_nn(m, n, k, a, k, b, n, c, n, 0)
      : s.mode === "nt" ? () => en.k.gemm_nt(m, n, k, a, k, b, k, c, n, 0)
      : () => en.k.gemm_tn(m, n, k, a, m, b, n, c, n, 0);
    return { en, a, b, c, run, best: Infinity };
  };
  const cases = shapes.map((s) => ({ s, runs: [make(e, rng, s), make(two, r2, s)] }));
  r2.free();
  for (const c of cases) for (const u of c.runs) bestSeconds(u.run, 0.1, 1); // warm-up: V8 tiers up to TurboFan
  for (let r = 0; r < rounds; r++) for (const c of cases) for (const u of c.runs) u.best = Math.min(u.best, bestSeconds(u.run, 0.02, 1));
  return cases.map(({ s, runs: [u, u2] }) => {
    const { m, n, k } = s;
    const flops = 2 * m * n * k;
    const A = e.f32(u.a, m * k).slice(), B = e.f32(u.b, k * n).slice(), C = new Float32Array(m * n);
    const js = flops / bestSeconds(() => jsGemm(s.mode, m, n, k, A, B, C), 0.05, quick ? 2 : 3) / 1e9;
    for (const w of [u, u2]) { w.en.free(w.a); w.en.free(w.b); w.en.free(w.c); }
    const gflops = flops / u.best / 1e9, gflops2 = flops / u2.best / 1e9;
    return { label: s.label, mode: s.mode, m, n, k, gflops, jsGflops: js, speedup: gflops / js, gflops2 };
  });
}

const two = await loadEngine(undefined, { threads: 2, onNotice: (l) => { throw new Error(l); } }); // the threaded build, 2 threads
log("GEMM (f32, SIMD128; 2 threads: the threaded build)  wasm GFLOP/s   JS GFLOP/s   ×JS   of 512²  2 threads  2 vs 1");
const all = gemmCases([...SQUARE, ...MLP_SHAPES], quick ? 5 : 40, two);
const square = all.slice(0, SQUARE.length);
const mlp = all.slice(SQUARE.length);
const ref512 = square[1].gflops;
for (const r of all) {
  log(`  ${(r.label + ` (${r.mode} ${r.m}×${r.n}×${r.k})`).padEnd(42)} ${r.gflops.toFixed(2).padStart(9)} ${r.jsGflops.toFixed(2).padStart(12)} ${r.speedup.toFixed(1).padStart(6)} ${((100 * r.gflops) / ref512).toFixed(0).padStart(6)}% ${r.gflops2.toFixed(2).padStart(10)} ${(r.gflops2 / r.gflops).toFixed(2).padStart(6)}×`);
}

// MLP training step at batch 250: forward, loss, backward, SGD (Nesterov, wd).
const batch = 250;
const spec = modelSpec("mlp", 784, 10);
const model = buildModel(e, spec, batch, rng);
const sgd = new Sgd(e, model.params(), { momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true });
const x = new Tensor(e, [batch, 784]);
rng.fillNormal(x.ptr, x.size, 0, 1);
const y = new Tensor(e, [batch], "i32");
e.i32(y.ptr, batch).set(Array.from({ length: batch }, (_, i) => i % 10));
const dl = new Tensor(e, [batch, 10]);
const correct = e.alloc(1, "i32");
const step = () => {
  const logits = model.forward(x.ptr, batch);
  e.k.softmax_xent(logits, y.ptr, batch, 10, 0, dl.ptr, correct);
  model.backward(dl.ptr, batch);
  sgd.step(0.01);
};
const stepSeconds = bestSeconds(step, 0.05, 20);
const stepFlops = 2 * batch * (784 * 128 + 128 * 256 + 256 * 10) * 2 + 2 * batch * (128 * 256 + 256 * 10);
const stepsPerSecond = 1 / stepSeconds;
// Share of the step spent in GEMM, from the per-shape rates measured above.
const gemmSeconds = mlp.reduce((s, r) => s + (2 * r.m * r.n * r.k) / (r.gflops * 1e9), 0);
log(`\nMLP 784-128-256-10 training step, batch 250 (forward + backward + SGD)`);
log(`  ${stepsPerSecond.toFixed(1)} steps/s  (${(stepSeconds * 1e3).toFixed(2)} ms/step, ${(stepFlops / stepSeconds / 1e9).toFixed(2)} GFLOP/s effective, GEMM ${(100 * gemmSeconds / stepSeconds).toFixed(0)}% of the step)`);

// Pruning overhead: the same step with S-LATS soft-threshold pruning (fused
// st_step on every weight tensor) instead of plain SGD, timed in alternation.
const lrs = makeLrSchedule(e, { kind: "cosine", lr: 0.01, epochs: 1000, stepsPerEpoch: 240 });
const st = new SoftThresholdOptimizer(e, model.params(), prunableParams(model.params()), sgd.opts, lrs, { method: "slats", D: 0.1, grad: "ste", threshold: "global", sInit: -5 });
let tStep = 0;
const pruneStep = () => {
  const logits = model.forward(x.ptr, batch);
  e.k.softmax_xent(logits, y.ptr, batch, 10, 0, dl.ptr, correct);
  model.backward(dl.ptr, batch);
  st.step(0.01, tStep++ % 200000);
};
// The overhead is the median over rounds of (pruned trial / dense trial), each
// pair timed back to back: a ratio of neighbours survives the VM's slow spells.
let denseBest = Infinity, pruneBest = Infinity;
const ratios: number[] = [];
for (let r = 0; r < (quick ? 5 : 40); r++) {
  const d = bestSeconds(step, 0.03, 1), p = bestSeconds(pruneStep, 0.03, 1);
  denseBest = Math.min(denseBest, d);
  pruneBest = Math.min(pruneBest, p);
  ratios.push(p / d);
}
st.free();
ratios.sort((a, b) => a - b);
const overhead = ratios[ratios.length >> 1] - 1;
log(`  with S-LATS pruning: ${(1 / pruneBest).toFixed(1)} steps/s, ${(100 * overhead).toFixed(1)}% over the dense step (median of ${ratios.length} back-to-back pairs)`);

// Convolutions: each conv of cnn (28×28, batch 250) and each distinct conv of
// ResNet-18 (32×32, batch 64), forward and backward, against the 512² GEMM
// re-measured alongside (interleaved rounds, best of each).
const convRounds = quick ? 2 : 6;
const { layers: conv, gemm512: ref512rounds } = convRates(e, rng, convRounds, two);
// The conservative reference: the faster of the two 512² readings of this
// process (the one interleaved with the conv rounds has come out up to 30%
// lower than the GEMM section's).
const ref512conv = Math.max(ref512, ref512rounds);
log(`\nConv layers (forward + backward; % of the 512² GEMM rate ${ref512conv.toFixed(1)} GFLOP/s: the higher of ${ref512.toFixed(1)} above and ${ref512rounds.toFixed(1)} in the conv rounds)`);
logConvLayers(conv, ref512conv);
// The cnn's conv stack as a whole: total FLOPs over total time.
const cnnConvs = conv.filter((r) => r.model === "cnn");
const cnnGflops = cnnConvs.reduce((s, r) => s + r.flops, 0) / cnnConvs.reduce((s, r) => s + r.seconds, 0) / 1e9;
log(`  cnn conv layers together: ${cnnGflops.toFixed(1)} GFLOP/s = ${((100 * cnnGflops) / ref512conv).toFixed(0)}% of GEMM`);
const strategies = convStrategies(e, rng, quick ? 2 : 4);
log("\nConv strategies (forward + backward with dx, GFLOP/s; docs/conv.md)");
for (const s of strategies) log(`  ${s.layer.padEnd(16)} ${s.shape.padEnd(34)} ${s.variant.padEnd(38)} ${s.gflops.toFixed(1).padStart(6)}`);
const dw = await depthwiseSection(quick ? 2 : 6);
const cnnStep = cnnImagesPerSecond(e, rng, 250, quick ? 2 : 5);
log(`\ncnn training (28×28×1, batch 250, forward + backward + SGD): ${cnnStep.imagesPerSecond.toFixed(1)} images/s (${cnnStep.msPerStep.toFixed(0)} ms/step)`);

const sparse = await sparseSection();
const threads = await threadsSection();
two.dispose();

if (asJson) {
  console.log(JSON.stringify({
    sparse, threads,
    gemm: { square, mlp, ref512 }, mlpStep: { batch, stepsPerSecond, msPerStep: stepSeconds * 1e3, effectiveGflops: stepFlops / stepSeconds / 1e9, gemmShare: gemmSeconds / stepSeconds },
    pruneStep: { denseMs: denseBest * 1e3, slatsMs: pruneBest * 1e3, overhead },
    conv: { ref512: ref512conv, ref512rounds, layers: conv, cnnConvGflops: cnnGflops, cnnConvShare: cnnGflops / ref512conv, strategies, depthwise: dw }, cnnTraining: cnnStep,
  }));
}
