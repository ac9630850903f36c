// The regex subset of docs/reference.md ("Regular expressions"): a parser that accepts exactly
// that subset (anything else is E0402 with a message naming the feature) and a renderer to an
// equivalent JS RegExp with pinned semantics, used as an independent oracle in tests and by the
// reference interpreter. Regexes here denote languages: lazy quantifiers and capturing groups
// are accepted but change nothing, since matching only answers "is there a match".
import { patternError, type PatternError } from "./errors.js";
import { addRange, addSet, asciiRanges, digitSet, dotSet, emptySet, negate, spaceSet, wordSet, type CharSet } from "./charset.js";
import { escapeRegexCodePoint, findLoneSurrogate } from "./text.js";

export type RegexNode =
  | { t: "empty" }
  | { t: "char"; cp: number }
  | { t: "set"; set: CharSet }
  | { t: "cat"; items: RegexNode[] }
  | { t: "alt"; items: RegexNode[] }
  /** max === null means unbounded. */
  | { t: "repeat"; node: RegexNode; min: number; max: number | null; lazy: boolean }
  | { t: "group"; node: RegexNode; capture: boolean };

/** A top-level alternative; `^`/`$` are only allowed at its ends, so they are flags here. */
export interface RegexAlternative {
  anchorStart: boolean;
  anchorEnd: boolean;
  body: RegexNode;
}

export interface RegexAst {
  alternatives: RegexAlternative[];
}

/** Bounds above this are rejected: they would blow up the automaton for no practical use. */
export const MAX_REPEAT = 1000;

const EMPTY: RegexNode = { t: "empty" };
const ESCAPABLE = new Set([..."./\\-[](){}*+?|^$"]);

// Internal control flow only: the parser unwinds with this and parseRegex turns it into a value.
class ParseFailure {
  constructor(readonly error: PatternError) {}
}

type ClassAtom = { kind: "char"; cp: number } | { kind: "set"; set: CharSet };

class RegexParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  private fail(message: string, offset: number = this.pos): never {
    throw new ParseFailure(patternError("E0402", message, offset));
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  parse(): RegexAst {
    const alternatives: RegexAlternative[] = [];
    for (;;) {
      const anchorStart = this.src[this.pos] === "^";
      if (anchorStart) this.pos++;
      const { node, anchorEnd } = this.sequence(true);
      alternatives.push({ anchorStart, anchorEnd, body: node });
      if (this.atEnd()) return { alternatives };
      this.pos++; // sequence() stopped on a top-level `|`
    }
  }

  /** Parses concatenated atoms up to `|`, `)` or the end. Top-level sequences may end in `$`. */
  private sequence(top: boolean): { node: RegexNode; anchorEnd: boolean } {
    const items: RegexNode[] = [];
    let anchorEnd = false;
    while (!this.atEnd()) {
      const c = this.src[this.pos];
      if (c === "|") break;
      if (c === ")") {
        if (top) this.fail("unmatched `)`");
        break;
      }
      if (c === "^") this.fail("`^` is only supported at the start of the pattern or of a top-level alternative");
      if (c === "$") {
        const next = this.src[this.pos + 1];
        if (top && (next === undefined || next === "|")) {
          this.pos++;
          anchorEnd = true;
          break;
        }
        this.fail("`$` is only supported at the end of the pattern or of a top-level alternative");
      }
      items.push(this.quantified(this.atom()));
    }
    const node = items.length === 0 ? EMPTY : items.length === 1 ? items[0]! : { t: "cat" as const, items };
    return { node, anchorEnd };
  }

  private disjunction(): RegexNode {
    const items = [this.sequence(false).node];
    while (this.src[this.pos] === "|") {
      this.pos++;
      items.push(this.sequence(false).node);
    }
    return items.length === 1 ? items[0]! : { t: "alt", items };
  }

