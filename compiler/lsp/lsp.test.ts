// `acpc lsp` driven by a real LSP client over stdio (vscode-jsonrpc), against the policy packs.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, Client, FINANCE, POLICIES, RESEARCH, applyEdits, checkJson, fileUri, pos, read, textAt, type Location, type Pos, type Range, type TextEdit } from "../testing/lsp-client.js";

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
