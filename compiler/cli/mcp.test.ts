// `acpc mcp` in front of real MCP servers from npm, driven by the SDK's client: the real CLI,
// over stdio (and Streamable HTTP), with the flight log checked by `acpc audit verify`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { LineTransport } from "../../runtime/mcp/stdio-transport.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ACPC = join(root, "bin/acpc.js");
const FS_SERVER = join(root, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
const EVERYTHING = join(root, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");

const open: { close(): Promise<void> }[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function fsPolicy(dataDir: string): string {
  const d = JSON.stringify(dataDir + "/").slice(1, -1);
  return `policy fsgate {
  on violation deny
  tool read_text_file({ path: string, tail?: number, head?: number })
  tool write_file({ path: string, content: string })
  @id("read-data") allow tool read_text_file when args.path.startsWith("${d}")
  @id("write-public") allow tool write_file when args.path.startsWith("${d}public/")
  @id("no-secrets") deny tool write_file when args.path.contains("secret")
  @id("no-wipe") kill tool write_file when args.content.contains("rm -rf")
  @id("review") stop tool write_file when args.path.startsWith("${d}review/")
}
`;
}

function setup() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "acp-mcp-")));
  const data = join(dir, "data");
  for (const sub of ["public", "review"]) mkdirSync(join(data, sub), { recursive: true });
  writeFileSync(join(data, "hello.txt"), "hello\n");
  writeFileSync(join(dir, "fs.acp"), fsPolicy(data));
  return { dir, data, policy: join(dir, "fs.acp"), log: join(dir, "flight.log") };
}

async function sdkClient(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: "test-client", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));
  open.push(client);
  return client;
}

const gateway = (args: string[], server: string[]) => sdkClient(process.execPath, [ACPC, "mcp", ...args, "--", process.execPath, ...server]);

