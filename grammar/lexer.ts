// The .acp tokens (chevrotain) and `lex()`, which turns source text into tokens, comments and
// lexical diagnostics. Lexical errors never stop the lexer: bad tokens still reach the parser
// (an unterminated string is still a string) so that one run reports every error.
import { createToken, Lexer, tokenMatcher, type IToken, type TokenType } from "chevrotain";
import type { Span } from "./ast.js";
import { diag, type Diagnostic } from "./diagnostics.js";
import { isWellFormed } from "../stdlib/utf8.js";

// ---------- categories ----------

/** Every token: lets error recovery skip whatever is on the rest of a broken line. */
export const AnyToken = createToken({ name: "AnyToken", pattern: Lexer.NA, label: "a token" });
/** Tokens that cannot start an item nor close the policy: an item starting with one is reported
 *  and skipped (see `junk` in parser.ts). */
export const Junk = createToken({ name: "Junk", pattern: Lexer.NA, label: "a token" });

/** Anything usable as a field name: identifiers and every keyword (`args.max`, `{ type: string }`). */
export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "a name" });
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Name, Junk, AnyToken],
  label: "a name",
});
export const StringLit = createToken({ name: "StringLit", pattern: Lexer.NA, label: "a string", categories: [Junk, AnyToken] });
/** Numbers, durations and malformed numbers: the parser accepts all three where a number or a
 *  duration goes, and `lex()` reports the wrong kind (E0120/E0121) with the exact text. */
export const NumberLit = createToken({ name: "NumberLit", pattern: Lexer.NA, label: "a number", categories: [Junk, AnyToken] });

/** `== != < <= > >=`: one category so the parser has a single comparison alternative. */
export const CmpOp = createToken({ name: "CmpOp", pattern: Lexer.NA, label: "a comparison", categories: [Junk, AnyToken] });
/** The rule effects. */
export const EffectKw = createToken({ name: "EffectKw", pattern: Lexer.NA, label: "an effect" });

// ---------- keywords ----------

const keywordTokens: TokenType[] = [];
/** Keywords that start an item; every other keyword is junk at the start of one. */
const ITEM_STARTERS = new Set(["version", "on", "type", "tool", "const", "pipe", "limit", "assert", "allow", "deny", "kill", "stop", "audit"]);

function keyword(word: string, extra: TokenType[] = []): TokenType {
  const t = createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Name, AnyToken, ...(ITEM_STARTERS.has(word) ? [] : [Junk]), ...extra],
    label: `"${word}"`,
  });
  keywordTokens.push(t);
  return t;
}

/** Contextual words: plain identifiers everywhere (category Identifier) except where the grammar
 *  asks for them by type, which lets targets like `fs.read` be told apart with LL(k) lookahead
 *  without reserving `fs`, `read`, `id`, … as names. */
const contextualTokens: TokenType[] = [];
function contextual(word: string): TokenType {
  const t = createToken({
    name: `Cx_${word}`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Identifier],
    label: `"${word}"`,
  });
  contextualTokens.push(t);
  return t;
}

export const KEYWORDS = [
  "policy", "version", "on", "violation", "type", "tool", "const", "pipe", "limit", "assert", "never",
  "allow", "deny", "kill", "stop", "audit", "when", "and", "or", "not", "in", "true", "false", "per",
  "carries", "capacity", "max", "any", "all",
] as const;

export const Policy = keyword("policy");
export const Version = keyword("version");
export const On = keyword("on");
export const Violation = keyword("violation");
export const Type = keyword("type");
export const Tool = keyword("tool");
export const Const = keyword("const");
export const PipeKw = keyword("pipe");
export const Limit = keyword("limit");
export const Assert = keyword("assert");
export const Never = keyword("never");
export const Allow = keyword("allow", [EffectKw]);
export const Deny = keyword("deny", [EffectKw]);
export const Kill = keyword("kill", [EffectKw]);
export const Stop = keyword("stop", [EffectKw]);
export const Audit = keyword("audit", [EffectKw]);
export const When = keyword("when");
export const And = keyword("and");
export const Or = keyword("or");
export const Not = keyword("not");
export const In = keyword("in");
export const True = keyword("true");
export const False = keyword("false");
export const Per = keyword("per");
export const Carries = keyword("carries");
export const Capacity = keyword("capacity");
export const Max = keyword("max");
export const Any = keyword("any");
export const All = keyword("all");

