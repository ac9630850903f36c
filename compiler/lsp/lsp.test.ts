// `acpc lsp` driven by a real LSP client over stdio (vscode-jsonrpc), against the policy packs.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { TextDocument } from "vscode-languageserver-textdocument";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/acpc.js");
const POLICIES = join(ROOT, "policies");

interface Pos { line: number; character: number }
interface Range { start: Pos; end: Pos }
interface Location { uri: string; range: Range }
interface LspDiagnostic { range: Range; code: string; severity: number; message: string; relatedInformation?: { location: Location; message: string }[] }
interface TextEdit { range: Range; newText: string }

class Client {
  readonly child: ChildProcessWithoutNullStreams;
  readonly rpc: MessageConnection;
  readonly diagnostics = new Map<string, { version?: number; diagnostics: LspDiagnostic[] }[]>();
  private waiters: (() => void)[] = [];
  stderr = "";

  constructor() {
    this.child = spawn(process.execPath, [BIN, "lsp", "--stdio"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (b: Buffer) => { this.stderr += b.toString(); });
    this.rpc = createMessageConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.rpc.onNotification("textDocument/publishDiagnostics", (p: { uri: string; version?: number; diagnostics: LspDiagnostic[] }) => {
      this.diagnostics.set(p.uri, [...(this.diagnostics.get(p.uri) ?? []), p]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.rpc.listen();
  }

  async initialize() {
    const r = await this.rpc.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", { processId: process.pid, rootUri: pathToFileURL(ROOT).href, capabilities: {} });
    await this.rpc.sendNotification("initialized", {});
    return r;
  }

  open(uri: string, text: string, version = 1) {
    return this.rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "acp", version, text } });
  }

  /** The diagnostics published for a document at a version (waits for them). */
  async diagnosticsFor(uri: string, version: number, timeoutMs = 20_000): Promise<LspDiagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = (this.diagnostics.get(uri) ?? []).find((p) => p.version === version);
      if (hit) return hit.diagnostics;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} v${version}; stderr: ${this.stderr}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.rpc.sendRequest<T>(method, params);
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    if (this.child.exitCode === null) {
      await this.rpc.sendRequest("shutdown").catch(() => undefined);
      await this.rpc.sendNotification("exit").catch(() => undefined);
    }
    const code = this.child.exitCode ?? await exited;
    this.rpc.dispose();
    return code;
  }
}

const fileUri = (p: string) => pathToFileURL(p).href;
const read = (p: string) => readFileSync(p, "utf8");

/** The position of the `delta`-th character after the first occurrence of `needle`. */
function pos(text: string, needle: string, delta = 0): Pos {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`not in text: ${needle}`);
  const before = text.slice(0, at + delta).split("\n");
  return { line: before.length - 1, character: before.at(-1)!.length };
}

function textAt(text: string, r: Range): string {
  const d = TextDocument.create("x", "acp", 0, text);
  return text.slice(d.offsetAt(r.start), d.offsetAt(r.end));
}

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create("x", "acp", 0, text), edits);
}

/** `acpc check --json` on a file: its diagnostics as the CLI gives them. */
function checkJson(file: string): { code: string; line: number; col: number; endLine: number; endCol: number; message: string }[] {
  const r = spawnSync(process.execPath, [BIN, "check", "--json", file], { encoding: "utf8" });
  return (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { results: { diagnostics: never[] }[] }).results[0]!.diagnostics;
}

const FINANCE = join(POLICIES, "finance/finance.acp");
const RESEARCH = join(POLICIES, "research-pipeline/research-pipeline.acp");

