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
}

export class IsolatePool {
  private readonly slots = new Map<string, ModuleSlot[]>();
  /** One instance being created per tenant at a time, so concurrent spawns share it. */
  private readonly creating = new Map<string, Promise<ModuleSlot>>();

  constructor(private readonly perModule = 1_000) {}

  async acquire(tenant: string): Promise<ModuleSlot> {
    let list = this.slots.get(tenant);
    if (!list) this.slots.set(tenant, (list = []));
    const slot = list.find((s) => !s.poisoned && s.live < this.perModule);
    if (slot) { slot.live++; return slot; }
    let pending = this.creating.get(tenant);
    if (!pending) {
      pending = newQuickJSWASMModule().then((module) => {
        const s: ModuleSlot = { module, tenant, live: 0, poisoned: false };
        list.push(s);
        this.creating.delete(tenant);
        return s;
      });
      this.creating.set(tenant, pending);
    }
    await pending;
    return this.acquire(tenant);
  }

  release(slot: ModuleSlot): void {
    slot.live--;
    if (slot.live === 0 && slot.poisoned) {
      const list = this.slots.get(slot.tenant)!;
      list.splice(list.indexOf(slot), 1);
    }
  }

  stats(): { tenant: string; modules: number; live: number }[] {
    return [...this.slots].map(([tenant, list]) => ({ tenant, modules: list.length, live: list.reduce((n, s) => n + s.live, 0) }));
  }
}