export const Fs = contextual("fs");
export const Net = contextual("net");
export const Spawn = contextual("spawn");
export const Signal = contextual("signal");
export const Checkpoint = contextual("checkpoint");
export const Read = contextual("read");
export const Write = contextual("write");
export const List = contextual("list");
export const Delete = contextual("delete");
export const Fetch = contextual("fetch");
export const Send = contextual("send");
export const Recv = contextual("recv");
export const IdKw = contextual("id");

// ---------- literals ----------

const HEX = "[0-9a-fA-F]";
/** A string closed on its line; escapes are checked afterwards so that a bad one is E0103, not E0102. */
export const ClosedString = createToken({
  name: "ClosedString",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringLit],
  label: "a string",
});
/** A string that reaches the end of its line (E0102); still a string for the parser. */
export const OpenString = createToken({
  name: "OpenString",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLit],
  label: "a string",
});

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const NUMBER_RE = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENT_CHAR = /[A-Za-z0-9_]/;
const IDENT_RUN = /[A-Za-z0-9_]*/y;

type NumberKind = "number" | "duration" | "bad";

/** Scans a number at `offset`. A number glued to letters is one bad token (`1.5m`, `10ms`, `1e`)
 *  rather than a number and a name, so the error names the whole word. */
function scanNumber(text: string, offset: number): { image: string; kind: NumberKind } | null {
  NUMBER_RE.lastIndex = offset;
  const m = NUMBER_RE.exec(text);
  if (!m) return null;
  const end = offset + m[0].length;
  if (!IDENT_CHAR.test(text[end] ?? "")) return { image: m[0], kind: "number" };
  IDENT_RUN.lastIndex = end;
  const image = text.slice(offset, end + (IDENT_RUN.exec(text)?.[0].length ?? 0));
  return { image, kind: /^\d+[smhd]$/.test(image) ? "duration" : "bad" };
}

function numberPattern(kind: NumberKind) {
  return (text: string, offset: number): RegExpExecArray | null => {
    const r = scanNumber(text, offset);
    if (!r || r.kind !== kind) return null;
    const result = [r.image] as unknown as RegExpExecArray;
    return result;
  };
}

export const NumberTok = createToken({
  name: "Number",
  pattern: numberPattern("number"),
  line_breaks: false,
  start_chars_hint: DIGITS,
  categories: [NumberLit],
  label: "a number",
});
/** `\d+[smhd]`: only meaningful after `per`. */
export const Duration = createToken({
  name: "Duration",
  pattern: numberPattern("duration"),
  line_breaks: false,
  start_chars_hint: DIGITS,
  categories: [NumberLit],
  label: "a duration",
});
export const BadNumber = createToken({
  name: "BadNumber",
  pattern: numberPattern("bad"),
  line_breaks: false,
  start_chars_hint: DIGITS,
  categories: [NumberLit],
  label: "a number",
});

// ---------- punctuation ----------

