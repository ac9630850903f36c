// Rename of a type or a pipe: its declaration and every reference, or a refusal that says why
// (a name that is not an identifier, is a keyword, or is already taken).
import { tokenMatcher } from "chevrotain";
import type { Span } from "../../grammar/ast.js";
import { parseDocument } from "../../grammar/index.js";
import { lex } from "../../grammar/lexer.js";
import * as L from "../../grammar/lexer.js";
import type { Analysis } from "./analysis.js";
import { locationsOf, occurrenceAt, type PolicySymbol } from "./symbols.js";

export type Renamable = { ok: true; symbol: PolicySymbol; span: Span } | { ok: false; reason: string };

const PRIMITIVES = new Set(["number", "string", "bool"]);

export function renamableAt(a: Analysis, offset: number): Renamable {
  if (!a.index || !a.doc.policy) return { ok: false, reason: "fix the syntax errors first: a rename needs the whole policy parsed" };
  const occ = occurrenceAt(a.index, offset);
  if (!occ) return { ok: false, reason: "no type or pipe here" };
  if (occ.symbol.kind !== "type" && occ.symbol.kind !== "pipe") return { ok: false, reason: `only a type or a pipe can be renamed, not a ${occ.symbol.kind}` };
  return { ok: true, symbol: occ.symbol, span: occ.span };
}

export function renameEdits(a: Analysis, offset: number, newName: string): { ok: true; spans: Span[] } | { ok: false; reason: string } {
  const r = renamableAt(a, offset);
  if (!r.ok) return r;
  const { symbol } = r;
  if (newName === symbol.name) return { ok: true, spans: [] };
  // The lexer decides what an identifier is, so the rename agrees with the parser.
  const lexed = lex(newName, "<rename>");
  const tok = lexed.tokens[0];
  if (lexed.diagnostics.length || lexed.comments.length || lexed.tokens.length !== 1 || !tok || !tokenMatcher(tok, L.Identifier) || tok.image !== newName) {
    return { ok: false, reason: `\`${newName}\` is not a name: use letters, digits and _, not starting with a digit, and no keyword` };
  }
  if (symbol.kind === "type" && PRIMITIVES.has(newName)) return { ok: false, reason: `\`${newName}\` is a built-in type` };
  const clash = a.index!.symbols.find((s) => s.kind === symbol.kind && s.name === newName);
  if (clash) return { ok: false, reason: `a ${symbol.kind} named \`${newName}\` is already declared at line ${clash.def.line}` };
  const spans = locationsOf(symbol);
  // The last word is the parser's: a name the lexer takes but the grammar does not want there.
  let renamed = a.text;
  for (const s of [...spans].reverse()) renamed = renamed.slice(0, s.offset) + newName + renamed.slice(s.endOffset);
  if (!parseDocument(renamed, a.file).policy) return { ok: false, reason: `the policy would not parse with \`${newName}\` there` };
  return { ok: true, spans };
}
