# workerd for the cross-runtime scenario (scripts/test-runtimes.mjs serves it on a free port).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8789", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "scenario.mjs", esModule = embed "scenario.mjs"),
    (name = "shrinkwasm.js", esModule = embed "../../dist/index.js"),
    (name = "shrinkwasm.wasm", wasm = embed "../../build/shrinkwasm.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
