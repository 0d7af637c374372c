// A Cloudflare Worker that prunes a model a slice at a time: each request
// trains N more steps and answers with the run's state, which the client sends
// back with the next request. Nothing survives between requests (a fresh engine
// each time); the run still ends with the same bits as one never stopped.
//   POST /train?steps=N  body: empty (start) or the previous response's bytes
//     → 200 application/octet-stream: the next snapshot, x-progress: "step/total"
//     → 200 with x-done: 1: the finished, pruned model file (safetensors)
import wasm from "shrinkwasm.wasm";
import trainImages from "train-images-idx3-ubyte";
import trainLabels from "train-labels-idx1-ubyte";
import testImages from "t10k-images-idx3-ubyte";
import testLabels from "t10k-labels-idx1-ubyte";
import { Engine, RunSession, loadImageLabelPair, encodeModel, DEFAULT_TRAIN_CONFIG, DEFAULT_PRUNE, ShrinkError } from "shrinkwasm.js";

/** S-LATS on the MLP, 2 epochs: the run every request continues. */
export const CONFIG = { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_PRUNE, model: "mlp", method: "slats", D: 0.05, epochs: 2, batch: 50, exclude: [], dataset: "fashion-mnist" };

let data;
const load = async () => ({
  train: await loadImageLabelPair(new Uint8Array(trainImages), new Uint8Array(trainLabels), { images: "train-images", labels: "train-labels" }),
  test: await loadImageLabelPair(new Uint8Array(testImages), new Uint8Array(testLabels), { images: "t10k-images", labels: "t10k-labels" }),
});

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/train" || request.method !== "POST") return new Response("POST /train?steps=N with the previous snapshot (or nothing) as the body\n", { status: 404 });
    const steps = Number(url.searchParams.get("steps") ?? "50");
    if (!Number.isInteger(steps) || steps < 1 || steps > 10000) return Response.json({ error: `steps: ${url.searchParams.get("steps")} must be an integer from 1 to 10000` }, { status: 400 });
    data ??= load();
    const { train, test } = await data;
    const engine = await Engine.create(wasm);
    const body = new Uint8Array(await request.arrayBuffer());
    let run;
    try {
      run = body.length ? RunSession.restore(engine, body, train, test, {}, "request body") : RunSession.start(engine, { kind: "prune", config: CONFIG }, train, test);
    } catch (err) {
      if (err instanceof ShrinkError) return Response.json({ error: err.message }, { status: 400 });
      throw err;
    }
    const done = await run.advance({ steps });
    const { step, totalSteps } = run.progress();
    const headers = { "content-type": "application/octet-stream", "x-progress": `${step}/${totalSteps}` };
    if (!done) return new Response(run.snapshot(), { headers });
    const r = run.outcome.run;
    const model = encodeModel(run.model, run.spec, { training: CONFIG, metrics: { testAccuracy: r.result.final.testAccuracy, sparsity: r.sparsity } });
    return new Response(model, { headers: { ...headers, "x-done": "1", "x-test-accuracy": String(r.result.final.testAccuracy), "x-sparsity": String(r.sparsity) } });
  },
};
