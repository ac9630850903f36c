// The kernel decides and records canonical paths only; anything else never reaches a policy or a backend.

export const MAX_PATH_BYTES = 4096;

/** Paths this long or shorter are within MAX_PATH_BYTES whatever they hold (3 UTF-8 bytes per UTF-16 unit at most). */
const SURELY_SHORT = Math.floor(MAX_PATH_BYTES / 3);

/**
 * For a path that starts with `/` and is at most SURELY_SHORT long: whether it holds no empty, `.`
 * or `..` segment, no trailing slash and no NUL, by one scan of its characters (a regexp's entry
 * costs more than the scan of a path agents use, and every syscall on a path checks one).
 */
function shortIsCanonical(p: string): boolean {
  let prev = -1, dots = 0; // dots: `.`s since the last `/`, -1 once the segment has anything else
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0) return false;
    if (c === 0x2f) {
      if (prev === 0x2f || dots === 1 || dots === 2) return false;
      dots = 0;
    } else if (c === 0x2e && dots >= 0) dots++;
    else dots = -1;
    prev = c;
  }
  return prev !== 0x2f && dots !== 1 && dots !== 2;
}

/** True for `/` and for `/seg(/seg)*` where no segment is empty, `.` or `..`, and there is no NUL. */
export function isCanonicalPath(p: string): boolean {
  if (typeof p !== "string" || p.length === 0 || p[0] !== "/") return false;
  if (p === "/") return true;
  if (p.length <= SURELY_SHORT) return shortIsCanonical(p);
  if (p.includes("\0") || Buffer.byteLength(p, "utf8") > MAX_PATH_BYTES) return false;
  const segs = p.split("/");
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === "" || s === "." || s === "..") return false;
  }
  return true;
}

export type PathError = { code: "EINVAL" | "ENAMETOOLONG"; message: string };

/**
 * Canonicalizes an agent-supplied path: resolves `.` and `..` lexically from the root (never above
 * it), folds repeated slashes, drops a trailing slash. NUL and over-long paths are refused.
 */
export function canonicalizePath(p: string): string | PathError {
  if (typeof p !== "string") return { code: "EINVAL", message: "path is not a string" };
  if (p.includes("\0")) return { code: "EINVAL", message: "path contains a NUL byte" };
  if (!p.startsWith("/")) return { code: "EINVAL", message: `path must be absolute: ${JSON.stringify(p)}` };
  // Most paths agents use are canonical already: they come back as they are.
  if (p.length <= SURELY_SHORT && (p === "/" || shortIsCanonical(p))) return p;
  const out: string[] = [];
  for (const s of p.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") { out.pop(); continue; }
    out.push(s);
  }
  const c = "/" + out.join("/");
  if (Buffer.byteLength(c, "utf8") > MAX_PATH_BYTES) return { code: "ENAMETOOLONG", message: "path is longer than 4096 bytes" };
  return c;
}
