// The studio page: a form for the run (model or a dropped model file, the
// embedded data or dropped files, the method and its settings), live uPlot
// charts fed by the Web Worker (worker.ts) that runs it, stop, and downloads.
// The page itself computes nothing: it checks the config and draws.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { DEFAULT_TRAIN_CONFIG } from "../src/train/config.js";
import { DEFAULT_PRUNE, PRUNE_METHODS, methodFields, validatePruneConfig, type PruneConfig, type PruneMethod } from "../src/prune/config.js";
import { validateTrainConfig, type TrainConfig } from "../src/train/config.js";
import { MODEL_NAMES, SPIKING_MODELS } from "../src/nn/models.js";
import type { RunConfig } from "../src/prune/run-session.js";
import { targetIsSearched } from "../src/prune/search.js";
import type { FromWorker, NamedFile, ToWorker } from "./protocol.js";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const form = $<HTMLFormElement>("#form");
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

// ---- the form ---------------------------------------------------------------
const METHOD_LABELS: Record<string, string> = {
  train: "train densely (no pruning)", slats: "S-LATS (Eq. 13)", lats: "LATS (Corollary 1)", pgh: "PGH (early pruning)", sine: "sine (STDS)",
  linear: "linear", log2: "log2", constant: "constant", str: "STR", gpo: "GPO", magnitude: "magnitude (one shot)", gmp: "GMP",
  sap: "SAP (PQ Index)", lottery: "Lottery Ticket", "one-shot": "One Shot",
};
/** The settings a method reads, as form inputs (defaults: DEFAULT_PRUNE). */
const FIELD_INPUTS: Partial<Record<string, { label: string; value: number; step?: string }>> = {
  D: { label: "Final threshold D", value: 0.1, step: "any" },
  beta: { label: "PGH β", value: DEFAULT_PRUNE.beta, step: "any" },
  stopPenalty: { label: "Stop at g′ < p (optional)", value: NaN, step: "any" },
  targetSparsity: { label: "Target sparsity", value: 0.9, step: "any" },
  iterations: { label: "Iterations", value: 4, step: "1" },
  ratio: { label: "Ratio per iteration", value: DEFAULT_PRUNE.ratio, step: "any" },
  p: { label: "PQI p", value: DEFAULT_PRUNE.p, step: "any" },
  q: { label: "PQI q", value: DEFAULT_PRUNE.q, step: "any" },
  gamma: { label: "SAP γ", value: DEFAULT_PRUNE.gamma, step: "any" },
  maxRatio: { label: "SAP β (max ratio)", value: DEFAULT_PRUNE.maxRatio, step: "any" },
  sInit: { label: "STR s init", value: DEFAULT_PRUNE.sInit, step: "any" },
};

// Spiking models need --width/--timesteps to fit a browser tab; the studio has no fields for them yet (docs/spiking.md).
for (const m of MODEL_NAMES.filter((n) => !SPIKING_MODELS.includes(n))) field("model").append(new Option(m, m, m === "mlp", m === "mlp"));
for (const m of ["train", ...PRUNE_METHODS]) field("method").append(new Option(METHOD_LABELS[m] ?? m, m, m === "slats", m === "slats"));

function methodFieldsFor(method: string): string[] {
  if (method === "train") return [];
  return (methodFields(method as PruneMethod) as readonly string[]).filter((f) => FIELD_INPUTS[f]);
}

function renderMethodFields(): void {
  const box = $("#method-fields");
  box.replaceChildren(...methodFieldsFor(field("method").value).map((f) => {
    // On a scheduled soft-threshold method the target is optional and pilot runs search D for it.
    const search = f === "targetSparsity" && targetIsSearched(field("method").value);
    const spec = search ? { label: "Target sparsity (optional: pilot runs search D)", value: NaN, step: "any" } : FIELD_INPUTS[f]!;
    const label = document.createElement("label");
    const input = Object.assign(document.createElement("input"), { name: f, type: "number", step: spec.step ?? "any" });
    if (!Number.isNaN(spec.value)) input.value = String(spec.value);
    label.append(spec.label, input);
    return label;
  }));
}
field("method").addEventListener("change", renderMethodFields);
renderMethodFields();

