// `acpc mcp --policy P [--role R] [--tenant T] [--record LOG] [--listen HOST:PORT] [--control PATH] -- SERVER…`:
// the MCP gateway (runtime/mcp) in front of the MCP server SERVER… starts (over stdio). It serves
// MCP on stdio, or on Streamable HTTP with --listen. With stdio, stdout is the MCP channel: every
// message of ours goes to stderr. Exit: 0 when the client or a signal (SIGINT, SIGTERM) ended it,
// 137 when the policy killed the session, 1 when the upstream server went away, 2 on usage errors.
// `acpc mcp schema -- SERVER…` prints .acp tool declarations from the server's tools.
import { randomUUID } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { serveControl, type ControlServer } from "../../../runtime/control/server.js";
import { McpGateway } from "../../../runtime/mcp/gateway.js";
import { LineTransport } from "../../../runtime/mcp/stdio-transport.js";
import { FlightRecorder } from "../../../runtime/recorder/recorder.js";
import { RecorderError } from "../../../runtime/recorder/recorder-error.js";
import { schemaPolicy, type ListedTool } from "../mcp-schema.js";
import { loadPolicyFile } from "../policy-file.js";
import { parseListen } from "./serve.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

const VALUED = ["--trust", "--policy", "--manifest", "--role", "--tenant", "--record", "--sign-key", "--listen", "--control"];
const USAGE = `usage: acpc mcp --policy <p.acp|p.wasm|p.bundle> [--role R] [--tenant T] [--trust key.pub]… [--record flight.log] [--listen HOST:PORT [--json]] [--control PATH] -- <MCP server command…>
       acpc mcp schema -- <MCP server command…>`;

/** Splits at the first `--`: the options before, the upstream server's command after. */
function split(argv: string[]): { own: string[]; command: string[] } {
  const dash = argv.indexOf("--");
  if (dash < 0) throw new UsageError(`the MCP server to proxy goes after \`--\`\n${USAGE}`);
  const command = argv.slice(dash + 1);
  if (command.length === 0) throw new UsageError(`no MCP server command after \`--\`\n${USAGE}`);
  return { own: argv.slice(0, dash), command };
}

async function connectUpstream(command: string[], io: Io): Promise<Client> {
  const client = new Client({ name: "acpc-mcp", version: "0.1.0" }, { capabilities: {} });
  // The user's environment and working directory, as if they had started the server themselves.
  const transport = new StdioClientTransport({ command: command[0]!, args: command.slice(1), env: process.env as Record<string, string>, cwd: io.cwd, stderr: "inherit" });
  try { await client.connect(transport); } catch (e) {
    throw new UsageError(`cannot start the MCP server \`${command.join(" ")}\`: ${(e as Error).message}`);
  }
  return client;
}

