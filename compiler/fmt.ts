// `acpc fmt`: the canonical layout of a .acp file. A token re-printer: it only changes the
// whitespace between tokens and comments, so it cannot change what the policy means (a rule
// without @id that it moves is given its old line's id: see pinMovedIds); the parse is used for
// errors and to know where each item starts.
import { tokenMatcher, type IToken } from "chevrotain";
import { hasErrors, type Diagnostic } from "../grammar/diagnostics.js";
import { parseDocument } from "../grammar/index.js";
import type { Policy } from "../grammar/ast.js";
import * as T from "../grammar/lexer.js";

export interface FormatResult {
  /** null when the source has errors. */
  output: string | null;
  diagnostics: Diagnostic[];
}

const ITEM_INDENT = 2;
/** Extra indent of the lines of an item that a line comment forced onto several lines. */
const CONTINUATION = 2;

interface Element {
  tok: IToken;
  comment: boolean;
}

export function format(source: string, file: string): FormatResult {
  const doc = parseDocument(source, file);
  if (hasErrors(doc.diagnostics) || doc.tokens.length === 0) return { output: null, diagnostics: doc.diagnostics };
  const { tokens } = doc;
  const header = tokens[0]!;
  const closer = tokens[tokens.length - 1]!;
  const openBrace = tokens.find((t) => tokenMatcher(t, T.LCurly));

  // Units (the header `policy NAME {`, each item, the closing `}`) start lines, and blank lines are
  // kept only between them. A rule's effect after its `@id(…)` also starts a line.
  const itemStarts = new Set(doc.items.map((i) => i.offset));
  const units = new Set<IToken>([header, closer]);
  const lineStarts = new Map<IToken, number>([[header, 0], [closer, 0]]);
  tokens.forEach((t, i) => {
    if (itemStarts.has(t.startOffset)) {
      units.add(t);
      lineStarts.set(t, ITEM_INDENT);
    } else if (tokenMatcher(t, T.EffectKw) && i > 0 && tokenMatcher(tokens[i - 1]!, T.RParen)) {
      lineStarts.set(t, ITEM_INDENT);
    }
  });

  const elements: Element[] = [
    ...tokens.map((tok) => ({ tok, comment: false })),
    ...doc.comments.map((tok) => ({ tok, comment: true })),
  ].sort((a, b) => a.tok.startOffset - b.tok.startOffset);
  const nextTokens = followingTokens(elements);

  let out = "";
  let indent = 0; // indent of the current line's first token
  let justOpened = false; // no blank line right after `policy NAME {`
  let prevTok: IToken | undefined;
  let beforePrevTok: IToken | undefined;

  elements.forEach((el, i) => {
    const prev = elements[i - 1];
    const text = el.comment ? commentText(el.tok) : el.tok.image;
    const newlines = prev ? countNewlines(source, prev.tok.startOffset + prev.tok.image.length, el.tok.startOffset) : 0;
    const newLine = (lineIndent: number, blankAllowed: boolean) => {
      const blank = newlines >= 2 && blankAllowed && !justOpened && el.tok !== closer;
      out += (blank ? "\n\n" : "\n") + " ".repeat(lineIndent);
      justOpened = false;
    };

    if (!prev) {
      out += text;
    } else if (el.comment) {
      if (newlines === 0 && !isLineComment(prev)) out += ` ${text}`;
      else {
        // A comment on a line of its own takes the indent of the line that follows it.
        const next = nextTokens[i];
        const ind = !next ? 0 : next === closer && el.tok.startOffset > header.startOffset ? ITEM_INDENT : lineStarts.get(next) ?? indent + CONTINUATION;
        newLine(ind, !next || units.has(next));
        out += text;
      }
    } else if (lineStarts.has(el.tok)) {
      indent = lineStarts.get(el.tok)!;
      newLine(indent, units.has(el.tok));
      out += text;
    } else if (prev.comment && (isLineComment(prev) || newlines > 0)) {
      newLine(indent + CONTINUATION, false);
      out += text;
    } else {
      out += (prev.comment || spaceBetween(beforePrevTok, prevTok!, el.tok) ? " " : "") + text;
    }

    if (!el.comment) {
      beforePrevTok = prevTok;
      prevTok = el.tok;
      if (el.tok === openBrace) justOpened = true;
    }
  });
  return { output: pinMovedIds(out.trimEnd() + "\n", doc.policy, file), diagnostics: doc.diagnostics };
}