// ---- dropped files -------------------------------------------------------------
let droppedModel: NamedFile | null = null;
let droppedData: NamedFile[] | null = null;
document.addEventListener("dragover", (e) => { e.preventDefault(); document.body.classList.add("dragging"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
document.addEventListener("drop", async (e) => {
  e.preventDefault();
  document.body.classList.remove("dragging");
  const files = await Promise.all(Array.from(e.dataTransfer?.files ?? []).map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  acceptFiles(files);
});

/** Models by extension; everything else is data (IDX or CIFAR, checked by the worker). */
function acceptFiles(files: NamedFile[]): void {
  const model = files.find((f) => /\.(safetensors|onnx)$/.test(f.name));
  if (model) {
    droppedModel = model;
    $("#model-file").textContent = `${model.name} (${(model.bytes.length / 1e6).toFixed(2)} MB): its architecture and weights`;
  }
  const data = files.filter((f) => f !== model);
  if (data.length) {
    droppedData = data;
    $("#data-file").textContent = `dropped: ${data.map((f) => f.name).join(", ")}`;
  }
}

// ---- charts --------------------------------------------------------------------
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];
const size = (el: HTMLElement) => ({ width: Math.max(300, el.clientWidth - 8), height: 220 });

function lineChart(el: HTMLElement, xLabel: string, series: { label: string; scale?: string }[], scales: Record<string, { range?: [number, number] }> = {}): uPlot {
  const opts: uPlot.Options = {
    ...size(el),
    scales: { x: { time: false }, ...Object.fromEntries(Object.entries(scales).map(([k, v]) => [k, v.range ? { range: v.range } : {}])) },
    axes: [{ label: xLabel }, { scale: series[0]?.scale ?? "y" }, ...(series.some((s) => s.scale === "r") ? [{ scale: "r", side: 1, grid: { show: false } }] : [])],
    series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, scale: s.scale ?? "y", stroke: COLORS[i % COLORS.length], width: 1.5 }))],
  };
  return new uPlot(opts, [[], ...series.map(() => [])] as unknown as uPlot.AlignedData, el);
}

let threshold: number | null = null;
function histogramChart(el: HTMLElement): uPlot {
  return new uPlot({
    ...size(el),
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: "|w|" }, { label: "weights (log)" }],
    series: [{ label: "|w|" }, { label: "count", stroke: "#2563eb", fill: "rgba(37,99,235,0.35)", paths: uPlot.paths.bars!({ size: [1, 100] }), points: { show: false } }],
    hooks: {
      draw: [(u) => {
        if (threshold === null || !(threshold > 0)) return;
        const x = u.valToPos(threshold, "x", true);
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#dc2626";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      }],
    },
  }, [[], []], el);
}

interface Charts { loss: uPlot; epoch: uPlot; layers: uPlot | null; third: uPlot; hist: uPlot }
let charts: Charts | null = null;
const data = { loss: [[], [], []] as number[][], epoch: [[], [], []] as number[][], layers: [] as number[][], third: [[], [], []] as number[][] };

function resetCharts(layerNames: string[], iterative: boolean): void {
  for (const id of ["#c-loss", "#c-epoch", "#c-layers", "#c-third", "#c-hist"]) $(id).replaceChildren();
  charts?.loss.destroy();
  data.loss = [[], [], []];
  data.epoch = [[], [], []];
  data.layers = [[], ...layerNames.map(() => [])];
  data.third = [[], [], []];
  threshold = null;
  $("#c-third-title").textContent = iterative ? "PQ Index and remaining weights per iteration" : "Threshold d(t) and μ(t) (Theorem 1)";
  charts = {
    loss: lineChart($("#c-loss"), "step", [{ label: "loss" }, { label: "train acc.", scale: "r" }], { r: { range: [0, 1] } }),
    epoch: lineChart($("#c-epoch"), "epoch", [{ label: "test acc.", scale: "y" }, { label: "sparsity", scale: "r" }], { y: { range: [0, 1] }, r: { range: [0, 1] } }),
    layers: lineChart($("#c-layers"), "epoch", layerNames.map((n) => ({ label: n })), { y: { range: [0, 1] } }),
    third: iterative
      ? lineChart($("#c-third"), "iteration", [{ label: "PQI" }, { label: "remaining", scale: "r" }], { r: { range: [0, 1] } })
      : lineChart($("#c-third"), "epoch", [{ label: "d(t)" }, { label: "μ(t)", scale: "r" }]),
    hist: histogramChart($("#c-hist")),
  };
  (window as unknown as { studio: unknown }).studio = { charts, data };
}

