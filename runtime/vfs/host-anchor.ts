// Walks a host directory tree without ever following a symbolic link. Node has no openat(), so on
// Linux a directory is held open and its entries are named `/proc/self/fd/N/name`: the kernel
// resolves `name` inside that very directory, so swapping a parent for a link after our check has
// no effect. Elsewhere ("path" anchoring) each component is checked with lstat just before use,
// which a host process racing that check can still defeat.
import { constants as C, promises as fs } from "node:fs";
import path from "node:path";
import { VfsError } from "./errors.js";
import { hostCode, hostError } from "./host-errno.js";

export type Anchoring = "proc" | "path";

/** A directory inside the root, reached without following links. */
export interface DirAnchor {
  /** A host path for `name` directly inside this directory. */
  at(name: string): string;
  /** A host path for this directory itself. */
  readonly self: string;
  /** Makes a rename inside this directory durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

class FdAnchor implements DirAnchor {
  readonly self: string;
  constructor(private readonly handle: fs.FileHandle) {
    this.self = `/proc/self/fd/${handle.fd}`;
  }
  at(name: string): string { return `${this.self}/${name}`; }
  sync(): Promise<void> { return this.handle.sync(); }
  close(): Promise<void> { return this.handle.close(); }
}

class PathAnchor implements DirAnchor {
  constructor(readonly self: string) {}
  at(name: string): string { return path.join(this.self, name); }
  async sync(): Promise<void> {
    const h = await fs.open(this.self, DIR_FLAGS);
    try { await h.sync(); } finally { await h.close(); }
  }
  async close(): Promise<void> {}
}

export type EntryKind = "missing" | "file" | "dir" | "symlink" | "other";

/** What is at `hostPath` itself, never what a link there points to. */
export async function entryKind(hostPath: string, rel: string): Promise<{ kind: EntryKind; size: number; mode: number }> {
  try {
    const st = await fs.lstat(hostPath);
    const kind = st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : st.isDirectory() ? "dir" : "other";
    return { kind, size: st.size, mode: st.mode & 0o7777 };
  } catch (e) {
    if (hostCode(e) === "ENOENT") return { kind: "missing", size: 0, mode: 0 };
    throw hostError(e, rel);
  }
}

/** The refusal for an entry the backend will not serve as a file or walk through as a directory. */
export function refuseKind(kind: EntryKind, rel: string): VfsError {
  if (kind === "symlink") return new VfsError("EACCES", rel, "symbolic links are not followed");
  if (kind === "file") return new VfsError("ENOTDIR", rel);
  if (kind === "missing") return new VfsError("ENOENT", rel);
  return new VfsError("EACCES", rel, "not a regular file or directory");
}

/** True when /proc/self/fd names the directory opened from `realRoot` (Linux with /proc mounted). */
export async function procAnchoringWorks(realRoot: string): Promise<boolean> {
  try {
    const h = await fs.open(realRoot, DIR_FLAGS);
    try { return (await fs.readlink(`/proc/self/fd/${h.fd}`)) === realRoot; } finally { await h.close(); }
  } catch {
    return false;
  }
}

/**
 * Opens the directory `segs` below `realRoot`, refusing any link on the way (EACCES). With
 * `create`, missing directories are made. The caller closes the anchor.
 */
export async function openDir(realRoot: string, segs: readonly string[], rel: string, mode: Anchoring, create: boolean): Promise<DirAnchor> {
  let cur: DirAnchor = mode === "proc" ? new FdAnchor(await fs.open(realRoot, DIR_FLAGS).catch((e) => { throw hostError(e, rel); })) : new PathAnchor(realRoot);
  try {
    for (const s of segs) {
      const next = await step(cur, s, rel, mode, create);
      await cur.close();
      cur = next;
    }
    return cur;
  } catch (e) {
    await cur.close();
    throw e;
  }
}

// Rounds: find the entry; after creating it, find it again; more means someone keeps changing it.
const MAX_ROUNDS = 3;

async function step(dir: DirAnchor, name: string, rel: string, mode: Anchoring, create: boolean): Promise<DirAnchor> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const found = await openChild(dir, name, rel, mode);
    if (typeof found !== "string") return found;
    if (found === "dir") continue;
    if (found !== "missing" || !create) throw refuseKind(found, rel);
    try {
      await fs.mkdir(dir.at(name));
    } catch (e) {
      // Someone else made it first: the next round checks what it is.
      if (hostCode(e) !== "EEXIST") throw hostError(e, rel);
    }
  }
  throw new VfsError("EIO", rel, "a directory kept changing while it was opened");
}

/** The child directory, or what is there instead ("dir" only if it became one after a failed open). */
async function openChild(dir: DirAnchor, name: string, rel: string, mode: Anchoring): Promise<DirAnchor | EntryKind> {
  if (mode === "path") {
    const { kind } = await entryKind(dir.at(name), rel);
    return kind === "dir" ? new PathAnchor(dir.at(name)) : kind;
  }
  try {
    return new FdAnchor(await fs.open(dir.at(name), DIR_FLAGS));
  } catch (e) {
    const code = hostCode(e);
    if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "ELOOP") throw hostError(e, rel);
    // O_DIRECTORY|O_NOFOLLOW reports a link as ENOTDIR; lstat tells a link from a file.
    return (await entryKind(dir.at(name), rel)).kind;
  }
}
