// workerd (Cloudflare Workers): the .wasm is a module of the Worker, compiled by the runtime.
import * as sw from "shrinkwasm.js";
import wasm from "shrinkwasm.wasm";
import { scenario } from "scenario.mjs";

export default {
  async fetch() {
    try {
      return Response.json(await scenario(sw, wasm));
    } catch (err) {
      return Response.json({ error: String(err?.stack ?? err) }, { status: 500 });
    }
  },
};
