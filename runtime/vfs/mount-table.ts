// Maps canonical paths to (backend, mount-relative path) by longest mount-point prefix, and knows
// which directories exist only because mount points lie below them (`/mem` above `/mem/working`).
import { isBackend, type Backend } from "./backend.js";
import { isCanonicalPath } from "../../stdlib/abi/canonical-path.js";
import { VfsError } from "./errors.js";

export interface Resolved {
  mount: string;
  backend: Backend;
  /** `""` for the mount point itself. */
  rel: string;
}

export class MountTable {
  private readonly backends = new Map<string, Backend>();
  /** For every proper ancestor of a mount point: the names of the next segments toward mounts. */
  private readonly through = new Map<string, Set<string>>();

  constructor(mounts: Readonly<Record<string, Backend>>) {
    for (const [point, backend] of Object.entries(mounts)) {
      if (!isCanonicalPath(point)) throw new VfsError("EINVAL", point, "a mount point must be a canonical absolute path");
      if (!isBackend(backend)) throw new VfsError("EINVAL", point, "a mount needs a backend with read, write, list, remove and stat");
      this.backends.set(point, backend);
      for (let p = point; p !== "/"; p = parentOf(p)) {
        const parent = parentOf(p);
        let names = this.through.get(parent);
        if (names === undefined) this.through.set(parent, (names = new Set()));
        names.add(p.slice(p.lastIndexOf("/") + 1));
      }
    }
  }

  /** Mount points, sorted. */
  get points(): string[] {
    return [...this.backends.keys()].sort();
  }

  backend(point: string): Backend | undefined {
    return this.backends.get(point);
  }

  isMountPoint(path: string): boolean {
    return this.backends.has(path);
  }

  /** The deepest mount containing the canonical `path`, or null; O(depth) map lookups. */
  resolve(path: string): Resolved | null {
    for (let p = path; ; p = parentOf(p)) {
      const backend = this.backends.get(p);
      if (backend !== undefined) {
        const rel = p === path ? "" : path.slice(p === "/" ? 1 : p.length + 1);
        return { mount: p, backend, rel };
      }
      if (p === "/") return null;
    }
  }

  /** Whether mount points lie below `path`. */
  hasMountsBelow(path: string): boolean {
    return (this.through.get(path)?.size ?? 0) > 0;
  }

  /** Names directly below `path` that lead to mount points; empty unless mounts lie below it. */
  mountsBelow(path: string): string[] {
    return [...(this.through.get(path) ?? [])].sort();
  }
}

function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}
