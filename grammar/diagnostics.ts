// Diagnostics: every error and warning the compiler reports is a value with a stable code,
// a message a person can act on, and a source span. Rendering adds a code frame.
import type { Span } from "./ast.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  /** Extra lines shown under the frame ("note: ..."), e.g. a counterexample request. */
  notes?: string[];
  /** Other places the message names: the first declaration of a name declared twice, the rule that
   *  shadows this one. Editors show them as related locations; the text frame does not. */
  related?: Related[];
}

export interface Related { span: Span; message: string }

/** Every code the compiler can report. Codes are stable: tests and users match on them. */
export const CODES = {
  // lexing and syntax
  E0101: "unexpected character",
  E0102: "unterminated string",
  E0103: "invalid escape in string",
  E0104: "unterminated block comment",
  E0110: "syntax error",
  E0120: "invalid number",
  E0121: "invalid duration",
  E0122: "more than one policy in a file",
  E0130: "nested too deeply",
  // names and declarations
  E0201: "duplicate declaration",
  E0202: "unknown type",
  E0203: "unknown tool",
  E0204: "unknown pipe",
  E0205: "duplicate rule id",
  E0206: "unknown name",
  E0207: "recursive type",
  E0208: "const value is not a constant",
  E0209: "duplicate field",
  E0210: "repeated policy setting",
  // typing
  E0301: "type mismatch",
  E0302: "condition is not a bool",
  E0303: "unknown field",
  E0304: "no args for this target",
  E0305: "quantifier over a list without max",
  E0306: "unknown method or function",
  E0307: "wrong arguments",
  E0308: "range outside `in`",
  E0309: "invalid right side of `in`",
  E0310: "operator not defined for this type",
  E0311: "pattern must be a string literal",
  // patterns
  E0401: "invalid glob",
  E0402: "invalid regular expression",
  E0403: "invalid CIDR",
  // declarations with numbers
  E0501: "invalid pipe capacity",
  E0502: "invalid limit",
  E0503: "invalid list bound",
  // verification
  E0601: "assertion violated",
  E0602: "assertion not provable",
  // internal: the compiler refuses its own broken output
  E0901: "emitted module has imports",
  E0902: "emitted module does not validate",
  // warnings
  W0101: "rule is shadowed",
  W0102: "condition is always false",
  W0103: "duplicate rule",
  W0104: "glob never matches a canonical target",
} as const;

export type Code = keyof typeof CODES;

export function diag(code: Code, message: string, span: Span, notes?: string[]): Diagnostic {
  return {
    code,
    severity: code.startsWith("W") ? "warning" : "error",
    message,
    span,
    ...(notes && notes.length ? { notes } : {}),
  };
}

/** The diagnostic with places it names added. */
export function withRelated(d: Diagnostic, ...related: Related[]): Diagnostic {
  return { ...d, related: [...(d.related ?? []), ...related] };
}

/** A name or id used twice: the diagnostic points back at its first use. */
export function firstHere(d: Diagnostic, first: Span): Diagnostic {
  return withRelated(d, { span: first, message: "first declared here" });
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}

/** Thrown only at API boundaries that must not return a half result (e.g. `loadPolicy`). */
export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.severity}[${d.code}]: ${d.message}`).join("\n"));
    this.name = "DiagnosticError";
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.offset - b.span.offset || a.code.localeCompare(b.code);
}

interface RenderOptions { color?: boolean }

/** `file:line:col: error[CODE]: message`, then a code frame with carets under the span. */
export function renderDiagnostic(d: Diagnostic, source: string, opts: RenderOptions = {}): string {
  const c = opts.color ? ansi : plain;
  const { span } = d;
  const head = `${c.bold(`${span.file}:${span.line}:${span.col}:`)} ${d.severity === "error" ? c.red(`error[${d.code}]`) : c.yellow(`warning[${d.code}]`)}: ${c.bold(d.message)}`;
  const lines = source.split(/\r\n|\r|\n/); // as the lexer counts lines
  const text = lines[span.line - 1] ?? "";
  const gutter = String(span.line).length;
  const pad = " ".repeat(gutter);
  const start = Math.max(1, span.col);
  const end = span.endLine === span.line ? Math.max(start + 1, span.endCol) : Math.max(start + 1, text.length + 1);
  // Tabs before the span stay tabs, so the carets line up under it whatever the tab width.
  const caret = text.slice(0, start - 1).replace(/[^\t]/g, " ") + "^".repeat(end - start);
  const out = [head, `${pad} |`, `${span.line} | ${text}`, `${pad} | ${c.red(caret)}`];
  for (const n of d.notes ?? []) out.push(`${pad} = note: ${n}`);
  return out.join("\n");
}

const id = (s: string) => s;
const plain = { bold: id, red: id, yellow: id };
const ansi = {
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
  red: (s: string) => `\x1b[31m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
};
