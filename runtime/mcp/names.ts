// How MCP names meet the policy's: a tool's name as an .acp identifier, a resource URI as a path.

const KEYWORDS = new Set(["policy", "version", "on", "violation", "type", "tool", "const", "pipe", "limit", "assert", "never", "allow", "deny", "kill", "stop", "audit", "when", "and", "or", "not", "in", "true", "false", "per", "carries", "capacity", "max", "any", "all"]);

/** The .acp name of an MCP tool: every character outside [A-Za-z0-9_] becomes `_`, a leading
 * digit or a keyword gets a `_` (`get-sum` → `get_sum`, `type` → `type_`). The gateway decides a
 * call under this name, and refuses a tool whose name another listed tool maps to as well. */
export function acpToolName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (s === "" || /^[0-9]/.test(s)) s = "_" + s;
  if (KEYWORDS.has(s)) s += "_";
  return s;
}

/** The `fs.read` target of a resource URI: `/<scheme>/<authority><path>[?query]`, so
 * `file:///srv/a.txt` is `/file/srv/a.txt` and `test://static/resource/1` is
 * `/test/static/resource/1`, and the policy's path globs apply. A URI that does not give a
 * canonical path (`..`, `//`, a trailing `/`) is decided as a violation, as in the kernel. */
export function resourceTarget(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?/.exec(uri);
  if (!m) return uri;
  let path = m[3] ?? "";
  try { path = decodeURIComponent(path); } catch { return uri; }
  const authority = m[2] ?? "";
  return `/${m[1]!.toLowerCase()}${authority ? `/${authority}` : ""}${path.startsWith("/") || path === "" ? path : `/${path}`}${m[4] ?? ""}`;
}
