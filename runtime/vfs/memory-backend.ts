// The default backend: a tree in the kernel's heap, bounded so an agent cannot exhaust the host's
// memory through the file system, with O(1) copy-on-write snapshots for checkpoints.
import type { Backend, BackendSnapshot, Stat } from "./backend.js";
import { VfsError } from "./errors.js";
import { emptyDir, largestFile, lookup, newEpoch, ownPath, type DirNode, type Epoch, type MemNode } from "./memory-tree.js";
import { relSegments } from "./rel-path.js";
import { utf8Bytes, wellFormed } from "../../stdlib/utf8.js";

export interface MemoryLimits {
  /** Bytes of all file contents plus all entry names (so empty files are not free). Default 64 MiB. */
  maxBytes?: number;
  /** Bytes of one file's UTF-8 contents. Default 8 MiB. */
  maxFileBytes?: number;
}

export const DEFAULT_MEMORY_LIMITS = { maxBytes: 64 * 1024 * 1024, maxFileBytes: 8 * 1024 * 1024 } as const;

/** What every file and directory costs against `maxBytes` besides its name and content: about the
 * host memory a node takes. Counted by names and contents alone, an empty file cost one byte and
 * ~140 of heap, so a mount's quota let an agent fill the host's heap with empty files. */
export const ENTRY_BYTES = 128;

/** Holds a root that no backend will change again; only memory backends can read it. */
export class MemorySnapshot implements BackendSnapshot {
  readonly backend = "memory";
  /** @internal */
  constructor(readonly root: DirNode, readonly bytes: number, readonly origin: MemoryBackend) {
    Object.freeze(this);
  }
}

export class MemoryBackend implements Backend {
  readonly maxBytes: number;
  readonly maxFileBytes: number;
  private root: DirNode;
  private epoch: Epoch = newEpoch();
  private used = 0;

  constructor(limits: MemoryLimits = {}) {
    this.maxBytes = limit("maxBytes", limits.maxBytes ?? DEFAULT_MEMORY_LIMITS.maxBytes);
    this.maxFileBytes = limit("maxFileBytes", limits.maxFileBytes ?? DEFAULT_MEMORY_LIMITS.maxFileBytes);
    this.root = emptyDir(this.epoch);
  }

  /** Bytes counted against `maxBytes`. */
  get usedBytes(): number {
    return this.used;
  }

  async read(rel: string): Promise<string> {
    return this.readNow(rel);
  }

  readNow(rel: string): string {
    const node = lookup(this.root, relSegments(rel), rel);
    if (node === undefined) throw new VfsError("ENOENT", rel);
    if (node.kind === "dir") throw new VfsError("EISDIR", rel);
    return node.data;
  }

  async write(rel: string, data: string): Promise<void> {
    const segs = relSegments(rel);
    if (typeof data !== "string") throw new VfsError("EINVAL", rel, "data must be a string");
    if (segs.length === 0) throw new VfsError("EISDIR", rel);
    const text = wellFormed(data);
    const size = utf8Bytes(text);
    if (size > this.maxFileBytes) throw new VfsError("EFBIG", rel, `file is ${size} bytes; the limit is ${this.maxFileBytes}`);
    // Every check happens before the first change, so a refused write leaves the tree as it was.
    const leaf = segs[segs.length - 1]!;
    const parents = segs.slice(0, -1);
    let cost = 0;
    let dir: DirNode | undefined = this.root;
    for (const s of parents) {
      const next: MemNode | undefined = dir?.children.get(s);
      if (next?.kind === "file") throw new VfsError("ENOTDIR", rel, "a parent is a file");
      if (next === undefined) cost += ENTRY_BYTES + utf8Bytes(s);
      dir = next;
    }
    const old = dir?.children.get(leaf);
    if (old?.kind === "dir") throw new VfsError("EISDIR", rel);
    cost += old === undefined ? ENTRY_BYTES + utf8Bytes(leaf) + size : size - old.size;
    if (cost > 0 && this.used + cost > this.maxBytes) throw new VfsError("ENOSPC", rel, `mount quota of ${this.maxBytes} bytes exceeded`);
    const owned = ownPath(this.root, parents, this.epoch);
    owned.dir.children.set(leaf, { kind: "file", data: text, size });
    this.root = owned.root;
    this.used += cost;
  }

  async list(rel: string): Promise<string[]> {
    return this.listNow(rel);
  }

  listNow(rel: string): string[] {
    const node = lookup(this.root, relSegments(rel), rel);
    if (node === undefined) throw new VfsError("ENOENT", rel);
    if (node.kind === "file") throw new VfsError("ENOTDIR", rel);
    return [...node.children.keys()].sort();
  }

  async remove(rel: string): Promise<void> {
    const segs = relSegments(rel);
    if (segs.length === 0) throw new VfsError("EACCES", rel, "the mount root cannot be removed");
    const node = lookup(this.root, segs, rel);
    if (node === undefined) throw new VfsError("ENOENT", rel);
    if (node.kind === "dir" && node.children.size > 0) throw new VfsError("EEXIST", rel, "directory not empty");
    const leaf = segs[segs.length - 1]!;
    const owned = ownPath(this.root, segs.slice(0, -1), this.epoch);
    owned.dir.children.delete(leaf);
    this.root = owned.root;
    this.used -= ENTRY_BYTES + utf8Bytes(leaf) + (node.kind === "file" ? node.size : 0);
  }

  async stat(rel: string): Promise<Stat | null> {
    const segs = relSegments(rel);
    let node: MemNode | undefined;
    try {
      node = lookup(this.root, segs, rel);
    } catch (e) {
      if (e instanceof VfsError && e.code === "ENOTDIR") return null;
      throw e;
    }
    if (node === undefined) return null;
    return node.kind === "file" ? { kind: "file", size: node.size } : { kind: "dir", size: 0 };
  }

  /** O(1): the snapshot keeps the current root, and a new epoch makes later writes copy what they touch. */
  async snapshot(): Promise<MemorySnapshot> {
    const snap = new MemorySnapshot(this.root, this.used, this);
    this.epoch = newEpoch();
    return snap;
  }

  async readSnapshot(snapshot: BackendSnapshot, rel: string): Promise<string | null> {
    if (!(snapshot instanceof MemorySnapshot)) throw new VfsError("EINVAL", rel, `cannot read a ${String(snapshot?.backend)} snapshot in a memory backend`);
    const node = lookup(snapshot.root, relSegments(rel), rel);
    return node?.kind === "file" ? node.data : null;
  }

  /** Any memory backend's snapshot; one made under larger limits is refused (ENOSPC/EFBIG) rather than trimmed. */
  async restore(snapshot: BackendSnapshot): Promise<void> {
    if (!(snapshot instanceof MemorySnapshot)) throw new VfsError("EINVAL", "", `cannot restore a ${String(snapshot?.backend)} snapshot into a memory backend`);
    if (snapshot.origin !== this) {
      if (snapshot.bytes > this.maxBytes) throw new VfsError("ENOSPC", "", `snapshot holds ${snapshot.bytes} bytes; the quota is ${this.maxBytes}`);
      const big = largestFile(snapshot.root);
      if (big > this.maxFileBytes) throw new VfsError("EFBIG", "", `snapshot has a ${big}-byte file; the limit is ${this.maxFileBytes}`);
    }
    this.root = snapshot.root;
    this.used = snapshot.bytes;
    // A fresh epoch: neither this backend nor any other may now change the snapshot's nodes in place.
    this.epoch = newEpoch();
  }
}

function limit(name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new VfsError("EINVAL", "", `${name} must be a non-negative integer, got ${n}`);
  return n;
}
