// The cross-runtime scenario (npm run test:runtimes): the same deterministic
// work in every runtime, reduced to one SHA-256. Web-standard only: each
// runtime's runner passes the core module and the .wasm as that runtime
// loads it (bytes, a file: URL, a compiled WebAssembly.Module).
//   1. the MLP pruned by S-LATS with a per-step cosine learning rate (3 epochs);
//   2. three training steps of the PQI CNN (conv, batch norm, pooling);
//   3. SAP's PQ Index (p = 0.5, q = 1) of the pruned fc1 weight.
// The hash covers every weight and buffer after 1 and 2, and the PQI's f64 bits.

/** count 28×28 images, a bright row band per class: integer arithmetic only, the same bytes everywhere. */
function images(count, seed) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8) / 16777216;
  const img = new Uint8Array(count * 784), labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const y = Math.floor(rand() * 10);
    labels[n] = y;
    for (let r = 0; r < 28; r++) {
      const inBand = Math.floor(r / 2) === y;
      for (let c = 0; c < 28; c++) img[n * 784 + r * 28 + c] = Math.floor(rand() * (inBand ? 128 : 96)) + (inBand ? 127 : 0);
    }
  }
  return { count, channels: 1, height: 28, width: 28, images: img, labels, numClasses: 10 };
}

const bytesOf = (t) => new Uint8Array(t.toArray().buffer);
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The scenario on one thread, then with `threads` (the runner's Engine.create
 * options: threads, threadsWasm, spawn): both hashes, and the thread count the
 * engine got (1 with a notice where the runtime has no threads).
 */
export async function scenario(sw, wasm, threads = {}) {
  const one = await scenarioOn(sw, await sw.Engine.create(wasm));
  const notices = [];
  const e = await sw.Engine.create(wasm, { threads: 2, ...threads, onNotice: (line) => notices.push(line) });
  const count = e.threads; // before scenarioOn disposes the engine
  const many = await scenarioOn(sw, e);
  return { ...one, threads: count, sha256Threads: many.sha256, notice: notices.join("; ") || undefined };
}

async function scenarioOn(sw, e) {
  const parts = [];
  const train = images(600, 1), test = images(100, 2);
  const base = { ...sw.DEFAULT_TRAIN_CONFIG, ...sw.DEFAULT_PRUNE, exclude: [], seed: 3, dataset: "fashion-mnist" };
  const pruned = await sw.runPrune(e, { ...base, model: "mlp", method: "slats", D: 0.02, lr: 0.05, epochs: 3, batch: 50, lrSchedule: "cosine", lrInterval: "step" }, train, test);
  for (const p of pruned.model.params()) parts.push(bytesOf(p.value));
  const fc1 = pruned.model.params().find((p) => p.name === "fc1.weight");
  const pqi = sw.pqIndex(e, fc1.value, { p: 0.5, q: 1 }).value;
  const summary = { sparsity: pruned.sparsity, testAccuracy: pruned.result.final.testAccuracy, pqi };
  pruned.dispose();
  const cnn = sw.createSession(e, { ...base, model: "cnn", epochs: 1, batch: 20, warmup: 0 }, images(60, 4), images(20, 5));
  await cnn.run();
  for (const p of cnn.model.params()) parts.push(bytesOf(p.value));
  for (const b of cnn.model.buffers()) parts.push(new Uint8Array(e.u8(b.value.ptr, b.value.size * 4).slice()));
  cnn.dispose();
  e.dispose();
  parts.push(new Uint8Array(new Float64Array([pqi]).buffer));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return { sha256: hex(await crypto.subtle.digest("SHA-256", all)), bytes: all.length, ...summary };
}
