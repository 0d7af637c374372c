# workerd configuration: `npx workerd serve examples/edge-worker/config.capnp`
# (after `npm run build` and writing model.safetensors here; README.md).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "shrinkwasm.js", esModule = embed "../../dist/index.js"),
    (name = "shrinkwasm.wasm", wasm = embed "../../build/shrinkwasm.wasm"),
    (name = "model.safetensors", data = embed "model.safetensors"),
  ],
  compatibilityDate = "2024-09-23",
);
