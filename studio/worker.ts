// The studio's Web Worker: loads the engine and the data, runs the chosen
// method as a RunSession in slices (so a stop message is seen between two
// slices and the page never waits), and reports every step, epoch and
// iteration for the charts; at the end (or on stop) it encodes the model as
// safetensors, as a sparse file and as ONNX, and the run log.
import { Engine } from "../src/engine/engine.js";
import { defaultThreads } from "../src/engine/threads.js";
import { ShrinkError } from "../src/engine/errors.js";
import { RunSession, type RunConfig, type RunOutcome } from "../src/prune/run-session.js";
import { DSearcher, searchesD } from "../src/prune/search.js";
import { defaultD, type PruneConfig } from "../src/prune/config.js";
import { loadImageLabelPair, type ImageLabelSet } from "../src/data/idx.js";
import { parseCifar, CIFAR_FILES } from "../src/data/cifar.js";
import { encodeModel, decodeModelTensors, specFromMetadata } from "../src/io/model-file.js";
import { exportOnnx } from "../src/io/onnx/export.js";
import { importOnnx } from "../src/io/onnx/import.js";
import { absHistogram } from "../src/nn/histogram.js";
import { modelStats } from "../src/nn/summary.js";
import { SOFT_THRESHOLD_METHODS } from "../src/prune/soft-threshold.js";
import { ITERATIVE_METHODS } from "../src/prune/iterative.js";
import type { InitWeights } from "../src/train/session.js";
import type { FromWorker, ToWorker, NamedFile } from "./protocol.js";

let threadsLine = "";
const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
let stopRequested = false;

const IDX = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

async function embedded(): Promise<NamedFile[]> {
  return Promise.all(IDX.map(async (name) => {
    const res = await fetch(new URL(`./data/${name}.gz`, import.meta.url));
    if (!res.ok) throw new ShrinkError("E_DATA", `data/${name}.gz: HTTP ${res.status}`);
    return { name: `${name}.gz`, bytes: new Uint8Array(await res.arrayBuffer()) };
  }));
}

/** Four IDX files (gzip or raw), or CIFAR-10/100 .bin files, by their names. */
async function dataset(files: NamedFile[]): Promise<{ train: ImageLabelSet; test: ImageLabelSet; line: string }> {
  const find = (stem: string) => files.find((f) => f.name.replace(/\.gz$/, "") === stem || f.name.replace(/\.gz$/, "").replace(/[-.]idx[13]-ubyte$/, "") === stem.replace(/-idx[13]-ubyte$/, ""));
  const idx = IDX.map(find);
  if (idx.every(Boolean)) {
    const [ti, tl, vi, vl] = idx as NamedFile[];
    const train = await loadImageLabelPair(ti.bytes, tl.bytes, { images: ti.name, labels: tl.name });
    const test = await loadImageLabelPair(vi.bytes, vl.bytes, { images: vi.name, labels: vl.name });
    return { train, test, line: `${train.count} training and ${test.count} test images of ${train.height}×${train.width}` };
  }
  for (const kind of ["cifar10", "cifar100"] as const) {
    const names: { train: readonly string[]; test: readonly string[] } = CIFAR_FILES[kind];
    const tr = files.filter((f) => names.train.includes(f.name)), te = files.filter((f) => names.test.includes(f.name));
    if (tr.length && te.length) {
      const train = parseCifar(kind, tr), test = parseCifar(kind, te);
      return { train, test, line: `${kind}: ${train.count} training and ${test.count} test images` };
    }
  }
  throw new ShrinkError("E_DATA", `dropped files ${files.map((f) => f.name).join(", ")}: give the four IDX files (${IDX.join(", ")}, .gz or raw) or CIFAR .bin files (${CIFAR_FILES.cifar10.train[0]}…, ${CIFAR_FILES.cifar10.test[0]}; train.bin and test.bin for CIFAR-100)`);
}

/** A dropped model: a shrinkwasm safetensors file (its architecture and weights) or an ONNX model. */
function modelInput(e: Engine, f: NamedFile): { architecture: NonNullable<import("../src/train/config.js").TrainConfig["architecture"]>; init: InitWeights } {
  if (f.name.endsWith(".onnx")) {
    const m = importOnnx(f.bytes, f.name);
    return { architecture: m.architecture, init: { tensors: m.tensors, source: f.name } };
  }
  const { tensors, metadata } = decodeModelTensors(e, f.bytes, f.name);
  const spec = specFromMetadata(metadata, f.name);
  return { architecture: spec.architecture, init: { tensors, source: f.name } };
}

