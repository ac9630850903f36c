// Compiler diagnostics as LSP diagnostics: the same codes, messages and spans as `acpc check`;
// its notes (a counterexample request, say) end the message, and the places a diagnostic names
// (the first declaration of a repeated name, the rule that shadows this one) are its related
// locations.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation, type Range } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Span } from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Analysis } from "./analysis.js";

export function rangeOf(doc: TextDocument, span: Span): Range {
  return { start: doc.positionAt(span.offset), end: doc.positionAt(span.endOffset) };
}

export function toLspDiagnostics(a: Analysis, doc: TextDocument): LspDiagnostic[] {
  const out = a.diagnostics.map((d) => toLsp(doc, d));
  if (a.internalError !== null) {
    out.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Error, source: "acpc", code: "internal",
      message: `internal error in the compiler (please report it): ${a.internalError}`,
    });
  }
  return out;
}

function toLsp(doc: TextDocument, d: Diagnostic): LspDiagnostic {
  const related = relatedOf(doc, d);
  return {
    range: rangeOf(doc, d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "acpc",
    message: [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`)].join("\n"),
    ...(related.length ? { relatedInformation: related } : {}),
  };
}

function relatedOf(doc: TextDocument, d: Diagnostic): DiagnosticRelatedInformation[] {
  return (d.related ?? []).map((r) => ({ location: { uri: doc.uri, range: rangeOf(doc, r.span) }, message: r.message }));
}
