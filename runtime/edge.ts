// The runtime as edge workers run it (dist/edge/acp-runtime.js, built by scripts/build-edge.mjs):
// everything of index.ts, one thread, and QuickJS from a WebAssembly.Module the worker imports
// statically, since Workers refuse to compile WASM from bytes at run time.
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from "quickjs-emscripten";
import { useQuickJS } from "./isolate/pool.js";

export * from "./index.js";

/** Makes every QuickJS instance from `wasmModule` (quickjs-emscripten's release-sync build). */
export function useQuickJSModule(wasmModule: WebAssembly.Module): void {
  useQuickJS(() => newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmModule })));
}
