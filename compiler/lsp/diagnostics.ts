// Compiler diagnostics as LSP diagnostics: the same codes, messages and spans as `acpc check`;
// its notes (a counterexample request, say) end the message, and a repeated declaration or rule
// id points at the first one as a related location.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation, type Range } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Span } from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Analysis } from "./analysis.js";

export function rangeOf(doc: TextDocument, span: Span): Range {
  return { start: doc.positionAt(span.offset), end: doc.positionAt(span.endOffset) };
}

export function toLspDiagnostics(a: Analysis, doc: TextDocument): LspDiagnostic[] {
  const out = a.diagnostics.map((d) => toLsp(a, doc, d));
  if (a.internalError !== null) {
    out.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Error, source: "acpc", code: "internal",
      message: `internal error in the compiler (please report it): ${a.internalError}`,
    });
  }
  return out;
}

function toLsp(a: Analysis, doc: TextDocument, d: Diagnostic): LspDiagnostic {
  const related = relatedOf(a, doc, d);
  return {
    range: rangeOf(doc, d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "acpc",
    message: [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`)].join("\n"),
    ...(related.length ? { relatedInformation: related } : {}),
  };
}

/** For E0201 (declared twice) and E0205 (rule id used twice): the first declaration. */
function relatedOf(a: Analysis, doc: TextDocument, d: Diagnostic): DiagnosticRelatedInformation[] {
  if ((d.code !== "E0201" && d.code !== "E0205") || !a.index) return [];
  const dup = a.index.duplicates.find((x) => x.span.offset <= d.span.offset && d.span.offset < Math.max(x.span.endOffset, x.span.offset + 1));
  if (!dup) return [];
  const what = dup.first.kind === "rule" ? `rule id \`${dup.first.name}\`` : `${dup.first.kind} \`${dup.first.name}\``;
  return [{ location: { uri: doc.uri, range: rangeOf(doc, dup.first.def) }, message: `${what} is first declared here` }];
}