/** The gateway as a child of our own (its exit code and stdio visible), with the SDK client on its pipes. */
async function rawGateway(args: string[], server: string[]) {
  const child = spawn(process.execPath, [ACPC, "mcp", ...args, "--", process.execPath, ...server], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (c) => { stderr += c; });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

const acpc = (args: string[]) => spawnSync(process.execPath, [ACPC, ...args], { encoding: "utf8" });
const text = (r: any) => r.content?.[0]?.text as string;

async function until<T>(f: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("acpc mcp, server-filesystem", () => {
  it("passes tools/list and allowed calls through unchanged, refuses denied and undeclared ones before they reach the server, and logs them", async () => {
    const s = setup();
    const direct = await sdkClient(process.execPath, [FS_SERVER, s.data]);
    const gw = await gateway(["--policy", s.policy, "--role", "tester", "--record", s.log], [FS_SERVER, s.data]);
    expect(await gw.listTools()).toEqual(await direct.listTools());

    const read = { name: "read_text_file", arguments: { path: join(s.data, "hello.txt") } };
    expect(await gw.callTool(read)).toEqual(await direct.callTool(read));
    const wrote = await gw.callTool({ name: "write_file", arguments: { path: join(s.data, "public/out.txt"), content: "fine" } });
    expect(wrote.isError).toBeFalsy();
    expect(readFileSync(join(s.data, "public/out.txt"), "utf8")).toBe("fine");

    const denied = await gw.callTool({ name: "write_file", arguments: { path: join(s.data, "public/secret.txt"), content: "leak" } });
    expect(denied).toMatchObject({ isError: true, _meta: { "acp/decision": { effect: "deny", rule: "no-secrets", code: "EPERM" } } });
    expect(text(denied)).toContain("no-secrets");
    expect(existsSync(join(s.data, "public/secret.txt"))).toBe(false);
    // Outside every allow rule, and a tool the policy does not declare: violations (rule null).
    const outside = await gw.callTool({ name: "write_file", arguments: { path: join(s.dir, "elsewhere.txt"), content: "x" } });
    expect(outside).toMatchObject({ isError: true, _meta: { "acp/decision": { effect: "deny", rule: null } } });
    expect(existsSync(join(s.dir, "elsewhere.txt"))).toBe(false);
    const undeclared = await gw.callTool({ name: "create_directory", arguments: { path: join(s.data, "made") } });
    expect(undeclared).toMatchObject({ isError: true, _meta: { "acp/decision": { rule: null } } });
    expect(existsSync(join(s.data, "made"))).toBe(false);
    // Arguments of the wrong type for the declaration: a violation too.
    const illTyped = await gw.callTool({ name: "read_text_file", arguments: { path: 42 } });
    expect(illTyped).toMatchObject({ isError: true, _meta: { "acp/decision": { rule: null } } });

    await gw.close();
    const v = acpc(["audit", "verify", s.log]);
    expect(v.stdout + v.stderr).toContain("closed cleanly");
    expect(v.status).toBe(0);
    const records = readFileSync(s.log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const calls = records.filter((r) => r.kind === "syscall");
    expect(calls.map((r) => [r.target, r.effect, r.rule])).toEqual([
      ["read_text_file", "allow", "read-data"], ["write_file", "allow", "write-public"], ["write_file", "deny", "no-secrets"],
      ["write_file", "deny", null], ["create_directory", "deny", null], ["read_text_file", "deny", null],
    ]);
    expect(calls[0]).toMatchObject({ agent: { name: "test-client", role: "tester" }, syscall: "tool.call", args: read.arguments });
    // A forwarded call: its intent, then a complete with the result digest. A refusal: one record.
    const completes = records.filter((r) => r.kind === "complete");
    expect(completes.map((c) => c.of)).toEqual([calls[0].seq, calls[1].seq]);
    expect(completes[0].resultDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(calls[2]).toMatchObject({ ok: false, errno: "EPERM" });
  });

  it("holds a stopped call until an operator approves or rejects it over acpc ctl, and ends the session on kill (exit 137)", async () => {
    const s = setup();
    const socket = join(s.dir, "ctl.sock");
    const g = await rawGateway(["--policy", s.policy, "--record", s.log, "--control", socket], [FS_SERVER, s.data]);
    const client = new Client({ name: "reviewed", version: "1" });
    await client.connect(new LineTransport(g.child.stdout!, g.child.stdin!));
    const list = () => JSON.parse(acpc(["ctl", "list", "--socket", socket, "--json"]).stdout).agents as any[];

    const held = client.callTool({ name: "write_file", arguments: { path: join(s.data, "review/a.txt"), content: "approved" } });
    const row = await until(() => list().find((a) => a.pending));
    expect(row).toMatchObject({ name: "reviewed", state: "stopped", pending: { syscall: "tool.call", target: "write_file", rule: "review" } });
    expect(existsSync(join(s.data, "review/a.txt"))).toBe(false);
    expect(acpc(["ctl", "approve", row.id, "--socket", socket]).status).toBe(0);
    expect((await held).isError).toBeFalsy();
    expect(readFileSync(join(s.data, "review/a.txt"), "utf8")).toBe("approved");

    const held2 = client.callTool({ name: "write_file", arguments: { path: join(s.data, "review/b.txt"), content: "no" } });
    await until(() => list().find((a) => a.pending));
    expect(acpc(["ctl", "reject", row.id, "--socket", socket]).status).toBe(0);
    expect(await held2).toMatchObject({ isError: true, _meta: { "acp/decision": { effect: "stop", rule: "review" } } });
    expect(existsSync(join(s.data, "review/b.txt"))).toBe(false);

    const killed = await client.callTool({ name: "write_file", arguments: { path: join(s.data, "public/x.sh"), content: "rm -rf /" } });
    expect(killed).toMatchObject({ isError: true, _meta: { "acp/decision": { effect: "kill", rule: "no-wipe" } } });
    expect(await g.exited).toBe(137);
    expect(existsSync(join(s.data, "public/x.sh"))).toBe(false);
    expect(acpc(["audit", "verify", s.log]).status).toBe(0);
    const records = readFileSync(s.log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(records.filter((r) => r.kind === "review").map((r) => r.verdict)).toEqual(["approved", "rejected"]);
    expect(records.some((r) => r.kind === "signal" && r.signal === "SIGPOLICY")).toBe(true);
    expect(records.find((r) => r.kind === "agent" && r.event === "killed")).toBeTruthy();
  });

  it("ends the session when an operator sends SIGKILL over acpc ctl (exit 137), recorded as the host's signal", async () => {
    const s = setup();
    const socket = join(s.dir, "ctl.sock");
    const g = await rawGateway(["--policy", s.policy, "--record", s.log, "--control", socket], [FS_SERVER, s.data]);
    const client = new Client({ name: "doomed", version: "1" });
    await client.connect(new LineTransport(g.child.stdout!, g.child.stdin!));
    const id = await until(() => (JSON.parse(acpc(["ctl", "list", "--socket", socket, "--json"]).stdout).agents as any[])[0]?.id as string);
    expect(acpc(["ctl", "signal", id, "SIGSTOP", "--socket", socket]).status).toBe(0);
    expect((await client.callTool({ name: "read_text_file", arguments: { path: join(s.data, "hello.txt") } })).isError).toBeFalsy();
    expect(acpc(["ctl", "signal", id, "SIGKILL", "--socket", socket]).status).toBe(0);
    expect(await g.exited).toBe(137);
    expect(acpc(["audit", "verify", s.log]).status).toBe(0);
    const records = readFileSync(s.log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(records.filter((r) => r.kind === "signal").map((r) => [r.signal, r.source])).toEqual([["SIGKILL", "host"]]);
    expect(records.find((r) => r.kind === "agent" && r.event === "killed")?.detail).toMatchObject({ signal: "SIGKILL" });
  });

  it("answers malformed JSON-RPC on its stdin with JSON-RPC errors and stays up", async () => {
    const s = setup();
    const g = await rawGateway(["--policy", s.policy], [FS_SERVER, s.data]);
    const lines: any[] = [];
    let buf = "";
    g.child.stdout!.on("data", (c) => { buf += c; let nl; while ((nl = buf.indexOf("\n")) >= 0) { lines.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1); } });
    const send = (s: string) => g.child.stdin!.write(s + "\n");
    send("{not json");
    await until(() => lines.length >= 1);
    expect(lines[0]).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: 5 }));
    send(JSON.stringify({ hello: "world" }));
    await until(() => lines.length >= 3);
    expect(lines[1]).toMatchObject({ id: 7, error: { code: -32600 } });
    expect(lines[2]).toMatchObject({ id: null, error: { code: -32600 } });
    send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }));
    await until(() => lines.length >= 4);
    expect(lines[3]).toMatchObject({ id: 1, result: { serverInfo: { name: expect.stringContaining("acpc mcp") } } });
    send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "no/such/method" }));
    send(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }));
    await until(() => lines.length >= 6);
    expect(lines[4]).toMatchObject({ id: 2, error: { code: -32601 } });
    expect(lines[5].result.tools.length).toBeGreaterThan(5);
    g.child.stdin!.end();
    expect(await g.exited).toBe(0);
  });
});

