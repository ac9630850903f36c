// MCP over stdio, one JSON-RPC message per line, for the gateway's own client. Unlike the SDK's
// StdioServerTransport, a line that is not JSON, or not a JSON-RPC message, is answered with a
// JSON-RPC error (-32700 parse error, -32600 invalid request) and reading goes on: a client's bad
// line never ends the session, and never goes unanswered.
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { JSONRPCMessageSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** Longest line taken (a message); a longer one is answered -32600 and skipped. */
const MAX_LINE = 16 << 20;

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buf = "";
  private skipping = false;
  private closed = false;

  constructor(private readonly input: Readable = process.stdin, private readonly output: Writable = process.stdout) {}

  async start(): Promise<void> {
    this.input.setEncoding("utf8");
    this.input.on("data", this.onData);
    this.input.on("end", this.onEnd);
    this.input.on("error", this.onEnd);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => { if (this.output.write(JSON.stringify(message) + "\n")) resolve(); else this.output.once("drain", resolve); });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off("data", this.onData);
    this.input.off("end", this.onEnd);
    this.input.off("error", this.onEnd);
    this.input.pause();
    this.onclose?.();
  }

  private readonly onEnd = () => { void this.close(); };

  private readonly onData = (chunk: string) => {
    let from = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", from)) {
      const part = chunk.slice(from, nl);
      from = nl + 1;
      if (this.skipping) { this.skipping = false; this.buf = ""; continue; }
      const line = (this.buf + part).replace(/\r$/, "");
      this.buf = "";
      if (line.trim() !== "") this.take(line);
    }
    if (this.skipping) return;
    this.buf += chunk.slice(from);
    if (this.buf.length > MAX_LINE) {
      this.buf = "";
      this.skipping = true;
      this.reply(null, -32600, `Invalid Request: a message longer than ${MAX_LINE} characters`);
    }
  };

  private take(line: string): void {
    let value: unknown;
    try { value = JSON.parse(line); } catch (e) { this.reply(null, -32700, `Parse error: ${(e as Error).message}`); return; }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      this.reply(typeof id === "string" || typeof id === "number" ? id : null, -32600, "Invalid Request: not a JSON-RPC 2.0 message");
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reply(id: string | number | null, code: number, message: string): void {
    // JSON-RPC 2.0 answers an unreadable request with id null; the SDK's types do not admit it.
    void this.send({ jsonrpc: "2.0", id, error: { code, message } } as unknown as JSONRPCMessage);
  }
}