export async function mcpVerb(argv: string[], io: Io): Promise<number> {
  const { own, command } = split(argv);
  if (own[0] === "schema") return schemaVerb(own.slice(1), command, io);
  const args = parseArgs(own, VALUED, ["--trust"]);
  checkFlags(args, [...VALUED, "--json"]);
  const trust = (args.multi.get("--trust") ?? []).map((k) => readText(resolve(io.cwd, k)));
  if (args.positional.length) throw new UsageError(USAGE);
  const policyArg = args.flags.get("--policy");
  if (typeof policyArg !== "string") throw new UsageError(`mcp needs --policy p.acp|p.wasm\n${USAGE}`);
  const manifest = args.flags.get("--manifest") as string | undefined;
  const loaded = await loadPolicyFile(resolve(io.cwd, policyArg), { manifest: manifest && resolve(io.cwd, manifest), color: io.color, ...(trust.length ? { trustedKeys: trust } : {}) });
  if (!loaded.ok) { io.err(loaded.message); return EXIT.usage; }
  const listen = args.flags.get("--listen");
  const where = typeof listen === "string" ? parseListen(listen) : null;

  const record = args.flags.get("--record");
  let recorder: FlightRecorder | undefined;
  if (typeof record === "string") {
    const key = args.flags.get("--sign-key");
    try {
      recorder = await FlightRecorder.open({ path: resolve(io.cwd, record), policy: { name: loaded.policy.manifest.policy, hash: loaded.digest }, ...(typeof key === "string" ? { signKey: readText(resolve(io.cwd, key)) } : {}) });
    } catch (e) {
      if (e instanceof RecorderError) throw new UsageError(`--record ${record}: ${e.message}`);
      throw e;
    }
  }
  let upstream: Client;
  try { upstream = await connectUpstream(command, io); } catch (e) { await recorder?.close().catch(() => undefined); throw e; }

  let finish!: (code: number) => void;
  const finished = new Promise<number>((r) => { finish = r; });
  const controlPath = args.flags.get("--control");
  const gateway = new McpGateway({
    upstream, policy: loaded.policy, recorder, role: (args.flags.get("--role") as string | undefined) ?? "", tenant: (args.flags.get("--tenant") as string | undefined) ?? "",
    reviewable: typeof controlPath === "string",
    // On stdio the one session is the gateway's life; over HTTP a killed session ends alone.
    onSessionEnd: (s, how) => {
      if (how === "killed") io.err(`acpc mcp: session ${s.id} (${s.name}) killed by ${s.exit?.signal ?? "a signal"}`);
      if (!where) finish(how === "killed" ? 137 : EXIT.ok);
    },
  });
  upstream.onclose = () => { io.err("acpc mcp: the MCP server went away"); finish(EXIT.failed); };
  let control: ControlServer | undefined;
  if (typeof controlPath === "string") {
    try { control = await serveControl(gateway, resolve(io.cwd, controlPath)); } catch (e) {
      await upstream.close(); await recorder?.close().catch(() => undefined);
      throw new UsageError(`--control ${controlPath}: ${(e as Error).message}`);
    }
  }
  const stop = () => finish(EXIT.ok);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  let http: HttpServer | undefined;
  if (where) http = await serveHttp(gateway, where, io);
  else await gateway.open(new LineTransport());
  // --json: over HTTP, a first stdout line that says where; on stdio, stdout is the MCP channel.
  if (http && args.flags.has("--json")) io.out(JSON.stringify({ ok: true, listening: urlOf(http), policy: loaded.policy.manifest.policy, digest: loaded.digest }));
  const upstreamName = upstream.getServerVersion()?.name ?? command[0];
  io.err(`acpc mcp: ${upstreamName} behind policy ${loaded.policy.manifest.policy} (${loaded.digest.slice(0, 12)})${http ? ` on ${urlOf(http)}` : " on stdio"}${control ? `, operator socket ${controlPath}` : ""}${recorder ? `, log ${record}` : ""}`);

  const code = await finished;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  upstream.onclose = undefined;
  await gateway.close();
  if (http) await new Promise<void>((r) => { http!.close(() => r()); http!.closeAllConnections(); });
  await control?.close();
  await upstream.close().catch(() => undefined);
  try { await recorder?.close(); } catch (e) {
    io.err(`acpc mcp: the flight log did not close cleanly: ${(e as Error).message}`);
    return EXIT.failed;
  }
  return code;
}

function urlOf(http: HttpServer): string {
  const a = http.address() as { address: string; port: number };
  return `http://${a.address.includes(":") ? `[${a.address}]` : a.address}:${a.port}/mcp`;
}

/** Streamable HTTP on /mcp: a session per client, made by its initialize request. */
async function serveHttp(gateway: McpGateway, where: { host: string; port: number }, io: Io): Promise<HttpServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const fail = (res: import("node:http").ServerResponse, status: number, message: string) => {
    const text = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } });
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
  };
  const http = createServer((req, res) => {
    void (async () => {
      if ((req.url ?? "").split("?")[0] !== "/mcp") return fail(res, 404, "the MCP endpoint is /mcp");
      const sid = req.headers["mcp-session-id"];
      const known = typeof sid === "string" ? transports.get(sid) : undefined;
      if (known) return known.handleRequest(req, res);
      if (sid !== undefined) return fail(res, 404, "no such session");
      if (req.method !== "POST") return fail(res, 400, "start a session with an initialize request (POST)");
      const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => { transports.set(id, t); } });
      t.onclose = () => { if (t.sessionId) transports.delete(t.sessionId); };
      await gateway.open(t);
      return t.handleRequest(req, res);
    })().catch((e) => { io.err(`acpc mcp: ${(e as Error).message}`); if (!res.headersSent) fail(res, 500, "internal error"); });
  });
  await new Promise<void>((ok, bad) => { http.once("error", bad); http.listen(where.port, where.host, () => ok()); }).catch((e) => {
    throw new UsageError(`cannot listen on ${where.host}:${where.port}: ${(e as Error).message}`);
  });
  return http;
}

async function schemaVerb(own: string[], command: string[], io: Io): Promise<number> {
  const args = parseArgs(own, []);
  checkFlags(args, ["--json"]);
  if (args.positional.length) throw new UsageError(USAGE);
  const upstream = await connectUpstream(command, io);
  try {
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await upstream.listTools(cursor ? { cursor } : undefined);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const source = schemaPolicy(upstream.getServerVersion() ?? {}, tools);
    io.out(args.flags.has("--json") ? JSON.stringify({ ok: true, tools: tools.length, source }) : source.trimEnd());
    return EXIT.ok;
  } finally {
    await upstream.close().catch(() => undefined);
  }
}
