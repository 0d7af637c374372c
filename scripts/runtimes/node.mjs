// Node, ESM: the core imported as an ES module, the .wasm read as bytes.
import { readFile } from "node:fs/promises";
import * as sw from "../../dist/index.js";
import { nodeSpawn } from "../../dist/node.js";
import { scenario } from "./scenario.mjs";

// Threads: the threaded build's bytes and worker_threads (Node 20 has no Web Worker).
const wasm = await readFile(new URL("../../build/shrinkwasm.wasm", import.meta.url));
const threadsWasm = await readFile(new URL("../../build/shrinkwasm.threads.wasm", import.meta.url));
console.log(JSON.stringify(await scenario(sw, wasm, { threadsWasm, spawn: nodeSpawn })));
