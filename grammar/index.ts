// The front end's entry point: source text → Policy AST, or diagnostics.
import { EOF, tokenMatcher, type CstNode, type IRecognitionException, type IToken } from "chevrotain";
import type { Policy, Span } from "./ast.js";
import { compareDiagnostics, diag, hasErrors, type Diagnostic } from "./diagnostics.js";
import { Junk, lex, tokenSpan } from "./lexer.js";
import * as L from "./lexer.js";
import { parser } from "./parser.js";
import { policyToAst } from "./to-ast.js";

export type { Policy } from "./ast.js";

export interface ParseResult {
  /** null whenever there is an error. */
  policy: Policy | null;
  diagnostics: Diagnostic[];
}

/** The offsets [offset, endOffset) of one item (declaration or rule) of the policy body. */
export interface ItemRange { offset: number; endOffset: number }

/** A parse plus what tools working on the text (the formatter) need. */
export interface ParsedDocument extends ParseResult {
  /** Parser tokens in source order (no comments, no whitespace). */
  tokens: IToken[];
  /** Line and block comments in source order. */
  comments: IToken[];
  /** The items of the first policy, in source order. */
  items: ItemRange[];
  /** The first policy as converted even from a recovered parse: for editors, never to be compiled. */
  ast: Policy | null;
}

export function parse(source: string, file: string): ParseResult {
  const { policy, diagnostics } = parseDocument(source, file);
  return { policy, diagnostics };
}

export function parseDocument(source: string, file: string): ParsedDocument {
  const lexed = lex(source, file);
  // The parser, the checker and the code generator recurse on nesting: past a bound, say so with a
  // location instead of running out of stack (an internal error, exit 70).
  const deep = tooDeep(lexed.tokens, file);
  if (deep) return { policy: null, diagnostics: [...lexed.diagnostics, deep].sort(compareDiagnostics), tokens: lexed.tokens, comments: lexed.comments, items: [], ast: null };
  parser.load(lexed.tokens);
  const cst = parser.file();
  const diagnostics = [...lexed.diagnostics, ...syntaxDiagnostics(source, file, lexed.diagnostics)];
  // Fail closed: a recovered parse never yields a policy, even if its errors were all judged repeats.
  const syntaxFailed = parser.errors.length > 0 || parser.grammarErrors.length > 0;

  const policies = (cst.children["policyDecl"] ?? []) as CstNode[];
  for (const extra of policies.slice(1)) {
    const kw = (extra.children["Kw_policy"] ?? [])[0] as IToken | undefined;
    if (kw) diagnostics.push(diag("E0122", "more than one policy in a file: put each policy in its own file", tokenSpan(kw, file)));
  }
  const first = policies[0];
  let policy: Policy | null = null;
  let items: ItemRange[] = [];
  if (first) {
    const converted = policyToAst(first, file);
    diagnostics.push(...converted.diagnostics);
    policy = converted.policy;
    items = ((first.children["item"] ?? []) as CstNode[]).map((n) => ({
      offset: n.location?.startOffset ?? NaN,
      endOffset: (n.location?.endOffset ?? NaN) + 1,
    }));
  }
  diagnostics.sort(compareDiagnostics);
  const failed = syntaxFailed || hasErrors(diagnostics);
  return { policy: failed ? null : policy, diagnostics, tokens: lexed.tokens, comments: lexed.comments, items, ast: policy };
}

// ---------- syntax errors ----------

interface Located {
  span: Span;
  message: string;
  /** Offset of the token the parser stopped at (Infinity at the end of the input). */
  at: number;
}

/** Chevrotain's errors plus the grammar's own, one per line: after the first error on a line, the
 *  rest of that line is usually fallout from recovery, not something the user has to fix. */
