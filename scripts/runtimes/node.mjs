// Node, ESM: the core imported as an ES module, the .wasm read as bytes.
import { readFile } from "node:fs/promises";
import * as sw from "../../dist/index.js";
import { scenario } from "./scenario.mjs";

const wasm = await readFile(new URL("../../build/shrinkwasm.wasm", import.meta.url));
console.log(JSON.stringify(await scenario(sw, wasm)));
