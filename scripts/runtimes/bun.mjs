// Bun: the .wasm read with Bun.file.
import * as sw from "../../dist/index.js";
import { scenario } from "./scenario.mjs";

const wasm = new Uint8Array(await Bun.file(new URL("../../build/shrinkwasm.wasm", import.meta.url)).arrayBuffer());
const threadsWasm = new Uint8Array(await Bun.file(new URL("../../build/shrinkwasm.threads.wasm", import.meta.url)).arrayBuffer());
console.log(JSON.stringify(await scenario(sw, wasm, { threadsWasm })));