/**
 * A rule without `@id` is named by its line (`<policy>:<line>`, DESIGN.md), and the layout moves
 * lines (blank lines folded, items split or joined): each such rule that the layout moved gets
 * `@id("<policy>:<old line>")` on the line above it, so formatting never changes a decision's
 * rule id (nor a case file that checks it). A second run finds nothing to pin.
 */
function pinMovedIds(output: string, before: Policy | null, file: string): string {
  if (!before || before.rules.every((r) => r.id !== null)) return output;
  const after = parseDocument(output, file).policy;
  if (!after || after.rules.length !== before.rules.length) return output;
  const lines = output.split("\n");
  // Rules that shared a line shared its id, which the checker refuses (E0205): those are left to
  // the layout, which gives each a line of its own.
  const perLine = new Map<number, number>();
  for (const r of before.rules) if (r.id === null) perLine.set(r.span.line, (perLine.get(r.span.line) ?? 0) + 1);
  let inserted = 0;
  before.rules.forEach((r, i) => {
    if (r.id !== null || perLine.get(r.span.line)! > 1) return;
    const at = after.rules[i]!.span.line + inserted; // 1-based line of the rule in `lines`
    if (at === r.span.line) return;
    const indent = /^ */.exec(lines[at - 1]!)![0];
    lines.splice(at - 1, 0, `${indent}@id(${JSON.stringify(`${before.name}:${r.span.line}`)})`);
    inserted++;
  });
  return lines.join("\n");
}

/** For each element, the first token after it. */
function followingTokens(elements: Element[]): (IToken | undefined)[] {
  const next: (IToken | undefined)[] = new Array(elements.length);
  let after: IToken | undefined;
  for (let i = elements.length - 1; i >= 0; i--) {
    next[i] = after;
    if (!elements[i]!.comment) after = elements[i]!.tok;
  }
  return next;
}

function countNewlines(source: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    if (source[i] === "\n" || (source[i] === "\r" && source[i + 1] !== "\n")) n++;
  }
  return n;
}

function isLineComment(e: Element): boolean {
  return e.comment && tokenMatcher(e.tok, T.LineComment);
}

function commentText(t: IToken): string {
  return tokenMatcher(t, T.LineComment) ? t.image.trimEnd() : t.image.replace(/\r\n?/g, "\n");
}

const NO_SPACE_BEFORE = [T.Comma, T.RParen, T.RBracket, T.Dot, T.DotDot, T.Colon, T.Question];
const NO_SPACE_AFTER = [T.LParen, T.LBracket, T.Dot, T.DotDot, T.At, T.Minus, T.Question];

/** A token that a call's `(` or an index's `[` attaches to. */
function isCallee(t: IToken, before: IToken | undefined): boolean {
  return (
    tokenMatcher(t, T.Identifier) ||
    tokenMatcher(t, T.Any) ||
    tokenMatcher(t, T.All) ||
    // a keyword used as a method name: `s.max(…)`
    (tokenMatcher(t, T.Name) && before !== undefined && tokenMatcher(before, T.Dot))
  );
}

/** One space between tokens unless the pair is punctuation that binds tight. `-` is always unary
 *  in .acp, so it never takes a space after it. */
function spaceBetween(before: IToken | undefined, a: IToken, b: IToken): boolean {
  if (NO_SPACE_BEFORE.some((t) => tokenMatcher(b, t))) return false;
  if (NO_SPACE_AFTER.some((t) => tokenMatcher(a, t))) return false;
  if (tokenMatcher(a, T.LCurly) && tokenMatcher(b, T.RCurly)) return false;
  if (tokenMatcher(b, T.LParen)) return !isCallee(a, before);
  if (tokenMatcher(b, T.LBracket)) {
    const postfix = [T.RParen, T.RBracket, T.RCurly, T.StringLit, T.NumberLit, T.True, T.False];
    return !(isCallee(a, before) || postfix.some((t) => tokenMatcher(a, t)));
  }
  return true;
}
