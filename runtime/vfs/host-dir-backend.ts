// A host directory behind a mount, confined under its root: no rel path can name anything outside
// it, no symbolic link inside it is ever followed, and a reader never sees a half-written file.
import { randomBytes } from "node:crypto";
import { constants as C, promises as fs } from "node:fs";
import path from "node:path";
import type { Backend, Stat } from "./backend.js";
import { VfsError } from "./errors.js";
import { entryKind, openDir, procAnchoringWorks, refuseKind, type Anchoring, type DirAnchor } from "./host-anchor.js";
import { hostError } from "./host-errno.js";
import { RESERVED_PREFIX, relSegments } from "./rel-path.js";
import { wellFormed } from "../../stdlib/utf8.js";

export interface HostDirOptions {
  /** Refuse write and remove with EROFS. */
  readOnly?: boolean;
  /** Largest file read or written, in bytes. Default 8 MiB. */
  maxFileBytes?: number;
  /** fsync each written file and its directory before reporting success. Default true. */
  durable?: boolean;
  /** "auto" (default) uses /proc/self/fd anchoring where it works; "path" forces the portable walk. */
  anchoring?: "auto" | Anchoring;
  /** Largest total of the directory's file bytes that writes may bring it to (ENOSPC past it). The
   * total is found by a walk at open and then kept by this backend's own writes and removes: what
   * others change in the directory meanwhile is not seen. Default: no limit. */
  maxBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
// O_NONBLOCK: a FIFO planted in the root must not hang the kernel on open; fstat then refuses it.
const READ_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY;
const TEMP_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
const CHUNK = 64 * 1024;

export class HostDirBackend implements Backend {
  private constructor(
    /** The root with every link resolved once, at open: the operator's choice, trusted. */
    readonly root: string,
    readonly readOnly: boolean,
    readonly maxFileBytes: number,
    private readonly durable: boolean,
    readonly anchoring: Anchoring,
    readonly maxBytes: number | null,
    /** File bytes in the directory (kept only with maxBytes), writes in flight included. */
    private used: number,
  ) {}

  /** File bytes the directory holds by this backend's count; null without maxBytes. */
  get usedBytes(): number | null {
    return this.maxBytes === null ? null : this.used;
  }

  /** `root` must be an existing directory; relative roots resolve against the process's cwd. */
  static async open(root: string, opts: HostDirOptions = {}): Promise<HostDirBackend> {
    if (process.platform === "win32") throw new VfsError("EINVAL", root, "host directory mounts need a POSIX host");
    const max = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!Number.isSafeInteger(max) || max < 0) throw new VfsError("EINVAL", root, `maxFileBytes must be a non-negative integer, got ${max}`);
    let real: string;
    try {
      real = await fs.realpath(path.resolve(root));
    } catch (e) {
      throw hostError(e, root);
    }
    const st = await fs.stat(real).catch((e) => { throw hostError(e, root); });
    if (!st.isDirectory()) throw new VfsError("ENOTDIR", root, "a host directory mount needs a directory");
    const wanted = opts.anchoring ?? "auto";
    const proc = await procAnchoringWorks(real);
    if (wanted === "proc" && !proc) throw new VfsError("EINVAL", root, "/proc/self/fd anchoring is not available on this host");
    const anchoring = wanted === "path" || !proc ? "path" : "proc";
    const quota = opts.maxBytes ?? null;
    if (quota !== null && (!Number.isSafeInteger(quota) || quota < 0)) throw new VfsError("EINVAL", root, `maxBytes must be a non-negative integer, got ${quota}`);
    const used = quota === null ? 0 : await fileBytesUnder(real).catch((e) => { throw hostError(e, root); });
    return new HostDirBackend(real, opts.readOnly ?? false, max, opts.durable ?? true, anchoring, quota, used);
  }

  async read(rel: string): Promise<string> {
    const segs = relSegments(rel);
    if (segs.length === 0) throw new VfsError("EISDIR", rel);
    return this.inParent(segs, rel, false, async (dir, leaf) => {
      const h = await fs.open(dir.at(leaf), READ_FLAGS).catch(async (e) => { throw await this.leafError(dir, leaf, rel, e); });
      try {
        const st = await h.stat();
        if (st.isDirectory()) throw new VfsError("EISDIR", rel);
        if (!st.isFile()) throw refuseKind("other", rel);
        if (st.size > this.maxFileBytes) throw this.tooBig(rel, st.size);
        return (await this.readBounded(h, rel)).toString("utf8");
      } finally {
        await h.close();
      }
    });
  }

