// A runtime and context made ready for an agent before one asks: what spawning takes instead of
// compiling the bootstrap itself.
import type { QuickJSWASMModule } from "quickjs-emscripten";
import { BOOTSTRAP } from "./bootstrap.js";
import type { IsolateLimits } from "./limits.js";
import { engineOf, Vm, type Ptr } from "./vm.js";

/**
 * A runtime and context with the bootstrap already evaluated, not yet given to an agent: spawning
 * is then only attaching it and evaluating the agent's module (the bootstrap's parse dominates a
 * cold start). The bootstrap's three functions are kept, as value boxes, for the agent's life.
 */
export interface Prepared {
  vm: Vm;
  /** settle(id, text): how syscall outcomes reach the guest. */
  settle: Ptr;
  /** deliver(signal). */
  deliver: Ptr;
  /** The bootstrap's value: the intrinsics it captured, which `start` reads when it runs main. */
  boot: Ptr;
}

/** Makes a Prepared runtime in a tenant's QuickJS instance (throws if QuickJS fails; nothing of the agent runs here). */
export function prepare(module: QuickJSWASMModule, limits: Pick<IsolateLimits, "memoryBytes" | "stackBytes">): Prepared {
  const vm = new Vm(engineOf(module), "__acp_host");
  vm.setLimits(limits.memoryBytes, limits.stackBytes);
  const boot = vm.evalScript(BOOTSTRAP, "acp:bootstrap");
  if (!boot.ok) {
    const e = vm.dump(boot.error);
    vm.free(boot.error);
    throw new Error(`the bootstrap failed: ${JSON.stringify(e)}`);
  }
  return { vm, settle: vm.getProp(boot.value, "settle"), deliver: vm.getProp(boot.value, "deliver"), boot: boot.value };
}
