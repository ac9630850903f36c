// The document outline: the policy's types, tools, pipes, consts and rules, as LSP symbols.
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Analysis } from "./analysis.js";
import { rangeOf } from "./diagnostics.js";
import type { SymbolKind as PolicySymbolKind } from "./symbols.js";

const KINDS: Partial<Record<PolicySymbolKind, SymbolKind>> = {
  type: SymbolKind.Struct, tool: SymbolKind.Function, pipe: SymbolKind.Interface, const: SymbolKind.Constant, rule: SymbolKind.Event,
};

export function outline(a: Analysis, doc: TextDocument): DocumentSymbol[] {
  if (!a.index) return [];
  return a.index.symbols.flatMap((s): DocumentSymbol[] => {
    const kind = KINDS[s.kind];
    if (kind === undefined) return [];
    const target = s.rule ? a.text.slice(s.rule.target.span.offset, s.rule.target.span.endOffset) : "";
    return [{
      name: s.name, kind, detail: s.rule ? `${s.rule.effect} ${target}` : s.kind,
      range: rangeOf(doc, s.decl), selectionRange: rangeOf(doc, s.def),
    }];
  });
}
