// A real LSP client for tests: `acpc lsp` spawned over stdio and driven with vscode-jsonrpc, and
// helpers for positions, ranges and edits in policy text.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { TextDocument } from "vscode-languageserver-textdocument";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/acpc.js");
export const POLICIES = join(ROOT, "policies");

export interface Pos { line: number; character: number }
export interface Range { start: Pos; end: Pos }
export interface Location { uri: string; range: Range }
export interface LspDiagnostic { range: Range; code: string; severity: number; message: string; relatedInformation?: { location: Location; message: string }[] }
export interface TextEdit { range: Range; newText: string }

export class Client {
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

export const fileUri = (p: string) => pathToFileURL(p).href;
export const read = (p: string) => readFileSync(p, "utf8");

/** The position of the `delta`-th character after the first occurrence of `needle`. */
export function pos(text: string, needle: string, delta = 0): Pos {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`not in text: ${needle}`);
  const before = text.slice(0, at + delta).split("\n");
  return { line: before.length - 1, character: before.at(-1)!.length };
}

export function textAt(text: string, r: Range): string {
  const d = TextDocument.create("x", "acp", 0, text);
  return text.slice(d.offsetAt(r.start), d.offsetAt(r.end));
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create("x", "acp", 0, text), edits);
}

/** `acpc check --json` on a file: its diagnostics as the CLI gives them. */
export function checkJson(file: string): { code: string; line: number; col: number; endLine: number; endCol: number; message: string }[] {
  const r = spawnSync(process.execPath, [BIN, "check", "--json", file], { encoding: "utf8" });
  return (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { results: { diagnostics: never[] }[] }).results[0]!.diagnostics;
}

export const FINANCE = join(POLICIES, "finance/finance.acp");
export const RESEARCH = join(POLICIES, "research-pipeline/research-pipeline.acp");

