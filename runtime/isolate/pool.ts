// QuickJS WASM module instances, one set per tenant: agents of different tenants never share a
// linear memory. A module instance fails badly near its 2 GB limit (a signature-mismatch trap, not
// a clean out-of-memory), so the pool caps the runtimes each instance holds and opens another, and
// each instance's memory is capped below that (runtime/isolate/heap-limit.ts).
import { newQuickJSWASMModule, type QuickJSWASMModule } from "quickjs-emscripten";
import { prepare, type Prepared } from "./prepared.js";
import type { IsolateLimits } from "./limits.js";
import type { ModuleSlot } from "./slot.js";

export type { ModuleSlot };

/** How a new QuickJS instance is made: compiled from the package's bytes by default; an edge
 * worker, which cannot compile WASM at run time, gives one from a precompiled module (edge.ts). */
let newQuickJS: () => Promise<QuickJSWASMModule> = newQuickJSWASMModule;

export function useQuickJS(load: () => Promise<QuickJSWASMModule>): void {
  newQuickJS = load;
}

/** Prepared runtimes kept per instance, made in idle turns after a spawn takes one. */
export const SPARES_PER_MODULE = 2;

/** Memory held by ended agents' runtimes after which an instance is retired (and then dropped whole). */
export const RETIRE_AFTER_LEAKED_BYTES = 128 * 1024 * 1024;

export class IsolatePool {
  private readonly slots = new Map<string, ModuleSlot[]>();
  /** One instance being created per tenant at a time, so concurrent spawns share it. */
  private readonly creating = new Map<string, Promise<ModuleSlot>>();

  private refilling = false;

  constructor(
    private readonly perModule = 1_000,
    private readonly retireAfterBytes = RETIRE_AFTER_LEAKED_BYTES,
    private readonly spareLimits: Pick<IsolateLimits, "memoryBytes" | "stackBytes"> | null = null,
  ) {}

  /** A prepared runtime of `slot` for a new agent, if one is ready; spares are made again later. */
  takeSpare(slot: ModuleSlot): Prepared | undefined {
    const p = slot.spares.pop();
    // The spare was already counted in `live`; acquire() counted the agent again.
    if (p) slot.live--;
    this.scheduleRefill();
    return p;
  }

  /** Tops up every usable instance's spares in a later turn, so spawning itself does not wait. */
  private scheduleRefill(): void {
    if (this.refilling || !this.spareLimits) return;
    this.refilling = true;
    setImmediate(() => {
      this.refilling = false;
      for (const list of this.slots.values()) {
        for (const slot of list) {
          while (!slot.poisoned && !slot.retired && slot.spares.length < SPARES_PER_MODULE && slot.live < this.perModule) {
            try { slot.spares.push(prepare(slot.module, this.spareLimits!)); slot.live++; } catch { slot.poisoned = true; }
          }
        }
      }
    }).unref();
  }

  async acquire(tenant: string): Promise<ModuleSlot> {
    let list = this.slots.get(tenant);
    if (!list) this.slots.set(tenant, (list = []));
    const slot = list.find((s) => !s.poisoned && !s.retired && s.live < this.perModule);
    if (slot) { slot.live++; return slot; }
    let pending = this.creating.get(tenant);
    if (!pending) {
      pending = newQuickJS().then((module) => {
        const s: ModuleSlot = { module, tenant, live: 0, poisoned: false, leakedBytes: 0, retired: false, spares: [] };
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
    if (slot.poisoned || slot.retired) {
      // Its spares will never be used: they go with the instance.
      slot.live -= slot.spares.length;
      slot.spares.length = 0;
    }
    if (slot.live === 0 && (slot.poisoned || slot.retired)) {
      const list = this.slots.get(slot.tenant)!;
      list.splice(list.indexOf(slot), 1);
    }
  }

  /** Per tenant: its instances, live agents, prepared spares, bytes ended agents still hold, and the
   * instances' linear memory (what they take from the host). */
  stats(): { tenant: string; modules: number; live: number; spares: number; leakedBytes: number; memoryBytes: number }[] {
    return [...this.slots].map(([tenant, list]) => {
      const spares = list.reduce((n, s) => n + s.spares.length, 0);
      return {
        tenant, modules: list.length, live: list.reduce((n, s) => n + s.live, 0) - spares, spares,
        leakedBytes: list.reduce((n, s) => n + s.leakedBytes, 0),
        memoryBytes: list.reduce((n, s) => n + s.module.getWasmMemory().buffer.byteLength, 0),
      };
    });
  }
}
