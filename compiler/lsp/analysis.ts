// One policy document as the language server sees it: `acpc check`'s diagnostics, the parse
// (recovered when the text is broken, as it is half the time while typing) and its symbol index.
import { parseDocument, type ParsedDocument } from "../../grammar/index.js";
import type { Policy, TypeExpr } from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { TypeDesc } from "../../stdlib/abi/types.js";
import { compile } from "../compile.js";
import { TypeResolver } from "../check/types.js";
import { buildIndex, type SymbolIndex } from "./symbols.js";

export interface Analysis {
  text: string;
  file: string;
  /** Exactly what `acpc check` reports for this text (computed on first use). */
  readonly diagnostics: Diagnostic[];
  /** Set when the compiler itself failed on this text (a bug, reported as a diagnostic). */
  readonly internalError: string | null;
  doc: ParsedDocument;
  /** The policy, from a recovered parse if need be; null when not even that could be had. */
  ast: Policy | null;
  index: SymbolIndex | null;
  /** A declared type expression resolved to what it means (null if it does not resolve). */
  resolve(t: TypeExpr): TypeDesc | null;
}

export function analyze(text: string, file: string): Analysis {
  const doc = parseDocument(text, file);
  const ast = doc.policy ?? doc.ast;
  const index = ast ? buildIndex(ast, doc.tokens) : null;
  const resolver = new TypeResolver(ast?.types ?? [], []);
  const resolve = (t: TypeExpr) => {
    try { return resolver.resolve(t); } catch { return null; }
  };
  // The check (codegen and `assert never` proofs included) costs tens of milliseconds: it runs
  // when diagnostics are asked for, not for each completion or hover while typing.
  let checked: { diagnostics: Diagnostic[]; internalError: string | null } | null = null;
  const check = () => {
    if (checked) return checked;
    try {
      // As `acpc check`: everything but writing, `assert never` verification included.
      checked = { diagnostics: compile(text, { filename: file, optimize: false }).diagnostics, internalError: null };
    } catch (e) {
      checked = { diagnostics: [], internalError: e instanceof Error ? e.message : String(e) };
    }
    return checked;
  };
  return {
    text, file, doc, ast, index, resolve,
    get diagnostics() { return check().diagnostics; },
    get internalError() { return check().internalError; },
  };
}