function syntaxDiagnostics(source: string, file: string, lexical: Diagnostic[]): Diagnostic[] {
  const errors = parser.errors;
  const recoveredAt = new Set(errors.map((e) => e.token));
  const located: Located[] = [
    ...errors.map((e) => ({ span: anchor(e, source, file), message: e.message, at: real(e.token) ? e.token.startOffset : Infinity })),
    ...parser.grammarErrors
      .filter((g) => !(g.junk && recoveredAt.has(g.token)))
      .map((g) => ({ span: tokenSpan(g.token, file), message: g.message, at: g.token.startOffset })),
  ];
  // Lines whose text the lexer already rejected, and an unterminated comment that swallowed the
  // rest of the file: the syntax errors they cause would only repeat them.
  const lexLines = new Set(lexical.filter((d) => d.code === "E0101" || d.code === "E0102").map((d) => d.span.line));
  const swallowed = lexical.find((d) => d.code === "E0104")?.span.offset;
  located.sort((a, b) => a.span.offset - b.span.offset);
  const seen = new Set<number>();
  const out: Diagnostic[] = [];
  for (const l of located) {
    if (seen.has(l.span.line) || lexLines.has(l.span.line) || (swallowed !== undefined && l.at >= swallowed)) continue;
    seen.add(l.span.line);
    out.push(diag("E0110", l.message, l.span));
  }
  return out;
}

const real = (t: IToken | undefined): t is IToken =>
  t !== undefined && !tokenMatcher(t, EOF) && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);

/** Where an error points. When the parser finds the start of the next item (or the end) on a
 *  later line, the previous line was cut short ("expected an expression"): the error points just
 *  after its last token, with a zero-width span. Otherwise it points at the token found. */
function anchor(e: IRecognitionException, source: string, file: string): Span {
  const found = e.token;
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  const unexpected = e.name === "NotAllInputParsedException" || tokenMatcher(found, Junk);
  if (real(found) && (unexpected || !real(prev) || (prev.endLine ?? 0) >= (found.startLine ?? 0))) return tokenSpan(found, file);
  if (real(prev)) {
    const p = tokenSpan(prev, file);
    return { file, line: p.endLine, col: p.endCol, endLine: p.endLine, endCol: p.endCol, offset: p.endOffset, endOffset: p.endOffset };
  }
  return endOfSource(source, file);
}

function endOfSource(source: string, file: string): Span {
  const lines = source.split(/\r\n|\r|\n/);
  const line = lines.length;
  const col = (lines[line - 1] ?? "").length + 1;
  return { file, line, col, endLine: line, endCol: col, offset: source.length, endOffset: source.length };
}

/** Brackets, unary operators or `.` accesses in a row nested deeper than this, or this many times more `and`/`or` in one condition, are refused. */
const MAX_NESTING = 100, MAX_CHAIN = 500;

function tooDeep(tokens: readonly IToken[], file: string): Diagnostic | null {
  let depth = 0, unary = 0, chain = 0, postfix = 0;
  let prev: IToken | undefined;
  for (const t of tokens) {
    // Member accesses and calls in one operand (`s.lower().lower()…`, `args.a.b…`): the AST nests
    // one level per `.`. A name after `.` may be a keyword (`args.type`); anything else ends the run.
    if (tokenMatcher(t, L.Dot)) postfix++;
    else if (!(prev && tokenMatcher(prev, L.Dot)) && !tokenMatcher(t, L.Identifier) && !tokenMatcher(t, L.LParen) && !tokenMatcher(t, L.RParen)
      && !tokenMatcher(t, L.LBracket) && !tokenMatcher(t, L.RBracket) && !tokenMatcher(t, L.StringLit) && !tokenMatcher(t, L.NumberLit)) postfix = 0;
    prev = t;
    if (tokenMatcher(t, L.LParen) || tokenMatcher(t, L.LBracket) || tokenMatcher(t, L.LCurly)) depth++;
    else if (tokenMatcher(t, L.RParen) || tokenMatcher(t, L.RBracket) || tokenMatcher(t, L.RCurly)) depth = Math.max(0, depth - 1);
    unary = tokenMatcher(t, L.Not) || tokenMatcher(t, L.Minus) ? unary + 1 : 0;
    if (tokenMatcher(t, L.When)) chain = 0;
    else if (tokenMatcher(t, L.And) || tokenMatcher(t, L.Or)) chain++;
    if (depth > MAX_NESTING || unary > MAX_NESTING || postfix > MAX_NESTING) return diag("E0130", `nested more than ${MAX_NESTING} levels deep: split the expression`, tokenSpan(t, file));
    if (chain > MAX_CHAIN) return diag("E0130", `more than ${MAX_CHAIN} \`and\`/\`or\` in one condition: split the rule, or use \`in\` with a list`, tokenSpan(t, file));
  }
  return null;
}
