// Turns a raw request into the normalized form both the interpreter and the WASM encoder decide on,
// or says why it is a violation without a rule (docs/reference.md, "Rules and decisions").
import { isCanonicalPath } from "./canonical-path.js";
import { canonicalUrlTarget } from "./canonical-url.js";
import { isWellFormed } from "../utf8.js";
import { conforms } from "./conforms.js";
import { SYSCALL_CODE, type Syscall, type TypeDesc } from "./types.js";

export interface PolicyShape {
  tools: readonly { name: string; param: TypeDesc }[];
  pipes: readonly { name: string; carries: TypeDesc }[];
}

export interface PreparedAgent { id: string; name: string; role: string; tenant: string; labels: Record<string, string> }

export type Prepared =
  | { ok: true; syscall: Syscall; target: string; targetIndex: number; agent: PreparedAgent; args: unknown }
  | { ok: false; reason: string };

const AGENT_FIELDS = ["id", "name", "role", "tenant"] as const;

/** Tool and pipe positions by name, built once per policy: the decision path must not scan them. */
const indexes = new WeakMap<PolicyShape, { tools: Map<string, number>; pipes: Map<string, number> }>();
function indexOf(shape: PolicyShape) {
  let ix = indexes.get(shape);
  if (!ix) {
    ix = { tools: new Map(shape.tools.map((t, i) => [t.name, i])), pipes: new Map(shape.pipes.map((p, i) => [p.name, i])) };
    indexes.set(shape, ix);
  }
  return ix;
}

export function prepareRequest(shape: PolicyShape, req: unknown): Prepared {
  if (req === null || typeof req !== "object") return fail("request is not an object");
  const r = req as Record<string, unknown>;
  const syscall = r.syscall;
  if (typeof syscall !== "string" || !Object.prototype.hasOwnProperty.call(SYSCALL_CODE, syscall)) {
    return fail(`unknown syscall ${JSON.stringify(syscall)}`);
  }
  const target = r.target;
  if (typeof target !== "string") return fail("target is not a string");
  if (!isWellFormed(target)) return fail("target has a lone surrogate");
  const agent = prepareAgent(r.agent);
  if (!agent) return fail("agent fields and labels must be strings, with no lone surrogate");
  const sc = syscall as Syscall;
  const args = r.args;
  switch (sc) {
    case "fs.read": case "fs.list": case "fs.delete":
      return isCanonicalPath(target) ? ok(sc, target, -1, agent, undefined) : fail(`non-canonical path ${JSON.stringify(target)}`);
    case "fs.write": {
      if (!isCanonicalPath(target)) return fail(`non-canonical path ${JSON.stringify(target)}`);
      const a = args as Record<string, unknown> | undefined;
      if (!a || typeof a !== "object" || typeof a.size !== "number" || !Number.isFinite(a.size)) return fail("fs.write needs args.size");
      return ok(sc, target, -1, agent, { size: a.size });
    }
    case "net.fetch": {
      const u = canonicalUrlTarget(target);
      if (!u) return fail(`non-canonical URL ${JSON.stringify(target)}`);
      const a = args as Record<string, unknown> | undefined;
      if (!a || typeof a !== "object" || typeof a.method !== "string" || !isWellFormed(a.method)) return fail("net.fetch needs args.method");
      const size = a.size === undefined ? 0 : a.size;
      if (typeof size !== "number" || !Number.isFinite(size)) return fail("net.fetch args.size must be a number");
      return ok(sc, target, -1, agent, { method: a.method, host: u.host, port: u.port, path: u.path, size });
    }
    case "tool.call": {
      const i = indexOf(shape).tools.get(target) ?? -1;
      if (i < 0) return fail(`undeclared tool ${JSON.stringify(target)}`);
      return conforms(shape.tools[i]!.param, args) ? ok(sc, target, i, agent, args) : fail(`args do not match the type of tool ${target}`);
    }
    case "pipe.send": case "pipe.recv": {
      const i = indexOf(shape).pipes.get(target) ?? -1;
      if (i < 0) return fail(`undeclared pipe ${JSON.stringify(target)}`);
      return conforms(shape.pipes[i]!.carries, args) ? ok(sc, target, i, agent, args) : fail(`message does not match the type of pipe ${target}`);
    }
    case "spawn": case "signal": case "checkpoint":
      return ok(sc, target, -1, agent, undefined);
  }
}

function prepareAgent(a: unknown): PreparedAgent | null {
  if (a === undefined || a === null) return { id: "", name: "", role: "", tenant: "", labels: {} };
  if (typeof a !== "object" || Array.isArray(a)) return null;
  const o = a as Record<string, unknown>;
  const out: PreparedAgent = { id: "", name: "", role: "", tenant: "", labels: {} };
  for (const f of AGENT_FIELDS) {
    const v = o[f];
    if (v === undefined) continue;
    if (typeof v !== "string" || !isWellFormed(v)) return null;
    out[f] = v;
  }
  if (o.labels !== undefined) {
    if (o.labels === null || typeof o.labels !== "object" || Array.isArray(o.labels)) return null;
    const labels: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(o.labels as Record<string, unknown>)) {
      if (typeof v !== "string" || !isWellFormed(v) || !isWellFormed(k)) return null;
      labels[k] = v;
    }
    out.labels = labels;
  }
  return out;
}

function ok(syscall: Syscall, target: string, targetIndex: number, agent: PreparedAgent, args: unknown): Prepared {
  return { ok: true, syscall, target, targetIndex, agent, args };
}
function fail(reason: string): Prepared {
  return { ok: false, reason };
}
