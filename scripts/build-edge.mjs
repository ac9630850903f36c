// `npm run build`, second step: dist/edge/ for Workers (workerd). acp-runtime.js is runtime/edge.ts
// bundled by esbuild as one ES module that imports QuickJS's wasm statically (./quickjs.wasm, beside
// it); the finance pack's decision module and manifest are compiled beside them for examples/edge.
// Workers have no worker_threads: the runtime runs on one thread, and the threads code that
// imports it gets a stub that refuses to start a worker.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/edge");
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
copyFileSync(require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm"), join(out, "quickjs.wasm"));

const noThreads = {
  name: "no-worker-threads",
  setup(b) {
    b.onResolve({ filter: /^node:worker_threads$/ }, () => ({ path: "worker_threads", namespace: "edge-stub" }));
    b.onLoad({ filter: /.*/, namespace: "edge-stub" }, () => ({
      contents: `export class Worker { constructor() { throw new Error("worker threads do not exist on the edge: run the kernel on one thread"); } }
        export const parentPort = null; export const isMainThread = true; export default { Worker, parentPort, isMainThread };`,
    }));
  },
};

const result = await build({
  stdin: {
    contents: `import quickjs from "./quickjs.wasm";\nimport { useQuickJSModule } from "./runtime/edge.ts";\nuseQuickJSModule(quickjs);\nexport * from "./runtime/edge.ts";\n`,
    resolveDir: root, sourcefile: "acp-runtime.js", loader: "js",
  },
  bundle: true, format: "esm", platform: "neutral", target: "es2022",
  conditions: ["workerd", "worker", "browser"], mainFields: ["module", "main"],
  external: ["node:*", "./quickjs.wasm"], plugins: [noThreads],
  outfile: join(out, "acp-runtime.js"), metafile: true, logLevel: "warning",
});

const { compile } = await import(join(root, "dist/compiler/index.js"));
const r = compile(readFileSync(join(root, "policies/finance/finance.acp"), "utf8"), { filename: "policies/finance/finance.acp" });
if (!r.wasm) throw new Error("policies/finance does not compile");
writeFileSync(join(out, "finance.wasm"), r.wasm);
writeFileSync(join(out, "finance.manifest.json"), JSON.stringify(r.manifest));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`dist/edge: acp-runtime.js (${bytes} bytes), quickjs.wasm, finance.wasm, finance.manifest.json`);
