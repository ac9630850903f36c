// Every VFS failure is a VfsError with a POSIX-style code, so the kernel can hand the agent an errno
// and the flight recorder can log it, without parsing messages.

export type VfsErrorCode =
  | "ENOENT" | "EEXIST" | "EISDIR" | "ENOTDIR" | "EROFS" | "EACCES"
  | "EINVAL" | "ENAMETOOLONG" | "EFBIG" | "ENOSPC" | "EIO";

const DEFAULT_DETAIL: Readonly<Record<VfsErrorCode, string>> = {
  ENOENT: "no such file or directory",
  EEXIST: "already exists",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EROFS: "read-only mount",
  EACCES: "permission denied",
  EINVAL: "invalid argument",
  ENAMETOOLONG: "name too long",
  EFBIG: "file too large",
  ENOSPC: "quota exceeded",
  EIO: "input/output error",
};

// Paths can be 4 KiB or, when refused for length, much longer; a message stays readable.
const MAX_SHOWN = 160;

export class VfsError extends Error {
  /** `path` is what the caller asked for: a canonical path at the VFS, a mount-relative one in a backend. */
  constructor(readonly code: VfsErrorCode, readonly path: string, readonly detail: string = DEFAULT_DETAIL[code], options?: { cause?: unknown }) {
    super(`${code}: ${showPath(path)}: ${detail}`, options);
    this.name = "VfsError";
  }

  /** The same failure named by another path: backends speak mount-relative, agents see absolute paths. */
  at(path: string): VfsError {
    return new VfsError(this.code, path, this.detail, { cause: this.cause });
  }
}

export function isVfsError(e: unknown, code?: VfsErrorCode): e is VfsError {
  return e instanceof VfsError && (code === undefined || e.code === code);
}

function showPath(p: string): string {
  if (typeof p !== "string") return "<not a string>";
  if (p === "") return ".";
  const s = JSON.stringify(p).slice(1, -1);
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s;
}