  async write(rel: string, data: string): Promise<void> {
    const segs = relSegments(rel);
    if (typeof data !== "string") throw new VfsError("EINVAL", rel, "data must be a string");
    if (this.readOnly) throw new VfsError("EROFS", rel);
    if (segs.length === 0) throw new VfsError("EISDIR", rel);
    const bytes = Buffer.from(wellFormed(data), "utf8");
    if (bytes.length > this.maxFileBytes) throw this.tooBig(rel, bytes.length);
    await this.inParent(segs, rel, true, async (dir, leaf) => {
      const old = await entryKind(dir.at(leaf), rel);
      if (old.kind === "dir") throw new VfsError("EISDIR", rel);
      if (old.kind !== "file" && old.kind !== "missing") throw refuseKind(old.kind, rel);
      // Replacing by rename would ignore the file's own mode; a file the host made read-only stays so.
      if (old.kind === "file" && (old.mode & 0o222) === 0) throw new VfsError("EACCES", rel, "the host file is read-only");
      // The growth is taken before the write and given back if it fails: concurrent writes cannot
      // each pass the check on the same free space.
      const grows = bytes.length - (old.kind === "file" ? old.size : 0);
      if (this.maxBytes !== null) {
        if (grows > 0 && this.used + grows > this.maxBytes) throw new VfsError("ENOSPC", rel, `mount quota of ${this.maxBytes} bytes exceeded`);
        this.used += grows;
      }
      let done = false;
      // Written beside the target and renamed over it: rename is atomic, and it replaces a link
      // planted after the check above instead of writing through it.
      const temp = RESERVED_PREFIX + randomBytes(8).toString("hex");
      try {
        const h = await fs.open(dir.at(temp), TEMP_FLAGS, 0o666);
        try {
          if (old.kind === "file") await h.chmod(old.mode);
          await h.writeFile(bytes);
          if (this.durable) await h.sync();
        } finally {
          await h.close();
        }
        await fs.rename(dir.at(temp), dir.at(leaf));
        done = true;
      } catch (e) {
        await fs.unlink(dir.at(temp)).catch(() => undefined);
        throw e;
      } finally {
        if (!done && this.maxBytes !== null) this.used -= grows;
      }
      if (this.durable) await dir.sync();
    });
  }

  async list(rel: string): Promise<string[]> {
    const segs = relSegments(rel);
    const dir = await openDir(this.root, segs, rel, this.anchoring, false);
    try {
      const entries = await fs.readdir(dir.self, { withFileTypes: true }).catch((e) => { throw hostError(e, rel); });
      // Only what this backend would serve: links, FIFOs, sockets, devices and staged writes stay hidden.
      return entries
        .filter((d) => (d.isFile() || d.isDirectory()) && !d.name.startsWith(RESERVED_PREFIX))
        .map((d) => d.name)
        .sort();
    } finally {
      await dir.close();
    }
  }

  async remove(rel: string): Promise<void> {
    const segs = relSegments(rel);
    if (this.readOnly) throw new VfsError("EROFS", rel);
    if (segs.length === 0) throw new VfsError("EACCES", rel, "the mount root cannot be removed");
    await this.inParent(segs, rel, false, async (dir, leaf) => {
      const { kind, size } = await entryKind(dir.at(leaf), rel);
      // unlink and rmdir act on the entry itself, so a link swapped in after this check is removed, not followed.
      if (kind === "file") { await fs.unlink(dir.at(leaf)); if (this.maxBytes !== null) this.used = Math.max(0, this.used - size); }
      else if (kind === "dir") await fs.rmdir(dir.at(leaf));
      else throw refuseKind(kind, rel);
    });
  }

  async stat(rel: string): Promise<Stat | null> {
    const segs = relSegments(rel);
    if (segs.length === 0) return { kind: "dir", size: 0 };
    try {
      return await this.inParent(segs, rel, false, async (dir, leaf) => {
        const { kind, size } = await entryKind(dir.at(leaf), rel);
        if (kind === "missing") return null;
        if (kind === "file" || kind === "dir") return { kind, size: kind === "file" ? size : 0 };
        throw refuseKind(kind, rel);
      });
    } catch (e) {
      if (e instanceof VfsError && (e.code === "ENOENT" || e.code === "ENOTDIR")) return null;
      throw e;
    }
  }

  /** Runs `fn` with the leaf's parent directory open, closing it whatever happens; host errors are mapped. */
  private async inParent<T>(segs: readonly string[], rel: string, create: boolean, fn: (dir: DirAnchor, leaf: string) => Promise<T>): Promise<T> {
    const dir = await openDir(this.root, segs.slice(0, -1), rel, this.anchoring, create);
    try {
      return await fn(dir, segs[segs.length - 1]!);
    } catch (e) {
      throw hostError(e, rel);
    } finally {
      await dir.close();
    }
  }

  /** Why opening the leaf failed, told from the entry itself (a link reads as ELOOP, EMLINK or ENOTDIR). */
  private async leafError(dir: DirAnchor, leaf: string, rel: string, e: unknown): Promise<VfsError> {
    const { kind } = await entryKind(dir.at(leaf), rel);
    return kind === "symlink" || kind === "other" || kind === "missing" ? refuseKind(kind, rel) : hostError(e, rel);
  }

  /** The file's bytes, stopping as soon as it proves larger than the limit (it may grow after fstat). */
  private async readBounded(h: fs.FileHandle, rel: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await h.read(buf, 0, CHUNK, total);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      total += bytesRead;
      if (total > this.maxFileBytes) throw this.tooBig(rel, total);
      chunks.push(buf.subarray(0, bytesRead));
    }
  }

  private tooBig(rel: string, size: number): VfsError {
    return new VfsError("EFBIG", rel, `file is ${size} bytes; the limit is ${this.maxFileBytes}`);
  }
}

/** Bytes of the regular files under `root`, links not followed (what a quota starts from). */
async function fileBytesUnder(root: string): Promise<number> {
  let total = 0;
  const dirs = [root];
  while (dirs.length > 0) {
    const d = dirs.pop()!;
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) dirs.push(p);
      else if (e.isFile()) total += (await fs.lstat(p)).size;
    }
  }
  return total;
}
