// Globs (docs/reference.md, "Globs"): segments separated by `/`; a whole segment `**` matches any
// run of characters including `/`; `*` elsewhere matches a run of characters other than `/` (in a
// URL glob's host, other than `.`, `/` and `:`); every other character is literal. There is no
// escaping, no `?` and no `[...]`: what you write is what is matched.
import { patternError, type PatternError } from "./errors.js";
import { escapeRegexCodePoint, findLoneSurrogate } from "./text.js";

export type GlobKind = "path" | "url" | "string";

export type GlobToken =
  /** A literal run of characters. */
  | { t: "lit"; text: string }
  /** `*`: any run of code points not in `exclude` ("/" normally, "./:" in a URL host). */
  | { t: "star"; exclude: string }
  /** A whole-segment `**`: any run of code points, `/` included. */
  | { t: "globstar" };

export interface GlobAst {
  kind: GlobKind;
  tokens: GlobToken[];
}

const SEGMENT_STAR_EXCLUDE = "/";
const HOST_STAR_EXCLUDE = "./:";

/** The UTF-16 range [start, end) of the host part of a URL glob, or null when there is none. */
function hostRange(src: string): [number, number] | null {
  const sep = src.indexOf("://");
  if (sep < 0) return null;
  const start = sep + 3;
  const slash = src.indexOf("/", start);
  return [start, slash < 0 ? src.length : slash];
}

export function parseGlob(src: string, kind: GlobKind): GlobAst | PatternError {
  if (src.length === 0) return patternError("E0401", "empty glob (it would match only the empty string)", 0);
  const lone = findLoneSurrogate(src);
  if (lone >= 0) return patternError("E0401", "unpaired surrogate in the glob", lone);
  const host = kind === "url" ? hostRange(src) : null;
  const tokens: GlobToken[] = [];
  let lit = "";
  const flush = () => {
    if (lit !== "") tokens.push({ t: "lit", text: lit });
    lit = "";
  };
  let segStart = 0;
  while (segStart <= src.length) {
    const slash = src.indexOf("/", segStart);
    const segEnd = slash < 0 ? src.length : slash;
    const seg = src.slice(segStart, segEnd);
    if (seg === "**") {
      flush();
      tokens.push({ t: "globstar" });
    } else {
      const dbl = seg.indexOf("**");
      if (dbl >= 0) {
        return patternError("E0401", "`**` must be a whole path segment (use `*` within a segment)", segStart + dbl);
      }
      for (let i = segStart; i < segEnd; i++) {
        const ch = src[i]!;
        if (ch === "*") {
          flush();
          const inHost = host !== null && i >= host[0] && i < host[1];
          tokens.push({ t: "star", exclude: inHost ? HOST_STAR_EXCLUDE : SEGMENT_STAR_EXCLUDE });
        } else {
          lit += ch;
        }
      }
    }
    if (slash < 0) break;
    lit += "/";
    segStart = slash + 1;
  }
  flush();
  return { kind, tokens };
}

function escapeClassChars(chars: string): string {
  return [...chars].map((c) => escapeRegexCodePoint(c.codePointAt(0)!)).join("");
}

/**
 * An anchored JS RegExp source (use with the `u` flag) with exactly the glob's semantics. It is
 * built independently of the automaton so the reference interpreter can serve as an oracle.
 */
export function globRegexSource(ast: GlobAst): string {
  let out = "^";
  for (const tok of ast.tokens) {
    if (tok.t === "lit") {
      for (const ch of tok.text) out += escapeRegexCodePoint(ch.codePointAt(0)!);
    } else if (tok.t === "star") {
      out += `[^${escapeClassChars(tok.exclude)}]*`;
    } else {
      out += "[\\s\\S]*";
    }
  }
  return out + "$";
}