/** samplesPerSecond: the last epoch's training rate; bestSamplesPerSecond: the fastest epoch's. */
interface Pass { session: RunSession; done: boolean; samplesPerSecond: number; bestSamplesPerSecond: number; trainSeconds: number }

/** One run (or one pilot of a D search) as a RunSession in slices, reporting for the charts and the log. */
async function runPass(engine: Engine, run: RunConfig, sets: { train: ImageLabelSet; test: ImageLabelSet; line: string }, init: InitWeights | undefined,
  kind: { soft: boolean; iterative: boolean }, log: string[], pilot: number | null, sliceSteps: number): Promise<Pass> {
  let lastBatch = 0, samples = 0, best = 0, trainSeconds = 0;
  const session: RunSession = RunSession.start(engine, run, sets.train, sets.test, {
    init,
    onBatch: (ev) => {
      samples = ev.samplesPerSecond; // per epoch so far
      const now = performance.now();
      if (now - lastBatch < 50 && ev.batch !== ev.batches) return; // at most 20 chart points a second
      lastBatch = now;
      post({ type: "batch", step: session.progress().step, totalSteps: session.progress().totalSteps, loss: ev.loss, accuracy: ev.accuracy, lr: ev.lr, samplesPerSecond: ev.samplesPerSecond });
    },
    onEpoch: (ev, st) => {
      trainSeconds += ev.seconds;
      best = Math.max(best, samples); // the epoch's last batch carries its whole-epoch rate
      const weights = session.model.params().filter((p) => p.kind === "weight").map((p) => p.value);
      const stats = modelStats(engine, session.model);
      const weightLayers = stats.layers.filter((l) => l.name.endsWith("weight") && l.shape.length > 1);
      const msg: FromWorker = {
        type: "epoch", epoch: ev.epoch, iteration: ev.iteration ?? null, testAccuracy: ev.testAccuracy, testLoss: ev.testLoss, trainLoss: ev.trainLoss,
        sparsity: st?.sparsity ?? stats.sparsity, threshold: st && kind.soft ? st.threshold : null, mu: st && kind.soft ? st.mu : null,
        layers: weightLayers.map((l) => ({ name: l.name, sparsity: l.sparsity })), histogram: absHistogram(engine, weights, 60),
      };
      log.push(JSON.stringify({ ...(pilot ? { pilot } : {}), ...ev, ...(st ?? {}) })); // as the CLI's JSONL: pilot records carry their number
      post(msg);
    },
    onIteration: (r) => {
      log.push(JSON.stringify(r));
      post({ type: "iteration", iteration: r.iteration, remaining: r.remainingAfter, pqi: r.pqi, gini: r.gini, prunedAccuracy: r.prunedAccuracy, retrainedAccuracy: r.retrainedAccuracy });
    },
  });
  const D = run.kind === "prune" ? run.config.D ?? null : null;
  post({ type: "started", totalSteps: session.progress().totalSteps, layers: session.model.params().filter((p) => p.kind === "weight").map((p) => p.name), dataLine: `${sets.line}, ${threadsLine}`, ...kind, pilot, D });
  let done = false;
  while (!done && !stopRequested) done = await session.advance({ steps: sliceSteps });
  return { session, done, samplesPerSecond: trainSeconds > 0 ? samples : 0, bestSamplesPerSecond: best, trainSeconds };
}

