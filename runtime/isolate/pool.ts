// QuickJS WASM module instances, one set per tenant: agents of different tenants never share a
// linear memory. A module instance fails badly near its 2 GB limit (a signature-mismatch trap, not
// a clean out-of-memory), so the pool caps the runtimes each instance holds and opens another.
import { newQuickJSWASMModule, type QuickJSWASMModule } from "quickjs-emscripten";

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
}

/** Memory held by ended agents' runtimes after which an instance is retired (and then dropped whole). */
export const RETIRE_AFTER_LEAKED_BYTES = 128 * 1024 * 1024;

export class IsolatePool {
  private readonly slots = new Map<string, ModuleSlot[]>();
  /** One instance being created per tenant at a time, so concurrent spawns share it. */
  private readonly creating = new Map<string, Promise<ModuleSlot>>();

  constructor(private readonly perModule = 1_000, private readonly retireAfterBytes = RETIRE_AFTER_LEAKED_BYTES) {}

  async acquire(tenant: string): Promise<ModuleSlot> {
    let list = this.slots.get(tenant);
    if (!list) this.slots.set(tenant, (list = []));
    const slot = list.find((s) => !s.poisoned && !s.retired && s.live < this.perModule);
    if (slot) { slot.live++; return slot; }
    let pending = this.creating.get(tenant);
    if (!pending) {
      pending = newQuickJSWASMModule().then((module) => {
        const s: ModuleSlot = { module, tenant, live: 0, poisoned: false, leakedBytes: 0, retired: false };
        list.push(s);
        this.creating.delete(tenant);
        return s;
      });
      this.creating.set(tenant, pending);
    }
    await pending;
    return this.acquire(tenant);
  }

  release(slot: ModuleSlot, leakedBytes = 0): void {
    slot.live--;
    slot.leakedBytes += leakedBytes;
    if (slot.leakedBytes >= this.retireAfterBytes) slot.retired = true;
    if (slot.live === 0 && (slot.poisoned || slot.retired)) {
      const list = this.slots.get(slot.tenant)!;
      list.splice(list.indexOf(slot), 1);
    }
  }

  stats(): { tenant: string; modules: number; live: number; leakedBytes: number }[] {
    return [...this.slots].map(([tenant, list]) => ({ tenant, modules: list.length, live: list.reduce((n, s) => n + s.live, 0), leakedBytes: list.reduce((n, s) => n + s.leakedBytes, 0) }));
  }
}
