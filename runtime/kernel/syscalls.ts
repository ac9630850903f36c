// The syscall table: for each guest entry point, how its arguments become the policy request
// (canonical target, typed args) and what the effect is once the policy allows it. Arguments
// arrive as one parsed JSON copy, so the decision and the effect see the same value.
import { canonicalizePath } from "../../stdlib/abi/canonical-path.js";
import type { AgentInfo, Request } from "../../stdlib/abi/types.js";
import { SyscallError } from "./errors.js";
import { runTool } from "./tools.js";
import { canonicalizeUrl } from "../../stdlib/abi/canonical-url.js";
import { netFetch, type NetLimits } from "../net/fetch.js";
import type { PipeTable } from "../pipes/pipe-table.js";
import type { ToolSpec } from "./types.js";

/** What the gate needs of the file system: canonical paths in, errno-coded errors out. */
export interface FileSystem {
  read(path: string): Promise<string>;
  write(path: string, data: string): Promise<void>;
  list(path: string): Promise<string[]>;
  remove(path: string): Promise<void>;
  /** `read` and `list` without waiting where the files are in memory: undefined where the call has
   * to be made the waiting way instead. */
  readNow?(path: string): string | undefined;
  listNow?(path: string): string[] | undefined;
}

export interface Services {
  /** The file system of a tenant's namespace: tenants never see each other's memory mounts. */
  fs(tenant: string): Promise<FileSystem>;
  /** The namespace, if it is ready: syscalls that need no I/O run in one step with it. */
  fsNow?(tenant: string): FileSystem | undefined;
  /** The namespace to read from: the tenant's own once it has one, else one made for this read and
   * not kept (its memory mounts are empty). A read, a listing, never makes a tenant's namespace
   * exist: reads of `/tenants/<any name>/…` must not each leave one behind. */
  fsToRead?(tenant: string): Promise<FileSystem>;
  tools: Record<string, ToolSpec>;
  pipes: PipeTable;
  net: NetLimits;
  /** How long a pipe.send may wait for room, or a pipe.recv for a message. */
  pipeTimeoutMs: number;
  /** Takes a checkpoint of the agent's state (its tenant's file system); returns its id. */
  checkpoint(agentId: string, tenant: string, label: string): Promise<string>;
  /** An agent wrote or removed a file (what a per-agent rollback undoes). */
  touched?(agentId: string, tenant: string, path: string): void;
}

export interface EffectCtx {
  agent: { id: string; name: string; role: string; tenant: string };
  /** Aborted when the agent dies: long effects stop. */
  dead: AbortSignal;
  /** Decides and records a further step of this effect (a redirect); false means refused. */
  decide(request: Request): Promise<boolean>;
}

export interface Call {
  request: Request;
  /** The tenant whose namespace the call reaches, when it is not the agent's own (`/tenants/<t>/…`). */
  crossTenant?: string;
  /** For calls decided on what they deliver (pipe.recv): waits for it and returns the request's args. */
  input?: (s: Services, ctx: EffectCtx) => Promise<unknown>;
  /** Gives back what `input` reserved when the effect will not run: `refused` by the policy or an
   * operator, or not (the agent died, the recorder failed). */
  release?: (s: Services, refused: boolean) => void;
  /** Runs the effect; resolves with the JSON the guest gets back. */
  effect: (s: Services, ctx: EffectCtx) => Promise<string | undefined>;
  /** The same effect without waiting, when it needs no I/O and changes nothing (a read): its JSON,
   * or LATER when `effect` must run instead. Throws what `effect` would reject with. Only calls
   * that change nothing have one: an effect that changes something never starts in the slice that
   * asked for it, so a kill later in that slice still stops it (see Agent.gate). */
  now?: (s: Services) => string | undefined | typeof LATER;
}

/** What `Call.now` returns when the effect has to wait: run `effect`. */
export const LATER: unique symbol = Symbol("later");

type Args = Record<string, unknown>;
const obj = (a: unknown): Args => (a !== null && typeof a === "object" && !Array.isArray(a) ? (a as Args) : {});

