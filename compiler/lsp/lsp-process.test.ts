// `acpc lsp` as a process: hostile input on the wire and in documents, exit codes, command line.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, Client } from "../testing/lsp-client.js";

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
    // Notifications and requests that make no sense: ignored or refused, never fatal.
    await c.rpc.sendNotification("textDocument/didChange", { textDocument: { uri: "file:///never-opened.acp", version: 2 }, contentChanges: [{ text: "x" }] });
    await c.rpc.sendNotification("textDocument/didOpen", { textDocument: { uri: "file:///odd.acp", languageId: "acp", version: 1, text: 42 } });
    await c.rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: 99 }, contentChanges: [{ range: { start: { line: 5000, character: 0 }, end: { line: -3, character: 9 } }, text: "}" }] });
    await c.request("textDocument/hover", {}).catch(() => undefined);
    await c.request("textDocument/completion", { textDocument: { uri }, position: { line: -1, character: -1 } }).catch(() => undefined);
    await c.request("textDocument/rename", { textDocument: { uri }, position: { line: 0, character: 0 }, newName: 7 }).catch(() => undefined);
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