async function start(m: Extract<ToWorker, { type: "start" }>): Promise<void> {
  const t0 = performance.now();
  // Threads where the page is cross-origin isolated (shrink studio sends COOP/COEP); else one, with the reason in the status line.
  // One core is left to the page: its charts redraw while the run trains, and a pool thread
  // descheduled by the page's drawing stalls every parallel region (on 2 cores: 0.69× Node's
  // rate with 2 threads, against 0.9–1.1× with 1).
  let notice = "";
  const threads = m.threads ?? Math.max(1, Math.min(defaultThreads(), (navigator.hardwareConcurrency || 1) - 1));
  const engine = await Engine.create(new URL("./shrinkwasm.wasm", import.meta.url), { threads, onNotice: (line) => (notice = line) });
  threadsLine = notice ? `1 thread (${notice})` : `${engine.threads} thread${engine.threads > 1 ? "s" : ""}`;
  const sets = await dataset(m.data === "embedded" ? await embedded() : m.data);
  const run = m.run;
  let init: InitWeights | undefined;
  if (m.model) {
    const dropped = modelInput(engine, m.model);
    run.config = { ...run.config, model: "custom", architecture: dropped.architecture };
    init = dropped.init;
  }
  const method = run.kind === "prune" ? run.config.method : null;
  const kind = { soft: method !== null && (SOFT_THRESHOLD_METHODS as readonly string[]).includes(method), iterative: method !== null && (ITERATIVE_METHODS as readonly string[]).includes(method) };
  const log: string[] = [];
  // A target sparsity on a scheduled soft-threshold method: pilot runs find D
  // (DSearcher, the CLI's search), each stoppable; the closest pilot is the result.
  const search = run.kind === "prune" && searchesD(run.config) ? new DSearcher(engine, run.config.targetSparsity!, run.config.D ?? defaultD(run.config.model)) : null;
  let result: Pass;
  if (!search) result = await runPass(engine, run, sets, init, kind, log, null, m.sliceSteps);
  else {
    let best: Pass | null = null;
    for (;;) {
      const i = search.pilots.length;
      const config = { ...(run.config as PruneConfig), D: search.D, targetSparsity: undefined };
      const pass = await runPass(engine, { kind: "prune", config }, sets, init, kind, log, i + 1, m.sliceSteps);
      if (!pass.done) { // stopped: the interrupted pilot is what there is
        await best?.session.dispose();
        result = pass;
        break;
      }
      const out = pass.session.outcome as Extract<RunOutcome, { kind: "prune" }>;
      const more = search.record({ sparsity: out.run.sparsity, testAccuracy: out.run.result.final.testAccuracy, seconds: out.run.result.seconds });
      post({ type: "pilot", pilot: i + 1, D: search.pilots[i].D, sparsity: out.run.sparsity, testAccuracy: out.run.result.final.testAccuracy });
      if (search.best === i) { await best?.session.dispose(); best = pass; } else await pass.session.dispose();
      if (!more) {
        try {
          search.check();
        } catch (err) {
          await best!.session.dispose();
          throw err;
        }
        result = best!;
        (run.config as PruneConfig).D = search.pilots[search.best].D; // the model file records the D found
        break;
      }
    }
  }
  const { session, done } = result;
  const out = session.outcome;
  const final = out?.kind === "prune" ? { sparsity: out.run.sparsity, acc: out.run.result.final.testAccuracy }
    : out?.kind === "iterative" ? { sparsity: 1 - out.run.iterations.at(-1)!.remainingAfter, acc: out.run.iterations.at(-1)!.prunedAccuracy }
    : out?.kind === "train" ? { sparsity: 0, acc: out.result.final.testAccuracy } : { sparsity: modelStats(engine, session.model).sparsity, acc: NaN };
  const extra = { training: run.config, studio: { stopped: !done, ...(search ? { search: { target: search.target, pilots: search.pilots } } : {}) } };
  const model = encodeModel(session.model, session.spec, extra);
  const sparse = encodeModel(session.model, session.spec, extra, { sparse: {} });
  let onnx: Uint8Array | null = null;
  try {
    onnx = exportOnnx(engine, session.model, session.spec);
  } catch {
    onnx = null; // a model ONNX cannot express: the other formats still download
  }
  await session.dispose();
  engine.dispose();
  post({ type: "done", stopped: !done, sparsity: final.sparsity, testAccuracy: final.acc, samplesPerSecond: result.samplesPerSecond, bestSamplesPerSecond: result.bestSamplesPerSecond, seconds: (performance.now() - t0) / 1000,
    search: search && done ? { D: search.pilots[search.best].D, best: search.best + 1, pilots: search.pilots.length } : null,
    files: { model, sparse, onnx, log: log.join("\n") + "\n" } }, [model.buffer, sparse.buffer, ...(onnx ? [onnx.buffer] : [])]);
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "stop") { stopRequested = true; return; }
  stopRequested = false;
  start(m).catch((err: unknown) => post({ type: "error", message: err instanceof ShrinkError ? err.message : String((err as Error)?.stack ?? err) }));
};