function punct(name: string, pattern: RegExp, text: string, categories: TokenType[] = [Junk]): TokenType {
  return createToken({ name, pattern, label: `"${text}"`, categories: [AnyToken, ...categories] });
}
export const LCurly = punct("LCurly", /\{/, "{");
export const RCurly = punct("RCurly", /\}/, "}", []);
export const LParen = punct("LParen", /\(/, "(");
export const RParen = punct("RParen", /\)/, ")");
export const LBracket = punct("LBracket", /\[/, "[");
export const RBracket = punct("RBracket", /\]/, "]");
export const Comma = punct("Comma", /,/, ",");
export const Colon = punct("Colon", /:/, ":");
export const DotDot = punct("DotDot", /\.\./, "..");
export const Dot = punct("Dot", /\./, ".");
export const Arrow = punct("Arrow", /->/, "->");
export const Bar = punct("Bar", /\|/, "|");
export const Question = punct("Question", /\?/, "?");
export const EqEq = punct("EqEq", /==/, "==", [CmpOp]);
export const NotEq = punct("NotEq", /!=/, "!=", [CmpOp]);
export const LtEq = punct("LtEq", /<=/, "<=", [CmpOp]);
export const GtEq = punct("GtEq", />=/, ">=", [CmpOp]);
export const Lt = punct("Lt", /</, "<", [CmpOp]);
export const Gt = punct("Gt", />/, ">", [CmpOp]);
export const Eq = punct("Eq", /=/, "=");
export const At = punct("At", /@/, "@", []);
export const Star = punct("Star", /\*/, "*");
export const Minus = punct("Minus", /-/, "-");

// ---------- trivia ----------

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
/** Comments go to their own group: the parser never sees them, the formatter keeps them. */
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\r\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});
export const OpenBlockComment = createToken({
  name: "OpenBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
  line_breaks: true,
});

/** Longest words first, so that `all` cannot win over `allow` (both end up as keywords; `longer_alt`
 *  only falls back to Identifier). */
const words = [...keywordTokens, ...contextualTokens].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length);

/** Order matters: chevrotain takes the first pattern that matches. */
export const allTokens: TokenType[] = [
  WhiteSpace, LineComment, BlockComment, OpenBlockComment,
  ClosedString, OpenString, NumberTok, Duration, BadNumber,
  ...words, Identifier,
  LCurly, RCurly, LParen, RParen, LBracket, RBracket, Comma, Colon, DotDot, Dot, Arrow, Bar, Question,
  EqEq, NotEq, LtEq, GtEq, Lt, Gt, Eq, At, Star, Minus,
  // categories last: they have no pattern but must be part of the vocabulary
  Name, StringLit, NumberLit, CmpOp, EffectKw, Junk, AnyToken,
];

const lexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: true });

// ---------- spans and values ----------

/** The span of one token, its end computed from its text: chevrotain's end column is inclusive
 *  and says nothing useful for a token that ends with a line break. */
export function tokenSpan(t: IToken, file: string): Span {
  const line = t.startLine ?? 1;
  const col = t.startColumn ?? 1;
  const lines = t.image.split(/\r\n|\r|\n/);
  const last = lines[lines.length - 1] ?? "";
  return {
    file,
    line,
    col,
    endLine: line + lines.length - 1,
    endCol: lines.length === 1 ? col + t.image.length : last.length + 1,
    offset: t.startOffset,
    endOffset: t.startOffset + t.image.length,
  };
}

/** The span from the start of `a` to the end of `b`. */
export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol, offset: a.offset, endOffset: b.endOffset };
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const ESCAPE_RE = new RegExp(`\\\\(?:u${HEX}{4}|[^u]|u)`, "g");

/** The value of a string token; an invalid escape stands for itself (it was reported by `lex`). */
export function stringValue(t: IToken): string {
  const closed = tokenMatcher(t, ClosedString);
  const body = t.image.slice(1, closed ? -1 : undefined);
  return body.replace(ESCAPE_RE, (esc) => {
    if (esc.length === 6) return String.fromCharCode(parseInt(esc.slice(2), 16));
    return ESCAPES[esc[1] ?? ""] ?? esc;
  });
}

// ---------- lex ----------

export interface LexResult {
  /** Tokens for the parser (no whitespace, no comments). */
  tokens: IToken[];
  /** Line and block comments in source order (for the formatter). */
  comments: IToken[];
  diagnostics: Diagnostic[];
}

