// The kernel's pipes: one Pipe per (tenant, declared pipe name), created on first use.
import type { Manifest } from "../../stdlib/abi/types.js";
import { Pipe, type PipeStats } from "./pipe.js";

export type PipeDecl = Manifest["pipes"][number];

export class PipeTable {
  private readonly decls = new Map<string, PipeDecl>();
  private readonly byTenant = new Map<string, Map<string, Pipe>>();
  private allClosed = false;

  constructor(decls: readonly PipeDecl[]) {
    for (const d of decls) {
      if (this.decls.has(d.name)) throw new Error(`duplicate pipe declaration: ${d.name}`);
      // Validate the capacity once, up front.
      new Pipe({ name: d.name, capacity: d.capacity, carries: d.carries });
      this.decls.set(d.name, d);
    }
  }

  /** The declaration of a pipe, or null when the name is not declared. */
  decl(name: string): PipeDecl | null {
    return this.decls.get(name) ?? null;
  }

  /** The tenant's pipe `name`, created lazily; null for an undeclared name. */
  get(tenant: string, name: string): Pipe | null {
    const d = this.decls.get(name);
    if (!d) return null;
    let pipes = this.byTenant.get(tenant);
    if (!pipes) { pipes = new Map(); this.byTenant.set(tenant, pipes); }
    let p = pipes.get(name);
    if (!p) {
      p = new Pipe({ name: d.name, capacity: d.capacity, carries: d.carries });
      if (this.allClosed) p.close();
      pipes.set(name, p);
    }
    return p;
  }

  /** Closes every pipe of one tenant (e.g. when the tenant's last agent ends). */
  closeTenant(tenant: string): void {
    for (const p of this.byTenant.get(tenant)?.values() ?? []) p.close();
  }

  /** Closes every pipe; pipes created afterwards start closed. */
  closeAll(): void {
    this.allClosed = true;
    for (const pipes of this.byTenant.values()) for (const p of pipes.values()) p.close();
  }

  list(): { tenant: string; name: string; stats: PipeStats }[] {
    const out: { tenant: string; name: string; stats: PipeStats }[] = [];
    for (const [tenant, pipes] of this.byTenant) {
      for (const [name, p] of pipes) out.push({ tenant, name, stats: p.stats() });
    }
    return out;
  }
}
