// The agent's one namespace of canonical absolute paths, spread over mounted backends. The kernel
// canonicalizes and decides before calling here; this layer checks again anyway, so a caller that
// skips the kernel still cannot reach outside a mount or remove one.
import type { Backend, BackendSnapshot, Stat } from "./backend.js";
import { MAX_PATH_BYTES, isCanonicalPath } from "../../stdlib/abi/canonical-path.js";
import { VfsError } from "./errors.js";
import { MountTable, type Resolved } from "./mount-table.js";
import { utf8Bytes } from "../../stdlib/utf8.js";

/** Snapshots of the mounts whose backends can take one, by mount point. */
export type VfsSnapshot = ReadonlyMap<string, BackendSnapshot>;

export class Vfs {
  private readonly table: MountTable;

  constructor(mounts: Readonly<Record<string, Backend>>) {
    this.table = new MountTable(mounts);
  }

  get mountPoints(): string[] {
    return this.table.points;
  }

  async read(path: string): Promise<string> {
    const r = this.fileTarget(path);
    return forward(path, () => r.backend.read(r.rel));
  }

  /**
   * `read` without waiting, when the file's backend can answer at once (memory and kernel-made
   * files); undefined when it cannot (read it with `read`). Errors are thrown as `read` rejects.
   */
  readNow(path: string): string | undefined {
    const r = this.fileTarget(path);
    if (!r.backend.readNow) return undefined;
    try { return r.backend.readNow(r.rel); } catch (e) { throw named(path, e); }
  }

  async write(path: string, data: string): Promise<void> {
    const p = canonical(path);
    // Checked here too: a third-party backend might store whatever it is handed.
    if (typeof data !== "string") throw new VfsError("EINVAL", p, "data must be a string");
    const r = this.fileTarget(p);
    return forward(p, () => r.backend.write(r.rel, data));
  }

  /** A directory's names; mount points below it are listed like any directory. */
  async list(path: string): Promise<string[]> {
    const { p, r, below } = this.listTarget(path);
    if (r === null) return below;
    if (below.length === 0) return forward(p, () => r.backend.list(r.rel));
    return merged(await forward(p, () => r.backend.list(r.rel)).catch(shadowed), below);
  }

  /** `list` without waiting where the backend can (see readNow); undefined when it cannot. */
  listNow(path: string): string[] | undefined {
    const { p, r, below } = this.listTarget(path);
    if (r === null) return below;
    if (!r.backend.listNow) return undefined;
    if (below.length === 0) return now(p, () => r.backend.listNow!(r.rel));
    let own: string[];
    try { own = now(p, () => r.backend.listNow!(r.rel)); } catch (e) { own = shadowed(e as VfsError); }
    return merged(own, below);
  }

  async remove(path: string): Promise<void> {
    const p = canonical(path);
    if (this.table.isMountPoint(p)) throw new VfsError("EACCES", p, "a mount point cannot be removed");
    if (this.table.mountsBelow(p).length > 0) throw new VfsError("EACCES", p, "a directory holding mount points cannot be removed");
    const r = this.table.resolve(p);
    if (r === null) throw new VfsError("ENOENT", p, "not under any mount");
    return forward(p, () => r.backend.remove(r.rel));
  }

  /** What list and listNow both check first: the path, the mount it is in, the mounts below it. */
  private listTarget(path: string) {
    const p = canonical(path);
    const below = this.table.mountsBelow(p);
    const r = this.table.resolve(p);
    if (r === null && below.length === 0) throw new VfsError("ENOENT", p, "not under any mount");
    return { p, r, below };
  }

  /** null when nothing is there. */
  async stat(path: string): Promise<Stat | null> {
    const p = canonical(path);
    if (this.table.mountsBelow(p).length > 0 && !this.table.isMountPoint(p)) return { kind: "dir", size: 0 };
    const r = this.table.resolve(p);
    if (r === null) return null;
    return forward(p, () => r.backend.stat(r.rel));
  }

  /**
   * Captures every mount that supports it (but those in `except`). All hooks are called before any is awaited, so memory
   * mounts (which capture synchronously) form one consistent cut across mounts.
   */
  async snapshot(except: readonly string[] = []): Promise<VfsSnapshot> {
    const taken = this.table.points.flatMap((point) => {
      const b = this.table.backend(point)!;
      return b.snapshot && !except.includes(point) ? [forward(point, () => b.snapshot!()).then((s) => [point, s] as const)] : [];
    });
    return new Map(await Promise.all(taken));
  }

  async restore(snapshot: VfsSnapshot): Promise<void> {
    for (const [point, snap] of snapshot) {
      const b = this.table.backend(point);
      if (!b?.restore) throw new VfsError("EINVAL", point, "no mount here can restore a snapshot");
      await forward(point, () => b.restore!(snap));
    }
  }

  /**
   * A file as it was when `snapshot` was taken: its contents, null when nothing was there, or
   * undefined when the snapshot does not cover the path (its mount takes no snapshots).
   */
  async readSnapshot(snapshot: VfsSnapshot, path: string): Promise<string | null | undefined> {
    const p = canonical(path);
    const r = this.table.resolve(p);
    if (r === null) return undefined;
    const snap = snapshot.get(r.mount);
    if (!snap || !r.backend.readSnapshot) return undefined;
    return forward(p, () => r.backend.readSnapshot!(snap, r.rel));
  }

  /** The backend that holds the file at `path`, which must be canonical: directories made of mount
   * points hold no files. The mounts never change, so a path found once is looked up by name. */
  private fileTarget(path: string): Resolved {
    let r = this.targets.get(path);
    if (r !== undefined) return r;
    const p = canonical(path);
    if (this.table.hasMountsBelow(p)) throw new VfsError("EISDIR", p);
    r = this.table.resolve(p) ?? undefined;
    if (r === undefined) throw new VfsError("ENOENT", p, "not under any mount");
    if (this.targets.size >= TARGETS_KEPT) this.targets.clear();
    this.targets.set(p, r);
    return r;
  }

  /** Canonical file paths already resolved (see fileTarget). */
  private readonly targets = new Map<string, Resolved>();
}

/** How many resolved file paths a Vfs keeps (see fileTarget). */
const TARGETS_KEPT = 4096;

function canonical(path: string): string {
  if (typeof path !== "string") throw new VfsError("EINVAL", `<${typeof path}>`, "path is not a string");
  if (utf8Bytes(path) > MAX_PATH_BYTES) throw new VfsError("ENAMETOOLONG", path, `path is longer than ${MAX_PATH_BYTES} bytes`);
  if (!isCanonicalPath(path)) throw new VfsError("EINVAL", path, "path is not canonical (absolute; no empty, `.` or `..` segment; no trailing slash; no NUL)");
  return path;
}

/** Runs a backend call and names any failure by the agent's path; a foreign throw becomes EIO. */
async function forward<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw named(path, e);
  }
}

/** A backend's synchronous call, its failure named as `forward` names it. */
function now<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw named(path, e);
  }
}

/** Mount points shadow whatever the enclosing backend has (or lacks) at those names. */
const shadowed = (e: VfsError): string[] => {
  if (e.code === "ENOENT" || e.code === "ENOTDIR") return [];
  throw e;
};
const merged = (own: string[], below: string[]): string[] => [...new Set([...own, ...below])].sort();

function named(path: string, e: unknown): VfsError {
  if (e instanceof VfsError) return e.at(path);
  return new VfsError("EIO", path, "the storage behind this mount failed", { cause: e });
}
