// The operator's control socket: a running kernel answers `list`, `approve`, `reject` and `signal`
// over a Unix domain socket (mode 0600: only its own user can connect), one JSON request per line,
// one JSON answer per line. `acpc ctl` is its client. Every action goes through the same agent
// methods as the embedding API, so each is recorded like one.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { chmodSync, lstatSync, rmSync } from "node:fs";
import { SIGNALS, type SignalName } from "../kernel/types.js";
import { rowOf, type AgentRow, type LiveAgent } from "./status.js";

export type ControlRequest =
  | { op: "list" }
  | { op: "approve" | "reject"; agent: string }
  | { op: "signal"; agent: string; signal: string };

export type ControlResponse =
  | { ok: true; agents?: AgentRow[]; agent?: AgentRow }
  | { ok: false; error: { code: string; message: string } };

/** What the server needs of a kernel. */
export interface Controllable {
  list(): (LiveAgent & { approve(): boolean; reject(): boolean; signal(s: SignalName): void })[];
}

/** Signals an operator may send; SIGPOLICY and SIGTRUST are the kernel's own. */
export const OPERATOR_SIGNALS: readonly SignalName[] = SIGNALS.filter((s) => s !== "SIGPOLICY" && s !== "SIGTRUST");

const fail = (code: string, message: string): ControlResponse => ({ ok: false, error: { code, message } });

export function handleControl(kernel: Controllable, req: unknown): ControlResponse {
  if (typeof req !== "object" || req === null || typeof (req as { op?: unknown }).op !== "string") return fail("EINVAL", "a request is a JSON object with an `op`");
  const r = req as ControlRequest;
  const agents = kernel.list();
  if (r.op === "list") return { ok: true, agents: agents.map(rowOf) };
  if (r.op !== "approve" && r.op !== "reject" && r.op !== "signal") return fail("EINVAL", `unknown op \`${(r as { op: string }).op}\` (list, approve, reject, signal)`);
  if (typeof r.agent !== "string") return fail("EINVAL", `${r.op} needs an \`agent\` (its id, or the name of a live agent)`);
  const byId = agents.find((a) => a.id === r.agent);
  const byName = agents.filter((a) => a.name === r.agent && !a.exit);
  if (!byId && byName.length > 1) return fail("EINVAL", `${byName.length} live agents are named ${r.agent}; use an id (${byName.map((a) => a.id).join(", ")})`);
  const agent = byId ?? byName[0];
  if (!agent) return fail("ENOENT", `no agent ${r.agent}`);
  if (r.op === "signal") {
    if (!OPERATOR_SIGNALS.includes(r.signal as SignalName)) return fail("EINVAL", `an operator sends one of ${OPERATOR_SIGNALS.join(", ")}, not ${JSON.stringify(r.signal)}`);
    if (agent.exit) return fail("ESRCH", `agent ${agent.id} has ended (${agent.state})`);
    agent.signal(r.signal as SignalName);
    return { ok: true, agent: rowOf(agent) };
  }
  if (!agent.pending()) return fail("ENOENT", `agent ${agent.id} has no syscall waiting for review`);
  const done = r.op === "approve" ? agent.approve() : agent.reject();
  if (!done) return fail("ESRCH", `agent ${agent.id} can no longer be reviewed`);
  return { ok: true, agent: rowOf(agent) };
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** What may be at the path before the socket is made: nothing, or a socket nobody serves any more
 * (a kernel that did not close it). A regular file was deleted, and a live kernel's socket was taken
 * over without a word, leaving its operators talking to another kernel. */
async function clearSocketPath(path: string): Promise<void> {
  let st;
  try { st = lstatSync(path); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (!st.isSocket()) throw Object.assign(new Error(`${path} exists and is not a socket: not removed`), { code: "EEXIST" });
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once("connect", () => { probe.destroy(); resolve(true); });
    probe.once("error", () => resolve(false));
  });
  if (live) throw Object.assign(new Error(`${path} is served by another process`), { code: "EADDRINUSE" });
  rmSync(path, { force: true });
}

export async function serveControl(kernel: Controllable, path: string): Promise<ControlServer> {
  await clearSocketPath(path);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buf = "";
    socket.setEncoding("utf8");
    // Answers wait for the client to read them: a client that sends requests and never reads
    // (each `list` a few bytes in, a row per agent out) had the kernel buffer every answer, over a
    // gigabyte. Reading stops while the answers written are not taken, and goes on when they are.
    const answer = () => {
      let nl: number;
      while (!socket.writableNeedDrain && (nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let res: ControlResponse;
        try { res = handleControl(kernel, JSON.parse(line)); } catch (e) { res = fail("EINVAL", `not JSON: ${(e as Error).message}`); }
        socket.write(JSON.stringify(res) + "\n");
      }
      if (socket.writableNeedDrain && !socket.isPaused()) {
        socket.pause();
        socket.once("drain", () => { socket.resume(); answer(); });
      }
    };
    socket.on("data", (chunk: string) => {
      buf += chunk;
      if (buf.length > 1 << 20) { socket.end(JSON.stringify(fail("E2BIG", "request too large")) + "\n"); return; }
      answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // The socket file is made inside listen(), synchronously: made under a umask that leaves it
    // 0600 from the start, no other user can connect in the moment before the chmod below.
    // (A worker thread cannot set the umask; there the chmod alone applies.)
    let old: number | null = null;
    try { old = process.umask(0o177); } catch { old = null; }
    try { server.listen(path, () => resolve()); } finally { if (old !== null) process.umask(old); }
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => { rmSync(path, { force: true }); resolve(); });
    }),
  };
}

/** Sends one request to a control socket and returns its answer. */
export function controlRequest(path: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buf = "";
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer from ${path} within ${timeoutMs} ms`)); }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(JSON.stringify(req) + "\n"));
    socket.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      try { resolve(JSON.parse(buf.slice(0, nl)) as ControlResponse); } catch (e) { reject(e); }
    });
    socket.on("error", (e) => { clearTimeout(timer); reject(e); });
  });
}