  private atom(): RegexNode {
    const c = this.src[this.pos]!;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { t: "set", set: this.charClass() };
      case ".":
        this.pos++;
        return { t: "set", set: dotSet() };
      case "\\": {
        const e = this.escape(false);
        return e.kind === "char" ? { t: "char", cp: e.cp } : { t: "set", set: e.set };
      }
      case "*":
      case "+":
      case "?":
        return this.fail(`nothing to repeat before \`${c}\``);
      case "{":
        return this.fail(this.braces() ? "nothing to repeat before `{`" : "`{` must be escaped as `\\{` when it is not a quantifier");
      case "]":
      case "}":
        return this.fail(`\`${c}\` must be escaped as \`\\${c}\``);
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return { t: "char", cp };
      }
    }
  }

  private group(): RegexNode {
    const open = this.pos++;
    let capture = true;
    if (this.src[this.pos] === "?") {
      const ahead = this.src.slice(this.pos, this.pos + 3);
      if (ahead.startsWith("?:")) {
        capture = false;
        this.pos += 2;
      } else if (ahead.startsWith("?=") || ahead.startsWith("?!")) {
        this.fail("lookahead is not supported", open);
      } else if (ahead === "?<=" || ahead === "?<!") {
        this.fail("lookbehind is not supported", open);
      } else if (ahead.startsWith("?<")) {
        this.fail("named groups are not supported", open);
      } else {
        this.fail("flags and group modifiers (`(?…)`) are not supported", open);
      }
    }
    const node = this.disjunction();
    if (this.src[this.pos] !== ")") this.fail("missing `)`", open);
    this.pos++;
    return { t: "group", node, capture };
  }

  /** Reads `{n}`, `{n,}` or `{n,m}` at pos without consuming it; null when it is not one. */
  private braces(): { min: number; max: number | null; length: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 40));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? null : Number(m[3]);
    return { min, max, length: m[0].length };
  }

  private quantified(atom: RegexNode): RegexNode {
    const start = this.pos;
    const c = this.src[this.pos];
    let min: number;
    let max: number | null;
    if (c === "*") [min, max] = [0, null];
    else if (c === "+") [min, max] = [1, null];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") {
      const b = this.braces();
      if (!b) return atom; // reported as an unescaped `{` by the next atom()
      if (b.min > MAX_REPEAT || (b.max !== null && b.max > MAX_REPEAT)) {
        this.fail(`repetition bounds above ${MAX_REPEAT} are not supported`, start);
      }
      if (b.max !== null && b.max < b.min) this.fail("repetition `{n,m}` needs m >= n", start);
      [min, max] = [b.min, b.max];
      this.pos += b.length - 1;
    } else return atom;
    this.pos++;
    const lazy = this.src[this.pos] === "?";
    if (lazy) this.pos++;
    const next = this.src[this.pos];
    if (next === "*" || next === "+" || next === "?" || (next === "{" && this.braces())) {
      this.fail("a quantifier cannot follow another quantifier (possessive quantifiers are not supported)");
    }
    return { t: "repeat", node: atom, min, max, lazy };
  }

  private escape(inClass: boolean): ClassAtom {
    const start = this.pos++;
    if (this.atEnd()) this.fail("trailing backslash", start);
    const c = this.src[this.pos++]!;
    switch (c) {
      case "d":
        return { kind: "set", set: digitSet() };
      case "D":
        return { kind: "set", set: negate(digitSet()) };
      case "w":
        return { kind: "set", set: wordSet() };
      case "W":
        return { kind: "set", set: negate(wordSet()) };
      case "s":
        return { kind: "set", set: spaceSet() };
      case "S":
        return { kind: "set", set: negate(spaceSet()) };
      case "n":
        return { kind: "char", cp: 0x0a };
      case "r":
        return { kind: "char", cp: 0x0d };
      case "t":
        return { kind: "char", cp: 0x09 };
    }
    if (ESCAPABLE.has(c)) return { kind: "char", cp: c.charCodeAt(0) };
    if (c >= "1" && c <= "9") return this.fail("backreferences are not supported", start);
    if (c === "0") return this.fail("`\\0` escapes are not supported", start);
    if (c === "b" || c === "B") {
      return this.fail(inClass ? "`\\b` (backspace) is not supported" : "word boundaries (`\\b`, `\\B`) are not supported", start);
    }
    if (c === "k") return this.fail("named backreferences are not supported", start);
    if (c === "p" || c === "P") return this.fail("Unicode property escapes are not supported", start);
    if (c === "x" || c === "u") return this.fail("hex and Unicode escapes (`\\x`, `\\u`) are not supported; write the character itself", start);
    if (c === "c") return this.fail("control escapes (`\\c`) are not supported", start);
    const shown = String.fromCodePoint(this.src.codePointAt(start + 1)!);
    return this.fail(`unsupported escape \`\\${shown}\``, start);
  }

  private classAtom(open: number): ClassAtom {
    if (this.atEnd()) this.fail("unterminated character class", open);
    if (this.src[this.pos] === "\\") return this.escape(true);
    const cp = this.src.codePointAt(this.pos)!;
    if (cp >= 0x80) this.fail("non-ASCII characters in a class are not supported (use alternation instead)");
    this.pos++;
    return { kind: "char", cp };
  }

  private charClass(): CharSet {
    const open = this.pos++;
    const negated = this.src[this.pos] === "^";
    if (negated) this.pos++;
    const set = emptySet();
    for (;;) {
      if (this.atEnd()) this.fail("unterminated character class", open);
      if (this.src[this.pos] === "]") {
        this.pos++;
        break;
      }
      const itemStart = this.pos;
      const lo = this.classAtom(open);
      const isRange = this.src[this.pos] === "-" && this.pos + 1 < this.src.length && this.src[this.pos + 1] !== "]";
      if (!isRange) {
        if (lo.kind === "char") addRange(set, lo.cp, lo.cp);
        else addSet(set, lo.set);
        continue;
      }
      this.pos++;
      const hi = this.classAtom(open);
      if (lo.kind !== "char" || hi.kind !== "char") this.fail("a class range cannot start or end with `\\d`, `\\w` or `\\s`", itemStart);
      if (lo.cp > hi.cp) this.fail("class range out of order", itemStart);
      addRange(set, lo.cp, hi.cp);
    }
    return negated ? negate(set) : set;
  }
}

