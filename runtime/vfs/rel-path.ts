// Backends receive mount-relative paths. The kernel only passes canonical ones, but a backend checks
// again (defence in depth), so no caller can name anything outside the mount's root.
import { MAX_PATH_BYTES } from "../../stdlib/abi/canonical-path.js";
import { VfsError } from "./errors.js";
import { utf8Bytes } from "../../stdlib/utf8.js";

/** NAME_MAX of common POSIX file systems; applied everywhere so every backend accepts the same names. */
export const MAX_NAME_BYTES = 255;

/** Host directories stage writes under this prefix; it is reserved on every backend so they agree. */
export const RESERVED_PREFIX = ".acp-tmp-";

/**
 * The segments of a relative path: `""` is the mount root, otherwise `seg(/seg)*` with no empty,
 * `.` or `..` segment, no NUL, no reserved name. Throws EINVAL or ENAMETOOLONG.
 */
export function relSegments(rel: string): readonly string[] {
  if (typeof rel !== "string") throw new VfsError("EINVAL", String(rel), "path is not a string");
  if (rel === "") return NO_SEGMENTS;
  // A path read again and again (a file an agent polls) is checked once.
  const known = checked.get(rel);
  if (known !== undefined) return known;
  if (utf8Bytes(rel) > MAX_PATH_BYTES) throw new VfsError("ENAMETOOLONG", rel, `path is longer than ${MAX_PATH_BYTES} bytes`);
  if (rel.includes("\0")) throw new VfsError("EINVAL", rel, "path contains a NUL byte");
  if (rel.startsWith("/")) throw new VfsError("EINVAL", rel, "mount-relative path must not be absolute");
  const segs = rel.split("/");
  for (const s of segs) {
    if (s === "" || s === "." || s === "..") throw new VfsError("EINVAL", rel, "path has an empty, `.` or `..` segment");
    if (utf8Bytes(s) > MAX_NAME_BYTES) throw new VfsError("ENAMETOOLONG", rel, `a name is longer than ${MAX_NAME_BYTES} bytes`);
    if (s.startsWith(RESERVED_PREFIX)) throw new VfsError("EINVAL", rel, `names starting with ${RESERVED_PREFIX} are reserved`);
  }
  if (checked.size >= CHECKED_KEPT) checked.clear();
  checked.set(rel, Object.freeze(segs));
  return segs;
}

const NO_SEGMENTS: readonly string[] = Object.freeze([]);
/** Relative paths found valid, and their segments (frozen: every caller shares them). */
const checked = new Map<string, readonly string[]>();
const CHECKED_KEPT = 4096;
