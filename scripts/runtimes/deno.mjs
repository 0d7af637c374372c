// Deno: the .wasm by its file: URL (Engine.create fetches it; the threaded build beside it).
import * as sw from "../../dist/index.js";
import { scenario } from "./scenario.mjs";

console.log(JSON.stringify(await scenario(sw, new URL("../../build/shrinkwasm.wasm", import.meta.url))));