describe("acpc lsp", () => {
  let c: Client;
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "acp-lsp-"));
    c = new Client();
  });
  afterAll(async () => {
    expect(await c.stop()).toBe(0);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("initializes with the features it serves", async () => {
    const { capabilities } = await c.initialize();
    expect(capabilities).toMatchObject({
      textDocumentSync: 2, hoverProvider: true, definitionProvider: true, referencesProvider: true,
      documentFormattingProvider: true, renameProvider: { prepareProvider: true },
    });
    expect(capabilities["completionProvider"]).toBeTruthy();
  });

  it("publishes the diagnostics of `acpc check` for every policy pack (none)", async () => {
    const packs = readdirSync(POLICIES).map((d) => join(POLICIES, d, `${d}.acp`));
    expect(packs.length).toBeGreaterThanOrEqual(4);
    for (const p of packs) await c.open(fileUri(p), read(p));
    for (const p of packs) expect(await c.diagnosticsFor(fileUri(p), 1)).toEqual([]);
  });

  it("publishes a broken policy's errors with the code, range and message of `acpc check`", async () => {
    const broken = join(tmp, "broken.acp");
    const text = read(FINANCE).replace("allow tool transfer when agent.role == \"clerk\"", "allow tool trasnfer when agent.role == \"clerk\"")
      .replace("args.amount > reviewThreshold", "args.amout > reviewThreshold");
    writeFileSync(broken, text);
    await c.open(fileUri(broken), text);
    const ds = await c.diagnosticsFor(fileUri(broken), 1);
    const cli = checkJson(broken);
    expect(ds.map((d) => d.code)).toEqual(cli.map((d) => d.code));
    expect(ds.map((d) => d.code)).toEqual(expect.arrayContaining(["E0203", "E0303"]));
    ds.forEach((d, i) => {
      const want = cli[i]!;
      expect(d.range).toEqual({ start: { line: want.line - 1, character: want.col - 1 }, end: { line: want.endLine - 1, character: want.endCol - 1 } });
      expect(d.message.split("\n")[0]).toBe(want.message);
      expect(d.severity).toBe(1);
    });
    expect(textAt(text, ds.find((d) => d.code === "E0203")!.range)).toBe("tool trasnfer");
    expect(textAt(text, ds.find((d) => d.code === "E0303")!.range)).toContain("amout");
  });

  it("points a repeated rule id, a repeated type and a shadowed rule at the other place (related locations)", async () => {
    const uri = fileUri(join(tmp, "dup.acp"));
    const text = read(FINANCE).replace("@id(\"hard-ceiling\")", "@id(\"clerk-transfer\")").replace("tool balance(", "type Currency = \"JPY\"\n  tool balance(");
    await c.open(uri, text);
    const ds = await c.diagnosticsFor(uri, 1);
    const rule = ds.find((d) => d.code === "E0205")!;
    const type = ds.find((d) => d.code === "E0201")!;
    expect(textAt(text, rule.range)).toBe("@id(\"clerk-transfer\")");
    expect(rule.relatedInformation![0]!.location.uri).toBe(uri);
    const suri = fileUri(join(tmp, "shadow.acp"));
    const stext = read(FINANCE).replace("  // ---- rates", "  allow tool balance\n  allow tool balance when agent.role == \"x\"\n  // ---- rates");
    await c.open(suri, stext);
    const shadowed = (await c.diagnosticsFor(suri, 1)).find((d) => d.code === "W0101")!;
    expect(shadowed.severity).toBe(2);
    expect(textAt(stext, shadowed.range)).toBe("allow tool balance when agent.role == \"x\"");
    expect(textAt(stext, shadowed.relatedInformation![0]!.location.range)).toBe("allow tool balance");
    expect(rule.relatedInformation![0]!.location.range.start).toEqual(pos(text, "@id(\"clerk-transfer\")"));
    expect(textAt(text, type.relatedInformation![0]!.location.range)).toBe(`type Currency = "USD" | "EUR" | "GBP"`);
    // As `acpc check --json` gives them.
    const file = join(tmp, "dup.acp");
    writeFileSync(file, text);
    const cli = checkJson(file) as unknown as { code: string; related: { line: number; col: number; endLine: number; endCol: number; message: string }[] }[];
    for (const d of ds) {
      const want = cli.find((x) => x.code === d.code)!.related;
      expect(d.relatedInformation!.map((r) => ({ ...r.location.range, message: r.message })))
        .toEqual(want.map((r) => ({ start: { line: r.line - 1, character: r.col - 1 }, end: { line: r.endLine - 1, character: r.endCol - 1 }, message: r.message })));
    }
  });

  it("ends a message with the compiler's notes (an assertion's counterexample)", async () => {
    const uri = fileUri(join(tmp, "assert.acp"));
    const text = read(FINANCE).replace("assert never spawn", "assert never spawn\n  assert never fs.read \"/mem/semantic/ledger/x\"");
    await c.open(uri, text);
    const ds = await c.diagnosticsFor(uri, 1);
    const d = ds.find((x) => x.code === "E0601")!;
    expect(d).toBeDefined();
    expect(d.message).toMatch(/\nnote: /);
  });

  it("hovers a field's type, a type's meaning, a rule's id and effect, a syscall's args", async () => {
    const uri = fileUri(FINANCE), text = read(FINANCE);
    const hover = async (p: Pos) => (await c.request<{ contents: { value: string }; range: Range } | null>("textDocument/hover", { textDocument: { uri }, position: p }));
    const field = await hover(pos(text, "args.amount <= clerkLimit", 7));
    expect(field!.contents.value).toContain("amount: number");
    expect(textAt(text, field!.range)).toBe("amount");
    expect((await hover(pos(text, "currency: Currency", 12)))!.contents.value).toContain('"USD" | "EUR" | "GBP"');
    const rule = await hover(pos(text, "allow tool transfer when agent.role == \"clerk\"", 2));
    expect(rule!.contents.value).toContain("rule `clerk-transfer`");
    expect(rule!.contents.value).toContain("**allow**");
    const implicit = await hover(pos(text, "allow tool balance", 1));
    expect(implicit!.contents.value).toContain("**allow**");
    expect((await hover(pos(text, "fs.write \"/mem/working", 4)))!.contents.value).toContain("`fs.write`: `args`: `{ size: number }`");
    expect((await hover(pos(text, "tool transfer(Transfer)", 7)))!.contents.value).toContain("`args`: `{ amount: number");
    expect((await hover(pos(text, "args.memo", 1)))!.contents.value).toContain("`args` under `tool.call`");
    expect((await hover(pos(text, "agent.role == \"treasurer\"", 8)))!.contents.value).toContain("`agent.role`: string");
    expect((await hover(pos(text, "contains(\"ignore previous", 2)))!.contents.value).toContain("`string.contains(string) -> bool`");
    expect((await hover(pos(text, "lower().contains", 2)))!.contents.value).toContain("`string.lower() -> string`");
    expect(await hover({ line: 0, character: 3 })).toBeNull(); // a comment
  });

  it("goes to the definition of a type, a tool, a pipe, a const and a rule id", async () => {
    const defOf = async (file: string, needle: string, delta: number) => {
      const text = read(file);
      const loc = await c.request<Location | null>("textDocument/definition", { textDocument: { uri: fileUri(file) }, position: pos(text, needle, delta) });
      return loc && { uri: loc.uri, text: textAt(text, loc.range), line: loc.range.start.line };
    };
    const ft = read(FINANCE);
    expect(await defOf(FINANCE, "transfer when args.amount > reviewThreshold", 2)).toEqual({ uri: fileUri(FINANCE), text: "transfer", line: pos(ft, "tool transfer(").line });
    expect(await defOf(FINANCE, "from: Currency", 8)).toMatchObject({ text: "Currency", line: pos(ft, "type Currency").line });
    expect(await defOf(FINANCE, "<= clerkLimit", 5)).toMatchObject({ text: "clerkLimit", line: pos(ft, "const clerkLimit").line });
    expect(await defOf(FINANCE, "\"blocked-account\"", 3)).toMatchObject({ text: "\"blocked-account\"" });
    expect(await defOf(FINANCE, "args.amount <= clerkLimit", 6)).toMatchObject({ text: "amount", line: pos(ft, "type Transfer").line });
    expect(await defOf(FINANCE, "args.from != args.to", 6)).toMatchObject({ text: "from", line: pos(ft, "tool fxQuote").line });
    const rt = read(RESEARCH);
    // A quantifier variable: its use leads to where the quantifier names it.
    const sUse = await defOf(RESEARCH, "s.startsWith(p)", 0);
    expect(sUse).toMatchObject({ text: "s", line: pos(rt, "any(s in args.sources").line });
    const h = await c.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri: fileUri(RESEARCH) }, position: pos(rt, "s.startsWith(p)", 0) });
    expect(h.contents.value).toBe("(variable) `s: string`: each item of `args.sources`");
    expect(await defOf(RESEARCH, "pipe.recv findings", 12)).toMatchObject({ text: "findings", line: pos(rt, "pipe findings:").line });
    expect(await defOf(RESEARCH, "carries Finding", 10)).toMatchObject({ text: "Finding", line: pos(rt, "type Finding").line });
  });

  it("finds every reference of a type, a tool, a pipe and a rule id (case files included)", async () => {
    const refs = async (file: string, needle: string, delta: number, includeDeclaration = true) =>
      c.request<Location[]>("textDocument/references", { textDocument: { uri: fileUri(file) }, position: pos(read(file), needle, delta), context: { includeDeclaration } });
    const ft = read(FINANCE);
    const currency = await refs(FINANCE, "type Currency", 6);
    expect(currency.map((l) => textAt(ft, l.range))).toEqual(["Currency", "Currency", "Currency", "Currency"]);
    expect((await refs(FINANCE, "type Currency", 6, false)).length).toBe(3);
    const transfer = await refs(FINANCE, "tool transfer(", 6);
    // the declaration, then every rule and limit on the tool
    expect(transfer.length).toBe(1 + (ft.match(/tool transfer\b(?!\()/g) ?? []).length);
    expect(transfer.every((l) => textAt(ft, l.range) === "transfer")).toBe(true);
    const findings = await refs(RESEARCH, "pipe findings:", 6);
    expect(findings.map((l) => textAt(read(RESEARCH), l.range)).every((s) => s === "findings")).toBe(true);
    expect(findings.length).toBe(1 + (read(RESEARCH).match(/pipe\.(send|recv) findings/g) ?? []).length);
    const rule = await refs(FINANCE, "@id(\"clerk-transfer\")", 6);
    const cases = join(POLICIES, "finance/finance.cases.json");
    const inCases = rule.filter((l) => l.uri === fileUri(cases));
    expect(inCases.length).toBe((read(cases).match(/"rule":\s*"clerk-transfer"/g) ?? []).length);
    expect(inCases.length).toBeGreaterThan(0);
    for (const l of inCases) expect(textAt(read(cases), l.range)).toBe("clerk-transfer");
    const field = await refs(FINANCE, "amount: number", 1);
    expect(field.length).toBe(1 + (ft.match(/args\.amount/g) ?? []).length);
  });

  it("leads from a rule id in a case file to its rule: hover, definition, references", async () => {
    const cases = join(POLICIES, "finance/finance.cases.json");
    const text = read(cases), uri = fileUri(cases);
    await c.rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "json", version: 1, text } });
    const p = { textDocument: { uri }, position: pos(text, "\"rule\":\"clerk-transfer\"", 9) };
    const def = await c.request<Location>("textDocument/definition", p);
    expect(def.uri).toBe(fileUri(FINANCE));
    expect(textAt(read(FINANCE), def.range)).toBe("\"clerk-transfer\"");
    const hover = await c.request<{ contents: { value: string }; range: Range }>("textDocument/hover", p);
    expect(hover.contents.value).toContain("rule `clerk-transfer`: **allow**");
    expect(textAt(text, hover.range)).toBe("clerk-transfer");
    const refs = await c.request<Location[]>("textDocument/references", { ...p, context: { includeDeclaration: true } });
    expect(refs[0]).toEqual(def);
    expect(refs.length).toBe(1 + (text.match(/"rule":\s*"clerk-transfer"/g) ?? []).length);
    // A case file gets no diagnostics, formatting or outline of its own.
    expect(await c.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    expect(await c.request("textDocument/documentSymbol", { textDocument: { uri } })).toEqual([]);
    expect(await c.request("textDocument/hover", { textDocument: { uri }, position: { line: 1, character: 4 } })).toBeNull();
    expect(c.diagnostics.get(uri)).toBeUndefined();
  });

  it("completes syscalls, declared tools, pipes and type fields, in half-typed text too", async () => {
    const uri = fileUri(join(tmp, "typing.acp"));
    const base = read(FINANCE);
    const at = base.indexOf("  // ---- rates");
    const text = base.slice(0, at) + "  allow \n" + base.slice(at);
    await c.open(uri, text, 1);
    const labels = async (p: Pos) => (await c.request<{ label: string; textEdit: TextEdit }[]>("textDocument/completion", { textDocument: { uri }, position: p })).map((i) => i.label);
    const line = pos(text, "  allow \n").line;
    expect(await labels({ line, character: 8 })).toEqual(expect.arrayContaining(["fs.read", "fs.write", "net.fetch", "pipe.send", "tool", "spawn", "checkpoint"]));
    let version = 1;
    const change = async (newLine: string) => {
      version++;
      await c.rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 200 } }, text: newLine }] });
      return { line, character: newLine.length };
    };
    expect(await labels(await change("  allow tool "))).toEqual(["transfer", "balance", "fxQuote", "*"]);
    expect(await labels(await change("  allow tool transfer when args."))).toEqual(["amount", "currency", "to", "memo"]);
    expect(await labels(await change("  allow tool fxQuote when args.fr"))).toEqual(["from", "to"]);
    expect(await labels(await change("  deny net.fetch \"https://x.example/**\" when args."))).toEqual(["method", "host", "port", "path", "size"]);
    expect(await labels(await change("  allow tool balance when agent."))).toEqual(["id", "name", "role", "tenant", "labels"]);
    expect(await labels(await change("  allow fs."))).toEqual(["read", "write", "list", "delete"]);
    expect(await labels(await change("  limit tool transfer 5 per "))).toEqual(["30s", "1m", "1h", "1d"]);
    expect(await labels(await change("  allow tool transfer when args.memo."))).toEqual(expect.arrayContaining(["startsWith", "lower", "matches", "length"]));
    expect(await labels(await change("  allow tool transfer when args.amount <= "))).toEqual(expect.arrayContaining(["args", "clerkLimit", "blocked"]));
    // The half-typed text still has diagnostics, not a dead server.
    const ds = await c.diagnosticsFor(uri, version);
    expect(ds.some((d) => d.code === "E0110")).toBe(true);
    const rt = read(RESEARCH);
    const quri = fileUri(join(tmp, "quant.acp"));
    const qtext = read(FINANCE).replace("  // ---- rates", "  type Line = { sku: string, qty: number }\n  tool order({ lines: Line[] max 10 })\n  allow tool order when all(l in args.lines: l.\n  // ---- rates");
    await c.open(quri, qtext);
    expect(await c.request<{ label: string }[]>("textDocument/completion", { textDocument: { uri: quri }, position: pos(qtext, "l in args.lines: l.", 19) }).then((r) => r.map((i) => i.label)))
      .toEqual(["sku", "qty"]);
    const ruri = fileUri(join(tmp, "research.acp"));
    const rtext = rt.replace("  allow pipe.recv findings", "  allow pipe.recv \n  allow pipe.recv findings");
    await c.open(ruri, rtext);
    expect(await c.request<{ label: string }[]>("textDocument/completion", { textDocument: { uri: ruri }, position: pos(rtext, "allow pipe.recv \n", 16) }).then((r) => r.map((i) => i.label)))
      .toEqual(["findings", "drafts", "reviews"]);
  });

  it("outlines the policy: types, tools, pipes, consts and rules", async () => {
    const symbols = await c.request<{ name: string; kind: number; detail: string }[]>("textDocument/documentSymbol", { textDocument: { uri: fileUri(FINANCE) } });
    const names = symbols.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(["Currency", "Transfer", "transfer", "balance", "blocked", "clerk-transfer", "memo-injection"]));
    expect(symbols.find((x) => x.name === "clerk-transfer")!.detail).toBe("allow tool transfer");
  });

  it("re-checks once typing pauses: quick changes publish only the last version", async () => {
    const uri = fileUri(join(tmp, "quick.acp"));
    const text = read(FINANCE);
    await c.open(uri, text, 1);
    await c.diagnosticsFor(uri, 1);
    const line = pos(text, "on violation kill").line;
    // Five keystrokes in a row, each well inside the debounce: `deny` typed over `kill`.
    const edits = ["on violation d", "on violation de", "on violation den", "on violation deny", "on violation denyy"];
    for (const [i, e] of edits.entries()) {
      await c.rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: i + 2 }, contentChanges: [{ range: { start: { line, character: 2 }, end: { line, character: 200 } }, text: e }] });
    }
    const last = await c.diagnosticsFor(uri, edits.length + 1);
    expect(last.map((d) => d.code)).toContain("E0110");
    expect(c.diagnostics.get(uri)!.map((p) => p.version)).toEqual([1, edits.length + 1]);
  });

  it("formats exactly as `acpc fmt` does", async () => {
    const messy = join(tmp, "messy.acp");
    const text = read(FINANCE).replace("on violation kill", "on   violation kill").replace(/\n  @id\("balance"\)\n  allow tool balance/, "\n      @id( \"balance\" )   allow   tool balance")
      .replace("args.amount <= clerkLimit", "args.amount<=clerkLimit");
    writeFileSync(messy, text);
    const uri = fileUri(messy);
    await c.open(uri, text);
    const edits = await c.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits.length).toBeGreaterThan(0);
    const formatted = applyEdits(text, edits);
    const copy = join(tmp, "fmt-copy.acp");
    copyFileSync(messy, copy);
    expect(spawnSync(process.execPath, [BIN, "fmt", copy]).status).toBe(0);
    expect(formatted).toBe(read(copy));
    expect(formatted).not.toBe(text);
    // Already formatted: nothing to do. With syntax errors: nothing is touched.
    expect(await c.request("textDocument/formatting", { textDocument: { uri: fileUri(FINANCE) }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });

  it("renames a type and a pipe everywhere, and refuses a clash or a non-name", async () => {
    const ft = read(FINANCE);
    const uri = fileUri(FINANCE);
    const rename = (text: string, u: string, p: Pos, newName: string) =>
      c.request<{ changes: Record<string, TextEdit[]> }>("textDocument/rename", { textDocument: { uri: u }, position: p, newName });
    const prepared = await c.request<{ range: Range; placeholder: string }>("textDocument/prepareRename", { textDocument: { uri }, position: pos(ft, "to: Currency", 5) });
    expect(prepared.placeholder).toBe("Currency");
    const r = await rename(ft, uri, pos(ft, "to: Currency", 5), "Money");
    const renamed = applyEdits(ft, r.changes[uri]!);
    expect(renamed).not.toMatch(/\bCurrency\b/);
    expect((renamed.match(/\bMoney\b/g) ?? []).length).toBe(4);
    const out = join(tmp, "renamed.acp");
    writeFileSync(out, renamed);
    expect(checkJson(out)).toEqual([]);

    const rt = read(RESEARCH), ruri = fileUri(RESEARCH);
    const rp = await rename(rt, ruri, pos(rt, "pipe.send drafts", 11), "chapters");
    const rnew = applyEdits(rt, rp.changes[ruri]!);
    expect(rnew).not.toMatch(/pipe\.(send|recv) drafts|pipe drafts/);
    expect(rp.changes[ruri]!.length).toBe(1 + (rt.match(/pipe\.(send|recv) drafts/g) ?? []).length);
    expect(rnew).toContain("pipe chapters: writer -> reviewer");
    const rout = join(tmp, "renamed-pipe.acp");
    writeFileSync(rout, rnew);
    expect(checkJson(rout)).toEqual([]);

    const refused = async (p: Pos, name: string, u = uri) => rename("", u, p, name).then(() => "accepted", (e: Error) => e.message);
    expect(await refused(pos(ft, "type Currency", 6), "Transfer")).toMatch(/already declared/);
    expect(await refused(pos(ft, "type Currency", 6), "2fast")).toMatch(/not a name/);
    expect(await refused(pos(ft, "type Currency", 6), "when")).toMatch(/not a name/);
    expect(await refused(pos(ft, "type Currency", 6), "Cur rency")).toMatch(/not a name/);
    expect(await refused(pos(ft, "type Currency", 6), "string")).toMatch(/built-in/);
    expect(await refused(pos(rt, "pipe.send drafts", 11), "reviews", ruri)).toMatch(/already declared/);
    expect(await refused(pos(ft, "tool balance", 6), "saldo")).toMatch(/only a type or a pipe/);
  });
});

