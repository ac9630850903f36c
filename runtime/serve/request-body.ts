// What `POST /v1/decide` takes, checked once at the edge: the body (bounded), its JSON, and the
// request envelope of DESIGN.md. The envelope's types are checked here; what the policy decides on
// (a known syscall, a canonical path, args of the declared type) is the policy's: a request that
// fails those is decided as a violation, exactly as in the kernel.
import type { IncomingMessage } from "node:http";
import type { Request } from "../../stdlib/abi/types.js";
import { ServeError } from "./errors.js";

export type DecideBody = { batch: false; request: Request } | { batch: true; requests: Request[] };

/** Reads the whole body, refusing it (E1203) once it is longer than `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) { reject(tooLarge(maxBytes)); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) { cleanup(); reject(tooLarge(maxBytes)); return; }
      chunks.push(c);
    };
    const onEnd = () => { cleanup(); resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)); };
    const onError = (e: Error) => { cleanup(); reject(new ServeError("E1201", `cannot read the body: ${e.message}`)); };
    const cleanup = () => { req.off("data", onData); req.off("end", onEnd); req.off("error", onError); };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

const tooLarge = (max: number) => new ServeError("E1203", `the body is larger than ${max} bytes (--max-body)`);

/** The body as one request or a `{ "requests": [...] }` batch; throws E1201 or E1202. */
export function parseDecideBody(text: string): DecideBody {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new ServeError("E1201", `the body is not JSON: ${(e as Error).message}`); }
  if (isObject(v) && Object.prototype.hasOwnProperty.call(v, "requests")) {
    const keys = Object.keys(v);
    if (keys.length !== 1) throw new ServeError("E1202", `a batch is { "requests": [...] } alone; it also has ${keys.filter((k) => k !== "requests").map((k) => JSON.stringify(k)).join(", ")}`);
    const list = v.requests;
    if (!Array.isArray(list)) throw new ServeError("E1202", "`requests` must be an array of requests");
    list.forEach((r, i) => checkRequest(r, `requests[${i}]`));
    return { batch: true, requests: list as Request[] };
  }
  checkRequest(v, "request");
  return { batch: false, request: v as Request };
}

const REQUEST_KEYS = new Set(["agent", "syscall", "target", "args"]);
const AGENT_KEYS = new Set(["id", "name", "role", "tenant", "labels"]);

function checkRequest(v: unknown, at: string): void {
  if (!isObject(v)) throw wrong(at, "must be an object { agent, syscall, target, args }");
  for (const k of Object.keys(v)) if (!REQUEST_KEYS.has(k)) throw wrong(`${at}.${k}`, "is not a member of a request (agent, syscall, target, args)");
  if (typeof v.syscall !== "string") throw wrong(`${at}.syscall`, "must be a string");
  if (typeof v.target !== "string") throw wrong(`${at}.target`, "must be a string");
  const a = v.agent;
  if (a === undefined) return;
  if (!isObject(a)) throw wrong(`${at}.agent`, "must be an object");
  for (const [k, x] of Object.entries(a)) {
    if (!AGENT_KEYS.has(k)) throw wrong(`${at}.agent.${k}`, "is not an agent field (id, name, role, tenant, labels)");
    if (k === "labels") {
      if (!isObject(x)) throw wrong(`${at}.agent.labels`, "must be an object of strings");
      for (const [l, s] of Object.entries(x)) if (typeof s !== "string") throw wrong(`${at}.agent.labels.${l}`, "must be a string");
    } else if (typeof x !== "string") throw wrong(`${at}.agent.${k}`, "must be a string");
  }
}

const wrong = (path: string, what: string) => new ServeError("E1202", `${path} ${what}`);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