// ---- running ---------------------------------------------------------------------
let worker: Worker | null = null;
const urls: string[] = [];

function runConfig(): RunConfig {
  const num = (n: string) => Number((field(n) as HTMLInputElement).value);
  const method = field("method").value;
  const train: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG, model: field("model").value as TrainConfig["model"], epochs: num("epochs"), lr: num("lr"), batch: num("batch"), seed: num("seed"),
    // The dataset named by the data: the worker guesses it from the files when dropped.
    dataset: droppedData ? undefined : "fashion-mnist",
  };
  if (method === "train") return { kind: "train", config: validateTrainConfig(train) };
  const config: PruneConfig = { ...train, ...DEFAULT_PRUNE, method: method as PruneMethod, exclude: [] };
  for (const f of methodFieldsFor(method)) {
    const v = (field(f) as HTMLInputElement).value;
    if (v !== "") (config as unknown as Record<string, number>)[f] = Number(v);
  }
  if (config.model === "custom" || droppedModel) config.model = "mlp"; // replaced by the dropped architecture in the worker
  validatePruneConfig(config);
  return { kind: "prune", config };
}

function setRunning(on: boolean): void {
  ($("#run") as HTMLButtonElement).disabled = on;
  ($("#stop") as HTMLButtonElement).disabled = !on;
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  $("#error").textContent = "";
  $("#summary").textContent = "";
  $("#downloads").hidden = true;
  $("#pilots").replaceChildren();
  pilotMessages = [];
  let run: RunConfig;
  try {
    run = runConfig();
  } catch (err) {
    $("#error").textContent = (err as Error).message;
    return;
  }
  worker?.terminate();
  worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => { $("#error").textContent = e.message; setRunning(false); };
  setRunning(true);
  $("#status").textContent = "loading…";
  // ?threads=N overrides the worker's default (the cores less one); any N gives the same bits.
  const threads = Number(new URLSearchParams(location.search).get("threads")) || undefined;
  const msg: ToWorker = { type: "start", run, data: droppedData ?? "embedded", model: droppedModel, sliceSteps: 20, threads };
  worker.postMessage(msg);
});

$("#stop").addEventListener("click", () => {
  worker?.postMessage({ type: "stop" } satisfies ToWorker);
  $("#status").textContent = "stopping after this slice…";
});

function push(arr: number[][], ...vals: number[]): void {
  vals.forEach((v, i) => arr[i].push(v));
}

/** A D search's messages per pilot, so the charts can show the pilot that became the result. */
let pilotMessages: FromWorker[][] = [];

