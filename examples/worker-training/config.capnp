# workerd configuration: `npx workerd serve examples/worker-training/config.capnp`
# (after `npm run build` and `node examples/worker-training/make-data.mjs`; README.md).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:8788", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "shrinkwasm.js", esModule = embed "../../dist/index.js"),
    (name = "shrinkwasm.wasm", wasm = embed "../../build/shrinkwasm.wasm"),
    (name = "train-images-idx3-ubyte", data = embed "data/train-images-idx3-ubyte"),
    (name = "train-labels-idx1-ubyte", data = embed "data/train-labels-idx1-ubyte"),
    (name = "t10k-images-idx3-ubyte", data = embed "data/t10k-images-idx3-ubyte"),
    (name = "t10k-labels-idx1-ubyte", data = embed "data/t10k-labels-idx1-ubyte"),
  ],
  compatibilityDate = "2024-09-23",
);