describe("acpc lsp on garbage", () => {
  it("keeps serving through malformed JSON-RPC, junk text and hostile documents", async () => {
    const c = new Client();
    await c.initialize();
    const uri = "untitled:garbage.acp";
    const texts = [
      "\u0000\uffff\ud800 policy { { { ] ) \"unterminated",
      "policy p { allow tool x when args. ",
      "policy p { type T = { a: T } tool t(T) allow tool t when args.a.a.a }",
      "policy p {" + " allow * when (".repeat(300),
      "policy p { allow * when " + "not ".repeat(5000) + "true }",
      "/* never closed",
      "",
      "policy a {} policy b {}",
      Array.from({ length: 2000 }, (_, i) => String.fromCharCode(32 + ((i * 7919) % 95))).join(""),
    ];
    await c.open(uri, texts[0]!, 1);
    for (let i = 1; i < texts.length; i++) {
      await c.rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: i + 1 }, contentChanges: [{ text: texts[i] }] });
      const ds = await c.diagnosticsFor(uri, i + 1);
      if (texts[i]!.trim() !== "" && !texts[i]!.startsWith("policy p { type")) expect(ds.length).toBeGreaterThan(0);
      for (const d of ds) expect(d.code).toMatch(/^[EW]\d{4}$/);
      // Every feature answers on it without an error.
      const p = { textDocument: { uri }, position: { line: 0, character: Math.min(12, texts[i]!.length) } };
      await c.request("textDocument/hover", p);
      await c.request("textDocument/completion", p);
      await c.request("textDocument/definition", p);
      await c.request("textDocument/references", { ...p, context: { includeDeclaration: true } });
      await c.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    }
    // Positions past the end and documents never opened.
    expect(await c.request("textDocument/hover", { textDocument: { uri }, position: { line: 999, character: 999 } })).toBeNull();
    expect(await c.request("textDocument/definition", { textDocument: { uri: "file:///nowhere.acp" }, position: { line: 0, character: 0 } })).toBeNull();
    await expect(c.request("acp/noSuchMethod", {})).rejects.toThrow();
    expect(c.child.exitCode).toBeNull();
    expect(await c.stop()).toBe(0);
    expect(c.stderr).not.toMatch(/internal error|TypeError|RangeError/);
  });

  it("answers a body that is not JSON with a parse error and reads on; exits 1 on a broken header", async () => {
    const c = new Client();
    const errors: unknown[] = [];
    c.rpc.onError(([e]) => { errors.push(e); });
    c.child.stdin.write("Content-Length: 9\r\n\r\n{not json");
    expect((await c.initialize()).capabilities).toBeTruthy();
    const exited = new Promise<number | null>((r) => c.child.once("exit", (code) => r(code)));
    c.child.stdin.write("no header here\r\n\r\n");
    expect(await exited).toBe(1);
    expect(c.stderr).toMatch(/unreadable message: .*JSON/);
    expect(c.stderr).toMatch(/cannot resynchronise; exiting/);
    c.rpc.dispose();
  });

  it("exits 1 when stdin closes without a shutdown", async () => {
    const c = new Client();
    await c.initialize();
    const exited = new Promise<number | null>((r) => c.child.once("exit", (code) => r(code)));
    c.child.stdin.end();
    expect(await exited).toBe(1);
    c.rpc.dispose();
  });

  it("answers what it read from a file as stdin, then exits (0 after a shutdown)", () => {
    const frame = (m: object) => { const body = JSON.stringify(m); return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`; };
    const input = frame({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } })
      + frame({ jsonrpc: "2.0", id: 2, method: "shutdown" });
    const r = spawnSync(process.execPath, [BIN, "lsp", "--stdio", `--clientProcessId=${process.pid}`], { input, encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"id":1,"result":{"capabilities"');
    expect(r.stdout).toContain('"id":2,"result":null');
  });

  it("refuses files on the command line (exit 2)", () => {
    const r = spawnSync(process.execPath, [BIN, "lsp", "x.acp"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/takes no files/);
  });
});
