// A Cloudflare Worker that serves predictions of a sparse model: the engine's
// wasm, the core bundle and the model file are all modules of the Worker
// (config.capnp for workerd, wrangler.toml for Cloudflare). The first request
// builds the inference session; later ones reuse it.
//   POST /predict  {"pixels": [[784 bytes], ...]}  →  {"predictions": [...], "logits": [[...], ...]}
import wasm from "shrinkwasm.wasm";
import modelBytes from "model.safetensors";
import { Engine, InferenceSession, decodeSafetensors, DATASETS } from "shrinkwasm.js";

let ready;

async function load() {
  const engine = await Engine.create(wasm); // a compiled WebAssembly.Module: Workers cannot compile bytes at run time
  const bytes = new Uint8Array(modelBytes);
  const session = InferenceSession.fromBytes(engine, bytes, "model.safetensors", { maxBatch: 64 });
  const training = JSON.parse(decodeSafetensors(bytes, "model.safetensors").metadata.training ?? "{}");
  const norm = DATASETS[training.dataset ?? "fashion-mnist"].norm;
  return { session, norm };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/predict" || request.method !== "POST") {
      return new Response('POST /predict with {"pixels": [[...bytes of one image...], ...]}\n', { status: 404 });
    }
    ready ??= load();
    const { session, norm } = await ready;
    let pixels;
    try {
      pixels = (await request.json()).pixels;
    } catch {
      return Response.json({ error: "body: not JSON" }, { status: 400 });
    }
    const { inputs, classes, input } = session.spec;
    if (!Array.isArray(pixels) || pixels.length < 1 || pixels.length > 1024 || !pixels.every((p) => Array.isArray(p) && p.length === inputs)) {
      return Response.json({ error: `pixels: 1 to 1024 images of ${inputs} values (${input.join("×")}) each` }, { status: 400 });
    }
    const hw = input[1] * input[2];
    const x = new Float32Array(pixels.length * inputs);
    pixels.forEach((img, r) => img.forEach((v, i) => {
      const c = Math.floor(i / hw);
      x[r * inputs + i] = (v / 255 - norm.mean[c]) / norm.std[c];
    }));
    const logits = session.predict(x, pixels.length);
    const rows = pixels.map((_, r) => Array.from(logits.subarray(r * classes, (r + 1) * classes)));
    return Response.json({ predictions: rows.map((l) => l.indexOf(Math.max(...l))), logits: rows });
  },
};