export function lex(source: string, file: string): LexResult {
  const r = lexer.tokenize(source);
  const diagnostics: Diagnostic[] = [];
  for (const e of r.errors) {
    const text = source.slice(e.offset, e.offset + e.length);
    const span: Span = {
      file, line: e.line ?? 1, col: e.column ?? 1, endLine: e.line ?? 1, endCol: (e.column ?? 1) + e.length,
      offset: e.offset, endOffset: e.offset + e.length,
    };
    const what = e.length === 1 ? "character" : "characters";
    diagnostics.push(diag("E0101", `unexpected ${what} ${JSON.stringify(text)}`, span));
  }
  const comments = r.groups["comments"] ?? [];
  for (const c of comments) {
    if (!tokenMatcher(c, OpenBlockComment)) continue;
    // Point at the opening "/*": the comment itself runs to the end of the file.
    const opener = { ...tokenSpan(c, file), endOffset: c.startOffset + 2 };
    diagnostics.push(diag("E0104", "unterminated block comment: missing */", { ...opener, endLine: opener.line, endCol: opener.col + 2 }));
  }
  r.tokens.forEach((t, i) => {
    if (tokenMatcher(t, StringLit)) diagnostics.push(...stringDiagnostics(t, file));
    else if (tokenMatcher(t, NumberLit)) {
      const d = numberDiagnostic(t, r.tokens[i - 1], file);
      if (d) diagnostics.push(d);
    }
  });
  return { tokens: r.tokens, comments, diagnostics };
}

function stringDiagnostics(t: IToken, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (tokenMatcher(t, OpenString)) out.push(diag("E0102", "unterminated string: missing closing \" on this line", tokenSpan(t, file)));
  const valid = new RegExp(`^\\\\(?:["\\\\/bfnrt]|u${HEX}{4})`);
  for (let i = 1; i < t.image.length; i++) {
    if (t.image[i] !== "\\") continue;
    const rest = t.image.slice(i);
    const m = valid.exec(rest);
    if (m) { i += m[0].length - 1; continue; }
    const bad = rest.startsWith("\\u") ? rest.slice(0, 2 + (/^[0-9a-fA-F]{0,3}/.exec(rest.slice(2))?.[0].length ?? 0)) : rest.slice(0, 2);
    const base = tokenSpan(t, file);
    const span = { ...base, col: base.col + i, endCol: base.col + i + bad.length, offset: base.offset + i, endOffset: base.offset + i + bad.length };
    out.push(diag("E0103", `invalid escape "${bad}" in string: use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX`, span));
    i += bad.length - 1;
  }
  if (out.length > 0 || tokenMatcher(t, OpenString)) return out;
  // A raw control character, or a \uD800–\uDFFF escape without its pair, has no UTF-8 form: the
  // module would compare U+FFFD where the interpreter compares the lone surrogate.
  if (/[\u0000-\u001f]/.test(t.image)) out.push(diag("E0103", "raw control character in string: write it as an escape (\\n, \\t, \\u0000, ...)", tokenSpan(t, file)));
  else if (!isWellFormed(JSON.parse(t.image) as string)) out.push(diag("E0103", "lone surrogate in string: a \\uD800–\\uDFFF escape must be half of a pair", tokenSpan(t, file)));
  return out;
}


/** Durations are only valid right after `per`, and only there; everything else must be a finite number. */
function numberDiagnostic(t: IToken, prev: IToken | undefined, file: string): Diagnostic | null {
  const span = tokenSpan(t, file);
  if (prev && tokenMatcher(prev, Per)) {
    if (tokenMatcher(t, Duration)) return null;
    return diag("E0121", `invalid duration ${JSON.stringify(t.image)}: expected a whole number followed by s, m, h or d (e.g. 30s, 1m, 1h, 1d)`, span);
  }
  if (tokenMatcher(t, Duration)) return diag("E0120", `invalid number ${JSON.stringify(t.image)}: durations are only allowed after "per"`, span);
  if (tokenMatcher(t, BadNumber)) return diag("E0120", `invalid number ${JSON.stringify(t.image)}`, span);
  if (!Number.isFinite(Number(t.image))) return diag("E0120", `invalid number ${JSON.stringify(t.image)}: out of range`, span);
  return null;
}

/** Milliseconds per duration unit. */
export const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