function onMessage(m: FromWorker, replay = false): void {
  if (!charts && m.type !== "started" && m.type !== "error") return;
  if (!replay && m.type === "started" && m.pilot === 1) { pilotMessages = []; $("#pilots").replaceChildren(); }
  if (!replay && m.type === "started" && m.pilot !== null) pilotMessages.push([]);
  if (!replay && pilotMessages.length && (m.type === "started" || m.type === "batch" || m.type === "epoch")) pilotMessages.at(-1)!.push(m);
  switch (m.type) {
    case "started":
      resetCharts(m.layers, m.iterative);
      document.body.dataset.running = m.dataLine;
      $("#status").textContent = `${m.pilot !== null ? `pilot ${m.pilot} (D ${m.D!.toPrecision(4)}): ` : "running: "}${m.dataLine}, ${m.totalSteps} steps`;
      ($("#progress") as HTMLProgressElement).max = m.totalSteps;
      break;
    case "pilot": {
      const li = document.createElement("li");
      li.textContent = `D ${m.D.toPrecision(5)} → sparsity ${(100 * m.sparsity).toFixed(2)}%, test accuracy ${m.testAccuracy.toFixed(4)}`;
      $("#pilots").append(li);
      break;
    }
    case "batch":
      push(data.loss, m.step, m.loss, m.accuracy);
      charts!.loss.setData(data.loss as uPlot.AlignedData);
      ($("#progress") as HTMLProgressElement).value = m.step;
      $("#status").textContent = `step ${m.step} of ${m.totalSteps}, ${Math.round(m.samplesPerSecond).toLocaleString("en-US")} samples/s`;
      break;
    case "epoch": {
      const x = data.epoch[0].length + 1;
      push(data.epoch, x, m.testAccuracy, m.sparsity);
      charts!.epoch.setData(data.epoch as uPlot.AlignedData);
      data.layers[0].push(x);
      m.layers.forEach((l, i) => data.layers[i + 1]?.push(l.sparsity));
      charts!.layers?.setData(data.layers as uPlot.AlignedData);
      if (m.threshold !== null) {
        push(data.third, x, m.threshold, m.mu ?? NaN);
        charts!.third.setData(data.third as uPlot.AlignedData);
        threshold = m.threshold;
      }
      const w = m.histogram.maxAbs / m.histogram.counts.length;
      const kept = m.histogram.counts.reduce((a, c) => a + c, 0);
      $("#c-hist-title").textContent = `|w| of the pruned tensors after epoch ${x}: ${kept.toLocaleString("en-US")} nonzero (${m.histogram.zeros.toLocaleString("en-US")} exact zeros not drawn)` +
        (m.threshold !== null ? `; red: the threshold d = ${m.threshold.toPrecision(3)} (a kept weight is sign(θ)(|θ| − d))` : "");
      charts!.hist.setData([m.histogram.counts.map((_, b) => (b + 0.5) * w), m.histogram.counts.map((c) => c || null)] as unknown as uPlot.AlignedData);
      break;
    }
    case "iteration":
      push(data.third, m.iteration, m.pqi ?? NaN, m.remaining);
      charts!.third.setData(data.third as uPlot.AlignedData);
      break;
    case "done": {
      setRunning(false);
      $("#status").textContent = m.stopped ? "stopped" : "done";
      if (m.search) {
        // The result is the closest pilot: its charts replace the last pilot's.
        if (m.search.best !== pilotMessages.length) for (const r of pilotMessages[m.search.best - 1] ?? []) onMessage(r, true);
        $("#pilots").children[m.search.best - 1]?.classList.add("best");
        $("#status").textContent = `done: D ${m.search.D.toPrecision(5)} found in ${m.search.pilots} pilot runs (pilot ${m.search.best} is the result)`;
      }
      $("#summary").textContent = `${m.stopped ? "stopped: " : ""}sparsity ${(100 * m.sparsity).toFixed(2)}%, test accuracy ${m.testAccuracy.toFixed(4)}, ${Math.round(m.samplesPerSecond).toLocaleString("en-US")} samples/s, ${m.seconds.toFixed(1)} s`;
      for (const u of urls.splice(0)) URL.revokeObjectURL(u);
      const link = (id: string, bytes: Uint8Array | string | null) => {
        const a = $<HTMLAnchorElement>(id);
        a.hidden = bytes === null;
        if (bytes === null) return;
        const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
        urls.push(url);
        a.href = url;
      };
      link("#dl-model", m.files.model);
      link("#dl-sparse", m.files.sparse);
      link("#dl-onnx", m.files.onnx);
      link("#dl-log", m.files.log);
      $("#downloads").hidden = false;
      document.body.dataset.done = "1";
      (window as unknown as { studioResult: unknown }).studioResult = { sparsity: m.sparsity, testAccuracy: m.testAccuracy, samplesPerSecond: m.samplesPerSecond, bestSamplesPerSecond: m.bestSamplesPerSecond, stopped: m.stopped, search: m.search };
      break;
    }
    case "error":
      setRunning(false);
      $("#status").textContent = "failed";
      $("#error").textContent = m.message;
      break;
  }
}
