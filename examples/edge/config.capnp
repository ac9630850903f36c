# workerd's configuration for the edge example: `npm run build`, then
#   npx workerd serve examples/edge/config.capnp
# and POST an agent to http://127.0.0.1:8787/ (see the README). The runtime, QuickJS's wasm and the
# finance policy come from dist/edge/ (scripts/build-edge.mjs).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "acp", worker = .acpWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "acp") ],
);

const acpWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "acp-runtime.js", esModule = embed "../../dist/edge/acp-runtime.js"),
    (name = "quickjs.wasm", wasm = embed "../../dist/edge/quickjs.wasm"),
    (name = "finance.wasm", wasm = embed "../../dist/edge/finance.wasm"),
    (name = "finance.manifest.json", json = embed "../../dist/edge/finance.manifest.json"),
  ],
  compatibilityDate = "2026-11-01",
  # The runtime's file-backed parts (host mounts, file recorder) import node:fs; a Worker uses none.
  compatibilityFlags = ["enable_nodejs_fs_module"],
);
