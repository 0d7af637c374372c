// Chromium, a module Web Worker: the same scenario off the main thread.
import * as sw from "/dist/index.js";
import { scenario } from "/scripts/runtimes/scenario.mjs";

scenario(sw, new URL("/build/shrinkwasm.wasm", location.href)).then((r) => postMessage(r), (err) => postMessage({ error: String(err?.stack ?? err) }));
