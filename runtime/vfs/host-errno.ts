// Host errors become VfsErrors named by the mount-relative path. Node's own messages carry the
// host path, which an agent must never learn, so they survive only as `cause` for the kernel's log.
import { VfsError, type VfsErrorCode } from "./errors.js";

const FROM_HOST: Readonly<Record<string, readonly [VfsErrorCode, string?]>> = {
  ENOENT: ["ENOENT"],
  ENOTDIR: ["ENOTDIR"],
  EISDIR: ["EISDIR"],
  // O_NOFOLLOW on a symbolic link: ELOOP on Linux and macOS, EMLINK on FreeBSD.
  ELOOP: ["EACCES", "symbolic links are not followed"],
  EMLINK: ["EACCES", "symbolic links are not followed"],
  EACCES: ["EACCES"],
  EPERM: ["EACCES"],
  ENXIO: ["EACCES", "not a regular file or directory"],
  EROFS: ["EROFS", "host file system is read-only"],
  ENOSPC: ["ENOSPC", "host file system is full"],
  EDQUOT: ["ENOSPC", "host disk quota exceeded"],
  EFBIG: ["EFBIG"],
  ENAMETOOLONG: ["ENAMETOOLONG"],
  EEXIST: ["EEXIST"],
  ENOTEMPTY: ["EEXIST", "directory not empty"],
  EINVAL: ["EINVAL"],
};

export function hostError(e: unknown, rel: string): VfsError {
  if (e instanceof VfsError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const [mapped, detail] = (typeof code === "string" ? FROM_HOST[code] : undefined) ?? ["EIO", `host error ${typeof code === "string" ? code : "without a code"}`];
  return new VfsError(mapped, rel, detail, { cause: e });
}

export function hostCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