export function parseRegex(src: string): RegexAst | PatternError {
  const lone = findLoneSurrogate(src);
  if (lone >= 0) return patternError("E0402", "unpaired surrogate in the pattern", lone);
  try {
    return new RegexParser(src).parse();
  } catch (e) {
    if (e instanceof ParseFailure) return e.error;
    throw e;
  }
}

function setToJs(set: CharSet): string {
  const parts = asciiRanges(set).map(([lo, hi]) =>
    lo === hi ? escapeRegexCodePoint(lo) : `${escapeRegexCodePoint(lo)}-${escapeRegexCodePoint(hi)}`,
  );
  if (set.nonAscii) parts.push("\\u{80}-\\u{10ffff}");
  return `[${parts.join("")}]`;
}

function nodeToJs(n: RegexNode): string {
  switch (n.t) {
    case "empty":
      return "(?:)";
    case "char":
      return escapeRegexCodePoint(n.cp);
    case "set":
      return setToJs(n.set);
    case "cat":
      return n.items.map(nodeToJs).join("");
    case "alt":
      return `(?:${n.items.map(nodeToJs).join("|")})`;
    case "repeat": {
      const q = n.max === null ? `{${n.min},}` : `{${n.min},${n.max}}`;
      return `(?:${nodeToJs(n.node)})${q}${n.lazy ? "?" : ""}`;
    }
    case "group":
      return n.capture ? `(${nodeToJs(n.node)})` : `(?:${nodeToJs(n.node)})`;
  }
}

/**
 * An equivalent JS RegExp (`u` flag, search semantics via RegExp.test). Every character set is
 * spelled out as an explicit class, so JS's own meaning of `.`, `\s`, `\w` never leaks in.
 */
export function regexToJs(ast: RegexAst): RegExp {
  const src = ast.alternatives
    .map((a) => `${a.anchorStart ? "^" : ""}(?:${nodeToJs(a.body)})${a.anchorEnd ? "$" : ""}`)
    .join("|");
  return new RegExp(src, "u");
}
