// `acpc lsp`: the language server over stdio. Each open document is analysed lazily (a request
// sees the text as it is now) and its diagnostics are published shortly after typing stops.
// Every handler is guarded: a bug or a hostile text gives an empty answer, never a dead server.
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CompletionItemKind, ProposedFeatures, ResponseError, ErrorCodes, StreamMessageReader, StreamMessageWriter, TextDocumentSyncKind, TextDocuments, createConnection,
  type CompletionItem, type DocumentSymbol, type InitializeResult, type Location, type TextEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { format } from "../fmt.js";
import { analyze, type Analysis } from "./analysis.js";
import { completeAt, type CompletionKind } from "./completion.js";
import { rangeOf, toLspDiagnostics } from "./diagnostics.js";
import { hoverAt } from "./hover.js";
import { outline } from "./outline.js";
import { renamableAt, renameEdits } from "./rename.js";
import { caseFileRuleRefs, isCaseFile, policyOfCaseFile, ruleIdAt } from "./case-files.js";
import { locationsOf, occurrenceAt } from "./symbols.js";

/** Quiet time after the last change before a document's diagnostics are recomputed. */
export const DEBOUNCE_MS = 150;

const KINDS: Record<CompletionKind, CompletionItemKind> = {
  syscall: CompletionItemKind.Event, tool: CompletionItemKind.Function, pipe: CompletionItemKind.Interface,
  field: CompletionItemKind.Field, keyword: CompletionItemKind.Keyword, type: CompletionItemKind.Class,
  method: CompletionItemKind.Method, const: CompletionItemKind.Constant, variable: CompletionItemKind.Variable,
};

/** The file name diagnostics carry: the path for a `file:` URI, else the URI itself. */
function fileOf(uri: string): string {
  try { return uri.startsWith("file:") ? fileURLToPath(uri) : uri; } catch { return uri; }
}

/** A policy, as opposed to a case file the client also sends (for rule ids). */
const isPolicy = (doc: TextDocument) => !isCaseFile(doc.uri) && (doc.languageId === "acp" || doc.uri.endsWith(".acp"));