describe("acpc mcp, server-everything", () => {
  const POLICY = `policy everything {
  on violation deny
  tool get_sum({ a: number, b: number })
  tool echo({ message: string })
  @id("sums") allow tool get_sum when args.a < 100
  @id("no-echo") deny tool echo
  @id("static") allow fs.read "/demo/resource/static/**"
}
`;

  it("decides tools by their .acp names and resources/read as fs.read on the URI", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-mcp-"));
    writeFileSync(join(dir, "e.acp"), POLICY);
    const direct = await sdkClient(process.execPath, [EVERYTHING]);
    const gw = await gateway(["--policy", join(dir, "e.acp")], [EVERYTHING]);
    const sum = { name: "get-sum", arguments: { a: 2, b: 3 } };
    expect(await gw.callTool(sum)).toEqual(await direct.callTool(sum));
    expect(await gw.callTool({ name: "get-sum", arguments: { a: 200, b: 3 } })).toMatchObject({ isError: true, _meta: { "acp/decision": { rule: null } } });
    expect(await gw.callTool({ name: "echo", arguments: { message: "hi" } })).toMatchObject({ isError: true, _meta: { "acp/decision": { effect: "deny", rule: "no-echo" } } });
    const uri = "demo://resource/static/document/architecture.md";
    expect(await gw.readResource({ uri })).toEqual(await direct.readResource({ uri }));
    await expect(gw.readResource({ uri: "demo://resource/dynamic/text/1" })).rejects.toThrow(/EPERM/);
    expect((await gw.listResources()).resources).toEqual((await direct.listResources()).resources);
  });

  it("serves Streamable HTTP with --listen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-mcp-"));
    writeFileSync(join(dir, "e.acp"), POLICY);
    const log = join(dir, "http.log");
    const g = await rawGateway(["--policy", join(dir, "e.acp"), "--listen", "127.0.0.1:0", "--json", "--record", log], [EVERYTHING]);
    let out = "";
    g.child.stdout!.on("data", (c) => { out += c; });
    const url = await until(() => out.includes("\n") && (JSON.parse(out.split("\n")[0]!).listening as string));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: "http-client", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    open.push(client);
    expect((await client.listTools()).tools.some((t) => t.name === "get-sum")).toBe(true);
    expect(text(await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } }))).toContain("3");
    expect(await client.callTool({ name: "echo", arguments: { message: "hi" } })).toMatchObject({ isError: true });
    // SIGTERM: the sessions end, the upstream server is closed, the log sealed and closed.
    g.child.kill("SIGTERM");
    expect(await g.exited).toBe(0);
    const v = acpc(["audit", "verify", log]);
    expect(v.stdout + v.stderr).toContain("closed cleanly");
    const records = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(records.filter((r) => r.kind === "syscall").map((r) => [r.target, r.effect])).toEqual([["get_sum", "allow"], ["echo", "deny"]]);
    expect(records.filter((r) => r.kind === "agent").map((r) => r.event)).toEqual(["spawned", "exited"]);
  });
});

describe("acpc mcp schema", () => {
  it("prints tool declarations that acpc check accepts, for both servers", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "acp-mcp-")));
    for (const [name, server] of [["fs", [FS_SERVER, dir]], ["everything", [EVERYTHING]]] as const) {
      const r = acpc(["mcp", "schema", "--", process.execPath, ...server]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^\s*tool \w+\(\{/m);
      writeFileSync(join(dir, `${name}.acp`), r.stdout);
      const check = acpc(["check", join(dir, `${name}.acp`)]);
      expect(check.stdout + check.stderr).toContain("ok");
      expect(check.status).toBe(0);
    }
    const fs = readFileSync(join(dir, "fs.acp"), "utf8");
    expect(fs).toContain("tool edit_file({ path: string, edits: { oldText: string, newText: string }[], dryRun?: bool })");
    expect(readFileSync(join(dir, "everything.acp"), "utf8")).toContain("tool get_sum({ a: number, b: number })");
  });
});
