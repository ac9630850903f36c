// The one interface every storage behind a mount implements. Paths are mount-relative (`""` is the
// mount root, `a/b.txt` below it); failures reject with a VfsError whose path is that relative path.

export interface Stat {
  kind: "file" | "dir";
  /** Bytes of the UTF-8 contents for a file; 0 for a directory. */
  size: number;
}

/** An opaque, immutable capture of a backend's contents; `backend` names the kind that made it. */
export interface BackendSnapshot {
  readonly backend: string;
}

export interface Backend {
  /** The whole file as UTF-8. */
  read(rel: string): Promise<string>;
  /** `read` and `list` without waiting, for a backend that holds its files in the host's memory:
   * the same answer or the same VfsError, thrown. The kernel then answers such a syscall in the
   * agent's own call, with no I/O turn. A backend implements both or neither. */
  readNow?(rel: string): string;
  listNow?(rel: string): string[];
  /** Creates missing parent directories; replaces an existing file atomically where the storage can. */
  write(rel: string, data: string): Promise<void>;
  /** Names directly inside a directory, sorted by UTF-16 code units; directories are listed like files. */
  list(rel: string): Promise<string[]>;
  /** A file or an empty directory. A non-empty directory is EEXIST (POSIX allows it for rmdir). */
  remove(rel: string): Promise<void>;
  /** null when nothing is at `rel`, including when a parent is a file. */
  stat(rel: string): Promise<Stat | null>;
  /** Checkpoint hooks: a backend that can capture its contents cheaply implements both. */
  snapshot?(): Promise<BackendSnapshot>;
  restore?(snapshot: BackendSnapshot): Promise<void>;
  /** A file's contents as they were in one of this backend's snapshots; null when none was there. */
  readSnapshot?(snapshot: BackendSnapshot, rel: string): Promise<string | null>;
}

/** Duck-typed, because embedders bring their own backends and specs arrive as plain objects. */
export function isBackend(x: unknown): x is Backend {
  if (typeof x !== "object" || x === null) return false;
  const b = x as Record<string, unknown>;
  return ["read", "write", "list", "remove", "stat"].every((m) => typeof b[m] === "function");
}