export function serve(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  // stdout carries the protocol: anything printed by accident goes to stderr instead.
  for (const k of ["log", "info", "warn", "debug"] as const) console[k] = (...xs: unknown[]) => process.stderr.write(xs.map(String).join(" ") + "\n");
  const reader = new StreamMessageReader(input), writer = new StreamMessageWriter(output);
  // A frame whose body is not JSON is dropped by the reader, which reads on; the client is told.
  // A broken header leaves no way to find where the next message starts: the server says so and
  // exits 1, and the editor's client starts a new one.
  reader.onError((e) => {
    const framing = /header|content-length/i.test(e.message);
    process.stderr.write(`acpc lsp: unreadable message${framing ? " (cannot resynchronise; exiting)" : ""}: ${e.message}\n`);
    const sent = writer.write({ jsonrpc: "2.0", id: null, error: { code: ErrorCodes.ParseError, message: `unreadable message: ${e.message}` } } as never);
    if (framing) void sent.finally(() => process.exit(1));
  });
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; analysis: Analysis }>();
  const timers = new Map<string, NodeJS.Timeout>();

  const analysisOf = (doc: TextDocument): Analysis => {
    const hit = cache.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.analysis;
    const analysis = analyze(doc.getText(), fileOf(doc.uri));
    cache.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  };

  const guard = <T>(what: string, fallback: T, f: () => T): T => {
    try { return f(); } catch (e) {
      if (e instanceof ResponseError) throw e;
      connection.console.error(`acpc lsp: ${what} failed: ${e instanceof Error ? e.stack : String(e)}`);
      return fallback;
    }
  };

  const publish = (uri: string) => {
    const doc = documents.get(uri);
    if (!doc || !isPolicy(doc)) return;
    guard("check", undefined, () => {
      const diagnostics = toLspDiagnostics(analysisOf(doc), doc);
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
    });
  };
  const schedule = (uri: string, delay: number) => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => { timers.delete(uri); publish(uri); }, delay));
  };

  /** The policy document and offset a position request is about, or null for a document not open. */
  const at = (uri: string, position: { line: number; character: number }) => {
    const doc = documents.get(uri);
    return doc && isPolicy(doc) ? { doc, a: analysisOf(doc), offset: doc.offsetAt(position) } : null;
  };

  /** In a case file: the rule whose id is under the cursor, in the policy the file tests (open or on disk). */
  const caseRule = (uri: string, position: { line: number; character: number }) => {
    const doc = documents.get(uri);
    if (!doc || !isCaseFile(fileOf(uri))) return null;
    const hit = ruleIdAt(doc.getText(), doc.offsetAt(position));
    const policyPath = policyOfCaseFile(fileOf(uri), doc.getText());
    if (!hit || !policyPath) return null;
    const policyUri = pathToFileURL(policyPath).href;
    const open = documents.get(policyUri);
    let policyDoc: TextDocument;
    try { policyDoc = open ?? TextDocument.create(policyUri, "acp", 0, readFileSync(policyPath, "utf8")); } catch { return null; }
    // A policy not open is read afresh each time: the cache follows open documents' versions only.
    const a = open ? analysisOf(open) : analyze(policyDoc.getText(), policyPath);
    const symbol = a.index?.symbols.find((s) => s.kind === "rule" && s.name === hit.id);
    if (!symbol) return null;
    const range = { start: doc.positionAt(hit.offset + 1), end: doc.positionAt(hit.offset + hit.length - 1) };
    return { range, policyPath, policyDoc, a, symbol, def: { uri: policyUri, range: rangeOf(policyDoc, symbol.def) } };
  };

  connection.onInitialize((): InitializeResult => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      completionProvider: { triggerCharacters: [".", " "] },
      documentFormattingProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
    },
    serverInfo: { name: "acpc lsp" },
  }));

  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => schedule(e.document.uri, DEBOUNCE_MS));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p) => guard("hover", null, () => {
    const r = caseRule(p.textDocument.uri, p.position);
    const rh = r && hoverAt(r.a, r.symbol.def.offset);
    if (rh) return { contents: { kind: "markdown", value: rh.markdown }, range: r.range };
    const c = at(p.textDocument.uri, p.position);
    const h = c && hoverAt(c.a, c.offset);
    return h ? { contents: { kind: "markdown", value: h.markdown }, range: rangeOf(c.doc, h.span) } : null;
  }));

  connection.onDefinition((p) => guard("definition", null, () => {
    const r = caseRule(p.textDocument.uri, p.position);
    if (r) return r.def;
    const c = at(p.textDocument.uri, p.position);
    const occ = c && c.a.index && occurrenceAt(c.a.index, c.offset);
    return occ ? { uri: c.doc.uri, range: rangeOf(c.doc, occ.symbol.def) } : null;
  }));

  connection.onReferences((p) => guard("references", [] as Location[], () => {
    const r = caseRule(p.textDocument.uri, p.position);
    if (r) return [...(p.context.includeDeclaration ? [r.def] : []), ...caseFileRuleRefs(r.policyPath, r.symbol.name)];
    const c = at(p.textDocument.uri, p.position);
    const occ = c && c.a.index && occurrenceAt(c.a.index, c.offset);
    if (!c || !occ) return [];
    const spans = p.context.includeDeclaration ? locationsOf(occ.symbol) : occ.symbol.refs;
    const here = spans.map((s) => ({ uri: c.doc.uri, range: rangeOf(c.doc, s) }));
    // A rule id is also named by the case files beside the policy (`expect.rule`, `expect.audit`).
    return occ.symbol.kind === "rule" && c.doc.uri.startsWith("file:") ? [...here, ...caseFileRuleRefs(fileOf(c.doc.uri), occ.symbol.name)] : here;
  }));

  connection.onCompletion((p) => guard("completion", [] as CompletionItem[], () => {
    const c = at(p.textDocument.uri, p.position);
    if (!c) return [];
    const { items, from } = completeAt(c.a, c.offset);
    const range = { start: c.doc.positionAt(from), end: p.position };
    return items.map((i) => ({
      label: i.label, kind: KINDS[i.kind], ...(i.detail ? { detail: i.detail } : {}),
      textEdit: { range, newText: i.insertText ?? i.label },
    }));
  }));

  connection.onDocumentFormatting((p) => guard("formatting", [] as TextEdit[], () => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isPolicy(doc)) return [];
    // The very code `acpc fmt` runs; a text with errors is left as it is.
    const r = format(doc.getText(), fileOf(doc.uri));
    if (r.output === null || r.output === doc.getText()) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, newText: r.output }];
  }));

  connection.onPrepareRename((p) => guard("prepareRename", null, () => {
    const c = at(p.textDocument.uri, p.position);
    if (!c) return null;
    const r = renamableAt(c.a, c.offset);
    if (!r.ok) throw new ResponseError(ErrorCodes.InvalidRequest, r.reason);
    return { range: rangeOf(c.doc, r.span), placeholder: r.symbol.name };
  }));

  connection.onRenameRequest((p) => guard("rename", null, () => {
    const c = at(p.textDocument.uri, p.position);
    if (!c) return null;
    const r = renameEdits(c.a, c.offset, p.newName);
    if (!r.ok) throw new ResponseError(ErrorCodes.InvalidRequest, r.reason);
    return { changes: { [c.doc.uri]: r.spans.map((s) => ({ range: rangeOf(c.doc, s), newText: p.newName })) } };
  }));

  connection.onDocumentSymbol((p) => guard("documentSymbol", [] as DocumentSymbol[], () => {
    const doc = documents.get(p.textDocument.uri);
    return doc && isPolicy(doc) ? outline(analysisOf(doc), doc) : [];
  }));

  // LSP's exit codes: 0 after `shutdown`, 1 when the client went away without it (stdin closed).
  let shutdown = false;
  connection.onShutdown(() => { shutdown = true; });
  // Messages already read are still answered (the connection queues them on the event loop).
  const gone = () => setTimeout(() => process.exit(shutdown ? 0 : 1), 100);
  reader.onClose(gone);
  // A file or /dev/null as stdin ends without the reader seeing a close.
  input.once("end", gone);

  documents.listen(connection);
  return new Promise<number>((resolve) => {
    connection.onExit(() => resolve(shutdown ? 0 : 1));
    connection.listen();
  });
}

