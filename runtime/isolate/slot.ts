// One QuickJS WASM module instance of a tenant, as the pool hands it out and isolates run in it.
import type { QuickJSWASMModule } from "quickjs-emscripten";
import type { Prepared } from "./prepared.js";

export interface ModuleSlot {
  module: QuickJSWASMModule;
  tenant: string;
  live: number;
  /** Set when the instance aborted: nothing new goes there, and its agents are marked crashed. */
  poisoned: boolean;
  /** Heap bytes still held by the runtimes of ended agents (see Isolate.dispose). */
  leakedBytes: number;
  /** No new agents; the instance is dropped, and all its memory with it, when its last agent ends. */
  retired: boolean;
  /** Runtimes with the bootstrap evaluated, waiting for an agent (counted in `live`). */
  spares: Prepared[];
}
