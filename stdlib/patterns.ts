// Literal pattern arguments (globs, regexes, CIDRs): validated once by the checker, then matched by
// the interpreter through pinned JS RegExps (the oracle) and by the module through DFAs.
import { parseGlob, globRegexSource } from "./automata/glob.js";
import { parseRegex, regexToJs } from "./automata/regex.js";
import { compileGlob, compileRegex } from "./automata/compile.js";
import type { Dfa } from "./automata/dfa.js";
import type { PatternError } from "./automata/errors.js";
import { parseCidr, type Cidr } from "./ip.js";

export type PatternKind = "path" | "url" | "string" | "regex" | "cidr";

export function isPatternError(x: unknown): x is PatternError {
  return typeof x === "object" && x !== null && "code" in x && "offset" in x;
}

/** Null when the pattern is valid, else the error to report. */
export function checkPattern(kind: PatternKind, src: string): PatternError | null {
  if (kind === "cidr") return parseCidr(src) ? null : { code: "E0403", message: `invalid CIDR ${JSON.stringify(src)}`, offset: 0 };
  if (kind === "regex") { const r = parseRegex(src); if (isPatternError(r)) return r; }
  else { const g = parseGlob(src, kind); if (isPatternError(g)) return g; }
  // A pattern argument becomes an automaton of its own in the module: one over the state budget
  // is reported here, at the literal, not thrown from code generation as an internal error.
  if (kind === "regex" || kind === "string") { const d = patternDfa(kind, src); if (isPatternError(d)) return d; }
  return null;
}

const dfaCache = new Map<string, Dfa | PatternError>();

/** The automaton of a literal `matches`/`matchesRegex` pattern, built once for the check and the code generator. */
export function patternDfa(kind: "string" | "regex", src: string): Dfa | PatternError {
  const key = kind + "\0" + src;
  let d = dfaCache.get(key);
  if (d === undefined) {
    if (dfaCache.size >= 256) dfaCache.clear(); // a long-lived compiler process keeps only recent ones
    d = kind === "regex" ? compileRegex(src) : compileGlob(src, "string");
    dfaCache.set(key, d);
  }
  return d;
}

const regexCache = new Map<string, RegExp>();

/** The oracle's matcher for a glob or regex pattern (the pattern must have passed checkPattern). */
export function oracleRegExp(kind: "path" | "url" | "string" | "regex", src: string): RegExp {
  const key = kind + "\0" + src;
  let re = regexCache.get(key);
  if (!re) {
    if (kind === "regex") {
      const ast = parseRegex(src);
      if (isPatternError(ast)) throw new TypeError(`unchecked regex pattern: ${ast.message}`);
      re = regexToJs(ast);
    } else {
      const ast = parseGlob(src, kind);
      if (isPatternError(ast)) throw new TypeError(`unchecked glob pattern: ${ast.message}`);
      re = new RegExp(globRegexSource(ast), "u");
    }
    regexCache.set(key, re);
  }
  return re;
}

const cidrCache = new Map<string, Cidr>();
export function oracleCidr(src: string): Cidr {
  let c = cidrCache.get(src);
  if (!c) {
    const p = parseCidr(src);
    if (!p) throw new TypeError(`unchecked CIDR ${src}`);
    cidrCache.set(src, (c = p));
  }
  return c;
}