/** A path as the policy sees it: canonical when it can be, else as given (and then a violation). */
function target(path: unknown): string {
  if (typeof path !== "string") return "\u0000not-a-path";
  const c = canonicalizePath(path);
  return typeof c === "string" ? c : path;
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * Where a canonical path lands: `/tenants/<t>/rest` is `/rest` in tenant t's namespace, the only
 * way to name another tenant's files; anything else is the agent's own namespace. The policy
 * decides on the full path, so a rule that lets one tenant reach another names both (and the
 * agent's own tenant named that way is decided as the short path: see fsCall).
 */
export function tenantOf(path: string, own: string): { tenant: string; path: string; cross: boolean } {
  if (!path.startsWith("/tenants/")) return { tenant: own, path, cross: false };
  const m = /^\/tenants\/([^/]+)(\/.*)?$/s.exec(path);
  if (!m) return { tenant: own, path, cross: false };
  return { tenant: m[1]!, path: m[2] ?? "/", cross: m[1] !== own };
}

function fsCall(syscall: string, a: Args, agent: AgentInfo, args: Request["args"] | undefined,
  run: (fs: FileSystem, path: string) => Promise<string | undefined>,
  now?: (fs: FileSystem, path: string) => string | undefined | typeof LATER): Call {
  let written = target(a.path);
  let where = tenantOf(written, agent.tenant ?? "");
  // What follows an own-tenant prefix is a path of the agent's own namespace, which may name
  // another tenant in turn: `/tenants/<own>/tenants/<t>/x` is t's `/x`, decided as such.
  while (!where.cross && where.path !== written) where = tenantOf((written = where.path), agent.tenant ?? "");
  // `/tenants/<own>/x` is `/x` by another name: decided and recorded as `/x`, so that a rule on the
  // short path (a deny, an `assert never`) cannot be walked around through the long one.
  const path = where.cross ? written : where.path;
  const request: Request = args === undefined ? { agent, syscall, target: path } : { agent, syscall, target: path, args };
  const call: Call = {
    request,
    effect: async (s, ctx) => {
      const reads = syscall === "fs.read" || syscall === "fs.list";
      const out = await run(await (reads && s.fsToRead ? s.fsToRead(where.tenant) : s.fs(where.tenant)), where.path);
      if (syscall === "fs.write" || syscall === "fs.delete") s.touched?.(ctx.agent.id, where.tenant, where.path);
      return out;
    },
  };
  if (where.cross) call.crossTenant = where.tenant;
  if (now) call.now = (s: Services) => { const fs = s.fsNow?.(where.tenant); return fs ? now(fs, where.path) : LATER; };
  return call;
}

const readFile = async (fs: FileSystem, p: string) => json(await fs.read(p));
const readFileNow = (fs: FileSystem, p: string) => {
  const text = fs.readNow?.(p);
  return text === undefined ? LATER : json(text);
};
const listDir = async (fs: FileSystem, p: string) => json(await fs.list(p));
const listDirNow = (fs: FileSystem, p: string) => {
  const names = fs.listNow?.(p);
  return names === undefined ? LATER : json(names);
};

const TABLE: Record<string, (a: Args, agent: AgentInfo) => Call> = {
  "fs.read": (a, agent) => fsCall("fs.read", a, agent, undefined, readFile, readFileNow),
  "fs.list": (a, agent) => fsCall("fs.list", a, agent, undefined, listDir, listDirNow),
  "fs.delete": (a, agent) => fsCall("fs.delete", a, agent, undefined, async (fs, p) => { await fs.remove(p); return undefined; }),
  "fs.write": (a, agent) => {
    const data = a.data;
    // Non-string data is ill-typed: the request carries no size, so the policy sees a violation.
    const args = typeof data === "string" ? { size: Buffer.byteLength(data, "utf8") } : {};
    return fsCall("fs.write", a, agent, args, async (fs, p) => { await fs.write(p, data as string); return undefined; });
  },
  "tool.call": (a, agent) => {
    const name = typeof a.name === "string" ? a.name : "\u0000not-a-tool";
    return {
      request: { agent, syscall: "tool.call", target: name, args: a.args },
      effect: (s, ctx) => runTool(name, s.tools[name], a.args, { agent: ctx.agent }, ctx.dead),
    };
  },
  "pipe.send": (a, agent) => {
    const name = typeof a.name === "string" ? a.name : "\u0000not-a-pipe";
    return {
      request: { agent, syscall: "pipe.send", target: name, args: a.message },
      effect: async (s, ctx) => {
        const pipe = s.pipes.get(ctx.agent.tenant, name);
        if (!pipe) throw new SyscallError("ENOENT", `no pipe ${name}`);
        await pipe.send(a.message, { timeoutMs: s.pipeTimeoutMs, signal: ctx.dead, sender: ctx.agent.id });
        return undefined;
      },
    };
  },
  "pipe.recv": (a, agent) => {
    const name = typeof a.name === "string" ? a.name : "\u0000not-a-pipe";
    let closed = false;
    let seq: number | undefined;
    return {
      request: { agent, syscall: "pipe.recv", target: name },
      // The decision sees the message it would deliver; a closed, drained pipe is decided with none.
      input: async (s, ctx) => {
        const pipe = s.pipes.get(ctx.agent.tenant, name);
        if (!pipe) return undefined;
        const next = await pipe.peek({ timeoutMs: s.pipeTimeoutMs, signal: ctx.dead, reader: ctx.agent.id });
        if ("closed" in next) { closed = true; throw new SyscallError("EPIPE", `pipe ${name} is closed`); }
        seq = next.seq;
        return next.message;
      },
      // A refused delivery goes back to the pipe, for the next reader.
      release: (s, refused) => { if (seq !== undefined) s.pipes.get(agent.tenant ?? "", name)?.release(seq, refused ? agent.id : undefined); seq = undefined; },
      effect: async (s, ctx) => {
        const pipe = s.pipes.get(ctx.agent.tenant, name);
        if (!pipe || closed) throw new SyscallError("EPIPE", `pipe ${name} is closed`);
        // Exactly the message the policy decided on, offered to this reader alone since the peek.
        const message = pipe.take(seq, ctx.agent.id);
        seq = undefined;
        return json(message);
      },
    };
  },
  // Declared by DESIGN as syscalls a policy decides, with no effect defined yet: decided and
  // recorded like any call (so `deny` is EPERM and `kill` kills, as written), and an allowed one
  // fails with ENOSYS. The target is the child's name, or the agent signalled.
  spawn: (a, agent) => ({
    request: { agent, syscall: "spawn", target: typeof a.name === "string" ? a.name : "" },
    effect: async () => { throw notImplemented("spawn"); },
  }),
  signal: (a, agent) => ({
    request: { agent, syscall: "signal", target: typeof a.agent === "string" ? a.agent : "" },
    effect: async () => { throw notImplemented("signal"); },
  }),
  checkpoint: (a, agent) => {
    const label = typeof a.label === "string" ? a.label : "";
    return {
      request: { agent, syscall: "checkpoint", target: label },
      effect: async (s, ctx) => json(await s.checkpoint(ctx.agent.id, ctx.agent.tenant, label)),
    };
  },
  "net.fetch": (a, agent) => {
    const init = obj(a.init);
    const url = typeof a.url === "string" ? canonicalizeUrl(a.url)?.href ?? a.url : "\u0000not-a-url";
    const method = typeof init.method === "string" ? init.method.toUpperCase() : "GET";
    const body = typeof init.body === "string" ? init.body : undefined;
    const size = body === undefined ? 0 : Buffer.byteLength(body, "utf8");
    return {
      request: { agent, syscall: "net.fetch", target: url, args: { method, size } },
      effect: async (s, ctx) => {
        const headers = obj(init.headers) as Record<string, string>;
        const r = await netFetch(url, { method, headers, body }, (hop) =>
          ctx.decide({ agent, syscall: "net.fetch", target: hop.url, args: { method: hop.method, size: hop.size } }), s.net, ctx.dead);
        return json({ status: r.status, headers: r.headers, body: r.body, url: r.url });
      },
    };
  },
};

export type Translation = { ok: true; call: Call } | { ok: false; request: Request };

/** Calls whose one argument is a path, which the guest may send without JSON. */
const PATH_ONLY = new Set(["fs.read", "fs.list", "fs.delete"]);

/**
 * Turns a guest call into its request and effect; unknown or malformed calls still get a request,
 * which the policy decides as a violation. The arguments are JSON, or `path` alone for a call
 * that takes only a path.
 */
export function translate(name: string, argsJson: string | undefined, maxArgBytes: number, agent: AgentInfo, path?: string): Translation {
  const bad = (why: string): Translation => ({ ok: false, request: { agent, syscall: `\u0000${why}`, target: name } });
  const make = TABLE[name];
  if (!make) return bad("unknown-syscall");
  if (path !== undefined) {
    if (!PATH_ONLY.has(name)) return bad("args-not-json");
    if (path.length > maxArgBytes) return bad("args-too-large");
    return { ok: true, call: make({ path }, agent) };
  }
  if (argsJson === undefined) return bad("args-not-json");
  if (argsJson.length > maxArgBytes) return bad("args-too-large");
  let args: unknown;
  try { args = JSON.parse(argsJson); } catch { return bad("args-not-json"); }
  return { ok: true, call: make(obj(args), agent) };
}

export function notImplemented(name: string): SyscallError {
  return new SyscallError("ENOSYS", `${name} is not available in this kernel`);
}
